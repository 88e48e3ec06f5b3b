package correlate

import (
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
)

// TestEventRingGrowsAndForgets: the ring starts small, grows keeping the
// events in order, stops growing at its size (dropping the oldest), and
// dropBefore forgets the events older than a time.
func TestEventRingGrowsAndForgets(t *testing.T) {
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }
	r := newEventRing(4*initialRingSlots, 1<<30)
	n := 4*initialRingSlots + 10
	for i := range n {
		r.push(storedEvent{ev: logparse.Event{Time: at(i)}})
	}
	if len(r.buf) != 4*initialRingSlots || r.n != 4*initialRingSlots {
		t.Fatalf("buffer %d, held %d", len(r.buf), r.n)
	}
	var got []time.Time
	r.scanBack(time.Time{}, func(se *storedEvent) bool { got = append(got, se.ev.Time); return true })
	for i, tm := range got {
		if want := at(n - 1 - i); !tm.Equal(want) {
			t.Fatalf("event %d back is %v, want %v", i, tm, want)
		}
	}
	r.dropBefore(at(n - 100))
	if r.n != 100 {
		t.Errorf("%d events after dropBefore, want 100", r.n)
	}
	if small := newEventRing(1<<16, 1<<30); len(small.buf) != initialRingSlots {
		t.Errorf("a new ring holds %d slots, want %d", len(small.buf), initialRingSlots)
	}
}
