package correlate

import "time"

// Class groups final statuses the way an operator reads them during a 502
// incident.
type Class uint8

// Status classes, in the order timelines stack them.
const (
	ClassOK  Class = iota // 1xx, 2xx, 3xx
	Class4xx              // 4xx except 499
	Class499              // client closed the request
	Class502              // bad gateway
	Class504              // gateway timeout
	Class5xx              // every other 5xx
	NumClasses
)

var classNames = [NumClasses]string{"ok", "4xx", "499", "502", "504", "5xx"}

func (c Class) String() string { return classNames[c] }

// ClassOf returns the class of an HTTP status.
func ClassOf(status int) Class {
	switch {
	case status == 502:
		return Class502
	case status == 504:
		return Class504
	case status == 499:
		return Class499
	case status >= 500:
		return Class5xx
	case status >= 400:
		return Class4xx
	}
	return ClassOK
}

// maxBuckets bounds a series: four hours at one-second resolution, after
// which buckets widen along BucketWidths so any span fits in fixed memory.
const maxBuckets = 4 * 3600

// BucketWidths is the ladder a series' bucket width climbs, each width a
// multiple of the one before and a divisor of a day, so a series can be
// shown at any wider width of the ladder with every request in the bucket
// its time falls in. (Doubling gave 64 s buckets that straddled a 900 s
// column and put a minute's requests in the quarter-hour before it.)
var BucketWidths = []time.Duration{
	time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// widerWidth is the next width of the ladder; past its end, twice w.
func widerWidth(w time.Duration) time.Duration {
	for _, v := range BucketWidths {
		if v > w {
			return v
		}
	}
	return 2 * w
}

// Bucket holds the requests per class in one time bucket.
type Bucket [NumClasses]int32

// Series is a time series of per-class counts with an adaptive bucket width.
type Series struct {
	Start   time.Time     // start of Buckets[0]
	Width   time.Duration // one second until the span outgrows maxBuckets
	Buckets []Bucket

	// lastSec and lastIdx remember the bucket of the last second added:
	// consecutive lines mostly share it, and buckets are whole seconds.
	lastSec int64
	lastIdx int
	// limit is the most buckets held; 0 is maxBuckets
	// (Options.SeriesBuckets).
	limit int
}

func (s *Series) bound() int {
	if s.limit > 0 {
		return s.limit
	}
	return maxBuckets
}

// Add counts one request of class cl finished at t.
func (s *Series) Add(t time.Time, cl Class) { s.AddN(t, cl, 1) }

// AddN counts n requests of class cl finished in t's second.
func (s *Series) AddN(t time.Time, cl Class, n int32) {
	sec := t.Unix()
	if sec == s.lastSec && s.Width != 0 {
		s.Buckets[s.lastIdx][cl] += n
		return
	}
	if s.Width == 0 {
		s.Width = time.Second
		s.Start = t.Truncate(time.Second)
	}
	// Start and Width are whole seconds, so whole seconds find the bucket.
	start := s.Start.Unix()
	if sec < start {
		// Out-of-order input from another file: grow to the left, widening
		// the buckets when the bound requires it.
		for {
			k := int((s.Start.Sub(t) + s.Width - 1) / s.Width)
			if len(s.Buckets)+k <= s.bound() {
				s.Buckets = append(make([]Bucket, k, k+len(s.Buckets)), s.Buckets...)
				s.Start = s.Start.Add(-time.Duration(k) * s.Width)
				break
			}
			s.coarsen()
		}
		start = s.Start.Unix()
		s.lastSec = 0
	}
	i := int((sec - start) / int64(s.Width/time.Second))
	if i < 0 {
		i = 0
	}
	for i >= s.bound() {
		s.coarsen()
		i = int(t.Sub(s.Start) / s.Width)
	}
	if i >= len(s.Buckets) {
		if i < cap(s.Buckets) {
			s.Buckets = s.Buckets[:i+1]
		} else {
			s.Buckets = append(s.Buckets, make([]Bucket, i+1-len(s.Buckets))...)
		}
	}
	s.Buckets[i][cl] += n
	s.lastSec, s.lastIdx = sec, i
}

// coarsen widens the buckets to the next width of the ladder, merging
// neighbours in place: bucket j of the wider series takes old buckets
// r·j-off … r·j+r-1-off (r the ratio of the widths), never one before j
// once j > 0, so each is read before it is written over. (A new array each
// time was an eighth of all a day's allocation, for two dozen series.)
func (s *Series) coarsen() {
	wider := widerWidth(s.Width)
	r := int(wider / s.Width)
	start := s.Start.Truncate(wider)
	off := int(s.Start.Sub(start) / s.Width)
	n := (len(s.Buckets) + off + r - 1) / r
	for j := range n {
		var merged Bucket
		for i := r*j - off; i <= r*j+r-1-off; i++ {
			if i >= 0 && i < len(s.Buckets) {
				for c := range merged {
					merged[c] += s.Buckets[i][c]
				}
			}
		}
		s.Buckets[j] = merged
	}
	clear(s.Buckets[n:])
	s.Start, s.Width, s.Buckets = start, wider, s.Buckets[:n]
	s.lastSec = 0
}

// End is the end of the last bucket.
func (s *Series) End() time.Time {
	return s.Start.Add(time.Duration(len(s.Buckets)) * s.Width)
}

// Clone returns a deep copy, safe to hand to another goroutine.
func (s *Series) Clone() Series {
	c := *s
	c.Buckets = append([]Bucket(nil), s.Buckets...)
	return c
}

// Total is the number of requests in the series.
func (s *Series) Total() int {
	n := 0
	for _, b := range s.Buckets {
		for _, c := range b {
			n += int(c)
		}
	}
	return n
}
