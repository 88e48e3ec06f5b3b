package input

import (
	"bytes"
	"time"
)

// Syslog's shapes, as nginx's own syslog: output and rsyslog files show them:
//
//	<190>Nov 22 01:24:04 web01 nginx: [error] 7#7: *9 connect() failed …  (RFC 3164, nginx)
//	<165>1 2026-11-22T01:24:04.003Z web01 nginx 123 - - 10.0.0.1 - - …   (RFC 5424)
//	Nov 22 01:24:04 web01 nginx[123]: 2026/11/22 01:24:04 [error] …      (an rsyslog file)
//	Nov 22 01:24:04.123456 web01 nginx[123]: …                           (journalctl -o short-precise)
//	daemon.err: Nov 22 01:24:04 web01 nginx: …                           (BusyBox/OpenWrt syslogd)
//	Nov 22 01:24:04 web01 nginx[123]: web01 nginx: 2026/11/22 …          (nginx's own header relayed)
//
// The header's time has no year and no zone: it is kept as a local wall
// clock (see Unwrapped.StampLocal).

// unwrapSyslogPRI handles lines that start with "<PRI>".
func unwrapSyslogPRI(b []byte) (wrapped, bool) {
	end := bytes.IndexByte(b, '>')
	if end < 2 || end > 4 {
		return wrapped{}, false
	}
	for _, c := range b[1:end] {
		if !isDigit(c) {
			return wrapped{}, false
		}
	}
	rest := b[end+1:]
	if len(rest) > 2 && rest[0] == '1' && rest[1] == ' ' {
		return unwrap5424(rest[2:])
	}
	w, ok := unwrap3164(rest)
	w.name = "syslog"
	return w, ok
}

// unwrap5424 reads "TIMESTAMP HOST APP PROCID MSGID SD MSG".
func unwrap5424(b []byte) (wrapped, bool) {
	fields := make([][]byte, 0, 5)
	rest := b
	for len(fields) < 5 {
		sp := bytes.IndexByte(rest, ' ')
		if sp <= 0 {
			return wrapped{}, false
		}
		fields = append(fields, rest[:sp])
		rest = rest[sp+1:]
	}
	// Structured data: "-" or one or more "[…]" elements.
	switch {
	case bytes.HasPrefix(rest, []byte("- ")):
		rest = rest[2:]
	case bytes.HasPrefix(rest, []byte("[")):
		for len(rest) > 0 && rest[0] == '[' {
			e := bytes.IndexByte(rest, ']')
			if e < 0 {
				return wrapped{}, false
			}
			rest = rest[e+1:]
		}
		rest = bytes.TrimPrefix(rest, []byte(" "))
	default:
		return wrapped{}, false
	}
	rest = bytes.TrimPrefix(rest, []byte("\xef\xbb\xbf")) // the BOM RFC 5424 allows
	w := wrapped{name: "syslog-5424", payload: rest, complete: true}
	if string(fields[1]) != "-" {
		w.origin = fields[1] // HOSTNAME: the host that sent the line
	}
	if string(fields[0]) != "-" {
		w.stamp, w.stampKind = fields[0], StampRFC3339
	}
	return w, true
}

// unwrap3164 reads "Mmm dd hh:mm:ss[.ffffff] HOST TAG[PID]: MSG".
func unwrap3164(b []byte) (wrapped, bool) {
	_, n, ok := syslogStamp(b)
	if !ok || n >= len(b) || b[n] != ' ' {
		return wrapped{}, false
	}
	rest := b[n+1:]
	sp := bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return wrapped{}, false
	}
	host := rest[:sp]
	rest = rest[sp+1:]
	// nginx's syslog client writes "HOST TAG: " after its own time; a
	// relay that takes the time for its own (journald, BusyBox) leaves
	// the host in front of the tag ("horst horst nginx: …").
	rest = skipHost(rest, host)
	payload, ok := afterTag(rest)
	if !ok {
		return wrapped{}, false
	}
	if nested := skipHost(payload, host); len(nested) < len(payload) {
		payload, _ = afterTag(nested)
	}
	return wrapped{payload: payload, complete: true, stamp: b[:n], stampKind: StampSyslog, origin: host}, true
}

// skipHost takes "HOST " off the front of b when it is there and a tag
// follows.
func skipHost(b, host []byte) []byte {
	if len(b) > len(host) && b[len(host)] == ' ' && bytes.Equal(b[:len(host)], host) {
		if _, ok := afterTag(b[len(host)+1:]); ok {
			return b[len(host)+1:]
		}
	}
	return b
}

// afterTag returns what follows "TAG[PID]: ", a tag being one short word.
func afterTag(b []byte) ([]byte, bool) {
	colon := bytes.Index(b, []byte(": "))
	if colon <= 0 || colon > 64 || bytes.IndexByte(b[:colon], ' ') >= 0 {
		return nil, false
	}
	return b[colon+2:], true
}

// unwrapBusybox reads "FACILITY.LEVEL: " in front of an RFC 3164 line, as
// BusyBox's syslogd (OpenWrt, Alpine) writes its file with -S off.
func unwrapBusybox(b []byte) (wrapped, bool) {
	dot := bytes.IndexByte(b, '.')
	colon := bytes.Index(b, []byte(": "))
	if dot <= 0 || colon <= dot || colon > 16 || !syslogFacilities[string(b[:dot])] || !syslogLevels[string(b[dot+1:colon])] {
		return wrapped{}, false
	}
	w, ok := unwrap3164(b[colon+2:])
	w.name = "syslog-busybox"
	return w, ok
}

// The names syslog(3) gives facilities and levels, as syslogd prints them.
var (
	syslogFacilities = map[string]bool{
		"kern": true, "user": true, "mail": true, "daemon": true, "auth": true, "syslog": true,
		"lpr": true, "news": true, "uucp": true, "cron": true, "authpriv": true, "ftp": true,
		"local0": true, "local1": true, "local2": true, "local3": true,
		"local4": true, "local5": true, "local6": true, "local7": true,
	}
	syslogLevels = map[string]bool{
		"emerg": true, "alert": true, "crit": true, "err": true, "error": true,
		"warn": true, "warning": true, "notice": true, "info": true, "debug": true,
	}
)

// unwrapSyslogFile handles syslog lines without "<PRI>", as rsyslog and
// journalctl's short formats write them.
func unwrapSyslogFile(b []byte) (wrapped, bool) {
	w, ok := unwrap3164(b)
	w.name = "syslog-file"
	return w, ok
}

var months = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// syslogStamp reads "Mmm dd hh:mm:ss" (day space-padded), with optional
// fractional seconds, and returns it in year 0 (no year is logged) and the
// bytes it took.
func syslogStamp(b []byte) (time.Time, int, bool) {
	if len(b) < 15 || b[3] != ' ' || b[6] != ' ' || b[9] != ':' || b[12] != ':' {
		return time.Time{}, 0, false
	}
	mon := 0
	for i, m := range months {
		if string(b[:3]) == m {
			mon = i + 1
		}
	}
	day := 0
	for _, c := range b[4:6] {
		switch {
		case c == ' ':
		case isDigit(c):
			day = day*10 + int(c-'0')
		default:
			return time.Time{}, 0, false
		}
	}
	h, okh := twoDigits(b[7:9])
	mi, okm := twoDigits(b[10:12])
	s, oks := twoDigits(b[13:15])
	if mon == 0 || day < 1 || day > 31 || !okh || !okm || !oks {
		return time.Time{}, 0, false
	}
	n, ns := 15, 0
	if n < len(b) && b[n] == '.' {
		digits := 0
		for n++; n < len(b) && isDigit(b[n]); n++ {
			if digits < 9 {
				ns = ns*10 + int(b[n]-'0')
				digits++
			}
		}
		for ; digits < 9; digits++ {
			ns *= 10
		}
	}
	return time.Date(0, time.Month(mon), day, h, mi, s, ns, time.UTC), n, true
}

func twoDigits(b []byte) (int, bool) {
	if !isDigit(b[0]) || !isDigit(b[1]) {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}
