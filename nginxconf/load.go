package nginxconf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// maxIncludeDepth bounds include nesting, so that a file including itself
// ends with an error instead of a stack overflow.
const maxIncludeDepth = 16

// MaxConfigBytes bounds what one configuration may hold, its includes and
// a dump read from a pipe together. The largest generated configurations
// (thousands of virtual hosts and upstreams) are a few megabytes; past
// this the input is not a configuration, and reading on would only grow.
const MaxConfigBytes = 64 << 20

// ErrTooLarge is returned for a configuration over MaxConfigBytes.
var ErrTooLarge = fmt.Errorf("configuration over %d MiB: refused (no real nginx.conf is this large)", MaxConfigBytes>>20)

// Load reads an nginx.conf and the files its include directives name
// (globs relative to the main file's folder, as nginx resolves them against
// its prefix), and returns the directives with every include replaced by
// what it names: the tree nginx itself sees. Each directive keeps the file
// and line it came from. The first syntax error ends it.
func Load(path string) ([]Directive, error) {
	l := loader{src: &diskFiles{}, root: filepath.Dir(path)}
	ds, err := l.load(path, 0)
	if err != nil {
		return nil, err
	}
	if len(l.problems) > 0 {
		return nil, l.problems[0]
	}
	return ds, nil
}

// Config is a configuration read for an audit: the tree, the files it came
// from and the syntax problems a lenient read stepped over.
type Config struct {
	Directives []Directive
	Files      []string
	Problems   []Problem
	// Missing lists includes that matched no file (a dump holds only the
	// files nginx read; a pasted config often names files not pasted).
	Missing []Problem
}

// LoadLenient reads path as Load does, but steps over syntax errors (see
// ParseLenient) and recovers blocks left open: an http, server or upstream
// block can only stand where nginx allows it, so one found inside, say, an
// unclosed upstream block closes that block first.
func LoadLenient(path string) (*Config, error) {
	return loadLenient(&diskFiles{}, path)
}

// LoadReader reads a configuration from a stream, leniently: the output
// of "nginx -T" (each file after a "# configuration file PATH:" line, the
// main file first, includes matched against the files in the dump), or a
// single file's text, named name, whose includes are then not available.
func LoadReader(name string, r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxConfigBytes {
		return nil, fmt.Errorf("%s: %w", name, ErrTooLarge)
	}
	text := string(data)
	if strings.HasPrefix(text, dumpMarker) || strings.Contains(text, "\n"+dumpMarker) {
		files, order, err := splitDump(strings.NewReader(text))
		if err != nil {
			return nil, err
		}
		return loadLenient(files, order[0])
	}
	return loadLenient(dumpFiles{name: text}, name)
}

func loadLenient(src fileSource, path string) (*Config, error) {
	l := loader{src: src, root: filepath.Dir(path), lenient: true}
	ds, err := l.load(path, 0)
	if err != nil {
		return nil, err
	}
	ds = hoist(ds, "main", &l.problems)
	return &Config{Directives: ds, Files: l.files, Problems: l.problems, Missing: l.missing}, nil
}

// fileSource is where a loader reads files: the disk, or a dump.
type fileSource interface {
	read(path string) ([]byte, error)
	glob(pattern string) ([]string, error)
}

// diskFiles reads regular files only, MaxConfigBytes of them in all: an
// include of /dev/zero, of a FIFO nobody writes or of a huge file is an
// error, never an endless read.
type diskFiles struct {
	total int64 // bytes read so far, every file together
}

func (d *diskFiles) read(path string) ([]byte, error) {
	data, err := ReadFile(path, MaxConfigBytes-d.total)
	d.total += int64(len(data))
	return data, err
}

// ReadFile reads a regular file of at most limit bytes: a device, a FIFO
// or a directory is an error naming what it is, a larger file one that
// wraps ErrTooLarge. Configurations and the Lua files they name are read
// through it, so that no include or path makes badgw read without end.
func ReadFile(path string, limit int64) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer; the file is
	// checked to be regular before anything is read from it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s): only regular files are read as configuration", path, fileKind(fi.Mode()))
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w", path, ErrTooLarge)
	}
	return data, nil
}

func (*diskFiles) glob(pattern string) ([]string, error) { return filepath.Glob(pattern) }

// fileKind names what a file that is not regular is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}

type dumpFiles map[string]string

func (d dumpFiles) read(path string) ([]byte, error) {
	text, ok := d[path]
	if !ok {
		return nil, fmt.Errorf("%s: not in the dump", path)
	}
	return []byte(text), nil
}

func (d dumpFiles) glob(pattern string) ([]string, error) {
	var out []string
	for name := range d {
		ok, err := filepath.Match(pattern, name)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, name)
		}
	}
	sort.Strings(out) // as glob(3) orders them
	return out, nil
}

const dumpMarker = "# configuration file "

// splitDump cuts nginx -T output into its files. The lines nginx -t prints
// before the first file ("nginx: the configuration file … syntax is ok")
// are skipped.
func splitDump(r io.Reader) (dumpFiles, []string, error) {
	files := dumpFiles{}
	var order []string
	var cur *strings.Builder
	flush := func() {
		if cur != nil {
			files[order[len(order)-1]] = cur.String()
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, dumpMarker); ok && strings.HasSuffix(name, ":") {
			flush()
			order = append(order, strings.TrimSuffix(name, ":"))
			cur = &strings.Builder{}
			continue
		}
		if cur != nil {
			cur.WriteString(line)
			cur.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	flush()
	if len(order) == 0 {
		return nil, nil, errors.New(`not an "nginx -T" dump: no "# configuration file …:" line`)
	}
	return files, order, nil
}

type loader struct {
	src      fileSource
	root     string
	lenient  bool
	files    []string
	problems []Problem
	missing  []Problem
}

func (l *loader) load(path string, depth int) ([]Directive, error) {
	if depth > maxIncludeDepth {
		return nil, fmt.Errorf("%s: includes nested too deep", path)
	}
	data, err := l.src.read(path)
	if err != nil {
		return nil, err
	}
	l.files = append(l.files, path)
	var ds []Directive
	if l.lenient {
		var problems []Problem
		ds, problems = ParseLenient(path, string(data))
		l.problems = append(l.problems, problems...)
	} else if ds, err = Parse(path, string(data)); err != nil {
		return nil, err
	}
	return l.expand(ds, depth)
}

func (l *loader) expand(ds []Directive, depth int) ([]Directive, error) {
	out := make([]Directive, 0, len(ds))
	for _, d := range ds {
		if d.Name() == "include" {
			if len(d.Args) < 2 {
				continue
			}
			pat := d.Args[1]
			if !filepath.IsAbs(pat) {
				pat = filepath.Join(l.root, pat)
			}
			matches, err := l.src.glob(pat)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", d.File, d.Line, err)
			}
			if len(matches) == 0 && !strings.ContainsAny(pat, "*?[") {
				l.missing = append(l.missing, Problem{File: d.File, Line: d.Line, Msg: "include " + d.Args[1] + ": no such file"})
			}
			for _, m := range matches {
				inner, err := l.load(m, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, inner...)
			}
			continue
		}
		if len(d.Block) > 0 {
			inner, err := l.expand(d.Block, depth)
			if err != nil {
				return nil, err
			}
			d.Block = inner
		}
		out = append(out, d)
	}
	return out, nil
}

// allowedIn says in which blocks nginx accepts the blocks that structure a
// configuration.
var allowedIn = map[string][]string{
	"events":   {"main"},
	"http":     {"main"},
	"stream":   {"main"},
	"server":   {"http", "stream"},
	"upstream": {"http", "stream"},
}

// hoist moves a structuring block that stands where nginx does not allow it
// (and every directive after it) out to the enclosing block: the repair of
// a block whose closing brace was lost in a paste. kind is the block ds is
// the body of.
func hoist(ds []Directive, kind string, problems *[]Problem) []Directive {
	if !misplaced(ds, kind, nil) {
		return ds // nothing to move: no copy of the tree
	}
	out, _ := hoistIn(ds, kind, nil, problems)
	return out
}

// misplaced reports whether a structuring block stands where nginx does
// not allow it anywhere in ds, the body of a block of this kind inside
// outer.
func misplaced(ds []Directive, kind string, outer []string) bool {
	chain := append(outer[:len(outer):len(outer)], kind)
	for _, d := range ds {
		if parents, ok := allowedIn[d.Name()]; ok && d.Block != nil && !contains(parents, kind) && anyIn(parents, outer) {
			return true
		}
		if d.Block != nil && d.Lua == "" && len(d.Block) > 0 && misplaced(d.Block, d.Name(), chain) {
			return true
		}
	}
	return false
}

// hoistIn returns the body that stays in a block of this kind and the
// directives that must move out of it.
func hoistIn(ds []Directive, kind string, outer []string, problems *[]Problem) (stay, moved []Directive) {
	chain := append(append([]string{}, outer...), kind)
	for i := 0; i < len(ds); i++ {
		d := ds[i]
		if parents, ok := allowedIn[d.Name()]; ok && d.Block != nil && !contains(parents, kind) && anyIn(parents, outer) {
			*problems = append(*problems, Problem{File: d.File, Line: d.Line,
				Msg: fmt.Sprintf("%q block inside %q: the %s block was not closed before it (read as closed there)", d.Name(), kind, kind)})
			return stay, ds[i:]
		}
		if d.Block != nil && d.Lua == "" && len(d.Block) > 0 {
			body, out := hoistIn(d.Block, d.Name(), chain, problems)
			if body == nil {
				body = []Directive{} // still a block, now an empty one
			}
			d.Block = body
			stay = append(stay, d)
			if len(out) > 0 {
				// What left the inner block continues in this one.
				rest := append(append([]Directive{}, out...), ds[i+1:]...)
				more, up := hoistIn(rest, kind, outer, problems)
				return append(stay, more...), up
			}
			continue
		}
		stay = append(stay, d)
	}
	return stay, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func anyIn(list, chain []string) bool {
	for _, v := range list {
		if contains(chain, v) {
			return true
		}
	}
	return false
}
