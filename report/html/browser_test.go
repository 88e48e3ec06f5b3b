package html

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/nginxconf"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
)

// chromium is Debian's browser, which .ci/run installs; the test drives it
// through the DevTools protocol, with no download.
const chromium = "/usr/bin/chromium"

// rendered is what the browser shows of a page, read from its DOM.
type rendered struct {
	Rows    []string  `json:"rows"`    // the bursts table's rows, as text
	Causes  []string  `json:"causes"`  // each burst's top cause line
	Bands   []float64 `json:"bands"`   // each 502 band's x, in the chart's units
	Start   float64   `json:"start"`   // the chart's start, ms since the epoch
	Span    float64   `json:"span"`    // its span in ms
	Text    string    `json:"text"`    // the page's whole text
	Images  int       `json:"images"`  // <img> elements
	Scripts int       `json:"scripts"` // <script> elements
	Zoomed  bool      `json:"zoomed"`  // the script ran: the root has the js class
	// Findings are the configuration findings' rows.
	Findings int `json:"findings"`
}

const readDOM = `(() => {
  const chart = document.getElementById("chart");
  return {
    rows: [...document.querySelectorAll("#bursts tbody tr")].map(r => r.innerText),
    causes: [...document.querySelectorAll("#bursts article .causes > li.top > p:first-child")].map(p => p.innerText),
    bands: [...document.querySelectorAll("#chart rect.band502")].map(r => Number(r.getAttribute("x"))),
    start: chart ? Number(chart.dataset.start) : 0,
    span: chart ? Number(chart.dataset.span) : 0,
    text: document.body.innerText,
    images: document.querySelectorAll("img").length,
    scripts: document.querySelectorAll("script").length,
    zoomed: document.documentElement.classList.contains("js"),
    findings: document.querySelectorAll("#config tbody tr").length,
  };
})()`

// browse opens the page file in a fresh tab with the network blocked and
// returns what it shows, and every request that tried to leave it and
// every error it logged or dialog it opened.
func browse(t *testing.T, browser context.Context, path, shot string) (rendered, []string) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	ctx, stop := context.WithTimeout(ctx, 60*time.Second)
	defer stop()
	var mu sync.Mutex
	var problems []string
	note := func(format string, a ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, a...))
		mu.Unlock()
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if u := ev.Request.URL; !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
				note("a request left the page: %s", u)
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				note("logged: %s", ev.Entry.Text)
			}
		case *runtime.EventExceptionThrown:
			note("exception: %s", ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				note("console.error")
			}
		case *cdppage.EventJavascriptDialogOpening:
			note("a dialog opened: %s", ev.Message)
			go chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
		}
	}); err != nil {
		t.Fatal(err)
	}
	var block []*network.BlockPattern
	for _, scheme := range []string{"http", "https", "ws", "wss", "ftp"} {
		block = append(block, &network.BlockPattern{URLPattern: scheme + "://*:*/*", Block: true})
	}
	if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: block}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[rendered](readDOM))
	if err != nil {
		t.Fatal(err)
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			t.Error(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return got, append([]string(nil), problems...)
}

// artefacts is where the screenshots go: $BADGW_ARTIFACTS, or a folder
// in the temporary directory; they are kept, not committed.
func artefacts(t *testing.T) string {
	dir := os.Getenv("BADGW_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "badgw-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPagesInABrowser opens the pages of the demo, a fixture of several
// days, one with an nginx error episode, and one whose every log field is
// hostile, in a real Chromium with the network blocked: the bursts' rows
// and top causes are those of the analysis, each burst's band stands at
// its start on the chart, the page's script runs, nothing is logged as an
// error (a blocked style or script, an exception), no request leaves the
// page, and of the hostile strings nothing runs: they show as text.
func TestPagesInABrowser(t *testing.T) {
	if _, err := exec.LookPath(chromium); err != nil {
		t.Fatalf("%s is needed (.ci/run installs Debian's chromium): %v", chromium, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.WindowSize(1200, 1600),
		// Nothing may be fetched: a proxy that does not exist catches
		// what the blocked patterns would miss.
		chromedp.Flag("proxy-server", "http://127.0.0.1:9"), chromedp.Flag("proxy-bypass-list", "<-loopback>"))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	shots := artefacts(t)

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
		got, problems := browse(t, browser, path, filepath.Join(shots, "page-check.jpg"))
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
			got, problems := browse(t, browser, path, filepath.Join(shots, "page-"+c.name+".jpg"))
			for _, p := range problems {
				t.Error(p)
			}
			if !got.Zoomed || got.Images != 0 || got.Scripts != 1 {
				t.Errorf("script ran %v, %d images, %d scripts", got.Zoomed, got.Images, got.Scripts)
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
				}
				want := 1000 * (float64(bu.Start.UnixMilli()) - got.Start) / got.Span
				if math.Abs(got.Bands[i]-want) > 0.5 {
					t.Errorf("burst #%d's band stands at %.1f, its start at %.1f", bu.ID, got.Bands[i], want)
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
