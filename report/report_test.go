package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; diff with -update and git diff.\n got:\n%s", path, got)
	}
}

// TestExplanationGoldens keeps every fixture's full text report, so that a
// change in what badgw says about a recorded incident is reviewed in the
// diff.
func TestExplanationGoldens(t *testing.T) {
	dirs, _ := filepath.Glob("../fixtures/*/truth.json")
	for _, tj := range dirs {
		name := filepath.Base(filepath.Dir(tj))
		t.Run(name, func(t *testing.T) {
			snap := fixturetest.Analyse(t, fixturetest.Dir(name))
			var text bytes.Buffer
			if err := report.WriteText(&text, snap, report.TextOptions{Width: 100}); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("explanations", name+".txt"), text.Bytes())
		})
	}
}

func TestGoldens(t *testing.T) {
	for _, name := range []string{"no-live-upstreams", "upstream-timeout", "healthy-noise", "backend-crash"} {
		t.Run(name, func(t *testing.T) {
			snap := fixturetest.Analyse(t, fixturetest.Dir(name))
			var text, csvOut, jsonOut bytes.Buffer
			if err := report.WriteText(&text, snap, report.TextOptions{Width: 100}); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteCSV(&csvOut, snap.Wholes(snap.Bursts)); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteJSON(&jsonOut, snap); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".txt", text.Bytes())
			golden(t, name+".csv", csvOut.Bytes())
			golden(t, name+".json", jsonOut.Bytes())

			rows, err := csv.NewReader(bytes.NewReader(csvOut.Bytes())).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != strings.Join(report.CSVHeader, ",") {
				t.Errorf("header = %v", rows[0])
			}
			if len(rows)-1 != len(snap.BadGatewayBursts()) {
				t.Errorf("%d rows for %d bursts", len(rows)-1, len(snap.BadGatewayBursts()))
			}
			var doc map[string]any
			if err := json.Unmarshal(jsonOut.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"inputs", "totals", "timeline", "bursts", "timeouts"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("JSON lacks %q", k)
				}
			}
		})
	}
}

// TestHostileLogContent: a request path that is a spreadsheet formula, an
// ANSI escape in a user agent and a formula as the upstream name must come
// out inert in the CSV, the text report and the JSON.
func TestHostileLogContent(t *testing.T) {
	dir := t.TempDir()
	var log strings.Builder
	for i := 0; i < 5; i++ {
		log.WriteString(`203.0.113.9 - - [20/Nov/2026:10:00:0` + string(rune('0'+i)) + ` +0000] "GET /=HYPERLINK(\"http://x\") HTTP/1.1" 502 157 "-" "evil` + "\x1b[2J\x1b]0;pwned\x07" + `agent" =2+5 502` + "\n")
	}
	path := filepath.Join(dir, "access.log")
	if err := os.WriteFile(path, []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := logparse.ParseFormat(`log_format x escape=none '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $upstream_addr $upstream_status';`)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := pipeline.Run(context.Background(), pipeline.RunConfig{Sets: []input.Set{{Base: path, Paths: []string{path}}}, Format: f})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.BadGatewayBursts()) != 1 {
		t.Fatalf("want one burst, got %d", len(snap.BadGatewayBursts()))
	}
	var csvOut, text, jsonOut bytes.Buffer
	report.WriteCSV(&csvOut, snap.Wholes(snap.Bursts))
	report.WriteText(&text, snap, report.TextOptions{})
	report.WriteJSON(&jsonOut, snap)
	rows, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("CSV column %s starts a formula: %q", rows[0][i], cell)
			}
		}
	}
	if up := rows[1][4]; up != `'=2+5` {
		t.Errorf("upstream cell = %q", up)
	}
	for name, out := range map[string][]byte{"text": text.Bytes(), "json": jsonOut.Bytes()} {
		if bytes.ContainsRune(out, 0x1b) || bytes.ContainsRune(out, 0x07) {
			t.Errorf("%s report carries a raw control character", name)
		}
	}
	if !strings.Contains(text.String(), `=HYPERLINK(\"http://x\")`) || !strings.Contains(text.String(), "evilagent") {
		t.Errorf("the sample line vanished from the report:\n%s", text.String())
	}
}

func TestClean(t *testing.T) {
	tests := map[string]string{
		"plain":                      "plain",
		"a\x1b[31mred\x1b[0m":        "ared",
		"title\x1b]0;x\x07end":       "titleend",
		"osc\x1b]8;;http://x\x1b\\":  "osc",
		"bell\x07":                   `bell\x07`,
		"nul\x00":                    `nul\x00`,
		"bad\xffutf8":                `bad\xffutf8`,
		"tab\there":                  "tab     here",
		"a\tb\tc":                    "a       b       c",
		"rtl\u202eevil\u2066x\u2069": "rtlevilx",
		"c1\u009b2Jx":                "c1x",
		"ünïcode ok":                 "ünïcode ok",
	}
	for in, want := range tests {
		if got := report.Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"=1+1": "'=1+1", "+x": "'+x", "-x": "'-x", "@x": "'@x", "\tx": " x", "ok": "ok"} {
		if got := report.Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	os.WriteFile(path, []byte("previous"), 0o644)
	err := report.WriteFile(path, nil, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return os.ErrInvalid
	})
	if err == nil {
		t.Fatal("want the writer's error")
	}
	if data, _ := os.ReadFile(path); string(data) != "previous" {
		t.Errorf("a failed write changed the file: %q", data)
	}
	if err := report.WriteFile(path, nil, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "new" {
		t.Errorf("file = %q", data)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".out.csv.tmp-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestJSONEscapesC1AndKeepsSamplesApart: a C1 control (U+009B is an 8-bit
// CSI) in a log line is escaped in the JSON with the text kept, and writing
// the text report first does not turn access samples into error lines
// (issue 11: the text writer appended into the burst's own slice).
func TestJSONEscapesC1AndKeepsSamplesApart(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("no-live-upstreams"))
	snap.Bursts[0].Samples[0].Text = "GET /\u009b2J evil"
	var text, out bytes.Buffer
	report.WriteText(&text, snap, report.TextOptions{})
	if err := report.WriteJSON(&out, snap); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out.Bytes(), []byte("\u009b")) || !bytes.Contains(out.Bytes(), []byte(`GET /\u009b2J evil`)) {
		t.Error("C1 control not escaped in JSON, or its text lost")
	}
	var doc struct {
		Bursts []struct {
			AccessSamples []struct{ Text string } `json:"access_samples"`
		} `json:"bursts"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, b := range doc.Bursts {
		for _, s := range b.AccessSamples {
			if logparse.IsErrorLine([]byte(s.Text)) {
				t.Errorf("access_samples holds an error line: %s", s.Text)
			}
		}
	}
}

// TestTextReportSmallThings: the timeline names the end date when the log
// crosses midnight, stdin that only carried tail -F output is not listed as
// an empty input, and no fix points at "(above)", which a CSV cell lacks
// (issue 11).
func TestTextReportSmallThings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	var b strings.Builder
	start := time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC) // synthetic lines across midnight
	for i := 0; i < 7200; i += 60 {
		at := start.Add(time.Duration(i) * time.Second)
		b.WriteString(`10.0.0.9 - - [` + at.Format("02/Jan/2006:15:04:05 -0700") + `] "GET / HTTP/1.1" 200 1 "-" "-"` + "\n")
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	f, _ := logparse.Preset("combined")
	snap, err := pipeline.Run(context.Background(), pipeline.RunConfig{Sets: []input.Set{{Base: path, Paths: []string{path}}}, Format: f})
	if err != nil {
		t.Fatal(err)
	}
	snap.Ingest.Files = append([]pipeline.FileStats{{Path: "-", Size: -1}}, snap.Ingest.Files...)
	var text bytes.Buffer
	report.WriteText(&text, snap, report.TextOptions{})
	if !strings.Contains(text.String(), "→ 2026-11-21 ") {
		t.Errorf("timeline header lacks the end date:\n%s", text.String())
	}
	if strings.Contains(text.String(), "\n  -  ") {
		t.Errorf("stdin listed as an empty input:\n%s", text.String())
	}
	for _, dir := range []string{"no-live-upstreams", "peer-refused", "backend-crash"} {
		for _, bu := range fixturetest.Analyse(t, fixturetest.Dir(dir)).Bursts {
			for _, c := range bu.Causes {
				if strings.Contains(c.Fix, "(above)") {
					t.Errorf("%s: %s fix refers to (above): %s", dir, c.ID, c.Fix)
				}
			}
		}
	}
}

// TestInterruptedFIFORun: a run interrupted while reading a FIFO (size
// unknown) beside an error.log it never reached gives no share of bytes
// and calls that error.log unread (issue 25: "covers the first 0 lines
// (402% of the bytes)" and "empty 0 lines").
func TestInterruptedFIFORun(t *testing.T) {
	snap := pipeline.Snapshot{Ingest: pipeline.IngestStats{Interrupted: true, Files: []pipeline.FileStats{
		{Path: "/run/access.fifo", Size: -1, Consumed: 4020, Lines: 10, Access: 10, Opened: true},
		{Path: "/var/log/nginx/error.log", Size: 1000},
	}}}
	var out strings.Builder
	if err := report.WriteText(&out, snap, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if strings.Contains(text, "% of the bytes") || !strings.Contains(text, "covers the first 10 lines") {
		t.Errorf("share of bytes of a FIFO run:\n%s", text)
	}
	if !regexp.MustCompile(`error\.log +unread +0 lines`).MatchString(text) {
		t.Errorf("the error.log never reached is not called unread:\n%s", text)
	}
}

// TestSummaryOfALongRun: when the run let its oldest bursts go (watch
// keeps the newest), the summary counts them all and says which it lists.
func TestSummaryOfALongRun(t *testing.T) {
	c := correlate.New(correlate.Options{Gap: 2 * time.Second, Min502: 3, KeepClosed: 2})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	sec := 0
	add := func(status int) {
		rec := logparse.Record{Time: base.Add(time.Duration(sec) * time.Second), Status: status, RequestTime: -1,
			Attempts: []logparse.Attempt{{Addr: []byte("10.0.0.1:80"), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&rec, correlate.Pos{Source: "t"})
		sec++
	}
	for range 4 {
		for range 30 {
			add(200)
		}
		for range 5 {
			add(502)
		}
	}
	for range 30 {
		add(200)
	}
	c.Advance(time.Time{})
	var out bytes.Buffer
	if err := report.WriteSummary(&out, pipeline.Snapshot{Snapshot: c.Snapshot()}, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"4 bursts of 502\n", "(the oldest 2 bursts, of every kind, are not listed: a run this long keeps the newest 2)", "  #3 ", "  #4 "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q:\n%s", want, out.String())
		}
	}
}
