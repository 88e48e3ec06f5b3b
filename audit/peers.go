package audit

import (
	"fmt"
	"strings"
)

// SinglePeerNoBackup: with one peer and no backup, nothing takes over while
// it restarts.
var SinglePeerNoBackup = &Rule{
	ID: "single-peer-no-backup", Severity: Note, Title: "one peer, no backup",
	Why: "A group of one server has nowhere to retry: while that peer restarts, deploys or stalls, every request gets a 502 (connection refused) or 504. " +
		"nginx never marks the only peer down, so max_fails cannot help either.",
	Source: docs + "ngx_http_upstream_module.html#server",
	Run: func(p *Pass) {
		for _, u := range p.Conf.Upstreams {
			live, backup := livePeers(u)
			if live != 1 || backup > 0 || u.Balancer || len(p.Conf.ProxiesTo(u)) == 0 {
				continue
			}
			p.About(u).Report(upstreamAt(u), fmt.Sprintf("%s has one peer (%s) and no backup: any restart of it is 100 %% 502s for its requests.", groupWord(u), u.Servers[0].Addr),
				[]string{"Run a second peer in the group, or add a \"server … backup;\" line, so that proxy_next_upstream error has somewhere to go.",
					"If one peer is all there is, restart it gracefully: start the new process before the old one stops listening."})
		}
	},
}

// HostnameResolvedOnce: a server line's host name is resolved when nginx
// starts, not after.
var HostnameResolvedOnce = &Rule{
	ID: "hostname-resolved-once", Severity: Note, Title: "peer by host name, resolved once",
	Why: "nginx resolves the host names of an upstream's server lines when it loads the configuration and keeps those addresses until the next reload. " +
		"When the name moves (a re-created container, a cloud load balancer's changing addresses), nginx keeps connecting to the old address: " +
		"connect() failed or timed out, 502 or 504, until someone reloads.",
	Source: docs + "ngx_http_upstream_module.html#resolve",
	Run: func(p *Pass) {
		for _, u := range p.Conf.Upstreams {
			for _, s := range u.Servers {
				if s.Resolve || !hostName(s.Addr) {
					continue
				}
				p.About(u).Report(Location{File: u.File, Line: s.Line, What: "server"}, fmt.Sprintf("%s: peer %s is a host name, resolved once when nginx starts.", groupWord(u), s.Addr),
					[]string{"If the name's addresses change, add the \"resolve\" parameter with a \"zone\" in the upstream and a \"resolver\" (nginx 1.27.3 or later), or reload nginx whenever they change."})
			}
		}
	},
}

// ProxyPassNeedsResolver: a name nginx resolves per request needs a
// resolver, or the request fails.
var ProxyPassNeedsResolver = &Rule{
	ID: "proxy-pass-needs-resolver", Severity: Warning, Title: "run-time name without a resolver",
	Why: "With variables in proxy_pass, or servers with the resolve parameter, nginx resolves the host name per request (unless it names an upstream block). " +
		"Without a resolver directive it cannot: the error log says \"no resolver defined to resolve …\" and the client gets a 502.",
	Source: docs + "ngx_http_proxy_module.html#proxy_pass",
	Run: func(p *Pass) {
		groups := map[string]bool{}
		for _, u := range p.Conf.Upstreams {
			groups[u.Name] = true
		}
		for _, pr := range p.Conf.Proxies {
			if !pr.Variables || pr.Group != nil {
				continue
			}
			if _, ok := pr.In.Effective("resolver"); ok {
				continue
			}
			host := pr.Host
			if !strings.Contains(host, "$") && (!hostName(host) || groups[host]) {
				continue // a literal address or group: nothing to resolve
			}
			p.Report(at(pr.D), fmt.Sprintf("proxy_pass %s has variables and no resolver is in force: a host name in it cannot be resolved at run time (fine only if the value is always an IP address or an upstream block's name).", pr.D.Args[1]),
				[]string{"Add \"resolver ADDRESS valid=30s;\" (the DNS server the host uses, e.g. from /etc/resolv.conf, or kube-dns's address) in the http or server block."})
		}
		for _, u := range p.Conf.Upstreams {
			b := p.Conf.UpstreamBlocks[u]
			for _, s := range u.Servers {
				if !s.Resolve {
					continue
				}
				if _, ok := b.Effective("resolver"); !ok {
					p.About(u).ReportAs(Error, Location{File: u.File, Line: s.Line, What: "server"}, fmt.Sprintf("%s: server %s has resolve but no resolver is in force.", groupWord(u), s.Addr),
						[]string{"Add \"resolver ADDRESS;\" in the upstream or http block."})
				}
			}
		}
	},
}
