package correlate

import (
	"github.com/badgw/badgw/diagnose"
	"github.com/badgw/badgw/logparse"
)

// explain hands a burst's evidence to the cause rules.
func (c *Correlator) explain(b *Burst, t *tracker) []diagnose.Cause {
	ev := diagnose.Evidence{
		FailsRequests: b.Kind.failsRequests(), Is502: b.Kind == Kind502, Is504: b.Kind == Kind504,
		Group: b.Group, Start: b.Start, End: b.End,
		Bad: t.bad, Requests: b.Requests, Attempts: b.Attempts, GatewayTimeout: b.GatewayTimeout,
		Chains:     b.Chains,
		Categories: t.categories, CatPeers: map[logparse.Category][]diagnose.Count{},
		Prelude: t.preludeEvents, PreludeFirst: t.preludeFirst, Prelude500: t.preludeFailures.attempts500, Prelude5xx: t.preludeFailures.attempts5xx,
		GroupNamed: t.groupNamed, Placeholder: t.placeholder,
		NeverConnected: t.neverConnected, NoHeader: t.noHeader, Joined: t.joined,
		Methods:     t.methods,
		AbruptFirst: t.abruptPeerFirst, RefusedFirst: t.errnoPeerFirst, AbruptTimes: t.abruptTimes,
		ConnectTimed: b.ConnectTimed, ConnectNew: b.ConnectNew, AbruptSending: t.abruptSending,
		ResolveNames: topCounts(t.resolveNames), KeepaliveWhy: topCounts(t.keepaliveWhy), URLs: b.Impact.URLs, AllFindings: c.opts.Findings,
	}
	for cat := range t.catPeers {
		ev.CatPeers[cat] = t.peersOf(cat)
	}
	ev.Main = c.opts.Settings[""]
	if u, ok := c.groups.config(t.root); ok {
		ev.Conf = &u
		ev.Settings = c.opts.Settings[u.Name]
	}
	return diagnose.Explain(ev)
}
