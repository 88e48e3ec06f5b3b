// Package logparse turns nginx log lines into typed values: access-log lines
// through a compiled log_format, error-log lines through the fixed error.log
// grammar. It has no goroutines, no clock and no UI.
package logparse

import (
	"fmt"
	"strings"
)

// Escape is the escaping nginx applied to variable values (log_format escape=).
type Escape uint8

// Escape modes of log_format.
const (
	EscapeDefault Escape = iota // "\xHH" for quotes, backslashes and control bytes
	EscapeJSON                  // JSON string escapes
	EscapeNone                  // nothing escaped
)

func (e Escape) String() string {
	switch e {
	case EscapeJSON:
		return "json"
	case EscapeNone:
		return "none"
	}
	return "default"
}

// fieldKind says which Record member a variable fills.
type fieldKind uint8

const (
	kIgnore fieldKind = iota
	kTimeLocal
	kTimeISO
	kMsec
	kStatus
	kRequest
	kMethod
	kURI
	kClient
	kHost
	kScheme
	kUserAgent
	kRequestTime
	kConnection
	kRequestID
	kHostname
	kUpstreamName
	kUpstreamAddr
	kUpstreamStatus
	kUpstreamConnect
	kUpstreamHeader
	kUpstreamResponse
	// kNumber is a count that badgw does not use but can check: a
	// non-negative integer or "-", so a wrong format or text glued to the
	// end of a line is caught instead of being taken into the field.
	kNumber
)

// variableKinds maps the nginx variables badgw understands to record fields.
// Everything else is matched but not interpreted.
var variableKinds = map[string]fieldKind{
	"time_local":               kTimeLocal,
	"time_iso8601":             kTimeISO,
	"msec":                     kMsec,
	"status":                   kStatus,
	"request":                  kRequest,
	"request_method":           kMethod,
	"request_uri":              kURI,
	"remote_addr":              kClient,
	"host":                     kHost,
	"http_host":                kHost,
	"scheme":                   kScheme,
	"http_user_agent":          kUserAgent,
	"request_time":             kRequestTime,
	"connection":               kConnection,
	"request_id":               kRequestID,
	"req_id":                   kRequestID,
	"kong_request_id":          kRequestID,
	"http_x_request_id":        kRequestID,
	"hostname":                 kHostname,
	"proxy_upstream_name":      kUpstreamName,
	"upstream_addr":            kUpstreamAddr,
	"upstream_status":          kUpstreamStatus,
	"upstream_connect_time":    kUpstreamConnect,
	"upstream_header_time":     kUpstreamHeader,
	"upstream_response_time":   kUpstreamResponse,
	"upstream_response_length": kNumber,
	"upstream_bytes_received":  kNumber,
	"upstream_bytes_sent":      kNumber,
	"body_bytes_sent":          kNumber,
	"bytes_sent":               kNumber,
	"request_length":           kNumber,
	"connection_requests":      kNumber,
	"pid":                      kNumber,
}

// listVariables hold one entry per upstream attempt (", " and " : " lists).
// Their values contain spaces, so they need the list scanner.
var listVariables = map[string]bool{
	"upstream_addr": true, "upstream_status": true, "upstream_connect_time": true,
	"upstream_header_time": true, "upstream_response_time": true,
	"upstream_response_length": true, "upstream_bytes_received": true,
	"upstream_bytes_sent": true, "upstream_cache_status": true,
}

// field is one variable (or a run of adjacent untyped variables) and the
// literal text that follows it.
type field struct {
	name  string
	kind  fieldKind
	list  bool
	delim []byte // literal after the field; empty only for the last field
	pos   int    // offset of the variable in Spec, for error messages
	// adjacent: the next variable follows with no text between them; this
	// one's value has a known shape (a number or "-"), which ends it.
	adjacent bool
	// numeric: a number or "-" followed by a literal of several bytes
	// that cannot start inside one, so the value ends where its digits do
	// and the costly search for the literal is only a check. (A one-byte
	// literal is found faster by IndexByte.)
	numeric bool
}

// Format is a compiled log_format. It is immutable and safe for concurrent use.
type Format struct {
	Name   string // the log_format name or preset name
	Spec   string // the format string, after nginx's concatenation of quoted parts
	Escape Escape

	prefix []byte
	fields []field
	has    [kNumber + 1]bool
}

// FormatError reports a log_format that cannot be compiled.
type FormatError struct {
	Spec string
	Pos  int // byte offset in Spec
	Msg  string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("log_format at byte %d (%s): %s", e.Pos, excerpt(e.Spec, e.Pos), e.Msg)
}

func excerpt(s string, pos int) string {
	end := min(pos+24, len(s))
	start := max(0, pos-8)
	return fmt.Sprintf("%q", s[start:end])
}

// NewFormat compiles a log_format string (the concatenated quoted parts, as
// nginx sees them) with the given escape mode.
func NewFormat(name, spec string, esc Escape) (*Format, error) {
	f := &Format{Name: name, Spec: spec, Escape: esc}
	var lit strings.Builder
	pending := -1 // index in f.fields of the field waiting for its delimiter
	prevVarEnd := -1
	for i := 0; i < len(spec); {
		if spec[i] != '$' {
			lit.WriteByte(spec[i])
			i++
			continue
		}
		name, end, ok := scanVariable(spec, i)
		if !ok {
			lit.WriteByte('$')
			i++
			continue
		}
		kind, typed := variableKinds[name]
		if !typed {
			kind = kIgnore
		}
		switch {
		case pending < 0 && len(f.fields) == 0:
			f.prefix = []byte(lit.String())
		case prevVarEnd == i:
			// Two variables with nothing between them cannot be told apart.
			// Untyped ones (such as APISIX's "$upstream_host$upstream_uri")
			// are matched together as one opaque field.
			prev := &f.fields[pending]
			if numericShape(prev.kind) && !prev.list {
				// "$request_time$request_body": the number ends itself.
				prev.adjacent = true
				break
			}
			if prev.kind == kNumber {
				prev.kind = kIgnore
			}
			if kind == kNumber {
				kind = kIgnore
			}
			if prev.kind != kIgnore || kind != kIgnore || prev.list || listVariables[name] {
				return nil, &FormatError{Spec: spec, Pos: i, Msg: fmt.Sprintf("$%s directly follows $%s with no text between them: badgw cannot tell where one ends", name, prev.name)}
			}
			prev.name += "$" + name
			prevVarEnd = end
			i = end
			continue
		default:
			f.fields[pending].delim = []byte(lit.String())
		}
		lit.Reset()
		if kind != kIgnore && kind != kNumber && f.has[kind] {
			kind = kIgnore // a repeated variable is matched but only its first value is used
		}
		f.has[kind] = true
		f.fields = append(f.fields, field{name: name, kind: kind, list: listVariables[name], pos: i})
		pending = len(f.fields) - 1
		prevVarEnd = end
		i = end
	}
	if pending >= 0 {
		f.fields[pending].delim = []byte(lit.String())
	} else {
		return nil, &FormatError{Spec: spec, Pos: 0, Msg: "no variables"}
	}
	for i := range f.fields {
		fl := &f.fields[i]
		fl.numeric = numericShape(fl.kind) && !fl.list && !fl.adjacent && len(fl.delim) > 1 && !inNumber(fl.delim[0])
	}
	if !f.has[kStatus] {
		return nil, &FormatError{Spec: spec, Pos: 0, Msg: "no $status: badgw needs $status to find 502s; add it to the log_format"}
	}
	f.has[kIgnore] = false
	return f, nil
}

// scanVariable reads "$name" or "${name}" at s[i]; end is the offset after it.
func scanVariable(s string, i int) (name string, end int, ok bool) {
	j := i + 1
	if j < len(s) && s[j] == '{' {
		k := strings.IndexByte(s[j:], '}')
		if k < 2 {
			return "", 0, false
		}
		return s[j+1 : j+k], j + k + 1, true
	}
	for j < len(s) && isVarChar(s[j]) {
		j++
	}
	if j == i+1 {
		return "", 0, false
	}
	return s[i+1 : j], j, true
}

func isVarChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// Has reports whether the format logs the named variable (without "$").
func (f *Format) Has(variable string) bool {
	for _, fl := range f.fields {
		for _, n := range strings.Split(fl.name, "$") {
			if n == variable {
				return true
			}
		}
	}
	return false
}

// Directive renders the format back as an nginx log_format directive.
func (f *Format) Directive() string {
	esc := ""
	// A spec that itself starts with "escape=" would be read as the
	// parameter, so the mode is then always spelled out.
	if f.Escape != EscapeDefault || strings.HasPrefix(f.Spec, "escape=") {
		esc = " escape=" + f.Escape.String()
	}
	name := f.Name
	for _, c := range []byte(name) {
		if !isVarChar(c) && c != '.' && c != '-' {
			name = quoteConf(name)
			break
		}
	}
	return fmt.Sprintf("log_format %s%s %s;", name, esc, quoteConf(f.Spec))
}

// quoteConf quotes s for nginx.conf, escaping what its tokenizer would eat.
func quoteConf(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
	return "'" + r.Replace(s) + "'"
}

// inNumber reports whether c can be part of a number's or a dash's value.
func inNumber(c byte) bool { return c >= '0' && c <= '9' || c == '.' || c == '-' }

// numericShape reports the kinds whose values are a number or "-", so a
// variable right after one can be told apart.
func numericShape(k fieldKind) bool {
	return k == kRequestTime || k == kNumber || k == kStatus || k == kConnection || k == kMsec
}
