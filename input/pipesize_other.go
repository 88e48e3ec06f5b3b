//go:build !linux

package input

import "os"

// widenPipe does nothing where pipes cannot be resized.
func widenPipe(*os.File) {}
