package correlate

import "time"

// Snapshot is an immutable copy of the analysis, handed to the UI and the
// report writers.
type Snapshot struct {
	AsOf   time.Time // the watermark: bursts ending before it are final
	Newest time.Time // newest log time seen
	Bursts []Burst   // closed bursts in time order, then open ones
	Totals Totals
	// Overall counts every request per class over time, Groups per upstream
	// group (by final status), Peers per peer (by that peer's own answer in
	// $upstream_status).
	Overall Series
	Groups  []GroupSeries
	Peers   []GroupSeries
	// Background is every group's sporadic 502s (outside bursts).
	Background []Background
	// SiteWide links the bursts of several groups that failed together.
	SiteWide []SiteIncident
	// PeerGroups maps each peer (and group name) seen to its group's
	// label, as bursts name it.
	PeerGroups map[string]string
	// Counts is each group's requests by status and attempts, and its
	// error.log events by category, since the run began.
	Counts []GroupCounts
	// Closed counts every burst closed since the run began, by group, top
	// cause and kind; ClosedDropped the oldest of them that Bursts no
	// longer holds (Options.KeepClosed).
	Closed        []ClosedCount
	ClosedDropped int

	// details holds the closed bursts' details (Options.Details, Whole).
	details DetailStore
}

// GroupSeries is one upstream group's (or peer's) requests over time.
type GroupSeries struct {
	Group  string
	Series Series
}

// BadGatewayBursts returns the 502 bursts (not the 504 episodes).
func (s *Snapshot) BadGatewayBursts() []Burst { return s.burstsOf(Kind502) }

// ErrorLogBursts returns the bursts of upstream errors found in the error
// log alone (no access log was given).
func (s *Snapshot) ErrorLogBursts() []Burst { return s.burstsOf(KindErrorLog) }

// NginxErrorEpisodes returns the episodes of 500s nginx answered itself.
func (s *Snapshot) NginxErrorEpisodes() []Burst { return s.burstsOf(KindNginx) }

// TimeoutEpisodes returns the 504 episodes.
func (s *Snapshot) TimeoutEpisodes() []Burst { return s.burstsOf(Kind504) }

func (s *Snapshot) burstsOf(k Kind) []Burst {
	var out []Burst
	for _, b := range s.Bursts {
		if b.Kind == k {
			out = append(out, b)
		}
	}
	return out
}
