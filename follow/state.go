package follow

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// State is what a state file holds: each followed file's position.
type State struct {
	Files []Position `json:"files"`
}

// maxStateBytes bounds what is read of a state file: a position is under
// 4 KiB even with a long path, and nobody follows thousands of files.
const maxStateBytes = 4 << 20

// LoadState reads a state file; a missing one is an empty state.
func LoadState(path string) (State, error) {
	var st State
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateBytes+1))
	if err != nil {
		return st, err
	}
	if len(data) > maxStateBytes {
		return st, fmt.Errorf("%s: over %d bytes: not a badgw state file", path, maxStateBytes)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("%s: not a badgw state file: %w", path, err)
	}
	return st, nil
}

// Of returns the saved position of path, or nil.
func (st State) Of(path string) *Position {
	for i := range st.Files {
		if st.Files[i].Path == path {
			p := st.Files[i]
			return &p
		}
	}
	return nil
}

// WriteState writes the files' positions as a state file holds them; the
// caller writes it atomically, so a crash while writing leaves the
// previous state.
func WriteState(w io.Writer, files []*File) error {
	var st State
	for _, f := range files {
		st.Files = append(st.Files, f.Position())
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
