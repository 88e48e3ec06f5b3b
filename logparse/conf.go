package logparse

import (
	"errors"
	"fmt"
	"strings"

	"github.com/badgw/badgw/nginxconf"
)

// formatFromArgs compiles the arguments of a log_format directive:
// NAME [escape=MODE] STRING...
func formatFromArgs(args []string) (*Format, error) {
	if len(args) < 2 {
		return nil, errors.New("log_format needs a name and a format string")
	}
	name, rest := args[0], args[1:]
	if name == "" {
		return nil, errors.New("log_format needs a non-empty name")
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
			return nil, fmt.Errorf("log_format %s: unknown escape=%s (want default, json or none)", name, v)
		}
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return nil, fmt.Errorf("log_format %s has no format string", name)
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
		ds, err := nginxconf.Parse("--format", trimmed)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(trimmed, ";") {
			ds, err = nginxconf.Parse("--format", trimmed+";")
			if err != nil {
				return nil, err
			}
		}
		if len(ds) != 1 || ds[0].Args[0] != "log_format" {
			return nil, errors.New("--format: expected one log_format directive")
		}
		return formatFromArgs(ds[0].Args[1:])
	}
	if strings.HasPrefix(trimmed, "'") || strings.HasPrefix(trimmed, `"`) {
		ds, err := nginxconf.Parse("--format", "f "+strings.TrimSuffix(trimmed, ";")+";")
		if err != nil {
			return nil, err
		}
		return NewFormat("custom", strings.Join(ds[0].Args[1:], ""), EscapeDefault)
	}
	return NewFormat("custom", text, EscapeDefault)
}

// Config is what badgw reads from an nginx configuration: the log formats,
// which one the access_log directives use, and the upstream groups.
type Config struct {
	Formats   map[string]*Format
	AccessLog []AccessLogDirective
	Upstreams []nginxconf.Upstream
}

// AccessLogDirective is one access_log statement.
type AccessLogDirective struct {
	Path, Format string
}

// combinedSpec is nginx's built-in format, used when access_log names none.
const combinedSpec = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

// ReadConfig reads an nginx.conf, following include globs relative to the
// file's folder, and collects log formats, access_log lines and upstreams.
func ReadConfig(path string) (*Config, error) {
	ds, err := nginxconf.Load(path)
	if err != nil {
		return nil, err
	}
	c := &Config{Formats: map[string]*Format{}}
	if err := c.walk(ds); err != nil {
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

func (c *Config) walk(ds []nginxconf.Directive) error {
	for _, d := range ds {
		switch d.Name() {
		case "log_format":
			f, err := formatFromArgs(d.Args[1:])
			if err != nil {
				return fmt.Errorf("%s:%d: %w", d.File, d.Line, err)
			}
			c.Formats[f.Name] = f
		case "access_log":
			if len(d.Args) >= 2 && d.Args[1] != "off" {
				a := AccessLogDirective{Path: d.Args[1], Format: "combined"}
				if len(d.Args) >= 3 && !strings.Contains(d.Args[2], "=") {
					a.Format = d.Args[2]
				}
				c.AccessLog = append(c.AccessLog, a)
			}
		case "upstream":
			if len(d.Args) >= 2 {
				c.Upstreams = append(c.Upstreams, nginxconf.ReadUpstream(d))
			}
		}
		if d.Block != nil && d.Name() != "upstream" {
			if err := c.walk(d.Block); err != nil {
				return err
			}
		}
	}
	return nil
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
		return nil, fmt.Errorf("no log_format named %q in the configuration", name)
	}
	return f, nil
}
