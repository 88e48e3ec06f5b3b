package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/days"
	"github.com/badgw/badgw/logparse"
)

// daysSummary builds a summary of synthetic days: a week of no 502s, then a
// week of more every day.
func daysSummary(t *testing.T) *days.Summary {
	return growingWeek(t, "=cmd|10.0.0.1:80", "", "")
}

// growingWeek is daysSummary's week with requests to addr and bursts of
// the given cause and peer.
func growingWeek(t *testing.T, addr, cause, peer string) *days.Summary {
	c := days.NewCounter()
	start := time.Date(2017, 11, 13, 0, 0, 0, 0, time.UTC)
	var spans []days.Span
	for d := range 14 {
		day := start.AddDate(0, 0, d)
		for i := range 2000 {
			status := 200
			if d >= 7 && i < 10*(d-6) {
				status = 502
			}
			rec := logparse.Record{Time: day.Add(time.Duration(i) * 40 * time.Second), Status: status,
				Attempts: []logparse.Attempt{{Addr: []byte(addr), Status: status, Connect: -1, Header: -1, Response: -1}}}
			c.AddRecord(&rec)
		}
		if d >= 7 {
			spans = append(spans, days.Span{Start: day.Add(time.Hour), End: day.Add(time.Hour + 10*time.Second), Group: addr, Bad: 10, Cause: cause, Peer: peer})
		}
	}
	s := days.Summarize(c.Days(), spans, nil, 0)
	if s == nil {
		t.Fatal("no summary")
	}
	return s
}

func TestDaysSectionAndCSV(t *testing.T) {
	s := daysSummary(t)
	var text bytes.Buffer
	e := &errWriter{w: &text}
	writeDays(e, s)
	out := text.String()
	for _, want := range []string{"Days (2017-11-13 → 2017-11-26): the 502 share is growing", "502 bursts began on 2017-11-20", "$upstream_connect_time", "2017-11-26"} {
		if !strings.Contains(out, want) {
			t.Errorf("Days section lacks %q:\n%s", want, out)
		}
	}
	var buf bytes.Buffer
	if err := WriteDaysCSV(&buf, s); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(DaysCSVHeader, ",") || len(rows) != 1+14*2 {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	for _, r := range rows[1:] {
		if strings.HasPrefix(r[1], "=") {
			t.Errorf("a group starts a formula: %q", r[1])
		}
	}
	var empty bytes.Buffer
	if err := WriteDaysCSV(&empty, nil); err != nil || strings.TrimSpace(empty.String()) != strings.Join(DaysCSVHeader, ",") {
		t.Errorf("one day: %q, %v", empty.String(), err)
	}
	if j := toJSONDays(s); j == nil || j.Trend.Verdict != "growing" || j.Change == nil || j.Change.Date != "2017-11-20" {
		t.Errorf("JSON days %+v", j)
	}
}

// TestDaysReadingFollowsTheBursts: the same synthetic week, but the bursts
// after the change are refusals of one peer: the reading names that peer
// and its refusals, not a log field to add (issue 24: "log
// $upstream_connect_time" for a peer refusing more each day).
func TestDaysReadingFollowsTheBursts(t *testing.T) {
	s := growingWeek(t, "10.0.0.1:80", "peer_refused", "10.0.0.1:80")
	if s.Change == nil {
		t.Fatalf("no change found: %+v", s)
	}
	if r := s.Change.Reading; !strings.Contains(r, "peer_refused") || !strings.Contains(r, "10.0.0.1:80 refused connections") || strings.Contains(r, "$upstream_connect_time") {
		t.Errorf("reading: %s", r)
	}
}
