package correlate

import (
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
