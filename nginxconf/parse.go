// Package nginxconf reads nginx configuration files as nginx does: its
// tokenizer, includes and the upstream blocks that decide how peers are
// marked down and connections reused.
package nginxconf

import (
	"fmt"
	"strings"
)

// Directive is one nginx.conf statement: its words, with quotes removed and
// escapes resolved, and where it stood.
type Directive struct {
	Args []string
	File string
	Line int
	// Block holds the directives inside "{ ... }", nil for a simple statement.
	Block []Directive
}

// Name is the directive's first word.
func (d Directive) Name() string { return d.Args[0] }

// Parse splits nginx.conf text into directives, following nginx's own
// rules: '#' comments, single and double quotes with \" \' \\ \t \r \n
// escapes, ';' ends a statement, '{' '}' delimit blocks.
func Parse(file, text string) ([]Directive, error) {
	t := &tokenizer{file: file, s: text, line: 1}
	ds, err := t.block(0)
	if err != nil {
		return nil, err
	}
	return ds, nil
}

type tokenizer struct {
	file string
	s    string
	i    int
	line int
}

func (t *tokenizer) errorf(format string, a ...any) error {
	return fmt.Errorf("%s:%d: %s", t.file, t.line, fmt.Sprintf(format, a...))
}

func (t *tokenizer) block(depth int) ([]Directive, error) {
	var out []Directive
	var cur []string
	startLine := t.line
	for {
		word, quoted, err := t.word()
		if err != nil {
			return nil, err
		}
		if word == "" && !quoted {
			switch {
			case t.i >= len(t.s):
				if depth > 0 {
					return nil, t.errorf("unexpected end of file, expecting \"}\"")
				}
				if len(cur) > 0 {
					return nil, t.errorf("unexpected end of file, expecting \";\"")
				}
				return out, nil
			case t.s[t.i] == ';':
				t.i++
				if len(cur) > 0 {
					out = append(out, Directive{Args: cur, File: t.file, Line: startLine})
				}
				cur = nil
			case t.s[t.i] == '{' && len(cur) > 0 && strings.HasSuffix(cur[0], "_by_lua_block"):
				// Lua code is not nginx syntax: skip it as a balanced block.
				t.i++
				if err := t.skipLua(); err != nil {
					return nil, err
				}
				out = append(out, Directive{Args: cur, File: t.file, Line: startLine, Block: []Directive{}})
				cur = nil
			case t.s[t.i] == '{':
				t.i++
				inner, err := t.block(depth + 1)
				if err != nil {
					return nil, err
				}
				out = append(out, Directive{Args: cur, File: t.file, Line: startLine, Block: inner})
				cur = nil
			case t.s[t.i] == '}':
				t.i++
				if depth == 0 {
					return nil, t.errorf("unexpected \"}\"")
				}
				if len(cur) > 0 {
					return nil, t.errorf("unexpected \"}\", expecting \";\"")
				}
				return out, nil
			}
			continue
		}
		if len(cur) == 0 {
			startLine = t.line
		}
		cur = append(cur, word)
	}
}

// skipLua moves past the body of a *_by_lua_block, counting braces outside
// Lua strings and comments, as nginx's lua module does.
func (t *tokenizer) skipLua() error {
	depth := 1
	for t.i < len(t.s) {
		c := t.s[t.i]
		switch {
		case c == '\n':
			t.line++
		case c == '-' && strings.HasPrefix(t.s[t.i:], "--"):
			for t.i < len(t.s) && t.s[t.i] != '\n' {
				t.i++
			}
			continue
		case c == '"' || c == '\'':
			t.i++
			for t.i < len(t.s) && t.s[t.i] != c {
				if t.s[t.i] == '\\' {
					t.i++
				}
				t.i++
			}
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				t.i++
				return nil
			}
		}
		t.i++
	}
	return t.errorf("unexpected end of file in a Lua block")
}

// word returns the next word; an empty unquoted word means the tokenizer
// stopped at a ';', '{', '}' or the end of input.
func (t *tokenizer) word() (string, bool, error) {
	for t.i < len(t.s) {
		c := t.s[t.i]
		switch {
		case c == '\n':
			t.line++
			t.i++
		case c == ' ' || c == '\t' || c == '\r':
			t.i++
		case c == '#':
			for t.i < len(t.s) && t.s[t.i] != '\n' {
				t.i++
			}
		default:
			goto start
		}
	}
	return "", false, nil
start:
	c := t.s[t.i]
	if c == ';' || c == '{' || c == '}' {
		return "", false, nil
	}
	if c == '"' || c == '\'' {
		t.i++
		var b strings.Builder
		for t.i < len(t.s) {
			d := t.s[t.i]
			switch {
			case d == c:
				t.i++
				return b.String(), true, nil
			case d == '\\' && t.i+1 < len(t.s):
				switch e := t.s[t.i+1]; e {
				case '"', '\'', '\\':
					b.WriteByte(e)
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				case 'n':
					b.WriteByte('\n')
				default:
					b.WriteByte('\\')
					b.WriteByte(e)
				}
				t.i += 2
				continue
			case d == '\n':
				t.line++
			}
			b.WriteByte(d)
			t.i++
		}
		return "", false, t.errorf("unterminated quoted string")
	}
	start := t.i
	for t.i < len(t.s) {
		d := t.s[t.i]
		if d == ' ' || d == '\t' || d == '\r' || d == '\n' || d == ';' || d == '{' || d == '}' {
			break
		}
		if d == '\\' && t.i+1 < len(t.s) {
			t.i++
		}
		t.i++
	}
	return t.s[start:t.i], false, nil
}
