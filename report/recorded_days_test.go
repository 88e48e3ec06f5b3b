package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/report"
)

// daysTruth mirrors the fields of fixtures/days-*/days.json the test reads.
type daysTruth struct {
	ChangeDay string `json:"change_day"`
	Days      []struct {
		Date      string   `json:"date"`
		Keepalive bool     `json:"keepalive"`
		Requests  int      `json:"requests"`
		Status502 int      `json:"status_502"`
		Spikes    []string `json:"spikes"`
	} `json:"days"`
}

// TestRecordedDays reads the multi-day sets that Debian's nginx wrote under
// libfaketime, rotated between days (fixtures/days-churn, days-flat,
// days-rise): the Days section lists every day with the requests and 502s
// days.json counted, the verdict is growing after the day keepalive went
// (and the reading names connection churn), growing over four days that
// double their spikes (issue 24: "flat", p = 0.089), or flat on a flat set,
// and an input of one day has no Days section.
func TestRecordedDays(t *testing.T) {
	for _, tc := range []struct{ name, verdict string }{{"days-churn", "growing"}, {"days-flat", "flat"}, {"days-rise", "growing"}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := fixturetest.Dir(tc.name)
			data, err := os.ReadFile(filepath.Join(dir, "days.json"))
			if err != nil {
				t.Fatal(err)
			}
			var truth daysTruth
			if err := json.Unmarshal(data, &truth); err != nil {
				t.Fatal(err)
			}
			snap := fixturetest.Analyse(t, dir)
			s := snap.DaySummary()
			if s == nil || len(s.Days) != len(truth.Days) {
				t.Fatalf("summary %+v, want %d days", s, len(truth.Days))
			}
			var text bytes.Buffer
			if err := report.WriteText(&text, snap, report.TextOptions{Width: 100}); err != nil {
				t.Fatal(err)
			}
			out := text.String()
			for i, want := range truth.Days {
				got := s.Days[i]
				if got.Date != want.Date || got.Requests != want.Requests || got.S502 != want.Status502 {
					t.Errorf("day %d: %s %d requests %d 502s, want %s %d %d", i+1, got.Date, got.Requests, got.S502, want.Date, want.Requests, want.Status502)
				}
				row := fmt.Sprintf("\n  %-10s %9d %7d ", want.Date, want.Requests, want.Status502)
				if !strings.Contains(out, row) {
					t.Errorf("the Days section has no row %q:\n%s", row, out)
				}
				if !want.Keepalive && got.Bursts == 0 {
					t.Errorf("%s: %d spikes without keepalive, no burst", want.Date, len(want.Spikes))
				}
				if want.Keepalive && got.Bursts != 0 {
					t.Errorf("%s: %d bursts on a day with keepalive", want.Date, got.Bursts)
				}
			}
			if s.Trend.Verdict != tc.verdict {
				t.Errorf("verdict %+v, want %s", s.Trend, tc.verdict)
			}
			if tc.verdict == "flat" {
				if s.Change != nil {
					t.Errorf("change point on a flat set: %+v", s.Change)
				}
				return
			}
			if truth.ChangeDay == "" || truth.ChangeDay == truth.Days[0].Date {
				return // no change within the set: its verdict is what it shows
			}
			if s.Change == nil || s.Change.Date != truth.ChangeDay {
				t.Fatalf("change %+v, want %s", s.Change, truth.ChangeDay)
			}
			if s.BurstTrend.Verdict != "growing" {
				t.Errorf("bursts per day: %+v, want growing", s.BurstTrend)
			}
			for _, want := range []string{"502 bursts began on " + truth.ChangeDay, "errno 99", "connection churn", "keepalive"} {
				if !strings.Contains(out, want) {
					t.Errorf("the report lacks %q:\n%s", want, out)
				}
			}
		})
	}
	snap := fixturetest.Analyse(t, fixturetest.Dir("no-live-upstreams"))
	var text bytes.Buffer
	if err := report.WriteText(&text, snap, report.TextOptions{Width: 100}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "\nDays (") {
		t.Errorf("a single-day input has a Days section:\n%s", text.String())
	}
}

// TestDaysCSVGroupRowsAreWhole: on the recorded multi-day sets each group
// row of --csv-days fills every column the all-groups row fills, and with
// one group the two rows are equal (issue 25: four columns of each group
// row were empty). new_connection_share is empty on both when
// $upstream_connect_time is not logged.
func TestDaysCSVGroupRowsAreWhole(t *testing.T) {
	for _, name := range []string{"days-churn", "days-flat", "days-rise"} {
		snap := fixturetest.Analyse(t, fixturetest.Dir(name))
		var out bytes.Buffer
		if err := report.WriteDaysCSV(&out, snap.DaySummary()); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, r := range rows[1:] {
			if r[1] == "*" {
				all = r
				continue
			}
			for i := 2; i < len(r); i++ {
				if (r[i] == "") != (all[i] == "") {
					t.Errorf("%s %s %s: column %s is %q, the all-groups row %q", name, r[0], r[1], rows[0][i], r[i], all[i])
				}
			}
			if strings.Join(r[2:], ",") != strings.Join(all[2:], ",") {
				t.Errorf("%s %s: one group, but its row %v differs from all groups' %v", name, r[0], r[2:], all[2:])
			}
		}
	}
}
