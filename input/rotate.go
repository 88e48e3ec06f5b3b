package input

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Set is a group of files that are one log over time (a logrotate family),
// in the order their lines were written: oldest first.
type Set struct {
	Base  string   // the live file's name, e.g. "/var/log/nginx/access.log"
	Paths []string // oldest first; "-" alone means stdin
	// Unread says why an argument cannot be read (a missing file, a glob
	// that matches nothing, a directory with no log in it); Paths then
	// holds the argument alone, and the run reads the other sets.
	Unread error
	// Host is the nginx host that wrote the set (ExpandHosts); empty when
	// the inputs are one host's.
	Host string
}

var (
	compressExt = regexp.MustCompile(`\.(gz|zst|zstd|bz2)$`)
	numbered    = regexp.MustCompile(`^(.*)\.(\d+)$`)
	dated       = regexp.MustCompile(`^(.*)-(\d{8}(?:\d{2})?)$`)
)

// rotationKey splits a file name into the live file it was rotated from and a
// sort key: numbered rotations (access.log.3) sort before access.log.1 and
// date-stamped ones (access.log-20261120) in date order; the live file last.
func rotationKey(path string) (base string, kind int, n int64, stamp string) {
	p := compressExt.ReplaceAllString(path, "")
	if m := numbered.FindStringSubmatch(p); m != nil {
		v, _ := strconv.ParseInt(m[2], 10, 64)
		return m[1], 1, v, ""
	}
	if m := dated.FindStringSubmatch(p); m != nil {
		return m[1], 0, 0, m[2]
	}
	return p, 2, 0, ""
}

// Expand resolves arguments (files, globs, directories, "-") into
// rotation sets, each ordered oldest first. Sets keep the order in which
// their first member was named. A directory stands for the nginx logs in
// it (dirLogs). An argument that cannot be read is a set of its own with
// Unread set, so that the rest is read and the run names what was not;
// only a malformed glob is an error.
func Expand(args []string) ([]Set, error) {
	var sets []Set
	index := map[string]int{}
	seen := map[string]bool{}
	for _, arg := range args {
		if arg == "-" {
			sets = append(sets, Set{Base: "-", Paths: []string{"-"}})
			continue
		}
		matches := []string{arg}
		if strings.ContainsAny(arg, "*?[") {
			m, err := filepath.Glob(arg)
			if err != nil {
				return nil, fmt.Errorf("bad glob %q: %w", arg, err)
			}
			if len(m) == 0 {
				sets = append(sets, Set{Base: arg, Paths: []string{arg}, Unread: fmt.Errorf("%s: no file matches", arg)})
				continue
			}
			matches = m
		}
		for i := 0; i < len(matches); i++ {
			path := matches[i]
			if seen[path] {
				continue
			}
			fi, err := os.Stat(path)
			if err != nil {
				sets = append(sets, Set{Base: path, Paths: []string{path}, Unread: err})
				seen[path] = true
				continue
			}
			if fi.IsDir() {
				logs, err := dirLogs(path)
				if err != nil || len(logs) == 0 {
					if err == nil {
						err = fmt.Errorf("%s: a directory with no access or error log in it (names with \"access\" or \"error\" and \".log\")", path)
					}
					sets = append(sets, Set{Base: path, Paths: []string{path}, Unread: err})
					seen[path] = true
					continue
				}
				matches = append(matches[:i+1], append(logs, matches[i+1:]...)...)
				continue
			}
			seen[path] = true
			base, _, _, _ := rotationKey(path)
			at, ok := index[base]
			if !ok {
				at = len(sets)
				index[base] = at
				sets = append(sets, Set{Base: base})
			}
			sets[at].Paths = append(sets[at].Paths, path)
		}
	}
	for i := range sets {
		SortRotated(sets[i].Paths)
	}
	return sets, nil
}

// dirLogs lists the nginx logs in a directory, as /var/log/nginx holds
// them: regular files, not hidden, whose names hold "access" or "error"
// and ".log" (access.log, access.log.2.gz, api.error.log-20261120), so
// that other programs' logs beside them are left alone.
func dirLogs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || !strings.Contains(name, ".log") ||
			!strings.Contains(name, "access") && !strings.Contains(name, "error") {
			continue
		}
		out = append(out, filepath.Join(dir, name))
	}
	return out, nil
}

// SortRotated orders the members of one rotation family oldest first.
func SortRotated(paths []string) {
	sort.SliceStable(paths, func(i, j int) bool {
		_, ki, ni, si := rotationKey(paths[i])
		_, kj, nj, sj := rotationKey(paths[j])
		if ki != kj {
			return ki < kj
		}
		switch ki {
		case 0:
			return si < sj
		case 1:
			return ni > nj
		}
		return false
	})
}
