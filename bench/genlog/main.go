// Command genlog writes a synthetic access log in the seed report's
// tab-separated format, for whole-process benchmarks (never for tests of
// behaviour: fixtures come from the real nginx). Every 10,000 lines it
// writes a short burst of "no live upstreams" 502s.
//
//	go run ./bench/genlog -lines 5000000 > /tmp/access.log
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	lines := flag.Int("lines", 5_000_000, "lines to write")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	t := time.Date(2026, 11, 20, 0, 0, 0, 0, time.FixedZone("", 3600))
	paths := []string{"/api/v1/items", "/api/v1/users/profile", "/static/app.js", "/v2/process", "/health"}
	for i := 0; i < *lines; i++ {
		if i%40 == 0 {
			t = t.Add(time.Second)
		}
		ts := t.Format("2006-01-02T15:04:05-07:00")
		peer := fmt.Sprintf("10.0.%d.%d:8080", i%3, i%7)
		path := paths[i%len(paths)]
		switch {
		case i%10000 < 30:
			fmt.Fprintf(w, "%s\t502\t192.0.2.%d\texample\t502\thttps\tGET %s?id=%d HTTP/1.1\t0.000\t0.000\t157\n", ts, i%250, path, i)
		case i%10000 == 30:
			fmt.Fprintf(w, "%s\t502\t192.0.2.%d\t%s, example\t500, 502\thttps\tPOST %s HTTP/1.1\t0.016\t0.016, 0.000\t157\n", ts, i%250, peer, path)
		default:
			fmt.Fprintf(w, "%s\t200\t192.0.2.%d\t%s\t200\thttps\tGET %s?id=%d&session=%08x&trace=%016x%016x&utm_source=newsletter HTTP/1.1\t0.0%02d\t0.0%02d\t%d\n",
				ts, i%250, peer, path, i, i*2654435761, i*7919, i*104729, i%90, i%90, 1000+i%5000)
		}
	}
}
