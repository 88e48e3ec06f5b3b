package diagnose

import (
	"fmt"
	"strings"

	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/words"
)

// staleFailures counts connect failures to peers a Lua balancer picked:
// peers not in the group's server lines (those hold only the 0.0.0.1
// placeholder), which refused, timed out connecting or were unreachable.
func (in ruleInput) staleFailures() (int, []string) {
	if !in.behindLuaBalancer() {
		return 0, nil
	}
	n := 0
	seen := map[string]bool{}
	var peers []string
	for _, c := range []logparse.Category{logparse.CatConnectRefused, logparse.CatConnectTimeout, logparse.CatUnreachable} {
		for _, p := range in.ev.CatPeers[c] {
			if p.Key == "" || strings.HasPrefix(p.Key, "0.0.0.1:") {
				continue
			}
			if _, _, listed := in.server(p.Key); listed {
				continue
			}
			n += p.N
			if !seen[p.Key] {
				seen[p.Key] = true
				peers = append(peers, p.Key)
			}
		}
	}
	return n, peers
}

// luaBalancer: balancer_by_lua set no usable peer (balancer errors, the
// 0.0.0.1 placeholder: score(0.5, 0.45, their share)), or picked endpoints
// that no longer serve (connect failures to peers behind the balancer:
// score(0.4, 0.5, their share)).
func luaBalancer(in ruleInput) (Cause, bool) {
	n := max(in.cat(logparse.CatLuaBalancer), in.ev.Placeholder)
	stale, stalePeers := in.staleFailures()
	if n == 0 && stale == 0 {
		return Cause{}, false
	}
	if len(in.ev.HostNotAllowed) > 0 {
		return hostNotAllowed(in, n)
	}
	ev := []string{fmt.Sprintf("%d× lua balancer errors in error.log", in.cat(logparse.CatLuaBalancer))}
	if in.ev.Placeholder > 0 {
		// Only a count there is: "0 502s" beside an episode of 500s says
		// nothing.
		ev = append(ev, fmt.Sprintf("%s with the placeholder peer 0.0.0.1 in $upstream_addr", words.Count(in.ev.Placeholder, "bad response")))
	}
	if in.share(stale) > in.share(n) {
		list := strings.Join(stalePeers, ", ")
		ev = []string{fmt.Sprintf("%d× connect failures (refused, timed out, unreachable) to %s, which the balancer picked and nginx.conf does not list", stale, list)}
		return Cause{
			ID: CauseLuaBalancer, Confidence: score(0.4, 0.5, in.share(stale)),
			Summary: fmt.Sprintf("The Lua balancer of %s kept sending requests to %s, which no longer served (%d connect failures during %s): stale endpoints its list still held after they went away (a terminated pod, a deregistered instance).",
				in.ev.Group, list, stale, in.window()),
			Evidence: ev,
			Steps: []Step{
				step(fmt.Sprintf("Find why the balancer's endpoint list still held %s: the service discovery it reads (for ingress-nginx, the Service's EndpointSlices: \"kubectl get endpointslices -l kubernetes.io/service-name=NAME\"); an endpoint must leave the list before it stops listening (a readiness probe, a preStop sleep longer than the list's refresh).", list), ""),
				harden("Let a request that meets a dead endpoint be retried on another: \"balancer.set_more_tries(1)\" in balancer_by_lua, with \"proxy_next_upstream error timeout\".", in.upstreamAt()),
			},
		}, true
	}
	steps := []Step{}
	if f, ok := in.finding("balancer-path-without-peer"); ok {
		ev = append(ev, findingEvidence(f))
		steps = append(steps, step("On the path that ends without a peer, call set_current_peer with a peer, or end the request explicitly after logging why (\"return ngx.exit(502)\").", f.Location.String()))
	} else {
		steps = append(steps, step("In balancer_by_lua, every path must call ngx.balancer.set_current_peer(host, port) and check its error, or end the request explicitly after logging why (\"return ngx.exit(502)\").", in.upstreamAt()))
	}
	steps = append(steps, step("Check the peer list the balancer reads (a health checker's state in lua_shared_dict, service discovery) for an empty pool at "+in.ev.Start.Format("15:04:05")+".", ""))
	return Cause{
		ID: CauseLuaBalancer, Confidence: score(0.5, 0.45, in.share(n)),
		Summary: fmt.Sprintf("The Lua balancer of %s picked no usable peer during %s: %s.",
			in.ev.Group, in.window(), balancerCounts(in.cat(logparse.CatLuaBalancer), in.ev.Placeholder)),
		Evidence: ev,
		Steps:    steps,
	}, true
}

// balancerCounts says what showed the balancer failing, leaving out what
// did not happen.
func balancerCounts(errors, placeholder int) string {
	var parts []string
	if errors > 0 {
		parts = append(parts, words.Count(errors, "balancer error"))
	}
	if placeholder > 0 {
		parts = append(parts, words.Count(placeholder, "request")+" sent to the 0.0.0.1 placeholder")
	}
	return strings.Join(parts, ", ")
}

// hostNotAllowed: the balancer handed set_current_peer a host name, which
// it refuses: it takes an IP address ("no host allowed"), so the request
// has no peer and the Lua code ends it (ingress-nginx answers 500). The
// names are listed without their ports, which are not what failed, and the
// fix points at the Lua line that logged the error, where the call is.
func hostNotAllowed(in ruleInput, n int) (Cause, bool) {
	var names []string
	seen := map[string]bool{}
	total := 0
	for _, c := range in.ev.HostNotAllowed {
		host := c.Key
		if i := strings.LastIndexByte(host, ':'); i > 0 && !strings.Contains(host[i:], "]") {
			host = host[:i]
		}
		if !seen[host] {
			seen[host] = true
			names = append(names, host)
		}
		total += c.N
	}
	list := strings.Join(names, ", ")
	who := "A Lua balancer"
	if !strings.HasPrefix(in.ev.Group, "(") {
		who = "The Lua balancer of " + in.ev.Group
	}
	where := ""
	if src := logparse.LuaSource(in.ev.Examples[logparse.CatLuaBalancer].Message); src != "" {
		where = fmt.Sprintf(" (the call is near %s, the Lua line that logged the error)", src)
	}
	return Cause{
		ID: CauseLuaBalancer, Confidence: score(0.5, 0.45, in.share(max(n, total))),
		Summary: fmt.Sprintf("%s handed set_current_peer a host name (%s) during %s, which it refuses: it takes an IP address (\"no host allowed\"), so %s had no peer and the Lua code ended them.",
			who, list, in.window(), words.Count(in.ev.Bad, "request")),
		Evidence: []string{fmt.Sprintf("%d× \"error while setting current upstream peer …: no host allowed\" for %s", total, list)},
		Steps: []Step{
			step(fmt.Sprintf("Resolve %s before the balancer runs and hand set_current_peer the address%s: a resolver in the Lua code (lua-resty-dns in init_worker or the access phase, its answers cached), or a peer list that holds addresses in the first place.", list, where), ""),
		},
	}, true
}

// healthcheckMarkedDown: a health checker (lua-resty-upstream-healthcheck,
// nginx_upstream_check_module) marked the peers down, and requests found
// none: score(0.5, 0.45, share of bad responses without a peer).
func healthcheckMarkedDown(in ruleInput) (Cause, bool) {
	hc := in.cat(logparse.CatHealthcheckDown) + in.ev.Prelude[logparse.CatHealthcheckDown]
	n := max(in.cat(logparse.CatNoLiveUpstreams), in.ev.GroupNamed, in.ev.Placeholder, in.cat(logparse.CatLuaBalancer))
	if hc == 0 || n == 0 {
		return Cause{}, false
	}
	ev := []string{
		fmt.Sprintf("%d× health checker lines (failed probes, peers turned down) in and just before the burst", hc),
		fmt.Sprintf("%d of %d bad responses found no live peer", n, in.ev.Bad),
	}
	if up := in.cat(logparse.CatHealthcheckUp); up > 0 {
		ev = append(ev, fmt.Sprintf("%s turning peers up again in the burst", words.Count(up, "checker line")))
	}
	var steps []Step
	if f, ok := in.finding("healthcheck-thresholds"); ok {
		ev = append(ev, findingEvidence(f))
		steps = append(steps, step("Make the checker tolerate one slow probe. "+strings.Join(f.Fix, " "), f.Location.String()))
	} else {
		steps = append(steps, step(fmt.Sprintf("See why the probes failed: the checker's lines name each peer and its error. If %s served requests meanwhile, the probe is stricter than the traffic (its timeout, its path, its expected status).", in.peerList(logparse.CatHealthcheckDown)), ""))
	}
	if f, ok := in.finding("healthcheck-shm-size"); ok {
		steps = append(steps, harden(f.Fix[0], f.Location.String()))
	}
	return Cause{
		ID: CauseHealthcheckDown, Confidence: score(0.5, 0.45, in.share(n)),
		Summary: fmt.Sprintf("The health checker marked the peers of %s down, so nginx had no live peer for %d requests during %s (%d checker lines).",
			in.ev.Group, n, in.window(), hc),
		Evidence: ev,
		Steps:    steps,
	}, true
}
