package correlate

import (
	"time"

	"github.com/badgw/badgw/diagnose"
	"github.com/badgw/badgw/logparse"
)

// explain hands a burst's evidence to the cause rules.
func (c *Correlator) explain(b *Burst, t *tracker) []diagnose.Cause {
	conf := c.opts.configOf(t.node)
	ev := diagnose.Evidence{
		FailsRequests: b.Kind.failsRequests(), Is502: b.Kind == Kind502, Is504: b.Kind == Kind504,
		Group: b.Group, Start: b.Start, End: b.End,
		Bad: b.Bad(), Requests: b.Requests, Attempts: b.Attempts, GatewayTimeout: b.GatewayTimeout,
		Chains: b.Chains, BadPeers: b.Peers,
		Categories: t.categories, CatPeers: map[logparse.Category][]diagnose.Count{},
		Prelude: t.preludeEvents, PreludeFirst: t.preludeFirst, Prelude500: t.preludeFailures.attempts500, Prelude5xx: t.preludeFailures.attempts5xx,
		GroupNamed: t.groupNamed, Placeholder: t.placeholder,
		NeverConnected: t.neverConnected, NoHeader: t.noHeader, Joined: b.Joined,
		ResponseTimed: t.responseTimed, ResponseMin: time.Duration(t.responseMin) * 10 * time.Millisecond, ResponseMax: time.Duration(t.responseMax) * 10 * time.Millisecond,
		Protocols: topCounts(t.protocols), SocketErrnos: t.socketErrnos,
		Peer502: t.peer502, Connected502: t.connected502, Headed502: t.headed502, ErrorLogGiven: c.opts.ErrorLogGiven || c.totals.Events > 0,
		Methods:     t.methods,
		AbruptFirst: t.abruptPeerFirst, RefusedFirst: t.errnoPeerFirst, AbruptTimes: t.abruptTimes,
		RefusedLast: t.errnoPeerLast, BackAt: t.backAt, Examples: t.example,
		ConnectTimed: b.ConnectTimed, ConnectNew: b.ConnectNew, AbruptSending: t.abruptSending,
		ResolveNames: topCounts(t.resolveNames), HostNotAllowed: topCounts(t.hostNotAllowed), SSLReasons: topCounts(t.sslReasons), KeepaliveWhy: topCounts(t.keepaliveWhy), URLs: b.Impact.URLs, AllFindings: conf.Findings,
	}
	for cat := range t.catPeers {
		ev.CatPeers[cat] = t.peersOf(cat)
	}
	if g := c.byGroup[t.root]; g != nil {
		ev.LuaSeen = g.luaSeen
	}
	ev.Main = conf.Settings[""]
	if u, ok := c.groups.config(t.root); ok {
		if c.opts.HostConfigs != nil {
			// The block of that name in the burst's own host's nginx.conf.
			u, ok = conf.upstream(u.Name)
		}
		if ok {
			ev.Conf = &u
			ev.Settings = conf.Settings[u.Name]
		}
	}
	if ev.Settings == nil || ev.Settings.Locations == 0 {
		// No location proxies to an upstream block of these peers: a
		// proxy_pass that names a peer's address directly is where the
		// settings in force stand.
		for _, p := range append([]Count{{Key: t.root}}, b.Peers...) {
			if s := conf.Settings[p.Key]; s != nil && s.Locations > 0 && p.Key != "" {
				ev.Settings = s
				break
			}
		}
	}
	if ev.Settings == nil {
		// An access log without $upstream_addr ties the burst to no peer;
		// its error lines name them, and nginx.conf their upstream block.
		for _, peers := range t.catPeers {
			for peer := range peers {
				if u, ok := c.groups.config(c.groups.rootOf(peer)); ok && peer != "" {
					ev.Settings = conf.Settings[u.Name]
				}
			}
		}
	}
	return diagnose.Explain(ev)
}
