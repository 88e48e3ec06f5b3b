package nginxconf

import (
	"fmt"
	"os"
	"path/filepath"
)

// maxIncludeDepth bounds include nesting, so that a file including itself
// ends with an error instead of a stack overflow.
const maxIncludeDepth = 16

// Load reads an nginx.conf and the files its include directives name
// (globs relative to the main file's folder, as nginx resolves them against
// its prefix), and returns the directives with every include replaced by
// what it names: the tree nginx itself sees. Each directive keeps the file
// and line it came from.
func Load(path string) ([]Directive, error) {
	return loadFile(path, filepath.Dir(path), 0)
}

func loadFile(path, root string, depth int) ([]Directive, error) {
	if depth > maxIncludeDepth {
		return nil, fmt.Errorf("%s: includes nested too deep", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ds, err := Parse(path, string(data))
	if err != nil {
		return nil, err
	}
	return expand(ds, root, depth)
}

func expand(ds []Directive, root string, depth int) ([]Directive, error) {
	out := make([]Directive, 0, len(ds))
	for _, d := range ds {
		if d.Name() == "include" {
			if len(d.Args) < 2 {
				continue
			}
			pat := d.Args[1]
			if !filepath.IsAbs(pat) {
				pat = filepath.Join(root, pat)
			}
			matches, err := filepath.Glob(pat)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", d.File, d.Line, err)
			}
			for _, m := range matches {
				inner, err := loadFile(m, root, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, inner...)
			}
			continue
		}
		if len(d.Block) > 0 {
			inner, err := expand(d.Block, root, depth)
			if err != nil {
				return nil, err
			}
			d.Block = inner
		}
		out = append(out, d)
	}
	return out, nil
}
