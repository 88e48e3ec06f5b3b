// Package spill keeps the details of closed bursts (correlate.Details) in
// a temporary file, so that an analysis holds the same memory whether its
// input has ten bursts or ten thousand; a report reads each burst back as
// it prints it (correlate.Snapshot.Whole).
//
// Each burst's details are one record: a 4-byte length, then the details
// in a binary form that gives back exactly what it was given (codec.go),
// compressed with S2 (a block of it): the raw lines it holds are
// repetitive, and S2 compresses them at memory speed with a few kilobytes
// of state (zstd's encoder holds megabytes, which is what this package
// exists to save).
package spill

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/klauspost/compress/s2"

	"github.com/badgw/badgw/correlate"
)

// maxRecord bounds what Get reads for one burst: far above what a burst
// holds (500 raw lines of at most 2 KiB, its samples and causes), so a
// length past it means the file is not what Put wrote.
const maxRecord = 64 << 20

// File is a temporary file of burst details. Put is called from one
// goroutine; Get from any, concurrently with Put, for references Put has
// returned.
type File struct {
	f    *os.File
	name string
	size int64 // where the next record goes; only Put touches it

	mu  sync.Mutex
	err error
}

// New creates the file in dir (the system's temporary directory when
// empty). Where the system allows it, the file is unlinked at once, so
// nothing is left behind even if badgw is killed; elsewhere Close removes
// it.
func New(dir string) (*File, error) {
	f, err := os.CreateTemp(dir, "badgw-bursts-*")
	if err != nil {
		return nil, fmt.Errorf("a file for the bursts' details: %w", err)
	}
	s := &File{f: f, name: f.Name()}
	if os.Remove(s.name) == nil {
		s.name = ""
	}
	return s, nil
}

// Put appends d and returns where it is.
func (s *File) Put(d *correlate.Details) (int64, error) {
	text, err := encodeDetails(d, nil)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", correlate.ErrHoldWhole, err)
	}
	room := s2.MaxEncodedLen(len(text))
	if room < 0 {
		return 0, s.fail(fmt.Errorf("a burst's details of %d bytes, too large to compress", len(text)))
	}
	rec := make([]byte, 4+room)
	rec = rec[:4+len(s2.Encode(rec[4:], text))]
	if len(rec)-4 > maxRecord {
		return 0, s.fail(fmt.Errorf("a burst's details take %d bytes compressed, over %d", len(rec)-4, maxRecord))
	}
	binary.LittleEndian.PutUint32(rec, uint32(len(rec)-4))
	at := s.size
	if _, err := s.f.WriteAt(rec, at); err != nil {
		return 0, s.fail(err)
	}
	s.size += int64(len(rec))
	return at, nil
}

// Get reads back the details Put wrote at ref.
func (s *File) Get(ref int64) (correlate.Details, error) {
	var d correlate.Details
	var head [4]byte
	if _, err := s.f.ReadAt(head[:], ref); err != nil {
		return d, s.fail(err)
	}
	n := binary.LittleEndian.Uint32(head[:])
	if n > maxRecord {
		return d, s.fail(fmt.Errorf("a record of %d bytes at %d, over %d", n, ref, maxRecord))
	}
	rec := make([]byte, n)
	if _, err := s.f.ReadAt(rec, ref+4); err != nil {
		return d, s.fail(err)
	}
	n2, err := s2.DecodedLen(rec)
	if err == nil && n2 > maxRecord {
		err = fmt.Errorf("a record at %d that inflates to %d bytes, over %d", ref, n2, maxRecord)
	}
	var text []byte
	if err == nil {
		text, err = s2.Decode(nil, rec)
	}
	if err == nil {
		d, err = decodeDetails(text)
	}
	if err != nil {
		return correlate.Details{}, s.fail(err)
	}
	return d, nil
}

// fail keeps the first error for Err and returns err.
func (s *File) fail(err error) error {
	err = fmt.Errorf("the bursts' details file: %w", err)
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	return err
}

// Err is the first error Put or Get met: the bursts it concerned were
// then kept in memory whole (Put) or printed as summaries (Get).
func (s *File) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close closes the file and removes it where New could not.
func (s *File) Close() error {
	err := s.f.Close()
	if s.name != "" {
		err = errors.Join(err, os.Remove(s.name))
	}
	return err
}
