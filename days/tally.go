package days

// Tallies: a batch's records counted by day where they are parsed, and
// added to a Counter at once.

import (
	"bytes"
	"time"

	"github.com/badgw/badgw/logparse"
)

// A Tally is what a run of records adds to their days, counted where they
// are parsed and added to a Counter at once (Counter.AddTally): what
// AddRecord of each would add, with their days, peers and values listed
// in the order they first came, so the bounds on days and keys fall where
// they would. Keys point into the records' lines, which must stay valid
// until the tally is added.
type Tally struct {
	days []tallyDay
	cur  int
	// Over says the run had more distinct peers or values on a day than a
	// tally lists: its records must be counted one by one.
	Over bool
}

// tallyKeys bounds the distinct peers and values of each kind a tally
// lists for one day.
const tallyKeys = 32

type tallyDay struct {
	at     time.Time // the first record's time, which finds the day
	lo, hi int64
	Day
	methods, hosts, schemes []tallyKey
	peers                   []tallyPeer
	// slots find a peer's entry by a hash of its address (index plus one).
	slots [2 * tallyKeys]uint8
}

type tallyKey struct {
	key []byte
	n   int
}

type tallyPeer struct {
	addr []byte
	PeerDay
}

// Reset empties t, keeping its memory.
func (t *Tally) Reset() {
	t.days, t.cur, t.Over = t.days[:0], -1, false
}

// day is the tally's day of a record at at: the last one when at falls
// in it, else a new one (a run that leaves a day and comes back lists it
// twice, as AddRecord would come back to it).
func (t *Tally) day(at time.Time) *tallyDay {
	if at.IsZero() {
		return nil
	}
	u := at.Unix()
	if t.cur >= 0 {
		if d := &t.days[t.cur]; u >= d.lo && u < d.hi && at.Location() == d.at.Location() {
			return d
		}
	}
	y, m, dd := at.Date()
	midnight := time.Date(y, m, dd, 0, 0, 0, 0, at.Location())
	if len(t.days) < cap(t.days) {
		t.days = t.days[:len(t.days)+1]
	} else {
		t.days = append(t.days, tallyDay{})
	}
	t.cur = len(t.days) - 1
	d := &t.days[t.cur]
	d.at, d.lo, d.hi, d.Day = at, midnight.Unix(), midnight.AddDate(0, 0, 1).Unix(), Day{}
	d.methods, d.hosts, d.schemes, d.peers = d.methods[:0], d.hosts[:0], d.schemes[:0], d.peers[:0]
	d.slots = [2 * tallyKeys]uint8{}
	return d
}

// AddRecord counts rec as Counter.AddRecord would.
func (t *Tally) AddRecord(rec *logparse.Record) {
	d := t.day(rec.Time)
	if d == nil {
		return
	}
	d.addRecordSums(rec, d.lo, func(addr []byte) *PeerDay { return t.peer(d, addr) })
	t.bump(&d.methods, rec.Method)
	t.bump(&d.hosts, rec.Host)
	t.bump(&d.schemes, rec.Scheme)
}

// bump counts a value of one kind; the last one listed is looked at
// first, since consecutive lines mostly repeat it.
func (t *Tally) bump(keys *[]tallyKey, k []byte) {
	if len(k) == 0 {
		return
	}
	ks := *keys
	for i := len(ks) - 1; i >= 0; i-- {
		if bytes.Equal(ks[i].key, k) {
			ks[i].n++
			return
		}
	}
	if len(ks) == tallyKeys {
		t.Over = true
		return
	}
	*keys = append(ks, tallyKey{key: k, n: 1})
}

// peer is the day's entry of the peer at addr.
func (t *Tally) peer(d *tallyDay, addr []byte) *PeerDay {
	h := logparse.AddrHash(addr) % uint32(len(d.slots))
	for ; d.slots[h] != 0; h = (h + 1) % uint32(len(d.slots)) {
		if p := &d.peers[d.slots[h]-1]; bytes.Equal(p.addr, addr) {
			return &p.PeerDay
		}
	}
	if len(d.peers) == tallyKeys {
		t.Over = true
		return nil
	}
	d.peers = append(d.peers, tallyPeer{addr: addr})
	d.slots[h] = uint8(len(d.peers))
	return &d.peers[len(d.peers)-1].PeerDay
}

// AddTally adds what t counted, as AddRecord of each of its records would
// have. A tally that is Over must not be added.
func (c *Counter) AddTally(t *Tally) {
	for i := range t.days {
		td := &t.days[i]
		d := c.day(td.at)
		if d == nil {
			// Past maxDays: AddRecord counts each record dropped.
			c.Dropped += td.Requests - 1
			continue
		}
		d.Requests += td.Requests
		d.S502 += td.S502
		d.S504 += td.S504
		for h, n := range td.Hourly {
			d.Hourly[h] += n
		}
		d.ConnTimed += td.ConnTimed
		d.ConnNew += td.ConnNew
		d.ConnectSum += td.ConnectSum
		d.HeaderSum += td.HeaderSum
		d.HeaderN += td.HeaderN
		for _, k := range td.methods {
			d.methods.bumpN(k.key, k.n)
		}
		for _, k := range td.hosts {
			d.hosts.bumpN(k.key, k.n)
		}
		for _, k := range td.schemes {
			d.schemes.bumpN(k.key, k.n)
		}
		for j := range td.peers {
			tp := &td.peers[j]
			p := d.peers[string(tp.addr)]
			if p == nil {
				if len(d.peers) >= maxKeys {
					continue
				}
				p = &PeerDay{}
				d.peers[string(tp.addr)] = p
			}
			p.Requests += tp.Requests
			p.S502 += tp.S502
			p.S504 += tp.S504
			p.ConnTimed += tp.ConnTimed
			p.ConnNew += tp.ConnNew
		}
	}
}
