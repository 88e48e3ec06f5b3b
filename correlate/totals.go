package correlate

import (
	"maps"
	"strings"
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
	// Joined502 counts the 502s joined to an error.log line.
	Joined502   int
	Hidden      Hidden
	First, Last time.Time
}

// Hidden is what nginx's final statuses do not show: failures that a
// retry on another peer turned into a success, responses without a status
// line (logged as 009), and responses cut off mid-body (logged with the
// status already sent, often 200).
type Hidden struct {
	// Masked counts requests whose final status is below 500 although an
	// earlier attempt failed; MaskedPeers the failed attempts per peer.
	Masked      int
	MaskedPeers map[string]int
	// NoStatusLine counts responses nginx logged as 009 (HTTP/0.9: the
	// peer sent no status line), per peer in NoStatusPeers.
	NoStatusLine  int
	NoStatusPeers map[string]int
	// CutMidBody counts error lines of a peer closing or resetting while
	// nginx read the response body ("while reading upstream").
	CutMidBody int
	CutPeers   map[string]int
}

// Any reports whether nginx hid anything.
func (h Hidden) Any() bool { return h.Masked+h.NoStatusLine+h.CutMidBody > 0 }

func countPeer(m map[string]int, peer string) {
	if len(m) < maxPeers || m[peer] > 0 {
		m[peer]++
	}
}

func (h *Hidden) addRecord(rec *logparse.Record) {
	if n := len(rec.Attempts); n >= 2 && rec.Status > 0 && rec.Status < 500 {
		failed := false
		for i := range rec.Attempts[:n-1] {
			if a := &rec.Attempts[i]; a.Status >= 500 || a.Status == 0 {
				failed = true
				countPeer(h.MaskedPeers, string(a.Addr))
			}
		}
		if failed {
			h.Masked++
		}
	}
	if rec.Status == 9 {
		h.NoStatusLine++
		if n := len(rec.Attempts); n > 0 {
			countPeer(h.NoStatusPeers, string(rec.Attempts[n-1].Addr))
		}
	}
}

func (h *Hidden) addEvent(ev *logparse.Event) {
	if (ev.Category == logparse.CatPrematureClose || ev.Category == logparse.CatConnReset) && strings.HasSuffix(ev.Phase, "while reading upstream") {
		h.CutMidBody++
		countPeer(h.CutPeers, ev.Peer)
	}
}

func newTotals() Totals {
	return Totals{PeerCategories: map[string]map[logparse.Category]int{},
		Hidden: Hidden{MaskedPeers: map[string]int{}, NoStatusPeers: map[string]int{}, CutPeers: map[string]int{}}}
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
	t.Hidden.addRecord(rec)
	t.seen(rec.Time)
}

func (t *Totals) addEvent(ev *logparse.Event) {
	t.Events++
	t.Levels[ev.Level]++
	t.Categories[ev.Category]++
	t.Hidden.addEvent(ev)
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
	c.Hidden.MaskedPeers, c.Hidden.NoStatusPeers, c.Hidden.CutPeers = maps.Clone(t.Hidden.MaskedPeers), maps.Clone(t.Hidden.NoStatusPeers), maps.Clone(t.Hidden.CutPeers)
	return c
}
