package correlate

import (
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/nginxconf"
)

// ruleCase builds a burst of bad 502s with the given evidence.
type ruleCase struct {
	bad, requests, attempts int
	groupNamed, placeholder int
	cats                    map[logparse.Category]int
	chains                  map[string]int
	methods                 map[string]int
	duration                time.Duration
	kind                    Kind
	conf                    *nginxconf.Upstream
	crash                   bool // an abrupt close then refusals on one peer
	neverConnected          int
	noHeader                int
	prelude500              int
}

func (rc ruleCase) input() ruleInput {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	t := newTracker(rc.kind, "g", start, 5)
	t.last = start.Add(rc.duration)
	t.bad, t.win.requests, t.win.attempts = rc.bad, rc.requests, rc.attempts
	if rc.kind == Kind504 {
		t.win.s504 = rc.bad
	} else {
		t.win.s502 = rc.bad
	}
	t.groupNamed, t.placeholder = rc.groupNamed, rc.placeholder
	for c, n := range rc.cats {
		t.categories[c] = n
		t.catPeers[c] = map[string]int{"10.0.0.1:80": n}
	}
	for k, v := range rc.chains {
		t.chains[k] = v
	}
	for k, v := range rc.methods {
		t.methods[k] = v
	}
	if rc.crash {
		t.abruptPeerFirst["10.0.0.1:80"] = start
		t.errnoPeerFirst["10.0.0.1:80"] = start.Add(time.Second)
		t.abruptTimes = map[string][]time.Time{}
		for range min(maxAbruptTimes, rc.cats[logparse.CatConnReset]+rc.cats[logparse.CatPrematureClose]) {
			t.abruptTimes["10.0.0.1:80"] = append(t.abruptTimes["10.0.0.1:80"], start)
		}
	}
	t.neverConnected, t.noHeader = rc.neverConnected, rc.noHeader
	t.preludeFailures.attempts500 = rc.prelude500
	t.preludeFailures.attempts5xx = rc.prelude500
	b := t.burst(1, newGroups(nil))
	b.Group = "example"
	env := ruleEnv{gap: 5 * time.Second}
	if rc.conf != nil {
		env.conf, env.hasConf = *rc.conf, true
	}
	return ruleInput{b: &b, t: t, env: env}
}

func TestRules(t *testing.T) {
	bareConf := &nginxconf.Upstream{Name: "example", Servers: []nginxconf.UpstreamServer{{Addr: "10.0.0.1:80", MaxFails: 1, FailTimeout: "10s"}}}
	withKeepalive := &nginxconf.Upstream{Name: "example", Keepalive: 16}
	lua := &nginxconf.Upstream{Name: "example", Balancer: true}
	tests := []struct {
		name    string
		rule    rule
		rc      ruleCase
		applies bool
		min     float64 // confidence at least
		max     float64 // and at most
		mention string  // in summary, evidence or fix
	}{
		{"all peers down: group name in every 502, fail_timeout long", allPeersDown,
			ruleCase{bad: 100, requests: 200, groupNamed: 100, cats: map[logparse.Category]int{logparse.CatNoLiveUpstreams: 100}, duration: 10 * time.Second, prelude500: 3},
			true, 0.99, 0.99, "http_500"},
		{"all peers down: a quarter of the 502s", allPeersDown,
			ruleCase{bad: 100, requests: 200, groupNamed: 25, duration: 40 * time.Second},
			true, 0.59, 0.61, "no live upstreams"},
		{"all peers down: no evidence", allPeersDown, ruleCase{bad: 100, requests: 200, duration: 10 * time.Second}, false, 0, 0, ""},
		{"all peers down behind a Lua balancer is discounted", allPeersDown,
			ruleCase{bad: 100, requests: 100, groupNamed: 100, duration: 10 * time.Second, conf: lua},
			true, 0.59, 0.61, "lua_balancer"},
		{"retry amplification: two tries per request", retryAmplification,
			ruleCase{bad: 50, requests: 100, attempts: 200, chains: map[string]int{"502, 502": 50}, duration: 5 * time.Second},
			true, 0.85, 0.85, "proxy_next_upstream_tries"},
		{"retry amplification: single tries", retryAmplification, ruleCase{bad: 50, requests: 100, attempts: 100, chains: map[string]int{"502": 50}}, false, 0, 0, ""},
		{"no keepalive: errno 99", noKeepalive,
			ruleCase{bad: 10, requests: 100, cats: map[logparse.Category]int{logparse.CatAddrUnavailable: 10}},
			true, 0.9, 0.9, "keepalive 32"},
		{"no keepalive: nginx.conf without keepalive, peers marked down", noKeepalive,
			ruleCase{bad: 10, requests: 100, groupNamed: 10, conf: bareConf}, true, 0.35, 0.35, "no keepalive directive"},
		{"no keepalive: keepalive configured", noKeepalive,
			ruleCase{bad: 10, requests: 100, groupNamed: 10, conf: withKeepalive}, false, 0, 0, ""},
		{"keepalive race: sporadic premature closes, POSTs, keepalive on", keepaliveRace,
			ruleCase{bad: 10, requests: 500, cats: map[logparse.Category]int{logparse.CatPrematureClose: 10}, methods: map[string]int{"POST": 8}, conf: withKeepalive},
			true, 0.9, 0.9, "keepalive_timeout"},
		{"keepalive race after a crash is halved", keepaliveRace,
			ruleCase{bad: 10, requests: 500, cats: map[logparse.Category]int{logparse.CatConnReset: 2, logparse.CatConnectRefused: 8}, crash: true},
			true, 0.1, 0.3, ""},
		{"peer refused: every 502", peerRefused,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnectRefused: 40}}, true, 0.9, 0.9, "10.0.0.1:80"},
		{"peer refused: none", peerRefused, ruleCase{bad: 40, requests: 80}, false, 0, 0, ""},
		{"backend crash", backendCrash,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnReset: 5, logparse.CatConnectRefused: 35}, crash: true},
			true, 0.85, 0.85, "crashed or was restarted"},
		{"backend crash: refusals only", backendCrash,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnectRefused: 35}}, false, 0, 0, ""},
		{"backend hangup: every request closed unanswered", backendHangup,
			ruleCase{bad: 40, requests: 40, cats: map[logparse.Category]int{logparse.CatPrematureClose: 40}}, true, 0.9, 0.9, "closed or reset"},
		{"backend hangup: sporadic closes are a race, not a hangup", backendHangup,
			ruleCase{bad: 10, requests: 500, cats: map[logparse.Category]int{logparse.CatPrematureClose: 10}}, true, 0.4, 0.42, ""},
		{"backend hangup: not after a crash", backendHangup,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnReset: 5, logparse.CatConnectRefused: 35}, crash: true}, false, 0, 0, ""},
		{"upstream timeout: 504 episode", upstreamTimeout,
			ruleCase{kind: Kind504, bad: 30, requests: 60, cats: map[logparse.Category]int{logparse.CatReadTimeout: 30}}, true, 0.95, 0.95, "proxy_read_timeout"},
		{"upstream timeout: a side note on a 502 burst", upstreamTimeout,
			ruleCase{bad: 30, requests: 60, cats: map[logparse.Category]int{logparse.CatReadTimeout: 3}}, true, 0.2, 0.3, ""},
		{"bad upstream response: big headers", badUpstreamResponse,
			ruleCase{bad: 30, requests: 60, cats: map[logparse.Category]int{logparse.CatTooBigHeader: 30}}, true, 0.95, 0.95, "proxy_buffer_size 16k"},
		{"lua balancer: placeholder peer", luaBalancer,
			ruleCase{bad: 30, requests: 60, placeholder: 30}, true, 0.95, 0.95, "set_current_peer"},
		{"resource exhaustion", resourceExhaustion,
			ruleCase{bad: 10, requests: 20, cats: map[logparse.Category]int{logparse.CatWorkerConnections: 10}}, true, 0.95, 0.95, "worker_connections"},
		{"ssl upstream", sslUpstream,
			ruleCase{bad: 10, requests: 20, cats: map[logparse.Category]int{logparse.CatSSLUpstream: 5}}, true, 0.75, 0.75, "proxy_ssl_server_name"},
		{"resolver failure", resolverFailure,
			ruleCase{bad: 10, requests: 30, cats: map[logparse.Category]int{logparse.CatResolver: 10}}, true, 0.95, 0.95, "resolver_timeout"},
		{"connect failed, from the access log alone", connectFailed,
			ruleCase{bad: 20, requests: 40, neverConnected: 20}, true, 0.65, 0.65, "never connected"},
		{"connect failed: the error log knows better", connectFailed,
			ruleCase{bad: 20, requests: 40, neverConnected: 20, cats: map[logparse.Category]int{logparse.CatConnectRefused: 20}}, false, 0, 0, ""},
		{"no response, from the access log alone", noResponse,
			ruleCase{bad: 20, requests: 40, noHeader: 10}, true, 0.5, 0.5, "no response header"},
		{"socket unavailable", socketUnavailable,
			ruleCase{bad: 10, requests: 20, cats: map[logparse.Category]int{logparse.CatSocketUnavailable: 10}}, true, 0.95, 0.95, "pm.max_children"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := tt.rule(tt.rc.input())
			if ok != tt.applies {
				t.Fatalf("applies = %v, want %v (%+v)", ok, tt.applies, c)
			}
			if !ok {
				return
			}
			if c.Confidence < tt.min-1e-9 || c.Confidence > tt.max+1e-9 {
				t.Errorf("confidence %.3f, want %.2f–%.2f", c.Confidence, tt.min, tt.max)
			}
			text := c.Summary + strings.Join(c.Evidence, " ") + c.Fix
			if !strings.Contains(text, tt.mention) {
				t.Errorf("cause does not mention %q:\n%s", tt.mention, text)
			}
			if c.Fix == "" || c.Summary == "" || len(c.Evidence) == 0 {
				t.Errorf("incomplete cause: %+v", c)
			}
		})
	}
}

func TestExplainRanksAndFallsBack(t *testing.T) {
	in := ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnReset: 5, logparse.CatConnectRefused: 35}, crash: true}.input()
	causes := explain(in.b, in.t, in.env)
	if causes[0].ID != CauseBackendCrash || causes[1].ID != CausePeerRefused {
		t.Errorf("ranking: %v", ids(causes))
	}
	bare := ruleCase{bad: 10, requests: 10}.input()
	if c := explain(bare.b, bare.t, bare.env); c[0].ID != CauseUnknown {
		t.Errorf("no evidence should give unknown first, got %v", ids(c))
	}
}

func ids(cs []Cause) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// TestBurstBoundaries feeds synthetic records: a quiet gap splits bursts
// even inside one batch, a burst below the minimum is not reported, and
// 504s make an episode, not a 502 burst.
func TestBurstBoundaries(t *testing.T) {
	c := New(Options{Gap: 5 * time.Second, Min502: 3})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	add := func(sec int, status int) {
		rec := logparse.Record{Time: base.Add(time.Duration(sec) * time.Second), Status: status, RequestTime: -1,
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&rec, Pos{Source: "t", Line: int64(sec)})
	}
	for s := 0; s < 100; s++ {
		add(s, 200)
		switch {
		case s >= 10 && s < 15, s >= 30 && s < 33:
			add(s, 502)
		case s == 60 || s == 61:
			add(s, 502) // two: below --min-502
		case s >= 80 && s < 85:
			add(s, 504)
		}
	}
	c.Advance(time.Time{})
	c.Flush()
	snap := c.Snapshot()
	got := snap.BadGatewayBursts()
	if len(got) != 2 || got[0].Start.Sub(base) != 10*time.Second || got[0].End.Sub(base) != 14*time.Second ||
		got[1].Start.Sub(base) != 30*time.Second || got[0].BadGateway != 5 || got[0].Requests != 9 {
		t.Errorf("bursts: %s", describeAll(got, base))
	}
	if eps := snap.TimeoutEpisodes(); len(eps) != 1 || eps[0].GatewayTimeout != 5 {
		t.Errorf("timeout episodes: %s", describeAll(eps, base))
	}
	if snap.Totals.Sporadic502 != 2 {
		t.Errorf("sporadic 502s = %d, want 2", snap.Totals.Sporadic502)
	}
}

func describeAll(bs []Burst, base time.Time) string {
	var s []string
	for _, b := range bs {
		s = append(s, b.Start.Sub(base).String()+"–"+b.End.Sub(base).String())
	}
	return strings.Join(s, ", ")
}

func TestSeriesCoarsens(t *testing.T) {
	var s Series
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	total := 0
	for i := 0; i < 3*maxBuckets; i += 7 {
		s.Add(base.Add(time.Duration(i)*time.Second), Class502)
		total++
	}
	if len(s.Buckets) > maxBuckets || s.Width != 4*time.Second {
		t.Errorf("%d buckets of %s", len(s.Buckets), s.Width)
	}
	n := 0
	for _, b := range s.Buckets {
		n += int(b[Class502])
	}
	if n != total {
		t.Errorf("coarsening lost counts: %d of %d", n, total)
	}
	s.Add(base.Add(-10*time.Second), ClassOK)
	if s.Start.After(base.Add(-10 * time.Second)) {
		t.Errorf("an earlier time did not extend the series: start %s", s.Start)
	}
}

// TestBaseline: a group that always has a few scattered 502s does not turn
// each cluster of three into a burst; a real burst on it still stands out.
func TestBaseline(t *testing.T) {
	c := New(Options{Gap: 5 * time.Second, Min502: 3})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	add := func(at time.Duration, status int) {
		rec := logparse.Record{Time: base.Add(at), Status: status, RequestTime: -1,
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&rec, Pos{})
	}
	for s := 0; s < 1200; s++ {
		for i := 0; i < 20; i++ {
			add(time.Duration(s)*time.Second+time.Duration(i)*50*time.Millisecond, 200)
		}
		switch {
		case s%20 == 0: // a noisy neighbour: three 502s every 20 s
			add(time.Duration(s)*time.Second, 502)
			add(time.Duration(s)*time.Second, 502)
			add(time.Duration(s+1)*time.Second, 502)
		case s >= 1100 && s < 1110: // a real burst: 15/s for 10 s
			for i := 0; i < 15; i++ {
				add(time.Duration(s)*time.Second, 502)
			}
		}
		c.Advance(time.Time{})
	}
	c.Flush()
	snap := c.Snapshot()
	got := snap.BadGatewayBursts()
	// Before a minute of history there is no baseline: the first clusters count.
	early := 0
	for _, b := range got {
		if b.Start.Sub(base) < 80*time.Second {
			early++
		}
	}
	if late := len(got) - early; late != 1 || got[len(got)-1].Start.Sub(base) != 1100*time.Second {
		t.Errorf("want only the real burst after the first minute, got %s", describeAll(got, base))
	}
}
