package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// FIFOWait is how long an export waits for a reader to open a named pipe
// before giving up: a FIFO nobody reads would otherwise hold the run for
// ever after its report.
var FIFOWait = 10 * time.Second

// Output is a file the user named for an export (--csv, --json). It is
// checked before any input is read, so a typo fails at once rather than
// after an hour of logs, and written whole: a regular file through a
// temporary file renamed over it, so a reader never sees half a file and a
// failed run leaves the previous one intact.
type Output struct {
	// Path is the name as the user gave it; every message uses it.
	Path string
	// target is the file really written: Path with symlinks resolved, so
	// the link is written through rather than replaced.
	target string
	// direct marks a device node or FIFO (/dev/null, /dev/stdout, a named
	// pipe): written in place, never renamed over.
	direct bool
	stdout bool
	mode   fs.FileMode
	exists bool
	stream *os.File // open while rows are streamed to a device or FIFO
}

// CheckOutput checks that path can be written: "-" is standard output; an
// existing directory, a missing parent folder or a folder that refuses a new
// file are errors naming path.
func CheckOutput(path string) (*Output, error) {
	if path == "-" {
		return &Output{Path: path, stdout: true}, nil
	}
	o := &Output{Path: path, target: path, mode: 0o666 &^ umask()}
	// Stat follows links the way open does, /proc's magic links included
	// (/dev/stdout on a pipe), so it decides what kind of file this is.
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return nil, fmt.Errorf("%s is a directory, not a file to write", path)
	case err == nil && !fi.Mode().IsRegular():
		o.direct, o.exists = true, true
		if err := writable(path); err != nil {
			return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
		}
		return o, nil
	case err == nil:
		o.exists, o.mode = true, fi.Mode().Perm()
		if o.target, err = filepath.EvalSymlinks(path); err != nil {
			return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
		}
	case errors.Is(err, fs.ErrNotExist):
		if o.target, err = resolveLink(path); err != nil {
			return nil, fmt.Errorf("cannot write %s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	dir := filepath.Dir(o.target)
	if di, err := os.Stat(dir); err != nil || !di.IsDir() {
		return nil, fmt.Errorf("cannot write %s: folder %s does not exist", path, filepath.Dir(path))
	}
	probe, err := os.CreateTemp(dir, "."+filepath.Base(o.target)+".check-*")
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return o, nil
}

// resolveLink follows path's symlinks to the file they name, which may not
// exist yet (a dangling link is written through, creating its target).
func resolveLink(path string) (string, error) {
	p := path
	for range 40 {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", errors.New("too many levels of symbolic links")
}

// unwrapPath drops the *PathError's own path, which may be the temporary
// file's: messages name the path the user gave.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// SameFile reports whether o and other write the same file (through links
// or different spellings of its path). /dev/null may take any number.
func (o *Output) SameFile(other *Output) bool {
	if o.stdout || other.stdout {
		return o.stdout && other.stdout
	}
	a, errA := filepath.Abs(o.target)
	b, errB := filepath.Abs(other.target)
	if errA == nil && errB == nil && a == b {
		return a != os.DevNull
	}
	fa, errA := os.Stat(o.target)
	fb, errB := os.Stat(other.target)
	return errA == nil && errB == nil && os.SameFile(fa, fb) && a != os.DevNull
}

// Exists reports whether a file was at the path when it was checked.
func (o *Output) Exists() bool { return o.exists && !o.direct }

// IsStdout reports whether the output is standard output ("-").
func (o *Output) IsStdout() bool { return o.stdout }

// Streams reports whether the output is written as it goes (stdout, a
// device or FIFO) rather than replaced whole.
func (o *Output) Streams() bool { return o.stdout || o.direct }

// Write writes the export: to stdout, in place for a device or FIFO, and
// otherwise atomically. An existing file keeps its permissions; a new one
// gets 0666 less the umask. The temporary file is removed on every error
// (signals are caught for the whole run, so this defer runs for them too).
func (o *Output) Write(stdout io.Writer, write func(io.Writer) error) error {
	switch {
	case o.stdout:
		return write(stdout)
	case o.direct:
		f, err := openDirect(o.target, FIFOWait)
		if err != nil {
			return fmt.Errorf("writing %s: %w", o.Path, unwrapPath(err))
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", o.Path, unwrapPath(err))
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.target), "."+filepath.Base(o.target)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", o.Path, unwrapPath(err))
	}
	name := tmp.Name()
	defer os.Remove(name) // a no-op once renamed
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(o.mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, o.target)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", o.Path, unwrapPath(err))
	}
	return nil
}

// WriteFile checks path and writes it as Output.Write does.
func WriteFile(path string, stdout io.Writer, write func(io.Writer) error) error {
	o, err := CheckOutput(path)
	if err != nil {
		return err
	}
	return o.Write(stdout, write)
}

// Stream opens a streaming output (Streams is true) for rows written as
// they come; CloseStream ends it.
func (o *Output) Stream(stdout io.Writer) (io.Writer, error) {
	if o.stdout {
		return stdout, nil
	}
	if !o.direct {
		return nil, fmt.Errorf("%s is a regular file: it is rewritten whole, not streamed", o.Path)
	}
	f, err := openDirect(o.target, FIFOWait)
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", o.Path, unwrapPath(err))
	}
	o.stream = f
	return f, nil
}

// CloseStream closes what Stream opened.
func (o *Output) CloseStream() error {
	if o.stream == nil {
		return nil
	}
	err := o.stream.Close()
	o.stream = nil
	return err
}
