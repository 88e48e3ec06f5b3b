package input

import "bytes"

// unwrapKubectlPrefix handles "kubectl logs --prefix": "[pod/name/container] ".
func unwrapKubectlPrefix(b []byte) (wrapped, bool) {
	if !bytes.HasPrefix(b, []byte("[pod/")) {
		return wrapped{}, false
	}
	end := bytes.Index(b, []byte("] "))
	if end < 0 || bytes.Count(b[:end], []byte{'/'}) != 2 || bytes.IndexByte(b[:end], ' ') >= 0 {
		return wrapped{}, false
	}
	pod := b[len("[pod/"):end]
	pod = pod[:bytes.IndexByte(pod, '/')]
	return wrapped{name: "kubectl-prefix", payload: b[end+2:], complete: true, origin: pod}, true
}

// unwrapStern handles stern's and kubetail's "pod container time line"
// (stern --timestamps): two names, then an RFC 3339 time with a zone. The
// time, with a fraction of a second, is required, and a container's name
// is a DNS label without dots: "host client $time_iso8601 …" access lines
// (nginx-proxy's vhost format) must not look the same.
func unwrapStern(b []byte) (wrapped, bool) {
	i := 0
	pod := 0
	for token := range 2 {
		start := i
		for i < len(b) && i-start <= 253 && isComposeName(b[i]) && (token == 0 || b[i] != '.') {
			i++
		}
		if i == start || i >= len(b) || b[i] != ' ' {
			return wrapped{}, false
		}
		if token == 0 {
			pod = i
		}
		i++
	}
	end, frac, ok := timeEnd(b[i:])
	if !ok || !frac || i+end >= len(b) || b[i+end] != ' ' || b[i+end-1] != 'Z' && !isDigit(b[i+end-1]) {
		return wrapped{}, false
	}
	stamp := b[i : i+end]
	return wrapped{name: "stern", payload: b[i+end+1:], complete: true, stamp: stamp, stampKind: StampRFC3339, origin: b[:pod]}, true
}
