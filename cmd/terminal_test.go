package cmd

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestKeysInARealTerminal drives the built badgw under tmux on an
// eight-day fixture with the keys as a terminal sends them (the escape
// sequences of PgDn, End, Home, Esc, the arrows): the raw lines page to
// their end and back, a search is cleared by the first esc and the pane
// left by the second, the day view opens a day's burst and the detail
// pages to its end (issue 25: only j/k moved, Enter did nothing in the
// day view). The goldens show screens; this shows the keys reach them.
func TestKeysInARealTerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	bin := filepath.Join(t.TempDir(), "badgw")
	if out, err := exec.Command("go", "build", "-o", bin, "./badgw").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir, _ := filepath.Abs(filepath.Dir(fixture("days-churn", "nginx.conf")))
	sock := "badgw-test-" + filepath.Base(t.TempDir())
	tmux := func(args ...string) string {
		out, _ := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		return string(out)
	}
	defer tmux("kill-server")
	tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
		bin+" analyze --nginx-conf "+dir+"/nginx.conf "+dir+"/access.log* "+dir+"/error.log*")
	screen := func() string { return tmux("capture-pane", "-p", "-t", "t") }
	waitFor := func(what string, ok func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			s := screen()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the screen never showed it:\n%s", what, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	has := func(sub string) func(string) bool { return func(s string) bool { return strings.Contains(s, sub) } }
	keys := func(k ...string) { tmux(append([]string{"send-keys", "-t", "t"}, k...)...) }
	selected := regexp.MustCompile(`(?m)^line (\d+) · `)
	sel := func(s string) string {
		if m := selected.FindStringSubmatch(s); m != nil {
			return m[1]
		}
		return ""
	}
	waitFor("the bursts", has("done · 10 bursts of 502"))
	keys("r")
	first := sel(waitFor("the raw lines", has("Raw lines of burst #1")))
	keys("End")
	last := sel(waitFor("End in the raw lines", func(s string) bool { return sel(s) != "" && sel(s) != first }))
	keys("Home")
	waitFor("Home in the raw lines", func(s string) bool { return sel(s) == first })
	keys("NPage")
	waitFor("PgDn in the raw lines", func(s string) bool { return sel(s) != first && sel(s) != "" })
	if first != "1" || last == "" {
		t.Fatalf("first line %q, last %q", first, last)
	}
	keys("/")
	waitFor("the search prompt", has("/words, status:502"))
	keys("E addr", "Enter")
	waitFor("a search", has("/E addr"))
	keys("Escape")
	waitFor("esc clears the search", func(s string) bool { return strings.Contains(s, "Raw lines") && !strings.Contains(s, "/E addr") })
	keys("Escape")
	waitFor("esc leaves the pane", func(s string) bool { return !strings.Contains(s, "Raw lines") })
	keys("d")
	waitFor("the day view", has("Days  ←/→ day"))
	keys("Down", "Enter")
	waitFor("enter on a day's burst", has("502 burst #8 on backend"))
	keys("End")
	waitFor("End in the detail", has("(end)"))
	keys("Escape")
	waitFor("esc back to the days", has("Days  ←/→ day"))
	keys("q")
}
