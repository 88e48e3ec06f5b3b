package correlate

import (
	"hash/maphash"
	"time"
)

// joinIndex finds the error events a bad record can join without looking
// at every event of its lifetime: during an incident error lines are
// dense, and a scan made each join cost the events of the last minute
// (issue 23: fifty times slower). Each upstream-fault event is reachable
// under the keys a join asks by: its connection serial, its request line
// with and without its client (apart for events with and without a
// serial, since a record with a serial joins those with one by serial
// only), and the id-like words of its line, where a $request_id is
// found. Keys are hashes; heads maps each to the newest event under it,
// and each event links to the previous one under the same key, so the
// index costs a map entry per key and a few words per held event. A
// hash collision only adds candidates, which join's match then refuses.
type joinIndex struct {
	seed  maphash.Seed
	heads map[uint32]uint64 // key → seq+1 of the newest event under it
}

// Key slots of an event: its serial, its request with client, its request
// for any client, and up to maxIDWords id-like words.
const (
	slotConn = iota
	slotReq
	slotReqAny
	slotID
	maxIDWords = 2
	numSlots   = slotID + maxIDWords
)

// joinLinks is what an event carries for the index, 40 bytes in every
// slot of the ring: the key of each slot (0: none) and how many pushes
// back the previous event under that key is (0: none, or too far back to
// say in 32 bits, which no ring holds).
type joinLinks struct {
	keys [numSlots]uint32
	back [numSlots]uint32
}

// minIDLen is the shortest id-like word: shorter request ids would match
// by chance (join ignores them).
const minIDLen = 8

func newJoinIndex() joinIndex {
	return joinIndex{seed: maphash.MakeSeed(), heads: map[uint32]uint64{}}
}

// Key tags keep the kinds of key apart.
const (
	tagConn byte = iota + 1
	tagReq
	tagReqConn
	tagID
)

func (x *joinIndex) connKey(conn uint64) uint32 {
	var h maphash.Hash
	h.SetSeed(x.seed)
	h.WriteByte(tagConn)
	var b [8]byte
	for i := range b {
		b[i] = byte(conn >> (8 * i))
	}
	h.Write(b[:])
	return nonZero(h.Sum64())
}

// reqKey is the key of a request line from a client ("" for any client),
// for events with a serial or without one.
func (x *joinIndex) reqKey(withConn bool, client, request string) uint32 {
	var h maphash.Hash
	h.SetSeed(x.seed)
	if withConn {
		h.WriteByte(tagReqConn)
	} else {
		h.WriteByte(tagReq)
	}
	h.WriteString(client)
	h.WriteByte(0)
	h.WriteString(request)
	return nonZero(h.Sum64())
}

func (x *joinIndex) idKey(word string) uint32 {
	var h maphash.Hash
	h.SetSeed(x.seed)
	h.WriteByte(tagID)
	h.WriteString(word)
	return nonZero(h.Sum64())
}

// nonZero folds a hash to the 32 bits kept, leaving 0 to mean "no key".
func nonZero(h uint64) uint32 { return max(uint32(h^h>>32), 1) }

// add files e under its keys; e.seq is set.
func (x *joinIndex) add(e *storedEvent) {
	ev := &e.ev
	e.links = joinLinks{}
	if !ev.Category.UpstreamFault() {
		return
	}
	l := &e.links
	if ev.Conn != 0 {
		l.keys[slotConn] = x.connKey(ev.Conn)
	}
	if ev.Request != "" {
		withConn := ev.Conn != 0
		l.keys[slotReqAny] = x.reqKey(withConn, "", ev.Request)
		if ev.Client != "" {
			l.keys[slotReq] = x.reqKey(withConn, ev.Client, ev.Request)
		}
	}
	n := 0
	eachIDWord(ev.Line, func(w string) bool {
		k := x.idKey(w)
		for _, have := range l.keys[slotID : slotID+n] {
			if have == k {
				return true // a word twice in one line is filed once
			}
		}
		l.keys[slotID+n] = k
		n++
		return n < maxIDWords
	})
	for i, k := range l.keys {
		if k == 0 {
			continue
		}
		if prev := x.heads[k]; prev != 0 && e.seq+1-prev <= 1<<32-1 {
			l.back[i] = uint32(e.seq + 1 - prev)
		}
		x.heads[k] = e.seq + 1
	}
}

// remove takes e, the oldest event held, out of the index: a key whose
// newest event it is goes; a key with newer events keeps them, and their
// chain ends where e was.
func (x *joinIndex) remove(e *storedEvent) {
	for _, k := range e.links.keys {
		if k != 0 && x.heads[k] == e.seq+1 {
			delete(x.heads, k)
		}
	}
}

// scanKey calls fn for the events under key, newest first, down to the
// first one older than since.
func (r *eventRing) scanKey(key uint32, since time.Time, fn func(*storedEvent)) {
	for s := r.index.heads[key]; s != 0; {
		e := r.at(s - 1)
		if e == nil || e.ev.Time.Before(since) {
			return
		}
		fn(e)
		back := uint64(0)
		for i, k := range e.links.keys {
			if k == key {
				back = uint64(e.links.back[i])
				break
			}
		}
		if back == 0 {
			return
		}
		s -= back
	}
}

// isIDByte is a byte of an id-like word: request ids are hex, UUIDs,
// base64url or similar.
func isIDByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
}

// idLike reports whether s is an id-like word: minIDLen bytes or more of
// isIDByte, a digit among them (which leaves out the words of nginx's
// messages).
func idLike(s string) bool {
	if len(s) < minIDLen {
		return false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isIDByte(c) {
			return false
		}
		digit = digit || c >= '0' && c <= '9'
	}
	return digit
}

// eachIDWord calls fn for each id-like word of line until fn returns false.
func eachIDWord(line string, fn func(string) bool) {
	for i := 0; i < len(line); {
		if !isIDByte(line[i]) {
			i++
			continue
		}
		j := i
		for j < len(line) && isIDByte(line[j]) {
			j++
		}
		if w := line[i:j]; idLike(w) && !fn(w) {
			return
		}
		i = j
	}
}
