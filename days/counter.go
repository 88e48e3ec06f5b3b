// Package days summarises an input that spans several days: what each
// calendar day saw (requests, 502s and their share, bursts, 504s, error
// categories, how connections were made), whether the 502 share is
// growing, when 502s began or changed regime, and what the access log shows
// changed then.
package days

import (
	"sort"
	"time"

	"github.com/badgw/badgw/logparse"
)

// maxDays bounds the days kept (a year and a month); later days are
// counted in Dropped.
const maxDays = 400

// maxKeys bounds each per-day histogram (peers, hosts, methods, schemes).
const maxKeys = 64

// Day is one calendar day of the log's own clock.
type Day struct {
	Date     string // "2017-11-20"
	Requests int
	S502     int
	S504     int
	// Hourly counts the day's 502s per hour, for its sparkline.
	Hourly [24]int
	// ConnTimed counts the attempts with a connect time, ConnNew those
	// that spent a millisecond or more connecting (a new connection);
	// ConnectSum and HeaderSum add up the times, HeaderN the attempts
	// with a header time.
	ConnTimed, ConnNew    int
	ConnectSum, HeaderSum time.Duration
	HeaderN               int
	Peers                 map[string]*PeerDay
	Methods, Hosts        map[string]int
	Schemes               map[string]int
	Categories            [logparse.NumCategories]int
	// AddrUnavailable counts errno 99 lines (no free local port).
	AddrUnavailable int
}

// PeerDay is one peer's day ($upstream_addr's last entry, or the group
// name nginx logs when no peer was live).
type PeerDay struct {
	Requests, S502, S504 int
	// ConnTimed and ConnNew count the attempts to the peer with a connect
	// time, and those that opened a new connection, as Day does.
	ConnTimed, ConnNew int
}

// Counter counts records and error events by day. It is not safe for
// concurrent use.
type Counter struct {
	days    map[string]*counting
	Dropped int
	// cur is the day of the last line, and [lo, hi) its bounds in Unix
	// seconds: consecutive lines nearly always share a day, so the day's
	// key is only worked out when a line leaves it.
	cur    *counting
	lo, hi int64
	loc    *time.Location
}

// counting is a day being counted; its histograms hold pointers, so a
// line costs lookups, not allocations.
type counting struct {
	Day
	peers                   map[string]*PeerDay
	methods, hosts, schemes histogram
}

// histogram counts values; consecutive lines mostly repeat the method,
// host and scheme of the line before, so the last value is kept at hand
// and only another one costs a lookup.
type histogram struct {
	m    map[string]*histEntry
	last *histEntry
}

type histEntry struct {
	key string
	n   int
}

func newHistogram() histogram { return histogram{m: map[string]*histEntry{}} }

func (h *histogram) bump(k []byte) { h.bumpN(k, 1) }

// bumpN counts n of a value.
func (h *histogram) bumpN(k []byte, n int) {
	if len(k) == 0 {
		return
	}
	if h.last != nil && string(k) == h.last.key {
		h.last.n += n
		return
	}
	e := h.m[string(k)]
	if e == nil {
		if len(h.m) >= maxKeys {
			return
		}
		e = &histEntry{key: string(k)}
		h.m[e.key] = e
	}
	e.n += n
	h.last = e
}

// counts returns the histogram as a plain map.
func (h *histogram) counts() map[string]int {
	out := make(map[string]int, len(h.m))
	for k, e := range h.m {
		out[k] = e.n
	}
	return out
}

// NewCounter returns an empty counter.
func NewCounter() *Counter { return &Counter{days: map[string]*counting{}} }

func (c *Counter) day(t time.Time) *counting {
	if t.IsZero() {
		return nil
	}
	if u := t.Unix(); c.cur != nil && u >= c.lo && u < c.hi && t.Location() == c.loc {
		return c.cur
	}
	y, m, dd := t.Date()
	midnight := time.Date(y, m, dd, 0, 0, 0, 0, t.Location())
	key := midnight.Format("2006-01-02")
	d := c.days[key]
	if d == nil {
		if len(c.days) >= maxDays {
			c.Dropped++
			return nil
		}
		d = &counting{Day: Day{Date: key}, peers: map[string]*PeerDay{}, methods: newHistogram(), hosts: newHistogram(), schemes: newHistogram()}
		c.days[key] = d
	}
	c.cur, c.lo, c.hi, c.loc = d, midnight.Unix(), midnight.AddDate(0, 0, 1).Unix(), t.Location()
	return d
}

// AddRecord counts an access record on its day.
func (c *Counter) AddRecord(rec *logparse.Record) {
	d := c.day(rec.Time)
	if d == nil {
		return
	}
	d.addRecordSums(rec, c.lo, d.peer)
	d.methods.bump(rec.Method)
	d.hosts.bump(rec.Host)
	d.schemes.bump(rec.Scheme)
}

// peer is the day's entry of the peer at addr, nil past maxKeys peers.
func (d *counting) peer(addr []byte) *PeerDay {
	p := d.peers[string(addr)]
	if p == nil && len(d.peers) < maxKeys {
		p = &PeerDay{}
		d.peers[string(addr)] = p
	}
	return p
}

// addRecordSums adds rec to the sums of its day, whose midnight is lo
// (Unix seconds): requests, 502s by hour, 504s, connect and header times,
// and each peer's requests and connections, its entry found by peer (nil
// for a peer the day does not keep).
func (d *Day) addRecordSums(rec *logparse.Record, lo int64, peer func(addr []byte) *PeerDay) {
	d.Requests++
	switch rec.Status {
	case 502:
		d.S502++
		d.Hourly[min(23, max(0, (rec.Time.Unix()-lo)/3600))]++
	case 504:
		d.S504++
	}
	last := len(rec.Attempts) - 1
	for i := range rec.Attempts {
		a := &rec.Attempts[i]
		var p *PeerDay
		if len(a.Addr) > 0 && a.Addr[0] != '-' {
			p = peer(a.Addr)
		}
		if a.Connect >= 0 {
			d.ConnTimed++
			d.ConnectSum += a.Connect
			if a.Connect > 0 {
				d.ConnNew++
			}
			if p != nil {
				p.ConnTimed++
				if a.Connect > 0 {
					p.ConnNew++
				}
			}
		}
		if a.Header >= 0 {
			d.HeaderN++
			d.HeaderSum += a.Header
		}
		if i == last && p != nil {
			// The request's final status is the last peer's.
			p.Requests++
			switch rec.Status {
			case 502:
				p.S502++
			case 504:
				p.S504++
			}
		}
	}
}

// AddEvent counts an error.log event on its day.
func (c *Counter) AddEvent(ev *logparse.Event) {
	d := c.day(ev.Time)
	if d == nil {
		return
	}
	d.Categories[ev.Category]++
	if ev.Category == logparse.CatAddrUnavailable {
		d.AddrUnavailable++
	}
}

// Days returns the days counted, oldest first (copies).
func (c *Counter) Days() []Day {
	out := make([]Day, 0, len(c.days))
	for _, d := range c.days {
		cp := d.Day
		cp.Peers = make(map[string]*PeerDay, len(d.peers))
		for k, v := range d.peers {
			pv := *v
			cp.Peers[k] = &pv
		}
		cp.Methods, cp.Hosts, cp.Schemes = d.methods.counts(), d.hosts.counts(), d.schemes.counts()
		out = append(out, cp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// Merge sums the days of several counters (one per input, counted where
// each input's lines are put in order) into the days one counter would
// have counted, oldest first, with the records past maxDays added to
// dropped. The sums are exact: every field is a count or a total.
func Merge(sets [][]Day, dropped int) ([]Day, int) {
	byDate := map[string]*Day{}
	for _, set := range sets {
		for _, d := range set {
			m := byDate[d.Date]
			if m == nil {
				cp := d
				cp.Peers, cp.Methods, cp.Hosts, cp.Schemes = map[string]*PeerDay{}, map[string]int{}, map[string]int{}, map[string]int{}
				cp.Requests, cp.S502, cp.S504, cp.Hourly = 0, 0, 0, [24]int{}
				cp.ConnTimed, cp.ConnNew, cp.ConnectSum, cp.HeaderSum, cp.HeaderN = 0, 0, 0, 0, 0
				cp.Categories, cp.AddrUnavailable = [logparse.NumCategories]int{}, 0
				m = &cp
				byDate[d.Date] = m
			}
			m.add(&d)
		}
	}
	out := make([]Day, 0, len(byDate))
	for _, d := range byDate {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	if len(out) > maxDays {
		for _, d := range out[maxDays:] {
			dropped += d.Requests
			for _, n := range d.Categories {
				dropped += n
			}
		}
		out = out[:maxDays]
	}
	return out, dropped
}

// add sums o into d, its maps within maxKeys.
func (d *Day) add(o *Day) {
	d.Requests += o.Requests
	d.S502 += o.S502
	d.S504 += o.S504
	for i := range d.Hourly {
		d.Hourly[i] += o.Hourly[i]
	}
	d.ConnTimed += o.ConnTimed
	d.ConnNew += o.ConnNew
	d.ConnectSum += o.ConnectSum
	d.HeaderSum += o.HeaderSum
	d.HeaderN += o.HeaderN
	for k, p := range o.Peers {
		m := d.Peers[k]
		if m == nil {
			if len(d.Peers) >= maxKeys {
				continue
			}
			m = &PeerDay{}
			d.Peers[k] = m
		}
		m.Requests += p.Requests
		m.S502 += p.S502
		m.S504 += p.S504
		m.ConnTimed += p.ConnTimed
		m.ConnNew += p.ConnNew
	}
	for _, h := range []struct{ to, from map[string]int }{{d.Methods, o.Methods}, {d.Hosts, o.Hosts}, {d.Schemes, o.Schemes}} {
		for k, n := range h.from {
			if _, ok := h.to[k]; ok || len(h.to) < maxKeys {
				h.to[k] += n
			}
		}
	}
	for i := range d.Categories {
		d.Categories[i] += o.Categories[i]
	}
	d.AddrUnavailable += o.AddrUnavailable
}
