package logparse_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// TestPublicAccessCorpus reads access lines that people posted with their
// log_format (testdata/corpus-access-lines.txt, source beside each block):
// unwrapped as badgw unwraps them, each must parse under its format with a
// real status and client. It also logs how many blocks detection alone
// (no format given) reads right, and fails below 98 % of lines.
func TestPublicAccessCorpus(t *testing.T) {
	f, err := os.Open("testdata/corpus-access-lines.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type block struct {
		source string
		format *logparse.Format
		lines  [][]byte
	}
	var blocks []*block
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#> "):
			blocks = append(blocks, &block{source: strings.Fields(line[3:])[0]})
		case strings.HasPrefix(line, "#format "):
			format, err := logparse.ParseFormat(line[len("#format "):])
			if err != nil {
				t.Fatalf("%s: %v", blocks[len(blocks)-1].source, err)
			}
			blocks[len(blocks)-1].format = format
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			b := blocks[len(blocks)-1]
			b.lines = append(b.lines, input.Unwrap([]byte(line)).Payload)
		}
	}
	total, right, detected := 0, 0, 0
	sources := map[string]bool{}
	for _, b := range blocks {
		sources[b.source] = true
		for _, line := range b.lines {
			total++
			var rec logparse.Record
			err := b.format.Parse(line, &rec)
			switch {
			case err != nil:
				t.Logf("%s: %v", b.source, err)
			case rec.Status < 100 || rec.Status > 599:
				t.Logf("%s: status %d: %s", b.source, rec.Status, line)
			case b.format.Has("remote_addr") && len(rec.Client) == 0:
				t.Logf("%s: no client: %s", b.source, line)
			default:
				right++
			}
		}
		if d, err := logparse.Detect(b.lines, logparse.Candidates()); err == nil && d.Matched == len(b.lines) {
			detected++
		} else {
			t.Logf("%s: not detected without its format (%v)", b.source, err)
		}
	}
	t.Logf("%d of %d access lines right under their posted format, from %d sources; detection alone reads %d of %d blocks", right, total, len(sources), detected, len(blocks))
	if float64(right) < 0.98*float64(total) {
		t.Errorf("%d of %d right: under 98%%", right, total)
	}
}
