package days

import (
	"reflect"
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
)

// TestMergeEqualsOneCounter: lines counted by two counters (two inputs,
// each counted where its lines are put in order) merge into the days one
// counter would have counted from all of them (synthetic lines over three
// days, two peers, 502s and 504s, error events).
func TestMergeEqualsOneCounter(t *testing.T) {
	one, a, b := NewCounter(), NewCounter(), NewCounter()
	start := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	for i := range 6000 {
		status := []int{200, 502, 504, 200, 404}[i%5]
		rec := logparse.Record{Time: start.Add(time.Duration(i) * 30 * time.Second), Status: status, Method: []byte([]string{"GET", "POST"}[i%2]),
			Host: []byte("api"), Scheme: []byte("https"),
			Attempts: []logparse.Attempt{{Addr: []byte([]string{"10.0.0.1:80", "10.0.0.2:80"}[i%2]), Status: status, Connect: time.Duration(i%3) * time.Millisecond, Header: -1, Response: -1}}}
		one.AddRecord(&rec)
		ev := logparse.Event{Time: rec.Time, Category: logparse.CatConnectRefused}
		one.AddEvent(&ev)
		if i%3 == 0 {
			a.AddRecord(&rec)
			b.AddEvent(&ev)
		} else {
			b.AddRecord(&rec)
			a.AddEvent(&ev)
		}
	}
	got, dropped := Merge([][]Day{a.Days(), b.Days()}, a.Dropped+b.Dropped)
	if want := one.Days(); !reflect.DeepEqual(got, want) || dropped != one.Dropped {
		t.Errorf("merged days differ from one counter's:\n%+v\n%+v", got, want)
	}
}
