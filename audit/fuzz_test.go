package audit

import "testing"

// FuzzLuaRules: the Lua lexer and the path walk end on any text, and the
// Lua rules run on it without a panic.
func FuzzLuaRules(f *testing.F) {
	for _, s := range []string{
		"if a then b.set_current_peer(1) elseif c then return else ngx.exit(502) end",
		"local ok, err = s:set_keepalive() if not ok then s:close() end",
		"hc.spawn_checker{ fall = 1, rise = [[x]], interval = 0x10 }",
		"--[==[ ]==] while true do repeat until x end function f() end",
		"'unterminated", "[[", "end end else until",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		conf := &Conf{Root: &Block{Kind: "main"}, Lua: []LuaSource{{Directive: "balancer_by_lua_block", File: "f.lua", Line: 1, Code: code + " set_current_peer"}, {File: "f.lua", Line: 1, Code: code}}}
		for _, r := range []*Rule{BalancerPathWithoutPeer, SetKeepaliveLeaks, HealthcheckThresholds, HealthcheckShmSize} {
			r.Run(&Pass{Conf: conf, rule: r})
		}
	})
}
