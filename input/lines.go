package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxLine is the longest line kept; longer ones are reported and skipped so
// that one runaway line cannot exhaust memory.
const MaxLine = 1 << 20

// Line is one log line with its provenance.
type Line struct {
	Bytes  []byte // without the line ending; valid until the next call to Next
	Source string // file the line came from (the tail -F header name on stdin)
	Num    int64  // 1-based line number within Source
	Stream string // "stdout" or "stderr" when a container wrapper said so
	// Stamp is the time a wrapper (syslog, kubectl --timestamps, …) put in
	// front of the line, as text (see ParseStamp); valid until Next.
	Stamp     []byte
	StampKind StampKind
	// Origin is the pod or service a wrapper names (Unwrapped.Origin);
	// valid until Next.
	Origin []byte
	// Controller marks an ingress-nginx controller (klog) line, which is
	// neither an access nor an error line.
	Controller bool
	// Err is set (and Bytes empty) for a line that could not be delivered,
	// such as one over MaxLine. The run goes on.
	Err error
}

// Reader splits a byte stream into lines, unwrapping tail -F headers and
// container log prefixes. It holds a window of windowSize bytes, and
// joins a line longer than that (up to MaxLine) in a buffer of its own.
type Reader struct {
	win     window
	name    string
	source  string
	nums    map[string]int64
	num     int64
	line    Line
	long    []byte
	partial []byte  // CRI "P" fragments waiting for their "F"
	crRest  []byte  // what follows a lone CR in the current raw line
	held    *rawOne // a line read ahead to see whether a blank line is tail's separator
	err     error
	done    bool
}

// rawOne is one physical line as read: its bytes (valid until the next
// read), whether it was over MaxLine, and the error that ended the stream.
type rawOne struct {
	b       []byte
	tooLong bool
	err     error
}

// NewReader reads lines from r, attributing them to name.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{win: window{src: r, buf: make([]byte, windowSize)}, name: name, source: name}
}

// Next advances to the next line. It returns false at the end of input or on
// an error that stops the source; Err tells which.
func (r *Reader) Next() bool {
	if r.nextPlain() {
		return true
	}
	for {
		one, ok := r.nextPhysical()
		if !ok {
			return false
		}
		if one.tooLong {
			r.num++
			r.line = Line{Source: r.source, Num: r.num, Err: ErrLineTooLong}
			return true
		}
		raw := one.b
		if name, ok := tailHeader(raw); ok {
			r.switchSource(name)
			continue
		}
		if len(raw) == 0 && r.separatorBlank() {
			continue
		}
		r.num++
		if !mayBeWrapped(raw) && len(r.partial) == 0 {
			// Most lines are nginx's own: no wrapper to take off, and no
			// klog line either (those start with a letter). A CRI partial
			// waiting for its end takes the full path, which joins it.
			r.line = Line{Bytes: raw, Source: r.source, Num: r.num}
			return true
		}
		u := Unwrap(raw)
		body := u.Payload
		if !u.Complete {
			r.partial = append(r.partial, body...)
			if len(r.partial) > MaxLine {
				r.partial = r.partial[:0]
				r.line = Line{Source: r.source, Num: r.num, Err: ErrLineTooLong}
				return true
			}
			continue
		}
		if len(r.partial) > 0 {
			r.partial = append(r.partial, body...)
			body = r.partial
			r.partial = r.partial[:0]
		}
		r.line = Line{Bytes: body, Source: r.source, Num: r.num, Stream: u.Stream, Stamp: u.Stamp, StampKind: u.StampKind, Origin: u.Origin,
			Controller: IsControllerLine(body)}
		return true
	}
}

// nextPlain is Next for the line most logs are made of: whole in the
// window, which holds no CR, not blank, not a tail -F header and not
// wrapped. Anything else, or nothing buffered, is left to the full path.
func (r *Reader) nextPlain() bool {
	w := &r.win
	if w.hasCR || r.held != nil || r.crRest != nil || len(r.partial) > 0 {
		return false
	}
	i := bytes.IndexByte(w.buf[w.r:w.w], '\n')
	if i <= 0 {
		return false
	}
	line := w.buf[w.r : w.r+i]
	if line[0] == '=' || mayBeWrapped(line) {
		return false
	}
	w.r += i + 1
	r.num++
	r.line = Line{Bytes: line, Source: r.source, Num: r.num}
	return true
}

// PlainRun is Next for a run of plain lines at once (as nextPlain takes
// them): up to maxLines whole lines of the window, no more than maxBytes
// with their line ends, as one slice in which each ends with '\n'. It
// appends where each line ends in that slice to ends. It returns nothing
// where the next line is for Next: not plain, or not whole in the window.
// The lines are numbered on from Num and come from Source; the slice is
// valid until the next call.
func (r *Reader) PlainRun(maxLines, maxBytes int, ends []int32) ([]byte, []int32) {
	w := &r.win
	if w.hasCR || r.held != nil || r.crRest != nil || len(r.partial) > 0 {
		return nil, ends
	}
	start := w.r
	for len(ends) < maxLines {
		i := bytes.IndexByte(w.buf[w.r:w.w], '\n')
		if i <= 0 || w.r+i+1-start > maxBytes {
			break
		}
		line := w.buf[w.r : w.r+i]
		if line[0] == '=' || mayBeWrapped(line) {
			break
		}
		w.r += i + 1
		ends = append(ends, int32(w.r-1-start))
	}
	r.num += int64(len(ends))
	return w.buf[start:w.r], ends
}

// Num is the number of the last line returned in its source.
func (r *Reader) Num() int64 { return r.num }

// Source is the file the next plain lines come from.
func (r *Reader) Source() string { return r.source }

// separatorBlank reads one line ahead after a blank line: tail prints a
// blank line before each "==> name <==" header, and that blank is not part
// of any log. The line read ahead is held for the next call.
func (r *Reader) separatorBlank() bool {
	if r.held != nil || r.done {
		return false
	}
	next, ok := r.nextPhysical()
	if !ok {
		return false
	}
	if !next.tooLong {
		if _, header := tailHeader(next.b); header {
			r.held = &next
			return true
		}
	}
	r.held = &next
	return false
}

// nextPhysical returns the next physical line: a held one, the rest after
// a lone CR (old Mac line endings, or a CR that escape=none let through,
// end a line as nginx's readers would show it), or a new one from the stream.
func (r *Reader) nextPhysical() (rawOne, bool) {
	if r.held != nil {
		one := *r.held
		r.held = nil
		return one, true
	}
	if r.crRest != nil {
		return r.splitCR(r.crRest), true
	}
	if r.done {
		return rawOne{}, false
	}
	raw, tooLong, err := r.readRaw()
	if err != nil {
		r.done = true
		if err != io.EOF {
			r.err = err
		}
		if raw == nil && !tooLong {
			return rawOne{}, false
		}
	}
	if tooLong {
		return rawOne{tooLong: true}, true
	}
	if !r.win.hasCR && len(r.long) == 0 {
		return rawOne{b: raw}, true // nothing to split, as in most logs
	}
	return r.splitCR(raw), true
}

func (r *Reader) splitCR(b []byte) rawOne {
	if i := bytes.IndexByte(b, '\r'); i >= 0 {
		r.crRest = b[i+1:]
		return rawOne{b: b[:i]}
	}
	r.crRest = nil
	return rawOne{b: b}
}

// readRaw returns the next raw line without its ending. A final line
// without a newline is returned with io.EOF. If the stream breaks mid-line,
// the partial line is dropped and the error says how many bytes were lost.
func (r *Reader) readRaw() (line []byte, tooLong bool, err error) {
	r.long = r.long[:0]
	for {
		chunk, err := r.win.readSlice()
		switch {
		case err == errWindowFull:
			if !tooLong && len(r.long)+len(chunk) <= MaxLine {
				r.long = append(r.long, chunk...)
			} else {
				tooLong = true
				r.long = r.long[:0]
			}
			continue
		case err == io.EOF:
			if tooLong {
				return nil, true, io.EOF
			}
			if len(r.long)+len(chunk) == 0 {
				return nil, false, io.EOF
			}
			if line := trimEOL(r.join(chunk)); len(line) <= MaxLine {
				return line, false, io.EOF
			}
			return nil, true, io.EOF
		case err != nil:
			lost := len(r.long) + len(chunk)
			if lost > 0 {
				err = fmt.Errorf("%w (a partial line of %d bytes after line %d was dropped)", err, lost, r.num)
			}
			return nil, false, err
		}
		if !tooLong {
			if line := trimEOL(r.join(chunk)); len(line) <= MaxLine {
				return line, false, nil
			}
		}
		return nil, true, nil
	}
}

func (r *Reader) join(chunk []byte) []byte {
	if len(r.long) == 0 {
		return chunk
	}
	r.long = append(r.long, chunk...)
	return r.long
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// switchSource attributes the following lines to name, keeping a line count
// per name so that interleaved tail -F output still gets the right numbers.
func (r *Reader) switchSource(name string) {
	if r.nums == nil {
		r.nums = map[string]int64{}
	}
	r.nums[r.source] = r.num
	r.source = name
	r.num = r.nums[name]
}

// tailHeader recognises the "==> name <==" lines tail prints between files.
func tailHeader(b []byte) (string, bool) {
	if len(b) < 9 || !bytes.HasPrefix(b, []byte("==> ")) || !bytes.HasSuffix(b, []byte(" <==")) {
		return "", false
	}
	return string(b[4 : len(b)-4]), true
}

// Buffered reports how many bytes can be read without touching the
// underlying reader; at 0 the next call to Next may block on a pipe.
func (r *Reader) Buffered() int { return r.win.w - r.win.r }

// Line returns the current line; it and its Bytes are valid until the next
// call to Next (a pointer: the line is read for every line of every log).
func (r *Reader) Line() *Line { return &r.line }

// Err returns the error that stopped the reader, nil at a clean end of input.
func (r *Reader) Err() error { return r.err }

// windowSize is how much of the stream the Reader holds: lines up to it
// are returned in place, longer ones (up to MaxLine) are joined.
const windowSize = 256 << 10

// errWindowFull says that a line fills the whole window.
var errWindowFull = errors.New("line longer than the read window")

// window is the Reader's read buffer (what bufio.Reader's ReadSlice gave,
// plus one look per fill for a carriage return): a log without any lets
// every line skip the search for a lone CR.
type window struct {
	src   io.Reader
	buf   []byte
	r, w  int
	err   error // the source's error, returned once the window is drained
	hasCR bool  // buf[r:w] held a '\r' when it was last filled
}

// readSlice returns the bytes up to and including the next '\n', valid
// until the next call; at the end of the source, what is left with the
// source's error; errWindowFull with the whole window when no newline is
// in it.
func (win *window) readSlice() ([]byte, error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(win.buf[win.r+scanned:win.w], '\n'); i >= 0 {
			line := win.buf[win.r : win.r+scanned+i+1]
			win.r += scanned + i + 1
			return line, nil
		}
		scanned = win.w - win.r
		if win.err != nil {
			line := win.buf[win.r:win.w]
			win.r = win.w
			return line, win.err
		}
		if win.r == 0 && win.w == len(win.buf) {
			win.r = win.w
			return win.buf, errWindowFull
		}
		win.fill()
	}
}

// fill moves the unread bytes to the front and reads once more.
func (win *window) fill() {
	if win.r > 0 {
		win.w = copy(win.buf, win.buf[win.r:win.w])
		win.r = 0
	}
	for empty := 0; ; empty++ {
		n, err := win.src.Read(win.buf[win.w:])
		if n < 0 || n > len(win.buf)-win.w {
			n, err = 0, errors.New("input: reader returned an impossible count")
		}
		win.w += n
		if err != nil {
			win.err = err
			break
		}
		if n > 0 {
			break
		}
		if empty >= 100 {
			win.err = io.ErrNoProgress
			break
		}
	}
	win.hasCR = bytes.IndexByte(win.buf[win.r:win.w], '\r') >= 0
}
