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

// Expand resolves arguments (files, globs, "-") into rotation sets, each
// ordered oldest first. Sets keep the order in which their first member was
// named. A glob that matches nothing is an error.
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
				return nil, fmt.Errorf("%s: no file matches", arg)
			}
			matches = m
		}
		for _, path := range matches {
			if seen[path] {
				continue
			}
			fi, err := os.Stat(path)
			if err != nil {
				return nil, err
			}
			if fi.IsDir() {
				return nil, fmt.Errorf("%s: is a directory", path)
			}
			seen[path] = true
			base, _, _, _ := rotationKey(path)
			i, ok := index[base]
			if !ok {
				i = len(sets)
				index[base] = i
				sets = append(sets, Set{Base: base})
			}
			sets[i].Paths = append(sets[i].Paths, path)
		}
	}
	for i := range sets {
		SortRotated(sets[i].Paths)
	}
	return sets, nil
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
