// Command refparse is the yardstick of bench/whole.sh: the plainest Go
// parse of the fields badgw reads from the seed report's tab format, on two
// goroutines, with nothing else (no correlation, no error log, no report).
// badgw's whole analysis is measured against it.
//
//	go run ./bench/refparse [-workers N] FILE     (or - for stdin)
//
// One goroutine reads 1 MiB blocks cut at a line end; N (2 by default)
// parse them:
// split the 10 fields, the time (cached per second), the status, the
// upstream status chain, the request and upstream times, the bytes, and
// per-second counts of requests and 502s.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

type counts struct {
	lines, bad, malformed int
	attempts, bytes       int64
	reqMillis             int64
	perSecond             map[int64][2]int
}

func main() {
	workers := flag.Int("workers", 2, "parsing goroutines")
	flag.Parse()
	if flag.NArg() != 1 || *workers < 1 {
		fmt.Fprintln(os.Stderr, "usage: refparse [-workers N] FILE|-")
		os.Exit(2)
	}
	in := os.Stdin
	if flag.Arg(0) != "-" {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	blocks := make(chan []byte, 4)
	results := make(chan counts)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- parse(blocks)
		}()
	}
	go func() { wg.Wait(); close(results) }()
	if err := read(in, blocks); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	total := counts{perSecond: map[int64][2]int{}}
	for c := range results {
		total.lines += c.lines
		total.bad += c.bad
		total.malformed += c.malformed
		total.attempts += c.attempts
		total.bytes += c.bytes
		total.reqMillis += c.reqMillis
		for s, v := range c.perSecond {
			t := total.perSecond[s]
			total.perSecond[s] = [2]int{t[0] + v[0], t[1] + v[1]}
		}
	}
	fmt.Printf("%d lines, %d 502s, %d malformed, %d attempts, %d bytes, %d seconds\n",
		total.lines, total.bad, total.malformed, total.attempts, total.bytes, len(total.perSecond))
}

// read sends blocks of whole lines; each block is a fresh slice, so the
// parsers own what they get.
func read(r io.Reader, out chan<- []byte) error {
	defer close(out)
	var carry []byte
	for {
		buf := make([]byte, len(carry), 1<<20+len(carry))
		copy(buf, carry)
		n, err := io.ReadFull(r, buf[len(carry):cap(buf)])
		buf = buf[:len(carry)+n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if len(buf) > 0 {
				out <- buf
			}
			return nil
		}
		if err != nil {
			return err
		}
		cut := bytes.LastIndexByte(buf, '\n') + 1
		carry = append(carry[:0], buf[cut:]...)
		out <- buf[:cut]
	}
}

func parse(blocks <-chan []byte) counts {
	c := counts{perSecond: map[int64][2]int{}}
	var lastStamp []byte
	var lastSecond int64
	var fields [10][]byte
	for block := range blocks {
		for len(block) > 0 {
			line := block
			if i := bytes.IndexByte(block, '\n'); i >= 0 {
				line, block = block[:i], block[i+1:]
			} else {
				block = nil
			}
			n := 0
			for n < 9 {
				i := bytes.IndexByte(line, '\t')
				if i < 0 {
					break
				}
				fields[n], line = line[:i], line[i+1:]
				n++
			}
			fields[n] = line
			if n != 9 {
				c.malformed++
				continue
			}
			if !bytes.Equal(fields[0], lastStamp) {
				t, err := time.Parse(time.RFC3339, string(fields[0]))
				if err != nil {
					c.malformed++
					continue
				}
				lastStamp, lastSecond = fields[0], t.Unix()
			}
			status, err := strconv.Atoi(string(fields[1]))
			if err != nil {
				c.malformed++
				continue
			}
			for chain := fields[4]; len(chain) > 0; {
				item := chain
				if i := bytes.IndexByte(chain, ','); i >= 0 {
					item, chain = chain[:i], bytes.TrimLeft(chain[i+1:], " ")
				} else {
					chain = nil
				}
				if _, err := strconv.Atoi(string(item)); err == nil {
					c.attempts++
				}
			}
			c.reqMillis += millis(fields[7]) + millis(fields[8])
			if b, err := strconv.ParseInt(string(fields[9]), 10, 64); err == nil {
				c.bytes += b
			}
			c.lines++
			v := c.perSecond[lastSecond]
			v[0]++
			if status == 502 {
				c.bad++
				v[1]++
			}
			c.perSecond[lastSecond] = v
		}
	}
	return c
}

// millis reads seconds such as "0.123" (or the first of "0.1, 0.2") as
// milliseconds; "-" is 0.
func millis(b []byte) int64 {
	var v int64
	frac := -1
	for _, ch := range b {
		if ch == '.' {
			frac = 0
			continue
		}
		if ch < '0' || ch > '9' || frac == 3 {
			break
		}
		v = v*10 + int64(ch-'0')
		if frac >= 0 {
			frac++
		}
	}
	for frac = max(frac, 0); frac < 3; frac++ {
		v *= 10
	}
	return v
}
