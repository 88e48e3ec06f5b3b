package logparse

import "strings"

// nginx writes a system error as "(N: text)": N is the platform's errno
// and text its strerror. Linux, the BSDs and macOS, and Windows number the
// same failures differently (ECONNREFUSED is 111, 61 and 10061), and
// Windows words them differently ("No connection could be made because
// the target machine actively refused it"). canonicalErrno maps both to
// Linux's number, text first: the text names the failure on every system.

// errnoTexts maps strerror texts (Linux, BSD/macOS, Windows) to Linux's errno.
var errnoTexts = []struct {
	text  string
	errno int
}{
	{"Connection refused", 111},
	{"actively refused", 111},
	{"Connection timed out", 110},
	{"Operation timed out", 110},
	{"did not properly respond after a period of time", 110},
	{"Connection reset by peer", 104},
	{"forcibly closed by the remote host", 104},
	{"Broken pipe", 32},
	{"Cannot assign requested address", 99},
	{"Address not available", 99}, // musl
	{"Can't assign requested address", 99},
	{"requested address is not valid in its context", 99},
	{"No route to host", 113},
	{"unreachable host", 113},
	{"Network is unreachable", 101},
	{"unreachable network", 101},
	{"Too many open files", 24},
	{"No file descriptors available", 24}, // musl
	{"Permission denied", 13},
	{"forbidden by its access permissions", 13},
	{"Resource temporarily unavailable", 11},
	{"No such file or directory", 2},
}

// otherErrnos maps BSD/macOS and Windows (WSA) numbers to Linux's, for a
// message whose text is missing or unknown.
var otherErrnos = map[int]int{
	61: 111, 60: 110, 54: 104, 65: 113, 51: 101, 49: 99, 35: 11, // BSD, macOS
	10061: 111, 10060: 110, 10054: 104, 10065: 113, 10051: 101, 10049: 99, 10024: 24, 10013: 13, 10035: 11, // Windows
}

// canonicalErrno returns the event's system error as Linux numbers it.
// LinuxErrno is the entry's errno as Linux numbers it (the BSDs', macOS's
// and Windows' read by their texts): 11 for "Resource temporarily
// unavailable" whatever the system called it.
func (ev *Event) LinuxErrno() int { return canonicalErrno(ev) }

func canonicalErrno(ev *Event) int {
	if ev.Errno == 0 {
		return 0
	}
	if text := errnoText(ev.Message, ev.Errno); text != "" {
		for _, t := range errnoTexts {
			if strings.Contains(text, t.text) {
				return t.errno
			}
		}
	}
	if n, ok := otherErrnos[ev.Errno]; ok {
		return n
	}
	return ev.Errno
}

// errnoText returns the text after "(N: " up to the closing parenthesis.
func errnoText(msg string, errno int) string {
	i := strings.Index(msg, "(")
	for i >= 0 {
		rest := msg[i+1:]
		if c := strings.Index(rest, ": "); c > 0 {
			if n, ok := atoiString(rest[:c]); ok && n == errno {
				text := rest[c+2:]
				if e := strings.IndexByte(text, ')'); e >= 0 {
					return text[:e]
				}
				return text
			}
		}
		next := strings.Index(rest, "(")
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return ""
}
