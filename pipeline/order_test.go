package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// TestOneLineOutOfOrderChangesNoBurst moves one access line of a recorded
// incident a day, a decade or seven minutes away from its neighbours, in
// the middle of a batch and at its edges: the bursts keep their numbers,
// windows and causes, losing at most the moved request itself, and the line
// is counted as out of order and in the totals (issue 12: it split a burst
// or made half of it sporadic).
func TestOneLineOutOfOrderChangesNoBurst(t *testing.T) {
	acc, run := peerRefusedWithAccess(t)
	lines := strings.SplitAfter(acc, "\n")
	before := run(acc)
	want := burstsOf(before)
	if len(want) == 0 {
		t.Fatal("the fixture has no burst")
	}
	for _, shift := range []time.Duration{24 * time.Hour, 10 * 365 * 24 * time.Hour, 7 * time.Minute, -24 * time.Hour} {
		for _, at := range []int{300, 511, 512, 513, len(lines) / 2} {
			moved := append([]string(nil), lines...)
			moved[at] = shiftLine(t, moved[at], shift)
			snap := run(strings.Join(moved, ""))
			name := fmt.Sprintf("line %d moved by %v", at+1, shift)
			if got := burstsOf(snap); got != want {
				t.Errorf("%s: bursts\n%s\nwant\n%s", name, got, want)
			}
			for i, b := range snap.BadGatewayBursts() {
				orig := before.BadGatewayBursts()[i]
				if d := orig.Requests - b.Requests; d < 0 || d > 1 || orig.BadGateway-b.BadGateway > 1 {
					t.Errorf("%s: burst %d has %d/%d, want %d/%d less the moved request at most", name, b.ID, b.BadGateway, b.Requests, orig.BadGateway, orig.Requests)
				}
			}
			if n := snap.Ingest.Totals().OutOfOrder; n != 1 {
				t.Errorf("%s: %d lines counted out of order, want 1", name, n)
			}
			if snap.Totals.Requests != len(lines)-1 { // the file ends with a newline
				t.Errorf("%s: %d requests in the totals, want %d", name, snap.Totals.Requests, len(lines)-1)
			}
		}
	}
}

// peerRefusedWithAccess returns the recorded peer-refused incident's
// access log and a function that analyses another text in its place, with
// the incident's error.log and nginx.conf.
func peerRefusedWithAccess(t *testing.T) (string, func(text string) Snapshot) {
	t.Helper()
	dir := filepath.Join("..", "fixtures", "peer-refused")
	acc, err := os.ReadFile(filepath.Join(dir, "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	conf, err := logparse.ReadConfig(filepath.Join(dir, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	format, _ := conf.AccessFormat("")
	return string(acc), func(text string) Snapshot {
		p := filepath.Join(t.TempDir(), "access.log")
		os.WriteFile(p, []byte(text), 0o644)
		errs := filepath.Join(dir, "error.log")
		snap, err := Run(context.Background(), RunConfig{
			Sets:   []input.Set{{Base: p, Paths: []string{p}}, {Base: errs, Paths: []string{errs}}},
			Format: format, Options: correlate.Options{Upstreams: conf.Upstreams},
		})
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
}

func burstsOf(s Snapshot) string {
	var b strings.Builder
	for _, x := range s.BadGatewayBursts() {
		fmt.Fprintf(&b, "#%d %s–%s %s %s\n", x.ID, x.Start.Format(time.TimeOnly), x.End.Format(time.TimeOnly), x.Group, x.TopCause().ID)
	}
	return b.String()
}

// shiftLine moves the [$time_local] of a line by d.
func shiftLine(t *testing.T, line string, d time.Duration) string {
	open, end := strings.IndexByte(line, '['), strings.IndexByte(line, ']')
	ts, err := time.Parse("02/Jan/2006:15:04:05 -0700", line[open+1:end])
	if err != nil {
		t.Fatal(err)
	}
	return line[:open+1] + ts.Add(d).Format("02/Jan/2006:15:04:05 -0700") + line[end:]
}

// TestRunsOutOfOrderChangeNoBurst moves runs of access lines of a recorded
// incident: two lines an hour ahead, a hundred to 1970, 150 a day ahead
// from the middle of the burst, and the last line to the year 9999. The
// bursts keep their windows and causes, losing at most the moved
// requests, the moved lines are counted as out of order, and the
// timeline keeps its span (issue 23: runs of two or more split a burst of
// 150 502s in two, a year-9999 line made the timeline one bucket of
// 1,048,576 s, 100 lines from 1970 became 502s of its first bucket).
func TestRunsOutOfOrderChangeNoBurst(t *testing.T) {
	acc, run := peerRefusedWithAccess(t)
	lines := strings.SplitAfter(acc, "\n")
	lines = lines[:len(lines)-1] // the file ends with a newline
	before := run(acc)
	want := burstsOf(before)
	burst := before.BadGatewayBursts()[0]
	// The first line inside the burst's window.
	inBurst := 0
	for i, l := range lines {
		if strings.Contains(l, burst.Start.Format("02/Jan/2006:15:04:05")) {
			inBurst = i
			break
		}
	}
	toYear := func(year string) func(string) string {
		return func(l string) string {
			i := strings.Index(l, "/2026:")
			return l[:i+1] + year + l[i+5:]
		}
	}
	shift := func(d time.Duration) func(string) string { return func(l string) string { return shiftLine(t, l, d) } }
	for _, tc := range []struct {
		name    string
		from, n int
		move    func(string) string
	}{
		{"two lines an hour ahead", 300, 2, shift(time.Hour)},
		{"two lines an hour ahead inside the burst", inBurst + 20, 2, shift(time.Hour)},
		{"a hundred lines from 1970", 400, 100, toYear("1970")},
		{"150 lines a day ahead inside the burst", inBurst + 5, 150, shift(24 * time.Hour)},
		{"the last line in 9999", len(lines) - 1, 1, toYear("9999")},
		{"the first two lines in 1970", 0, 2, toYear("1970")},
	} {
		moved := append([]string(nil), lines...)
		for i := tc.from; i < tc.from+tc.n; i++ {
			moved[i] = tc.move(moved[i])
		}
		snap := run(strings.Join(moved, ""))
		if got := burstsOf(snap); got != want {
			t.Errorf("%s: bursts\n%s\nwant\n%s", tc.name, got, want)
		}
		for i, b := range snap.BadGatewayBursts() {
			orig := before.BadGatewayBursts()[i]
			if d := orig.Requests - b.Requests; d < 0 || d > tc.n {
				t.Errorf("%s: burst %d has %d requests, want %d less %d moved at most", tc.name, b.ID, b.Requests, orig.Requests, tc.n)
			}
		}
		if n := snap.Ingest.Totals().OutOfOrder; n != int64(tc.n) {
			t.Errorf("%s: %d lines counted out of order, want %d", tc.name, n, tc.n)
		}
		if snap.Totals.Requests != len(lines) {
			t.Errorf("%s: %d requests in the totals, want %d", tc.name, snap.Totals.Requests, len(lines))
		}
		if got, want := snap.Overall.Width, before.Overall.Width; got != want || !snap.Overall.Start.Equal(before.Overall.Start) {
			t.Errorf("%s: timeline from %v by %v, want from %v by %v", tc.name, snap.Overall.Start, got, before.Overall.Start, want)
		}
	}
}
