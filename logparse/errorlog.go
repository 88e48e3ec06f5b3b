package logparse

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unsafe"
)

// Level is an error.log severity.
type Level uint8

// Levels in nginx's order of severity.
const (
	LevelDebug Level = iota
	LevelInfo
	LevelNotice
	LevelWarn
	LevelError
	LevelCrit
	LevelAlert
	LevelEmerg
	NumLevels
)

var levelNames = [...]string{"debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"}

func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "unknown"
}

// Event is one error.log entry. Its strings share one allocation, a copy of
// the line, so an Event stays valid after the line buffer is reused.
type Event struct {
	Time                                              time.Time
	Level                                             Level
	PID, TID                                          int
	Conn                                              uint64 // the "*N" connection serial; 0 if absent
	Category                                          Category
	Errno                                             int    // the "(111: ...)" system error number; 0 if none
	Message                                           string // the text before the context pairs, phase included
	Phase                                             string // "while connecting to upstream", ...; empty if none
	Client, Server, Request, Upstream, Host, Referrer string
	// Peer is the upstream address the failure concerns: taken from
	// "connect() to ADDR failed" or from the host part of Upstream (which is
	// the group's name when nginx found no live peer).
	Peer string
	Line string // the whole entry; continuation lines are appended with "\n"
	// Node is the nginx host that wrote the line, when the inputs are
	// several hosts' (set by the reader, not parsed).
	Node string
}

// ParseErrorLine parses an error.log line; timestamps carry no zone and are
// read in loc. A line without nginx's date (pasted, or from syslog) gets a
// zero Time, and one that starts at the PID the level error. It makes one
// allocation, for the copy of the line.
func ParseErrorLine(line []byte, loc *time.Location, ev *Event) error {
	*ev = Event{}
	at, isErr := errorStart(line)
	if !isErr {
		return &ParseError{Column: 1, Field: "timestamp", Err: ErrNotError}
	}
	var when time.Time
	if at == 20 {
		y, mo, d, h, mi, s, ok := dateTime(line)
		if !ok {
			return &ParseError{Column: 1, Field: "timestamp", Err: ErrNotError}
		}
		when = time.Date(y, time.Month(mo), d, h, mi, s, 0, loc)
	}
	lv, restAt := LevelError, 0 // a line that starts at the PID or the "*N" has no level
	if at >= 0 {
		end := bytes.IndexByte(line[at+1:], ']')
		if end < 0 {
			return &ParseError{Column: at + 1, Field: "level", Err: ErrNotError}
		}
		var ok bool
		if lv, ok = parseLevel(line[at+1 : at+1+end]); !ok {
			return &ParseError{Column: at + 2, Field: "level", Err: ErrNotError}
		}
		restAt = at + 1 + end + 1
	}
	long := len(line) > MaxKeptText
	var str string
	if long {
		// Parse in place and keep only cut copies (compact, below): a
		// megabyte line is never copied whole. Nothing can fail between
		// here and compact, so no string into line escapes.
		str = unsafe.String(&line[0], len(line))
	} else {
		str = string(line)
	}
	ev.Line = str
	ev.Time = when
	ev.Level = lv
	rest := str[restAt:]
	rest = strings.TrimPrefix(rest, " ")
	// "PID#TID: " is absent from a few early start-up messages.
	if hash := strings.IndexByte(rest, '#'); hash > 0 && hash < 12 {
		if colon := strings.IndexByte(rest, ':'); colon > hash {
			pid, okp := atoiString(rest[:hash])
			tid, okt := atoiString(rest[hash+1 : colon])
			if okp && okt {
				ev.PID, ev.TID = pid, tid
				rest = strings.TrimPrefix(rest[colon+1:], " ")
			}
		}
	}
	if len(rest) > 1 && rest[0] == '*' {
		sp := strings.IndexByte(rest, ' ')
		if sp < 0 {
			sp = len(rest)
		}
		if n, ok := atoiString(rest[1:sp]); ok {
			ev.Conn = uint64(n)
			rest = strings.TrimPrefix(rest[sp:], " ")
		}
	}
	ev.readMessage(rest)
	if long {
		ev.compact()
	}
	return nil
}

// readMessage fills what follows the prefix: the message and its context
// pairs, the phase, errno, peer and category.
func (ev *Event) readMessage(rest string) {
	ev.Message = rest
	if i := contextStart(rest); i >= 0 {
		ev.Message = rest[:i]
		parseContext(rest[i:], ev)
	}
	if w := strings.LastIndex(ev.Message, " while "); w >= 0 {
		ev.Phase = ev.Message[w+1:]
	}
	ev.Errno = errnoOf(ev.Message)
	ev.Peer = peerOf(ev)
	ev.Category = Classify(ev)
}

// ParseErrorFragment parses a piece of an error entry that someone pasted
// (a message without nginx's prefix: "healthcheck: peer … is turned down",
// "[lua] balancer.lua:327: …"), as badgw explain and the corpus take it: the
// whole text is the message, with its context pairs. Streams never use it,
// since any text would pass.
func ParseErrorFragment(line []byte, ev *Event) {
	*ev = Event{Level: LevelError}
	ev.Line = string(line)
	ev.readMessage(ev.Line)
}

// MaxKeptText bounds, in bytes, each piece of text an Event keeps. Entries
// are attacker-controlled (a request line, a Lua error message) and are held
// for joins and samples, so a megabyte line must not be kept whole; 8 KiB
// holds any request line that nginx's default large_client_header_buffers
// (4 8k) accepts, so joins on the request line still work.
const MaxKeptText = 8 << 10

// compact replaces every string of ev, which all share the copy of one long
// line, with its own copy cut to MaxKeptText, releasing the long line.
func (ev *Event) compact() {
	for _, p := range []*string{&ev.Line, &ev.Message, &ev.Phase, &ev.Client, &ev.Server, &ev.Request, &ev.Upstream, &ev.Host, &ev.Referrer, &ev.Peer} {
		*p = CutText(*p, MaxKeptText)
	}
}

// AddContinuation appends a continuation line (a Lua traceback frame) to
// the entry's Line and Message, up to MaxKeptText each; what goes past it is
// dropped and marked once, so a hostile traceback costs linear time and
// bounded memory.
func (ev *Event) AddContinuation(line []byte) {
	ev.Line = appendKept(ev.Line, line)
	ev.Message = appendKept(ev.Message, line)
}

const cutMark = "…[more lines cut]"

func appendKept(s string, line []byte) string {
	if strings.HasSuffix(s, cutMark) {
		return s
	}
	if len(s)+1+len(line) > MaxKeptText {
		return s + "\n" + cutMark
	}
	return s + "\n" + string(line)
}

// CutText returns s, or a copy of its first n bytes (whole UTF-8 sequences)
// marked as cut with the number of bytes left out.
func CutText(s string, n int) string {
	if len(s) <= n {
		return strings.Clone(s)
	}
	end := cutPoint(s, n)
	return fmt.Sprintf("%s…[%d bytes cut]", s[:end], len(s)-end)
}

// CutBytes is CutText for a line still in a read buffer: only what is kept
// is copied.
func CutBytes(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	end := cutPoint(b, n)
	return fmt.Sprintf("%s…[%d bytes cut]", b[:end], len(b)-end)
}

func cutPoint[T string | []byte](s T, n int) int {
	end := n
	for end > 0 && s[end]&0xc0 == 0x80 {
		end--
	}
	return end
}

func atoiString(s string) (int, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func parseLevel(b []byte) (Level, bool) {
	for i, n := range levelNames {
		if string(b) == n {
			return Level(i), true
		}
	}
	return 0, false
}

// contextKeys are the pairs nginx appends after the message, in its order.
var contextKeys = []string{", client: ", ", server: ", ", request: ", ", subrequest: ", ", upstream: ", ", host: ", ", referrer: "}

// contextStart finds where the trailing context pairs begin. Messages
// themselves contain commas, so only the known keys count.
func contextStart(s string) int {
	for _, k := range contextKeys[:2] {
		if i := strings.Index(s, k); i >= 0 {
			return i
		}
	}
	for _, k := range contextKeys[2:] {
		if i := strings.Index(s, k); i >= 0 {
			return i
		}
	}
	return -1
}

// parseContext reads ", key: value" pairs. Quoted values end at a quote
// followed by the next key or the end of the line.
func parseContext(s string, ev *Event) {
	for len(s) > 0 {
		key := ""
		for _, k := range contextKeys {
			if strings.HasPrefix(s, k) {
				key = k
				break
			}
		}
		if key == "" {
			return
		}
		s = s[len(key):]
		var val string
		if strings.HasPrefix(s, `"`) {
			if end := quotedEnd(s); end < 0 {
				val, s = s[1:], ""
			} else {
				val, s = s[1:end], s[end+1:]
			}
		} else {
			end := strings.Index(s, ", ")
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
		}
		switch key {
		case ", client: ":
			ev.Client = val
		case ", server: ":
			ev.Server = val
		case ", request: ":
			ev.Request = val
		case ", upstream: ":
			ev.Upstream = val
		case ", host: ":
			ev.Host = val
		case ", referrer: ":
			ev.Referrer = val
		}
	}
}

// quotedEnd returns the index of the quote closing s[0]'s, or -1 when the
// line ends first.
func quotedEnd(s string) int {
	for i := 1; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		after := s[i+1:]
		if after == "" {
			return i
		}
		for _, k := range contextKeys {
			if strings.HasPrefix(after, k) {
				return i
			}
		}
	}
	return -1
}

// errnoOf extracts the system error number from "(111: Connection refused)".
func errnoOf(msg string) int {
	for i := 0; i < len(msg); i++ {
		if msg[i] != '(' {
			continue
		}
		j := i + 1
		for j < len(msg) && msg[j] >= '0' && msg[j] <= '9' {
			j++
		}
		if j > i+1 && j+1 < len(msg) && msg[j] == ':' && msg[j+1] == ' ' {
			n, _ := atoiString(msg[i+1 : j])
			return n
		}
	}
	return 0
}

// peerOf finds the upstream address an event is about.
func peerOf(ev *Event) string {
	if i := strings.Index(ev.Message, "connect() to "); i >= 0 {
		rest := ev.Message[i+len("connect() to "):]
		if sp := strings.Index(rest, " failed"); sp > 0 {
			return rest[:sp]
		}
	}
	u := ev.Upstream
	if u == "" {
		return ""
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if strings.HasPrefix(u, "unix:") {
		if c := strings.Index(u, ":/"); c > 0 {
			if e := strings.IndexByte(u[c+1:], ':'); e > 0 {
				return u[:c+1+e]
			}
		}
		return u
	}
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[:i]
	}
	return u
}
