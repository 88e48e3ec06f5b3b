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

// TestJoinIndexFollowsTheRing: every held upstream-fault event is found
// again under each of its keys across growth, newest first, and the index
// is empty once the ring has dropped everything, whatever dropped it (the
// horizon, the count or the byte bound).
func TestJoinIndexFollowsTheRing(t *testing.T) {
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	r := newEventRing(4*initialRingSlots, 1<<20)
	for i := range 6 * initialRingSlots {
		r.push(storedEvent{ev: logparse.Event{Time: base.Add(time.Duration(i) * time.Millisecond), Category: logparse.CatPrematureClose,
			Conn: uint64(i % 700), Client: "192.0.2.7", Request: "GET /x HTTP/1.1",
			Line: "request_id=0123456789abcdef0123456789abcdef x 0123456789abcdef0123456789abcdef"}})
	}
	count := func(key uint32, want func(*storedEvent) bool) int {
		n, last := 0, uint64(1<<63)
		r.scanKey(key, time.Time{}, func(e *storedEvent) {
			if !want(e) || e.seq >= last {
				t.Fatalf("seq %d (after %d) under the wrong key or out of order: %+v", e.seq, last, e.ev)
			}
			n, last = n+1, e.seq
		})
		return n
	}
	x := &r.index
	if got, want := count(x.connKey(5), func(e *storedEvent) bool { return e.ev.Conn == 5 }), r.n/700; got < want {
		t.Errorf("conn 5: %d events, want at least %d", got, want)
	}
	if got := count(x.idKey("0123456789abcdef0123456789abcdef"), func(*storedEvent) bool { return true }); got != r.n {
		t.Errorf("id: %d events, %d held", got, r.n)
	}
	withConn := count(x.reqKey(true, "192.0.2.7", "GET /x HTTP/1.1"), func(e *storedEvent) bool { return e.ev.Conn != 0 })
	without := count(x.reqKey(false, "", "GET /x HTTP/1.1"), func(e *storedEvent) bool { return e.ev.Conn == 0 })
	if withConn+without != r.n {
		t.Errorf("request: %d + %d events, %d held", withConn, without, r.n)
	}
	r.dropBefore(base.Add(time.Hour))
	if r.n != 0 || len(x.heads) != 0 {
		t.Errorf("%d held; index keeps %d keys", r.n, len(x.heads))
	}
}
