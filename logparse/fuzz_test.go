package logparse

import (
	"bytes"
	"testing"
	"time"
)

// FuzzParseFormat: compiling never panics, and a compiled format printed
// back as a directive compiles to the same format.
func FuzzParseFormat(f *testing.F) {
	for _, name := range PresetNames() {
		f.Add(PresetDirective(name))
	}
	f.Add(seedDirective)
	f.Add(`log_format x escape=json '{"a":"$status"}';`)
	f.Add(`$remote_addr$status`)
	f.Add(`'$a' "$status" ${host}x`)
	f.Fuzz(func(t *testing.T, text string) {
		fm, err := ParseFormat(text)
		if err != nil {
			return
		}
		again, err := ParseFormat(fm.Directive())
		if err != nil {
			t.Fatalf("reprinted directive %q does not compile: %v", fm.Directive(), err)
		}
		if again.Spec != fm.Spec || again.Escape != fm.Escape || len(again.fields) != len(fm.fields) {
			t.Fatalf("round trip changed the format: %q -> %q", fm.Spec, again.Spec)
		}
	})
}

// within reports whether b is empty or a sub-slice of line.
func within(b, line []byte) bool {
	if len(b) == 0 {
		return true
	}
	return bytes.Contains(line, b)
}

// FuzzParseAccess: parsing never panics; on success every view lies within
// the line, the status has three digits, the attempts are bounded, and a
// second parse gives the same record.
func FuzzParseAccess(f *testing.F) {
	for i, tc := range accessCases {
		f.Add(i, tc.line)
	}
	f.Fuzz(func(t *testing.T, which int, line string) {
		if which < 0 {
			which = -which
		}
		fm := mustFormat(t, accessCases[which%len(accessCases)].format)
		var a, b Record
		err := fm.Parse([]byte(line), &a)
		errB := fm.Parse([]byte(line), &b)
		if (err == nil) != (errB == nil) {
			t.Fatal("parsing twice gave different outcomes")
		}
		if err != nil {
			return
		}
		lb := []byte(line)
		for _, v := range [][]byte{a.Method, a.URI, a.Request, a.Client, a.Host, a.UserAgent, a.RequestID, a.UpstreamName} {
			if !within(v, lb) {
				t.Fatalf("field %q is not part of the line", v)
			}
		}
		if a.Status < 0 || a.Status > 999 || len(a.Attempts) > maxAttempts {
			t.Fatalf("status %d, %d attempts", a.Status, len(a.Attempts))
		}
		for i := range a.Attempts {
			if !within(a.Attempts[i].Addr, lb) || a.Attempts[i].Status != b.Attempts[i].Status {
				t.Fatalf("attempt %d differs or lies outside the line", i)
			}
		}
		if !a.Time.Equal(b.Time) || a.Status != b.Status || a.RequestTime != b.RequestTime {
			t.Fatal("second parse differs")
		}
	})
}

// FuzzParseErrorLine: never panics; on success the strings are parts of
// the line and the category is a known one.
func FuzzParseErrorLine(f *testing.F) {
	for _, tc := range errorCases {
		f.Add(tc.line)
	}
	f.Add("2026/11/20 10:00:00 [error] 1#1: *1 x, client: ")
	f.Add(`2026/11/20 10:00:00 [error] 1#1: *1 x, request: "`)
	f.Fuzz(func(t *testing.T, line string) {
		var ev Event
		if err := ParseErrorLine([]byte(line), time.UTC, &ev); err != nil {
			return
		}
		if ev.Line != line || ev.Category >= NumCategories || ev.Level >= NumLevels {
			t.Fatalf("event %+v", ev)
		}
		for _, s := range []string{ev.Message, ev.Client, ev.Server, ev.Request, ev.Upstream, ev.Host, ev.Phase} {
			if s != "" && !bytes.Contains([]byte(line), []byte(s)) {
				t.Fatalf("field %q not in the line", s)
			}
		}
	})
}
