package correlate

import (
	"fmt"
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
)

// BenchmarkAddRecord is the correlator's cost per access record, on a
// synthetic stream: 200 requests a second over six peers, a second of
// 502s from one peer every 100 seconds (a burst each time), and Advance
// after every 256 records as the pipeline calls it per batch.
func BenchmarkAddRecord(b *testing.B) {
	peers := [][]byte{[]byte("10.0.0.1:80"), []byte("10.0.0.2:80"), []byte("10.0.0.3:80"),
		[]byte("10.0.0.4:80"), []byte("10.0.0.5:80"), []byte("10.0.0.6:80")}
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	const perSecond = 200
	recs := make([]logparse.Record, 100*perSecond)
	for i := range recs {
		sec := i / perSecond
		peer := i % len(peers)
		status := 200
		if sec == 50 && peer == 0 {
			status = 502
		}
		recs[i] = logparse.Record{Time: base.Add(time.Duration(sec)*time.Second + time.Duration(i%perSecond)*time.Millisecond),
			Status: status, RequestTime: 12 * time.Millisecond, Method: []byte("GET"), URI: []byte("/api/v1/items"),
			Client: []byte("192.0.2.7"), Attempts: []logparse.Attempt{{Addr: peers[peer], Status: status,
				Connect: -1, Header: -1, Response: 11 * time.Millisecond}}}
	}
	at := make([]time.Time, len(recs))
	for i := range recs {
		at[i] = recs[i].Time
	}
	c := New(Options{})
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		i, pass := n%len(recs), n/len(recs)
		rec := &recs[i]
		rec.Time = at[i].Add(time.Duration(pass) * 100 * time.Second) // each pass is the next 100 seconds
		c.AddRecord(rec, Pos{Source: "access.log", Line: int64(n)})
		if n++; n%256 == 0 {
			c.Advance(time.Time{})
		}
	}
}

// BenchmarkJoinDense is the correlator's cost per record when error lines
// are dense, as during an incident: 1,000 requests a second, one in ten
// a 502 after 30 s ("upstream prematurely closed connection while reading
// response header") with its error line, so every join looks back over
// 30 s of 100 error lines a second. Synthetic. Its ns/op must stay near
// BenchmarkAddRecord's whatever the density (issue 23: a linear scan made
// it fifty times slower).
func BenchmarkJoinDense(b *testing.B) {
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	const perSecond, seconds = 1000, 120
	type item struct {
		rec logparse.Record
		ev  *logparse.Event
	}
	items := make([]item, perSecond*seconds)
	peer := []byte("10.0.0.1:80")
	for i := range items {
		t := base.Add(time.Duration(i) * time.Second / perSecond)
		status := 200
		rt := 12 * time.Millisecond
		if i%10 == 0 {
			status, rt = 502, 30*time.Second
		}
		conn := uint64(i + 1)
		items[i].rec = logparse.Record{Time: t, Status: status, RequestTime: rt, Method: []byte("GET"), URI: []byte("/api/v1/items"),
			Request: []byte("GET /api/v1/items HTTP/1.1"), Client: []byte("192.0.2.7"), Conn: conn,
			Attempts: []logparse.Attempt{{Addr: peer, Status: status, Connect: -1, Header: -1, Response: rt}}}
		if status == 502 {
			items[i].ev = &logparse.Event{Time: t, Level: logparse.LevelError, Conn: conn, Category: logparse.CatPrematureClose,
				Client: "192.0.2.7", Request: "GET /api/v1/items HTTP/1.1", Peer: "10.0.0.1:80", Upstream: "http://10.0.0.1:80/api/v1/items",
				Line: "2026/11/20 00:00:00 [error] 7#7: *1 upstream prematurely closed connection while reading response header from upstream"}
		}
	}
	c := New(Options{})
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		i, pass := n%len(items), n/len(items)
		it := &items[i]
		shift := time.Duration(pass) * seconds * time.Second
		rec := it.rec
		rec.Time = rec.Time.Add(shift)
		if it.ev != nil {
			ev := *it.ev
			ev.Time = rec.Time
			c.AddEvent(&ev, Pos{Source: "error.log", Line: int64(n)})
		}
		c.AddRecord(&rec, Pos{Source: "access.log", Line: int64(n)})
		if n++; n%256 == 0 {
			c.Advance(time.Time{})
		}
	}
}

// BenchmarkMarkHosts: a snapshot's hosts for 5,000 bursts of one group on
// three hosts, a burst every ten seconds (a run of months).
func BenchmarkMarkHosts(b *testing.B) {
	at := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	bs := make([]Burst, 5000)
	for i := range bs {
		start := at.Add(time.Duration(i) * 10 * time.Second)
		bs[i] = Burst{Kind: Kind502, Group: "api", Node: []string{"h1", "h2", "h3"}[i%3], Start: start, End: start.Add(3 * time.Second)}
	}
	hosts := map[string]int{"api": 3}
	for b.Loop() {
		for i := range bs {
			bs[i].AtOnce = nil
		}
		markHosts(bs, hosts, 3, 5*time.Second)
	}
}

// BenchmarkManyHostsOpen is the correlator's cost per record while
// candidates are open on fifty hosts at once (a shared backend failing for
// the whole fleet): 1,000 requests a second over two peers, a 502 from one
// of them on every seventh request of every third second. Synthetic. Every
// record passes the open candidates (closeQuiet, addRequest): its ns/op
// must not grow with them more than their requests need.
func BenchmarkManyHostsOpen(b *testing.B) {
	const nodes = 50
	peers := [][]byte{[]byte("10.0.0.1:80"), []byte("10.0.0.2:80")}
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	const perSecond = 1000
	recs := make([]logparse.Record, 100*perSecond)
	names := make([]string, nodes)
	for i := range names {
		names[i] = fmt.Sprintf("web-%d", i)
	}
	for i := range recs {
		sec := i / perSecond
		peer := i % len(peers)
		status := 200
		if sec%3 == 0 && peer == 0 && i%7 == 0 {
			status = 502
		}
		recs[i] = logparse.Record{Time: base.Add(time.Duration(sec) * time.Second), Node: names[i%nodes],
			Status: status, Client: []byte(fmt.Sprintf("192.0.2.%d", i%200)), Attempts: []logparse.Attempt{{Addr: peers[peer], Status: status,
				Connect: -1, Header: -1, Response: 11 * time.Millisecond}}}
	}
	at := make([]time.Time, len(recs))
	for i := range recs {
		at[i] = recs[i].Time
	}
	c := New(Options{SummarizeClosed: true})
	n := 0
	for b.Loop() {
		i, pass := n%len(recs), n/len(recs)
		rec := &recs[i]
		rec.Time = at[i].Add(time.Duration(pass) * 100 * time.Second)
		c.AddRecord(rec, Pos{Source: "access.log", Line: int64(n)})
		if n++; n%256 == 0 {
			c.Advance(time.Time{})
		}
	}
}
