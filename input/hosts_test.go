package input

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExpandHosts: each host's files become sets of its own, rotation
// families kept together, the host's name from where {host} stands.
func TestExpandHosts(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"web-1/access.log", "web-1/access.log.1", "web-1/error.log", "web-2/access.log", "web-2/error.log", "other.txt"} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x\n"), 0o644)
	}
	sets, err := ExpandHosts(filepath.Join(dir, "{host}", "*.log*"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sets {
		var names []string
		for _, p := range s.Paths {
			names = append(names, filepath.Base(p))
		}
		got = append(got, s.Host+":"+strings.Join(names, ","))
	}
	want := "web-1:access.log.1,access.log web-1:error.log web-2:access.log web-2:error.log"
	if strings.Join(got, " ") != want {
		t.Errorf("got %q\nwant %q", strings.Join(got, " "), want)
	}
	if _, err := ExpandHosts(filepath.Join(dir, "*.log")); err == nil {
		t.Error("a pattern without {host} was taken")
	}
	sets, _ = ExpandHosts(filepath.Join(dir, "{host}", "nothing.log"))
	if len(sets) != 1 || sets[0].Unread == nil {
		t.Errorf("no match: %+v", sets)
	}
}
