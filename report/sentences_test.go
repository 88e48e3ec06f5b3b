package report_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/badgw/badgw/fixtures/fixturetest"
)

// TestResourceExhaustionFromItsFirstLine: in the recorded fd-exhaustion
// incident nginx logs "accept4() failed (24: Too many open files)" from
// 02:15:13 and answers 500 only at 02:15:19. The cause's window starts at
// the first such line and its count is every such line of the error.log
// (issue 24: "02:15:19–02:15:19" and 37 of 46).
func TestResourceExhaustionFromItsFirstLine(t *testing.T) {
	dir := fixturetest.Dir("fd-exhaustion")
	f, err := os.Open(filepath.Join(dir, "error.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	first, n := "", 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Too many open files") {
			if n == 0 {
				first = sc.Text()[11:19]
			}
			n++
		}
	}
	snap := fixturetest.Analyse(t, dir)
	found := false
	for _, b := range snap.Bursts {
		for _, c := range b.Causes {
			if c.ID != "resource_exhaustion" {
				continue
			}
			found = true
			if !strings.Contains(c.Summary, "during "+first+"–") {
				t.Errorf("window does not start at the first line (%s): %s", first, c.Summary)
			}
			if want := strconv.Itoa(n) + "× too many open files"; !strings.Contains(c.Summary, want) {
				t.Errorf("summary does not count the %d lines: %s", n, c.Summary)
			}
		}
	}
	if !found {
		t.Fatal("no resource_exhaustion cause")
	}
}
