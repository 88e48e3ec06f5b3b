// Package diagnose ranks the likely causes of a burst from its evidence:
// what the access and error logs showed and what nginx.conf says about the
// group. Each rule documents its confidence formula.
package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/nginxconf"
	"github.com/badgw/badgw/words"
)

// Cause is one likely explanation of a burst. ID is part of the CSV and JSON
// contract: add new identifiers, never rename one.
type Cause struct {
	ID string `json:"id"`
	// Confidence is between 0 and 1. Each rule documents its formula; they
	// share one shape: a base for the kind of evidence plus a share of the
	// burst's bad responses that the evidence covers.
	Confidence float64  `json:"confidence"`
	Summary    string   `json:"summary"`
	Evidence   []string `json:"evidence"`
	Fix        string   `json:"fix"`
}

// Cause identifiers.
const (
	CauseAllPeersDown        = "all_peers_down"
	CauseRetryAmplification  = "retry_amplification"
	CauseNoKeepalive         = "no_keepalive"
	CauseKeepaliveRace       = "keepalive_race"
	CausePeerRefused         = "peer_refused"
	CauseBackendCrash        = "backend_crash"
	CauseBackendHangup       = "backend_hangup"
	CauseUpstreamTimeout     = "upstream_timeout"
	CauseBadUpstreamResponse = "bad_upstream_response"
	CauseLuaBalancer         = "lua_balancer"
	CauseResourceExhaustion  = "resource_exhaustion"
	CauseSSLUpstream         = "ssl_upstream"
	CauseSocketUnavailable   = "socket_unavailable"
	CauseResolverFailure     = "resolver_failure"
	CauseConnectFailed       = "connect_failed"
	CauseNoResponse          = "no_response"
	CauseUnknown             = "unknown"
)

// ruleInput is what a rule reads.
type ruleInput struct {
	ev *Evidence
}

// hasConf reports whether nginx.conf described the burst's group.
func (in ruleInput) hasConf() bool { return in.ev.Conf != nil }

// conf is the group's upstream block, the zero block when unknown.
func (in ruleInput) conf() nginxconf.Upstream {
	if in.ev.Conf == nil {
		return nginxconf.Upstream{}
	}
	return *in.ev.Conf
}

func (in ruleInput) cat(c logparse.Category) int { return in.ev.Categories[c] }

// share is n over the burst's bad responses, capped at 1.
func (in ruleInput) share(n int) float64 {
	if in.ev.Bad == 0 {
		return 0
	}
	return min(1, float64(n)/float64(in.ev.Bad))
}

func (in ruleInput) window() string {
	return fmt.Sprintf("%s–%s", in.ev.Start.Format("15:04:05"), in.ev.End.Format("15:04:05"))
}

// peerList names the peers that logged events of the categories, busiest
// first, at most four.
func (in ruleInput) peerList(cats ...logparse.Category) string {
	counts := map[string]int{}
	for _, c := range cats {
		for _, p := range in.ev.CatPeers[c] {
			if p.Key != "" {
				counts[p.Key] += p.N
			}
		}
	}
	var names []string
	for _, p := range TopCounts(counts) {
		names = append(names, p.Key)
		if len(names) == 4 {
			break
		}
	}
	if len(names) == 0 {
		return "the peers of " + in.ev.Group
	}
	return strings.Join(names, ", ")
}

type rule func(in ruleInput) (Cause, bool)

// rules are tried on every burst; each returns whether it applies.
var rules = []rule{
	allPeersDown, retryAmplification, noKeepalive, keepaliveRace, peerRefused,
	backendCrash, backendHangup, upstreamTimeout, badUpstreamResponse, luaBalancer,
	resourceExhaustion, sslUpstream, socketUnavailable, resolverFailure,
	connectFailed, noResponse,
}

// Explain runs the rules and returns the causes that apply, most likely
// first; "unknown" when nothing reaches a confidence of 0.3.
func Explain(ev Evidence) []Cause {
	in := ruleInput{ev: &ev}
	var out []Cause
	for _, r := range rules {
		if c, ok := r(in); ok {
			c.Confidence = float64(int(c.Confidence*100+0.5)) / 100
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	if len(out) == 0 || out[0].Confidence < 0.3 {
		out = append([]Cause{unknown(in)}, out...)
	}
	return out
}

func failTimeout(in ruleInput) (time.Duration, string) {
	if in.hasConf() && len(in.conf().Servers) > 0 {
		s := in.conf().Servers[0]
		if d, err := time.ParseDuration(s.FailTimeout); err == nil {
			return d, fmt.Sprintf("max_fails=%d fail_timeout=%s", s.MaxFails, s.FailTimeout)
		}
	}
	return 10 * time.Second, "max_fails=1 fail_timeout=10s, the defaults"
}

// allPeersDown: nginx had no live peer ("no live upstreams", the group name
// in $upstream_addr). Confidence 0.5 + 0.4 × share of bad responses showing
// it, + 0.1 when the burst lasts about fail_timeout (peers come back then).
func allPeersDown(in ruleInput) (Cause, bool) {
	if !in.ev.FailsRequests {
		return Cause{}, false
	}
	nl := in.cat(logparse.CatNoLiveUpstreams)
	n := max(nl, in.ev.GroupNamed)
	if in.share(n) < 0.2 {
		return Cause{}, false
	}
	ft, ftText := failTimeout(in)
	conf := 0.5 + 0.4*in.share(n)
	d := in.ev.Duration()
	if d >= ft-3*time.Second && d <= 2*ft+3*time.Second {
		conf += 0.1
	}
	ev := []string{fmt.Sprintf("%d× \"no live upstreams\" in error.log", nl)}
	if in.ev.Is502 {
		ev = append(ev, fmt.Sprintf("%d of %d 502s logged the group name %q as $upstream_addr", in.ev.GroupNamed, in.ev.Bad, in.ev.Group))
	}
	ev = append(ev, fmt.Sprintf("burst lasted %s; peers marked down return after fail_timeout (%s)", words.Duration(d), ftText))
	var why []string
	if in.ev.Prelude500 > 0 || in.ev.Prelude5xx > 0 {
		ev = append(ev, fmt.Sprintf("in the 15s before: %d upstream 5xx answers (%d of them 500) counted as peer failures", in.ev.Prelude5xx, in.ev.Prelude500))
		if in.ev.Prelude500 > 0 {
			why = append(why, "HTTP 500 answers (proxy_next_upstream lists http_500, so each one counts as a failure)")
		}
	}
	if n := in.ev.Prelude[logparse.CatPeerDisabled] + in.ev.Categories[logparse.CatPeerDisabled]; n > 0 {
		ev = append(ev, fmt.Sprintf("%d× \"upstream server temporarily disabled\" (a peer reached max_fails)", n))
	}
	for _, c := range []logparse.Category{logparse.CatConnectRefused, logparse.CatConnectTimeout, logparse.CatReadTimeout, logparse.CatPrematureClose, logparse.CatConnReset, logparse.CatAddrUnavailable} {
		if n := in.ev.Prelude[c] + in.ev.Categories[c]; n > 0 {
			ev = append(ev, fmt.Sprintf("%d× %s around the burst", n, c))
			why = append(why, c.String())
		}
	}
	for _, ch := range in.ev.Chains {
		if strings.Contains(ch.Key, ", ") {
			why = append(why, "retried 5xx answers (chains such as \""+ch.Key+"\")")
			break
		}
	}
	markedBy := "failures just before the burst"
	if len(why) > 0 {
		markedBy = strings.Join(dedupe(why), ", ")
	}
	// Behind a Lua balancer the only "peer" nginx itself tracks is the
	// 0.0.0.1 placeholder: it is marked down when the balancer set no peer,
	// so lua_balancer is the better explanation.
	if lb := in.cat(logparse.CatLuaBalancer) + in.ev.Placeholder; lb > 0 || in.conf().Balancer {
		conf *= 0.6
		markedBy = "the balancer_by_lua placeholder peer failed (see lua_balancer)"
	}
	return Cause{
		ID: CauseAllPeersDown, Confidence: min(conf, 0.99),
		Summary: fmt.Sprintf("Every peer of upstream %s was marked down (%s), so nginx answered %d requests with 502 \"no live upstreams\" during %s. What marked them down: %s.",
			in.ev.Group, ftText, in.ev.Bad, in.window(), markedBy),
		Evidence: ev,
		Fix: "Find out why the peers failed (the evidence says what marked them down), then make one bad minute not take the whole group out: " +
			"`server ADDR max_fails=3 fail_timeout=5s;` per peer; drop `http_500` (and `http_502 http_503 http_504` unless they mean the peer is dead) from `proxy_next_upstream` so application errors do not mark peers down; " +
			"bound retries with `proxy_next_upstream_tries 2;`; add a `backup` server; and reuse upstream connections with `keepalive 32;` in the upstream block plus `proxy_http_version 1.1;` and `proxy_set_header Connection \"\";` in the location.",
	}, true
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// retryAmplification: requests tried on several peers. Confidence 0.3 +
// 0.8 × (attempts per request − 1) + 0.3 × share of bad responses with a
// multi-try chain, at most 0.85.
func retryAmplification(in ruleInput) (Cause, bool) {
	multi := 0
	for _, c := range in.ev.Chains {
		if strings.Contains(c.Key, ", ") {
			multi += c.N
		}
	}
	apr := in.ev.AttemptsPerRequest()
	if apr < 1.2 && in.share(multi) < 0.3 {
		return Cause{}, false
	}
	conf := min(0.85, 0.3+0.8*(apr-1)+0.3*in.share(multi))
	return Cause{
		ID: CauseRetryAmplification, Confidence: conf,
		Summary: fmt.Sprintf("proxy_next_upstream retried failing requests on other peers: %.2f upstream attempts per client request on %s during %s, multiplying load on the peers that were still up.",
			apr, in.ev.Group, in.window()),
		Evidence: []string{
			fmt.Sprintf("%d attempts for %d requests", in.ev.Attempts, in.ev.Requests),
			fmt.Sprintf("%d of %d bad responses went through several peers", multi, in.ev.Bad),
		},
		Fix: "Bound retries: `proxy_next_upstream_tries 2;` and `proxy_next_upstream_timeout 5s;`; retry only on `error timeout` (not `http_500 http_502 http_503 http_504`) unless those answers really mean the peer is unusable.",
	}, true
}

// noKeepalive: connection churn. errno 99 (no free ephemeral port) is
// direct evidence: 0.6 + 0.3 × its share. Without it, an upstream that
// nginx.conf shows without "keepalive" and whose peers failed to connect or
// were all marked down scores 0.35.
func noKeepalive(in ruleInput) (Cause, bool) {
	addr := in.cat(logparse.CatAddrUnavailable)
	connectFailures := in.cat(logparse.CatConnectRefused) + in.cat(logparse.CatConnectTimeout) + in.cat(logparse.CatNoLiveUpstreams) + in.ev.GroupNamed
	var conf float64
	switch {
	case addr > 0:
		conf = 0.6 + 0.3*in.share(addr)
	case in.hasConf() && in.conf().Keepalive == 0 && !in.conf().Balancer && connectFailures > 0:
		// Refusals alone point at the peer more than at churn.
		conf = 0.25
		if in.cat(logparse.CatNoLiveUpstreams)+in.ev.GroupNamed+in.cat(logparse.CatConnectTimeout) > 0 {
			conf = 0.35
		}
	default:
		return Cause{}, false
	}
	var ev []string
	if addr > 0 {
		ev = append(ev, fmt.Sprintf("%d× errno 99 (Cannot assign requested address: ephemeral ports exhausted)", addr))
	}
	if in.hasConf() {
		ev = append(ev, fmt.Sprintf("upstream %s in nginx.conf has no keepalive directive", in.conf().Name))
	}
	return Cause{
		ID: CauseNoKeepalive, Confidence: conf,
		Summary:  fmt.Sprintf("Upstream %s opens a new TCP connection for every request (no upstream keepalive): connection churn makes connects fail under load and leaves sockets in TIME_WAIT.", in.ev.Group),
		Evidence: ev,
		Fix:      "In the upstream block: `keepalive 32;` (raise it if 502s persist; one report needed 200). In the location: `proxy_http_version 1.1;` and `proxy_set_header Connection \"\";`, or nginx keeps closing the connections.",
	}, true
}

// abruptPeers names the peers that closed or reset connections.
func (in ruleInput) abruptPeers() string {
	var names []string
	for p := range in.ev.AbruptFirst {
		if p != "" {
			names = append(names, p)
		}
	}
	if len(names) == 0 {
		return "the peers of " + in.ev.Group
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (in ruleInput) abrupt() int {
	return in.cat(logparse.CatPrematureClose) + in.cat(logparse.CatConnReset) + in.cat(logparse.CatBrokenPipe)
}

// crashed reports whether some peer cut connections off and refused new
// ones within a few seconds after. One premature close or reset is what a
// sporadic background gives any peer at any time, and a peer that merely
// stops listening cuts the one request it was serving; a crash cuts off
// the requests in flight, so it takes two or more cuts in the 5 s up to
// the first refusal (a second after it, for the same log second).
func (in ruleInput) crashed() (string, time.Time, bool) {
	for peer, abrupt := range in.ev.AbruptFirst {
		refused, ok := in.ev.RefusedFirst[peer]
		if !ok || refused.Before(abrupt) || refused.Sub(abrupt) > 5*time.Second {
			continue
		}
		cut := 0
		for _, at := range in.ev.AbruptTimes[peer] {
			if !at.Before(refused.Add(-5*time.Second)) && !at.After(refused.Add(time.Second)) {
				cut++
			}
		}
		if cut >= 2 {
			return peer, abrupt, true
		}
	}
	return "", time.Time{}, false
}

// keepaliveRace: premature closes or resets on reused connections,
// sporadic rather than a wall of errors. Base 0.35, + 0.2 when nginx.conf
// shows upstream keepalive, + 0.15 when they are a small share of traffic
// (≤ 20 %) or − 0.15 when most requests failed, + 0.1 when most bad
// requests are non-idempotent (never retried), + 0.1 when nothing was
// refused; halved after a crash.
func keepaliveRace(in ruleInput) (Cause, bool) {
	ab := in.abrupt()
	if ab == 0 || !in.ev.FailsRequests {
		return Cause{}, false
	}
	conf := 0.35
	if in.hasConf() && in.conf().Keepalive > 0 {
		conf += 0.2
	}
	switch {
	case in.ev.Share() <= 0.2:
		conf += 0.15
	case in.ev.Share() > 0.5:
		conf -= 0.15 // a race loses a few requests, not most of them
	}
	nonIdem := in.ev.Methods["POST"] + in.ev.Methods["PATCH"]
	if in.share(nonIdem) >= 0.5 {
		conf += 0.1
	}
	if in.cat(logparse.CatConnectRefused) == 0 {
		conf += 0.1
	}
	if _, _, ok := in.crashed(); ok {
		conf /= 2
	}
	return Cause{
		ID: CauseKeepaliveRace, Confidence: conf,
		Summary: fmt.Sprintf("%s closed idle keep-alive connections just as nginx reused them: %d premature closes/resets, %.1f%% of requests failed during %s. Non-idempotent requests (POST) are not retried, so they surface as 502.",
			in.abruptPeers(), ab, 100*in.ev.Share(), in.window()),
		Evidence: []string{
			fmt.Sprintf("%d× premature_close, %d× conn_reset, %d× broken_pipe", in.cat(logparse.CatPrematureClose), in.cat(logparse.CatConnReset), in.cat(logparse.CatBrokenPipe)),
			fmt.Sprintf("%d of %d bad requests were POST/PATCH", nonIdem, in.ev.Bad),
		},
		Fix: "Make nginx give up idle upstream connections before the backend does: in the upstream block set `keepalive_timeout` below the backend's idle timeout (backend 5s → `keepalive_timeout 4s;`), or raise the backend's idle/keep-alive timeout above nginx's (60s by default).",
	}, true
}

// peerRefused: connections refused (111). 0.45 + 0.45 × share; × 0.8 when
// the refusals followed a crash (backend_crash explains both).
func peerRefused(in ruleInput) (Cause, bool) {
	n := in.cat(logparse.CatConnectRefused)
	if n == 0 {
		return Cause{}, false
	}
	conf := 0.45 + 0.45*in.share(n)
	if _, _, ok := in.crashed(); ok {
		conf *= 0.8
	}
	return Cause{
		ID: CausePeerRefused, Confidence: conf,
		Summary: fmt.Sprintf("%s refused connections (errno 111: nothing listening) during %s: %s for %s.",
			in.peerList(logparse.CatConnectRefused), in.window(), words.Count(n, "refusal"), words.Count(in.ev.Bad, "bad response")),
		Evidence: []string{fmt.Sprintf("%d× connect() failed (111: Connection refused)", n)},
		Fix:      "Check the service on that peer (process down or restarting, wrong port, listen backlog full: raise it and net.core.somaxconn). With several peers, keep `proxy_next_upstream error timeout;` so another peer is tried, and `max_fails`/`fail_timeout` (not 0) so a dead peer is skipped.",
	}, true
}

// backendCrash: a peer cut in-flight responses off and refused connections
// right after: 0.85.
func backendCrash(in ruleInput) (Cause, bool) {
	peer, at, ok := in.crashed()
	if !ok {
		return Cause{}, false
	}
	return Cause{
		ID: CauseBackendCrash, Confidence: 0.85,
		Summary: fmt.Sprintf("%s crashed or was restarted at %s: it cut off in-flight responses, then refused connections until %s.",
			peer, at.Format("15:04:05"), in.ev.End.Format("15:04:05")),
		Evidence: []string{
			fmt.Sprintf("%d× premature close / reset, first at %s", in.abrupt(), at.Format("15:04:05")),
			fmt.Sprintf("%d× connection refused, first at %s", in.cat(logparse.CatConnectRefused), in.ev.RefusedFirst[peer].Format("15:04:05")),
		},
		Fix: "Look at the backend at that moment (its own log, the OOM killer in `dmesg`, the service manager's restarts). Restart gracefully (stop accepting, drain, then exit), and run more than one peer so `proxy_next_upstream error timeout` can retry elsewhere.",
	}, true
}

// backendHangup: the peer accepted connections and dropped them without an
// answer (premature close, reset) for a large share of requests, with no
// refusals after: a worker dying per request, a proxy or app server closing
// early, a request it rejects. 0.4 + 0.5 × (burst share of requests / 0.5,
// at most 1) × share of bad responses showing it; 0 after a crash.
func backendHangup(in ruleInput) (Cause, bool) {
	ab := in.abrupt()
	if ab == 0 || !in.ev.FailsRequests {
		return Cause{}, false
	}
	if _, _, ok := in.crashed(); ok {
		return Cause{}, false
	}
	conf := 0.4 + 0.5*min(1, in.ev.Share()/0.5)*in.share(ab)
	return Cause{
		ID: CauseBackendHangup, Confidence: conf,
		Summary: fmt.Sprintf("%s accepted connections and closed or reset them without answering during %s: %d of %d requests failed (%.0f%%), and nothing was refused, so the process stayed up.",
			in.abruptPeers(), in.window(), in.ev.Bad, in.ev.Requests, 100*in.ev.Share()),
		Evidence: []string{
			fmt.Sprintf("%d× premature_close, %d× conn_reset, %d× broken_pipe", in.cat(logparse.CatPrematureClose), in.cat(logparse.CatConnReset), in.cat(logparse.CatBrokenPipe)),
			fmt.Sprintf("%d× connection refused", in.cat(logparse.CatConnectRefused)),
		},
		Fix: "Look at the backend for requests it drops: worker processes killed per request (OOM, max request size, segfaults), a proxy or app server in front of it with a shorter timeout, a listen queue it resets. Its own logs at that time say which; nginx only sees the connection close.",
	}, true
}

// upstreamTimeout: the upstream did not answer in time (504). For a 504
// episode 0.6 + 0.35 × share of timeout events; for a 502 burst only as a
// side note, 0.2 + 0.3 × share.
func upstreamTimeout(in ruleInput) (Cause, bool) {
	n := in.cat(logparse.CatReadTimeout) + in.cat(logparse.CatConnectTimeout) + in.cat(logparse.CatSendTimeout)
	var conf float64
	switch {
	case in.ev.Is504:
		conf = 0.6 + 0.35*in.share(n)
	case n > 0:
		conf = 0.2 + 0.3*in.share(n)
	default:
		return Cause{}, false
	}
	return Cause{
		ID: CauseUpstreamTimeout, Confidence: conf,
		Summary: fmt.Sprintf("%s did not answer in time during %s: %d timeouts (504 Gateway Timeout, not a 502).",
			in.peerList(logparse.CatReadTimeout, logparse.CatConnectTimeout, logparse.CatSendTimeout), in.window(), n),
		Evidence: []string{
			fmt.Sprintf("%d× read_timeout, %d× connect_timeout, %d× send_timeout", in.cat(logparse.CatReadTimeout), in.cat(logparse.CatConnectTimeout), in.cat(logparse.CatSendTimeout)),
			fmt.Sprintf("%d requests answered 504", in.ev.GatewayTimeout),
		},
		Fix: "Find what made the backend slow (its latency, database, GC). Raise `proxy_read_timeout` only if such slowness is legitimate; `proxy_connect_timeout` should stay short (a few seconds).",
	}, true
}

// badUpstreamResponse: too big or invalid response headers. 0.5 + 0.45 × share.
func badUpstreamResponse(in ruleInput) (Cause, bool) {
	big, inv := in.cat(logparse.CatTooBigHeader), in.cat(logparse.CatInvalidHeader)
	if big+inv == 0 {
		return Cause{}, false
	}
	fix := "Fix the backend's response: header names without spaces or control bytes, a valid status line."
	if big > 0 {
		fix = "Raise nginx's header buffer to fit the backend's headers: `proxy_buffer_size 16k;` and `proxy_buffers 8 16k;` (or trim the headers, often huge cookies or tracing data)."
		if inv > 0 {
			fix += " " + "Also fix the backend's invalid header lines (names without spaces or control bytes, a valid status line)."
		}
	}
	return Cause{
		ID: CauseBadUpstreamResponse, Confidence: 0.5 + 0.45*in.share(big+inv),
		Summary: fmt.Sprintf("%s sent responses nginx could not accept during %s: %d× header too big for proxy_buffer_size, %d× invalid header.",
			in.peerList(logparse.CatTooBigHeader, logparse.CatInvalidHeader), in.window(), big, inv),
		Evidence: []string{fmt.Sprintf("%d× upstream sent too big header, %d× upstream sent invalid header", big, inv)},
		Fix:      fix,
	}, true
}

// luaBalancer: balancer_by_lua set no usable peer. 0.5 + 0.45 × share of
// balancer errors and 0.0.0.1 placeholder peers.
func luaBalancer(in ruleInput) (Cause, bool) {
	n := max(in.cat(logparse.CatLuaBalancer), in.ev.Placeholder)
	if n == 0 {
		return Cause{}, false
	}
	return Cause{
		ID: CauseLuaBalancer, Confidence: 0.5 + 0.45*in.share(n),
		Summary: fmt.Sprintf("The Lua balancer of %s picked no usable peer during %s: %d balancer errors, %d requests sent to the 0.0.0.1 placeholder.",
			in.ev.Group, in.window(), in.cat(logparse.CatLuaBalancer), in.ev.Placeholder),
		Evidence: []string{
			fmt.Sprintf("%d× lua balancer errors in error.log", in.cat(logparse.CatLuaBalancer)),
			fmt.Sprintf("%d 502s with the placeholder peer 0.0.0.1 in $upstream_addr", in.ev.Placeholder),
		},
		Fix: "In balancer_by_lua, every code path must call `ngx.balancer.set_current_peer(host, port)` and check its error, or end the request explicitly (`return ngx.exit(502)` after logging why). Check the peer list the balancer reads (health checker state in lua_shared_dict, service discovery) for an empty pool.",
	}, true
}

// resourceExhaustion: nginx ran out of connections or file descriptors.
// 0.55 + 0.4 × share.
func resourceExhaustion(in ruleInput) (Cause, bool) {
	wc, fd := in.cat(logparse.CatWorkerConnections), in.cat(logparse.CatTooManyFiles)
	if wc+fd == 0 {
		return Cause{}, false
	}
	return Cause{
		ID: CauseResourceExhaustion, Confidence: 0.55 + 0.4*in.share(wc+fd),
		Summary:  fmt.Sprintf("nginx ran out of resources during %s: %d× worker_connections not enough, %d× too many open files.", in.window(), wc, fd),
		Evidence: []string{fmt.Sprintf("%d× worker_connections, %d× errno 24", wc, fd)},
		Fix:      "Raise `worker_connections` (each proxied request uses two) and `worker_rlimit_nofile` with the service's file limit (LimitNOFILE); upstream `keepalive` lowers the connection count.",
	}, true
}

// sslUpstream: TLS to the upstream failed. 0.55 + 0.4 × share.
func sslUpstream(in ruleInput) (Cause, bool) {
	n := in.cat(logparse.CatSSLUpstream)
	if n == 0 {
		return Cause{}, false
	}
	return Cause{
		ID: CauseSSLUpstream, Confidence: 0.55 + 0.4*in.share(n),
		Summary:  fmt.Sprintf("TLS towards %s failed during %s (%d handshake or certificate errors).", in.peerList(logparse.CatSSLUpstream), in.window(), n),
		Evidence: []string{fmt.Sprintf("%d× SSL errors while SSL handshaking to upstream", n)},
		Fix:      "Check the upstream's certificate and protocols: `proxy_ssl_server_name on;` (SNI), `proxy_ssl_protocols TLSv1.2 TLSv1.3;`, and `proxy_ssl_trusted_certificate` when `proxy_ssl_verify on;`.",
	}, true
}

// socketUnavailable: a unix-socket upstream (php-fpm's classic) was full,
// missing or not permitted. 0.55 + 0.4 × share.
func socketUnavailable(in ruleInput) (Cause, bool) {
	su, pd := in.cat(logparse.CatSocketUnavailable), in.cat(logparse.CatPermissionDenied)
	if su+pd == 0 {
		return Cause{}, false
	}
	return Cause{
		ID: CauseSocketUnavailable, Confidence: 0.55 + 0.4*in.share(su+pd),
		Summary:  fmt.Sprintf("The unix socket %s was unusable during %s: %d× unavailable (full backlog or missing), %d× permission denied.", in.peerList(logparse.CatSocketUnavailable, logparse.CatPermissionDenied), in.window(), su, pd),
		Evidence: []string{fmt.Sprintf("%d× errno 11/2 on a unix: upstream, %d× errno 13", su, pd)},
		Fix:      "For php-fpm: raise `pm.max_children` and `listen.backlog`, check that the pool is running and the socket path matches; set `listen.owner`/`listen.group` to nginx's user for errno 13.",
	}, true
}

// resolverFailure: nginx could not resolve the upstream's name at run time
// (proxy_pass with a variable, or resolve on a server). 0.55 + 0.4 × share.
func resolverFailure(in ruleInput) (Cause, bool) {
	n := in.cat(logparse.CatResolver)
	if n == 0 {
		return Cause{}, false
	}
	return Cause{
		ID: CauseResolverFailure, Confidence: 0.55 + 0.4*in.share(n),
		Summary:  fmt.Sprintf("nginx could not resolve the upstream's host name during %s: %d resolver failures for %d bad responses.", in.window(), n, in.ev.Bad),
		Evidence: []string{fmt.Sprintf("%d× could not be resolved / resolver errors", n)},
		Fix:      "Point `resolver` at a DNS server that answers from nginx's network (the platform's, e.g. 127.0.0.11 in Docker or kube-dns), give it `resolver_timeout 5s;` and a sensible `valid=`; or name the peers in an upstream block resolved at start-up.",
	}, true
}

// errorLogSilent reports whether no upstream failure of the burst was
// found in an error log: none was given, or it has another period.
func (in ruleInput) errorLogSilent() bool {
	for c, n := range in.ev.Categories {
		if n > 0 && logparse.Category(c).UpstreamFault() {
			return false
		}
	}
	return true
}

// connectFailed reads the access log alone: bad attempts whose
// $upstream_connect_time is "-" never connected (refused, timed out or
// unreachable). Only when the error log says nothing: 0.35 + 0.3 × share.
func connectFailed(in ruleInput) (Cause, bool) {
	if in.ev.NeverConnected == 0 || !in.errorLogSilent() {
		return Cause{}, false
	}
	return Cause{
		ID: CauseConnectFailed, Confidence: 0.35 + 0.3*in.share(in.ev.NeverConnected),
		Summary: fmt.Sprintf("%d of %d 502s on %s never connected to a peer ($upstream_connect_time is \"-\") during %s: refused, timed out or unreachable.",
			in.ev.NeverConnected, in.ev.Bad, in.ev.Group, in.window()),
		Evidence: []string{fmt.Sprintf("%d attempts answered 502 without a connect time", in.ev.NeverConnected)},
		Fix:      "Check that the peers listen and are reachable from nginx; give badgw the error.log of the same period to tell refused (111), timed out (110) and unreachable (113) apart.",
	}, true
}

// noResponse reads the access log alone: bad attempts that connected
// but have no $upstream_header_time got no response header (the peer
// closed or reset the connection). Only when the error log says nothing:
// 0.35 + 0.3 × share.
func noResponse(in ruleInput) (Cause, bool) {
	if in.ev.NoHeader == 0 || !in.errorLogSilent() {
		return Cause{}, false
	}
	return Cause{
		ID: CauseNoResponse, Confidence: 0.35 + 0.3*in.share(in.ev.NoHeader),
		Summary: fmt.Sprintf("%d of %d 502s on %s connected but got no response header ($upstream_header_time is \"-\") during %s: the peer closed or reset the connection.",
			in.ev.NoHeader, in.ev.Bad, in.ev.Group, in.window()),
		Evidence: []string{fmt.Sprintf("%d attempts answered 502 after connecting, without a header time", in.ev.NoHeader)},
		Fix:      "Look at the peer's own logs for dropped requests; with upstream keepalive, a peer idle timeout shorter than nginx's causes this too. The error.log of the same period tells premature close from reset.",
	}, true
}

// unknown is reported when no rule has enough evidence.
func unknown(in ruleInput) Cause {
	ev := []string{fmt.Sprintf("%d of %d bad responses joined to an error.log line", in.ev.Joined, in.ev.Bad)}
	return Cause{
		ID: CauseUnknown, Confidence: 0.1,
		Summary:  fmt.Sprintf("No rule found enough evidence for the %d bad responses on %s during %s.", in.ev.Bad, in.ev.Group, in.window()),
		Evidence: ev,
		Fix:      "Give badgw the error.log of the same period (at level warn or lower) and log `$upstream_addr $upstream_status $upstream_connect_time $upstream_response_time $connection` in the access log, then run it again.",
	}
}
