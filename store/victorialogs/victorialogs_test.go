package victorialogs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badgw/badgw/input"
)

// TestLinesWindowByWindow: the range is read a window at a time, each
// query sorted by time and the order field, with the tenant headers and
// credentials; a store that answers 503 at first is tried again; an
// answer line over input.MaxLine is skipped and counted. Its progress is
// the start of the window under way, of the range, then all of it.
func TestLinesWindowByWindow(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	fails := 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("AccountID") != "7" || r.Header.Get("ProjectID") != "3" || r.Header.Get("Authorization") != "Bearer secret" {
			http.Error(w, "who", http.StatusUnauthorized)
			return
		}
		q := r.FormValue("query")
		queries = append(queries, q)
		fmt.Fprintf(w, "{\"_msg\":\"line %d\"}\n", len(queries))
		if len(queries) == 2 {
			fmt.Fprintf(w, "{\"_msg\":\"%s\"}\n", strings.Repeat("x", input.MaxLine+1024))
			fmt.Fprintf(w, "{\"_msg\":\"after the long one\"}")
		}
	}))
	defer srv.Close()
	c := &Client{URL: srv.URL + "/", AccountID: "7", ProjectID: "3", Token: "secret", Window: time.Hour, Order: "log.offset"}
	from := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	r := c.Lines(context.Background(), `{host="web-1"}`, from, from.Add(150*time.Minute))
	if done, total := r.Progress(); done != 0 || total != 9000 {
		t.Errorf("progress before reading %d of %d s", done, total)
	}
	first := make([]byte, 4)
	if _, err := io.ReadFull(r, first); err != nil {
		t.Fatal(err)
	}
	var progress []int64
	rest, err := io.ReadAll(progressOf(r, &progress))
	if err != nil {
		t.Fatal(err)
	}
	got := append(first, rest...)
	if done, total := r.Progress(); done != total || !slices.Contains(progress, 3600) || !slices.Contains(progress, 7200) {
		t.Errorf("progress %v, then %d of %d s", progress, done, total)
	}
	if string(got) != "line 1\nline 2\nafter the long one\nline 3\n" || r.TooLong != 1 || r.Lines != 4 {
		t.Errorf("read %q, %d too long", got, r.TooLong)
	}
	want := []string{
		`({host="web-1"}) _time:[2026-11-22T00:00:00Z, 2026-11-22T01:00:00Z) | sort by (_time, log.offset) | fields _msg`,
		`({host="web-1"}) _time:[2026-11-22T01:00:00Z, 2026-11-22T02:00:00Z) | sort by (_time, log.offset) | fields _msg`,
		`({host="web-1"}) _time:[2026-11-22T02:00:00Z, 2026-11-22T02:30:00Z) | sort by (_time, log.offset) | fields _msg`,
	}
	if strings.Join(queries, "\n") != strings.Join(want, "\n") {
		t.Errorf("queries:\n%s", strings.Join(queries, "\n"))
	}
}

// TestRefusalIsNotRetried: a 400 (the query itself) is shown at once,
// with the store's answer.
func TestRefusalIsNotRetried(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		http.Error(w, "cannot parse query", http.StatusBadRequest)
	}))
	defer srv.Close()
	c := &Client{URL: srv.URL}
	_, err := c.Count(context.Background(), "{host=", time.Unix(0, 0), time.Unix(60, 0))
	if err == nil || calls != 1 || !strings.Contains(err.Error(), "400 Bad Request: cannot parse query") {
		t.Errorf("%d calls, %v", calls, err)
	}
}

// TestNoRawLines: lines without _msg (a shipper that kept only parsed
// fields) are an error that says so, not an empty analysis.
func TestNoRawLines(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 150 {
			fmt.Fprintln(w, `{"status":"502"}`)
		}
	}))
	defer srv.Close()
	from := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	_, err := io.ReadAll((&Client{URL: srv.URL}).Lines(context.Background(), "*", from, from.Add(time.Minute)))
	if err == nil || !strings.Contains(err.Error(), "have no _msg") {
		t.Errorf("%v", err)
	}
}

// progressOf reads r, noting its progress after each read.
func progressOf(r *Reader, seen *[]int64) io.Reader {
	return readerFunc(func(p []byte) (int, error) {
		n, err := r.Read(p)
		done, _ := r.Progress()
		*seen = append(*seen, done)
		return n, err
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
