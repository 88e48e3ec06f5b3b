package victorialogs

// The plan of a counted read: the access format compiled into LogsQL's
// extract pattern, the filter that tells a plain line (one the correlator
// only counts) from the others, and the fields that identify what the
// correlator and the days view count of a plain line.

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/badgw/badgw/logparse"
)

// plan is a format as the store's queries see it.
type plan struct {
	prefix string
	slots  []logparse.Slot
	// field is the LogsQL field each slot is extracted into; "" for a
	// slot matched as <_>.
	field []string
	// pattern is the extract pattern, quoted for LogsQL.
	pattern string
	// plain is the filter a line passes when every extracted field has
	// the shape of a plain request's (correlate.Plain): a final status
	// below 500, at most one upstream attempt that answered below 500.
	// Lines that fail it, or that the pattern does not fit, are read.
	plain string
	// checks are the shapes plain puts on the slots' values.
	checks []check
	// second are the fields that, with the line's second, say how the
	// correlator counts a plain line: its time as written, status, peer,
	// the peer's status, the ingress backend's name, the host it names.
	second []string
	// day are the fields the days view counts on top of those, drawn per
	// quarter of an hour and peer (a day in any zone is made of whole
	// quarters): method, host, scheme, and the connect and header times'
	// classes (with their sums).
	day []string
	// secondOf and dayOf find a slot's value among second's and day's;
	// -1 for a slot in neither.
	secondOf, dayOf     []int
	methodAt            int  // the method's index in day; -1 when absent
	timed               bool // the format has a time badgw reads
	msec                int  // the slot of $msec, -1 when absent
	request, method     int  // slots of $request and $request_method, -1 when absent
	addr, connect, head int  // slots of $upstream_addr, _connect_time, _header_time, -1 when absent
}

// Field names badgw gives what it extracts, apart from any field a
// shipper stored.
const (
	fieldPrefix = "badgw_"
	methodField = fieldPrefix + "method"
	connClass   = fieldPrefix + "conn"
	headClass   = fieldPrefix + "head"
)

// check is a shape a plain line's value of a slot has.
type check struct {
	slot  int
	shape string
}

// kept are the roles whose values a synthesised plain line must carry.
var kept = map[string]bool{
	"time_local": true, "time_iso8601": true, "msec": true, "status": true, "request": true, "request_method": true,
	"host": true, "scheme": true, "hostname": true, "proxy_upstream_name": true,
	"upstream_addr": true, "upstream_status": true, "upstream_connect_time": true, "upstream_header_time": true,
}

// errNotCountable says the format cannot be counted by the store exactly;
// its lines are read instead.
var errNotCountable = errors.New("not countable")

// shapes are the regular expressions a plain line's values match, by
// role; a list variable's value must be one entry (no ", " or " : ").
var shapes = map[string]string{
	"status":                `^[1-4][0-9][0-9]$`,
	"upstream_status":       `^([1-4][0-9][0-9]|-)$`,
	"upstream_addr":         `^[^ ,]+$`,
	"upstream_connect_time": `^([0-9]+[.][0-9]+|-)$`,
	"upstream_header_time":  `^([0-9]+[.][0-9]+|-)$`,
	"request_time":          `^([0-9]+[.][0-9]+|-)$`,
	"number":                `^([0-9]+|-)$`,
	"msec":                  `^[0-9]+([.][0-9]+)?$`,
	"connection":            `^[0-9]+$`,
}

// newPlan compiles f; errNotCountable (wrapped with why) when the store's
// extract could cut its lines elsewhere than badgw's parser, or its time
// is not text to the second.
func newPlan(f *logparse.Format) (*plan, error) {
	p := &plan{msec: -1, request: -1, method: -1, addr: -1, connect: -1, head: -1}
	p.prefix, p.slots = f.Slots()
	p.field = make([]string, len(p.slots))
	listSeen := false
	var pat strings.Builder
	pat.WriteString(escapePattern(p.prefix))
	for i, s := range p.slots {
		if s.Glued {
			return nil, fmt.Errorf("%w: $%s is followed by another variable with no text between them", errNotCountable, s.Name)
		}
		shape, checked := shapes[s.Role]
		if s.List && !checked {
			shape, checked = `^[^ ,:]+$`, true // one entry of a list badgw does not read
		}
		// "plain:": a value that starts with a quote is taken as it
		// stands, as badgw's parser takes it, not unquoted.
		if kept[s.Role] || checked {
			p.field[i] = fieldPrefix + strconv.Itoa(i)
			fmt.Fprintf(&pat, "<plain:%s>", p.field[i])
		} else {
			pat.WriteString("<plain:_>")
		}
		pat.WriteString(escapePattern(s.After))
		if checked {
			p.checks = append(p.checks, check{slot: i, shape: shape})
		}
		switch s.Role {
		case "time_local", "time_iso8601":
			p.timed = true
			p.second = append(p.second, p.field[i])
		case "msec":
			// Finer than the second the store counts by: a count row
			// carries the earliest and the latest, which are all that
			// the sums of a second keep of its times.
			p.timed, p.msec = true, i
		case "status", "upstream_status", "proxy_upstream_name", "hostname":
			p.second = append(p.second, p.field[i])
		case "upstream_addr":
			p.addr = i
			p.second = append(p.second, p.field[i])
		case "request":
			p.request = i
		case "request_method":
			p.method = i
		case "host", "scheme":
			p.day = append(p.day, p.field[i])
		case "upstream_connect_time":
			p.connect = i
		case "upstream_header_time":
			p.head = i
		}
		if s.List && !listSeen {
			listSeen = true
			// Every upstream list has as many entries as the request had
			// attempts. The first one in the line is cut where badgw cuts
			// it unless the text after it can occur inside a list ("a : b"
			// before a space): then what is left of the list lands in the
			// next value, which must have a shape that refuses it. A list
			// cut whole has a shape of one entry, which refuses several.
			if inList(s.After) && i+1 < len(p.slots) {
				next := p.slots[i+1]
				if _, ok := shapes[next.Role]; !ok && !next.List {
					return nil, fmt.Errorf("%w: $%s is followed by %q and then $%s, so a list of several attempts could be cut in the wrong place", errNotCountable, s.Name, s.After, next.Name)
				}
			}
		}
	}
	if !p.timed {
		return nil, fmt.Errorf("%w: it has no $time_local, $time_iso8601 or $msec", errNotCountable)
	}
	p.pattern = strconv.Quote(pat.String())
	var plain []string
	for _, c := range p.checks {
		plain = append(plain, fmt.Sprintf("%s:~%s", p.field[c.slot], strconv.Quote(c.shape)))
	}
	if p.addr >= 0 {
		plain = append(plain, fmt.Sprintf("!%s:=%s", p.field[p.addr], strconv.Quote(":")))
	}
	p.plain = strings.Join(plain, " ")
	if p.request >= 0 || p.method >= 0 {
		p.day = append(p.day, methodField)
	}
	if p.connect >= 0 {
		p.day = append(p.day, connClass)
	}
	if p.head >= 0 {
		p.day = append(p.day, headClass)
	}
	p.secondOf, p.dayOf = indexes(p.field, p.second), indexes(p.field, p.day)
	p.methodAt = slices.Index(p.day, methodField)
	return p, nil
}

// inList reports whether text can occur inside an upstream list: entries
// (addresses, group names, statuses, times, "-") joined by ", " and " : ".
func inList(text string) bool {
	if text == "" {
		return false
	}
	for _, c := range []byte(text) {
		entry := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".:/_-[]", c) >= 0
		if !entry && c != ' ' && c != ',' {
			return false
		}
	}
	return true
}

// escapePattern writes literal text for LogsQL's extract, in which "<"
// starts a placeholder.
func escapePattern(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// extract is the pipes that cut an access line into the plan's fields.
func (p *plan) extract() string { return "| extract " + p.pattern }

// dayPipes add the fields the days view counts to an extracted plain
// line: its method, and the classes of its connect time (zero: a reused
// connection, above: a new one) and header time (a number or not).
func (p *plan) dayPipes() string {
	var b strings.Builder
	switch {
	case p.method >= 0:
		fmt.Fprintf(&b, " | copy %s as %s", p.field[p.method], methodField)
	case p.request >= 0:
		fmt.Fprintf(&b, " | extract %s from %s", strconv.Quote("<plain:"+methodField+"> <plain:_>"), p.field[p.request])
	}
	if p.connect >= 0 {
		f := p.field[p.connect]
		fmt.Fprintf(&b, ` | format if (%s:>0) "+" as %s | format if (%s:range[0, 0]) "0" as %s`, f, connClass, f, connClass)
	}
	if p.head >= 0 {
		f := p.field[p.head]
		fmt.Fprintf(&b, ` | format if (%s:>=0) "h" as %s`, f, headClass)
	}
	return b.String()
}

// indexes finds each field among names; -1 for those not there.
func indexes(fields, names []string) []int {
	out := make([]int, len(fields))
	for i, f := range fields {
		out[i] = -1
		if f != "" {
			out[i] = slices.Index(names, f)
		}
	}
	return out
}

// render writes a plain line of row's second and values, with d's day
// values (none when d is nil), in the access format: "-" for every
// variable the correlator and the days view do not read.
func (p *plan) render(dst []byte, row *countRow, d *drawn) []byte {
	dst = append(dst, p.prefix...)
	method := ""
	if d != nil && p.methodAt >= 0 {
		method = d.vals[p.methodAt]
	}
	for i, s := range p.slots {
		v := "-"
		switch {
		case p.secondOf[i] >= 0:
			v = row.vals[p.secondOf[i]]
		case i == p.msec && row.n == 1:
			v = row.hi
		case i == p.msec:
			v = row.lo
		case i == p.request && method != "":
			v = method + " -"
		case i == p.method && method != "":
			v = method
		case i == p.connect && d != nil:
			v = d.conn
		case i == p.head && d != nil:
			v = d.head
		case p.dayOf[i] >= 0 && d != nil:
			v = d.vals[p.dayOf[i]]
		case s.Role == "connection":
			v = "0" // nginx writes a number, never "-"; no count reads it
		}
		dst = append(append(dst, v...), s.After...)
	}
	return dst
}
