package audit

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/badgw/badgw/nginxconf"
)

// BalancerPathWithoutPeer: balancer_by_lua code that returns without a
// peer leaves nginx none to connect to.
var BalancerPathWithoutPeer = &Rule{
	ID: "balancer-path-without-peer", Severity: Error, Title: "balancer code path without a peer",
	Why: "When balancer_by_lua code returns without calling ngx.balancer's set_current_peer (or ending the request with ngx.exit), " +
		"nginx has no peer for the request and answers 502; it happens only for the requests that take that path, so it looks like random 502s.",
	Source: "https://github.com/openresty/lua-resty-core/blob/master/lib/ngx/balancer.md#set_current_peer",
	Run: func(p *Pass) {
		for _, src := range p.Conf.Lua {
			if !strings.HasPrefix(src.Directive, "balancer_by_lua") && !(src.Directive == "" && strings.Contains(src.Code, "ngx.balancer")) {
				continue
			}
			if !strings.Contains(src.Code, "set_current_peer") {
				continue // it hands the choice to a module this audit cannot read
			}
			f := &luaFlow{ts: luaLex(src.Code, src.Line)}
			f.findPeerFunctions()
			_, falls, peer := f.block(0, false)
			if falls && !peer && len(f.ts) > 0 {
				f.escapes = append(f.escapes, f.ts[len(f.ts)-1].line)
			}
			for _, line := range f.escapes {
				p.About(p.Conf.upstreamOf(src.In)).Report(Location{File: src.File, Line: line, What: src.Directive}, "a path through the balancer code ends here without set_current_peer or ngx.exit: its requests get 502 (nginx has no peer).",
					[]string{"On that path, either call set_current_peer with a peer or end the request explicitly (log why, then \"return ngx.exit(502)\" or 503), so that the cause is in the error log."})
			}
		}
	},
}

// SetKeepaliveLeaks: a cosocket whose set_keepalive fails is neither
// pooled nor closed.
var SetKeepaliveLeaks = &Rule{
	ID: "set-keepalive-failure-leaks", Severity: Warning, Title: "set_keepalive failure without close()",
	Why: "set_keepalive returns nil and an error when the connection cannot go back to the pool (unread data, a closed peer, a full pool). " +
		"If that path does not call close(), the connection stays open until the request's end or a timeout; under load they pile up, the pool stays empty " +
		"and the backend's connection limit fills: errors and 502s while the backends are healthy.",
	Source: "https://github.com/openresty/lua-nginx-module#tcpsocksetkeepalive",
	Run: func(p *Pass) {
		for _, src := range p.Conf.Lua {
			ts := luaLex(src.Code, src.Line)
			for i := range ts {
				// set_keepalive as libraries (lua-resty-redis, lua-resty-http)
				// name it, setkeepalive as the raw cosocket does.
				if !(calls(ts, i, "set_keepalive") || calls(ts, i, "setkeepalive")) || i < 2 || ts[i-1].text != ":" {
					continue
				}
				recv := ts[i-2].text
				if msg, ok := keepaliveUnchecked(ts, i, recv); ok {
					p.Report(Location{File: src.File, Line: ts[i].line, What: "set_keepalive"}, msg,
						[]string{fmt.Sprintf("Check the result and close on failure: \"local ok, err = %s:%s(…) if not ok then ngx.log(ngx.ERR, err) %s:close() end\".", recv, ts[i].text, recv)})
				}
			}
		}
	},
}

// keepaliveUnchecked looks at a set_keepalive call at i and says what is
// wrong with its failure path, if anything.
func keepaliveUnchecked(ts []luaToken, i int, recv string) (string, bool) {
	before := i - 3
	switch {
	case before >= 0 && ts[before].text == "return":
		return "", false // the caller decides
	case before >= 0 && ts[before].text == "=":
		// The left-hand side "[local] ok, err": its first name holds the
		// result.
		okName := ""
		for j := before - 1; j >= 0 && ts[j].kind == 'n' && ts[j].text != "local"; j -= 2 {
			okName = ts[j].text
			if j == 0 || ts[j-1].text != "," {
				break
			}
		}
		end := skipBalanced(ts, i+1)
		for j := end; j < len(ts) && j < end+40; j++ {
			if ts[j].text != "if" {
				continue
			}
			cond := j + 1
			tests := cond+1 < len(ts) && (ts[cond].text == "not" && ts[cond+1].text == okName || ts[cond].text == okName && cond+2 < len(ts) && ts[cond+1].text == "==" && ts[cond+2].text == "nil")
			if !tests {
				continue
			}
			for k := cond; k < len(ts); k++ {
				if ts[k].text == "then" {
					if branchCloses(ts, k+1, recv) {
						return "", false
					}
					return fmt.Sprintf("when %s:%s fails, this path does not call %s:close(): the connection leaks until the request ends.", recv, ts[i].text, recv), true
				}
			}
		}
		return fmt.Sprintf("the result of %s:%s is never checked: on failure the connection is neither pooled nor closed.", recv, ts[i].text), true
	case before < 0 || ts[before].kind == 'n' || ts[before].text == ")" || ts[before].kind == 's' || ts[before].kind == '0' || ts[before].text == "}" || ts[before].text == "]":
		return fmt.Sprintf("the result of %s:%s is dropped: on failure the connection is neither pooled nor closed.", recv, ts[i].text), true
	}
	return "", false
}

// branchCloses reports whether the branch starting at i (after "then")
// calls recv:close() before its end.
func branchCloses(ts []luaToken, i int, recv string) bool {
	depth := 0
	for ; i < len(ts); i++ {
		t := ts[i]
		if t.kind == 'n' {
			switch t.text {
			case "function", "if", "do", "repeat":
				depth++
			case "end", "until":
				if depth == 0 {
					return false
				}
				depth--
			case "else", "elseif":
				if depth == 0 {
					return false
				}
			case "close":
				if i >= 2 && ts[i-1].text == ":" && ts[i-2].text == recv {
					return true
				}
			}
		}
	}
	return false
}

// HealthcheckThresholds: a checker that marks peers down on one slow
// probe turns a busy second into "no live upstreams".
var HealthcheckThresholds = &Rule{
	ID: "healthcheck-thresholds", Severity: Warning, Title: "health checker too quick to mark peers down",
	Why: "lua-resty-upstream-healthcheck marks a peer down for every worker after fall failed probes and up again after rise good ones. " +
		"With fall = 1 one probe that misses its timeout (a GC pause, a busy CPU) takes the peer out; with several peers probed at once, all of them: " +
		"no live upstreams, 502 for every request, while the backends serve fine. rise = 1 and a short interval make peers flap.",
	Source: "https://github.com/openresty/lua-resty-upstream-healthcheck#spawn_checker",
	Run: func(p *Pass) {
		for _, src := range p.Conf.Lua {
			for _, c := range spawnCheckers(src) {
				var bad []string
				if v, ok := c.fields["fall"]; ok && v.num <= 1 {
					bad = append(bad, "fall = "+v.text)
				}
				if v, ok := c.fields["rise"]; ok && v.num <= 1 {
					bad = append(bad, "rise = "+v.text)
				}
				if v, ok := c.fields["interval"]; ok && v.num <= 1000 {
					bad = append(bad, "interval = "+v.text+" ms")
				}
				if v, ok := c.fields["timeout"]; ok && v.num <= 500 {
					bad = append(bad, "timeout = "+v.text+" ms")
				}
				if len(bad) == 0 {
					continue
				}
				p.About(p.Conf.upstreamNamed(c.fields["upstream"].text)).Report(Location{File: src.File, Line: c.line, What: "spawn_checker"},
					fmt.Sprintf("health checker for %s with %s: a single slow probe marks peers down.", c.upstream(), strings.Join(bad, ", ")),
					[]string{"Set fall = 3 and rise = 2 (the library's own example), so that one missed probe does not take a peer out.",
						"Give probes a timeout the backend meets under load (the example uses timeout = 1000 with interval = 2000)."})
			}
		}
	},
}

// HealthcheckShmSize: the checker keeps its state in a shared dict.
var HealthcheckShmSize = &Rule{
	ID: "healthcheck-shm-size", Severity: Note, Title: "the health checker's shared dict shared with other code",
	Why: "The checker keeps each peer's state and its version in the lua_shared_dict it names. When other code writes to that dict too and fills it, " +
		"nginx evicts its least recently used keys and the checker loses peer state: down marks forgotten or stale. A dict of its own avoids it; " +
		"the checker alone needs little room (a few keys per peer), so its size by itself is no risk.",
	Source: "https://github.com/openresty/lua-nginx-module#lua_shared_dict",
	Run: func(p *Pass) {
		dicts := map[string]Location{}
		sizes := map[string]int64{}
		for _, d := range p.Conf.Root.all("lua_shared_dict") {
			if len(d.Args) >= 3 {
				if n, ok := parseSize(d.Args[2]); ok {
					dicts[d.Args[1]], sizes[d.Args[1]] = at(d), n
				}
			}
		}
		checkers := map[string]int{}
		for _, src := range p.Conf.Lua {
			for _, c := range spawnCheckers(src) {
				if shm, ok := c.fields["shm"]; ok {
					checkers[shm.text]++
				}
			}
		}
		for _, src := range p.Conf.Lua {
			for _, c := range spawnCheckers(src) {
				shm, ok := c.fields["shm"]
				if !ok {
					continue
				}
				loc, known := dicts[shm.text]
				if !known {
					continue
				}
				other, where := sharedDictUsers(p.Conf.Lua, shm.text)
				switch {
				case checkers[shm.text] > 1:
					where = fmt.Sprintf("%d checkers", checkers[shm.text])
				case other == 0:
					continue // the checker's own dict
				}
				p.About(p.Conf.upstreamNamed(c.fields["upstream"].text)).Report(loc, fmt.Sprintf("lua_shared_dict %s (%s), the health checker's state, is written by other code too (%s): when it fills, nginx evicts keys and the checker loses peer state.", shm.text, formatSize(sizes[shm.text]), where),
					[]string{fmt.Sprintf("Give the checker a dict of its own (\"lua_shared_dict %s_hc 1m;\" and shm = \"%s_hc\"), or move the other code's keys out of %s.", shm.text, shm.text, shm.text)},
					Location{File: src.File, Line: c.line, What: "spawn_checker"})
			}
		}
	},
}

// sharedDictUsers counts the places Lua code reaches the shared dict name
// (ngx.shared.NAME, ngx.shared["NAME"]) and names the first.
func sharedDictUsers(sources []LuaSource, name string) (int, string) {
	n, first := 0, ""
	for _, src := range sources {
		for _, pat := range []string{"ngx.shared." + name, `ngx.shared["` + name + `"]`, "ngx.shared['" + name + "']"} {
			for i := 0; ; {
				j := strings.Index(src.Code[i:], pat)
				if j < 0 {
					break
				}
				end := i + j + len(pat)
				if pat[len(pat)-1] != ']' && end < len(src.Code) && isLuaIdent(src.Code[end]) {
					i = end // ngx.shared.NAMEother
					continue
				}
				if n == 0 {
					first = fmt.Sprintf("%s:%d", src.File, src.Line+strings.Count(src.Code[:i+j], "\n"))
				}
				n++
				i = end
			}
		}
	}
	return n, first
}

func isLuaIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

type luaValue struct {
	text string
	num  float64
}

type checkerCall struct {
	line   int
	fields map[string]luaValue
}

func (c checkerCall) upstream() string {
	if u, ok := c.fields["upstream"]; ok {
		return fmt.Sprintf("upstream %q", u.text)
	}
	return "an upstream"
}

// spawnCheckers finds spawn_checker{…} and spawn_checker({…}) calls and
// reads the literal fields of their table.
func spawnCheckers(src LuaSource) []checkerCall {
	ts := luaLex(src.Code, src.Line)
	var out []checkerCall
	for i := range ts {
		if ts[i].text != "spawn_checker" || i+1 >= len(ts) {
			continue
		}
		j := i + 1
		if ts[j].text == "(" && j+1 < len(ts) {
			j++
		}
		if ts[j].text != "{" {
			continue
		}
		end := skipBalanced(ts, j)
		c := checkerCall{line: ts[i].line, fields: map[string]luaValue{}}
		depth := 0
		for k := j; k < end; k++ {
			switch ts[k].text {
			case "{", "(", "[":
				depth++
			case "}", ")", "]":
				depth--
			}
			if depth == 1 && ts[k].kind == 'n' && k+2 < end && ts[k+1].text == "=" {
				v := ts[k+2]
				// Only a literal followed by "," or "}" is read: an
				// expression's value is not known here.
				if k+3 < len(ts) && (ts[k+3].text == "," || ts[k+3].text == "}" || ts[k+3].text == ";") {
					switch v.kind {
					case '0':
						if n, err := strconv.ParseFloat(v.text, 64); err == nil {
							c.fields[ts[k].text] = luaValue{text: v.text, num: n}
						}
					case 's':
						c.fields[ts[k].text] = luaValue{text: v.text}
					}
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// all returns the directives named so anywhere under b.
func (b *Block) all(name string) []nginxconf.Directive {
	out := b.Own(name)
	for _, c := range b.Children {
		out = append(out, c.all(name)...)
	}
	return out
}

// parseSize reads nginx's size syntax ("1m", "512k", "4096").
func parseSize(s string) (int64, bool) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "m"), strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "g"), strings.HasSuffix(s, "G"):
		mult, s = 1<<30, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err == nil
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
