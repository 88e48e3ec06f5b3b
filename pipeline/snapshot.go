package pipeline

import (
	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/days"
)

// Snapshot is the correlator's analysis together with what the run read:
// the one value the report writers and the interface receive.
type Snapshot struct {
	correlate.Snapshot
	Ingest IngestStats
	// Days is what each calendar day saw, oldest first; DaysDropped the
	// records past the days kept.
	Days        []days.Day
	DaysDropped int
	// Recent is the run's last bad lines (5xx answers and upstream
	// errors), oldest first; RecentAll says it holds every one read.
	Recent    []correlate.Line
	RecentAll bool
	// Sources reads a moment of the input again (nil in a snapshot not
	// made by Run).
	Sources *Sources
}

// DaySummary is the per-day view with its trend and change point, nil for
// an input of one day.
func (s Snapshot) DaySummary() *days.Summary {
	var spans []days.Span
	for _, b := range s.BadGatewayBursts() {
		sp := days.Span{Start: b.Start, End: b.End, Group: b.Group, Bad: b.BadGateway}
		if c := b.TopCause(); c != nil {
			sp.Cause = c.ID
		}
		if len(b.Peers) > 0 {
			sp.Peer = b.Peers[0].Key
		}
		spans = append(spans, sp)
	}
	return days.Summarize(s.Days, spans, s.PeerGroups, s.DaysDropped)
}
