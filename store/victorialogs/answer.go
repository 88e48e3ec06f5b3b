package victorialogs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/badgw/badgw/input"
)

// lines runs a query and hands each line of its answer to fn, which must
// not keep it: a stats query's rows, read without a map a row (a day's
// counts are a million of them).
func (c *Client) lines(ctx context.Context, q string, fn func(line []byte) error) error {
	body, err := c.query(ctx, q)
	if err != nil {
		return err
	}
	defer body.Close()
	br := bufio.NewReaderSize(body, 64<<10)
	for {
		line, err := readLine(br, input.MaxLine+maxBody)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: reading an answer: %w", c.URL, err)
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("%s: %w", c.URL, err)
		}
	}
}

// eachField calls fn with each key and value of a JSON object whose
// values are all strings, as VictoriaLogs writes its stats rows: the value
// unescaped, valid until fn returns.
func eachField(line []byte, fn func(key, val []byte)) error {
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return fmt.Errorf("an answer line is not a JSON object: %.80q", line)
	}
	i = skipSpace(line, i+1)
	if i < len(line) && line[i] == '}' {
		return nil
	}
	for {
		key, next, err := jsonString(line, i)
		if err != nil {
			return err
		}
		i = skipSpace(line, next)
		if i >= len(line) || line[i] != ':' {
			return fmt.Errorf("an answer line is not a JSON object of strings: %.80q", line)
		}
		val, next, err := jsonString(line, skipSpace(line, i+1))
		if err != nil {
			return err
		}
		fn(key, val)
		i = skipSpace(line, next)
		switch {
		case i < len(line) && line[i] == ',':
			i = skipSpace(line, i+1)
		case i < len(line) && line[i] == '}':
			return nil
		default:
			return fmt.Errorf("an answer line is not a JSON object of strings: %.80q", line)
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// jsonString reads the JSON string at b[i:]: its value and where it ends.
// A value without escapes is b's own bytes; one with them is unescaped in
// place (the unescaped text is never longer), so b is changed.
func jsonString(b []byte, i int) (val []byte, end int, err error) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, fmt.Errorf("an answer line is not a JSON object of strings: %.80q", b)
	}
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			if !escaped {
				return b[i+1 : j], j + 1, nil
			}
			v, ok := unescape(b[i+1 : j])
			if !ok {
				return nil, 0, fmt.Errorf("an answer line's string has a bad escape: %.80q", b[i:j+1])
			}
			return v, j + 1, nil
		}
	}
	return nil, 0, fmt.Errorf("an answer line ends inside a string: %.80q", b)
}

// unescape decodes a JSON string's escapes in place.
func unescape(s []byte) ([]byte, bool) {
	w := 0
	for r := 0; r < len(s); {
		c := s[r]
		if c != '\\' {
			s[w] = c
			w++
			r++
			continue
		}
		if r+1 >= len(s) {
			return nil, false
		}
		switch e := s[r+1]; e {
		case '"', '\\', '/':
			s[w] = e
		case 'b':
			s[w] = '\b'
		case 'f':
			s[w] = '\f'
		case 'n':
			s[w] = '\n'
		case 'r':
			s[w] = '\r'
		case 't':
			s[w] = '\t'
		case 'u':
			u, ok := hex4(s, r+2)
			if !ok {
				return nil, false
			}
			r += 6
			if utf16.IsSurrogate(rune(u)) {
				// A pair makes one rune; a half without the other is
				// U+FFFD, as encoding/json reads it.
				lo, ok := hex4(s, r+2)
				if pair := utf16.DecodeRune(rune(u), rune(lo)); ok && r+1 < len(s) && s[r] == '\\' && s[r+1] == 'u' && pair != utf8.RuneError {
					u = int(pair)
					r += 6
				} else {
					u = utf8.RuneError
				}
			}
			w += utf8.EncodeRune(s[w:], rune(u))
			continue
		default:
			return nil, false
		}
		w++
		r += 2
	}
	return s[:w], true
}

// hex4 reads the four hex digits at s[i:].
func hex4(s []byte, i int) (int, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	n := 0
	for _, c := range s[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			n = n*16 + int(c-'0')
		case c >= 'a' && c <= 'f':
			n = n*16 + int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n*16 + int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}
