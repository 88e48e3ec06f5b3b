package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/badgw/badgw/days"
)

// sparkBlocks draw a day's hourly 502s, lowest to highest; an hour
// without any is a space.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

func sparkline(hours [24]int) string {
	top := 0
	for _, n := range hours {
		top = max(top, n)
	}
	var b strings.Builder
	for _, n := range hours {
		switch {
		case n == 0:
			b.WriteByte(' ')
		default:
			i := (n*len(sparkBlocks) - 1) / max(1, top)
			b.WriteRune(sparkBlocks[min(i, len(sparkBlocks)-1)])
		}
	}
	return b.String()
}

func ratioText(t days.Trend) string {
	switch {
	case math.IsInf(t.Ratio, 1):
		return "from none in the earlier half"
	default:
		return fmt.Sprintf("×%.2f from the earlier half to the later", t.Ratio)
	}
}

// TrendText is the verdict on a series of days ("the 502 share is
// rising (…)"), the same in every output.
func TrendText(name string, t days.Trend) string {
	switch {
	case t.Verdict == "" && t.Note != "":
		return fmt.Sprintf("%s %s (%d days)", name, t.Note, t.Days)
	case t.Verdict == "":
		return fmt.Sprintf("%s: too few days (%d) to call a trend", name, t.Days)
	}
	per := fmt.Sprintf("×%.2f a day fitted", t.Slope)
	if t.Odds {
		per = fmt.Sprintf("odds ×%.2f a day fitted", t.Slope)
	}
	return fmt.Sprintf("%s %s (%s, %s; trend test p = %.3f over %d days)", name, t.Verdict, ratioText(t), per, t.P, t.Days)
}

// writeDays prints the Days section: the verdict, the change point and
// what changed then, and a line per day.
func writeDays(e *errWriter, s *days.Summary) {
	if s == nil {
		return
	}
	first, last := s.Days[0].Date, s.Days[len(s.Days)-1].Date
	e.printf("\nDays (%s → %s): %s; %s.\n", first, last, TrendText("the 502 share is", s.Trend), TrendText("bursts per day", s.BurstTrend))
	if c := s.Change; c != nil {
		e.printf("  %s\n", c.Describe())
		if len(c.Changed) > 0 {
			e.printf("  What the access log shows changed then:\n")
			for _, l := range c.Changed {
				e.printf("    - %s\n", Clean(l))
			}
		}
		if c.Reading != "" {
			e.printf("  %s\n", Clean(c.Reading))
		}
	}
	e.printf("  %-10s %9s %7s %8s %6s %9s %8s %5s  %s\n", "date", "requests", "502", "share", "bursts", "in bursts", "sporadic", "504", "502s by hour (00–23)")
	for _, d := range s.Days {
		e.printf("  %-10s %9d %7d %7.3f%% %6d %8.0fs %8d %5d  |%s|\n", d.Date, d.Requests, d.S502, 100*d.Share, d.Bursts, d.BurstSeconds, d.Sporadic502, d.S504, sparkline(d.Hourly))
	}
	if s.Dropped > 0 {
		e.printf("  (%d lines past the %d days kept are not in the table)\n", s.Dropped, len(s.Days))
	}
}

type jsonDays struct {
	Days       []jsonDay   `json:"days"`
	Trend      jsonTrend   `json:"trend"`
	BurstTrend jsonTrend   `json:"burst_trend"`
	Change     *jsonChange `json:"change"`
}

type jsonDay struct {
	Date           string         `json:"date"`
	Requests       int            `json:"requests"`
	BadGateway     int            `json:"bad_gateway"`
	Share502       float64        `json:"share_502"`
	GatewayTimeout int            `json:"gateway_timeout"`
	Bursts         int            `json:"bursts"`
	BurstSeconds   float64        `json:"burst_seconds"`
	Sporadic502    int            `json:"sporadic_502"`
	NewConnShare   *float64       `json:"new_connection_share"`
	Hourly502      [24]int        `json:"hourly_502"`
	Groups         []jsonDayGroup `json:"groups"`
}

type jsonDayGroup struct {
	Group      string `json:"group"`
	Requests   int    `json:"requests"`
	BadGateway int    `json:"bad_gateway"`
	Bursts     int    `json:"bursts"`
}

type jsonTrend struct {
	Verdict string   `json:"verdict"`
	Note    string   `json:"note"`
	Days    int      `json:"days"`
	Ratio   *float64 `json:"ratio"`
	Slope   *float64 `json:"slope_per_day"`
	P       float64  `json:"p"`
}

type jsonChange struct {
	Date         string   `json:"date"`
	ShareBefore  float64  `json:"share_before"`
	ShareAfter   float64  `json:"share_after"`
	BurstsBefore float64  `json:"bursts_per_day_before"`
	BurstsAfter  [2]int   `json:"bursts_per_day_after"`
	Description  string   `json:"description"`
	Changed      []string `json:"changed"`
	Reading      string   `json:"reading"`
}

func finite(x float64) *float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return nil
	}
	r := round5(x)
	return &r
}

func toJSONTrend(t days.Trend) jsonTrend {
	return jsonTrend{Verdict: t.Verdict, Note: t.Note, Days: t.Days, Ratio: finite(t.Ratio), Slope: finite(t.Slope), P: round5(t.P)}
}

func newConnShare(d days.Day) *float64 {
	if d.ConnTimed == 0 {
		return nil
	}
	return finite(float64(d.ConnNew) / float64(d.ConnTimed))
}

// toJSONDays renders the summary for the JSON document; nil when the input
// spans one day.
func toJSONDays(s *days.Summary) *jsonDays {
	if s == nil {
		return nil
	}
	out := &jsonDays{Days: []jsonDay{}, Trend: toJSONTrend(s.Trend), BurstTrend: toJSONTrend(s.BurstTrend)}
	for _, d := range s.Days {
		jd := jsonDay{Date: d.Date, Requests: d.Requests, BadGateway: d.S502, Share502: round5(d.Share), GatewayTimeout: d.S504,
			Bursts: d.Bursts, BurstSeconds: d.BurstSeconds, Sporadic502: d.Sporadic502, NewConnShare: newConnShare(d.Day), Hourly502: d.Hourly, Groups: []jsonDayGroup{}}
		for _, g := range d.Groups {
			jd.Groups = append(jd.Groups, jsonDayGroup{Group: g.Group, Requests: g.Requests, BadGateway: g.S502, Bursts: g.Bursts})
		}
		out.Days = append(out.Days, jd)
	}
	if c := s.Change; c != nil {
		changed := c.Changed
		if changed == nil {
			changed = []string{}
		}
		out.Change = &jsonChange{Date: c.Date, ShareBefore: round5(c.Before), ShareAfter: round5(c.After), BurstsBefore: round5(c.BurstsBefore),
			BurstsAfter: [2]int{c.AfterMin, c.AfterMax}, Description: c.Describe(), Changed: changed, Reading: c.Reading}
	}
	return out
}

// DaysCSVHeader is --csv-days' header: one row per day for all groups
// (group "*", with the day-level columns) and one per day and group.
var DaysCSVHeader = []string{"date", "group", "requests", "bad_gateway", "share_502", "bursts", "burst_seconds", "sporadic_502", "gateway_timeout", "new_connection_share"}

// WriteDaysCSV writes the per-day summary; nothing but the header for an
// input of one day.
func WriteDaysCSV(w io.Writer, s *days.Summary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(DaysCSVHeader); err != nil {
		return err
	}
	if s != nil {
		for _, d := range s.Days {
			share := ""
			if v := newConnShare(d.Day); v != nil {
				share = strconv.FormatFloat(*v, 'f', 3, 64)
			}
			row := []string{d.Date, "*", strconv.Itoa(d.Requests), strconv.Itoa(d.S502), strconv.FormatFloat(d.Share, 'f', 5, 64), strconv.Itoa(d.Bursts),
				strconv.FormatFloat(d.BurstSeconds, 'f', 0, 64), strconv.Itoa(d.Sporadic502), strconv.Itoa(d.S504), share}
			if err := cw.Write(row); err != nil {
				return err
			}
			for _, g := range d.Groups {
				gs := 0.0
				if g.Requests > 0 {
					gs = float64(g.S502) / float64(g.Requests)
				}
				gshare := ""
				if g.ConnTimed > 0 {
					gshare = strconv.FormatFloat(float64(g.ConnNew)/float64(g.ConnTimed), 'f', 3, 64)
				}
				row := []string{d.Date, Cell(g.Group), strconv.Itoa(g.Requests), strconv.Itoa(g.S502), strconv.FormatFloat(gs, 'f', 5, 64), strconv.Itoa(g.Bursts),
					strconv.FormatFloat(g.BurstSeconds, 'f', 0, 64), strconv.Itoa(g.Sporadic502()), strconv.Itoa(g.S504), gshare}
				if err := cw.Write(row); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
