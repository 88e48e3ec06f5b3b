package audit

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/nginxconf"
)

// NextUpstreamMarksDown: nginx counts the http_5xx cases that
// proxy_next_upstream lists as failed attempts towards max_fails.
var NextUpstreamMarksDown = &Rule{
	ID: "next-upstream-marks-down", Severity: Warning, Title: "application errors mark peers down",
	Why: "The cases error, timeout and invalid_header always count as unsuccessful attempts; http_500, http_502, http_503, http_504 and http_429 count " +
		"only when proxy_next_upstream lists them. Listed, an application's own 500s count towards max_fails: with max_fails=1 fail_timeout=10s (the defaults) " +
		"one 500 takes a peer out for 10 s, and in a group of two or three peers one bad minute marks them all down: " +
		"\"no live upstreams while connecting to upstream\" and 502 for every request, the incident that badgw demo replays.",
	Source: docs + "ngx_http_upstream_module.html#max_fails",
	Run: func(p *Pass) {
		for _, u := range p.Conf.Upstreams {
			live, _ := livePeers(u)
			if live == 1 {
				continue // nginx never marks the only peer down
			}
			var weak []nginxconf.UpstreamServer
			for _, s := range u.Servers {
				if !s.Backup && s.MaxFails == 1 {
					weak = append(weak, s)
				}
			}
			if len(weak) == 0 && live > 0 {
				continue
			}
			for _, pr := range p.Conf.ProxiesTo(u) {
				d, ok := pr.In.Effective("proxy_next_upstream")
				if !ok {
					continue
				}
				codes := httpCodes(d)
				if len(codes) == 0 {
					continue
				}
				peers := fmt.Sprintf("%d peers", live)
				if live == 0 {
					peers = "its peers (no server line in this file)"
				}
				sev := Warning
				if live > 3 {
					sev = Note
				}
				fix := []string{
					fmt.Sprintf("Remove %s from proxy_next_upstream at %s, keeping \"error timeout\": an application's error answer is then passed to the client instead of marking the peer down.", strings.Join(codes, " "), at(d)),
				}
				var lines []string
				for _, s := range weak {
					lines = append(lines, fmt.Sprintf("%s:%d", u.File, s.Line))
				}
				if len(lines) > 0 {
					fix = append(fix, "If the retries must stay, raise max_fails on the server lines ("+strings.Join(lines, ", ")+") so that a few errors within fail_timeout do not take a peer out; at high request rates even a larger max_fails trips within a second.")
				}
				p.About(u).ReportAs(sev, at(d), fmt.Sprintf("proxy_next_upstream lists %s for %s with %s at max_fails=1: each such answer from the application marks a peer down for fail_timeout, and when all are down nginx answers 502 (\"no live upstreams\").",
					strings.Join(codes, " "), groupWord(u), peers), fix, upstreamAt(u))
			}
		}
	},
}

// httpCodes returns the http_* cases a proxy_next_upstream lists.
func httpCodes(d nginxconf.Directive) []string {
	var out []string
	for _, a := range d.Args[1:] {
		if strings.HasPrefix(a, "http_5") || a == "http_429" {
			out = append(out, a)
		}
	}
	return out
}

// NextUpstreamUnbounded: each retry waits its own timeouts; without a
// bound a request can try every peer.
var NextUpstreamUnbounded = &Rule{
	ID: "next-upstream-unbounded", Severity: Warning, Title: "retries without a bound",
	Why: "proxy_next_upstream_tries and proxy_next_upstream_timeout default to 0, no limit: a request that fails is passed to every peer in turn, " +
		"each attempt waiting its own connect and read timeouts. When the backends are overloaded the retries multiply their load by the number of peers " +
		"and the client waits the sum of the timeouts before its 502 or 504.",
	Source: docs + "ngx_http_proxy_module.html#proxy_next_upstream_tries",
	Run: func(p *Pass) {
		for _, pr := range p.Conf.Proxies {
			d, ok := pr.In.Effective("proxy_next_upstream")
			if !ok || len(d.Args) < 2 || d.Args[1] == "off" {
				continue
			}
			if pr.Group != nil {
				if live, backup := livePeers(pr.Group); live+backup == 1 {
					continue
				}
			}
			_, tries := pr.In.Effective("proxy_next_upstream_tries")
			_, timeout := pr.In.Effective("proxy_next_upstream_timeout")
			if tries || timeout {
				continue
			}
			p.About(pr.Group).Report(at(d), fmt.Sprintf("proxy_next_upstream %s with no proxy_next_upstream_tries or proxy_next_upstream_timeout: a failing request is retried on every peer.", args(d)),
				[]string{fmt.Sprintf("Add \"proxy_next_upstream_tries 2;\" (one retry) beside %s, and \"proxy_next_upstream_timeout\" no longer than what a client waits.", at(d))}, at(pr.D))
		}
	},
}

// NextUpstreamNonIdempotent: POST, LOCK and PATCH retried on another peer
// may run twice.
var NextUpstreamNonIdempotent = &Rule{
	ID: "next-upstream-non-idempotent", Severity: Warning, Title: "non-idempotent requests retried",
	Why: "nginx does not pass a POST, LOCK or PATCH to the next peer once it was sent, unless proxy_next_upstream lists non_idempotent: " +
		"then a request the first peer already processed (and timed out answering) runs again on the next, and retries under load pile more work on failing backends.",
	Source: docs + "ngx_http_proxy_module.html#proxy_next_upstream",
	Run: func(p *Pass) {
		seen := map[Location]bool{}
		for _, pr := range p.Conf.Proxies {
			d, ok := pr.In.Effective("proxy_next_upstream")
			if !ok || seen[at(d)] {
				continue
			}
			for _, a := range d.Args[1:] {
				if a == "non_idempotent" {
					seen[at(d)] = true
					p.About(pr.Group).Report(at(d), "proxy_next_upstream lists non_idempotent: a POST, LOCK or PATCH that timed out on one peer is sent again to the next.",
						[]string{fmt.Sprintf("Remove non_idempotent at %s unless every such request is safe to run twice.", at(d))})
				}
			}
		}
	},
}
