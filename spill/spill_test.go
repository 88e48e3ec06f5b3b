package spill

import (
	"fmt"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/diagnose"
)

// details is a burst's details with what a careless encoding changes: nil
// beside empty lists, times in several offsets, control bytes and bytes
// that are not UTF-8 from a log line, a float that prints long.
func details(i int) correlate.Details {
	at := time.Date(2026, 11, 20, 10, 0, i, 123456789, time.FixedZone("", -7*3600-1800))
	return correlate.Details{
		Impact: correlate.Impact{Clients: i, ClientsMore: i%2 == 0, Methods: []correlate.Count{{Key: "GET", N: 3}}, URLs: []correlate.Count{}},
		Causes: []diagnose.Cause{{ID: diagnose.CausePeerRefused, Confidence: 0.1 + 0.2, Summary: "refused", Evidence: []string{}, Steps: []diagnose.Step{{Change: "x", Optional: true}}},
			{ID: diagnose.CauseBackendCrash, Confidence: 2.0 / 3}},
		Samples: []correlate.Sample{{Source: "access.log", Line: int64(i), Text: "GET /\x1b[2J\u009b\xff\xfe"}},
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

// TestCodecCoversDetails: every field of correlate.Details, at any depth,
// set to a value of its own (text that is not UTF-8 among them), comes
// back as it went: a field added to those types and not to codec.go
// fails here.
func TestCodecCoversDetails(t *testing.T) {
	var d correlate.Details
	n := 0
	fill(reflect.ValueOf(&d).Elem(), &n)
	if n < 30 {
		t.Fatalf("only %d fields filled", n)
	}
	f, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ref, err := f.Put(&d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("details changed on the way:\n got  %+v\n want %+v", got, d)
	}
}

// fill sets every field reachable from v to a value that differs from
// field to field (n counts them), lists to two items.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("text %d \xff\xfe\x00", *n))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(-*n * 1001))
	case reflect.Bool:
		v.SetBool(*n%2 == 1)
	case reflect.Float64:
		v.SetFloat(float64(*n) / 3)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 20, 10, 0, *n, *n, time.FixedZone("", (*n%24)*1800-3600*5))))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	default:
		panic(fmt.Sprintf("fill: a field of kind %s: teach fill and codec.go about it", v.Kind()))
	}
}

// TestDamagedRecordsAreErrors: a record cut short or with lengths that
// claim more than it holds is an error, never a panic.
func TestDamagedRecordsAreErrors(t *testing.T) {
	d := details(4)
	b, err := encodeDetails(&d, nil)
	if err != nil {
		t.Fatal(err)
	}
	for cut := range len(b) {
		if _, err := decodeDetails(b[:cut]); err == nil {
			t.Errorf("a record cut at %d of %d decoded", cut, len(b))
		}
	}
	for i := range b {
		spoilt := append([]byte(nil), b...)
		spoilt[i] = 0xff
		decodeDetails(spoilt) // must not panic
	}
	if _, err := decodeDetails(append(b, 0)); err == nil {
		t.Error("a record with a byte past its end decoded")
	}
}
