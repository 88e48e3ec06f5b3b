package report_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/explain"
	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
)

// TestResourceExhaustionFromItsFirstLine: in the recorded fd-exhaustion
// incident nginx logs "accept4() failed (24: Too many open files)" from
// 02:15:13 and answers 500 only at 02:15:19. The cause's window starts at
// the first such line and its count is every such line of the error.log
// (issue 24: "02:15:19–02:15:19" and 37 of 46).
func TestResourceExhaustionFromItsFirstLine(t *testing.T) {
	dir := fixturetest.Dir("fd-exhaustion")
	f, err := os.Open(filepath.Join(dir, "error.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	first, n := "", 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Too many open files") {
			if n == 0 {
				first = sc.Text()[11:19]
			}
			n++
		}
	}
	snap := fixturetest.Analyse(t, dir)
	found := false
	for _, b := range snap.Bursts {
		for _, c := range b.Causes {
			if c.ID != "resource_exhaustion" {
				continue
			}
			found = true
			if !strings.Contains(c.Summary, "during "+first+"–") {
				t.Errorf("window does not start at the first line (%s): %s", first, c.Summary)
			}
			if want := strconv.Itoa(n) + "× too many open files"; !strings.Contains(c.Summary, want) {
				t.Errorf("summary does not count the %d lines: %s", n, c.Summary)
			}
		}
	}
	if !found {
		t.Fatal("no resource_exhaustion cause")
	}
}

// TestSettingsWhenProxyPassNamesAnAddress: the recorded upstream-timeout
// incident's logs, with its nginx.conf rewritten by this test so that
// proxy_pass names the peer's address instead of an upstream block (the
// peer and the location's proxy_read_timeout 1s unchanged): the 504s'
// cause cites the 1s in force and its line, never nginx's 60s default
// (issue 24: "proxy_read_timeout (60s unless nginx.conf sets it)").
func TestSettingsWhenProxyPassNamesAnAddress(t *testing.T) {
	src := fixturetest.Dir("upstream-timeout")
	conf, err := os.ReadFile(filepath.Join(src, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(conf), "proxy_pass http://backend;", "proxy_pass http://127.0.0.1:44455;", 1)
	if text == string(conf) {
		t.Fatal("the fixture's proxy_pass changed: update this test")
	}
	dir := t.TempDir()
	for _, name := range []string{"access.log", "error.log"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(text), 0o644)
	snap := fixturetest.Analyse(t, dir)
	var all strings.Builder
	for _, b := range snap.Bursts {
		for _, c := range b.Causes {
			all.WriteString(c.Summary + "\n")
			for _, s := range c.Steps {
				all.WriteString(s.Change + " " + s.At + "\n")
			}
		}
	}
	out := all.String()
	if !strings.Contains(out, "proxy_read_timeout 1s at "+filepath.Join(dir, "nginx.conf")+":41") {
		t.Errorf("the cause does not cite proxy_read_timeout 1s at nginx.conf:41:\n%s", out)
	}
	if strings.Contains(out, "60s unless nginx.conf sets it") {
		t.Errorf("the cause cites the default while nginx.conf sets it:\n%s", out)
	}
}

// TestRefusingPeerThatCameBack: in the recorded peer-refused and
// single-peer-down incidents the peer refused for some seconds and then
// answered again. The cause says when it came back (the first answer
// below 500 from that peer after its last refusal in error.log) and to
// find why it restarted, not to start it (issue 24).
func TestRefusingPeerThatCameBack(t *testing.T) {
	for _, name := range []string{"peer-refused", "single-peer-down"} {
		dir := fixturetest.Dir(name)
		snap := fixturetest.Analyse(t, dir)
		var cause string
		for _, b := range snap.BadGatewayBursts() {
			for _, c := range b.Causes {
				if c.ID == "peer_refused" {
					var all strings.Builder
					all.WriteString(c.Summary)
					for _, e := range c.Evidence {
						all.WriteString("\n" + e)
					}
					for _, s := range c.Steps {
						all.WriteString("\n" + s.Change)
					}
					cause = all.String()
				}
			}
		}
		if cause == "" {
			t.Fatalf("%s: no peer_refused cause", name)
		}
		back := firstAnswerAfterLastRefusal(t, dir)
		if !strings.Contains(cause, "answered again at "+back) || strings.Contains(cause, "Start or fix") {
			t.Errorf("%s: want 'answered again at %s' and no 'Start or fix':\n%s", name, back, cause)
		}
	}
}

// firstAnswerAfterLastRefusal reads the fixture's raw lines: the time of
// the last "Connection refused" in error.log, then the first access line
// after that second whose upstream status is below 500 (read with the
// log_format of the fixture's nginx.conf).
func firstAnswerAfterLastRefusal(t *testing.T, dir string) string {
	t.Helper()
	errs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
	last := ""
	for _, l := range strings.Split(string(errs), "\n") {
		if strings.Contains(l, "Connection refused") {
			last = l[11:19]
		}
	}
	format := fixtureFormat(t, dir)
	acc, _ := os.ReadFile(filepath.Join(dir, "access.log"))
	var rec logparse.Record
	for _, l := range strings.Split(string(acc), "\n") {
		if format.Parse([]byte(l), &rec) != nil || len(rec.Attempts) == 0 {
			continue
		}
		at := rec.Time.Format("15:04:05")
		if st := rec.Attempts[len(rec.Attempts)-1].Status; at > last && st > 0 && st < 500 {
			return at
		}
	}
	t.Fatalf("%s: no answer after %s", dir, last)
	return ""
}

// TestCountsAddUp runs every recorded fixture, with its nginx.conf and as
// logs alone (the format read from nginx.conf, the settings not), and
// checks that the counts a burst shows side by side agree: its status
// chains, methods and per-second counts add up to its bad responses, and
// no more are joined than there are (issue 24: "153 of 329 answered 502"
// beside "status chains: 502 (154)", counted before the burst was
// narrowed to its window).
func TestCountsAddUp(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(fixturetest.Dir("peer-refused"), "..", "*", "nginx.conf"))
	if len(dirs) < 20 {
		t.Fatalf("%d fixtures found", len(dirs))
	}
	for _, conf := range dirs {
		dir := filepath.Dir(conf)
		name := filepath.Base(dir)
		for _, withConf := range []bool{true, false} {
			snap := analyse(t, dir, withConf)
			for _, b := range snap.Bursts {
				if b.Kind != correlate.Kind502 && b.Kind != correlate.Kind504 {
					continue
				}
				sum := func(cs []correlate.Count) int {
					n := 0
					for _, c := range cs {
						n += c.N
					}
					return n
				}
				where := fmt.Sprintf("%s (nginx.conf %v) burst #%d", name, withConf, b.ID)
				if got := sum(b.Chains); got != b.Bad() {
					t.Errorf("%s: status chains add up to %d, %d bad responses", where, got, b.Bad())
				}
				if got := sum(b.Impact.Methods); len(b.Impact.Methods) > 0 && got != b.Bad() {
					t.Errorf("%s: methods add up to %d, %d bad responses", where, got, b.Bad())
				}
				if b.Joined > b.Bad() || b.Bad() > b.Requests {
					t.Errorf("%s: %d joined, %d bad, %d requests", where, b.Joined, b.Bad(), b.Requests)
				}
			}
		}
	}
}

// analyse runs a fixture as fixturetest.Analyse does, or as logs alone.
func analyse(t *testing.T, dir string, withConf bool) pipeline.Snapshot {
	t.Helper()
	if withConf {
		return fixturetest.Analyse(t, dir)
	}
	sets, err := input.Expand([]string{filepath.Join(dir, "access.log*"), filepath.Join(dir, "error.log*")})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := pipeline.Run(context.Background(), pipeline.RunConfig{Sets: sets, Format: fixtureFormat(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// fixtureFormat is the access log_format of a fixture's nginx.conf.
func fixtureFormat(t *testing.T, dir string) *logparse.Format { return fixturetest.Format(t, dir) }

// TestExplainAgreesWithAnalyze: every error line behind a burst of every
// recorded fixture, given to explain alone, names a cause that analyze
// lists for the burst, or names the burst's top cause among its readings
// (issue 24: one source of meanings, so the two cannot drift).
func TestExplainAgreesWithAnalyze(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(fixturetest.Dir("peer-refused"), "..", "*", "nginx.conf"))
	for _, conf := range dirs {
		dir := filepath.Dir(conf)
		snap := fixturetest.Analyse(t, dir)
		for _, b := range snap.Bursts {
			top := b.TopCause()
			if top == nil {
				continue
			}
			listed := map[string]bool{}
			for _, c := range b.Causes {
				listed[c.ID] = true
			}
			for _, l := range b.Lines {
				var ev logparse.Event
				if !l.Error || logparse.ParseErrorLine([]byte(l.Text), time.UTC, &ev) != nil {
					continue
				}
				a := explain.ErrorLine(&ev)
				text := a.Meaning + " " + strings.Join(a.Fixes, " ")
				if a.Cause != "" && !listed[a.Cause] && !strings.Contains(text, top.ID) {
					t.Errorf("%s burst #%d: explain says %s for %q; analyze lists %v", filepath.Base(dir), b.ID, a.Cause, l.Text, b.Causes[0].ID)
				}
			}
		}
	}
}

// TestExplainAgreesWithAnalyzeOnAccessLines: every 502 and 504 behind a
// burst of every recorded fixture, read with the fixture's log_format and
// given to explain alone, names no cause that analyze does not list for
// the burst, and never says no peer was tried beside an attempt it lists
// (issue 24: explain tested line by line against analyze).
func TestExplainAgreesWithAnalyzeOnAccessLines(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(fixturetest.Dir("peer-refused"), "..", "*", "nginx.conf"))
	named := 0
	for _, conf := range dirs {
		dir := filepath.Dir(conf)
		format := fixtureFormat(t, dir)
		snap := fixturetest.Analyse(t, dir)
		var rec logparse.Record
		for _, b := range snap.Bursts {
			listed := map[string]bool{}
			for _, c := range b.Causes {
				listed[c.ID] = true
			}
			for _, l := range b.Lines {
				if l.Error || l.Status != 502 && l.Status != 504 || format.Parse([]byte(l.Text), &rec) != nil {
					continue
				}
				a := explain.AccessLine(&rec)
				if a.Cause != "" {
					named++
					if !listed[a.Cause] {
						t.Errorf("%s burst #%d: explain says %s for %q; analyze lists %v", filepath.Base(dir), b.ID, a.Cause, l.Text, b.Causes)
					}
				}
				if len(explain.Tried(&rec)) > 0 && strings.Contains(a.Meaning, "without an upstream attempt") {
					t.Errorf("%s: %q beside its attempts: %s", filepath.Base(dir), a.Meaning, l.Text)
				}
			}
		}
	}
	if named < 100 {
		t.Fatalf("explain named a cause for only %d lines", named)
	}
}
