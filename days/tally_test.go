package days

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
)

// TestTalliesAddUpAsRecords: records counted in batches of 256 as tallies
// (one by one where a tally is over its bounds) give the days one counter
// given each record gives. Synthetic records: three days across a change
// of offset, more hosts and peers than a day keeps (so which are kept
// depends on the order they came), retries, 502s and 504s; and a run over
// more days than a counter keeps.
func TestTalliesAddUpAsRecords(t *testing.T) {
	cases := map[string]struct {
		n    int
		step time.Duration
	}{
		"three days":   {60000, 4 * time.Second},
		"past maxDays": {3000, 8 * time.Hour},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			winter, summer := time.FixedZone("", 3600), time.FixedZone("", 7200)
			at := time.Date(2026, 3, 28, 20, 0, 0, 0, winter)
			recs := make([]logparse.Record, tc.n)
			for i := range recs {
				at = at.Add(time.Duration(rng.Int64N(int64(tc.step))))
				r := &recs[i]
				r.Time = at
				if at.After(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)) {
					r.Time = at.In(summer)
				}
				r.Status = []int{200, 200, 200, 404, 502, 504}[rng.IntN(6)]
				r.Method = []byte([]string{"GET", "POST", "PUT"}[rng.IntN(3)])
				// Hosts and peers drift: a batch sees a few, a day more
				// than it keeps.
				r.Host = fmt.Appendf(nil, "h%d.example", (i/60+rng.IntN(8))%1000)
				r.Scheme = []byte("https")
				for k := range 1 + rng.IntN(2) {
					r.Attempts = append(r.Attempts, logparse.Attempt{Addr: fmt.Appendf(nil, "10.0.%d.%d:80", k, (i/80+rng.IntN(6))%1000), Status: r.Status,
						Connect: time.Duration(rng.IntN(3)) * time.Millisecond, Header: time.Duration(rng.IntN(2)*5-1) * time.Millisecond, Response: -1})
				}
			}
			one, tallied := NewCounter(), NewCounter()
			var tally Tally
			added := 0
			for from := 0; from < len(recs); from += 256 {
				batch := recs[from:min(from+256, len(recs))]
				tally.Reset()
				for i := range batch {
					one.AddRecord(&batch[i])
					tally.AddRecord(&batch[i])
				}
				if tally.Over {
					for i := range batch {
						tallied.AddRecord(&batch[i])
					}
					continue
				}
				tallied.AddTally(&tally)
				added++
			}
			if added == 0 {
				t.Fatal("every tally was over its bounds: the test shows nothing")
			}
			if name == "past maxDays" && one.Dropped == 0 {
				t.Fatal("no record past maxDays: the case shows nothing")
			}
			if got, want := tallied.Days(), one.Days(); !reflect.DeepEqual(got, want) || tallied.Dropped != one.Dropped {
				t.Errorf("tallied days differ from one counter's: %d days, %d dropped; want %d, %d", len(got), tallied.Dropped, len(want), one.Dropped)
			}
		})
	}
}
