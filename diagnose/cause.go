// Package diagnose ranks the likely causes of a burst from its evidence:
// what the access and error logs showed and what nginx.conf says about the
// group. Each rule documents its confidence formula, and each fix is built
// from the burst: its peers, timings and the configuration lines to change.
package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/nginxconf"
)

// Cause is one likely explanation of a burst. ID is part of the CSV and JSON
// contract: add new identifiers, never rename one.
type Cause struct {
	ID string `json:"id"`
	// Confidence is between 0 and 1, computed by score.
	Confidence float64  `json:"confidence"`
	Summary    string   `json:"summary"`
	Evidence   []string `json:"evidence"`
	// Fix is Steps as one text ("1. … 2. …"), for the CSV and the JSON's
	// older readers.
	Fix   string `json:"fix"`
	Steps []Step `json:"fix_steps"`
}

// Step is one change of a fix. Steps come in order: first what removes
// this burst's trigger as the evidence shows it, then optional hardening.
type Step struct {
	Change string `json:"change"`
	// At is the nginx.conf line to change (file:line), when known.
	At       string `json:"at,omitempty"`
	Optional bool   `json:"optional,omitempty"`
}

// Cause identifiers.
const (
	CauseAllPeersDown        = "all_peers_down"
	CauseRetryAmplification  = "retry_amplification"
	CauseNoKeepalive         = "no_keepalive"
	CauseKeepaliveRace       = "keepalive_race"
	CausePeerRefused         = "peer_refused"
	CauseBackendCrash        = "backend_crash"
	CauseBackendHangup       = "backend_hangup"
	CauseUpstreamTimeout     = "upstream_timeout"
	CauseBadUpstreamResponse = "bad_upstream_response"
	CauseLuaBalancer         = "lua_balancer"
	CauseHealthcheckDown     = "healthcheck_marked_down"
	CauseKeepalivePoolLeak   = "keepalive_pool_leak"
	CauseResourceExhaustion  = "resource_exhaustion"
	CauseSSLUpstream         = "ssl_upstream"
	CauseSocketUnavailable   = "socket_unavailable"
	CauseResolverFailure     = "resolver_failure"
	CauseConnectFailed       = "connect_failed"
	CauseNoResponse          = "no_response"
	CauseUpstreamAnswered502 = "upstream_answered_502"
	CauseFastCGITimeLimit    = "fastcgi_time_limit"
	CauseUnknown             = "unknown"
)

// score is how every rule turns its evidence into a confidence: a base for
// the kind of evidence (an error line that names the fault scores higher
// than an access-log pattern consistent with it) plus span times the share
// of the burst's bad responses the evidence covers, at most 0.99. Rules
// multiply the result down for evidence that contradicts them (a crash
// explains refusals better; nginx.conf shows the setting the cause needs
// is absent). So one refusal among 400 502s scores near its base, and more
// of the same evidence never lowers a score.
func score(base, span, share float64) float64 {
	return min(0.99, base+span*min(1, max(0, share)))
}

// ruleInput is what a rule reads.
type ruleInput struct {
	ev *Evidence
}

type rule func(in ruleInput) (Cause, bool)

// rules are tried on every burst; each returns whether it applies.
var rules = []rule{
	allPeersDown, retryAmplification, noKeepalive, keepaliveRace, peerRefused,
	backendCrash, backendHangup, upstreamTimeout, badUpstreamResponse, luaBalancer,
	healthcheckMarkedDown, keepalivePoolLeak,
	resourceExhaustion, sslUpstream, socketUnavailable, resolverFailure,
	connectFailed, noResponse, upstreamAnswered502, fastcgiTimeLimit,
}

// Explain runs the rules and returns the causes that apply, most likely
// first; "unknown" when nothing reaches a confidence of 0.3.
func Explain(ev Evidence) []Cause {
	in := ruleInput{ev: &ev}
	var out []Cause
	for _, r := range rules {
		if c, ok := r(in); ok {
			c.Confidence = float64(int(c.Confidence*100+0.5)) / 100
			c.Fix = render(c.Steps)
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	if len(out) == 0 || out[0].Confidence < 0.3 {
		u := unknown(in)
		u.Fix = render(u.Steps)
		out = append([]Cause{u}, out...)
	}
	return out
}

// render writes steps as one text, naming each step's line.
func render(steps []Step) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = fmt.Sprintf("%d. %s", i+1, s.Text())
	}
	return strings.Join(parts, " ")
}

// Text is the step as a person reads it: "(optional)" for hardening, and
// the line to change when the change does not name it.
func (s Step) Text() string {
	text := s.Change
	if s.At != "" && !strings.Contains(text, s.At) {
		body, stop := strings.CutSuffix(text, ".")
		text = body + " (" + s.At + ")"
		if stop {
			text += "."
		}
	}
	if s.Optional {
		text = "(optional) " + text
	}
	return text
}

func step(change, at string) Step                { return Step{Change: change, At: at} }
func harden(change, at string) Step              { return Step{Change: change, At: at, Optional: true} }
func (in ruleInput) hasConf() bool               { return in.ev.Conf != nil }
func (in ruleInput) settings() bool              { return in.ev.Settings != nil }
func (in ruleInput) cat(c logparse.Category) int { return in.ev.Categories[c] }

// conf is the group's upstream block, the zero block when unknown.
func (in ruleInput) conf() nginxconf.Upstream {
	if in.ev.Conf == nil {
		return nginxconf.Upstream{}
	}
	return *in.ev.Conf
}

// share is n over the burst's bad responses, capped at 1.
func (in ruleInput) share(n int) float64 {
	if in.ev.Bad == 0 {
		return 0
	}
	return min(1, float64(n)/float64(in.ev.Bad))
}

func (in ruleInput) window() string {
	return fmt.Sprintf("%s–%s", in.ev.Start.Format("15:04:05"), in.ev.End.Format("15:04:05"))
}

// rate is the group's requests per second during the burst.
func (in ruleInput) rate() float64 {
	return float64(in.ev.Requests) / in.ev.Duration().Seconds()
}

// peerList names the peers that logged events of the categories, busiest
// first, at most four.
func (in ruleInput) peerList(cats ...logparse.Category) string {
	names := in.peers(cats...)
	if len(names) == 0 {
		return "the peers of " + in.ev.Group
	}
	if len(names) > 4 {
		names = names[:4]
	}
	return strings.Join(names, ", ")
}

// peers returns the peers that logged events of the categories, busiest
// first.
func (in ruleInput) peers(cats ...logparse.Category) []string {
	counts := map[string]int{}
	for _, c := range cats {
		for _, p := range in.ev.CatPeers[c] {
			if p.Key != "" {
				counts[p.Key] += p.N
			}
		}
	}
	var names []string
	for _, p := range TopCounts(counts) {
		names = append(names, p.Key)
	}
	return names
}

// livePeers counts the group's servers that take traffic and its backups;
// known is false without nginx.conf.
func (in ruleInput) livePeers() (live, backup int, known bool) {
	if !in.hasConf() || len(in.conf().Servers) == 0 {
		return 0, 0, false
	}
	for _, s := range in.conf().Servers {
		if s.Backup {
			backup++
		} else {
			live++
		}
	}
	return live, backup, true
}

// morePeersThan reports whether the group has more than n peers: those
// nginx.conf lists (backups too), else as many as the longest
// $upstream_status chain of the burst tried (each peer once at most).
func (in ruleInput) morePeersThan(n int) bool {
	if live, backup, known := in.livePeers(); known {
		return live+backup > n
	}
	longest := 0
	for _, c := range in.ev.Chains {
		longest = max(longest, strings.Count(c.Key, ", ")+1)
	}
	return longest > n
}

// onePeer reports a group nginx.conf shows with one server and no backup.
func (in ruleInput) onePeer() bool {
	live, backup, known := in.livePeers()
	return known && live == 1 && backup == 0 && !in.conf().Balancer
}

// upstreamAt is the upstream block's file:line, "" when unknown.
func (in ruleInput) upstreamAt() string {
	if !in.hasConf() || in.conf().File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", in.conf().File, in.conf().Line)
}

// server returns the group's server line for a peer.
func (in ruleInput) server(peer string) (nginxconf.UpstreamServer, string, bool) {
	for _, s := range in.conf().Servers {
		if s.Addr == peer {
			return s, fmt.Sprintf("%s:%d", in.conf().File, s.Line), true
		}
	}
	return nginxconf.UpstreamServer{}, "", false
}

// setting returns a proxy setting in force for the group; known is false
// without nginx.conf.
func (in ruleInput) setting(get func(*audit.Settings) audit.Setting) (audit.Setting, bool) {
	if in.ev.Settings == nil {
		return audit.Setting{}, false
	}
	return get(in.ev.Settings), true
}

// main returns a main-context setting, the zero setting without
// nginx.conf.
func (in ruleInput) main(get func(*audit.Settings) audit.Setting) audit.Setting {
	if in.ev.Main == nil {
		return audit.Setting{}
	}
	return get(in.ev.Main)
}

// finding returns the audit's finding of a rule about the group.
func (in ruleInput) finding(rule string) (audit.Finding, bool) {
	return in.ev.Settings.Finding(rule)
}

// findingEvidence is the evidence line for an audit finding.
func findingEvidence(f audit.Finding) string {
	return fmt.Sprintf("%s: %s (badgw check: %s)", f.Location, f.Message, f.Rule)
}

// valueAt shows a setting's value and where it comes from.
func valueAt(s audit.Setting, name string) string {
	if s.Written() {
		return fmt.Sprintf("%s %s at %s", name, s.Value, s.At)
	}
	return fmt.Sprintf("%s %s (nginx's default)", name, s.Value)
}

// listsCode reports whether a proxy_next_upstream value lists a case.
func listsCode(s audit.Setting, code string) bool {
	for _, f := range strings.Fields(s.Value) {
		if f == code {
			return true
		}
	}
	return false
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// abruptPeers names the peers that closed or reset connections.
func (in ruleInput) abruptPeers() string {
	var names []string
	for p := range in.ev.AbruptFirst {
		if p != "" {
			names = append(names, p)
		}
	}
	if len(names) == 0 {
		return "the peers of " + in.ev.Group
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (in ruleInput) abrupt() int {
	return in.cat(logparse.CatPrematureClose) + in.cat(logparse.CatConnReset) + in.cat(logparse.CatBrokenPipe)
}

// crashed reports whether some peer cut connections off and refused new
// ones within a few seconds after. One premature close or reset is what a
// sporadic background gives any peer at any time, and a peer that merely
// stops listening cuts the one request it was serving; a crash cuts off
// the requests in flight, so it takes two or more cuts in the 5 s up to
// the first refusal (a second after it, for the same log second).
func (in ruleInput) crashed() (string, time.Time, bool) {
	for peer, abrupt := range in.ev.AbruptFirst {
		refused, ok := in.ev.RefusedFirst[peer]
		if !ok || refused.Before(abrupt) || refused.Sub(abrupt) > 5*time.Second {
			continue
		}
		cut := 0
		for _, at := range in.ev.AbruptTimes[peer] {
			if !at.Before(refused.Add(-5*time.Second)) && !at.After(refused.Add(time.Second)) {
				cut++
			}
		}
		if cut >= 2 {
			return peer, abrupt, true
		}
	}
	return "", time.Time{}, false
}

// behindLuaBalancer reports a group whose peers a balancer_by_lua picks.
func (in ruleInput) behindLuaBalancer() bool {
	return in.conf().Balancer || in.cat(logparse.CatLuaBalancer) > 0 || in.ev.Placeholder > 0 || in.ev.Group == "upstream_balancer" || in.ev.LuaSeen
}

// errorLogSilent reports whether no upstream failure of the burst was
// found in an error log: none was given, or it has another period.
func (in ruleInput) errorLogSilent() bool {
	for c, n := range in.ev.Categories {
		if n > 0 && logparse.Category(c).UpstreamFault() {
			return false
		}
	}
	return true
}
