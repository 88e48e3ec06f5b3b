package cmd

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile of the whole process to the file that
// BADGW_CPUPROFILE names, for "go tool pprof": the benchmarks profile the
// pipeline, this the command as users run it (rotated .gz sets, pipes).
// It returns the function that ends the profile.
func startProfile() func() {
	path := os.Getenv("BADGW_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "badgw: BADGW_CPUPROFILE:", err)
		if f != nil {
			f.Close()
		}
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
