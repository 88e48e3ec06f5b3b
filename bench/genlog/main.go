// Command genlog writes a synthetic access log in the seed report's
// tab-separated format, for whole-process benchmarks (never for tests of
// behaviour: fixtures come from the real nginx). Every 10,000 lines it
// writes a short burst of "no live upstreams" 502s. With -error-log it also
// writes the matching error.log: a line for each 502 and a background
// warning every -warn-every requests (75: about 82,000 lines for 5 M
// requests; 5: about a million).
//
//	go run ./bench/genlog -lines 5000000 -error-log /tmp/error.log > /tmp/access.log
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

func main() {
	lines := flag.Int("lines", 5_000_000, "lines to write")
	errorLog := flag.String("error-log", "", "also write the matching error.log here")
	warnEvery := flag.Int("warn-every", 75, "requests per background warning in the error.log")
	flag.Parse()
	// Writes of the pipe's own size: written a megabyte at a time, the same
	// 5 M lines cost three times the system time through a pipe (2.6 s
	// against 0.8 s into wc -l) and set the pace of what they feed.
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	defer w.Flush()
	ew := bufio.NewWriterSize(io.Discard, 1<<20)
	if *errorLog != "" {
		f, err := os.Create(*errorLog)
		if err != nil {
			fmt.Fprintln(os.Stderr, "genlog:", err)
			os.Exit(1)
		}
		defer f.Close()
		ew.Reset(f)
		defer ew.Flush()
	}
	t := time.Date(2026, 11, 20, 0, 0, 0, 0, time.FixedZone("", 3600))
	var ts, ets string
	var line []byte
	for i := 0; i < *lines; i++ {
		if i%40 == 0 {
			// Forty requests a second: the times are formatted once a second.
			t = t.Add(time.Second)
			ts = t.Format("2006-01-02T15:04:05-07:00")
			ets = t.Format("2006/01/02 15:04:05")
		}
		if i%max(1, *warnEvery) != 0 && i%10000 > 30 {
			// The common line, built without fmt so that the generator
			// outruns what it feeds through a pipe.
			line = appendOK(line[:0], ts, i)
			w.Write(line)
			continue
		}
		peer := fmt.Sprintf("10.0.%d.%d:8080", i%3, i%7)
		path := paths[i%len(paths)]
		if i%max(1, *warnEvery) == 0 {
			fmt.Fprintf(ew, "%s [warn] 7#7: *%d an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/%d while reading upstream, client: 192.0.2.%d, server: api.example.com, request: \"GET %s HTTP/1.1\", upstream: \"http://%s%s\", host: \"api.example.com\"\n",
				ets, i, i, i%250, path, peer, path)
		}
		switch {
		case i%10000 < 30:
			fmt.Fprintf(w, "%s\t502\t192.0.2.%d\texample\t502\thttps\tGET %s?id=%d HTTP/1.1\t0.000\t0.000\t157\n", ts, i%250, path, i)
			fmt.Fprintf(ew, "%s [error] 7#7: *%d no live upstreams while connecting to upstream, client: 192.0.2.%d, server: api.example.com, request: \"GET %s?id=%d HTTP/1.1\", upstream: \"http://example%s?id=%d\", host: \"api.example.com\"\n",
				ets, i, i%250, path, i, path, i)
		case i%10000 == 30:
			fmt.Fprintf(w, "%s\t502\t192.0.2.%d\t%s, example\t500, 502\thttps\tPOST %s HTTP/1.1\t0.016\t0.016, 0.000\t157\n", ts, i%250, peer, path)
			fmt.Fprintf(ew, "%s [error] 7#7: *%d no live upstreams while connecting to upstream, client: 192.0.2.%d, server: api.example.com, request: \"POST %s HTTP/1.1\", upstream: \"http://example%s\", host: \"api.example.com\"\n",
				ets, i, i%250, path, path)
		default:
			w.Write(appendOK(line[:0], ts, i))
		}
	}
}

var paths = []string{"/api/v1/items", "/api/v1/users/profile", "/static/app.js", "/v2/process", "/health"}

// appendOK appends request i's 200 line at ts.
func appendOK(b []byte, ts string, i int) []byte {
	b = append(b, ts...)
	b = append(b, "\t200\t192.0.2."...)
	b = strconv.AppendInt(b, int64(i%250), 10)
	b = append(b, "\t10.0."...)
	b = strconv.AppendInt(b, int64(i%3), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(i%7), 10)
	b = append(b, ":8080\t200\thttps\tGET "...)
	b = append(b, paths[i%len(paths)]...)
	b = append(b, "?id="...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "&session="...)
	b = appendHex(b, uint64(i*2654435761), 8)
	b = append(b, "&trace="...)
	b = appendHex(b, uint64(i*7919), 16)
	b = appendHex(b, uint64(i*104729), 16)
	b = append(b, "&utm_source=newsletter HTTP/1.1\t0.0"...)
	b = appendTwo(b, i%90)
	b = append(b, "\t0.0"...)
	b = appendTwo(b, i%90)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(1000+i%5000), 10)
	return append(b, '\n')
}

// appendHex is fmt's %0Nx.
func appendHex(b []byte, v uint64, width int) []byte {
	var tmp [16]byte
	h := strconv.AppendUint(tmp[:0], v, 16)
	for range width - len(h) {
		b = append(b, '0')
	}
	return append(b, h...)
}

// appendTwo is fmt's %02d for 0 ≤ v < 100.
func appendTwo(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
