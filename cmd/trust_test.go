package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Regression tests for issue 11: badgw must never look fine while it is
// not. Each test reproduces one report of the issue.

// TestRotatedSetWithNoFormatEndsAtOnce is the README's own post-mortem
// shape with no format given: it used to print nothing and hang.
func TestRotatedSetWithNoFormatEndsAtOnce(t *testing.T) {
	dir := "no-live-upstreams"
	done := make(chan struct{})
	var code int
	var errOut string
	go func() {
		code, _, errOut = run(t, nil, "analyze", "--no-tui", fixture(dir, "access.log.2.gz"), fixture(dir, "access.log.1"),
			fixture(dir, "access.log"), fixture(dir, "error.log"))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("still running after 5 s")
	}
	if code != ExitUsage || !strings.Contains(errOut, "pass --format, --nginx-conf") {
		t.Errorf("code %d, stderr %q", code, errOut)
	}
}

// TestWrongExplicitFormatFails: --format json on combined lines parsed
// nothing and exited 0 with "0 bursts". The message names the file and
// line a quoted line came from (a rotated set's oldest file, not the set's
// name), and says which preset to use when one parses every line (issue
// 25: "closest is "badgw", parsing 1000 of 1000 … fails on sample line 0
// at <nil>", and "logparse:" in front).
func TestWrongExplicitFormatFails(t *testing.T) {
	code, out, errOut := run(t, nil, "analyze", "--format", "json", fixture("combined-format", "access.log"))
	if code != ExitUsage || !strings.Contains(errOut, "does not describe the log") || !strings.Contains(errOut, "access.log:1 at column 1") ||
		!strings.Contains(errOut, "use --format combined") || strings.Contains(errOut, "<nil>") || strings.Contains(errOut, "logparse:") {
		t.Errorf("code %d, stderr %q\n%s", code, errOut, out)
	}
	code, _, errOut = run(t, nil, "analyze", "--format", "combined", fixture("days-churn", "access.log.5.gz"), fixture("days-churn", "access.log.4.gz"))
	if code != ExitUsage || !strings.Contains(errOut, "access.log.5.gz:1 at column 1") {
		t.Errorf("rotated set: code %d, stderr %q", code, errOut)
	}
}

// TestOutputPathsCheckedFirst: a bad export path fails with exit 2 before
// any input is read, naming the path as given.
func TestOutputPathsCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ flag, path string }{
		{"--csv", filepath.Join(dir, "no-such-folder", "bursts.csv")},
		{"--json", dir},
	} {
		code, _, errOut := run(t, nil, "analyze", "--no-tui", tc.flag, tc.path, "/nonexistent/access.log")
		if code != ExitUsage || !strings.Contains(errOut, tc.flag) || strings.Contains(errOut, "nonexistent/access.log") ||
			strings.Contains(errOut, ".tmp-") {
			t.Errorf("%s %s: code %d, stderr %q", tc.flag, tc.path, code, errOut)
		}
	}
}

// TestStdinDashOnTerminalRefused: "badgw analyze -" on a terminal would
// fight the interface for the keyboard.
func TestStdinDashOnTerminalRefused(t *testing.T) {
	streams, _, _, errOut := TestStreams()
	streams.StdinTTY = true
	if code := Execute(context.Background(), streams, []string{"analyze", "-"}); code != ExitUsage || !strings.Contains(errOut.String(), "terminal") {
		t.Errorf("code %d, stderr %q", code, errOut.String())
	}
}

// TestInterruptedRunIsMarked: a file run stopped by a signal exits 1, says
// so first in the report and in the JSON, and does not replace complete
// exports unless --partial is given.
func TestInterruptedRunIsMarked(t *testing.T) {
	dir := t.TempDir()
	csvPath, jsonPath := filepath.Join(dir, "bursts.csv"), filepath.Join(dir, "analysis.json")
	os.WriteFile(csvPath, []byte("complete,previous\n"), 0o644)
	os.WriteFile(jsonPath, []byte(`{"complete": true}`), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the signal came before the end of input
	streams, _, out, errOut := TestStreams()
	args := []string{"analyze", "--no-tui", "--nginx-conf", fixture("peer-refused", "nginx.conf"), "--csv", csvPath, "--json", jsonPath,
		fixture("peer-refused", "access.log"), fixture("peer-refused", "error.log")}
	code := Execute(ctx, streams, args)
	if code != ExitInput || !strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("code %d, stderr %q", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "INCOMPLETE") {
		t.Errorf("report does not start with INCOMPLETE:\n%s", out.String())
	}
	if data, _ := os.ReadFile(csvPath); string(data) != "complete,previous\n" {
		t.Errorf("complete CSV replaced by a partial one: %q", data)
	}
	var doc struct {
		Complete *bool `json:"complete"`
	}
	data, _ := os.ReadFile(jsonPath + ".partial")
	if err := json.Unmarshal(data, &doc); err != nil || doc.Complete == nil || *doc.Complete {
		t.Errorf("partial JSON: %v %s", err, data)
	}
	streams, _, _, _ = TestStreams()
	Execute(ctx, streams, append([]string{"analyze", "--partial"}, args[1:]...))
	if data, _ := os.ReadFile(csvPath); string(data) == "complete,previous\n" {
		t.Error("--partial did not replace the CSV")
	}
}

// TestHostileTextNeverReachesTheTerminal: the detection failure quotes the
// failing line, and errors name paths; both reach stderr sanitised.
func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.log")
	os.WriteFile(path, []byte("x \x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\n"), 0o644)
	_, _, errOut := run(t, nil, "analyze", "--no-tui", path)
	if strings.ContainsAny(errOut, "\x1b\x07") || !strings.Contains(errOut, "no preset comes close") {
		t.Errorf("detection failure: %q", errOut)
	}
	_, _, errOut = run(t, nil, "analyze", "--no-tui", filepath.Join(dir, "evil\x1b]0;x\x07\u202e.log"))
	if strings.ContainsAny(errOut, "\x1b\x07\u202e") {
		t.Errorf("file name raw in error: %q", errOut)
	}
}

// TestErrorLogOnlyFindsBursts: an error log given alone yields bursts of
// upstream errors with causes, labelled as such, and --fail-on-burst sees
// them (it used to print counts and exit 0).
func TestErrorLogOnlyFindsBursts(t *testing.T) {
	code, out, errOut := run(t, nil, "analyze", "--no-tui", "--fail-on-burst", "--nginx-conf", fixture("no-live-upstreams", "nginx.conf"),
		fixture("no-live-upstreams", "error.log"))
	if code != ExitBurstFound {
		t.Errorf("code %d, want %d; stderr %q", code, ExitBurstFound, errOut)
	}
	if !strings.Contains(out, "from the error log alone") || strings.Count(out, "Error-log-only burst #") != 2 || !strings.Contains(out, "all_peers_down") {
		t.Errorf("report:\n%s", out)
	}
	_, out, _ = run(t, nil, "analyze", "--json", "-", "--nginx-conf", fixture("no-live-upstreams", "nginx.conf"),
		fixture("no-live-upstreams", "error.log"))
	var doc struct {
		Bursts      []json.RawMessage `json:"bursts"`
		ErrorBursts []struct {
			RootCause  string `json:"root_cause"`
			ErrorLines int    `json:"error_lines"`
		} `json:"error_log_bursts"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Bursts) != 0 || len(doc.ErrorBursts) != 2 ||
		doc.ErrorBursts[0].RootCause != "all_peers_down" || doc.ErrorBursts[0].ErrorLines == 0 {
		t.Errorf("JSON: %v %+v", err, doc)
	}
}
