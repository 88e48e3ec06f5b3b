package input

import (
	"os"

	"golang.org/x/sys/unix"
)

// pipeBytes is the pipe buffer asked for on stdin: Linux gives a pipe
// 64 KiB, so a writer such as cat (128 KiB a write) and badgw take turns,
// one waking the other every 64 KiB. A megabyte lets both run.
const pipeBytes = 1 << 20

// widenPipe enlarges f's pipe buffer when f is a pipe; it is only a speed
// matter, so a refusal (a pipe limit below a megabyte) is ignored.
func widenPipe(f *os.File) {
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		return
	}
	_, _ = unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, pipeBytes)
}
