package correlate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/diagnose"
	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
)

// truth mirrors the fields of fixtures/<scenario>/truth.json the suite checks.
type truth struct {
	Scenario      string `json:"scenario"`
	Directive     string `json:"format_directive"`
	ExpectNoBurst bool   `json:"expect_no_burst"`
	Faults        []struct {
		Kind        string     `json:"kind"`
		Start       time.Time  `json:"start"`
		End         time.Time  `json:"end"`
		EffectS     float64    `json:"effect_s"`
		Cause       string     `json:"cause"`
		ExpectBurst bool       `json:"expect_burst"`
		First502    *time.Time `json:"first_502"`
		Last502     *time.Time `json:"last_502"`
		Must        []string   `json:"fix_must_mention"`
		MustNot     []string   `json:"fix_must_not_mention"`
		NotCauses   []string   `json:"causes_must_not_include"`
		LogsOnly    string     `json:"cause_logs_only"`
	} `json:"faults"`
}

// tolerance is how far a burst's edges may be from the 502s nginx logged.
const tolerance = 2 * time.Second

// sporadic faults produce scattered 502s: bursts must fall inside the
// fault's window rather than match its first and last 502.
var sporadic = map[string]bool{"backend_closes_reused_connections": true}

func loadTruth(t *testing.T, dir string) truth {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr truth
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// analyse runs the whole pipeline the way "badgw analyze" does: with the
// scenario's nginx.conf, or with the logs alone.
func analyse(t *testing.T, dir string, withConf bool, tr truth) pipeline.Snapshot {
	t.Helper()
	var snap pipeline.Snapshot
	if withConf {
		snap = fixturetest.Analyse(t, dir)
	} else {
		snap = analyseLogsOnly(t, dir, tr)
	}
	if m := snap.Ingest.Totals().Malformed; m != 0 {
		t.Errorf("%d malformed lines: %+v", m, snap.Ingest.Files)
	}
	return snap
}

// analyseLogsOnly passes the directive, as a user would, unless it is a
// preset, which badgw detects.
func analyseLogsOnly(t *testing.T, dir string, tr truth) pipeline.Snapshot {
	t.Helper()
	sets, err := input.Expand([]string{filepath.Join(dir, "access.log*"), filepath.Join(dir, "error.log")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := pipeline.RunConfig{Sets: sets}
	if !isPresetDirective(tr.Directive) {
		f, err := logparse.ParseFormat(tr.Directive)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Format = f
	}
	snap, err := pipeline.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func isPresetDirective(d string) bool {
	for _, n := range logparse.PresetNames() {
		if logparse.PresetDirective(n) == d {
			return true
		}
	}
	return false
}

func TestFixtures(t *testing.T) {
	dirs, _ := filepath.Glob("../fixtures/*/truth.json")
	if len(dirs) < 9 {
		t.Fatalf("found %d scenarios, want at least 9", len(dirs))
	}
	// Each host of a recording on several hosts is a scenario of its own
	// too: what that nginx alone logged.
	hosts, _ := filepath.Glob("../fixtures/*/*/truth.json")
	for _, tj := range append(dirs, hosts...) {
		dir := filepath.Dir(tj)
		rel, _ := filepath.Rel("../fixtures", dir)
		for _, withConf := range []bool{true, false} {
			name := filepath.ToSlash(rel) + map[bool]string{true: "/with-nginx.conf", false: "/logs-only"}[withConf]
			t.Run(name, func(t *testing.T) {
				tr := loadTruth(t, dir)
				snap := analyse(t, dir, withConf, tr)
				checkAgainstTruth(t, tr, snap, withConf)
			})
		}
	}
}

func checkAgainstTruth(t *testing.T, tr truth, snap pipeline.Snapshot, withConf bool) {
	bursts := snap.BadGatewayBursts()
	if tr.ExpectNoBurst && len(bursts) > 0 {
		t.Errorf("expected no 502 burst, found %d: %s", len(bursts), describe(bursts))
	}
	explained := make([]bool, len(bursts))
	for _, f := range tr.Faults {
		if !withConf && f.LogsOnly != "" {
			f.Cause = f.LogsOnly
		}
		lo := f.Start.Add(-tolerance)
		hi := f.End.Add(time.Duration(f.EffectS*float64(time.Second)) + tolerance)
		switch {
		case !f.ExpectBurst:
			// No 502 burst may overlap the fault; a timeout fault must show
			// as a 504 episode with its cause.
			for _, b := range bursts {
				if !b.End.Before(lo) && !b.Start.After(hi) {
					t.Errorf("%s: a 502 burst overlaps a fault that makes none: %s", f.Kind, describe([]correlate.Burst{b}))
				}
			}
			if f.Cause == "" {
				continue
			}
			found := false
			for _, b := range append(snap.TimeoutEpisodes(), snap.NginxErrorEpisodes()...) {
				if !b.End.Before(lo) && !b.Start.After(hi) && b.TopCause().ID == f.Cause {
					found = true
					if withConf {
						checkWords(t, f.Kind, b, f.Must, f.MustNot, f.NotCauses)
					}
				}
			}
			if !found {
				t.Errorf("%s: no 504 or nginx-error episode with cause %s in %s–%s", f.Kind, f.Cause, lo.Format("15:04:05"), hi.Format("15:04:05"))
			}
		case sporadic[f.Kind]:
			n := 0
			for i, b := range bursts {
				if !b.Start.Before(lo) && !b.End.After(hi) {
					explained[i] = true
					n++
					if b.TopCause().ID != f.Cause {
						t.Errorf("%s: burst %s ranks %s first, want %s", f.Kind, b.Start.Format("15:04:05"), b.TopCause().ID, f.Cause)
					} else if withConf {
						checkWords(t, f.Kind, b, f.Must, f.MustNot, f.NotCauses)
					}
				}
			}
			if n == 0 {
				t.Errorf("%s: no burst inside %s–%s", f.Kind, lo.Format("15:04:05"), hi.Format("15:04:05"))
			}
		default:
			if f.First502 == nil {
				t.Fatalf("%s: truth has no 502s for a burst fault", f.Kind)
			}
			found := false
			for i, b := range bursts {
				if absDur(b.Start.Sub(*f.First502)) <= tolerance && absDur(b.End.Sub(*f.Last502)) <= tolerance {
					found = true
					explained[i] = true
					if got := b.TopCause().ID; got != f.Cause {
						t.Errorf("%s: burst %s–%s ranks %s first, want %s\n%s", f.Kind, b.Start.Format("15:04:05"), b.End.Format("15:04:05"), got, f.Cause, describe([]correlate.Burst{b}))
					} else if withConf {
						checkWords(t, f.Kind, b, f.Must, f.MustNot, f.NotCauses)
					}
				}
			}
			if !found {
				t.Errorf("%s: no burst within %s of %s–%s; found %s", f.Kind, tolerance,
					f.First502.Format("15:04:05"), f.Last502.Format("15:04:05"), describe(bursts))
			}
		}
	}
	for i, ok := range explained {
		if !ok && !tr.ExpectNoBurst {
			t.Errorf("burst outside every fault window: %s", describe(bursts[i:i+1]))
		}
	}
}

// checkWords holds the top cause's summary, evidence and fix to what the
// fault's truth says they must and must not mention, and the burst's causes
// to those it must not include.
func checkWords(t *testing.T, fault string, b correlate.Burst, must, mustNot, notCauses []string) {
	t.Helper()
	top := b.TopCause()
	text := top.Summary + "\n" + strings.Join(top.Evidence, "\n") + "\n" + top.Fix
	for _, w := range must {
		if !strings.Contains(text, w) {
			t.Errorf("%s: %s does not mention %q:\n%s", fault, top.ID, w, text)
		}
	}
	for _, w := range mustNot {
		if strings.Contains(text, w) {
			t.Errorf("%s: %s mentions %q:\n%s", fault, top.ID, w, text)
		}
	}
	for _, c := range b.Causes {
		for _, no := range notCauses {
			if c.ID == no {
				t.Errorf("%s: %s offered (%.2f):\n%s", fault, c.ID, c.Confidence, describe([]correlate.Burst{b}))
			}
		}
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func describe(bs []correlate.Burst) string {
	s := ""
	for _, b := range bs {
		s += fmt.Sprintf("\n  #%d %s %s–%s %d×502 causes:", b.ID, b.Group, b.Start.Format("15:04:05"), b.End.Format("15:04:05"), b.BadGateway)
		for _, c := range b.Causes {
			s += fmt.Sprintf(" %s(%.2f)", c.ID, c.Confidence)
		}
	}
	return s
}

// TestAccessLogOnly: without an error log, formats that log upstream
// timings still say whether the 502s never connected or got no response.
func TestAccessLogOnly(t *testing.T) {
	for scenario, want := range map[string]string{
		"peer-refused":   diagnose.CauseConnectFailed,
		"backend-hangup": diagnose.CauseNoResponse,
		"keepalive-race": diagnose.CauseNoResponse,
	} {
		dir := filepath.Join("..", "fixtures", scenario)
		conf, err := logparse.ReadConfig(filepath.Join(dir, "nginx.conf"))
		if err != nil {
			t.Fatal(err)
		}
		f, _ := conf.AccessFormat("")
		path := filepath.Join(dir, "access.log")
		snap, err := pipeline.Run(context.Background(), pipeline.RunConfig{Sets: []input.Set{{Base: path, Paths: []string{path}}}, Format: f})
		if err != nil {
			t.Fatal(err)
		}
		bursts := snap.BadGatewayBursts()
		if len(bursts) == 0 {
			t.Fatalf("%s: no burst", scenario)
		}
		for _, b := range bursts {
			if got := b.TopCause().ID; got != want {
				t.Errorf("%s: top cause %s, want %s", scenario, got, want)
			}
		}
	}
}
