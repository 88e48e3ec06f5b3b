package logparse_test

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// TestPublicCorpus measures the error lines people posted publicly (the
// testdata corpora, source beside each): unwrapped as badgw unwraps them,
// each must parse and get its category. It logs the figures per category
// and per wrapper, and fails below 99 %.
func TestPublicCorpus(t *testing.T) {
	type result struct{ ok, all int }
	byCat, byWrapper := map[string]*result{}, map[string]*result{}
	count := func(m map[string]*result, k string, ok bool) {
		if m[k] == nil {
			m[k] = &result{}
		}
		m[k].all++
		if ok {
			m[k].ok++
		}
	}
	sources := map[string]bool{}
	total, right, fragments := 0, 0, 0
	for _, file := range []string{"testdata/public-error-lines.txt", "testdata/corpus-error-lines.txt"} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		want, source := "", ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "#> "):
				fields := strings.Fields(line[3:])
				want, source = fields[0], fields[1]
				sources[source] = true
				continue
			case line == "" || strings.HasPrefix(line, "#"):
				continue
			}
			u := input.Unwrap([]byte(line))
			wrapper := strings.Join(u.Wrappers, "+")
			if wrapper == "" {
				wrapper = "none"
			}
			var ev logparse.Event
			got := "unparsed"
			if input.IsControllerLine(u.Payload) {
				// The ingress-nginx controller's own klog lines: counted
				// apart, never read as nginx's.
				got = "controller"
			} else if err := logparse.ParseErrorLine(u.Payload, time.UTC, &ev); err == nil {
				got = ev.Category.String()
			} else {
				// A fragment pasted without nginx's prefix, as badgw
				// explain reads it.
				logparse.ParseErrorFragment(u.Payload, &ev)
				got = ev.Category.String()
				fragments++
			}
			ok := got == want
			total++
			if ok {
				right++
			} else {
				t.Logf("%s: got %s, want %s: %.160s", source, got, want, line)
			}
			count(byCat, want, ok)
			count(byWrapper, wrapper, ok)
		}
		f.Close()
	}
	report := func(name string, m map[string]*result) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(" " + k + " " + itoa(m[k].ok) + "/" + itoa(m[k].all))
		}
		t.Logf("per %s:%s", name, b.String())
	}
	report("category", byCat)
	report("wrapper", byWrapper)
	t.Logf("%d lines read as fragments (no dated nginx prefix: they join nothing)", fragments)
	t.Logf("%d of %d lines right (%.1f%%) from %d sources", right, total, 100*float64(right)/float64(total), len(sources))
	if float64(right) < 0.99*float64(total) {
		t.Errorf("%d of %d right: under 99%%", right, total)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
