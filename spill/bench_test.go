package spill

import (
	"fmt"
	"testing"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/diagnose"
)

// burstOf31 is the details of a burst as bench/genlog's day has them
// (synthetic): 31 bad responses, their raw lines, three causes.
func burstOf31() correlate.Details {
	at := time.Date(2026, 11, 20, 0, 4, 11, 0, time.FixedZone("", 3600))
	d := correlate.Details{Impact: correlate.Impact{Clients: 31, Methods: []correlate.Count{{Key: "GET", N: 30}, {Key: "POST", N: 1}},
		URLs: []correlate.Count{{Key: "/api/v1/items", N: 7}, {Key: "/health", N: 6}}}}
	for i := range 3 {
		d.Causes = append(d.Causes, diagnose.Cause{ID: diagnose.CauseAllPeersDown, Confidence: 0.9 - float64(i)/10,
			Summary:  "Every peer of upstream example was marked down (max_fails=1 fail_timeout=10s, the defaults), so nginx answered 31 requests with 502.",
			Evidence: []string{"0× \"no live upstreams\" in error.log", "31 of 31 502s logged the group name \"example\" as $upstream_addr"},
			Steps:    []diagnose.Step{{Change: "If proxy_next_upstream lists http_500, remove them, keeping \"error timeout\"."}}})
	}
	for i := range 31 {
		text := fmt.Sprintf("2026-11-20T00:04:11+01:00\t502\t192.0.2.%d\texample\t502\thttps\tGET /api/v1/items?id=%d HTTP/1.1\t0.000\t0.000\t157", i, 10000+i)
		d.Lines = append(d.Lines, correlate.Line{Time: at, Source: "-", Num: int64(10001 + i), Text: text, Status: 502, Peer: "example", Client: fmt.Sprintf("192.0.2.%d", i)})
		if i < 2 {
			d.Samples = append(d.Samples, correlate.Sample{Source: "-", Line: int64(10001 + i), Text: text})
		}
	}
	return d
}

// BenchmarkPut: one burst's details written (encoded, compressed,
// appended), on the correlator's goroutine as each burst closes.
func BenchmarkPut(b *testing.B) {
	f, err := New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	d := burstOf31()
	for b.Loop() {
		if _, err := f.Put(&d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet: one burst's details read back, as each report does for
// every burst it prints.
func BenchmarkGet(b *testing.B) {
	f, err := New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	d := burstOf31()
	ref, err := f.Put(&d)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := f.Get(ref); err != nil {
			b.Fatal(err)
		}
	}
}
