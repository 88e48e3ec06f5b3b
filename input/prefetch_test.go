package input

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func gzipFile(t *testing.T, text string, cut int) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(text))
	zw.Close()
	data := buf.Bytes()
	if cut > 0 {
		data = data[:len(data)-cut]
	}
	path := filepath.Join(t.TempDir(), "access.log.2.gz")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPrefetchKeepsOrderAndErrors: prefetched bytes are the stream's, in
// order, across chunks, and a damaged file still yields its readable part
// and then the error naming the damage.
func TestPrefetchKeepsOrderAndErrors(t *testing.T) {
	var b strings.Builder
	for i := range 40000 {
		b.WriteString("line ")
		b.WriteString(strings.Repeat("x", i%50))
		b.WriteString("\n")
	}
	text := b.String()
	st, err := Open(gzipFile(t, text, 0))
	if err != nil {
		t.Fatal(err)
	}
	p := Prefetch(st, 1000, 3)
	got, err := io.ReadAll(p)
	p.Close()
	if err != nil || string(got) != text {
		t.Fatalf("read %d of %d bytes, %v", len(got), len(text), err)
	}

	st, err = Open(gzipFile(t, text, 20))
	if err != nil {
		t.Fatal(err)
	}
	p = Prefetch(st, 1000, 3)
	got, err = io.ReadAll(p)
	p.Close()
	var se *SourceError
	if !errors.As(err, &se) || len(got) == 0 || !strings.HasPrefix(text, string(got)) {
		t.Fatalf("damaged: %d bytes, %v", len(got), err)
	}
}

// TestPrefetchCloseStops: closing before the end stops the goroutine.
func TestPrefetchCloseStops(t *testing.T) {
	before := runtime.NumGoroutine()
	st, err := Open(gzipFile(t, strings.Repeat("a line of text\n", 200000), 0))
	if err != nil {
		t.Fatal(err)
	}
	p := Prefetch(st, 1000, 2)
	buf := make([]byte, 10)
	p.Read(buf)
	p.Close()
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after Close, %d before", n, before)
	}
}
