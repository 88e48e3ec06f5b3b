// Package follow reads a log file as nginx writes it and logrotate moves
// it, for as long as it runs: by name and by inode, so that no line is
// read twice or skipped across a rotation or a restart.
//
// A File is an io.Reader that blocks until lines arrive, as a pipe from
// "tail -F" would, and hands out whole lines only: a line nginx is still
// writing waits for its newline. Rotation is seen by polling the path:
//
//   - renamed ("create", Debian's default, with delaycompress and USR1 to
//     nginx): the path names another inode. The old file, still open, is
//     read to its end before the new one is opened, so the lines written
//     between the rename and nginx reopening its logs are kept.
//   - copied and truncated ("copytruncate"): the same inode is shorter than
//     what was read. Lines written between the copy and the truncation
//     may be lost; each such truncation is counted (Stats.Truncations) and
//     reading starts again at the top, never silently.
//   - removed, or not there yet: the path is polled until a file appears,
//     which is read from its start.
//
// The position (device, inode, offset) of each file can be saved to a
// state file and resumed: if the inode at the path is another one when
// badgw starts again, the file it was reading is looked for beside it
// (logrotate's access.log.1) and read to its end first.
package follow

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Position is where a followed file stands: its identity and the bytes
// read from it, up to the end of the last whole line handed out.
type Position struct {
	Path   string `json:"path"`
	Dev    uint64 `json:"dev"`
	Inode  uint64 `json:"inode"`
	Offset int64  `json:"offset"`
}

// Stats counts what happened to a followed file.
type Stats struct {
	Bytes       int64 // handed out
	Rotations   int   // renames seen (a new inode at the path)
	Truncations int   // copytruncate or a truncation: lines may have been lost
	Missing     bool  // the path names no file right now
	// Behind is how many bytes of the open file are not yet handed out:
	// how far the reader trails the live edge.
	Behind int64
}

// Options tune a File.
type Options struct {
	// Poll is how often an idle file's path is checked; 250 ms when zero.
	Poll time.Duration
	// FromStart reads a file that has no saved position from its start;
	// otherwise from its end, the live edge (a file that appears later is
	// always read from its start).
	FromStart bool
	// Resume is the saved position of this path, if any.
	Resume *Position
	// RotateGrace is how long a renamed file must stay quiet before the
	// new file at its path is read; one second when zero. logrotate
	// signals nginx right after the rename, and nginx's workers reopen
	// their logs within it.
	RotateGrace time.Duration
}

// File follows one path. Read and Position may be called from different
// goroutines.
type File struct {
	path string
	opts Options
	ctx  context.Context

	mu    sync.Mutex
	f     *os.File
	pos   Position
	stats Stats
	// pending holds the bytes read and not yet handed out from head on:
	// whole lines, and after them a line still being written. take moves
	// head; fill moves what is left to the front before it reads more.
	pending []byte
	head    int
	buf     []byte
	// rotatedAt is when the path was first seen naming another file while
	// the open one was at its end; the open one is kept until it has been
	// quiet for Options.RotateGrace, for the lines nginx writes into it before it
	// reopens its logs.
	rotatedAt time.Time
}

// Open starts following path; reads block until ctx ends, then return
// io.EOF.
func Open(ctx context.Context, path string, opts Options) (*File, error) {
	if opts.Poll <= 0 {
		opts.Poll = 250 * time.Millisecond
	}
	if opts.RotateGrace <= 0 {
		opts.RotateGrace = time.Second
	}
	fl := &File{path: path, opts: opts, ctx: ctx, buf: make([]byte, 256<<10)}
	fl.pos.Path = path
	if err := fl.start(); err != nil {
		return nil, err
	}
	return fl, nil
}

// start opens the path as the saved position, or FromStart, says.
func (fl *File) start() error {
	f, id, err := openID(fl.path)
	if errors.Is(err, os.ErrNotExist) {
		fl.stats.Missing = true
		return nil // polled until it appears
	}
	if err != nil {
		return err
	}
	r := fl.opts.Resume
	switch {
	case r != nil && r.Dev == id.Dev && r.Inode == id.Inode:
		if size(f) < r.Offset {
			fl.stats.Truncations++ // shorter than when it was left
			r = &Position{}
		}
		return fl.use(f, id, r.Offset)
	case r != nil:
		// Rotated while badgw was not running: the file it was reading,
		// if still beside the path, is read to its end first; the file at
		// the path follows as after any rename.
		if old := findInode(fl.path, r.Dev, r.Inode); old != nil && size(old) >= r.Offset {
			f.Close()
			return fl.use(old, Position{Dev: r.Dev, Inode: r.Inode}, r.Offset)
		} else if old != nil {
			old.Close()
		}
		fl.stats.Rotations++
		return fl.use(f, id, 0)
	case fl.opts.FromStart:
		return fl.use(f, id, 0)
	default:
		return fl.use(f, id, size(f))
	}
}

func (fl *File) use(f *os.File, id Position, offset int64) error {
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	fl.f = f
	fl.pos = Position{Path: fl.path, Dev: id.Dev, Inode: id.Inode, Offset: offset}
	fl.stats.Missing = false
	return nil
}

// Position returns where the file stands: what a restart resumes from.
func (fl *File) Position() Position {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	p := fl.pos
	p.Offset = max(0, p.Offset) // the old file's last bytes are still going out
	return p
}

// Stats returns the file's counts.
func (fl *File) Stats() Stats {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	st := fl.stats
	if fl.f != nil {
		st.Behind = max(0, size(fl.f)-max(0, fl.pos.Offset))
	}
	return st
}

// Name is the followed path.
func (fl *File) Name() string { return fl.path }

// Close closes the open files; a blocked Read returns io.EOF once its
// context ends.
func (fl *File) Close() error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.f != nil {
		err := fl.f.Close()
		fl.f = nil
		return err
	}
	return nil
}

// Read hands out whole lines as they are written, blocking until there
// are some; io.EOF once the context has ended.
func (fl *File) Read(p []byte) (int, error) {
	for {
		if n := fl.take(p); n > 0 {
			return n, nil
		}
		if fl.ctx.Err() != nil {
			return 0, io.EOF
		}
		progressed, err := fl.fill()
		if err != nil {
			return 0, err
		}
		if !progressed {
			select {
			case <-fl.ctx.Done():
			case <-time.After(fl.opts.Poll):
			}
		}
	}
}

// take copies out whole lines read so far.
func (fl *File) take(p []byte) int {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	held := fl.pending[fl.head:]
	end := bytes.LastIndexByte(held, '\n') + 1
	if end == 0 && len(held) >= maxPending {
		end = len(held) // a huge line goes out in pieces
	}
	if end == 0 {
		return 0
	}
	// Hand out whole lines only, as many as fit (or part of a line longer
	// than p: the line reader joins the pieces).
	n := end
	if n > len(p) {
		if k := bytes.LastIndexByte(held[:len(p)], '\n') + 1; k > 0 {
			n = k
		} else {
			n = len(p)
		}
	}
	copy(p, held[:n])
	fl.head += n
	fl.stats.Bytes += int64(n)
	fl.pos.Offset += int64(n)
	return n
}

// fill reads what the files have, following a rotation at their end; it
// reports whether anything changed.
func (fl *File) fill() (bool, error) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.head > 0 {
		fl.pending = append(fl.pending[:0], fl.pending[fl.head:]...)
		fl.head = 0
	}
	if len(fl.pending) >= maxPending {
		return false, nil // take hands it out first
	}
	if fl.f == nil {
		f, id, err := openID(fl.path)
		if err != nil {
			fl.stats.Missing = true
			return false, nil
		}
		// The path appeared, came back, or names the file that replaced
		// the one just read to its end: its lines from the start. The old
		// file's last bytes, still pending, go out before them.
		fl.f = f
		fl.pos = Position{Path: fl.path, Dev: id.Dev, Inode: id.Inode, Offset: -int64(len(fl.pending))}
		fl.stats.Missing = false
		return true, nil
	}
	n, err := fl.f.Read(fl.buf[:min(len(fl.buf), maxPending-len(fl.pending))])
	if n > 0 {
		fl.pending = append(fl.pending, fl.buf[:n]...)
		fl.rotatedAt = time.Time{}
		return true, nil
	}
	if err != nil && err != io.EOF {
		return false, err
	}
	// At the end of the open file: has the path moved on?
	cur, err := os.Stat(fl.path)
	if err != nil {
		fl.stats.Missing = true
		return false, nil
	}
	fl.stats.Missing = false
	id := identity(cur)
	read := fl.pos.Offset + int64(len(fl.pending))
	switch {
	case id.Dev != fl.pos.Dev || id.Inode != fl.pos.Inode:
		// Renamed and recreated: the old file is at its end; once it has
		// stayed there for RotateGrace, the new one is read.
		if fl.rotatedAt.IsZero() {
			fl.rotatedAt = time.Now()
		}
		if time.Since(fl.rotatedAt) < fl.opts.RotateGrace {
			return false, nil
		}
		fl.rotatedAt = time.Time{}
		fl.f.Close()
		fl.f = nil
		fl.endLine()
		fl.stats.Rotations++
		return true, nil // the next fill opens the new file
	case cur.Size() < read:
		// The same file, shorter: copytruncate. What was written between
		// logrotate's copy and its truncation is lost to us.
		fl.stats.Truncations++
		fl.pending, fl.head = fl.pending[:0], 0
		if _, err := fl.f.Seek(0, io.SeekStart); err != nil {
			return false, err
		}
		fl.pos.Offset = 0
		return true, nil
	}
	return false, nil
}

// endLine ends a file's last line if nginx did not (a file cut mid-line),
// so it does not run into the next file's first.
func (fl *File) endLine() {
	if len(fl.pending) > 0 && fl.pending[len(fl.pending)-1] != '\n' {
		fl.pending = append(fl.pending, '\n')
	}
}

// maxPending bounds a line held back for its newline.
const maxPending = 1 << 20

func openID(path string) (*os.File, Position, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Position{}, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Position{}, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, Position{}, errors.New(path + ": not a regular file")
	}
	return f, identity(fi), nil
}

func identity(fi os.FileInfo) Position {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return Position{Dev: uint64(st.Dev), Inode: uint64(st.Ino)}
	}
	return Position{}
}

func size(f *os.File) int64 {
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	return fi.Size()
}

// findInode opens the file beside path (in its directory) that has the
// given identity: where logrotate renamed it.
func findInode(path string, dev, inode uint64) *os.File {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		if id := identity(fi); id.Dev == dev && id.Inode == inode {
			if f, err := os.Open(filepath.Join(dir, e.Name())); err == nil {
				return f
			}
		}
	}
	return nil
}
