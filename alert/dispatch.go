package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/badgw/badgw/report"
)

// Stats is what a receiver did, for the metrics and the closing lines.
type Stats struct {
	Receiver string
	Sent     int64 // notices (or Alertmanager posts) delivered
	Retries  int64 // failed attempts that were tried again
	Failed   int64 // notices given up on after their retries
	Dropped  int64 // notices that found the receiver's queue full
	// Up: the last attempt succeeded (true before the first).
	Up        bool
	LastError string
}

// Receiver delivers notices. Run reads them from in until it is closed,
// then delivers what it holds within the context's deadline and returns.
type Receiver interface {
	Name() string
	Run(ctx context.Context, in <-chan Notice)
	Stats() Stats
}

// queueLen is each receiver's inbox: a receiver that falls this far behind
// loses notices (counted) rather than holding the analysis.
const queueLen = 256

// Dispatcher hands notices to every receiver without ever blocking.
type Dispatcher struct {
	receivers []Receiver
	inboxes   []chan Notice
	dropped   []int64
	errOut    io.Writer
	mu        sync.Mutex
	wg        sync.WaitGroup
	cancel    context.CancelFunc
	ctx       context.Context
}

// NewDispatcher starts a goroutine per receiver; errOut gets a line for
// each notice dropped.
func NewDispatcher(errOut io.Writer, receivers ...Receiver) *Dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{receivers: receivers, errOut: errOut, ctx: ctx, cancel: cancel, dropped: make([]int64, len(receivers))}
	for _, r := range receivers {
		in := make(chan Notice, queueLen)
		d.inboxes = append(d.inboxes, in)
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			r.Run(ctx, in)
		}()
	}
	return d
}

// Send queues the notices for every receiver; a full queue drops them.
func (d *Dispatcher) Send(ns []Notice) {
	for i, in := range d.inboxes {
		for _, n := range ns {
			select {
			case in <- n:
			default:
				d.mu.Lock()
				d.dropped[i]++
				d.mu.Unlock()
				if n.Kind != Refresh {
					fmt.Fprintf(d.errOut, "badgw: alert receiver %s is %d notices behind; the %s of %s is dropped\n",
						d.receivers[i].Name(), queueLen, n.Kind, report.Clean(n.Burst.Group))
				}
			}
		}
	}
}

// Close stops taking notices and gives the receivers until grace to
// deliver what they hold (the resolves of a stopping watch among them).
func (d *Dispatcher) Close(grace time.Duration) {
	for _, in := range d.inboxes {
		close(in)
	}
	done := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		d.cancel()
		<-done
	}
	d.cancel()
}

// Stats reports every receiver's.
func (d *Dispatcher) Stats() []Stats {
	out := make([]Stats, len(d.receivers))
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, r := range d.receivers {
		out[i] = r.Stats()
		out[i].Dropped += d.dropped[i]
	}
	return out
}

// Backoff is how long a receiver waits before retrying: First, doubling
// to Max, and how long it retries one notice before giving up.
type Backoff struct {
	First, Max time.Duration
	GiveUp     time.Duration
}

// DefaultBackoff retries for ten minutes, at most a minute apart.
var DefaultBackoff = Backoff{First: time.Second, Max: time.Minute, GiveUp: 10 * time.Minute}

func (b Backoff) after(failures int) time.Duration {
	d := b.First
	for range failures - 1 {
		d *= 2
		if d >= b.Max {
			return b.Max
		}
	}
	return d
}

// permanent marks an error not worth retrying (the receiver refused the
// notice itself, not the moment).
type permanent struct{ error }

func isPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// stats is a receiver's counters behind a lock.
type stats struct {
	mu sync.Mutex
	s  Stats
}

func (s *stats) get() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.s
}

func (s *stats) update(f func(*Stats)) {
	s.mu.Lock()
	f(&s.s)
	s.mu.Unlock()
}
