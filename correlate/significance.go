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
// The threshold corrects for how many windows a day holds. Windows of one
// second and longer, at every dyadic scale, number fewer than 2 × 86,400 a
// day, so a per-window threshold of FalseBurstsPerDay / 172,800 keeps the
// expected number of false bursts per day of traffic under
// FalseBurstsPerDay (Bonferroni). The default, 0.1, leaves room for a
// background that is burstier than Poisson while meeting the target of at
// most one false burst a day at background shares from 0.05 % to 1 %.
//
// An impact floor keeps statistically clear but negligible runs out: at
// least Min502 bad responses, at least MinBurstShare of the window's
// requests, and, when the window's requests came from several clients, bad
// responses for more than one of them.

// windowsPerDay bounds the number of windows a day's scan can test.
const windowsPerDay = 2 * 86400

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
// which a window is a burst, for the given false-burst budget per day.
func logThreshold(falseBurstsPerDay float64) float64 {
	return math.Log(falseBurstsPerDay / windowsPerDay)
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
	req, attempts, s502, s504, s5xx, bad int32
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

// counts sums the seconds of the window.
func (w window) counts(secs []secCount) windowCounts {
	var c windowCounts
	for _, s := range secs[w.from : w.to+1] {
		c.requests += int(s.req)
		c.attempts += int(s.attempts)
		c.s502 += int(s.s502)
		c.s504 += int(s.s504)
		c.s5xx += int(s.s5xx)
	}
	return c
}

// scanWindow finds the most significant window of secs with at least
// minBad bad responses and, per request, at least MinBurstShare of them.
// rate is the expected bad responses per request (per second when
// perSecond).
func scanWindow(secs []secCount, rate float64, perSecond bool, minBad int) window {
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
	best := window{logP: 1}
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
	return best
}
