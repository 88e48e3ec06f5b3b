package correlate

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/nginxconf"
)

// TestOpenBurstIsFollowedBySerial: an open candidate keeps its serial in
// every snapshot and closes as a burst with the same one; it turns
// significant once its 502s pass the burst test, not before; the next
// candidate of the group gets another serial.
func TestOpenBurstIsFollowedBySerial(t *testing.T) {
	c := New(Options{Gap: 5 * time.Second, Min502: 3})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	add := func(sec, status int) {
		rec := logparse.Record{Time: base.Add(time.Duration(sec) * time.Second), Status: status, RequestTime: -1,
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&rec, Pos{Source: "t", Line: int64(sec)})
	}
	open := func() []Burst {
		var out []Burst
		for _, b := range c.Snapshot().Bursts {
			if b.Open {
				out = append(out, b)
			}
		}
		return out
	}
	for s := range 60 {
		add(s, 200)
	}
	add(60, 502)
	add(60, 200)
	if o := open(); len(o) != 0 {
		t.Fatalf("one 502 shows as an open burst: %+v", o)
	}
	var serial uint64
	significantAt := -1
	for s := 61; s < 70; s++ {
		add(s, 502)
		o := open()
		if s < 62 {
			if len(o) != 0 {
				t.Fatalf("second %d: open below --min-502", s)
			}
			continue
		}
		if len(o) != 1 {
			t.Fatalf("second %d: %d open bursts", s, len(o))
		}
		if serial == 0 {
			serial = o[0].Serial
		} else if o[0].Serial != serial {
			t.Fatalf("second %d: serial %d, was %d", s, o[0].Serial, serial)
		}
		if o[0].Significant && significantAt < 0 {
			significantAt = s
		}
	}
	if significantAt < 0 {
		t.Errorf("significant from second %d; want after a few 502s", significantAt)
	}
	for s := 70; s < 80; s++ {
		add(s, 200)
	}
	closed := c.Advance(time.Time{})
	if len(closed) != 1 || closed[0].Serial != serial || !closed[0].Significant {
		t.Fatalf("closed %+v, want the serial %d", closed, serial)
	}
	for s := 80; s < 90; s++ {
		add(s, 502)
	}
	if o := open(); len(o) != 1 || o[0].Serial == serial {
		t.Errorf("the next candidate: %+v", o)
	}
}

// TestGroupCounts: requests by group, final status and attempts, and
// error.log events by their peer's group, add up to what was fed.
func TestGroupCounts(t *testing.T) {
	c := New(Options{Upstreams: []nginxconf.Upstream{{Name: "api", Servers: []nginxconf.UpstreamServer{{Addr: "10.0.0.1:80"}, {Addr: "10.0.0.2:80"}}}}})
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	attempt := func(addr string, st int) logparse.Attempt {
		return logparse.Attempt{Addr: []byte(addr), Status: st, Connect: -1, Header: -1, Response: -1}
	}
	recs := []logparse.Record{
		{Status: 200, Attempts: []logparse.Attempt{attempt("10.0.0.1:80", 200)}},
		{Status: 200, Attempts: []logparse.Attempt{attempt("10.0.0.1:80", 502), attempt("10.0.0.2:80", 200)}},
		{Status: 502, Attempts: []logparse.Attempt{attempt("10.0.0.2:80", 502)}},
		{Status: 404},
	}
	for i := range recs {
		recs[i].Time, recs[i].RequestTime = at, -1
		c.AddRecord(&recs[i], Pos{})
	}
	c.AddEvent(&logparse.Event{Time: at, Category: logparse.CatConnectRefused, Peer: "10.0.0.2:80", Level: logparse.LevelError}, Pos{})
	c.AddEvent(&logparse.Event{Time: at, Category: logparse.CatOther, Level: logparse.LevelError}, Pos{})
	got := map[string]GroupCounts{}
	for _, gc := range c.Snapshot().Counts {
		got[gc.Group] = gc
	}
	api := got["api"]
	if len(api.Status) != 2 || api.Status[0] != (StatusCount{200, 2}) || api.Status[1] != (StatusCount{502, 1}) {
		t.Errorf("api statuses %+v", api.Status)
	}
	if api.Attempts != [MaxAttemptsCounted + 1]int{0, 2, 1, 0, 0} {
		t.Errorf("api attempts %v", api.Attempts)
	}
	if api.Categories[logparse.CatConnectRefused] != 1 {
		t.Errorf("api refusals %d", api.Categories[logparse.CatConnectRefused])
	}
	if none := got["(no upstream tried)"]; none.Attempts[0] != 1 || none.Status[0] != (StatusCount{404, 1}) {
		t.Errorf("no upstream tried: %+v", none)
	}
	if peerless := got[""]; peerless.Categories[logparse.CatOther] != 1 {
		t.Errorf("events naming no peer: %+v", peerless)
	}
}

// TestStatusesPastTheBoundCountAsOther: arbitrary codes cannot grow a
// group's counters past maxStatusesCounted.
func TestStatusesPastTheBoundCountAsOther(t *testing.T) {
	var r requestCounts
	for st := 100; st < 200; st++ {
		r.add(&logparse.Record{Status: st})
	}
	total := 0
	for _, s := range r.status {
		total += s.N
	}
	if len(r.status) != maxStatusesCounted+1 || total != 100 {
		t.Errorf("%d statuses counting %d", len(r.status), total)
	}
}

// TestKeepClosedBoundsTheBursts: with KeepClosed, a snapshot holds the
// newest closed bursts only, says how many went, and still counts all.
func TestKeepClosedBoundsTheBursts(t *testing.T) {
	c := New(Options{Gap: 2 * time.Second, Min502: 3, KeepClosed: 2})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	add := func(sec, status int) {
		rec := logparse.Record{Time: base.Add(time.Duration(sec) * time.Second), Status: status, RequestTime: -1,
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&rec, Pos{Source: "t", Line: int64(sec)})
	}
	sec := 0
	for range 5 {
		for range 30 {
			add(sec, 200)
			sec++
		}
		for range 5 {
			add(sec, 502)
			sec++
		}
	}
	for range 30 {
		add(sec, 200)
		sec++
	}
	c.Advance(time.Time{})
	s := c.Snapshot()
	if len(s.Bursts) != 2 || s.ClosedDropped != 3 || s.Bursts[0].ID != 4 || s.Bursts[1].ID != 5 {
		t.Fatalf("kept %d (first #%d), dropped %d", len(s.Bursts), s.Bursts[0].ID, s.ClosedDropped)
	}
	if len(s.Closed) != 1 || s.Closed[0].N != 5 || s.Closed[0].Kind != Kind502 {
		t.Errorf("counts %+v", s.Closed)
	}
	want := 0
	for _, b := range s.Bursts {
		want += linesBytes(b.Lines)
	}
	if c.closedLineBytes != want {
		t.Errorf("line bytes %d, the kept bursts hold %d", c.closedLineBytes, want)
	}
}

// TestMarkHostsWithinTheSkew: bursts of one group on two hosts count as at
// the same time when they lie within the clock skew of each other, and a
// third host's burst a minute later does not.
func TestMarkHostsWithinTheSkew(t *testing.T) {
	at := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	b := func(node string, from, to int) Burst {
		return Burst{Kind: Kind502, Group: "api", Node: node, Start: at.Add(time.Duration(from) * time.Second), End: at.Add(time.Duration(to) * time.Second)}
	}
	bs := []Burst{b("web-1", 0, 3), b("web-2", 7, 9), b("web-3", 60, 62)}
	markHosts(bs, map[string]int{"api": 3}, 3, 5*time.Second)
	if strings.Join(bs[0].AtOnce, ",") != "web-1,web-2" || strings.Join(bs[2].AtOnce, ",") != "web-3" || bs[1].Hosts != 3 {
		t.Errorf("%v %v %v", bs[0].AtOnce, bs[1].AtOnce, bs[2].AtOnce)
	}

}

// TestMarkHostsAsEveryPair: hosts marked from start order are those that
// comparing every pair of bursts finds, over random bursts of two groups,
// two kinds, four hosts (and none), some of them long.
func TestMarkHostsAsEveryPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	at := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	var bs []Burst
	for range 400 {
		start := at.Add(time.Duration(rng.IntN(3600)) * time.Second)
		length := time.Duration(rng.IntN(20)) * time.Second
		if rng.IntN(50) == 0 {
			length = time.Duration(rng.IntN(900)) * time.Second
		}
		bs = append(bs, Burst{Kind: []Kind{Kind502, Kind504}[rng.IntN(2)], Group: []string{"api", "web"}[rng.IntN(2)],
			Node: []string{"", "h1", "h2", "h3", "h4"}[rng.IntN(5)], Start: start, End: start.Add(length)})
	}
	slack := 5 * time.Second
	want := append([]Burst(nil), bs...)
	for i := range want {
		b := &want[i]
		if b.Node == "" {
			continue
		}
		for _, o := range want {
			if o.Node != "" && o.Group == b.Group && o.Kind == b.Kind && !o.Start.After(b.End.Add(slack)) &&
				!b.Start.After(o.End.Add(slack)) && !slices.Contains(b.AtOnce, o.Node) {
				b.AtOnce = append(b.AtOnce, o.Node)
			}
		}
		sort.Strings(b.AtOnce)
	}
	markHosts(bs, map[string]int{"api": 4, "web": 4}, 4, slack)
	several := 0
	for i := range bs {
		if !slices.Equal(bs[i].AtOnce, want[i].AtOnce) {
			t.Errorf("burst %d (%s %s %v–%v): %v, every pair gives %v", i, bs[i].Node, bs[i].Group, bs[i].Start, bs[i].End, bs[i].AtOnce, want[i].AtOnce)
		}
		if len(want[i].AtOnce) > 1 {
			several++
		}
	}
	if several < 50 {
		t.Errorf("only %d bursts at once with another host's: the test shows too little", several)
	}
}
