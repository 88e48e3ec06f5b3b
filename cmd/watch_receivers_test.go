package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badgw/badgw/alert"
)

// needServer finds a server binary that .ci/run installs: missing in CI
// is a failure, elsewhere a skip that says what to install.
func needServer(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing in CI: %v", name, err)
		}
		t.Skipf("needs Debian's %s (apt-get install %s)", name, pkg)
	}
	return p
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// startServer runs a server for the test and stops it, by its PID, at
// the end; its output goes to a file shown if the test fails.
func startServer(t *testing.T, bin string, args ...string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), filepath.Base(bin)+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s output (last 2 KiB):\n%s", filepath.Base(bin), b[max(0, len(b)-2048):])
		}
	})
}

// waitOK polls url until it answers 200.
func waitOK(t *testing.T, url string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within %s", url, within)
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// webhookLog is a webhook receiver that answers 500 to its first posts.
type webhookLog struct {
	mu     sync.Mutex
	fail   int
	posts  int
	bodies []alert.WebhookBody
}

func (h *webhookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.posts++
	if h.fail > 0 {
		h.fail--
		http.Error(w, "not now", http.StatusInternalServerError)
		return
	}
	var b alert.WebhookBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.bodies = append(h.bodies, b)
}

func (h *webhookLog) resolves() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, b := range h.bodies {
		if b.Event == alert.Resolve {
			n++
		}
	}
	return n
}

type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
}

// TestWatchWithPrometheusAndAlertmanager replays the recorded
// no-live-upstreams incident (two 502 bursts) into the files badgw watch
// follows, at eight log seconds a second, with Debian's Alertmanager
// taking its alerts, Debian's Prometheus scraping its metrics, and a
// webhook receiver that answers 500 to its first two posts. The
// Alertmanager shows each burst firing, with its labels, while it goes on
// and nothing firing after; Prometheus has the bursts, the 502s and the
// error.log's categories as the offline analysis counts them; the webhook
// gets, for each burst, its open, updates as it grows, then its resolve,
// each once, after the retries.
func TestWatchWithPrometheusAndAlertmanager(t *testing.T) {
	amBin := needServer(t, "prometheus-alertmanager", "prometheus-alertmanager")
	promBin := needServer(t, "prometheus", "prometheus")
	conf, acc, errs := recordedIncident(t)
	dir := t.TempDir()

	amPort := freePort(t)
	amConf := filepath.Join(dir, "alertmanager.yml")
	os.WriteFile(amConf, []byte("route:\n  receiver: none\nreceivers:\n  - name: none\n"), 0o644)
	startServer(t, amBin, "--config.file="+amConf, "--storage.path="+filepath.Join(dir, "am"),
		"--web.listen-address=127.0.0.1:"+amPort, "--cluster.listen-address=")
	amURL := "http://127.0.0.1:" + amPort
	waitOK(t, amURL+"/-/ready", 20*time.Second)

	hook := &webhookLog{fail: 2}
	metricsAddr := "127.0.0.1:" + freePort(t)
	w := startWatch(t, conf, hook, "--alertmanager", amURL, "--alert-resend", "1s", "--alert-host", "web-1", "--metrics-addr", metricsAddr)
	accPath, errPath, errOut := w.acc, w.err, w.errOut
	waitOK(t, "http://"+metricsAddr+"/readyz", 20*time.Second)

	promPort := freePort(t)
	promConf := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(promConf, []byte("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: badgw\n    static_configs:\n      - targets: ['"+metricsAddr+"']\n"), 0o644)
	startServer(t, promBin, "--config.file="+promConf, "--storage.tsdb.path="+filepath.Join(dir, "prom"),
		"--web.listen-address=127.0.0.1:"+promPort)
	promURL := "http://127.0.0.1:" + promPort
	waitOK(t, promURL+"/-/ready", 30*time.Second)

	// What the Alertmanager shows firing, watched while the lines arrive.
	var firing sync.Map
	watching := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			var as []amAlert
			if err := getJSON(amURL+"/api/v2/alerts?filter=alertname%3D%22"+alert.AlertName+"%22", &as); err == nil {
				for _, a := range as {
					firing.Store(fmt.Sprintf("%s %s %s %s", a.Labels["alertname"], a.Labels["upstream"], a.Labels["cause"], a.Labels["host"]), a)
				}
			}
			select {
			case <-watching:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	af, _ := os.OpenFile(accPath, os.O_WRONLY|os.O_APPEND, 0)
	ef, _ := os.OpenFile(errPath, os.O_WRONLY|os.O_APPEND, 0)
	replayBySecond(acc, errs, func(l string) { af.WriteString(l) }, func(l string) { ef.WriteString(l) }, func(int) {
		time.Sleep(110 * time.Millisecond) // with replayBySecond's 15 ms: eight log seconds a second
	})
	af.Close()
	ef.Close()
	close(watching)
	<-watched

	// Both bursts close once their quiet gap has passed.
	deadline := time.Now().Add(30 * time.Second)
	for hook.resolves() < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}

	_, offline, _ := run(t, nil, "analyze", "--nginx-conf", conf, "--json", "-", accPath, errPath)
	var doc struct {
		Bursts []struct {
			Upstream  string `json:"upstream"`
			RootCause string `json:"root_cause"`
		} `json:"bursts"`
	}
	if err := json.Unmarshal([]byte(offline), &doc); err != nil || len(doc.Bursts) != 2 {
		t.Fatalf("offline analysis: %v\n%s", err, offline)
	}
	want := fmt.Sprintf("%s %s %s web-1", alert.AlertName, doc.Bursts[0].Upstream, doc.Bursts[0].RootCause)
	if v, ok := firing.Load(want); !ok {
		var seen []string
		firing.Range(func(k, _ any) bool { seen = append(seen, k.(string)); return true })
		t.Errorf("Alertmanager never showed %q firing; it showed %q", want, seen)
	} else if a := v.(amAlert); !strings.Contains(a.Annotations["summary"], "answered 502") || a.Annotations["fix"] == "" || a.Annotations["peers"] == "" {
		t.Errorf("the firing alert's annotations: %+v", a.Annotations)
	}
	// Resolved: nothing of badgw's fires any more.
	for {
		var as []amAlert
		err := getJSON(amURL+"/api/v2/alerts?filter=alertname%3D%22"+alert.AlertName+"%22", &as)
		if err == nil && len(as) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("Alertmanager still shows %+v (%v)", as, err)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Prometheus has what the offline analysis counts.
	bad := 0
	for _, l := range acc {
		if strings.Split(l, "\t")[1] == "502" {
			bad++
		}
	}
	noLive := 0
	for _, l := range errs {
		if strings.Contains(l, "no live upstreams") {
			noLive++
		}
	}
	for query, wantValue := range map[string]string{
		`sum(badgw_bursts_total{kind="502",cause="` + doc.Bursts[0].RootCause + `"})`: "2",
		`sum(badgw_requests_total{status="502"})`:                                     fmt.Sprint(bad),
		`sum(badgw_error_events_total{category="no_live_upstreams"})`:                 fmt.Sprint(noLive),
		`sum(badgw_alert_notices_total{receiver="webhook",outcome="retried"})`:        "2",
	} {
		got := ""
		for {
			var resp struct {
				Data struct {
					Result []struct {
						Value []any `json:"value"`
					} `json:"result"`
				} `json:"data"`
			}
			if err := getJSON(promURL+"/api/v1/query?query="+url.QueryEscape(query), &resp); err == nil && len(resp.Data.Result) == 1 {
				got = fmt.Sprint(resp.Data.Result[0].Value[1])
			}
			if got == wantValue || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if got != wantValue {
			t.Errorf("Prometheus: %s = %q, want %s", query, got, wantValue)
			if resp, err := http.Get("http://" + metricsAddr + "/metrics"); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				t.Logf("badgw's metrics:\n%s", grepLines(string(b), "badgw_"))
			}
		}
	}

	w.stop(t)

	// The webhook: for each burst, open then resolve, each once, after
	// the two 500s were retried.
	hook.mu.Lock()
	defer hook.mu.Unlock()
	byKey := map[string][]string{}
	var keys []string
	ids := map[string]bool{}
	for _, b := range hook.bodies {
		if ids[b.ID] {
			t.Errorf("notice %s delivered twice", b.ID)
		}
		ids[b.ID] = true
		key := b.ID[:strings.LastIndex(b.ID, "/")]
		if byKey[key] == nil {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], string(b.Event))
	}
	if len(keys) != 2 {
		t.Errorf("webhook: %d bursts, want 2: %v", len(keys), byKey)
	}
	// The first burst's updates waited behind the retried open and were
	// made moot by its resolve; the second grows from tens to hundreds of
	// 502s while it goes on: an update between its open and resolve.
	updates := 0
	for _, k := range keys {
		seq := strings.Join(byKey[k], " ")
		if !strings.HasPrefix(seq, "open") || !strings.HasSuffix(seq, "resolve") || strings.Count(seq, "open") != 1 || strings.Count(seq, "resolve") != 1 {
			t.Errorf("webhook: burst %s told %q", k, seq)
		}
		updates += strings.Count(seq, "update")
	}
	if updates == 0 {
		t.Errorf("webhook: no update told: %v", byKey)
	}
	if hook.posts != len(hook.bodies)+2 {
		t.Errorf("webhook: %d posts for %d notices and 2 refusals", hook.posts, len(hook.bodies))
	}
	if !strings.Contains(errOut.String(), "alert receiver webhook") {
		t.Errorf("the failing receiver was not named on stderr: %s", errOut.String())
	}
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestWatchReloadsOnSIGHUP: a SIGHUP in the middle of a burst reads
// nginx.conf again and reopens the files where they stood: no line is
// read twice or skipped (the 502 counter equals the log's), the counters
// go on, and the burst keeps its one alert across the reload.
func TestWatchReloadsOnSIGHUP(t *testing.T) {
	conf, acc, errs := recordedIncident(t)
	hook := &webhookLog{}
	metricsAddr := "127.0.0.1:" + freePort(t)
	w := startWatch(t, conf, hook, "--metrics-addr", metricsAddr)
	accPath, errPath, out, errOut := w.acc, w.err, w.out, w.errOut
	waitOK(t, "http://"+metricsAddr+"/readyz", 20*time.Second)

	// Halfway through the first burst (02:23:23–02:23:33).
	mid := 0
	for i, l := range acc {
		if accessSecond(l) == "02:23:28" {
			mid = i
			break
		}
	}
	af, _ := os.OpenFile(accPath, os.O_WRONLY|os.O_APPEND, 0)
	ef, _ := os.OpenFile(errPath, os.O_WRONLY|os.O_APPEND, 0)
	reloaded := false
	replayBySecond(acc, errs, func(l string) { af.WriteString(l) }, func(l string) { ef.WriteString(l) }, func(written int) {
		time.Sleep(60 * time.Millisecond)
		if !reloaded && written > mid {
			reloaded = true
			hangup := onHangup.Load()
			if hangup == nil {
				t.Error("watch did not take SIGHUP")
				return
			}
			(*hangup)()
		}
	})
	af.Close()
	ef.Close()
	deadline := time.Now().Add(30 * time.Second)
	for hook.resolves() < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	bad := 0
	for _, l := range acc {
		if strings.Split(l, "\t")[1] == "502" {
			bad++
		}
	}
	want := fmt.Sprintf(`badgw_requests_total{status="502",upstream="example"} %d`, bad)
	var metrics string
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + metricsAddr + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			metrics = string(b)
			if strings.Contains(metrics, want+"\n") {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(metrics, want+"\n") {
		t.Errorf("after the reload, want %s:\n%s", want, grepLines(metrics, "badgw_requests_total"))
	}
	w.stop(t)
	if !strings.Contains(errOut.String(), "SIGHUP: "+conf+" read again; the files reopened where they were") {
		t.Errorf("stderr: %s", errOut.String())
	}
	byKey := hook.sequences()
	// The reload closed the first burst in the printed output (its rest
	// printed by the next analysis): three blocks, two alerts.
	if n := strings.Count(out.String(), "\nBurst #") + strings.Count(out.String()[:min(6, len(out.String()))], "Burst "); n != 3 || len(byKey) != 2 {
		t.Errorf("%d bursts printed, alerts %v\n%s", n, byKey, out.String())
	}
	for k, seq := range byKey {
		if strings.Count(seq, "open") != 1 || strings.Count(seq, "resolve") != 1 {
			t.Errorf("burst %s told %q", k, seq)
		}
	}
}

// TestWatchStopResolvesOpenAlerts: stopped in the middle of a burst,
// watch resolves its alert saying that badgw stopped, once.
func TestWatchStopResolvesOpenAlerts(t *testing.T) {
	conf, acc, _ := recordedIncident(t)
	hook := &webhookLog{}
	w := startWatch(t, conf, hook)
	// Up to the middle of the first burst (02:23:23–02:23:33).
	var part []string
	for _, l := range acc {
		if accessSecond(l) > "02:23:28" {
			break
		}
		part = append(part, l)
	}
	af, _ := os.OpenFile(w.acc, os.O_WRONLY|os.O_APPEND, 0)
	replayBySecond(part, nil, func(l string) { af.WriteString(l) }, nil, func(int) {})
	af.Close()
	deadline := time.Now().Add(10 * time.Second)
	opened := func() bool {
		hook.mu.Lock()
		defer hook.mu.Unlock()
		return len(hook.bodies) > 0
	}
	for !opened() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	w.stop(t)
	hook.mu.Lock()
	defer hook.mu.Unlock()
	var seq []string
	for _, b := range hook.bodies {
		seq = append(seq, string(b.Event))
	}
	if strings.Join(seq, " ") != "open resolve" {
		t.Fatalf("notices %q", seq)
	}
	if r := hook.bodies[1]; !r.Stopped || !strings.Contains(r.Reason, "badgw stopped") || r.ID == hook.bodies[0].ID {
		t.Errorf("the resolve: %+v", r)
	}
}

// TestWatchReadsStdin: "badgw watch -" takes a pipe (tail -F of both
// logs) and alerts as for files; the end of the pipe ends it.
func TestWatchReadsStdin(t *testing.T) {
	conf, acc, errs := recordedIncident(t)
	hook := &webhookLog{}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()
	pr, pw := io.Pipe()
	streams, _, out, errOut := TestStreams()
	streams.In = pr
	done := make(chan int, 1)
	go func() {
		done <- Execute(context.Background(), streams, []string{"watch", "--nginx-conf", conf, "--webhook", hookSrv.URL, "-"})
	}()
	replayBySecond(acc, errs, func(l string) { io.WriteString(pw, "==> access.log <==\n"+l) },
		func(l string) { io.WriteString(pw, "==> error.log <==\n"+l) }, func(int) {})
	pw.Close()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("code %d\n%s", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("watch - did not end with its input")
	}
	byKey := hook.sequences()
	if len(byKey) != 2 || strings.Count(out.String(), "Burst #") != 2 {
		t.Errorf("alerts %v\n%s", byKey, out.String())
	}
	for k, seq := range byKey {
		if !strings.HasPrefix(seq, "open") || !strings.HasSuffix(seq, "resolve ") || strings.Contains(seq, "stopped") {
			t.Errorf("burst %s told %q", k, seq)
		}
	}
}

// watchRun is a badgw watch that a test started on two empty files, the
// recorded incident's nginx.conf and a webhook receiver.
type watchRun struct {
	acc, err    string
	out, errOut *bytes.Buffer
	cancel      context.CancelFunc
	done        chan int
}

func startWatch(t *testing.T, conf string, hook *webhookLog, args ...string) *watchRun {
	t.Helper()
	dir := t.TempDir()
	acc, errLog := filepath.Join(dir, "access.log"), filepath.Join(dir, "error.log")
	for _, p := range []string{acc, errLog} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w := launchWatch(t, hook, append(append([]string{"--nginx-conf", conf, "--poll", "20ms", "--from-start"}, args...), acc, errLog)...)
	w.acc, w.err = acc, errLog
	return w
}

// launchWatch runs "badgw watch ARGS --webhook" (the hook's server) until
// stop, waiting for /readyz when ARGS serve metrics.
func launchWatch(t *testing.T, hook *webhookLog, args ...string) *watchRun {
	t.Helper()
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)
	w := &watchRun{done: make(chan int, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w.cancel = cancel
	var streams *IOStreams
	streams, _, w.out, w.errOut = TestStreams()
	args = append([]string{"watch", "--webhook", hookSrv.URL}, args...)
	go func() { w.done <- Execute(ctx, streams, args) }()
	if i := slices.Index(args, "--metrics-addr"); i >= 0 {
		waitOK(t, "http://"+args[i+1]+"/readyz", 20*time.Second)
	}
	return w
}

// waitResolves waits up to within for n resolves at the webhook.
func (h *webhookLog) waitResolves(n int, within time.Duration) {
	deadline := time.Now().Add(within)
	for h.resolves() < n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
}

// sequences is each alert's notices in the order they came, by key:
// "open update resolve ".
func (h *webhookLog) sequences() map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]string{}
	for _, b := range h.bodies {
		out[b.ID[:strings.LastIndex(b.ID, "/")]] += string(b.Event) + " "
	}
	return out
}

// stop ends the watch as SIGTERM does and wants it to exit cleanly.
func (w *watchRun) stop(t *testing.T) {
	t.Helper()
	w.cancel()
	select {
	case code := <-w.done:
		if code != ExitOK {
			t.Fatalf("watch: code %d\n%s\n%s", code, w.out.String(), w.errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("watch did not stop")
	}
}
