package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/badgw/badgw/input"
)

// withForeign copies a recorded fixture log into dir with synthetic
// foreign lines before and after it (text an application or a person
// writes into nginx's log: not nginx output).
func withForeign(t *testing.T, dir, fixture, name string, before, after []string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "fixtures", fixture))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range before {
		b.WriteString(l + "\n")
	}
	b.Write(data)
	for _, l := range after {
		b.WriteString(l + "\n")
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sets(paths ...string) []input.Set {
	var out []input.Set
	for _, p := range paths {
		out = append(out, input.Set{Base: p, Paths: []string{p}})
	}
	return out
}

// TestForeignLinesInAnErrorLogAreCounted: an error log is one by what most
// of its lines are; a line of other text, at its start or its end, is
// counted and named as foreign and the run goes on (issue 23: one "x"
// stopped the analysis with "no known format fits the access log").
func TestForeignLinesInAnErrorLogAreCounted(t *testing.T) {
	foreign := []string{"x", "PHP Fatal error:  Uncaught Exception: boom in /var/www/index.php:3", "#0 {main}"}
	for _, tc := range []struct {
		name          string
		before, after []string
	}{
		{"after", nil, foreign},
		{"before", foreign, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			access := filepath.Join("..", "fixtures", "peer-refused", "access.log")
			errLog := withForeign(t, dir, "peer-refused/error.log", "error.log", tc.before, tc.after)
			snap, err := Run(context.Background(), RunConfig{Sets: sets(access, errLog)})
			if err != nil {
				t.Fatal(err)
			}
			f := snap.Ingest.Files[1]
			if f.Errors != 150 || f.Malformed != 3 || len(f.Samples) != 3 || !strings.Contains(f.Samples[0].Reason, "foreign") {
				t.Errorf("error log: %d entries, %d malformed, samples %+v; want 150, 3, foreign", f.Errors, f.Malformed, f.Samples)
			}
			if len(snap.Bursts) != 1 || snap.Bursts[0].BadGateway != 150 {
				t.Errorf("%d bursts; want the fixture's one of 150 502s", len(snap.Bursts))
			}
		})
	}
	t.Run("error log alone", func(t *testing.T) {
		errLog := withForeign(t, t.TempDir(), "peer-refused/error.log", "error.log", foreign, nil)
		snap, err := Run(context.Background(), RunConfig{Sets: sets(errLog)})
		if err != nil {
			t.Fatal(err)
		}
		if f := snap.Ingest.Files[0]; f.Errors != 150 || f.Malformed != 3 {
			t.Errorf("%d entries, %d malformed; want 150, 3", f.Errors, f.Malformed)
		}
	})
}

// TestForeignLinesInAShortAccessLog: a line or two of foreign text among
// a short access log does not stop detection.
func TestForeignLinesInAShortAccessLog(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "fixtures", "peer-refused", "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")[:12]
	p := filepath.Join(dir, "access.log")
	os.WriteFile(p, []byte("-- pasted from the ticket --\n"+strings.Join(lines, "")+"garbage\n"), 0o644)
	snap, err := Run(context.Background(), RunConfig{Sets: sets(p)})
	if err != nil {
		t.Fatal(err)
	}
	if f := snap.Ingest.Files[0]; f.Access != 12 || f.Malformed != 2 {
		t.Errorf("%d access, %d malformed; want 12, 2", f.Access, f.Malformed)
	}
}

// TestEveryLineInOneCategory: every line read is counted in exactly one
// category, blank lines included (issue 23: they were in "lines" alone).
func TestEveryLineInOneCategory(t *testing.T) {
	dir := t.TempDir()
	errLog := withForeign(t, dir, "lua-balancer/error.log", "error.log", []string{"", "   ", "foreign"}, []string{"", "\t"})
	access := withForeign(t, dir, "lua-balancer/access.log", "access.log", []string{""}, []string{"", ""})
	snap, err := Run(context.Background(), RunConfig{Sets: sets(access, errLog)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(snap.Ingest.Files, snap.Ingest.Totals()) {
		sum := f.Access + f.Errors + f.Malformed + f.TooLong + f.Blank + f.Continued + f.Controller
		if sum != f.Lines || f.Blank == 0 {
			t.Errorf("%s: %d lines, categories add up to %d (%+v)", f.Path, f.Lines, sum, f)
		}
	}
}
