package correlate

import (
	"errors"
	"iter"

	"github.com/badgw/badgw/diagnose"
)

// Details are what only a closed burst's whole report prints: who was hit,
// every cause with its evidence and fix, sample lines and raw lines. They
// are most of a burst's memory, and an input of months has thousands of
// bursts, so with Options.Details the correlator hands them to a store as
// each burst closes and keeps the rest (Snapshot.Whole reads them back).
type Details struct {
	Impact                Impact
	Causes                []diagnose.Cause
	Samples, ErrorSamples []Sample
	Lines                 []Line
}

// DetailStore keeps closed bursts' details out of memory (package spill:
// a temporary file). Put is called from the correlator's goroutine; Get
// from any, for references Put returned before.
type DetailStore interface {
	Put(d *Details) (ref int64, err error)
	Get(ref int64) (Details, error)
}

// ErrHoldWhole is what a DetailStore's Put returns for details it could
// not give back exactly: that burst stays whole in memory, and the next
// go to the store. Any other error ends the store's use.
var ErrHoldWhole = errors.New("details held in memory: the store cannot keep them exactly")

// storeDetails hands the details of the bursts closed at c.closed[from:]
// to the store and keeps their summaries. A store that fails keeps
// nothing more: the bursts stay whole in memory, as without one.
func (c *Correlator) storeDetails(from int) {
	if c.opts.Details == nil || c.detailsFailed {
		return
	}
	for i := from; i < len(c.closed); i++ {
		b := &c.closed[i]
		d := Details{Impact: b.Impact, Causes: b.Causes, Samples: b.Samples, ErrorSamples: b.ErrorSamples, Lines: b.Lines}
		ref, err := c.opts.Details.Put(&d)
		if errors.Is(err, ErrHoldWhole) {
			continue
		}
		if err != nil {
			c.detailsFailed = true
			return
		}
		b.details = ref + 1
		b.Impact = Impact{}
		b.Samples, b.ErrorSamples, b.Lines = nil, nil, nil
		// The causes' identities and scores stay (the interface filters
		// and lists by them); their sentences are in the store.
		ids := make([]diagnose.Cause, len(b.Causes))
		for j, cs := range b.Causes {
			ids[j] = diagnose.Cause{ID: cs.ID, Confidence: cs.Confidence}
		}
		b.Causes = ids
	}
}

// Whole is b with its details read back from the store they were handed
// to (Options.Details), as its whole report prints it; a burst held whole
// is returned as it is. Where the store cannot give them back, b is
// returned as it is kept, DetailsLost.
func (s *Snapshot) Whole(b Burst) Burst {
	if b.details == 0 || s.details == nil {
		return b
	}
	d, err := s.details.Get(b.details - 1)
	if err != nil {
		b.DetailsLost = true
		return b
	}
	b.details = 0
	b.Impact, b.Causes, b.Samples, b.ErrorSamples, b.Lines = d.Impact, d.Causes, d.Samples, d.ErrorSamples, d.Lines
	return b
}

// Wholes yields bs, bursts of this snapshot, whole (Whole), one at a
// time, so that a report of thousands holds one burst's details at once.
func (s *Snapshot) Wholes(bs []Burst) iter.Seq[Burst] {
	return func(yield func(Burst) bool) {
		for _, b := range bs {
			if !yield(s.Whole(b)) {
				return
			}
		}
	}
}
