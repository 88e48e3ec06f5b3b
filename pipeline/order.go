package pipeline

import "time"

// Lines out of order.
//
// nginx appends lines in the order requests end, so a set's times rise,
// give or take a second between workers. Lines far from their neighbours
// (a clock that jumped and came back, a block pasted in from elsewhere, a
// record a day or a decade off) must not move the analysis: merged at
// their own time they would hold back their set, and fed to the
// correlator they would close every open burst. Within reorderWindow of
// the last line in order a line is in order. Beyond it, the line and
// those after it that are beyond it too form a run, and the run is
// displaced when the lines come back within the window of the last line
// in order before lookaheadLines have passed (or the input ends with the
// run, which nothing after it confirms). Displaced lines are outliers:
// counted in the totals and the ingest stats, kept out of bursts and
// timelines, and merged at their predecessor's time. A jump that the
// lines after it do not come back from is the log's own time moving on
// (a quiet night, a clock set right): those lines are in order.

// reorderWindow is how far a line may stray from the last line in order.
const reorderWindow = 60 * time.Second

// lookaheadBatches is how many batches after a batch its classifier sees:
// a displaced run of up to lookaheadBatches*batchLines lines is
// recognised as one; a longer one is read as the log's time moving on.
const lookaheadBatches = 4

// orderState is what a set's classifier carries from batch to batch: the
// time of the last line in order.
type orderState struct {
	last time.Time
}

// timedAfter iterates the timed items after item i of pb, then those of
// the batches after it, calling fn with each time until fn returns false.
func timedAfter(pb *parsedBatch, i int, next []*parsedBatch, fn func(time.Time) bool) {
	for _, b := range append([]*parsedBatch{pb}, next...) {
		for ; i < len(b.items); i++ {
			if !b.items[i].untimed && !fn(b.items[i].at) {
				return
			}
		}
		i = 0
	}
}

// classify flags the outliers of pb, looking at the lines of next (the
// batches after it; none at the end of input or on a live pipe). final
// says that no line follows next's.
func (st *orderState) classify(pb *parsedBatch, next []*parsedBatch, final bool) {
	for i := range pb.items {
		it := &pb.items[i]
		if it.untimed {
			it.at = st.last
			continue
		}
		cur := it.at
		if st.last.IsZero() {
			// No line in order yet: in order unless a longer run of
			// lines at another time follows.
			if st.startDisplaced(pb, i, next) {
				it.outlier = true
				continue
			}
			st.last = cur
			continue
		}
		if !beyond(cur, st.last) && !beyond(st.last, cur) {
			st.last = cur
			continue
		}
		if st.displaced(pb, i, next, final) {
			it.outlier = true
			it.at = st.last
			continue
		}
		st.last = cur
	}
}

// displaced reports whether item i, beyond the window of the last line in
// order, belongs to a run that comes back within lookahead, or that the
// input ends with (nothing confirms its time). A live pipe, which sees no
// lines ahead, takes a line that falls behind as displaced and one that
// jumps ahead as the log's time moving on.
func (st *orderState) displaced(pb *parsedBatch, i int, next []*parsedBatch, final bool) bool {
	cur := pb.items[i].at
	ahead := beyond(cur, st.last)
	back, seen := false, 0
	timedAfter(pb, i+1, next, func(t time.Time) bool {
		seen++
		if !beyond(t, st.last) && !beyond(st.last, t) {
			back = true
			return false
		}
		return true
	})
	switch {
	case back:
		return true
	case seen == 0 && final:
		return true // the input ends with it: nothing confirms its time
	case seen == 0:
		return !ahead
	}
	return false
}

// startDisplaced reports whether item i, with no line in order before
// it, begins a run that is displaced: the lines after the run, up to
// lookahead, agree with each other and outnumber it. Its at is set to the
// time those lines start at.
func (st *orderState) startDisplaced(pb *parsedBatch, i int, next []*parsedBatch) bool {
	cur := pb.items[i].at
	run, after := 1, 0
	var other time.Time
	timedAfter(pb, i+1, next, func(t time.Time) bool {
		switch {
		case other.IsZero() && !beyond(t, cur) && !beyond(cur, t):
			run++
		case other.IsZero():
			other, after = t, 1
		case !beyond(t, other) && !beyond(other, t):
			after++
		default:
			return false // a third time: no verdict from here
		}
		return true
	})
	// Lines that follow later are the log going on, as after a quiet day
	// in a rotated error log (its first day's 60 lines were taken for a
	// pasted block when the next day had more); only a run ahead of its
	// followers, or one further behind them than any silence a log keeps
	// (a clock at 1970, a garbled year), is displaced.
	if after > run && (other.Before(cur) || other.Sub(cur) > maxQuietGap) {
		pb.items[i].at = other
		return true
	}
	return false
}

// maxQuietGap is the longest a log may stay silent: a set's first lines
// further behind the rest than this are out of order. A year: logs are
// rotated and kept for weeks or months, so no set spans a longer silence.
const maxQuietGap = 366 * 24 * time.Hour

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
