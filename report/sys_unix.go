//go:build unix

package report

import (
	"io/fs"
	"syscall"
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
