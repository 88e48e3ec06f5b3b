package audit

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/nginxconf"
)

// UpstreamNoKeepalive: without keepalive every proxied request opens and
// closes a TCP connection to the peer.
var UpstreamNoKeepalive = &Rule{
	ID: "upstream-no-keepalive", Severity: Warning, Title: "upstream without keepalive",
	Why: "Without keepalive nginx opens a new TCP connection to the peer for every request and closes it after. " +
		"Under load the closed connections pile up in TIME_WAIT, the ephemeral ports run out (connect() failed (99: Cannot assign requested address)) " +
		"and the backend's accept queue overflows: 502s that grow with traffic, as in one reported incident where TLS termination moved to a load balancer in front of nginx and the 502 rate grew day by day.",
	Source: docs + "ngx_http_upstream_module.html#keepalive",
	Run: func(p *Pass) {
		if p.Options.NginxVersion.AtLeast(keepaliveByDefault) {
			return // keepalive 32 local is the default from 1.29.7 on
		}
		for _, u := range p.Conf.Upstreams {
			proxies := p.Conf.ProxiesTo(u)
			if u.KeepaliveLine > 0 || len(proxies) == 0 {
				continue
			}
			fix := []string{fmt.Sprintf("Add \"keepalive N;\" to %s (%s), N the idle connections each worker keeps for it (nginx's documentation uses 16).", groupWord(u), upstreamAt(u))}
			var related []Location
			for _, pr := range proxies {
				related = append(related, at(pr.D))
			}
			fix = append(fix, "In each location that proxies to it ("+locations(related)+"): \"proxy_http_version 1.1;\" and 'proxy_set_header Connection \"\";', or keepalive stays unused.")
			p.About(u).Report(upstreamAt(u), fmt.Sprintf("%s has no keepalive: every request opens a new connection to its peers (nginx before 1.29.7; pass --nginx-version if newer).", groupWord(u)), fix, related...)
		}
	},
}

// KeepaliveNeedsHTTP11: nginx speaks HTTP/1.0 to upstreams by default
// before 1.29.7, and HTTP/1.0 connections are not kept.
var KeepaliveNeedsHTTP11 = &Rule{
	ID: "keepalive-needs-http11", Severity: Warning, Title: "keepalive without proxy_http_version 1.1",
	Why: "The upstream keepalive cache only keeps connections that HTTP/1.1 lets live; with proxy_http_version 1.0 (the default before nginx 1.29.7) " +
		"each connection still closes after one request, so the keepalive line does nothing and the churn it was meant to stop goes on.",
	Source: docs + "ngx_http_proxy_module.html#proxy_http_version",
	Run: func(p *Pass) {
		eachKeepaliveProxy(p, func(u *nginxconf.Upstream, pr Proxy) {
			d, ok := pr.In.Effective("proxy_http_version")
			switch {
			case ok && d.Args[len(d.Args)-1] == "1.0":
				p.About(u).Report(at(d), fmt.Sprintf("proxy_http_version 1.0 for %s, which has keepalive: its connections close after each request.", groupWord(u)),
					[]string{fmt.Sprintf("Set \"proxy_http_version 1.1;\" here (%s).", at(d))}, upstreamAt(u), at(pr.D))
			case !ok && !p.Options.NginxVersion.AtLeast(keepaliveByDefault):
				p.About(u).Report(at(pr.D), fmt.Sprintf("proxy_pass to %s, which has keepalive, without proxy_http_version 1.1: nginx speaks HTTP/1.0 and closes each connection (nginx before 1.29.7).", groupWord(u)),
					[]string{fmt.Sprintf("Add \"proxy_http_version 1.1;\" beside the proxy_pass at %s.", at(pr.D))}, upstreamAt(u))
			}
		})
	},
}

// KeepaliveConnectionClose: nginx sends "Connection: close" upstream unless
// the header is cleared (before 1.29.7).
var KeepaliveConnectionClose = &Rule{
	ID: "keepalive-connection-close", Severity: Warning, Title: "keepalive with a Connection: close header",
	Why: "Before nginx 1.29.7 the proxy module sends \"Connection: close\" to the upstream unless proxy_set_header Connection is cleared, " +
		"so the backend closes every connection and keepalive caches nothing. A proxy_set_header in a location also drops every one inherited from outside.",
	Source: docs + "ngx_http_upstream_module.html#keepalive",
	Run: func(p *Pass) {
		eachKeepaliveProxy(p, func(u *nginxconf.Upstream, pr Proxy) {
			value, d, set := connectionHeader(pr.In)
			switch {
			case set && strings.EqualFold(value, "close"):
				p.About(u).Report(at(d), fmt.Sprintf("proxy_set_header Connection close for %s, which has keepalive.", groupWord(u)),
					[]string{fmt.Sprintf("Set 'proxy_set_header Connection \"\";' at %s.", at(d))}, upstreamAt(u))
			case !set && !p.Options.NginxVersion.AtLeast(keepaliveByDefault):
				p.About(u).Report(at(pr.D), fmt.Sprintf("proxy_pass to %s, which has keepalive, without clearing the Connection header: nginx sends \"Connection: close\" (nginx before 1.29.7).", groupWord(u)),
					[]string{fmt.Sprintf("Add 'proxy_set_header Connection \"\";' beside the proxy_pass at %s (with the other proxy_set_header lines of that level, which it would otherwise replace).", at(pr.D))}, upstreamAt(u))
			}
		})
	},
}

// connectionHeader returns the Connection header in force for a location.
func connectionHeader(b *Block) (string, nginxconf.Directive, bool) {
	for _, d := range b.Nearest("proxy_set_header") {
		if len(d.Args) >= 3 && strings.EqualFold(d.Args[1], "Connection") {
			return d.Args[2], d, true
		}
	}
	return "", nginxconf.Directive{}, false
}

func locations(ls []Location) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.String()
	}
	return strings.Join(parts, ", ")
}

// eachKeepaliveProxy calls fn for each proxy_pass to a group that has
// keepalive.
func eachKeepaliveProxy(p *Pass, fn func(*nginxconf.Upstream, Proxy)) {
	for _, u := range p.Conf.Upstreams {
		if !keepaliveOn(u, p.Options.NginxVersion) {
			continue
		}
		for _, pr := range p.Conf.ProxiesTo(u) {
			fn(u, pr)
		}
	}
}
