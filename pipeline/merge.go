package pipeline

// Merging: the sets' parsed batches taken in time order, item by item.

import (
	"context"
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
// enough: a k-way merge with bounded memory.
type merger struct {
	chans []chan *parsedBatch
	cur   []*parsedBatch
	pos   []int
	done  []bool
}

func newMerger(chans []chan *parsedBatch) *merger {
	return &merger{chans: chans, cur: make([]*parsedBatch, len(chans)), pos: make([]int, len(chans)), done: make([]bool, len(chans))}
}

// step returns the next item, or stepIdle when tick fired while waiting
// for input, stepDone at the end of every set, stepCancelled when ctx ends.
func (m *merger) step(ctx context.Context, tick <-chan time.Time) (*parsedBatch, int, stepStatus) {
	for s := range m.chans {
		for !m.done[s] && m.cur[s] == nil {
			select {
			case b, ok := <-m.chans[s]:
				if !ok {
					m.done[s] = true
				} else if len(b.items) > 0 {
					m.cur[s], m.pos[s] = b, 0
				} else {
					b.release()
				}
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
		return nil, 0, stepDone
	}
	b, i := m.cur[best], m.pos[best]
	m.pos[best]++
	if m.pos[best] == len(b.items) {
		m.cur[best] = nil
	}
	return b, i, stepItem
}
