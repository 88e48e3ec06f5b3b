package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzClean: the output never carries ESC, BEL or other C0/C1 controls
// (tabs aside), is valid UTF-8, and cleaning it again changes nothing.
func FuzzClean(f *testing.F) {
	f.Add("a\x1b[31mb\x1b]0;t\x07c")
	f.Add("\xff\xfe\u009b1;2H")
	f.Add("=HYPERLINK(\"x\")")
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if !utf8.ValidString(c) {
			t.Fatalf("invalid UTF-8: %q", c)
		}
		for _, r := range c {
			if (r < 0x20 && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control %U left in %q", r, c)
			}
		}
		if Clean(c) != c {
			t.Fatalf("not idempotent: %q -> %q", c, Clean(c))
		}
		if cell := Cell(s); cell != "" && strings.ContainsRune("=+-@\r", rune(cell[0])) {
			t.Fatalf("cell starts a formula: %q", cell)
		}
	})
}
