// Package report writes what badgw found for people and for other tools:
// the text report, the CSV of bursts and the JSON of the whole analysis.
// Everything that came from a log is treated as hostile here.
package report

import (
	"strings"
	"unicode/utf8"
)

// Clean makes log text safe to print on a terminal: escape sequences (CSI,
// OSC and the rest) are removed, and other control characters and invalid
// UTF-8 are shown as "\xHH", so a log line cannot move the cursor, retitle
// the window or hide text.
func Clean(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b {
			i = skipEscape(s, i)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(hexByte(c))
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			if r == 0x9b { // 8-bit CSI
				i = skipParams(s, i+size)
				continue
			}
			b.WriteString(hexByte(byte(r)))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func hexByte(c byte) string {
	const digits = "0123456789abcdef"
	return `\x` + string(digits[c>>4]) + string(digits[c&15])
}

// skipEscape returns the index after the escape sequence starting at s[i].
func skipEscape(s string, i int) int {
	i++
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipParams(s, i+1)
	case ']', 'P', '_', '^', 'X':
		// OSC, DCS, APC, PM, SOS: until BEL or ST (ESC \).
		for j := i + 1; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
		}
		return len(s)
	}
	return i + 1
}

// skipParams skips a CSI's parameter and intermediate bytes and its final byte.
func skipParams(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) {
		i++
	}
	return i
}

// Cell neutralises a CSV cell that a spreadsheet would evaluate as a
// formula (starting with = + - @, a tab or a carriage return) by prefixing
// a quote, as OWASP's CSV-injection advice recommends, and cleans it.
func Cell(s string) string {
	s = Clean(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
