package spill

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/diagnose"
)

// The record's encoding: every field of correlate.Details in order, as
// varints, length-prefixed bytes and times in Go's binary form; a list is
// its length plus one, 0 for nil, so that nil and empty come back apart
// (the JSON report prints null for one and [] for the other). Text is
// kept byte for byte, UTF-8 or not, as log lines are. It is some ten
// times faster to read back than encoding/json, which mattered: a report
// reads every burst back once per format it writes. TestCodecCoversDetails
// fails when a field is added to these types and not here.

var errShort = errors.New("record ends early")

type encoder struct {
	b   []byte
	err error // a time Go cannot write in its binary form (an offset past ±24 h)
}

func (e *encoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}
func (e *encoder) string(s string) { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) float(f float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(f)) }

// list writes the length of a list of n items, nil or not.
func (e *encoder) list(n int, isNil bool) {
	if isNil {
		e.uint(0)
	} else {
		e.uint(uint64(n) + 1)
	}
}

func (e *encoder) time(t time.Time) {
	b, err := t.MarshalBinary()
	if err != nil && e.err == nil {
		e.err = err
	}
	e.uint(uint64(len(b)))
	e.b = append(e.b, b...)
}

func (e *encoder) counts(cs []diagnose.Count) {
	e.list(len(cs), cs == nil)
	for _, c := range cs {
		e.string(c.Key)
		e.int(int64(c.N))
	}
}

func (e *encoder) strings(ss []string) {
	e.list(len(ss), ss == nil)
	for _, s := range ss {
		e.string(s)
	}
}

func (e *encoder) samples(ss []correlate.Sample) {
	e.list(len(ss), ss == nil)
	for _, s := range ss {
		e.string(s.Source)
		e.int(s.Line)
		e.string(s.Text)
	}
}

func encodeDetails(d *correlate.Details, to []byte) ([]byte, error) {
	e := encoder{b: to}
	im := &d.Impact
	e.int(int64(im.Clients))
	e.bool(im.ClientsMore)
	for _, cs := range [][]diagnose.Count{im.Methods, im.URLs, im.Hosts, im.UserAgents, im.TopClients} {
		e.counts(cs)
	}
	e.list(len(d.Causes), d.Causes == nil)
	for _, c := range d.Causes {
		e.string(c.ID)
		e.float(c.Confidence)
		e.string(c.Summary)
		e.strings(c.Evidence)
		e.string(c.Fix)
		e.list(len(c.Steps), c.Steps == nil)
		for _, s := range c.Steps {
			e.string(s.Change)
			e.string(s.At)
			e.bool(s.Optional)
		}
	}
	e.samples(d.Samples)
	e.samples(d.ErrorSamples)
	e.list(len(d.Lines), d.Lines == nil)
	for _, l := range d.Lines {
		e.time(l.Time)
		e.string(l.Source)
		e.int(l.Num)
		e.string(l.Text)
		e.bool(l.Error)
		e.int(int64(l.Status))
		e.string(l.Peer)
		e.string(l.Category)
		e.string(l.Client)
	}
	return e.b, e.err
}

// decoder reads what encoder wrote; the first error sticks and every read
// after it gives zero values, so a damaged record is one error, never a
// panic or an allocation of the size a damaged length claims.
type decoder struct {
	b   []byte
	err error
	// last is the last string read, given again for the same bytes: a
	// burst's lines repeat their source and category.
	last string
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errShort
	}
	d.b = nil
}

func (d *decoder) uint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bool() bool {
	if len(d.b) < 1 {
		d.fail()
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	b := d.bytes()
	if string(b) != d.last {
		d.last = string(b)
	}
	return d.last
}

func (d *decoder) float() float64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

// list reads a list's length: -1 for nil. A list cannot hold more items
// than bytes remain, since every item takes one at least.
func (d *decoder) list() int {
	n := d.uint()
	if n == 0 {
		return -1
	}
	if n-1 > uint64(len(d.b)) {
		d.fail()
		return -1
	}
	return int(n - 1)
}

func (d *decoder) time() time.Time {
	var t time.Time
	if err := t.UnmarshalBinary(d.bytes()); err != nil && d.err == nil {
		d.err = err
	}
	return t
}

// makeList is a slice of n items, nil for -1.
func makeList[T any](n int) []T {
	if n < 0 {
		return nil
	}
	return make([]T, n)
}

func (d *decoder) counts() []diagnose.Count {
	cs := makeList[diagnose.Count](d.list())
	for i := range cs {
		cs[i] = diagnose.Count{Key: d.string(), N: int(d.int())}
	}
	return cs
}

func (d *decoder) strings() []string {
	ss := makeList[string](d.list())
	for i := range ss {
		ss[i] = d.string()
	}
	return ss
}

func (d *decoder) samples() []correlate.Sample {
	ss := makeList[correlate.Sample](d.list())
	for i := range ss {
		ss[i] = correlate.Sample{Source: d.string(), Line: d.int(), Text: d.string()}
	}
	return ss
}

func decodeDetails(b []byte) (correlate.Details, error) {
	d := decoder{b: b}
	var out correlate.Details
	im := &out.Impact
	im.Clients = int(d.int())
	im.ClientsMore = d.bool()
	for _, cs := range []*[]diagnose.Count{&im.Methods, &im.URLs, &im.Hosts, &im.UserAgents, &im.TopClients} {
		*cs = d.counts()
	}
	out.Causes = makeList[diagnose.Cause](d.list())
	for i := range out.Causes {
		c := &out.Causes[i]
		c.ID, c.Confidence, c.Summary = d.string(), d.float(), d.string()
		c.Evidence, c.Fix = d.strings(), d.string()
		c.Steps = makeList[diagnose.Step](d.list())
		for j := range c.Steps {
			c.Steps[j] = diagnose.Step{Change: d.string(), At: d.string(), Optional: d.bool()}
		}
	}
	out.Samples = d.samples()
	out.ErrorSamples = d.samples()
	out.Lines = makeList[correlate.Line](d.list())
	for i := range out.Lines {
		l := &out.Lines[i]
		l.Time, l.Source, l.Num, l.Text = d.time(), d.string(), d.int(), d.string()
		l.Error, l.Status = d.bool(), int(d.int())
		l.Peer, l.Category, l.Client = d.string(), d.string(), d.string()
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("record has bytes past its end")
	}
	if d.err != nil {
		return correlate.Details{}, d.err
	}
	return out, nil
}
