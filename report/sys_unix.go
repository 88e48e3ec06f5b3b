//go:build unix

package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// umask returns the process's file-creation mask. Reading it means setting
// it for a moment; badgw reads it when it checks an output path, before
// any file is created.
func umask() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}

// writable checks write permission on a device node or FIFO without
// opening it: opening a FIFO for writing would wait for, or use up, its
// reader.
func writable(path string) error {
	return syscall.Access(path, 2) // W_OK
}

// openDirect opens a device or FIFO for appending. A FIFO is opened
// without blocking, again every tenth of a second until a reader has it
// open or wait has passed: a blocking open would wait for a reader for
// ever.
func openDirect(path string, wait time.Duration) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	}
	deadline := time.Now().Add(wait)
	for {
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if !errors.Is(err, syscall.ENXIO) {
			return f, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no reader opened the named pipe in %s", wait)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
