package report_test

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/badgw/badgw/report"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// TestOutputWritesThroughSymlinks: a symlink at the path is written
// through to its target, not replaced by a regular file (issue 11).
func TestOutputWritesThroughSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	os.WriteFile(target, []byte("old"), 0o600)
	link := filepath.Join(dir, "link.json")
	os.Symlink("real.json", link)
	if err := report.WriteFile(link, nil, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&fs.ModeSymlink == 0 {
		t.Error("the symlink was replaced")
	}
	if data, _ := os.ReadFile(target); string(data) != "new" {
		t.Errorf("target = %q", data)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the existing 0600 kept", fi.Mode().Perm())
	}
	dangling := filepath.Join(dir, "dangling.json")
	os.Symlink("created.json", dangling)
	if err := report.WriteFile(dangling, nil, writeString("x")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "created.json")); string(data) != "x" {
		t.Errorf("dangling link's target = %q", data)
	}
}

// TestOutputWritesDevicesAndFIFOsInPlace: a FIFO or a device node is
// written directly; renaming over it would replace /dev/null with a file
// when badgw runs as root (issue 11).
func TestOutputWritesDevicesAndFIFOsInPlace(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		data, _ := os.ReadFile(fifo)
		got <- string(data)
	}()
	if err := report.WriteFile(fifo, nil, writeString("through the pipe")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Errorf("FIFO read %q", s)
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO became %v", fi.Mode())
	}
	if os.Geteuid() != 0 {
		return // only root can make a device node; CI runs as root
	}
	null := filepath.Join(dir, "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Fatalf("mknod: %v", err)
	}
	if err := report.WriteFile(null, nil, writeString("gone")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(null); fi.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("the device node became %v", fi.Mode())
	}
}

// TestOutputModes: a new file gets 0666 less the umask, an existing one
// keeps its mode (issue 11: always 0644).
func TestOutputModes(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new.csv")
	if err := report.WriteFile(fresh, nil, writeString("a")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode %v under umask 077, want 0600", fi.Mode().Perm())
	}
	shared := filepath.Join(dir, "shared.csv")
	os.WriteFile(shared, nil, 0o664)
	os.Chmod(shared, 0o664)
	if err := report.WriteFile(shared, nil, writeString("b")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(shared); fi.Mode().Perm() != 0o664 {
		t.Errorf("existing file mode %v, want 0664 kept", fi.Mode().Perm())
	}
}

// TestCheckOutputRefusesBadPaths: a directory, a missing folder and a
// read-only folder are refused before anything is read, naming the path as
// given, never a temporary file.
func TestCheckOutputRefusesBadPaths(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	for _, path := range []string{dir, filepath.Join(dir, "missing", "out.csv")} {
		_, err := report.CheckOutput(path)
		if err == nil || !strings.Contains(err.Error(), path) && !strings.Contains(err.Error(), filepath.Dir(path)) {
			t.Errorf("CheckOutput(%q) = %v", path, err)
		}
		if err != nil && strings.Contains(err.Error(), ".tmp-") {
			t.Errorf("message names a temporary file: %v", err)
		}
	}
	if os.Geteuid() == 0 {
		return // root writes into a 0555 folder
	}
	if _, err := report.CheckOutput(filepath.Join(ro, "x.csv")); err == nil {
		t.Error("a read-only folder was accepted")
	}
}
