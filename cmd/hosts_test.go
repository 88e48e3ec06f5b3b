package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/badgw/badgw/fixtures/fixturetest"
)

// copyHost writes a recorded fixture's logs as one host's, under
// dir/host/; keep chooses the access lines (all when nil). A host whose
// copy drops the 502s is synthetic input derived from the recording, for
// a failure local to the other hosts.
func copyHost(t *testing.T, dir, host, fixture string, keep func(string) bool) {
	t.Helper()
	src := fixturetest.Dir(fixture)
	if err := os.MkdirAll(filepath.Join(dir, host), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"access.log", "error.log"} {
		var kept []string
		for _, l := range readLines(t, filepath.Join(src, name)) {
			if keep == nil || name == "error.log" || keep(l) {
				kept = append(kept, l)
			}
		}
		if name == "error.log" && keep != nil {
			kept = nil // that host's nginx failed nothing
		}
		if err := os.WriteFile(filepath.Join(dir, host, name), []byte(strings.Join(kept, "")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type hostBurst struct {
	Host      string   `json:"host"`
	AtOnce    []string `json:"hosts_at_once"`
	HostsRead int      `json:"hosts_read"`
	Bad       int      `json:"bad_gateway"`
	JoinRate  float64  `json:"join_rate"`
	RootCause string   `json:"root_cause"`
}

func hostBursts(t *testing.T, args ...string) ([]hostBurst, string) {
	t.Helper()
	_, doc, errOut := run(t, nil, append([]string{"analyze", "--json", "-"}, args...)...)
	var d struct {
		Bursts []hostBurst `json:"bursts"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	_, text, _ := run(t, nil, append([]string{"analyze", "--no-tui"}, args...)...)
	return d.Bursts, text
}

// TestSeveralHosts: the recorded peer-refused incident on three hosts at
// once is a burst on each, each said to be on all three; on one host
// only (the others' copies without its 502s and error lines), it is one
// burst, on that host, said to be local. Error lines join only the 502s
// of their own host.
func TestSeveralHosts(t *testing.T) {
	conf := filepath.Join(fixturetest.Dir("peer-refused"), "nginx.conf")
	shared := t.TempDir()
	for _, h := range []string{"web-1", "web-2", "web-3"} {
		copyHost(t, shared, h, "peer-refused", nil)
	}
	bursts, text := hostBursts(t, "--nginx-conf", conf, "--host-from-path", filepath.Join(shared, "{host}", "*.log"))
	if len(bursts) != 3 {
		t.Fatalf("%d bursts on three hosts:\n%s", len(bursts), text)
	}
	for i, b := range bursts {
		if b.Host != []string{"web-1", "web-2", "web-3"}[i] || len(b.AtOnce) != 3 || b.HostsRead != 3 || b.JoinRate != 1 || b.RootCause != "peer_refused" {
			t.Errorf("burst %d: %+v", i, b)
		}
	}
	if !strings.Contains(text, "upstream backend on host web-2") || !strings.Contains(text, "hosts: on all 3 hosts at once (web-1, web-2, web-3)") {
		t.Errorf("text:\n%s", text)
	}

	local := t.TempDir()
	copyHost(t, local, "web-1", "peer-refused", func(l string) bool { return !strings.Contains(l, "\" 502 ") })
	copyHost(t, local, "web-2", "peer-refused", nil)
	copyHost(t, local, "web-3", "peer-refused", func(l string) bool { return !strings.Contains(l, "\" 502 ") })
	bursts, text = hostBursts(t, "--nginx-conf", conf, "--host-from-path", filepath.Join(local, "{host}", "*.log"))
	if len(bursts) != 1 || bursts[0].Host != "web-2" || len(bursts[0].AtOnce) != 1 || bursts[0].JoinRate != 1 {
		t.Fatalf("%+v\n%s", bursts, text)
	}
	if !strings.Contains(text, "hosts: on web-2 only, of the 3 hosts read") {
		t.Errorf("text:\n%s", text)
	}
}
