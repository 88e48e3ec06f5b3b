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
	return wrapped{name: "kubectl-prefix", payload: b[end+2:], complete: true}, true
}
