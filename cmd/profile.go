package cmd

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startProfile writes profiles of the whole process for "go tool pprof":
// a CPU profile to the file BADGW_CPUPROFILE names, and the heap as the
// last collection before exit saw it (so with the analysis's results still
// live) to BADGW_MEMPROFILE. The benchmarks profile the pipeline; these
// profile the command as users run it (rotated .gz sets, pipes). It
// returns the function that ends the profiles.
func startProfile() func() {
	stop := func() {}
	if path := os.Getenv("BADGW_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			if err = pprof.StartCPUProfile(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "badgw: BADGW_CPUPROFILE:", err)
		} else {
			stop = func() { pprof.StopCPUProfile(); f.Close() }
		}
	}
	path := os.Getenv("BADGW_MEMPROFILE")
	if path == "" {
		return stop
	}
	return func() {
		stop()
		f, err := os.Create(path)
		if err == nil {
			err = pprof.Lookup("heap").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "badgw: BADGW_MEMPROFILE:", err)
		}
	}
}
