package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// TestStackTracebackAttached: OpenResty's traceback lines belong to the
// entry above them and are not counted as malformed.
func TestStackTracebackAttached(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "error.log")
	log := "2026/11/20 10:00:00 [error] 7#7: *9 lua entry thread aborted: runtime error: balancer.lua:12: attempt to index a nil value\n" +
		"stack traceback:\n" +
		"coroutine 0:\n" +
		"\t[C]: in function 'error'\n" +
		"\tbalancer.lua:12: in function <balancer.lua:5>, client: 10.0.0.9, server: _, request: \"GET / HTTP/1.1\", host: \"x\"\n" +
		"2026/11/20 10:00:01 [error] 7#7: *10 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.9, server: _, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.1:80/\", host: \"x\"\n"
	os.WriteFile(path, []byte(log), 0o644)
	snap, err := Run(context.Background(), RunConfig{Sets: []input.Set{{Base: path, Paths: []string{path}}}})
	if err != nil {
		t.Fatal(err)
	}
	f := snap.Ingest.Files[0]
	if f.Errors != 2 || f.Malformed != 0 || f.Continued != 4 {
		t.Errorf("errors %d, malformed %d, continued %d; want 2, 0, 4 (samples %+v)", f.Errors, f.Malformed, f.Continued, f.Samples)
	}
	if snap.Totals.Events != 2 {
		t.Errorf("%d events", snap.Totals.Events)
	}
}

// TestMalformedCountedAndSampled: lines matching no format are counted per
// file with their reason, never dropped silently.
func TestMalformedCountedAndSampled(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	good := `10.0.0.9 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"` + "\n"
	os.WriteFile(path, []byte(strings.Repeat(good, 50)+"garbage line\n"+good+strings.Repeat("x", input.MaxLine+1)+"\n"), 0o644)
	f, _ := logparse.Preset("combined")
	snap, err := Run(context.Background(), RunConfig{Sets: []input.Set{{Base: path, Paths: []string{path}}}, Format: f})
	if err != nil {
		t.Fatal(err)
	}
	fs := snap.Ingest.Files[0]
	if fs.Access != 51 || fs.Malformed != 1 || fs.TooLong != 1 || len(fs.Samples) != 2 || fs.Samples[0].Line != 51 {
		t.Errorf("stats %+v", fs)
	}
}
