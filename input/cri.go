package input

import "bytes"

// unwrapCRI handles "2026-11-20T10:00:00.123456789Z stdout F payload".
func unwrapCRI(b []byte) (wrapped, bool) {
	sp := bytes.IndexByte(b[:min(len(b), 41)], ' ')
	if sp < 20 || sp > 40 || b[4] != '-' || b[10] != 'T' {
		return wrapped{}, false
	}
	rest := b[sp+1:]
	var stream string
	switch {
	case bytes.HasPrefix(rest, []byte("stdout ")):
		stream = "stdout"
	case bytes.HasPrefix(rest, []byte("stderr ")):
		stream = "stderr"
	default:
		return wrapped{}, false
	}
	rest = rest[7:]
	if len(rest) < 1 || (rest[0] != 'F' && rest[0] != 'P') || (len(rest) > 1 && rest[1] != ' ') {
		return wrapped{}, false
	}
	complete := rest[0] == 'F'
	if len(rest) > 1 {
		rest = rest[2:]
	} else {
		rest = rest[1:]
	}
	return wrapped{name: "cri", payload: rest, stream: stream, complete: complete, stamp: b[:sp], stampKind: StampRFC3339}, true
}
