package logparse

import (
	"bytes"
	"unicode/utf8"
)

// Unescape undoes the escaping nginx applied to a logged value: "\xHH" with
// escape=default, JSON's escapes with escape=json, nothing with
// escape=none. It appends the result to dst and returns it; a value without
// a backslash is appended unchanged. Malformed escapes are kept as written.
func Unescape(esc Escape, dst, src []byte) []byte {
	if esc == EscapeNone || bytes.IndexByte(src, '\\') < 0 {
		return append(dst, src...)
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '\\' || i+1 >= len(src) {
			dst = append(dst, c)
			continue
		}
		next := src[i+1]
		if esc == EscapeDefault {
			if next == 'x' && i+3 < len(src) {
				if h, ok := unhex(src[i+2]); ok {
					if l, ok := unhex(src[i+3]); ok {
						dst = append(dst, h<<4|l)
						i += 3
						continue
					}
				}
			}
			dst = append(dst, c)
			continue
		}
		switch next {
		case '"', '\\', '/':
			dst = append(dst, next)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			if i+5 < len(src) {
				r := rune(0)
				ok := true
				for _, h := range src[i+2 : i+6] {
					v, good := unhex(h)
					ok = ok && good
					r = r<<4 | rune(v)
				}
				if ok {
					dst = utf8.AppendRune(dst, r)
					i += 5
					continue
				}
			}
			dst = append(dst, c, next)
		default:
			dst = append(dst, c, next)
		}
		i++
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
