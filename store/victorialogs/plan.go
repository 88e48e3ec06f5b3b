package victorialogs

// The plan of a counted read: the access format compiled into LogsQL's
// extract pattern, the values a count row is grouped by (what the
// correlator and the days view read of a plain line), and the test that
// tells a plain line (one they only count) from the others.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/badgw/badgw/logparse"
)

// plan is a format as the store's queries see it.
type plan struct {
	prefix string
	slots  []logparse.Slot
	// field is the LogsQL field each slot is extracted into; "" for a
	// slot matched as <plain:_>.
	field []string
	// pattern is the extract pattern, quoted for LogsQL.
	pattern string
	// by are the fields a count row is grouped by beside its second: the
	// kept slots' values as written, then the derived method, connect and
	// header classes and the guard's mark where the format has them.
	by []string
	// byOf finds a slot's value among by; -1 for a slot not kept.
	byOf []int
	// Indexes in by of the derived fields; -1 where absent.
	methodAt, connAt, headAt, okAt int
	// Slots of the variables read, -1 where the format has none.
	status, upstreamStatus, addr, msec, request, connect, head int
	// guard is the LogsQL filter a plain line's values pass that badgw
	// cannot check on a count row (see newPlan); "" when none.
	guard string
	// guardSlot and guardShape are the same, for the tests.
	guardSlot  int
	guardShape string
}

// Field names badgw gives what it extracts, apart from any field a
// shipper stored.
const (
	fieldPrefix = "badgw_"
	methodField = fieldPrefix + "method"
	connClass   = fieldPrefix + "conn"
	headClass   = fieldPrefix + "head"
	okField     = fieldPrefix + "ok"
)

// kept are the roles whose values a written-back plain line carries.
var kept = map[string]bool{
	"time_local": true, "time_iso8601": true, "status": true, "request_method": true,
	"host": true, "scheme": true, "hostname": true, "proxy_upstream_name": true,
	"upstream_addr": true, "upstream_status": true,
}

// errNotCountable says the format cannot be counted by the store exactly;
// its lines are read instead.
var errNotCountable = errors.New("not countable")

// shapes are the values a variable of a plain line can take, by role, as
// regular expressions for the store's guard (status, $upstream_status and
// $upstream_addr are checked on the rows: plain); a list's value is then
// one entry (no ", " or " : "), since a plain request made at most one
// attempt.
var shapes = map[string]string{
	"upstream_connect_time": `^([0-9]+[.][0-9]+|-)$`,
	"upstream_header_time":  `^([0-9]+[.][0-9]+|-)$`,
	"request_time":          `^([0-9]+[.][0-9]+|-)$`,
	"number":                `^([0-9]+|-)$`,
	"msec":                  `^[0-9]+([.][0-9]+)?$`,
	"connection":            `^[0-9]+$`,
}

// oneEntry is the shape of one entry of a list badgw does not read.
const oneEntry = `^[^ ,:]+$`

// newPlan compiles f; errNotCountable (wrapped with why) when the store's
// extract could cut its lines elsewhere than badgw's parser, or it has no
// time badgw reads.
func newPlan(f *logparse.Format) (*plan, error) {
	p := &plan{methodAt: -1, connAt: -1, headAt: -1, okAt: -1, status: -1, upstreamStatus: -1, addr: -1, msec: -1, request: -1,
		connect: -1, head: -1, guardSlot: -1}
	p.prefix, p.slots = f.Slots()
	p.field = make([]string, len(p.slots))
	p.byOf = make([]int, len(p.slots))
	firstList := -1
	timed := false
	read := map[string]*int{"msec": &p.msec, "status": &p.status, "upstream_status": &p.upstreamStatus, "upstream_addr": &p.addr,
		"request": &p.request, "upstream_connect_time": &p.connect, "upstream_header_time": &p.head}
	for i, s := range p.slots {
		p.byOf[i] = -1
		if s.Glued {
			return nil, fmt.Errorf("%w: $%s is followed by another variable with no text between them", errNotCountable, s.Name)
		}
		if s.List && firstList < 0 {
			firstList = i
		}
		if slot, ok := read[s.Role]; ok {
			*slot = i
		}
		timed = timed || s.Role == "time_local" || s.Role == "time_iso8601" || s.Role == "msec"
		if kept[s.Role] || i == p.msec || i == p.request || i == p.connect || i == p.head {
			p.field[i] = fieldPrefix + strconv.Itoa(i)
		}
		if kept[s.Role] {
			p.byOf[i] = len(p.by)
			p.by = append(p.by, p.field[i])
		}
	}
	if !timed {
		return nil, fmt.Errorf("%w: it has no $time_local, $time_iso8601 or $msec", errNotCountable)
	}
	if err := p.setGuard(firstList); err != nil {
		return nil, err
	}
	var pat strings.Builder
	pat.WriteString(escapePattern(p.prefix))
	for i, s := range p.slots {
		// "plain:": a value that starts with a quote is taken as it
		// stands, as badgw's parser takes it, not unquoted.
		if p.field[i] != "" {
			fmt.Fprintf(&pat, "<plain:%s>", p.field[i])
		} else {
			pat.WriteString("<plain:_>")
		}
		pat.WriteString(escapePattern(s.After))
	}
	p.pattern = strconv.Quote(pat.String())
	derived := func(name string) int {
		p.by = append(p.by, name)
		return len(p.by) - 1
	}
	if p.request >= 0 {
		p.methodAt = derived(methodField)
	}
	if p.connect >= 0 {
		p.connAt = derived(connClass)
	}
	if p.head >= 0 {
		p.headAt = derived(headClass)
	}
	if p.guard != "" {
		p.okAt = derived(okField)
	}
	return p, nil
}

// setGuard settles what of a line's upstream lists badgw can check on a
// count row: every list of a request holds one entry per attempt, so one
// list cut where badgw cuts it tells a plain request's (one entry) from
// the others. $upstream_addr and $upstream_status are grouped by and
// checked on the row; a format without either has the first list's shape
// checked by the store. And the first list in the line is cut where badgw
// cuts it unless the text after it can occur inside a list ("a : b"
// before a space): then what is left of the list lands in the next value,
// which must have a shape that refuses it, checked on the row when that
// value is grouped by, else by the store.
func (p *plan) setGuard(firstList int) error {
	if firstList < 0 {
		return nil
	}
	guard := -1
	if p.addr < 0 && p.upstreamStatus < 0 {
		guard = firstList
	}
	if inList(p.slots[firstList].After) && firstList+1 < len(p.slots) {
		next := firstList + 1
		_, shaped := shapes[p.slots[next].Role]
		switch {
		case next == p.addr || next == p.upstreamStatus || next == p.status:
			// Checked on the row.
		case guard >= 0:
			return fmt.Errorf("%w: $%s and $%s would both need the store's check", errNotCountable, p.slots[guard].Name, p.slots[next].Name)
		case shaped || p.slots[next].List:
			guard = next
		default:
			return fmt.Errorf("%w: $%s is followed by %q and then $%s, so a list of several attempts could be cut in the wrong place",
				errNotCountable, p.slots[firstList].Name, p.slots[firstList].After, p.slots[next].Name)
		}
	}
	if guard < 0 {
		return nil
	}
	shape, ok := shapes[p.slots[guard].Role]
	if !ok {
		shape = oneEntry
	}
	if p.field[guard] == "" {
		p.field[guard] = fieldPrefix + strconv.Itoa(guard)
	}
	p.guardSlot, p.guardShape = guard, shape
	p.guard = fmt.Sprintf("%s:~%s !%s:=%s", p.field[guard], strconv.Quote(shape), p.field[guard], strconv.Quote(":"))
	return nil
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

// pipes cut an access line into the plan's fields and derive the method,
// the classes of the connect time (zero: a reused connection, above: a
// new one) and header time (a number or not), and the guard's mark.
func (p *plan) pipes() string {
	var b strings.Builder
	b.WriteString("| extract " + p.pattern)
	if p.request >= 0 {
		fmt.Fprintf(&b, " | extract %s from %s", strconv.Quote("<plain:"+methodField+"> <plain:_>"), p.field[p.request])
	}
	if p.connect >= 0 {
		f := p.field[p.connect]
		fmt.Fprintf(&b, ` | format if (%s:>0) "+" as %s | format if (%s:range[0, 0]) "0" as %s`, f, connClass, f, connClass)
	}
	if p.head >= 0 {
		fmt.Fprintf(&b, ` | format if (%s:>=0) "h" as %s`, p.field[p.head], headClass)
	}
	if p.guard != "" {
		fmt.Fprintf(&b, ` | format if (%s) "1" as %s`, p.guard, okField)
	}
	return b.String()
}

// stats is the stats pipe of a count query: by second and every value of
// by, with the sums of the connect and header times and the first and
// last $msec.
func (p *plan) stats() string {
	var sums strings.Builder
	if p.connect >= 0 {
		fmt.Fprintf(&sums, ", sum(%s) conn_sum", p.field[p.connect])
	}
	if p.head >= 0 {
		fmt.Fprintf(&sums, ", sum(%s) head_sum", p.field[p.head])
	}
	if p.msec >= 0 {
		fmt.Fprintf(&sums, ", min(%s) lo, max(%s) hi", p.field[p.msec], p.field[p.msec])
	}
	return fmt.Sprintf("| stats by (_time:1s, %s) count() n%s", strings.Join(p.by, ", "), sums.String())
}

// plain reports whether the lines of a count row whose values are ids in
// dict (by by) are plain (correlate.Plain): a final status below 500, at
// most one attempt, which answered below 500. A line the pattern did not
// fit has empty values and is not.
func (p *plan) plain(dict []string, ids []uint32) bool {
	if !statusBelow500(dict[ids[p.byOf[p.status]]]) {
		return false
	}
	if p.upstreamStatus >= 0 {
		if s := dict[ids[p.byOf[p.upstreamStatus]]]; s != "-" && !statusBelow500(s) {
			return false
		}
	}
	if p.addr >= 0 {
		if a := dict[ids[p.byOf[p.addr]]]; a == "" || a == ":" || strings.ContainsAny(a, " ,") {
			return false
		}
	}
	return p.okAt < 0 || dict[ids[p.okAt]] == "1"
}

// statusBelow500 reports whether s is a status of three digits from 100
// to 499 (shapes' status, without a regular expression a row).
func statusBelow500(s string) bool {
	return len(s) == 3 && s[0] >= '1' && s[0] <= '4' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

// render writes a plain line of row's second and values (in w) in the
// access format: the kept values as the store counted them, $request as
// its method alone, the connect and header times from the row's classes
// and sums (every line but the row's last takes the least value of its
// class, the last what makes the sums exact), and "-" for every variable
// the correlator and the days view do not read.
func (p *plan) render(dst []byte, w *countWindow, row *countRow) []byte {
	val := func(at int) string { return w.dict[w.vals[row.vals+at]] }
	dst = append(dst, p.prefix...)
	last := row.n == 1
	for i, s := range p.slots {
		switch {
		case p.byOf[i] >= 0:
			dst = append(dst, val(p.byOf[i])...)
		case i == p.msec && last:
			dst = append(dst, w.dict[row.hi]...)
		case i == p.msec:
			dst = append(dst, w.dict[row.lo]...)
		case i == p.request && val(p.methodAt) != "":
			dst = append(append(dst, val(p.methodAt)...), " -"...)
		case i == p.connect && val(p.connAt) == "+" && last:
			dst = appendSeconds(dst, row.connMs-int64(row.total-1))
		case i == p.connect && val(p.connAt) == "+":
			dst = append(dst, "0.001"...)
		case i == p.connect && val(p.connAt) == "0":
			dst = append(dst, "0.000"...)
		case i == p.head && val(p.headAt) == "h" && last:
			dst = appendSeconds(dst, row.headMs)
		case i == p.head && val(p.headAt) == "h":
			dst = append(dst, "0.000"...)
		case s.Role == "connection":
			dst = append(dst, '0') // nginx writes a number, never "-"; no count reads it
		default:
			dst = append(dst, '-')
		}
		dst = append(dst, s.After...)
	}
	return dst
}

// appendSeconds writes milliseconds as nginx writes a time.
func appendSeconds(dst []byte, ms int64) []byte {
	dst = strconv.AppendInt(dst, ms/1000, 10)
	frac := ms % 1000
	return append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}
