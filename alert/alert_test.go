package alert

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/diagnose"
)

func burst(serial uint64, bad int, cause string, peers ...string) correlate.Burst {
	b := correlate.Burst{Serial: serial, Kind: correlate.Kind502, Group: "api", Open: true, Significant: true,
		Start: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 1, 3, 0, 9, 0, time.UTC),
		BadGateway: bad, Requests: 2 * bad, Causes: []diagnose.Cause{{ID: cause, Summary: "the peers refused", Steps: []diagnose.Step{{Change: "start the peer", At: "nginx.conf:12"}}}}}
	for _, p := range peers {
		b.Peers = append(b.Peers, correlate.Count{Key: p, N: bad})
	}
	return b
}

func kinds(ns []Notice) string {
	var s []string
	for _, n := range ns {
		s = append(s, string(n.Kind)+strings.Join(n.Changed, "+"))
	}
	return strings.Join(s, " ")
}

// TestTrackerLifecycle: an alert opens when the burst turns significant,
// updates on a change of cause, busiest peers or size class (not on every
// new count), resolves when it closes, and a stop resolves the rest.
func TestTrackerLifecycle(t *testing.T) {
	tr := NewTracker("r")
	now := time.Now()
	steps := []struct {
		in   []correlate.Burst
		want string
	}{
		{[]correlate.Burst{func() correlate.Burst { b := burst(1, 3, "peer_refused", "a"); b.Significant = false; return b }()}, ""},
		{[]correlate.Burst{burst(1, 5, "peer_refused", "a")}, "open"},
		{[]correlate.Burst{burst(1, 7, "peer_refused", "a")}, "refresh"},
		{[]correlate.Burst{burst(1, 12, "peer_refused", "a")}, "updatesize"},
		{[]correlate.Burst{burst(1, 13, "all_peers_down", "a", "b")}, "updatecause+peers"},
		{[]correlate.Burst{burst(1, 14, "all_peers_down", "a", "b"), burst(2, 5, "peer_refused", "c")}, "refresh open"},
	}
	for i, s := range steps {
		if got := kinds(tr.Observe(s.in, now)); got != s.want {
			t.Errorf("step %d: %q, want %q", i, got, s.want)
		}
	}
	closed := burst(1, 20, "all_peers_down", "a", "b")
	closed.Open = false
	ns := tr.Closed(closed, now, Ended)
	if kinds(ns) != "resolve" || ns[0].Seq != 4 || ns[0].Burst.BadGateway != 20 {
		t.Errorf("closing: %q seq %d", kinds(ns), ns[0].Seq)
	}
	short := burst(3, 9, "peer_refused", "d")
	short.Open = false
	if got := kinds(tr.Closed(short, now, Ended)); got != "open resolve" {
		t.Errorf("a burst closed before any snapshot: %q", got)
	}
	ns = tr.Stop(now)
	if kinds(ns) != "resolve" || !ns[0].Stopped || !strings.Contains(ns[0].Reason, "badgw stopped") {
		t.Errorf("stop: %+v", ns)
	}
	if ns := tr.Observe(nil, now); len(ns) != 0 {
		t.Errorf("after stop: %q", kinds(ns))
	}
}

// TestCandidateThatFailsTheTestResolves: an alerted candidate that is
// gone from the snapshot without closing as a burst resolves.
func TestCandidateThatFailsTheTestResolves(t *testing.T) {
	tr := NewTracker("r")
	tr.Observe([]correlate.Burst{burst(1, 5, "peer_refused", "a")}, time.Now())
	ns := tr.Observe(nil, time.Now())
	if kinds(ns) != "resolve" || ns[0].Stopped {
		t.Errorf("%+v", ns)
	}
}

type hook struct {
	mu       sync.Mutex
	failures int // answer 500 to this many posts first
	bodies   []WebhookBody
	posts    int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.posts++
	if h.failures > 0 {
		h.failures--
		http.Error(w, "busy", http.StatusInternalServerError)
		return
	}
	var b WebhookBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.bodies = append(h.bodies, b)
}

// TestWebhookRetriesInOrder: while the receiver answers 500 the notices
// wait and are retried with backoff; updates that wait fold together and
// a resolve supersedes them; each notice arrives once, in order.
func TestWebhookRetriesInOrder(t *testing.T) {
	h := &hook{failures: 3}
	srv := httptest.NewServer(h)
	defer srv.Close()
	var errs bytes.Buffer
	w := NewWebhook(srv.URL, "web-1", nil, Backoff{First: 20 * time.Millisecond, Max: 50 * time.Millisecond, GiveUp: time.Minute}, Limit{}, &errs)
	d := NewDispatcher(&errs, w)
	tr := NewTracker("r")
	now := time.Now()
	d.Send(tr.Observe([]correlate.Burst{burst(1, 5, "peer_refused", "a")}, now))
	d.Send(tr.Observe([]correlate.Burst{burst(1, 12, "peer_refused", "a")}, now))
	d.Send(tr.Observe([]correlate.Burst{burst(1, 130, "all_peers_down", "a")}, now))
	d.Send(tr.Observe([]correlate.Burst{burst(1, 131, "all_peers_down", "a")}, now))
	closed := burst(1, 140, "all_peers_down", "a")
	closed.Open = false
	d.Send(tr.Closed(closed, now, Ended))
	d.Close(5 * time.Second)
	var got []string
	ids := map[string]bool{}
	for _, b := range h.bodies {
		got = append(got, string(b.Event)+strings.Join(b.Changed, "+"))
		if ids[b.ID] {
			t.Errorf("notice %s delivered twice", b.ID)
		}
		ids[b.ID] = true
		if b.Host != "web-1" || !strings.Contains(string(b.Burst), `"upstream":"api"`) {
			t.Errorf("body %+v", b)
		}
	}
	// The open was retried while the rest waited: the updates folded
	// into one, which the resolve (with the final figures) made moot.
	if strings.Join(got, " ") != "open resolve" {
		t.Errorf("delivered %q", got)
	}
	if last := h.bodies[len(h.bodies)-1]; !strings.Contains(string(last.Burst), `"bad_gateway":140`) || !strings.Contains(last.Summary, "all_peers_down") {
		t.Errorf("the resolve does not carry the final figures: %+v", last)
	}
	st := d.Stats()[0]
	if st.Retries != 3 || st.Sent != int64(len(got)) || !st.Up || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
	if !strings.Contains(errs.String(), "retrying") {
		t.Errorf("the failing receiver is not named: %q", errs.String())
	}
}

// TestWebhookGivesUpOnARefusal: a 400 is not retried, and is counted.
func TestWebhookGivesUpOnARefusal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusBadRequest) }))
	defer srv.Close()
	w := NewWebhook(srv.URL, "h", nil, Backoff{First: time.Millisecond, Max: time.Millisecond, GiveUp: time.Minute}, Limit{}, io.Discard)
	d := NewDispatcher(io.Discard, w)
	d.Send(NewTracker("r").Observe([]correlate.Burst{burst(1, 5, "peer_refused", "a")}, time.Now()))
	d.Close(time.Second)
	if st := d.Stats()[0]; st.Failed != 1 || st.Retries != 0 || st.Up || !strings.Contains(st.LastError, "400") {
		t.Errorf("stats %+v", st)
	}
}

// TestRateLimitMergesUpdates: under the limit, a burst changing many
// times costs few notices, and the last carries the newest figures.
func TestRateLimitMergesUpdates(t *testing.T) {
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	w := NewWebhook(srv.URL, "h", nil, DefaultBackoff, Limit{PerMinute: 60, Burst: 1}, io.Discard)
	d := NewDispatcher(io.Discard, w)
	tr := NewTracker("r")
	causes := []string{"peer_refused", "all_peers_down"}
	for i := range 40 {
		d.Send(tr.Observe([]correlate.Burst{burst(1, 5+i, causes[i%2], "a")}, time.Now()))
	}
	time.Sleep(1500 * time.Millisecond)
	d.Close(5 * time.Second)
	if len(h.bodies) > 3 || len(h.bodies) < 2 {
		t.Fatalf("%d notices for one burst under a limit of one a second", len(h.bodies))
	}
	last := h.bodies[len(h.bodies)-1]
	if !strings.Contains(string(last.Burst), `"bad_gateway":44`) {
		t.Errorf("the merged update does not carry the newest figures: %s", last.Burst)
	}
}

// TestTemplateEscapesLogContent: a group name from the logs cannot mention
// a channel or forge a link in Slack's text.
func TestTemplateEscapesLogContent(t *testing.T) {
	tmpl, err := ParseTemplate(`{{.Event}} {{.Upstream}}: {{.Summary}}`)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWebhook("http://127.0.0.1:1", "h", tmpl, DefaultBackoff, DefaultLimit, io.Discard)
	b := burst(1, 5, "peer_refused", "a")
	b.Group = "<!channel> <http://evil|click>\x1b[2J"
	body, err := w.Body(Notice{Kind: Open, Burst: b})
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]string
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out["text"], "<>\x1b") || !strings.Contains(out["text"], "&lt;!channel&gt;") {
		t.Errorf("text %q", out["text"])
	}
}

// TestAlertmanagerPosts: an open posts a firing alert with its labels
// (peers in annotations), active alerts are re-posted every resend, a
// change of cause ends the old label set and starts the new one at the
// burst's start, and a resolve posts endsAt.
func TestAlertmanagerPosts(t *testing.T) {
	var mu sync.Mutex
	var posts [][]amAlert
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/alerts" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var as []amAlert
		if err := json.NewDecoder(r.Body).Decode(&as); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		posts = append(posts, as)
		mu.Unlock()
	}))
	defer srv.Close()
	am := NewAlertmanager(srv.URL+"/", "web-1", 100*time.Millisecond, DefaultBackoff, io.Discard)
	d := NewDispatcher(io.Discard, am)
	tr := NewTracker("r")
	d.Send(tr.Observe([]correlate.Burst{burst(1, 5, "peer_refused", "10.0.0.1:80")}, time.Now()))
	time.Sleep(250 * time.Millisecond)
	d.Send(tr.Observe([]correlate.Burst{burst(1, 6, "all_peers_down", "10.0.0.1:80")}, time.Now()))
	time.Sleep(50 * time.Millisecond)
	closed := burst(1, 6, "all_peers_down", "10.0.0.1:80")
	closed.Open = false
	d.Send(tr.Closed(closed, time.Now(), Stopped))
	d.Close(5 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(posts) < 4 {
		t.Fatalf("%d posts: want the open, a resend, the change and the resolve", len(posts))
	}
	first := posts[0][0]
	want := map[string]string{"alertname": AlertName, "upstream": "api", "cause": "peer_refused", "host": "web-1"}
	if len(posts[0]) != 1 || !maps.Equal(first.Labels, want) || first.Annotations["peers"] != "10.0.0.1:80 (5)" ||
		!first.StartsAt.Equal(burst(1, 0, "").Start) || !first.EndsAt.After(time.Now()) {
		t.Errorf("open: %+v", posts[0])
	}
	var change []amAlert
	for _, p := range posts {
		if len(p) == 2 {
			change = p
		}
	}
	if change == nil || change[0].Labels["cause"] != "all_peers_down" || change[1].Labels["cause"] != "peer_refused" ||
		change[1].EndsAt.After(time.Now()) || !change[0].StartsAt.Equal(first.StartsAt) {
		t.Errorf("change of cause: %+v", change)
	}
	last := posts[len(posts)-1]
	if len(last) != 1 || last[0].EndsAt.After(time.Now()) || last[0].Annotations["stopped"] == "" {
		t.Errorf("resolve: %+v", last)
	}
}

// TestReloadCarriesTheAlert: a burst closed by a reload keeps its alert
// when the next analysis shows it again, and resolves once Carry passes
// without it.
func TestReloadCarriesTheAlert(t *testing.T) {
	tr := NewTracker("r")
	tr.Carry = time.Minute
	now := time.Now()
	tr.Observe([]correlate.Burst{burst(1, 5, "peer_refused", "a")}, now)
	b := burst(1, 6, "peer_refused", "a")
	b.Open = false
	if ns := tr.Closed(b, now, Reloaded); len(ns) != 0 {
		t.Fatalf("a reload told %q", kinds(ns))
	}
	ns := tr.Observe([]correlate.Burst{burst(7, 50, "peer_refused", "a")}, now.Add(time.Second))
	if kinds(ns) != "updatesize" || ns[0].Key != "r-1" {
		t.Errorf("after the reload: %q key %s", kinds(ns), ns[0].Key)
	}
	b = burst(7, 50, "peer_refused", "a")
	b.Open = false
	tr.Closed(b, now, Reloaded)
	if ns := tr.Observe(nil, now.Add(30*time.Second)); len(ns) != 0 {
		t.Errorf("resolved within Carry: %q", kinds(ns))
	}
	if ns := tr.Observe(nil, now.Add(2*time.Minute)); kinds(ns) != "resolve" || ns[0].Stopped {
		t.Errorf("past Carry: %q", kinds(ns))
	}
}
