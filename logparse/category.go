package logparse

import "strings"

// Category classifies an error.log entry by what went wrong with the
// upstream. The identifiers (String) are part of badgw's CSV and JSON
// contract: add new ones, never rename.
type Category uint8

// Categories, most specific first in Classify's rules.
const (
	CatOther Category = iota
	CatNoLiveUpstreams
	CatConnectRefused
	CatConnectTimeout
	CatReadTimeout
	CatSendTimeout
	CatPrematureClose
	CatConnReset
	CatBrokenPipe
	CatAddrUnavailable
	CatUnreachable
	CatTooBigHeader
	CatInvalidHeader
	CatSSLUpstream
	CatPeerDisabled
	CatHealthcheckDown
	CatLuaBalancer
	CatKeepaliveFailure
	CatWorkerConnections
	CatTooManyFiles
	CatPermissionDenied
	CatSocketUnavailable
	CatResolver
	CatClientClosed
	CatLuaSocket
	CatHealthcheckUp
	NumCategories
)

var categoryNames = [NumCategories]string{
	CatOther:             "other",
	CatNoLiveUpstreams:   "no_live_upstreams",
	CatConnectRefused:    "connect_refused",
	CatConnectTimeout:    "connect_timeout",
	CatReadTimeout:       "read_timeout",
	CatSendTimeout:       "send_timeout",
	CatPrematureClose:    "premature_close",
	CatConnReset:         "conn_reset",
	CatBrokenPipe:        "broken_pipe",
	CatAddrUnavailable:   "addr_unavailable",
	CatUnreachable:       "unreachable",
	CatTooBigHeader:      "too_big_header",
	CatInvalidHeader:     "invalid_header",
	CatSSLUpstream:       "ssl_upstream",
	CatPeerDisabled:      "peer_disabled",
	CatHealthcheckDown:   "healthcheck_down",
	CatLuaBalancer:       "lua_balancer",
	CatKeepaliveFailure:  "keepalive_failure",
	CatWorkerConnections: "worker_connections",
	CatTooManyFiles:      "too_many_files",
	CatPermissionDenied:  "permission_denied",
	CatSocketUnavailable: "socket_unavailable",
	CatResolver:          "resolver",
	CatClientClosed:      "client_closed",
	CatLuaSocket:         "lua_socket",
	CatHealthcheckUp:     "healthcheck_up",
}

func (c Category) String() string {
	if c < NumCategories {
		return categoryNames[c]
	}
	return "other"
}

// UpstreamFault reports whether the category points at the upstream side
// (everything but client_closed, other, and a health checker turning a
// peer up again, which is a recovery).
func (c Category) UpstreamFault() bool {
	return c != CatOther && c != CatClientClosed && c != CatHealthcheckUp
}

// Classify assigns a category from the message, errno, phase and peer.
// Rules are ordered from the most specific text to the generic errno.
func Classify(ev *Event) Category {
	m := ev.Message
	if len(m) > 1 && isUpper(m[0]) && !isUpper(m[1]) {
		// nginx starts its messages in lower case; people who retype one
		// into a ticket often capitalise it ("Upstream sent too big
		// header"). Acronyms ("SSL_do_handshake()") keep theirs.
		m = string(m[0]+'a'-'A') + m[1:]
	}
	has := func(s string) bool { return strings.Contains(m, s) }
	unix := strings.HasPrefix(ev.Peer, "unix:")
	errno := canonicalErrno(ev)
	switch {
	case has("no live upstreams"), has("upstream servers are busy or encounter error"): // the latter is Tengine's
		return CatNoLiveUpstreams
	case has("upstream server temporarily disabled"):
		return CatPeerDisabled
	case has("failed to set keepalive"):
		return CatKeepaliveFailure
	case has("lua tcp socket") || has("lua udp socket") || has("lua socket ") || has("on a closed socket"):
		// Lua cosockets (lua-nginx-module's "lua tcp socket connect timed
		// out, when connecting to …", "read timed out"): Lua code's own
		// connections to Redis, MySQL or an HTTP backend.
		return CatLuaSocket
	case has("[healthchecks]") || has("[healthcheck]"):
		// Kong's and APISIX's health checkers (lua-resty-healthcheck),
		// before the Lua balancer rule, whose "balancer" their lines
		// carry: a target or balancer turned healthy is a recovery, a
		// probe round or a success is no failure, the rest (a failed
		// probe, "changed to UNHEALTHY", a target turned false) is.
		switch {
		case has("changed to HEALTHY"), has("from 'false' to 'true'"):
			return CatHealthcheckUp
		case has("healthy SUCCESS increment"), has("checking healthy targets"), has("checking unhealthy targets"), has("(currently healthy)"), has("(currently unhealthy)"):
			return CatOther
		}
		return CatHealthcheckDown
	case has("healthy SUCCESS increment"):
		// The same checker's success, pasted without its prefix.
		return CatOther
	case has("failed to set upstream: no valid upstream node"), has("failed to pick server"):
		// APISIX's balancer found no node to send the request to (its
		// service discovery holds none, or none is healthy).
		return CatLuaBalancer
	case isLuaBalancer(m, ev):
		// A Lua balancer that failed to resolve its target (Kong's
		// "DNS resolution failed", "failed the initial dns/balancer
		// resolve") is a DNS fault: the fix is in the resolver.
		if has("DNS resolution failed") || has("dns/balancer resolve") || has("dns server error") {
			return CatResolver
		}
		return CatLuaBalancer
	case has("is turned up"), has("enable check peer"):
		// lua-resty-upstream-healthcheck and nginx_upstream_check_module
		// putting a peer back: a recovery, not a failure.
		return CatHealthcheckUp
	case has("healthcheck") || has("health check") || has("marked down") || has("is turned down") || has("all marked down"),
		// nginx_upstream_check_module (Tengine's checker too): a failed
		// probe and the peer it then disables.
		has("disable check peer"), has("check time out with peer"), has("error with peer:") && strings.HasPrefix(m, "check "):
		return CatHealthcheckDown
	case has("worker_connections are not enough"), has("failed to create fake connection"):
		return CatWorkerConnections
	case errno == 24:
		return CatTooManyFiles
	case has("SSL") && (strings.Contains(ev.Phase, "SSL handshaking to upstream") || has("upstream SSL")):
		return CatSSLUpstream
	case clientSide(ev.Phase) && !namesUpstream(m):
		// The client's side of the proxy: a reset or a close there is the
		// client going away; anything else (a TLS version it lacks) is not
		// about the upstream at all. A message that names the upstream
		// (it closed early while its body was being relayed) still counts
		// against the upstream.
		if errno == 104 || errno == 32 || has("peer closed connection") || has("client timed out") || has("client closed") || has("client prematurely") {
			return CatClientClosed
		}
		return CatOther
	case has("upstream sent too big header"):
		return CatTooBigHeader
	case has("upstream sent invalid") || has("upstream sent no valid") || has("upstream sent duplicate") || has("upstream sent unexpected"):
		return CatInvalidHeader
	case has("could not be resolved") || has("no resolver defined") || has("host not found") || strings.Contains(ev.Phase, "while resolving"):
		return CatResolver
	case luaSocketErrno(ev, errno), luaReportsSocketError(m):
		return CatLuaSocket
	case errno != 0 && errno != 24 && notAboutUpstream(m, ev.Phase):
		// An errno from a file (nginx opening its own log) or from the
		// syslog socket nginx logs to is no upstream's fault: "13:
		// Permission denied" there is not SELinux blocking a connect.
		return CatOther
	case unix && (errno == 11 || errno == 2):
		return CatSocketUnavailable
	case errno == 13:
		return CatPermissionDenied
	case errno == 111:
		return CatConnectRefused
	case has("client prematurely closed") || has("client closed") || has("client timed out"):
		return CatClientClosed
	case has("upstream timed out") || errno == 110:
		switch {
		case strings.Contains(ev.Phase, "connecting to upstream"):
			return CatConnectTimeout
		case strings.Contains(ev.Phase, "sending request"):
			return CatSendTimeout
		}
		return CatReadTimeout
	case has("upstream prematurely closed"):
		return CatPrematureClose
	case errno == 104:
		return CatConnReset
	case errno == 32:
		return CatBrokenPipe
	case errno == 99:
		return CatAddrUnavailable
	case errno == 113 || errno == 101:
		return CatUnreachable
	}
	return CatOther
}

// isLuaBalancer recognises a balancer_by_lua that set no usable peer:
// OpenResty's and ingress-nginx's messages, and the 0.0.0.1 placeholder peer
// nginx falls back to when no peer was set.
func isLuaBalancer(m string, ev *Event) bool {
	if strings.HasPrefix(ev.Peer, "0.0.0.1:") {
		return true
	}
	if strings.Contains(m, "balancer_by_lua") || strings.Contains(m, "no peer was returned") ||
		strings.Contains(m, "set_current_peer") || strings.Contains(m, "failed to get peer") {
		return true
	}
	return strings.Contains(m, "balancer") && (strings.Contains(m, "[lua]") || strings.Contains(m, "lua "))
}

// luaSocketErrno recognises a connection error on a socket that is not
// nginx's upstream: nginx names the upstream and the phase ("while
// connecting to upstream", upstream: "…") for every failure of its own
// proxying, so an errno line without either, in a request's context or a
// Lua timer's ("context: ngx.timer"), comes from a Lua cosocket.
func luaSocketErrno(ev *Event, errno int) bool {
	switch errno {
	case 104, 111, 110, 32, 113:
	default:
		return false
	}
	if ev.Phase != "" || ev.Upstream != "" || ev.Peer != "" {
		return false
	}
	return ev.Client != "" || strings.Contains(ev.Line, "context: ngx.timer")
}

// luaReportsSocketError recognises Lua code logging a cosocket's error
// string ("[lua] …: failed to read …: connection reset by peer"), which
// lua-nginx-module returns as "connection reset by peer", "connection
// refused", "timeout" or "closed".
func luaReportsSocketError(m string) bool {
	if !strings.Contains(m, "[lua]") {
		return false
	}
	for _, e := range []string{": connection reset by peer", ": connection refused", ": timeout", ": closed"} {
		if strings.HasSuffix(m, e) {
			return true
		}
	}
	return false
}

// clientSide reports phases about the client's connection, not the
// upstream's: "while SSL handshaking" (to the client; to an upstream nginx
// says "SSL handshaking to upstream"), "while sending to client", "while
// reading client request headers", "while waiting for request".
func clientSide(phase string) bool {
	if phase == "" || strings.Contains(phase, "upstream") {
		return false
	}
	return strings.Contains(phase, "SSL handshaking") || strings.Contains(phase, "to client") ||
		strings.Contains(phase, "client request") || strings.Contains(phase, "waiting for request") ||
		strings.Contains(phase, "PROXY protocol")
}

// namesUpstream reports whether nginx's message blames the upstream in its
// own words, whatever phase the request was in.
func namesUpstream(m string) bool {
	return strings.Contains(m, "upstream prematurely closed") || strings.Contains(m, "upstream timed out") || strings.Contains(m, "upstream sent")
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// fileCalls are the system calls whose failures nginx reports about files,
// never about a connection to an upstream.
var fileCalls = []string{"open()", "stat()", "opendir()", "rename()", "unlink()", "mkdir()", "CreateFile()", "could not open"}

// notAboutUpstream reports an errno message about a file or about the
// syslog socket nginx logs to.
func notAboutUpstream(m, phase string) bool {
	if strings.Contains(phase, "logging to syslog") || strings.Contains(m, "to syslog failed") {
		return true
	}
	if strings.Contains(phase, "upstream") {
		return false
	}
	for _, call := range fileCalls {
		if strings.Contains(m, call) {
			return true
		}
	}
	return false
}
