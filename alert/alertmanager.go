package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/badgw/badgw/report"
)

// AlertName is the alertname label of every alert badgw posts.
const AlertName = "BadGatewayBurst"

// DefaultResend is how often active alerts are posted again: Alertmanager
// resolves an alert whose endsAt passes, so a firing one is re-sent, as
// Prometheus does, with endsAt a few resends ahead. If badgw dies, its
// alerts resolve by themselves about then.
const DefaultResend = time.Minute

// amAlert is one alert as Alertmanager's API v2 takes it.
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Alertmanager posts the active alerts to POST /api/v2/alerts when one
// opens, changes or resolves, and every Resend while any is active.
type Alertmanager struct {
	url, host string
	resend    time.Duration
	backoff   Backoff
	client    *http.Client
	errOut    io.Writer
	st        stats
}

// NewAlertmanager returns a receiver for the Alertmanager at base (its
// address, without /api/v2).
func NewAlertmanager(base, host string, resend time.Duration, b Backoff, errOut io.Writer) *Alertmanager {
	a := &Alertmanager{url: strings.TrimRight(base, "/") + "/api/v2/alerts", host: host, resend: resend, backoff: b,
		client: &http.Client{Timeout: 10 * time.Second}, errOut: errOut}
	a.st.s = Stats{Receiver: "alertmanager", Up: true}
	return a
}

// Name implements Receiver.
func (a *Alertmanager) Name() string { return "alertmanager" }

// Stats implements Receiver.
func (a *Alertmanager) Stats() Stats { return a.st.get() }

// Labels are the alert's identity in Alertmanager: peers, which change
// while a burst goes on, are annotations.
func (a *Alertmanager) Labels(n Notice) map[string]string {
	return map[string]string{"alertname": AlertName, "upstream": report.Clean(n.Burst.Group), "cause": Cause(n.Burst), "host": report.Clean(a.host)}
}

func (a *Alertmanager) annotations(n Notice) map[string]string {
	b := n.Burst
	an := map[string]string{
		"summary":     Summary(n),
		"fix":         Fix(b),
		"evidence":    Evidence(b),
		"peers":       Peers(b),
		"requests":    fmt.Sprint(b.Requests),
		"bad_gateway": fmt.Sprint(b.BadGateway),
		"burst_start": b.Start.Format(time.RFC3339),
	}
	if c := b.TopCause(); c != nil {
		an["description"] = bounded(c.Summary)
	}
	if n.Stopped {
		an["stopped"] = "badgw stopped; the failures may go on unwatched"
	}
	for k, v := range an {
		if v == "" {
			delete(an, k)
		}
	}
	return an
}

// Run implements Receiver.
func (a *Alertmanager) Run(ctx context.Context, in <-chan Notice) {
	active := map[string]*amAlert{}
	var resolved []*amAlert
	dirty := false
	failures := 0
	var firstFailure, retryAt time.Time
	resend := time.NewTicker(a.resend)
	defer resend.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	closing := false
	for {
		now := time.Now()
		if dirty && !now.Before(retryAt) {
			body := make([]*amAlert, 0, len(active)+len(resolved))
			for _, al := range active {
				al.EndsAt = now.Add(4 * a.resend)
				body = append(body, al)
			}
			body = append(body, resolved...)
			if err := a.post(ctx, body); err != nil {
				failures++
				if failures == 1 {
					firstFailure = now
				}
				msg := report.CleanText(err.Error())
				giveUp := isPermanent(err) || now.Sub(firstFailure) >= a.backoff.GiveUp || ctx.Err() != nil
				a.st.update(func(s *Stats) {
					s.Up, s.LastError = false, msg
					if giveUp {
						s.Failed++
					} else {
						s.Retries++
					}
				})
				if failures == 1 || giveUp {
					fmt.Fprintf(a.errOut, "badgw: alertmanager: %s\n", msg)
				}
				if giveUp {
					dirty, failures, resolved = false, 0, nil
				} else {
					retryAt = now.Add(a.backoff.after(failures))
				}
			} else {
				a.st.update(func(s *Stats) { s.Sent++; s.Up = true; s.LastError = "" })
				dirty, failures, resolved, retryAt = false, 0, nil, time.Time{}
			}
			continue
		}
		if closing && !dirty {
			return
		}
		var tick <-chan time.Time
		if dirty {
			timer.Reset(time.Until(retryAt))
			tick = timer.C
		}
		select {
		case n, ok := <-in:
			if !ok {
				closing, in = true, nil
				continue
			}
			resolved = a.apply(active, resolved, n)
			if n.Kind != Refresh {
				dirty = true
			}
		case <-resend.C:
			if len(active) > 0 {
				dirty = true
			}
		case <-tick:
		case <-ctx.Done():
			if dirty {
				a.st.update(func(s *Stats) { s.Failed++ })
				fmt.Fprintf(a.errOut, "badgw: alertmanager: %d alerts not posted when badgw stopped\n", len(active)+len(resolved))
			}
			return
		}
		timer.Stop()
	}
}

// apply folds a notice into the active alerts; a resolve, or a change of
// cause (a label, so another alert in Alertmanager's eyes), ends an alert.
func (a *Alertmanager) apply(active map[string]*amAlert, resolved []*amAlert, n Notice) []*amAlert {
	labels, ann := a.Labels(n), a.annotations(n)
	al := active[n.Key]
	if al != nil && !maps.Equal(al.Labels, labels) {
		al.EndsAt = n.At
		resolved = append(resolved, al)
		al = &amAlert{StartsAt: al.StartsAt}
		active[n.Key] = al
	}
	if al == nil {
		if n.Kind == Refresh || n.Kind == Update {
			return resolved // its open was dropped; the next open starts it
		}
		al = &amAlert{StartsAt: n.Burst.Start}
		active[n.Key] = al
	}
	al.Labels, al.Annotations = labels, ann
	if n.Kind == Resolve {
		al.EndsAt = n.At
		resolved = append(resolved, al)
		delete(active, n.Key)
	}
	return resolved
}

func (a *Alertmanager) post(ctx context.Context, alerts []*amAlert) error {
	body, err := json.Marshal(alerts)
	if err != nil {
		return permanent{err}
	}
	return postJSON(ctx, a.client, a.url, body)
}
