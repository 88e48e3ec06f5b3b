package pipeline

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// hostileInputs writes synthetic attacker-shaped logs (never real nginx
// output): error lines of 1 MB, a traceback of 500 lines of 100 KB, access
// lines of 1 MB, and lines just over input.MaxLine.
func hostileInputs(tb testing.TB, dir string) map[string]func() []input.Set {
	write := func(name string, gz bool, fill func(w *bufio.Writer)) func() []input.Set {
		return func() []input.Set { return writeInput(tb, filepath.Join(dir, name), gz, fill) }
	}
	mb := strings.Repeat("A", 1<<20-200)
	return map[string]func() []input.Set{
		"error-lines-1MB": write("error.log.gz", true, func(w *bufio.Writer) {
			for range 2000 {
				w.WriteString(`2026/11/20 10:00:00 [error] 7#7: *9 upstream prematurely closed connection while reading response header from upstream, client: 10.0.0.9, server: _, request: "GET /`)
				w.WriteString(mb)
				w.WriteString(` HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "x"` + "\n")
			}
		}),
		"traceback-500x100KB": write("lua.log", false, func(w *bufio.Writer) {
			w.WriteString("2026/11/20 10:00:00 [error] 7#7: *9 lua entry thread aborted: runtime error\nstack traceback:\n")
			frame := "\t" + strings.Repeat("x", 100_000) + "\n"
			for range 500 {
				w.WriteString(frame)
			}
		}),
		"access-lines-1MB": write("access.log.gz", true, func(w *bufio.Writer) {
			for range 2000 {
				w.WriteString(`10.0.0.9 - - [20/Nov/2026:10:00:00 +0000] "GET /`)
				w.WriteString(mb)
				w.WriteString(` HTTP/1.1" 502 1 "-" "-"` + "\n")
			}
		}),
		"over-MaxLine": write("long.log", false, func(w *bufio.Writer) {
			over := strings.Repeat("B", input.MaxLine+10)
			for range 200 {
				w.WriteString(over + "\n")
			}
		}),
	}
}

func writeInput(tb testing.TB, p string, gz bool, fill func(w *bufio.Writer)) []input.Set {
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	var w *bufio.Writer
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(f)
		w = bufio.NewWriter(zw)
	} else {
		w = bufio.NewWriter(f)
	}
	fill(w)
	w.Flush()
	if zw != nil {
		zw.Close()
	}
	f.Close()
	return []input.Set{{Base: p, Paths: []string{p}}}
}

// BenchmarkHostile runs the pipeline over each hostile input and reports
// the process's peak RSS (maxrss-MB), which must stay under 128 MB. Run each
// case in a process of its own, since peak RSS only grows:
//
//	go test ./pipeline -run '^$' -bench 'Hostile/error-lines' -benchtime 1x
func BenchmarkHostile(b *testing.B) {
	dir := b.TempDir()
	combined, _ := logparse.Preset("combined")
	for name, make := range hostileInputs(b, dir) {
		b.Run(name, func(b *testing.B) {
			sets := make()
			for b.Loop() {
				snap, _ := Run(context.Background(), RunConfig{Sets: sets, Format: combined})
				if snap.Ingest.Totals().Lines == 0 {
					b.Fatal("nothing read")
				}
			}
			var ru syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MB")
		})
	}
}
