package correlate

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// memoryStore is a DetailStore in a map; failAfter > 0 fails every Put
// after that many, holdEvery > 0 refuses every holdEvery-th details as a
// store refuses what it cannot keep exactly.
type memoryStore struct {
	kept                 map[int64]Details
	failAfter, holdEvery int
	puts                 int
}

func (m *memoryStore) Put(d *Details) (int64, error) {
	if m.failAfter > 0 && len(m.kept) >= m.failAfter {
		return 0, errors.New("disk full")
	}
	if m.puts++; m.holdEvery > 0 && m.puts%m.holdEvery == 0 {
		return 0, ErrHoldWhole
	}
	ref := int64(len(m.kept)) * 7 // refs need not be small or dense
	m.kept[ref] = *d
	return ref, nil
}

func (m *memoryStore) Get(ref int64) (Details, error) {
	d, ok := m.kept[ref]
	if !ok {
		return Details{}, errors.New("no such burst")
	}
	return d, nil
}

// TestDetailsOutOfMemory: with a DetailStore the closed bursts hold no
// details, and Whole gives back every one as a correlator without a store
// holds it, and the raw lines that the bound on closed bursts' lines
// takes from those held whole are kept with the rest; a store that fails
// part way leaves the rest whole, and one that refuses a burst's details
// keeps the next.
func TestDetailsOutOfMemory(t *testing.T) {
	recs := syntheticRecords(3, 120000)
	// Long lines and longer bursts (every peer of a group for twenty
	// seconds), so that the bound on closed bursts' raw lines is reached.
	long := []byte(strings.Repeat("x", maxLineText))
	for i := range recs {
		r := &recs[i]
		r.Line = long
		if len(r.Attempts) == 1 && strings.HasPrefix(string(r.Attempts[0].Addr), "10.0.0.") && r.Time.Unix()%120 < 20 {
			r.Status, r.Attempts[0].Status = 502, 502
		}
	}
	run := func(opts Options) Snapshot {
		c := New(opts)
		for i := range recs {
			c.AddRecord(&recs[i], Pos{Source: "access.log", Line: int64(i + 1)})
			if i%256 == 255 {
				c.Advance(time.Time{})
			}
		}
		c.Flush()
		copied := c.Snapshot()
		final := c.Final()
		if !reflect.DeepEqual(copied, final) {
			t.Fatal("the final snapshot is not the snapshot")
		}
		return final
	}
	whole := run(Options{})
	trimmed := 0
	for _, b := range whole.Bursts {
		if b.LinesDropped {
			trimmed++
		}
	}
	if len(whole.Bursts) < 10 || trimmed == 0 || trimmed == len(whole.Bursts) {
		t.Fatalf("%d bursts, %d of them with their lines dropped: the test shows too little", len(whole.Bursts), trimmed)
	}
	keptBeyond := 0
	for _, store := range []*memoryStore{{}, {failAfter: 5}, {holdEvery: 3}} {
		store.kept = map[int64]Details{}
		got := run(Options{Details: store})
		if len(got.Bursts) != len(whole.Bursts) {
			t.Fatalf("%d bursts with a store, %d without", len(got.Bursts), len(whole.Bursts))
		}
		for i, b := range got.Bursts {
			stored := (store.failAfter == 0 || i < store.failAfter) && (store.holdEvery == 0 || (i+1)%store.holdEvery != 0)
			if stored && (b.Samples != nil || b.Impact.Clients != 0 || b.Causes[0].Summary != "") {
				t.Errorf("burst #%d keeps its details beside the store", b.ID)
			}
			if !stored && b.Samples == nil {
				t.Errorf("burst #%d lost its details when the store failed", b.ID)
			}
			w, want := got.Whole(b), whole.Bursts[i]
			// The raw lines: a stored burst keeps every one (they cost no
			// memory); one held whole loses them to the bound only where
			// the run held whole throughout loses them too.
			switch {
			case !want.LinesDropped && (w.LinesDropped || !reflect.DeepEqual(w.Lines, want.Lines)):
				t.Errorf("%+v: burst #%d: %d lines (dropped %v), %d held whole", *store, b.ID, len(w.Lines), w.LinesDropped, len(want.Lines))
			case stored && (w.LinesDropped || len(w.Lines) == 0):
				t.Errorf("%+v: burst #%d stored, and its lines dropped", *store, b.ID)
			case want.LinesDropped && stored:
				keptBeyond++
			}
			w.Lines, w.LinesDropped, w.lineBytes = want.Lines, want.LinesDropped, want.lineBytes
			if !reflect.DeepEqual(w, want) {
				t.Errorf("%+v: burst #%d read back is not the burst held whole:\n got  %+v\n want %+v", *store, b.ID, w, want)
			}
		}
	}
	if keptBeyond == 0 {
		t.Error("no stored burst kept lines the bound took from those held whole: the test shows too little")
	}
}
