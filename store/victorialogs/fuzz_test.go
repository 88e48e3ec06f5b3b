package victorialogs

import (
	"encoding/json"
	"maps"
	"testing"
	"unicode/utf8"
)

// FuzzAnswerLine: eachField never panics on what a store may answer, and
// where encoding/json reads a line as an object of strings with distinct
// keys and valid UTF-8, eachField reads the same fields and values.
func FuzzAnswerLine(f *testing.F) {
	for _, seed := range []string{
		`{"_time":"2026-11-20T10:13:32Z","badgw_3":"200","n":"5"}`,
		`{"_msg":"127.0.0.1 - - [22/Nov/2026:01:23:49 +0000] \"GE\\x22T /a HTTP/1.1\" 200 5 \"-\" \"ua\""}`,
		`{"a":"\u00e9\ud83d\ude00\n\t\\\/"}`,
		`{ "a" : "b" , "c":"" }`,
		`{}`,
		`{"a":"\ud800"}`,
		`{"n":5}`,
		`{"a":"b"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var want map[string]string
		valid := json.Unmarshal(line, &want) == nil && utf8.Valid(line)
		got := map[string]string{}
		keys := 0
		err := eachField(append([]byte(nil), line...), func(k, v []byte) {
			got[string(k)] = string(v)
			keys++
		})
		if !valid || keys != len(got) || want == nil {
			return // encoding/json's answer is not the one to compare with
		}
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("%q: eachField %v, %v; encoding/json %v", line, got, err, want)
		}
	})
}
