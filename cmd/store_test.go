package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/store/victorialogs/vlload"
)

// loadFixture writes a recorded fixture's lines into VictoriaLogs through
// its JSON-lines API, each with its own time (the access line's, the
// error line's in the access log's offset), the field host set to the
// fixture's name (or host, when given) and log to "access" or "error". It
// returns the range the lines span.
func loadFixture(t *testing.T, vl, name string, host ...string) (from, to time.Time) {
	t.Helper()
	dir := fixturetest.Dir(name)
	hostName := name
	if len(host) > 0 {
		hostName = host[0]
	}
	from, to, _, err := vlload.Load(vl, hostName, fixturetest.Format(t, dir),
		[]string{filepath.Join(dir, "access.log*")}, []string{filepath.Join(dir, "error.log*")})
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	return from, to
}

// burstsWithoutSources is the bursts of a --json document with the
// sample lines' file and line number left out: the same lines come from
// the store under another name.
func burstsWithoutSources(t *testing.T, doc string) string {
	t.Helper()
	var d struct {
		Bursts []map[string]any `json:"bursts"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	for _, b := range d.Bursts {
		for _, k := range []string{"access_samples", "error_samples"} {
			samples, _ := b[k].([]any)
			for _, s := range samples {
				delete(s.(map[string]any), "source")
				delete(s.(map[string]any), "line")
			}
		}
	}
	out, _ := json.MarshalIndent(d.Bursts, "", " ")
	return string(out)
}

// TestAnalyzeFromVictoriaLogs loads every recorded fixture into a real
// VictoriaLogs (built from its Go module by .ci/run, started here on a
// loopback port, stopped by PID) and analyses each through
// --victorialogs: the bursts, their counts, causes and fixes are those of
// the files. Then the errors a person meets: a filter that matches
// nothing, and a query the store refuses.
func TestAnalyzeFromVictoriaLogs(t *testing.T) {
	vl := startVictoriaLogs(t)

	entries, err := os.ReadDir(filepath.Dir(fixturetest.Dir("peer-refused")))
	if err != nil {
		t.Fatal(err)
	}
	type loaded struct {
		name     string
		from, to time.Time
	}
	var fixtures []loaded
	for _, e := range entries {
		conf := filepath.Join(fixturetest.Dir(e.Name()), "nginx.conf")
		if _, err := os.Stat(conf); err != nil || !e.IsDir() {
			continue
		}
		from, to := loadFixture(t, vl, e.Name())
		fixtures = append(fixtures, loaded{e.Name(), from, to})
	}
	// VictoriaLogs makes what it took searchable within a second.
	time.Sleep(2 * time.Second)
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			dir := fixturetest.Dir(fx.name)
			conf := filepath.Join(dir, "nginx.conf")
			files, err := filepath.Glob(filepath.Join(dir, "*.log*"))
			if err != nil {
				t.Fatal(err)
			}
			_, fromFiles, _ := run(t, nil, append([]string{"analyze", "--nginx-conf", conf, "--json", "-"}, files...)...)
			for _, read := range []string{"counted", "all"} {
				code, fromStore, errOut := run(t, nil, "analyze", "--nginx-conf", conf, "--json", "-", "--victorialogs", vl, "--store-read", read,
					"--query", fmt.Sprintf(`{host=%q}`, fx.name), "--from", fx.from.UTC().Format(time.RFC3339), "--to", fx.to.UTC().Format(time.RFC3339))
				if code != ExitOK && code != ExitBurstFound {
					t.Fatalf("--store-read %s: code %d: %s", read, code, errOut)
				}
				if a, b := burstsWithoutSources(t, fromStore), burstsWithoutSources(t, fromFiles); a != b {
					t.Errorf("--store-read %s: from the store:\n%s\nfrom the files:\n%s", read, a, b)
				}
				// A counted read says how much it read, and reads less
				// than all: every fixture has plain lines outside its
				// bursts. (Where what it would read of an hour is most of
				// the hour and over 10,000 lines, the hour is read whole,
				// as in sporadic-background.)
				var fetched, all int
				_, err := fmt.Sscanf(errOut, "badgw: %d of the %d access lines read from the store", &fetched, &all)
				if read == "counted" && (err != nil || fetched >= all && fetched <= 10000) {
					t.Errorf("a counted read read %d of %d lines (%v): %s", fetched, all, err, errOut)
				}
				if read == "all" && err == nil {
					t.Errorf("reading every line says it counted: %s", errOut)
				}
			}
		})
	}

	// Without --format or nginx.conf, the counted read detects the format
	// from the range's first lines, as the files' analysis does.
	for _, fx := range fixtures {
		if fx.name != "peer-refused" {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(fixturetest.Dir(fx.name), "*.log*"))
		_, fromFiles, _ := run(t, nil, append([]string{"analyze", "--json", "-"}, files...)...)
		_, fromStore, errOut := run(t, nil, "analyze", "--json", "-", "--victorialogs", vl, "--query", fmt.Sprintf(`{host=%q}`, fx.name),
			"--from", fx.from.UTC().Format(time.RFC3339), "--to", fx.to.UTC().Format(time.RFC3339))
		if a, b := burstsWithoutSources(t, fromStore), burstsWithoutSources(t, fromFiles); a != b || !strings.Contains(errOut, "the store counted the others") {
			t.Errorf("no format given: from the store:\n%s\nfrom the files:\n%s\n%s", a, b, errOut)
		}
	}

	// Hosts whose lines are in two formats, no format given: every line
	// is read, each host's format detected on its own, and stderr says why.
	mixFrom, mixTo := loadFixture(t, vl, "combined-format", "mix-a")
	f, e := loadFixture(t, vl, "peer-refused", "mix-b")
	mixFrom, mixTo = minTime(f, mixFrom), maxTime(e, mixTo)
	time.Sleep(2 * time.Second)
	code, _, mixOut := run(t, nil, "analyze", "--no-tui", "--victorialogs", vl, "--query", `{host=~"mix-.*"}`, "--host-field", "host",
		"--from", mixFrom.UTC().Format(time.RFC3339), "--to", mixTo.UTC().Format(time.RFC3339))
	if code != ExitOK || !strings.Contains(mixOut, "its hosts' lines are in more than one format") {
		t.Errorf("two formats: code %d, %s", code, mixOut)
	}

	// Two hosts in the store: --host-field reads each as its own, as
	// --host-from-path does with files.
	from, to := loadFixture(t, vl, "peer-refused", "fleet-a")
	loadFixture(t, vl, "peer-refused", "fleet-b")
	time.Sleep(2 * time.Second)
	bursts, text := hostBursts(t, "--nginx-conf", filepath.Join(fixturetest.Dir("peer-refused"), "nginx.conf"), "--victorialogs", vl,
		"--query", `{host=~"fleet-.*"}`, "--host-field", "host", "--from", from.UTC().Format(time.RFC3339), "--to", to.UTC().Format(time.RFC3339))
	if len(bursts) != 2 || bursts[0].Host != "fleet-a" || bursts[1].Host != "fleet-b" || len(bursts[0].AtOnce) != 2 || bursts[0].JoinRate != 1 || bursts[1].JoinRate != 1 {
		t.Errorf("two hosts from the store: %+v\n%s", bursts, text)
	}

	code, _, errOut := run(t, nil, "analyze", "--no-tui", "--victorialogs", vl, "--query", `{host="no-such-host"}`, "--since", "1h")
	if code != ExitInput || !strings.Contains(errOut, `matched no line`) {
		t.Errorf("a filter that matches nothing: code %d, %s", code, errOut)
	}
	code, _, errOut = run(t, nil, "analyze", "--no-tui", "--victorialogs", vl, "--query", `{host=`, "--since", "1h")
	if code != ExitInput || !strings.Contains(errOut, "refused the query: 400") {
		t.Errorf("a broken query: code %d, %s", code, errOut)
	}
}

// TestWatchFromVictoriaLogs: badgw watch --victorialogs reads what the
// store holds from --from on and alerts on each burst as from files: the
// recorded no-live-upstreams incident, loaded into a real VictoriaLogs,
// gives its two bursts, each opened and resolved once.
func TestWatchFromVictoriaLogs(t *testing.T) {
	vl := startVictoriaLogs(t)
	from, _ := loadFixture(t, vl, "no-live-upstreams")
	time.Sleep(2 * time.Second)

	hook := &webhookLog{}
	w := launchWatch(t, hook, "--nginx-conf", filepath.Join(fixturetest.Dir("no-live-upstreams"), "nginx.conf"),
		"--victorialogs", vl, "--query", `{host="no-live-upstreams"}`, "--from", from.UTC().Format(time.RFC3339))
	hook.waitResolves(2, 30*time.Second)
	w.stop(t)
	byKey := hook.sequences()
	if len(byKey) != 2 {
		t.Fatalf("alerts %v\n%s\n%s", byKey, w.out.String(), w.errOut.String())
	}
	for k, seq := range byKey {
		if !strings.HasPrefix(seq, "open") || !strings.HasSuffix(seq, "resolve ") {
			t.Errorf("burst %s told %q", k, seq)
		}
	}
}

// startVictoriaLogs runs the VictoriaLogs that .ci/run builds, on a
// loopback port with a data directory of its own and a retention long
// enough for the fixtures' dates; it is stopped by PID when the test ends.
func startVictoriaLogs(t *testing.T) string {
	t.Helper()
	bin := needServer(t, "victoria-logs", "it with go install github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@v1.52.2")
	port := freePort(t)
	startServer(t, bin, "-storageDataPath="+filepath.Join(t.TempDir(), "vl"), "-retentionPeriod=100y", "-httpListenAddr=127.0.0.1:"+port)
	vl := "http://127.0.0.1:" + port
	waitOK(t, vl+"/health", 20*time.Second)
	return vl
}

// loadVectorFields writes a recorded fixture into VictoriaLogs as a
// shipper that kept only the fields of Vector's parse_nginx_log would:
// access lines as its ingress_upstreaminfo fields, error lines as its
// error fields, no raw line (synthetic rows derived from the recording).
func loadVectorFields(t *testing.T, vl, name string) (from, to time.Time) {
	t.Helper()
	dir := fixturetest.Dir(name)
	format := fixturetest.Format(t, dir)
	var body bytes.Buffer
	var zone *time.Location
	offset := 0
	add := func(at time.Time, fields map[string]any) {
		if from.IsZero() || at.Before(from) {
			from = at
		}
		if at.After(to) {
			to = at
		}
		fields["_time"], fields["log.offset"] = at.Format(time.RFC3339Nano), offset
		offset++
		row, _ := json.Marshal(fields)
		body.Write(append(row, '\n'))
	}
	dashless := func(fields map[string]any) map[string]any {
		for k, v := range fields {
			if v == "" || v == "-" {
				delete(fields, k) // Vector leaves out a "-"
			}
		}
		return fields
	}
	for _, l := range readLines(t, filepath.Join(dir, "access.log")) {
		var rec logparse.Record
		if format.Parse([]byte(strings.TrimSuffix(l, "\n")), &rec) != nil {
			continue
		}
		zone = rec.Time.Location()
		var addrs, statuses, times []string
		for _, a := range rec.Attempts {
			addrs = append(addrs, string(a.Addr))
			st, rt := "-", "-"
			if a.Status != 0 {
				st = fmt.Sprint(a.Status)
			}
			if a.Response >= 0 {
				rt = fmt.Sprintf("%.3f", a.Response.Seconds())
			}
			statuses, times = append(statuses, st), append(times, rt)
		}
		add(rec.Time, dashless(map[string]any{
			"status": fmt.Sprint(rec.Status), "request": string(rec.Request), "remote_addr": string(rec.Client),
			"http_user_agent": string(rec.UserAgent), "request_time": fmt.Sprintf("%.3f", rec.RequestTime.Seconds()),
			"upstream_addr": strings.Join(addrs, ", "), "upstream_status": strings.Join(statuses, ", "),
			"upstream_response_time": strings.Join(times, ", "), "req_id": string(rec.RequestID), "log": "access",
		}))
	}
	for _, l := range readLines(t, filepath.Join(dir, "error.log")) {
		var ev logparse.Event
		if logparse.ParseErrorLine([]byte(strings.TrimSuffix(l, "\n")), zone, &ev) != nil {
			continue
		}
		cid := ""
		if ev.Conn > 0 {
			cid = fmt.Sprint(ev.Conn)
		}
		add(ev.Time, dashless(map[string]any{
			"severity": ev.Level.String(), "pid": fmt.Sprint(ev.PID), "tid": fmt.Sprint(ev.TID), "cid": cid, "message": ev.Message,
			"client": ev.Client, "server": ev.Server, "request": ev.Request, "upstream": ev.Upstream, "host": ev.Host, "log": "error",
		}))
	}
	resp, err := http.Post(vl+"/insert/jsonline?_stream_fields=log", "application/stream+json", &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("loading %s: %s", name, resp.Status)
	}
	// What the store took is searchable once flushed.
	if resp, err = http.Get(vl + "/internal/force_flush"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("flushing: %v %v", resp, err)
	}
	resp.Body.Close()
	return from, to.Add(time.Second)
}

// TestAnalyzeVectorFieldsFromVictoriaLogs: lines kept only as Vector's
// parse_nginx_log fields (the recorded peer-refused incident, loaded by
// loadVectorFields) are written back as nginx's lines by --store-profile
// vector: the burst of the files, with its 502s, peer, joins and cause.
// Lines without the profile's fields, or fields read as raw lines, are
// errors that say so.
func TestAnalyzeVectorFieldsFromVictoriaLogs(t *testing.T) {
	vl := startVictoriaLogs(t)
	from, to := loadVectorFields(t, vl, "peer-refused")
	dir := fixturetest.Dir("peer-refused")
	type burst struct {
		Start      string  `json:"start"`
		End        string  `json:"end"`
		Bad        int     `json:"bad_gateway"`
		Requests   int     `json:"requests"`
		JoinRate   float64 `json:"join_rate"`
		RootCause  string  `json:"root_cause"`
		Peers      any     `json:"peers"`
		Chains     any     `json:"status_chains"`
		Categories any     `json:"error_categories"`
	}
	bursts := func(args ...string) []burst {
		t.Helper()
		_, doc, errOut := run(t, nil, append([]string{"analyze", "--json", "-", "--nginx-conf", filepath.Join(dir, "nginx.conf")}, args...)...)
		var d struct {
			Bursts []burst `json:"bursts"`
		}
		if err := json.Unmarshal([]byte(doc), &d); err != nil {
			t.Fatalf("%v: %s", err, errOut)
		}
		return d.Bursts
	}
	files := bursts(filepath.Join(dir, "access.log"), filepath.Join(dir, "error.log"))
	store := bursts("--victorialogs", vl, "--store-profile", "vector", "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339))
	if len(files) != 1 || fmt.Sprintf("%+v", store) != fmt.Sprintf("%+v", files) {
		t.Errorf("from Vector's fields:\n%+v\nfrom the files:\n%+v", store, files)
	}
	if _, _, errOut := run(t, nil, "analyze", "--victorialogs", vl, "--store-profile", "fluent", "--since", "1h"); !strings.Contains(errOut, `no profile "fluent"`) {
		t.Errorf("an unknown profile: %s", errOut)
	}
	// Lines without the profile's fields: an error, not an empty report.
	row := fmt.Sprintf("{\"_time\":%q,\"note\":\"deploy started\"}\n", from.Format(time.RFC3339Nano))
	if resp, err := http.Post(vl+"/insert/jsonline", "application/stream+json", strings.NewReader(row)); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%v %v", resp, err)
	}
	if resp, err := http.Get(vl + "/internal/force_flush"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%v %v", resp, err)
	}
	code, _, errOut := run(t, nil, "analyze", "--no-tui", "--victorialogs", vl, "--store-profile", "vector", "--query", "note:*",
		"--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339))
	if code == ExitOK || !strings.Contains(errOut, "has the fields of --store-profile vector") {
		t.Errorf("lines without the profile's fields: exit %d, %s", code, errOut)
	}
	// Read as raw lines, the store's stand-in message for a line stored
	// without one is no line: an error that names the way out.
	code, _, errOut = run(t, nil, "analyze", "--no-tui", "--victorialogs", vl, "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339))
	if code == ExitOK || !strings.Contains(errOut, "have no _msg") || !strings.Contains(errOut, "--store-profile") {
		t.Errorf("raw lines of a store that holds fields only: exit %d, %s", code, errOut)
	}
}

// TestThreeRecordedHostsFromVictoriaLogs: the incident recorded on three
// nginx hosts (fixtures/three-hosts), each host's logs loaded into a real
// VictoriaLogs with its name in the host field, read back with
// --host-field host and each host's own nginx.conf: the same bursts, on
// the same hosts, with the same causes, as from the files with
// --host-from-path, counted or every line read; the shared one on all
// three at once, web-3's own on web-3 only.
func TestThreeRecordedHostsFromVictoriaLogs(t *testing.T) {
	vl := startVictoriaLogs(t)
	dir := fixturetest.Dir("three-hosts")
	var from, to time.Time
	for _, h := range []string{"web-1", "web-2", "web-3"} {
		f, e, _, err := vlload.Load(vl, h, fixturetest.Format(t, filepath.Join(dir, h)),
			[]string{filepath.Join(dir, h, "access.log")}, []string{filepath.Join(dir, h, "error.log")})
		if err != nil {
			t.Fatal(err)
		}
		if from.IsZero() || f.Before(from) {
			from = f
		}
		if e.After(to) {
			to = e
		}
	}
	if err := vlload.Flush(vl); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "{host}", "nginx.conf")
	_, fromFiles, errOut := run(t, nil, "analyze", "--json", "-", "--nginx-conf", conf, "--host-from-path", filepath.Join(dir, "{host}", "*.log"))
	want := burstsWithoutSources(t, fromFiles)
	if !strings.Contains(want, `"web-3"`) || !strings.Contains(want, `"web-1"`) {
		t.Fatalf("the files' bursts name no hosts: %s\n%s", want, errOut)
	}
	for _, read := range []string{"counted", "all"} {
		_, fromStore, errOut := run(t, nil, "analyze", "--json", "-", "--nginx-conf", conf, "--victorialogs", vl, "--store-read", read,
			"--query", `{host=~"web-.*"}`, "--host-field", "host", "--from", from.UTC().Format(time.RFC3339), "--to", to.UTC().Format(time.RFC3339))
		if got := burstsWithoutSources(t, fromStore); got != want {
			t.Errorf("--store-read %s: from the store:\n%s\nfrom the files:\n%s\n%s", read, got, want, errOut)
		}
	}
}

// TestCountedReadGivesUpOnABusyRange: where the bad lines are so dense
// that every hour would be read almost whole, the counted read reads
// whole hours, and after two of them stops counting and reads every line;
// the report is still the files'. Synthetic lines (the seed's tab format,
// 10 requests a second for 3 hours, a 502 every third second) loaded into
// a real VictoriaLogs.
func TestCountedReadGivesUpOnABusyRange(t *testing.T) {
	vl := startVictoriaLogs(t)
	dir := t.TempDir()
	format := "log_format main '$time_iso8601\\t$status\\t$remote_addr\\t$upstream_addr\\t$upstream_status\\t$scheme\\t$request\\t$request_time\\t$upstream_response_time\\t$body_bytes_sent';"
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte("events {}\nhttp {\n"+format+"\naccess_log /var/log/nginx/access.log main;\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var lines bytes.Buffer
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for s := range 3 * 3600 {
		at := start.Add(time.Duration(s) * time.Second).Format(time.RFC3339)
		for i := range 10 {
			status, peer := "200", "10.0.0.1:8080"
			if i == 0 && s%3 == 0 {
				status = "502"
			}
			if i%2 == 1 {
				peer = "10.0.0.2:8080"
			}
			if s >= 5400 && s < 5420 && peer == "10.0.0.1:8080" {
				status = "502" // a burst: one peer down for 20 s
			}
			fmt.Fprintf(&lines, "%s\t%s\t10.1.0.%d\t%s\t%s\thttp\tGET /x/%d HTTP/1.1\t0.010\t0.010\t512\n", at, status, i, peer, status, s)
		}
	}
	access := filepath.Join(dir, "access.log")
	if err := os.WriteFile(access, lines.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := logparse.ParseFormat(format)
	if err != nil {
		t.Fatal(err)
	}
	from, to, _, err := vlload.Load(vl, "busy", f, []string{access}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := vlload.Flush(vl); err != nil {
		t.Fatal(err)
	}
	// The store was asked for error lines and had none: an empty
	// error.log beside the files.
	errLog := filepath.Join(dir, "error.log")
	if err := os.WriteFile(errLog, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, fromFiles, _ := run(t, nil, "analyze", "--no-tui", "--nginx-conf", conf, access, errLog)
	code, fromStore, errOut := run(t, nil, "analyze", "--no-tui", "--nginx-conf", conf, "--victorialogs", vl,
		"--query", `{host="busy"}`, "--from", from.UTC().Format(time.RFC3339), "--to", to.UTC().Format(time.RFC3339))
	if code != ExitOK {
		t.Fatalf("code %d: %s", code, errOut)
	}
	// The reports from the timeline on, the sample lines' inputs left out.
	sources := regexp.MustCompile(`(?m)^( +)(\S*access\.log|victorialogs access lines: \{host="busy"\}):([0-9]+) `)
	report := func(text string) string {
		return sources.ReplaceAllString(text[strings.Index(text, "Timeline"):], "$1$3 ")
	}
	if a, b := report(fromStore), report(fromFiles); a != b || !strings.Contains(a, "Burst #1") {
		t.Errorf("from the store:\n%s\nfrom the files:\n%s", a, b)
	}
	if !strings.Contains(errOut, "108000 of the 108000 access lines read") || !strings.Contains(errOut, "from 2026-11-20T02:00:00Z on every line was read") {
		t.Errorf("the counted read did not give up after two hours read whole: %s", errOut)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
