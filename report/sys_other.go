//go:build !unix

package report

import (
	"io/fs"
	"os"
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
