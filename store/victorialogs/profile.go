package victorialogs

import (
	"fmt"
	"strings"
	"time"
)

// A Profile describes lines that a shipper parsed into fields and did not
// keep whole: which rows are access and which error lines, the fields to
// read, and how to write a row back as the line nginx wrote, for badgw's
// own parsers (access lines in the profile's AccessFormat).
type Profile struct {
	Name string
	// AccessFilter and ErrorFilter select the rows of each log (LogsQL).
	AccessFilter, ErrorFilter string
	// AccessFormat is the log_format of the access lines Line writes.
	AccessFormat string
	fields       []string
	accessLine   func(b *strings.Builder, row map[string]string, at time.Time)
	errorLine    func(b *strings.Builder, row map[string]string, at time.Time)
	isError      func(row map[string]string) bool
}

// Profiles are the shapes of parsed lines badgw reads, by name.
var Profiles = map[string]*Profile{"vector": vectorProfile}

// vectorProfile reads the fields of Vector's parse_nginx_log: its
// "combined", "main" and "ingress_upstreaminfo" access formats (the
// latter with the upstream's address, status and time) and its "error"
// format. Vector leaves out a field whose value was "-".
var vectorProfile = &Profile{
	Name:         "vector",
	AccessFilter: "status:*",
	ErrorFilter:  "severity:*",
	AccessFormat: `$time_iso8601 $status "$request" "$remote_addr" "$http_user_agent" $request_time [$proxy_upstream_name] ` +
		`ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time" rid=$req_id`,
	fields: []string{
		"status", "request", "client", "remote_addr", "agent", "http_user_agent", "request_time",
		"proxy_upstream_name", "upstream_addr", "upstream_status", "upstream_response_time", "req_id",
		"severity", "pid", "tid", "cid", "message", "excess", "zone", "server", "upstream", "host", "referer",
	},
	isError: func(row map[string]string) bool { return row["severity"] != "" },
	accessLine: func(b *strings.Builder, row map[string]string, at time.Time) {
		get := func(names ...string) string {
			for _, n := range names {
				if v := row[n]; v != "" {
					return escape(v)
				}
			}
			return "-"
		}
		fmt.Fprintf(b, `%s %s "%s" "%s" "%s" %s [%s] ua="%s" us="%s" urt="%s" rid=%s`,
			at.UTC().Format("2006-01-02T15:04:05-07:00"), get("status"), get("request"), get("client", "remote_addr"),
			get("agent", "http_user_agent"), get("request_time"), get("proxy_upstream_name"),
			get("upstream_addr"), get("upstream_status"), get("upstream_response_time"), get("req_id"))
	},
	errorLine: func(b *strings.Builder, row map[string]string, at time.Time) {
		fmt.Fprintf(b, "%s [%s] %s#%s:", at.UTC().Format("2006/01/02 15:04:05"), row["severity"], or(row["pid"], "0"), or(row["tid"], "0"))
		if cid := row["cid"]; cid != "" {
			fmt.Fprintf(b, " *%s", cid)
		}
		b.WriteString(" " + row["message"])
		if row["excess"] != "" {
			fmt.Fprintf(b, ", excess: %s by zone %q", row["excess"], row["zone"])
		}
		for _, name := range []string{"client", "server"} {
			if v := row[name]; v != "" {
				fmt.Fprintf(b, ", %s: %s", name, v)
			}
		}
		for _, f := range []struct{ name, label string }{{"request", "request"}, {"upstream", "upstream"}, {"host", "host"}, {"referer", "referrer"}} {
			if v := row[f.name]; v != "" {
				fmt.Fprintf(b, `, %s: "%s"`, f.label, v)
			}
		}
	},
}

// line writes the row back as nginx's line.
func (p *Profile) line(b *strings.Builder, row map[string]string, at time.Time) {
	if p.isError(row) {
		p.errorLine(b, row, at)
	} else {
		p.accessLine(b, row, at)
	}
}

// escape writes a value as nginx's default escaping does: a quote, a
// backslash and control bytes as \xHH, so the line parses as nginx's.
func escape(v string) string {
	if !strings.ContainsFunc(v, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 || r == 0x7f }) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '"' || c == '\\' || c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, `\x%02X`, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func or(v, otherwise string) string {
	if v == "" {
		return otherwise
	}
	return v
}
