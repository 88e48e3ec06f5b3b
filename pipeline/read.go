package pipeline

// Reading: one goroutine per input set reads its files in order (the
// compressed ones inflated ahead), cutting their lines into raw batches.

import (
	"context"
	"io"
	"runtime"

	"github.com/badgw/badgw/input"
)

// setReader reads one rotation set, file after file, into raw batches.
type setReader struct {
	set    input.Set
	stats  *IngestStats
	out    chan *rawBatch
	follow bool // stdin: flush whenever the pipe would block
	stdin  io.Reader
	// followed: the set's one path is read from stdin or a reader (a
	// followed file's, a log store's) rather than opened.
	followed bool
	seq      int
}

// prefetchChunk and prefetchDepth bound what each file decompressed ahead
// holds: 4 MiB.
const (
	prefetchChunk = 1 << 20
	prefetchDepth = 4
)

// prefetchFiles is how many files of a rotation set are decompressed ahead
// of the one being read: half the cores, the parsers have the rest.
func prefetchFiles() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// source is an opened file: a stream, decompressed ahead or not.
type source interface {
	io.Reader
	Consumed() int64
	Close() error
}

// openedFile is a file opened ahead of its turn.
type openedFile struct {
	st  *input.Stream
	src source
	err error
}

// openAhead opens path and, when it is compressed, starts decompressing
// it in the background.
func openAhead(path string) *openedFile {
	st, err := input.Open(path)
	if err != nil {
		return &openedFile{err: err}
	}
	if st.Compression == input.Plain {
		return &openedFile{st: st, src: st}
	}
	return &openedFile{st: st, src: input.Prefetch(st, prefetchChunk, prefetchDepth)}
}

func (s *setReader) run(ctx context.Context) {
	defer close(s.out)
	ahead := map[int]*openedFile{}
	defer func() {
		for _, f := range ahead {
			if f.src != nil {
				f.src.Close()
			}
		}
	}()
	paths := s.set.Paths
	if s.set.Unread != nil {
		s.stats.fileError(s.stats.file(paths[0]), s.set.Unread)
		return
	}
	for i, path := range paths {
		if ctx.Err() != nil {
			return
		}
		if path != "-" && !s.followed {
			for j := i + 1; j <= i+prefetchFiles() && j < len(paths); j++ {
				if ahead[j] == nil && paths[j] != "-" {
					ahead[j] = openAhead(paths[j])
				}
			}
		}
		f := ahead[i]
		delete(ahead, i)
		if f == nil && path != "-" && !s.followed {
			// The first file too inflates on a goroutine of its own, so
			// that cutting its lines does not wait for it.
			f = openAhead(path)
		}
		s.readFile(ctx, path, f)
	}
}

func (s *setReader) readFile(ctx context.Context, path string, f *openedFile) {
	fi := s.stats.file(path)
	if f == nil {
		var st *input.Stream
		var err error
		if path == "-" || s.followed {
			st, err = input.NewStream(path, s.stdin, -1)
		} else {
			st, err = input.Open(path)
		}
		f = &openedFile{st: st, src: st, err: err}
	}
	if f.err != nil {
		s.stats.fileError(fi, f.err)
		return
	}
	st := f.src
	defer st.Close()
	s.stats.opened(fi, f.st)
	p, spans := s.stdin.(Progresser)
	spans = spans && s.followed
	progress := func() {
		s.stats.progress(fi, st.Consumed())
		if spans {
			s.stats.spanProgress(fi, p)
		}
	}
	progress()
	r := input.NewReader(st, path)
	b := newRawBatch()
	flush := func() bool {
		if len(b.lines) == 0 {
			return true
		}
		progress()
		b.seq = s.seq
		s.seq++
		select {
		case s.out <- b:
		case <-ctx.Done():
			return false
		}
		b = newRawBatch()
		return true
	}
	afterError := false // the last line sent belongs to an error entry
	var ends []int32
	for {
		// Most lines are taken a run at a time, copied at once; the last
		// line of a full batch, and any line that is not plain, one by
		// one below.
		if n, room := len(b.lines), len(b.arena); n < batchLines && room < batchBytes {
			var run []byte
			first := r.Num() + 1
			run, ends = r.PlainRun(batchLines-n, batchBytes-room, ends[:0])
			if len(run) > 0 {
				base := len(b.arena)
				b.arena = append(b.arena, run...)
				start := 0
				for k, end := range ends {
					b.add(base+start, int(end)-start, first+int64(k), lineExtra{source: r.Source()})
					start = int(end) + 1
				}
				if s.follow && r.Buffered() == 0 {
					b.afterError, afterError = afterError, endsInErrorEntry(b, afterError)
					if !flush() {
						return
					}
				}
				continue
			}
		}
		if !r.Next() {
			break
		}
		l := r.Line()
		full := len(b.lines) >= batchLines || len(b.arena) >= batchBytes
		// A traceback stays in its entry's batch unless it is huge, so the
		// parser can attach it; past that its lines are only counted.
		if full && !(len(l.Bytes) > 0 && isContinuation(l.Bytes) && len(b.arena) < 4*batchBytes) {
			b.afterError, afterError = afterError, endsInErrorEntry(b, afterError)
			if !flush() {
				return
			}
		}
		off := len(b.arena)
		b.arena = append(b.arena, l.Bytes...)
		ex := lineExtra{source: l.Source, err: l.Err, stampKind: l.StampKind, controller: l.Controller}
		if l.Stamp != nil {
			ex.stampOff, ex.stampN = len(b.arena), len(l.Stamp)
			b.arena = append(b.arena, l.Stamp...)
		}
		if l.Origin != nil {
			ex.originOff, ex.originN = len(b.arena), len(l.Origin)
			b.arena = append(b.arena, l.Origin...)
		}
		b.add(off, len(l.Bytes), l.Num, ex)
		if s.follow && r.Buffered() == 0 {
			b.afterError, afterError = afterError, endsInErrorEntry(b, afterError)
			if !flush() {
				return
			}
		}
	}
	b.afterError = afterError
	flush()
	putRaw(b)
	progress()
	if err := r.Err(); err != nil {
		s.stats.fileError(fi, err)
	}
}
