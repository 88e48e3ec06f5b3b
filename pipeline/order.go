package pipeline

import "time"

// Lines out of order.
//
// nginx appends lines in the order requests end, so a set's times rise,
// give or take a second between workers. A line far from its neighbours
// (a clock that jumped, a line pasted in from elsewhere, one record a day
// or a decade off) must not move the analysis: merged at its own time it
// would hold back its set, and fed to the correlator it would close every
// open burst. Within reorderWindow of its neighbours a line is in order.
// Beyond it, a line that stands above (or below) both its neighbours is an
// outlier: it is counted in the totals and the ingest stats, kept out of
// bursts and timelines, and merged at its predecessor's time. A line that
// its successors follow (a real gap in the log) is not an outlier.

// reorderWindow is how far a line may stray from its neighbours' times.
const reorderWindow = 60 * time.Second

// orderState is what a set's classifier carries from batch to batch: the
// time of the last line in order.
type orderState struct {
	last time.Time
}

// classify flags the outliers of pb, using the first lines of next (nil
// at the end of input, or when reading a live pipe) for its last lines.
func (st *orderState) classify(pb, next *parsedBatch) {
	n := len(pb.items)
	if n == 0 {
		return
	}
	// Each item's time is read once: t is item i's, nt the next one's.
	// Until classified, an item's at is its own time (set by the parser),
	// and only items already passed are given another.
	var t time.Time
	if !pb.items[0].untimed {
		t = pb.items[0].at
	}
	for i := 0; i < n; i++ {
		var nt time.Time
		hasNext := false
		switch {
		case i+1 < n:
			if !pb.items[i+1].untimed {
				nt, hasNext = pb.items[i+1].at, true
			}
		case next != nil && len(next.items) > 0 && !next.items[0].untimed:
			nt, hasNext = next.items[0].at, true
		}
		cur := t
		t = nt
		if pb.items[i].untimed {
			pb.items[i].at = st.last
			continue
		}
		prev, hasPrev := st.last, !st.last.IsZero()
		ahead := hasNext && beyond(cur, nt) && (!hasPrev || beyond(cur, prev))
		behind := hasPrev && beyond(prev, cur) && (!hasNext || beyond(nt, cur))
		if ahead || behind {
			pb.items[i].outlier = true
			pb.items[i].at = st.last
			if !hasPrev {
				pb.items[i].at = nt
			}
			continue
		}
		st.last = cur
	}
}

// beyond reports whether a is more than reorderWindow after b. It runs
// four times a line: whole seconds decide all but the last two seconds
// around the window, where Sub (which costs more) does.
func beyond(a, b time.Time) bool {
	const w = int64(reorderWindow / time.Second)
	switch d := a.Unix() - b.Unix(); {
	case d > w+1:
		return true
	case d < w-1:
		return false
	}
	return a.Sub(b) > reorderWindow
}
