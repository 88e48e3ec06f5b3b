package logparse

import "testing"

func TestUnescape(t *testing.T) {
	tests := []struct {
		esc     Escape
		in, out string
	}{
		{EscapeDefault, `GET /a\x22b\x5C HTTP/1.1`, `GET /a"b\ HTTP/1.1`},
		{EscapeDefault, `\x16\x03\x01`, "\x16\x03\x01"},
		{EscapeDefault, `bad \xZZ and \x1`, `bad \xZZ and \x1`},
		{EscapeJSON, `GET /a\"b\\c\/d HTTP/1.1`, `GET /a"b\c/d HTTP/1.1`},
		{EscapeJSON, `\u001b[31m\t\u00e9`, "\x1b[31m\t\u00e9"},
		{EscapeJSON, `\q \u12`, `\q \u12`},
		{EscapeNone, `a\x22b`, `a\x22b`},
		{EscapeDefault, `no escapes`, `no escapes`},
	}
	for _, tt := range tests {
		if got := string(Unescape(tt.esc, nil, []byte(tt.in))); got != tt.out {
			t.Errorf("Unescape(%s, %q) = %q, want %q", tt.esc, tt.in, got, tt.out)
		}
	}
}
