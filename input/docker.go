package input

import (
	"bytes"
	"encoding/json"
)

type dockerLine struct {
	Log    string `json:"log"`
	Stream string `json:"stream"`
	Time   string `json:"time"`
}

// unwrapDockerJSON handles Docker's json-file driver lines.
func unwrapDockerJSON(b []byte) (wrapped, bool) {
	if !bytes.HasPrefix(b, []byte(`{"log":`)) {
		return wrapped{}, false
	}
	var d dockerLine
	if err := json.Unmarshal(b, &d); err != nil {
		return wrapped{}, false
	}
	p := []byte(d.Log)
	p = bytes.TrimSuffix(p, []byte{'\n'})
	p = bytes.TrimSuffix(p, []byte{'\r'})
	return wrapped{name: "docker-json", payload: p, stream: d.Stream, complete: true, stamp: []byte(d.Time), stampKind: StampRFC3339}, true
}
