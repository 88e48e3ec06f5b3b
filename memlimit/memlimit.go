// Package memlimit keeps badgw's heap small without making a large
// analysis pay for it. Go's collector lets the heap grow to twice what is
// live (GOGC=100); for a streaming run whose live data is a few tens of
// megabytes that doubles the peak RSS. A soft memory limit makes the
// collector work earlier (and return freed memory sooner), but a limit at
// the live heap makes it collect back to back. So the limit is Soft while
// the live heap is under three quarters of it, and otherwise follows the
// live heap at a third more (where GOGC=33 would put the heap), up or down
// as the live heap moves.
package memlimit

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Soft is the limit while the live heap stays under three quarters of it.
// Issue 18 sets 64 MB as badgw's peak RSS; the limit counts only what Go
// manages, and the binary's own pages and the runtime's off-heap memory
// add 8 to 10 MB to the RSS (a day of 10 M requests with GOMEMLIMIT at
// 44 and 48 MiB peaked at 55 and 58 MB), so the limit sits that much
// below. A lower limit costs collections: 2 % of wall time at 48 MiB
// against 56 MiB, within the noise of five interleaved pairs.
const Soft = 48 << 20

// every is how often the live heap is looked at.
const every = 50 * time.Millisecond

// Start sets the limit and follows the live heap until stop is called. It
// does nothing when the user set GOMEMLIMIT: theirs wins.
func Start() (stop func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	old := debug.SetMemoryLimit(Soft)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		follow(done)
	}()
	return func() {
		close(done)
		<-finished
		debug.SetMemoryLimit(old)
	}
}

func follow(done <-chan struct{}) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	limit := int64(Soft)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		live := int64(sample[0].Value.Uint64())
		if want := max(Soft, live+live/3); want != limit {
			limit = want
			debug.SetMemoryLimit(limit)
		}
	}
}
