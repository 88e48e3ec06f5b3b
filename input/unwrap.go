package input

import "time"

// Unwrapped is a line with its wrappers taken off.
type Unwrapped struct {
	Payload []byte
	// Stream is "stdout" or "stderr" when a container wrapper said so.
	Stream string
	// Complete is false for a CRI "P" partial line, which the next lines
	// continue.
	Complete bool
	// Stamp is the time a wrapper put in front of the line, zero if none.
	// StampLocal means it carried no zone (syslog's "Nov 22 01:24:04"):
	// its fields are the wall clock of the log's zone, stored as UTC.
	Stamp      time.Time
	StampLocal bool
	// Wrappers names what was taken off, outermost first.
	Wrappers []string
}

// maxWrappers bounds the nesting (docker-compose in front of forego in
// front of the line is two).
const maxWrappers = 4

// Unwrap strips the prefixes that container runtimes, syslog, journald, log
// shippers and process managers add to each log line, nested ones too, and
// returns the payload. Lines without a known wrapper are returned
// unchanged. Each line is judged on its own, so mixed input is fine.
func Unwrap(b []byte) Unwrapped {
	u := Unwrapped{Payload: b, Complete: true}
	for range maxWrappers {
		if !u.peel() {
			break
		}
	}
	return u
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
		if w, ok = unwrapCRI(b); !ok {
			w, ok = unwrapTimestamp(b)
		}
	case c == '[':
		w, ok = unwrapKubectlPrefix(b)
	case isLetter(c):
		if w, ok = unwrapSyslogFile(b); !ok {
			w, ok = unwrapCompose(b)
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
	if !w.stamp.IsZero() && u.Stamp.IsZero() {
		u.Stamp, u.StampLocal = w.stamp, w.local
	}
	return true
}

// wrapped is what one unwrapper found.
type wrapped struct {
	name     string
	payload  []byte
	stream   string
	complete bool
	stamp    time.Time
	local    bool
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
