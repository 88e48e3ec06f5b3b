package days

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Span is one burst, as the summary counts it.
type Span struct {
	Start, End time.Time
	Group      string
	Bad        int
	// Cause is the burst's top cause, Peer the peer its error lines name
	// most ("" when none), for the change reading to follow.
	Cause, Peer string
}

// Summary is the per-day view of an input of several days.
type Summary struct {
	Days  []DaySummary
	Trend Trend
	// BurstTrend is the same test on the number of bursts per day.
	BurstTrend Trend
	// Change is when 502s began or changed regime, nil when the days show
	// none.
	Change *Change
	// Dropped counts records past the days kept.
	Dropped int
}

// DaySummary is a Day with its bursts.
type DaySummary struct {
	Day
	Share        float64 // 502s per request
	Bursts       int
	BurstSeconds float64
	BurstBad     int // 502s inside bursts
	Sporadic502  int // 502s outside bursts
	Groups       []GroupDay
}

// GroupDay is one upstream group's day.
type GroupDay struct {
	Group                string
	Requests, S502, S504 int
	Bursts               int
	BurstSeconds         float64
	BurstBad             int // 502s inside the group's bursts
	ConnTimed, ConnNew   int
}

// Sporadic502 counts the group's 502s outside its bursts.
func (g GroupDay) Sporadic502() int { return max(0, g.S502-g.BurstBad) }

// Summarize builds the summary from the counted days, the bursts, and the
// group of each peer (peers without one are their own group). It returns
// nil for an input of one day or none: there is no "per day" to show.
func Summarize(days []Day, bursts []Span, groupOf map[string]string, dropped int) *Summary {
	if len(days) < 2 {
		return nil
	}
	index := map[string]int{}
	s := &Summary{Dropped: dropped}
	for i, d := range days {
		index[d.Date] = i
		ds := DaySummary{Day: d}
		if d.Requests > 0 {
			ds.Share = float64(d.S502) / float64(d.Requests)
		}
		s.Days = append(s.Days, ds)
	}
	groups := make([]map[string]*GroupDay, len(days))
	for i, d := range days {
		groups[i] = map[string]*GroupDay{}
		for peer, p := range d.Peers {
			g := groupOf[peer]
			if g == "" {
				g = peer
			}
			gd := groups[i][g]
			if gd == nil {
				gd = &GroupDay{Group: g}
				groups[i][g] = gd
			}
			gd.Requests += p.Requests
			gd.S502 += p.S502
			gd.S504 += p.S504
			gd.ConnTimed += p.ConnTimed
			gd.ConnNew += p.ConnNew
		}
	}
	for _, b := range bursts {
		i, ok := index[b.Start.Format("2006-01-02")]
		if !ok {
			continue
		}
		ds := &s.Days[i]
		ds.Bursts++
		ds.BurstSeconds += max(1, b.End.Sub(b.Start).Seconds())
		ds.BurstBad += b.Bad
		gd := groups[i][b.Group]
		if gd == nil {
			gd = &GroupDay{Group: b.Group}
			groups[i][b.Group] = gd
		}
		gd.Bursts++
		gd.BurstSeconds += max(1, b.End.Sub(b.Start).Seconds())
		gd.BurstBad += b.Bad
	}
	for i := range s.Days {
		ds := &s.Days[i]
		ds.Sporadic502 = max(0, ds.S502-ds.BurstBad)
		for _, gd := range groups[i] {
			ds.Groups = append(ds.Groups, *gd)
		}
		// Busiest first; equally busy groups (round robin gives peers the
		// same count) by name, so every run prints them in one order.
		sort.Slice(ds.Groups, func(a, b int) bool {
			ga, gb := &ds.Groups[a], &ds.Groups[b]
			return ga.Requests > gb.Requests || (ga.Requests == gb.Requests && ga.Group < gb.Group)
		})
	}
	var bad, requests, perDay, ones []float64
	for _, ds := range s.Days {
		if ds.Requests >= minRequests {
			bad = append(bad, float64(ds.S502))
			requests = append(requests, float64(ds.Requests))
			perDay = append(perDay, float64(ds.Bursts))
			ones = append(ones, 1)
		}
	}
	s.Trend = trendOf(bad, requests, binomial)
	s.BurstTrend = trendOf(perDay, ones, poisson)
	s.Change = changeOf(s.Days)
	if c := s.Change; c != nil && c.Ratio > 1 && !c.churnShown {
		if r := burstsReading(bursts, c.Date); r != "" {
			c.Reading = r
		}
	}
	return s
}

// burstsReading says what the bursts from the change day on were, when
// most of them (four in five) share a cause and a peer: a peer refusing
// more each day is a peer to look at, not a log field to add.
func burstsReading(bursts []Span, from string) string {
	type key struct{ cause, peer string }
	n := 0
	count := map[key]int{}
	for _, b := range bursts {
		if b.Start.Format("2006-01-02") >= from && b.Cause != "" {
			n++
			count[key{b.Cause, b.Peer}]++
		}
	}
	for k, c := range count {
		if n >= 2 && 5*c >= 4*n && k.peer != "" {
			what := map[string]string{
				"peer_refused":     "refused connections (nothing listening)",
				"backend_crash":    "crashed and refused connections",
				"backend_hangup":   "closed connections without answering",
				"upstream_timeout": "did not answer in time",
			}[k.cause]
			if what == "" {
				what = "failed (" + k.cause + ")"
			}
			return fmt.Sprintf("%d of the %d bursts since %s are %s: %s %s in each, more often as the days go on. Find out why in its own log, its restarts and deploys, rather than in nginx's settings.", c, n, from, k.cause, k.peer, what)
		}
	}
	return ""
}

// minRequests is the traffic a day needs to count in the trend: a day cut
// by the start or end of the logs, with a handful of requests, would make
// noise look like a change.
const minRequests = 100

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// Change is a day from which the 502 rate differs.
type Change struct {
	Index int    // the first day of the new regime
	Date  string // its date
	// Before and After are the 502 shares of the two regimes; Ratio is
	// After over Before.
	Before, After, Ratio float64
	// BurstsBefore is the mean bursts per day before; AfterMin and
	// AfterMax bound them after.
	BurstsBefore       float64
	AfterMin, AfterMax int
	DaysBefore         int
	// LR is the likelihood ratio of two rates against one.
	LR float64
	// Changed lists what the access log shows differs between the two
	// regimes; Reading says what it points at.
	Changed []string
	Reading string
	// churnShown: the access log showed connection churn (errno 99, new
	// connections), which the reading then names.
	churnShown bool
}

// changeAlpha is the change point's false-alarm rate over all the splits
// tried (Bonferroni).
const changeAlpha = 0.01

// changeOf finds the day where one Poisson rate of 502s per request gives
// way to another: the split with the largest likelihood ratio, kept when
// it passes a test at changeAlpha (corrected for the n−1 splits tried)
// and the rate at least doubles or halves. Each side needs two days.
func changeOf(ds []DaySummary) *Change {
	n := len(ds)
	if n < 4 {
		return nil
	}
	var totalX, totalE float64
	for _, d := range ds {
		totalX += float64(d.S502)
		totalE += float64(d.Requests)
	}
	if totalE == 0 {
		return nil
	}
	best, at := 0.0, -1
	var x1, e1 float64
	for k := 1; k < n; k++ {
		x1 += float64(ds[k-1].S502)
		e1 += float64(ds[k-1].Requests)
		if k < 2 || n-k < 2 {
			continue
		}
		x2, e2 := totalX-x1, totalE-e1
		if e1 == 0 || e2 == 0 {
			continue
		}
		lr := 2 * (xlogy(x1, x1/e1) + xlogy(x2, x2/e2) - xlogy(totalX, totalX/totalE))
		if lr > best {
			best, at = lr, k
		}
	}
	if at < 0 {
		return nil
	}
	z := math.Sqrt2 * math.Erfinv(1-changeAlpha/float64(n-1))
	if best < z*z {
		return nil
	}
	c := &Change{Index: at, Date: ds[at].Date, LR: best, DaysBefore: at}
	c.Before, c.After = rate(ds[:at]), rate(ds[at:])
	switch {
	case c.Before > 0:
		c.Ratio = c.After / c.Before
	default:
		c.Ratio = math.Inf(1)
	}
	if c.Ratio < 2 && c.Ratio > 0.5 {
		return nil
	}
	bursts := 0
	c.AfterMin, c.AfterMax = math.MaxInt, 0
	for i, d := range ds {
		if i < at {
			bursts += d.Bursts
			continue
		}
		c.AfterMin, c.AfterMax = min(c.AfterMin, d.Bursts), max(c.AfterMax, d.Bursts)
	}
	c.BurstsBefore = float64(bursts) / float64(at)
	c.Changed, c.Reading, c.churnShown = whatChanged(ds[:at], ds[at:], c.Ratio > 1)
	return c
}

func xlogy(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(y)
}

func rate(ds []DaySummary) float64 {
	var x, e float64
	for _, d := range ds {
		x += float64(d.S502)
		e += float64(d.Requests)
	}
	if e == 0 {
		return 0
	}
	return x / e
}

// Describe renders the change as a sentence.
func (c *Change) Describe() string {
	word := "rose"
	if c.Ratio < 1 {
		word = "fell"
	}
	if c.BurstsBefore == 0 && c.AfterMax > 0 {
		return fmt.Sprintf("502 bursts began on %s; before: 0 per day over %d days; after: %s per day (502 share %s → %s).",
			c.Date, c.DaysBefore, span(c.AfterMin, c.AfterMax), pct(c.Before), pct(c.After))
	}
	return fmt.Sprintf("The 502 share %s on %s: %s before (%d days), %s after; bursts per day %.1f before, %s after.",
		word, c.Date, pct(c.Before), c.DaysBefore, pct(c.After), c.BurstsBefore, span(c.AfterMin, c.AfterMax))
}

func span(lo, hi int) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

func pct(x float64) string { return fmt.Sprintf("%.3f%%", 100*x) }

// whatChanged compares the two regimes on what the access log records.
func whatChanged(before, after []DaySummary, worse bool) ([]string, string, bool) {
	var out []string
	agg := func(ds []DaySummary) (req, timed, fresh, addr99 int, connect, header time.Duration, headerN int) {
		for _, d := range ds {
			req += d.Requests
			timed += d.ConnTimed
			fresh += d.ConnNew
			addr99 += d.AddrUnavailable
			connect += d.ConnectSum
			header += d.HeaderSum
			headerN += d.HeaderN
		}
		return
	}
	rb, tb, nb, ab, cb, hb, hnb := agg(before)
	ra, ta, na, aa, ca, ha, hna := agg(after)
	perDayB, perDayA := float64(rb)/float64(len(before)), float64(ra)/float64(len(after))
	loadRatio := perDayA / max(1, perDayB)
	out = append(out, fmt.Sprintf("requests per day: %.0f before, %.0f after (×%.2f)", perDayB, perDayA, loadRatio))
	fresh, ports := false, false
	if tb >= 100 && ta >= 100 {
		sb, sa := float64(nb)/float64(tb), float64(na)/float64(ta)
		out = append(out, fmt.Sprintf("upstream attempts that opened a new connection: %.0f%% before, %.0f%% after", 100*sb, 100*sa))
		out = append(out, fmt.Sprintf("mean upstream connect time: %s before, %s after", avg(cb, tb), avg(ca, ta)))
		fresh = sa >= 0.8 && sa-sb >= 0.3
	}
	if hnb > 0 && hna > 0 {
		out = append(out, fmt.Sprintf("mean upstream header time: %s before, %s after", avg(hb, hnb), avg(ha, hna)))
	}
	if ab+aa > 0 {
		out = append(out, fmt.Sprintf("errno 99 (no free local port) per day: %.1f before, %.1f after", float64(ab)/float64(len(before)), float64(aa)/float64(len(after))))
		ports = aa > 0 && ab == 0
	}
	for _, mix := range []struct {
		name string
		get  func(Day) map[string]int
	}{
		{"scheme", func(d Day) map[string]int { return d.Schemes }},
		{"method", func(d Day) map[string]int { return d.Methods }},
		{"host", func(d Day) map[string]int { return d.Hosts }},
	} {
		if line := mixShift(mix.name, before, after, mix.get); line != "" {
			out = append(out, line)
		}
	}
	if line := peerShift(before, after); line != "" {
		out = append(out, line)
	}
	flatLoad := loadRatio > 0.8 && loadRatio < 1.25
	var reading string
	switch {
	case (fresh || ports) && worse:
		reading = churnReading(fresh, flatLoad, loadRatio)
	case tb+ta == 0 && worse:
		reading = "The access log has no $upstream_connect_time: log it, with $connection_requests, to see whether each request now opens its own upstream connection (connection churn, which upstream keepalive removes)."
		if flatLoad {
			reading = "The load is much the same, so the growth is not load. " + reading
		}
	}
	return out, reading, (fresh || ports) && worse
}

// churnReading names connection churn from what showed it: new
// connections (connect times) or local ports running out (errno 99), and
// says whether the load can explain the change too.
func churnReading(fresh, flatLoad bool, loadRatio float64) string {
	what := "Every request now opens a new upstream connection"
	if !fresh {
		what = "nginx now runs out of local ports for its upstream connections (errno 99): each connection it closes keeps its port in TIME_WAIT for a minute, so a new connection per request uses them up"
	}
	load := "with the load much the same, growing 502s point at connection churn"
	if !flatLoad {
		load = fmt.Sprintf("the load changed too (×%.2f), but these failures point at connection churn", loadRatio)
	}
	return what + "; " + load + " (TIME_WAIT, ephemeral ports, the backend's accept queue), which upstream keepalive removes (keepalive in the upstream block, proxy_http_version 1.1 and an empty Connection header in the location)."
}

func avg(sum time.Duration, n int) string {
	if n == 0 {
		return "-"
	}
	return (sum / time.Duration(n)).Round(100 * time.Microsecond).String()
}

// mixShift names the value of a request field whose share moved by 20
// points or more between the regimes.
func mixShift(name string, before, after []DaySummary, get func(Day) map[string]int) string {
	share := func(ds []DaySummary) (map[string]float64, bool) {
		m, total := map[string]float64{}, 0
		for _, d := range ds {
			for k, v := range get(d.Day) {
				m[k] += float64(v)
				total += v
			}
		}
		for k := range m {
			m[k] /= float64(max(1, total))
		}
		return m, total > 0
	}
	b, okb := share(before)
	a, oka := share(after)
	if !okb || !oka {
		return ""
	}
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var moved []string
	for k := range keys {
		if math.Abs(a[k]-b[k]) >= 0.2 {
			moved = append(moved, fmt.Sprintf("%s %.0f%% → %.0f%%", k, 100*b[k], 100*a[k]))
		}
	}
	if len(moved) == 0 {
		return ""
	}
	sort.Strings(moved)
	return "request mix by " + name + ": " + strings.Join(moved, ", ")
}

// peerShift names the peers that took a share of 1 % or more on one side
// of the change only.
func peerShift(before, after []DaySummary) string {
	seen := func(ds []DaySummary) map[string]bool {
		m, total := map[string]int{}, 0
		for _, d := range ds {
			for k, p := range d.Peers {
				m[k] += p.Requests
				total += p.Requests
			}
		}
		out := map[string]bool{}
		for k, n := range m {
			if float64(n) >= 0.01*float64(total) {
				out[k] = true
			}
		}
		return out
	}
	b, a := seen(before), seen(after)
	var came, left []string
	for k := range a {
		if !b[k] {
			came = append(came, k)
		}
	}
	for k := range b {
		if !a[k] {
			left = append(left, k)
		}
	}
	sort.Strings(came)
	sort.Strings(left)
	var parts []string
	if len(came) > 0 {
		parts = append(parts, "peers appearing: "+strings.Join(came, ", "))
	}
	if len(left) > 0 {
		parts = append(parts, "peers leaving: "+strings.Join(left, ", "))
	}
	return strings.Join(parts, "; ")
}
