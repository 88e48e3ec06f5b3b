package input

import (
	"errors"
	"fmt"
)

// ErrLineTooLong marks a line longer than MaxLine that was skipped.
var ErrLineTooLong = errors.New("input: line too long")

// SourceError is a problem that stops one source: an I/O error or damaged
// compressed data. Offset is the position in the raw (compressed) bytes.
type SourceError struct {
	Source string
	Offset int64
	Err    error
}

func (e *SourceError) Error() string {
	if e.Offset > 0 {
		return fmt.Sprintf("%s: at byte %d: %v", e.Source, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Source, e.Err)
}

func (e *SourceError) Unwrap() error { return e.Err }
