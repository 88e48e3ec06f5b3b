package logparse

// Slots: a compiled format as text to match or fill elsewhere, such as a
// log store's field extraction (store/victorialogs), which must cut a line
// where this parser cuts it and write lines this parser reads back.

// Slot is one variable of a compiled format and the literal after it.
type Slot struct {
	// Name is the nginx variable without "$"; two untyped variables with
	// nothing between them are one slot, "upstream_host$upstream_uri".
	Name string
	// Role is what the parser reads from it (see roles); "" for a
	// variable it only matches, and for a repeated one after the first.
	Role string
	// List says the value holds one entry per upstream attempt, joined
	// by ", " and " : ".
	List bool
	// After is the literal text that ends the value; "" for the last.
	After string
	// Glued says the next variable follows with no text between them:
	// the value ends where its number does.
	Glued bool
}

// roles name the record fields a variable fills.
var roles = map[fieldKind]string{
	kTimeLocal: "time_local", kTimeISO: "time_iso8601", kMsec: "msec", kStatus: "status",
	kRequest: "request", kMethod: "request_method", kURI: "request_uri", kClient: "remote_addr",
	kHost: "host", kScheme: "scheme", kUserAgent: "http_user_agent", kRequestTime: "request_time",
	kConnection: "connection", kRequestID: "request_id", kHostname: "hostname",
	kUpstreamName: "proxy_upstream_name", kUpstreamAddr: "upstream_addr", kUpstreamStatus: "upstream_status",
	kUpstreamConnect: "upstream_connect_time", kUpstreamHeader: "upstream_header_time",
	kUpstreamResponse: "upstream_response_time", kNumber: "number",
}

// Slots returns the literal text before the first variable and the
// format's variables in order.
func (f *Format) Slots() (prefix string, slots []Slot) {
	for _, fl := range f.fields {
		slots = append(slots, Slot{Name: fl.name, Role: roles[fl.kind], List: fl.list, After: string(fl.delim), Glued: fl.adjacent})
	}
	return string(f.prefix), slots
}
