package nginxconf

import (
	"fmt"
	"strings"
)

// Upstream is an upstream{} block: its peers and the settings that decide
// how nginx marks them down and reuses connections.
type Upstream struct {
	Name      string
	Servers   []UpstreamServer
	Keepalive int // connections cached per worker; 0 when no keepalive directive
	Balancer  bool
}

// UpstreamServer is one "server" line in an upstream block.
type UpstreamServer struct {
	Addr        string
	MaxFails    int    // nginx default 1
	FailTimeout string // nginx default "10s"
	Backup      bool
}

// ReadUpstream reads an upstream{} block.
func ReadUpstream(d Directive) Upstream {
	u := Upstream{Name: d.Args[1]}
	for _, in := range d.Block {
		switch in.Args[0] {
		case "server":
			if len(in.Args) < 2 {
				continue
			}
			s := UpstreamServer{Addr: withPort(in.Args[1]), MaxFails: 1, FailTimeout: "10s"}
			for _, a := range in.Args[2:] {
				switch {
				case strings.HasPrefix(a, "max_fails="):
					fmt.Sscan(strings.TrimPrefix(a, "max_fails="), &s.MaxFails)
				case strings.HasPrefix(a, "fail_timeout="):
					s.FailTimeout = strings.TrimPrefix(a, "fail_timeout=")
				case a == "backup":
					s.Backup = true
				}
			}
			u.Servers = append(u.Servers, s)
		case "keepalive":
			if len(in.Args) >= 2 {
				fmt.Sscan(in.Args[1], &u.Keepalive)
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
