package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/nginxconf"
)

var wantMarker = regexp.MustCompile(`(?:#|--) want((?: "[a-z0-9-]+")+)`)

// wants reads the "# want "rule"" (nginx) and "-- want "rule"" (Lua)
// markers of a test file: the findings expected on each line.
func wants(t *testing.T, path string) map[string]bool {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for i, line := range strings.Split(string(data), "\n") {
		if m := wantMarker.FindStringSubmatch(line); m != nil {
			for _, id := range strings.Fields(m[1]) {
				out[fmt.Sprintf("%d %s", i+1, strings.Trim(id, `"`))] = true
			}
		}
	}
	return out
}

// optionsFor are the facts a rule's test configuration states in its
// comment.
func optionsFor(rule string) Options {
	if rule == "upstream-keepalive-timeout" {
		return Options{BackendIdleTimeout: 5 * time.Second}
	}
	return Options{}
}

// TestRules runs each rule on the configurations in testdata/RULE and
// compares its findings with the files' want markers, in the manner of
// go vet's analysistest: every marked line must have the finding, and the
// rule must find nothing else.
func TestRules(t *testing.T) {
	for _, r := range Rules() {
		t.Run(r.ID, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("testdata", r.ID, "*.conf"))
			if len(files) == 0 {
				t.Fatalf("no test configuration in testdata/%s", r.ID)
			}
			for _, f := range files {
				cfg, err := nginxconf.LoadLenient(f)
				if err != nil {
					t.Fatal(err)
				}
				conf := build(cfg, nil)
				p := &Pass{Conf: conf, Options: optionsFor(r.ID), rule: r}
				r.Run(p)
				got := map[string]bool{}
				for _, fd := range p.findings {
					if fd.File != f {
						t.Errorf("%s: finding in %s", f, fd.File)
					}
					if fd.Message == "" || len(fd.Fix) == 0 {
						t.Errorf("%s:%d: finding without message or fix", f, fd.Line)
					}
					got[fmt.Sprintf("%d %s", fd.Line, fd.Rule)] = true
				}
				want := wants(t, f)
				for k := range want {
					if !got[k] {
						t.Errorf("%s: missing finding at line %s", f, k)
					}
				}
				for _, fd := range p.findings {
					if !want[fmt.Sprintf("%d %s", fd.Line, fd.Rule)] {
						t.Errorf("%s:%d: unexpected finding: %s", f, fd.Line, fd.Message)
					}
				}
			}
		})
	}
}

// TestEveryRuleDocumented: --list and SARIF show these.
func TestEveryRuleDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] || r.Title == "" || r.Why == "" || !strings.HasPrefix(r.Source, "https://") || r.Severity == 0 {
			t.Errorf("rule %q: duplicate or missing id, title, rationale, source or severity", r.ID)
		}
		seen[r.ID] = true
	}
}

func findingsOf(res Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%s:%d %s", filepath.Base(f.File), f.Line, f.Rule))
	}
	sort.Strings(out)
	return out
}

// TestSeedReportConfig: the configuration posted with the "502 rate
// growing" report (../shared/seeds, copied verbatim; its braces were lost
// in the paste) gives the missing keepalive and the http_5xx retries that
// mark the pair of peers down, each at its line.
func TestSeedReportConfig(t *testing.T) {
	cfg, err := nginxconf.LoadLenient("testdata/seeds/serverfault-502-growing.conf")
	if err != nil {
		t.Fatal(err)
	}
	res := Check(cfg, nil, Options{NginxVersion: Version{1, 12, 2}})
	got := strings.Join(findingsOf(res), "\n")
	for _, want := range []string{
		"serverfault-502-growing.conf:32 upstream-no-keepalive",
		"serverfault-502-growing.conf:47 next-upstream-marks-down",
		"serverfault-502-growing.conf:47 next-upstream-unbounded",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "keepalive-needs-http11") {
		t.Errorf("keepalive advice for a group without keepalive:\n%s", got)
	}
}

// TestSeedArticleSnippets: the "before" side of the OpenResty article's
// diffs (../shared/seeds; diff markers removed, nothing else) gives the
// checker's thresholds, the balancer path and the keepalive release. Its
// 1m dict is the checker's own, which holds a few keys per peer: the
// article's ">= 5MB" policy is a fixed threshold with nothing to show
// eviction, so no finding (issue 24).
func TestSeedArticleSnippets(t *testing.T) {
	cfg, err := nginxconf.LoadLenient("testdata/seeds/openresty-article.conf")
	if err != nil {
		t.Fatal(err)
	}
	lua, err := os.ReadFile("testdata/seeds/openresty-article-keepalive.lua")
	if err != nil {
		t.Fatal(err)
	}
	res := Check(cfg, []LuaSource{{File: "openresty-article-keepalive.lua", Line: 1, Code: string(lua)}}, Options{})
	got := strings.Join(findingsOf(res), "\n")
	if strings.Contains(got, "healthcheck-shm-size") {
		t.Errorf("the checker's own dict reported:\n%s", got)
	}
	for _, want := range []string{
		"openresty-article.conf:4 healthcheck-thresholds",
		"openresty-article.conf:28 balancer-path-without-peer",
		"openresty-article-keepalive.lua:1 set-keepalive-failure-leaks",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in:\n%s", want, got)
		}
	}
}
