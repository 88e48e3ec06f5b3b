package html

import (
	"fmt"
	"math"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/days"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/timeline"
	"github.com/badgw/badgw/words"
)

// The timeline is drawn in a viewBox of svgWidth units, one column per
// bucket of at most maxColumns: the SVG scales to the page's width.
const (
	svgWidth   = 1000.0
	chartTop   = 8.0
	chartH     = 140.0
	laneH      = 26.0
	maxColumns = 500
)

// svgTimeline is the geometry of the timeline: stacked bars per bucket by
// status class, bands for the bursts and timeout episodes, a lane of 502s
// per upstream group, axis labels. Every number is computed here; the
// template only places it.
type svgTimeline struct {
	ChartHeight float64
	LaneH       float64
	// StartMs and SpanMs place the chart in time, OffsetS is the logs'
	// zone offset and MultiDay says labels carry the date: the script
	// redraws the axis labels from them when it zooms.
	StartMs, SpanMs int64
	OffsetS         int
	MultiDay        bool
	Columns         []column
	Bands           []band
	Lanes           []lane
	Ticks           []tick
	Max             int
	Width           string // a bucket's width, in words
	AxisY, MaxY     float64
}

type column struct {
	X, W  float64
	Bars  []bar
	Title string // the bucket's counts, shown on hover without script
}

type bar struct {
	Y, H  float64
	Class string
}

type band struct {
	X, W         float64
	Class, Title string
	Anchor       string
}

type lane struct {
	Label string
	Bars  []bar
	Xs    []float64
	W     float64
}

type tick struct {
	X     float64
	Label string
}

// classOrder stacks the classes, ok at the bottom and 502 on top.
var classOrder = []struct {
	class correlate.Class
	name  string
}{
	{correlate.ClassOK, "ok"}, {correlate.Class4xx, "c4xx"}, {correlate.Class499, "c499"},
	{correlate.Class5xx, "c5xx"}, {correlate.Class504, "c504"}, {correlate.Class502, "c502"},
}

// timelineOf draws the chart; a band links to its burst's block when
// linked says the page holds it.
func timelineOf(snap pipeline.Snapshot, linked map[string]bool) *svgTimeline {
	whole := timeline.Whole(snap.Snapshot, maxColumns)
	if len(whole.Buckets) == 0 || whole.Max == 0 {
		return nil
	}
	n := len(whole.Buckets)
	colW := svgWidth / float64(n)
	start := whole.Start
	span := time.Duration(n) * whole.Width
	x := func(t time.Time) float64 { return svgWidth * float64(t.Sub(start)) / float64(span) }
	multiDay := span > 24*time.Hour
	_, offset := start.Zone()
	t := &svgTimeline{Max: whole.Max, Width: report.Clean(words.Duration(whole.Width)), AxisY: chartTop + chartH, MaxY: chartTop,
		ChartHeight: chartTop + chartH + 2, LaneH: laneH, StartMs: start.UnixMilli(), SpanMs: span.Milliseconds(), OffsetS: offset, MultiDay: multiDay}
	for i, b := range whole.Buckets {
		c := column{X: float64(i) * colW, W: colW}
		y := chartTop + chartH
		for _, co := range classOrder {
			v := b.Counts[co.class]
			if v == 0 {
				continue
			}
			h := chartH * float64(v) / float64(whole.Max)
			y -= h
			c.Bars = append(c.Bars, bar{Y: y, H: h, Class: co.name})
		}
		c.Title = fmt.Sprintf("%s: %d requests, %d 502, %d 504, %d other 5xx", clock(b.Start, multiDay), b.Total(),
			b.Counts[correlate.Class502], b.Counts[correlate.Class504], b.Counts[correlate.Class5xx])
		t.Columns = append(t.Columns, c)
	}
	for _, b := range snap.Bursts {
		class := map[correlate.Kind]string{correlate.Kind502: "band502", correlate.Kind504: "band504"}[b.Kind]
		if class == "" {
			continue
		}
		x0, x1 := x(b.Start), x(b.End.Add(time.Second))
		anchor := fmt.Sprintf("burst-%d", b.ID)
		if !linked[anchor] {
			anchor = ""
		}
		t.Bands = append(t.Bands, band{X: x0, W: max(x1-x0, 1.5), Class: class, Anchor: anchor,
			Title: fmt.Sprintf("#%d %s %s→%s %d×%s %s", b.ID, report.Clean(b.Group), clock(b.Start, multiDay), clock(b.End, multiDay), b.Bad(), report.KindLabel(b), report.CauseLine(b))})
	}
	for _, g := range snap.Groups {
		s := timeline.Build(g.Series, nil, whole.Start, whole.Start.Add(span-whole.Width), whole.Width)
		if s.Max502 == 0 {
			continue
		}
		l := lane{Label: report.Clean(g.Group) + fmt.Sprintf(": 502s, at most %d a bucket", s.Max502), W: colW}
		for i, b := range s.Buckets {
			if v := b.Counts[correlate.Class502]; v > 0 {
				h := laneH * float64(v) / float64(s.Max502)
				l.Bars = append(l.Bars, bar{Y: laneH - h, H: h, Class: "c502"})
				l.Xs = append(l.Xs, float64(i)*colW)
			}
		}
		t.Lanes = append(t.Lanes, l)
	}
	const ticks = 6
	for i := 0; i <= ticks; i++ {
		at := start.Add(span * time.Duration(i) / ticks)
		t.Ticks = append(t.Ticks, tick{X: x(at), Label: clock(at, multiDay)})
	}
	return t
}

// daysView is one bar per day of the 502 share, with the verdicts.
type daysView struct {
	Verdict, Bursts string
	Change          []string
	Bars            []dayBar
	Height          float64
}

type dayBar struct {
	X, W, Y, H   float64
	Label, Title string
	Changed      bool
}

func daysOf(s *days.Summary) *daysView {
	if s == nil {
		return nil
	}
	v := &daysView{Verdict: report.TrendText("the 502 share is", s.Trend), Bursts: report.TrendText("bursts per day", s.BurstTrend), Height: 130}
	if c := s.Change; c != nil {
		v.Change = append(v.Change, report.Clean(c.Describe()))
		for _, l := range c.Changed {
			v.Change = append(v.Change, report.Clean(l))
		}
		if c.Reading != "" {
			v.Change = append(v.Change, report.Clean(c.Reading))
		}
	}
	top := 0.0
	for _, d := range s.Days {
		top = max(top, d.Share)
	}
	w := svgWidth / float64(len(s.Days))
	// A label every few days when they are many: a date takes about 70
	// units of the 1,000.
	every := max(1, int(math.Ceil(70/w)))
	for i, d := range s.Days {
		h := 0.0
		if top > 0 {
			h = 100 * d.Share / top
		}
		label := ""
		if i%every == 0 {
			label = d.Date
		}
		v.Bars = append(v.Bars, dayBar{X: float64(i)*w + w*0.1, W: w * 0.8, Y: 105 - h, H: h, Label: label,
			Title:   fmt.Sprintf("%s: %d requests, %d 502 (%s), %d bursts", d.Date, d.Requests, d.S502, pct(d.Share), d.Bursts),
			Changed: s.Change != nil && d.Date == s.Change.Date})
	}
	return v
}
