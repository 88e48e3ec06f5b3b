package pipeline

import (
	"sync"

	"time"

	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// maxMalformedSamples is how many unparsed lines are kept per file.
const maxMalformedSamples = 3

// FileStats describes one input file (or a name from tail -F headers).
type FileStats struct {
	Path        string
	Format      string // the access format its set was read with, if any
	Compression string
	Size        int64 // bytes on disk; -1 for stdin
	Consumed    int64 // raw bytes read so far
	// Span is the seconds of a log store's range the input reads, SpanRead
	// those read so far (a Progresser's); 0 for files and pipes.
	Span, SpanRead int64
	Lines          int64
	Access         int64 // lines parsed as access records
	Errors         int64 // lines parsed as error.log entries
	Malformed      int64 // lines neither parsed
	TooLong        int64 // lines over input.MaxLine, skipped
	Blank          int64
	Continued      int64 // stack-traceback lines attached to the entry above
	// Lines = Access + Errors + Malformed + TooLong + Blank + Continued +
	// Controller: every line read is in exactly one of these.
	// OutOfOrder counts lines beyond the reorder window of their
	// neighbours: in the totals, not in bursts or timelines (order.go).
	OutOfOrder int64
	// Untimed counts lines with no time at all (error lines pasted without
	// nginx's date): in the totals, joined to nothing.
	Untimed int64
	// Controller counts ingress-nginx controller (klog) lines.
	Controller int64
	Samples    []MalformedLine
	ReadError  string // what stopped this file early, if anything
	Opened     bool   // the run opened it (an interrupted run may not have)
}

// Kind says what the file held: "access", "error", "mixed" or "empty".
func (f *FileStats) Kind() string {
	switch {
	case f.Lines == 0 && (f.ReadError != "" || f.Consumed == 0 && f.Path != "-" && !f.Opened):
		return "unread"
	case f.Access > 0 && f.Errors > 0:
		return "mixed"
	case f.Access > 0:
		return "access"
	case f.Errors > 0:
		return "error"
	}
	return "empty"
}

// MalformedLine is a line that could not be parsed, with the reason.
type MalformedLine struct {
	Line   int64
	Reason string
	Text   string
}

// IngestStats is what the run read.
type IngestStats struct {
	Files       []FileStats
	Format      string // the access-log format in use
	FormatLabel string // the same for people: preset or log_format
	Detection   string // how it was chosen, when detected
	Zone        string // zone used for error.log times and why
	Elapsed     time.Duration
	Follow      bool // reading a pipe that may never end
	Interrupted bool // stopped by a signal before the end of input
	errs        []error
	mu          *sync.Mutex
	index       map[string]int
}

func newIngestStats() *IngestStats {
	return &IngestStats{mu: &sync.Mutex{}, index: map[string]int{}}
}

// Complete reports whether the run read all of its input: a file run
// stopped by a signal is not; a live pipe ends by a signal as a rule.
func (s *IngestStats) Complete() bool { return !s.Interrupted || s.Follow }

// Totals sums the per-file counts.
func (s *IngestStats) Totals() FileStats {
	var t FileStats
	for _, f := range s.Files {
		t.Lines += f.Lines
		t.Access += f.Access
		t.Errors += f.Errors
		t.Malformed += f.Malformed
		t.TooLong += f.TooLong
		t.OutOfOrder += f.OutOfOrder
		t.Untimed += f.Untimed
		t.Controller += f.Controller
		t.Blank += f.Blank
		t.Continued += f.Continued
		switch {
		case f.ReadError != "" && f.Lines == 0:
			// Not read at all: no bytes to count on either side.
		case f.Size < 0 || t.Size < 0:
			t.Size = -1 // a pipe or FIFO: the share of bytes read is unknown
		default:
			t.Size += f.Size
		}
		t.Consumed += f.Consumed
		t.Span += f.Span
		t.SpanRead += f.SpanRead
	}
	return t
}

// sized records the size of a regular file before it is opened, so that
// the share of bytes read counts the files not reached yet.
func (s *IngestStats) sized(path string, size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := &s.Files[s.fileLocked(path)]; !f.Opened {
		f.Size = size
	}
}

// file returns the index of path's entry, creating it.
func (s *IngestStats) file(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fileLocked(path)
}

func (s *IngestStats) fileLocked(path string) int {
	if i, ok := s.index[path]; ok {
		return i
	}
	s.Files = append(s.Files, FileStats{Path: path, Size: -1})
	s.index[path] = len(s.Files) - 1
	return len(s.Files) - 1
}

func (s *IngestStats) opened(i int, st *input.Stream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Files[i].Compression = st.Compression.String()
	s.Files[i].Size = st.Size
	s.Files[i].Opened = true
}

func (s *IngestStats) progress(i int, consumed int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Files[i].Consumed = consumed
}

// Progresser is a reader that says how far it has come in a range it
// knows (a log store's reader: seconds of its time range; total 0 for a
// range without end).
type Progresser interface {
	Progress() (done, total int64)
}

func (s *IngestStats) spanProgress(i int, p Progresser) {
	done, total := p.Progress()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Files[i].SpanRead, s.Files[i].Span = done, total
}

func (s *IngestStats) fileError(i int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Files[i].ReadError = err.Error()
	s.errs = append(s.errs, err)
}

func (s *IngestStats) setZone(z string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Zone = z
}

func (s *IngestStats) setFormat(path, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Files[s.fileLocked(path)].Format = name
}

func (s *IngestStats) untimed(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Files[s.fileLocked(path)].Untimed++
}

func (s *IngestStats) outOfOrder(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Files[s.fileLocked(path)].OutOfOrder++
}

func (s *IngestStats) markInterrupted() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Interrupted = true
}

type lineCounts struct {
	lines, access, errors, malformed, tooLong, blank, continuation, controller int64
}

func (s *IngestStats) count(m map[string]*lineCounts) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for path, c := range m {
		f := &s.Files[s.fileLocked(path)]
		f.Lines += c.lines
		f.Access += c.access
		f.Errors += c.errors
		f.Malformed += c.malformed
		f.TooLong += c.tooLong
		f.Blank += c.blank
		f.Continued += c.continuation
		f.Controller += c.controller
	}
}

// maxSampleText bounds the text kept of each malformed line.
const maxSampleText = 300

func (s *IngestStats) sample(path string, line int64, reason string, text []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.Files[s.fileLocked(path)]
	if len(f.Samples) < maxMalformedSamples {
		f.Samples = append(f.Samples, MalformedLine{Line: line, Reason: reason, Text: logparse.CutBytes(text, maxSampleText)})
	}
}

func (s *IngestStats) sourceErrors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// clone copies the stats for a snapshot.
func (s *IngestStats) clone() IngestStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *s
	c.Files = make([]FileStats, len(s.Files))
	for i, f := range s.Files {
		f.Samples = append([]MalformedLine(nil), f.Samples...)
		c.Files[i] = f
	}
	c.mu, c.index, c.errs = nil, nil, nil
	return c
}
