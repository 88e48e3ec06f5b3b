package audit

// Control flow of Lua code, as far as the balancer rule needs it: which
// paths through the code call set_current_peer (or end the request) before
// they return or fall off the end.

// luaFlow walks one chunk's statements.
type luaFlow struct {
	ts []luaToken
	// setsPeer lists the chunk's own functions that call set_current_peer
	// or end the request.
	setsPeer map[string]bool
	// escapes are the lines where a path returns, or the chunk ends,
	// without a peer.
	escapes []int
}

// endsWithPeer reports whether the token at i sets the peer or ends the
// request: set_current_peer(, ngx.exit(, error(, or a call of the chunk's
// own function that does.
func (f *luaFlow) endsWithPeer(i int) bool {
	ts := f.ts
	switch {
	case calls(ts, i, "set_current_peer"):
		return true
	case calls(ts, i, "exit") && i >= 2 && ts[i-1].text == "." && ts[i-2].text == "ngx":
		return true
	case calls(ts, i, "error") && !isMethodOrField(ts, i):
		return true
	case ts[i].kind == 'n' && f.setsPeer[ts[i].text] && i+1 < len(ts) && ts[i+1].text == "(":
		return true
	}
	return false
}

// functionEnd returns the index after the "end" that closes the function
// whose keyword is at i.
func functionEnd(ts []luaToken, i int) int {
	depth := 0
	for j := i; j < len(ts); j++ {
		if ts[j].kind != 'n' {
			continue
		}
		switch ts[j].text {
		case "function", "if", "do", "repeat":
			depth++
		case "end", "until":
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(ts)
}

// findPeerFunctions records the chunk's named functions whose bodies call
// set_current_peer or end the request.
func (f *luaFlow) findPeerFunctions() {
	ts := f.ts
	f.setsPeer = map[string]bool{}
	for i, t := range ts {
		if t.kind != 'n' || t.text != "function" {
			continue
		}
		name := ""
		switch {
		case i+1 < len(ts) && ts[i+1].kind == 'n':
			// "function a.b:c(" or "local function c(": the last name.
			for j := i + 1; j < len(ts) && (ts[j].kind == 'n' || ts[j].text == "." || ts[j].text == ":"); j++ {
				if ts[j].kind == 'n' {
					name = ts[j].text
				}
			}
		case i >= 2 && ts[i-1].text == "=" && ts[i-2].kind == 'n':
			name = ts[i-2].text // "local c = function("
		}
		if name == "" {
			continue
		}
		end := functionEnd(ts, i)
		for j := i + 1; j < end; j++ {
			if f.endsWithPeer(j) {
				f.setsPeer[name] = true
				break
			}
		}
	}
}

// block follows statements from i until a block's end (end, else,
// elseif, until) or the chunk's end, and returns where it stopped, whether
// a path leaves the block at its end, and whether every such path has a
// peer.
func (f *luaFlow) block(i int, peer bool) (next int, falls, withPeer bool) {
	ts := f.ts
	for i < len(ts) {
		t := ts[i]
		if t.kind != 'n' {
			if t.text == "(" || t.text == "{" || t.text == "[" {
				end := skipBalanced(ts, i)
				for j := i; j < end; j++ {
					if ts[j].kind == 'n' && ts[j].text == "function" {
						j = functionEnd(ts, j) - 1
						continue
					}
					if f.endsWithPeer(j) {
						peer = true
					}
				}
				i = end
				continue
			}
			i++
			continue
		}
		switch t.text {
		case "end", "else", "elseif", "until":
			return i, true, peer
		case "function":
			i = functionEnd(ts, i)
		case "return":
			j := i + 1
			for j < len(ts) && !(ts[j].kind == 'n' && (ts[j].text == "end" || ts[j].text == "else" || ts[j].text == "elseif" || ts[j].text == "until")) {
				if ts[j].kind == 'n' && ts[j].text == "function" {
					j = functionEnd(ts, j)
					continue
				}
				if f.endsWithPeer(j) {
					peer = true
				}
				j++
			}
			if !peer {
				f.escapes = append(f.escapes, t.line)
			}
			return j, false, true
		case "if":
			i = f.ifStatement(i, &falls, &peer)
			if !falls {
				// Every branch returned: what follows is unreachable.
				return f.skipToBlockEnd(i), false, true
			}
		case "do":
			var inner bool
			i, falls, inner = f.block(i+1, peer)
			i++ // "end"
			if !falls {
				return f.skipToBlockEnd(i), false, true
			}
			peer = inner
		case "while", "for":
			for i < len(ts) && !(ts[i].kind == 'n' && ts[i].text == "do") {
				i++
			}
			// The body may run zero times: it cannot give a peer to
			// what follows, but its returns are paths of their own.
			i, _, _ = f.block(i+1, peer)
			i++
		case "repeat":
			i, _, peer = f.block(i+1, peer)
			i++ // "until"; its condition is read as plain tokens
		default:
			if f.endsWithPeer(i) {
				peer = true
			}
			i++
		}
	}
	return i, true, peer
}

// ifStatement follows "if … then … [elseif …] [else …] end" at i and
// returns the index after its "end"; falls and peer are updated for the
// paths that leave it.
func (f *luaFlow) ifStatement(i int, falls, peer *bool) int {
	ts := f.ts
	in := *peer
	anyFalls, allPeer, hasElse := false, true, false
	for i < len(ts) {
		for i < len(ts) && !(ts[i].kind == 'n' && ts[i].text == "then") {
			i++
		}
		next, bf, bp := f.block(i+1, in)
		if bf {
			anyFalls = true
			allPeer = allPeer && bp
		}
		i = next
		if i >= len(ts) {
			break
		}
		switch ts[i].text {
		case "elseif":
			continue
		case "else":
			hasElse = true
			next, bf, bp := f.block(i+1, in)
			if bf {
				anyFalls = true
				allPeer = allPeer && bp
			}
			i = next
		}
		break
	}
	if !hasElse {
		anyFalls = true
		allPeer = allPeer && in
	}
	*falls, *peer = anyFalls, allPeer
	return i + 1
}

// skipToBlockEnd moves past unreachable statements to the end of the
// enclosing block.
func (f *luaFlow) skipToBlockEnd(i int) int {
	depth := 0
	for ; i < len(f.ts); i++ {
		t := f.ts[i]
		if t.kind != 'n' {
			continue
		}
		switch t.text {
		case "function", "if", "do", "repeat":
			depth++
		case "end", "until":
			if depth == 0 {
				return i
			}
			depth--
		case "else", "elseif":
			if depth == 0 {
				return i
			}
		}
	}
	return i
}
