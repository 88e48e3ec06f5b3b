package input

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWidenPipe: a pipe on stdin gets a megabyte of buffer; a file is
// left alone.
func TestWidenPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	widenPipe(r)
	if n, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0); err != nil || n < pipeBytes {
		t.Errorf("pipe buffer %d bytes (%v), want %d", n, err, pipeBytes)
	}
	f, err := os.CreateTemp(t.TempDir(), "plain")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	widenPipe(f) // must not fail or do anything on a regular file
}
