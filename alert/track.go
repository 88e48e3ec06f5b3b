package alert

import (
	"slices"
	"strconv"
	"time"

	"github.com/badgw/badgw/correlate"
)

// Tracker follows the 502 bursts of one live run and says what changed.
// It is used from the analysis goroutine only.
type Tracker struct {
	active map[uint64]*tracked
	// held are the alerts of bursts a reload closed, by group, until the
	// new analysis shows the burst again or Carry passes.
	held  map[string]heldAlert
	Carry time.Duration
	run   string // distinguishes the keys of one process's runs
	runs  int
}

type heldAlert struct {
	a     *tracked
	until time.Time
}

// How is why a burst closed.
type How int

// Ended: the quiet gap passed. Stopped: badgw is stopping. Reloaded: a
// reload restarts the analysis, and the burst may go on in the next one.
const (
	Ended How = iota
	Stopped
	Reloaded
)

type tracked struct {
	key          string
	seq          int
	since        time.Time
	cause, peers string
	size         int
	last         correlate.Burst
}

// NewTracker returns a Tracker with nothing active. run prefixes every
// key, so that two processes (or a restart) never share a key.
func NewTracker(run string) *Tracker {
	return &Tracker{active: map[uint64]*tracked{}, held: map[string]heldAlert{}, Carry: time.Minute, run: run}
}

// maxPeersCompared is how many of a burst's busiest peers make its
// "peers" for change detection: a new peer among the few that carry the
// burst is news, a twentieth peer with one failure is not.
const maxPeersCompared = 3

func peerSet(b correlate.Burst) string {
	var keys []string
	for _, p := range b.Peers[:min(len(b.Peers), maxPeersCompared)] {
		keys = append(keys, p.Key)
	}
	slices.Sort(keys)
	s := ""
	for _, k := range keys {
		s += k + " "
	}
	return s
}

// sizeClass is the order of magnitude of the burst's 502s: an alert
// changes when the burst grows tenfold, not with every request.
func sizeClass(b correlate.Burst) int { return len(strconv.Itoa(b.BadGateway)) }

// Observe takes a snapshot's bursts: an open 502 burst that passes the
// burst test for the first time opens an alert; one already open is
// updated when its top cause, busiest peers or size class changed, and
// refreshed otherwise. An alert whose candidate is neither open nor
// closed any more (the candidate ended without being a burst) resolves.
func (t *Tracker) Observe(bursts []correlate.Burst, now time.Time) []Notice {
	var out []Notice
	for g, h := range t.held {
		if now.After(h.until) {
			delete(t.held, g)
			n := h.a.note(Resolve, h.a.last, now, nil, "")
			n.Reason = endedReason
			out = append(out, n)
		}
	}
	seen := map[uint64]bool{}
	for _, b := range bursts {
		if !b.Open || b.Kind != correlate.Kind502 {
			continue
		}
		seen[b.Serial] = true
		a := t.active[b.Serial]
		if h, ok := t.held[b.Group]; a == nil && ok && b.Significant {
			// The burst a reload closed goes on: same alert.
			delete(t.held, b.Group)
			a = h.a
			t.active[b.Serial] = a
		}
		if a == nil {
			if !b.Significant {
				continue
			}
			t.runs++
			a = &tracked{key: t.run + "-" + strconv.Itoa(t.runs), since: now}
			t.active[b.Serial] = a
			out = append(out, a.note(Open, b, now, nil, ""))
			continue
		}
		var changed []string
		prev := a.cause
		if Cause(b) != a.cause {
			changed = append(changed, "cause")
		}
		if peerSet(b) != a.peers {
			changed = append(changed, "peers")
		}
		if sizeClass(b) != a.size {
			changed = append(changed, "size")
		}
		if len(changed) > 0 {
			out = append(out, a.note(Update, b, now, changed, prev))
		} else {
			out = append(out, a.note(Refresh, b, now, nil, ""))
		}
	}
	for serial, a := range t.active {
		if !seen[serial] {
			delete(t.active, serial)
			n := a.note(Resolve, a.last, now, nil, "")
			// The candidate closed without passing the test over its whole
			// span, or its group turned out to be part of another (peers
			// inferred from the logs) and it joined that group's.
			n.Reason = "no longer a burst of its own: the failures ended without passing the burst test over their whole span, or joined another burst of the group"
			out = append(out, n)
		}
	}
	return out
}

// Closed takes a burst as it closes: its alert resolves, carrying the
// burst's final figures. A 502 burst that closed before any snapshot saw
// it pass the test opens and resolves at once, so every burst is told.
func (t *Tracker) Closed(b correlate.Burst, now time.Time, how How) []Notice {
	if b.Kind != correlate.Kind502 {
		return nil
	}
	var out []Notice
	a := t.active[b.Serial]
	if a == nil {
		t.runs++
		a = &tracked{key: t.run + "-" + strconv.Itoa(t.runs), since: now}
		out = append(out, a.note(Open, b, now, nil, ""))
	}
	delete(t.active, b.Serial)
	if how == Reloaded {
		a.cause, a.peers, a.size, a.last = Cause(b), peerSet(b), sizeClass(b), b
		t.held[b.Group] = heldAlert{a: a, until: now.Add(t.Carry)}
		return out
	}
	n := a.note(Resolve, b, now, nil, "")
	n.Stopped = how == Stopped
	n.Reason = endedReason
	if n.Stopped {
		n.Reason = stoppedReason
	}
	return append(out, n)
}

const (
	endedReason   = "no 502 for the quiet gap after the last one"
	stoppedReason = "badgw stopped; the failures may go on unwatched"
)

func (a *tracked) note(k Kind, b correlate.Burst, now time.Time, changed []string, prevCause string) Notice {
	if k != Refresh {
		a.seq++
	}
	a.cause, a.peers, a.size, a.last = Cause(b), peerSet(b), sizeClass(b), b
	return Notice{Kind: k, Key: a.key, Seq: a.seq, Burst: b, Since: a.since, At: now, Changed: changed, PrevCause: prevCause}
}

// Stop resolves every alert still active: badgw is stopping, and a burst
// it no longer watches must not stay firing.
func (t *Tracker) Stop(now time.Time) []Notice {
	var out []Notice
	stop := func(a *tracked) {
		n := a.note(Resolve, a.last, now, nil, "")
		n.Stopped, n.Reason = true, stoppedReason
		out = append(out, n)
	}
	for serial, a := range t.active {
		delete(t.active, serial)
		stop(a)
	}
	for g, h := range t.held {
		delete(t.held, g)
		stop(h.a)
	}
	return out
}
