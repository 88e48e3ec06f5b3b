package audit

import (
	"errors"
	"io/fs"
	"net"
	"path/filepath"
	"strings"

	"github.com/badgw/badgw/nginxconf"
)

// Block is one context of the configuration (main, http, server,
// location, if, upstream …) with its parent, for nginx's inheritance.
type Block struct {
	Kind     string
	At       nginxconf.Directive
	Parent   *Block
	Simple   []nginxconf.Directive
	Children []*Block
}

// Own returns the directives named so in this block itself.
func (b *Block) Own(name string) []nginxconf.Directive {
	var out []nginxconf.Directive
	for _, d := range b.Simple {
		if d.Name() == name {
			out = append(out, d)
		}
	}
	return out
}

// Nearest returns the directives named so at the nearest level that has
// any, this block first: how nginx inherits proxy_* settings (an inner
// level's proxy_set_header replaces all the outer ones).
func (b *Block) Nearest(name string) []nginxconf.Directive {
	for c := b; c != nil; c = c.Parent {
		if ds := c.Own(name); len(ds) > 0 {
			return ds
		}
	}
	return nil
}

// Effective returns the directive in force here, if any is written.
func (b *Block) Effective(name string) (nginxconf.Directive, bool) {
	ds := b.Nearest(name)
	if len(ds) == 0 {
		return nginxconf.Directive{}, false
	}
	return ds[len(ds)-1], true
}

// Proxy is one proxy_pass and where it stands.
type Proxy struct {
	In *Block
	D  nginxconf.Directive
	// Host is the URL's host part ("app", "10.0.0.1:8080", "$backend").
	Host string
	// Group is the upstream block it names, nil for an address or a
	// variable.
	Group *nginxconf.Upstream
	// Variables: the URL holds variables, so nginx resolves its host per
	// request.
	Variables bool
}

// LuaSource is Lua code to check: a *_by_lua_block, a *_by_lua_file, or a
// file given on the command line.
type LuaSource struct {
	// Directive is the directive that runs it ("balancer_by_lua_block"),
	// empty for a file given alone.
	Directive string
	File      string
	// Line is the line of the code's first character.
	Line int
	Code string
	// In is where the directive stands, nil for a file given alone.
	In *Block
}

// Conf is the configuration as the rules read it.
type Conf struct {
	Root      *Block
	Upstreams []*nginxconf.Upstream
	// UpstreamBlocks maps each upstream to its block.
	UpstreamBlocks map[*nginxconf.Upstream]*Block
	Proxies        []Proxy
	proxiesTo      map[*nginxconf.Upstream][]Proxy
	Lua            []LuaSource
	Problems       []nginxconf.Problem
	Missing        []nginxconf.Problem
	notChecked     []string
}

// upstreamOf returns the upstream whose block b is, nil if none.
func (c *Conf) upstreamOf(b *Block) *nginxconf.Upstream {
	for u, ub := range c.UpstreamBlocks {
		if ub == b {
			return u
		}
	}
	return nil
}

// upstreamNamed returns the upstream block of that name, nil if none.
func (c *Conf) upstreamNamed(name string) *nginxconf.Upstream {
	for _, u := range c.Upstreams {
		if u.Name == name {
			return u
		}
	}
	return nil
}

// ProxiesTo returns the proxy_pass directives that send to an upstream.
func (c *Conf) ProxiesTo(u *nginxconf.Upstream) []Proxy {
	return c.proxiesTo[u]
}

func build(cfg *nginxconf.Config, extra []LuaSource) *Conf {
	c := &Conf{Root: &Block{Kind: "main"}, UpstreamBlocks: map[*nginxconf.Upstream]*Block{},
		Problems: cfg.Problems, Missing: cfg.Missing}
	c.fill(c.Root, cfg.Directives)
	names := map[string]*nginxconf.Upstream{}
	for _, u := range c.Upstreams {
		names[u.Name] = u
	}
	c.walkProxies(c.Root, names)
	// Rules ask for each upstream's proxies: indexed once, so that an
	// audit stays linear in the number of upstreams.
	c.proxiesTo = map[*nginxconf.Upstream][]Proxy{}
	for _, p := range c.Proxies {
		if p.Group != nil {
			c.proxiesTo[p.Group] = append(c.proxiesTo[p.Group], p)
		}
	}
	for i := range extra {
		c.Lua = append(c.Lua, extra[i])
	}
	for _, m := range cfg.Missing {
		c.notChecked = append(c.notChecked, m.Error())
	}
	return c
}

func (c *Conf) fill(b *Block, ds []nginxconf.Directive) {
	for _, d := range ds {
		switch {
		case d.Lua != "":
			b.Simple = append(b.Simple, d)
			c.Lua = append(c.Lua, LuaSource{Directive: d.Name(), File: d.File, Line: d.LuaLine, Code: d.Lua, In: b})
		case d.Block != nil:
			child := &Block{Kind: d.Name(), At: d, Parent: b}
			b.Children = append(b.Children, child)
			if d.Name() == "upstream" && len(d.Args) >= 2 {
				u := nginxconf.ReadUpstream(d)
				c.Upstreams = append(c.Upstreams, &u)
				c.UpstreamBlocks[&u] = child
			}
			c.fill(child, d.Block)
		default:
			b.Simple = append(b.Simple, d)
			if strings.HasSuffix(d.Name(), "_by_lua_file") && len(d.Args) >= 2 {
				c.readLuaFile(d, b)
			}
		}
	}
}

// readLuaFile reads the code a *_by_lua_file names. nginx resolves a
// relative path against its prefix, which the configuration does not
// say: the configuration's folder and its parent are tried.
func (c *Conf) readLuaFile(d nginxconf.Directive, b *Block) {
	path := d.Args[1]
	if strings.Contains(path, "$") {
		c.notChecked = append(c.notChecked, at(d).String()+": "+path+": a path with variables")
		return
	}
	tries := []string{path}
	if !filepath.IsAbs(path) {
		dir := filepath.Dir(d.File)
		tries = []string{filepath.Join(dir, path), filepath.Join(dir, "..", path)}
	}
	for _, p := range tries {
		data, err := nginxconf.ReadFile(p, nginxconf.MaxConfigBytes)
		if err == nil {
			c.Lua = append(c.Lua, LuaSource{Directive: d.Name(), File: p, Line: 1, Code: string(data), In: b})
			return
		}
		if !errors.Is(err, fs.ErrNotExist) {
			c.notChecked = append(c.notChecked, at(d).String()+": "+path+": cannot be read: "+unwrapPath(err).Error())
			return
		}
	}
	c.notChecked = append(c.notChecked, at(d).String()+": "+path+": not found beside the configuration")
}

func (c *Conf) walkProxies(b *Block, names map[string]*nginxconf.Upstream) {
	for _, d := range b.Own("proxy_pass") {
		if len(d.Args) < 2 {
			continue
		}
		url := d.Args[1]
		host := url
		if i := strings.Index(host, "://"); i >= 0 {
			host = host[i+3:]
		}
		if i := strings.IndexByte(host, '/'); i >= 0 {
			host = host[:i]
		}
		if i := strings.IndexByte(host, '$'); i > 0 {
			host = host[:i] // "app$request_uri": the host is literal
		}
		p := Proxy{In: b, D: d, Host: host, Variables: strings.Contains(url, "$")}
		if u, ok := names[host]; ok {
			p.Group = u
		}
		c.Proxies = append(c.Proxies, p)
	}
	for _, ch := range b.Children {
		c.walkProxies(ch, names)
	}
}

// hostName reports whether an address is a DNS name (not an IP address,
// a unix socket or localhost, which never change).
func hostName(addr string) bool {
	if strings.HasPrefix(addr, "unix:") || strings.HasPrefix(addr, "[") {
		return false
	}
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	return net.ParseIP(host) == nil && host != "localhost" && !strings.Contains(host, "$")
}

// unwrapPath drops a *PathError's operation and path, which the message
// around it already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
