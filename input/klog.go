package input

// IsControllerLine recognises the klog lines of the ingress-nginx
// controller ("I1122 01:24:04.123456       7 controller.go:123] …"), which
// share its pod's output with nginx's logs: they are counted as controller
// lines, not as lines that failed to parse.
func IsControllerLine(b []byte) bool {
	if len(b) < 22 || b[0] != 'I' && b[0] != 'W' && b[0] != 'E' && b[0] != 'F' {
		return false
	}
	// Newer klog writes the year too ("I20260407 16:49:07.489748 …"):
	// skip the year and read the rest as the older shape (b[0] is not
	// looked at again).
	if len(b) > 26 && isDigit(b[5]) && isDigit(b[8]) && b[9] == ' ' {
		b = b[4:]
	}
	for _, i := range []int{1, 2, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 17, 18, 19, 20} {
		if !isDigit(b[i]) {
			return false
		}
	}
	if b[5] != ' ' || b[8] != ':' || b[11] != ':' || b[14] != '.' || b[21] != ' ' {
		return false
	}
	// Then spaces, a thread id, a space and "file.go:123] ".
	i := 21
	for i < len(b) && b[i] == ' ' {
		i++
	}
	start := i
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == start || i >= len(b) || b[i] != ' ' {
		return false
	}
	for j := i + 1; j < len(b) && j < i+80; j++ {
		if b[j] == ']' {
			return b[j-1] >= '0' && b[j-1] <= '9'
		}
		if b[j] == ' ' {
			return false
		}
	}
	return false
}
