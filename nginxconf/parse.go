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
	// Lua is the code of a *_by_lua_block, which is Lua, not nginx syntax;
	// LuaLine is the line its "{" stands on.
	Lua     string
	LuaLine int
}

// Name is the directive's first word.
func (d Directive) Name() string { return d.Args[0] }

// Problem is a syntax error that a lenient parse stepped over.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) Error() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Parse splits nginx.conf text into directives, following nginx's own
// rules: '#' comments, single and double quotes with \" \' \\ \t \r \n
// escapes, ';' ends a statement, '{' '}' delimit blocks. The first syntax
// error ends it, as it ends nginx -t.
func Parse(file, text string) ([]Directive, error) {
	t := &tokenizer{file: file, s: text, line: 1}
	ds := t.block(0)
	if len(t.problems) > 0 {
		return nil, t.problems[0]
	}
	return ds, nil
}

// ParseLenient reads what Parse would refuse, as a person reads a
// configuration pasted into a ticket: blocks left open at the end are
// closed there, a stray "}" is dropped, a statement missing its ";" at the
// end is kept, and a Lua block behind stray words (a Lua comment written in
// nginx syntax) is still read as Lua. Each repair is a Problem.
func ParseLenient(file, text string) ([]Directive, []Problem) {
	t := &tokenizer{file: file, s: text, line: 1, lenient: true}
	ds := t.block(0)
	return ds, t.problems
}

type tokenizer struct {
	file     string
	s        string
	i        int
	line     int
	lenient  bool
	problems []Problem
	// endReported: the end of input inside open blocks was reported.
	endReported bool
}

// fail records a syntax error; in a strict parse it ends the parse.
func (t *tokenizer) fail(line int, format string, a ...any) {
	t.problems = append(t.problems, Problem{File: t.file, Line: line, Msg: fmt.Sprintf(format, a...)})
	if !t.lenient {
		t.i = len(t.s)
	}
}

func (t *tokenizer) stopped() bool { return !t.lenient && len(t.problems) > 0 }

func isLuaBlock(word string) bool { return strings.HasSuffix(word, "_by_lua_block") }

// MaxBlockDepth bounds how deep blocks nest. nginx accepts a block only
// inside the few directives that take one (http, server, location, if,
// upstream, map …), so real configurations stay within a dozen levels;
// past this the text is not a configuration, and the rest of the file is
// not read (each level costs the parse a stack frame and the audit a walk).
const MaxBlockDepth = 100

func (t *tokenizer) block(depth int) []Directive {
	var out []Directive
	var cur []string
	startLine := t.line
	for !t.stopped() {
		word, quoted, ok := t.word()
		if !ok {
			return out
		}
		if word != "" || quoted {
			if len(cur) == 0 {
				startLine = t.line
			}
			cur = append(cur, word)
			continue
		}
		switch {
		case t.i >= len(t.s):
			last := lastLine(t.s)
			if len(cur) > 0 {
				t.fail(last, "unexpected end of file, expecting \";\"")
				out = append(out, Directive{Args: cur, File: t.file, Line: startLine})
			}
			if depth > 0 && !t.endReported {
				// Reported once, by the innermost block.
				t.endReported = true
				t.fail(last, "unexpected end of file, expecting \"}\" (%d block(s) left open)", depth)
			}
			return out
		case t.s[t.i] == ';':
			t.i++
			if len(cur) > 0 {
				out = append(out, Directive{Args: cur, File: t.file, Line: startLine})
			}
			cur = nil
		case t.s[t.i] == '{' && len(cur) > 0 && (isLuaBlock(cur[0]) || isLuaBlock(cur[len(cur)-1])):
			if !isLuaBlock(cur[0]) {
				// nginx knows no directive that takes a *_by_lua_block word
				// as an argument: a strict parse stops here, a lenient one
				// reads the block as Lua and goes on.
				t.fail(startLine, "unknown directive %q (a Lua comment in nginx syntax?)", cur[0])
				if t.stopped() {
					return out
				}
				cur = cur[len(cur)-1:]
				startLine = t.line
			}
			t.i++
			luaLine, from := t.line, t.i
			code := t.skipLua()
			out = append(out, Directive{Args: cur, File: t.file, Line: startLine, Block: []Directive{}, Lua: t.s[from:code], LuaLine: luaLine})
			cur = nil
		case t.s[t.i] == '{':
			t.i++
			if depth+1 > MaxBlockDepth {
				t.fail(t.line, "blocks nested deeper than %d levels: the rest of the file is not read", MaxBlockDepth)
				t.i, t.endReported = len(t.s), true
				return out
			}
			if len(cur) == 0 {
				t.fail(t.line, "unexpected \"{\"")
			}
			inner := t.block(depth + 1)
			if len(cur) > 0 {
				out = append(out, Directive{Args: cur, File: t.file, Line: startLine, Block: inner})
			}
			cur = nil
		case t.s[t.i] == '}':
			t.i++
			if len(cur) > 0 {
				t.fail(t.line, "unexpected \"}\", expecting \";\"")
				out = append(out, Directive{Args: cur, File: t.file, Line: startLine})
				cur = nil
			}
			if depth == 0 {
				t.fail(t.line, "unexpected \"}\"")
				continue
			}
			return out
		}
	}
	return out
}

// skipLua moves past the body of a *_by_lua_block, counting braces outside
// Lua strings and comments, as nginx's lua module does, and returns where
// the code ends (the closing brace).
func (t *tokenizer) skipLua() int {
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
				return t.i - 1
			}
		}
		t.i++
	}
	t.fail(t.line, "unexpected end of file in a Lua block")
	return len(t.s)
}

// word returns the next word; an empty unquoted word means the tokenizer
// stopped at a ';', '{', '}' or the end of input; ok is false after an
// unterminated quote.
func (t *tokenizer) word() (word string, quoted, ok bool) {
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
	return "", false, true
start:
	c := t.s[t.i]
	if c == ';' || c == '{' || c == '}' {
		return "", false, true
	}
	if c == '"' || c == '\'' {
		t.i++
		var b strings.Builder
		for t.i < len(t.s) {
			d := t.s[t.i]
			switch {
			case d == c:
				t.i++
				return b.String(), true, true
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
		t.fail(t.line, "unterminated quoted string")
		return "", false, false
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
	return t.s[start:t.i], false, true
}

// lastLine is the line of the text's last character that is not white
// space: where a person sees the file end.
func lastLine(s string) int {
	return strings.Count(strings.TrimRight(s, " \t\r\n"), "\n") + 1
}
