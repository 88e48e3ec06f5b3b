package logparse

import (
	"sync"
	"time"
)

// zones caches one *time.Location per UTC offset so that parsing a
// timestamp with a zone never allocates after the first line.
var zones sync.Map // int (seconds east of UTC) -> *time.Location

func zoneFor(offset int) *time.Location {
	if offset == 0 {
		return time.UTC
	}
	if l, ok := zones.Load(offset); ok {
		return l.(*time.Location)
	}
	l, _ := zones.LoadOrStore(offset, time.FixedZone("", offset))
	return l.(*time.Location)
}

var monthAbbr = map[[3]byte]time.Month{
	{'J', 'a', 'n'}: 1, {'F', 'e', 'b'}: 2, {'M', 'a', 'r'}: 3, {'A', 'p', 'r'}: 4,
	{'M', 'a', 'y'}: 5, {'J', 'u', 'n'}: 6, {'J', 'u', 'l'}: 7, {'A', 'u', 'g'}: 8,
	{'S', 'e', 'p'}: 9, {'O', 'c', 't'}: 10, {'N', 'o', 'v'}: 11, {'D', 'e', 'c'}: 12,
}

// digits parses b[i:i+n] as a decimal number.
func digits(b []byte, i, n int) (int, bool) {
	v := 0
	for _, c := range b[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseOffset reads "+0100" or "+01:00" and returns seconds east of UTC.
func parseOffset(b []byte) (int, bool) {
	if len(b) == 1 && b[0] == 'Z' {
		return 0, true
	}
	if len(b) != 5 && len(b) != 6 || (b[0] != '+' && b[0] != '-') {
		return 0, false
	}
	h, ok1 := digits(b, 1, 2)
	mi := 3
	if len(b) == 6 {
		if b[3] != ':' {
			return 0, false
		}
		mi = 4
	}
	m, ok2 := digits(b, mi, 2)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

// validDate rejects what time.Date would silently normalise.
func validDate(y, mo, d, h, mi, s int) bool {
	return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60
}

// parseTimeLocal reads $time_local: "22/Nov/2026:01:12:55 +0000".
func parseTimeLocal(b []byte) (time.Time, bool) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return time.Time{}, false
	}
	d, ok1 := digits(b, 0, 2)
	mo, ok2 := monthAbbr[[3]byte{b[3], b[4], b[5]}]
	y, ok3 := digits(b, 7, 4)
	h, ok4 := digits(b, 12, 2)
	mi, ok5 := digits(b, 15, 2)
	s, ok6 := digits(b, 18, 2)
	off, ok7 := parseOffset(b[21:])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || !validDate(y, int(mo), d, h, mi, s) {
		return time.Time{}, false
	}
	return time.Date(y, mo, d, h, mi, s, 0, zoneFor(off)), true
}

// dateTime reads the digits of "YYYY?MM?DD?HH:MM:SS" (any separators,
// which callers check), the layout shared by $time_iso8601 and error.log.
func dateTime(b []byte) (y, mo, d, h, mi, s int, ok bool) {
	y, ok1 := digits(b, 0, 4)
	mo, ok2 := digits(b, 5, 2)
	d, ok3 := digits(b, 8, 2)
	h, ok4 := digits(b, 11, 2)
	mi, ok5 := digits(b, 14, 2)
	s, ok6 := digits(b, 17, 2)
	ok = ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && validDate(y, mo, d, h, mi, s)
	return y, mo, d, h, mi, s, ok
}

// parseTimeISO reads $time_iso8601: "2026-11-22T01:12:55+00:00".
func parseTimeISO(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	y, mo, d, h, mi, s, ok := dateTime(b)
	rest := b[19:]
	ns := 0
	if len(rest) > 0 && rest[0] == '.' {
		k := 1
		for k < len(rest) && k <= 9 && rest[k] >= '0' && rest[k] <= '9' {
			ns = ns*10 + int(rest[k]-'0')
			k++
		}
		for i := k; i <= 9; i++ {
			ns *= 10
		}
		rest = rest[k:]
	}
	off, ok7 := parseOffset(rest)
	if !ok || !ok7 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ns, zoneFor(off)), true
}

// parseMsec reads $msec, "1763773975.123": Unix seconds with milliseconds.
func parseMsec(b []byte) (time.Time, bool) {
	d, ok := parseSeconds(b)
	if !ok || d < 0 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(d)).UTC(), true
}
