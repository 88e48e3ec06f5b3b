package input

import (
	"bytes"
	"encoding/json"
)

// Unwrap strips the prefix a container platform adds to each log line and
// returns the payload, the stream name when known, and whether the payload is
// complete (false for a CRI "P" partial line, which the next lines continue).
// Lines without a known wrapper are returned unchanged. Each line is judged
// on its own, so mixed input is fine.
func Unwrap(b []byte) (payload []byte, stream string, complete bool) {
	if len(b) == 0 {
		return b, "", true
	}
	switch {
	case b[0] >= '0' && b[0] <= '9':
		if p, s, c, ok := unwrapCRI(b); ok {
			return p, s, c
		}
	case b[0] == '{':
		if p, s, ok := unwrapDockerJSON(b); ok {
			return p, s, true
		}
	case b[0] == '[':
		if p, ok := unwrapKubectlPrefix(b); ok {
			return p, "", true
		}
	}
	if isLetter(b[0]) {
		if p, ok := unwrapCompose(b); ok {
			return p, "", true
		}
	}
	return b, "", true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// unwrapCRI handles "2026-11-20T10:00:00.123456789Z stdout F payload".
func unwrapCRI(b []byte) ([]byte, string, bool, bool) {
	sp := bytes.IndexByte(b, ' ')
	if sp < 20 || sp > 40 || b[4] != '-' || b[10] != 'T' {
		return nil, "", false, false
	}
	rest := b[sp+1:]
	var stream string
	switch {
	case bytes.HasPrefix(rest, []byte("stdout ")):
		stream = "stdout"
	case bytes.HasPrefix(rest, []byte("stderr ")):
		stream = "stderr"
	default:
		return nil, "", false, false
	}
	rest = rest[7:]
	if len(rest) < 1 || (rest[0] != 'F' && rest[0] != 'P') || (len(rest) > 1 && rest[1] != ' ') {
		return nil, "", false, false
	}
	complete := rest[0] == 'F'
	if len(rest) > 1 {
		rest = rest[2:]
	} else {
		rest = rest[1:]
	}
	return rest, stream, complete, true
}

type dockerLine struct {
	Log    string `json:"log"`
	Stream string `json:"stream"`
}

// unwrapDockerJSON handles Docker's json-file driver lines.
func unwrapDockerJSON(b []byte) ([]byte, string, bool) {
	if !bytes.HasPrefix(b, []byte(`{"log":`)) {
		return nil, "", false
	}
	var d dockerLine
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, "", false
	}
	p := []byte(d.Log)
	p = bytes.TrimSuffix(p, []byte{'\n'})
	p = bytes.TrimSuffix(p, []byte{'\r'})
	return p, d.Stream, true
}

// unwrapKubectlPrefix handles "kubectl logs --prefix": "[pod/name/container] ".
func unwrapKubectlPrefix(b []byte) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte("[pod/")) {
		return nil, false
	}
	end := bytes.Index(b, []byte("] "))
	if end < 0 || bytes.Count(b[:end], []byte{'/'}) != 2 || bytes.IndexByte(b[:end], ' ') >= 0 {
		return nil, false
	}
	return b[end+2:], true
}

// unwrapCompose handles docker-compose's "service_1  | " prefix.
func unwrapCompose(b []byte) ([]byte, bool) {
	i := 0
	for i < len(b) && i < 64 && isComposeName(b[i]) {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != ' ' {
		return nil, false
	}
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i+1 >= len(b) || b[i] != '|' || b[i+1] != ' ' {
		return nil, false
	}
	return b[i+2:], true
}

func isComposeName(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}
