package logparse

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// errorCases: lines written by Debian's nginx 1.22.1 in fixtures/ (noted
// "fixture"), and synthetic lines for categories neither the fixtures nor
// testdata/public-error-lines.txt cover, built from the message texts in
// nginx's and lua-nginx-module's source.
var errorCases = []struct {
	name     string
	line     string
	cat      Category
	errno    int
	conn     uint64
	peer     string
	phase    string
	level    Level
	client   string
	request  string
	upstream string
	host     string
}{
	{
		name: "fixture single-peer-down: refused",
		line: `2026/11/22 01:19:47 [error] 6100#6100: *2 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: api.badgw.test, request: "GET /api/items/311 HTTP/1.1", upstream: "http://127.0.0.1:45567/api/items/311", host: "127.0.0.1:45293"`,
		cat:  CatConnectRefused, errno: 111, conn: 2, peer: "127.0.0.1:45567", phase: "while connecting to upstream", level: LevelError,
		client: "127.0.0.1", request: "GET /api/items/311 HTTP/1.1", upstream: "http://127.0.0.1:45567/api/items/311", host: "127.0.0.1:45293",
	},
	{
		name: "fixture no-live-upstreams: group name as peer",
		line: `2026/11/22 02:23:23 [error] 6769#6769: *404 no live upstreams while connecting to upstream, client: 127.0.0.1, server: api.badgw.test, request: "POST /v2/process HTTP/1.1", upstream: "http://example/v2/process", host: "127.0.0.1:39179"`,
		cat:  CatNoLiveUpstreams, conn: 404, peer: "example", level: LevelError, request: "POST /v2/process HTTP/1.1",
	},
	{
		name: "fixture no-live-upstreams: peer disabled (warn)",
		line: `2026/11/22 02:23:23 [warn] 6769#6769: *2 upstream server temporarily disabled while reading response header from upstream, client: 127.0.0.1, server: api.badgw.test, request: "GET /api/items/236 HTTP/1.1", upstream: "http://127.0.0.1:35727/api/items/236", host: "127.0.0.1:39179"`,
		cat:  CatPeerDisabled, conn: 2, peer: "127.0.0.1:35727", level: LevelWarn, phase: "while reading response header from upstream",
	},
	{
		name: "fixture keepalive-race: premature close",
		line: `2026/11/22 01:23:22 [error] 6770#6770: *2 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: api.badgw.test, request: "POST /v2/process HTTP/1.1", upstream: "http://127.0.0.1:44863/v2/process", host: "127.0.0.1:34889"`,
		cat:  CatPrematureClose, conn: 2, peer: "127.0.0.1:44863", level: LevelError,
	},
	{
		name: "fixture backend-crash: reset",
		line: `2026/11/22 01:24:34 [error] 6886#6886: *12 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: api.badgw.test, request: "GET /api/items/408 HTTP/1.1", upstream: "http://127.0.0.1:35019/api/items/408", host: "127.0.0.1:36273"`,
		cat:  CatConnReset, errno: 104, conn: 12, peer: "127.0.0.1:35019", level: LevelError,
	},
	{
		name: "fixture lua-balancer: lua prefix, no upstream pair",
		line: `2026/11/22 01:24:51 [error] 6890#6890: *2 [lua] balancer_by_lua(nginx.conf:27):5: failed to get peer: no available peer in pool for /v2/process while connecting to upstream, client: 127.0.0.1, server: api.badgw.test, request: "POST /v2/process HTTP/1.1", host: "127.0.0.1:42093"`,
		cat:  CatLuaBalancer, conn: 2, level: LevelError, host: "127.0.0.1:42093",
	},
	{
		name: "fixture lua-balancer: placeholder peer",
		line: `2026/11/22 01:24:51 [error] 6890#6890: *2 connect() to 0.0.0.1:80 failed (101: Network is unreachable) while connecting to upstream, client: 127.0.0.1, server: api.badgw.test, request: "POST /v2/process HTTP/1.1", upstream: "http://0.0.0.1:80/v2/process", host: "127.0.0.1:42093"`,
		cat:  CatLuaBalancer, errno: 101, peer: "0.0.0.1:80", conn: 2, level: LevelError,
	},
	{
		name: "fixture connect-timeout: connect timeout",
		line: `2026/11/22 02:15:14 [error] 29717#29717: *165 upstream timed out (110: Connection timed out) while connecting to upstream, client: 127.0.0.1, server: api.badgw.test, request: "GET /api/items/449 HTTP/1.1", upstream: "http://127.0.0.1:43809/api/items/449", host: "127.0.0.1:39509"`,
		cat:  CatConnectTimeout, errno: 110, peer: "127.0.0.1:43809", conn: 165, level: LevelError,
	},
	{
		name: "fixture resolver-failure: name not resolved",
		line: `2026/11/22 02:15:37 [error] 29914#29914: *2 orders.badgw.invalid could not be resolved (110: Operation timed out), client: 127.0.0.1, server: api.badgw.test, request: "POST /v2/process HTTP/1.1", host: "127.0.0.1:41667"`,
		cat:  CatResolver, errno: 110, conn: 2, level: LevelError, request: "POST /v2/process HTTP/1.1",
	},
	{
		name: "fixture resolver-failure: resolver unreachable",
		line: `2026/11/22 02:15:36 [error] 29914#29914: send() failed (111: Connection refused) while resolving, resolver: 127.0.0.1:53`,
		cat:  CatResolver, errno: 111, level: LevelError, phase: "while resolving, resolver: 127.0.0.1:53",
	},
	{
		name: "fixture fd-exhaustion: socket() towards the upstream",
		line: `2026/11/22 02:15:19 [alert] 29716#29716: *435 socket() failed (24: Too many open files) while connecting to upstream, client: 127.0.0.1, server: api.badgw.test, request: "GET /api/items/430 HTTP/1.1", upstream: "http://127.0.0.1:43695/api/items/430", host: "127.0.0.1:32813"`,
		cat:  CatTooManyFiles, errno: 24, peer: "127.0.0.1:43695", conn: 435, level: LevelAlert,
	},
	{
		name: "fixture fd-exhaustion: accept4()",
		line: `2026/11/22 02:15:13 [crit] 29716#29716: accept4() failed (24: Too many open files)`,
		cat:  CatTooManyFiles, errno: 24, level: LevelCrit,
	},
	{
		name: "fixture upload-failures: send timeout",
		line: `2026/11/22 02:19:27 [error] 31929#31929: *2 upstream timed out (110: Connection timed out) while sending request to upstream, client: 127.0.0.1, server: api.badgw.test, request: "POST /upload/report HTTP/1.1", upstream: "http://127.0.0.1:40707/upload/report", host: "127.0.0.1:34007"`,
		cat:  CatSendTimeout, errno: 110, peer: "127.0.0.1:40707", conn: 2, level: LevelError,
	},
	{
		name: "fixture upload-failures: reset while sending the body",
		line: `2026/11/22 02:19:38 [error] 31929#31929: *127 writev() failed (104: Connection reset by peer) while sending request to upstream, client: 127.0.0.1, server: api.badgw.test, request: "POST /upload/report HTTP/1.1", upstream: "http://127.0.0.1:40707/upload/report", host: "127.0.0.1:34007"`,
		cat:  CatConnReset, errno: 104, peer: "127.0.0.1:40707", conn: 127, level: LevelError,
	},
	{
		name: "synthetic: broken pipe",
		line: `2026/11/20 10:00:00 [error] 7#7: *9 writev() failed (32: Broken pipe) while sending request to upstream, client: 10.0.0.9, server: _, request: "POST /up HTTP/1.1", upstream: "http://10.0.0.1:8080/up", host: "x"`,
		cat:  CatBrokenPipe, errno: 32, peer: "10.0.0.1:8080", conn: 9, level: LevelError,
	},
	{
		name: "synthetic: keepalive in lua",
		line: `2026/11/20 10:00:00 [error] 7#7: *9 [lua] content_by_lua(nginx.conf:40):12: failed to set keepalive: closed, client: 10.0.0.9, server: _, request: "GET / HTTP/1.1", host: "x"`,
		cat:  CatKeepaliveFailure, conn: 9, level: LevelError,
	},
	{
		name: "synthetic: healthcheck in a timer (no connection)",
		line: `2026/11/20 10:00:00 [error] 7#7: *3 [lua] healthcheck.lua:53: errlog(): healthcheck: failed to receive status line from 10.0.0.1:80: timeout, context: ngx.timer`,
		cat:  CatHealthcheckDown, conn: 3, level: LevelError,
	},
	{
		name: "synthetic: client closed (info)",
		line: `2026/11/20 10:00:00 [info] 7#7: *9 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while connecting to upstream, client: 10.0.0.9, server: _, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:8080/", host: "x"`,
		cat:  CatClientClosed, conn: 9, peer: "10.0.0.1:8080", level: LevelInfo,
	},
	{
		name: "start-up message without connection or pairs",
		line: `2026/11/20 10:00:00 [notice] 7#7: signal process started`,
		cat:  CatOther, level: LevelNotice,
	},
	{
		name: "request line holding a quote and a comma",
		line: `2026/11/20 10:00:00 [error] 7#7: *9 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.9, server: _, request: "GET /a",b HTTP/1.1", upstream: "http://10.0.0.1:8080/a",b", host: "x"`,
		cat:  CatConnectRefused, errno: 111, conn: 9, peer: "10.0.0.1:8080", level: LevelError, request: `GET /a",b HTTP/1.1`, host: "x",
	},
	{
		name: "synthetic: the syslog server nginx logs to refuses: not an upstream",
		line: `2026/11/22 02:15:36 [alert] 29914#29914: connect() failed (111: Connection refused) while logging to syslog, server: 127.0.0.1:514`,
		cat:  CatOther, errno: 111, level: LevelAlert,
	},
	{
		name: "synthetic: nginx cannot open its own log: not an upstream",
		line: `2026/11/22 02:15:36 [emerg] 1#1: open() "/var/log/nginx/error.log" failed (13: Permission denied)`,
		cat:  CatOther, errno: 13, level: LevelEmerg,
	},
}

func TestParseErrorLine(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			var ev Event
			if err := ParseErrorLine([]byte(tc.line), time.UTC, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Category != tc.cat || ev.Errno != tc.errno || ev.Conn != tc.conn || ev.Peer != tc.peer || ev.Level != tc.level {
				t.Errorf("got category %s errno %d conn %d peer %q level %s; want %s %d %d %q %s",
					ev.Category, ev.Errno, ev.Conn, ev.Peer, ev.Level, tc.cat, tc.errno, tc.conn, tc.peer, tc.level)
			}
			check := func(field, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("phase", ev.Phase, tc.phase)
			check("client", ev.Client, tc.client)
			check("request", ev.Request, tc.request)
			check("upstream", ev.Upstream, tc.upstream)
			check("host", ev.Host, tc.host)
			if ev.Line != tc.line {
				t.Error("Line is not the whole line")
			}
		})
	}
}

// TestPublicErrorLines classifies lines people posted in public trackers.
func TestPublicErrorLines(t *testing.T) {
	f, err := os.Open("testdata/public-error-lines.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	want := ""
	n := 0
	messagesOnly := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "#= messages":
			messagesOnly = true
			continue
		case strings.HasPrefix(line, "#> "):
			want = strings.Fields(line)[1]
			continue
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		}
		if messagesOnly {
			line = "2000/01/01 00:00:00 [error] 1#1: " + line
		}
		var ev Event
		if err := ParseErrorLine([]byte(line), time.UTC, &ev); err != nil {
			t.Errorf("%v\n%s", err, line)
			continue
		}
		if ev.Category.String() != want {
			t.Errorf("category %s, want %s:\n%s", ev.Category, want, line)
		}
		n++
	}
	if n < 20 {
		t.Errorf("only %d public lines checked", n)
	}
}

// TestFixtureErrorLogsParse checks every line nginx wrote to the fixtures'
// error logs parses and that upstream failures are never left as "other".
func TestFixtureErrorLogsParse(t *testing.T) {
	logs, _ := filepath.Glob("../fixtures/*/error.log")
	for _, path := range logs {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if line == "" {
				continue
			}
			var ev Event
			if err := ParseErrorLine([]byte(line), time.UTC, &ev); err != nil {
				t.Errorf("%s:%d: %v", path, i+1, err)
				continue
			}
			if ev.Category == CatOther && ev.Level >= LevelError {
				t.Errorf("%s:%d: unclassified error: %s", path, i+1, line)
			}
		}
	}
}

func TestParseErrorLineRejects(t *testing.T) {
	for _, line := range []string{
		"",
		"10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 502 0",
		"2026/13/20 10:00:00 [error] 7#7: month 13",
		"2026/11/20 10:00:00 [fatal] 7#7: no such level",
		"2026/11/20 10:00:00 [error 7#7: unclosed",
	} {
		var ev Event
		err := ParseErrorLine([]byte(line), time.UTC, &ev)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseErrorLine(%q) = %v, want a ParseError", line, err)
		}
	}
}

func TestCategoryNamesStable(t *testing.T) {
	// Identifiers are part of the CSV/JSON contract: new ones are added at
	// the end, none is renamed.
	want := "other no_live_upstreams connect_refused connect_timeout read_timeout send_timeout premature_close conn_reset broken_pipe addr_unavailable unreachable too_big_header invalid_header ssl_upstream peer_disabled healthcheck_down lua_balancer keepalive_failure worker_connections too_many_files permission_denied socket_unavailable resolver client_closed lua_socket healthcheck_up"
	var got []string
	for c := Category(0); c < NumCategories; c++ {
		got = append(got, c.String())
	}
	if strings.Join(got, " ") != want {
		t.Errorf("categories changed:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// BenchmarkParseErrorLine: one allocation per line (the copy that every
// string field shares).
func BenchmarkParseErrorLine(b *testing.B) {
	line := []byte(errorCases[0].line)
	var ev Event
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if err := ParseErrorLine(line, time.UTC, &ev); err != nil {
			b.Fatal(err)
		}
	}
}

func TestResolveTarget(t *testing.T) {
	for msg, want := range map[string]string{
		"backend.internal could not be resolved (3: Host not found)":                 "backend.internal",
		"*12 api.example.com could not be resolved (110: Operation timed out)":       "api.example.com",
		"no resolver defined to resolve backend.svc.cluster.local":                   "backend.svc.cluster.local",
		`host not found in upstream "app:3000" in /etc/nginx/conf.d/default.conf:12`: "app:3000",
		"connect() failed (111: Connection refused)":                                 "",
	} {
		if got := ResolveTarget(msg); got != want {
			t.Errorf("ResolveTarget(%q) = %q, want %q", msg, got, want)
		}
	}
}

// TestHealthcheckUpIsNoFault: a checker putting a peer back (the recorded
// lua-healthcheck fixture's line, lua-resty-upstream-healthcheck) is
// healthcheck_up, not an upstream fault; turning it down stays
// healthcheck_down (issue 24: both were counted as "peers turned down").
func TestHealthcheckUpIsNoFault(t *testing.T) {
	for line, want := range map[string]Category{
		"2026/12/02 02:07:35 [warn] 5235#5235: *411 [lua] healthcheck.lua:57: warn(): healthcheck: peer 127.0.0.1:41219 is turned up after 1 success(es), context: ngx.timer":  CatHealthcheckUp,
		"2026/12/02 02:07:32 [warn] 5235#5235: *344 [lua] healthcheck.lua:57: warn(): healthcheck: peer 127.0.0.1:41219 is turned down after 1 failure(s), context: ngx.timer": CatHealthcheckDown,
	} {
		var ev Event
		if err := ParseErrorLine([]byte(line), time.UTC, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Category != want || (want == CatHealthcheckUp) == ev.Category.UpstreamFault() {
			t.Errorf("%q: %v (fault %v), want %v", line, ev.Category, ev.Category.UpstreamFault(), want)
		}
	}
}

// TestHostNotAllowed reads the peer out of ingress-nginx's balancer error
// for a host name handed to set_current_peer (synthetic line in its
// wording); other balancer messages give none.
func TestHostNotAllowed(t *testing.T) {
	line := `2026/11/22 01:24:04 [error] 7#7: *9 [lua] balancer.lua:352: balance(): error while setting current upstream peer backend.svc.cluster.local:80: no host allowed while connecting to upstream, client: 10.0.0.1, server: x, request: "GET / HTTP/1.1", host: "x"`
	var ev Event
	if err := ParseErrorLine([]byte(line), time.UTC, &ev); err != nil {
		t.Fatal(err)
	}
	if got := HostNotAllowed(ev.Message); got != "backend.svc.cluster.local:80" || ev.Category != CatLuaBalancer {
		t.Errorf("HostNotAllowed = %q, category %v", got, ev.Category)
	}
	if got := HostNotAllowed("balancer_by_lua: no peer was returned"); got != "" {
		t.Errorf("another message gave %q", got)
	}
}

func TestLuaSource(t *testing.T) {
	for msg, want := range map[string]string{
		"[lua] balancer.lua:352: balance(): error while setting current upstream peer x:80: no host allowed":       "balancer.lua:352",
		"[lua] balancer_by_lua(nginx.conf:30):11: error while setting current upstream peer x:80: no host allowed": "balancer_by_lua(nginx.conf:30):11",
		"[lua] some words: not a place":                  "",
		"no live upstreams while connecting to upstream": "",
		"[lua] healthcheck.lua:: x":                      "",
	} {
		if got := LuaSource(msg); got != want {
			t.Errorf("LuaSource(%q) = %q, want %q", msg, got, want)
		}
	}
}

// TestSSLReason: the reasons of the recorded tls-upstream fixture (Debian's
// nginx 1.22 with OpenSSL 3.0), and a handshake failure as nginx writes
// OpenSSL 3's error queue (ngx_ssl_error: "(SSL: error:…:reason)").
func TestSSLReason(t *testing.T) {
	for _, tc := range []struct {
		msg    string
		code   int
		reason string
	}{
		{`upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to upstream`, 10, "certificate has expired"},
		{`upstream SSL certificate verify error: (21:unable to verify the first certificate) while SSL handshaking to upstream`, 21, "unable to verify the first certificate"},
		{`upstream SSL certificate does not match "backend.badgw.test" while SSL handshaking to upstream`, -1, `does not match "backend.badgw.test"`},
		{`SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking to upstream`, 0, "wrong version number"},
		{`peer closed connection in SSL handshake while SSL handshaking to upstream`, 0, "peer closed connection in SSL handshake"},
	} {
		code, reason, ok := SSLReason(tc.msg)
		if !ok || code != tc.code || reason != tc.reason {
			t.Errorf("SSLReason(%q) = %d %q %v, want %d %q", tc.msg, code, reason, ok, tc.code, tc.reason)
		}
	}
	if _, _, ok := SSLReason("connect() failed (111: Connection refused)"); ok {
		t.Error("a refusal read as TLS")
	}
}
