package diagnose

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/words"
)

func failTimeout(in ruleInput) (time.Duration, string) {
	if in.hasConf() && len(in.conf().Servers) > 0 {
		s := in.conf().Servers[0]
		if d, err := time.ParseDuration(s.FailTimeout); err == nil {
			return d, fmt.Sprintf("max_fails=%d fail_timeout=%s", s.MaxFails, s.FailTimeout)
		}
	}
	return 10 * time.Second, "max_fails=1 fail_timeout=10s, the defaults"
}

// retried5xx counts the 5xx answers that nginx went past in the status
// chains (every item but the last of a chain), and the 500s among them.
func retried5xx(chains []Count) (all, fiveHundred int) {
	for _, ch := range chains {
		items := strings.Split(ch.Key, ", ")
		for _, it := range items[:len(items)-1] {
			code, err := strconv.Atoi(strings.TrimSpace(it))
			if err != nil || code < 500 {
				continue
			}
			all += ch.N
			if code == 500 {
				fiveHundred += ch.N
			}
		}
	}
	return all, fiveHundred
}

// allPeersDown: nginx had no live peer ("no live upstreams", the group name
// in $upstream_addr). score(0.5, 0.4, share showing it), + 0.1 when the
// burst lasts about fail_timeout (peers come back then); × 0.6 behind a Lua
// balancer or a health checker, which explain it better.
func allPeersDown(in ruleInput) (Cause, bool) {
	if !in.ev.FailsRequests {
		return Cause{}, false
	}
	nl := in.cat(logparse.CatNoLiveUpstreams)
	n := max(nl, in.ev.GroupNamed)
	if in.share(n) < 0.2 {
		return Cause{}, false
	}
	ft, ftText := failTimeout(in)
	conf := score(0.5, 0.4, in.share(n))
	d := in.ev.Duration()
	if d >= ft-3*time.Second && d <= 2*ft+3*time.Second {
		conf += 0.1
	}
	ev := []string{fmt.Sprintf("%d× \"no live upstreams\" in error.log", nl)}
	if in.ev.Is502 {
		ev = append(ev, fmt.Sprintf("%d of %d 502s logged the group name %q as $upstream_addr", in.ev.GroupNamed, in.ev.Bad, in.ev.Group))
	}
	if in.cat(logparse.CatHealthcheckDown)+in.ev.Prelude[logparse.CatHealthcheckDown] > 0 {
		// A checker's down mark lasts until its probes pass, not
		// fail_timeout.
		ev = append(ev, fmt.Sprintf("burst lasted %s; peers a health checker marked down return when its probes pass again", words.Duration(d)))
	} else {
		ev = append(ev, fmt.Sprintf("burst lasted %s; peers marked down return after fail_timeout (%s)", words.Duration(d), ftText))
	}

	// What marked them down, as the logs show it.
	next, known := in.setting(func(s *audit.Settings) audit.Setting { return s.NextUpstream })
	counts500 := !known || listsCode(next, "http_500")
	var why []string
	var steps []Step
	// The 5xx answers that count against max_fails are read from every
	// source: the seconds before the burst, and the status chains of the
	// burst itself ("500, 502": a 500 retried, then no live peer), whose
	// opening second often holds most of them.
	in5xx, in500 := retried5xx(in.ev.Chains)
	if in.ev.Prelude5xx > 0 {
		ev = append(ev, fmt.Sprintf("in the 15s before: %s (%d of them 500)", words.Count(in.ev.Prelude5xx, "upstream 5xx answer"), in.ev.Prelude500))
	}
	if in5xx > 0 {
		ev = append(ev, fmt.Sprintf("in the burst: %s retried on the next peer (%d of them 500), as its status chains show", words.Count(in5xx, "upstream 5xx answer"), in500))
	}
	if in.ev.Prelude5xx > 0 || in5xx > 0 {
		if in.ev.Prelude500+in500 > 0 && counts500 {
			why = append(why, "HTTP 500 answers of the application, which count as peer failures because proxy_next_upstream lists http_500")
			var others []string
			if known {
				for _, f := range strings.Fields(next.Value) {
					if f != "http_500" && (strings.HasPrefix(f, "http_5") || f == "http_429") {
						others = append(others, f)
					}
				}
				ev = append(ev, valueAt(next, "proxy_next_upstream"))
			}
			change := "Remove http_500 from proxy_next_upstream, keeping \"error timeout\": the application's 500s then go to the client instead of marking peers down."
			if len(others) > 0 {
				change = fmt.Sprintf("Remove http_500 from proxy_next_upstream, keeping \"error timeout\" (and %s too, unless those answers mean the peer cannot serve): the application's 500s then go to the client instead of marking peers down.", strings.Join(others, " "))
			}
			if !known {
				change = "If proxy_next_upstream lists http_500 (or other http_5xx cases), remove them, keeping \"error timeout\": the application's error answers then stop marking peers down."
			}
			steps = append(steps, step(change, next.At))
		}
	}
	if n := in.ev.Prelude[logparse.CatPeerDisabled] + in.ev.Categories[logparse.CatPeerDisabled]; n > 0 {
		ev = append(ev, fmt.Sprintf("%d× \"upstream server temporarily disabled\" (a peer reached max_fails)", n))
	}
	failing := []logparse.Category{logparse.CatConnectRefused, logparse.CatConnectTimeout, logparse.CatReadTimeout, logparse.CatPrematureClose, logparse.CatConnReset, logparse.CatAddrUnavailable}
	var failed []string
	for _, c := range failing {
		if n := in.ev.Prelude[c] + in.ev.Categories[c]; n > 0 {
			ev = append(ev, fmt.Sprintf("%d× %s around the burst", n, c))
			why = append(why, c.String())
			failed = append(failed, c.String())
		}
	}
	for _, ch := range in.ev.Chains {
		if strings.Contains(ch.Key, ", ") {
			why = append(why, "retried 5xx answers (chains such as \""+ch.Key+"\")")
			break
		}
	}
	if len(failed) > 0 {
		steps = append(steps, step(fmt.Sprintf("Find out why %s failed (%s): their own logs at %s.", in.peerList(failing...), strings.Join(failed, ", "), in.ev.Start.Format("15:04:05")), ""))
	}
	markedBy := "failures just before the burst that the logs given do not show (give badgw the error.log of the period)"
	if len(why) > 0 {
		markedBy = strings.Join(dedupe(why), ", ")
	}
	if len(steps) == 0 {
		steps = append(steps, step("Find what failed on the peers just before "+in.ev.Start.Format("15:04:05")+": the error.log of that period (at level warn) names each failure.", ""))
	}
	// Behind a Lua balancer the only "peer" nginx itself tracks is the
	// 0.0.0.1 placeholder: it is marked down when the balancer set no peer,
	// so lua_balancer is the better explanation; likewise a health checker.
	if in.behindLuaBalancer() {
		conf *= 0.6
		markedBy = "the balancer_by_lua placeholder peer failed (see lua_balancer)"
	}
	if in.cat(logparse.CatHealthcheckDown)+in.ev.Prelude[logparse.CatHealthcheckDown] > 0 {
		conf *= 0.6
		markedBy = "the health checker (see healthcheck_marked_down)"
	}

	// Hardening, each from the configuration when it is known. max_fails
	// is no lever when a Lua balancer or a health checker did the marking.
	rate := in.rate()
	lever := !in.behindLuaBalancer() && in.cat(logparse.CatHealthcheckDown)+in.ev.Prelude[logparse.CatHealthcheckDown] == 0
	switch {
	case !lever:
	case in.hasConf() && len(in.conf().Servers) > 0:
		_, at, _ := in.server(in.conf().Servers[0].Addr)
		steps = append(steps, harden(fmt.Sprintf("max_fails counts failures within fail_timeout (%s): at this burst's %.0f requests/s a handful of failures trips it within a second, so raising max_fails only helps against isolated errors; a shorter fail_timeout brings peers back sooner.", ftText, rate), at))
		if _, backup, _ := in.livePeers(); backup == 0 {
			steps = append(steps, harden("Add a \"server ADDR backup;\" line, which nginx uses while the others are down.", in.upstreamAt()))
		}
	default:
		steps = append(steps, harden(fmt.Sprintf("max_fails counts failures within fail_timeout (%s): at this burst's %.0f requests/s a handful trips it within a second; a backup server gives nginx somewhere to go while the others are down.", ftText, rate), ""))
	}
	// nginx tries each peer of a request at most once, so with two peers
	// or fewer a bound of 2 changes nothing.
	if f, ok := in.finding("next-upstream-unbounded"); ok && in.morePeersThan(2) {
		ev = append(ev, findingEvidence(f))
		steps = append(steps, harden("Bound retries: \"proxy_next_upstream_tries 2;\".", f.Location.String()))
	}
	return Cause{
		ID: CauseAllPeersDown, Confidence: min(conf, 0.99),
		Summary: fmt.Sprintf("Every peer of upstream %s was marked down (%s), so nginx answered %d requests with 502 \"no live upstreams\" during %s. What marked them down: %s.",
			in.ev.Group, ftText, in.ev.Bad, in.window(), markedBy),
		Evidence: ev,
		Steps:    steps,
	}, true
}

// retryAmplification: requests tried on several peers. score(0.3, 0.3,
// share of bad responses with a multi-try chain) + 0.8 × (attempts per
// request − 1), at most 0.85.
func retryAmplification(in ruleInput) (Cause, bool) {
	multi := 0
	for _, c := range in.ev.Chains {
		if strings.Contains(c.Key, ", ") {
			multi += c.N
		}
	}
	apr := in.ev.AttemptsPerRequest()
	if apr < 1.2 && in.share(multi) < 0.3 {
		return Cause{}, false
	}
	conf := min(0.85, score(0.3, 0.3, in.share(multi))+0.8*(apr-1))
	ev := []string{
		fmt.Sprintf("%d attempts for %d requests", in.ev.Attempts, in.ev.Requests),
		fmt.Sprintf("%d of %d bad responses went through several peers", multi, in.ev.Bad),
	}
	var steps []Step
	tries, known := in.setting(func(s *audit.Settings) audit.Setting { return s.NextTries })
	next, _ := in.setting(func(s *audit.Settings) audit.Setting { return s.NextUpstream })
	switch {
	case known && tries.Written() && tries.Value != "0":
		ev = append(ev, valueAt(tries, "proxy_next_upstream_tries"))
		steps = append(steps, step(fmt.Sprintf("proxy_next_upstream_tries is %s: lower it if %.2f attempts per request is more than the peers can take while failing.", tries.Value, apr), tries.At))
	case in.morePeersThan(2):
		steps = append(steps, step("Bound retries: \"proxy_next_upstream_tries 2;\" (one retry) and a \"proxy_next_upstream_timeout\" no longer than a client waits.", next.At))
	default:
		// Each peer is tried once at most: with two, only the time
		// retries take can be bounded.
		steps = append(steps, step("Bound the time retries take: a \"proxy_next_upstream_timeout\" no longer than a client waits.", next.At))
	}
	var codes []string
	for _, f := range strings.Fields(next.Value) {
		if strings.HasPrefix(f, "http_5") {
			codes = append(codes, f)
		}
	}
	switch {
	case len(codes) > 0:
		ev = append(ev, valueAt(next, "proxy_next_upstream"))
		steps = append(steps, step(fmt.Sprintf("Retry only on \"error timeout\": remove %s, unless those answers really mean the peer cannot serve.", strings.Join(codes, " ")), next.At))
	case !known:
		steps = append(steps, step("If proxy_next_upstream lists http_500 http_502 http_503 http_504, retry only on \"error timeout\" unless those answers really mean the peer cannot serve.", ""))
	}
	return Cause{
		ID: CauseRetryAmplification, Confidence: conf,
		Summary: fmt.Sprintf("proxy_next_upstream retried failing requests on other peers: %.2f upstream attempts per client request on %s during %s, multiplying load on the peers that were still up.",
			apr, in.ev.Group, in.window()),
		Evidence: ev,
		Steps:    steps,
	}, true
}

// peerRefused: connections refused (111). score(0.2, 0.7, share of
// refusals); × 0.8 when the refusals followed a crash (backend_crash
// explains both), × 0.6 behind a Lua balancer (lua_balancer names the
// stale endpoint).
func peerRefused(in ruleInput) (Cause, bool) {
	n := in.cat(logparse.CatConnectRefused)
	if n == 0 {
		return Cause{}, false
	}
	conf := score(0.2, 0.7, in.share(n))
	if _, _, ok := in.crashed(); ok {
		conf *= 0.8
	}
	if in.behindLuaBalancer() {
		conf *= 0.6
	}
	peers := in.peers(logparse.CatConnectRefused)
	ev := []string{fmt.Sprintf("%d× connect() failed (111: Connection refused)", n)}
	var steps []Step
	var absent []string
	for _, p := range peers {
		if _, _, ok := in.server(p); in.hasConf() && !ok && !strings.HasPrefix(p, "unix:") {
			absent = append(absent, p)
		}
	}
	// A peer that answered again after its refusals restarted (a crash, an
	// OOM kill, a deploy): starting it is no longer the step.
	var gone []string
	for _, p := range peers {
		back, ok := in.ev.BackAt[p]
		if !ok {
			gone = append(gone, p)
			continue
		}
		from, to := in.ev.RefusedFirst[p], in.ev.RefusedLast[p]
		ev = append(ev, fmt.Sprintf("%s refused from %s to %s and answered again at %s", p, from.Format("15:04:05"), to.Format("15:04:05"), back.Format("15:04:05")))
		stopped := "Find why it stopped in its own log and the service manager's (a crash, an OOM kill, a deploy without draining)"
		if strings.HasPrefix(p, "unix:") {
			// A refused unix socket is a file left behind by a service
			// that was killed: a graceful stop removes it (errno 2).
			stopped = fmt.Sprintf("The socket file was there with nothing listening on it (\"ss -lxp | grep %s\" lists what listens): the service was killed (an OOM kill, SIGKILL) rather than stopped, which removes it. Find why in its own log, the service manager's and the kernel's (dmesg)", strings.TrimPrefix(p, "unix:"))
		}
		steps = append(steps, step(fmt.Sprintf("%s answered again at %s after refusing for %s: the service was restarted, or restarted itself. %s; if restarts are expected, take the peer out of rotation before them.", p, back.Format("15:04:05"), words.Duration(max(time.Second, to.Sub(from)+time.Second)), stopped), ""))
	}
	what := in.peerList(logparse.CatConnectRefused)
	if strings.HasPrefix(in.protocol(), "grpc") {
		ev = append(ev, "the peers speak gRPC: their clients saw nginx's 502 as status 14 (UNAVAILABLE)")
	}
	if len(gone) > 0 {
		down := what
		if len(gone) < len(peers) {
			down = strings.Join(gone, ", ")
		}
		if strings.HasPrefix(down, "unix:") {
			steps = append(steps, step(fmt.Sprintf("Start the service behind %s: the socket file is there but nothing listens on it, as when the service was killed (SIGKILL, an OOM kill) and left it behind (\"ss -lxp | grep %s\" lists the listening unix sockets), then find why it died (its own log, the service manager's, dmesg).", down, strings.TrimPrefix(down, "unix:")), ""))
		} else {
			steps = append(steps, step(fmt.Sprintf("Start or fix the service on %s: nothing listened on that address (check with \"ss -ltnp\" on its host), then find why it stopped (its own log, the service manager's restarts).", down), ""))
		}
	}
	if len(absent) > 0 {
		ev = append(ev, fmt.Sprintf("%s not among the server lines of upstream %s in nginx.conf", strings.Join(absent, ", "), in.ev.Group))
	}
	live, _, known := in.livePeers()
	next, nextKnown := in.setting(func(s *audit.Settings) audit.Setting { return s.NextUpstream })
	if nextKnown && next.Value == "off" && (!known || live > 1) {
		ev = append(ev, valueAt(next, "proxy_next_upstream")+": a refused request was not tried on another peer")
		steps = append(steps, step("Let nginx try another peer when one refuses: \"proxy_next_upstream error timeout;\" instead of off.", next.At))
	}
	for _, p := range peers {
		if s, at, ok := in.server(p); ok && s.MaxFails == 0 {
			ev = append(ev, fmt.Sprintf("max_fails=0 on %s (%s): nginx never skips it while it is down", p, at))
			steps = append(steps, step(fmt.Sprintf("Remove max_fails=0 from %s: the default, 1, skips a refusing peer for fail_timeout.", p), at))
		}
	}
	if in.onePeer() {
		ev = append(ev, fmt.Sprintf("upstream %s has one server and no backup", in.ev.Group))
		steps = append(steps, harden("The group has one peer and no backup, so every request while it is down is a 502: add a second peer, or a \"server ADDR backup;\" line.", in.upstreamAt()))
	}
	return Cause{
		ID: CausePeerRefused, Confidence: conf,
		Summary: fmt.Sprintf("%s refused connections (errno 111: nothing listening) during %s: %s for %s.",
			what, in.window(), words.Count(n, "refusal"), words.Count(in.ev.Bad, "bad response")),
		Evidence: ev,
		Steps:    steps,
	}, true
}

// backendCrash: a peer cut in-flight responses off and refused connections
// right after: 0.85.
func backendCrash(in ruleInput) (Cause, bool) {
	peer, at, ok := in.crashed()
	if !ok {
		return Cause{}, false
	}
	steps := []Step{step(fmt.Sprintf("Look at %s at %s: its own log, the OOM killer (\"dmesg\", \"journalctl -k\"), the service manager's restarts.", peer, at.Format("15:04:05")), ""),
		harden("Restart it gracefully: stop accepting, finish the requests in flight, then exit.", "")}
	if in.onePeer() {
		steps = append(steps, harden("The group has one peer and no backup: a second peer (or a backup) lets \"proxy_next_upstream error timeout\" retry elsewhere while it restarts.", in.upstreamAt()))
	}
	return Cause{
		ID: CauseBackendCrash, Confidence: 0.85,
		Summary: fmt.Sprintf("%s crashed or was restarted at %s: it cut off in-flight responses, then refused connections until %s.",
			peer, at.Format("15:04:05"), in.ev.End.Format("15:04:05")),
		Evidence: []string{
			fmt.Sprintf("%d× premature close / reset, first at %s", in.abrupt(), at.Format("15:04:05")),
			fmt.Sprintf("%d× connection refused, first at %s", in.cat(logparse.CatConnectRefused), in.ev.RefusedFirst[peer].Format("15:04:05")),
		},
		Steps: steps,
	}, true
}

// refusedClause says what the refusals beside the hang-ups mean: with
// none, the process kept listening; with some, a process was also not
// listening for a while, which the evidence counts.
func refusedClause(refused int) string {
	if refused == 0 {
		return ", and no connection was refused, so the process kept listening"
	}
	return fmt.Sprintf("; %s refused as well, so a process was also not listening for a while", words.Count(refused, "connection was|connections were"))
}

// backendHangup: the peer accepted connections and dropped them without an
// answer (premature close, reset, broken pipe) with no refusals after: a
// worker dying per request, a proxy or app server closing early, a request
// it rejects. score(0.4, 0.5 × min(1, burst share of requests / 0.5), share
// showing it); none after a crash.
func backendHangup(in ruleInput) (Cause, bool) {
	ab := in.abrupt()
	if ab == 0 || !in.ev.FailsRequests {
		return Cause{}, false
	}
	if _, _, ok := in.crashed(); ok {
		return Cause{}, false
	}
	conf := score(0.4, 0.5*min(1, in.ev.Share()/0.5), in.share(ab))
	peers := in.abruptPeers()
	pipe := in.cat(logparse.CatBrokenPipe)
	posts := in.ev.Methods["POST"] + in.ev.Methods["PUT"] + in.ev.Methods["PATCH"]
	var steps []Step
	// Requests with a body, and only those, cut off, some while nginx was
	// still sending the body: the body is what the peer refuses.
	if in.ev.AbruptSending > 0 && in.share(posts) >= 0.9 {
		steps = append(steps, step(fmt.Sprintf("%s cut off requests with a request body: of the %d failed requests %s POST/PUT/PATCH, and %d of the closes came while nginx was still sending the body. Find what makes it refuse such bodies (a body size limit in it or in a proxy in front of it, a handler that rejects uploads early); its own log says which.", peers, in.ev.Bad, words.Of(posts, in.ev.Bad), in.ev.AbruptSending), ""))
	} else {
		steps = append(steps, step(fmt.Sprintf("Look in the own log of %s at %s for the requests it dropped: worker processes killed per request (OOM, request size limits, crashes), a proxy or app server in front of it with a shorter timeout. nginx only sees the connection close.", peers, in.ev.Start.Format("15:04:05")), ""))
	}
	return Cause{
		ID: CauseBackendHangup, Confidence: conf,
		Summary: fmt.Sprintf("%s accepted connections and closed or reset them without answering during %s: %s cut off that way, among %d bad responses (%d of %d requests failed, %.1f%%)%s.",
			peers, in.window(), words.Count(ab, "connection"), in.ev.Bad, in.ev.Bad, in.ev.Requests, 100*in.ev.Share(), refusedClause(in.cat(logparse.CatConnectRefused))),
		Evidence: []string{
			fmt.Sprintf("%d× premature_close, %d× conn_reset, %d× broken_pipe", in.cat(logparse.CatPrematureClose), in.cat(logparse.CatConnReset), pipe),
			fmt.Sprintf("%d× connection refused", in.cat(logparse.CatConnectRefused)),
		},
		Steps: steps,
	}, true
}
