package input

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
