// Package audit reads an nginx configuration for the settings that turn a
// backend's hiccup into 502s, each rule a unit of its own (rules.go lists
// them) with its identifier, why it matters, and the change that removes it.
package audit

import (
	"fmt"
	"sort"
	"time"

	"github.com/badgw/badgw/nginxconf"
)

// Severity ranks findings; --fail-on compares against it.
type Severity int

// Severities, lowest first. They map onto SARIF's levels.
const (
	Note Severity = iota + 1
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Note:
		return "note"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "none"
}

// ParseSeverity reads "note", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	for _, v := range []Severity{Note, Warning, Error} {
		if v.String() == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want note, warning or error)", s)
}

// Location is a place in a configuration file.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// What says what stands there ("upstream app", "proxy_next_upstream").
	What string `json:"what,omitempty"`
}

// Finding is one risk found.
type Finding struct {
	Rule     string
	Severity Severity
	// Group is the upstream block the finding is about, if one.
	Group string
	Location
	// Message says what was found and why it gives 502s, with this
	// configuration's names and values.
	Message string
	// Fix is the ordered list of changes, the one that removes the risk
	// first.
	Fix     []string
	Related []Location
}

// Rule is one check.
type Rule struct {
	ID       string
	Severity Severity
	Title    string
	// Why is the rationale: how the setting turns into 502s.
	Why string
	// Source is the documentation the rule rests on.
	Source string
	Run    func(*Pass)
}

// Options are what the configuration does not say.
type Options struct {
	// NginxVersion is the nginx the configuration runs on, zero when
	// unknown: defaults changed in 1.29.7 (upstream keepalive on, HTTP/1.1
	// to upstreams), and without a version the older defaults are assumed.
	NginxVersion Version
	// BackendIdleTimeout is how long the backends keep an idle connection
	// open, zero when unknown.
	BackendIdleTimeout time.Duration
}

// Pass is what a rule sees.
type Pass struct {
	Conf     *Conf
	Options  Options
	rule     *Rule
	findings []Finding
	omitted  int // findings past MaxFindingsPerRule
	group    string
}

// Report records a finding of the running rule.
func (p *Pass) Report(at Location, message string, fix []string, related ...Location) {
	p.ReportAs(p.rule.Severity, at, message, fix, related...)
}

// ReportAs records a finding at another severity than the rule's default.
// Past MaxFindingsPerRule a finding is only counted, unless it is more
// severe than the least severe one kept, which it then replaces: the
// worst are listed, and a configuration with the same mistake in a
// hundred thousand places holds fifty.
func (p *Pass) ReportAs(sev Severity, at Location, message string, fix []string, related ...Location) {
	f := Finding{Rule: p.rule.ID, Severity: sev, Group: p.group, Location: at, Message: message, Fix: fix, Related: related}
	if len(p.findings) < MaxFindingsPerRule {
		p.findings = append(p.findings, f)
		return
	}
	p.omitted++
	least := 0
	for i := range p.findings {
		if p.findings[i].Severity < p.findings[least].Severity {
			least = i
		}
	}
	if sev > p.findings[least].Severity {
		p.findings[least] = f
	}
}

// About returns a pass whose findings are about upstream u (nil: none),
// for the causes of a burst on u to cite.
func (p *Pass) About(u *nginxconf.Upstream) *GroupPass { return &GroupPass{p: p, u: u} }

// GroupPass reports findings about one upstream.
type GroupPass struct {
	p *Pass
	u *nginxconf.Upstream
}

// Report records a finding about the group.
func (g *GroupPass) Report(at Location, message string, fix []string, related ...Location) {
	g.ReportAs(g.p.rule.Severity, at, message, fix, related...)
}

// ReportAs records a finding about the group at a given severity.
func (g *GroupPass) ReportAs(sev Severity, at Location, message string, fix []string, related ...Location) {
	if g.u != nil {
		g.p.group = g.u.Name
	}
	g.p.ReportAs(sev, at, message, fix, related...)
	g.p.group = ""
}

// Result is an audit's outcome.
type Result struct {
	Findings []Finding
	// Omitted counts, per rule, the findings past MaxFindingsPerRule that
	// are not listed.
	Omitted []Omission
	// NotChecked lists what could not be read (Lua files outside the
	// configuration's folder, includes missing from a paste).
	NotChecked []string
	Files      []string
}

// Omission is how many findings of one rule were not listed.
type Omission struct {
	Rule  string `json:"rule"`
	Count int    `json:"count"`
}

// MaxFindingsPerRule bounds the findings listed for one rule: a generated
// configuration with the same mistake in ten thousand places needs the
// first few and the count, not a report of megabytes.
const MaxFindingsPerRule = 50

// Check runs every rule on a configuration.
func Check(cfg *nginxconf.Config, extraLua []LuaSource, opts Options) Result {
	conf := build(cfg, extraLua)
	res := Result{NotChecked: conf.notChecked, Files: cfg.Files}
	for _, r := range Rules() {
		p := &Pass{Conf: conf, Options: opts, rule: r}
		r.Run(p)
		if p.omitted > 0 {
			res.Omitted = append(res.Omitted, Omission{Rule: r.ID, Count: p.omitted})
		}
		res.Findings = append(res.Findings, p.findings...)
	}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i], res.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return res
}

// Worst is the highest severity among the findings, 0 when none.
func (r Result) Worst() Severity {
	var w Severity
	for _, f := range r.Findings {
		w = max(w, f.Severity)
	}
	return w
}

// Version is an nginx version.
type Version [3]int

// ParseVersion reads "1.29.7" or "nginx/1.22.1".
func ParseVersion(s string) (Version, error) {
	var v Version
	if len(s) > 6 && s[:6] == "nginx/" {
		s = s[6:]
	}
	if _, err := fmt.Sscanf(s, "%d.%d.%d", &v[0], &v[1], &v[2]); err != nil {
		return v, fmt.Errorf("nginx version %q: want MAJOR.MINOR.PATCH, as nginx -v prints it", s)
	}
	return v, nil
}

// AtLeast reports whether v is known and at least o.
func (v Version) AtLeast(o Version) bool {
	if v == (Version{}) {
		return false
	}
	for i := range v {
		if v[i] != o[i] {
			return v[i] > o[i]
		}
	}
	return true
}

func (v Version) String() string {
	if v == (Version{}) {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2])
}

// keepaliveByDefault is the release that made upstream keepalive and
// HTTP/1.1 to upstreams the default (CHANGES, 1.29.7).
var keepaliveByDefault = Version{1, 29, 7}

func at(d nginxconf.Directive) Location {
	return Location{File: d.File, Line: d.Line, What: d.Name()}
}

func (l Location) String() string { return fmt.Sprintf("%s:%d", l.File, l.Line) }
