package input

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
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i+1 >= len(b) || b[i] != '|' || b[i+1] != ' ' {
		return wrapped{}, false
	}
	return wrapped{name: "compose", payload: b[i+2:], complete: true}, true
}

func isComposeName(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}
