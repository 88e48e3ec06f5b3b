package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/badgw/badgw/nginxconf"
)

// generated writes a synthetic configuration of n upstream groups, each
// with a server block proxying to it and retrying on http_500: the shape
// a templating tool produces, every group with the same finding.
func generated(tb testing.TB, n int) string {
	var b strings.Builder
	b.WriteString("http {\n")
	for i := range n {
		fmt.Fprintf(&b, "upstream u%d { server 10.0.%d.1:80; server 10.0.%d.2:80; }\n", i, i%250, i%250)
		fmt.Fprintf(&b, "server { listen 80; server_name h%d.example; location / { proxy_pass http://u%d; proxy_next_upstream error timeout http_500; } }\n", i, i)
	}
	b.WriteString("}\n")
	p := filepath.Join(tb.TempDir(), "nginx.conf")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestFindingsCappedPerRule: the same finding in a thousand places lists
// MaxFindingsPerRule of them and counts the rest (issue 23: 100,000 lone
// braces gave 100,001 findings and a 52.8 MB SARIF).
func TestFindingsCappedPerRule(t *testing.T) {
	cfg, err := nginxconf.LoadLenient(generated(t, 1000))
	if err != nil {
		t.Fatal(err)
	}
	res := Check(cfg, nil, Options{})
	per := map[string]int{}
	for _, f := range res.Findings {
		per[f.Rule]++
	}
	omitted := map[string]int{}
	for _, o := range res.Omitted {
		omitted[o.Rule] = o.Count
	}
	if len(res.Omitted) == 0 {
		t.Fatal("nothing omitted from 1,000 groups with one mistake each")
	}
	for rule, n := range per {
		if n > MaxFindingsPerRule {
			t.Errorf("%s: %d listed", rule, n)
		}
		if n == MaxFindingsPerRule && n+omitted[rule] < 1000 {
			t.Errorf("%s: %d listed + %d omitted; want at least 1,000", rule, n, omitted[rule])
		}
	}
}

// TestUnreadableLuaFileSaysSo: a *_by_lua_file that exists but cannot be
// read is "cannot be read", not "not found" (issue 23).
func TestUnreadableLuaFileSaysSo(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "balancer.lua"), 0o755) // a folder: exists, cannot be read as code
	conf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(conf, []byte("http { upstream u { server 0.0.0.1; balancer_by_lua_file balancer.lua; } }\n"), 0o644)
	cfg, err := nginxconf.LoadLenient(conf)
	if err != nil {
		t.Fatal(err)
	}
	res := Check(cfg, nil, Options{})
	if len(res.NotChecked) != 1 || !strings.Contains(res.NotChecked[0], "cannot be read") || !strings.Contains(res.NotChecked[0], "a directory") {
		t.Errorf("not checked: %q", res.NotChecked)
	}
}

// BenchmarkCheckLarge audits generated configurations of growing size:
// time and memory per group stay flat (issue 23: quadratic in the
// upstreams, 30 MB took 161 s).
//
//	go test ./audit -run '^$' -bench CheckLarge -benchmem
func BenchmarkCheckLarge(b *testing.B) {
	for _, n := range []int{1000, 10_000, 50_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := generated(b, n)
			for b.Loop() {
				cfg, err := nginxconf.LoadLenient(path)
				if err != nil {
					b.Fatal(err)
				}
				Check(cfg, nil, Options{})
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/group")
		})
	}
}
