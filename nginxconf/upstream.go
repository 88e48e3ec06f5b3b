package nginxconf

import (
	"fmt"
	"strings"
)

// Upstream is an upstream{} block: its peers and the settings that decide
// how nginx marks them down and reuses connections.
type Upstream struct {
	Name    string
	File    string
	Line    int
	Servers []UpstreamServer
	// Keepalive is the connections cached per worker; 0 when no keepalive
	// directive (KeepaliveLine 0) or "keepalive 0".
	Keepalive     int
	KeepaliveLine int
	// KeepaliveTimeout is the upstream keepalive_timeout as written ("" for
	// nginx's default, 60s).
	KeepaliveTimeout     string
	KeepaliveTimeoutLine int
	Balancer             bool
	// Block is the block as written, for rules that read more of it.
	Block []Directive
}

// UpstreamServer is one "server" line in an upstream block.
type UpstreamServer struct {
	Addr        string
	Line        int
	MaxFails    int    // nginx default 1
	FailTimeout string // nginx default "10s"
	// MaxFailsSet and FailTimeoutSet: the parameter is written, not the
	// default.
	MaxFailsSet, FailTimeoutSet bool
	Backup                      bool
	Resolve                     bool // the "resolve" parameter (nginx >= 1.27.3)
}

// ReadUpstream reads an upstream{} block.
func ReadUpstream(d Directive) Upstream {
	u := Upstream{Name: d.Args[1], File: d.File, Line: d.Line, Block: d.Block}
	for _, in := range d.Block {
		switch in.Args[0] {
		case "server":
			if len(in.Args) < 2 {
				continue
			}
			s := UpstreamServer{Addr: withPort(in.Args[1]), Line: in.Line, MaxFails: 1, FailTimeout: "10s"}
			for _, a := range in.Args[2:] {
				switch {
				case strings.HasPrefix(a, "max_fails="):
					fmt.Sscan(strings.TrimPrefix(a, "max_fails="), &s.MaxFails)
					s.MaxFailsSet = true
				case strings.HasPrefix(a, "fail_timeout="):
					s.FailTimeout = strings.TrimPrefix(a, "fail_timeout=")
					s.FailTimeoutSet = true
				case a == "backup":
					s.Backup = true
				case a == "resolve":
					s.Resolve = true
				}
			}
			u.Servers = append(u.Servers, s)
		case "keepalive":
			if len(in.Args) >= 2 {
				fmt.Sscan(in.Args[1], &u.Keepalive)
				u.KeepaliveLine = in.Line
			}
		case "keepalive_timeout":
			if len(in.Args) >= 2 {
				u.KeepaliveTimeout, u.KeepaliveTimeoutLine = in.Args[1], in.Line
			}
		case "balancer_by_lua_block", "balancer_by_lua_file", "balancer_by_lua":
			u.Balancer = true
		}
	}
	return u
}

// withPort adds nginx's default port to a server address without one, as
// $upstream_addr logs it.
func withPort(addr string) string {
	if strings.HasPrefix(addr, "unix:") || strings.HasSuffix(addr, "]") || !strings.Contains(addr, ":") {
		if !strings.HasPrefix(addr, "unix:") {
			return addr + ":80"
		}
	}
	return addr
}
