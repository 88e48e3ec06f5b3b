package input

import (
	"bufio"
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return b.Bytes()
}

func zst(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll opens path and returns its lines and the error that ended it.
func readAll(t testing.TB, path string) ([]string, []Line, error) {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := NewReader(s, path)
	var lines []string
	var skipped []Line
	for r.Next() {
		l := r.Line()
		if l.Err != nil {
			skipped = append(skipped, *l)
			continue
		}
		lines = append(lines, string(l.Bytes))
	}
	return lines, skipped, r.Err()
}

func TestOpenCompressions(t *testing.T) {
	dir := t.TempDir()
	multi := append(gz(t, "a1\na2\n"), gz(t, "b1\nb2")...)
	bz, err := os.ReadFile("testdata/lines.bz2")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want []string
		comp Compression
	}{
		{"plain.log", []byte("x\ny\n"), []string{"x", "y"}, Plain},
		{"crlf.log", []byte("x\r\ny\r\n"), []string{"x", "y"}, Plain},
		{"no-newline.log", []byte("x\nlast"), []string{"x", "last"}, Plain},
		{"multi.gz", multi, []string{"a1", "a2", "b1", "b2"}, Gzip},
		{"z.zst", zst(t, "z1\nz2\n"), []string{"z1", "z2"}, Zstd},
		{"b.bz2", bz, []string{"one bz line", "two bz line"}, Bzip2},
		{"misleading.log", gz(t, "hidden\n"), []string{"hidden"}, Gzip},
		{"misleading.gz", []byte("not gzip at all\n"), []string{"not gzip at all"}, Plain},
		{"invalid-utf8.log", []byte("a\xffb\n"), []string{"a\xffb"}, Plain},
		{"empty.log", nil, nil, Plain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, tt.name, tt.data)
			s, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			if s.Compression != tt.comp {
				t.Errorf("compression = %v, want %v", s.Compression, tt.comp)
			}
			s.Close()
			got, _, err := readAll(t, p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lines = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTruncatedGzipKeepsReadableLines(t *testing.T) {
	var sb strings.Builder
	for i := 0; i < 20000; i++ {
		sb.WriteString("line number ")
		sb.WriteString(strings.Repeat("x", i%50))
		sb.WriteString("\n")
	}
	full := gz(t, sb.String())
	cut := full[:len(full)*2/3]
	p := writeFile(t, t.TempDir(), "access.log.2.gz", cut)
	lines, _, err := readAll(t, p)
	if err == nil {
		t.Fatal("truncated gzip read without error")
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err = %v, want unexpected EOF", err)
	}
	var se *SourceError
	if !errors.As(err, &se) || se.Source != p || se.Offset <= 0 {
		t.Errorf("err = %#v, want a SourceError naming %s and an offset", err, p)
	}
	if len(lines) < 1000 || len(lines) >= 20000 {
		t.Fatalf("got %d lines before the damage", len(lines))
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, "line number ") || len(l) != 12+i%50 {
			t.Fatalf("line %d = %q is damaged", i+1, l)
		}
	}
}

func TestLongLineSkipped(t *testing.T) {
	data := "before\n" + strings.Repeat("y", MaxLine+10) + "\nafter\n" + strings.Repeat("z", 2*MaxLine)
	p := writeFile(t, t.TempDir(), "long.log", []byte(data))
	lines, skipped, err := readAll(t, p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lines, []string{"before", "after"}) {
		t.Errorf("lines = %q", lines)
	}
	if len(skipped) != 2 || skipped[0].Num != 2 || skipped[1].Num != 4 || !errors.Is(skipped[0].Err, ErrLineTooLong) {
		t.Errorf("skipped = %+v, want lines 2 and 4 too long", skipped)
	}
}

func TestLineJustUnderLimitKept(t *testing.T) {
	long := strings.Repeat("k", MaxLine-1)
	p := writeFile(t, t.TempDir(), "edge.log", []byte(long+"\nnext\n"))
	lines, skipped, err := readAll(t, p)
	if err != nil || len(skipped) != 0 || len(lines) != 2 || lines[0] != long {
		t.Fatalf("lines=%d skipped=%d err=%v", len(lines), len(skipped), err)
	}
}

// TestTailHeaders: tail's headers switch the source, and the blank line
// tail prints before each header is not a line of any log (issue 11); a
// blank line of the log itself is kept.
func TestTailHeaders(t *testing.T) {
	in := "==> access.log <==\na1\na2\n\n==> error.log <==\ne1\n\n\n==> access.log <==\na3\n"
	r := NewReader(strings.NewReader(in), "-")
	var got []string
	for r.Next() {
		l := r.Line()
		got = append(got, l.Source+":"+string(l.Bytes)+":"+strconv.FormatInt(l.Num, 10))
	}
	want := []string{"access.log:a1:1", "access.log:a2:2", "error.log:e1:1", "error.log::2", "access.log:a3:3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSlowPipeIsStreamed(t *testing.T) {
	pr, pw := io.Pipe()
	r := NewReader(pr, "-")
	got := make(chan string)
	go func() {
		for r.Next() {
			got <- string(r.Line().Bytes)
		}
		close(got)
	}()
	for i, want := range []string{"first", "second", "third"} {
		if _, err := pw.Write([]byte(want + "\n")); err != nil {
			t.Fatal(err)
		}
		select {
		case line := <-got:
			if line != want {
				t.Fatalf("line %d = %q, want %q", i, line, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("line %q not delivered while the pipe stays open", want)
		}
	}
	pw.Close()
	if _, ok := <-got; ok {
		t.Fatal("extra line after close")
	}
}

func TestUnwrap(t *testing.T) {
	tests := []struct {
		in, payload, stream string
		complete            bool
	}{
		{`2026-11-20T10:00:00.123456789Z stdout F 10.0.0.1 - - [x]`, `10.0.0.1 - - [x]`, "stdout", true},
		{`2026-11-20T10:00:00.123456789Z stderr P 2026/11/20 10:00:00 [error] part`, `2026/11/20 10:00:00 [error] part`, "stderr", false},
		{`{"log":"2026/11/20 10:00:00 [error] 7#7: x\n","stream":"stderr","time":"2026-11-20T10:00:00Z"}`, `2026/11/20 10:00:00 [error] 7#7: x`, "stderr", true},
		{`[pod/ingress-nginx-controller-abc/controller] 10.0.0.1 - -`, `10.0.0.1 - -`, "", true},
		{`web_1  | 10.0.0.1 - - [x]`, `10.0.0.1 - - [x]`, "", true},
		{`nginx-1    | 2026/11/20 10:00:00 [error] x`, `2026/11/20 10:00:00 [error] x`, "", true},
		{`10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 502`, `10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 502`, "", true},
		{"2017-11-29T10:00:00+00:00\t502\t10.0.0.1", "2017-11-29T10:00:00+00:00\t502\t10.0.0.1", "", true},
		{`2026/11/20 10:00:00 [error] 7#7: *1 x | y`, `2026/11/20 10:00:00 [error] 7#7: *1 x | y`, "", true},
		{`{"time":"x","status":502}`, `{"time":"x","status":502}`, "", true},
	}
	for _, tt := range tests {
		u := Unwrap([]byte(tt.in))
		if string(u.Payload) != tt.payload || u.Stream != tt.stream || u.Complete != tt.complete {
			t.Errorf("Unwrap(%q) = %q, %q, %v; want %q, %q, %v", tt.in, u.Payload, u.Stream, u.Complete, tt.payload, tt.stream, tt.complete)
		}
	}
}

// TestUnwrapEveryShape: one table row per wrapper of issue 13, each line
// in the shape the tool writes it (synthetic payloads, real shapes), with
// the time the wrapper carries.
func TestUnwrapEveryShape(t *testing.T) {
	utc := func(s string) time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return v }
	access := `10.0.0.1 - - [22/Nov/2026:01:24:04 +0000] "GET / HTTP/1.1" 502 157 "-" "curl/8"`
	errLine := `2026/11/22 01:24:04 [error] 7#7: *9 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1`
	bare := `[error] 7#7: *9 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1`
	for _, tt := range []struct {
		name, in, payload string
		stamp             time.Time
		local             bool
		wrappers          string
	}{
		{"kubectl --timestamps", "2026-11-22T01:24:04.405127661Z " + access, access, utc("2026-11-22T01:24:04.405127661Z"), false, "timestamp"},
		{"docker logs -t", "2026-11-22T01:24:04.405127661Z " + errLine, errLine, utc("2026-11-22T01:24:04.405127661Z"), false, "timestamp"},
		{"kubectl --timestamps --prefix", "[pod/ingress-nginx-controller-7d4/controller] 2026-11-22T01:24:04.405127661Z " + access, access, utc("2026-11-22T01:24:04.405127661Z"), false, "kubectl-prefix timestamp"},
		{"nginx error_log syslog:", "<187>Nov 22 01:24:04 web01 nginx: " + bare, bare, time.Date(0, 11, 22, 1, 24, 4, 0, time.UTC), true, "syslog"},
		{"nginx access_log syslog:", "<190>Nov  2 01:24:04 web01 nginx: " + access, access, time.Date(0, 11, 2, 1, 24, 4, 0, time.UTC), true, "syslog"},
		{"RFC 5424", "<165>1 2026-11-22T01:24:04.003Z web01 nginx 123 - - " + access, access, utc("2026-11-22T01:24:04.003Z"), false, "syslog-5424"},
		{"RFC 5424 with structured data", `<165>1 2026-11-22T01:24:04.003Z web01 nginx 123 ID47 [exampleSDID@32473 iut="3"] ` + access, access, utc("2026-11-22T01:24:04.003Z"), false, "syslog-5424"},
		{"rsyslog file", "Nov 22 01:24:04 web01 nginx[123]: " + errLine, errLine, time.Date(0, 11, 22, 1, 24, 4, 0, time.UTC), true, "syslog-file"},
		{"journalctl short-precise", "Nov 22 01:24:04.123456 web01 nginx[123]: " + access, access, time.Date(0, 11, 22, 1, 24, 4, 123456000, time.UTC), true, "syslog-file"},
		{"journalctl short-iso", "2026-11-22T01:24:04+0100 web01 nginx[123]: " + access, access, time.Date(2026, 11, 22, 1, 24, 4, 0, time.FixedZone("", 3600)), false, "journal-short-iso"},
		{"journalctl -o json", `{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1795310644000000","_HOSTNAME":"web01","SYSLOG_IDENTIFIER":"nginx","MESSAGE":"` + strings.ReplaceAll(access, `"`, `\"`) + `"}`, access, time.UnixMicro(1795310644000000).UTC(), false, "journald-json"},
		{"aws logs tail", "2026-11-22T01:24:04.123000+00:00 ecs/nginx/8f2c1d " + access, access, utc("2026-11-22T01:24:04.123Z"), false, "timestamp"},
		{"aws logs tail, group and stream", "2026-11-22T01:24:04.123000+00:00 /ecs/web ecs/nginx/8f2c1d " + errLine, errLine, utc("2026-11-22T01:24:04.123Z"), false, "timestamp"},
		{"shipper time, two spaces", "2026-11-22 02:24:04.405127661  " + access, access, time.Date(2026, 11, 22, 2, 24, 4, 405127661, time.UTC), true, "timestamp"},
		{"compose in front of forego", "nginx-proxy  | nginx.1    | " + access, access, time.Time{}, false, "compose compose"},
		{"stern --timestamps", "ingress-nginx-controller-678c58d9d6-8p8vj controller 2026-11-22T02:24:04.405127661+01:00 " + errLine, errLine, utc("2026-11-22T01:24:04.405127661Z"), false, "stern"},
		{"foreman, goreman", "23:55:50              nginx | " + errLine, errLine, time.Time{}, false, "foreman"},
		{"BusyBox syslogd", "daemon.err: Nov 22 01:24:04 web01 nginx: " + errLine, errLine, time.Date(0, 11, 22, 1, 24, 4, 0, time.UTC), true, "syslog-busybox"},
		{"nginx's header relayed by BusyBox", "daemon.err: Nov 22 01:24:04 web01 web01 nginx: " + errLine, errLine, time.Date(0, 11, 22, 1, 24, 4, 0, time.UTC), true, "syslog-busybox"},
		{"nginx's header relayed by journald", "Nov 22 01:24:04 web01 nginx[123]: web01 nginx: " + errLine, errLine, time.Date(0, 11, 22, 1, 24, 4, 0, time.UTC), true, "syslog-file"},
	} {
		u := Unwrap([]byte(tt.in))
		var stamp time.Time
		var local bool
		if u.Stamp != nil {
			var ok bool
			if stamp, local, ok = ParseStamp(u.StampKind, u.Stamp); !ok {
				t.Errorf("%s: stamp %q unreadable", tt.name, u.Stamp)
			}
		}
		if string(u.Payload) != tt.payload || !stamp.Equal(tt.stamp) || local != tt.local || strings.Join(u.Wrappers, " ") != tt.wrappers {
			t.Errorf("%s: Unwrap = %q, %v (local %v), %v; want %q, %v (local %v), %s", tt.name, u.Payload, stamp, local, u.Wrappers, tt.payload, tt.stamp, tt.local, tt.wrappers)
		}
	}
	// Left alone: nginx's own $time_iso8601 first (no fraction), an error
	// line, an access line that happens to hold a colon and a bar.
	for _, keep := range []string{
		"2026-11-22T01:24:04+00:00 10.0.0.1 GET / 502",
		errLine,
		`10.0.0.1 - - [22/Nov/2026:01:24:04 +0000] "GET /a|b HTTP/1.1" 502 0 "-" "x: y"`,
		`example.com 10.0.0.1 - - [22/Nov/2026:01:24:04 +0000] "GET / HTTP/1.1" 502 0 "-" "x"`,
		`example.com 10.0.0.1 2026-11-22T01:24:04+00:00 "GET / HTTP/1.1" 502`,
		`example.com 10.0.0.1 2026-11-22T01:24:04.123+00:00 "GET / HTTP/1.1" 502`,
		`20:01:0d:b8 - - [22/Nov/2026:01:24:04 +0000] "GET /a|b HTTP/1.1" 502 0 "-" "x"`,
	} {
		if u := Unwrap([]byte(keep)); string(u.Payload) != keep {
			t.Errorf("Unwrap(%q) took off %v: %q", keep, u.Wrappers, u.Payload)
		}
	}
}

// TestControllerLines: the ingress-nginx controller's klog lines are
// recognised; nginx's lines are not.
func TestControllerLines(t *testing.T) {
	for _, l := range []string{
		"I1122 01:24:04.123456       7 controller.go:176] \"Configuration changes detected, backend reload required\"",
		"W1122 01:24:04.123456      12 backend_ssl.go:47] Error obtaining X.509 certificate",
		"E0105 14:41:29.405127   1 queue.go:130] \"requeuing\" err=\"x\"",
		"I20261122 01:24:04.123456   1 verify.go:86] Unable to fetch version",
	} {
		if !IsControllerLine([]byte(l)) {
			t.Errorf("not recognised: %s", l)
		}
	}
	for _, l := range []string{"I am a line", "2026/11/22 01:24:04 [error] 7#7: x", "10.0.0.1 - - [x]", "I20261122 01:24:04 and more words here"} {
		if IsControllerLine([]byte(l)) {
			t.Errorf("taken for a controller line: %s", l)
		}
	}
}

func TestCRIPartialLinesJoined(t *testing.T) {
	in := "2026-11-20T10:00:00.1Z stdout P hello \n2026-11-20T10:00:00.2Z stdout F world\n"
	r := NewReader(strings.NewReader(in), "pod.log")
	if !r.Next() || string(r.Line().Bytes) != "hello world" || r.Line().Stream != "stdout" {
		t.Fatalf("got %q", r.Line().Bytes)
	}
	if r.Next() {
		t.Fatal("extra line")
	}
}

// TestCRIPartialBeforePlainLine: a partial line waiting for its end is
// joined to the next line even when that one is nginx's own, unwrapped
// (the plain-line fast paths must not skip the join).
func TestCRIPartialBeforePlainLine(t *testing.T) {
	in := "2026-11-20T10:00:00.1Z stdout P part \n2026/11/20 10:00:00 [error] 1#1: x\nnext\n"
	r := NewReader(strings.NewReader(in), "pod.log")
	for _, want := range []string{"part 2026/11/20 10:00:00 [error] 1#1: x", "next"} {
		if !r.Next() || string(r.Line().Bytes) != want {
			t.Fatalf("got %q, want %q", r.Line().Bytes, want)
		}
	}
	if r.Next() {
		t.Fatal("extra line")
	}
}

func TestExpandOrdersRotations(t *testing.T) {
	dir := t.TempDir()
	names := []string{"access.log", "access.log.1", "access.log.2.gz", "access.log.10.gz", "access.log.3.gz",
		"error.log", "error.log-20261120.gz", "error.log-20261119.gz", "error.log-20261121"}
	for _, n := range names {
		writeFile(t, dir, n, []byte("x\n"))
	}
	sets, err := Expand([]string{filepath.Join(dir, "access.log*"), filepath.Join(dir, "error.log*")})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, s := range sets {
		var base []string
		for _, p := range s.Paths {
			base = append(base, filepath.Base(p))
		}
		got = append(got, base)
	}
	want := [][]string{
		{"access.log.10.gz", "access.log.3.gz", "access.log.2.gz", "access.log.1", "access.log"},
		{"error.log-20261119.gz", "error.log-20261120.gz", "error.log-20261121", "error.log"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sets = %q\nwant %q", got, want)
	}
	sets, err = Expand([]string{filepath.Join(dir, "nothing*"), dir, filepath.Join(dir, "missing.log")})
	if err != nil || len(sets) != 4 || sets[0].Unread == nil || sets[3].Unread == nil {
		t.Fatalf("unreadable arguments: %v, %+v", err, sets)
	}
	if sets[1].Unread != nil || len(sets[1].Paths) != 5 || len(sets[2].Paths) != 4 {
		t.Errorf("the directory does not stand for its two families: %+v", sets[1:3])
	}
}

// BenchmarkReadPlain and BenchmarkReadGzip measure line splitting with and
// without decompression. Compare builds with:
//
//	go test ./input -run '^$' -bench Read -count 10 | benchstat
func BenchmarkReadPlain(b *testing.B) { benchRead(b, false) }
func BenchmarkReadGzip(b *testing.B)  { benchRead(b, true) }

func benchRead(b *testing.B, compress bool) {
	var sb strings.Builder
	for i := 0; sb.Len() < 16<<20; i++ {
		sb.WriteString("2017-11-29T10:00:00+00:00\t502\t10.0.0.1\texample\t502\thttp\tGET /api/v1/items?id=")
		sb.WriteString(strconv.Itoa(i))
		sb.WriteString(" HTTP/1.1\t0.001\t0.000\t166\n")
	}
	data := []byte(sb.String())
	if compress {
		data = gz(b, sb.String())
	}
	b.SetBytes(int64(sb.Len()))
	b.ReportAllocs()
	for b.Loop() {
		s, err := NewStream("bench", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		r := NewReader(s, "bench")
		for r.Next() {
		}
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
}

func TestLineOneOverLimitSkipped(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n", ""} {
		p := writeFile(t, t.TempDir(), "over.log", []byte(strings.Repeat("o", MaxLine+1)+eol))
		lines, skipped, err := readAll(t, p)
		if err != nil || len(lines) != 0 || len(skipped) != 1 {
			t.Errorf("eol %q: lines=%d skipped=%d err=%v", eol, len(lines), len(skipped), err)
		}
	}
}

// TestLoneCR: a lone CR ends a line, so two requests written with old Mac
// endings are two lines, not one merged request (issue 11); CRLF stays one
// ending.
func TestLoneCR(t *testing.T) {
	r := NewReader(strings.NewReader("a1\ra2\r\nb1\r\nc1\rc2"), "x")
	var got []string
	for r.Next() {
		got = append(got, string(r.Line().Bytes)+":"+strconv.FormatInt(r.Line().Num, 10))
	}
	want := []string{"a1:1", "a2:2", "b1:3", "c1:4", "c2:5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestDamagedGzipLosesNoCompleteLine cuts and corrupts a gzip file at many
// points: every complete line that Go's standard compress/gzip returns
// before the damage comes out of the Reader too, and the error names an
// offset no later than the damage (issue 11: it named the 64 KiB read-ahead).
func TestDamagedGzipLosesNoCompleteLine(t *testing.T) {
	var plain bytes.Buffer
	for i := range 40000 {
		fmt.Fprintf(&plain, "synthetic line %d with some text to compress %x\n", i, i*7919)
	}
	var packed bytes.Buffer
	zw := stdgzip.NewWriter(&packed)
	zw.Write(plain.Bytes())
	zw.Close()
	data := packed.Bytes()
	dir := t.TempDir()
	for cut := 200; cut < len(data); cut += len(data) / 23 {
		for _, corrupt := range []bool{false, true} {
			d := append([]byte(nil), data[:cut]...)
			if corrupt {
				d = append([]byte(nil), data...)
				d[cut] ^= 0x55
			}
			want := 0
			if zr, err := stdgzip.NewReader(bytes.NewReader(d)); err == nil {
				br := bufio.NewReader(zr)
				for {
					if _, err := br.ReadBytes('\n'); err != nil {
						break
					}
					want++
				}
			}
			p := filepath.Join(dir, "a.gz")
			os.WriteFile(p, d, 0o644)
			st, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			r := NewReader(st, p)
			got := 0
			for r.Next() {
				got++
			}
			st.Close()
			if got < want {
				t.Errorf("cut %d corrupt %v: %d lines, compress/gzip gives %d", cut, corrupt, got, want)
			}
			var se *SourceError
			if !errors.As(r.Err(), &se) {
				if corrupt {
					continue // a flipped bit in a stored block can decode "fine" until the CRC
				}
				t.Fatalf("cut %d: err %v, want a SourceError", cut, r.Err())
			}
			if !corrupt && se.Offset != int64(cut) {
				t.Errorf("truncated at %d, error names offset %d", cut, se.Offset)
			}
			// Deflate notices a flipped bit within a few bytes, or only at the
			// checksum at the end of the member.
			if corrupt && !strings.Contains(se.Err.Error(), "checksum") && (se.Offset < int64(cut) || se.Offset > int64(cut)+1024) {
				t.Errorf("corrupt at %d, error names offset %d (%v)", cut, se.Offset, se.Err)
			}
		}
	}
}

// TestUnwrapDeepNesting: eight wrappers, compose prefixes around kubectl's
// around CRI's (synthetic), are all taken off (issue 23: past four the
// line stayed wrapped and the run exited 2).
func TestUnwrapDeepNesting(t *testing.T) {
	line := `10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 502 1 "-" "-"`
	wrapped := "2026-11-20T10:00:00.123456789Z stdout F " + line
	wrapped = "[pod/ingress-nginx-controller-abc/controller] " + wrapped
	for i := range 6 {
		wrapped = fmt.Sprintf("web%d_1  | %s", i, wrapped)
	}
	u := Unwrap([]byte(wrapped))
	if string(u.Payload) != line || len(u.Wrappers) != 8 {
		t.Errorf("payload %q after %d wrappers %v; want the access line after 8", u.Payload, len(u.Wrappers), u.Wrappers)
	}
}

// TestZstdWindowBounded: a small zstd frame declaring a 512 MiB window is
// refused with the reason and the way out instead of holding 512 MiB
// (issue 23: 536 MB of RSS for a 160 KB file); one within the bound reads.
func TestZstdWindowBounded(t *testing.T) {
	frame := func(windowByte byte) []byte {
		// Magic, a descriptor with no content size, the window descriptor,
		// then one raw last block of "hello\n" (RFC 8878 §3.1.1).
		return append([]byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, windowByte, 0x31, 0x00, 0x00}, "hello\n"...)
	}
	read := func(data []byte) ([]string, error) {
		s, err := NewStream("f.zst", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, err
		}
		defer s.Close()
		r := NewReader(s, "f.zst")
		var lines []string
		for r.Next() {
			lines = append(lines, string(r.Line().Bytes))
		}
		return lines, r.Err()
	}
	if lines, err := read(frame(19 << 3)); err == nil || !strings.Contains(err.Error(), "zstd -d") || len(lines) != 0 {
		t.Errorf("512 MiB window: lines %q, err %v; want a refusal naming zstd -d", lines, err)
	}
	if lines, err := read(frame(13 << 3)); err != nil || len(lines) != 1 || lines[0] != "hello" {
		t.Errorf("8 MiB window: lines %q, err %v; want hello", lines, err)
	}
}

// TestTimestampBeforeTabSeparatedLine: kubectl --timestamps in front of a
// tab-separated access line whose $upstream_addr is a unix socket (a
// slash before the line's first space) keeps the whole line: no token of
// it is an aws log group or stream (recorded php-fpm-down line).
func TestTimestampBeforeTabSeparatedLine(t *testing.T) {
	line := "2026-12-04T21:10:42+00:00\t200\t127.0.0.1\tunix:/run/php/php-fpm.sock\t200\thttp\tGET /api/items/293 HTTP/1.1\t0.001\t0.001\t50"
	u := Unwrap([]byte("2026-12-04T21:10:42.000000000Z " + line))
	if string(u.Payload) != line {
		t.Errorf("payload %q", u.Payload)
	}
}
