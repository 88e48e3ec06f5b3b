package victorialogs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

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
			var s string
			if err := json.Unmarshal(b[i:j+1], &s); err != nil {
				return nil, 0, fmt.Errorf("an answer line's string: %w", err)
			}
			return []byte(s), j + 1, nil
		}
	}
	return nil, 0, fmt.Errorf("an answer line ends inside a string: %.80q", b)
}
