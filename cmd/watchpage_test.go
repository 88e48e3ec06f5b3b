package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/report/html/htmltest"
)

// TestWatchKeepsThePage: watch --html rewrites the post-mortem page as
// the recorded incident's bursts close, each shown whole, and once more
// when watch stops; the page of the live run opens in a real browser with
// its two bursts' rows and bands, no error and no request. A page path
// watch cannot write, or stdout, is refused at start.
func TestWatchKeepsThePage(t *testing.T) {
	conf, acc, errs := recordedIncident(t)
	page := filepath.Join(t.TempDir(), "incident.html")
	hook := &webhookLog{}
	w := startWatch(t, conf, hook, "--html", page)
	af, _ := os.OpenFile(w.acc, os.O_WRONLY|os.O_APPEND, 0)
	ef, _ := os.OpenFile(w.err, os.O_WRONLY|os.O_APPEND, 0)
	replayBySecond(acc, errs, func(l string) { af.WriteString(l) }, func(l string) { ef.WriteString(l) }, func(int) {
		time.Sleep(20 * time.Millisecond)
	})
	af.Close()
	ef.Close()
	hook.waitResolves(2, 30*time.Second)
	var live []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if live, _ = os.ReadFile(page); strings.Count(string(live), `<article class="burst"`) == 2 {
			break
		}
	}
	if n := strings.Count(string(live), `<article class="burst"`); n != 2 || strings.Contains(string(live), "Kept as its summary only") ||
		strings.Count(string(live), "<h4>Who was hit</h4>") != 2 {
		t.Fatalf("while watching, the page shows %d bursts:\n%s", n, live)
	}
	w.stop(t)
	final, err := os.ReadFile(page)
	if err != nil || strings.Count(string(final), `<article class="burst"`) != 2 {
		t.Fatalf("the page when watch stopped: %v\n%s", err, final)
	}
	for _, bad := range []string{"-", filepath.Join(t.TempDir(), "missing", "p.html")} {
		if code, _, errOut := run(t, nil, "watch", "--html", bad, page); code != ExitUsage || !strings.Contains(errOut, "--html") {
			t.Errorf("--html %s: exit %d, %s", bad, code, errOut)
		}
	}
	got, problems := htmltest.Browse(t, htmltest.Browser(t), page, filepath.Join(htmltest.Artefacts(t), "page-watch.jpg"))
	for _, p := range problems {
		t.Error(p)
	}
	if len(got.Rows) != 2 || len(got.Bands) != 2 || !got.Zoomed {
		t.Errorf("the browser shows %d rows, %d bands; script ran %v", len(got.Rows), len(got.Bands), got.Zoomed)
	}
}

// TestPageShowsTheBurstsKeptWhole: of the summaries a long watch keeps,
// the page shows the latest keepWhole bursts whole, as they closed, and
// says of older ones that only their summary is left, without showing
// what it lost as empty.
func TestPageShowsTheBurstsKeptWhole(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("no-live-upstreams"))
	out, err := report.CheckOutput(filepath.Join(t.TempDir(), "p.html"))
	if err != nil {
		t.Fatal(err)
	}
	streams, _, _, _ := TestStreams()
	p := newPageWriter(out, streams, nil)
	if len(snap.Bursts) != 2 {
		t.Fatalf("%d bursts", len(snap.Bursts))
	}
	for i := range snap.Bursts {
		p.keep(snap.Bursts[i])
		snap.Bursts[i].Summarized, snap.Bursts[i].Impact = true, correlate.Impact{}
	}
	for id := 1000; id < 1000+keepWhole-1; id++ { // later bursts push the first out
		p.keep(correlate.Burst{ID: id})
	}
	if err := p.final(snap); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(out.Path)
	if n := strings.Count(string(page), "Kept as its summary only"); n != 1 {
		t.Errorf("%d bursts said to be summaries, want 1", n)
	}
	// What a summary no longer holds is not shown as empty.
	if n := strings.Count(string(page), "<dt>status chains</dt>"); n != 1 {
		t.Errorf("%d bursts show status chains, want the whole one's only", n)
	}
}
