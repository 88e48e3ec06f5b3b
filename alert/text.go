package alert

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/words"
)

// maxText bounds each text a notice carries: log content is
// attacker-controlled, and a receiver's page has room for a few lines.
const maxText = 1024

func bounded(s string) string {
	s = report.CleanText(s)
	if len(s) <= maxText {
		return s
	}
	cut := maxText
	for cut > 0 && s[cut]&0xc0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// Summary is the burst in one sentence, its figures as the burst holds
// them at the notice.
func Summary(n Notice) string {
	b := n.Burst
	var s strings.Builder
	fmt.Fprintf(&s, "%d of %d requests to upstream %s answered 502 (%.1f%%) from %s",
		b.BadGateway, b.Requests, report.Clean(b.Group), 100*b.Share(), b.Start.Format("15:04:05"))
	if n.Kind == Resolve && !n.Stopped {
		fmt.Fprintf(&s, " to %s (%s)", b.End.Format("15:04:05"), words.Duration(b.Duration()))
	}
	if c := b.TopCause(); c != nil {
		fmt.Fprintf(&s, "; likely %s: %s", c.ID, c.Summary)
	}
	return bounded(s.String())
}

// Fix is the top cause's first step, with the nginx.conf line to change.
func Fix(b correlate.Burst) string {
	c := b.TopCause()
	if c == nil || len(c.Steps) == 0 {
		return ""
	}
	st := c.Steps[0]
	if st.At != "" {
		return bounded(st.Change + " (at " + st.At + ")")
	}
	return bounded(st.Change)
}

// Evidence is the top cause's evidence, one item a line.
func Evidence(b correlate.Burst) string {
	c := b.TopCause()
	if c == nil {
		return ""
	}
	return bounded(strings.Join(c.Evidence, "\n"))
}

// Peers is the burst's busiest peers with their bad responses.
func Peers(b correlate.Burst) string {
	return bounded(report.Histogram(b.Peers[:min(len(b.Peers), 5)]))
}
