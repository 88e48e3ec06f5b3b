package correlate

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
)

// TestBurstBoundaries feeds synthetic records: a quiet gap splits bursts
// even inside one batch, a burst below the minimum is not reported, and
// 504s make an episode, not a 502 burst.
func TestBurstBoundaries(t *testing.T) {
	c := New(Options{Gap: 5 * time.Second, Min502: 3})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	add := func(sec int, status int) {
		rec := logparse.Record{Time: base.Add(time.Duration(sec) * time.Second), Status: status, RequestTime: -1,
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&rec, Pos{Source: "t", Line: int64(sec)})
	}
	for s := 0; s < 100; s++ {
		add(s, 200)
		switch {
		case s >= 10 && s < 15, s >= 30 && s < 33:
			add(s, 502)
		case s == 60 || s == 61:
			add(s, 502) // two: below --min-502
		case s >= 80 && s < 85:
			add(s, 504)
		}
	}
	c.Advance(time.Time{})
	c.Flush()
	snap := c.Snapshot()
	got := snap.BadGatewayBursts()
	if len(got) != 2 || got[0].Start.Sub(base) != 10*time.Second || got[0].End.Sub(base) != 14*time.Second ||
		got[1].Start.Sub(base) != 30*time.Second || got[0].BadGateway != 5 || got[0].Requests != 9 {
		t.Errorf("bursts: %s", describeAll(got, base))
	}
	if eps := snap.TimeoutEpisodes(); len(eps) != 1 || eps[0].GatewayTimeout != 5 {
		t.Errorf("timeout episodes: %s", describeAll(eps, base))
	}
	if snap.Totals.Sporadic502 != 2 {
		t.Errorf("sporadic 502s = %d, want 2", snap.Totals.Sporadic502)
	}
}

func describeAll(bs []Burst, base time.Time) string {
	var s []string
	for _, b := range bs {
		s = append(s, b.Start.Sub(base).String()+"–"+b.End.Sub(base).String())
	}
	return strings.Join(s, ", ")
}

// TestCoarsenInPlace: merging neighbours in place gives each wider bucket
// the sum of those it covers, wherever in a wider bucket the series
// starts, at every step of the ladder.
func TestCoarsenInPlace(t *testing.T) {
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, width := range BucketWidths[:4] {
		wider := widerWidth(width)
		for startStep := range int(wider / width) {
			for _, n := range []int{1, 2, 5, 8, 23} {
				s := Series{Start: base.Add(time.Duration(startStep) * width), Width: width}
				for i := range n {
					var b Bucket
					b[ClassOK], b[Class502] = int32(i+1), int32(10*(i+1))
					s.Buckets = append(s.Buckets, b)
				}
				want := map[int64][NumClasses]int32{}
				for i, b := range s.Buckets {
					at := s.Start.Add(time.Duration(i) * width).Truncate(wider).Unix()
					w := want[at]
					for c := range b {
						w[c] += b[c]
					}
					want[at] = w
				}
				s.coarsen()
				if s.Width != wider || len(s.Buckets) != len(want) {
					t.Fatalf("%s, start +%d, %d buckets: coarsened to %d of %s, want %d of %s", width, startStep, n, len(s.Buckets), s.Width, len(want), wider)
				}
				for j, b := range s.Buckets {
					at := s.Start.Add(time.Duration(j) * s.Width).Unix()
					if [NumClasses]int32(b) != want[at] {
						t.Errorf("%s, start +%d, %d buckets: bucket %d = %v, want %v", width, startStep, n, j, b, want[at])
					}
				}
			}
		}
	}
}

func TestSeriesCoarsens(t *testing.T) {
	var s Series
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	total := 0
	for i := 0; i < 3*maxBuckets; i += 7 {
		s.Add(base.Add(time.Duration(i)*time.Second), Class502)
		total++
	}
	if len(s.Buckets) > maxBuckets || s.Width != 5*time.Second {
		t.Errorf("%d buckets of %s", len(s.Buckets), s.Width)
	}
	n := 0
	for _, b := range s.Buckets {
		n += int(b[Class502])
	}
	if n != total {
		t.Errorf("coarsening lost counts: %d of %d", n, total)
	}
	s.Add(base.Add(-10*time.Second), ClassOK)
	if s.Start.After(base.Add(-10 * time.Second)) {
		t.Errorf("an earlier time did not extend the series: start %s", s.Start)
	}
}

// TestBaseline: a group that always has a few scattered 502s does not turn
// each cluster of three into a burst; a real burst on it still stands out.
func TestBaseline(t *testing.T) {
	c := New(Options{Gap: 5 * time.Second, Min502: 3})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	add := func(at time.Duration, status int) {
		rec := logparse.Record{Time: base.Add(at), Status: status, RequestTime: -1,
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&rec, Pos{})
	}
	for s := 0; s < 1200; s++ {
		for i := 0; i < 20; i++ {
			add(time.Duration(s)*time.Second+time.Duration(i)*50*time.Millisecond, 200)
		}
		switch {
		case s%20 == 0: // a noisy neighbour: three 502s every 20 s
			add(time.Duration(s)*time.Second, 502)
			add(time.Duration(s)*time.Second, 502)
			add(time.Duration(s+1)*time.Second, 502)
		case s >= 1100 && s < 1110: // a real burst: 15/s for 10 s
			for i := 0; i < 15; i++ {
				add(time.Duration(s)*time.Second, 502)
			}
		}
		c.Advance(time.Time{})
	}
	c.Flush()
	snap := c.Snapshot()
	got := snap.BadGatewayBursts()
	// Before a minute of history there is no baseline: the first clusters count.
	early := 0
	for _, b := range got {
		if b.Start.Sub(base) < 80*time.Second {
			early++
		}
	}
	if late := len(got) - early; late != 1 || got[len(got)-1].Start.Sub(base) != 1100*time.Second {
		t.Errorf("want only the real burst after the first minute, got %s", describeAll(got, base))
	}
}

// TestHiddenByNginx: a retry that succeeded, a response without a status
// line and a body cut off are counted though no status shows them.
func TestHiddenByNginx(t *testing.T) {
	c := New(Options{})
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	rec := logparse.Record{Time: at, Status: 200, RequestTime: -1, Attempts: []logparse.Attempt{
		{Addr: []byte("10.0.0.1:80"), Status: 502, Connect: -1, Header: -1, Response: -1},
		{Addr: []byte("10.0.0.2:80"), Status: 200, Connect: 0, Header: 0, Response: 0}}}
	c.AddRecord(&rec, Pos{})
	nine := logparse.Record{Time: at, Status: 9, RequestTime: -1, Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.2:80"), Status: 9, Connect: 0, Header: -1, Response: -1}}}
	c.AddRecord(&nine, Pos{})
	ev := logparse.Event{Time: at, Level: logparse.LevelError, Category: logparse.CatPrematureClose, Phase: "while reading upstream", Peer: "10.0.0.2:80"}
	c.AddEvent(&ev, Pos{})
	h := c.Snapshot().Totals.Hidden
	if h.Masked != 1 || h.MaskedPeers["10.0.0.1:80"] != 1 || h.NoStatusLine != 1 || h.CutMidBody != 1 || h.CutPeers["10.0.0.2:80"] != 1 {
		t.Fatalf("hidden = %+v", h)
	}
}

// TestBurstLinesBounded: a burst keeps its raw lines (bad records and
// their error lines) in time order, at most maxBurstLines, and all closed
// bursts together stay within maxClosedLineKB (the oldest lose theirs).
func TestBurstLinesBounded(t *testing.T) {
	c := New(Options{Gap: 5 * time.Second, Min502: 3})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	long := strings.Repeat("x", 1500)
	for burst := range 80 {
		at := base.Add(time.Duration(burst) * time.Minute)
		for i := range 800 {
			rec := logparse.Record{Time: at.Add(time.Duration(i) * time.Millisecond), Status: 502, RequestTime: -1, Client: []byte("10.9.0.1"),
				Line: []byte("synthetic " + long), Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: 502, Connect: -1, Header: -1, Response: -1}}}
			c.AddRecord(&rec, Pos{Source: "access.log", Line: int64(i)})
		}
		// A request answered between the bursts: the gap counts only when
		// the group succeeds in it.
		ok := logparse.Record{Time: at.Add(2 * time.Second), Status: 200, RequestTime: -1, Client: []byte("10.9.0.1"),
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: 200, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&ok, Pos{Source: "access.log", Line: 801})
		c.Advance(time.Time{})
	}
	c.Flush()
	snap := c.Snapshot()
	bursts := snap.BadGatewayBursts()
	if len(bursts) < 70 {
		t.Fatalf("%d bursts", len(bursts))
	}
	total := 0
	for _, b := range bursts {
		if len(b.Lines) > maxBurstLines {
			t.Errorf("burst #%d keeps %d lines", b.ID, len(b.Lines))
		}
		for i := 1; i < len(b.Lines); i++ {
			if b.Lines[i].Time.Before(b.Lines[i-1].Time) {
				t.Fatalf("burst #%d: lines out of order", b.ID)
			}
		}
		total += linesBytes(b.Lines)
	}
	last := bursts[len(bursts)-1]
	if total > maxClosedLineKB<<10 || !bursts[0].LinesDropped || len(last.Lines) == 0 || last.Lines[0].Status != 502 || last.Lines[0].Client != "10.9.0.1" {
		t.Errorf("total %d bytes (bound %d), first dropped %v, last keeps %d", total, maxClosedLineKB<<10, bursts[0].LinesDropped, len(last.Lines))
	}
}

// TestQuietGroupOutageIsOneBurst: every request to a low-traffic group
// failing for half a minute at night, nine requests seconds apart with
// no success between them, is one burst however far apart they are,
// while a busy group goes on beside it (synthetic; issue 23: the fixed
// 5 s gap cut it into pieces of which none passed the test).
func TestQuietGroupOutageIsOneBurst(t *testing.T) {
	c := New(Options{Gap: 5 * time.Second, Min502: 3})
	base := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	rec := func(at time.Duration, peer string, status int) {
		r := logparse.Record{Time: base.Add(at), Status: status, RequestTime: 2 * time.Millisecond, Client: []byte("192.0.2.9"),
			Attempts: []logparse.Attempt{{Addr: []byte(peer), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&r, Pos{Source: "access.log"})
	}
	outage := []time.Duration{0, 4, 11, 15, 22, 24, 31, 33, 38} // seconds after 03:10
	next := 0
	for ms := time.Duration(0); ms < 20*time.Minute; ms += 100 * time.Millisecond {
		rec(ms, "10.0.0.1:80", 200) // the busy group
		if ms%time.Minute == 0 && (ms < 10*time.Minute || ms > 11*time.Minute) {
			rec(ms, "10.0.9.1:80", 200) // the quiet group's night traffic
		}
		if next < len(outage) && ms == 10*time.Minute+outage[next]*time.Second {
			rec(ms, "10.0.9.1:80", 502)
			next++
		}
		if ms%time.Second == 0 {
			c.Advance(time.Time{})
		}
	}
	c.Flush()
	snap := c.Snapshot()
	bursts := snap.BadGatewayBursts()
	if len(bursts) != 1 || bursts[0].BadGateway != len(outage) || bursts[0].Requests != len(outage) {
		for _, b := range bursts {
			t.Logf("burst %s %v–%v: %d of %d", b.Group, b.Start, b.End, b.BadGateway, b.Requests)
		}
		t.Fatalf("%d bursts; want one of the quiet group's %d failures", len(bursts), len(outage))
	}
}

// TestRefusalsInALuaBalancedGroup: a group this run has shown balanced by
// Lua (a request sent to the 0.0.0.1 placeholder a minute before) whose
// peer then refuses: the refusals are a stale endpoint first, not a dead
// service to start (synthetic; issue 24).
func TestRefusalsInALuaBalancedGroup(t *testing.T) {
	c := New(Options{Gap: 5 * time.Second, Min502: 3})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	rec := func(at time.Duration, addr string, status int) {
		r := logparse.Record{Time: base.Add(at), Status: status, RequestTime: time.Millisecond, Client: []byte("192.0.2.9"),
			Request: []byte("GET / HTTP/1.1"), UpstreamName: []byte("default-api-80"),
			Attempts: []logparse.Attempt{{Addr: []byte(addr), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&r, Pos{Source: "access.log"})
	}
	for ms := time.Duration(0); ms < 3*time.Minute; ms += 100 * time.Millisecond {
		switch {
		case ms == 30*time.Second:
			rec(ms, "0.0.0.1:80", 502) // the placeholder: Lua set no peer
		case ms >= 2*time.Minute && ms < 2*time.Minute+5*time.Second:
			ev := logparse.Event{Time: base.Add(ms), Level: logparse.LevelError, Category: logparse.CatConnectRefused,
				Peer: "10.0.0.7:8080", Client: "192.0.2.9", Request: "GET / HTTP/1.1", Message: "connect() failed (111: Connection refused) while connecting to upstream"}
			c.AddEvent(&ev, Pos{Source: "error.log"})
			rec(ms, "10.0.0.7:8080", 502)
		default:
			rec(ms, "10.0.0.8:8080", 200)
		}
		if ms%time.Second == 0 {
			c.Advance(time.Time{})
		}
	}
	c.Flush()
	snap := c.Snapshot()
	bursts := snap.BadGatewayBursts()
	if len(bursts) == 0 {
		t.Fatal("no burst")
	}
	b := bursts[len(bursts)-1]
	top := b.TopCause()
	if top == nil || top.ID != "lua_balancer" {
		t.Fatalf("top cause %+v; want lua_balancer (a stale endpoint)", top)
	}
	for _, c := range b.Causes {
		for _, s := range c.Steps {
			if strings.Contains(s.Change, "Start or fix") && c.Confidence >= top.Confidence {
				t.Errorf("%s ranks with 'Start or fix' at %.2f", c.ID, c.Confidence)
			}
		}
	}
}

// TestLeadUpExcludesAnEarlierBurst: two episodes 12 s apart, each a
// health checker turning the peer down and then "no live upstreams" 502s
// (synthetic): the second burst's lead-up counts its own checker lines,
// not the first episode's (issue 24).
func TestLeadUpExcludesAnEarlierBurst(t *testing.T) {
	c := New(Options{Gap: 5 * time.Second, Min502: 3})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	episode := func(at time.Duration, lines int) {
		for i := range lines {
			ev := logparse.Event{Time: base.Add(at + time.Duration(i)*100*time.Millisecond), Level: logparse.LevelWarn, Category: logparse.CatHealthcheckDown,
				Peer: "10.0.0.1:80", Message: "healthcheck: peer 10.0.0.1:80 is turned down after 1 failure(s)"}
			c.AddEvent(&ev, Pos{Source: "error.log"})
		}
	}
	rec := func(at time.Duration, status int, addr string) {
		r := logparse.Record{Time: base.Add(at), Status: status, RequestTime: time.Millisecond, Client: []byte("192.0.2.9"),
			Request: []byte("GET / HTTP/1.1"), UpstreamName: []byte("backend"),
			Attempts: []logparse.Attempt{{Addr: []byte(addr), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&r, Pos{Source: "access.log"})
	}
	for ms := time.Duration(0); ms < 60*time.Second; ms += 100 * time.Millisecond {
		switch {
		case ms == 15*time.Second:
			episode(ms, 3)
		case ms == 27*time.Second:
			episode(ms, 2)
		}
		inFirst := ms >= 16*time.Second && ms < 19*time.Second
		inSecond := ms >= 28*time.Second && ms < 31*time.Second
		if inFirst || inSecond {
			rec(ms, 502, "backend")
		} else {
			rec(ms, 200, "10.0.0.1:80")
		}
		if ms%time.Second == 0 {
			c.Advance(time.Time{})
		}
	}
	c.Flush()
	snap := c.Snapshot()
	bursts := snap.BadGatewayBursts()
	if len(bursts) != 2 {
		t.Fatalf("%d bursts, want 2", len(bursts))
	}
	for i, want := range []string{"3× health checker lines", "2× health checker lines"} {
		found := false
		for _, cause := range bursts[i].Causes {
			for _, e := range cause.Evidence {
				found = found || strings.HasPrefix(e, want)
			}
		}
		if !found {
			t.Errorf("burst %d: no evidence %q: %+v", i+1, want, bursts[i].Causes)
		}
	}
}

// TestSeriesBucketsHoldTheirOwnTimes is the timeline's property: for
// inputs of many spans, in order and not, each bucket holds exactly the
// requests whose time falls in it, at the series' own width and at every
// wider width of the ladder (issue 25: a day's minute of requests counted
// in the quarter-hour before it, from 64 s buckets shown 900 s wide).
func TestSeriesBucketsHoldTheirOwnTimes(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 4))
	base := time.Date(2017, 11, 13, 10, 0, 1, 0, time.UTC)
	for _, span := range []time.Duration{time.Minute, 5 * time.Hour, 8 * 24 * time.Hour, 400 * 24 * time.Hour} {
		for _, ordered := range []bool{true, false} {
			var s Series
			var times []time.Time
			for i := range 20000 {
				at := base.Add(time.Duration(rng.Int64N(int64(span))))
				if ordered {
					at = base.Add(span * time.Duration(i) / 20000)
				}
				times = append(times, at)
				s.Add(at, Class502)
			}
			for _, w := range BucketWidths {
				if w < s.Width {
					continue
				}
				got, want := map[int64]int{}, map[int64]int{}
				for i, b := range s.Buckets {
					got[s.Start.Add(time.Duration(i)*s.Width).Truncate(w).Unix()] += int(b[Class502])
				}
				for _, at := range times {
					want[at.Truncate(w).Unix()]++
				}
				for k, n := range want {
					if got[k] != n {
						t.Errorf("span %s ordered %v, series %s shown %s: bucket %s holds %d, its lines %d", span, ordered, s.Width, w, time.Unix(k, 0).UTC().Format(time.DateTime), got[k], n)
						break
					}
				}
			}
		}
	}
}
