package html

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/nginxconf"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/report/html/htmltest"
)

// TestPagesInABrowser opens the pages of the demo, a fixture of several
// days, one with an nginx error episode, and one whose every log field is
// hostile, in a real Chromium with the network blocked: the bursts' rows
// and top causes are those of the analysis, each burst's band stands at
// its start on the chart, the page's script runs, nothing is logged as an
// error (a blocked style or script, an exception), no request leaves the
// page, and of the hostile strings nothing runs: they show as text.
func TestPagesInABrowser(t *testing.T) {
	browser := htmltest.Browser(t)
	shots := htmltest.Artefacts(t)

	type pageCase struct {
		name string
		snap pipeline.Snapshot
		conf string
	}
	var cases []pageCase
	for _, name := range []string{"no-live-upstreams", "days-rise", "fd-exhaustion"} {
		dir := fixturetest.Dir(name)
		cases = append(cases, pageCase{name, fixturetest.Analyse(t, dir), filepath.Join(dir, "nginx.conf")})
	}
	hostile := fixturetest.Analyse(t, fixturetest.Dir("peer-refused"))
	poison(&hostile)
	cases = append(cases, pageCase{"hostile", hostile, ""})
	cases = append(cases, pageCase{"hostile-logs", fixturetest.Analyse(t, hostileLogs(t)), ""})

	started := time.Now()
	t.Run("check", func(t *testing.T) {
		cfg, err := nginxconf.LoadLenient(filepath.Join(fixturetest.Dir("peer-refused"), "nginx.conf"))
		if err != nil {
			t.Fatal(err)
		}
		res := audit.Check(cfg, nil, audit.Options{})
		var b bytes.Buffer
		if err := WriteCheck(&b, res); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "check.html")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		got, problems := htmltest.Browse(t, browser, path, filepath.Join(shots, "page-check.jpg"))
		for _, p := range problems {
			t.Error(p)
		}
		if len(res.Findings) == 0 || got.Findings != len(res.Findings) || got.Scripts != 1 {
			t.Errorf("%d finding rows shown of %d, %d scripts", got.Findings, len(res.Findings), got.Scripts)
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var findings []audit.Finding
			if c.conf != "" {
				var err error
				if _, findings, err = audit.ForAnalysis(c.conf, audit.Options{}); err != nil {
					t.Fatal(err)
				}
			}
			var b bytes.Buffer
			if err := Write(&b, c.snap, Options{Findings: findings}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), c.name+".html")
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			got, problems := htmltest.Browse(t, browser, path, filepath.Join(shots, "page-"+c.name+".jpg"))
			for _, p := range problems {
				t.Error(p)
			}
			if !got.Zoomed || got.Images != 0 || got.Scripts != 1 {
				t.Errorf("script ran %v, %d images, %d scripts", got.Zoomed, got.Images, got.Scripts)
			}
			// A click zooms to a band narrower than a few times its
			// width; a wider one's link leads to the burst at once.
			if z := got.Zoom; z != nil && z.Band < 1000/3.5 && (math.Abs(z.Width-3*z.Band) > 0.01 || z.Last == z.Before) {
				t.Errorf("a click on a burst's band did not zoom to it: %+v", z)
			}
			if got.Zoom == nil && len(c.snap.BadGatewayBursts()) > 0 {
				t.Errorf("no band to click")
			}
			bursts := c.snap.BadGatewayBursts()
			if len(got.Rows) != len(bursts) || len(got.Causes) != len(bursts) || len(got.Bands) != len(bursts) {
				t.Fatalf("%d rows, %d causes, %d bands for %d bursts", len(got.Rows), len(got.Causes), len(got.Bands), len(bursts))
			}
			for i, bu := range bursts {
				if !strings.Contains(got.Rows[i], report.CauseLine(bu)) {
					t.Errorf("row %d is %q, the burst's cause %s", i, got.Rows[i], report.CauseLine(bu))
				}
				if top := bu.TopCause(); top == nil || !strings.HasPrefix(got.Causes[i], top.ID) {
					t.Errorf("burst #%d's top cause shows as %q", bu.ID, got.Causes[i])
				} else if len(top.Steps) > 0 && !strings.Contains(got.Text, report.Clean(top.Steps[0].Change)) {
					t.Errorf("burst #%d's fix does not show: %q", bu.ID, top.Steps[0].Change)
				}
				want := 1000 * (float64(bu.Start.UnixMilli()) - got.Start) / got.Span
				if math.Abs(got.Bands[i]-want) > 0.5 {
					t.Errorf("burst #%d's band stands at %.1f, its start at %.1f", bu.ID, got.Bands[i], want)
				}
			}
			if c.name == "hostile-logs" {
				for _, s := range []string{"/a</script><img/src=x/onerror=alert(1)>", "<svg onload=alert(2)>", "javascript:alert(3)"} {
					if !strings.Contains(got.Text, s) {
						t.Errorf("%q does not show as text", s)
					}
				}
			}
			if c.name == "hostile" {
				for _, s := range []string{"<img src=x onerror=alert(2)>", "</script><script>alert(1)</script>", "javascript:alert(3)"} {
					if !strings.Contains(got.Text, s) {
						t.Errorf("%q does not show as text", s)
					}
				}
			}
		})
	}
	t.Logf("%d pages in %s; screenshots in %s", len(cases)+1, time.Since(started).Round(time.Millisecond), shots)
}

// poison puts markup, script and bidi controls into every field of the
// first burst that comes from a log line, and into the input's name.
func poison(snap *pipeline.Snapshot) {
	all := strings.Join([]string{
		`</script><script>alert(1)</script>`, `<img src=x onerror=alert(2)>`, `javascript:alert(3)`,
		"\u202eevil\u202c", `"><svg onload=alert(4)>`, `</style><style>body{display:none}</style>`,
	}, " ")
	b := &snap.Bursts[0]
	b.Group, b.Node = all, all
	b.Samples = []correlate.Sample{{Source: all, Line: 1, Text: all}}
	b.ErrorSamples = b.Samples
	b.Impact.URLs = []correlate.Count{{Key: all, N: 1}}
	b.Impact.TopClients = b.Impact.URLs
	b.Peers, b.Chains = b.Impact.URLs, b.Impact.URLs
	b.Causes[0].Summary, b.Causes[0].Evidence = all, []string{all}
	b.Causes[0].Steps[0].Change, b.Causes[0].Steps[0].At = all, all
	snap.Ingest.Files[0].Path = all
	for i := range snap.Groups {
		snap.Groups[i].Group = all
	}
}

// hostileLogs is the recorded peer-refused incident with its fields of
// free text replaced by markup and script (synthetic lines derived from
// the recording): the request's path, the referrer and user agent, and
// the error lines' request and host. Its folder has the incident's
// nginx.conf.
func hostileLogs(t *testing.T) string {
	t.Helper()
	src, dir := fixturetest.Dir("peer-refused"), t.TempDir()
	path := "/a</script><img/src=x/onerror=alert(1)>"
	agent := "<svg onload=alert(2)> \u202eevil\u202c"
	replace := map[string]func(string) string{
		"access.log": func(l string) string {
			l = regexp.MustCompile(`"(GET|POST) [^ ]+ `).ReplaceAllString(l, `"$1 `+path+` `)
			l = strings.Replace(l, `"-" "`, `"javascript:alert(3)" "`+agent+` `, 1)
			return l
		},
		"error.log": func(l string) string {
			l = regexp.MustCompile(`request: "(GET|POST) [^ ]+ `).ReplaceAllString(l, `request: "$1 `+path+` `)
			return regexp.MustCompile(`host: "[^"]*"`).ReplaceAllString(l, `host: "<script>alert(4)</script>"`)
		},
	}
	for name, fn := range replace {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(data), "\n")
		for i := range lines {
			lines[i] = fn(lines[i])
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	conf, err := os.ReadFile(filepath.Join(src, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
