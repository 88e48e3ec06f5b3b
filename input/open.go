// Package input turns files, globs, rotated sets and stdin into a stream of
// lines with provenance. It knows about compression (detected by magic bytes),
// logrotate naming, tail -F headers and container log wrappers, and nothing
// about nginx log formats.
package input

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression is the container format detected from a file's first bytes.
type Compression int

// Compressions recognised by Open.
const (
	Plain Compression = iota
	Gzip
	Zstd
	Bzip2
)

func (c Compression) String() string {
	switch c {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	case Bzip2:
		return "bzip2"
	default:
		return "plain"
	}
}

var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicBzip2 = []byte("BZh")
)

// Sniff reports the compression of the data that starts with head.
func Sniff(head []byte) Compression {
	switch {
	case bytes.HasPrefix(head, magicGzip):
		return Gzip
	case bytes.HasPrefix(head, magicZstd):
		return Zstd
	case bytes.HasPrefix(head, magicBzip2) && len(head) >= 4 && head[3] >= '1' && head[3] <= '9':
		return Bzip2
	}
	return Plain
}

// countingReader counts the bytes read from the underlying (compressed)
// stream, so a decompression error can name the byte offset of the damage.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Stream is an opened input: decompressed bytes plus what is known about them.
type Stream struct {
	Name        string
	Compression Compression
	Size        int64 // on-disk size in bytes, -1 when unknown (stdin)

	r      io.Reader
	raw    *countingReader
	ahead  *bufio.Reader // read-ahead between the file and the decompressor
	closer io.Closer
	dec    io.Closer
}

// Read reads decompressed bytes. A decompression error is wrapped in a
// *SourceError carrying the compressed byte offset where it happened.
func (s *Stream) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		// The decompressor reads byte by byte from the read-ahead buffer,
		// so the damage is where it stopped, not where the buffer's last
		// fill ended.
		err = &SourceError{Source: s.Name, Offset: s.compressedOffset(), Err: err}
	}
	return n, err
}

// compressedOffset is how far the decompressor has read into the raw
// bytes: what the file read, less what waits in the read-ahead buffer.
func (s *Stream) compressedOffset() int64 { return s.raw.n - int64(s.ahead.Buffered()) }

// Consumed returns how many raw (possibly compressed) bytes were read so far;
// progress bars compare it with Size.
func (s *Stream) Consumed() int64 { return s.raw.n }

// Close releases the decompressor and the file.
func (s *Stream) Close() error {
	if s.dec != nil {
		s.dec.Close()
	}
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

// Open opens path ("-" for stdin) and wraps it in the decompressor its magic
// bytes call for. The file name plays no part in the decision.
func Open(path string) (*Stream, error) {
	if path == "-" {
		return NewStream("-", os.Stdin, -1)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	s, err := NewStream(path, f, size)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.closer = f
	return s, nil
}

// NewStream wraps r, sniffing its compression. The caller keeps ownership of r.
func NewStream(name string, r io.Reader, size int64) (*Stream, error) {
	if f, ok := r.(*os.File); ok {
		widenPipe(f)
	}
	raw := &countingReader{r: r}
	br := bufio.NewReaderSize(raw, 64<<10)
	head, err := br.Peek(4)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, &SourceError{Source: name, Err: err}
	}
	s := &Stream{Name: name, Size: size, raw: raw, ahead: br, Compression: Sniff(head)}
	switch s.Compression {
	case Gzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &SourceError{Source: name, Err: fmt.Errorf("gzip header: %w", err)}
		}
		s.r, s.dec = newVerifier("gzip", zr, zr, br, s.compressedOffset), zr
	case Zstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(MaxZstdWindow), zstd.WithDecoderMaxMemory(MaxZstdWindow))
		if err != nil {
			return nil, &SourceError{Source: name, Err: err}
		}
		s.r, s.dec = newVerifier("zstd", zstdReader{zr}, nil, nil, s.compressedOffset), zstdCloser{zr}
	case Bzip2:
		s.r = newVerifier("bzip2", bzip2.NewReader(br), nil, nil, s.compressedOffset)
	default:
		s.r = br
	}
	return s, nil
}

// MaxZstdWindow is the largest zstd window badgw decodes: the decoder
// keeps a window's worth of output, so a 160 KB file declaring 512 MiB
// would hold 512 MiB. zstd's levels 1 to 19 use windows of 8 MiB at most;
// --long and --ultra, up to 128 MiB, are refused with the way out.
const MaxZstdWindow = 32 << 20

// zstdReader says what a refused window means.
type zstdReader struct{ d *zstd.Decoder }

func (z zstdReader) Read(p []byte) (int, error) {
	n, err := z.d.Read(p)
	if errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded) {
		err = fmt.Errorf("zstd window over the %d MiB badgw decodes (written with --long or --ultra?): decompress it with zstd -d and give badgw the result: %w", MaxZstdWindow>>20, err)
	}
	return n, err
}

type zstdCloser struct{ d *zstd.Decoder }

func (z zstdCloser) Close() error { z.d.Close(); return nil }
