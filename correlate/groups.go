package correlate

import (
	"sort"
	"strings"

	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/nginxconf"
)

// maxPeers bounds the peers and group names remembered; past it new
// addresses are still counted but no longer merged into groups.
const maxPeers = 4096

// groups learns which peers belong to one upstream group. nginx.conf says
// it exactly when given; otherwise peers tried for the same request (retries
// through proxy_next_upstream) and the group name logged next to them when
// no peer was live are merged, union-find style.
type groups struct {
	parent map[string]string
	named  map[string]string // root -> group name, when one is known
	conf   map[string]string // peer -> group from nginx.conf
	info   map[string]nginxconf.Upstream
	// lua is the one upstream whose peers a balancer_by_lua picks, when
	// nginx.conf has exactly one: peers it does not list are that
	// balancer's (service discovery hands them over at run time).
	lua string
}

func newGroups(ups []nginxconf.Upstream) *groups {
	g := &groups{parent: map[string]string{}, named: map[string]string{}, conf: map[string]string{}, info: map[string]nginxconf.Upstream{}}
	balancers := 0
	for _, u := range ups {
		if u.Balancer {
			balancers++
			g.lua = u.Name
		}
	}
	if balancers != 1 {
		g.lua = ""
	}
	for _, u := range ups {
		g.info[u.Name] = u
		g.add(u.Name)
		g.named[u.Name] = u.Name
		for _, s := range u.Servers {
			g.conf[s.Addr] = u.Name
			g.union(u.Name, s.Addr)
		}
	}
	return g
}

func (g *groups) add(addr string) bool {
	if _, ok := g.parent[addr]; ok {
		return true
	}
	if len(g.parent) >= maxPeers {
		return false
	}
	g.parent[addr] = addr
	return true
}

func (g *groups) find(addr string) string {
	p, ok := g.parent[addr]
	if !ok {
		return addr
	}
	for p != addr {
		gp := g.parent[p]
		g.parent[addr] = gp
		addr, p = p, gp
	}
	return addr
}

// union merges the groups of a and b and returns the surviving root and
// the root that was merged away ("" when they were already one group).
func (g *groups) union(a, b string) (root, gone string) {
	if !g.add(a) || !g.add(b) {
		return g.find(a), ""
	}
	ra, rb := g.find(a), g.find(b)
	if ra == rb {
		return ra, ""
	}
	// Keep a named root so the label stays the group's name.
	if _, ok := g.named[rb]; ok {
		ra, rb = rb, ra
	}
	g.parent[rb] = ra
	if n, ok := g.named[rb]; ok {
		if _, has := g.named[ra]; !has {
			g.named[ra] = n
		}
		delete(g.named, rb)
	}
	return ra, rb
}

// observe records a request's attempts and returns the root of its group
// plus any root merged away by what this request revealed.
func (g *groups) observe(rec *logparse.Record) (root string, merged []string) {
	if r, ok := g.known(rec); ok {
		return r, nil
	}
	if len(rec.UpstreamName) > 0 && string(rec.UpstreamName) != "-" {
		name := string(rec.UpstreamName)
		if _, ok := g.parent[name]; !ok {
			g.add(name)
			g.named[name] = name
		}
		root = g.find(name)
		for i := range rec.Attempts {
			a := &rec.Attempts[i]
			if len(a.Addr) == 0 || a.Addr[0] == '-' {
				continue
			}
			if _, ok := g.parent[string(a.Addr)]; !ok || g.find(string(a.Addr)) != root {
				r, gone := g.union(name, string(a.Addr))
				root = r
				if gone != "" {
					merged = append(merged, gone)
				}
			}
		}
		return root, merged
	}
	first := ""
	for i := range rec.Attempts {
		a := &rec.Attempts[i]
		if len(a.Addr) == 0 || (len(a.Addr) == 1 && a.Addr[0] == '-') {
			continue
		}
		addr := a.Addr
		if first == "" {
			if _, ok := g.parent[string(addr)]; !ok {
				g.add(string(addr))
				if a.IsGroupName() {
					g.named[string(addr)] = string(addr)
				}
				if grp, ok := g.conf[string(addr)]; ok {
					g.union(grp, string(addr))
				} else if g.lua != "" && !a.IsGroupName() {
					g.union(g.lua, string(addr))
				}
			}
			first = string(addr)
			continue
		}
		if g.find(string(addr)) == g.find(first) {
			continue
		}
		if a.IsGroupName() {
			if _, ok := g.parent[string(addr)]; !ok {
				g.add(string(addr))
				g.named[string(addr)] = string(addr)
			}
		}
		_, gone := g.union(first, string(addr))
		if gone != "" {
			merged = append(merged, gone)
		}
	}
	if first == "" {
		return "-", nil
	}
	return g.find(first), merged
}

// known is the allocation-free path for the common case: every address of
// the request is already known and in one group.
func (g *groups) known(rec *logparse.Record) (string, bool) {
	root := ""
	if len(rec.UpstreamName) > 0 {
		p, ok := g.parent[string(rec.UpstreamName)]
		if !ok {
			return "", false
		}
		root = g.find(p)
	}
	for i := range rec.Attempts {
		a := &rec.Attempts[i]
		if len(a.Addr) == 0 || (len(a.Addr) == 1 && a.Addr[0] == '-') {
			continue
		}
		p, ok := g.parent[string(a.Addr)]
		if !ok {
			return "", false
		}
		r := g.find(p)
		if root == "" {
			root = r
		} else if r != root {
			return "", false
		}
	}
	if root == "" {
		return "-", true
	}
	return root, true
}

// rootOf returns the group root of an address seen in the error log.
func (g *groups) rootOf(addr string) string {
	if addr == "" {
		return ""
	}
	if grp, ok := g.conf[addr]; ok {
		return g.find(grp)
	}
	return g.find(addr)
}

// label names a group for people: its upstream name when known, else its
// peers.
// labels maps every address and name known to its group's label.
func (g *groups) labels() map[string]string {
	out := make(map[string]string, len(g.parent))
	byRoot := map[string]string{}
	for addr := range g.parent {
		root := g.find(addr)
		l, ok := byRoot[root]
		if !ok {
			l = g.label(root) // once per group: label lists its members
			byRoot[root] = l
		}
		out[addr] = l
	}
	return out
}

func (g *groups) label(root string) string {
	if n, ok := g.named[root]; ok {
		return n
	}
	if root == "-" || root == "" {
		return "(no upstream tried)" // $upstream_addr "-": nginx never reached an upstream
	}
	peers := g.members(root)
	if len(peers) == 0 {
		return root
	}
	if len(peers) > 3 {
		return strings.Join(peers[:3], ",") + ",…"
	}
	return strings.Join(peers, ",")
}

// members lists the peer addresses of a group, sorted.
func (g *groups) members(root string) []string {
	var out []string
	for a := range g.parent {
		if g.find(a) == root && strings.IndexByte(a, ':') >= 0 {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// config returns what nginx.conf said about the group, if anything.
func (g *groups) config(root string) (nginxconf.Upstream, bool) {
	if n, ok := g.named[root]; ok {
		u, ok := g.info[n]
		return u, ok
	}
	return nginxconf.Upstream{}, false
}
