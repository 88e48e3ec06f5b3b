package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/fixtures/fixturetest"
)

// copyHost writes a recorded fixture's logs as one host's, under
// dir/host/; keep chooses the access lines (all when nil). A host whose
// copy drops the 502s is synthetic input derived from the recording, for
// a failure local to the other hosts.
func copyHost(t *testing.T, dir, host, fixture string, keep func(string) bool) {
	t.Helper()
	src := fixturetest.Dir(fixture)
	if err := os.MkdirAll(filepath.Join(dir, host), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"access.log", "error.log"} {
		var kept []string
		for _, l := range readLines(t, filepath.Join(src, name)) {
			if keep == nil || name == "error.log" || keep(l) {
				kept = append(kept, l)
			}
		}
		if name == "error.log" && keep != nil {
			kept = nil // that host's nginx failed nothing
		}
		if err := os.WriteFile(filepath.Join(dir, host, name), []byte(strings.Join(kept, "")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type hostBurst struct {
	Causes []struct {
		Summary  string   `json:"summary"`
		Evidence []string `json:"evidence"`
		Steps    []struct {
			Change string `json:"change"`
			At     string `json:"at"`
		} `json:"fix_steps"`
	} `json:"causes"`
	Host       string   `json:"host"`
	AtOnce     []string `json:"hosts_at_once"`
	GroupHosts int      `json:"group_hosts"`
	Bad        int      `json:"bad_gateway"`
	JoinRate   float64  `json:"join_rate"`
	RootCause  string   `json:"root_cause"`
}

func hostBursts(t *testing.T, args ...string) ([]hostBurst, string) {
	t.Helper()
	_, doc, errOut := run(t, nil, append([]string{"analyze", "--json", "-"}, args...)...)
	var d struct {
		Bursts []hostBurst `json:"bursts"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	_, text, _ := run(t, nil, append([]string{"analyze", "--no-tui"}, args...)...)
	return d.Bursts, text
}

// TestSeveralHosts: the recorded peer-refused incident on three hosts at
// once is a burst on each, each said to be on all three; on one host
// only (the others' copies without its 502s and error lines), it is one
// burst, on that host, said to be local. Error lines join only the 502s
// of their own host.
func TestSeveralHosts(t *testing.T) {
	conf := filepath.Join(fixturetest.Dir("peer-refused"), "nginx.conf")
	shared := t.TempDir()
	for _, h := range []string{"web-1", "web-2", "web-3"} {
		copyHost(t, shared, h, "peer-refused", nil)
	}
	bursts, text := hostBursts(t, "--nginx-conf", conf, "--host-from-path", filepath.Join(shared, "{host}", "*.log"))
	if len(bursts) != 3 {
		t.Fatalf("%d bursts on three hosts:\n%s", len(bursts), text)
	}
	for i, b := range bursts {
		if b.Host != []string{"web-1", "web-2", "web-3"}[i] || len(b.AtOnce) != 3 || b.GroupHosts != 3 || b.JoinRate != 1 || b.RootCause != "peer_refused" {
			t.Errorf("burst %d: %+v", i, b)
		}
	}
	if !strings.Contains(text, "upstream backend on host web-2") || !strings.Contains(text, "hosts: on all 3 hosts that sent it requests, at once (web-1, web-2, web-3)") {
		t.Errorf("text:\n%s", text)
	}

	local := t.TempDir()
	copyHost(t, local, "web-1", "peer-refused", func(l string) bool { return !strings.Contains(l, "\" 502 ") })
	copyHost(t, local, "web-2", "peer-refused", nil)
	copyHost(t, local, "web-3", "peer-refused", func(l string) bool { return !strings.Contains(l, "\" 502 ") })
	bursts, text = hostBursts(t, "--nginx-conf", conf, "--host-from-path", filepath.Join(local, "{host}", "*.log"))
	if len(bursts) != 1 || bursts[0].Host != "web-2" || len(bursts[0].AtOnce) != 1 || bursts[0].JoinRate != 1 {
		t.Fatalf("%+v\n%s", bursts, text)
	}
	if !strings.Contains(text, "hosts: on web-2 only, of the 3 hosts that sent it requests") {
		t.Errorf("text:\n%s", text)
	}
}

// TestHostsFromKubectlPrefix: "kubectl logs --prefix" of two controller
// pods in one stream (the recorded peer-refused incident on both, its
// lines in time order) gives each pod its burst, each joined to its own
// pod's error lines and said to be on both.
func TestHostsFromKubectlPrefix(t *testing.T) {
	dir := fixturetest.Dir("peer-refused")
	var stream strings.Builder
	both := func(l string) {
		for _, pod := range []string{"ingress-a", "ingress-b"} {
			stream.WriteString("[pod/" + pod + "/controller] " + l)
		}
	}
	// A saved stream, read as a file: the error lines of a second before
	// its access lines, as nginx writes them.
	type line struct{ sec, text string }
	var lines []line
	for _, l := range readLines(t, filepath.Join(dir, "error.log")) {
		lines = append(lines, line{errorSecond(l) + "0", l})
	}
	for _, l := range readLines(t, filepath.Join(dir, "access.log")) {
		lines = append(lines, line{accessSecondOf(t, l) + "1", l})
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].sec < lines[j].sec })
	for _, l := range lines {
		both(l.text)
	}
	path := filepath.Join(t.TempDir(), "pods.log")
	if err := os.WriteFile(path, []byte(stream.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	bursts, text := hostBursts(t, "--nginx-conf", filepath.Join(dir, "nginx.conf"), path)
	if len(bursts) != 2 {
		t.Fatalf("%d bursts:\n%s", len(bursts), text)
	}
	for i, b := range bursts {
		if b.Host != []string{"ingress-a", "ingress-b"}[i] || len(b.AtOnce) != 2 || b.GroupHosts != 2 || b.JoinRate != 1 || b.Bad != 150 {
			t.Errorf("burst %d: %+v", i, b)
		}
	}
}

// accessSecondOf is an access line's second as "15:04:05", from its
// [$time_local].
func accessSecondOf(t *testing.T, l string) string {
	t.Helper()
	i := strings.Index(l, "[")
	if i < 0 || len(l) < i+21 {
		t.Fatalf("no [$time_local] in %q", l)
	}
	return l[i+13 : i+21]
}

// TestWatchSeveralHosts: watch --host-from-path follows each host's files
// and alerts on each host's burst: the recorded peer-refused incident
// replayed into two hosts' logs gives two alerts, one a host.
func TestWatchSeveralHosts(t *testing.T) {
	src := fixturetest.Dir("peer-refused")
	dir := t.TempDir()
	for _, h := range []string{"web-1", "web-2"} {
		os.MkdirAll(filepath.Join(dir, h), 0o755)
		for _, name := range []string{"access.log", "error.log"} {
			os.WriteFile(filepath.Join(dir, h, name), nil, 0o644)
		}
	}
	hook := &webhookLog{}
	w := launchWatch(t, hook, "--nginx-conf", filepath.Join(src, "nginx.conf"), "--poll", "20ms", "--from-start",
		"--host-from-path", filepath.Join(dir, "{host}", "*.log"))
	files := map[string]*os.File{}
	for _, h := range []string{"web-1", "web-2"} {
		for _, name := range []string{"access.log", "error.log"} {
			f, err := os.OpenFile(filepath.Join(dir, h, name), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			files[h+name] = f
		}
	}
	writeBoth := func(name string) func(string) {
		return func(l string) {
			files["web-1"+name].WriteString(l)
			files["web-2"+name].WriteString(l)
		}
	}
	replayBySecond(readLines(t, filepath.Join(src, "access.log")), readLines(t, filepath.Join(src, "error.log")),
		writeBoth("access.log"), writeBoth("error.log"), func(int) {})
	hook.waitResolves(2, 20*time.Second)
	w.stop(t)
	hook.mu.Lock()
	defer hook.mu.Unlock()
	hosts := map[string]bool{}
	for _, b := range hook.bodies {
		if b.Event != "resolve" {
			continue
		}
		var burst struct {
			Host     string  `json:"host"`
			JoinRate float64 `json:"join_rate"`
		}
		json.Unmarshal(b.Burst, &burst)
		if burst.JoinRate != 1 {
			t.Errorf("burst on %s joined %.3f", burst.Host, burst.JoinRate)
		}
		hosts[burst.Host] = true
	}
	if len(hosts) != 2 || !hosts["web-1"] || !hosts["web-2"] {
		t.Errorf("resolved on %v\n%s", hosts, w.out.String())
	}
}

// TestThreeRecordedHosts: the incident recorded on three real nginx hosts
// in front of shared backends (fixtures/three-hosts, go run ./fixtures/gen
// -scenario three-hosts). Each incident of hosts.json is found on exactly
// the hosts it lists, with its cause: the peer that stopped listening as a
// 502 burst on every host at once, each host's 502s joined to its own
// error lines; web-3's descriptors running out as 500s of its own nginx,
// said to be on web-3 only.
func TestThreeRecordedHosts(t *testing.T) {
	dir := fixturetest.Dir("three-hosts")
	data, err := os.ReadFile(filepath.Join(dir, "hosts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Hosts     []string `json:"hosts"`
		Incidents []struct {
			Kind   string   `json:"kind"`
			Cause  string   `json:"cause"`
			Hosts  []string `json:"hosts"`
			AtOnce bool     `json:"at_once"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	args := []string{"--host-from-path", filepath.Join(dir, "{host}", "*.log"), "--nginx-conf", filepath.Join(dir, "{host}", "nginx.conf")}
	_, doc, errOut := run(t, nil, append([]string{"analyze", "--json", "-"}, args...)...)
	var d struct {
		Bursts      []hostBurst `json:"bursts"`
		NginxErrors []hostBurst `json:"nginx_errors"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	_, text, _ := run(t, nil, append([]string{"analyze", "--no-tui"}, args...)...)
	found := map[string][]hostBurst{}
	for _, b := range d.Bursts {
		found[b.RootCause] = append(found[b.RootCause], b)
	}
	for _, b := range d.NginxErrors {
		found[b.RootCause] = append(found[b.RootCause], b)
	}
	if len(truth.Incidents) != 2 || len(found) != len(truth.Incidents) {
		t.Fatalf("incidents %+v, found %+v:\n%s", truth.Incidents, found, text)
	}
	for _, inc := range truth.Incidents {
		var on []string
		for _, b := range found[inc.Cause] {
			on = append(on, b.Host)
			if strings.Join(b.AtOnce, ",") != strings.Join(inc.Hosts, ",") || b.GroupHosts != len(truth.Hosts) {
				t.Errorf("%s on %s: at once on %v of %d hosts, want %v of %d", inc.Kind, b.Host, b.AtOnce, b.GroupHosts, inc.Hosts, len(truth.Hosts))
			}
			if inc.Cause == "peer_refused" && b.JoinRate != 1 {
				t.Errorf("%s on %s: join rate %.2f", inc.Kind, b.Host, b.JoinRate)
			}
			// The fix cites the host's own nginx.conf and what it says.
			own := filepath.Join(dir, b.Host, "nginx.conf")
			fixes := ""
			for _, s := range b.Causes[0].Steps {
				fixes += s.Change + " " + s.At + "\n"
			}
			if !strings.Contains(fixes, own+":") {
				t.Errorf("%s on %s: the fix cites no line of %s:\n%s", inc.Kind, b.Host, own, fixes)
			}
			for _, want := range hostTruthMust(t, filepath.Join(dir, b.Host), inc.Kind) {
				if !strings.Contains(b.Causes[0].Summary+strings.Join(b.Causes[0].Evidence, "\n")+fixes, want) {
					t.Errorf("%s on %s: the top cause does not mention %q", inc.Kind, b.Host, want)
				}
			}
		}
		if strings.Join(on, ",") != strings.Join(inc.Hosts, ",") {
			t.Errorf("%s (%s) found on %v, happened on %v:\n%s", inc.Kind, inc.Cause, on, inc.Hosts, text)
		}
	}
	// The page lists every host's configuration findings.
	page := filepath.Join(t.TempDir(), "hosts.html")
	if code, _, errOut := run(t, nil, append([]string{"analyze", "--no-tui", "--html", page}, args...)...); code != ExitOK {
		t.Fatalf("--html: exit %d, %s", code, errOut)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	config := string(html)[strings.Index(string(html), `id="config"`):]
	for _, h := range truth.Hosts {
		if !strings.Contains(config, filepath.Join(dir, h, "nginx.conf")+":") {
			t.Errorf("the page lists no finding of %s's nginx.conf", h)
		}
	}
	for _, want := range []string{
		"hosts: on all 3 hosts that sent it requests, at once (web-1, web-2, web-3)",
		"hosts: on web-3 only, of the 3 hosts read",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report does not say %q:\n%s", want, text)
		}
	}
}

// hostTruthMust is what the top cause of fault kind must mention on the
// host whose recording is in dir (its truth.json).
func hostTruthMust(t *testing.T, dir, kind string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		Faults []struct {
			Kind string   `json:"kind"`
			Must []string `json:"fix_must_mention"`
		} `json:"faults"`
	}
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatal(err)
	}
	for _, f := range tr.Faults {
		if f.Kind == kind {
			return f.Must
		}
	}
	t.Fatalf("%s: no fault %s", dir, kind)
	return nil
}

// TestHostsFromHostnameField: a log_format with $hostname names each
// line's host. The recorded three-hosts access logs, each line given its
// host's name in a hn=$hostname field (synthetic input derived from the
// recording), merged into one file: the shared burst is found on each
// host at once and web-3's own 500s on web-3 only. One host's lines with
// its error.log, which names no host, are joined as before: an error line
// of no known host explains the requests of the only host seen.
func TestHostsFromHostnameField(t *testing.T) {
	dir := fixturetest.Dir("three-hosts")
	format := `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" conn=$connection rid=$request_id rt=$request_time ua="$upstream_addr" us="$upstream_status" uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" hn=$hostname`
	type line struct{ sec, text string }
	var lines []line
	tmp := t.TempDir()
	for _, h := range []string{"web-1", "web-2", "web-3"} {
		var own []string
		for _, l := range readLines(t, filepath.Join(dir, h, "access.log")) {
			l = strings.TrimSuffix(l, "\n") + " hn=" + h + "\n"
			lines = append(lines, line{accessSecondOf(t, l), l})
			own = append(own, l)
		}
		if h == "web-1" {
			if err := os.WriteFile(filepath.Join(tmp, "web-1.log"), []byte(strings.Join(own, "")), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].sec < lines[j].sec })
	var all strings.Builder
	for _, l := range lines {
		all.WriteString(l.text)
	}
	combined := filepath.Join(tmp, "access.log")
	if err := os.WriteFile(combined, []byte(all.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	_, doc, errOut := run(t, nil, "analyze", "--json", "-", "--format", format, combined)
	var d struct {
		Bursts      []hostBurst `json:"bursts"`
		NginxErrors []hostBurst `json:"nginx_errors"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	if len(d.Bursts) != 3 || len(d.NginxErrors) != 1 {
		t.Fatalf("%d bursts, %d episodes of nginx's own errors: %s", len(d.Bursts), len(d.NginxErrors), doc)
	}
	for i, b := range d.Bursts {
		if b.Host != []string{"web-1", "web-2", "web-3"}[i] || len(b.AtOnce) != 3 || b.GroupHosts != 3 {
			t.Errorf("burst %d: on %s, at once on %v of %d", i, b.Host, b.AtOnce, b.GroupHosts)
		}
	}
	if e := d.NginxErrors[0]; e.Host != "web-3" || strings.Join(e.AtOnce, ",") != "web-3" || e.GroupHosts != 3 {
		t.Errorf("nginx's own errors on %s, at once on %v of %d", e.Host, e.AtOnce, e.GroupHosts)
	}

	bursts, text := hostBursts(t, "--format", format, filepath.Join(tmp, "web-1.log"), filepath.Join(dir, "web-1", "error.log"))
	if len(bursts) != 1 || bursts[0].Host != "web-1" || bursts[0].JoinRate != 1 {
		t.Errorf("web-1 with its error.log: %+v\n%s", bursts, text)
	}
}
