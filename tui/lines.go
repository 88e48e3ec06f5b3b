package tui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/words"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// The raw-lines pane: the access and error lines behind the selected
// burst, in time order, with a search that takes words (matched in the
// line) and status:, peer:, cat:, client: and log: (access or error) terms.

// lineQuery is a parsed search.
type lineQuery struct {
	status            int
	peer, cat, client string
	log               string // "access" or "error"
	words             []string
}

func parseLineQuery(q string) lineQuery {
	var lq lineQuery
	for _, f := range strings.Fields(strings.ToLower(q)) {
		k, v, ok := strings.Cut(f, ":")
		switch {
		case ok && k == "status":
			lq.status, _ = strconv.Atoi(v)
		case ok && k == "peer":
			lq.peer = v
		case ok && (k == "cat" || k == "category"):
			lq.cat = v
		case ok && k == "client":
			lq.client = v
		case ok && k == "log":
			lq.log = v
		default:
			lq.words = append(lq.words, f)
		}
	}
	return lq
}

func (q lineQuery) match(l correlate.Line) bool {
	switch {
	case q.status != 0 && l.Status != q.status:
		return false
	case q.peer != "" && !strings.Contains(strings.ToLower(l.Peer), q.peer):
		return false
	case q.cat != "" && !strings.Contains(l.Category, q.cat):
		return false
	case q.client != "" && !strings.Contains(strings.ToLower(l.Client), q.client):
		return false
	case q.log == "access" && l.Error, q.log == "error" && !l.Error:
		return false
	}
	text := strings.ToLower(l.Text)
	for _, w := range q.words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// paneLines are the lines the pane is on: the selected burst's, or the
// timeline cursor's bucket's (bucket.on).
func (m Model) paneLines() []correlate.Line {
	if m.bucket.on {
		return m.bucket.lines
	}
	b, _ := m.selectedBurst()
	return b.Lines
}

// shownLines are the pane's lines that match the search.
func (m Model) shownLines() []correlate.Line {
	q := parseLineQuery(m.lineQuery.Value())
	var out []correlate.Line
	for _, l := range m.paneLines() {
		if q.match(l) {
			out = append(out, l)
		}
	}
	return out
}

// bucketPane is the raw-lines pane on a timeline bucket outside bursts:
// its lines come from the run's recent-lines ring when it reaches back
// that far, or are read again from the files (bucketLinesMsg).
type bucketPane struct {
	on       bool
	from, to time.Time
	lines    []correlate.Line
	loading  bool
	note     string // why lines are missing, when they are
	// burst is set when the pane stands in for a burst whose lines the
	// memory bound dropped: its window is read again and only the lines
	// of its group and peers are shown.
	burst *correlate.Burst
}

// bucketLinesMsg carries the lines read again for [from, to).
type bucketLinesMsg struct {
	from, to time.Time
	lines    []correlate.Line
	err      error
}

// maxBucketLines bounds the lines read again for one bucket.
const maxBucketLines = 500

// openBucket opens the pane on the cursor's bucket.
func (m Model) openBucket() (Model, tea.Cmd) {
	s := m.series()
	if m.cursor >= len(s.Buckets) {
		return m, nil
	}
	from := s.Buckets[m.cursor].Start
	to := from.Add(s.Width)
	m.bucket = bucketPane{on: true, from: from, to: to}
	m.state, m.lineSel = stateLines, 0
	recent := m.snap.Recent
	if m.snap.RecentAll || len(recent) > 0 && !recent[0].Time.After(from) {
		for _, l := range recent {
			if !l.Time.Before(from) && l.Time.Before(to) {
				m.bucket.lines = append(m.bucket.lines, l)
			}
		}
		correlate.SortLines(m.bucket.lines)
		m.bucket.lines = m.bucket.lines[:min(len(m.bucket.lines), maxBucketLines)]
		return m, nil
	}
	src := m.snap.Sources
	if !src.Rereadable() {
		m.bucket.note = "this moment is older than the last 2,000 bad lines a pipe's run keeps"
		return m, nil
	}
	m.bucket.loading = true
	return m, readAgain(src, from, to, maxBucketLines)
}

// readAgain reads the bad lines of [from, to) from the files again, in
// the background, at most limit of them.
func readAgain(src *pipeline.Sources, from, to time.Time, limit int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), rereadTimeout)
		defer cancel()
		lines, err := src.LinesBetween(ctx, from, to, limit)
		return bucketLinesMsg{from: from, to: to, lines: lines, err: err}
	}
}

// openBurstFromFiles opens the pane on a burst whose kept lines are not
// all of those behind it (the memory bound dropped them, or it kept the
// first maxBurstLines), reading its window again from the files. A pipe
// cannot be read again: the pane then shows what was kept and says so.
func (m Model) openBurstFromFiles(b correlate.Burst) (Model, tea.Cmd) {
	m.bucket = bucketPane{}
	m.state, m.lineSel = stateLines, 0
	src := m.snap.Sources
	if !src.Rereadable() {
		return m, nil
	}
	from, to := b.Start.Add(-time.Second), b.End.Add(2*time.Second)
	// The kept lines stand in until the files are read.
	m.bucket = bucketPane{on: true, from: from, to: to, loading: true, burst: &b, lines: b.Lines}
	// Other groups may fail in the same seconds: read more, keep the
	// burst's own.
	return m, readAgain(src, from, to, 4*maxBurstReread)
}

// maxBurstReread bounds the lines of one burst read again from the files
// (some 6 MB of lines).
const maxBurstReread = 20000

// ofBurst reports whether a line read again is one of those behind b: an
// upstream error of its window from its group's peers (or naming none),
// or a bad response of its kind from its group in its seconds.
func (m Model) ofBurst(b *correlate.Burst, l correlate.Line) bool {
	group := l.Peer == b.Group || m.snap.PeerGroups[l.Peer] == b.Group ||
		slices.ContainsFunc(b.Peers, func(c correlate.Count) bool { return c.Key == l.Peer })
	if l.Error {
		return group || l.Peer == ""
	}
	status := 502
	if b.Kind == correlate.Kind504 {
		status = 504
	}
	return (group || l.Peer == "" || l.Peer == "-") && l.Status == status &&
		!l.Time.Before(b.Start) && l.Time.Before(b.End.Add(time.Second))
}

// rereadTimeout bounds reading a bucket's lines again.
const rereadTimeout = 30 * time.Second

// gotBucketLines takes the lines read again, if the pane still wants them.
func (m Model) gotBucketLines(msg bucketLinesMsg) Model {
	if !m.bucket.on || !m.bucket.from.Equal(msg.from) || !m.bucket.to.Equal(msg.to) {
		return m
	}
	m.bucket.loading, m.bucket.lines = false, msg.lines
	if b := m.bucket.burst; b != nil {
		var own []correlate.Line
		for _, l := range msg.lines {
			if m.ofBurst(b, l) && len(own) < maxBurstReread {
				own = append(own, l)
			}
		}
		m.bucket.lines = own
	}
	if msg.err != nil {
		m.bucket.note = "reading the files again: " + msg.err.Error()
	}
	return m
}

func (m Model) linesKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.lineEditing {
		switch msg.String() {
		case "enter", "esc":
			m.lineEditing = false
			m.lineQuery.Blur()
			if msg.String() == "esc" {
				m.lineQuery.SetValue("")
			}
			m.lineSel = 0
			return m, nil
		}
		var cmd tea.Cmd
		m.lineQuery, cmd = m.lineQuery.Update(msg)
		m.lineSel = 0
		return m, cmd
	}
	shown := m.shownLines()
	k := m.keys
	if sel, ok := k.page(msg, m.lineSel, len(shown), m.lineRows()); ok {
		m.lineSel = sel
		return m, nil
	}
	if col, ok := k.scroll(msg, m.lineCol, widestText(shown)); ok {
		m.lineCol = col
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		// A new search, as in less: the last one does not prefix it.
		m.lineQuery.SetValue("")
		m.lineEditing = true
		m.lineQuery.Focus()
	case key.Matches(msg, k.Enter):
		if m.lineSel < len(shown) {
			m.state = stateLine
		}
	}
	return m, nil
}

// linesView lists the lines, the selected one marked.
func (m Model) linesView() string {
	shown := m.shownLines()
	var s strings.Builder
	var title, partial string
	dropped := false
	switch {
	case m.bucket.burst != nil:
		b := m.bucket.burst
		if m.bucket.loading {
			title = fmt.Sprintf("Raw lines of burst %s on %s: %s", burstName(*b), clean(b.Group), shownOf(len(shown), len(m.bucket.lines), b.LinesBehind))
		} else {
			title = fmt.Sprintf("Raw lines of burst %s on %s, read again from the files: %s", burstName(*b), clean(b.Group), shownOf(len(shown), len(m.bucket.lines), b.LinesBehind))
		}
	case m.bucket.on:
		title = fmt.Sprintf("Raw lines of %s +%s (5xx answers and upstream errors): %d of %d",
			m.bucket.from.Format("2006-01-02 15:04:05"), words.Duration(m.bucket.to.Sub(m.bucket.from)), len(shown), len(m.bucket.lines))
	default:
		b, _ := m.selectedBurst()
		title = fmt.Sprintf("Raw lines of burst %s on %s: %s", burstName(b), clean(b.Group), shownOf(len(shown), len(b.Lines), b.LinesBehind))
		dropped = b.LinesDropped
		if !dropped && len(b.Lines) < b.LinesBehind {
			partial = fmt.Sprintf("the first %d of the %d lines behind this burst were kept; a pipe cannot be read again for the rest", len(b.Lines), b.LinesBehind)
		}
	}
	s.WriteString(m.styles.Bold.Render(truncate(title, m.width)) + "\n")
	hint := "/ search: words, status:502 peer:… cat:… client:… log:error · enter: the line whole · ←/→ scroll"
	if m.lineCol > 0 {
		hint = fmt.Sprintf("from column %d (←/→ scroll) · ", m.lineCol+1) + hint
	}
	if len(shown) > 0 {
		hint = fmt.Sprintf("line %d · ", min(m.lineSel, len(shown)-1)+1) + hint
	}
	if m.lineEditing || m.lineQuery.Value() != "" {
		hint = m.lineQuery.View()
	}
	s.WriteString(m.styles.Dim.Render(truncate(hint, m.width)) + "\n")
	switch {
	case dropped:
		s.WriteString(m.styles.Warn.Render("this burst's lines were dropped to bound memory; newer bursts keep theirs") + "\n")
	case partial != "":
		s.WriteString(m.styles.Warn.Render(truncate(partial, m.width)) + "\n")
	case m.bucket.on && m.bucket.loading:
		s.WriteString(m.styles.Dim.Render("reading the files again…") + "\n")
	case m.bucket.on && m.bucket.note != "":
		s.WriteString(m.styles.Warn.Render(truncate(clean(m.bucket.note), m.width)) + "\n")
	case m.bucket.burst != nil && len(m.bucket.lines) == 0:
		s.WriteString(m.styles.Dim.Render("the files no longer hold this burst's lines") + "\n")
	case m.bucket.on && len(m.bucket.lines) == 0:
		s.WriteString(m.styles.Dim.Render("no 5xx answer or upstream error in this bucket") + "\n")
	}
	rows := m.lineRows()
	sel := min(m.lineSel, max(0, len(shown)-1))
	first := max(0, min(sel-rows/2, len(shown)-rows))
	for i := first; i < len(shown) && i < first+rows; i++ {
		l := shown[i]
		what := strconv.Itoa(l.Status)
		if l.Error {
			what = "E " + l.Category
		}
		marker := "  "
		if i == sel {
			marker = "▶ "
		}
		text := clean(l.Text)
		if m.lineCol > 0 {
			// Scrolled sideways: the text from that column, its cut start
			// marked; the time and status stay put.
			r := []rune(text)
			text = "«" + string(r[min(m.lineCol, len(r)):])
		}
		row := truncate(fmt.Sprintf("%s%s %-16s %s", marker, m.clock(l.Time), what, text), m.width)
		if i == sel {
			row = m.styles.Selected.Render(row)
		}
		s.WriteString(row + "\n")
	}
	return s.String()
}

// lineView shows the selected line whole, its fields, and the lines of
// the other log joined to it (same client within a second).
func (m Model) lineView() string {
	shown := m.shownLines()
	if len(shown) == 0 {
		return "no line selected"
	}
	l := shown[min(m.lineSel, len(shown)-1)]
	wrap := lipgloss.NewStyle().Width(max(20, m.width-2))
	var s strings.Builder
	kind := "access.log line"
	if l.Error {
		kind = "error.log line"
	}
	s.WriteString(m.styles.Bold.Render(fmt.Sprintf("%s · %s:%d", kind, clean(l.Source), l.Num)) + "\n")
	s.WriteString(wrap.Render(clean(l.Text)) + "\n\n")
	field := func(name, v string) {
		if v != "" {
			fmt.Fprintf(&s, "  %-9s %s\n", name, clean(v))
		}
	}
	field("time", l.Time.Format(time.RFC3339Nano))
	if !l.Error {
		field("status", strconv.Itoa(l.Status))
	}
	field("category", l.Category)
	field("peer", l.Peer)
	field("client", l.Client)
	var joined []correlate.Line
	for _, o := range m.paneLines() {
		if o.Error != l.Error && o.Client != "" && o.Client == l.Client && absDur(o.Time.Sub(l.Time)) <= time.Second {
			joined = append(joined, o)
		}
	}
	if len(joined) > 0 {
		other := "error.log"
		if l.Error {
			other = "access.log"
		}
		s.WriteString("\n" + m.styles.Bold.Render("From "+other+", same client within a second") + "\n")
		for i, o := range joined {
			if i == 3 {
				fmt.Fprintf(&s, "  … %d more\n", len(joined)-3)
				break
			}
			s.WriteString(wrap.Render("  "+clean(o.Text)) + "\n")
		}
	}
	return s.String()
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// shownOf says how many lines the pane shows of how many it holds, and,
// when it holds fewer than are behind the burst, that it holds the first
// ones: "12 of 500 (the first 500 of 828)".
func shownOf(shown, held, behind int) string {
	out := fmt.Sprintf("%d of %d", shown, held)
	if held < behind {
		out += fmt.Sprintf(" (the first %d of %d)", held, behind)
	}
	return out
}

// lineRows is how many lines the raw-lines pane shows at once.
func (m Model) lineRows() int { return max(1, m.height-5) }

// widestText is the longest line's length in runes, the farthest the
// pane scrolls sideways.
func widestText(ls []correlate.Line) int {
	w := 0
	for _, l := range ls {
		w = max(w, len([]rune(clean(l.Text))))
	}
	return w
}
