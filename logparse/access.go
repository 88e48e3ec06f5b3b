package logparse

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"time"
)

// Record is one access-log line. Its byte slices are views into the line
// passed to Parse and are valid only as long as that line is; a caller that
// keeps a Record past that must copy what it needs.
type Record struct {
	Time        time.Time     // $time_local, $time_iso8601 or $msec; zero if absent
	Status      int           // $status
	Method, URI []byte        // from $request, or $request_method / $request_uri
	Request     []byte        // $request as logged (escaped)
	Client      []byte        // $remote_addr
	Host        []byte        // $host or $http_host
	Scheme      []byte        // $scheme
	UserAgent   []byte        // $http_user_agent (escaped)
	RequestID   []byte        // $request_id, ingress-nginx $req_id, Kong's id
	Conn        uint64        // $connection; 0 if absent
	RequestTime time.Duration // $request_time; -1 if absent or "-"
	// UpstreamName is ingress-nginx's $proxy_upstream_name, the backend's
	// namespace-service-port; empty elsewhere.
	UpstreamName []byte
	Attempts     []Attempt // upstream tries, zipped from the $upstream_* lists
	Line         []byte    // the whole line
	Escape       Escape    // how the values are escaped; see Unescape
	// Timed says the format logs $upstream_connect_time and
	// $upstream_header_time, so a "-" in them (Connect or Header of -1)
	// means the attempt never connected, or never got a header.
	Timed bool
	// Hostname is $hostname, the machine that wrote the line, when the
	// format logs it; nil for "-".
	Hostname []byte
	// Node is the nginx host that wrote the line, when the inputs are
	// several hosts' (set by the reader, from the path, a wrapper or
	// Hostname).
	Node string
	// format is the Format that filled the record last, so the next
	// Parse with it clears only what it may leave unset.
	format *Format
}

// Attempt is one upstream try of a request.
type Attempt struct {
	Addr                      []byte        // "10.0.0.1:8080", "unix:/run/app.sock" or an upstream group name
	Status                    int           // 0 for "-"
	Connect, Header, Response time.Duration // -1 for "-"
	// AfterRedirect is set when the attempt followed an internal redirect
	// (" : " in the list) rather than a retry in the same group (", ").
	AfterRedirect bool
}

// IsGroupName reports whether Addr names an upstream group rather than a
// peer: nginx logs the group's name when it found no live peer to try.
func (a *Attempt) IsGroupName() bool {
	return len(a.Addr) > 0 && !bytes.Equal(a.Addr, dash) && bytes.IndexByte(a.Addr, ':') < 0
}

// IsPlaceholder reports whether Addr is the 0.0.0.1 placeholder peer that
// ingress-nginx, Kong and other Lua balancers declare and override at run
// time; a request that reached it got no real peer from the balancer.
func (a *Attempt) IsPlaceholder() bool {
	return bytes.HasPrefix(a.Addr, []byte("0.0.0.1"))
}

var dash = []byte("-")

// AddrHash is a cheap hash of a peer's address for small tables: its last
// eight bytes, where addresses differ, mixed with its length.
func AddrHash(addr []byte) uint32 {
	var x uint64
	if len(addr) >= 8 {
		x = binary.LittleEndian.Uint64(addr[len(addr)-8:])
	} else {
		for _, b := range addr {
			x = x<<8 | uint64(b)
		}
	}
	x = (x ^ uint64(len(addr))<<56) * 0x9e3779b97f4a7c15
	return uint32(x >> 32)
}

// reset clears rec for reuse, keeping the Attempts backing array. A record
// last filled by f needs only the fields that f sets for some values and
// not others: a successful parse sets each of its other fields again, and
// fields f lacks were never set. Clearing 320 bytes a line was a tenth of
// the parse.
func (rec *Record) reset(line []byte, f *Format) {
	if rec.format == f {
		rec.Attempts = rec.Attempts[:0]
		rec.Time, rec.Method, rec.URI, rec.RequestID, rec.Hostname, rec.Line = time.Time{}, nil, nil, nil, nil, line
		return
	}
	attempts := rec.Attempts[:0]
	*rec = Record{RequestTime: -1, Attempts: attempts, Line: line, Escape: f.Escape,
		Timed: f.has[kUpstreamConnect] && f.has[kUpstreamHeader], format: f}
}

// Parse fills rec from line. The line must have no trailing newline. It
// allocates nothing once rec.Attempts has grown to the longest retry chain.
// On failure it returns a *ParseError and rec's fields are unspecified.
func (f *Format) Parse(line []byte, rec *Record) error {
	return f.parse(line, rec, nil)
}

// Parser parses lines of one format, remembering the last timestamp it
// converted: consecutive lines mostly share their second, and converting a
// date is the costliest step of a line. A Parser is for one goroutine.
type Parser struct {
	f     *Format
	cache timeCache
}

type timeCache struct {
	raw [40]byte
	n   int
	t   time.Time
}

// NewParser returns a Parser for f.
func (f *Format) NewParser() *Parser { return &Parser{f: f} }

// Parse is Format.Parse with the timestamp cache.
func (p *Parser) Parse(line []byte, rec *Record) error {
	return p.f.parse(line, rec, &p.cache)
}

func (f *Format) parse(line []byte, rec *Record, tc *timeCache) error {
	rec.reset(line, f)
	if !bytes.HasPrefix(line, f.prefix) {
		return &ParseError{Column: 1, Field: "prefix", Err: ErrNoMatch}
	}
	p := line[len(f.prefix):]
	for i := range f.fields {
		fl := &f.fields[i]
		var val []byte
		// A number before a literal that cannot start inside it ends at
		// its digits when the literal follows them: that is the literal's
		// first occurrence, where the general search would stop too.
		numEnd := -1
		if fl.numeric {
			if e := shapeEnd(p); bytes.HasPrefix(p[e:], fl.delim) {
				numEnd = e
			}
		}
		switch {
		case fl.list:
			n, ok := f.scanList(p, fl, rec)
			if !ok {
				return f.fieldError(line, p, fl)
			}
			p = p[n:]
			if !bytes.HasPrefix(p, fl.delim) {
				return f.fieldError(line, p, fl)
			}
			p = p[len(fl.delim):]
			continue
		case fl.adjacent:
			n := shapeEnd(p)
			if n == 0 {
				return f.fieldError(line, p, fl)
			}
			val, p = p[:n], p[n:]
		case numEnd >= 0:
			val, p = p[:numEnd], p[numEnd+len(fl.delim):]
		case len(fl.delim) == 0:
			val, p = p, nil
		case fl.kind == kRequest && fl.delim[0] == ' ':
			// An unquoted $request holds two spaces itself.
			n := requestEnd(p, fl.delim)
			if n < 0 {
				n = f.indexDelim(p, fl.delim)
			}
			if n < 0 {
				return f.fieldError(line, p, fl)
			}
			val, p = p[:n], p[n+len(fl.delim):]
		case f.Escape == EscapeDefault && len(fl.delim) > 1 && fl.delim[0] == '"':
			// nginx writes a quote inside a value as \x22, so a quoted
			// field ends at the first quote; if the literal does not follow
			// there, the field would swallow the next one and the format is
			// not this line's.
			n := bytes.IndexByte(p, '"')
			if n < 0 || !bytes.HasPrefix(p[n:], fl.delim) {
				return f.fieldError(line, p, fl)
			}
			val, p = p[:n], p[n+len(fl.delim):]
		default:
			n := f.indexDelim(p, fl.delim)
			if n < 0 {
				return f.fieldError(line, p, fl)
			}
			val, p = p[:n], p[n+len(fl.delim):]
		}
		if len(val) == 0 && f.Escape == EscapeJSON {
			val = dash // escape=json writes "" for a variable with no value
		}

		if !f.assign(fl.kind, val, rec, tc) {
			return f.fieldError(line, val, fl)
		}
	}
	if len(p) != 0 {
		return &ParseError{Column: len(line) - len(p) + 1, Field: "end of line", Err: ErrTrailing}
	}
	return nil
}

func (f *Format) fieldError(line, at []byte, fl *field) error {
	col := len(line) - len(at) + 1
	if len(at) == 0 {
		col = len(line) + 1
	}
	return &ParseError{Column: col, Field: "$" + fl.name, Err: ErrNoMatch}
}

// indexDelim finds the literal that ends a field. With escape=json a quote
// inside a value is written as \" and must not end the field.
func (f *Format) indexDelim(p, delim []byte) int {
	if len(delim) == 1 {
		if f.Escape != EscapeJSON || delim[0] != '"' {
			return bytes.IndexByte(p, delim[0])
		}
	} else if f.Escape != EscapeJSON || delim[0] != '"' {
		return bytes.Index(p, delim)
	}
	off := 0
	for {
		n := bytes.Index(p[off:], delim)
		if n < 0 {
			return -1
		}
		n += off
		bs := 0
		for k := n - 1; k >= 0 && p[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return n
		}
		off = n + 1
	}
}

// scanList reads an $upstream_* list: items separated by ", " (retries in a
// group) or " : " (after an internal redirect). Items never contain spaces or
// commas, so the list ends at the first other byte. It stores the items into
// rec.Attempts by position and returns the list's length in bytes.
func (f *Format) scanList(p []byte, fl *field, rec *Record) (int, bool) {
	i, idx := 0, 0
	redirect := false
	d0 := -1 // the delimiter's first byte: only there can it start
	if len(fl.delim) > 0 {
		d0 = int(fl.delim[0])
	}
	for {
		start := i
		i = itemEnd(p, i, fl.delim, d0)
		if !f.setAttempt(fl.kind, idx, p[start:i], redirect, rec) {
			return 0, false
		}
		idx++
		switch rest := p[i:]; {
		case len(rest) >= 2 && rest[0] == ',' && rest[1] == ' ':
			i += 2
			redirect = false
		case len(rest) >= 3 && rest[0] == ' ' && rest[1] == ':' && rest[2] == ' ':
			i += 3
			redirect = true
		default:
			return i, true
		}
	}
}

// listStop holds the bytes that end an $upstream_* list item.
var listStop = [256]bool{',': true, ' ': true, '"': true, '\t': true}

// itemEnd returns where the list item starting at p[i] ends: at a byte of
// listStop, or at the field's literal (d0 its first byte, -1 for none).
func itemEnd(p []byte, i int, delim []byte, d0 int) int {
	for i < len(p) {
		if d0 < belowStops {
			i = skipAboveStops(p, i)
			if i == len(p) {
				break
			}
		}
		c := p[i]
		if listStop[c] || int(c) == d0 && bytes.HasPrefix(p[i:], delim) {
			break
		}
		i++
	}
	return i
}

// belowStops is one past the largest byte of listStop: every byte that
// can end an item is below it, and addresses, statuses and times are made
// of bytes above it.
const belowStops = ',' + 1

// skipAboveStops returns the index of the first byte at or after p[i]
// below belowStops, reading eight bytes at a time: an item is mostly
// digits, dots and colons, and this runs for every item of every list.
// In each 64-bit word, a byte b < n sets its top bit in
// (x - n·0x01…01) &^ x & 0x80…80; the lowest byte so flagged is exact.
func skipAboveStops(p []byte, i int) int {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(p); i += 8 {
		x := binary.LittleEndian.Uint64(p[i:])
		if m := (x - ones*belowStops) &^ x & tops; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(p) && p[i] >= belowStops {
		i++
	}
	return i
}

// maxAttempts bounds how many tries of one request are kept; nginx itself
// stops at proxy_next_upstream_tries, and a hostile line must not grow memory.
const maxAttempts = 64

func (f *Format) setAttempt(kind fieldKind, idx int, v []byte, redirect bool, rec *Record) bool {
	if kind == kIgnore {
		return true
	}
	if idx >= maxAttempts {
		return true
	}
	if len(v) == 0 && f.Escape == EscapeJSON {
		v = dash
	}
	for len(rec.Attempts) <= idx {
		rec.Attempts = append(rec.Attempts, Attempt{Connect: -1, Header: -1, Response: -1})
	}
	a := &rec.Attempts[idx]
	if redirect {
		a.AfterRedirect = true
	}
	switch kind {
	case kUpstreamAddr:
		a.Addr = v
	case kUpstreamStatus:
		if bytes.Equal(v, dash) {
			a.Status = 0
			return true
		}
		n, ok := atoi(v)
		if !ok {
			return false
		}
		a.Status = n
	case kUpstreamConnect:
		d, ok := parseSeconds(v)
		a.Connect = d
		return ok
	case kUpstreamHeader:
		d, ok := parseSeconds(v)
		a.Header = d
		return ok
	case kUpstreamResponse:
		d, ok := parseSeconds(v)
		a.Response = d
		return ok
	case kNumber:
		return isCount(v)
	}
	return true
}

// isCount reports whether v is what nginx writes for a counter: digits, or
// "-" when the variable is unset.
func isCount(v []byte) bool {
	if len(v) == 1 && v[0] == '-' {
		return true
	}
	_, ok := atoi(v)
	return ok
}

// assign converts one field's text into rec; false means the text is not a
// valid value for the variable, so the line does not match the format.
func (f *Format) assign(kind fieldKind, v []byte, rec *Record, tc *timeCache) bool {
	switch kind {
	case kIgnore:
	case kTimeLocal, kTimeISO:
		var t time.Time
		ok := true
		if tc != nil && tc.n == len(v) && string(tc.raw[:tc.n]) == string(v) {
			t = tc.t
		} else {
			parse := parseTimeLocal
			if kind == kTimeISO {
				parse = parseTimeISO
			}
			t, ok = parse(v)
			if ok && tc != nil && len(v) <= len(tc.raw) {
				tc.n = copy(tc.raw[:], v)
				tc.t = t
			}
		}
		if f.has[kMsec] && !rec.Time.IsZero() {
			// $msec came first: keep its milliseconds, take this zone.
			rec.Time = rec.Time.In(t.Location())
			return ok
		}
		rec.Time = t
		return ok
	case kMsec:
		t, ok := parseMsec(v)
		if !rec.Time.IsZero() {
			t = t.In(rec.Time.Location())
		}
		rec.Time = t
		return ok
	case kStatus:
		n, ok := atoi(v)
		if !ok || len(v) != 3 {
			return false
		}
		rec.Status = n
	case kRequest:
		rec.Request = v
		splitRequest(v, rec)
	case kMethod:
		rec.Method = v
	case kURI:
		rec.URI = v
	case kClient:
		if !isClientAddr(v) {
			return false
		}
		rec.Client = v
	case kHost:
		rec.Host = v
	case kScheme:
		rec.Scheme = v
	case kUserAgent:
		rec.UserAgent = v
	case kRequestTime:
		d, ok := parseSeconds(v)
		rec.RequestTime = d
		return ok
	case kConnection:
		n, ok := atoi(v)
		if !ok {
			return false
		}
		rec.Conn = uint64(n)
	case kRequestID:
		if !bytes.Equal(v, dash) {
			rec.RequestID = v
		}
	case kHostname:
		if !bytes.Equal(v, dash) {
			rec.Hostname = v
		}
	case kUpstreamName:
		rec.UpstreamName = v
	case kNumber:
		return isCount(v)
	}
	return true
}

// isClientAddr reports whether v can be $remote_addr: an IPv4 or IPv6
// address, "unix:" for a unix-socket listener, or "-". A wrapper left in
// front of a line ("2023-01-05T14:41:29.405Z 192.168.1.1", "nginx.1 | 10.0.0.1")
// then fails here instead of becoming a client.
func isClientAddr(v []byte) bool {
	if len(v) == 0 || len(v) > 45 {
		return false
	}
	if v[0] == '-' && len(v) == 1 || bytes.HasPrefix(v, []byte("unix:")) {
		return true
	}
	if pct := bytes.IndexByte(v, '%'); pct > 0 {
		v = v[:pct] // an IPv6 zone ("%eth0")
	}
	colons := 0
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9', c == '.':
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			if colons == 0 && bytes.IndexByte(v, ':') < 0 {
				return false // hex only in IPv6
			}
		case c == ':':
			colons++
		default:
			return false
		}
	}
	return true
}

// requestEnd finds the end of an unquoted $request ("GET /a HTTP/1.1"
// before a space): its method and URI hold no space, so it ends after the
// protocol. -1 when p does not start like a request line.
func requestEnd(p, delim []byte) int {
	sp := bytes.IndexByte(p, ' ')
	if sp <= 0 {
		return -1
	}
	for _, c := range p[:sp] {
		if c < 'A' || c > 'Z' {
			return -1
		}
	}
	proto := bytes.Index(p[sp+1:], []byte(" HTTP/"))
	if proto < 0 {
		return -1
	}
	end := sp + 1 + proto + len(" HTTP/")
	for end < len(p) && (p[end] >= '0' && p[end] <= '9' || p[end] == '.') {
		end++
	}
	if !bytes.HasPrefix(p[end:], delim) {
		return -1
	}
	return end
}

// shapeEnd is where a value with a known shape (a number, or "-") ends,
// for a variable that the next one follows with no text between them.
func shapeEnd(p []byte) int {
	if len(p) > 0 && p[0] == '-' {
		return 1
	}
	i := 0
	for i < len(p) && (p[i] >= '0' && p[i] <= '9' || p[i] == '.') {
		i++
	}
	return i
}

// splitRequest takes METHOD and URI from "METHOD URI PROTO". Garbage such as
// TLS bytes sent to a plain-text port, or "-", leaves both empty.
func splitRequest(v []byte, rec *Record) {
	sp := bytes.IndexByte(v, ' ')
	if sp <= 0 {
		return
	}
	for _, c := range v[:sp] {
		if c < 'A' || c > 'Z' {
			return
		}
	}
	rec.Method = v[:sp]
	uri := v[sp+1:]
	if e := bytes.LastIndexByte(uri, ' '); e >= 0 && bytes.HasPrefix(uri[e+1:], []byte("HTTP/")) {
		uri = uri[:e]
	}
	rec.URI = uri
}

// atoi parses a non-negative decimal without allocating.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseSeconds parses nginx's "seconds.milliseconds" times; "-" gives -1.
// One pass over the digits: it runs for every time of every attempt.
func parseSeconds(b []byte) (time.Duration, bool) {
	if len(b) == 1 && b[0] == '-' {
		return -1, true
	}
	if len(b) == 0 || len(b) > 28 {
		return 0, false
	}
	var sec, frac int64
	digits, fracDigits, dot := 0, 0, false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if dot {
				frac = frac*10 + int64(c-'0')
				fracDigits++
			} else {
				sec = sec*10 + int64(c-'0')
				digits++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	switch {
	case !dot:
		return time.Duration(sec) * time.Second, digits <= 18
	case fracDigits == 0 || fracDigits > 9 || digits > 18:
		return 0, false
	}
	for i := fracDigits; i < 9; i++ {
		frac *= 10
	}
	return time.Duration(sec)*time.Second + time.Duration(frac), true
}
