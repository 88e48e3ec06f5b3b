package victorialogs

import (
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// extractLikeTheStore cuts line into the plan's fields as VictoriaLogs'
// extract pipe does with "plain:" placeholders (lib/logstorage/pattern.go,
// v1.52.2): the text before the first placeholder is found anywhere, each
// value runs to the first occurrence of the literal after it, the last to
// the end; a literal that is not found leaves its value and the later
// ones empty.
func extractLikeTheStore(p *plan, line string) []string {
	vals := make([]string, len(p.slots))
	s := line
	if p.prefix != "" {
		n := strings.Index(s, p.prefix)
		if n < 0 {
			return vals
		}
		s = s[n+len(p.prefix):]
	}
	for i, sl := range p.slots {
		if sl.After == "" {
			vals[i] = s
			return vals
		}
		n := strings.Index(s, sl.After)
		if n < 0 {
			return vals
		}
		vals[i], s = s[:n], s[n+len(sl.After):]
	}
	return vals
}

// rowOf is the count row the store would give a line whose extracted
// values are vals, alone in its row and its window: its values grouped
// by, as the pipes derive them, and its sums.
func rowOf(p *plan, vals []string) (*countWindow, *countRow) {
	by := make([]string, len(p.by))
	for i := range p.slots {
		if p.byOf[i] >= 0 {
			by[p.byOf[i]] = vals[i]
		}
	}
	row := &countRow{n: 1, total: 1}
	if p.methodAt >= 0 {
		if sp := strings.IndexByte(vals[p.request], ' '); sp >= 0 {
			by[p.methodAt] = vals[p.request][:sp]
		}
	}
	number := regexp.MustCompile(`^[0-9]+([.][0-9]+)?$`)
	if p.connAt >= 0 && number.MatchString(vals[p.connect]) {
		row.connMs = millis(vals[p.connect])
		by[p.connAt] = "0"
		if row.connMs > 0 {
			by[p.connAt] = "+"
		}
	}
	if p.headAt >= 0 && number.MatchString(vals[p.head]) {
		row.headMs = millis(vals[p.head])
		by[p.headAt] = "h"
	}
	if p.okAt >= 0 && regexp.MustCompile(p.guardShape).MatchString(vals[p.guardSlot]) && vals[p.guardSlot] != ":" {
		by[p.okAt] = "1"
	}
	w := &countWindow{index: map[string]uint32{}}
	for _, v := range by {
		w.vals = append(w.vals, w.id([]byte(v)))
	}
	if p.msec >= 0 {
		row.lo = w.id([]byte(vals[p.msec]))
		row.hi = row.lo
	}
	return w, row
}

// TestStoreCutsLinesAsBadgw: on every access line of every recorded
// fixture, a line that the store's extract and the plan's filter take for
// plain is plain to badgw's parser, and the line written back from its
// counted values reads as the same request wherever the correlator and the
// days view look.
func TestStoreCutsLinesAsBadgw(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(filepath.Dir(fixturetest.Dir("peer-refused")), "*", "nginx.conf"))
	if err != nil || len(dirs) < 20 {
		t.Fatalf("%d fixtures: %v", len(dirs), err)
	}
	for _, conf := range dirs {
		dir := filepath.Dir(conf)
		format := fixturetest.Format(t, dir)
		p, err := newPlan(format)
		if ErrNotCountable(err) {
			t.Logf("%s: %v", filepath.Base(dir), err)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		lines := fixtureAccessLines(t, dir)
		var plain, read int
		for _, line := range lines {
			w, row := rowOf(p, extractLikeTheStore(p, line))
			var rec logparse.Record
			parsed := format.Parse([]byte(line), &rec) == nil
			if !p.plain(w.dict, w.vals) {
				read++
				continue
			}
			plain++
			if !parsed || !correlate.Plain(&rec) {
				t.Errorf("%s: the store counts a line that badgw does not take for plain (parsed %v):\n%s", filepath.Base(dir), parsed, line)
				continue
			}
			written := string(p.render(nil, w, row))
			var back logparse.Record
			if err := format.Parse([]byte(written), &back); err != nil {
				t.Errorf("%s: the line written back does not parse: %v\n%s\nfrom\n%s", filepath.Base(dir), err, written, line)
				continue
			}
			if why := sameRequest(&rec, &back); why != "" {
				t.Errorf("%s: written back, %s:\n%s\nfrom\n%s", filepath.Base(dir), why, written, line)
			}
		}
		t.Logf("%s: %d plain lines counted, %d read", filepath.Base(dir), plain, read)
	}
}

// sameRequest says where b differs from a in what the correlator and the
// days view read of a plain request; "" where it does not.
func sameRequest(a, b *logparse.Record) string {
	switch {
	case !a.Time.Equal(b.Time) || a.Time.Location().String() != b.Time.Location().String():
		return "the time"
	case a.Status != b.Status:
		return "the status"
	case !bytes.Equal(a.UpstreamName, b.UpstreamName), !bytes.Equal(a.Hostname, b.Hostname):
		return "the backend or the host"
	case !bytes.Equal(a.Method, b.Method), !bytes.Equal(a.Host, b.Host), !bytes.Equal(a.Scheme, b.Scheme):
		return "the method, host or scheme"
	case len(a.Attempts) != len(b.Attempts):
		return "the attempts"
	}
	for i := range a.Attempts {
		x, y := a.Attempts[i], b.Attempts[i]
		if !bytes.Equal(x.Addr, y.Addr) || x.Status != y.Status || x.Connect != y.Connect || x.Header != y.Header {
			return "an attempt"
		}
	}
	return ""
}

// fixtureAccessLines are the lines of a fixture's access logs.
func fixtureAccessLines(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "access.log*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, path := range paths {
		r, err := input.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(r); err != nil {
			t.Fatal(err)
		}
		r.Close()
		out = append(out, strings.Split(strings.TrimRight(b.String(), "\n"), "\n")...)
	}
	return out
}

// TestSpansAroundChains: a second with a line that is not plain is read
// whole; a chain of such seconds within Chain of each other that holds
// Min bad lines is read from its first second to Chain after its last;
// overlapping spans merge.
func TestSpansAroundChains(t *testing.T) {
	k := Counting{Chain: 8 * time.Second, Min: 3}
	bad := []struct {
		sec int64
		n   int
	}{
		{100, 1},           // alone: its second
		{200, 1}, {205, 1}, // two lines in a chain: under Min, each its second
		{300, 2}, {308, 1}, // a chain of three: 300 to 308+8
		{317, 1},           // 9 s after 308: a chain of its own, under Min
		{400, 5}, {420, 1}, // a burst in one second; 420 is 20 s later
	}
	var cs chains
	for _, b := range bad {
		cs = cs.add(b.sec, b.n, k)
	}
	want := []span{{100, 101}, {200, 201}, {205, 206}, {300, 318}, {400, 409}, {420, 421}}
	if got := cs.spans(0, 1000, k); !slices.Equal(got, want) {
		t.Errorf("spans %v, want %v", got, want)
	}
	// A window sees the part of them it holds, and lets go of the chains
	// that read nothing after it.
	if got := cs.spans(305, 405, k); !slices.Equal(got, []span{{305, 318}, {400, 405}}) {
		t.Errorf("spans of [305, 405): %v", got)
	}
	if left := cs.after(318, k); len(left) != 3 || left[0].first != 317 {
		t.Errorf("chains after 318: %+v", left)
	}
}

// TestAnswerRows: the rows of a stats answer are read field by field,
// escaped strings unescaped, and what is not an object of strings is an
// error.
func TestAnswerRows(t *testing.T) {
	var got []string
	err := eachField([]byte(`{"_time":"2026-11-20T10:13:32Z", "badgw_3":"a \"b\"\\c","n":"5"}`), func(k, v []byte) {
		got = append(got, string(k)+"="+string(v))
	})
	if want := []string{"_time=2026-11-20T10:13:32Z", `badgw_3=a "b"\c`, "n=5"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("%q, %v", got, err)
	}
	for _, bad := range []string{``, `[]`, `{"n":5}`, `{"n":"5"`, `{"n" "5"}`, `{"n":"5}`} {
		if err := eachField([]byte(bad), func(k, v []byte) {}); err == nil {
			t.Errorf("%q read without an error", bad)
		}
	}
}
