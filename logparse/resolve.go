package logparse

import (
	"fmt"
	"strings"
)

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

// SSLReason reads why TLS to an upstream failed, from nginx's texts
// (ngx_http_upstream.c, ngx_event_openssl.c): the verify code and
// OpenSSL's text of "upstream SSL certificate verify error: (10:certificate
// has expired)"; code -1 and "does not match \"NAME\"" for "upstream SSL
// certificate does not match \"NAME\""; code 0 and the last part of
// OpenSSL's error for a handshake that failed ("SSL_do_handshake() failed
// (SSL: error:0A00010B:SSL routines::wrong version number)" gives "wrong
// version number"), or the message itself for the others ("peer closed
// connection in SSL handshake"). ok is false for a message that is not
// about TLS.
func SSLReason(msg string) (code int, reason string, ok bool) {
	if _, rest, found := strings.Cut(msg, "upstream SSL certificate verify error: ("); found {
		if n, text, found := strings.Cut(rest, ":"); found {
			if end := strings.LastIndex(text, ")"); end >= 0 {
				text = text[:end]
			}
			fmt.Sscan(n, &code)
			return code, text, true
		}
	}
	if i := strings.Index(msg, "upstream SSL certificate does not match "); i >= 0 {
		rest := msg[i+len("upstream SSL certificate does not match "):]
		if j := strings.Index(rest, " while "); j >= 0 {
			rest = rest[:j]
		}
		return -1, "does not match " + rest, true
	}
	if _, rest, found := strings.Cut(msg, "(SSL: "); found {
		if end := strings.Index(rest, ")"); end >= 0 {
			rest = rest[:end]
		}
		if j := strings.LastIndex(rest, ":"); j >= 0 {
			rest = rest[j+1:]
		}
		return 0, strings.TrimSpace(rest), rest != ""
	}
	if strings.Contains(msg, "SSL") {
		if j := strings.Index(msg, " while "); j >= 0 {
			msg = msg[:j]
		}
		return 0, strings.TrimSpace(msg), true
	}
	return 0, "", false
}
