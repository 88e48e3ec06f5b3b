package alert

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/badgw/badgw/report"
)

// Limit is a receiver's rate limit: PerMinute notices on average, Burst at
// once. Updates that wait for the limit are merged, so a burst that keeps
// changing costs one notice per turn, not one per change.
type Limit struct {
	PerMinute float64
	Burst     int
}

// DefaultLimit allows a notice every three seconds on average, ten at once.
var DefaultLimit = Limit{PerMinute: 20, Burst: 10}

// maxPending bounds the notices a queued receiver holds beyond its inbox;
// past it the oldest updates go first (their burst's later notices carry
// newer figures), then the oldest notices.
const maxPending = 256

// queued delivers notices one at a time, in order: open, updates, resolve
// of each burst. It merges what waits, retries with backoff and keeps to
// its rate limit; closing, it delivers what it holds without the limit.
type queued struct {
	name    string
	deliver func(context.Context, Notice) error
	backoff Backoff
	limit   Limit
	errOut  io.Writer
	st      stats
}

func newQueued(name string, deliver func(context.Context, Notice) error, b Backoff, l Limit, errOut io.Writer) *queued {
	q := &queued{name: name, deliver: deliver, backoff: b, limit: l, errOut: errOut}
	q.st.s = Stats{Receiver: name, Up: true}
	return q
}

func (q *queued) Name() string { return q.name }

func (q *queued) Stats() Stats { return q.st.get() }

type pendingNotice struct {
	n        Notice
	failures int
	first    time.Time // first attempt
}

func (q *queued) Run(ctx context.Context, in <-chan Notice) {
	var pending []*pendingNotice
	tokens, refilled := float64(q.limit.Burst), time.Now()
	var retryAt time.Time
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	closing := false
	for {
		now := time.Now()
		if q.limit.PerMinute > 0 {
			tokens = min(float64(q.limit.Burst), tokens+now.Sub(refilled).Minutes()*q.limit.PerMinute)
			refilled = now
		}
		wait := time.Duration(-1)
		if len(pending) > 0 {
			switch {
			case now.Before(retryAt):
				wait = retryAt.Sub(now)
			case !closing && q.limit.PerMinute > 0 && tokens < 1:
				wait = time.Duration((1 - tokens) / q.limit.PerMinute * float64(time.Minute))
			default:
				p := pending[0]
				if p.failures == 0 {
					p.first = now
				}
				tokens--
				if q.attempt(ctx, p) {
					pending = pending[1:]
					retryAt = time.Time{}
				} else {
					retryAt = time.Now().Add(q.backoff.after(p.failures))
				}
				continue
			}
		} else if closing {
			return
		}
		var tick <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			tick = timer.C
		}
		select {
		case n, ok := <-in:
			if !ok {
				closing, in = true, nil
				continue
			}
			pending = q.add(pending, n)
		case <-tick:
		case <-ctx.Done():
			if len(pending) > 0 {
				q.st.update(func(s *Stats) { s.Failed += int64(len(pending)) })
				fmt.Fprintf(q.errOut, "badgw: alert receiver %s: %d notices undelivered when badgw stopped\n", q.name, len(pending))
			}
			return
		}
		// Since Go 1.23 a Reset timer delivers no stale tick: no drain.
		timer.Stop()
	}
}

// attempt delivers the head notice once; it reports whether the notice is
// done with (delivered, refused for good, or given up on).
func (q *queued) attempt(ctx context.Context, p *pendingNotice) bool {
	err := q.deliver(ctx, p.n)
	if err == nil {
		q.st.update(func(s *Stats) { s.Sent++; s.Up = true; s.LastError = "" })
		return true
	}
	p.failures++
	msg := report.CleanText(err.Error())
	giveUp := isPermanent(err) || time.Since(p.first) >= q.backoff.GiveUp || ctx.Err() != nil
	q.st.update(func(s *Stats) {
		s.Up, s.LastError = false, msg
		if giveUp {
			s.Failed++
		} else {
			s.Retries++
		}
	})
	if giveUp {
		fmt.Fprintf(q.errOut, "badgw: alert receiver %s: the %s of %s is not delivered: %s\n", q.name, p.n.Kind, report.Clean(p.n.Burst.Group), msg)
		return true
	}
	if p.failures == 1 {
		fmt.Fprintf(q.errOut, "badgw: alert receiver %s: %s; retrying\n", q.name, msg)
	}
	return false
}

// add queues n, merging it with what waits unattempted for the same
// burst: an update folds into a waiting open or update (the newest
// figures, every change named), and a resolve makes waiting updates moot.
func (q *queued) add(pending []*pendingNotice, n Notice) []*pendingNotice {
	switch n.Kind {
	case Refresh:
		return pending
	case Update:
		for _, p := range pending {
			if p.n.Key == n.Key && p.failures == 0 && (p.n.Kind == Open || p.n.Kind == Update) {
				merged := n
				merged.Kind, merged.Seq = p.n.Kind, p.n.Seq
				if p.n.Kind == Update {
					merged.PrevCause = p.n.PrevCause
				}
				merged.Changed = union(p.n.Changed, n.Changed)
				p.n = merged
				return pending
			}
		}
	case Resolve:
		pending = slices.DeleteFunc(pending, func(p *pendingNotice) bool {
			return p.n.Key == n.Key && p.failures == 0 && p.n.Kind == Update
		})
	}
	pending = append(pending, &pendingNotice{n: n})
	for len(pending) > maxPending {
		i := slices.IndexFunc(pending, func(p *pendingNotice) bool { return p.n.Kind == Update && p.failures == 0 })
		if i < 0 {
			i = 0
		}
		pending = slices.Delete(pending, i, i+1)
		q.st.update(func(s *Stats) { s.Dropped++ })
	}
	return pending
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
