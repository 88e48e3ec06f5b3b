package correlate

// Plain records: the requests that cannot be part of a burst or of its
// explanation, counted where they are parsed and handed over as sums.

import (
	"bytes"
	"slices"
	"time"

	"github.com/badgw/badgw/logparse"
)

// Plain reports whether rec is a plain request: answered below 500 (so
// neither a bad response of any kind nor nginx's own 500), by at most one
// peer that answered below 500, with a time, and not nginx's "no status
// line" 009. Most of any log is plain; AddRecord does for it only what a
// PlainRun sums.
func Plain(rec *logparse.Record) bool {
	if rec.Status >= 500 || rec.Status == 9 || rec.Status < 0 || rec.Time.IsZero() || len(rec.Attempts) > 1 {
		return false
	}
	return len(rec.Attempts) == 0 || rec.Attempts[0].Status < 500
}

// maxRunStatuses bounds the distinct final statuses of one PlainCount; a
// record with another one starts a new run.
const maxRunStatuses = 4

// PlainCount is what the plain records of a run with the same group, peer
// and host add up to.
type PlainCount struct {
	// Rec is the first of them: its group, peer, host and time stand for
	// all; it must stay valid while the run is.
	Rec     *logparse.Record
	N       int
	Classes Bucket // by final status
	Peer    Bucket // by the peer's status, where it gave one
	// First and Last are the earliest and the latest of their times.
	First, Last time.Time
	// Left says that AddPlain left these records to be added one by one:
	// a burst candidate of their group is open on their host.
	Left     bool
	statuses [maxRunStatuses]StatusCount
	nStatus  int
}

// PlainRun sums consecutive plain records of one second, in the order
// their groups, peers and hosts first came.
type PlainRun struct {
	Counts []PlainCount
	sec    int64
	n      int
	// zones says the records' times are not all in one zone: records of
	// the same instant would then read differently, and which comes first
	// matters.
	zones bool
	// Classes counts the run's records by final status; statuses are its
	// distinct final statuses; slots find a record's count by a hash of
	// its peer and group (index plus one).
	Classes  Bucket
	statuses []int
	slots    [plainSlots]uint8
}

// plainSlots is the size of a run's table of counts; a run holds at most
// half as many counts.
const plainSlots = 64

// Reset empties r, keeping its memory.
func (r *PlainRun) Reset() {
	r.Counts, r.statuses, r.n, r.Classes, r.zones = r.Counts[:0], r.statuses[:0], 0, Bucket{}, false
	r.slots = [plainSlots]uint8{}
}

// Add sums a plain record into r and reports whether it could: it cannot
// take a record of another second, a fifth status of one count, nor more
// counts or distinct statuses than a run holds.
func (r *PlainRun) Add(rec *logparse.Record) bool {
	sec := rec.Time.Unix()
	if r.n > 0 && sec != r.sec {
		return false
	}
	var pc *PlainCount
	h := plainHash(rec) % plainSlots
	for ; r.slots[h] != 0; h = (h + 1) % plainSlots {
		if c := &r.Counts[r.slots[h]-1]; samePlainKey(c.Rec, rec) {
			pc = c
			break
		}
	}
	k := -1
	if pc != nil {
		for i := range pc.nStatus {
			if pc.statuses[i].Status == rec.Status {
				k = i
				break
			}
		}
	}
	if k < 0 {
		// A status new to the count, perhaps to the run.
		if pc == nil && len(r.Counts) == plainSlots/2 || pc != nil && pc.nStatus == maxRunStatuses ||
			!slices.Contains(r.statuses, rec.Status) && len(r.statuses) == maxStatusesCounted/2 {
			return false
		}
		if !slices.Contains(r.statuses, rec.Status) {
			r.statuses = append(r.statuses, rec.Status)
		}
		if pc == nil {
			r.Counts = append(r.Counts, PlainCount{Rec: rec})
			pc = &r.Counts[len(r.Counts)-1]
			r.slots[h] = uint8(len(r.Counts))
		}
		k = pc.nStatus
		pc.statuses[k] = StatusCount{Status: rec.Status}
		pc.nStatus++
	}
	pc.statuses[k].N++
	pc.N++
	cl := ClassOf(rec.Status)
	pc.Classes[cl]++
	r.Classes[cl]++
	if len(rec.Attempts) == 1 && rec.Attempts[0].Status != 0 {
		pc.Peer[ClassOf(rec.Attempts[0].Status)]++
	}
	t := rec.Time
	switch {
	case pc.N == 1:
		pc.First, pc.Last = t, t
	case t.Before(pc.First):
		pc.First = t
	case t.After(pc.Last):
		pc.Last = t
	}
	if r.n == 0 {
		r.sec = sec
	} else if t.Location() != r.Counts[0].First.Location() {
		r.zones = true
	}
	r.n++
	return true
}

// plainHash is a hash of rec's peer (logparse.AddrHash) mixed with the
// length and last byte of its group's name and the length of its host;
// samePlainKey settles.
func plainHash(rec *logparse.Record) uint32 {
	var h uint32
	if len(rec.Attempts) > 0 {
		h = logparse.AddrHash(rec.Attempts[0].Addr)
	}
	k := uint32(len(rec.UpstreamName))<<8 | uint32(len(rec.Node))&0xff
	if n := len(rec.UpstreamName); n > 0 {
		k |= uint32(rec.UpstreamName[n-1]) << 24
	}
	return h ^ k*0x9e3779b1
}

// samePlainKey reports whether a and b go to the same group and peer from
// the same host.
func samePlainKey(a, b *logparse.Record) bool {
	if len(a.Attempts) != len(b.Attempts) || a.Node != b.Node || !bytes.Equal(a.UpstreamName, b.UpstreamName) {
		return false
	}
	return len(a.Attempts) == 0 || bytes.Equal(a.Attempts[0].Addr, b.Attempts[0].Addr)
}

// AddPlain accounts the records of r as AddRecord would each of them,
// and reports whether it did. It does not, changing nothing, while a
// group or peer of the run is not known yet (a new one may merge groups,
// which depends on the order of the records), where a group's count of
// distinct statuses could reach its bound, or where the records' times
// are in several zones. Where a burst candidate of a count's group is
// open on its host (every request to the group counts in it), the count
// is Left, for its records to be added one by one after the call.
func (c *Correlator) AddPlain(r *PlainRun) bool {
	if r.n == 0 || r.zones {
		return false
	}
	roots, cached := c.plainRoots[:0], c.plainCached[:0]
	for i := range r.Counts {
		rec := r.Counts[i].Rec
		if len(rec.UpstreamName) == 0 && len(rec.Attempts) == 1 {
			// A cached peer is known: any change to the groups clears
			// the cache.
			if e, ok := c.peerCache[string(rec.Attempts[0].Addr)]; ok {
				roots, cached = append(roots, e.root), append(cached, e)
				continue
			}
		}
		root, ok := c.groups.known(rec)
		if !ok {
			return false
		}
		roots, cached = append(roots, root), append(cached, peerEntry{})
	}
	c.plainRoots, c.plainCached = roots, cached
	if c.mayOverflowStatuses(roots, cached, r) {
		return false
	}
	if len(c.open) > 0 && !c.closeQuietBefore(r, roots) {
		return false
	}
	classes := r.Classes
	var first, last time.Time
	for i := range r.Counts {
		pc := &r.Counts[i]
		pc.Left = len(c.open) > 0 && c.candidateOpen(roots[i], pc.Rec.Node)
		if pc.Left {
			for cl, n := range pc.Classes {
				classes[cl] -= n
			}
			continue
		}
		c.totals.Requests += pc.N
		if first.IsZero() || pc.First.Before(first) {
			first = pc.First
		}
		if pc.Last.After(last) {
			last = pc.Last
		}
	}
	if first.IsZero() {
		return true // every count left
	}
	c.totals.seen(first)
	c.totals.seen(last)
	if last.After(c.newest) {
		c.newest = last
	}
	if last.After(c.newestRecord) {
		c.newestRecord = last
	}
	sec := r.sec
	for cl, n := range classes {
		if n > 0 {
			c.overall.AddN(first, Class(cl), n)
		}
	}
	for i := range r.Counts {
		pc := &r.Counts[i]
		if pc.Left {
			continue
		}
		rec := pc.Rec
		t := rec.Time
		for _, s := range pc.statuses[:pc.nStatus] {
			if s.Status < len(c.totals.Status) {
				c.totals.Status[s.Status] += s.N
			}
		}
		root, g, peer := cached[i].root, cached[i].g, cached[i].peer
		if g == nil {
			root, g, peer = c.resolve(rec)
		}
		g.counts.addPlain(pc)
		if rec.Node != "" {
			c.seeNode(root, rec.Node)
		}
		for cl, n := range pc.Classes {
			if n > 0 {
				g.series.AddN(t, Class(cl), n)
			}
		}
		if peer == nil && len(rec.Attempts) == 1 {
			peer = c.peerSeries(rec.Attempts[0].Addr)
		}
		if peer != nil {
			for cl, n := range pc.Peer {
				if n > 0 {
					peer.AddN(t, Class(cl), n)
				}
			}
		}
		if sec != g.lastSec {
			g.roll(sec)
		}
		g.hourOf(sec).requests += pc.N
		if sec == g.lastSec {
			g.secReq += pc.N
		}
		recent := c.recentOf(g, root, rec.Node)
		if rs := &recent[sec&15]; rs.sec != sec {
			*rs = recentSecond{sec: sec}
		}
	}
	return true
}

// candidateOpen reports whether a burst candidate of the group is open on
// the host.
func (c *Correlator) candidateOpen(root, node string) bool {
	for k := range c.open {
		if k.root == root && k.node == node {
			return true
		}
	}
	return false
}

// Left reports whether rec, one of r's records, was left by AddPlain to
// be added one by one.
func (r *PlainRun) Left(rec *logparse.Record) bool {
	for h := plainHash(rec) % plainSlots; r.slots[h] != 0; h = (h + 1) % plainSlots {
		if c := &r.Counts[r.slots[h]-1]; samePlainKey(c.Rec, rec) {
			return c.Left
		}
	}
	return false
}

// AnyLeft reports whether AddPlain left any of r's records.
func (r *PlainRun) AnyLeft() bool {
	for i := range r.Counts {
		if r.Counts[i].Left {
			return true
		}
	}
	return false
}

// mayOverflowStatuses reports whether r's statuses could fill a group's
// list of maxStatusesCounted distinct ones: which status is then the
// first counted as "other" depends on the order of the records. Once the
// list is full, each status goes where it goes whatever the order.
func (c *Correlator) mayOverflowStatuses(roots []string, cached []peerEntry, r *PlainRun) bool {
	for i, root := range roots {
		g := cached[i].g
		if g == nil {
			g = c.existingGroup(root)
		}
		if g != nil {
			if n := len(g.counts.status); n < maxStatusesCounted && n+len(r.statuses) >= maxStatusesCounted {
				return true
			}
		}
	}
	return false
}

// closeQuietBefore closes the candidates that AddRecord would close at the
// run's first record (closeQuiet), and reports whether that is all it
// would close within the run. It is not where the watermark passes a
// candidate's gap between the run's earliest and latest times, nor where a
// candidate past its gap still waits for a request of its group answered
// below 499 and the run holds one: which record comes first then decides.
func (c *Correlator) closeQuietBefore(r *PlainRun, roots []string) bool {
	first, last := r.Counts[0].First, r.Counts[0].Last
	for i := range r.Counts {
		if r.Counts[i].First.Before(first) {
			first = r.Counts[i].First
		}
		if r.Counts[i].Last.After(last) {
			last = r.Counts[i].Last
		}
	}
	early, late := c.watermarkAt(first), c.watermarkAt(last)
	var ending []trackerKey
	for k, tr := range c.open {
		closes := tr.quietPassed(early, c.opts.Gap)
		if closes != tr.quietPassed(late, c.opts.Gap) {
			return false
		}
		if !closes && late.Sub(tr.last) > c.opts.Gap && r.succeeds(roots, k.root, k.node) {
			return false
		}
		if closes {
			ending = append(ending, k)
		}
	}
	if len(ending) > 0 {
		trs := make([]*tracker, len(ending))
		for i, k := range ending {
			trs[i] = c.open[k]
			delete(c.open, k)
		}
		c.pending = append(c.pending, c.finishAll(trs)...)
	}
	return true
}

// succeeds reports whether the run holds a request of the group root on
// node answered below 499; roots are its counts' groups.
func (r *PlainRun) succeeds(roots []string, root, node string) bool {
	for i := range r.Counts {
		pc := &r.Counts[i]
		if roots[i] != root || pc.Rec.Node != node {
			continue
		}
		for _, s := range pc.statuses[:pc.nStatus] {
			if s.Status > 0 && s.Status < 499 {
				return true
			}
		}
	}
	return false
}
