package input

import "bytes"

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
