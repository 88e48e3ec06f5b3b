package pipeline

import (
	"context"
	"os"
	"testing"

	"github.com/badgw/badgw/bench/benchinput"
	"github.com/badgw/badgw/input"
)

// BenchmarkWholeDay runs the whole analysis on bench/genlog's synthetic
// day (5 M requests, BADGW_BENCH_LINES to change it) with its error.log, or
// without it (access): what bench/whole.sh times as a process, here for
// -cpuprofile and pprof:
//
//	go test ./pipeline -run '^$' -bench 'WholeDay/access-and-error' -benchtime 1x -cpuprofile cpu.out
func BenchmarkWholeDay(b *testing.B) {
	access, errorLog := benchinput.Day(b, benchinput.Lines(5_000_000))
	format := benchinput.Format(b)
	for _, tc := range []struct {
		name  string
		files []string
	}{{"access", []string{access}}, {"access-and-error", []string{access, errorLog}}} {
		b.Run(tc.name, func(b *testing.B) {
			sets, err := input.Expand(tc.files)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(fileBytes(b, tc.files))
			for range b.N {
				snap, err := Run(context.Background(), RunConfig{Sets: sets, Format: format})
				if err != nil {
					b.Fatal(err)
				}
				if snap.Totals.Requests == 0 {
					b.Fatal("no requests read")
				}
			}
		})
	}
}

func fileBytes(b *testing.B, paths []string) int64 {
	var n int64
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		n += st.Size()
	}
	return n
}
