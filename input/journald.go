package input

import (
	"bytes"
	"encoding/json"
)

// journalLine is the part of a "journalctl -o json" record that matters:
// the message and its time (microseconds since the epoch, as a string).
type journalLine struct {
	Message  json.RawMessage `json:"MESSAGE"`
	Realtime string          `json:"__REALTIME_TIMESTAMP"`
}

// unwrapJournalJSON handles "journalctl -o json" lines. MESSAGE is a
// string, or an array of bytes when the message was not valid UTF-8.
func unwrapJournalJSON(b []byte) (wrapped, bool) {
	if !bytes.Contains(b, []byte(`"MESSAGE"`)) || !bytes.Contains(b, []byte(`"__`)) {
		return wrapped{}, false
	}
	var j journalLine
	if err := json.Unmarshal(b, &j); err != nil || len(j.Message) == 0 {
		return wrapped{}, false
	}
	var msg []byte
	var s string
	if err := json.Unmarshal(j.Message, &s); err == nil {
		msg = []byte(s)
	} else {
		var raw []int
		if err := json.Unmarshal(j.Message, &raw); err != nil {
			return wrapped{}, false
		}
		for _, c := range raw {
			msg = append(msg, byte(c))
		}
	}
	w := wrapped{name: "journald-json", payload: bytes.TrimRight(msg, "\r\n"), complete: true}
	if j.Realtime != "" {
		w.stamp, w.stampKind = []byte(j.Realtime), StampMicros
	}
	return w, true
}
