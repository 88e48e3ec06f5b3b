package pipeline

// Merging: the sets' parsed batches taken in time order, item by item.

import (
	"context"
	"reflect"
	"time"
)

type stepStatus int

const (
	stepItem stepStatus = iota
	stepIdle
	stepDone
	stepCancelled
)

// merger interleaves the sets' batches by time, oldest item first. Each set
// is in order already (nginx appends), so holding one batch per set is
// enough: a k-way merge with bounded memory. A live set (a pipe, a followed
// file) may stay quiet for hours, as an error log does: once it has given
// nothing for liveQuiet the merge takes the others' items without waiting
// for it, and the run's hold of live records for their error lines
// (joinHold) keeps the joins. A live set that is only slow (a backlog read
// at start, its parser behind) is waited for as a file is.
type merger struct {
	chans []chan *parsedBatch
	live  []bool
	seen  []time.Time // when each live set last gave a batch
	cur   []*parsedBatch
	pos   []int
	done  []bool
	// last is the set whose item step returned last.
	last int
}

// liveQuiet is how long a live set must give nothing to be merged without;
// no longer than joinHold, which the records of the others wait.
const liveQuiet = joinHold

func newMerger(chans []chan *parsedBatch, live []bool) *merger {
	m := &merger{chans: chans, live: live, seen: make([]time.Time, len(chans)), cur: make([]*parsedBatch, len(chans)), pos: make([]int, len(chans)), done: make([]bool, len(chans))}
	now := time.Now()
	for s := range m.seen {
		m.seen[s] = now
	}
	return m
}

// take makes b set s's current batch, or marks s done when its channel
// closed.
func (m *merger) take(s int, b *parsedBatch, ok bool) {
	m.seen[s] = time.Now()
	switch {
	case !ok:
		m.done[s] = true
	case len(b.items) > 0:
		m.cur[s], m.pos[s] = b, 0
	default:
		b.release()
	}
}

// step returns the next item, or stepIdle when tick fired while waiting
// for input, stepDone at the end of every set, stepCancelled when ctx ends.
func (m *merger) step(ctx context.Context, tick <-chan time.Time) (*parsedBatch, int, stepStatus) {
	for s := range m.chans {
		for !m.done[s] && m.cur[s] == nil {
			if m.live[s] && time.Since(m.seen[s]) >= liveQuiet {
				select {
				case b, ok := <-m.chans[s]:
					m.take(s, b, ok)
					continue
				default:
				}
				break // quiet: merged without it
			}
			select {
			case b, ok := <-m.chans[s]:
				m.take(s, b, ok)
			case <-tick:
				return nil, 0, stepIdle
			case <-ctx.Done():
				return nil, 0, stepCancelled
			}
		}
	}
	best := -1
	var bestT time.Time
	for s, b := range m.cur {
		if b == nil {
			continue
		}
		t := b.items[m.pos[s]].at
		// On equal times error events go first: nginx logs the failure
		// before the access line of the request it failed.
		if best < 0 || t.Before(bestT) || (t.Equal(bestT) && b.items[m.pos[s]].event && !m.cur[best].items[m.pos[best]].event) {
			best, bestT = s, t
		}
	}
	if best < 0 {
		return m.waitLive(ctx, tick)
	}
	b, i := m.cur[best], m.pos[best]
	m.last = best
	m.pos[best]++
	if m.pos[best] == len(b.items) {
		m.cur[best] = nil
	}
	return b, i, stepItem
}

// nothingBefore reports whether every other set's next item comes after
// t, so that the items of the last set up to t would be taken one after
// the other. A set whose next batch has not come yet is not known to.
func (m *merger) nothingBefore(t time.Time) bool {
	for s, b := range m.cur {
		if s == m.last || m.done[s] {
			continue
		}
		if b == nil || !b.items[m.pos[s]].at.After(t) {
			return false
		}
	}
	return true
}

// skipTo moves the last set on to item pos of the batch step returned
// from, as if step had returned each item before it.
func (m *merger) skipTo(pos int) {
	b := m.cur[m.last]
	if b == nil {
		return
	}
	m.pos[m.last] = pos
	if pos == len(b.items) {
		m.cur[m.last] = nil
	}
}

// waitLive waits for the first batch of any live set when all are quiet
// (the only sets left), the tick, or the end of ctx.
func (m *merger) waitLive(ctx context.Context, tick <-chan time.Time) (*parsedBatch, int, stepStatus) {
	cases := []reflect.SelectCase{
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())},
		{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(tick)},
	}
	var sets []int
	for s := range m.chans {
		if !m.done[s] {
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(m.chans[s])})
			sets = append(sets, s)
		}
	}
	if len(sets) == 0 {
		return nil, 0, stepDone
	}
	i, v, ok := reflect.Select(cases)
	switch i {
	case 0:
		return nil, 0, stepCancelled
	case 1:
		return nil, 0, stepIdle
	}
	var b *parsedBatch
	if ok {
		b = v.Interface().(*parsedBatch)
	}
	m.take(sets[i-2], b, ok)
	return m.step(ctx, tick)
}
