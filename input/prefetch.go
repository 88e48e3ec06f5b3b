package input

import (
	"io"
	"sync"
	"sync/atomic"
)

// Prefetched decompresses a stream ahead of its reader, in a goroutine of
// its own: the files of a rotation family are independent, so the next
// ones can be decompressed while the current one is parsed, and a month of
// .gz files is not bound to one core. At most depth chunks of chunkSize
// bytes wait, which bounds the memory.
type Prefetched struct {
	*Stream
	chunks chan prefetchChunk
	// free returns drained chunks to the filler, so the depth+1 buffers
	// are reused rather than allocated per chunk.
	free     chan []byte
	last     []byte // the chunk being drained, returned on the next fill
	cur      []byte
	err      error
	consumed atomic.Int64
	stop     chan struct{}
	once     sync.Once
	done     chan struct{}
}

type prefetchChunk struct {
	b   []byte
	err error
}

// Prefetch starts decompressing s.
func Prefetch(s *Stream, chunkSize, depth int) *Prefetched {
	p := &Prefetched{Stream: s, chunks: make(chan prefetchChunk, depth), free: make(chan []byte, depth+2),
		stop: make(chan struct{}), done: make(chan struct{})}
	go p.fill(chunkSize)
	return p
}

func (p *Prefetched) fill(chunkSize int) {
	defer close(p.done)
	defer close(p.chunks)
	for {
		var b []byte
		select {
		case b = <-p.free:
		default:
			b = make([]byte, chunkSize)
		}
		n, err := io.ReadFull(p.Stream, b[:cap(b)])
		p.consumed.Store(p.Stream.Consumed())
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		select {
		case p.chunks <- prefetchChunk{b: b[:n], err: err}:
		case <-p.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read returns the decompressed bytes in order, then the stream's own
// error (io.EOF, or a *SourceError naming the damage).
func (p *Prefetched) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		if p.last != nil {
			select {
			case p.free <- p.last[:0]:
			default:
			}
			p.last = nil
		}
		c, ok := <-p.chunks
		if !ok {
			return 0, io.EOF
		}
		p.cur, p.err, p.last = c.b, c.err, c.b
		if p.err == nil && len(p.cur) == 0 {
			continue
		}
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// Consumed returns the raw bytes the decompressor has read so far.
func (p *Prefetched) Consumed() int64 { return p.consumed.Load() }

// Close stops the decompression and closes the stream.
func (p *Prefetched) Close() error {
	p.once.Do(func() { close(p.stop) })
	<-p.done
	return p.Stream.Close()
}
