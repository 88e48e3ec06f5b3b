package logparse

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
)

// presetDirectives are log_format directives as the projects ship them.
// Sources: nginx's built-in "combined"; "main" from nginx.org's packaged
// nginx.conf; ingress-nginx's default log-format-upstream; Kong 3.x's
// kong_log_format from its nginx template; APISIX's default
// access_log_format from config-default.yaml; nginx-proxy's "vhost" from its
// nginx.tmpl, with "$upstream_addr" (current) and without (older images);
// "upstream_time" from NGINX's admin guide on logging, which many configs
// copy. "json" and "badgw" are the formats badgw's README recommends.
var presetDirectives = []struct{ name, directive string }{
	{"combined", `log_format combined '` + combinedSpec + `';`},
	{"main", `log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                  '$status $body_bytes_sent "$http_referer" '
                  '"$http_user_agent" "$http_x_forwarded_for"';`},
	{"ingress-nginx", `log_format upstreaminfo '$remote_addr - $remote_user [$time_local] "$request" '
    '$status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time '
    '[$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr '
    '$upstream_response_length $upstream_response_time $upstream_status $req_id';`},
	{"kong", `log_format kong_log_format '$remote_addr - $remote_user [$time_local] '
                           '"$request" $status $body_bytes_sent '
                           '"$http_referer" "$http_user_agent" '
                           'kong_request_id: "$kong_request_id"';`},
	{"apisix", `log_format main '$remote_addr - $remote_user [$time_local] $http_host "$request" $status $body_bytes_sent $request_time "$http_referer" "$http_user_agent" $upstream_addr $upstream_status $upstream_response_time "$upstream_scheme://$upstream_host$upstream_uri"';`},
	{"nginx-proxy", `log_format vhost '$host $remote_addr - $remote_user [$time_local] '
                 '"$request" $status $body_bytes_sent '
                 '"$http_referer" "$http_user_agent" '
                 '"$upstream_addr"';`},
	{"vhost", `log_format vhost '$host $remote_addr - $remote_user [$time_local] '
                 '"$request" $status $body_bytes_sent '
                 '"$http_referer" "$http_user_agent"';`},
	{"upstream_time", `log_format upstream_time '$remote_addr - $remote_user [$time_local] '
                         '"$request" $status $body_bytes_sent '
                         '"$http_referer" "$http_user_agent" '
                         'rt=$request_time uct="$upstream_connect_time" '
                         'uht="$upstream_header_time" urt="$upstream_response_time"';`},
	{"json", `log_format json escape=json '{"time":"$time_iso8601","msec":"$msec","connection":"$connection",'
    '"request_id":"$request_id","remote_addr":"$remote_addr","host":"$host","request":"$request",'
    '"status":"$status","request_time":"$request_time","upstream_addr":"$upstream_addr",'
    '"upstream_status":"$upstream_status","upstream_connect_time":"$upstream_connect_time",'
    '"upstream_header_time":"$upstream_header_time","upstream_response_time":"$upstream_response_time",'
    '"http_user_agent":"$http_user_agent"}';`},
	{"badgw", `log_format badgw '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" conn=$connection rid=$request_id rt=$request_time '
    'ua="$upstream_addr" us="$upstream_status" uct="$upstream_connect_time" '
    'uht="$upstream_header_time" urt="$upstream_response_time"';`},
}

var presets = func() map[string]*Format {
	m := map[string]*Format{}
	for _, p := range presetDirectives {
		f, err := parseFormatText(p.directive)
		if err != nil {
			panic(fmt.Sprintf("preset %s: %v", p.name, err))
		}
		f.Name = p.name
		m[p.name] = f
	}
	return m
}()

// Preset returns the named preset format.
func Preset(name string) (*Format, bool) {
	f, ok := presets[name]
	return f, ok
}

// Label names f for people: a preset as such, any other format by its
// log_format name, saying so when that name is also a preset's (the seed
// report's "main" is a tab-separated format, not nginx.org's main).
func Label(f *Format) string {
	p, ok := presets[f.Name]
	switch {
	case ok && p.Spec == f.Spec && p.Escape == f.Escape:
		return "preset " + f.Name
	case ok:
		return "log_format " + f.Name + " (not the preset of that name)"
	}
	return "log_format " + f.Name
}

// PresetNames lists the presets in the order badgw tries them.
func PresetNames() []string {
	names := make([]string, len(presetDirectives))
	for i, p := range presetDirectives {
		names[i] = p.name
	}
	return names
}

// PresetDirective returns the directive text of a preset.
func PresetDirective(name string) string {
	for _, p := range presetDirectives {
		if p.name == name {
			return p.directive
		}
	}
	return ""
}

// DetectThreshold is the share of sample lines a format must parse to be chosen.
const DetectThreshold = 0.95

// A short sample may still hold a foreign line or two (a note pasted above
// the lines, a last line cut at rotation): a format that parses all but
// foreignAllowance of them, and at least minAgreeing, is chosen too,
// because that many lines of one shape do not agree by chance.
const (
	foreignAllowance = 2
	minAgreeing      = 8
)

// fits reports whether a detection is good enough to choose its format.
func (d Detection) fits() bool {
	return d.Share() >= DetectThreshold || (d.Matched >= minAgreeing && d.Sampled-d.Matched <= foreignAllowance)
}

// MinExplicitShare is the least share of access-looking sample lines that a
// format given by the user (--format, --nginx-conf) must parse. Below it the
// format does not describe the log, and going on would report "0 bursts"
// over lines it never read.
const MinExplicitShare = 0.5

// Detection is the outcome of trying candidate formats on sample lines.
type Detection struct {
	Format  *Format
	Matched int // sample lines the format parsed
	Sampled int // access-log sample lines tried
	// FirstFailure is the first sample line the format did not parse, with
	// the ParseError saying where, for the error message when nothing fits.
	FirstFailure     string
	FirstFailureErr  error
	FirstFailureLine int
	// reach sums, over the lines that failed, the column where each failed,
	// and failedBytes their lengths: among formats that parse nothing, the
	// one that got furthest into the lines is the real near miss.
	reach, failedBytes int
	// fieldsReached sums, over the failing lines, the share of the
	// format's fields matched before the failure.
	fieldsReached float64
}

// Share is the fraction of sample lines parsed.
func (d Detection) Share() float64 {
	if d.Sampled == 0 {
		return 0
	}
	return float64(d.Matched) / float64(d.Sampled)
}

// meanReach is how far, in bytes, the format got into a failing line on average.
func (d Detection) meanReach() float64 {
	if failed := d.Sampled - d.Matched; failed > 0 {
		return float64(d.reach) / float64(failed)
	}
	return 0
}

// ErrNoFormat is returned by Detect when no candidate parses enough lines,
// and by CheckFormat when the given format parses too few.
var ErrNoFormat = errors.New("no known format fits the access log")

// ErrFormatMismatch is returned by CheckFormat when the format the user gave
// parses too few of the access log's lines; it wraps ErrNoFormat.
var ErrFormatMismatch = fmt.Errorf("%w: the format given does not describe the log", ErrNoFormat)

func try(f *Format, sample [][]byte) Detection {
	d := Detection{Format: f}
	var rec Record
	for i, line := range sample {
		if IsErrorLine(line) || len(line) == 0 {
			continue
		}
		d.Sampled++
		err := f.Parse(line, &rec)
		if err == nil {
			d.Matched++
			continue
		}
		d.failedBytes += len(line)
		var pe *ParseError
		if errors.As(err, &pe) {
			d.reach += pe.Column - 1
			d.fieldsReached += f.fieldShare(pe.Field)
			if errors.Is(pe.Err, ErrTrailing) {
				d.reach = d.reach - pe.Column + 1 + len(line) // every field matched
			}
		}
		if d.FirstFailureErr == nil {
			d.FirstFailure, d.FirstFailureErr, d.FirstFailureLine = string(line), err, i+1
		}
	}
	return d
}

func rank(candidates []*Format, sample [][]byte) []Detection {
	results := make([]Detection, 0, len(candidates))
	for _, f := range candidates {
		results = append(results, try(f, sample))
	}
	sort.SliceStable(results, func(i, j int) bool {
		a, b := results[i], results[j]
		if a.Share() != b.Share() {
			return a.Share() > b.Share()
		}
		if ra, rb := a.meanReach(), b.meanReach(); ra != rb {
			return ra > rb
		}
		// On a tie the format with more fields wins: it tells badgw more.
		return len(a.Format.fields) > len(b.Format.fields)
	})
	return results
}

// Detect tries each candidate on the sample lines (error-log lines among them
// are skipped) and returns the best. It fails with ErrNoFormat, wrapped with
// the closest candidate and where it first fails, when none reaches
// DetectThreshold or parses all but a foreign line or two. names, when
// given, says where each sample line came from ("access.log.5.gz:12"), for
// the message.
func Detect(sample [][]byte, candidates []*Format, names ...string) (Detection, error) {
	if len(candidates) == 0 {
		return Detection{}, ErrNoFormat
	}
	results := rank(candidates, sample)
	best := results[0]
	if best.Sampled == 0 {
		return best, fmt.Errorf("%w: the sample holds no access-log lines", ErrNoFormat)
	}
	if !best.fits() {
		return best, fmt.Errorf("%w: %s", ErrNoFormat, nearMiss(best, names))
	}
	return best, nil
}

// CheckFormat tries the format the user gave on the sample. When it parses
// less than MinExplicitShare of the access-looking lines it fails with
// ErrFormatMismatch, saying where it fails and which candidate comes closest.
func CheckFormat(f *Format, sample [][]byte, candidates []*Format, names ...string) (Detection, error) {
	d := try(f, sample)
	if d.Sampled == 0 || d.Share() >= MinExplicitShare {
		return d, nil
	}
	msg := fmt.Sprintf("%q parses %d of %d sample lines; it first fails on %s at %s:\n  %s",
		f.Name, d.Matched, d.Sampled, lineName(names, d.FirstFailureLine), where(d.FirstFailureErr), truncate(d.FirstFailure, 200))
	if len(candidates) > 0 {
		if best := rank(candidates, sample)[0]; best.Format.Spec != f.Spec {
			msg += "\namong the presets, " + nearMiss(best, names)
		}
	}
	return d, fmt.Errorf("%w: %s", ErrFormatMismatch, msg)
}

// lineName names sample line n (1-based): where it came from when names
// says, else its place in the sample.
func lineName(names []string, n int) string {
	if n >= 1 && n <= len(names) {
		return names[n-1]
	}
	return fmt.Sprintf("sample line %d", n)
}

// nearMiss describes the best candidate that still failed. When every
// candidate fails before a quarter of its fields (a first field that takes
// any word is no match) there is no near miss, and saying "closest is X"
// would send the user after a wrong format.
func nearMiss(best Detection, names []string) string {
	if best.Matched == best.Sampled && best.Sampled > 0 {
		return fmt.Sprintf("preset %q parses every one of the %d sample lines: use --format %s", best.Format.Name, best.Sampled, best.Format.Name)
	}
	if failed := best.Sampled - best.Matched; best.Matched == 0 && (failed == 0 || best.fieldsReached/float64(failed) < 0.25) {
		return fmt.Sprintf("no preset comes close: each fails at the first field of every line; the first line is:\n  %s",
			truncate(best.FirstFailure, 200))
	}
	return fmt.Sprintf("closest is %q, parsing %d of %d sample lines; it first fails on %s at %s:\n  %s",
		best.Format.Name, best.Matched, best.Sampled, lineName(names, best.FirstFailureLine), where(best.FirstFailureErr), truncate(best.FirstFailure, 200))
}

// where says at which column and field a parse failed, without the
// package's error prefixes.
func where(err error) string {
	var pe *ParseError
	if errors.As(err, &pe) {
		what := "does not match"
		if errors.Is(pe.Err, ErrTrailing) {
			what = "unexpected text after the last field"
		}
		return fmt.Sprintf("column %d, %s (%s)", pe.Column, pe.Field, what)
	}
	return fmt.Sprint(err)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Candidates returns the presets followed by extra formats (such as those read
// from nginx.conf), without duplicates by name.
func Candidates(extra ...*Format) []*Format {
	var out []*Format
	seen := map[string]bool{}
	for _, f := range extra {
		if !seen[f.Spec] {
			seen[f.Spec] = true
			out = append(out, f)
		}
	}
	for _, n := range PresetNames() {
		f := presets[n]
		if !seen[f.Spec] {
			seen[f.Spec] = true
			out = append(out, f)
		}
	}
	return out
}

// IsErrorLine reports whether line starts like an error.log entry
// ("2026/11/22 01:12:55 [error] ..."), so that mixed streams can be split.
// Lines pasted without nginx's date ("[error] 7#7: *9 …", or from the PID
// on, "7#7: *9 …"), and nginx's own syslog output (its header replaces the
// date), are error lines too: see errorStart.
func IsErrorLine(line []byte) bool {
	_, ok := errorStart(line)
	return ok
}

// errorStart finds where an error line's "[level]" begins: 20 after
// nginx's date, 0 for a line pasted without it, -1 for one that starts at
// the PID (no level either).
func errorStart(line []byte) (int, bool) {
	switch {
	case len(line) > 21 && line[4] == '/' && line[7] == '/' && line[10] == ' ' &&
		line[13] == ':' && line[16] == ':' && line[19] == ' ' && line[20] == '[' &&
		line[0] >= '0' && line[0] <= '9':
		return 20, true
	case len(line) > 8 && line[0] == '[':
		end := bytes.IndexByte(line[:min(len(line), 10)], ']')
		if end < 0 {
			return 0, false
		}
		if _, ok := parseLevel(line[1:end]); !ok || end+1 >= len(line) || line[end+1] != ' ' {
			return 0, false
		}
		return 0, pidTID(line[end+2:]) > 0
	case len(line) > 4 && line[0] >= '0' && line[0] <= '9':
		return -1, pidTID(line) > 0
	case len(line) > 3 && line[0] == '*' && line[1] >= '0' && line[1] <= '9':
		// From the connection serial on: "*55 connect() failed …".
		i := 1
		for i < len(line) && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		return -1, i < len(line) && line[i] == ' '
	}
	return 0, false
}

// pidTID returns the length of a leading "PID#TID: ", 0 if there is none.
func pidTID(b []byte) int {
	i := 0
	for i < len(b) && i < 10 && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != '#' {
		return 0
	}
	j := i + 1
	for j < len(b) && j < i+12 && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == i+1 || j+1 >= len(b) || b[j] != ':' || b[j+1] != ' ' {
		return 0
	}
	return j + 2
}

// Describe returns the directive text of f, for "badgw formats" and reports.
func Describe(f *Format) string {
	if d := PresetDirective(f.Name); d != "" && presets[f.Name] == f {
		return d
	}
	return f.Directive()
}

// fieldShare is the share of f's fields before the named one: how far a
// line got when it failed there (1 for text after the last field).
func (f *Format) fieldShare(field string) float64 {
	if len(f.fields) == 0 {
		return 0
	}
	for i, fl := range f.fields {
		if "$"+fl.name == field {
			return float64(i) / float64(len(f.fields))
		}
	}
	if field == "end of line" {
		return 1
	}
	return 0
}
