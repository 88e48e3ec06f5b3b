package input

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// HostPlaceholder marks the host's name in a --host-from-path pattern.
const HostPlaceholder = "{host}"

// ExpandHosts reads the inputs of several nginx hosts from one pattern
// whose {host} stands for each host's name, such as
// "logs/{host}/access.log*" or "/srv/logs/{host}/*.log*": every file the
// pattern matches (with {host} read as "*") is expanded as Expand would,
// host by host, and its sets carry the host's name.
func ExpandHosts(pattern string) ([]Set, error) {
	hosts, byHost, err := HostFiles(pattern)
	if err != nil {
		return nil, err
	}
	if len(hosts) == 0 {
		return []Set{{Base: pattern, Paths: []string{pattern}, Unread: fmt.Errorf("%s: no file matches", pattern)}}, nil
	}
	var sets []Set
	for _, h := range hosts {
		hs, err := Expand(byHost[h])
		if err != nil {
			return nil, err
		}
		for i := range hs {
			hs[i].Host = h
		}
		sets = append(sets, hs...)
	}
	return sets, nil
}

// HostFiles returns the files a pattern with one {host} matches, by the
// host's name, and the hosts in order.
func HostFiles(pattern string) ([]string, map[string][]string, error) {
	if strings.Count(pattern, HostPlaceholder) != 1 {
		return nil, nil, fmt.Errorf("%q: the pattern needs %s once, where the host's name is in the path", pattern, HostPlaceholder)
	}
	matches, err := filepath.Glob(strings.Replace(pattern, HostPlaceholder, "*", 1))
	if err != nil {
		return nil, nil, fmt.Errorf("bad pattern %q: %w", pattern, err)
	}
	re, err := hostRegexp(pattern)
	if err != nil {
		return nil, nil, err
	}
	byHost := map[string][]string{}
	for _, m := range matches {
		if sub := re.FindStringSubmatch(m); sub != nil && sub[1] != "" {
			byHost[sub[1]] = append(byHost[sub[1]], m)
		}
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	return hosts, byHost, nil
}

// hostRegexp matches the paths of a pattern, its {host} captured: the glob
// read as a regular expression, "*" and "?" within one path element.
func hostRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	rest := pattern
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, HostPlaceholder):
			b.WriteString("([^/]+)")
			rest = rest[len(HostPlaceholder):]
			continue
		case rest[0] == '*':
			b.WriteString("[^/]*")
		case rest[0] == '?':
			b.WriteString("[^/]")
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("bad pattern %q: unclosed [", pattern)
			}
			b.WriteString(rest[:end+1])
			rest = rest[end+1:]
			continue
		default:
			b.WriteString(regexp.QuoteMeta(rest[:1]))
		}
		rest = rest[1:]
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
