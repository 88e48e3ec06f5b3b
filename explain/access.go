package explain

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/words"
)

// AccessLine explains an access-log record from its status and the
// attempts it lists. Its Cause is set only where the record alone shows
// the mechanism ("no live upstreams", the Lua placeholder, a timeout);
// a refusal, a reset and a crash look alike in an access line, and only
// the error.log line of that second tells them apart.
func AccessLine(rec *logparse.Record) Advice {
	tried := Tried(rec)
	switch rec.Status {
	case 502:
		if len(tried) == 0 {
			return Advice{Meaning: "nginx answered 502 Bad Gateway; log $upstream_addr, $upstream_status and the upstream timings to see which peer failed and how, and give badgw the error.log of the same second."}
		}
		last := tried[len(tried)-1]
		switch {
		case last.IsGroupName() && len(tried) > 1:
			before, _ := failedBefore(tried)
			return Advice{Cause: "all_peers_down", Meaning: fmt.Sprintf("%s; nginx went on to the next peer of %s and found none live: every peer was marked down (\"no live upstreams\", $upstream_addr ends with the group's name), so it answered 502. Failures such as the first, counted against max_fails, are what marked the peers down.", before, last.Addr)}
		case last.IsGroupName():
			return Advice{Cause: "all_peers_down", Meaning: fmt.Sprintf("nginx answered 502 without trying any peer: $upstream_addr holds the group's name (%s), so every peer was marked down (\"no live upstreams\").", last.Addr)}
		case last.IsPlaceholder():
			return Advice{Cause: "lua_balancer", Meaning: "The Lua balancer set no peer: nginx tried the 0.0.0.1 placeholder."}
		case rec.Timed && last.Connect < 0:
			return Advice{Meaning: fmt.Sprintf("nginx never connected to %s (no $upstream_connect_time): refused, unreachable or no port left; the error.log line of that second says which.", last.Addr)}
		case rec.Timed && last.Header < 0:
			return Advice{Meaning: fmt.Sprintf("nginx connected to %s but got no response header: the peer closed or reset the connection, or sent something that is not HTTP.", last.Addr)}
		}
		return Advice{Meaning: fmt.Sprintf("nginx answered 502 Bad Gateway after %s: the error.log line of that second says why.", words.Count(len(tried), "upstream attempt"))}
	case 504:
		if len(tried) == 0 {
			return Advice{Meaning: "nginx answered 504 Gateway Timeout without an upstream attempt in $upstream_addr; the error.log line of that second says what timed out."}
		}
		return Advice{Cause: "upstream_timeout", Meaning: fmt.Sprintf("nginx answered 504 Gateway Timeout: %s did not connect or answer in time (a timeout, not a 502); the error.log line says which of proxy_connect_timeout, proxy_send_timeout or proxy_read_timeout ran out.", tried[len(tried)-1].Addr)}
	case 499:
		return Advice{Meaning: "The client closed the connection before nginx answered (499)."}
	}
	if rec.Status >= 500 && len(tried) == 0 {
		return Advice{Meaning: fmt.Sprintf("A %d that nginx (or Lua code in it) answered itself: no upstream was tried; its error.log line says why.", rec.Status)}
	}
	if rec.Status >= 500 {
		return Advice{Meaning: fmt.Sprintf("A %d: the upstream's own error, passed on.", rec.Status)}
	}
	if len(tried) > 1 {
		if before, same := failedBefore(tried); before != "" {
			a := Advice{Meaning: fmt.Sprintf("A %d after a retry: %s, and nginx tried again, so the client saw no failure but the status hides one.", rec.Status, before)}
			if same {
				a.Cause = "keepalive_race"
				a.Meaning += " The failed attempt was retried on the same peer: the signature of the keep-alive race (nginx reused a connection the peer had just closed, and retried on a new one)."
			}
			return a
		}
	}
	return Advice{Meaning: fmt.Sprintf("A %d: not a gateway failure.", rec.Status)}
}

// Tried lists the record's upstream attempts, without the "-" that stands
// for none (a request nginx or Lua answered itself).
func Tried(rec *logparse.Record) []logparse.Attempt {
	var out []logparse.Attempt
	for _, a := range rec.Attempts {
		if len(a.Addr) > 0 && string(a.Addr) != "-" {
			out = append(out, a)
		}
	}
	return out
}

// failedBefore describes the attempts before the last that failed, and
// whether one was retried on the same peer; "" when none failed.
func failedBefore(tried []logparse.Attempt) (string, bool) {
	var parts []string
	same := false
	for i, a := range tried[:len(tried)-1] {
		if a.Status != 0 && a.Status < 500 && a.Status != 9 {
			continue
		}
		what := "answered " + StatusText(a.Status)
		switch {
		case a.Status == 0 || a.Status == 502 && a.Header < 0:
			what = "failed before a response header (502: refused, closed or reset; the error.log line says which)"
		case a.Status == 9:
			what = "sent no HTTP status line (009)"
		}
		parts = append(parts, fmt.Sprintf("%s %s", a.Addr, what))
		if string(tried[i+1].Addr) == string(a.Addr) {
			same = true
		}
	}
	return strings.Join(parts, "; "), same
}

// StatusText writes an attempt's $upstream_status: "-" for none, 009 for
// an answer without a status line (nginx reads it as HTTP/0.9).
func StatusText(s int) string {
	switch s {
	case 0:
		return "-"
	case 9:
		return "009 (no HTTP status line)"
	}
	return fmt.Sprint(s)
}
