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

// FuzzPlainRun: reading runs of plain lines where they come, and Next
// elsewhere, gives the lines, numbers and sources Next alone gives.
func FuzzPlainRun(f *testing.F) {
	f.Add([]byte("a\nb\r\nc"), 3, 100)
	f.Add([]byte("1 x\n2 y\n==> z <==\n3 w\n\n4 v\n"), 2, 5)
	f.Add([]byte("1\n2\n2026-11-20T10:00:00.1Z stdout P a\n2026-11-20T10:00:00.2Z stdout F b\n3\n"), 1, 4096)
	f.Add([]byte("10.0.0.1 - x\n\ttab\n[pod/a/b] hi\n10.0.0.2 - y"), 64, 1)
	f.Fuzz(func(t *testing.T, data []byte, maxLines, maxBytes int) {
		type got struct {
			text, source string
			num          int64
			err          bool
		}
		var want []got
		r := NewReader(bytes.NewReader(data), "fuzz")
		for r.Next() {
			l := r.Line()
			want = append(want, got{string(l.Bytes), l.Source, l.Num, l.Err != nil})
		}
		maxLines, maxBytes = 1+abs(maxLines)%300, 1+abs(maxBytes)%(1<<20)
		var have []got
		r = NewReader(bytes.NewReader(data), "fuzz")
		var ends []int32
		for {
			first, source := r.Num()+1, r.Source()
			var run []byte
			run, ends = r.PlainRun(maxLines, maxBytes, ends[:0])
			if len(ends) > maxLines || len(run) > maxBytes {
				t.Fatalf("run of %d lines, %d bytes past %d, %d", len(ends), len(run), maxLines, maxBytes)
			}
			start := 0
			for k, end := range ends {
				have = append(have, got{string(run[start:end]), source, first + int64(k), false})
				start = int(end) + 1
			}
			if len(ends) > 0 {
				continue
			}
			if !r.Next() {
				break
			}
			l := r.Line()
			have = append(have, got{string(l.Bytes), l.Source, l.Num, l.Err != nil})
		}
		if len(have) != len(want) {
			t.Fatalf("%d lines with runs, %d without", len(have), len(want))
		}
		for i := range want {
			if have[i] != want[i] {
				t.Fatalf("line %d: %+v with runs, %+v without", i, have[i], want[i])
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
