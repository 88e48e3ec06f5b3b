package diagnose

import (
	"fmt"
	"strings"
	"time"

	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/words"
)

// protocol is the scheme of the upstream URLs the burst's error lines
// name (nginx writes "fastcgi://unix:/run/php/php-fpm.sock:", "uwsgi://…",
// "http://…"), "" when none does.
func (in ruleInput) protocol() string {
	if len(in.ev.Protocols) == 0 {
		return ""
	}
	return in.ev.Protocols[0].Key
}

// directive names a proxy directive as the peers' module spells it:
// "read_timeout" is proxy_read_timeout for HTTP, fastcgi_read_timeout,
// uwsgi_read_timeout, scgi_read_timeout or grpc_read_timeout for the
// others.
func (in ruleInput) directive(suffix string) string {
	switch p := strings.TrimSuffix(in.protocol(), "s"); p {
	case "fastcgi", "uwsgi", "scgi", "grpc", "memcached":
		return p + "_" + suffix
	}
	return "proxy_" + suffix
}

// notHTTP reports whether the peers speak FastCGI, uwsgi, SCGI or
// memcached, where HTTP keep-alive (and its races and timeouts) does not
// exist: nginx opens a connection per request unless fastcgi_keep_conn
// (or its kin) is on with an upstream keepalive, which badgw check's
// keepalive rules do not read, so such a setup is treated as HTTP's
// absence too.
func (in ruleInput) notHTTP() bool {
	switch in.protocol() {
	case "fastcgi", "uwsgi", "scgi", "memcached":
		return true
	}
	return false
}

// fastcgiTimeLimit: the application server killed the worker that ran
// the request when its time limit passed (PHP-FPM's
// request_terminate_timeout, PHP's max_execution_time, uWSGI's harakiri):
// nginx reads a reset or a premature close while waiting for the
// response header. The signature is a FastCGI or uwsgi peer, requests
// cut off after the same time (the limit), and most of them to one URL
// (the slow script). score(0.6, 0.35, share of the cut-offs).
func fastcgiTimeLimit(in ruleInput) (Cause, bool) {
	cut := in.cat(logparse.CatConnReset) + in.cat(logparse.CatPrematureClose)
	proto := in.protocol()
	if cut == 0 || (proto != "fastcgi" && proto != "uwsgi") || in.ev.ResponseTimed < 3 {
		return Cause{}, false
	}
	// A limit cuts every request off after the same time, give or take
	// how often the killer looks: PHP-FPM's process control checks the
	// running requests about once a second (its heartbeat), so a 2 s
	// limit kills between 2 and 3 s.
	lo, hi := in.ev.ResponseMin, in.ev.ResponseMax
	if lo < time.Second || hi-lo > max(1100*time.Millisecond, lo/4) {
		return Cause{}, false // no constant time to failure: no limit
	}
	url, n := "", 0
	if len(in.ev.URLs) > 0 {
		url, n = in.ev.URLs[0].Key, in.ev.URLs[0].N
	}
	if url == "" || float64(n) < 0.8*float64(in.ev.Bad) {
		return Cause{}, false
	}
	server, limit, where := "The FastCGI server (php-fpm)", "PHP-FPM's request_terminate_timeout in the pool, or PHP's max_execution_time", "php-fpm's slowlog (request_slowlog_timeout and slowlog in the pool) shows where it spends the time"
	if proto == "uwsgi" {
		server, limit, where = "uWSGI", "uWSGI's harakiri", "uWSGI's log names each request it killed (\"HARAKIRI ON WORKER\")"
	}
	took := fmt.Sprintf("%.1f s", lo.Seconds())
	if hi-lo >= 100*time.Millisecond {
		took = fmt.Sprintf("%.1f–%.1f s", lo.Seconds(), hi.Seconds())
	}
	if in.cat(logparse.CatConnReset)+in.cat(logparse.CatPrematureClose) < in.ev.Bad/2 {
		return Cause{}, false
	}
	return Cause{
		ID: CauseFastCGITimeLimit, Confidence: score(0.6, 0.35, in.share(cut)),
		Summary: fmt.Sprintf("%s behind %s killed the workers running %s during %s: %s were cut off after the same %s (a reset or close while nginx waited for the response header), the mark of a time limit: %s.",
			server, in.peerList(logparse.CatConnReset, logparse.CatPrematureClose), url, in.window(), words.Count(n, "request"), took, limit),
		Evidence: []string{
			fmt.Sprintf("%d of %d bad responses were to %s", n, in.ev.Bad, url),
			fmt.Sprintf("%d× reset or premature close of a %s connection while reading the response header", cut, proto),
			fmt.Sprintf("$upstream_response_time of the bad responses: %.3f s to %.3f s", lo.Seconds(), hi.Seconds()),
		},
		Steps: []Step{
			step(fmt.Sprintf("Find why %s runs past the limit (its requests were cut off after %s) and fix it, a slow query or a call to a service that hangs: %s. If it legitimately takes longer, raise the limit (%s) and %s_read_timeout in nginx to match.", url, took, where, limit, proto), ""),
		},
	}, true
}
