package input

import (
	"bytes"
	"testing"
)

// FuzzReader: splitting never panics, never returns a line over MaxLine,
// and without wrappers or headers returns the input's lines.
func FuzzReader(f *testing.F) {
	f.Add([]byte("a\nb\r\nc"))
	f.Add([]byte("==> x <==\n1\n\n==> y <==\n2\n"))
	f.Add([]byte("2026-11-20T10:00:00.1Z stdout P a\n2026-11-20T10:00:00.2Z stdout F b\n"))
	f.Add([]byte(`{"log":"x\n","stream":"stderr"}` + "\n"))
	f.Add([]byte("web_1  | hello\n[pod/a/b] hi\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), "fuzz")
		n := 0
		for r.Next() {
			l := r.Line()
			if len(l.Bytes) > MaxLine {
				t.Fatalf("line of %d bytes", len(l.Bytes))
			}
			n++
		}
		if r.Err() != nil {
			t.Fatalf("reading from memory failed: %v", r.Err())
		}
		if n > bytes.Count(data, []byte{'\n'})+1 {
			t.Fatalf("%d lines from %d newlines", n, bytes.Count(data, []byte{'\n'}))
		}
	})
}

// FuzzSniffAndDecompress: any bytes, labelled with any magic, open and read
// without panicking.
func FuzzSniffAndDecompress(f *testing.F) {
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0})
	f.Add([]byte("BZh91AY&SY"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := NewStream("fuzz", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		defer s.Close()
		r := NewReader(s, "fuzz")
		for r.Next() {
		}
	})
}
