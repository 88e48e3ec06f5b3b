package correlate

import (
	"maps"
	"time"

	"github.com/badgw/badgw/logparse"
)

// Totals counts everything seen, burst or not.
type Totals struct {
	Requests   int
	Status     [1000]int // by final status code
	Events     int
	Levels     [logparse.NumLevels]int
	Categories [logparse.NumCategories]int
	// PeerCategories counts upstream-fault events per peer and category,
	// for "badgw analyze error.log" summaries; bounded to maxPeers peers.
	PeerCategories map[string]map[logparse.Category]int
	// Sporadic502 counts 502s that formed no burst.
	Sporadic502 int
	First, Last time.Time
}

func newTotals() Totals {
	return Totals{PeerCategories: map[string]map[logparse.Category]int{}}
}

func (t *Totals) seen(at time.Time) {
	if at.IsZero() {
		return
	}
	if t.First.IsZero() || at.Before(t.First) {
		t.First = at
	}
	if at.After(t.Last) {
		t.Last = at
	}
}

func (t *Totals) addRecord(rec *logparse.Record) {
	t.Requests++
	if rec.Status >= 0 && rec.Status < len(t.Status) {
		t.Status[rec.Status]++
	}
	t.seen(rec.Time)
}

func (t *Totals) addEvent(ev *logparse.Event) {
	t.Events++
	t.Levels[ev.Level]++
	t.Categories[ev.Category]++
	t.seen(ev.Time)
	if !ev.Category.UpstreamFault() || ev.Peer == "" {
		return
	}
	m := t.PeerCategories[ev.Peer]
	if m == nil {
		if len(t.PeerCategories) >= maxPeers {
			return
		}
		m = map[logparse.Category]int{}
		t.PeerCategories[ev.Peer] = m
	}
	m[ev.Category]++
}

func (t *Totals) clone() Totals {
	c := *t
	c.PeerCategories = make(map[string]map[logparse.Category]int, len(t.PeerCategories))
	for k, v := range t.PeerCategories {
		c.PeerCategories[k] = maps.Clone(v)
	}
	return c
}
