package timeline_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/timeline"
)

// TestBucketsHoldTheirLines: on every recorded fixture, the multi-day ones
// included, and at every zoom the interface offers for its span, each
// bucket of the overall timeline counts exactly the access lines whose
// time falls in it, read again here from the files (issue 25: days-churn's
// first day, 396 lines between 10:00:01 and 10:01:59, shown as 195 in
// 09:45 and 200 in 10:00).
func TestBucketsHoldTheirLines(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(fixturetest.Dir("peer-refused"), "..", "*", "nginx.conf"))
	if len(dirs) < 20 {
		t.Fatalf("%d fixtures", len(dirs))
	}
	for _, conf := range dirs {
		dir := filepath.Dir(conf)
		snap := fixturetest.Analyse(t, dir)
		times := accessTimes(t, dir)
		for _, width := range []int{60, 80, 120, 200, 2000} {
			tl := timeline.Whole(snap.Snapshot, width)
			want := map[int64]int{}
			for _, at := range times {
				want[at.Truncate(tl.Width).Unix()]++
			}
			seen := 0
			for _, b := range tl.Buckets {
				got := b.Total()
				if n := want[b.Start.Unix()]; got != n {
					t.Errorf("%s at %d columns (%s): bucket %s holds %d, its lines %d", filepath.Base(dir), width, tl.Width, b.Start.UTC().Format(time.DateTime), got, n)
				}
				seen += got
			}
			if seen != len(times) {
				t.Errorf("%s at %d columns: the buckets hold %d of %d lines", filepath.Base(dir), width, seen, len(times))
			}
		}
	}
}

// accessTimes reads the times of a fixture's access lines with the
// log_format of its nginx.conf.
func accessTimes(t *testing.T, dir string) []time.Time {
	t.Helper()
	format := fixturetest.Format(t, dir)
	sets, err := input.Expand([]string{filepath.Join(dir, "access.log*")})
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	var rec logparse.Record
	for _, set := range sets {
		for _, path := range set.Paths {
			st, err := input.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			r := input.NewReader(st, path)
			for r.Next() {
				if l := r.Line(); l.Err == nil && format.Parse(l.Bytes, &rec) == nil && rec.Status > 0 {
					out = append(out, rec.Time)
				}
			}
			st.Close()
		}
	}
	return out
}
