// Package html writes the post-mortem page: one self-contained HTML file
// (styles, script and data inside it, nothing fetched when it is opened)
// that shows what the text report says, with the timeline drawn as SVG on
// the server so that it prints and reads without JavaScript. Log content
// is attacker-controlled: every value goes through html/template's
// contextual escaping after report.Clean, never as template.HTML, and the
// page's Content-Security-Policy lets only its own style and script run.
package html

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/words"
)

var (
	//go:embed page.tmpl
	pageTemplate string
	//go:embed page.css
	pageCSS string
	//go:embed page.js
	pageJS string

	tmpl = template.Must(template.New("page").Funcs(template.FuncMap{"pct": pct}).Parse(pageTemplate))
)

// csp lets the page run its own style and script and nothing else: no
// request leaves it, no inline handler or injected script runs.
var csp = fmt.Sprintf("default-src 'none'; style-src 'sha256-%s'; script-src 'sha256-%s'; img-src 'none'; base-uri 'none'; form-action 'none'",
	digest(pageCSS), digest(pageJS))

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Options is what the page shows beside the analysis.
type Options struct {
	// Findings are badgw check's findings on the nginx.conf given.
	Findings []audit.Finding
	// Title names the run ("demo: no-live-upstreams"), if it has a name.
	Title string
}

// Write writes the page for a snapshot.
func Write(w io.Writer, snap pipeline.Snapshot, opts Options) error {
	return tmpl.Execute(w, build(snap, opts))
}

// WriteCheck writes the page of badgw check's audit alone: the files
// read, the findings by rule, and what was not checked or not listed.
func WriteCheck(w io.Writer, res audit.Result) error {
	p := page{Title: "badgw check: nginx.conf audit", CSP: csp, CSS: template.CSS(pageCSS), JS: template.JS(pageJS), Audit: true}
	p.Findings = findingsOf(res.Findings)
	for _, f := range res.Files {
		p.Checked = append(p.Checked, report.Clean(f))
	}
	counts := map[string]int{}
	for _, f := range res.Findings {
		counts[f.Severity.String()]++
	}
	p.Summary = []string{fmt.Sprintf("%s: %s, %s, %s.", words.Count(len(res.Files), "file"),
		words.Count(counts["error"], "error"), words.Count(counts["warning"], "warning"), words.Count(counts["note"], "note"))}
	for _, o := range res.Omitted {
		p.NotListed = append(p.NotListed, fmt.Sprintf("%s more of %s, not listed", words.Count(o.Count, "finding"), o.Rule))
	}
	for _, n := range res.NotChecked {
		p.NotListed = append(p.NotListed, "not checked: "+report.Clean(n))
	}
	return tmpl.Execute(w, p)
}

// page is everything the template shows, every string already cleaned.
type page struct {
	Title, CSP string
	CSS        template.CSS // the page's own stylesheet, never data
	JS         template.JS  // the page's own script, never data
	Range      string
	Summary    []string
	Timeline   *svgTimeline
	Bursts     []burstView
	// Partial says when only some 502 bursts have their details.
	Partial string
	// Others are the episodes that are not 502 bursts, by kind.
	Others     []section
	Days       *daysView
	Background []backgroundRow
	Hidden     []string
	Inputs     []inputRow
	Format     string
	Totals     string
	Findings   []findingRow
	Incomplete string
	// Audit marks the page of badgw check alone: Checked are the files
	// it read, NotListed what it did not check or list.
	Audit              bool
	Checked, NotListed []string
}

type section struct {
	Title   string
	Bursts  []burstView
	Partial string // says when only some bursts have their details
}

type burstView struct {
	Anchor, Title, When, Upstream, Host, Hosts, Cause string
	Open, Summarized, DetailsLost                     bool
	// Detailed: the page holds the burst's block (maxDetailed bound it).
	Detailed bool
	Figures  []figure
	Causes   []causeView
	Hit      []figure
	Samples  []sampleView
}

type figure struct{ Name, Value string }

type causeView struct {
	ID, Confidence, Summary string
	Evidence                []string
	Steps                   []stepView
}

type stepView struct {
	Change, At string
	Optional   bool
}

type sampleView struct{ Where, Text string }

type backgroundRow struct {
	Group, Share, Requests, Sporadic, Pattern, Categories, Peers string
}

type inputRow struct {
	Path, Kind, Compression, Lines, Notes, Error string
}

type findingRow struct {
	Rule, Severity, Where, Message string
	Fix                            []string
}

func build(snap pipeline.Snapshot, opts Options) page {
	p := page{Title: "badgw: 502 post-mortem", CSP: csp, CSS: template.CSS(pageCSS), JS: template.JS(pageJS)}
	if opts.Title != "" {
		p.Title = "badgw: 502 post-mortem of " + report.Clean(opts.Title)
	}
	if !snap.Ingest.Complete() {
		p.Incomplete = fmt.Sprintf("Incomplete: the run was interrupted; everything below covers the first %s read.", words.Count(int(snap.Ingest.Totals().Lines), "line"))
	}
	if o := snap.Overall; len(o.Buckets) > 0 {
		p.Range = fmt.Sprintf("%s → %s", report.Timestamp(o.Start), report.EndClock(o.Start, o.End()))
	}
	bursts := snap.BadGatewayBursts()
	p.Summary = summary(snap, bursts)
	p.Bursts, p.Partial = detailed(&snap.Snapshot, bursts, true)
	for _, s := range []struct {
		title string
		list  []correlate.Burst
	}{
		{"Gateway timeouts (504: reported, not counted as 502 bursts)", snap.TimeoutEpisodes()},
		{"nginx's own errors (500s answered without trying an upstream)", snap.NginxErrorEpisodes()},
		{"Upstream error bursts from the error log alone (counts are error lines, not requests)", snap.ErrorLogBursts()},
	} {
		if len(s.list) == 0 {
			continue
		}
		sec := section{Title: s.title}
		sec.Bursts, sec.Partial = detailed(&snap.Snapshot, s.list, false)
		p.Others = append(p.Others, sec)
	}
	linked := map[string]bool{}
	for _, v := range p.Bursts {
		linked[v.Anchor] = v.Detailed
	}
	for _, s := range p.Others {
		for _, v := range s.Bursts {
			linked[v.Anchor] = v.Detailed
		}
	}
	p.Timeline = timelineOf(snap, linked)
	p.Days = daysOf(snap.DaySummary())
	p.Background = backgroundOf(snap.Background)
	p.Hidden = report.HiddenLines(snap.Totals.Hidden)
	p.Inputs, p.Format, p.Totals = inputsOf(snap)
	p.Findings = findingsOf(opts.Findings)
	return p
}

// summary is the page's first lines: how many bursts, and their causes.
func summary(snap pipeline.Snapshot, bursts []correlate.Burst) []string {
	t := snap.Totals
	switch {
	case t.Requests == 0 && snap.Ingest.Totals().Lines == 0:
		return []string{"Nothing was read: no line came from any input."}
	case t.Requests == 0:
		return []string{"No access-log lines: the bursts below come from the error log alone (give the access log to count the 502s)."}
	}
	out := []string{fmt.Sprintf("%s read; %d answered 502.", words.Count(t.Requests, "request"), t.Status[502])}
	if len(bursts) == 0 {
		return append(out, "No 502 burst found.")
	}
	causes := map[string]int{}
	for _, b := range bursts {
		causes[report.CauseLine(b)]++
	}
	keys := make([]string, 0, len(causes))
	for k := range causes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return causes[keys[i]] > causes[keys[j]] || causes[keys[i]] == causes[keys[j]] && keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s ×%d", strings.Fields(k)[0], causes[k]))
	}
	return append(out, fmt.Sprintf("%s of 502; top causes: %s.", words.Count(len(bursts), "burst"), strings.Join(parts, ", ")))
}

// maxDetailed bounds the bursts of one kind whose whole block the page
// holds: a month of logs can have thousands, a few KB each, and a page of
// tens of MB no browser opens well. The table lists every one.
const maxDetailed = 200

// detailed is the bursts' views in time order, the largest maxDetailed
// (by bad responses, then the earliest) with their blocks, and what the
// page says when it leaves some out (listed tells whether a table lists
// them all). Only those read their details back (snap.Whole).
func detailed(snap *correlate.Snapshot, bs []correlate.Burst, listed bool) ([]burstView, string) {
	keep := make([]bool, len(bs))
	order := make([]int, len(bs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return bs[order[a]].Bad() > bs[order[b]].Bad() })
	for _, i := range order[:min(len(order), maxDetailed)] {
		keep[i] = true
	}
	views := make([]burstView, len(bs))
	for i, b := range bs {
		if keep[i] {
			b = snap.Whole(b)
		}
		views[i] = burstOf(b)
		views[i].Detailed = keep[i]
	}
	switch {
	case len(bs) <= maxDetailed:
		return views, ""
	case listed:
		return views, fmt.Sprintf("The table lists all %d; below are the details of the %d largest (by bad responses). The JSON export (--json) holds every one.", len(bs), maxDetailed)
	}
	return views, fmt.Sprintf("Below are the details of the %d largest of %d (by bad responses). The JSON export (--json) holds every one.", maxDetailed, len(bs))
}

func burstOf(b correlate.Burst) burstView {
	title := report.BurstTitle(b.Kind)
	v := burstView{Anchor: fmt.Sprintf("burst-%d", b.ID), Title: fmt.Sprintf("%s #%d", title, b.ID), Open: b.Open, Summarized: b.Summarized, DetailsLost: b.DetailsLost,
		When:     fmt.Sprintf("%s → %s (%s)", report.Timestamp(b.Start), report.EndClock(b.Start, b.End), words.Duration(b.Duration())),
		Upstream: report.Clean(b.Group), Host: report.Clean(b.Node), Hosts: report.HostsSentence(b), Cause: report.CauseLine(b)}
	if b.Open {
		v.Title = title + " (still open)"
	}
	if b.Kind == correlate.KindErrorLog {
		v.Figures = append(v.Figures, figure{"error lines", fmt.Sprint(b.ErrorLines)})
	} else {
		v.Figures = append(v.Figures,
			figure{"requests", fmt.Sprint(b.Requests)},
			figure{"answered " + report.Answered(b.Kind), fmt.Sprintf("%d (%.1f%%), peak %d/s", b.Bad(), 100*b.Share(), b.Peak)},
			figure{"502 / 504 / other 5xx", fmt.Sprintf("%d / %d / %d", b.BadGateway, b.GatewayTimeout, b.Other5xx)},
			figure{"attempts per request", fmt.Sprintf("%.2f", b.AttemptsPerRequest())})
		if !b.Summarized {
			v.Figures = append(v.Figures, figure{"status chains", report.Clean(report.Histogram(b.Chains))})
		}
	}
	if len(b.Peers) > 0 {
		v.Figures = append(v.Figures, figure{"peers", report.Clean(report.Histogram(b.Peers))})
	}
	if b.GroupNamed > 0 {
		v.Figures = append(v.Figures, figure{"no live peer", words.Count(b.GroupNamed, "request")})
	}
	switch {
	case len(b.Categories) > 0 && b.Kind != correlate.KindErrorLog:
		v.Figures = append(v.Figures, figure{"error.log", fmt.Sprintf("%s; %d of %d joined to their error line", report.Histogram(b.Categories), b.Joined, b.Bad())})
	case len(b.Categories) > 0:
		v.Figures = append(v.Figures, figure{"error.log", report.Histogram(b.Categories)})
	default:
		v.Figures = append(v.Figures, figure{"error.log", "no upstream error in the burst's seconds"})
	}
	for _, c := range b.Causes {
		cv := causeView{ID: c.ID, Confidence: fmt.Sprintf("%.2f", c.Confidence), Summary: report.Clean(c.Summary)}
		for _, e := range c.Evidence {
			cv.Evidence = append(cv.Evidence, report.Clean(e))
		}
		for _, s := range c.Steps {
			cv.Steps = append(cv.Steps, stepView{Change: report.Clean(s.Change), At: report.Clean(s.At), Optional: s.Optional})
		}
		v.Causes = append(v.Causes, cv)
	}
	im := b.Impact
	if im.Clients > 0 {
		clients := words.Count(im.Clients, "client")
		if im.ClientsMore {
			clients = "more than " + clients
		}
		v.Hit = append(v.Hit, figure{"clients", clients})
	}
	for _, f := range []struct {
		name string
		c    []correlate.Count
	}{{"methods", im.Methods}, {"URLs", im.URLs}, {"hosts", im.Hosts}, {"top clients", im.TopClients}, {"user agents", im.UserAgents}} {
		if len(f.c) > 0 {
			v.Hit = append(v.Hit, figure{f.name, report.Clean(report.Histogram(f.c))})
		}
	}
	for _, s := range append(append([]correlate.Sample{}, b.Samples...), b.ErrorSamples...) {
		v.Samples = append(v.Samples, sampleView{Where: fmt.Sprintf("%s:%d", report.Clean(filepath.Base(s.Source)), s.Line), Text: report.Clean(s.Text)})
	}
	return v
}

func backgroundOf(bgs []correlate.Background) []backgroundRow {
	var out []backgroundRow
	for _, b := range bgs {
		if b.Sporadic502 == 0 {
			continue
		}
		row := backgroundRow{Group: report.Clean(b.Group), Share: fmt.Sprintf("%.2f%%", 100*b.Share()), Requests: fmt.Sprint(b.Requests),
			Sporadic: fmt.Sprint(b.Sporadic502), Pattern: b.Pattern(), Categories: report.Histogram(b.Categories)}
		var peers []string
		for _, pb := range b.Peers {
			peers = append(peers, fmt.Sprintf("%s (%d)", report.Clean(pb.Peer), pb.Sporadic502))
		}
		row.Peers = strings.Join(peers, ", ")
		out = append(out, row)
	}
	return out
}

func inputsOf(snap pipeline.Snapshot) ([]inputRow, string, string) {
	in := snap.Ingest
	var rows []inputRow
	for _, f := range in.Files {
		if f.Path == "-" && f.Lines == 0 && len(in.Files) > 1 {
			continue
		}
		var notes []string
		if bad := f.Malformed + f.TooLong; bad > 0 {
			notes = append(notes, fmt.Sprintf("%d malformed", bad))
		}
		if f.OutOfOrder > 0 {
			notes = append(notes, fmt.Sprintf("%d out of order", f.OutOfOrder))
		}
		if f.Untimed > 0 {
			notes = append(notes, fmt.Sprintf("%d without a time", f.Untimed))
		}
		rows = append(rows, inputRow{Path: report.Clean(f.Path), Kind: f.Kind(), Compression: f.Compression, Lines: fmt.Sprint(f.Lines),
			Notes: strings.Join(notes, ", "), Error: report.Clean(f.ReadError)})
	}
	format := ""
	if in.Format != "" {
		format = report.Clean(in.FormatLabel)
	}
	t := snap.Totals
	totals := fmt.Sprintf("%s, %s", words.Count(t.Requests, "request"), words.Count(t.Events, "error.log entry|error.log entries"))
	return rows, format, totals
}

func findingsOf(fs []audit.Finding) []findingRow {
	var out []findingRow
	for _, f := range fs {
		row := findingRow{Rule: f.Rule, Severity: f.Severity.String(), Message: report.Clean(f.Message)}
		if f.File != "" {
			row.Where = fmt.Sprintf("%s:%d", report.Clean(f.File), f.Line)
		}
		for _, x := range f.Fix {
			row.Fix = append(row.Fix, report.Clean(x))
		}
		out = append(out, row)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out
}

func pct(v float64) string { return fmt.Sprintf("%.3f%%", 100*v) }

// clock is a time as the page's axis labels show it.
func clock(t time.Time, multiDay bool) string {
	if multiDay {
		return t.Format("01-02 15:04")
	}
	return t.Format("15:04:05")
}
