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
		// A lone CR ends a line too.
		if ends := bytes.Count(data, []byte{'\n'}) + bytes.Count(data, []byte{'\r'}); n > ends+1 {
			t.Fatalf("%d lines from %d line ends", n, ends)
		}
	})
}

// FuzzUnwrap: any line unwraps without panicking into a payload no longer
// than the line (JSON wrappers decode theirs), and any stamp it keeps
// reads without panicking.
func FuzzUnwrap(f *testing.F) {
	for _, s := range []string{
		"2026-11-22T01:24:04.405127661Z 10.0.0.1 - - [x]",
		"<187>Nov 22 01:24:04 web01 nginx: [error] 7#7: *9 x",
		"<165>1 2026-11-22T01:24:04.003Z web01 nginx 123 ID47 [a b=\"c\"] msg",
		"Nov  2 01:24:04.123456 web01 nginx[123]: x",
		"2026-11-22T01:24:04+0100 web01 nginx[123]: x",
		`{"__REALTIME_TIMESTAMP":"1795310644000000","MESSAGE":[104,105]}`,
		"2026-11-22T01:24:04.123000+00:00 /ecs/web ecs/nginx/8f2c1d x",
		"2026-11-22 02:24:04.405127661  x",
		"nginx-proxy  | nginx.1    | x",
		"[pod/a/b] 2026-11-22T01:24:04.1Z stdout F x",
		"I1122 01:24:04.123456       7 controller.go:176] x",
		"ingress-nginx-controller-7d4 controller 2026-11-22T02:24:04.405127661+01:00 x",
		"23:55:50              nginx | x",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		u := Unwrap(line)
		if len(u.Wrappers) > maxWrappers {
			t.Fatalf("%d wrappers", len(u.Wrappers))
		}
		if !bytes.HasPrefix(line, []byte("{")) && !bytes.Contains(line, []byte(`{"`)) && len(u.Payload) > len(line) {
			t.Fatalf("payload of %d bytes from a line of %d", len(u.Payload), len(line))
		}
		ParseStamp(u.StampKind, u.Stamp)
		IsControllerLine(line)
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
