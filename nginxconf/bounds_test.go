package nginxconf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestIncludeReadsRegularFilesOnly: an include of a device or a FIFO
// nobody writes is refused at once with what it is (issue 23: /dev/zero
// was read until the kernel killed badgw, a FIFO hung for ever).
func TestIncludeReadsRegularFilesOnly(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.conf")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for target, want := range map[string]string{os.DevNull: "a device", "/dev/zero": "a device", fifo: "a named pipe", dir: "a directory"} {
		main := filepath.Join(dir, "nginx.conf")
		os.WriteFile(main, []byte("http { include "+target+"; }\n"), 0o644)
		done := make(chan error, 1)
		go func() { _, err := LoadLenient(main); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("include %s: %v; want an error naming %s", target, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("include %s: still reading", target)
		}
	}
}

// TestConfigurationSizeBounded: a configuration and its includes over
// MaxConfigBytes together, or a dump on a pipe over it, are refused.
func TestConfigurationSizeBounded(t *testing.T) {
	dir := t.TempDir()
	half := strings.Repeat("# padding\n", MaxConfigBytes/20+1)
	os.WriteFile(filepath.Join(dir, "a.conf"), []byte(half), 0o644)
	os.WriteFile(filepath.Join(dir, "b.conf"), []byte(half), 0o644)
	main := filepath.Join(dir, "nginx.conf")
	os.WriteFile(main, []byte("include a.conf;\ninclude b.conf;\n"), 0o644)
	if _, err := LoadLenient(main); !errors.Is(err, ErrTooLarge) {
		t.Errorf("two includes of half the bound each: %v; want ErrTooLarge", err)
	}
	if _, err := LoadReader("<stdin>", zeros{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("endless stdin: %v; want ErrTooLarge", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestNestingBounded: blocks nested past MaxBlockDepth end the read of the
// file with one problem, in time and memory linear in the input (issue 23:
// 100,000 levels reached 8.1 GB).
func TestNestingBounded(t *testing.T) {
	text := "http {" + strings.Repeat("location / {", 100_000) + strings.Repeat("}", 100_001)
	ds, problems := ParseLenient("deep.conf", text)
	if len(ds) != 1 || len(problems) != 1 || !strings.Contains(problems[0].Msg, "nested deeper") {
		t.Errorf("%d directives, problems %v; want one directive and one problem", len(ds), problems)
	}
	if _, err := Parse("deep.conf", text); err == nil {
		t.Error("the strict parse accepted it")
	}
	_, problems = ParseLenient("lone.conf", strings.Repeat("{", 100_000))
	if len(problems) > MaxBlockDepth+2 {
		t.Errorf("%d problems for lone braces; want at most %d", len(problems), MaxBlockDepth+2)
	}
}
