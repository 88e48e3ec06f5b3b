package victorialogs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/badgw/badgw/input"
)

// TestLinesWindowByWindow: the range is read a window at a time, each
// query sorted by time and the order field, with the tenant headers and
// credentials; a store that answers 503 at first is tried again; an
// answer line over input.MaxLine is skipped and counted.
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
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
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
