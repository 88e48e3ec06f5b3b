// Package tui is badgw's terminal interface: a timeline of requests and
// 502s, the bursts, and the causes of the selected one, updated live while
// a pipe feeds the analysis. Run is the only entry point; it consumes
// correlate.Snapshots and never touches the analysis itself.
package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/timeline"
	"github.com/badgw/badgw/words"
)

// state is which screen is shown.
type state int

const (
	stateMain state = iota
	stateDetail
	stateErrors
	stateHelp
	stateDays  // one bar per day, the selected day's bursts below
	stateLines // the raw lines behind the selected burst
	stateLine  // one raw line, whole
)

func (s state) String() string {
	return [...]string{"main", "detail", "errors", "help"}[s]
}

// pane is which part of the main screen has the keyboard.
type pane int

const (
	paneBursts pane = iota
	paneTimeline
)

// sortMode orders the burst table.
type sortMode int

const (
	sortTime sortMode = iota
	sortSize
)

// Options configure the interface.
type Options struct {
	Title     string
	Live      bool   // input is a pipe that may never end
	PipeInput bool   // stdin carries the log: read keys from the terminal device
	ExportDir string // where "e" writes the CSV
	Plain     bool   // no colours (NO_COLOR)
}

// Model is the whole interface state. View is a pure function of it.
type Model struct {
	opts   Options
	styles Styles
	keys   KeyMap

	width, height int
	state         state
	focus         pane

	snap     pipeline.Snapshot
	haveSnap bool
	done     bool   // the analysis finished (end of input)
	fatal    error  // the analysis failed and produced nothing: shown full-screen
	warning  string // the analysis finished with errors (some input unreadable)
	prevSnap struct {
		lines   int64
		elapsed time.Duration
	}
	linesPerSec float64

	zoom    int  // index into timeline.Zooms; -1 until chosen
	cursor  int  // bucket index in the timeline
	follow  bool // keep the cursor on the newest bucket
	selID   int  // selected burst's ID (0: none); survives re-sorting
	sort    sortMode
	filter  textinput.Model
	editing bool
	detail  viewport.Model
	status  string // one-off message (export result)
	day     int    // selected day in the day view
	// lineQuery searches the raw-lines pane; lineSel is its selected line.
	lineQuery   textinput.Model
	lineEditing bool
	lineSel     int
	lineCol     int // how far the raw lines are scrolled sideways
	daySel      int // selected burst of the day view's day
	// bucket is set while the pane shows the cursor's bucket.
	bucket bucketPane
	// detailFrom is the screen esc returns to from the detail.
	detailFrom state
}

// New returns a model ready for snapshots.
func New(opts Options) Model {
	st := DefaultStyles()
	if opts.Plain {
		st = PlainStyles()
	}
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "upstream, peer or cause"
	ti.CharLimit = 64
	lq := textinput.New()
	lq.Prompt = "/"
	lq.Placeholder = "words, status:502 peer: cat: client: log:"
	lq.CharLimit = 128
	return Model{opts: opts, styles: st, keys: DefaultKeyMap(), zoom: -1, follow: true, filter: ti, lineQuery: lq,
		width: 80, height: 24, detail: viewport.New(80, 20)}
}

// Init starts nothing: Run feeds snapshots through messages.
func (m Model) Init() tea.Cmd { return nil }

// visibleBursts are the bursts matching the filter, in the chosen order.
func (m Model) visibleBursts() []correlate.Burst {
	q := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	var out []correlate.Burst
	for _, b := range m.snap.Bursts {
		if q != "" && !burstMatches(b, q) {
			continue
		}
		out = append(out, b)
	}
	if m.sort == sortSize {
		sort.SliceStable(out, func(i, j int) bool { return out[i].Bad() > out[j].Bad() })
	}
	return out
}

func burstMatches(b correlate.Burst, q string) bool {
	if strings.Contains(strings.ToLower(b.Group), q) || b.Node != "" && strings.Contains(strings.ToLower(b.Node), q) {
		return true
	}
	for _, p := range b.Peers {
		if strings.Contains(strings.ToLower(p.Key), q) {
			return true
		}
	}
	for _, c := range b.Causes {
		if strings.Contains(c.ID, q) {
			return true
		}
	}
	return false
}

// selected returns the index of the selected burst among vis, or -1.
func (m Model) selected(vis []correlate.Burst) int {
	for i, b := range vis {
		if burstKey(b) == m.selID {
			return i
		}
	}
	if len(vis) > 0 {
		return 0
	}
	return -1
}

// burstKey identifies a burst across snapshots; open bursts have ID 0 and
// are keyed by their start instead.
func burstKey(b correlate.Burst) int {
	if b.ID != 0 {
		return b.ID
	}
	return -int(b.Start.Unix() % 1_000_000_000)
}

// series is the timeline at the current zoom.
func (m Model) series() timeline.Series {
	o := m.snap.Overall
	if len(o.Buckets) == 0 {
		return timeline.Series{Width: time.Second}
	}
	end := o.End().Add(-o.Width)
	return timeline.Build(o, m.snap.Bursts, o.Start, end, timeline.Zooms[max(m.zoom, 0)])
}

// timelineCols is how many buckets fit on screen.
func (m Model) timelineCols() int { return max(10, m.width-10) }

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.detail.Width, m.detail.Height = msg.Width-2, max(3, msg.Height-5)
		m.detail.SetContent(m.detailContent())
		return m, nil
	case snapshotMsg:
		m.applySnapshot(msg.snap)
		return m, msg.next
	case bucketLinesMsg:
		return m.gotBucketLines(msg), nil
	case ingestDoneMsg:
		m.done = true
		if b, ok := m.selectedBurst(); ok && !m.opts.Live && m.follow {
			// The file is read: the cursor starts on the burst the list
			// selects, so the status line describes it, not the last second.
			m.cursorTo(b.Start)
		}
		if o := msg.outcome; o.Err != nil {
			if o.Fatal {
				m.fatal = o.Err
			} else {
				m.warning = o.Err.Error()
			}
		}
		return m, nil
	case exportedMsg:
		if msg.err != nil {
			m.status = "export failed: " + msg.err.Error()
		} else {
			m.status = fmt.Sprintf("exported %s to %s", words.Count(msg.n, "burst"), msg.path)
		}
		return m, nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

// applySnapshot takes a new snapshot, keeping the selection and the cursor
// (or following the live edge).
func (m *Model) applySnapshot(s pipeline.Snapshot) {
	lines := s.Ingest.Totals().Lines
	if dt := s.Ingest.Elapsed - m.prevSnap.elapsed; dt > 0 && m.haveSnap {
		// A moving average: one snapshot's rate flickers with the batch
		// that happened to land in it.
		rate := float64(lines-m.prevSnap.lines) / dt.Seconds()
		if m.linesPerSec > 0 {
			rate = 0.7*m.linesPerSec + 0.3*rate
		}
		m.linesPerSec = rate
	}
	m.prevSnap.lines, m.prevSnap.elapsed = lines, s.Ingest.Elapsed
	m.snap, m.haveSnap = s, true
	o := s.Overall
	if m.zoom < 0 && len(o.Buckets) > 0 {
		span := o.End().Sub(o.Start)
		m.zoom = timeline.ZoomIndex(timeline.FitZoom(span, m.timelineCols(), o.Width))
	}
	if m.zoom >= 0 && timeline.Zooms[m.zoom] < o.Width {
		m.zoom = timeline.ZoomIndex(o.Width)
	}
	n := len(m.series().Buckets)
	if m.follow || m.cursor >= n {
		m.cursor = max(0, n-1)
	}
	if m.selID == 0 && len(s.Bursts) > 0 {
		vis := m.visibleBursts()
		if len(vis) > 0 {
			m.selID = burstKey(vis[0])
		}
	}
	m.detail.SetContent(m.detailContent())
}

func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.fatal != nil {
		return m, tea.Quit // the error stays until the user has seen it
	}
	if m.editing {
		switch msg.String() {
		case "enter", "esc":
			m.editing = false
			m.filter.Blur()
			if msg.String() == "esc" {
				m.filter.SetValue("")
			}
			return m, nil
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		return m, cmd
	}
	if m.lineEditing {
		return m.linesKey(msg) // the search takes every key, q and ? too
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		if m.state == stateHelp {
			m.state = stateMain
		} else {
			m.state = stateHelp
		}
		return m, nil
	case key.Matches(msg, k.Back):
		switch {
		case m.state == stateLine:
			m.state = stateLines
		case m.state == stateLines && m.lineQuery.Value() != "":
			// Esc clears the search first, then leaves.
			m.lineQuery.SetValue("")
			m.lineSel = 0
		case m.state == stateDetail && m.detailFrom == stateDays:
			m.state, m.detailFrom = stateDays, stateMain
		default:
			if m.state == stateLines {
				m.lineCol, m.lineSel = 0, 0
			}
			m.state = stateMain
		}
		return m, nil
	}
	switch m.state {
	case stateDetail:
		switch {
		case key.Matches(msg, k.Top):
			m.detail.GotoTop()
			return m, nil
		case key.Matches(msg, k.Bottom):
			m.detail.GotoBottom()
			return m, nil
		case key.Matches(msg, k.PageDown):
			m.detail.ViewDown()
			return m, nil
		case key.Matches(msg, k.PageUp):
			m.detail.ViewUp()
			return m, nil
		}
		var cmd tea.Cmd
		m.detail, cmd = m.detail.Update(msg)
		return m, cmd
	case stateHelp, stateErrors, stateLine:
		return m, nil
	case stateLines:
		return m.linesKey(msg)
	case stateDays:
		n := len(m.snap.Days)
		bursts := m.dayBursts()
		if sel, ok := k.page(msg, m.daySel, len(bursts), 5); ok {
			m.daySel = sel
			return m, nil
		}
		switch {
		case key.Matches(msg, k.Left):
			m.day, m.daySel = max(0, m.day-1), 0
		case key.Matches(msg, k.Right):
			m.day, m.daySel = min(max(0, n-1), m.day+1), 0
		case key.Matches(msg, k.Enter):
			if m.daySel < len(bursts) {
				m.selID = burstKey(bursts[m.daySel])
				m.state, m.detailFrom = stateDetail, stateDays
				m.detail.SetContent(m.detailContent())
				m.detail.GotoTop()
			}
		case key.Matches(msg, k.Days):
			m.state = stateMain
		}
		return m, nil
	}
	vis := m.visibleBursts()
	sel := m.selected(vis)
	switch {
	case key.Matches(msg, k.Tab):
		m.focus = 1 - m.focus
	case key.Matches(msg, k.Enter):
		if sel >= 0 {
			m.selID = burstKey(vis[sel])
			m.state = stateDetail
			m.detail.SetContent(m.detailContent())
			m.detail.GotoTop()
		}
	case key.Matches(msg, k.Filter):
		m.editing = true
		m.filter.Focus()
		return m, textinput.Blink
	case key.Matches(msg, k.Sort):
		m.sort = 1 - m.sort
	case key.Matches(msg, k.Errors):
		m.state = stateErrors
	case key.Matches(msg, k.Days):
		m.state = stateDays
		m.day = max(0, len(m.snap.Days)-1)
	case key.Matches(msg, k.Lines):
		// On the timeline, the cursor's moment; on the list, the burst.
		if m.focus == paneTimeline || sel < 0 {
			return m.openBucket()
		}
		m.selID = burstKey(vis[sel])
		if b := m.snap.Whole(vis[sel]); b.LinesDropped || len(b.Lines) < b.LinesBehind {
			return m.openBurstFromFiles(b)
		}
		m.bucket = bucketPane{}
		m.state, m.lineSel = stateLines, 0
	case key.Matches(msg, k.ZoomIn):
		m.rezoom(-1)
	case key.Matches(msg, k.ZoomOut):
		// Past the coarsest bucket an input of several days goes on to
		// the day view.
		if (m.zoom < 0 || m.zoom == len(timeline.Zooms)-1) && len(m.snap.Days) > 1 {
			m.state, m.day = stateDays, len(m.snap.Days)-1
			return m, nil
		}
		m.rezoom(+1)
	case key.Matches(msg, k.Follow):
		m.follow = !m.follow
		if m.follow {
			m.cursor = max(0, len(m.series().Buckets)-1)
		}
	case key.Matches(msg, k.Export):
		return m, exportCmd(m.opts.ExportDir, vis, m.snap)
	case key.Matches(msg, k.Up), key.Matches(msg, k.Down):
		if len(vis) == 0 {
			break
		}
		d := 1
		if key.Matches(msg, k.Up) {
			d = -1
		}
		i := min(max(sel+d, 0), len(vis)-1)
		m.selID = burstKey(vis[i])
		m.cursorTo(vis[i].Start)
	case key.Matches(msg, k.Left), key.Matches(msg, k.Right):
		d := 1
		if key.Matches(msg, k.Left) {
			d = -1
		}
		n := len(m.series().Buckets)
		m.cursor = min(max(m.cursor+d, 0), max(n-1, 0))
		m.follow = m.cursor == n-1 && m.opts.Live
		if b, ok := m.burstAtCursor(); ok {
			m.selID = burstKey(b)
		}
	}
	return m, nil
}

// rezoom changes the bucket width, keeping the cursor on the same moment.
func (m *Model) rezoom(d int) {
	if m.zoom < 0 {
		return
	}
	s := m.series()
	at := s.Start
	if m.cursor < len(s.Buckets) {
		at = s.Buckets[m.cursor].Start
	}
	z := min(max(m.zoom+d, timeline.ZoomIndex(m.snap.Overall.Width)), len(timeline.Zooms)-1)
	m.zoom = z
	m.cursorTo(at)
	if m.follow {
		m.cursor = max(0, len(m.series().Buckets)-1)
	}
}

func (m *Model) cursorTo(t time.Time) {
	s := m.series()
	if s.Width <= 0 || len(s.Buckets) == 0 {
		return
	}
	i := int(t.Sub(s.Start) / s.Width)
	m.cursor = min(max(i, 0), len(s.Buckets)-1)
	m.follow = false
}

func (m Model) burstAtCursor() (correlate.Burst, bool) {
	s := m.series()
	if m.cursor >= len(s.Buckets) || !s.Buckets[m.cursor].InBurst {
		return correlate.Burst{}, false
	}
	id := s.Buckets[m.cursor].Burst
	for _, b := range m.snap.Bursts {
		if b.ID == id {
			return b, true
		}
	}
	return correlate.Burst{}, false
}

// selectedBurst returns the burst shown in the detail view, whole.
func (m Model) selectedBurst() (correlate.Burst, bool) {
	vis := m.visibleBursts()
	if i := m.selected(vis); i >= 0 {
		return m.snap.Whole(vis[i]), true
	}
	return correlate.Burst{}, false
}

// clean strips control sequences from log-derived text before display.
func clean(s string) string { return report.Clean(s) }
