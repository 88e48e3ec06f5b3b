package cmd

import (
	"os"
	"strings"
	"testing"
)

// TestExplain: one line from a ticket, of each kind, explained with its
// category, meaning and fixes; the advice follows the phase a timeout
// names, and log content reaches the terminal sanitised.
func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
		not  []string
	}{
		{`2024/11/03 00:37:38 [error] 10916#8776: *19 connect() failed (10061: No connection could be made because the target machine actively refused it) while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET / HTTP/1.1", upstream: "fastcgi://127.0.0.1:9010", host: "localhost"`,
			[]string{"error.log entry", "connect_refused", "nothing is listening on 127.0.0.1:9010", "peer_refused"}, nil},
		{`<187>Nov 22 01:24:04 web01 nginx: [error] 7#7: *9 upstream timed out (110: Connection timed out) while connecting to upstream, client: 10.0.0.1, server: x, request: "GET / HTTP/1.1", upstream: "http://10.0.0.2:80/"`,
			[]string{"inside syslog", "connect_timeout", "proxy_connect_timeout", "Nov 22 01:24:04"}, []string{"Raise proxy_read_timeout", "0000-"}},
		{`10.0.0.1 - - [22/Nov/2026:01:24:04 +0000] "GET / HTTP/1.1" 502 157 "-" "curl/8" conn=2 rid=abc rt=0.001 ua="10.0.0.2:80" us="502" uct="-" uht="-" urt="0.000"`,
			[]string{"access-log line", "preset badgw", "never connected to 10.0.0.2:80"}, nil},
		// sourcegraph/sourcegraph-public-snapshot#1890: a container without
		// IPv6 connecting to [::1], not a host out of local ports.
		{`23:55:50              nginx | 2019/01/14 23:55:50 [crit] 88#88: *1 connect() to [::1]:8080 failed (99: Address not available) while connecting to upstream, client: 172.17.0.1, server: , request: "GET /sign-in?returnTo=%2F HTTP/1.1", upstream: "http://[::1]:8080/sign-in?returnTo=%2F", host: "localhost:7080"`,
			[]string{"inside foreman", "addr_unavailable", "no IPv6 address", "127.0.0.1 rather than localhost"}, []string{"ip_local_port_range"}},
		// Synthetic, after engintron/engintron#938 (its addresses were
		// masked): an IPv4 peer with errno 99 is port exhaustion.
		{`2018/09/29 23:34:57 [crit] 4793#4793: *210641 connect() to 10.0.0.5:80 failed (99: Cannot assign requested address) while connecting to upstream, client: 10.0.0.9, server: localhost, request: "GET / HTTP/1.1", upstream: "http://10.0.0.5:80/", host: "x"`,
			[]string{"no local port left", "ip_local_port_range"}, []string{"IPv6"}},
		// Synthetic, in nginx's wording: a close after the header has been
		// sent, which the access log shows with the peer's status.
		{`2026/11/22 01:24:04 [error] 7#7: *9 upstream prematurely closed connection while reading upstream, client: 10.0.0.1, server: x, request: "GET /export HTTP/1.1", upstream: "http://10.0.0.2:80/export", host: "x"`,
			[]string{"premature_close", "status was already sent", "body was cut short"}, nil},
		{`healthcheck: peer 10.0.0.1:80 is turned down after 3 failure(s)`,
			[]string{"pasted without nginx's prefix", "healthcheck_down"}, nil},
		{"I1122 01:24:04.123456       7 controller.go:176] \"Configuration changes detected\"",
			[]string{"controller (klog) line"}, nil},
		{"x \x1b]0;pwned\x07",
			[]string{"not a line badgw can read"}, []string{"\x1b", "\x07"}},
	} {
		code, out, errOut := run(t, nil, "explain", tc.line)
		if code != ExitOK {
			t.Errorf("%.40s: code %d, %s", tc.line, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%.40s: output lacks %q:\n%s", tc.line, w, out)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(out, n) {
				t.Errorf("%.40s: output has %q:\n%s", tc.line, n, out)
			}
		}
	}
	// Lines on stdin.
	code, out, _ := run(t, strings.NewReader("[error] 7#7: *1 no live upstreams while connecting to upstream, client: 10.0.0.1, upstream: \"http://api/\"\n"), "explain")
	if code != ExitOK || !strings.Contains(out, "no_live_upstreams") || !strings.Contains(out, "time        none") {
		t.Errorf("stdin: code %d\n%s", code, out)
	}
}

// TestExplainAgreesWithItself: access lines of recorded incidents whose
// meaning must follow the attempts explain itself lists (issue 24): a 500
// retried into "no live upstreams" is not "without trying any peer"; a
// 502 retried into a 200 on the same peer says what the retry hid; a
// request nginx answered itself lists no "attempt 1 -".
func TestExplainAgreesWithItself(t *testing.T) {
	first := func(fixtureName, has string) string {
		t.Helper()
		for _, l := range strings.Split(readFixture(t, fixtureName, "access.log"), "\n") {
			if strings.Contains(l, has) {
				return l
			}
		}
		t.Fatalf("%s: no line with %q", fixtureName, has)
		return ""
	}
	for _, tc := range []struct {
		fixture, has string
		want, not    []string
	}{
		{"no-live-upstreams", "500, 502", []string{"answered 500", "found none live", "max_fails"}, []string{"without trying any peer"}},
		{"keepalive-race", "502, 200", []string{"A 200 after a retry", "status hides one", "same peer", "keep-alive race"}, []string{"not a gateway failure"}},
		{"fd-exhaustion", `us="-"`, []string{"none tried", "answered itself"}, []string{"attempt 1   -"}},
	} {
		line := first(tc.fixture, tc.has)
		code, out, errOut := run(t, nil, "explain", "--nginx-conf", fixture(tc.fixture, "nginx.conf"), line)
		if code != ExitOK {
			t.Fatalf("%s: exit %d, %s", tc.fixture, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: lacks %q:\n%s", tc.fixture, w, out)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(out, n) {
				t.Errorf("%s: says %q:\n%s", tc.fixture, n, out)
			}
		}
	}
}

func readFixture(t *testing.T, name, file string) string {
	t.Helper()
	data, err := os.ReadFile(fixture(name, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestExplainWithTheWrongFormat: a line that the --format given does not
// describe is said to be so, with where it fails and the preset that
// parses it (issue 25: "pass its --format" although one was given).
func TestExplainWithTheWrongFormat(t *testing.T) {
	line := strings.SplitN(readFixture(t, "peer-refused", "access.log"), "\n", 2)[0]
	code, out, _ := run(t, nil, "explain", "--format", "main", line)
	if code != ExitOK || !strings.Contains(out, "the format given (preset main) does not describe it") ||
		!strings.Contains(out, "--format badgw") || strings.Contains(out, "pass its --format") {
		t.Errorf("code %d:\n%s", code, out)
	}
}
