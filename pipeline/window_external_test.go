package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/badgw/badgw/fixtures/fixturetest"
)

// TestLinesOfAMomentReadAgain: a recorded run (sporadic-background: fifteen
// minutes, a rotated .gz and sporadic 502s between two bursts) keeps its
// bad lines in the recent-lines ring, and reading any minute of it again
// from the files gives exactly the ring's lines of that minute, with their
// files and line numbers.
func TestLinesOfAMomentReadAgain(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("sporadic-background"))
	if !snap.RecentAll || len(snap.Recent) == 0 {
		t.Fatalf("ring: all=%v, %d lines", snap.RecentAll, len(snap.Recent))
	}
	if !snap.Sources.Rereadable() {
		t.Fatal("files not rereadable")
	}
	start := snap.Recent[0].Time.Truncate(time.Minute)
	end := snap.Recent[len(snap.Recent)-1].Time
	checked := 0
	for from := start; from.Before(end); from = from.Add(time.Minute) {
		to := from.Add(time.Minute)
		var want []string
		for _, l := range snap.Recent {
			if !l.Time.Before(from) && l.Time.Before(to) {
				want = append(want, l.Text)
			}
		}
		got, err := snap.Sources.LinesBetween(context.Background(), from, to, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: read again %d lines, the ring has %d", from.Format("15:04"), len(got), len(want))
			continue
		}
		seen := map[string]int{}
		for _, w := range want {
			seen[w]++
		}
		for _, g := range got {
			if seen[g.Text] == 0 || g.Num == 0 || g.Source == "" {
				t.Errorf("%s: line read again is not the ring's: %s:%d %q", from.Format("15:04"), g.Source, g.Num, g.Text)
			}
			seen[g.Text]--
		}
		checked += len(got)
	}
	if checked == 0 {
		t.Fatal("no line compared")
	}
	limited, err := snap.Sources.LinesBetween(context.Background(), start, end.Add(time.Second), 5)
	if err != nil || len(limited) != 5 {
		t.Errorf("with a limit of 5: %d lines, %v", len(limited), err)
	}
}
