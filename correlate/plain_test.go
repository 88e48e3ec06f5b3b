package correlate

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
)

// TestPlainRunsAddUpAsRecords: a correlator given the plain records as
// runs (AddPlain, record by record where it declines) ends where one given
// every record by AddRecord ends: the same bursts and the same snapshot,
// with the records of a group whose burst candidate is open left to be
// added one by one.
// The records are synthetic: three groups (one named, as ingress-nginx
// logs it), a dozen peers, two hosts, bursts of 502s and 504s, retries,
// late lines, and one group with more distinct statuses than a group
// counts.
func TestPlainRunsAddUpAsRecords(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			recs := syntheticRecords(seed, 30000)
			one, runs := New(Options{}), New(Options{})
			var oneBursts, runBursts []Burst
			summed, left := 0, 0
			for from := 0; from < len(recs); from += 256 {
				batch := recs[from:min(from+256, len(recs))]
				for i := range batch {
					one.AddRecord(&batch[i], Pos{Source: "access.log", Line: int64(from + i + 1)})
				}
				oneBursts = append(oneBursts, one.Advance(time.Time{})...)
				var run PlainRun
				for i := 0; i < len(batch); {
					run.Reset()
					j := i
					for j < len(batch) && Plain(&batch[j]) && run.Add(&batch[j]) {
						j++
					}
					if j-i >= 2 && runs.AddPlain(&run) {
						for k := i; k < j; k++ {
							if run.Left(&batch[k]) {
								runs.AddRecord(&batch[k], Pos{Source: "access.log", Line: int64(from + k + 1)})
								left++
							} else {
								summed++
							}
						}
						i = j
						continue
					}
					runs.AddRecord(&batch[i], Pos{Source: "access.log", Line: int64(from + i + 1)})
					i++
				}
				runBursts = append(runBursts, runs.Advance(time.Time{})...)
			}
			oneBursts = append(oneBursts, one.Flush()...)
			runBursts = append(runBursts, runs.Flush()...)
			if summed < len(recs)/2 || left == 0 {
				t.Errorf("%d of %d records went as sums, %d were left one by one: the test shows too little", summed, len(recs), left)
			}
			if len(oneBursts) == 0 {
				t.Fatal("no burst: the test shows nothing")
			}
			if !reflect.DeepEqual(oneBursts, runBursts) {
				t.Errorf("bursts differ: %d one by one, %d with sums", len(oneBursts), len(runBursts))
			}
			if a, b := one.Snapshot(), runs.Snapshot(); !reflect.DeepEqual(a, b) {
				t.Errorf("snapshots differ:\n one by one %+v\n with sums  %+v", a.Totals, b.Totals)
			}
			// And what only later records would show: the state kept. A
			// group's statuses are listed as they came (sorted when
			// counted out), which sums may change.
			for _, c := range []*Correlator{one, runs} {
				for _, g := range c.byGroup {
					slices.SortFunc(g.counts.status, func(a, b StatusCount) int { return a.Status - b.Status })
				}
			}
			for name, pair := range map[string][2]any{
				"groups": {one.byGroup, runs.byGroup}, "peers": {one.byPeer, runs.byPeer}, "overall": {one.overall, runs.overall},
				"totals": {one.totals, runs.totals}, "recent": {one.nodeRecent, runs.nodeRecent}, "hosts": {one.groupNodes, runs.groupNodes},
				"newest": {[2]time.Time{one.newest, one.newestRecord}, [2]time.Time{runs.newest, runs.newestRecord}},
			} {
				if !reflect.DeepEqual(pair[0], pair[1]) {
					t.Errorf("%s differ", name)
				}
			}
		})
	}
}

// syntheticRecords makes n records, about 60 a second.
func syntheticRecords(seed uint64, n int) []logparse.Record {
	rng := rand.New(rand.NewPCG(seed, 7))
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.FixedZone("", 3600))
	peer := func(g, i int) []byte { return fmt.Appendf(nil, "10.0.%d.%d:8080", g, i) }
	recs := make([]logparse.Record, n)
	for i := range recs {
		at = at.Add(time.Duration(rng.IntN(33)) * time.Millisecond)
		r := &recs[i]
		r.Time = at
		if rng.IntN(200) == 0 {
			r.Time = at.Add(-time.Duration(1+rng.IntN(3)) * time.Second) // a late line
		}
		g := rng.IntN(3)
		r.Client = fmt.Appendf(nil, "192.0.2.%d", rng.IntN(50))
		r.Request = []byte("GET /x HTTP/1.1")
		r.RequestTime = -1
		r.Node = []string{"web-1", "web-2"}[rng.IntN(2)]
		if g == 2 {
			r.UpstreamName = []byte("ns-svc-80")
		}
		r.Status = []int{200, 200, 200, 200, 301, 404, 499}[rng.IntN(7)]
		if g == 1 && rng.IntN(10) == 0 {
			r.Status = 200 + rng.IntN(60) // more statuses than a group counts
		}
		if rng.IntN(25) == 0 {
			r.Status = 0 // nginx answered without an upstream
			continue
		}
		a := logparse.Attempt{Addr: peer(g, rng.IntN(4)), Status: r.Status, Connect: time.Duration(rng.IntN(2)) * time.Millisecond, Header: -1, Response: -1}
		r.Attempts = []logparse.Attempt{a}
		// A burst of refusals on one peer for a few seconds every two minutes.
		if sec := at.Unix() % 120; g == 0 && sec < 6 && a.Addr[len(a.Addr)-6] == '1' {
			r.Status, r.Attempts[0].Status = 502, 502
		}
		if rng.IntN(3000) == 0 {
			r.Status = 504
			r.Attempts[0].Status = 504
		}
		if rng.IntN(150) == 0 {
			r.Attempts = append(r.Attempts, logparse.Attempt{Addr: peer(g, 3), Status: 200, Connect: -1, Header: -1, Response: -1})
			r.Attempts[0].Status = 502
		}
	}
	for i := range recs {
		if recs[i].Status == 0 {
			recs[i].Status = 404
		}
	}
	return recs
}
