package input

import (
	"strconv"
	"time"
)

// Unwrapped is a line with its wrappers taken off.
type Unwrapped struct {
	Payload []byte
	// Stream is "stdout" or "stderr" when a container wrapper said so.
	Stream string
	// Complete is false for a CRI "P" partial line, which the next lines
	// continue.
	Complete bool
	// Stamp is the time a wrapper put in front of the line, as text (nil
	// if none): read it with ParseStamp, which is only worth its cost for
	// the few lines without a date of their own.
	Stamp     []byte
	StampKind StampKind
	// Origin is the host, pod or service a wrapper names as the line's
	// writer (syslog's HOSTNAME, kubectl logs --prefix, stern, docker
	// compose, foreman): in a stream of several nginx, the host. Nil if
	// none; valid as Payload is.
	Origin []byte
	// Wrappers names what was taken off, outermost first.
	Wrappers []string
}

// maxWrappers bounds the nesting (docker-compose in front of forego in
// front of the line is two; a journal shipped through syslog into a
// collector that prefixes its own time can reach five). Each peel takes
// bytes off the line, so the bound only caps the work on a line made of
// wrappers; a line still wrapped past it is parsed as it is and counted
// as malformed if nothing reads it.
const maxWrappers = 16

// Unwrap strips the prefixes that container runtimes, syslog, journald, log
// shippers and process managers add to each log line, nested ones too, and
// returns the payload. Lines without a known wrapper are returned
// unchanged. Each line is judged on its own, so mixed input is fine.
func Unwrap(b []byte) Unwrapped {
	u := Unwrapped{Payload: b, Complete: true}
	if !mayBeWrapped(b) {
		return u
	}
	for range maxWrappers {
		if !u.peel() {
			break
		}
	}
	return u
}

// mayBeWrapped is a quick look at the first bytes: most lines are nginx's
// own and must cost nothing more. A line starting with a digit is wrapped
// only when a time with a fraction, "Z", or "+hhmm" and a space, starts it
// (nginx's $time_iso8601 ends "+01:00" and never has a fraction).
func mayBeWrapped(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch c := b[0]; {
	case c == '<', c == '{', c == '[', isLetter(c):
		return true
	case isDigit(c):
		if len(b) > 12 && b[2] == ':' && b[5] == ':' {
			return true // a process manager's time of day
		}
		return len(b) > 25 && b[4] == '-' && (b[19] == '.' || b[19] == ' ' || b[19] == 'Z' && b[20] == ' ' || b[24] == ' ')
	}
	return false
}

// peel takes off one wrapper, reporting whether there was one.
func (u *Unwrapped) peel() bool {
	b := u.Payload
	if len(b) == 0 {
		return false
	}
	var w wrapped
	var ok bool
	switch c := b[0]; {
	case c == '<':
		w, ok = unwrapSyslogPRI(b)
	case c == '{':
		if w, ok = unwrapDockerJSON(b); !ok {
			w, ok = unwrapJournalJSON(b)
		}
	case c >= '0' && c <= '9':
		// Both shapes start with a date; an access line that starts with
		// an address leaves at its fifth byte.
		switch {
		case len(b) > 20 && b[4] == '-':
			if w, ok = unwrapCRI(b); !ok {
				w, ok = unwrapTimestamp(b)
			}
		case len(b) > 12 && b[2] == ':':
			w, ok = unwrapForeman(b)
		}
	case c == '[':
		w, ok = unwrapKubectlPrefix(b)
	case isLetter(c):
		if w, ok = unwrapSyslogFile(b); !ok {
			w, ok = unwrapBusybox(b)
		}
		if !ok {
			if w, ok = unwrapCompose(b); !ok {
				w, ok = unwrapStern(b)
			}
		}
	}
	if !ok {
		return false
	}
	u.Payload = w.payload
	u.Wrappers = append(u.Wrappers, w.name)
	if w.stream != "" {
		u.Stream = w.stream
	}
	if !w.complete {
		u.Complete = false
	}
	if w.stamp != nil && u.Stamp == nil {
		u.Stamp, u.StampKind = w.stamp, w.stampKind
	}
	if w.origin != nil && u.Origin == nil {
		u.Origin = w.origin
	}
	return true
}

// wrapped is what one unwrapper found.
type wrapped struct {
	name     string
	payload  []byte
	stream   string
	complete bool
	stamp    []byte
	// stampKind says how to read stamp.
	stampKind StampKind
	// origin is the pod or service named in the prefix.
	origin []byte
}

// StampKind is the shape of a wrapper's time.
type StampKind uint8

// Stamp shapes.
const (
	StampRFC3339 StampKind = iota + 1 // "2026-11-22T01:24:04.123Z", "2026-11-22 02:24:04.1" (no zone: local)
	StampSyslog                       // "Nov 22 01:24:04[.123456]": no year, no zone
	StampMicros                       // journald's microseconds since the epoch
)

// ParseStamp reads a wrapper's time. local reports a time without a zone:
// its fields are the log's wall clock, returned as UTC; a syslog time has
// year 0, for the caller to place.
func ParseStamp(kind StampKind, text []byte) (t time.Time, local bool, ok bool) {
	switch kind {
	case StampRFC3339:
		end, t, local, _, ok := leadingTime(text)
		return t, local, ok && end == len(text)
	case StampSyslog:
		t, _, ok := syslogStamp(text)
		return t, true, ok
	case StampMicros:
		us, err := strconv.ParseInt(string(text), 10, 64)
		return time.UnixMicro(us).UTC(), false, err == nil
	}
	return time.Time{}, false, false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
