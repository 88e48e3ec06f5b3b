//go:build !unix

package report

import (
	"io/fs"
	"os"
	"time"
)

// umask is the usual mask where the system has none to read.
func umask() fs.FileMode { return 0o022 }

// writable opens path for writing and closes it again.
func writable(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

// openDirect opens a device or FIFO for appending.
func openDirect(path string, _ time.Duration) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
}
