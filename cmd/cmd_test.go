package cmd

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

func fixture(name, file string) string {
	return filepath.Join("..", "fixtures", name, file)
}

func TestAnalyzeFlags(t *testing.T) {
	tests := []struct {
		args []string
		want func(*AnalyzeOptions) bool
	}{
		{[]string{"a.log", "--format", "combined", "--csv", "-", "--fail-on-burst"}, func(o *AnalyzeOptions) bool {
			return o.Format == "combined" && o.CSV == "-" && o.FailOnBurst && len(o.Args) == 1 && o.Gap == 5*time.Second && o.Min502 == 3
		}},
		{[]string{"--nginx-conf", "n.conf", "--format-name", "main", "--gap", "10s", "--min-502", "5", "--tz", "+01:00", "x", "y"}, func(o *AnalyzeOptions) bool {
			return o.NginxConf == "n.conf" && o.FormatName == "main" && o.Gap == 10*time.Second && o.Min502 == 5 && o.TZ == "+01:00" && len(o.Args) == 2
		}},
		{[]string{"--no-tui", "--json", "out.json"}, func(o *AnalyzeOptions) bool { return o.NoTUI && o.JSON == "out.json" && len(o.Args) == 0 }},
	}
	for _, tt := range tests {
		io, _, _, _ := TestStreams()
		var got *AnalyzeOptions
		c := NewCmdAnalyze(io, func(_ context.Context, o *AnalyzeOptions) error { got = o; return nil })
		c.SetArgs(tt.args)
		if err := c.Execute(); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if !tt.want(got) {
			t.Errorf("%v: options %+v", tt.args, got)
		}
	}
}

// run executes badgw with args on test streams and returns the exit code
// and both outputs.
func run(t *testing.T, in io.Reader, args ...string) (int, string, string) {
	t.Helper()
	streams, _, out, errOut := TestStreams()
	if in != nil {
		streams.In = in
	}
	code := Execute(context.Background(), streams, args)
	return code, out.String(), errOut.String()
}

func TestAnalyzeReportAndExitCodes(t *testing.T) {
	conf := fixture("no-live-upstreams", "nginx.conf")
	logs := []string{fixture("no-live-upstreams", "access.log*"), fixture("no-live-upstreams", "error.log")}

	code, out, errOut := run(t, nil, append([]string{"analyze", "--nginx-conf", conf}, logs...)...)
	if code != ExitOK || !strings.Contains(out, "Burst #2") || !strings.Contains(out, "all_peers_down (0.99)") {
		t.Errorf("analyze: code %d, stderr %q\n%s", code, errOut, out)
	}

	code, _, _ = run(t, nil, append([]string{"analyze", "--fail-on-burst", "--nginx-conf", conf}, logs...)...)
	if code != ExitBurstFound {
		t.Errorf("--fail-on-burst: code %d, want %d", code, ExitBurstFound)
	}
	code, _, _ = run(t, nil, "analyze", "--fail-on-burst", fixture("healthy-noise", "access.log"), fixture("healthy-noise", "error.log"))
	if code != ExitOK {
		t.Errorf("--fail-on-burst on healthy logs: code %d, want 0", code)
	}

	code, _, errOut = run(t, nil, "analyze", "--gap", "0s", "x.log")
	if code != ExitUsage || !strings.Contains(errOut, "--gap") {
		t.Errorf("bad --gap: code %d, %q", code, errOut)
	}
	code, _, _ = run(t, nil, "analyze", "--no-such-flag")
	if code != ExitUsage {
		t.Errorf("unknown flag: code %d", code)
	}
	code, _, errOut = run(t, nil, "analyze", "/nonexistent/access.log")
	if code != ExitInput || !strings.Contains(errOut, "nonexistent") {
		t.Errorf("missing file: code %d, %q", code, errOut)
	}
	code, _, errOut = run(t, nil, "analyze", "--format", "log_format x '$remote_addr';", "a")
	if code != ExitUsage || !strings.Contains(errOut, "no $status") {
		t.Errorf("bad --format: code %d, %q", code, errOut)
	}
}

func TestNoFormatFits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weird.log")
	os.WriteFile(path, []byte("this is | not an nginx line\nnor is this\n"), 0o644)
	code, _, errOut := run(t, nil, "analyze", path)
	if code != ExitUsage || !strings.Contains(errOut, "no preset comes close") || !strings.Contains(errOut, "this is | not an nginx line") {
		t.Errorf("code %d, %q", code, errOut)
	}
}

// TestTruncatedGzip: the lines before the damage are analysed and written,
// and the run exits 1 naming the file.
func TestTruncatedGzip(t *testing.T) {
	data, err := os.ReadFile(fixture("no-live-upstreams", "access.log.1"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	dir := t.TempDir()
	cut := filepath.Join(dir, "access.log.2.gz")
	os.WriteFile(cut, b.Bytes()[:b.Len()/2], 0o644)
	csvPath := filepath.Join(dir, "bursts.csv")
	code, out, errOut := run(t, nil, "analyze", "--nginx-conf", fixture("no-live-upstreams", "nginx.conf"), "--csv", csvPath, cut)
	if code != ExitInput || !strings.Contains(errOut, cut) || !strings.Contains(errOut, "unexpected EOF") {
		t.Errorf("code %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "lines") || !strings.Contains(out, cut[len(cut)-20:]) {
		t.Errorf("report lacks the damaged file:\n%s", out)
	}
	if _, err := os.Stat(csvPath); err != nil {
		t.Errorf("CSV not written despite the damage: %v", err)
	}
}

func TestCSVOnStdoutIsPureCSV(t *testing.T) {
	code, out, _ := run(t, nil, "analyze", "--csv", "-", "--nginx-conf", fixture("peer-refused", "nginx.conf"),
		fixture("peer-refused", "access.log"), fixture("peer-refused", "error.log"))
	if code != ExitOK {
		t.Fatalf("code %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][15] != "peer_refused" {
		t.Errorf("stdout is not the CSV (%v):\n%s", err, out)
	}
}

// TestLivePipe feeds stdin slowly: the burst's block must be printed before
// the pipe closes, then the summary at EOF.
func TestLivePipe(t *testing.T) {
	stream := tailStream(t, fixture("single-peer-down", "access.log"), fixture("single-peer-down", "error.log"))
	pr, pw := io.Pipe()
	streams, _, _, _ := TestStreams()
	streams.In = pr
	out := &syncBuffer{}
	streams.Out = out
	csvPath := filepath.Join(t.TempDir(), "live.csv")
	os.WriteFile(csvPath, []byte("previous run\n"), 0o644)
	done := make(chan int)
	go func() {
		done <- Execute(context.Background(), streams, []string{"analyze", "--format", "ingress-nginx", "--csv", csvPath})
	}()
	// The earlier export stays whole until a burst closes (issue 11: it
	// was truncated at start, and a kill left it empty).
	time.Sleep(200 * time.Millisecond)
	if data, _ := os.ReadFile(csvPath); string(data) != "previous run\n" {
		t.Errorf("the earlier CSV changed before any burst closed: %q", data)
	}
	for i := 0; i < len(stream); i += 50 {
		pw.Write([]byte(strings.Join(stream[i:min(i+50, len(stream))], "")))
		time.Sleep(5 * time.Millisecond)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Burst #1") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Burst #1") {
		t.Fatalf("no burst block while the pipe is open:\n%s", out.String())
	}
	if strings.Contains(out.String(), "Summary") {
		t.Fatal("summary printed before EOF")
	}
	// The CSV is rewritten whole, with the new row, as the burst closes
	// (just after its block is printed: wait for the rename, not a fixed
	// time, so a loaded machine does not fail the test).
	csvHasBurst := func() ([]byte, bool, error) {
		data, err := os.ReadFile(csvPath)
		return data, err == nil && strings.Count(string(data), "\n") == 2 && strings.Contains(string(data), ",peer_refused,"), err
	}
	data, ok, err := csvHasBurst()
	for !ok && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		data, ok, err = csvHasBurst()
	}
	if !ok {
		t.Errorf("live CSV before EOF: %v\n%s", err, data)
	}
	pw.Close()
	if code := <-done; code != ExitOK {
		t.Errorf("code %d", code)
	}
	if !strings.Contains(out.String(), "Summary") || !strings.Contains(out.String(), "peer_refused") {
		t.Errorf("no summary at EOF:\n%s", out.String())
	}
}

// TestDemoWithoutTerminal: the demo's report cites the incident's own
// files ("nginx.conf:38"), not the temporary folder it was unpacked to,
// which is gone when it ends (issue 25), and its exports land where the
// user ran it.
func TestDemoWithoutTerminal(t *testing.T) {
	wd, _ := os.Getwd()
	dir, err := filepath.Rel(wd, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "demo-export.csv")
	code, out, errOut := run(t, nil, "demo", "--csv", csv)
	if code != ExitOK || !strings.Contains(out, "Burst #1") || !strings.Contains(out, "all_peers_down") {
		t.Errorf("demo: code %d, %q\n%s", code, errOut, out)
	}
	if !strings.Contains(out, " at nginx.conf:38") || strings.Contains(out, "badgw-demo-") {
		t.Errorf("demo cites a temporary path:\n%s", out)
	}
	if now, _ := os.Getwd(); now != wd {
		t.Errorf("demo left the working directory at %s", now)
	}
	if _, err := os.Stat(csv); err != nil {
		t.Errorf("the export is not where it was asked: %v", err)
	}
}

func TestFormatsAndVersion(t *testing.T) {
	_, out, _ := run(t, nil, "formats")
	for _, name := range []string{"combined", "main", "ingress-nginx", "kong", "apisix", "json", "badgw"} {
		if !strings.Contains(out, name+"\n    log_format") {
			t.Errorf("formats lacks %s", name)
		}
	}
	if code, out, _ := run(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "badgw ") {
		t.Errorf("version: %d %q", code, out)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tailStream interleaves an access and an error log second by second with
// "==> name <==" headers, the way "tail -F access.log error.log" prints
// them while nginx writes both.
func tailStream(t *testing.T, access, errorLog string) []string {
	t.Helper()
	second := func(line string) string {
		if i := strings.Index(line, ":"); strings.HasPrefix(line, "20") && i > 0 {
			return line[11:19] // error.log: "2026/11/22 01:24:04"
		}
		if i := strings.Index(line, "["); i >= 0 && len(line) > i+20 {
			return line[i+13 : i+21] // access: "[22/Nov/2026:01:24:04"
		}
		return ""
	}
	read := func(path string) []string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	acc, errs := read(access), read(errorLog)
	var out []string
	last := ""
	emit := func(name, line string) {
		if name != last {
			out = append(out, "\n==> "+name+" <==\n")
			last = name
		}
		if !strings.HasSuffix(line, "\n") {
			line += "\n"
		}
		out = append(out, line)
	}
	i, j := 0, 0
	for i < len(acc) || j < len(errs) {
		if j < len(errs) && (i >= len(acc) || second(errs[j]) <= second(acc[i])) {
			emit(errorLog, errs[j])
			j++
		} else {
			emit(access, acc[i])
			i++
		}
	}
	return out
}

func TestParseZone(t *testing.T) {
	for in, off := range map[string]int{"+01:00": 3600, "-05:30": -19800, "UTC": 0} {
		loc, err := parseZone(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if _, got := time.Date(2026, 1, 1, 0, 0, 0, 0, loc).Zone(); got != off {
			t.Errorf("%s: offset %d, want %d", in, got, off)
		}
	}
	if code, _, errOut := run(t, nil, "analyze", "--tz", "Mars/Olympus", "x.log"); code != ExitUsage || !strings.Contains(errOut, "Mars") {
		t.Errorf("bad --tz: code %d, %q", code, errOut)
	}
}

// TestTZShiftsErrorLog: error.log times are read in --tz; a wrong zone
// moves the error lines away from their 502s and the join fails.
func TestTZShiftsErrorLog(t *testing.T) {
	args := []string{"analyze", "--json", "-", "--nginx-conf", fixture("peer-refused", "nginx.conf"),
		fixture("peer-refused", "access.log"), fixture("peer-refused", "error.log")}
	_, right, _ := run(t, nil, args...)
	_, wrong, _ := run(t, nil, append([]string{args[0], "--tz", "+03:00"}, args[1:]...)...)
	if !strings.Contains(right, `"join_rate": 1`) && !strings.Contains(right, `"join_rate": 0.9`) {
		t.Errorf("with the access log's zone the join should succeed:\n%.400s", right)
	}
	if !strings.Contains(wrong, `"join_rate": 0,`) || !strings.Contains(wrong, `"zone": "UTC+03:00 (--tz)"`) {
		t.Errorf("with --tz +03:00 nothing should join:\n%.600s", wrong)
	}
}

// TestUnreadableArgumentsAreNamed: a misspelt file beside a good one, a
// glob that matches nothing and a directory without logs stop nothing:
// the rest is analysed, each is named as unread in the report and on
// stderr, and the run exits 1; with nothing readable it says so. A
// directory stands for the nginx logs in it (issue 25: the whole run
// stopped with nothing analysed).
func TestUnreadableArgumentsAreNamed(t *testing.T) {
	dir := filepath.Dir(fixture("peer-refused", "error.log"))
	empty := t.TempDir()
	code, out, errOut := run(t, nil, "analyze", "--no-tui", filepath.Join(dir, "acess.log"), filepath.Join(dir, "nothing*"), empty, filepath.Join(dir, "error.log"))
	if code != ExitInput || !strings.Contains(errOut, "acess.log") || !strings.Contains(errOut, "nothing*: no file matches") ||
		!strings.Contains(errOut, "no access or error log in it") || !strings.Contains(errOut, "everything else was analysed") {
		t.Errorf("code %d, stderr %q", code, errOut)
	}
	if strings.Count(out, " unread ") != 3 || !strings.Contains(out, "Error-log-only burst #1") {
		t.Errorf("report does not name the three unread inputs and analyse error.log:\n%s", out)
	}
	code, _, errOut = run(t, nil, "analyze", "--no-tui", filepath.Join(dir, "acess.log"))
	if code != ExitInput || !strings.Contains(errOut, "no input could be read") {
		t.Errorf("nothing readable: code %d, stderr %q", code, errOut)
	}
	code, fromDir, errOut := run(t, nil, "analyze", "--no-tui", dir)
	_, fromFiles, _ := run(t, nil, "analyze", "--no-tui", filepath.Join(dir, "access.log"), filepath.Join(dir, "error.log"))
	if code != ExitOK || !strings.Contains(fromDir, "Burst #1") || fromDir != fromFiles {
		t.Errorf("a directory: code %d, stderr %q\n%s", code, errOut, fromDir)
	}
}

// TestNoRoomForTheBurstsDetails: where no temporary file can be made for
// the closed bursts' details, analyze says so once and keeps them in
// memory: the same report, the same exit code, and nothing on disk.
func TestNoRoomForTheBurstsDetails(t *testing.T) {
	args := []string{"analyze", "--nginx-conf", fixture("no-live-upstreams", "nginx.conf"),
		fixture("no-live-upstreams", "access.log*"), fixture("no-live-upstreams", "error.log")}
	code, want, errOut := run(t, nil, args...)
	if code != ExitOK || errOut != "" {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	code, got, errOut := run(t, nil, args...)
	if code != ExitOK || got != want {
		t.Errorf("without a temporary directory: code %d, report differs: %v", code, got != want)
	}
	if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "the bursts are kept in memory") {
		t.Errorf("stderr %q", errOut)
	}
}
