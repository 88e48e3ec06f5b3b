package follow

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Synthetic lines ("line N"), written the way nginx and logrotate move
// files: appends through an open descriptor, rename, create, copy and
// truncate.

var fast = Options{Poll: 5 * time.Millisecond, RotateGrace: 50 * time.Millisecond, FromStart: true}

// reader collects a File's lines as they come.
type reader struct {
	lines chan string
}

func follow(t *testing.T, ctx context.Context, path string, opts Options) (*File, *reader) {
	t.Helper()
	f, err := Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := &reader{lines: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
	}()
	t.Cleanup(func() { f.Close() })
	return f, r
}

// expect reads the lines want, in order, and then no other for a while.
func (r *reader) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-r.lines:
			if got != w {
				t.Fatalf("got %q, want %q", got, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no line; want %q", w)
		}
	}
	select {
	case got, ok := <-r.lines:
		if ok {
			t.Fatalf("unexpected line %q", got)
		}
	case <-time.After(150 * time.Millisecond):
	}
}

func appendTo(t *testing.T, f *os.File, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := fmt.Fprintf(f, "line %d\n", i); err != nil {
			t.Fatal(err)
		}
	}
}

func lines(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("line %d", i))
	}
	return out
}

func create(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestRenameRotation: logrotate's "create": the file is renamed, nginx
// writes a few more lines into it before it reopens its logs, then writes
// into the new file. Every line comes once, the old file's first.
func TestRenameRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	w := create(t, path)
	appendTo(t, w, 0, 3)
	f, r := follow(t, t.Context(), path, fast)
	r.expect(t, lines(0, 3)...)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(t, w, 3, 5) // before nginx reopens
	nw := create(t, path)
	appendTo(t, nw, 5, 8)
	r.expect(t, lines(3, 8)...)
	if st := f.Stats(); st.Rotations != 1 || st.Truncations != 0 {
		t.Errorf("stats %+v", st)
	}
	if p := f.Position(); p.Offset != int64(len(strings.Join(lines(5, 8), "\n"))+1) {
		t.Errorf("position %+v", p)
	}
}

// TestCopyTruncate: logrotate's "copytruncate": the same file becomes
// shorter. The truncation is counted (lines may be lost) and reading goes
// on from the top.
func TestCopyTruncate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	w := create(t, path)
	appendTo(t, w, 0, 3)
	f, r := follow(t, t.Context(), path, fast)
	r.expect(t, lines(0, 3)...)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendTo(t, w, 3, 4) // O_APPEND: from the new end, as nginx writes
	r.expect(t, lines(3, 4)...)
	if st := f.Stats(); st.Truncations != 1 || st.Rotations != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestAppearsLater: a path with no file yet is read from its start once
// a file appears.
func TestAppearsLater(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "error.log")
	opts := fast
	opts.FromStart = false
	f, r := follow(t, t.Context(), path, opts)
	if !f.Stats().Missing {
		t.Error("a missing file is not reported missing")
	}
	w := create(t, path)
	appendTo(t, w, 0, 2)
	r.expect(t, lines(0, 2)...)
}

// TestStartsAtTheEnd: without a saved position or FromStart, what the
// file held is not read again; what is written next is.
func TestStartsAtTheEnd(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	w := create(t, path)
	appendTo(t, w, 0, 3)
	opts := fast
	opts.FromStart = false
	_, r := follow(t, t.Context(), path, opts)
	appendTo(t, w, 3, 5)
	r.expect(t, lines(3, 5)...)
}

// TestLineBeingWrittenWaits: a line without its newline yet is not handed
// out until the rest of it is written.
func TestLineBeingWrittenWaits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	w := create(t, path)
	f, r := follow(t, t.Context(), path, fast)
	if _, err := w.WriteString("GET /hal"); err != nil {
		t.Fatal(err)
	}
	r.expect(t)
	if _, err := w.WriteString("f 200\n"); err != nil {
		t.Fatal(err)
	}
	r.expect(t, "GET /half 200")
	if p := f.Position(); p.Offset != int64(len("GET /half 200\n")) {
		t.Errorf("position %+v", p)
	}
}

// TestResumeAcrossARotation: badgw stops after part of a file, the file
// is appended to and rotated while it is down; started again from the
// state file, it reads the rest of the rotated file, then the new one,
// and no line twice.
func TestResumeAcrossARotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	state := filepath.Join(dir, "badgw.state")
	w := create(t, path)
	appendTo(t, w, 0, 3)
	ctx, stop := context.WithCancel(t.Context())
	f, r := follow(t, ctx, path, fast)
	r.expect(t, lines(0, 3)...)
	stop()
	var saved bytes.Buffer
	if err := WriteState(&saved, []*File{f}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(state, saved.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f.Close()

	appendTo(t, w, 3, 5)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(t, create(t, path), 5, 7)

	st, err := LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	opts := fast
	opts.FromStart = false
	opts.Resume = st.Of(path)
	if opts.Resume == nil {
		t.Fatalf("state %+v has no %s", st, path)
	}
	_, r = follow(t, t.Context(), path, opts)
	r.expect(t, lines(3, 7)...)
}

// TestResumeSameFile: restarted on the same file, reading goes on where
// it stopped.
func TestResumeSameFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	w := create(t, path)
	appendTo(t, w, 0, 3)
	ctx, stop := context.WithCancel(t.Context())
	f, r := follow(t, ctx, path, fast)
	r.expect(t, lines(0, 3)...)
	stop()
	pos := f.Position()
	f.Close()
	appendTo(t, w, 3, 4)
	opts := fast
	opts.Resume = &pos
	_, r = follow(t, t.Context(), path, opts)
	r.expect(t, lines(3, 4)...)
}

// TestBadStateFile: a state file that is not one is an error naming it.
func TestBadStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(path, []byte("<html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadState(path); err == nil || !strings.Contains(err.Error(), "not a badgw state file") {
		t.Errorf("err %v", err)
	}
	if st, err := LoadState(filepath.Join(t.TempDir(), "none")); err != nil || len(st.Files) != 0 {
		t.Errorf("missing state: %+v, %v", st, err)
	}
}

// TestRotationWhileLinesArrive: a writer appends a line every
// millisecond, as nginx does, while logrotate moves the file in each of
// its ways: rename and create, with delaycompress (the old file stays
// beside) or without (it is compressed and removed at once, while nginx
// still writes into it until it reopens its logs), the file deleted and
// recreated by nginx's reopen, and copytruncate. Every line is read once,
// in order; only copytruncate may lose lines, those written between the
// last read and the truncation, and it is counted.
func TestRotationWhileLinesArrive(t *testing.T) {
	const before, between, after = 200, 50, 250
	cases := []struct {
		name    string
		rotate  func(path string) error // logrotate's part
		reopen  bool                    // nginx reopens its log afterwards
		mayLose bool
	}{
		{"create, delaycompress", func(p string) error {
			return errors.Join(os.Rename(p, p+".1"), os.WriteFile(p, nil, 0o644))
		}, true, false},
		{"create, compress at once", func(p string) error {
			if err := errors.Join(os.Rename(p, p+".1"), os.WriteFile(p, nil, 0o644)); err != nil {
				return err
			}
			b, err := os.ReadFile(p + ".1")
			if err != nil {
				return err
			}
			// The bytes do not matter: the renamed file goes.
			return errors.Join(os.WriteFile(p+".1.gz", b, 0o644), os.Remove(p+".1"))
		}, true, false},
		{"deleted, recreated by the reopen", os.Remove, true, false},
		{"copytruncate", func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return errors.Join(os.WriteFile(p+".1", b, 0o644), os.Truncate(p, 0))
		}, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "access.log")
			w := create(t, path)
			f, r := follow(t, t.Context(), path, fast)
			write := func(from, to int) {
				for i := from; i < to; i++ {
					fmt.Fprintf(w, "line %d\n", i)
					time.Sleep(time.Millisecond)
				}
			}
			go func() {
				write(0, before)
				if err := c.rotate(path); err != nil {
					t.Error(err)
					return
				}
				write(before, before+between) // into the old file, until the reopen
				if c.reopen {
					nw, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
					if err != nil {
						t.Error(err)
						return
					}
					defer nw.Close()
					w = nw
				}
				write(before+between, before+between+after)
			}()
			last := -1
			var lost []int
			deadline := time.After(10 * time.Second)
			for last < before+between+after-1 {
				select {
				case l := <-r.lines:
					var n int
					if _, err := fmt.Sscanf(l, "line %d", &n); err != nil {
						t.Fatalf("read %q", l)
					}
					if n <= last {
						t.Fatalf("line %d read again (after %d)", n, last)
					}
					for m := last + 1; m < n; m++ {
						lost = append(lost, m)
					}
					last = n
				case <-deadline:
					t.Fatalf("stuck after line %d; stats %+v", last, f.Stats())
				}
			}
			st := f.Stats()
			switch {
			case !c.mayLose && len(lost) > 0:
				t.Errorf("lost %d lines (%d…%d); stats %+v", len(lost), lost[0], lost[len(lost)-1], st)
			case c.mayLose && st.Truncations != 1:
				t.Errorf("copytruncate counted %d times", st.Truncations)
			case c.mayLose && len(lost) > 0 && lost[len(lost)-1] >= before:
				t.Errorf("lost lines after the truncation: %v", lost)
			}
			if c.reopen && st.Rotations != 1 {
				t.Errorf("rotations %d", st.Rotations)
			}
			t.Logf("%s: %d lines read, %d lost, stats %+v", c.name, before+between+after-len(lost), len(lost), st)
		})
	}
}
