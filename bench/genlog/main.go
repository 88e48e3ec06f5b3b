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
	"time"
)

func main() {
	lines := flag.Int("lines", 5_000_000, "lines to write")
	errorLog := flag.String("error-log", "", "also write the matching error.log here")
	warnEvery := flag.Int("warn-every", 75, "requests per background warning in the error.log")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
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
	paths := []string{"/api/v1/items", "/api/v1/users/profile", "/static/app.js", "/v2/process", "/health"}
	for i := 0; i < *lines; i++ {
		if i%40 == 0 {
			t = t.Add(time.Second)
		}
		ts := t.Format("2006-01-02T15:04:05-07:00")
		ets := t.Format("2006/01/02 15:04:05")
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
			fmt.Fprintf(w, "%s\t200\t192.0.2.%d\t%s\t200\thttps\tGET %s?id=%d&session=%08x&trace=%016x%016x&utm_source=newsletter HTTP/1.1\t0.0%02d\t0.0%02d\t%d\n",
				ts, i%250, peer, path, i, i*2654435761, i*7919, i*104729, i%90, i%90, 1000+i%5000)
		}
	}
}
