// Package words renders counts and durations the way a person writes them:
// "1 burst", "2 bursts", "1h", "5m", "1m30s", never "1 bursts" or "1h0m0s".
package words

import (
	"fmt"
	"strings"
	"time"
)

// Count returns n and the noun, in the plural unless n is 1. Nouns ending
// in s, x, ch or sh take "es"; irregular plurals pass "singular|plural".
func Count(n int, noun string) string {
	return fmt.Sprintf("%d %s", n, Noun(n, noun))
}

// Noun returns the noun for n alone, as Count writes it.
func Noun(n int, noun string) string {
	singular, plural, irregular := strings.Cut(noun, "|")
	if n == 1 {
		return singular
	}
	if irregular {
		return plural
	}
	for _, end := range []string{"s", "x", "ch", "sh"} {
		if strings.HasSuffix(singular, end) {
			return singular + "es"
		}
	}
	return singular + "s"
}

// Duration renders d without zero parts: 1h, 1h30m, 5m, 90s is 1m30s, 1.5s,
// 250ms. Sub-second parts are kept only below a minute.
func Duration(d time.Duration) string {
	if d < 0 {
		return "-" + Duration(-d)
	}
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	if d < time.Minute {
		return strings.TrimSuffix(strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", d.Seconds()), "0"), "."), ".") + "s"
	}
	d = d.Round(time.Second)
	var b strings.Builder
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m := d / time.Minute % 60; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if s := d / time.Second % 60; s > 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	return b.String()
}

// Of says how many of a total: "all 14 were", "9 of the 14 were".
func Of(n, total int) string {
	switch {
	case n == total && total == 1:
		return "it was"
	case n == total:
		return fmt.Sprintf("all %d were", total)
	case n == 1:
		return fmt.Sprintf("1 of the %d was", total)
	}
	return fmt.Sprintf("%d of the %d were", n, total)
}
