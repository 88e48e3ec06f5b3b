package audit

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/nginxconf"
)

// Rules returns every rule, in the order badgw check --list prints them.
func Rules() []*Rule {
	return []*Rule{
		Syntax,
		UpstreamNoKeepalive, KeepaliveNeedsHTTP11, KeepaliveConnectionClose,
		NextUpstreamMarksDown, NextUpstreamUnbounded, NextUpstreamNonIdempotent, NextUpstreamOff, MaxFailsZero, WorkerFilesLow,
		SinglePeerNoBackup, HostnameResolvedOnce, ProxyPassNeedsResolver,
		UpstreamKeepaliveTimeout,
		HealthcheckThresholds, HealthcheckShmSize, BalancerPathWithoutPeer, SetKeepaliveLeaks,
	}
}

// Rule looks a rule up by its identifier.
func RuleByID(id string) (*Rule, bool) {
	for _, r := range Rules() {
		if r.ID == id {
			return r, true
		}
	}
	return nil, false
}

const docs = "https://nginx.org/en/docs/http/"

// Syntax reports what a lenient read had to repair: nginx -t refuses the
// file as it stands.
var Syntax = &Rule{
	ID: "syntax", Severity: Error, Title: "configuration nginx would refuse",
	Why:    "nginx -t fails on this file, so a reload keeps the old configuration or a restart keeps nginx down. The rest of the audit reads the file as repaired.",
	Source: "https://nginx.org/en/docs/beginners_guide.html#conf_structure",
	Run: func(p *Pass) {
		for _, pr := range p.Conf.Problems {
			p.Report(Location{File: pr.File, Line: pr.Line}, pr.Msg, []string{"Correct the syntax and run nginx -t before reloading."})
		}
	},
}

// groupWord names an upstream in messages.
func groupWord(u *nginxconf.Upstream) string { return fmt.Sprintf("upstream %q", u.Name) }

func upstreamAt(u *nginxconf.Upstream) Location {
	return Location{File: u.File, Line: u.Line, What: groupWord(u)}
}

// livePeers counts the servers that take traffic (not backup).
func livePeers(u *nginxconf.Upstream) (live, backup int) {
	for _, s := range u.Servers {
		if s.Backup {
			backup++
		} else {
			live++
		}
	}
	return live, backup
}

// keepaliveOn reports whether the group caches upstream connections.
func keepaliveOn(u *nginxconf.Upstream, v Version) bool {
	if u.KeepaliveLine > 0 {
		return u.Keepalive > 0
	}
	return v.AtLeast(keepaliveByDefault)
}

func args(d nginxconf.Directive) string { return strings.Join(d.Args[1:], " ") }
