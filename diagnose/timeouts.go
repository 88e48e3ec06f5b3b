package diagnose

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/logparse"
)

// upstreamTimeout: the upstream did not answer in time, in the phase the
// error lines name: connecting (the peer stopped accepting), sending the
// request (it stopped reading the body) or reading the response (it did not
// answer). For a 504 episode score(0.6, 0.35, share of timeout events); for
// a 502 burst only as a side note, score(0.2, 0.3, share).
func upstreamTimeout(in ruleInput) (Cause, bool) {
	connect, send, read := in.cat(logparse.CatConnectTimeout), in.cat(logparse.CatSendTimeout), in.cat(logparse.CatReadTimeout)
	n := connect + send + read
	var conf float64
	switch {
	case in.ev.Is504:
		conf = score(0.6, 0.35, in.share(n))
	case n > 0:
		conf = score(0.2, 0.3, in.share(n))
	default:
		return Cause{}, false
	}
	ev := []string{
		fmt.Sprintf("%d× connect timeout, %d× send timeout, %d× read timeout", connect, send, read),
		fmt.Sprintf("%d requests answered 504", in.ev.GatewayTimeout),
	}
	status := "504 Gateway Timeout, not a 502"
	if in.ev.Is502 {
		status = "beside the burst's 502s"
	}
	peers := in.peerList(logparse.CatReadTimeout, logparse.CatConnectTimeout, logparse.CatSendTimeout)
	get := func(f func(*audit.Settings) audit.Setting, name, def string) string {
		if s, ok := in.setting(f); ok {
			return valueAt(s, name)
		}
		return name + " (" + def + " unless nginx.conf sets it)"
	}
	at := func(f func(*audit.Settings) audit.Setting) string {
		s, _ := in.setting(f)
		return s.At
	}
	var summary string
	var steps []Step
	switch {
	case n == 0:
		summary = fmt.Sprintf("%s answered %d requests with 504 during %s; the error log given has no timeout lines for them.", in.ev.Group, in.ev.GatewayTimeout, in.window())
		steps = append(steps, step("Give badgw the error.log of the same period: its timeout lines name the phase (connecting, sending the request, reading the response), and the fix depends on it.", ""))
	case connect >= send && connect >= read:
		limit := get(func(s *audit.Settings) audit.Setting { return s.ConnectTime }, in.directive("connect_timeout"), "60s")
		summary = fmt.Sprintf("%s did not accept connections within %s during %s: %d connect timeouts (%s). The peer stopped accepting: its listen queue was full (on Linux a full queue drops the SYNs, which shows as connect timeouts, not refusals), or packets to it were dropped.",
			peers, limit, in.window(), connect, status)
		steps = append(steps, step(fmt.Sprintf("On %s's host, look at its listen queue: \"ss -ltn\" shows Recv-Q at Send-Q when the queue is full. A service that stopped calling accept() (hung, all workers busy) needs fixing first; a queue that is merely too small needs a larger listen backlog and net.core.somaxconn.", peers), ""))
		if live, _, known := in.livePeers(); !known || live > 1 {
			steps = append(steps, harden(fmt.Sprintf("Keep %s short (a few seconds) so that \"%s timeout\" moves a request to another peer quickly.", in.directive("connect_timeout"), in.directive("next_upstream")), at(func(s *audit.Settings) audit.Setting { return s.ConnectTime })))
		}
	case send >= read:
		limit := get(func(s *audit.Settings) audit.Setting { return s.SendTime }, in.directive("send_timeout"), "60s")
		posts := in.ev.Methods["POST"] + in.ev.Methods["PUT"] + in.ev.Methods["PATCH"]
		summary = fmt.Sprintf("%s stopped reading the requests nginx was sending it: %d send timeouts after %s during %s (%s); %d of the %d failed requests were POST/PUT/PATCH with a body.",
			peers, send, limit, in.window(), status, posts, in.ev.Bad)
		steps = append(steps, step(fmt.Sprintf("Find why %s stops reading request bodies: busy or blocked workers, a stalled disk it writes uploads to, a limit it enforces by not reading. Its own log at %s says which.", peers, in.ev.Start.Format("15:04:05")), ""),
			harden(fmt.Sprintf("Raise %s only if the backend legitimately reads that slowly.", in.directive("send_timeout")), at(func(s *audit.Settings) audit.Setting { return s.SendTime })))
	default:
		limit := get(func(s *audit.Settings) audit.Setting { return s.ReadTime }, in.directive("read_timeout"), "60s")
		summary = fmt.Sprintf("%s accepted the requests but sent no response within %s during %s: %d read timeouts (%s).",
			peers, limit, in.window(), read, status)
		steps = append(steps, step(fmt.Sprintf("Find what made %s slow at %s: its own latency metrics, its database, long pauses (GC).", peers, in.ev.Start.Format("15:04:05")), ""),
			harden(fmt.Sprintf("Raise %s only if such slowness is legitimate (a report, an export).", in.directive("read_timeout")), at(func(s *audit.Settings) audit.Setting { return s.ReadTime })))
	}
	if urls := topURLs(in.ev.URLs, 3); urls != "" {
		ev = append(ev, "most affected URLs: "+urls)
	}
	return Cause{ID: CauseUpstreamTimeout, Confidence: conf, Summary: summary, Evidence: ev, Steps: steps}, true
}

// topURLs lists the first n URLs with their counts.
func topURLs(urls []Count, n int) string {
	var parts []string
	for i, u := range urls {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", u.Key, u.N))
	}
	return strings.Join(parts, ", ")
}
