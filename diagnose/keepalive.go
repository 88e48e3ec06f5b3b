package diagnose

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/words"
)

// churn reports the share of attempts that opened a new connection, when
// enough had a connect time to tell (at least 50).
func (in ruleInput) churn() (float64, bool) {
	if in.ev.ConnectTimed < 50 {
		return 0, false
	}
	return float64(in.ev.ConnectNew) / float64(in.ev.ConnectTimed), true
}

// keepaliveOff reports a group nginx.conf shows without upstream
// keepalive (the nginx default before 1.29.7).
func (in ruleInput) keepaliveOff() bool {
	if in.ev.Settings != nil && in.ev.Settings.Upstream == nil && in.ev.Settings.Locations > 0 {
		// proxy_pass names the address itself: without an upstream block
		// there is no keepalive directive, so no connection is kept.
		return true
	}
	return in.hasConf() && in.conf().Keepalive == 0
}

// nearPeers reports whether every peer that closed or reset connections
// is on this host (loopback or a unix socket), where a new connection
// takes microseconds and $upstream_connect_time shows 0.000 as for a
// reused one.
func (in ruleInput) nearPeers() bool {
	seen := false
	for _, cat := range []logparse.Category{logparse.CatPrematureClose, logparse.CatConnReset, logparse.CatBrokenPipe} {
		for _, p := range in.ev.CatPeers[cat] {
			seen = true
			if !strings.HasPrefix(p.Key, "127.") && !strings.HasPrefix(p.Key, "[::1]") && !strings.HasPrefix(p.Key, "unix:") {
				return false
			}
		}
	}
	return seen
}

// noKeepalive: connection churn, only on evidence of it: errno 99 towards
// IPv4 peers (no free ephemeral port; towards an IPv6 peer it means the
// host has no IPv6) scores score(0.6, 0.3, its share); new connections on
// 90 % or more of the timed attempts score 0.35, + 0.1 when nginx.conf
// shows no keepalive. A missing keepalive directive alone is no evidence.
func noKeepalive(in ruleInput) (Cause, bool) {
	if in.notHTTP() {
		return Cause{}, false
	}
	addr := 0
	for _, p := range in.ev.CatPeers[logparse.CatAddrUnavailable] {
		if !strings.HasPrefix(p.Key, "[") {
			addr += p.N
		}
	}
	if len(in.ev.CatPeers[logparse.CatAddrUnavailable]) == 0 {
		addr = in.cat(logparse.CatAddrUnavailable)
	}
	churn, timed := in.churn()
	var conf float64
	var ev []string
	switch {
	case addr > 0:
		conf = score(0.6, 0.3, in.share(addr))
		ev = append(ev, fmt.Sprintf("%d× errno 99 (Cannot assign requested address: no free local port towards the peer)", addr))
	case timed && churn >= 0.9:
		conf = 0.35
		if in.keepaliveOff() {
			conf += 0.1
		}
	default:
		return Cause{}, false
	}
	if timed {
		ev = append(ev, fmt.Sprintf("%d of %d upstream attempts spent a millisecond or more connecting: a new connection for %.0f%% of them (a reused keep-alive connection connects in no time)", in.ev.ConnectNew, in.ev.ConnectTimed, 100*churn))
	}
	var steps []Step
	summary := fmt.Sprintf("Upstream %s opens a new TCP connection for every request: the churn leaves closed connections in TIME_WAIT and uses up local ports, so connects fail under load.", in.ev.Group)
	switch {
	case in.keepaliveOff():
		ev = append(ev, fmt.Sprintf("upstream %s has no keepalive directive (%s)", in.ev.Group, in.upstreamAt()))
		steps = append(steps, step(fmt.Sprintf("Add \"keepalive N;\" to upstream %s, N the idle connections each worker keeps for it: about the concurrent requests each worker has open to it (peak requests/s × response time ÷ worker_processes; nginx's documentation uses 16).", in.ev.Group), in.upstreamAt()))
		steps = append(steps, keepaliveLocationSteps(in)...)
	case in.hasConf():
		defeated := false
		for _, rule := range []string{"keepalive-needs-http11", "keepalive-connection-close"} {
			if f, ok := in.finding(rule); ok {
				defeated = true
				ev = append(ev, findingEvidence(f))
				steps = append(steps, step(f.Fix[0], f.Location.String()))
			}
		}
		if defeated {
			summary = fmt.Sprintf("Upstream %s has keepalive in nginx.conf, but the locations that use it defeat it, so nginx still opens a new connection per request: connects fail under load.", in.ev.Group)
		} else {
			summary = fmt.Sprintf("Upstream %s keeps %d idle connections per worker, fewer than it needs: the rest are opened and closed per request, and connects fail under load.", in.ev.Group, in.conf().Keepalive)
			steps = append(steps, step(fmt.Sprintf("Raise \"keepalive %d;\" towards the concurrent requests each worker has open to the group (peak requests/s × response time ÷ worker_processes).", in.conf().Keepalive), fmt.Sprintf("%s:%d", in.conf().File, in.conf().KeepaliveLine)))
		}
	default:
		steps = append(steps, step("Reuse upstream connections: \"keepalive N;\" in the upstream block (N about the concurrent requests each worker has open to it; nginx's documentation uses 16).", ""))
		steps = append(steps, keepaliveLocationSteps(in)...)
	}
	if addr > 0 {
		// The lasting fix takes a reload; what to check and do while the
		// ports are gone comes after it, as explain says it.
		steps = append(steps, step("Meanwhile: count the sockets waiting out TIME_WAIT (\"ss -tan state time-wait | wc -l\") against the local port range (\"sysctl net.ipv4.ip_local_port_range\"); the errors stop about 60 s after the spike that used the ports up, as the TIME_WAIT sockets expire, and widening the range gives room at once.", ""))
	}
	return Cause{ID: CauseNoKeepalive, Confidence: conf, Summary: summary, Evidence: ev, Steps: steps}, true
}

// keepaliveLocationSteps are the location settings keepalive needs (nginx
// before 1.29.7), unless nginx.conf already has them.
func keepaliveLocationSteps(in ruleInput) []Step {
	v, known := in.setting(func(s *audit.Settings) audit.Setting { return s.HTTPVersion })
	if known && v.Value == "1.1" {
		return nil
	}
	return []Step{step("In each location that proxies to it: \"proxy_http_version 1.1;\" and 'proxy_set_header Connection \"\";', or nginx keeps closing the connections.", "")}
}

// keepaliveRace: premature closes or resets on reused connections,
// sporadic rather than a wall of errors. Not offered when nginx.conf shows
// the group without upstream keepalive (no connection is reused). Base
// 0.35, + 0.2 when nginx.conf shows upstream keepalive, + 0.15 when they
// are a small share of traffic (≤ 20 %) or − 0.25 when over 30 % failed,
// + 0.1 when most bad requests are non-idempotent (never retried), + 0.1
// when nothing was refused; halved after a crash, × 0.3 when the connect
// times show a new connection for nearly every attempt.
func keepaliveRace(in ruleInput) (Cause, bool) {
	ab := in.abrupt()
	if ab == 0 || !in.ev.FailsRequests || in.keepaliveOff() || in.notHTTP() {
		return Cause{}, false
	}
	conf := 0.35
	if in.hasConf() && in.conf().Keepalive > 0 {
		conf += 0.2
	}
	switch {
	case in.ev.Share() <= 0.2:
		conf += 0.15
	case in.ev.Share() > 0.3:
		// A race loses the few requests that reuse a connection just as
		// the backend closes it idle, not a third of them.
		conf -= 0.25
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
	ev := []string{fmt.Sprintf("%d× premature_close, %d× conn_reset, %d× broken_pipe", in.cat(logparse.CatPrematureClose), in.cat(logparse.CatConnReset), in.cat(logparse.CatBrokenPipe))}
	if churn, ok := in.churn(); ok {
		if churn >= 0.9 {
			conf *= 0.3
			ev = append(ev, fmt.Sprintf("but %d of %d timed attempts opened a new connection: few were reused", in.ev.ConnectNew, in.ev.ConnectTimed))
		} else if in.hasConf() && in.conf().Keepalive > 0 && !in.nearPeers() {
			ev = append(ev, fmt.Sprintf("%d of %d timed attempts reused a kept-alive connection (no time spent connecting)", in.ev.ConnectTimed-in.ev.ConnectNew, in.ev.ConnectTimed))
		} else {
			// A 0.000 connect time is no proof of reuse: a new connection
			// to a peer this close takes less than the log's millisecond.
			ev = append(ev, fmt.Sprintf("%d of %d timed attempts spent under a millisecond connecting: reused kept-alive connections, or new ones to a peer so near that connecting takes microseconds; the log cannot tell them apart", in.ev.ConnectTimed-in.ev.ConnectNew, in.ev.ConnectTimed))
		}
	}
	summary := fmt.Sprintf("%s closed idle keep-alive connections just as nginx reused them: %d premature closes/resets, %.1f%% of requests failed during %s.",
		in.abruptPeers(), ab, 100*in.ev.Share(), in.window())
	if in.share(nonIdem) >= 0.5 {
		summary += fmt.Sprintf(" %s POST/PATCH, which nginx does not retry on another connection.", words.Of(nonIdem, in.ev.Bad))
		ev = append(ev, fmt.Sprintf("%d of %d bad requests were POST/PATCH", nonIdem, in.ev.Bad))
	}
	if !in.hasConf() {
		summary += " (If upstream keepalive is on: without nginx.conf badgw cannot tell.)"
	}
	kt, known := in.setting(func(s *audit.Settings) audit.Setting { return s.KeepaliveTime })
	now := "60s, nginx's default"
	if known && kt.Written() {
		now = kt.Value + " at " + kt.At
	}
	at := kt.At
	if at == "" {
		at = in.upstreamAt()
	}
	steps := []Step{
		step(fmt.Sprintf("Make nginx drop idle upstream connections before the backend does: set \"keepalive_timeout\" in upstream %s (now %s) below the backend's idle timeout. The logs do not show the backend's: look it up in its settings (Node.js server.keepAliveTimeout, 5 s by default; gunicorn --keep-alive, 2 s; Apache KeepAliveTimeout, 5 s).", in.ev.Group, now), at),
		harden("Or raise the backend's idle timeout above nginx's keepalive_timeout.", ""),
	}
	return Cause{ID: CauseKeepaliveRace, Confidence: conf, Summary: summary, Evidence: ev, Steps: steps}, true
}

// keepalivePoolLeak: Lua code that does not give its connections back
// (set_keepalive failing, or never called on an error path) exhausts the
// backend's connections: "failed to set keepalive" and cosocket errors,
// then failures while the backends are healthy. score(0.45, 0.5, share of
// those events); × 0.7 without a "failed to set keepalive" line. Cosocket
// errors alone (a health checker's timed-out probes) are no sign of a
// leak: it takes a "failed to set keepalive" line or the audit's finding
// of a set_keepalive failure path that does not close.
func keepalivePoolLeak(in ruleInput) (Cause, bool) {
	kf, ls := in.cat(logparse.CatKeepaliveFailure), in.cat(logparse.CatLuaSocket)
	var leaks []audit.Finding
	for _, f := range in.ev.AllFindings {
		if f.Rule == "set-keepalive-failure-leaks" {
			leaks = append(leaks, f)
		}
	}
	if kf+ls == 0 || kf == 0 && len(leaks) == 0 {
		return Cause{}, false
	}
	conf := score(0.45, 0.5, in.share(kf+ls))
	if kf == 0 {
		conf *= 0.7
	}
	ev := []string{fmt.Sprintf("%d× failed to set keepalive, %d× Lua cosocket errors (resets, refusals, timeouts, closed sockets)", kf, ls)}
	var steps []Step
	for _, w := range in.ev.KeepaliveWhy {
		ev = append(ev, fmt.Sprintf("set_keepalive failed %d× with %q", w.N, w.Key))
		if w.Key == "unread data in buffer" {
			steps = append(steps, step("Read the whole response before set_keepalive: a connection with unread data cannot go back to the pool, so a path that skips the body opens a new connection for every request.", ""))
		}
	}
	for _, f := range leaks {
		ev = append(ev, findingEvidence(f))
		steps = append(steps, step("Close the connection when set_keepalive fails: \"if not ok then … sock:close() end\".", f.Location.String()))
	}
	steps = append(steps,
		step("Give every connection back on every path after connect: set_keepalive after a complete response, close() on any error (a pcall around the request helps).", ""),
		harden("set_keepalive(max_idle_ms, pool_size): pool_size is the idle connections each worker keeps per backend; keep it below what the backend accepts from all workers together.", ""))
	return Cause{
		ID: CauseKeepalivePoolLeak, Confidence: conf,
		Summary: fmt.Sprintf("Lua code's connections to its backend were not given back to the pool during %s: %d× \"failed to set keepalive\" and %d cosocket errors while %d requests failed. Each request then opens a new connection, and the backend's connection limits (or those of what stands in front of it) turn that into failures while it is healthy.",
			in.window(), kf, ls, in.ev.Bad),
		Evidence: ev,
		Steps:    steps,
	}, true
}
