package diagnose

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
	is504                   bool
	conf                    *nginxconf.Upstream
	crash                   bool // an abrupt close then refusals on one peer
	neverConnected          int
	noHeader                int
	prelude500              int
}

func (rc ruleCase) input() ruleInput {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ev := &Evidence{
		FailsRequests: !rc.is504, Is502: !rc.is504, Is504: rc.is504,
		Group: "example", Start: start, End: start.Add(rc.duration),
		Bad: rc.bad, Requests: rc.requests, Attempts: rc.attempts,
		GroupNamed: rc.groupNamed, Placeholder: rc.placeholder,
		CatPeers: map[logparse.Category][]Count{}, Methods: map[string]int{},
		AbruptFirst: map[string]time.Time{}, RefusedFirst: map[string]time.Time{}, AbruptTimes: map[string][]time.Time{},
		NeverConnected: rc.neverConnected, NoHeader: rc.noHeader,
		Prelude500: rc.prelude500, Prelude5xx: rc.prelude500,
		Conf: rc.conf,
	}
	if rc.is504 {
		ev.GatewayTimeout = rc.bad
	}
	for c, n := range rc.cats {
		ev.Categories[c] = n
		ev.CatPeers[c] = []Count{{Key: "10.0.0.1:80", N: n}}
	}
	ev.Chains = TopCounts(rc.chains)
	for k, v := range rc.methods {
		ev.Methods[k] = v
	}
	if rc.crash {
		ev.AbruptFirst["10.0.0.1:80"] = start
		ev.RefusedFirst["10.0.0.1:80"] = start.Add(time.Second)
		for range rc.cats[logparse.CatConnReset] + rc.cats[logparse.CatPrematureClose] {
			ev.AbruptTimes["10.0.0.1:80"] = append(ev.AbruptTimes["10.0.0.1:80"], start)
		}
	}
	return ruleInput{ev: ev}
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
			ruleCase{is504: true, bad: 30, requests: 60, cats: map[logparse.Category]int{logparse.CatReadTimeout: 30}}, true, 0.95, 0.95, "proxy_read_timeout"},
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
	causes := Explain(*in.ev)
	if causes[0].ID != CauseBackendCrash || causes[1].ID != CausePeerRefused {
		t.Errorf("ranking: %v", ids(causes))
	}
	bare := ruleCase{bad: 10, requests: 10}.input()
	if c := Explain(*bare.ev); c[0].ID != CauseUnknown {
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
