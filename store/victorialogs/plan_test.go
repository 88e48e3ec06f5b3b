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

// plainForTheStore is the plan's plain filter applied to extracted values.
func plainForTheStore(p *plan, vals []string) bool {
	for _, c := range p.checks {
		if !regexp.MustCompile(c.shape).MatchString(vals[c.slot]) {
			return false
		}
	}
	return p.addr < 0 || vals[p.addr] != ":"
}

// rowOf is the count row and the day values the store would give a plain
// line whose values are vals, alone in its row and in its pool entry.
func rowOf(p *plan, vals []string) (countRow, *drawn) {
	row := countRow{n: 1}
	if p.msec >= 0 {
		row.lo, row.hi = vals[p.msec], vals[p.msec]
	}
	for i := range p.slots {
		if p.secondOf[i] >= 0 {
			row.vals = append(row.vals, vals[i])
		}
	}
	d := &drawn{vals: make([]string, len(p.day)), conn: "-", head: "-"}
	for i := range p.slots {
		if p.dayOf[i] >= 0 {
			d.vals[p.dayOf[i]] = vals[i]
		}
	}
	if p.methodAt >= 0 {
		m := ""
		if p.method >= 0 {
			m = vals[p.method]
		} else if sp := strings.IndexByte(vals[p.request], ' '); sp >= 0 {
			m = vals[p.request][:sp]
		}
		d.vals[p.methodAt] = m
	}
	if p.connect >= 0 && vals[p.connect] != "-" {
		d.conn = seconds(millis(vals[p.connect]))
	}
	if p.head >= 0 && vals[p.head] != "-" {
		d.head = seconds(millis(vals[p.head]))
	}
	return row, d
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
			vals := extractLikeTheStore(p, line)
			var rec logparse.Record
			parsed := format.Parse([]byte(line), &rec) == nil
			if !plainForTheStore(p, vals) {
				read++
				continue
			}
			plain++
			if !parsed || !correlate.Plain(&rec) {
				t.Errorf("%s: the store counts a line that badgw does not take for plain (parsed %v):\n%s", filepath.Base(dir), parsed, line)
				continue
			}
			row, d := rowOf(p, vals)
			written := string(p.render(nil, &row, d))
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
	bad := []badSecond{
		{100, 1},           // alone: its second
		{200, 1}, {205, 1}, // two lines in a chain: under Min, each its second
		{300, 2}, {308, 1}, // a chain of three: 300 to 308+8
		{317, 1},           // 9 s after 308: a chain of its own, under Min
		{400, 5}, {420, 1}, // a burst in one second; 420 is 20 s later
	}
	want := []span{{100, 101}, {200, 201}, {205, 206}, {300, 318}, {400, 409}, {420, 421}}
	if got := spansOf(bad, k); !slices.Equal(got, want) {
		t.Errorf("spans %v, want %v", got, want)
	}
}

// TestListsOfSeveralAttemptsAreRead: a request that tried two peers, after
// a retry (", ") or an internal redirect (" : "), is never plain, and the
// store's filter must not count it, however the format cuts its lists:
// each preset and each fixture's format, on a synthetic line.
func TestListsOfSeveralAttemptsAreRead(t *testing.T) {
	formats := logparse.Candidates()
	confs, _ := filepath.Glob(filepath.Join(filepath.Dir(fixturetest.Dir("peer-refused")), "*", "nginx.conf"))
	for _, conf := range confs {
		formats = append(formats, fixturetest.Format(t, filepath.Dir(conf)))
	}
	values := map[string]string{
		"time_local": "22/Nov/2026:01:23:49 +0000", "time_iso8601": "2026-11-22T01:23:49+00:00", "msec": "1795310629.120",
		"status": "200", "request": "GET /x HTTP/1.1", "request_method": "GET", "request_uri": "/x", "remote_addr": "10.0.0.9",
		"host": "example.com", "scheme": "http", "request_time": "0.003", "connection": "7", "number": "5",
	}
	for _, f := range formats {
		p, err := newPlan(f)
		if err != nil || p.addr < 0 {
			continue
		}
		for _, sep := range []string{", ", " : "} {
			lists := map[string]string{"upstream_addr": "10.0.0.1:80" + sep + "10.0.0.2:80", "upstream_status": "200" + sep + "404"}
			line := p.prefix
			for _, s := range p.slots {
				v, ok := values[s.Role]
				switch {
				case s.List && lists[s.Role] != "":
					v = lists[s.Role]
				case s.List && s.Role == "number":
					v = "5" + sep + "6"
				case s.List:
					v = "0.001" + sep + "0.002"
				case !ok:
					v = "-"
				}
				line += v + s.After
			}
			var rec logparse.Record
			if err := f.Parse([]byte(line), &rec); err != nil || len(rec.Attempts) != 2 {
				t.Errorf("%s: the synthetic line does not read as two attempts (%v):\n%s", f.Name, err, line)
				continue
			}
			if plainForTheStore(p, extractLikeTheStore(p, line)) {
				t.Errorf("%s: the store would count a request of two attempts (%q) as plain:\n%s", f.Name, sep, line)
			}
		}
	}
}
