package spill

import (
	"errors"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/diagnose"
)

// details is a burst's details with what a careless encoding changes: nil
// beside empty lists, times in several offsets, control bytes from a log
// line, a float that prints long.
func details(i int) correlate.Details {
	at := time.Date(2026, 11, 20, 10, 0, i, 123456789, time.FixedZone("", -7*3600-1800))
	return correlate.Details{
		Impact: correlate.Impact{Clients: i, ClientsMore: i%2 == 0, Methods: []correlate.Count{{Key: "GET", N: 3}}, URLs: []correlate.Count{}},
		Causes: []diagnose.Cause{{ID: diagnose.CausePeerRefused, Confidence: 0.1 + 0.2, Summary: "refused", Evidence: []string{}, Steps: []diagnose.Step{{Change: "x", Optional: true}}},
			{ID: diagnose.CauseBackendCrash, Confidence: 2.0 / 3}},
		Samples: []correlate.Sample{{Source: "access.log", Line: int64(i), Text: "GET /\x1b[2J\u009b\ufffd"}},
		Lines: []correlate.Line{{Time: at, Source: "access.log", Num: 7, Text: "a", Status: 502, Peer: "10.0.0.1:80"},
			{Time: at.UTC(), Source: "error.log", Error: true, Category: "refused"}},
	}
}

func TestDetailsComeBackAsTheyWent(t *testing.T) {
	dir := t.TempDir()
	f, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the file is still named in %s: %v", dir, left)
	}
	// Reads of what was written run while more is written.
	var refs []int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			mu.Lock()
			n := len(refs)
			mu.Unlock()
			for i := range n {
				mu.Lock()
				ref := refs[i]
				mu.Unlock()
				if got, err := f.Get(ref); err != nil || !reflect.DeepEqual(got, details(i)) {
					t.Errorf("burst %d read while writing: %v\n got  %+v\n want %+v", i, err, got, details(i))
					return
				}
			}
		}
	}()
	for i := range 200 {
		d := details(i)
		ref, err := f.Put(&d)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		refs = append(refs, ref)
		mu.Unlock()
	}
	close(stop)
	wg.Wait()
	for i, ref := range refs {
		got, err := f.Get(ref)
		if err != nil {
			t.Fatal(err)
		}
		if want := details(i); !reflect.DeepEqual(got, want) {
			t.Fatalf("burst %d:\n got  %+v\n want %+v", i, got, want)
		}
		if !got.Lines[0].Time.Equal(details(i).Lines[0].Time) || got.Lines[0].Time.Format(time.RFC3339Nano) != details(i).Lines[0].Time.Format(time.RFC3339Nano) {
			t.Errorf("burst %d: time %v", i, got.Lines[0].Time)
		}
	}
	if err := f.Err(); err != nil {
		t.Error(err)
	}
	if err := f.Close(); err != nil {
		t.Error(err)
	}
}

// TestABadReferenceIsAnError: a reference Put never gave, or a file that
// is not what Put wrote, is an error that Err keeps, never a panic or a
// read of gigabytes.
func TestABadReferenceIsAnError(t *testing.T) {
	f, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := details(1)
	ref, err := f.Put(&d)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []int64{ref + 1, ref + 3, 1 << 40, -1} {
		if _, err := f.Get(bad); err == nil {
			t.Errorf("Get(%d) gave no error", bad)
		}
	}
	if _, err := f.f.WriteAt([]byte{0xff, 0xff, 0xff, 0x7f}, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get(ref); err == nil {
		t.Error("a length of 2 GB read without error")
	}
	if f.Err() == nil {
		t.Error("Err kept nothing")
	}
}

// TestTextNotUTF8StaysInMemory: JSON would give back U+FFFD for bytes that
// are not UTF-8, so such details are refused with correlate.ErrHoldWhole
// (the burst stays whole in memory) and the file goes on taking others.
func TestTextNotUTF8StaysInMemory(t *testing.T) {
	f, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, spoil := range []func(*correlate.Details){
		func(d *correlate.Details) { d.Samples[0].Text = "GET /\xff\xfe" },
		func(d *correlate.Details) { d.Lines[1].Peer = "\xc3" },
		func(d *correlate.Details) { d.Causes[0].Steps[0].At = "nginx.conf\x80:3" },
		func(d *correlate.Details) { d.Impact.Methods[0].Key = "G\xffT" },
	} {
		d := details(2)
		spoil(&d)
		if _, err := f.Put(&d); !errors.Is(err, correlate.ErrHoldWhole) {
			t.Errorf("Put of text that is not UTF-8: %v", err)
		}
	}
	d := details(3)
	ref, err := f.Put(&d)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.Get(ref); err != nil || !reflect.DeepEqual(got, d) {
		t.Errorf("after a refusal: %v %+v", err, got)
	}
	if err := f.Err(); err != nil {
		t.Errorf("a refusal is not the file's error: %v", err)
	}
}
