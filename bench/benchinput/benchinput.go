// Package benchinput gives benchmarks their synthetic day: bench/genlog's
// access log in the seed report's tab format and its error.log, generated
// once into $TMPDIR (as bench/whole.sh does) and never committed.
package benchinput

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/badgw/badgw/logparse"
)

// Directive is bench/genlog's log_format.
const Directive = `log_format main '$time_iso8601\t$status\t$remote_addr\t$upstream_addr\t$upstream_status\t$scheme\t$request\t$request_time\t$upstream_response_time\t$body_bytes_sent';`

// Lines is BADGW_BENCH_LINES, or def when it is unset.
func Lines(def int) int {
	if v, err := strconv.Atoi(os.Getenv("BADGW_BENCH_LINES")); err == nil && v > 0 {
		return v
	}
	return def
}

// Day returns the paths of a day of lines requests and its error.log,
// writing them first when they are not there yet.
func Day(tb testing.TB, lines int) (access, errorLog string) {
	tb.Helper()
	access = filepath.Join(os.TempDir(), "badgw-bench-"+strconv.Itoa(lines)+".log")
	errorLog = filepath.Join(os.TempDir(), "badgw-bench-"+strconv.Itoa(lines)+".error.log")
	if nonEmpty(access) && nonEmpty(errorLog) {
		return access, errorLog
	}
	_, file, _, _ := runtime.Caller(0)
	out, err := os.Create(access)
	if err != nil {
		tb.Fatal(err)
	}
	gen := exec.Command("go", "run", "./bench/genlog", "-lines", strconv.Itoa(lines), "-error-log", errorLog)
	gen.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	gen.Stdout, gen.Stderr = out, os.Stderr
	err = gen.Run()
	out.Close()
	if err != nil {
		os.Remove(access)
		tb.Fatal(err)
	}
	return access, errorLog
}

// Format is Directive compiled.
func Format(tb testing.TB) *logparse.Format {
	f, err := logparse.ParseFormat(Directive)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func nonEmpty(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Size() > 0
}
