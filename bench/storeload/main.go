// Command storeload writes nginx's logs into VictoriaLogs as a shipper
// would (package vlload), or exports what a LogsQL filter matches back to a
// file of raw lines: the two ends of bench/store.sh, which compares
// analysing a day in the store with exporting it and analysing the file.
//
//	go run ./bench/storeload -url http://127.0.0.1:9428 -host day -nginx-conf day/nginx.conf day/access.log -error day/error.log
//	go run ./bench/storeload -url http://127.0.0.1:9428 -export out.log -query '{host="day",log="access"}' -from 2026-11-20T00:00:00Z -to 2026-11-21T00:00:00Z
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/store/victorialogs/vlload"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:9428", "VictoriaLogs' base URL")
	host := flag.String("host", "day", "the host field of the lines loaded")
	conf := flag.String("nginx-conf", "", "nginx.conf whose access log_format times the access lines")
	errLog := flag.String("error", "", "the error log to load")
	export := flag.String("export", "", "write the raw lines -query matches in [-from, -to) to this file instead of loading")
	query := flag.String("query", "*", "with -export: the LogsQL filter")
	from := flag.String("from", "", "with -export: the start of the range (RFC 3339)")
	to := flag.String("to", "", "with -export: the end of the range (RFC 3339)")
	flag.Parse()
	var err error
	if *export != "" {
		err = exportLines(*base, *query, *from, *to, *export)
	} else {
		err = load(*base, *host, *conf, flag.Args(), *errLog)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "storeload:", err)
		os.Exit(1)
	}
}

func load(base, host, conf string, access []string, errLog string) error {
	c, err := logparse.ReadConfig(conf)
	if err != nil {
		return err
	}
	format, err := c.AccessFormat("")
	if err != nil {
		return err
	}
	var errors []string
	if errLog != "" {
		errors = []string{errLog}
	}
	started := time.Now()
	from, to, n, err := vlload.Load(base, host, format, access, errors)
	if err != nil {
		return err
	}
	if err := vlload.Flush(base); err != nil {
		return err
	}
	fmt.Printf("loaded %d lines from %s to %s in %.1f s\n", n, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), time.Since(started).Seconds())
	return nil
}

// exportLines writes the raw lines of the query, oldest first, one a line.
func exportLines(base, query, from, to, path string) error {
	q := fmt.Sprintf("(%s) _time:[%s, %s) | sort by (_time, log.offset) | fields _msg", query, from, to)
	resp, err := http.PostForm(strings.TrimRight(base, "/")+"/select/logsql/query", url.Values{"query": {q}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %s", resp.Status, msg)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	dec := json.NewDecoder(bufio.NewReaderSize(resp.Body, 1<<20))
	for {
		var row struct {
			Msg string `json:"_msg"`
		}
		if err := dec.Decode(&row); err == io.EOF {
			break
		} else if err != nil {
			f.Close()
			return err
		}
		w.WriteString(row.Msg)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
