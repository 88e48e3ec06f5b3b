package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/alert"
	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
)

// snapshot feeds synthetic records (labelled as such: unit test input) to
// a correlator: a group "api" with a burst of 502s under way.
func snapshot(t *testing.T, burstOpen bool) pipeline.Snapshot {
	t.Helper()
	c := correlate.New(correlate.Options{Gap: 5 * time.Second, Min502: 3})
	base := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	add := func(sec, status int) {
		rec := logparse.Record{Time: base.Add(time.Duration(sec) * time.Second), Status: status, RequestTime: -1, UpstreamName: []byte("api"),
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&rec, correlate.Pos{Source: "access.log"})
	}
	for s := range 60 {
		add(s, 200)
	}
	for s := 60; s < 70; s++ {
		add(s, 502)
		c.AddEvent(&logparse.Event{Time: base.Add(time.Duration(s) * time.Second), Category: logparse.CatConnectRefused, Peer: "10.0.0.1:80", Level: logparse.LevelError}, correlate.Pos{})
	}
	if !burstOpen {
		for s := 70; s < 90; s++ {
			add(s, 200)
		}
		c.Flush()
	}
	return pipeline.Snapshot{Snapshot: c.Snapshot(), Ingest: pipeline.IngestStats{Files: []pipeline.FileStats{{Path: "access.log", Lines: 80, Access: 80, Consumed: 8000}}}}
}

func scrape(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func TestMetrics(t *testing.T) {
	e := New()
	e.Inputs = func() []Input { return []Input{{Path: "access.log", Truncations: 1, Behind: 42}} }
	e.Receivers = func() []alert.Stats { return []alert.Stats{{Receiver: "webhook", Sent: 3, Retries: 2, Up: true}} }
	h := e.Handler()
	if code, _ := scrape(t, h, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("ready before any analysis: %d", code)
	}
	e.Publish(snapshot(t, true))
	if code, _ := scrape(t, h, "/readyz"); code != http.StatusOK {
		t.Errorf("not ready after a snapshot: %d", code)
	}
	_, text := scrape(t, h, "/metrics")
	for _, want := range []string{
		`badgw_requests_total{status="200",upstream="api"} 60`,
		`badgw_requests_total{status="502",upstream="api"} 10`,
		`badgw_requests_by_attempts_total{attempts="1",upstream="api"} 70`,
		`badgw_error_events_total{category="connect_refused",upstream="api"} 10`,
		`badgw_bursts_open{upstream="api"} 1`,
		`badgw_burst_peer_bad_responses{peer="10.0.0.1:80",upstream="api"} 10`,
		`badgw_bad_gateway_total 10`,
		`badgw_input_lines_total{input="access.log",kind="access"} 80`,
		`badgw_input_copytruncates_total{input="access.log"} 1`,
		`badgw_input_bytes_behind{input="access.log"} 42`,
		`badgw_alert_notices_total{outcome="retried",receiver="webhook"} 2`,
		`badgw_alert_receiver_up{receiver="webhook"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want+"\n") && !strings.Contains(text, want) {
			t.Errorf("missing %s", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
	// The burst closes: its peer series goes, the closed count comes.
	e.Publish(snapshot(t, false))
	_, text = scrape(t, h, "/metrics")
	if strings.Contains(text, "badgw_burst_peer_bad_responses{") || !strings.Contains(text, `badgw_bursts_total{cause=`) {
		t.Errorf("after the burst closed:\n%s", grep(text, "badgw_burst"))
	}
	// A reload starts a new analysis: counters carry on from where they were.
	e.Restart()
	e.Publish(snapshot(t, false))
	_, text = scrape(t, h, "/metrics")
	if !strings.Contains(text, `badgw_requests_total{status="200",upstream="api"} 160`) {
		t.Errorf("counters after a restart:\n%s", grep(text, "badgw_requests_total"))
	}
	e.Stop()
	if code, _ := scrape(t, h, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("ready while stopping: %d", code)
	}
	if code, _ := scrape(t, h, "/healthz"); code != http.StatusOK {
		t.Errorf("healthz: %d", code)
	}
}

func grep(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
