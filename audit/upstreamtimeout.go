package audit

import (
	"fmt"
	"time"
)

// defaultUpstreamKeepaliveTimeout is the upstream keepalive_timeout nginx
// uses when none is written (ngx_http_upstream_keepalive_module).
const defaultUpstreamKeepaliveTimeout = 60 * time.Second

// UpstreamKeepaliveTimeout: nginx must drop an idle upstream connection
// before the backend does.
var UpstreamKeepaliveTimeout = &Rule{
	ID: "upstream-keepalive-timeout", Severity: Warning, Title: "idle upstream connections outlive the backend's",
	Why: "If the backend closes an idle keep-alive connection while nginx still holds it, the next request sent on it meets the close: " +
		"\"upstream prematurely closed connection\" or \"Connection reset by peer\" and a 502 for a request the backend never saw. " +
		"nginx keeps idle upstream connections for keepalive_timeout (60 s by default); common backends drop them sooner " +
		"(Node.js 5 s, Apache httpd 5 s, gunicorn 2 s).",
	Source: docs + "ngx_http_upstream_module.html#keepalive_timeout",
	Run: func(p *Pass) {
		for _, u := range p.Conf.Upstreams {
			if !keepaliveOn(u, p.Options.NginxVersion) || len(p.Conf.ProxiesTo(u)) == 0 {
				continue
			}
			timeout, loc := defaultUpstreamKeepaliveTimeout, upstreamAt(u)
			written := "60s (the default)"
			if u.KeepaliveTimeoutLine > 0 {
				d, err := parseNginxTime(u.KeepaliveTimeout)
				if err != nil {
					continue
				}
				timeout, written = d, u.KeepaliveTimeout
				loc = Location{File: u.File, Line: u.KeepaliveTimeoutLine, What: "keepalive_timeout"}
			}
			idle := p.Options.BackendIdleTimeout
			if idle == 0 {
				p.About(u).ReportAs(Note, loc, fmt.Sprintf("%s keeps idle connections for %s; whether the backend keeps them as long is not known (pass --backend-idle-timeout).", groupWord(u), written),
					[]string{"Find the backend's idle (keep-alive) timeout in its own settings, then set \"keepalive_timeout\" in the upstream below it."})
				continue
			}
			if timeout >= idle {
				p.About(u).Report(loc, fmt.Sprintf("%s keeps idle connections for %s, the backend closes them after %s: requests sent on a connection the backend just closed get 502s.", groupWord(u), written, idle),
					[]string{fmt.Sprintf("Set \"keepalive_timeout\" in the upstream below %s (a second or more below, for the time a request takes to arrive).", idle)})
			}
		}
	},
}

// parseNginxTime reads nginx's time syntax ("60", "60s", "1m30s", "500ms").
func parseNginxTime(s string) (time.Duration, error) {
	var total time.Duration
	units := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "M": 30 * 24 * time.Hour, "y": 365 * 24 * time.Hour}
	for len(s) > 0 {
		n := 0
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			n = n*10 + int(s[i]-'0')
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("bad time %q", s)
		}
		j := i
		for j < len(s) && (s[j] < '0' || s[j] > '9') {
			j++
		}
		unit := s[i:j]
		if unit == "" {
			unit = "s"
		}
		mult, ok := units[unit]
		if !ok {
			return 0, fmt.Errorf("bad time unit %q", unit)
		}
		total += time.Duration(n) * mult
		s = s[j:]
	}
	return total, nil
}
