// Package alert tells receivers about 502 bursts while they happen: when
// one passes the burst test, when its top cause, peers or size class
// change, and when it ends. A Tracker turns a live run's snapshots and
// closed bursts into Notices; a Dispatcher hands them to the receivers
// (Alertmanager, a webhook, a command), each on a goroutine of its own, so
// a slow or failing receiver never holds the analysis.
package alert

import (
	"fmt"
	"time"

	"github.com/badgw/badgw/correlate"
)

// Kind is what happened to a burst.
type Kind string

// The kinds of notice. Refresh carries a burst's newer counts without a
// change worth telling anyone: only a receiver that re-sends its active
// alerts (Alertmanager) takes it.
const (
	Open    Kind = "open"
	Update  Kind = "update"
	Resolve Kind = "resolve"
	Refresh Kind = "refresh"
)

// Notice is one thing to tell about one burst.
type Notice struct {
	Kind Kind
	// Key names the burst for the whole of its life, and Seq orders the
	// notices of one key: receivers deduplicate on the pair.
	Key   string
	Seq   int
	Burst correlate.Burst
	// Since is when the burst's alert opened (its first notice's wall
	// time); At is this notice's.
	Since, At time.Time
	// Changed names what an update changed: "cause", "peers", "size".
	Changed []string
	// Stopped: the burst is resolved because badgw stopped, not because
	// it ended; Reason says it in words for a resolve.
	Stopped bool
	Reason  string
	// PrevCause is the top cause before an update that changed it.
	PrevCause string
}

// ID is the notice's identity, the same on every retry of it.
func (n Notice) ID() string { return fmt.Sprintf("%s/%d", n.Key, n.Seq) }

// Cause is the burst's top cause, "unknown" without one.
func Cause(b correlate.Burst) string {
	if c := b.TopCause(); c != nil {
		return c.ID
	}
	return "unknown"
}
