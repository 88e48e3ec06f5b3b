package tui

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/days"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/timeline"
	"github.com/badgw/badgw/words"
)

// chartRows is the bar chart's height for the terminal's: the burst list,
// the top cause and its fix come first, so a short terminal gets a low
// chart and a tall one a tall chart.
func (m Model) chartRows() int {
	switch {
	case m.height <= 26:
		return 3
	case m.height <= 40:
		return 5
	case m.height <= 55:
		return 8
	}
	return 12
}

// View renders the screen for the current state, never taller than the
// terminal: a terminal shows the last lines of a taller one, which would
// cut off the header and the titles.
func (m Model) View() string {
	v := m.view()
	if lines := strings.Split(v, "\n"); m.height > 1 && len(lines) > m.height {
		// What does not fit is said, not silently cut.
		more := m.styles.Dim.Render(truncate(fmt.Sprintf("… %d more lines: a taller terminal shows them", len(lines)-m.height+1), m.width))
		v = strings.Join(append(lines[:m.height-1], more), "\n")
	}
	return v
}

func (m Model) view() string {
	if m.fatal != nil {
		return m.fatalView()
	}
	switch m.state {
	case stateDetail:
		return lipgloss.JoinVertical(lipgloss.Left, m.headerView(), m.detail.View(), m.detailMark(), m.helpLineView())
	case stateHelp:
		return lipgloss.JoinVertical(lipgloss.Left, m.headerView(), m.helpView())
	case stateErrors:
		return lipgloss.JoinVertical(lipgloss.Left, m.headerView(), m.errorsView(), m.helpLineView())
	case stateDays:
		return lipgloss.JoinVertical(lipgloss.Left, m.headerView(), m.daysView(m.height-2), m.helpLineView())
	case stateLines:
		return lipgloss.JoinVertical(lipgloss.Left, m.headerView(), m.linesView(), m.helpLineView())
	case stateLine:
		return lipgloss.JoinVertical(lipgloss.Left, m.headerView(), m.lineView(), m.helpLineView())
	}
	bottom := lipgloss.JoinVertical(lipgloss.Left, m.statusView(), m.helpLineView())
	// What shows first on a small terminal: the bursts, then the top cause
	// and its fix, then the chart.
	tableNeed := max(len(m.visibleBursts())+3, 4)
	top := lipgloss.JoinVertical(lipgloss.Left, m.headerView(), m.timelineView())
	// The chart goes only when the terminal is too small for it beside
	// three bursts and the top cause: more bursts scroll in the table
	// (with many, the chart used to go at any size).
	if m.height-lipgloss.Height(top)-lipgloss.Height(bottom)-min(tableNeed, 6) < 5 {
		top = m.headerView()
	}
	rest := max(m.height-lipgloss.Height(top)-lipgloss.Height(bottom), 3)
	// The table takes what its rows need; the selected burst's top cause
	// fills the rest, when there is room for it.
	if m.width >= sideBySide {
		// A wide terminal: the burst's detail beside the list, with the
		// whole height below the chart.
		left := m.width * 2 / 5
		return lipgloss.JoinVertical(lipgloss.Left, top,
			lipgloss.JoinHorizontal(lipgloss.Top, m.burstTableView(left, rest), m.previewView(m.width-left, rest)), bottom)
	}
	table := min(rest, tableNeed)
	if rest-table < 5 {
		return lipgloss.JoinVertical(lipgloss.Left, top, m.burstTableView(m.width, rest), bottom)
	}
	return lipgloss.JoinVertical(lipgloss.Left, top, m.burstTableView(m.width, table), m.previewView(m.width, rest-table), bottom)
}

// sideBySide is the terminal width from which the burst list and the
// selected burst's detail stand side by side.
const sideBySide = 160

// previewView shows the selected burst's most likely cause and its fix,
// then, as far as height allows, its summary, evidence, who was hit and
// the other causes: the fix must show on a small terminal, the rest uses a
// large one.
func (m Model) previewView(width, height int) string {
	b, ok := m.selectedBurst()
	lines := []string{}
	wrap := lipgloss.NewStyle().Width(max(20, width-4))
	add := func(text string) { lines = append(lines, strings.Split(wrap.Render(text), "\n")...) }
	if ok {
		if c := b.TopCause(); c != nil {
			title := fmt.Sprintf("%s %s %.0f%%", burstName(b), c.ID, 100*c.Confidence)
			hint := " (enter: all causes, evidence, samples)"
			if lipgloss.Width(title+hint) > m.width-4 {
				hint = "" // a line of its own would push the fix off
			}
			lines = append(lines, m.styles.Cause.Render(title)+m.styles.Dim.Render(hint))
			if b.DetailsLost {
				add("Its details could not be read back from the file badgw kept them in: its counts and its causes' names and scores only.")
			}
			// The fix first: on a small terminal it is what must show.
			for i, st := range c.Steps {
				add(fmt.Sprintf("Fix %d. %s", i+1, clean(st.Text())))
			}
			add(clean(c.Summary))
			if inner := height - 2; len(lines) < inner {
				for _, ev := range c.Evidence {
					add("  · " + clean(ev))
				}
				if hit := whoWasHit(b.Impact); hit != "" {
					lines = append(lines, "")
					add(m.styles.Bold.Render("Who was hit") + " " + clean(hit))
				}
				if len(b.Causes) > 1 {
					lines = append(lines, "", m.styles.Bold.Render("Other causes"))
					for i, o := range b.Causes[1:] {
						add(fmt.Sprintf("%d. %s %.0f%%: %s", i+2, o.ID, 100*o.Confidence, clean(o.Summary)))
					}
				}
			}
		}
	}
	inner := max(1, height-2)
	if len(lines) > inner {
		lines = append(lines[:inner-1], "…")
	}
	return m.styles.Blur.Width(width - 2).Height(inner).Render(strings.Join(lines, "\n"))
}

// clientsText is "12 distinct clients", "or more" when the count stopped
// at its bound.
func clientsText(im correlate.Impact) string {
	more := ""
	if im.ClientsMore {
		more = " or more"
	}
	return words.Count(im.Clients, "distinct client") + more
}

// whoWasHit is one line on the clients, methods and URLs of a burst.
func whoWasHit(im correlate.Impact) string {
	var parts []string
	if im.Clients > 0 {
		parts = append(parts, clientsText(im))
	}
	if len(im.Methods) > 0 {
		parts = append(parts, "methods "+report.Histogram(im.Methods))
	}
	if len(im.URLs) > 0 {
		parts = append(parts, "URLs "+report.Histogram(im.URLs[:min(3, len(im.URLs))]))
	}
	return strings.Join(parts, "; ")
}

func (m Model) headerView() string {
	title := "badgw"
	if m.opts.Title != "" {
		title += " · " + m.opts.Title
	}
	mode := "reading"
	switch {
	case m.done:
		mode = "done"
	case m.opts.Live && m.follow:
		mode = "LIVE"
	case m.opts.Live:
		mode = "LIVE, not following (f)"
	}
	right := fmt.Sprintf(" %s · %s of 502 ", mode, words.Count(len(m.snap.BadGatewayBursts()), "burst"))
	if m.fatal != nil {
		right = " failed "
	}
	left := m.styles.Title.Render(title)
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	return left + strings.Repeat(" ", max(gap, 1)) + right
}

// glyphs per status class, so classes stay distinguishable without colour.
var glyphs = [correlate.NumClasses]string{"░", "░", "░", "█", "▓", "▒"}

// stackOrder draws 502 at the bottom, then 504, other 5xx, 4xx/499, ok.
var stackOrder = []correlate.Class{correlate.Class502, correlate.Class504, correlate.Class5xx, correlate.Class4xx, correlate.Class499, correlate.ClassOK}

func (m Model) classStyle(c correlate.Class) lipgloss.Style {
	switch c {
	case correlate.Class502:
		return m.styles.Bar502
	case correlate.Class504:
		return m.styles.Bar504
	case correlate.Class5xx:
		return m.styles.Bar5xx
	case correlate.Class4xx, correlate.Class499:
		return m.styles.Bar4xx
	}
	return m.styles.BarOK
}

// column returns, bottom first, the class filling each row of a bar.
func column(b timeline.Bucket, maxTotal, rows int) []correlate.Class {
	total := b.Total()
	if total == 0 || maxTotal == 0 {
		return nil
	}
	h := (total*rows + maxTotal - 1) / maxTotal
	cells := make([]correlate.Class, 0, h)
	acc := 0
	for _, c := range stackOrder {
		acc += int(b.Counts[c])
		upto := (acc*h + total - 1) / total
		for len(cells) < upto {
			cells = append(cells, c)
		}
	}
	return cells
}

func (m Model) timelineView() string {
	s := m.series()
	if len(s.Buckets) == 0 {
		return m.paneStyle(paneTimeline).Width(m.width - 2).Render("waiting for log lines…")
	}
	cols := m.timelineCols()
	if m.lanesWanted() {
		cols = max(10, cols-laneLabel) // room for the lanes' names
	}
	first := max(0, min(m.cursor-cols/2, len(s.Buckets)-cols))
	if m.follow {
		first = max(0, len(s.Buckets)-cols)
	}
	last := min(len(s.Buckets), first+cols)
	win := s.Buckets[first:last]
	widths := spread(len(win), cols)
	total := 0
	for _, w := range widths {
		total += w
	}
	maxTotal := 0
	for _, b := range win {
		maxTotal = max(maxTotal, b.Total())
	}
	chart := m.chartRows()
	rows := make([]strings.Builder, chart)
	var marks strings.Builder
	for i, b := range win {
		cells := column(b, maxTotal, chart)
		for r := 0; r < chart; r++ {
			level := chart - 1 - r
			glyph, style := " ", m.styles.Dim
			if level < len(cells) {
				glyph, style = glyphs[cells[level]], m.classStyle(cells[level])
			}
			if first+i == m.cursor && m.focus == paneTimeline {
				style = m.styles.Cursor
			}
			rows[r].WriteString(style.Render(strings.Repeat(glyph, widths[i])))
		}
		switch {
		case first+i == m.cursor:
			marks.WriteString(m.styles.Cursor.Render(strings.Repeat("^", widths[i])))
		case b.InBurst:
			marks.WriteString(m.styles.BurstMark.Render(strings.Repeat("▀", widths[i])))
		default:
			marks.WriteString(strings.Repeat(" ", widths[i]))
		}
	}
	label := func(r int) string {
		switch r {
		case 0:
			return fmt.Sprintf("%6d ", maxTotal)
		case chart - 1:
			return "     0 "
		}
		return "       "
	}
	var b strings.Builder
	for r := range rows {
		b.WriteString(label(r) + rows[r].String() + "\n")
	}
	b.WriteString("       " + marks.String() + "\n")
	b.WriteString("       " + axis(win, total) + "\n")
	for _, lane := range m.groupLanes(s, first, last, widths) {
		b.WriteString(lane + "\n")
	}
	b.WriteString(m.cursorLine(s))
	return m.paneStyle(paneTimeline).Width(m.width - 2).Render(b.String())
}

// spread shares cols columns among the buckets shown, each one or more,
// so that a short input fills a wide terminal (four columns a bucket at
// most left half of a 200-column chart empty for a minute's input).
func spread(buckets, cols int) []int {
	w := make([]int, buckets)
	for i := range w {
		w[i] = max(1, (i+1)*cols/buckets-i*cols/buckets)
	}
	return w
}

// laneLabel is the room kept for a group lane's name.
const laneLabel = 20

// lanesWanted reports whether the timeline shows a 502 lane per group:
// there are several, and rows to spare.
func (m Model) lanesWanted() bool {
	return min(maxLanes, (m.height-28)/2) > 0 && len(m.snap.Groups) >= 2
}

// maxLanes is the most upstream groups given a 502 row of their own.
const maxLanes = 4

// groupLanes draws one row of 502s per upstream group, the groups with
// most 502s first, when there are several groups and the terminal has
// rows to spare (a lane per two rows above 28).
func (m Model) groupLanes(s timeline.Series, first, last int, widths []int) []string {
	n := min(maxLanes, (m.height-28)/2)
	if !m.lanesWanted() || last <= first {
		return nil
	}
	type lane struct {
		name  string
		bad   []int
		total int
	}
	end := s.Buckets[last-1].Start
	var lanes []lane
	for _, g := range m.snap.Groups {
		ser := timeline.Build(g.Series, nil, s.Buckets[first].Start, end, s.Width)
		l := lane{name: g.Group}
		for _, bk := range ser.Buckets {
			v := int(bk.Counts[correlate.Class502])
			l.bad = append(l.bad, v)
			l.total += v
		}
		if l.total > 0 {
			lanes = append(lanes, l)
		}
	}
	if len(lanes) < 2 {
		return nil
	}
	sort.SliceStable(lanes, func(i, j int) bool { return lanes[i].total > lanes[j].total })
	var out []string
	for i, l := range lanes {
		if i == n {
			break
		}
		peak := 0
		for _, v := range l.bad {
			peak = max(peak, v)
		}
		var row strings.Builder
		used := 0
		for j, v := range l.bad {
			w := 1
			if j < len(widths) {
				w = widths[j]
			}
			used += w
			row.WriteString(m.styles.Bar502.Render(strings.Repeat(string(report.Spark(v, peak)), w)))
		}
		// The name goes after the row, where it has room, so the bars
		// stay aligned with the chart above.
		room := m.width - 4 - 7 - used - 2
		out = append(out, "   502 "+row.String()+"  "+truncate(clean(l.name), max(room, 4)))
	}
	return out
}

// cursorLine describes the bucket under the cursor.
func (m Model) cursorLine(s timeline.Series) string {
	if m.cursor >= len(s.Buckets) {
		return ""
	}
	b := s.Buckets[m.cursor]
	c := b.Counts
	line := fmt.Sprintf("%s +%s  %d req  502:%d 504:%d 5xx:%d 4xx:%d 499:%d",
		m.clock(b.Start), words.Duration(s.Width), b.Total(), c[correlate.Class502], c[correlate.Class504], c[correlate.Class5xx],
		c[correlate.Class4xx], c[correlate.Class499])
	switch {
	case b.InBurst && b.Burst == 0:
		line += "  open burst" // numbered when it closes
	case b.InBurst:
		line += fmt.Sprintf("  burst #%d", b.Burst)
	}
	// The legend goes when it does not fit whole (the help screen has it).
	if legend := "  █502 ▓504 ▒5xx ░other"; lipgloss.Width(line+legend) <= m.width-4 {
		line += legend
	}
	return truncate(line, m.width-4)
}

func (m Model) paneStyle(p pane) lipgloss.Style {
	if m.focus == p && m.state == stateMain {
		return m.styles.Focus
	}
	return m.styles.Blur
}

func (m Model) burstTableView(width, height int) string {
	vis := m.visibleBursts()
	sel := m.selected(vis)
	inner := max(1, height-2)
	var lines []string
	clockW := len(m.clock(time.Time{}))
	upW := min(max(width-67-(clockW-8), 10), 30)
	head := fmt.Sprintf("  %-4s %-*s %-5s %-*s %5s %6s  %s", "#", clockW, "start", "dur", upW, "upstream", "bad", "share", "top cause")
	lines = append(lines, m.styles.Bold.Render(truncate(head, width-4)))
	if len(vis) == 0 {
		msg := "no 502 burst yet"
		if m.done {
			msg = "no 502 burst found"
		}
		if m.filter.Value() != "" {
			msg = "no burst matches the filter"
		}
		lines = append(lines, m.styles.Dim.Render(msg))
	}
	start := max(0, min(sel-inner+2, len(vis)-inner+1))
	for i := start; i < len(vis) && len(lines) < inner; i++ {
		b := vis[i]
		id := strings.TrimPrefix(burstName(b), "#")
		kind := ""
		switch b.Kind {
		case correlate.Kind504:
			kind = " (504)"
		case correlate.KindErrorLog:
			kind = " (error log only)"
		}
		cause := "-"
		if c := b.TopCause(); c != nil {
			cause = fmt.Sprintf("%s %.0f%%", c.ID, 100*c.Confidence)
		}
		row := fmt.Sprintf("%-4s %-*s %-5s %-*s %5d %5.1f%%  %s%s", id, clockW, m.clock(b.Start),
			shortDur(b.Duration()), upW, truncate(clean(b.Group), upW), b.Bad(), 100*b.Share(), cause, kind)
		// A marker as well as reverse video: NO_COLOR terminals may show
		// neither colour nor reverse.
		marker := "  "
		if i == sel {
			marker = "▶ "
		}
		row = truncate(marker+row, width-4)
		if i == sel {
			row = m.styles.Selected.Render(row)
		}
		lines = append(lines, row)
	}
	return m.paneStyle(paneBursts).Width(width - 2).Height(inner).Render(strings.Join(lines, "\n"))
}

func shortDur(d time.Duration) string { return words.Duration(d.Round(time.Second)) }

func truncate(s string, n int) string {
	if n <= 1 || lipgloss.Width(s) <= n {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lipgloss.Width(string(r)) > n-1 {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// statusView shows inputs, progress, rate, malformed counts and the format.
func (m Model) statusView() string {
	in := m.snap.Ingest
	t := in.Totals()
	files := 0
	for _, f := range in.Files {
		// stdin that carried tail -F output is not a file of its own: its
		// lines are counted under the files its headers name.
		if f.Path != "-" || f.Lines > 0 || len(in.Files) == 1 {
			files++
		}
	}
	parts := []string{words.Count(files, "file"), words.Count(int(t.Lines), "line")}
	if !m.done && m.linesPerSec > 0 {
		parts = append(parts, fmt.Sprintf("%.0f lines/s", m.linesPerSec))
	}
	switch {
	case m.done || m.opts.Live:
	case t.Size > 0:
		parts = append(parts, progressBar(t.Consumed, t.Size, 12))
	case t.Span > 0:
		// A log store's lines: how much of its time range is read.
		parts = append(parts, progressBar(t.SpanRead, t.Span, 12)+" of the range")
	}
	if bad := t.Malformed + t.TooLong; bad > 0 {
		parts = append(parts, m.styles.Warn.Render(fmt.Sprintf("%d unparsed (u)", bad)))
	}
	if in.Format != "" {
		parts = append(parts, in.FormatLabel)
	}
	if m.opts.Live && !m.done && !m.snap.Newest.IsZero() {
		newest := "newest " + m.clock(m.snap.Newest)
		// The lag behind the live edge, when the log's clock is this
		// machine's (a log replayed from another day has no lag to show).
		if lag := time.Since(m.snap.Newest).Round(time.Second); lag >= 0 && lag < time.Hour {
			newest += " (" + words.Duration(lag) + " behind)"
		}
		parts = append(parts, newest)
	}
	if m.filter.Value() != "" || m.editing {
		parts = append(parts, m.filter.View())
	}
	if m.status != "" {
		parts = append([]string{m.status}, parts...) // the answer to the last key comes first
	}
	if m.warning != "" {
		first, _, _ := strings.Cut(m.warning, "\n")
		parts = append([]string{m.styles.Warn.Render("! " + clean(first))}, parts...)
	}
	return truncate(strings.Join(parts, " · "), m.width)
}

func progressBar(done, total int64, width int) string {
	frac := min(1, float64(done)/float64(total))
	n := int(frac * float64(width))
	return fmt.Sprintf("[%s%s] %3.0f%%", strings.Repeat("█", n), strings.Repeat("░", width-n), 100*frac)
}

func (m Model) helpLineView() string {
	keys := m.keys.short()
	if m.state == stateDetail || m.state == stateDays || m.state == stateErrors || m.state == stateLines || m.state == stateLine {
		keys = []key.Binding{m.keys.Back, m.keys.Help, m.keys.Quit}
	}
	line := ""
	for _, b := range keys {
		part := b.Help().Key + " " + b.Help().Desc
		if line != "" {
			part = " · " + part
		}
		// Whole items only: a key cut in half helps nobody.
		if lipgloss.Width(line+part) > m.width {
			break
		}
		line += part
	}
	return m.styles.Help.Render(line)
}

func (m Model) helpView() string {
	var b strings.Builder
	b.WriteString(m.styles.Bold.Render("Keys") + m.styles.Dim.Render("  (? or esc: back)") + "\n")
	keyColumns(&b, m.keys.full(), m.width)
	b.WriteString(m.styles.Bold.Render("In the raw lines, the detail and the day view's bursts") + "\n")
	keyColumns(&b, append(m.keys.paging(), m.keys.ScrollLeft, m.keys.ScrollRight), m.width)
	b.WriteString("raw lines: / searches (words, status:502 peer: cat: client: log:error; esc clears it, then leaves), enter shows a line whole; ←/→ scroll sideways. Days: ←/→ day, enter a burst's detail.\n")
	b.WriteString("The timeline stacks each bucket's requests: █ 502, ▓ 504, ▒ other 5xx, ░ everything else; ▀ marks 502 bursts, ^ the cursor. On the timeline (tab) r shows the lines of the cursor's moment.")
	return lipgloss.NewStyle().Width(max(20, m.width-1)).Render(b.String())
}

// keyColumns lists key bindings in as many columns as the width holds.
func keyColumns(b *strings.Builder, keys []key.Binding, width int) {
	const cell = 38
	cols := max(1, (width-2)/cell)
	rows := (len(keys) + cols - 1) / cols
	for r := range rows {
		line := " "
		for c := range cols {
			if i := c*rows + r; i < len(keys) {
				line += fmt.Sprintf(" %-14s %-*s", keys[i].Help().Key, cell-16, keys[i].Help().Desc)
			}
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

// detailMark says whether the detail goes on below the screen.
func (m Model) detailMark() string {
	if m.detail.AtBottom() {
		return m.styles.Dim.Render("(end)")
	}
	return m.styles.Dim.Render(fmt.Sprintf("↓ more below (%.0f%%) · space/pgdn page · G/end last", 100*m.detail.ScrollPercent()))
}

func (m Model) errorsView() string {
	var b strings.Builder
	b.WriteString("Unparsed lines (first few per file)\n\n")
	any := false
	for _, f := range m.snap.Ingest.Files {
		if f.ReadError != "" {
			any = true
			fmt.Fprintf(&b, "%s: %s\n", clean(filepath.Base(f.Path)), clean(f.ReadError))
		}
		for _, s := range f.Samples {
			any = true
			fmt.Fprintf(&b, "%s:%d %s\n  %s\n", clean(filepath.Base(f.Path)), s.Line, clean(s.Reason), truncate(clean(s.Text), m.width-4))
		}
	}
	if !any {
		b.WriteString("none: every line was parsed.\n")
	}
	return b.String()
}

// detailContent renders the selected burst for the detail viewport.
func (m Model) detailContent() string {
	b, ok := m.selectedBurst()
	if !ok {
		return "no burst selected"
	}
	w := max(20, m.width-4)
	wrap := lipgloss.NewStyle().Width(w)
	indent := lipgloss.NewStyle().Width(w).PaddingLeft(3)
	var s strings.Builder
	kind := "502 burst"
	switch b.Kind {
	case correlate.Kind504:
		kind = "504 episode"
	case correlate.KindErrorLog:
		kind = "upstream error burst (error log only: counts are error lines)"
	}
	fmt.Fprintf(&s, "%s %s on %s", kind, burstName(b), clean(b.Group))
	if b.Node != "" {
		fmt.Fprintf(&s, ", host %s", clean(b.Node))
	}
	s.WriteString("\n")
	if h := report.HostsSentence(b); h != "" {
		fmt.Fprintf(&s, "%s\n", h)
	}
	fmt.Fprintf(&s, "%s → %s (%s)\n", report.Timestamp(b.Start), report.EndClock(b.Start, b.End), shortDur(b.Duration()))
	fmt.Fprintf(&s, "%d of %d requests bad (%.1f%%), peak %d/s · 502 %d · 504 %d · other 5xx %d\n",
		b.Bad(), b.Requests, 100*b.Share(), b.Peak, b.BadGateway, b.GatewayTimeout, b.Other5xx)
	fmt.Fprintf(&s, "attempts/request %.2f · joined to error.log %d of %d\n\n", b.AttemptsPerRequest(), b.Joined, b.Bad())
	if b.DetailsLost {
		s.WriteString(hang("", "Its details (who was hit, the causes' evidence and fixes, sample and raw lines) could not be read back from the file badgw kept them in: below are its counts and its causes' names and scores only.", w) + "\n\n")
	}
	s.WriteString(m.styles.Bold.Render("Likely causes") + "\n")
	for i, c := range b.Causes {
		name := fmt.Sprintf("%d. %s  %.0f%%", i+1, c.ID, 100*c.Confidence)
		if i == 0 {
			name = m.styles.Cause.Render(name)
		}
		s.WriteString(name + "\n")
		s.WriteString(hang("   ", clean(c.Summary), w) + "\n")
		for _, ev := range c.Evidence {
			s.WriteString(hang("   · ", clean(ev), w) + "\n")
		}
		for j, st := range c.Steps {
			s.WriteString(hang(fmt.Sprintf("   fix %d. ", j+1), clean(st.Text()), w) + "\n")
		}
		s.WriteString("\n")
	}
	section := func(title string, cs []correlate.Count) {
		if len(cs) == 0 {
			return
		}
		s.WriteString(m.styles.Bold.Render(title) + "\n")
		for i, c := range cs {
			if i == 8 {
				fmt.Fprintf(&s, "   … %d more\n", len(cs)-8)
				break
			}
			fmt.Fprintf(&s, "   %-40s %d\n", truncate(clean(c.Key), 40), c.N)
		}
	}
	section("Status chains", b.Chains)
	if b.GroupNamed > 0 && b.GroupNamed >= b.Bad()/2 {
		fmt.Fprintf(&s, "%s\n   %s found no live peer: nginx had marked every peer down\n", m.styles.Bold.Render("Peers"), words.Count(b.GroupNamed, "request"))
		section("Peers tried, before that or by other requests", b.Peers)
	} else {
		section("Peers", b.Peers)
	}
	section("error.log categories", b.Categories)
	// Who was hit: what lnav's SQL or GoAccess's panels would be asked.
	im := b.Impact
	if im.Clients > 0 || len(im.URLs) > 0 {
		fmt.Fprintf(&s, "%s\n   %s\n", m.styles.Bold.Render("Who was hit"), clientsText(im))
		if len(im.Methods) > 0 {
			fmt.Fprintf(&s, "   methods: %s\n", clean(report.Histogram(im.Methods)))
		}
	}
	section("URLs", im.URLs)
	section("Hosts", im.Hosts)
	section("Clients", im.TopClients)
	section("User agents", im.UserAgents)
	samples := func(title string, ss []correlate.Sample) {
		if len(ss) == 0 {
			return
		}
		s.WriteString("\n" + m.styles.Bold.Render(title) + "\n")
		for _, x := range ss {
			// Whole, wrapped (up to maxSampleText): a line cut mid-field
			// hides what it says.
			fmt.Fprintf(&s, "%s:%d\n%s\n", clean(filepath.Base(x.Source)), x.Line, indent.Render(truncate(clean(x.Text), maxSampleText)))
		}
	}
	samples("Sample access lines", b.Samples)
	samples("Sample error lines", b.ErrorSamples)
	// Wrapped to the view's width here, so the viewport counts the lines
	// the screen shows and the last ones can be scrolled to.
	return wrap.Render(s.String())
}

// hang wraps text to width w after prefix, the lines after the first
// indented under the text, so a wrapped item still reads as one.
func hang(prefix, text string, w int) string {
	pad := lipgloss.Width(prefix)
	body := lipgloss.NewStyle().Width(max(10, w-pad)).Render(text)
	lines := strings.Split(body, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = strings.Repeat(" ", pad) + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// maxSampleText bounds a sample line in the detail view.
const maxSampleText = 2000

// fatalView fills the screen with why the analysis produced nothing: what
// failed, the line and field it failed on, what to pass. A silent "0
// bursts" here would be believed.
func (m Model) fatalView() string {
	wrap := lipgloss.NewStyle().Width(max(20, m.width-4))
	lines := []string{m.styles.Warn.Render("badgw could not analyse these logs"), ""}
	lines = append(lines, strings.Split(wrap.Render(report.CleanText(m.fatal.Error())), "\n")...)
	lines = append(lines, "", m.styles.Dim.Render("press any key to exit"))
	body := m.paneStyle(-1).Width(m.width - 2).Height(max(3, m.height-4)).Render(strings.Join(lines, "\n"))
	return lipgloss.JoinVertical(lipgloss.Left, m.headerView(), body)
}

// daysView draws one bar per day (its 502 share), the verdicts, and the
// bursts of the selected day.
func (m Model) daysView(rows int) string {
	s := m.snap.DaySummary()
	if s == nil {
		return m.styles.Bold.Render("Days") + "\n\nThe input spans one day: there is no per-day view.\n"
	}
	lines := func(text string) []string {
		return strings.Split(lipgloss.NewStyle().Width(max(20, m.width-2)).Render(text), "\n")
	}
	head := []string{truncate(m.styles.Bold.Render("Days")+m.styles.Dim.Render("  ←/→ day · ↑/↓ burst · enter detail · d or esc back"), m.width)}
	head = append(head, lines(clean(fmt.Sprintf("502 share: %s; bursts per day: %s", verdictText(s.Trend), verdictText(s.BurstTrend))))...)
	var reading []string
	if s.Change != nil {
		head = append(head, lines(clean(s.Change.Describe()))...)
		if s.Change.Reading != "" {
			reading = lines(clean(s.Change.Reading))
		}
	}
	bursts := m.dayBursts()
	// What a short terminal keeps: the title and verdicts, up to eight
	// days, the selected day and three of its bursts; the change's reading
	// gets what is left (its first lines), the days and bursts the rest.
	dayRows := min(len(s.Days), max(3, rows-len(head)-len(reading)-2-min(len(bursts), 3)))
	if spare := rows - len(head) - dayRows - 2 - min(len(bursts)+1, 4); len(reading) > spare {
		if spare < 1 {
			reading = nil
		} else {
			reading = append(reading[:spare-1], m.styles.Dim.Render("… (a taller terminal shows the whole reading; the report has it too)"))
		}
	}
	out := append(head, reading...)
	top := 0.0
	for _, d := range s.Days {
		top = max(top, d.Share)
	}
	barWidth := max(10, m.width-44)
	day := min(m.day, len(s.Days)-1)
	first := min(max(0, day-dayRows/2), len(s.Days)-dayRows)
	for i, d := range s.Days[first : first+dayRows] {
		i += first
		n := 0
		if top > 0 {
			n = int(math.Round(d.Share / top * float64(barWidth)))
		}
		marker := "  "
		if i == day {
			marker = "▶ "
		}
		line := fmt.Sprintf("%s%s %7.3f%% %3d %-6s %s", marker, d.Date, 100*d.Share, d.Bursts, words.Noun(d.Bursts, "burst"), strings.Repeat("█", n))
		if i == day {
			line = m.styles.Selected.Render(line)
		}
		out = append(out, line)
	}
	sel := s.Days[day]
	selLine := m.styles.Bold.Render(fmt.Sprintf("%s: %d requests, %d 502s, %d 504s", sel.Date, sel.Requests, sel.S502, sel.S504))
	if dayRows < len(s.Days) {
		selLine += m.styles.Dim.Render(fmt.Sprintf(" · days %d–%d of %d shown", first+1, first+dayRows, len(s.Days)))
	}
	out = append(out, "", truncate(selLine, m.width))
	// The day's bursts take the rows left, scrolled to the selected one.
	room := max(1, rows-len(out))
	from := 0
	if len(bursts) > room {
		room = max(1, room-1) // a line says how many more
		from = min(max(0, m.daySel-room/2), len(bursts)-room)
	}
	for i, bu := range bursts {
		if i < from || i >= from+room {
			continue
		}
		cause := ""
		if c := bu.TopCause(); c != nil {
			cause = c.ID
		}
		marker := "  "
		if i == m.daySel {
			marker = "▶ "
		}
		line := truncate(clean(fmt.Sprintf("%s#%d %s–%s %s %d×502 %s", marker, bu.ID, bu.Start.Format("15:04:05"), bu.End.Format("15:04:05"), bu.Group, bu.BadGateway, cause)), m.width)
		if i == m.daySel {
			line = m.styles.Selected.Render(line)
		}
		out = append(out, line)
	}
	if len(bursts) > room {
		out = append(out, m.styles.Dim.Render(fmt.Sprintf("  %d of %d bursts shown (↑/↓ for the others)", room, len(bursts))))
	}
	return strings.Join(out, "\n")
}

// dayBursts are the 502 bursts that start on the day view's day.
func (m Model) dayBursts() []correlate.Burst {
	s := m.snap.DaySummary()
	if s == nil || len(s.Days) == 0 {
		return nil
	}
	date := s.Days[min(m.day, len(s.Days)-1)].Date
	var out []correlate.Burst
	for _, bu := range m.snap.BadGatewayBursts() {
		if bu.Start.Format("2006-01-02") == date {
			out = append(out, bu)
		}
	}
	return out
}

func verdictText(t days.Trend) string {
	switch {
	case t.Verdict == "" && t.Note != "":
		return fmt.Sprintf("%s (%d days)", t.Note, t.Days)
	case t.Verdict == "":
		return fmt.Sprintf("too few days (%d)", t.Days)
	}
	return fmt.Sprintf("%s (p = %.3f over %d days)", t.Verdict, t.P, t.Days)
}

// axis labels the chart's time: the first bucket's time at the left, the
// last's at the right, one in the middle when there is room, and the date
// when the window crosses midnight (the cursor line gives the bucket
// width).
func axis(win []timeline.Bucket, cols int) string {
	if len(win) == 0 {
		return ""
	}
	first, last := win[0].Start, win[len(win)-1].Start
	layout := "15:04:05"
	if first.Format("2006-01-02") != last.Format("2006-01-02") {
		layout = "01-02 15:04"
	}
	left, right := first.Format(layout), last.Format(layout)
	line := []rune(strings.Repeat(" ", max(cols, len(left)+len(right)+2)))
	copy(line, []rune(left))
	copy(line[len(line)-len(right):], []rune(right))
	mid := win[len(win)/2].Start.Format(layout)
	if at := len(line)/2 - len(mid)/2; cols >= 3*(len(mid)+4) && at > len(left)+2 {
		copy(line[at:], []rune(mid))
	}
	return string(line)
}

// clock writes a time of the input: the time of day, with the date in
// front when the input spans more than one day (a row reading 10:00:40
// on an eight-day input could be any of eight).
func (m Model) clock(t time.Time) string {
	o := m.snap.Overall
	if len(o.Buckets) > 0 && o.Start.Format(time.DateOnly) != o.End().Add(-time.Nanosecond).In(o.Start.Location()).Format(time.DateOnly) {
		return t.Format("01-02 15:04:05")
	}
	return t.Format("15:04:05")
}

// burstName names a burst the same way everywhere: "#3", or "open" while
// it has no number yet (it gets one when it closes).
func burstName(b correlate.Burst) string {
	if b.Open {
		return "open"
	}
	return fmt.Sprintf("#%d", b.ID)
}
