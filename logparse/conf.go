package logparse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// directive is one nginx.conf statement: its words, with quotes removed and
// escapes resolved, and where it stood.
type directive struct {
	args []string
	file string
	line int
	// block holds the directives inside "{ ... }", nil for a simple statement.
	block []directive
}

// tokenize splits nginx.conf text into directives, following nginx's own
// rules: '#' comments, single and double quotes with \" \' \\ \t \r \n
// escapes, ';' ends a statement, '{' '}' delimit blocks.
func tokenize(file, text string) ([]directive, error) {
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

func (t *tokenizer) block(depth int) ([]directive, error) {
	var out []directive
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
					out = append(out, directive{args: cur, file: t.file, line: startLine})
				}
				cur = nil
			case t.s[t.i] == '{' && len(cur) > 0 && strings.HasSuffix(cur[0], "_by_lua_block"):
				// Lua code is not nginx syntax: skip it as a balanced block.
				t.i++
				if err := t.skipLua(); err != nil {
					return nil, err
				}
				out = append(out, directive{args: cur, file: t.file, line: startLine, block: []directive{}})
				cur = nil
			case t.s[t.i] == '{':
				t.i++
				inner, err := t.block(depth + 1)
				if err != nil {
					return nil, err
				}
				out = append(out, directive{args: cur, file: t.file, line: startLine, block: inner})
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

// formatFromArgs compiles the arguments of a log_format directive:
// NAME [escape=MODE] STRING...
func formatFromArgs(args []string) (*Format, error) {
	if len(args) < 2 {
		return nil, errors.New("logparse: log_format needs a name and a format string")
	}
	name, rest := args[0], args[1:]
	if name == "" {
		return nil, errors.New("logparse: log_format needs a non-empty name")
	}
	esc := EscapeDefault
	if strings.HasPrefix(rest[0], "escape=") {
		switch v := strings.TrimPrefix(rest[0], "escape="); v {
		case "default":
		case "json":
			esc = EscapeJSON
		case "none":
			esc = EscapeNone
		default:
			return nil, fmt.Errorf("logparse: log_format %s: unknown escape=%s (want default, json or none)", name, v)
		}
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return nil, fmt.Errorf("logparse: log_format %s has no format string", name)
	}
	return NewFormat(name, strings.Join(rest, ""), esc)
}

// ParseFormat compiles what a user gives to --format: a preset name, a
// log_format directive as written in nginx.conf (several quoted parts are
// concatenated), or the bare format string.
func ParseFormat(text string) (*Format, error) {
	if p, ok := Preset(strings.TrimSpace(text)); ok {
		return p, nil
	}
	return parseFormatText(text)
}

// parseFormatText is ParseFormat without the preset names.
func parseFormatText(text string) (*Format, error) {
	trimmed := strings.TrimSpace(text)
	if strings.HasPrefix(trimmed, "log_format") {
		ds, err := tokenize("--format", trimmed)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(trimmed, ";") {
			ds, err = tokenize("--format", trimmed+";")
			if err != nil {
				return nil, err
			}
		}
		if len(ds) != 1 || ds[0].args[0] != "log_format" {
			return nil, errors.New("logparse: --format: expected one log_format directive")
		}
		return formatFromArgs(ds[0].args[1:])
	}
	if strings.HasPrefix(trimmed, "'") || strings.HasPrefix(trimmed, `"`) {
		ds, err := tokenize("--format", "f "+strings.TrimSuffix(trimmed, ";")+";")
		if err != nil {
			return nil, err
		}
		return NewFormat("custom", strings.Join(ds[0].args[1:], ""), EscapeDefault)
	}
	return NewFormat("custom", text, EscapeDefault)
}

// Config is what badgw reads from an nginx configuration: the log formats,
// which one the access_log directives use, and the upstream groups.
type Config struct {
	Formats   map[string]*Format
	AccessLog []AccessLogDirective
	Upstreams []Upstream
}

// AccessLogDirective is one access_log statement.
type AccessLogDirective struct {
	Path, Format string
}

// Upstream is an upstream{} block: its peers and the settings that decide
// how nginx marks them down and reuses connections.
type Upstream struct {
	Name      string
	Servers   []UpstreamServer
	Keepalive int // connections cached per worker; 0 when no keepalive directive
	Balancer  bool
}

// UpstreamServer is one "server" line in an upstream block.
type UpstreamServer struct {
	Addr        string
	MaxFails    int    // nginx default 1
	FailTimeout string // nginx default "10s"
	Backup      bool
}

// combinedSpec is nginx's built-in format, used when access_log names none.
const combinedSpec = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// ReadConfig reads an nginx.conf, following include globs relative to the
// file's folder, and collects log formats, access_log lines and upstreams.
func ReadConfig(path string) (*Config, error) {
	c := &Config{Formats: map[string]*Format{}}
	root := filepath.Dir(path)
	if err := c.readFile(path, root, 0); err != nil {
		return nil, err
	}
	if _, ok := c.Formats["combined"]; !ok {
		f, err := NewFormat("combined", combinedSpec, EscapeDefault)
		if err != nil {
			return nil, err
		}
		c.Formats["combined"] = f
	}
	return c, nil
}

func (c *Config) readFile(path, root string, depth int) error {
	if depth > 16 {
		return fmt.Errorf("%s: includes nested too deep", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ds, err := tokenize(path, string(data))
	if err != nil {
		return err
	}
	return c.walk(ds, root, depth)
}

func (c *Config) walk(ds []directive, root string, depth int) error {
	for _, d := range ds {
		switch d.args[0] {
		case "include":
			if len(d.args) < 2 {
				continue
			}
			pat := d.args[1]
			if !filepath.IsAbs(pat) {
				pat = filepath.Join(root, pat)
			}
			matches, err := filepath.Glob(pat)
			if err != nil {
				return fmt.Errorf("%s:%d: %w", d.file, d.line, err)
			}
			for _, m := range matches {
				if err := c.readFile(m, root, depth+1); err != nil {
					return err
				}
			}
		case "log_format":
			f, err := formatFromArgs(d.args[1:])
			if err != nil {
				return fmt.Errorf("%s:%d: %w", d.file, d.line, err)
			}
			c.Formats[f.Name] = f
		case "access_log":
			if len(d.args) >= 2 && d.args[1] != "off" {
				a := AccessLogDirective{Path: d.args[1], Format: "combined"}
				if len(d.args) >= 3 && !strings.Contains(d.args[2], "=") {
					a.Format = d.args[2]
				}
				c.AccessLog = append(c.AccessLog, a)
			}
		case "upstream":
			if len(d.args) >= 2 {
				c.Upstreams = append(c.Upstreams, readUpstream(d))
			}
		}
		if d.block != nil && d.args[0] != "upstream" {
			if err := c.walk(d.block, root, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

func readUpstream(d directive) Upstream {
	u := Upstream{Name: d.args[1]}
	for _, in := range d.block {
		switch in.args[0] {
		case "server":
			if len(in.args) < 2 {
				continue
			}
			s := UpstreamServer{Addr: withPort(in.args[1]), MaxFails: 1, FailTimeout: "10s"}
			for _, a := range in.args[2:] {
				switch {
				case strings.HasPrefix(a, "max_fails="):
					fmt.Sscan(strings.TrimPrefix(a, "max_fails="), &s.MaxFails)
				case strings.HasPrefix(a, "fail_timeout="):
					s.FailTimeout = strings.TrimPrefix(a, "fail_timeout=")
				case a == "backup":
					s.Backup = true
				}
			}
			u.Servers = append(u.Servers, s)
		case "keepalive":
			if len(in.args) >= 2 {
				fmt.Sscan(in.args[1], &u.Keepalive)
			}
		case "balancer_by_lua_block", "balancer_by_lua_file", "balancer_by_lua":
			u.Balancer = true
		}
	}
	return u
}

// withPort adds nginx's default port to a server address without one, as
// $upstream_addr logs it.
func withPort(addr string) string {
	if strings.HasPrefix(addr, "unix:") || strings.HasSuffix(addr, "]") || !strings.Contains(addr, ":") {
		if !strings.HasPrefix(addr, "unix:") {
			return addr + ":80"
		}
	}
	return addr
}

// AccessFormat picks the format the access log uses: the one named (if
// name is not empty), else the one the first access_log directive names.
func (c *Config) AccessFormat(name string) (*Format, error) {
	if name == "" {
		name = "combined"
		if len(c.AccessLog) > 0 {
			name = c.AccessLog[0].Format
		}
	}
	f, ok := c.Formats[name]
	if !ok {
		return nil, fmt.Errorf("logparse: no log_format named %q in the configuration", name)
	}
	return f, nil
}
