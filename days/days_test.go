package days

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
)

// feed counts synthetic records: per day, requests of which bad are 502s,
// each attempt connecting in connect (0 for a reused connection).
func feed(c *Counter, day time.Time, requests, bad int, connect time.Duration, scheme string) {
	for i := range requests {
		status := 200
		if i < bad {
			status = 502
		}
		rec := logparse.Record{Time: day.Add(time.Duration(i) * 24 * time.Hour / time.Duration(requests)), Status: status, Method: []byte("GET"), Scheme: []byte(scheme),
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: status, Connect: connect, Header: 10 * time.Millisecond, Response: 10 * time.Millisecond}}}
		c.AddRecord(&rec)
	}
}

// TestGrowingAfterAChange: the second seed report's shape, synthetic: no
// 502s for a week, then from one day on a new upstream connection per
// request and more 502s every day, at the same load.
func TestGrowingAfterAChange(t *testing.T) {
	c := NewCounter()
	start := time.Date(2017, 11, 13, 0, 0, 0, 0, time.UTC)
	var bursts []Span
	for d := range 14 {
		day := start.AddDate(0, 0, d)
		switch {
		case d < 7:
			feed(c, day, 5000, 0, 0, "https")
		default:
			bad := 10 * (d - 6)
			feed(c, day, 5000, bad, 2*time.Millisecond, "http")
			for b := range d - 6 {
				at := day.Add(time.Duration(10+b) * time.Hour)
				bursts = append(bursts, Span{Start: at, End: at.Add(12 * time.Second), Group: "10.0.0.1:80", Bad: 10})
			}
		}
	}
	s := Summarize(c.Days(), bursts, nil, 0)
	if s == nil || len(s.Days) != 14 {
		t.Fatalf("summary %+v", s)
	}
	if s.Trend.Verdict != "growing" || s.BurstTrend.Verdict != "growing" {
		t.Errorf("trend %+v, bursts %+v", s.Trend, s.BurstTrend)
	}
	if s.Change == nil || s.Change.Date != "2017-11-20" {
		t.Fatalf("change %+v", s.Change)
	}
	if !strings.Contains(s.Change.Describe(), "502 bursts began on 2017-11-20; before: 0 per day over 7 days; after: 1–7 per day") {
		t.Errorf("describe: %s", s.Change.Describe())
	}
	changed := strings.Join(s.Change.Changed, "\n")
	for _, want := range []string{"new connection: 0% before, 100% after", "scheme: http 0% → 100%, https 100% → 0%"} {
		if !strings.Contains(changed, want) {
			t.Errorf("changed lacks %q:\n%s", want, changed)
		}
	}
	if !strings.Contains(s.Change.Reading, "connection churn") {
		t.Errorf("reading: %s", s.Change.Reading)
	}
	if d := s.Days[13]; d.Bursts != 7 || d.BurstBad != 70 || d.Sporadic502 != 0 || d.Hourly[10] == 0 && d.S502 > 0 && d.Hourly[0] == 0 {
		t.Errorf("last day %+v", d)
	}
}

// TestPortsRunningOutReadAsChurn: a log without $upstream_connect_time
// (synthetic), where errno 99 begins with the 502s and the load grows a
// little: the reading names the ports, connection churn and keepalive, and
// does not claim the load stayed the same.
func TestPortsRunningOutReadAsChurn(t *testing.T) {
	c := NewCounter()
	start := time.Date(2017, 11, 13, 0, 0, 0, 0, time.UTC)
	for d := range 8 {
		day := start.AddDate(0, 0, d)
		bad := 0
		if d >= 4 {
			bad = 100 * (d - 3)
		}
		feed(c, day, 1000+100*d, bad, -1, "http")
		for i := range bad {
			ev := logparse.Event{Time: day.Add(time.Duration(i) * time.Second), Category: logparse.CatAddrUnavailable}
			c.AddEvent(&ev)
		}
	}
	s := Summarize(c.Days(), nil, nil, 0)
	if s == nil || s.Change == nil || s.Change.Date != "2017-11-17" {
		t.Fatalf("change %+v", s)
	}
	for _, want := range []string{"runs out of local ports", "connection churn", "keepalive", "the load changed too"} {
		if !strings.Contains(s.Change.Reading, want) {
			t.Errorf("reading lacks %q: %s", want, s.Change.Reading)
		}
	}
	if strings.Contains(s.Change.Reading, "much the same") {
		t.Errorf("reading claims a flat load: %s", s.Change.Reading)
	}
}

// TestFlatDaysStayFlat: the same 502 rate every day, with Poisson-like
// noise (synthetic), is "flat" and has no change point.
func TestFlatDaysStayFlat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for seed := range 20 {
		c := NewCounter()
		start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for d := range 12 {
			feed(c, start.AddDate(0, 0, d), 4000, 20+r.IntN(9)-4, time.Millisecond, "https")
		}
		s := Summarize(c.Days(), nil, nil, 0)
		if s.Trend.Verdict == "growing" || s.Trend.Verdict == "falling" {
			// At 5 % a flat series may be called a trend once in twenty;
			// this seed set is fixed, so a change in the test shows here.
			t.Logf("seed %d: %+v", seed, s.Trend)
		}
		if s.Change != nil {
			t.Errorf("seed %d: change point in flat days: %+v", seed, s.Change)
		}
	}
}

// TestFewDays: one day gives no summary; three days no verdict.
func TestFewDays(t *testing.T) {
	c := NewCounter()
	feed(c, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), 1000, 10, 0, "")
	if Summarize(c.Days(), nil, nil, 0) != nil {
		t.Error("a summary of one day")
	}
	for d := 1; d < 3; d++ {
		feed(c, time.Date(2026, 11, 1+d, 0, 0, 0, 0, time.UTC), 1000, 10*(d+1)*(d+1), 0, "")
	}
	if s := Summarize(c.Days(), nil, nil, 0); s.Trend.Verdict != "" {
		t.Errorf("a verdict from three days: %+v", s.Trend)
	}
}

// TestEquallyBusyGroupsInNameOrder: round robin gives peers the same
// count; the day's groups are then listed by name, the same on every run
// (they came in map order and the JSON of one input changed from run to
// run).
func TestEquallyBusyGroupsInNameOrder(t *testing.T) {
	peers := map[string]*PeerDay{}
	for _, p := range []string{"10.1.0.3:8080", "10.1.0.1:8080", "10.1.0.4:8080", "10.1.0.2:8080"} {
		peers[p] = &PeerDay{Requests: 100}
	}
	day := []Day{{Date: "2017-11-13", Requests: 400, Peers: peers}, {Date: "2017-11-14", Requests: 400, Peers: peers}}
	for range 20 {
		s := Summarize(day, nil, nil, 0)
		var got []string
		for _, g := range s.Days[0].Groups {
			got = append(got, g.Group)
		}
		if want := "10.1.0.1:8080 10.1.0.2:8080 10.1.0.3:8080 10.1.0.4:8080"; strings.Join(got, " ") != want {
			t.Fatalf("groups %v, want %s", got, want)
		}
	}
}
