package correlate

import (
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
)

// TestJoinUnescapesTheRequest: the access log writes a quote in the request
// line as \x22, the error log writes it raw; they must still join.
func TestJoinUnescapesTheRequest(t *testing.T) {
	c := New(Options{})
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var ev logparse.Event
	line := `2026/11/20 10:00:00 [error] 7#7: *9 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.9, server: _, request: "GET /a"b HTTP/1.1", upstream: "http://10.0.0.1:80/a"b", host: "x"`
	if err := logparse.ParseErrorLine([]byte(line), time.UTC, &ev); err != nil {
		t.Fatal(err)
	}
	c.AddEvent(&ev, Pos{Source: "error.log", Line: 1})
	f, _ := logparse.Preset("combined")
	var rec logparse.Record
	if err := f.Parse([]byte(`10.0.0.9 - - [20/Nov/2026:10:00:00 +0000] "GET /a\x22b HTTP/1.1" 502 157 "-" "-"`), &rec); err != nil {
		t.Fatal(err)
	}
	tr := newTracker(Kind502, "g", at, 5)
	if n := c.join(&rec, tr); n != 1 {
		t.Errorf("joined %d events, want 1", n)
	}
}

// TestJoinByRequestID: an error line that carries the request id (as Lua
// code often logs it) joins the record even without $connection or the
// same request line.
func TestJoinByRequestID(t *testing.T) {
	c := New(Options{})
	var ev logparse.Event
	line := `2026/11/20 10:00:00 [error] 7#7: *9 [lua] balancer.lua:40: no peer for request 5f1c0e8a9b7d4c2e, client: 10.0.0.9, server: _, request: "GET /other HTTP/1.1", host: "x"`
	if err := logparse.ParseErrorLine([]byte(line), time.UTC, &ev); err != nil {
		t.Fatal(err)
	}
	c.AddEvent(&ev, Pos{})
	f, _ := logparse.Preset("ingress-nginx")
	var rec logparse.Record
	if err := f.Parse([]byte(`10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 502 1 "-" "-" 10 0.050 [ns-svc-80] [] 0.0.0.1:80 0 0.000 502 5f1c0e8a9b7d4c2e`), &rec); err != nil {
		t.Fatal(err)
	}
	if n := c.join(&rec, newTracker(Kind502, "g", rec.Time, 5)); n != 1 {
		t.Errorf("joined %d, want 1", n)
	}
}

// TestBurstNumbersDeterministic: bursts of several groups that close
// together are numbered by start time, the same on every run (issue 11:
// map order decided).
func TestBurstNumbersDeterministic(t *testing.T) {
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	peers := []string{"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80", "10.0.0.5:80", "10.0.0.6:80"}
	for range 20 {
		c := New(Options{})
		for s := 0; s < 30; s++ {
			for i, p := range peers {
				status := 200
				if s >= 10+i && s < 15 {
					status = 502 // every group fails, each starting a second later
				}
				rec := logparse.Record{Time: base.Add(time.Duration(s) * time.Second), Status: status, RequestTime: -1,
					Attempts: []logparse.Attempt{{Addr: []byte(p), Status: status, Connect: -1, Header: -1, Response: -1}}}
				c.AddRecord(&rec, Pos{})
			}
		}
		bursts := c.Flush()
		for i, b := range bursts {
			if b.ID != i+1 || b.Group != peers[i] {
				t.Fatalf("burst %d: ID %d group %s; want ID %d group %s", i, b.ID, b.Group, i+1, peers[i])
			}
		}
	}
}

// TestSiteWide: bursts of several groups in the same seconds are linked as
// one site-wide incident; a burst of one group alone is not.
func TestSiteWide(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	b := func(id int, group string, from, to int) Burst {
		return Burst{ID: id, Kind: Kind502, Group: group, Start: at.Add(time.Duration(from) * time.Second), End: at.Add(time.Duration(to) * time.Second)}
	}
	got := siteIncidents([]Burst{b(1, "api", 0, 8), b(2, "web", 1, 6), b(3, "auth", 9, 12), b(4, "api", 100, 110)})
	if len(got) != 1 || len(got[0].Bursts) != 3 || got[0].Bursts[2] != 3 || !got[0].End.Equal(at.Add(12*time.Second)) {
		t.Errorf("site-wide = %+v", got)
	}
}
