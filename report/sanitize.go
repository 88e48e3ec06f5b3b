// Package report writes what badgw found for people and for other tools:
// the text report, the CSV of bursts and the JSON of the whole analysis.
// Everything that came from a log is treated as hostile here.
package report

import (
	"strings"
	"unicode/utf8"
)

// Clean makes log text safe to print on a terminal: escape sequences (CSI,
// OSC and the rest) are removed, bidirectional-text controls (which can
// make a line read differently from what it holds) are dropped, other
// control characters and invalid UTF-8 are shown as "\xHH", and tabs are
// expanded to the next multiple of 8 columns, so a log line cannot move the
// cursor, retitle the window, reach the clipboard or hide text.
func Clean(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	col := 0 // columns written since the start, for tab stops
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
			col += 4
		case r == '\t':
			n := 8 - col%8
			b.WriteString("        "[:n])
			col += n
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			if r == 0x9b { // 8-bit CSI
				i = skipParams(s, i+size)
				continue
			}
			b.WriteString(hexByte(byte(r)))
			col += 4
		case isBidiControl(r):
		default:
			b.WriteString(s[i : i+size])
			col++
		}
		i += size
	}
	return b.String()
}

// isBidiControl reports the Unicode bidirectional embedding, override and
// isolate controls and marks ("Trojan Source", CVE-2021-42574).
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// CleanText is Clean for a message of several lines (an error quoting a
// log line or a path): each line is cleaned, the line breaks are kept.
func CleanText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Clean(l)
	}
	return strings.Join(lines, "\n")
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
	s = Clean(strings.ReplaceAll(s, "\t", " ")) // a cell has no tab stops
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
