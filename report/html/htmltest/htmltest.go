// Package htmltest opens badgw's post-mortem pages in a real browser for
// tests: Debian's Chromium driven through the DevTools protocol, the
// network blocked, and what the page shows read from its DOM together
// with every request, error and dialog it caused.
package htmltest

import (
	"context"
	"fmt"
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
)

// Chromium is Debian's browser, which .ci/run installs; the test drives it
// through the DevTools protocol, with no download.
const Chromium = "/usr/bin/chromium"

// Rendered is what the browser shows of a page, read from its DOM.
type Rendered struct {
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
	// Zoom is the chart after a click on its first burst band (nil
	// without one): the band's width, the viewBox's width after, and the
	// last axis label before and after.
	Zoom *Zoom `json:"-"`
}

// Zoom is what a click on a burst's band did to the chart.
type Zoom struct {
	Band, Width  float64
	Last, Before string
}

const clickFirstBand = `(() => {
  const chart = document.getElementById("chart");
  const band = chart && chart.querySelector("rect.band502");
  if (!band) { return null; }
  const label = () => [...document.querySelectorAll("#ticks span")].pop().textContent;
  const before = label();
  band.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true}));
  return {Band: Number(band.getAttribute("width")), Width: chart.viewBox.baseVal.width, Last: label(), Before: before};
})()`

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

// Browse opens the page file in a fresh tab with the network blocked and
// returns what it shows, and every request that tried to leave it and
// every error it logged or dialog it opened. It saves a screenshot of the
// whole page at shot and a small one of its top beside it (-top.jpg).
func Browse(t *testing.T, browser context.Context, path, shot string) (Rendered, []string) {
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
	got, err := chromedp.Run(ctx, chromedp.Evaluate[Rendered](readDOM))
	if err != nil {
		t.Fatal(err)
	}
	if img, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		if err := os.WriteFile(shot, img, 0o644); err != nil {
			t.Error(err)
		}
	}
	// The top of the page, small: what the README shows.
	quality := int64(60)
	top, err := chromedp.Call(ctx, cdppage.CaptureScreenshot, cdppage.CaptureScreenshotParams{Format: cdppage.CaptureScreenshotFormatJpeg,
		Quality: &quality, Clip: &cdppage.Viewport{Width: 1000, Height: 760, Scale: 0.8}})
	if err == nil {
		if err := os.WriteFile(strings.TrimSuffix(shot, filepath.Ext(shot))+"-top.jpg", top.Data, 0o644); err != nil {
			t.Error(err)
		}
	}
	zoom, err := chromedp.Run(ctx, chromedp.Evaluate[*Zoom](clickFirstBand))
	if err != nil {
		t.Fatal(err)
	}
	got.Zoom = zoom
	mu.Lock()
	defer mu.Unlock()
	return got, append([]string(nil), problems...)
}

// Artefacts is where the screenshots go: $BADGW_ARTIFACTS, or a folder
// in the temporary directory; they are kept, not committed.
func Artefacts(t *testing.T) string {
	dir := os.Getenv("BADGW_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "badgw-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Browser starts Chromium for the test, headless, with a proxy that does
// not exist (nothing may be fetched), and returns the context to open
// pages in; it ends with the test.
func Browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath(Chromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing in CI: %v", Chromium, err)
		}
		t.Skipf("needs Debian's chromium (apt-get install chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(Chromium), chromedp.WindowSize(1200, 1600),
		chromedp.Flag("proxy-server", "http://127.0.0.1:9"), chromedp.Flag("proxy-bypass-list", "<-loopback>"))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	return browser
}
