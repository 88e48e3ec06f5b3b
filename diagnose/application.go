package diagnose

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/words"
)

// upstreamAnswered502: the application answered 502 itself (a gateway of
// its own, or a framework mapping an error to 502) and nginx passed it on.
// The evidence is what nginx does for its own 502s: it logs each one at
// level error ("connect() failed", "upstream prematurely closed", …), so
// a $upstream_status 502 from a peer with no error line, while an error
// log is given, is the peer's answer. Connect and header times, when
// logged, show the peer connected and answered. score(0.55, 0.4, share),
// less when the access log shows neither time.
func upstreamAnswered502(in ruleInput) (Cause, bool) {
	n := in.ev.Peer502
	if !in.ev.Is502 || n == 0 || !in.ev.ErrorLogGiven || !in.errorLogSilent() || in.ev.Joined > 0 {
		return Cause{}, false
	}
	conf := score(0.55, 0.4, in.share(n))
	var ev []string
	switch {
	case in.ev.Headed502 > 0:
		ev = append(ev, fmt.Sprintf("%d of %d carry an $upstream_header_time: the peer sent its response header", in.ev.Headed502, n))
	case in.ev.Connected502 > 0:
		ev = append(ev, fmt.Sprintf("%d of %d carry an $upstream_connect_time: nginx was connected to the peer", in.ev.Connected502, n))
	default:
		conf *= 0.85 // only the silence says so
	}
	ev = append([]string{fmt.Sprintf("%s with $upstream_status 502 from a peer and no line in the error log given, which nginx writes at level error for each 502 it makes itself (unless error_log is set above error: crit, alert, emerg)", words.Count(n, "response"))}, ev...)
	peers := peersOf(in.ev.BadPeers)
	return Cause{
		ID: CauseUpstreamAnswered502, Confidence: conf,
		Summary: fmt.Sprintf("%s answered 502 itself to %d of the %d requests to %s (%.1f%%) during %s, and nginx passed the answers on: no connection failed.",
			peers, n, in.ev.Requests, in.ev.Group, 100*float64(n)/float64(max(1, in.ev.Requests)), in.window()),
		Evidence: ev,
		Steps: []Step{
			step(fmt.Sprintf("Find why it answered 502 in the application's own log on %s at %s: it is a gateway of its own (the service it calls failed) or maps an error to 502. nginx's side is fine; changing its timeouts or keep-alive does not help.", peerNames(in.ev.BadPeers), in.ev.Start.Format("15:04:05")), ""),
		},
	}, true
}

// peerNames names up to four peers, without counts.
func peerNames(cs []Count) string {
	var names []string
	for i, c := range cs {
		if i == 4 {
			break
		}
		names = append(names, c.Key)
	}
	if len(names) == 0 {
		return "the peers"
	}
	return strings.Join(names, ", ")
}

// peersOf names up to four peers with their counts: "10.0.0.2:80 (78)".
func peersOf(cs []Count) string {
	if len(cs) == 0 {
		return "the peers"
	}
	var parts []string
	for i, c := range cs {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("%d more", len(cs)-4))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", c.Key, c.N))
	}
	return strings.Join(parts, ", ")
}
