// Package metrics exports a live run's analysis in Prometheus's text
// format: a collector that reads the latest snapshot at scrape time, so
// the analysis never waits for a scrape and a scrape never sees half an
// update. Every label set is bounded: upstream groups by the correlator's
// own bound (64, then "(other)"), statuses by 32 a group, categories and
// kinds by their fixed lists, inputs by the files named, receivers by the
// flags, and peers only while their burst is open, at most maxPeers.
package metrics

import (
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/badgw/badgw/alert"
	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
)

// maxPeers bounds the peers of open bursts exported.
const maxPeers = 50

// Input is a followed file's own counts, beyond what the pipeline read.
type Input struct {
	Path        string
	Truncations int
	Behind      int64
}

// Exporter is a prometheus.Collector over the newest snapshot.
type Exporter struct {
	// Inputs and Receivers are read at scrape time; nil reads nothing.
	Inputs    func() []Input
	Receivers func() []alert.Stats

	mu    sync.Mutex
	snap  *pipeline.Snapshot
	at    time.Time         // when snap was published
	base  map[string]sample // counters carried over a restart
	final bool
}

// New returns an Exporter with nothing published yet.
func New() *Exporter { return &Exporter{base: map[string]sample{}} }

// Publish makes s the snapshot scrapes read; the caller hands it over.
func (e *Exporter) Publish(s pipeline.Snapshot) {
	e.mu.Lock()
	e.snap, e.at = &s, time.Now()
	e.mu.Unlock()
}

// Restart carries the counters of the run that ended into the next one's:
// a reload starts a new analysis, and counters must not go back.
func (e *Exporter) Restart() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.snap == nil {
		return
	}
	for _, s := range e.samples(e.snap, time.Now()) {
		if s.counter {
			s.value += e.base[s.key()].value
			e.base[s.key()] = s
		}
	}
	e.snap = nil
}

// Stop marks the run over: /readyz says so.
func (e *Exporter) Stop() {
	e.mu.Lock()
	e.final = true
	e.mu.Unlock()
}

// state is what the health handlers read.
func (e *Exporter) state() (published time.Time, ready bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.at, e.snap != nil && !e.final
}

type metric struct {
	name, help string
	labels     []string
	counter    bool
	desc       *prometheus.Desc
}

func newMetric(name, help string, counter bool, labels ...string) *metric {
	return &metric{name: name, help: help, labels: labels, counter: counter, desc: prometheus.NewDesc(name, help, labels, nil)}
}

// The metrics, each with its labels; README lists them.
var (
	mRequests     = newMetric("badgw_requests_total", "Requests analysed, by upstream group and final status (status 0: past 32 distinct codes in the group).", true, "upstream", "status")
	mAttempts     = newMetric("badgw_requests_by_attempts_total", "Requests by the number of upstream attempts they made (0: nginx answered without trying a peer; 4+: four or more).", true, "upstream", "attempts")
	mEvents       = newMetric("badgw_error_events_total", "error.log events, by category and the upstream group of the peer they name (\"\" when none).", true, "upstream", "category")
	mBurstsOpen   = newMetric("badgw_bursts_open", "502 bursts under way that pass the burst test so far.", false, "upstream")
	mBursts       = newMetric("badgw_bursts_total", "Bursts closed, by upstream group, top cause and kind (502, 504, nginx_500, error_log).", true, "upstream", "cause", "kind")
	mPeers        = newMetric("badgw_burst_peer_bad_responses", "Bad responses of each peer of an open 502 burst; the series goes when the burst ends (at most 50 peers).", false, "upstream", "peer")
	mSporadic     = newMetric("badgw_sporadic_502_total", "502s that belong to no burst.", true)
	mBadGateway   = newMetric("badgw_bad_gateway_total", "502s analysed.", true)
	mJoined       = newMetric("badgw_bad_gateway_joined_total", "502s joined to the error.log line behind them; the join rate is its rate over badgw_bad_gateway_total's.", true)
	mLines        = newMetric("badgw_input_lines_total", "Lines read per input, by what they were (access, error, malformed, too_long, blank, continued, controller; out_of_order and untimed are counted again among them).", true, "input", "kind")
	mBytes        = newMetric("badgw_input_read_bytes_total", "Bytes read per input.", true, "input")
	mTruncations  = newMetric("badgw_input_copytruncates_total", "Times a followed file was truncated under badgw (copytruncate): lines written between the copy and the truncation may be lost.", true, "input")
	mBehind       = newMetric("badgw_input_bytes_behind", "Bytes of a followed file not yet read: how far badgw trails nginx.", false, "input")
	mLag          = newMetric("badgw_lag_seconds", "Wall clock minus the newest log time read, at the last analysis step; it also grows while nginx logs nothing, so read it with badgw_input_bytes_behind.", false)
	mLastAnalysis = newMetric("badgw_last_analysis_timestamp_seconds", "When the analysis last published its state.", false)
	mNotices      = newMetric("badgw_alert_notices_total", "Alert notices per receiver, by outcome (sent, retried, failed, dropped); for Alertmanager, posts.", true, "receiver", "outcome")
	mReceiverUp   = newMetric("badgw_alert_receiver_up", "1 when the receiver's last delivery succeeded.", false, "receiver")

	all = []*metric{mRequests, mAttempts, mEvents, mBurstsOpen, mBursts, mPeers, mSporadic, mBadGateway, mJoined,
		mLines, mBytes, mTruncations, mBehind, mLag, mLastAnalysis, mNotices, mReceiverUp}
)

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range all {
		ch <- m.desc
	}
}

type sample struct {
	*metric
	values []string
	value  float64
}

func (s sample) key() string { return fmt.Sprintf("%s%q", s.name, s.values) }

// Collect implements prometheus.Collector.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	var ss []sample
	if e.snap != nil {
		ss = e.samples(e.snap, e.at)
	}
	seen := map[string]bool{}
	for i, s := range ss {
		if s.counter {
			ss[i].value += e.base[s.key()].value
			seen[s.key()] = true
		}
	}
	for k, s := range e.base {
		if !seen[k] {
			ss = append(ss, s)
		}
	}
	e.mu.Unlock()
	if e.Inputs != nil {
		for _, in := range e.Inputs() {
			ss = append(ss, sample{mTruncations, []string{in.Path}, float64(in.Truncations)}, sample{mBehind, []string{in.Path}, float64(in.Behind)})
		}
	}
	if e.Receivers != nil {
		for _, r := range e.Receivers() {
			up := 0.0
			if r.Up {
				up = 1
			}
			ss = append(ss, sample{mNotices, []string{r.Receiver, "sent"}, float64(r.Sent)}, sample{mNotices, []string{r.Receiver, "retried"}, float64(r.Retries)},
				sample{mNotices, []string{r.Receiver, "failed"}, float64(r.Failed)}, sample{mNotices, []string{r.Receiver, "dropped"}, float64(r.Dropped)},
				sample{mReceiverUp, []string{r.Receiver}, up})
		}
	}
	for _, s := range ss {
		t := prometheus.GaugeValue
		if s.counter {
			t = prometheus.CounterValue
		}
		ch <- prometheus.MustNewConstMetric(s.desc, t, s.value, s.values...)
	}
}

// samples is the snapshot's metrics.
func (e *Exporter) samples(s *pipeline.Snapshot, at time.Time) []sample {
	var out []sample
	add := func(m *metric, v float64, labels ...string) { out = append(out, sample{m, labels, v}) }
	for _, gc := range s.Counts {
		for _, st := range gc.Status {
			add(mRequests, float64(st.N), gc.Group, fmt.Sprint(st.Status))
		}
		for i, n := range gc.Attempts {
			label := fmt.Sprint(i)
			if i == correlate.MaxAttemptsCounted {
				label += "+"
			}
			if n > 0 {
				add(mAttempts, float64(n), gc.Group, label)
			}
		}
		for c, n := range gc.Categories {
			if n > 0 {
				add(mEvents, float64(n), gc.Group, logparse.Category(c).String())
			}
		}
	}
	open := map[string]int{}
	peers := 0
	for _, b := range s.Bursts {
		if !b.Open || b.Kind != correlate.Kind502 || !b.Significant {
			continue
		}
		open[b.Group]++
		for _, p := range b.Peers {
			if peers < maxPeers {
				add(mPeers, float64(p.N), b.Group, p.Key)
				peers++
			}
		}
	}
	for g, n := range open {
		add(mBurstsOpen, float64(n), g)
	}
	for _, cc := range s.Closed {
		add(mBursts, float64(cc.N), cc.Group, cc.Cause, kindName(cc.Kind))
	}
	add(mSporadic, float64(s.Totals.Sporadic502))
	add(mBadGateway, float64(s.Totals.Status[502]))
	add(mJoined, float64(s.Totals.Joined502))
	for _, f := range s.Ingest.Files {
		for _, l := range []struct {
			kind string
			n    int64
		}{{"access", f.Access}, {"error", f.Errors}, {"malformed", f.Malformed}, {"too_long", f.TooLong}, {"blank", f.Blank},
			{"continued", f.Continued}, {"controller", f.Controller}, {"out_of_order", f.OutOfOrder}, {"untimed", f.Untimed}} {
			add(mLines, float64(l.n), f.Path, l.kind)
		}
		add(mBytes, float64(f.Consumed), f.Path)
	}
	if !s.Newest.IsZero() {
		add(mLag, at.Sub(s.Newest).Seconds())
	}
	add(mLastAnalysis, float64(at.UnixNano())/1e9)
	return out
}

func kindName(k correlate.Kind) string {
	switch k {
	case correlate.Kind504:
		return "504"
	case correlate.KindNginx:
		return "nginx_500"
	case correlate.KindErrorLog:
		return "error_log"
	}
	return "502"
}
