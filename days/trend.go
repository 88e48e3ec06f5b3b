package days

import "math"

// Trend is the verdict on a series of days.
type Trend struct {
	// Verdict is "growing", "falling", "flat", or "" when too few days
	// (fewer than minTrendDays) allow a test.
	Verdict string
	// Note says what a series too short for a verdict does ("rising
	// every day; too few days to test"), empty otherwise.
	Note string
	Days int
	// Ratio is the rate of the later half of the days over the earlier
	// half's (each half's counts over its exposure); +Inf from nothing.
	Ratio float64
	// Slope is the fitted change per day, as a factor: of the odds of a
	// bad answer for a share (Odds), of the rate for a count (2: doubling
	// each day).
	Slope float64
	Odds  bool
	// P is the trend test's p-value: how likely counts with no trend,
	// as scattered from day to day as these are, are to show one at
	// least this strong.
	P float64
}

// minTrendDays is the fewest days a trend is tested on: the test
// estimates a level, a slope and the day-to-day scatter, so it needs
// four days to have any scatter left to judge the slope against.
const minTrendDays = 4

// trendAlpha is the false-alarm rate of a trend verdict.
const trendAlpha = 0.05

// trendOf tests daily counts for a trend: bad answers out of requests
// (binomial, when trials are given) or events a day (Poisson, exposure 1
// each). The model is a regression on the day, logistic for a share,
// log-linear for a count, its likelihood ratio against no trend scaled by
// the overdispersion (the Pearson statistic over its degrees of freedom,
// never under 1) and read against F(1, days−2). Unlike a rank test on the
// shares, it uses the hundreds of thousands of requests behind each day,
// so four days that rise clearly are a trend; the logistic scale follows a
// share that saturates towards 100 % as it rises; the overdispersion makes
// days that jump about (one bad day) weak evidence. A rise carried by one
// day alone (gone when that day is left out) is not called one.
func trendOf(ys, ns []float64, m model) Trend {
	t := Trend{Days: len(ys), Ratio: halvesRatio(ys, ns), Odds: m == binomial}
	if len(ys) < minTrendDays {
		t.Note = monotoneNote(ys, ns)
		return t
	}
	b, p := regressionTrend(ys, ns, m)
	t.P, t.Slope = p, math.Exp(b)
	switch {
	case p >= trendAlpha || !carriedByMany(ys, ns, b, m):
		t.Verdict = "flat"
	case b > 0:
		t.Verdict = "growing"
	default:
		t.Verdict = "falling"
	}
	return t
}

// model is the regression's family.
type model int

const (
	poisson  model = iota // counts over an exposure, log link
	binomial              // successes out of trials, logit link
)

// mean is the fitted count of day i.
func (m model) mean(n, a, b float64, i int) float64 {
	eta := a + b*float64(i)
	if m == binomial {
		return n / (1 + math.Exp(-eta))
	}
	return n * math.Exp(eta)
}

// weight is the Fisher information of one day's linear predictor.
func (m model) weight(n, mu float64) float64 {
	if m == binomial {
		return mu * (1 - mu/n)
	}
	return mu
}

// regressionTrend fits the model and returns the slope and the p-value
// of the quasi-likelihood ratio test for it.
func regressionTrend(ys, ns []float64, m model) (slope, p float64) {
	k := len(ys)
	a0, ok := flatStart(ys, ns, m)
	if !ok {
		return 0, 1
	}
	null := deviance(ys, ns, a0, 0, m)
	a, b := fitTrend(ys, ns, a0, m)
	full := deviance(ys, ns, a, b, m)
	phi := max(1, pearson(ys, ns, a, b, m)/float64(k-2))
	f := max(0, null-full) / phi
	return b, fTail(f, float64(k-2))
}

// flatStart is the intercept of the model without a trend; ok is false
// when the counts are all zero (or, for shares, all full), where there is
// nothing to fit.
func flatStart(ys, ns []float64, m model) (float64, bool) {
	total, exposure := 0.0, 0.0
	for i := range ys {
		total += ys[i]
		exposure += ns[i]
	}
	if total == 0 || exposure == 0 || m == binomial && total >= exposure {
		return 0, false
	}
	if m == binomial {
		return math.Log(total / (exposure - total)), true
	}
	return math.Log(total / exposure), true
}

// fitTrend maximises the likelihood of a + b·i by Newton's method, from
// a0 and a flat slope. The slope is bounded: counts that start from
// nothing push it to infinity, and the likelihood there is what the bound
// gives to within any use.
func fitTrend(ys, ns []float64, a0 float64, m model) (a, b float64) {
	const maxSlope = 20
	a = a0
	for range 100 {
		var g0, g1, h00, h01, h11 float64
		for i := range ys {
			x := float64(i)
			mu := m.mean(ns[i], a, b, i)
			w := m.weight(ns[i], mu)
			g0 += ys[i] - mu
			g1 += (ys[i] - mu) * x
			h00 += w
			h01 += w * x
			h11 += w * x * x
		}
		det := h00*h11 - h01*h01
		if det <= 0 {
			break
		}
		da := (h11*g0 - h01*g1) / det
		db := (h00*g1 - h01*g0) / det
		a, b = a+da, max(-maxSlope, min(maxSlope, b+db))
		if math.Abs(da) < 1e-10 && math.Abs(db) < 1e-10 {
			break
		}
	}
	return a, b
}

// deviance is the model's deviance of the counts under a + b·i.
func deviance(ys, ns []float64, a, b float64, m model) float64 {
	d := 0.0
	for i := range ys {
		mu := m.mean(ns[i], a, b, i)
		d += 2 * xlogxOver(ys[i], mu)
		if m == binomial {
			d += 2 * xlogxOver(ns[i]-ys[i], ns[i]-mu)
		} else {
			d -= 2 * (ys[i] - mu)
		}
	}
	return d
}

// xlogxOver is y·log(y/mu), 0 for y = 0.
func xlogxOver(y, mu float64) float64 {
	if y <= 0 {
		return 0
	}
	return y * math.Log(y/max(mu, 1e-300))
}

// pearson is the Pearson statistic of the counts under a + b·i.
func pearson(ys, ns []float64, a, b float64, m model) float64 {
	x := 0.0
	for i := range ys {
		mu := m.mean(ns[i], a, b, i)
		if v := m.weight(ns[i], mu); v > 1e-12 {
			x += (ys[i] - mu) * (ys[i] - mu) / v
		}
	}
	return x
}

// carriedByMany reports whether the fitted direction holds with any one
// day left out, keeping at least a quarter of the slope: a trend that one
// day makes alone is that day, not a trend.
func carriedByMany(ys, ns []float64, b float64, m model) bool {
	for skip := range ys {
		var y, n []float64
		for i := range ys {
			if i != skip {
				y, n = append(y, ys[i]), append(n, ns[i])
			}
		}
		a0, ok := flatStart(y, n, m)
		if !ok {
			return false
		}
		if _, bb := fitTrend(y, n, a0, m); bb*b <= 0 || math.Abs(bb) < math.Abs(b)/4 {
			return false
		}
	}
	return true
}

// monotoneNote says, for a series too short to test, whether it rose or
// fell every day.
func monotoneNote(ys, ns []float64) string {
	if len(ys) < 2 {
		return ""
	}
	up, down := true, true
	for i := 1; i < len(ys); i++ {
		prev, cur := ys[i-1]/ns[i-1], ys[i]/ns[i]
		up = up && cur > prev
		down = down && cur < prev
	}
	switch {
	case up:
		return "rising every day; too few days to test"
	case down:
		return "falling every day; too few days to test"
	}
	return ""
}

// halvesRatio is the rate of the later half of the days over the earlier
// half's.
func halvesRatio(ys, ns []float64) float64 {
	n := len(ys)
	rate := func(lo, hi int) float64 {
		y, e := 0.0, 0.0
		for i := lo; i < hi; i++ {
			y, e = y+ys[i], e+ns[i]
		}
		if e == 0 {
			return 0
		}
		return y / e
	}
	early, late := rate(0, n/2), rate(n-n/2, n)
	switch {
	case early > 0:
		return late / early
	case late > 0:
		return math.Inf(1)
	}
	return 1
}

// fTail is P(F > f) for F(1, df): that of a t with df degrees of freedom
// beyond ±√f, through the regularised incomplete beta function.
func fTail(f, df float64) float64 {
	if f <= 0 {
		return 1
	}
	return incBeta(df/2, 0.5, df/(df+f))
}

// incBeta is the regularised incomplete beta function I_x(a, b), by its
// continued fraction (Lentz's method), on the side where it converges.
func incBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log(1-x))
	if x > (a+1)/(a+b+2) {
		return 1 - front*betaFraction(b, a, 1-x)/b
	}
	return front * betaFraction(a, b, x) / a
}

func betaFraction(a, b, x float64) float64 {
	const tiny = 1e-300
	c, d := 1.0, 1-(a+b)*x/(a+1)
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 300; m++ {
		fm := float64(m)
		for _, num := range []float64{
			fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm)),
			-(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1)),
		} {
			d = 1 + num*d
			if math.Abs(d) < tiny {
				d = tiny
			}
			c = 1 + num/c
			if math.Abs(c) < tiny {
				c = tiny
			}
			d = 1 / d
			h *= d * c
		}
		if math.Abs(d*c-1) < 1e-14 {
			break
		}
	}
	return h
}
