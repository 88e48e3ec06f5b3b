package correlate

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
)

// twoHosts feeds a correlator one group's traffic from hosts a and b: an
// early burst on a, then a burst on a that closes while one on b, seconds
// after it, is still open.
func twoHosts(c *Correlator) {
	base := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	add := func(node string, sec, status int) {
		rec := logparse.Record{Time: base.Add(time.Duration(sec) * time.Second), Status: status, RequestTime: -1, Node: node,
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&rec, Pos{Source: node, Line: int64(sec)})
	}
	for sec := range 110 {
		for _, node := range []string{"a", "b"} {
			status := 200
			switch {
			case node == "a" && (sec >= 30 && sec < 35 || sec >= 100 && sec < 105):
				status = 502
			case node == "b" && sec >= 105:
				status = 502
			}
			add(node, sec, status)
		}
	}
	c.Advance(time.Time{})
}

// TestLiveSnapshotHoldsWhatIsOpen: the live snapshot holds the open burst
// as the whole snapshot has it, the closed burst it overlaps (so its hosts
// at once are the same) and not the older one; no series; the same counts.
func TestLiveSnapshotHoldsWhatIsOpen(t *testing.T) {
	c := New(Options{Gap: 2 * time.Second, Min502: 3})
	twoHosts(c)
	whole, live := c.Snapshot(), c.LiveSnapshot()
	if len(whole.Bursts) != 3 || !whole.Bursts[2].Open {
		t.Fatalf("the whole snapshot has %d bursts", len(whole.Bursts))
	}
	if len(live.Bursts) != 2 || live.Bursts[0].ID != whole.Bursts[1].ID || !reflect.DeepEqual(live.Bursts[1], whole.Bursts[2]) {
		t.Fatalf("live bursts %+v", live.Bursts)
	}
	if got := strings.Join(live.Bursts[1].AtOnce, ","); got != "a,b" {
		t.Errorf("the open burst on b is at once on %q", got)
	}
	if len(live.Overall.Buckets)+len(live.Groups)+len(live.Peers) != 0 {
		t.Errorf("the live snapshot copies series")
	}
	if !reflect.DeepEqual(live.Counts, whole.Counts) || !reflect.DeepEqual(live.Closed, whole.Closed) || !reflect.DeepEqual(live.Totals, whole.Totals) {
		t.Errorf("live counts differ from the whole snapshot's")
	}
}

// TestSummarizeClosed: Advance hands closed bursts on whole; the
// correlator keeps their summary only (no lines, samples or further
// causes), with the same numbers, error.log categories and top cause.
func TestSummarizeClosed(t *testing.T) {
	whole, summarized := New(Options{Gap: 2 * time.Second, Min502: 3}), New(Options{Gap: 2 * time.Second, Min502: 3, SummarizeClosed: true})
	twoHosts(whole)
	twoHosts(summarized)
	w, s := whole.Snapshot(), summarized.Snapshot()
	if len(w.Bursts) != len(s.Bursts) || len(w.Bursts[0].Lines) == 0 {
		t.Fatalf("%d bursts whole, %d summarized", len(w.Bursts), len(s.Bursts))
	}
	for i := range s.Bursts {
		a, b := w.Bursts[i], s.Bursts[i]
		if b.Open {
			continue
		}
		if len(b.Lines)+len(b.Samples)+len(b.Peers) != 0 || len(b.Causes) > 1 || !b.LinesDropped {
			t.Errorf("#%d kept %d lines, %d samples, %d peers, %d causes", b.ID, len(b.Lines), len(b.Samples), len(b.Peers), len(b.Causes))
		}
		if a.ID != b.ID || a.Bad() != b.Bad() || a.Requests != b.Requests || !a.Start.Equal(b.Start) || !a.End.Equal(b.End) ||
			a.TopCause().ID != b.TopCause().ID || !reflect.DeepEqual(a.Categories, b.Categories) {
			t.Errorf("#%d summarized differs: %+v", b.ID, b)
		}
	}
}

// TestSeriesBucketsBoundsASeries: a series given a bound widens its
// buckets at it and keeps every request.
func TestSeriesBucketsBoundsASeries(t *testing.T) {
	s := Series{limit: 10}
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for i := range 25 {
		s.Add(at.Add(time.Duration(i)*time.Second), ClassOK)
	}
	if s.Width != 5*time.Second || len(s.Buckets) > 10 || s.Total() != 25 {
		t.Errorf("width %s, %d buckets, %d requests", s.Width, len(s.Buckets), s.Total())
	}
}
