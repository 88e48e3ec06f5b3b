package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/nginxconf"
)

// ruleCase builds the evidence of a burst of bad 502s (synthetic).
type ruleCase struct {
	bad, requests, attempts int
	groupNamed, placeholder int
	cats                    map[logparse.Category]int
	peer                    string // the peer of the events, 10.0.0.1:80 by default
	chains                  map[string]int
	methods                 map[string]int
	duration                time.Duration
	is504                   bool
	conf                    *nginxconf.Upstream
	settings                *audit.Settings
	findings                []audit.Finding
	crash                   bool // an abrupt close then refusals on one peer
	neverConnected          int
	noHeader                int
	prelude500              int
	prelude                 map[logparse.Category]int
	connTimed, connNew      int
	resolve                 []string
	noHost                  []string
	sending                 int
}

func (rc ruleCase) input() ruleInput {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	peer := rc.peer
	if peer == "" {
		peer = "10.0.0.1:80"
	}
	ev := &Evidence{
		FailsRequests: !rc.is504, Is502: !rc.is504, Is504: rc.is504,
		Group: "example", Start: start, End: start.Add(rc.duration),
		Bad: rc.bad, Requests: rc.requests, Attempts: rc.attempts,
		GroupNamed: rc.groupNamed, Placeholder: rc.placeholder,
		CatPeers: map[logparse.Category][]Count{}, Methods: map[string]int{},
		AbruptFirst: map[string]time.Time{}, RefusedFirst: map[string]time.Time{}, AbruptTimes: map[string][]time.Time{},
		NeverConnected: rc.neverConnected, NoHeader: rc.noHeader,
		Prelude500: rc.prelude500, Prelude5xx: rc.prelude500,
		ConnectTimed: rc.connTimed, ConnectNew: rc.connNew, AbruptSending: rc.sending,
		Conf: rc.conf, Settings: rc.settings, AllFindings: rc.findings,
	}
	if rc.is504 {
		ev.GatewayTimeout = rc.bad
	}
	for c, n := range rc.cats {
		ev.Categories[c] = n
		ev.CatPeers[c] = []Count{{Key: peer, N: n}}
	}
	for c, n := range rc.prelude {
		ev.Prelude[c] = n
	}
	for _, r := range rc.resolve {
		ev.ResolveNames = append(ev.ResolveNames, Count{Key: r, N: 1})
	}
	for _, h := range rc.noHost {
		ev.HostNotAllowed = append(ev.HostNotAllowed, Count{Key: h, N: rc.bad})
	}
	ev.Chains = TopCounts(rc.chains)
	for k, v := range rc.methods {
		ev.Methods[k] = v
	}
	if rc.crash {
		ev.AbruptFirst[peer] = start
		ev.RefusedFirst[peer] = start.Add(time.Second)
		for range rc.cats[logparse.CatConnReset] + rc.cats[logparse.CatPrematureClose] {
			ev.AbruptTimes[peer] = append(ev.AbruptTimes[peer], start)
		}
	}
	return ruleInput{ev: ev}
}

// text is everything a cause says, its fix rendered.
func text(c Cause) string {
	return c.Summary + " " + strings.Join(c.Evidence, " ") + " " + render(c.Steps)
}

func TestRules(t *testing.T) {
	bareConf := &nginxconf.Upstream{Name: "example", File: "nginx.conf", Line: 10, Servers: []nginxconf.UpstreamServer{{Addr: "10.0.0.1:80", Line: 11, MaxFails: 1, FailTimeout: "10s"}, {Addr: "10.0.0.2:80", Line: 12, MaxFails: 1, FailTimeout: "10s"}}}
	onePeer := &nginxconf.Upstream{Name: "example", File: "nginx.conf", Line: 10, Servers: []nginxconf.UpstreamServer{{Addr: "10.0.0.1:80", Line: 11, MaxFails: 1, FailTimeout: "10s"}}}
	noSkip := &nginxconf.Upstream{Name: "example", File: "nginx.conf", Line: 10, Servers: []nginxconf.UpstreamServer{{Addr: "10.0.0.1:80", Line: 11, MaxFails: 0, MaxFailsSet: true, FailTimeout: "10s"}, {Addr: "10.0.0.2:80", Line: 12, MaxFails: 0, MaxFailsSet: true, FailTimeout: "10s"}}}
	withKeepalive := &nginxconf.Upstream{Name: "example", File: "nginx.conf", Line: 10, Keepalive: 16, KeepaliveLine: 13, Servers: bareConf.Servers}
	lua := &nginxconf.Upstream{Name: "example", Balancer: true, Servers: []nginxconf.UpstreamServer{{Addr: "0.0.0.1:80"}}}
	defaults := &audit.Settings{NextUpstream: audit.Setting{Value: "error timeout"}, ConnectTime: audit.Setting{Value: "1s", At: "nginx.conf:30"},
		SendTime: audit.Setting{Value: "1s", At: "nginx.conf:31"}, ReadTime: audit.Setting{Value: "60s"}, KeepaliveTime: audit.Setting{Value: "60s"}}
	off := &audit.Settings{NextUpstream: audit.Setting{Value: "off", At: "nginx.conf:20"}}
	listed500 := &audit.Settings{NextUpstream: audit.Setting{Value: "error timeout http_500 http_502", At: "nginx.conf:20"}}
	tests := []struct {
		name     string
		rule     rule
		rc       ruleCase
		applies  bool
		min, max float64 // confidence
		mention  string  // in summary, evidence or fix
		never    string  // nowhere in them
	}{
		{"all peers down: group name in every 502, fail_timeout long", allPeersDown,
			ruleCase{bad: 100, requests: 200, groupNamed: 100, cats: map[logparse.Category]int{logparse.CatNoLiveUpstreams: 100}, duration: 10 * time.Second, prelude500: 3},
			true, 0.99, 0.99, "http_500", ""},
		{"all peers down: http_500 listed at its line", allPeersDown,
			ruleCase{bad: 100, requests: 200, groupNamed: 100, duration: 10 * time.Second, prelude500: 3, conf: bareConf, settings: listed500},
			true, 0.99, 0.99, "Remove http_500 from proxy_next_upstream, keeping \"error timeout\" (and http_502 too", ""},
		{"all peers down: 500s do not count at proxy_next_upstream's default", allPeersDown,
			ruleCase{bad: 100, requests: 200, groupNamed: 100, duration: 10 * time.Second, prelude500: 3, conf: bareConf, settings: defaults,
				cats: map[logparse.Category]int{logparse.CatConnectRefused: 5}},
			true, 0.99, 0.99, "connect_refused", "http_500"},
		// The 500s inside the burst's first second, seen only in the
		// status chains, are what marked the peers down (issue 24: only
		// those before the first 502 counted, and without them the fix
		// sent people to an error.log that names none).
		{"all peers down: 500s only in the burst's chains", allPeersDown,
			ruleCase{bad: 100, requests: 100, groupNamed: 100, duration: 10 * time.Second, chains: map[string]int{"500, 502": 40, "502": 60}},
			true, 0.99, 0.99, "If proxy_next_upstream lists http_500", "names each failure"},
		// A host name handed to set_current_peer: resolve it first (issue
		// 24: "a path ends without set_current_peer").
		{"lua balancer: no host allowed", luaBalancer,
			ruleCase{bad: 20, requests: 20, cats: map[logparse.Category]int{logparse.CatLuaBalancer: 20}, noHost: []string{"api.internal:80"}},
			true, 0.95, 0.95, "takes an IP address", "ends without set_current_peer"},
		{"all peers down: a quarter of the 502s", allPeersDown,
			ruleCase{bad: 100, requests: 200, groupNamed: 25, duration: 40 * time.Second},
			true, 0.59, 0.61, "no live upstreams", ""},
		{"all peers down: no evidence", allPeersDown, ruleCase{bad: 100, requests: 200, duration: 10 * time.Second}, false, 0, 0, "", ""},
		{"all peers down behind a Lua balancer is discounted", allPeersDown,
			ruleCase{bad: 100, requests: 100, groupNamed: 100, duration: 10 * time.Second, conf: lua},
			true, 0.59, 0.61, "lua_balancer", ""},
		// Each peer is tried once at most: with two, a bound of 2 tries
		// changes nothing (issue 24), only the time retries take can be
		// bounded; with three or more the bound is advice.
		{"retry amplification: two tries per request", retryAmplification,
			ruleCase{bad: 50, requests: 100, attempts: 200, chains: map[string]int{"502, 502": 50}, duration: 5 * time.Second},
			true, 0.85, 0.85, "proxy_next_upstream_timeout", "proxy_next_upstream_tries 2"},
		{"retry amplification: three peers tried", retryAmplification,
			ruleCase{bad: 50, requests: 100, attempts: 250, chains: map[string]int{"502, 502, 502": 25, "502, 502": 25}, duration: 5 * time.Second},
			true, 0.85, 0.85, "proxy_next_upstream_tries 2", ""},
		{"retry amplification: single tries", retryAmplification, ruleCase{bad: 50, requests: 100, attempts: 100, chains: map[string]int{"502": 50}}, false, 0, 0, "", ""},
		{"no keepalive: errno 99", noKeepalive,
			ruleCase{bad: 10, requests: 100, cats: map[logparse.Category]int{logparse.CatAddrUnavailable: 10}},
			true, 0.9, 0.9, "keepalive N", ""},
		// What to check and do while the ports are gone (issue 24).
		{"no keepalive: errno 99 says what to do meanwhile", noKeepalive,
			ruleCase{bad: 10, requests: 100, cats: map[logparse.Category]int{logparse.CatAddrUnavailable: 10}},
			true, 0.9, 0.9, "ss -tan state time-wait", ""},
		{"no keepalive: errno 99 towards an IPv6 peer is not churn", noKeepalive,
			ruleCase{bad: 10, requests: 100, peer: "[::1]:8000", cats: map[logparse.Category]int{logparse.CatAddrUnavailable: 10}},
			false, 0, 0, "", ""},
		{"no keepalive: a missing directive alone is no evidence", noKeepalive,
			ruleCase{bad: 10, requests: 100, groupNamed: 10, conf: bareConf}, false, 0, 0, "", ""},
		{"no keepalive: a new connection for every attempt", noKeepalive,
			ruleCase{bad: 10, requests: 100, groupNamed: 10, conf: bareConf, connTimed: 100, connNew: 97}, true, 0.45, 0.45, "nginx.conf:10", ""},
		{"no keepalive: keepalive configured but too small", noKeepalive,
			ruleCase{bad: 10, requests: 100, conf: withKeepalive, cats: map[logparse.Category]int{logparse.CatAddrUnavailable: 10}}, true, 0.9, 0.9, "Raise \"keepalive 16;\"", ""},
		{"keepalive race: sporadic premature closes, POSTs, keepalive on", keepaliveRace,
			ruleCase{bad: 10, requests: 500, cats: map[logparse.Category]int{logparse.CatPrematureClose: 10}, methods: map[string]int{"POST": 8}, conf: withKeepalive, settings: defaults},
			true, 0.9, 0.9, "keepalive_timeout", "4s"},
		{"keepalive race: not without upstream keepalive", keepaliveRace,
			ruleCase{bad: 10, requests: 500, cats: map[logparse.Category]int{logparse.CatPrematureClose: 10}, conf: bareConf}, false, 0, 0, "", ""},
		{"keepalive race: every attempt a new connection", keepaliveRace,
			ruleCase{bad: 10, requests: 500, cats: map[logparse.Category]int{logparse.CatPrematureClose: 10}, connTimed: 500, connNew: 490}, true, 0.1, 0.2, "new connection", ""},
		{"keepalive race after a crash is halved", keepaliveRace,
			ruleCase{bad: 10, requests: 500, cats: map[logparse.Category]int{logparse.CatConnReset: 2, logparse.CatConnectRefused: 8}, crash: true},
			true, 0.1, 0.3, "", ""},
		{"peer refused: every 502", peerRefused,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnectRefused: 40}}, true, 0.9, 0.9, "10.0.0.1:80", "backlog"},
		{"peer refused: one refusal among 400 502s", peerRefused,
			ruleCase{bad: 400, requests: 800, cats: map[logparse.Category]int{logparse.CatConnectRefused: 1}}, true, 0.2, 0.21, "", ""},
		{"peer refused: proxy_next_upstream off and max_fails=0 are named", peerRefused,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnectRefused: 40}, conf: noSkip, settings: off}, true, 0.9, 0.9, "max_fails=0", "several peers"},
		{"peer refused: proxy_next_upstream off", peerRefused,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnectRefused: 40}, conf: noSkip, settings: off}, true, 0.9, 0.9, "instead of off (nginx.conf:20)", ""},
		{"peer refused: one peer, no backup", peerRefused,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnectRefused: 40}, conf: onePeer, settings: defaults}, true, 0.9, 0.9, "one peer and no backup", "several peers"},
		{"peer refused: a peer absent from nginx.conf", peerRefused,
			ruleCase{bad: 40, requests: 80, peer: "10.9.9.9:80", cats: map[logparse.Category]int{logparse.CatConnectRefused: 40}, conf: bareConf}, true, 0.9, 0.9, "not among the server lines", ""},
		{"peer refused: none", peerRefused, ruleCase{bad: 40, requests: 80}, false, 0, 0, "", ""},
		{"backend crash", backendCrash,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnReset: 5, logparse.CatConnectRefused: 35}, crash: true},
			true, 0.85, 0.85, "crashed or was restarted", ""},
		{"backend crash: refusals only", backendCrash,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnectRefused: 35}}, false, 0, 0, "", ""},
		{"backend hangup: every request closed unanswered", backendHangup,
			ruleCase{bad: 40, requests: 40, cats: map[logparse.Category]int{logparse.CatPrematureClose: 40}}, true, 0.9, 0.9, "closed or reset", ""},
		{"backend hangup: uploads cut off", backendHangup,
			ruleCase{bad: 30, requests: 100, cats: map[logparse.Category]int{logparse.CatConnReset: 30}, sending: 10, methods: map[string]int{"POST": 30}}, true, 0.6, 0.9, "request body", ""},
		{"backend hangup: sporadic closes are a race, not a hangup", backendHangup,
			ruleCase{bad: 10, requests: 500, cats: map[logparse.Category]int{logparse.CatPrematureClose: 10}}, true, 0.4, 0.42, "", "many"},
		{"backend hangup: not after a crash", backendHangup,
			ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnReset: 5, logparse.CatConnectRefused: 35}, crash: true}, false, 0, 0, "", ""},
		{"upstream timeout: read, a 504 episode", upstreamTimeout,
			ruleCase{is504: true, bad: 30, requests: 60, cats: map[logparse.Category]int{logparse.CatReadTimeout: 30}}, true, 0.95, 0.95, "proxy_read_timeout", ""},
		{"upstream timeout: connect, the peer stopped accepting", upstreamTimeout,
			ruleCase{is504: true, bad: 30, requests: 60, cats: map[logparse.Category]int{logparse.CatConnectTimeout: 30}, conf: onePeer, settings: defaults}, true, 0.95, 0.95, "listen queue", "proxy_read_timeout"},
		{"upstream timeout: send, the peer stopped reading", upstreamTimeout,
			ruleCase{is504: true, bad: 30, requests: 60, cats: map[logparse.Category]int{logparse.CatSendTimeout: 30}, methods: map[string]int{"POST": 30}, settings: defaults}, true, 0.95, 0.95, "proxy_send_timeout 1s at nginx.conf:31", "proxy_read_timeout"},
		{"upstream timeout: a side note on a 502 burst", upstreamTimeout,
			ruleCase{bad: 30, requests: 60, cats: map[logparse.Category]int{logparse.CatReadTimeout: 3}}, true, 0.2, 0.3, "", ""},
		{"bad upstream response: big headers, no invented size", badUpstreamResponse,
			ruleCase{bad: 30, requests: 60, cats: map[logparse.Category]int{logparse.CatTooBigHeader: 30}}, true, 0.95, 0.95, "curl", "16k"},
		{"lua balancer: placeholder peer", luaBalancer,
			ruleCase{bad: 30, requests: 60, placeholder: 30}, true, 0.95, 0.95, "set_current_peer", ""},
		{"lua balancer: a stale endpoint refuses", luaBalancer,
			ruleCase{bad: 30, requests: 60, peer: "10.1.2.3:8080", cats: map[logparse.Category]int{logparse.CatConnectRefused: 30}, conf: lua}, true, 0.9, 0.9, "stale endpoints", "Start or fix"},
		{"health checker marked the peers down", healthcheckMarkedDown,
			ruleCase{bad: 30, requests: 60, groupNamed: 30, prelude: map[logparse.Category]int{logparse.CatHealthcheckDown: 4}}, true, 0.95, 0.95, "health checker", ""},
		{"health checker: thresholds from the audit", healthcheckMarkedDown,
			ruleCase{bad: 30, requests: 60, groupNamed: 30, prelude: map[logparse.Category]int{logparse.CatHealthcheckDown: 4},
				settings: &audit.Settings{Findings: []audit.Finding{{Rule: "healthcheck-thresholds", Location: audit.Location{File: "nginx.conf", Line: 7}, Fix: []string{"Set fall = 3 and rise = 2."}}}}},
			true, 0.95, 0.95, "Set fall = 3 and rise = 2 (nginx.conf:7).", ""},
		{"keepalive pool leak", keepalivePoolLeak,
			ruleCase{bad: 20, requests: 40, cats: map[logparse.Category]int{logparse.CatKeepaliveFailure: 10, logparse.CatLuaSocket: 10},
				findings: []audit.Finding{{Rule: "set-keepalive-failure-leaks", Location: audit.Location{File: "app.lua", Line: 12}}}},
			true, 0.95, 0.95, "app.lua:12", ""},
		{"resource exhaustion", resourceExhaustion,
			ruleCase{bad: 10, requests: 20, cats: map[logparse.Category]int{logparse.CatWorkerConnections: 10}}, true, 0.95, 0.95, "worker_connections", ""},
		{"ssl upstream", sslUpstream,
			ruleCase{bad: 10, requests: 20, cats: map[logparse.Category]int{logparse.CatSSLUpstream: 5}}, true, 0.75, 0.75, "proxy_ssl_server_name", ""},
		{"resolver failure names the host", resolverFailure,
			ruleCase{bad: 10, requests: 30, cats: map[logparse.Category]int{logparse.CatResolver: 10}, resolve: []string{"api.internal"}}, true, 0.95, 0.95, "dig @SERVER api.internal", ""},
		{"resolver failure without a resolver", resolverFailure,
			ruleCase{bad: 10, requests: 30, cats: map[logparse.Category]int{logparse.CatResolver: 10}, settings: &audit.Settings{}}, true, 0.95, 0.95, "Add \"resolver ADDRESS", ""},
		{"connect failed, from the access log alone", connectFailed,
			ruleCase{bad: 20, requests: 40, neverConnected: 20}, true, 0.65, 0.65, "never connected", ""},
		{"connect failed: the error log knows better", connectFailed,
			ruleCase{bad: 20, requests: 40, neverConnected: 20, cats: map[logparse.Category]int{logparse.CatConnectRefused: 20}}, false, 0, 0, "", ""},
		{"no response, from the access log alone", noResponse,
			ruleCase{bad: 20, requests: 40, noHeader: 10}, true, 0.5, 0.5, "no response header", ""},
		{"socket unavailable", socketUnavailable,
			ruleCase{bad: 10, requests: 20, cats: map[logparse.Category]int{logparse.CatSocketUnavailable: 10}}, true, 0.95, 0.95, "pm.max_children", ""},
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
			all := text(c)
			if !strings.Contains(all, tt.mention) {
				t.Errorf("cause does not mention %q:\n%s", tt.mention, all)
			}
			if tt.never != "" && strings.Contains(all, tt.never) {
				t.Errorf("cause mentions %q:\n%s", tt.never, all)
			}
			if len(c.Steps) == 0 || c.Summary == "" || len(c.Evidence) == 0 {
				t.Errorf("incomplete cause: %+v", c)
			}
			if c.Steps[0].Optional {
				t.Errorf("the first step must remove the trigger, not harden: %+v", c.Steps)
			}
		})
	}
}

// TestConfidenceMonotone: more of a rule's own evidence never lowers its
// confidence, for every rule (unknown is a constant fallback).
func TestConfidenceMonotone(t *testing.T) {
	for _, tt := range []struct {
		name string
		rule rule
		with func(n int) ruleCase
	}{
		{"peer_refused", peerRefused, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, cats: map[logparse.Category]int{logparse.CatConnectRefused: n}}
		}},
		{"all_peers_down", allPeersDown, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, groupNamed: n, duration: 30 * time.Second}
		}},
		{"upstream_timeout", upstreamTimeout, func(n int) ruleCase {
			return ruleCase{is504: true, bad: 100, requests: 200, cats: map[logparse.Category]int{logparse.CatConnectTimeout: n}}
		}},
		{"backend_hangup", backendHangup, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, cats: map[logparse.Category]int{logparse.CatPrematureClose: n}}
		}},
		{"bad_upstream_response", badUpstreamResponse, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, cats: map[logparse.Category]int{logparse.CatTooBigHeader: n}}
		}},
		{"lua_balancer", luaBalancer, func(n int) ruleCase { return ruleCase{bad: 100, requests: 200, placeholder: n} }},
		{"no_keepalive", noKeepalive, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, cats: map[logparse.Category]int{logparse.CatAddrUnavailable: n}}
		}},
		{"resolver_failure", resolverFailure, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, cats: map[logparse.Category]int{logparse.CatResolver: n}}
		}},
		{"keepalive_pool_leak", keepalivePoolLeak, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, cats: map[logparse.Category]int{logparse.CatKeepaliveFailure: n}}
		}},
		{"retry_amplification", retryAmplification, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, attempts: 200 + n, chains: map[string]int{"502, 502": n}}
		}},
		{"keepalive_race", keepaliveRace, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 2000, cats: map[logparse.Category]int{logparse.CatPrematureClose: n}}
		}},
		{"healthcheck_marked_down", healthcheckMarkedDown, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, groupNamed: n, prelude: map[logparse.Category]int{logparse.CatHealthcheckDown: 2}}
		}},
		{"resource_exhaustion", resourceExhaustion, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, cats: map[logparse.Category]int{logparse.CatTooManyFiles: n}}
		}},
		{"ssl_upstream", sslUpstream, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, cats: map[logparse.Category]int{logparse.CatSSLUpstream: n}}
		}},
		{"socket_unavailable", socketUnavailable, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, cats: map[logparse.Category]int{logparse.CatSocketUnavailable: n}}
		}},
		{"connect_failed", connectFailed, func(n int) ruleCase { return ruleCase{bad: 100, requests: 200, neverConnected: n} }},
		{"no_response", noResponse, func(n int) ruleCase { return ruleCase{bad: 100, requests: 200, noHeader: n} }},
		{"backend_crash", backendCrash, func(n int) ruleCase {
			return ruleCase{bad: 100, requests: 200, crash: true, cats: map[logparse.Category]int{logparse.CatConnReset: 2 + n%3, logparse.CatConnectRefused: n}}
		}},
	} {
		last := 0.0
		for n := 1; n <= 120; n += 7 {
			c, ok := tt.rule(tt.with(n).input())
			if !ok {
				if last > 0 {
					t.Errorf("%s: stops applying at %d", tt.name, n)
				}
				continue
			}
			if c.Confidence < last-1e-9 {
				t.Errorf("%s: confidence fell from %.3f to %.3f at %d", tt.name, last, c.Confidence, n)
			}
			last = c.Confidence
		}
		if last == 0 {
			t.Errorf("%s never applied", tt.name)
		}
	}
}

func TestExplainRanksAndFallsBack(t *testing.T) {
	in := ruleCase{bad: 40, requests: 80, cats: map[logparse.Category]int{logparse.CatConnReset: 5, logparse.CatConnectRefused: 35}, crash: true}.input()
	causes := Explain(*in.ev)
	if causes[0].ID != CauseBackendCrash || causes[1].ID != CausePeerRefused {
		t.Errorf("ranking: %v", ids(causes))
	}
	if !strings.HasPrefix(causes[0].Fix, "1. ") || !strings.Contains(causes[0].Fix, " 2. (optional) ") {
		t.Errorf("fix not rendered as steps: %q", causes[0].Fix)
	}
	bare := ruleCase{bad: 10, requests: 10}.input()
	if c := Explain(*bare.ev); c[0].ID != CauseUnknown || c[0].Fix == "" {
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

// TestUpstreamAnswered502: a peer's 502 that the given error log is silent
// about is the application's own answer (synthetic evidence); without an
// error log, or with an upstream error in the burst, it is not said, and a
// silent error log given contradicts "never connected" and "no response".
func TestUpstreamAnswered502(t *testing.T) {
	in := ruleCase{bad: 40, requests: 100, attempts: 100, duration: 8 * time.Second, neverConnected: 40, noHeader: 40}.input()
	in.ev.Peer502, in.ev.Connected502, in.ev.BadPeers = 40, 40, []Count{{Key: "10.0.0.2:80", N: 40}}
	in.ev.ErrorLogGiven = true
	c, ok := upstreamAnswered502(in)
	if !ok || !strings.Contains(c.Summary, "10.0.0.2:80 (40) answered 502 itself to 40 of the 100 requests to example (40.0%)") || !strings.Contains(text(c), "application's own log") {
		t.Errorf("%v %q", ok, text(c))
	}
	if _, ok := connectFailed(in); ok {
		t.Error("connect_failed beside a silent error log")
	}
	if _, ok := noResponse(in); ok {
		t.Error("no_response beside a silent error log")
	}
	in.ev.ErrorLogGiven = false
	if _, ok := upstreamAnswered502(in); ok {
		t.Error("said without an error log")
	}
	in.ev.ErrorLogGiven = true
	in.ev.Categories[logparse.CatConnReset] = 1
	if _, ok := upstreamAnswered502(in); ok {
		t.Error("said beside an upstream error")
	}
}
