// Package explain says, for one log line, what it means for the request
// and what usually fixes it: what `badgw explain` prints for a line pasted
// from a ticket. The advice follows the line's own evidence (the phase a
// timeout names, the errno, the peer), never a fixed text per category.
package explain

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/diagnose"
	"github.com/badgw/badgw/logparse"
)

// Advice is what one error line says.
type Advice struct {
	Meaning string   // what happened to the request
	Cause   string   // the cause identifier a burst of these would get, "" if none
	Fixes   []string // what usually fixes it, most likely first
}

// reuseConnections is the fix for connection churn, wherever errno 99 may
// come from it.
const reuseConnections = "Reuse upstream connections: keepalive N in the upstream block, proxy_http_version 1.1 and proxy_set_header Connection \"\" in the location."

// ErrorLine explains an error.log entry.
func ErrorLine(ev *logparse.Event) Advice {
	peer := ev.Peer
	if peer == "" {
		peer = "the upstream"
	}
	switch ev.Category {
	case logparse.CatNoLiveUpstreams:
		return Advice{
			Meaning: fmt.Sprintf("nginx had no live peer in upstream %s: every peer was marked down (max_fails within fail_timeout), so it answered 502 without trying any.", peer),
			Cause:   "all_peers_down",
			Fixes: []string{
				"Find what marked the peers down just before: the error lines of the previous fail_timeout (10s by default) for those peers.",
				"If application errors marked them down, drop http_500 (and http_502/503/504 unless they mean the peer is dead) from proxy_next_upstream.",
				"Give the group room: max_fails/fail_timeout that one bad second cannot trip, a backup server.",
			},
		}
	case logparse.CatConnectRefused:
		if sock, ok := strings.CutPrefix(peer, "unix:"); ok {
			return Advice{
				Meaning: fmt.Sprintf("nginx could not connect: the socket file %s is there but nothing listens on it (connection refused), as when the service was killed and left it behind.", sock),
				Cause:   "peer_refused",
				Fixes: []string{
					fmt.Sprintf("Start the service behind %s (\"ss -lxp | grep %s\" lists what listens on it) and find why it died: its log, the service manager's, dmesg for an OOM kill.", peer, sock),
				},
			}
		}
		return Advice{
			Meaning: fmt.Sprintf("nginx could not connect: nothing is listening on %s (connection refused).", peer),
			Cause:   "peer_refused",
			Fixes: []string{
				fmt.Sprintf("Check the service behind %s: is it running, on that address and port (ss -ltnp on its host)?", peer),
				"If it restarts, restart it gracefully and run more than one peer, so proxy_next_upstream error can retry elsewhere.",
			},
		}
	case logparse.CatConnectTimeout:
		return Advice{
			Meaning: fmt.Sprintf("nginx's connection to %s was not accepted within proxy_connect_timeout: the peer's listen queue is full, or SYNs are dropped on the way (firewall, overload). This is a 504, not a 502.", peer),
			Cause:   "upstream_timeout",
			Fixes: []string{
				fmt.Sprintf("Check that %s accepts connections (its accept queue: ss -ltn shows Recv-Q at the backlog), and that no firewall drops them.", peer),
				"Keep proxy_connect_timeout short (a few seconds) and let proxy_next_upstream timeout try another peer; raising proxy_read_timeout does nothing here.",
			},
		}
	case logparse.CatReadTimeout:
		return Advice{
			Meaning: fmt.Sprintf("%s accepted the request but did not answer within proxy_read_timeout (a 504).", peer),
			Cause:   "upstream_timeout",
			Fixes: []string{
				"Find what made the backend slow at that moment (its own latency, database, GC).",
				"Raise proxy_read_timeout only if such slow answers are legitimate for that location.",
			},
		}
	case logparse.CatSendTimeout:
		return Advice{
			Meaning: fmt.Sprintf("%s did not read the request (its body) within proxy_send_timeout.", peer),
			Cause:   "upstream_timeout",
			Fixes: []string{
				"Check the backend reads request bodies promptly (upload handling, a full worker pool).",
				"For large uploads, raise proxy_send_timeout or let nginx buffer the body (proxy_request_buffering on).",
			},
		}
	case logparse.CatPrematureClose, logparse.CatConnReset, logparse.CatBrokenPipe:
		what := "closed the connection without a complete answer"
		if ev.Category == logparse.CatConnReset {
			what = "reset the connection"
		}
		if ev.Category == logparse.CatBrokenPipe {
			what = "closed the connection while nginx was still sending the request"
		}
		meaning := fmt.Sprintf("%s %s (%s).", peer, what, phaseOr(ev, "while nginx waited for it"))
		if strings.Contains(ev.Phase, "reading upstream") {
			// After the header: nginx had already sent the status (often
			// a 200) to the client, and the body was cut short.
			meaning += " This was after the response header: the status was already sent to the client, so the access log shows it (often 200), and the body was cut short."
		}
		return Advice{
			Meaning: meaning,
			Cause:   "backend_hangup",
			Fixes: []string{
				"Look at the backend's own log at that moment: a worker killed or restarted (OOM, max requests), a request it rejects, a proxy in front of it with a shorter timeout.",
				"If connections to the same peer are refused seconds later, the process crashed and came back (cause backend_crash): one line cannot show that, a burst of them can.",
				"With upstream keepalive, a backend idle timeout shorter than nginx's keepalive_timeout closes reused connections: set nginx's below the backend's (its own idle-timeout setting says what it is).",
			},
		}
	case logparse.CatAddrUnavailable:
		if strings.HasPrefix(ev.Peer, "[") {
			// connect() to an IPv6 peer from a host or container without
			// IPv6 fails the same way: "localhost" resolved to ::1 first.
			return Advice{
				Meaning: fmt.Sprintf("nginx could not connect to %s from any local address (errno 99): this host or container most likely has no IPv6 address, and the name resolved to IPv6 first; running out of local ports also gives errno 99.", peer),
				Cause:   "connect_failed",
				Fixes: []string{
					"Point proxy_pass at the IPv4 address (127.0.0.1 rather than localhost), or, where nginx resolves the name at run time, add ipv6=off to the resolver directive.",
					"If the host does have IPv6, look at connection churn instead. " + reuseConnections,
				},
			}
		}
		return Advice{
			Meaning: "nginx had no local port left to connect from (errno 99): connection churn, each request opening a new upstream connection and leaving it in TIME_WAIT.",
			Cause:   "no_keepalive",
			Fixes: []string{
				reuseConnections,
				"Meanwhile widen net.ipv4.ip_local_port_range.",
			},
		}
	case logparse.CatUnreachable:
		return Advice{
			Meaning: fmt.Sprintf("%s could not be reached at all (no route to the host or network).", peer),
			Cause:   "connect_failed",
			Fixes:   []string{"Check routing and addresses: an IPv6 peer on a host without IPv6, a stale address, a network policy."},
		}
	case logparse.CatTooBigHeader:
		return Advice{
			Meaning: fmt.Sprintf("%s answered with response headers larger than proxy_buffer_size, so nginx gave up and answered 502.", peer),
			Cause:   "bad_upstream_response",
			Fixes: []string{
				"Measure the backend's header size (curl -sI to the backend, and count the bytes), then set proxy_buffer_size above it and proxy_buffers to match; or make the backend send smaller headers (cookies).",
			},
		}
	case logparse.CatInvalidHeader:
		return Advice{
			Meaning: fmt.Sprintf("%s answered with a response nginx could not parse as HTTP.", peer),
			Cause:   "bad_upstream_response",
			Fixes:   []string{"Check what the backend sends (curl -v to it directly); a wrong protocol (HTTP to an HTTPS or FastCGI port) gives this too."},
		}
	case logparse.CatSSLUpstream:
		code, reason, _ := logparse.SSLReason(ev.Message)
		what, lever := diagnose.TLSReading(code, reason)
		return Advice{
			Meaning: fmt.Sprintf("TLS with %s failed: %s, so nginx answered 502.", peer, what),
			Cause:   "ssl_upstream",
			Fixes:   []string{lever},
		}
	case logparse.CatPeerDisabled:
		return Advice{
			Meaning: fmt.Sprintf("%s reached max_fails within fail_timeout and is out of rotation until fail_timeout passes.", peer),
			Cause:   "all_peers_down",
			Fixes:   []string{"See what failed on it just before; if every peer of the group gets here, nginx answers \"no live upstreams\"."},
		}
	case logparse.CatHealthcheckUp:
		return Advice{
			Meaning: "A health checker put a peer back into rotation: it passed its probes again. Not a failure; the \"turned down\" line before it says when it left.",
		}
	case logparse.CatHealthcheckDown:
		return Advice{
			Meaning: "A health checker took a peer out of rotation (or a probe of it failed).",
			Cause:   "healthcheck_marked_down",
			Fixes:   []string{"Check the checker's thresholds (fall, rise, interval, timeout): one slow check should not mark a healthy peer down."},
		}
	case logparse.CatLuaBalancer:
		if name := logparse.HostNotAllowed(ev.Message); name != "" {
			return Advice{
				Meaning: fmt.Sprintf("The Lua balancer handed set_current_peer a host name (%s), which it refuses: it takes an IP address (\"no host allowed\"), so the request had no peer and the Lua code ended it.", name),
				Cause:   "lua_balancer",
				Fixes:   []string{fmt.Sprintf("Resolve %s before the balancer runs and pass set_current_peer the address%s: a resolver in the Lua code (lua-resty-dns, its answers cached), or a peer list that holds addresses in the first place.", name, luaCallNear(ev.Message))},
			}
		}
		return Advice{
			Meaning: "The Lua balancer set no usable peer for this request, so nginx fell back to the placeholder (0.0.0.1) or gave up.",
			Cause:   "lua_balancer",
			Fixes:   []string{"Every path of the balancer must set a peer (set_current_peer, checking its error) or end the request; check the endpoint list it reads is current."},
		}
	case logparse.CatKeepaliveFailure:
		return Advice{
			Meaning: "Lua code could not put a connection back into its keep-alive pool.",
			Cause:   "",
			Fixes:   []string{"Release connections on every path and close() them when set_keepalive fails; size the pool to the concurrency."},
		}
	case logparse.CatWorkerConnections:
		return Advice{
			Meaning: "nginx ran out of worker connections: each proxied request needs two.",
			Cause:   "resource_exhaustion",
			Fixes:   []string{"Raise worker_connections, and worker_rlimit_nofile with the service's open-file limit."},
		}
	case logparse.CatTooManyFiles:
		return Advice{
			Meaning: "nginx ran out of file descriptors (too many open files): it answers 500 or drops connections.",
			Cause:   "resource_exhaustion",
			Fixes:   []string{"Raise worker_rlimit_nofile and the service's limit (LimitNOFILE in systemd), and look for leaked connections."},
		}
	case logparse.CatPermissionDenied:
		return Advice{
			Meaning: fmt.Sprintf("nginx was not allowed to connect to %s (permission denied): SELinux, or a unix socket's mode.", peer),
			Cause:   "socket_unavailable",
			Fixes:   []string{"With SELinux: setsebool -P httpd_can_network_connect 1. For a unix socket: its owner and mode must let nginx's user connect (listen.owner/listen.mode for php-fpm)."},
		}
	case logparse.CatSocketUnavailable:
		if ev.LinuxErrno() == 2 {
			return Advice{
				Meaning: fmt.Sprintf("The unix socket %s does not exist: the service behind it is not running (a graceful stop removes its socket), or listens on another path.", peer),
				Cause:   "socket_unavailable",
				Fixes:   []string{fmt.Sprintf("Start the service and find why it stopped; \"ss -lxp | grep %s\" shows what listens, and the path must be the one fastcgi_pass (or proxy_pass) names.", strings.TrimPrefix(peer, "unix:"))},
			}
		}
		return Advice{
			Meaning: fmt.Sprintf("The listen queue of the unix socket %s was full (errno 11): every worker of the pool was busy.", peer),
			Cause:   "socket_unavailable",
			Fixes:   []string{"Find what holds the workers (php-fpm's slowlog, its status page), then size the pool: pm.max_children, and listen.backlog with net.core.somaxconn."},
		}
	case logparse.CatResolver:
		return Advice{
			Meaning: "nginx could not resolve the upstream's host name at run time.",
			Cause:   "resolver_failure",
			Fixes:   []string{"Point resolver at a DNS server that answers from nginx's network, with valid= and resolver_timeout; or name the upstream in an upstream block, resolved at start."},
		}
	case logparse.CatClientClosed:
		return Advice{
			Meaning: "The client went away before nginx answered (a 499): not an upstream failure, unless the upstream was too slow for the client's patience.",
		}
	}
	return Advice{Meaning: "Not an upstream failure that badgw recognises."}
}

// phaseOr is the line's phase, or def when it names none.
func phaseOr(ev *logparse.Event, def string) string {
	if ev.Phase != "" {
		return strings.TrimSpace(ev.Phase)
	}
	return def
}

// luaCallNear points at the Lua line that logged the message, where the
// failing call is; "" when the message does not say.
func luaCallNear(msg string) string {
	if src := logparse.LuaSource(msg); src != "" {
		return " (the call is near " + src + ", the Lua line that logged the error)"
	}
	return ""
}
