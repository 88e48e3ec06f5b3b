package audit

import (
	"fmt"
	"slices"
	"strings"
)

// The two settings that keep nginx sending requests to a peer that does
// not answer: what analyze names in the fix of a refusing peer, so that
// the configuration gate catches them before the incident.

// NextUpstreamOff: "proxy_next_upstream off" answers the client with the
// first failure, though another peer could have served the request.
var NextUpstreamOff = &Rule{
	ID: "next-upstream-off", Severity: Warning, Title: "failures not retried on another peer",
	Why: "With proxy_next_upstream off nginx passes a request to one peer only: when that peer refuses the connection, resets it or times out, " +
		"the client gets the 502 or 504 although the other peers of the group are up. The default, \"error timeout\", tries the next peer for failures " +
		"that happened before anything was sent to the client, which is safe for every method when the connection was never made.",
	Source: docs + "ngx_http_proxy_module.html#proxy_next_upstream",
	Run: func(p *Pass) {
		for _, u := range p.Conf.Upstreams {
			if live, _ := livePeers(u); live < 2 || u.Balancer {
				continue
			}
			for _, pr := range p.Conf.ProxiesTo(u) {
				d, ok := pr.In.Effective("proxy_next_upstream")
				if !ok || !slices.Contains(d.Args[1:], "off") {
					continue
				}
				p.About(u).Report(at(d), fmt.Sprintf("proxy_next_upstream off for %s, which has %d peers: a request whose peer refuses, resets or times out is answered 502 or 504 instead of going to another peer.", groupWord(u), len(u.Servers)),
					[]string{fmt.Sprintf("Use \"proxy_next_upstream error timeout;\" at %s (nginx's default): a connection that failed is retried on the next peer.", at(d))}, upstreamAt(u))
			}
		}
	},
}

// MaxFailsZero: max_fails=0 turns off nginx's accounting of failures for
// a peer, so a dead peer keeps its share of the requests.
var MaxFailsZero = &Rule{
	ID: "max-fails-zero", Severity: Warning, Title: "a peer never marked down",
	Why: "max_fails=0 tells nginx never to mark the peer unavailable: while it is down every request the balancer gives it pays a failed connect first, " +
		"and with proxy_next_upstream off (or a non-idempotent request already sent) that request is a 502. With the default, max_fails=1, nginx skips " +
		"a failed peer for fail_timeout (10 s) and then tries it again.",
	Source: docs + "ngx_http_upstream_module.html#max_fails",
	Run: func(p *Pass) {
		for _, u := range p.Conf.Upstreams {
			if live, _ := livePeers(u); live < 2 || u.Balancer {
				continue
			}
			for _, s := range u.Servers {
				if s.Backup || !s.MaxFailsSet || s.MaxFails != 0 {
					continue
				}
				p.About(u).Report(Location{File: u.File, Line: s.Line, What: "server"}, fmt.Sprintf("%s: peer %s has max_fails=0: nginx never skips it while it is down, so its share of the requests keeps going to it.", groupWord(u), s.Addr),
					[]string{fmt.Sprintf("Remove max_fails=0 from %s:%d (the default, 1, skips a failing peer for fail_timeout), or use a health check that takes it out.", u.File, s.Line)})
			}
		}
	},
}

// WorkerFilesLow: nginx needs a descriptor per connection, two per
// proxied request; a file limit below that runs out before
// worker_connections does.
var WorkerFilesLow = &Rule{
	ID: "worker-files-low", Severity: Warning, Title: "file limit below the connections",
	Why: "Each proxied request holds two descriptors (the client's connection and the upstream's), more when a response is buffered to disk. " +
		"With worker_rlimit_nofile under twice worker_connections a busy worker runs out of files first: accept4() or connect() fail with " +
		"\"Too many open files\" (errno 24) and nginx answers 500 or drops connections. nginx itself warns \"worker_connections exceed open file resource limit\" at start.",
	Source: "https://nginx.org/en/docs/ngx_core_module.html#worker_rlimit_nofile",
	Run: func(p *Pass) {
		limit := mainSetting(p.Conf, "", "worker_rlimit_nofile", "")
		conns := mainSetting(p.Conf, "events", "worker_connections", "512")
		var files, n int
		if !limit.Written() || len(p.Conf.Proxies) == 0 {
			return
		}
		if _, err := fmt.Sscan(limit.Value, &files); err != nil || files <= 0 {
			return
		}
		if _, err := fmt.Sscan(conns.Value, &n); err != nil || files >= 2*n {
			return
		}
		p.Report(settingAt(limit, "worker_rlimit_nofile"), fmt.Sprintf("worker_rlimit_nofile %d is below twice worker_connections %d: proxied requests take two descriptors each, so files run out at %d requests in flight per worker (\"Too many open files\").", files, n, files/2),
			[]string{fmt.Sprintf("Raise worker_rlimit_nofile to at least %d (twice worker_connections, more with buffering to disk), and the service's own limit (systemd LimitNOFILE, the container's ulimit).", 2*n)})
	},
}

// settingAt is where a setting read with mainSetting is written.
func settingAt(s Setting, name string) Location {
	file, line, _ := strings.Cut(s.At, ":")
	var n int
	fmt.Sscan(line, &n)
	return Location{File: file, Line: n, What: name}
}
