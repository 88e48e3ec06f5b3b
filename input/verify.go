package input

import (
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Verification of compressed data.
//
// A decompressor finds damage only where the format keeps a checksum: at
// the end of a gzip member (CRC-32 of all it decoded), of a bzip2 block
// (CRC-32 of about 900 kB) and of a zstd frame (xxHash, when written).
// Everything decoded before that point is unverified, and after a few
// flipped bytes a deflate stream can go on decoding garbage with no error
// (zcat gave 260,571 "lines" of a 200,000-line file damaged in its
// middle). So decoded bytes are withheld until their unit has verified,
// up to holdMax: a gzip member is released whole when its checksum
// matches; a member larger than that is released as it is decoded, and
// its damage, if any, can only be reported. bzip2 and zstd do not show
// where their units end, so the last holdMax bytes decoded are withheld:
// a bzip2 block's output, and a zstd frame's when its window is small,
// fit in them, so the damaged unit is among what is withheld when its
// checksum fails.

// holdMax bounds what one stream withholds (its buffer holds up to twice
// that between compactions): a bzip2 block decodes to about 900 kB.
const holdMax = 2 << 20

// verifier releases decoded bytes once verified (or past holdMax).
type verifier struct {
	dec io.Reader
	// gz is set for gzip, read a member at a time from src; member starts
	// (the compressed offset of the current member) come from at.
	gz        *gzip.Reader
	src       io.Reader
	at        func() int64
	unitStart int64
	tail      bool // hold the last holdMax bytes rather than whole units
	format    string

	// held[start:] is decoded and withheld; ready, released and not yet
	// read, shares held's storage: fill, which moves held, runs only
	// once ready is read.
	held       []byte
	start      int
	ready      []byte
	unverified bool // the current gzip member outgrew holdMax: released unverified
	damaged    []*UnverifiedError
	resetErr   error
	err        error
	chunk      []byte
}

func newVerifier(format string, dec io.Reader, gz *gzip.Reader, src io.Reader, at func() int64) *verifier {
	v := &verifier{dec: dec, gz: gz, src: src, at: at, tail: gz == nil, format: format, chunk: make([]byte, 64<<10)}
	if gz != nil {
		gz.Multistream(false)
	}
	return v
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.unverified && len(v.ready) == 0 && v.start == len(v.held) && v.err == nil {
		// A member past holdMax is read straight through: nothing of it
		// can be withheld any more.
		v.held, v.start = nil, 0
		n, err := v.dec.Read(p)
		if err != nil {
			v.settle(err, nil)
		}
		if n > 0 || v.err == nil {
			return n, nil
		}
		return 0, v.err
	}
	for len(v.ready) == 0 && v.err == nil {
		v.fill()
	}
	if len(v.ready) > 0 {
		n := copy(p, v.ready)
		v.ready = v.ready[n:]
		return n, nil
	}
	return 0, v.err
}

// fill decodes one chunk and decides what of it, and of what was held, is
// released.
func (v *verifier) fill() {
	if v.held == nil {
		// Sized once (grown by append it would double past this): a
		// gzip member up to holdMax, or the tail and the holdMax released
		// before the next compaction.
		size := holdMax + len(v.chunk)
		if v.tail {
			size += holdMax
		}
		v.held = make([]byte, 0, size)
	}
	if v.start >= holdMax || v.start == len(v.held) {
		v.held = append(v.held[:0], v.held[v.start:]...)
		v.start = 0
	}
	n, err := v.dec.Read(v.chunk)
	v.held = append(v.held, v.chunk[:n]...)
	v.settle(err, v.held[v.start:])
}

// settle decides, after a read that returned err, what of the withheld
// bytes is released and how the stream goes on.
func (v *verifier) settle(err error, withheld []byte) {
	switch {
	case err == io.EOF && v.gz != nil:
		// The member's checksum matched: release it, go on to the next.
		v.release(len(withheld))
		if !v.nextMember() {
			v.err = v.damage(v.resetErr)
		}
	case err == io.EOF:
		v.release(len(withheld))
		v.err = io.EOF
	case err != nil && !isChecksum(err):
		// Cut short, or damage the decoder found where it is: what was
		// decoded before it is released, as far as it was read.
		v.release(len(withheld))
		v.err = err
		if len(v.damaged) > 0 {
			v.err = errors.Join(v.damage(nil), err)
		}
	case err != nil && v.unverified:
		v.release(len(withheld))
		v.err = &UnverifiedError{Err: err, UnitStart: v.unitStart, Unverified: true}
	case err != nil:
		ue := &UnverifiedError{Err: err, Lines: bytes.Count(withheld, []byte{'\n'}), UnitStart: v.unitStart, Tail: v.tail, Format: v.format}
		v.held, v.start = v.held[:0], 0
		if v.gz == nil || !v.nextMember() {
			v.err = v.damage(ue)
			return
		}
		// A gzip member's end is known: the members after the damaged
		// one are read on, and the damage is reported at the end.
		v.damaged = append(v.damaged, ue)
	case len(withheld) > holdMax && v.tail:
		// Whole lines leave: a line is withheld or analysed, never cut.
		if end := bytes.LastIndexByte(withheld[:len(withheld)-holdMax], '\n'); end >= 0 {
			v.release(end + 1)
		}
	case len(withheld) > holdMax:
		v.unverified = true
		v.release(len(withheld))
	}
}

// nextMember starts the next gzip member, reporting whether there is one;
// at the end resetErr is io.EOF, or what stopped the next header.
func (v *verifier) nextMember() bool {
	v.unverified = false
	v.unitStart = v.at()
	if err := v.gz.Reset(v.src); err != nil {
		v.resetErr = err
		return false
	}
	v.gz.Multistream(false)
	return true
}

// damage is the error the stream ends with: end, the first damaged unit
// if any (counting the others), or end itself.
func (v *verifier) damage(end error) error {
	if len(v.damaged) == 0 {
		return end
	}
	first := v.damaged[0]
	for _, d := range v.damaged[1:] {
		first.Lines += d.Lines
	}
	first.Members = len(v.damaged)
	return first
}

// release hands the first n withheld bytes to the reader.
func (v *verifier) release(n int) {
	v.ready = v.held[v.start : v.start+n]
	v.start += n
}

// isChecksum reports whether err is a checksum that did not match: the
// decoder decoded without noticing anything, so where the damage is in
// the unit is unknown.
func isChecksum(err error) bool {
	var se bzip2.StructuralError
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, zstd.ErrCRCMismatch) ||
		errors.As(err, &se) && strings.Contains(string(se), "checksum")
}

// UnverifiedError is damage found by a checksum, with what it means for
// the lines: those withheld were not analysed.
type UnverifiedError struct {
	Err error
	// Lines counts the lines withheld.
	Lines int
	// UnitStart is the compressed offset of the gzip member the damage is
	// in (0 for bzip2 and zstd, whose units are not seen).
	UnitStart  int64
	Tail       bool // bzip2 or zstd: the last holdMax bytes were withheld
	Format     string
	Unverified bool // a gzip member over holdMax, analysed before its checksum failed
	// Members counts the damaged gzip members skipped, the members after
	// each read on (0 or 1: the stream ended at the damage).
	Members int
}

func (e *UnverifiedError) Error() string {
	switch {
	case e.Tail && e.Format == "bzip2":
		return fmt.Sprintf("%v: the damaged block (bzip2 blocks decode to about 900 kB) is among the last %d MiB decoded, whose %d lines were withheld (not analysed); the lines before them were verified by their own blocks' checksums", e.Err, holdMax>>20, e.Lines)
	case e.Tail:
		return fmt.Sprintf("%v: the last %d MiB decoded, %d lines, were withheld (not analysed); a zstd frame is checked only at its end, so lines decoded earlier from a frame larger than that were analysed unverified", e.Err, holdMax>>20, e.Lines)
	case e.Unverified:
		return fmt.Sprintf("%v: the gzip member that starts at compressed byte %d is damaged somewhere; it decodes to over %d MiB, so its lines were analysed before its checksum could be checked: figures drawn from it are unverified (garbage decoded after the damage may be among them)", e.Err, e.UnitStart, holdMax>>20)
	}
	if e.Members > 1 {
		return fmt.Sprintf("%v: %d damaged gzip members, the first at compressed byte %d; their %d lines were withheld (not analysed), the members after each were read", e.Err, e.Members, e.UnitStart, e.Lines)
	}
	return fmt.Sprintf("%v: the damaged gzip member starts at compressed byte %d; its %d lines were withheld (not analysed)", e.Err, e.UnitStart, e.Lines)
}

func (e *UnverifiedError) Unwrap() error { return e.Err }
