package follow

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// SaveState writes the files' positions to path atomically: a crash while
// writing leaves the previous state.
func SaveState(path string, files []*File) error {
	var st State
	for _, f := range files {
		st.Files = append(st.Files, f.Position())
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
