package input

import (
	"bytes"
	"encoding/json"
)

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
