package audit

import "strings"

// luaToken is one token of Lua source: enough of Lua's lexer to follow
// calls, tables and the block structure, never to run anything.
type luaToken struct {
	text string
	line int
	kind byte // 'n' name or keyword, 's' string, '0' number, 'o' operator
}

// luaLex splits Lua code into tokens, dropping comments; line counts from
// first.
func luaLex(code string, first int) []luaToken {
	var out []luaToken
	line := first
	for i := 0; i < len(code); {
		c := code[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case strings.HasPrefix(code[i:], "--"):
			i += 2
			if n, ok := longBracket(code[i:]); ok {
				line += strings.Count(code[i:i+n], "\n")
				i += n
				continue
			}
			for i < len(code) && code[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(code) && code[j] != c && code[j] != '\n' {
				if code[j] == '\\' {
					j++
				}
				j++
			}
			out = append(out, luaToken{text: code[i+1 : min(j, len(code))], line: line, kind: 's'})
			i = min(j+1, len(code))
		case c == '[' && i+1 < len(code) && (code[i+1] == '[' || code[i+1] == '='):
			if n, ok := longBracket(code[i:]); ok {
				out = append(out, luaToken{text: code[i : i+n], line: line, kind: 's'})
				line += strings.Count(code[i:i+n], "\n")
				i += n
				continue
			}
			out = append(out, luaToken{text: "[", line: line, kind: 'o'})
			i++
		case isNameStart(c):
			j := i
			for j < len(code) && (isNameStart(code[j]) || code[j] >= '0' && code[j] <= '9') {
				j++
			}
			out = append(out, luaToken{text: code[i:j], line: line, kind: 'n'})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(code) && (code[j] >= '0' && code[j] <= '9' || code[j] == '.' || code[j] == 'x' || code[j] >= 'a' && code[j] <= 'f' || code[j] >= 'A' && code[j] <= 'F') {
				j++
			}
			out = append(out, luaToken{text: code[i:j], line: line, kind: '0'})
			i = j
		default:
			n := 1
			for _, op := range []string{"...", "..", "==", "~=", "<=", ">=", "::", "//"} {
				if strings.HasPrefix(code[i:], op) {
					n = len(op)
					break
				}
			}
			out = append(out, luaToken{text: code[i : i+n], line: line, kind: 'o'})
			i += n
		}
	}
	return out
}

// longBracket measures a Lua long bracket ("[[ … ]]", "[==[ … ]==]") at
// the start of s.
func longBracket(s string) (int, bool) {
	if len(s) < 2 || s[0] != '[' {
		return 0, false
	}
	level := 1
	for level < len(s) && s[level] == '=' {
		level++
	}
	if level >= len(s) || s[level] != '[' {
		return 0, false
	}
	closing := "]" + strings.Repeat("=", level-1) + "]"
	end := strings.Index(s[level+1:], closing)
	if end < 0 {
		return len(s), true
	}
	return level + 1 + end + len(closing), true
}

func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// calls reports whether the token at i is a call of a function named name
// ("set_current_peer(", "balancer.set_current_peer(", "sock:close(").
func calls(ts []luaToken, i int, name string) bool {
	return ts[i].kind == 'n' && ts[i].text == name && i+1 < len(ts) && (ts[i+1].text == "(" || ts[i+1].kind == 's' || ts[i+1].text == "{")
}

// isMethodOrField reports whether the name at i follows "." or ":".
func isMethodOrField(ts []luaToken, i int) bool {
	return i > 0 && (ts[i-1].text == "." || ts[i-1].text == ":")
}

// skipBalanced returns the index after the bracket that closes the one at
// i ("(", "{" or "[").
func skipBalanced(ts []luaToken, i int) int {
	open := ts[i].text
	closeBy := map[string]string{"(": ")", "{": "}", "[": "]"}[open]
	depth := 0
	for j := i; j < len(ts); j++ {
		if ts[j].kind != 'o' {
			continue
		}
		switch ts[j].text {
		case open:
			depth++
		case closeBy:
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(ts)
}
