// Package timeline projects a correlate.Snapshot onto time buckets for a
// given width: the numbers behind every timeline badgw draws, with no
// rendering of its own.
package timeline

import (
	"time"

	"github.com/badgw/badgw/correlate"
)

// Zooms are the bucket widths offered, finest first: the series' own
// ladder, so that every zoom at or above a series' width is a whole
// number of its buckets.
var Zooms = correlate.BucketWidths

// Bucket is one column of a timeline.
type Bucket struct {
	Start  time.Time
	Counts correlate.Bucket // requests per status class
	// InBurst is set when a 502 burst overlaps the bucket; Burst is its ID.
	InBurst bool
	Burst   int
}

// Total is every request in the bucket.
func (b Bucket) Total() int {
	n := 0
	for _, c := range b.Counts {
		n += int(c)
	}
	return n
}

// Series is a run of equal-width buckets.
type Series struct {
	Start   time.Time
	Width   time.Duration
	Buckets []Bucket
	// Max is the largest bucket total, for scaling.
	Max int
	// Max502 is the largest 502 count in a bucket.
	Max502 int
}

// FitZoom returns the finest zoom at which span fits in width columns (and
// never finer than the data's own resolution).
func FitZoom(span time.Duration, width int, resolution time.Duration) time.Duration {
	if width < 1 {
		width = 1
	}
	for _, z := range Zooms {
		if z < resolution {
			continue
		}
		if time.Duration(width)*z >= span {
			return z
		}
	}
	return Zooms[len(Zooms)-1]
}

// ZoomIndex returns the index of z in Zooms, or of the nearest wider zoom.
func ZoomIndex(z time.Duration) int {
	for i, v := range Zooms {
		if v >= z {
			return i
		}
	}
	return len(Zooms) - 1
}

// Build rebuckets s into zoom-wide buckets from start to end and marks the
// buckets that 502 bursts overlap.
func Build(s correlate.Series, bursts []correlate.Burst, start, end time.Time, zoom time.Duration) Series {
	if zoom < s.Width {
		zoom = s.Width
	}
	start = start.Truncate(zoom)
	n := int(end.Sub(start)/zoom) + 1
	if n < 1 || end.Before(start) {
		n = 1
	}
	out := Series{Start: start, Width: zoom, Buckets: make([]Bucket, n)}
	for i := range out.Buckets {
		out.Buckets[i].Start = start.Add(time.Duration(i) * zoom)
	}
	for i, b := range s.Buckets {
		t := s.Start.Add(time.Duration(i) * s.Width)
		j := int(t.Sub(start) / zoom)
		if t.Before(start) || j >= n {
			continue
		}
		for c := range b {
			out.Buckets[j].Counts[c] += b[c]
		}
	}
	for _, b := range bursts {
		if b.Kind != correlate.Kind502 {
			continue
		}
		for j := range out.Buckets {
			bs := out.Buckets[j].Start
			if !b.End.Before(bs) && b.Start.Before(bs.Add(zoom)) {
				out.Buckets[j].InBurst = true
				out.Buckets[j].Burst = b.ID
			}
		}
	}
	for _, b := range out.Buckets {
		out.Max = max(out.Max, b.Total())
		out.Max502 = max(out.Max502, int(b.Counts[correlate.Class502]))
	}
	return out
}

// Whole builds the overall timeline of a snapshot fitted to width columns.
func Whole(snap correlate.Snapshot, width int) Series {
	o := snap.Overall
	if len(o.Buckets) == 0 {
		return Series{Width: time.Second}
	}
	end := o.End().Add(-o.Width)
	zoom := FitZoom(end.Sub(o.Start)+o.Width, width, o.Width)
	return Build(o, snap.Bursts, o.Start, end, zoom)
}
