package correlate

import (
	"sort"

	"github.com/badgw/badgw/logparse"
)

// MaxAttemptsCounted is the last bucket of GroupCounts.Attempts: requests
// that tried that many peers or more.
const MaxAttemptsCounted = 4

// maxStatusesCounted bounds the distinct final statuses counted per group;
// statuses past it count under 0 ("other"), so a log of arbitrary codes
// cannot grow what a long run keeps.
const maxStatusesCounted = 32

// GroupCounts is what one upstream group's requests and error lines add
// up to since the run began, for a long run's metrics: they only grow.
type GroupCounts struct {
	Group string
	// Status counts requests by final status, ascending; status 0 holds
	// those past maxStatusesCounted distinct codes.
	Status []StatusCount
	// Attempts counts requests by how many upstream attempts they made
	// (0: nginx answered without trying a peer); the last bucket counts
	// MaxAttemptsCounted or more.
	Attempts [MaxAttemptsCounted + 1]int
	// Categories counts error.log events whose peer belongs to the group
	// (events naming no peer count under the group "", requests that
	// tried no peer under "(no upstream tried)").
	Categories [logparse.NumCategories]int
}

// StatusCount is how many requests ended with one status.
type StatusCount struct {
	Status int
	N      int
}

// requestCounts is the part of GroupCounts kept in groupState, updated on
// every record: a short slice searched linearly, since a group sees few
// distinct statuses.
type requestCounts struct {
	status   []StatusCount
	attempts [MaxAttemptsCounted + 1]int
}

func (r *requestCounts) add(rec *logparse.Record) {
	r.attempts[min(len(rec.Attempts), MaxAttemptsCounted)]++
	r.addStatus(rec.Status, 1)
}

// addPlain counts a PlainCount's requests.
func (r *requestCounts) addPlain(pc *PlainCount) {
	r.attempts[min(len(pc.Rec.Attempts), MaxAttemptsCounted)] += pc.N
	for _, s := range pc.statuses[:pc.nStatus] {
		r.addStatus(s.Status, s.N)
	}
}

func (r *requestCounts) addStatus(st, n int) {
	for i := range r.status {
		if r.status[i].Status == st {
			r.status[i].N += n
			return
		}
	}
	if len(r.status) >= maxStatusesCounted {
		st = 0
		for i := range r.status {
			if r.status[i].Status == 0 {
				r.status[i].N += n
				return
			}
		}
	}
	r.status = append(r.status, StatusCount{Status: st, N: n})
}

// countEvent counts an error.log event for its peer's group, bounded like
// the groups themselves.
func (c *Correlator) countEvent(ev *logparse.Event) {
	root := c.groups.rootOf(ev.Peer)
	cats := c.eventCounts[root]
	if cats == nil {
		if len(c.eventCounts) >= maxGroups {
			root = "(other)"
			cats = c.eventCounts[root]
		}
		if cats == nil {
			cats = new([logparse.NumCategories]int)
			c.eventCounts[root] = cats
		}
	}
	cats[ev.Category]++
}

// groupCounts sums the counters by group label: roots that inference later
// merged carry the same label and count as one group.
func (c *Correlator) groupCounts() []GroupCounts {
	byLabel := map[string]*GroupCounts{}
	get := func(l string) *GroupCounts {
		gc := byLabel[l]
		if gc == nil {
			gc = &GroupCounts{Group: l}
			byLabel[l] = gc
		}
		return gc
	}
	for root, g := range c.byGroup {
		gc := get(c.groups.label(root))
		for _, s := range g.counts.status {
			gc.addStatus(s)
		}
		for i, n := range g.counts.attempts {
			gc.Attempts[i] += n
		}
	}
	for root, cats := range c.eventCounts {
		l := ""
		if root != "" {
			l = c.groups.label(root)
		}
		gc := get(l)
		for i, n := range cats {
			gc.Categories[i] += n
		}
	}
	out := make([]GroupCounts, 0, len(byLabel))
	for _, gc := range byLabel {
		sort.Slice(gc.Status, func(i, j int) bool { return gc.Status[i].Status < gc.Status[j].Status })
		out = append(out, *gc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out
}

func (gc *GroupCounts) addStatus(s StatusCount) {
	for i := range gc.Status {
		if gc.Status[i].Status == s.Status {
			gc.Status[i].N += s.N
			return
		}
	}
	gc.Status = append(gc.Status, s)
}

// ClosedCount is how many bursts of one group, top cause and kind have
// closed since the run began, kept or not (Options.KeepClosed).
type ClosedCount struct {
	Group, Cause string
	Kind         Kind
	N            int
}

type closedKey struct {
	root, cause string
	kind        Kind
}

// keepClosed counts the bursts just closed and, when Options.KeepClosed
// bounds them, lets the oldest go.
func (c *Correlator) keepClosed(closed []Burst) {
	for i := range closed {
		cause := "unknown"
		if tc := closed[i].TopCause(); tc != nil {
			cause = tc.ID
		}
		c.closedCounts[closedKey{closed[i].Group, cause, closed[i].Kind}]++
	}
	drop := len(c.closed) - c.opts.KeepClosed
	if c.opts.KeepClosed <= 0 || drop <= 0 {
		return
	}
	for i := max(c.linesTrimmed, 0); i < drop; i++ {
		c.closedLineBytes -= c.closed[i].lineBytes
	}
	c.linesTrimmed = max(0, c.linesTrimmed-drop)
	c.closedDropped += drop
	c.closed = append(c.closed[:0:0], c.closed[drop:]...)
}

func (c *Correlator) closedCountList() []ClosedCount {
	out := make([]ClosedCount, 0, len(c.closedCounts))
	for k, n := range c.closedCounts {
		out = append(out, ClosedCount{Group: k.root, Cause: k.cause, Kind: k.kind, N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Cause != b.Cause {
			return a.Cause < b.Cause
		}
		return a.Kind < b.Kind
	})
	return out
}
