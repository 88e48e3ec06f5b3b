package input

import (
	"bytes"
	"time"
)

// Time-first wrappers, after the CRI shape (which has " stdout F "):
//
//	2026-11-22T01:24:04.123456789Z 10.0.0.1 - - …            kubectl logs --timestamps, docker logs -t
//	2026-11-22T01:24:04.123000+00:00 ecs/nginx/8f2c 10.0.0.1 …  aws logs tail (a log stream, or group and stream)
//	2026-11-22 02:24:04.123456789  10.0.0.1 - - …             shippers: a local time, two spaces
//	2026-11-22T01:24:04+0000 web01 nginx[123]: …               journalctl -o short-iso
//
// nginx's own $time_iso8601 never has a fraction of a second, so an access
// line that starts with it is left alone unless a syslog tag follows.

// unwrapTimestamp handles the shapes above.
func unwrapTimestamp(b []byte) (wrapped, bool) {
	end, frac, ok := timeEnd(b)
	if !ok || end >= len(b) || b[end] != ' ' {
		return wrapped{}, false
	}
	stamp := b[:end]
	rest := b[end+1:]
	if bytes.HasPrefix(rest, []byte(" ")) && frac {
		// "<time>  <line>": the shippers' shape.
		return wrapped{name: "timestamp", payload: rest[1:], complete: true, stamp: stamp, stampKind: StampRFC3339}, true
	}
	// journalctl -o short-iso[-precise]: "HOST TAG[PID]: MSG".
	if sp := bytes.IndexByte(rest, ' '); sp > 0 {
		tag := rest[sp+1:]
		if colon := bytes.Index(tag, []byte(": ")); colon > 0 && colon <= 64 && bytes.IndexByte(tag[:colon], ' ') < 0 &&
			bytes.IndexByte(tag[:colon], '[') > 0 && tag[colon-1] == ']' {
			return wrapped{name: "journal-short-iso", payload: tag[colon+2:], complete: true, stamp: stamp, stampKind: StampRFC3339}, true
		}
	}
	if !frac {
		return wrapped{}, false
	}
	// aws logs tail: one or two "group/stream" tokens before the line.
	for range 2 {
		sp := bytes.IndexByte(rest, ' ')
		// A log group or stream name has no tab: a token with one is a
		// tab-separated log line whose first space comes late (a unix:
		// socket's path in $upstream_addr holds the slash).
		if sp <= 0 || bytes.IndexByte(rest[:sp], '/') < 0 || bytes.IndexByte(rest[:sp], '\t') >= 0 || looksLikeLogStart(rest) {
			break
		}
		rest = rest[sp+1:]
	}
	return wrapped{name: "timestamp", payload: rest, complete: true, stamp: stamp, stampKind: StampRFC3339}, true
}

// timeEnd finds where a leading "YYYY-MM-DD(T| )hh:mm:ss[.f…][zone]" ends,
// without building the time: most lines that start with a digit are not
// wrapped, and must cost little.
func timeEnd(b []byte) (end int, frac, ok bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' && b[10] != ' ' || b[13] != ':' || b[16] != ':' {
		return 0, false, false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if !isDigit(b[i]) {
			return 0, false, false
		}
	}
	end = 19
	if b[end] == '.' {
		for end++; end < len(b) && isDigit(b[end]); end++ {
		}
		frac = true
	}
	switch {
	case end < len(b) && b[end] == 'Z':
		end++
	case end+5 <= len(b) && (b[end] == '+' || b[end] == '-'):
		if end+6 <= len(b) && b[end+3] == ':' {
			end += 6
		} else {
			end += 5
		}
	}
	return end, frac, true
}

// looksLikeLogStart tells an nginx error line's date ("2026/11/22 ") from
// a log-stream name that also has slashes.
func looksLikeLogStart(b []byte) bool {
	return len(b) > 11 && isDigit(b[0]) && b[4] == '/' && b[7] == '/' && b[10] == ' '
}

// leadingTime reads "YYYY-MM-DD(T| )hh:mm:ss[.f…][Z|±hh:mm|±hhmm]" at the
// start of b: its end, the time (UTC wall clock when local), whether it
// had no zone, and whether it had a fraction of a second.
func leadingTime(b []byte) (end int, t time.Time, local, frac, ok bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[10] != 'T' && b[10] != ' ' || b[13] != ':' || b[16] != ':' {
		return 0, time.Time{}, false, false, false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if !isDigit(b[i]) {
			return 0, time.Time{}, false, false, false
		}
	}
	num := func(from, to int) int {
		n := 0
		for _, c := range b[from:to] {
			n = n*10 + int(c-'0')
		}
		return n
	}
	end = 19
	ns := 0
	if end < len(b) && b[end] == '.' {
		digits := 0
		for end++; end < len(b) && isDigit(b[end]); end++ {
			if digits < 9 {
				ns = ns*10 + int(b[end]-'0')
				digits++
			}
		}
		if digits == 0 {
			return 0, time.Time{}, false, false, false
		}
		for ; digits < 9; digits++ {
			ns *= 10
		}
		frac = true
	}
	offset, zoned := 0, false
	switch {
	case end < len(b) && b[end] == 'Z':
		end++
		zoned = true
	case end < len(b) && (b[end] == '+' || b[end] == '-'):
		sign := b[end]
		z := b[end+1:]
		var h, m int
		switch {
		case len(z) >= 5 && isDigit(z[0]) && isDigit(z[1]) && z[2] == ':' && isDigit(z[3]) && isDigit(z[4]):
			h, m = int(z[0]-'0')*10+int(z[1]-'0'), int(z[3]-'0')*10+int(z[4]-'0')
			end += 6
		case len(z) >= 4 && isDigit(z[0]) && isDigit(z[1]) && isDigit(z[2]) && isDigit(z[3]):
			h, m = int(z[0]-'0')*10+int(z[1]-'0'), int(z[2]-'0')*10+int(z[3]-'0')
			end += 5
		default:
			return 0, time.Time{}, false, false, false
		}
		offset = (h*60 + m) * 60
		if sign == '-' {
			offset = -offset
		}
		zoned = true
	}
	loc := time.UTC
	if zoned && offset != 0 {
		loc = time.FixedZone("", offset)
	}
	t = time.Date(num(0, 4), time.Month(num(5, 7)), num(8, 10), num(11, 13), num(14, 16), num(17, 19), ns, loc)
	return end, t, !zoned, frac, true
}
