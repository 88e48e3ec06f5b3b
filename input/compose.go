package input

// unwrapCompose handles docker-compose's "service_1  | " prefix.
func unwrapCompose(b []byte) ([]byte, bool) {
	i := 0
	for i < len(b) && i < 64 && isComposeName(b[i]) {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != ' ' {
		return nil, false
	}
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i+1 >= len(b) || b[i] != '|' || b[i+1] != ' ' {
		return nil, false
	}
	return b[i+2:], true
}

func isComposeName(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}
