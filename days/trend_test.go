package days

import (
	"math"
	"testing"
)

// TestTrendOnCounts: synthetic daily 502 counts over 100,000 requests a
// day. Four days that double each day are growing (issue 24: the rank
// test said "flat", p = 0.089, as it must with four points); one bad day
// among steady ones, wherever it stands, is not a trend; scatter of the
// size chance gives is flat; a falling series falls; three days give a
// note, not a verdict.
func TestTrendOnCounts(t *testing.T) {
	req := []float64{100_000, 100_000, 100_000, 100_000}
	for _, tc := range []struct {
		name    string
		ys, ns  []float64
		verdict string
		note    string
	}{
		{"doubling each day", []float64{110, 205, 390, 820}, req, "growing", ""},
		{"a quarter more each day, 8 days", []float64{100, 118, 160, 190, 251, 300, 389, 470}, append(req, req...), "growing", ""},
		{"one bad last day", []float64{100, 104, 97, 800}, req, "flat", ""},
		{"one bad day in the middle", []float64{100, 800, 97, 103}, req, "flat", ""},
		{"steady with chance scatter", []float64{100, 112, 93, 107, 96, 104}, append(req, req[:2]...), "flat", ""},
		{"halving each day", []float64{800, 390, 205, 110}, req, "falling", ""},
		{"three days rising", []float64{100, 200, 400}, req[:3], "", "rising every day; too few days to test"},
		{"no 502 at all", []float64{0, 0, 0, 0}, req, "flat", ""},
		{"bursts a day, two then more", []float64{2, 3, 5, 8, 11, 15}, []float64{1, 1, 1, 1, 1, 1}, "growing", ""},
		// A share that saturates as it rises (the recorded days-rise: 19.5,
		// 45.9, 67.2 and 75.2 %): on the logistic scale a straight rise.
		{"a share rising towards saturation", []float64{60, 209, 508, 1014}, []float64{307, 455, 755, 1349}, "growing", ""},
	} {
		m := binomial
		if tc.ns[0] == 1 {
			m = poisson
		}
		got := trendOf(tc.ys, tc.ns, m)
		if got.Verdict != tc.verdict || got.Note != tc.note {
			t.Errorf("%s: %q %q (p = %.4f, ×%.2f a day); want %q %q", tc.name, got.Verdict, got.Note, got.P, got.Slope, tc.verdict, tc.note)
		}
	}
}

// TestFTail checks the F(1, df) tail against known critical values.
func TestFTail(t *testing.T) {
	for _, tc := range []struct{ f, df, p float64 }{
		{18.513, 2, 0.05},   // t(2) at 4.303
		{161.45, 1, 0.05},   // t(1) at 12.706
		{3.8415, 1e6, 0.05}, // the normal's 1.96
		{7.7086, 4, 0.05},
	} {
		if got := fTail(tc.f, tc.df); math.Abs(got-tc.p) > 1e-3 {
			t.Errorf("P(F(1,%g) > %g) = %.5f, want %.3f", tc.df, tc.f, got, tc.p)
		}
	}
}
