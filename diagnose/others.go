package diagnose

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/words"
)

// badUpstreamResponse: too big or invalid response headers. score(0.5,
// 0.45, share).
func badUpstreamResponse(in ruleInput) (Cause, bool) {
	big, inv := in.cat(logparse.CatTooBigHeader), in.cat(logparse.CatInvalidHeader)
	if big+inv == 0 {
		return Cause{}, false
	}
	peers := in.peerList(logparse.CatTooBigHeader, logparse.CatInvalidHeader)
	var steps []Step
	if big > 0 {
		buf, known := in.setting(func(s *audit.Settings) audit.Setting { return s.BufferSize })
		now := "nginx's default, one memory page (4k or 8k)"
		if known && buf.Written() {
			now = buf.Value + " at " + buf.At
		}
		steps = append(steps, step(fmt.Sprintf("Raise proxy_buffer_size (now %s) above the size of %s's largest response header, with proxy_buffers to match. The log does not say how large the header was: measure it, \"curl -s -o /dev/null -D - %s | wc -c\", or trim the headers (often large cookies or tracing data).", now, peers, probeURL(in, logparse.CatTooBigHeader)), buf.At))
	}
	ev := []string{fmt.Sprintf("%d× upstream sent too big header, %d× upstream sent invalid header", big, inv)}
	if inv > 0 {
		// nginx quotes the start of the header it refused.
		if msg := in.ev.Examples[logparse.CatInvalidHeader].Message; strings.Contains(msg, ": \"") {
			ev = append(ev, "as the error line shows it: "+msg)
		}
		steps = append(steps, step(fmt.Sprintf("Fix %s's responses: a valid status line, header names without spaces or control bytes (\"curl -v %s\" shows what it sends; a wrong protocol, such as HTTP to an HTTPS port, gives this too).", peers, probeURL(in, logparse.CatInvalidHeader)), ""))
	}
	return Cause{
		ID: CauseBadUpstreamResponse, Confidence: score(0.5, 0.45, in.share(big+inv)),
		Summary: fmt.Sprintf("%s sent responses nginx could not accept during %s: %d× header too big for proxy_buffer_size, %d× invalid header.",
			peers, in.window(), big, inv),
		Evidence: ev,
		Steps:    steps,
	}, true
}

// probeURL is a URL to ask the peer directly: the one the first error
// line of the category names, else the peer with the burst's most hit
// path, else placeholders.
func probeURL(in ruleInput, cat logparse.Category) string {
	if u := in.ev.Examples[cat].Upstream; strings.HasPrefix(u, "http") && !strings.ContainsAny(u, "'\" ") {
		return "'" + u + "'"
	}
	path := "/PATH"
	if len(in.ev.URLs) > 0 && !strings.Contains(in.ev.URLs[0].Key, "*") {
		path = in.ev.URLs[0].Key
	}
	peer := "PEER"
	if ps := in.peers(cat); len(ps) == 1 {
		peer = ps[0]
	}
	return "http://" + peer + path
}

// resourceExhaustion: nginx ran out of connections or file descriptors.
// score(0.55, 0.4, share).
func resourceExhaustion(in ruleInput) (Cause, bool) {
	wc, fd := in.cat(logparse.CatWorkerConnections), in.cat(logparse.CatTooManyFiles)
	if wc+fd == 0 {
		return Cause{}, false
	}
	var steps []Step
	if fd > 0 {
		limit := in.main(func(s *audit.Settings) audit.Setting { return s.FileLimit })
		now := "not set in nginx.conf: the system's limit applies"
		if in.ev.Main == nil {
			now = "nginx.conf not given"
		}
		if limit.Written() {
			now = "now " + limit.Value + " at " + limit.At
		}
		steps = append(steps, step(fmt.Sprintf("Raise nginx's file limit: \"worker_rlimit_nofile\" (%s) and the service's own limit (systemd LimitNOFILE, the container's ulimit); each proxied request holds two descriptors, more with buffering to disk.", now), limit.At))
	}
	if wc > 0 {
		conns := in.main(func(s *audit.Settings) audit.Setting { return s.WorkerConns })
		now := valueAt(conns, "worker_connections")
		if in.ev.Main == nil {
			now = "512 by default"
		}
		steps = append(steps, step(fmt.Sprintf("Raise \"worker_connections\" (%s): each proxied request uses two connections, the client's and the upstream's.", now), conns.At))
	}
	steps = append(steps, harden("Find what held the connections: a slow upstream makes requests pile up (the timeouts around the burst say which); upstream keepalive lowers the count.", ""))
	// The limit is nginx's, not a request's: it is met first where nginx
	// accepts clients (accept4() failed, clients the access log never
	// shows), often seconds before a request fails for it.
	window := in.window()
	ev := []string{fmt.Sprintf("%d× worker_connections, %d× errno 24", wc, fd)}
	earlier := in.ev.Prelude[logparse.CatWorkerConnections] + in.ev.Prelude[logparse.CatTooManyFiles]
	if earlier > 0 {
		ev[0] += " in the seconds of the failed requests"
		first := in.ev.Start
		for _, cat := range []logparse.Category{logparse.CatWorkerConnections, logparse.CatTooManyFiles} {
			if t := in.ev.PreludeFirst[cat]; in.ev.Prelude[cat] > 0 && t.Before(first) {
				first = t
			}
		}
		window = first.Format("15:04:05") + "–" + in.ev.End.Format("15:04:05")
		ev = append(ev, fmt.Sprintf("%s before the first failed request, from %s: nginx failing to accept clients or open sockets, which the access log does not show",
			words.Count(earlier, "such error line"), first.Format("15:04:05")))
	}
	return Cause{
		ID: CauseResourceExhaustion, Confidence: score(0.55, 0.4, in.share(wc+fd)),
		Summary:  fmt.Sprintf("nginx ran out of resources during %s: %d× worker_connections not enough, %d× too many open files.", window, wc+in.ev.Prelude[logparse.CatWorkerConnections], fd+in.ev.Prelude[logparse.CatTooManyFiles]),
		Evidence: ev,
		Steps:    steps,
	}, true
}

// socketUnavailable: a unix-socket upstream (php-fpm's classic) could not
// be connected to, and errno says why: 11, every worker busy and the
// listen queue full; 2, no socket file: the service is not running (a
// graceful stop removes it); 13, nginx may not open it. Each has its own
// fix. score(0.55, 0.4, share).
func socketUnavailable(in ruleInput) (Cause, bool) {
	su, pd := in.cat(logparse.CatSocketUnavailable), in.cat(logparse.CatPermissionDenied)
	if su+pd == 0 {
		return Cause{}, false
	}
	sock := in.peerList(logparse.CatSocketUnavailable, logparse.CatPermissionDenied)
	full, missing := in.ev.SocketErrnos[11], in.ev.SocketErrnos[2]
	path := "PATH"
	if ps := in.peers(logparse.CatSocketUnavailable, logparse.CatPermissionDenied); len(ps) > 0 {
		path = strings.TrimPrefix(ps[0], "unix:")
	}
	var steps []Step
	var parts, ev []string
	if full > 0 {
		parts = append(parts, fmt.Sprintf("%d× its listen queue full (errno 11: every worker busy)", full))
		ev = append(ev, fmt.Sprintf("%d× connect() to the socket failed (11: Resource temporarily unavailable)", full))
	}
	if missing > 0 {
		parts = append(parts, fmt.Sprintf("%d× no socket file (errno 2: the service is not running, or listens on another path)", missing))
		ev = append(ev, fmt.Sprintf("%d× connect() to the socket failed (2: No such file or directory)", missing))
	}
	if other := su - full - missing; other > 0 {
		// Lines whose errno was not told apart (a synthetic or foreign
		// text): both readings stay open.
		parts = append(parts, fmt.Sprintf("%d× unavailable (a full listen queue, errno 11, or no socket file, errno 2)", other))
		ev = append(ev, fmt.Sprintf("%d× errno 11/2 on a unix: upstream", other))
		full += other
		missing += other
	}
	if pd > 0 {
		parts = append(parts, fmt.Sprintf("%d× permission denied (errno 13)", pd))
		ev = append(ev, fmt.Sprintf("%d× errno 13", pd))
	}
	switch {
	case missing > 0 && full > 0 && missing == full:
		steps = append(steps, step(fmt.Sprintf("Check that the service behind %s runs and listens on that path (\"ss -lxp | grep %s\"); if it does, every worker was busy: find what holds them (php-fpm's slowlog) and size the pool, pm.max_children and listen.backlog.", sock, path), ""))
	case missing > full:
		steps = append(steps, step(fmt.Sprintf("The service behind %s is not running (or listens elsewhere): start it and find why it stopped (\"systemctl status\" of php-fpm or the service, its log); \"ss -lxp | grep %s\" shows whether anything listens on that path, which must be the one fastcgi_pass (or proxy_pass) names.", sock, path), ""))
	case full > 0:
		steps = append(steps, step(fmt.Sprintf("Every worker behind %s was busy: find what holds them (php-fpm's slowlog, request_slowlog_timeout; its status page's active processes), a slow script or a slow dependency, and fix that; then size the pool for the load: pm.max_children (memory allowing), and listen.backlog with net.core.somaxconn for short peaks.", sock), ""))
	}
	if pd > 0 {
		steps = append(steps, step("Give nginx's user access to the socket (php-fpm: listen.owner, listen.group, listen.mode); SELinux denials show in the audit log.", ""))
	}
	return Cause{
		ID: CauseSocketUnavailable, Confidence: score(0.55, 0.4, in.share(su+pd)),
		Summary:  fmt.Sprintf("nginx could not connect to the unix socket %s during %s: %s.", sock, in.window(), strings.Join(parts, ", ")),
		Evidence: ev,
		Steps:    steps,
	}, true
}

// resolverFailure: nginx could not resolve the upstream's name at run time
// (proxy_pass with a variable, or resolve on a server). score(0.55, 0.4,
// share).
func resolverFailure(in ruleInput) (Cause, bool) {
	n := in.cat(logparse.CatResolver)
	if n == 0 {
		return Cause{}, false
	}
	var names []string
	for _, c := range in.ev.ResolveNames {
		names = append(names, c.Key)
	}
	host := "the upstream's host name"
	if len(names) > 0 {
		host = strings.Join(names, ", ")
	}
	ev := []string{fmt.Sprintf("%d× could not be resolved / resolver errors", n)}
	res, known := in.setting(func(s *audit.Settings) audit.Setting { return s.Resolver })
	var steps []Step
	switch {
	case known && !res.Written():
		ev = append(ev, "no resolver directive is in force for this group in nginx.conf")
		steps = append(steps, step(fmt.Sprintf("Add \"resolver ADDRESS valid=30s;\" where %s is proxied (the DNS server nginx's host uses: /etc/resolv.conf, 127.0.0.11 in Docker, kube-dns's address in Kubernetes).", in.ev.Group), ""))
	case known:
		ev = append(ev, "resolver "+res.Value+" at "+res.At)
		steps = append(steps, step(fmt.Sprintf("Ask that resolver from nginx's host: \"dig @SERVER %s\" (SERVER from resolver %s). It did not answer (a timeout) or said the name does not exist: fix the name or point resolver at a server that knows it.", firstName(names), res.Value), res.At))
	default:
		steps = append(steps, step(fmt.Sprintf("Ask nginx's resolver from nginx's host: \"dig @SERVER %s\", SERVER from its resolver directive; point resolver at a DNS server that answers from nginx's network (127.0.0.11 in Docker, kube-dns in Kubernetes), with \"resolver_timeout 5s;\".", firstName(names)), ""))
	}
	steps = append(steps, harden("Or name the peers in an upstream block, resolved once at start-up (reload nginx when their addresses change).", ""))
	return Cause{
		ID: CauseResolverFailure, Confidence: score(0.55, 0.4, in.share(n)),
		Summary:  fmt.Sprintf("nginx could not resolve %s during %s: %d resolver failures for %d bad responses.", host, in.window(), n, in.ev.Bad),
		Evidence: ev,
		Steps:    steps,
	}, true
}

func firstName(names []string) string {
	if len(names) == 0 {
		return "NAME"
	}
	return names[0]
}

// connectFailed reads the access log alone: bad attempts whose
// $upstream_connect_time is "-" never connected (refused, timed out or
// unreachable). Only without an error log: nginx logs each such failure
// at level error, so a given one that is silent contradicts it.
// score(0.35, 0.3, share).
func connectFailed(in ruleInput) (Cause, bool) {
	if in.ev.NeverConnected == 0 || !in.errorLogSilent() || in.ev.ErrorLogGiven {
		return Cause{}, false
	}
	return Cause{
		ID: CauseConnectFailed, Confidence: score(0.35, 0.3, in.share(in.ev.NeverConnected)),
		Summary: fmt.Sprintf("%d of %d 502s on %s never connected to a peer ($upstream_connect_time is \"-\") during %s: refused, timed out or unreachable.",
			in.ev.NeverConnected, in.ev.Bad, in.ev.Group, in.window()),
		Evidence: []string{fmt.Sprintf("%d attempts answered 502 without a connect time", in.ev.NeverConnected)},
		Steps: []Step{
			step("Check that the peers listen and are reachable from nginx's host (\"ss -ltnp\" on theirs, a connect from nginx's).", ""),
			step("Give badgw the error.log of the same period: it tells refused (111), timed out (110) and unreachable (113) apart, and the fix differs.", ""),
		},
	}, true
}

// noResponse reads the access log alone: bad attempts that connected
// but have no $upstream_header_time got no response header (the peer
// closed or reset the connection). Only without an error log, as
// connectFailed. score(0.35, 0.3, share).
func noResponse(in ruleInput) (Cause, bool) {
	if in.ev.NoHeader == 0 || !in.errorLogSilent() || in.ev.ErrorLogGiven {
		return Cause{}, false
	}
	return Cause{
		ID: CauseNoResponse, Confidence: score(0.35, 0.3, in.share(in.ev.NoHeader)),
		Summary: fmt.Sprintf("%d of %d 502s on %s connected but got no response header ($upstream_header_time is \"-\") during %s: the peer closed or reset the connection.",
			in.ev.NoHeader, in.ev.Bad, in.ev.Group, in.window()),
		Evidence: []string{fmt.Sprintf("%d attempts answered 502 after connecting, without a header time", in.ev.NoHeader)},
		Steps: []Step{
			step("Look at the peer's own log for the requests it dropped at "+in.ev.Start.Format("15:04:05")+".", ""),
			step("Give badgw the error.log of the same period: it tells a premature close from a reset, and a keep-alive race (the backend's idle timeout shorter than nginx's) from a crash.", ""),
		},
	}, true
}

// unknown is reported when no rule has enough evidence.
func unknown(in ruleInput) Cause {
	return Cause{
		ID: CauseUnknown, Confidence: 0.1,
		Summary:  fmt.Sprintf("No rule found enough evidence for the %d bad responses on %s during %s.", in.ev.Bad, in.ev.Group, in.window()),
		Evidence: []string{fmt.Sprintf("%d of %d bad responses joined to an error.log line", in.ev.Joined, in.ev.Bad)},
		Steps: []Step{
			step("Give badgw the error.log of the same period (at level warn or lower).", ""),
			step("Log \"$upstream_addr $upstream_status $upstream_connect_time $upstream_header_time $upstream_response_time $connection\" in the access log, then run it again.", ""),
		},
	}
}
