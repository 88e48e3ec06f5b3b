package logparse

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by ParseError.
var (
	ErrNoMatch  = errors.New("line does not match the format")
	ErrTrailing = errors.New("unexpected text after the last field")
	ErrNotError = errors.New("not an error.log entry")
)

// ParseError locates a line that could not be parsed. Column is 1-based and
// counts bytes; Field names the variable being read when matching failed.
type ParseError struct {
	Source string
	Line   int64
	Column int
	Field  string
	Err    error
}

func (e *ParseError) Error() string {
	where := ""
	if e.Source != "" {
		where = fmt.Sprintf("%s:%d: ", e.Source, e.Line)
	}
	return fmt.Sprintf("%scolumn %d, %s: %v", where, e.Column, e.Field, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
