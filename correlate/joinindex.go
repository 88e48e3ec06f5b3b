package correlate

// joinIndex finds the error events a bad record can join without looking
// at every event of its lifetime: during an incident error lines are
// dense, and a scan made each join cost the events of the last minute
// (issue 23: fifty times slower). It lists each upstream-fault event's
// seq under the keys a join asks by: its connection serial, its request
// line with and without its client (apart for events with and without a
// serial, since a record with a serial joins those with one by serial
// only), and the id-like words of its line, where a $request_id is
// found. Lists are in push order, so the oldest event is always the
// first of its lists and leaves them in constant time.
type joinIndex struct {
	byConn map[uint64][]uint64
	byReq  map[reqKey][]uint64
	byID   map[string][]uint64
}

type reqKey struct {
	withConn bool // the event has a connection serial
	client   string
	request  string
}

func newJoinIndex() joinIndex {
	return joinIndex{byConn: map[uint64][]uint64{}, byReq: map[reqKey][]uint64{}, byID: map[string][]uint64{}}
}

// maxIDWords bounds the id-like words indexed per event: an
// attacker-controlled line of a megabyte must not fill the index.
const maxIDWords = 16

// minIDLen is the shortest id-like word: shorter request ids would match
// by chance (join ignores them).
const minIDLen = 8

func (x *joinIndex) add(e *storedEvent) { x.each(e, x.push) }

func (x *joinIndex) remove(e *storedEvent) { x.each(e, x.pop) }

// each calls fn with every list e belongs in, keeping what fn returns.
func (x *joinIndex) each(e *storedEvent, fn func(list []uint64, seq uint64) []uint64) {
	ev := &e.ev
	if !ev.Category.UpstreamFault() {
		return
	}
	if ev.Conn != 0 {
		update(x.byConn, ev.Conn, e.seq, fn)
	}
	if ev.Request != "" {
		update(x.byReq, reqKey{ev.Conn != 0, "", ev.Request}, e.seq, fn)
		if ev.Client != "" {
			update(x.byReq, reqKey{ev.Conn != 0, ev.Client, ev.Request}, e.seq, fn)
		}
	}
	n := 0
	eachIDWord(ev.Line, func(w string) bool {
		update(x.byID, w, e.seq, fn)
		n++
		return n < maxIDWords
	})
}

func update[K comparable](m map[K][]uint64, k K, seq uint64, fn func([]uint64, uint64) []uint64) {
	if l := fn(m[k], seq); len(l) > 0 {
		m[k] = l
	} else {
		delete(m, k)
	}
}

func (x *joinIndex) push(list []uint64, seq uint64) []uint64 {
	// A word twice in one line is listed once.
	if len(list) > 0 && list[len(list)-1] == seq {
		return list
	}
	return append(list, seq)
}

func (x *joinIndex) pop(list []uint64, seq uint64) []uint64 {
	if len(list) > 0 && list[0] == seq {
		return list[1:]
	}
	return list
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
