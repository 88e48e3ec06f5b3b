package input

// unwrapForeman handles the "15:04:05 web.1  | " prefix of foreman, goreman
// and the process managers modelled on them: a time of day (no date, so it
// is not kept as a stamp), then the same name-and-bar as docker-compose.
func unwrapForeman(b []byte) (wrapped, bool) {
	if len(b) < 12 || b[2] != ':' || b[5] != ':' || b[8] != ' ' {
		return wrapped{}, false
	}
	for _, i := range []int{0, 1, 3, 4, 6, 7} {
		if !isDigit(b[i]) {
			return wrapped{}, false
		}
	}
	i := 8
	for i < len(b) && b[i] == ' ' {
		i++
	}
	w, ok := unwrapCompose(b[i:])
	if !ok {
		return wrapped{}, false
	}
	w.name = "foreman"
	return w, true
}

// unwrapCompose handles docker-compose's "service_1  | " prefix, and
// forego's and supervisord's "nginx.1 | " behind it (nginx-proxy writes both).
func unwrapCompose(b []byte) (wrapped, bool) {
	i := 0
	for i < len(b) && i < 64 && isComposeName(b[i]) {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != ' ' && b[i] != '|' {
		return wrapped{}, false
	}
	name := b[:i]
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i+1 >= len(b) || b[i] != '|' || b[i+1] != ' ' {
		return wrapped{}, false
	}
	return wrapped{name: "compose", payload: b[i+2:], complete: true, origin: name}, true
}

func isComposeName(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}
