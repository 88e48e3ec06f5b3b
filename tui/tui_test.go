package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/days"
	"github.com/badgw/badgw/diagnose"
	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
)

func TestMain(m *testing.M) {
	// Goldens hold plain text: no colour, whatever the terminal running the tests.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// TestScreens drives the model through teatest at four terminal sizes,
// for the demo and for a fixture with two upstream groups, in plain text
// (NO_COLOR) and in colour, and compares each final screen with
// testdata/TestScreens/<fixture>/<mode>/<size>.golden; the first burst's
// cause and the fix's first change must be on every one of them.
func TestScreens(t *testing.T) {
	for _, fixture := range []string{"no-live-upstreams", "two-groups"} {
		snap := fixturetest.Analyse(t, fixturetest.Dir(fixture))
		if len(snap.Bursts) == 0 || snap.Bursts[0].TopCause() == nil {
			t.Fatalf("%s: no burst with a cause", fixture)
		}
		cause := snap.Bursts[0].TopCause().ID
		for _, mode := range []string{"plain", "colour"} {
			for _, size := range [][2]int{{60, 16}, {80, 24}, {120, 40}, {200, 60}} {
				t.Run(fmt.Sprintf("%s/%s/%dx%d", fixture, mode, size[0], size[1]), func(t *testing.T) {
					if mode == "colour" {
						lipgloss.SetColorProfile(termenv.ANSI256)
						defer lipgloss.SetColorProfile(termenv.Ascii)
					}
					view := finalScreen(t, New(Options{Title: "demo", Plain: mode == "plain"}), snap, size, cause)
					plain := ansi.Strip(view)
					if w := lipgloss.Width(view); w > size[0] {
						t.Errorf("screen is %d columns wide, terminal has %d", w, size[0])
					}
					if h := lipgloss.Height(view); h > size[1] {
						t.Errorf("screen is %d lines high, terminal has %d", h, size[1])
					}
					for _, want := range []string{cause, "Fix 1."} {
						if !strings.Contains(plain, want) {
							t.Errorf("%q is not on the screen:\n%s", want, plain)
						}
					}
					if mode == "colour" && plain == view {
						t.Error("the colour screen has no colour")
					}
					golden.RequireEqual(t, []byte(view))
				})
			}
		}
	}
}

// finalScreen shows snap in m at size until cause is on the screen, then
// quits and returns the last view.
func finalScreen(t *testing.T, m Model, snap pipeline.Snapshot, size [2]int, cause string) string {
	t.Helper()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]))
	tm.Send(snapshotMsg{snap: snap})
	tm.Send(ingestDoneMsg{})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(cause)) },
		teatest.WithDuration(5*time.Second))
	tm.Send(keyMsg("q"))
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model).View()
}

// TestKeys exercises Update directly: selection, detail, filter, zoom,
// sort, panes, help and the unparsed-lines screen.
func TestKeys(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("no-live-upstreams"))
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m, _ = m.Update(snapshotMsg{snap: snap})
	press := func(keys ...string) {
		for _, k := range keys {
			m, _ = m.Update(keyMsg(k))
		}
	}
	model := func() Model { return m.(Model) }
	if model().selID != 1 {
		t.Fatalf("first burst not selected: %d", model().selID)
	}
	press("down")
	if model().selID != 2 {
		t.Errorf("down: selected %d, want 2", model().selID)
	}
	press("enter")
	if model().state != stateDetail || !strings.Contains(model().View(), "502 burst #2") {
		t.Errorf("enter: state %s\n%s", model().state, model().View())
	}
	press("esc", "up")
	if model().state != stateMain || model().selID != 1 {
		t.Errorf("esc/up: state %s, selected %d", model().state, model().selID)
	}
	zoom := model().zoom
	press("-")
	if model().zoom != zoom+1 {
		t.Errorf("zoom out: %d -> %d", zoom, model().zoom)
	}
	press("+")
	if model().zoom != zoom {
		t.Errorf("zoom in: back to %d, got %d", zoom, model().zoom)
	}
	press("tab")
	if model().focus != paneTimeline {
		t.Error("tab did not focus the timeline")
	}
	cursor := model().cursor
	press("left", "h")
	if model().cursor != cursor-2 {
		t.Errorf("left twice: cursor %d -> %d", cursor, model().cursor)
	}
	press("/", "n", "o", "p", "e", "enter")
	if len(model().visibleBursts()) != 0 || !strings.Contains(model().View(), "no burst matches") {
		t.Errorf("filter 'nope' still shows %d bursts", len(model().visibleBursts()))
	}
	press("/", "esc")
	if len(model().visibleBursts()) != 2 {
		t.Errorf("cleared filter shows %d bursts", len(model().visibleBursts()))
	}
	press("/", "a", "l", "l", "_", "p", "enter")
	if len(model().visibleBursts()) != 2 {
		t.Errorf("filter by cause shows %d bursts", len(model().visibleBursts()))
	}
	press("/", "esc", "s")
	if model().sort != sortSize || model().visibleBursts()[0].ID != 1 {
		t.Errorf("sort by size: %v", model().visibleBursts()[0].ID)
	}
	press("?")
	if model().state != stateHelp || !strings.Contains(model().View(), "zoom in") {
		t.Error("? shows no help")
	}
	press("?", "u")
	if model().state != stateErrors || !strings.Contains(model().View(), "every line was parsed") {
		t.Errorf("u: %s", model().View())
	}
	_, cmd := m.Update(keyMsg("q"))
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q does not quit")
	}
}

// TestControlSequencesStripped: log text reaching the screen carries no
// escape sequences.
func TestControlSequencesStripped(t *testing.T) {
	snap := pipeline.Snapshot{Snapshot: correlate.Snapshot{Bursts: []correlate.Burst{{
		ID: 1, Group: "evil\x1b]0;owned\x07group", Start: time.Unix(0, 0), End: time.Unix(5, 0), BadGateway: 5, Requests: 5,
		Causes:  []diagnose.Cause{{ID: "unknown", Summary: "sum\x1b[2Jmary", Fix: "fix"}},
		Samples: []correlate.Sample{{Source: "a.log", Line: 1, Text: "GET /\x1b[31mred"}},
	}}}}
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m, _ = m.Update(snapshotMsg{snap: snap})
	for _, view := range []string{m.View(), func() string { m2, _ := m.Update(keyMsg("enter")); return m2.View() }()} {
		if strings.ContainsAny(view, "\x1b\x07") {
			t.Errorf("escape sequence reached the screen: %q", view)
		}
	}
}

// TestLiveUpdates runs the real pipeline on a slowly fed pipe and checks
// the interface shows the burst and its cause while the pipe is open.
func TestLiveUpdates(t *testing.T) {
	acc, _ := os.ReadFile(filepath.Join("..", "fixtures", "single-peer-down", "access.log"))
	errs, _ := os.ReadFile(filepath.Join("..", "fixtures", "single-peer-down", "error.log"))
	pr, pw := io.Pipe()
	feed := make(chan pipeline.Snapshot, 1)
	f, _ := logparse.Preset("ingress-nginx")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go pipeline.Run(ctx, pipeline.RunConfig{
		Sets: []input.Set{{Base: "-", Paths: []string{"-"}}}, Stdin: pr, Format: f, Every: 50 * time.Millisecond,
		Publish: func(s pipeline.Snapshot) {
			select {
			case <-feed:
			default:
			}
			feed <- s
		},
	})
	go func() {
		pw.Write([]byte("==> error.log <==\n"))
		pw.Write(errs)
		pw.Write([]byte("\n==> access.log <==\n"))
		lines := strings.SplitAfter(string(acc), "\n")
		for i := 0; i < len(lines); i += 100 {
			pw.Write([]byte(strings.Join(lines[i:min(i+100, len(lines))], "")))
			time.Sleep(20 * time.Millisecond)
		}
	}()
	defer pw.Close()
	tm := teatest.NewTestModel(t, New(Options{Live: true, Plain: true}), teatest.WithInitialTermSize(100, 30))
	go tm.Send(pull(feed, nil))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("peer_refused")) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(50*time.Millisecond))
	tm.Send(keyMsg("q"))
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if m.done {
		t.Error("the pipe is still open, yet the model says done")
	}
	if !strings.Contains(m.View(), "LIVE") {
		t.Errorf("no LIVE marker:\n%s", m.View())
	}
}

// TestExport: "e" writes the bursts in view to a CSV in the export folder,
// named after the log time.
func TestExport(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("no-live-upstreams"))
	dir := t.TempDir()
	var m tea.Model = New(Options{Plain: true, ExportDir: dir})
	m, _ = m.Update(snapshotMsg{snap: snap})
	_, cmd := m.Update(keyMsg("e"))
	if cmd == nil {
		t.Fatal("e returned no command")
	}
	msg, ok := cmd().(exportedMsg)
	if !ok || msg.err != nil || msg.n != 2 {
		t.Fatalf("export: %+v", msg)
	}
	data, err := os.ReadFile(msg.path)
	if err != nil || !strings.HasPrefix(string(data), "id,start,end,") || strings.Count(string(data), "\n") != 3 {
		t.Errorf("%s: %v\n%s", msg.path, err, data)
	}
	m, _ = m.Update(msg)
	if !strings.Contains(m.View(), "exported 2 bursts") {
		t.Error("the status bar does not report the export")
	}
}

// TestGroupLanes: with several upstream groups and rows to spare, each
// group with 502s gets a row of its own under the chart.
func TestGroupLanes(t *testing.T) {
	c := correlate.New(correlate.Options{})
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	add := func(sec int, peer string, status int) {
		rec := logparse.Record{Time: base.Add(time.Duration(sec) * time.Second), Status: status, RequestTime: -1,
			Attempts: []logparse.Attempt{{Addr: []byte(peer), Status: status, Connect: -1, Header: -1, Response: -1}}}
		c.AddRecord(&rec, correlate.Pos{})
	}
	for s := 0; s < 40; s++ {
		add(s, "10.0.0.1:80", 200)
		add(s, "10.0.9.9:80", 200)
		if s >= 10 && s < 15 {
			add(s, "10.0.0.1:80", 502)
		}
		if s >= 20 && s < 30 {
			add(s, "10.0.9.9:80", 502)
		}
	}
	c.Flush()
	snap := pipeline.Snapshot{Snapshot: c.Snapshot()}
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 40})
	m, _ = m.Update(snapshotMsg{snap: snap})
	lanes := func() int { return strings.Count(m.View(), "│   502 ") }
	if n := lanes(); n != 2 {
		t.Errorf("%d lanes, want one per group:\n%s", n, m.View())
	}
	found := false
	for _, line := range strings.Split(m.View(), "\n") {
		if strings.HasPrefix(line, "│   502 ") && strings.Contains(line, "██████████ ") && strings.Contains(line, "10.0.9.9:80") {
			found = true
		}
	}
	if !found {
		t.Errorf("the busier group's lane is missing or unlabelled:\n%s", m.View())
	}
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if n := lanes(); n != 0 {
		t.Errorf("%d lanes on a 24-row terminal, want none", n)
	}
}

// TestFatalErrorFillsTheScreen: when the analysis fails and produced
// nothing, the interface shows why (the line, the field, what to pass) and
// not "done · 0 bursts"; the screen stays until a key is pressed (issue 11).
func TestFatalErrorFillsTheScreen(t *testing.T) {
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	err := errors.New("no known format fits the access log: closest is \"main\"; it first fails on sample line 1 at column 1, $remote_addr:\n  2026-11-22T02:23:13+01:00\t200\x1b]0;pwned\x07\npass --format, --nginx-conf, or see 'badgw formats'")
	m, _ = m.Update(ingestDoneMsg{outcome: Outcome{Err: err, Fatal: true}})
	view := m.View()
	for _, want := range []string{"could not analyse", "sample line 1", "column 1", "$remote_addr", "pass --format", "press any key", "failed"} {
		if !strings.Contains(view, want) {
			t.Errorf("fatal screen lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "0 bursts") || strings.Contains(view, "waiting for log lines") || strings.ContainsAny(view, "\x1b\x07") {
		t.Errorf("fatal screen looks like an empty analysis or carries escapes:\n%q", view)
	}
	if _, cmd := m.Update(keyMsg("x")); cmd == nil {
		t.Error("a key does not quit the fatal screen")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("a key does not quit the fatal screen")
	}
}

// TestDayView: "d" shows one bar per day with the verdicts, ←/→ move the
// selected day and list its bursts; one day says there is no day view.
func TestDayView(t *testing.T) {
	c := days.NewCounter()
	start := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var bursts []correlate.Burst
	for d := range 5 {
		for i := range 500 {
			status := 200
			if i < 5*d {
				status = 502
			}
			rec := logparse.Record{Time: start.AddDate(0, 0, d).Add(time.Duration(i) * time.Minute), Status: status} // synthetic
			c.AddRecord(&rec)
		}
		at := start.AddDate(0, 0, d).Add(3 * time.Hour)
		bursts = append(bursts, correlate.Burst{ID: d + 1, Group: "api", Start: at, End: at.Add(5 * time.Second), BadGateway: 5, Requests: 5})
	}
	snap := pipeline.Snapshot{Snapshot: correlate.Snapshot{Bursts: bursts}, Days: c.Days()}
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m, _ = m.Update(snapshotMsg{snap: snap})
	m, _ = m.Update(keyMsg("d"))
	view := m.View()
	for _, want := range []string{"Days", "2026-11-20", "▶ 2026-11-24", "502 share: growing", "#5 03:00:00"} {
		if !strings.Contains(view, want) {
			t.Errorf("day view lacks %q:\n%s", want, view)
		}
	}
	m, _ = m.Update(keyMsg("left"))
	if view := m.View(); !strings.Contains(view, "▶ 2026-11-23") || !strings.Contains(view, "#4 03:00:00") {
		t.Errorf("left did not select the day before:\n%s", view)
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	for range 12 { // zooming out past the coarsest bucket goes on to the days
		m, _ = m.Update(keyMsg("-"))
	}
	if view := m.View(); !strings.Contains(view, "502 share: growing") {
		t.Errorf("zooming out did not reach the day view:\n%s", view)
	}
	var one tea.Model = New(Options{Plain: true})
	one, _ = one.Update(snapshotMsg{snap: pipeline.Snapshot{}})
	one, _ = one.Update(keyMsg("d"))
	if !strings.Contains(one.View(), "spans one day") {
		t.Errorf("one day: %s", one.View())
	}
}

// TestDetailScrollsToLastSample: the detail view, wrapped to the
// terminal's width, scrolls to its end, where the last sample line shows
// whole (issue 17: the viewport counted lines before they wrapped).
func TestDetailScrollsToLastSample(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("no-live-upstreams"))
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m, _ = m.Update(snapshotMsg{snap: snap})
	m, _ = m.Update(keyMsg("enter"))
	for range 60 {
		m, _ = m.Update(keyMsg("f"))
	}
	b := snap.BadGatewayBursts()[0]
	last := b.ErrorSamples[len(b.ErrorSamples)-1].Text
	tail := last[len(last)-30:] // the sample's end, past any wrap point
	view := strings.ReplaceAll(m.View(), "\n", "")
	if !strings.Contains(strings.Join(strings.Fields(view), " "), strings.Join(strings.Fields(tail), " ")) {
		t.Fatalf("the end of the last sample (%q) is not on the screen:\n%s", tail, m.View())
	}
	if !strings.Contains(m.View(), "esc back") {
		t.Errorf("the detail view's key line lacks esc back:\n%s", m.View())
	}
}

// TestDetailShowsWhoWasHit: the detail view lists the burst's clients,
// methods, URLs and user agents, and claims nothing of retries that the
// burst does not show (issue 24: "nginx does not retry a POST on another
// peer" stood on every burst, false as a rule: a POST never sent, as
// after a refused connect, is retried).
func TestDetailShowsWhoWasHit(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("no-live-upstreams"))
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 200})
	m, _ = m.Update(snapshotMsg{snap: snap})
	m, _ = m.Update(keyMsg("enter"))
	view := m.View()
	for _, want := range []string{"Who was hit", "1 distinct client ", "methods: GET", "URLs", "/api/items/*"} {
		if !strings.Contains(view, want) {
			t.Errorf("detail lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "retry a POST") {
		t.Errorf("detail claims a rule of retries:\n%s", view)
	}
}

// TestDetailOfBurstWithDetailsLost: a burst whose details could not be
// read back says so in the preview and the detail, beside the counts and
// causes it kept.
func TestDetailOfBurstWithDetailsLost(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("no-live-upstreams"))
	for i := range snap.Bursts {
		b := &snap.Bursts[i]
		b.DetailsLost = true
		b.Impact = correlate.Impact{}
		for j := range b.Causes {
			b.Causes[j] = diagnose.Cause{ID: b.Causes[j].ID, Confidence: b.Causes[j].Confidence}
		}
	}
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 60})
	m, _ = m.Update(snapshotMsg{snap: snap})
	if view := m.View(); !strings.Contains(view, "Its details could not be read back") {
		t.Errorf("the preview does not say so:\n%s", view)
	}
	m, _ = m.Update(keyMsg("enter"))
	view := m.View()
	for _, want := range []string{"Its details (who was hit", "all_peers_down"} {
		if !strings.Contains(view, want) {
			t.Errorf("detail lacks %q:\n%s", want, view)
		}
	}
}

// TestRawLines: r opens the lines behind the selected burst; the search
// takes words and status:, cat:, log: terms; enter shows a line whole with
// its fields and the other log's lines of the same client; esc goes back.
func TestRawLines(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("no-live-upstreams"))
	b := snap.BadGatewayBursts()[0]
	if len(b.Lines) == 0 {
		t.Fatal("the burst keeps no lines")
	}
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	m, _ = m.Update(snapshotMsg{snap: snap})
	m, _ = m.Update(keyMsg("r"))
	view := m.View()
	if !strings.Contains(view, fmt.Sprintf("Raw lines of burst #1 on example: %d of %d (the first %d of %d)", len(b.Lines), len(b.Lines), len(b.Lines), b.LinesBehind)) {
		t.Fatalf("pane:\n%s", view)
	}
	search := func(q string) string {
		m, _ = m.Update(keyMsg("/"))
		for _, r := range q {
			m, _ = m.Update(keyMsg(string(r)))
		}
		m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnter})
		return m.View()
	}
	errorsOnly := 0
	for _, l := range b.Lines {
		if l.Error && l.Category == "no_live_upstreams" {
			errorsOnly++
		}
	}
	if v := search("log:error cat:no_live"); !strings.Contains(v, fmt.Sprintf(": %d of %d", errorsOnly, len(b.Lines))) || !strings.Contains(v, "E no_live_upstreams") {
		t.Errorf("log:error cat:no_live (want %d):\n%s", errorsOnly, v)
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	v := m.View()
	for _, want := range []string{"error.log line", "category  no_live_upstreams", "client    127.0.0.1", "From access.log, same client within a second"} {
		if !strings.Contains(v, want) {
			t.Errorf("line view lacks %q:\n%s", want, v)
		}
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if !strings.Contains(m.View(), "Raw lines of burst #1") {
		t.Errorf("esc did not go back to the pane:\n%s", m.View())
	}
	m, _ = m.Update(keyMsg("/"))
	m, _ = m.Update(keyMsg("q")) // typed into the search, not quitting
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if v := m.View(); !strings.Contains(v, fmt.Sprintf(": %d of %d", len(b.Lines), len(b.Lines))) {
		t.Errorf("esc in the search did not clear it:\n%s", v)
	}
}

// TestBucketLines: on the timeline, r shows the lines of the cursor's
// bucket outside any burst: from the recent-lines ring when it holds them,
// else read again from the files, with the same lines either way.
func TestBucketLines(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("sporadic-background"))
	var lone correlate.Line
	for _, l := range snap.Recent {
		inBurst := false
		for _, b := range snap.Bursts {
			if !l.Time.Before(b.Start.Add(-time.Minute)) && !l.Time.After(b.End.Add(time.Minute)) {
				inBurst = true
			}
		}
		if !inBurst && !l.Error {
			lone = l
			break
		}
	}
	if lone.Text == "" {
		t.Fatal("no sporadic 502 outside the bursts")
	}
	open := func(s pipeline.Snapshot) (Model, tea.Cmd) {
		var m tea.Model = New(Options{Plain: true})
		m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
		m, _ = m.Update(snapshotMsg{snap: s})
		mm := m.(Model)
		ser := mm.series()
		for i, b := range ser.Buckets {
			if !lone.Time.Before(b.Start) && lone.Time.Before(b.Start.Add(ser.Width)) {
				mm.cursor = i
			}
		}
		mm.focus, mm.follow = paneTimeline, false
		m, cmd := mm.Update(keyMsg("r"))
		return m.(Model), cmd
	}
	fromRing, cmd := open(snap)
	if cmd != nil {
		t.Fatal("the ring holds every line, yet the files are read again")
	}
	view := fromRing.View()
	if !strings.Contains(view, "Raw lines of ") || !strings.Contains(view, lone.Text[:40]) {
		t.Fatalf("pane on the bucket lacks the sporadic 502 %q:\n%s", lone.Text, view)
	}
	short := snap
	short.Recent, short.RecentAll = snap.Recent[len(snap.Recent)-3:], false
	reread, cmd := open(short)
	if cmd == nil || !strings.Contains(reread.View(), "reading the files again") {
		t.Fatalf("an old bucket is not read again:\n%s", reread.View())
	}
	m, _ := reread.Update(cmd())
	got, want := m.(Model).bucket.lines, fromRing.bucket.lines
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("read again %d lines, the ring gave %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Text != want[i].Text || got[i].Num != want[i].Num {
			t.Errorf("line %d read again: %s:%d, the ring's: %s:%d", i, got[i].Source, got[i].Num, want[i].Source, want[i].Num)
		}
	}
	if !strings.Contains(m.View(), lone.Text[:40]) {
		t.Errorf("pane after reading again lacks the 502:\n%s", m.View())
	}
}

// TestDroppedBurstLinesReadAgain: a burst whose lines the memory bound
// dropped gets them back from the files when its pane opens, the same
// lines it had kept (and perhaps a few more 5xx of its group in its
// window), and only its group's; from a pipe the pane says they were
// dropped.
func TestDroppedBurstLinesReadAgain(t *testing.T) {
	// A burst under both caps (500 lines kept, 500 read again), so the
	// two sets of lines can be compared whole.
	snap := fixturetest.Analyse(t, fixturetest.Dir("peer-refused"))
	at := slices.IndexFunc(snap.Bursts, func(b correlate.Burst) bool { return len(b.Lines) > 0 && len(b.Lines) < maxBucketLines })
	if at < 0 {
		t.Fatal("no burst with fewer than 500 lines in peer-refused")
	}
	kept := snap.Bursts[at]
	dropped := snap
	dropped.Bursts = append([]correlate.Burst(nil), snap.Bursts...)
	dropped.Bursts[at].Lines, dropped.Bursts[at].LinesDropped = nil, true
	open := func(s pipeline.Snapshot) (Model, tea.Cmd) {
		var m tea.Model = New(Options{Plain: true})
		m, _ = m.Update(tea.WindowSizeMsg{Width: 200, Height: 40})
		m, _ = m.Update(snapshotMsg{snap: s})
		mm := m.(Model)
		mm.focus, mm.follow, mm.selID = paneBursts, false, kept.ID
		m, cmd := mm.Update(keyMsg("r"))
		return m.(Model), cmd
	}
	m, cmd := open(dropped)
	if cmd == nil {
		t.Fatalf("a dropped burst's lines are not read again:\n%s", m.View())
	}
	got, _ := m.Update(cmd())
	view := got.(Model).View()
	lines := got.(Model).bucket.lines
	t.Logf("burst %d on %s: %d lines kept, %d read again", kept.ID, kept.Group, len(kept.Lines), len(lines))
	have := map[string]bool{}
	for _, l := range lines {
		have[fmt.Sprintf("%s:%d", l.Source, l.Num)] = true
		if l.Peer != kept.Group && !slices.ContainsFunc(kept.Peers, func(c correlate.Count) bool { return c.Key == l.Peer }) {
			t.Errorf("line of another group read again: %s", l.Text)
		}
	}
	for _, l := range kept.Lines {
		if !have[fmt.Sprintf("%s:%d", l.Source, l.Num)] {
			t.Errorf("kept line %s:%d %q not read again", l.Source, l.Num, l.Text)
		}
	}
	if !strings.Contains(view, "read again from the files") {
		t.Errorf("the pane does not say its lines were read again:\n%s", view)
	}
	piped := dropped
	piped.Sources = nil
	m, cmd = open(piped)
	if cmd != nil || !strings.Contains(m.View(), "dropped to bound memory") {
		t.Errorf("from a pipe the pane should say the lines were dropped:\n%s", m.View())
	}
}

// TestRawLinesReadTheRest: the demo's first burst has 828 lines behind it
// and keeps the first 500. The pane says so ("the first 500 of 828"),
// reads the rest from the files, and then holds every one: a search for
// a second in the burst's middle finds its lines (issue 25: "500 of 500",
// and "/02:23:30" gave "0 of 500"). From a pipe, the pane says the rest
// cannot be read.
func TestRawLinesReadTheRest(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("no-live-upstreams"))
	b := snap.BadGatewayBursts()[0]
	if len(b.Lines) >= b.LinesBehind {
		t.Fatalf("the burst keeps all %d of its %d lines: pick another", len(b.Lines), b.LinesBehind)
	}
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	m, _ = m.Update(snapshotMsg{snap: snap})
	m, cmd := m.Update(keyMsg("r"))
	if cmd == nil {
		t.Fatal("the pane does not read the files")
	}
	m, _ = m.Update(cmd())
	view := m.View()
	want := fmt.Sprintf("read again from the files: %d of %d", b.LinesBehind, b.LinesBehind)
	if !strings.Contains(view, want) {
		t.Fatalf("want %q:\n%s", want, view)
	}
	m, _ = m.Update(keyMsg("/"))
	for _, r := range "02:23:30" {
		m, _ = m.Update(keyMsg(string(r)))
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if view := m.View(); strings.Contains(view, ": 0 of ") || !strings.Contains(view, "02:23:30") {
		t.Errorf("a second inside the burst finds nothing:\n%s", view)
	}

	piped := snap
	piped.Sources = nil
	var p tea.Model = New(Options{Plain: true})
	p, _ = p.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
	p, _ = p.Update(snapshotMsg{snap: piped})
	p, _ = p.Update(keyMsg("r"))
	view = p.View()
	for _, w := range []string{fmt.Sprintf("(the first %d of %d)", len(b.Lines), b.LinesBehind), "a pipe cannot be read again"} {
		if !strings.Contains(view, w) {
			t.Errorf("from a pipe, want %q:\n%s", w, view)
		}
	}
}

// TestMultiDayViewsHaveDates: on an eight-day input every time the main
// screen shows carries its date: the burst rows, the cursor's bucket and
// the raw lines (issue 25: rows "1   10:00:40 22s", "4   10:00:40 1s" on
// an eight-day input). A one-day input keeps the bare time of day.
func TestMultiDayViewsHaveDates(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("days-churn"))
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m, _ = m.Update(snapshotMsg{snap: snap})
	view := m.View()
	first := snap.BadGatewayBursts()[0]
	if want := "1    " + first.Start.Format("01-02 15:04:05"); !strings.Contains(view, want) {
		t.Errorf("main screen lacks %q:\n%s", want, view)
	}
	dated := regexp.MustCompile(`\d\d-\d\d \d\d:\d\d:\d\d`)
	if !regexp.MustCompile(`\d\d-\d\d \d\d:\d\d:\d\d \+\d`).MatchString(view) {
		t.Errorf("the cursor line has no date:\n%s", view)
	}
	m, _ = m.Update(keyMsg("tab"))
	m, _ = m.Update(keyMsg("r"))
	if view := m.View(); !strings.Contains(view, "Raw lines") || !regexp.MustCompile(`▶ \d\d-\d\d \d\d:\d\d:\d\d`).MatchString(view) {
		t.Errorf("raw lines have no date:\n%s", view)
	}
	var one tea.Model = New(Options{Plain: true})
	one, _ = one.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	one, _ = one.Update(snapshotMsg{snap: fixturetest.Analyse(t, fixturetest.Dir("peer-refused"))})
	if dated.MatchString(one.View()) {
		t.Errorf("a one-day input shows dates:\n%s", one.View())
	}
}

// TestDayViewOpensBursts: in the day view ↓ selects the day's bursts and
// enter opens the selected one's detail; esc goes back to the days. At
// 80×24 the view keeps its title, key hint and at least two bursts, and
// wraps the verdicts at words (issue 25).
func TestDayViewOpensBursts(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("days-churn"))
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m, _ = m.Update(snapshotMsg{snap: snap})
	m, _ = m.Update(keyMsg("d"))
	view := m.View()
	if !strings.Contains(view, "Days  ←/→ day") || !strings.Contains(view, "esc back · ? all keys") || strings.Contains(view, "0 of 4 bursts shown") {
		t.Errorf("day view at 80×24:\n%s", view)
	}
	for _, l := range strings.Split(view, "\n") {
		if len([]rune(l)) > 80 {
			t.Errorf("a line wider than the terminal: %q", l)
		}
	}
	var day []correlate.Burst
	last := snap.Days[len(snap.Days)-1].Date
	for _, b := range snap.BadGatewayBursts() {
		if b.Start.Format("2006-01-02") == last {
			day = append(day, b)
		}
	}
	m, _ = m.Update(keyMsg("j"))
	m, _ = m.Update(keyMsg("j"))
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if want := fmt.Sprintf("502 burst #%d on", day[2].ID); !strings.Contains(m.View(), want) {
		t.Errorf("enter on the third burst of %s: want %q\n%s", last, want, m.View())
	}
	if !regexp.MustCompile(`(?m)^   · .*\n {5}\S`).MatchString(m.View()) {
		t.Errorf("wrapped evidence loses its indent:\n%s", m.View())
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if !strings.Contains(m.View(), "Days  ←/→ day") {
		t.Errorf("esc from a day's burst does not go back to the days:\n%s", m.View())
	}
}

// TestPagingKeys: the raw lines page with pgdn/space/^f/^d, pgup/^b/^u,
// home/g and end/G and scroll sideways with ←/→; esc clears a search
// before it leaves, and / starts a new one; the detail jumps to its end
// with G/end and says when more is below; ? lists these keys (issue 25:
// only j/k moved, a search stayed after esc and prefixed the next).
func TestPagingKeys(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("peer-refused"))
	b := snap.BadGatewayBursts()[0]
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 24})
	m, _ = m.Update(snapshotMsg{snap: snap})
	m, _ = m.Update(keyMsg("r"))
	sel := func() int { return m.(Model).lineSel }
	rows := m.(Model).lineRows()
	for _, tc := range []struct {
		key  tea.KeyMsg
		want int
	}{
		{tea.KeyMsg{Type: tea.KeyPgDown}, rows},
		{keyMsg(" "), 2 * rows},
		{tea.KeyMsg{Type: tea.KeyCtrlB}, rows},
		{tea.KeyMsg{Type: tea.KeyCtrlD}, rows + rows/2},
		{tea.KeyMsg{Type: tea.KeyCtrlU}, rows},
		{keyMsg("G"), len(b.Lines) - 1},
		{keyMsg("g"), 0},
		{tea.KeyMsg{Type: tea.KeyEnd}, len(b.Lines) - 1},
		{tea.KeyMsg{Type: tea.KeyHome}, 0},
		{tea.KeyMsg{Type: tea.KeyCtrlF}, rows},
	} {
		m, _ = m.Update(tc.key)
		if sel() != tc.want {
			t.Errorf("%s: line %d, want %d", tc.key, sel(), tc.want)
		}
	}
	m, _ = m.Update(keyMsg("l"))
	if view := m.View(); !strings.Contains(view, "from column 17") || !strings.Contains(view, "«") {
		t.Errorf("→ does not scroll sideways:\n%s", view)
	}
	search := func(q string) {
		m, _ = m.Update(keyMsg("/"))
		for _, r := range q {
			m, _ = m.Update(keyMsg(string(r)))
		}
		m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	}
	search("refused")
	search("GET")
	if q := m.(Model).lineQuery.Value(); q != "GET" {
		t.Errorf("a new search kept the last one: %q", q)
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if m.(Model).state != stateLines || m.(Model).lineQuery.Value() != "" {
		t.Errorf("esc with a search: state %v, search %q; want the pane, cleared", m.(Model).state, m.(Model).lineQuery.Value())
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if m.(Model).state != stateMain {
		t.Errorf("esc without a search does not leave the pane")
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if view := m.View(); !strings.Contains(view, "↓ more below") {
		t.Errorf("the detail does not say more is below:\n%s", view)
	}
	m, _ = m.Update(keyMsg("G"))
	if view := m.View(); !strings.Contains(view, "(end)") {
		t.Errorf("G does not reach the detail's end:\n%s", view)
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyEsc})
	m, _ = m.Update(keyMsg("?"))
	view := m.View()
	for _, want := range []string{"Keys", "page down", "half a page down", "scroll right", "esc clears it"} {
		if !strings.Contains(view, want) {
			t.Errorf("help lacks %q:\n%s", want, view)
		}
	}
}

// TestScreensMultiDayAndLive: goldens at the four sizes for an eight-day
// input (the main screen, the day view and help) and for a live run with
// an open burst (peer-refused's burst as a live run shows it before it
// closes: no number yet). Each screen fits the terminal and keeps its
// first line, the title (issue 25: help lost its title at 80×24, the day
// view its header, an open burst read "burst #0").
func TestScreensMultiDayAndLive(t *testing.T) {
	days := fixturetest.Analyse(t, fixturetest.Dir("days-churn"))
	live := fixturetest.Analyse(t, fixturetest.Dir("peer-refused"))
	for i := range live.Bursts {
		live.Bursts[i].ID, live.Bursts[i].Open = 0, true
	}
	for _, size := range [][2]int{{60, 16}, {80, 24}, {120, 40}, {200, 60}} {
		for _, tc := range []struct {
			name  string
			snap  pipeline.Snapshot
			opts  Options
			keys  []string
			title string
		}{
			{"days-churn/main", days, Options{Plain: true}, nil, "badgw"},
			{"days-churn/days", days, Options{Plain: true}, []string{"d"}, "Days"},
			{"days-churn/help", days, Options{Plain: true}, []string{"?"}, "Keys"},
			{"live/main", live, Options{Plain: true, Live: true}, []string{"tab"}, "badgw"},
		} {
			t.Run(fmt.Sprintf("%s/%dx%d", tc.name, size[0], size[1]), func(t *testing.T) {
				var m tea.Model = New(tc.opts)
				m, _ = m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				m, _ = m.Update(snapshotMsg{snap: tc.snap})
				if !tc.opts.Live {
					m, _ = m.Update(ingestDoneMsg{})
				}
				for _, k := range tc.keys {
					m, _ = m.Update(keyMsg(k))
				}
				view := m.View()
				if w := lipgloss.Width(view); w > size[0] {
					t.Errorf("screen is %d columns wide, terminal has %d", w, size[0])
				}
				if h := lipgloss.Height(view); h > size[1] {
					t.Errorf("screen is %d lines high, terminal has %d", h, size[1])
				}
				if top := strings.SplitN(view, "\n", 3); !strings.Contains(strings.Join(top[:min(2, len(top))], "\n"), tc.title) {
					t.Errorf("the first lines lack %q:\n%s", tc.title, view)
				}
				if strings.Contains(view, "burst #0") {
					t.Errorf("an open burst is called #0:\n%s", view)
				}
				golden.RequireEqual(t, []byte(view))
			})
		}
	}
}

// TestStatusCountsFilesAndCursorStart: stdin that carried tail -F output
// of two files is not a third file (issue 25: "3 files"), and once a file
// is read the cursor stands on the selected burst, not on the last second.
func TestStatusCountsFilesAndCursorStart(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("peer-refused"))
	snap.Ingest.Files = append([]pipeline.FileStats{{Path: "-"}}, snap.Ingest.Files...)
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m, _ = m.Update(snapshotMsg{snap: snap})
	m, _ = m.Update(ingestDoneMsg{})
	view := m.View()
	if !strings.Contains(view, "2 files ·") {
		t.Errorf("tail -F of two files is not 2 files:\n%s", view)
	}
	b := snap.BadGatewayBursts()[0]
	if want := b.Start.Format("15:04:05") + " +"; !strings.Contains(view, want) || !strings.Contains(view, fmt.Sprintf("burst #%d", b.ID)) {
		t.Errorf("the cursor is not on burst #%d at %s:\n%s", b.ID, want, view)
	}
}

// TestStatusShowsStoreProgress: while a log store's lines are read, the
// status line shows how much of the time range is read (its inputs have
// no bytes on disk to count).
func TestStatusShowsStoreProgress(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("peer-refused"))
	snap.Ingest.Files = []pipeline.FileStats{
		{Path: "victorialogs access lines: *", Size: -1, Span: 3600, SpanRead: 1800, Lines: 10},
		{Path: "victorialogs error lines: *", Size: -1, Span: 3600, SpanRead: 900, Lines: 2},
	}
	var m tea.Model = New(Options{Plain: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	m, _ = m.Update(snapshotMsg{snap: snap})
	if view := m.View(); !strings.Contains(view, "38% of the range") {
		t.Errorf("no progress through the store's range:\n%s", view)
	}
}
