package audit

import (
	"fmt"
	"net"
	"strings"

	"github.com/badgw/badgw/nginxconf"
)

// Setting is a directive's value where a group's requests are proxied:
// as written (At names the line), or nginx's default (At is empty).
type Setting struct {
	Value string
	At    string
}

// Written reports whether the configuration sets it.
func (s Setting) Written() bool { return s.At != "" }

// Settings is what the cause rules need to know about one upstream group:
// its block, the proxy settings in force where it is used, and the audit's
// findings about it. Values are those of the first location that proxies
// to the group; Locations says how many there are.
type Settings struct {
	Upstream     *nginxconf.Upstream
	Locations    int
	NextUpstream Setting // default "error timeout"
	NextTries    Setting // proxy_next_upstream_tries, default "0" (no limit)
	NextTimeout  Setting // proxy_next_upstream_timeout, default "0"
	ConnectTime  Setting // proxy_connect_timeout, default "60s"
	SendTime     Setting // proxy_send_timeout, default "60s"
	ReadTime     Setting // proxy_read_timeout, default "60s"
	BufferSize   Setting // proxy_buffer_size, default one memory page (4k or 8k)
	HTTPVersion  Setting // proxy_http_version
	Resolver     Setting // resolver, "" when none
	// TLS to the upstream: proxy_ssl_verify (default off), the trusted
	// CA file, the name checked (default: the host in proxy_pass), SNI
	// (default off) and the protocols offered.
	SSLVerify, SSLTrusted, SSLName, SSLServerName, SSLProtocols Setting
	KeepaliveTime                                               Setting // the upstream's keepalive_timeout, default "60s"
	FileLimit                                                   Setting // worker_rlimit_nofile, "" (the system's limit) by default
	WorkerConns                                                 Setting // worker_connections, default "512"
	Findings                                                    []Finding
}

// proxyDefaults are nginx's defaults for the settings above
// (ngx_http_proxy_module, ngx_http_upstream_module).
var proxyDefaults = map[string]string{
	"proxy_next_upstream": "error timeout", "proxy_next_upstream_tries": "0", "proxy_next_upstream_timeout": "0",
	"proxy_connect_timeout": "60s", "proxy_send_timeout": "60s", "proxy_read_timeout": "60s",
	"proxy_buffer_size": "4k|8k", "proxy_http_version": "1.0", "resolver": "",
	"proxy_ssl_verify": "off", "proxy_ssl_trusted_certificate": "", "proxy_ssl_name": "", "proxy_ssl_server_name": "off",
	"proxy_ssl_protocols": "TLSv1.2 TLSv1.3",
}

// GroupSettings reads the settings of every upstream block, keyed by its
// name, with the findings of res about each, and those of every address
// proxy_pass names directly, keyed by the address as $upstream_addr
// writes it; the key "" holds the main context's settings (FileLimit,
// WorkerConns), which every group shares.
func GroupSettings(cfg *nginxconf.Config, res Result) map[string]*Settings {
	conf := build(cfg, nil)
	out := map[string]*Settings{"": {
		FileLimit:   mainSetting(conf, "", "worker_rlimit_nofile", ""),
		WorkerConns: mainSetting(conf, "events", "worker_connections", "512"),
	}}
	for _, u := range conf.Upstreams {
		proxies := conf.ProxiesTo(u)
		s := proxySettings(conf, proxies)
		s.Upstream = u
		if u.KeepaliveTimeoutLine > 0 {
			s.KeepaliveTime = Setting{Value: u.KeepaliveTimeout, At: fmt.Sprintf("%s:%d", u.File, u.KeepaliveTimeoutLine)}
		}
		for _, f := range res.Findings {
			if f.Group == u.Name {
				s.Findings = append(s.Findings, f)
			}
		}
		out[u.Name] = s
	}
	// A proxy_pass that names an address rather than an upstream block
	// is a group of one peer, known in the logs by that address: its
	// settings are keyed by it as $upstream_addr writes it.
	byAddr := map[string][]Proxy{}
	var order []string
	for _, p := range conf.Proxies {
		if p.Group != nil || p.Variables {
			continue
		}
		for _, key := range addrKeys(p.D.Args[1], p.Host) {
			if byAddr[key] == nil {
				order = append(order, key)
			}
			byAddr[key] = append(byAddr[key], p)
		}
	}
	for _, key := range order {
		if _, taken := out[key]; !taken {
			out[key] = proxySettings(conf, byAddr[key])
		}
	}
	return out
}

// proxySettings reads the settings in force where proxies send requests:
// those of the first of them (Locations says how many there are), or
// nginx's defaults.
func proxySettings(conf *Conf, proxies []Proxy) *Settings {
	s := &Settings{Locations: len(proxies)}
	var in *Block
	if len(proxies) > 0 {
		in = proxies[0].In
	}
	get := func(name string) Setting {
		if in != nil {
			if d, ok := in.Effective(name); ok {
				return Setting{Value: args(d), At: fmt.Sprintf("%s:%d", d.File, d.Line)}
			}
		}
		return Setting{Value: proxyDefaults[name]}
	}
	s.NextUpstream, s.NextTries, s.NextTimeout = get("proxy_next_upstream"), get("proxy_next_upstream_tries"), get("proxy_next_upstream_timeout")
	s.ConnectTime, s.SendTime, s.ReadTime = get("proxy_connect_timeout"), get("proxy_send_timeout"), get("proxy_read_timeout")
	s.BufferSize, s.HTTPVersion, s.Resolver = get("proxy_buffer_size"), get("proxy_http_version"), get("resolver")
	s.SSLVerify, s.SSLTrusted, s.SSLName = get("proxy_ssl_verify"), get("proxy_ssl_trusted_certificate"), get("proxy_ssl_name")
	s.SSLServerName, s.SSLProtocols = get("proxy_ssl_server_name"), get("proxy_ssl_protocols")
	s.FileLimit, s.WorkerConns = mainSetting(conf, "", "worker_rlimit_nofile", ""), mainSetting(conf, "events", "worker_connections", "512")
	s.KeepaliveTime = Setting{Value: "60s"}
	return s
}

// addrKeys are the $upstream_addr spellings of a proxy_pass address: the
// IP and port (the scheme's port when none is written), and for
// localhost the loopback addresses it resolves to. A host name's address
// is not known without resolving it, so it has none.
func addrKeys(url, host string) []string {
	port := "80"
	if strings.HasPrefix(url, "https://") {
		port = "443"
	}
	h, p, err := net.SplitHostPort(host)
	if err != nil {
		h = strings.Trim(host, "[]")
	} else {
		port = p
	}
	if h == "localhost" {
		return []string{net.JoinHostPort("127.0.0.1", port), net.JoinHostPort("::1", port)}
	}
	if net.ParseIP(h) == nil {
		return nil
	}
	return []string{net.JoinHostPort(h, port)}
}

// Finding returns the first finding of a rule, if there is one.
func (s *Settings) Finding(rule string) (Finding, bool) {
	if s == nil {
		return Finding{}, false
	}
	for _, f := range s.Findings {
		if f.Rule == rule {
			return f, true
		}
	}
	return Finding{}, false
}

// ForAnalysis audits the nginx.conf at path (read leniently, includes
// followed) for an analysis of its logs: every group's settings and all
// findings.
func ForAnalysis(path string, opts Options) (map[string]*Settings, []Finding, error) {
	cfg, err := nginxconf.LoadLenient(path)
	if err != nil {
		return nil, nil, err
	}
	res := Check(cfg, nil, opts)
	return GroupSettings(cfg, res), res.Findings, nil
}

// mainSetting reads a directive of the main context (block "") or of one
// of its blocks (events).
func mainSetting(conf *Conf, block, name, def string) Setting {
	b := conf.Root
	if block != "" {
		b = nil
		for _, c := range conf.Root.Children {
			if c.Kind == block {
				b = c
			}
		}
	}
	if b != nil {
		if ds := b.Own(name); len(ds) > 0 {
			d := ds[len(ds)-1]
			return Setting{Value: args(d), At: fmt.Sprintf("%s:%d", d.File, d.Line)}
		}
	}
	return Setting{Value: def}
}
