package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/badgw/badgw/report"
)

// TestSameExportPathRefused: --csv and --json naming one file (directly or
// through a link) stop the run before any input is read, with exit 2
// (issue 23: the CSV was silently replaced and the run exited 0).
func TestSameExportPathRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	link := filepath.Join(dir, "link")
	os.WriteFile(out, []byte("old"), 0o644)
	os.Symlink(out, link)
	access, _ := filepath.Abs(fixture("peer-refused", "access.log"))
	t.Chdir(dir)
	for _, args := range [][]string{
		{"--csv", out, "--json", out},
		{"--csv", out, "--json", link},
		{"--json", "./out", "--csv-days", out},
	} {
		all := append([]string{"analyze", "--no-tui"}, append(args, access)...)
		code, _, errOut := run(t, nil, all...)
		if code != 2 || !strings.Contains(errOut, "both name") {
			t.Errorf("%v: exit %d, %q; want 2 and 'both name'", args, code, errOut)
		}
	}
	if data, _ := os.ReadFile(out); string(data) != "old" {
		t.Errorf("the file was written: %q", data)
	}
	code, _, errOut := run(t, nil, "analyze", "--no-tui", "--csv", os.DevNull, "--json", os.DevNull, access)
	if code != 0 {
		t.Errorf("/dev/null twice: exit %d, %s", code, errOut)
	}
}

// TestFIFOExportWithoutReader: a named pipe nobody reads makes the export
// fail with a reason after report.FIFOWait, instead of holding the run for
// ever (issue 23).
func TestFIFOExportWithoutReader(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "p")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	defer func(w time.Duration) { report.FIFOWait = w }(report.FIFOWait)
	report.FIFOWait = 300 * time.Millisecond
	done := make(chan struct{})
	var code int
	var errOut string
	go func() {
		code, _, errOut = run(t, nil, "analyze", "--no-tui", "--csv", fifo, fixture("peer-refused", "access.log"), fixture("peer-refused", "error.log"))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the run still waits for a reader of the FIFO")
	}
	if code == 0 || !strings.Contains(errOut, "no reader opened the named pipe") {
		t.Errorf("exit %d, %q; want a failure naming the missing reader", code, errOut)
	}
}

// TestUnreadableNginxConfExitsTwo: a --nginx-conf that cannot be read is a
// bad argument for analyze as it is for check (issue 23: 1 against 2).
func TestUnreadableNginxConfExitsTwo(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nginx.conf")
	code, _, errOut := run(t, nil, "analyze", "--no-tui", "--nginx-conf", missing, fixture("peer-refused", "access.log"))
	if code != ExitUsage || !strings.Contains(errOut, "--nginx-conf") {
		t.Errorf("analyze: exit %d, %q; want %d", code, errOut, ExitUsage)
	}
	if code, _, _ := run(t, nil, "check", missing); code != ExitUsage {
		t.Errorf("check: exit %d; want %d", code, ExitUsage)
	}
	zero := filepath.Join(t.TempDir(), "nginx.conf")
	os.WriteFile(zero, []byte("http { include /dev/zero; }\n"), 0o644)
	code, _, errOut = run(t, nil, "analyze", "--no-tui", "--nginx-conf", zero, fixture("peer-refused", "access.log"))
	if code != ExitUsage || !strings.Contains(errOut, "not a regular file") {
		t.Errorf("include /dev/zero: exit %d, %q", code, errOut)
	}
}
