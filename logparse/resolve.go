package logparse

import "strings"

// ResolveTarget returns the host name a resolver error is about, from
// nginx's texts (ngx_http_upstream.c): "NAME could not be resolved (3: Host
// not found)", "no resolver defined to resolve NAME", and the start-up
// error "host not found in upstream "NAME"". "" when the message names
// none.
func ResolveTarget(msg string) string {
	if i := strings.Index(msg, " could not be resolved"); i > 0 {
		name := msg[:i]
		if j := strings.LastIndexByte(name, ' '); j >= 0 {
			name = name[j+1:]
		}
		return strings.Trim(name, `"`)
	}
	for _, prefix := range []string{"no resolver defined to resolve ", "host not found in upstream "} {
		if i := strings.Index(msg, prefix); i >= 0 {
			name := msg[i+len(prefix):]
			if j := strings.IndexAny(name, " ,"); j >= 0 {
				name = name[:j]
			}
			return strings.Trim(name, `"`)
		}
	}
	return ""
}

// HostNotAllowed returns the peer a Lua balancer handed set_current_peer
// as a host name, which it refuses ("no host allowed": it takes an IP
// address), from ingress-nginx's "error while setting current upstream
// peer NAME:PORT: no host allowed"; "" for any other message.
func HostNotAllowed(msg string) string {
	const marker = "error while setting current upstream peer "
	i := strings.Index(msg, marker)
	if i < 0 || !strings.Contains(msg, "no host allowed") {
		return ""
	}
	rest := msg[i+len(marker):]
	if j := strings.Index(rest, ": no host allowed"); j > 0 {
		return rest[:j]
	}
	return ""
}

// LuaSource returns where Lua code logged a message, as lua-nginx-module
// writes it after "[lua] ": a file and line ("balancer.lua:352") or an
// inline block and its line ("balancer_by_lua(nginx.conf:30):11"); ""
// when the message does not say.
func LuaSource(msg string) string {
	_, rest, ok := strings.Cut(msg, "[lua] ")
	if !ok {
		return ""
	}
	end := strings.Index(rest, ": ")
	if end <= 0 || strings.ContainsAny(rest[:end], " \t") {
		return ""
	}
	src := rest[:end]
	if i := strings.LastIndexByte(src, ':'); i < 0 || i == len(src)-1 || strings.Trim(src[i+1:], "0123456789") != "" {
		return ""
	}
	return src
}
