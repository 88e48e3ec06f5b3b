package correlate

import "math"

// The burst test.
//
// A run of 502s is a burst when it is too unlikely to be a coincidence of
// the group's sporadic failures. Under the null hypothesis each request of
// the group fails independently with the group's background share p0 (its
// 502s outside bursts over the last hour, with a weak prior), so the bad
// responses among the n requests of a window are Poisson with mean n·p0.
// Conditioning on requests, not seconds, makes the test indifferent to the
// daily load curve.
//
// Inside each run that the quiet gap delimits (a candidate), the window of
// whole seconds, starting and ending on a bad second, with the smallest
// tail probability P(X ≥ k) is the scan statistic; its window is the burst
// reported, and the candidate's 502s outside it are sporadic.
//
// The threshold corrects for how many windows a day holds: a window starts
// at any of 86,400 seconds and, for a burst, lasts up to a minute or so,
// so each group tests at most 86,400 × 60 windows a day. A per-window
// threshold of FalseBurstsPerDay / (groups × 86,400 × 60) keeps the
// expected number of false bursts per day of traffic under
// FalseBurstsPerDay (Bonferroni; longer bursts are far past any threshold).
// The default, 0.1, leaves room for a background burstier than Poisson
// while meeting the target of at most one false burst a day at background
// shares from 0.05 % to 1 % (TestDayScaleAccuracy measures it).
//
// The scan's window can take in sporadic 502s next to a real burst. Two
// passes narrow it. A stretch without any bad response inside the window
// that would be improbable at the window's own share (fewer than 1 in 100
// at that exposure) separates clusters, and only the clusters significant
// on their own stay. Then its ends are trimmed while an end segment fails
// at less than the geometric mean of the background share and the
// window's share.
//
// An impact floor keeps statistically clear but negligible runs out: at
// least Min502 bad responses, at least MinBurstShare of the window's
// requests, and, when the window's requests came from several clients, bad
// responses for more than one of them.

// windowsPerDay bounds the windows one group's scan tests in a day.
const windowsPerDay = 86400 * 60

// MinBurstShare is the impact floor on the share of a window's requests
// that failed: below 1 in 100 it is a raised background, not a burst.
const MinBurstShare = 0.01

// Background priors: a group with no history is assumed to fail like one
// in a thousand requests, worth a thousand requests of evidence, and never
// less than minBackground (the low end of what real sites show), so that a
// clean hour does not make three 502s look like an outage.
const (
	priorBad      = 1.0
	priorRequests = 1000.0
	minBackground = 0.0005
)

// backgroundTau is the time constant, in seconds, of the background share.
const backgroundTau = 3600

// background holds exponentially decayed counts of a group's requests and
// bad responses outside bursts.
type background struct {
	req, bad float64
}

func (b *background) decay(secs int64) {
	f := math.Exp(-float64(secs) / backgroundTau)
	b.req *= f
	b.bad *= f
}

func (b *background) add(req, bad int) {
	b.req += float64(req)
	b.bad += float64(bad)
}

// share is the background share p0 the burst test uses.
func (b background) share() float64 {
	return max(minBackground, (b.bad+priorBad)/(b.req+priorRequests))
}

// logThreshold is the natural log of the per-window tail probability below
// which a window is a burst, for the given false-burst budget per day and
// number of groups tested.
func logThreshold(falseBurstsPerDay float64, groups int) float64 {
	return math.Log(falseBurstsPerDay / (windowsPerDay * float64(max(1, groups))))
}

// logPoissonTail returns ln P(X ≥ k) for X ~ Poisson(lambda).
func logPoissonTail(k int, lambda float64) float64 {
	if k <= 0 {
		return 0
	}
	if lambda <= 0 {
		return math.Inf(-1)
	}
	if float64(k) <= lambda {
		// At or below the mean the tail is at least about a half: not
		// evidence of anything, and no need for precision.
		return math.Log(0.5)
	}
	// Sum the terms from k up; each is lambda/(j+1) times the one before,
	// so the series falls off fast above the mean.
	lg, _ := math.Lgamma(float64(k + 1))
	logTerm := -lambda + float64(k)*math.Log(lambda) - lg
	sum, term := 1.0, 1.0
	for j := k + 1; j < k+1000; j++ {
		term *= lambda / float64(j)
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return math.Min(0, logTerm+math.Log(sum))
}

// secCount is one second of a candidate: the group's requests with their
// upstream attempts and final 5xx statuses, and the bad responses of the
// candidate's kind (for an error-log candidate only bad, its exposure
// being counted in seconds).
type secCount struct {
	req, attempts, s502, s504, s5xx, bad, joined int32
	connTimed, connNew                           int32
}

// maxScanSecs bounds the seconds a candidate keeps for the scan; a longer
// candidate is tested as a whole.
const maxScanSecs = 3600

// maxScanPoints bounds the bad seconds the O(m²) scan looks at; beyond it
// seconds are grouped so the scan stays cheap.
const maxScanPoints = 400

// window is a scan result: seconds [from, to] of the candidate, its counts
// and the log tail probability.
type window struct {
	from, to int
	req, bad int
	logP     float64
}

// counts sums the seconds of the window, and the bad responses joined to
// an error line.
func (w window) counts(secs []secCount) (c windowCounts, joined int) {
	for _, s := range secs[w.from : w.to+1] {
		joined += int(s.joined)
		c.requests += int(s.req)
		c.attempts += int(s.attempts)
		c.s502 += int(s.s502)
		c.s504 += int(s.s504)
		c.s5xx += int(s.s5xx)
		c.connTimed += int(s.connTimed)
		c.connNew += int(s.connNew)
	}
	return c, joined
}

// scanWindow finds the most significant window of secs with at least
// minBad bad responses and, per request, at least MinBurstShare of them.
// rate is the expected bad responses per request (per second when
// perSecond).
func scanWindow(secs []secCount, rate float64, perSecond bool, minBad int, logThreshold float64) window {
	// Prefix sums over seconds, and the bad seconds as candidate ends.
	n := len(secs)
	reqSum := make([]int, n+1)
	badSum := make([]int, n+1)
	var points []int
	for i, s := range secs {
		reqSum[i+1] = reqSum[i] + int(s.req)
		badSum[i+1] = badSum[i] + int(s.bad)
		if s.bad > 0 {
			points = append(points, i)
		}
	}
	if len(points) > maxScanPoints {
		// Keep every step-th bad second as a boundary: the windows tried
		// are coarser, their counts still exact.
		step := (len(points) + maxScanPoints - 1) / maxScanPoints
		thinned := points[:0:0]
		for i := 0; i < len(points); i += step {
			thinned = append(thinned, points[i])
		}
		if last := points[len(points)-1]; thinned[len(thinned)-1] != last {
			thinned = append(thinned, last)
		}
		points = thinned
	}
	best := window{logP: 1, from: -1}
	for a, i := range points {
		for _, j := range points[a:] {
			bad := badSum[j+1] - badSum[i]
			req := reqSum[j+1] - reqSum[i]
			if bad < minBad || !perSecond && float64(bad) < MinBurstShare*float64(req) {
				continue
			}
			exposure := float64(req)
			if perSecond {
				exposure = float64(j - i + 1)
			}
			lp := logPoissonTail(bad, exposure*rate)
			if lp < best.logP {
				best = window{from: i, to: j, req: req, bad: bad, logP: lp}
			}
		}
	}
	if best.from < 0 {
		return window{to: -1, logP: 0}
	}
	best = splitAtQuiet(secs, best, rate, perSecond, logThreshold)
	return trimWindow(secs, best, rate, perSecond)
}

// exposureOf is what seconds [from, to] expose to failure: their
// requests, or the seconds themselves for an error-log candidate.
func exposureOf(secs []secCount, from, to int, perSecond bool) float64 {
	if perSecond {
		return float64(to - from + 1)
	}
	n := 0
	for _, s := range secs[from : to+1] {
		n += int(s.req)
	}
	return float64(n)
}

// quietLogP is ln(1/100): a stretch with no bad response whose probability
// at the window's share is below it separates two clusters.
var quietLogP = math.Log(0.01)

// splitAtQuiet cuts w at the improbably quiet stretches inside it and
// keeps the span from the first to the last part that is significant on
// its own (all of w when none is).
func splitAtQuiet(secs []secCount, w window, rate float64, perSecond bool, logThreshold float64) window {
	exposure := func(from, to int) float64 { return exposureOf(secs, from, to, perSecond) }
	share := float64(w.bad) / max(1, exposure(w.from, w.to))
	first, last := -1, -1
	partFrom, bad := w.from, 0
	closePart := func(to int) {
		if logPoissonTail(bad, exposure(partFrom, to)*rate) < logThreshold {
			if first < 0 {
				first = partFrom
			}
			last = to
		}
	}
	for i := w.from; i <= w.to; i++ {
		if secs[i].bad == 0 {
			continue
		}
		if i > partFrom && bad > 0 {
			// Seconds (prevBad, i) are quiet: P(0) = exp(-share × exposure).
			prev := i - 1
			for prev > partFrom && secs[prev].bad == 0 {
				prev--
			}
			if prev+1 < i && -share*exposure(prev+1, i-1) < quietLogP {
				closePart(prev)
				partFrom, bad = i, 0
			}
		}
		bad += int(secs[i].bad)
	}
	closePart(w.to)
	if first < 0 || first == w.from && last == w.to {
		return w
	}
	out := window{from: first, to: last, req: int(exposure(first, last))}
	for _, s := range secs[first : last+1] {
		out.bad += int(s.bad)
	}
	if perSecond {
		out.req = 0
	}
	out.logP = logPoissonTail(out.bad, exposure(first, last)*rate)
	return out
}

// trimWindow drops the end segments of w that fail at a background-like
// rate: below the geometric mean of rate and w's own share. An end
// segment is the end's bad second and up to three more inward, with the
// requests up to the next bad second: a sparse edge is judged as a whole,
// not one second at a time.
func trimWindow(secs []secCount, w window, rate float64, perSecond bool) window {
	exposure := func(from, to int) float64 { return exposureOf(secs, from, to, perSecond) }
	const maxEdge = 4
	for w.from < w.to {
		cut := math.Sqrt(rate * float64(w.bad) / max(1, exposure(w.from, w.to)))
		trimmed := false
		// Left edge: blocks of 1 to maxEdge bad seconds; the widest sparse one goes.
		bad, newFrom := 0, -1
		for i, k := w.from, 0; i < w.to && k < maxEdge; k++ {
			bad += int(secs[i].bad)
			next := i + 1
			for next < w.to && secs[next].bad == 0 {
				next++
			}
			if float64(bad) < cut*exposure(w.from, next-1) {
				newFrom = next
			}
			i = next
		}
		if newFrom > 0 {
			for i := w.from; i < newFrom; i++ {
				w.bad -= int(secs[i].bad)
			}
			w.from, trimmed = newFrom, true
		}
		bad, newTo := 0, -1
		for i, k := w.to, 0; i > w.from && k < maxEdge; k++ {
			bad += int(secs[i].bad)
			prev := i - 1
			for prev > w.from && secs[prev].bad == 0 {
				prev--
			}
			if float64(bad) < cut*exposure(prev+1, w.to) {
				newTo = prev
			}
			i = prev
		}
		if newTo >= 0 {
			for i := newTo + 1; i <= w.to; i++ {
				w.bad -= int(secs[i].bad)
			}
			w.to, trimmed = newTo, true
		}
		if !trimmed {
			break
		}
	}
	w.req = int(exposure(w.from, w.to))
	if perSecond {
		w.req = 0
	}
	w.logP = logPoissonTail(w.bad, exposure(w.from, w.to)*rate)
	return w
}
