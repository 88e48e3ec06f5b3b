package report

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/diagnose"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/timeline"
	"github.com/badgw/badgw/words"
)

// TextOptions shape the text report.
type TextOptions struct {
	Width int // columns for the timeline; 80 when 0
}

// errWriter remembers the first write error so the report code can stay
// linear (the bufio idea).
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}

// WriteText writes the whole report: inputs, a compact timeline, then each
// burst with its causes, evidence and fix.
func WriteText(w io.Writer, snap pipeline.Snapshot, opts TextOptions) error {
	if opts.Width <= 0 {
		opts.Width = 80
	}
	e := &errWriter{w: w}
	writeIncomplete(e, snap)
	writeInputs(e, snap)
	writeTimeline(e, snap, opts.Width)
	writeBackground(e, snap.Background)
	writeDays(e, snap.DaySummary())
	bursts := snap.BadGatewayBursts()
	if len(bursts) == 0 && snap.Totals.Requests > 0 {
		e.printf("\nNo 502 burst found")
		if n := snap.Totals.Status[502]; n > 0 {
			e.printf(" (%d scattered 502s, fewer than a burst's minimum or at the baseline rate)", n)
		}
		e.printf(".\n")
	}
	for _, si := range snap.SiteWide {
		ids := make([]string, len(si.Bursts))
		for i, id := range si.Bursts {
			ids[i] = fmt.Sprintf("#%d", id)
		}
		e.printf("\nSite-wide %s → %s: bursts %s on %s failed in the same seconds. When several upstream groups fail together, look first at nginx itself (worker_connections, open files) and the network to the backends, then at what the groups share.\n",
			Timestamp(si.Start), EndClock(si.Start, si.End), strings.Join(ids, ", "), Clean(strings.Join(dedupeStrings(si.Groups), ", ")))
	}
	for _, b := range bursts {
		e.printf("\n")
		writeBurst(e, snap.Whole(b))
	}
	if eb := snap.ErrorLogBursts(); len(eb) > 0 {
		e.printf("\nUpstream error bursts from the error log alone (counts are error lines, not requests)\n")
		for _, b := range eb {
			e.printf("\n")
			writeBurst(e, snap.Whole(b))
		}
	}
	if ne := snap.NginxErrorEpisodes(); len(ne) > 0 {
		e.printf("\nnginx's own errors (500s answered without trying an upstream: nginx's limits or Lua code; the causes below say which)\n")
		for _, b := range ne {
			e.printf("\n")
			writeBurst(e, snap.Whole(b))
		}
	}
	if to := snap.TimeoutEpisodes(); len(to) > 0 {
		e.printf("\nGateway timeouts (504: reported, not counted as 502 bursts)\n")
		for _, b := range to {
			e.printf("\n")
			writeBurst(e, snap.Whole(b))
		}
	}
	writeHidden(e, snap.Totals.Hidden)
	return e.err
}

// WriteBurst writes one burst block, as printed live when a burst closes.
func WriteBurst(w io.Writer, b correlate.Burst) error {
	e := &errWriter{w: w}
	writeBurst(e, b)
	return e.err
}

// writeIncomplete puts first what a reader must know before any figure:
// the run stopped before the end of its files.
func writeIncomplete(e *errWriter, snap pipeline.Snapshot) {
	if snap.Ingest.Complete() {
		return
	}
	t := snap.Ingest.Totals()
	e.printf("INCOMPLETE: interrupted before the end of input; everything below covers the first %s", words.Count(int(t.Lines), "line"))
	switch {
	case t.Size > 0:
		e.printf(" (%.0f%% of the bytes)", 100*float64(t.Consumed)/float64(t.Size))
	case t.Span > 0:
		e.printf(" (%.0f%% of the time range)", 100*float64(t.SpanRead)/float64(t.Span))
	}
	e.printf(".\n\n")
}

func writeInputs(e *errWriter, snap pipeline.Snapshot) {
	in := snap.Ingest
	e.printf("Inputs\n")
	for _, f := range in.Files {
		if f.Path == "-" && f.Lines == 0 && len(in.Files) > 1 {
			continue // stdin carried tail -F output: its lines are listed under the files named in the headers
		}
		e.printf("  %-44s %-6s %-6s %8d lines", Clean(shortPath(f.Path)), f.Kind(), f.Compression, f.Lines)
		if bad := f.Malformed + f.TooLong; bad > 0 {
			e.printf(", %d malformed", bad)
		}
		if f.Controller > 0 {
			e.printf(", %s", words.Count(int(f.Controller), "ingress-nginx controller line"))
		}
		if f.Blank > 0 {
			e.printf(", %d blank", f.Blank)
		}
		if f.Continued > 0 {
			e.printf(", %s", words.Count(int(f.Continued), "continuation line"))
		}
		if f.Untimed > 0 {
			e.printf(", %s without a time (pasted without nginx's date: counted, joined to nothing)", words.Count(int(f.Untimed), "line"))
		}
		if f.OutOfOrder > 0 {
			e.printf(", %s out of order by more than a minute (counted in the totals, not in bursts)", words.Count(int(f.OutOfOrder), "line"))
		}
		e.printf("\n")
		if f.ReadError != "" {
			e.printf("    ! %s\n", Clean(f.ReadError))
		}
		for _, s := range f.Samples {
			e.printf("    unparsed line %d: %s\n      %s\n", s.Line, Clean(s.Reason), Clean(s.Text))
		}
	}
	if in.Format != "" {
		e.printf("  access format: %s", in.FormatLabel)
		if in.Detection != "" {
			e.printf(" (%s)", in.Detection)
		}
		e.printf("\n")
	}
	e.printf("  error.log zone: %s\n", in.Zone)
	t := snap.Totals
	switch {
	case t.Requests > 0:
		e.printf("  %d requests: %s\n", t.Requests, statusSummary(t))
	case in.Totals().Lines == 0:
		e.printf("  nothing was read: no line came from any input\n")
	default:
		e.printf("  no access-log lines: bursts below come from the error log alone (give the access log to count the 502s)\n")
	}
	if t.Events > 0 {
		e.printf("  %d error.log entries: %s\n", t.Events, categorySummary(t))
		for _, p := range peerSummary(t, 8) {
			e.printf("    %s\n", Clean(p))
		}
	}
}

func shortPath(p string) string {
	if len(p) <= 44 {
		return p
	}
	return "…" + filepath.Join(filepath.Base(filepath.Dir(p)), filepath.Base(p))
}

func statusSummary(t correlate.Totals) string {
	type sc struct{ code, n int }
	var all []sc
	for code, n := range t.Status {
		if n > 0 {
			all = append(all, sc{code, n})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n })
	var parts []string
	for _, s := range all {
		parts = append(parts, fmt.Sprintf("%d×%d", s.n, s.code))
	}
	return strings.Join(parts, " ")
}

func categorySummary(t correlate.Totals) string {
	type cc struct {
		c logparse.Category
		n int
	}
	var all []cc
	for c, n := range t.Categories {
		if n > 0 {
			all = append(all, cc{logparse.Category(c), n})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].n > all[j].n })
	var parts []string
	for _, c := range all {
		parts = append(parts, fmt.Sprintf("%d×%s", c.n, c.c))
	}
	return strings.Join(parts, " ")
}

// peerSummary lists upstream-fault categories per peer, busiest first.
func peerSummary(t correlate.Totals, n int) []string {
	type peer struct {
		name  string
		total int
		cats  string
	}
	var all []peer
	for name, m := range t.PeerCategories {
		p := peer{name: name}
		var parts []string
		for c := logparse.Category(0); c < logparse.NumCategories; c++ {
			if m[c] > 0 {
				p.total += m[c]
				parts = append(parts, fmt.Sprintf("%d×%s", m[c], c))
			}
		}
		p.cats = strings.Join(parts, " ")
		all = append(all, p)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].total != all[j].total {
			return all[i].total > all[j].total
		}
		return all[i].name < all[j].name
	})
	var out []string
	for i, p := range all {
		if i == n {
			out = append(out, fmt.Sprintf("… %d more peers", len(all)-n))
			break
		}
		out = append(out, fmt.Sprintf("%s: %s", p.name, p.cats))
	}
	return out
}

// sparks are the levels of a text sparkline, lowest first.
var sparks = []rune(" ▁▂▃▄▅▆▇█")

// Spark returns the sparkline character for v on a scale up to maxV: blank
// for zero, the lowest bar for anything above it.
func Spark(v, maxV int) rune {
	if v <= 0 || maxV <= 0 {
		return sparks[0]
	}
	i := 1 + (v*(len(sparks)-2)+maxV-1)/maxV
	return sparks[min(i, len(sparks)-1)]
}

func writeTimeline(e *errWriter, snap pipeline.Snapshot, width int) {
	cols := max(10, width-8)
	tl := timeline.Whole(snap.Snapshot, cols)
	if len(tl.Buckets) == 0 || tl.Max == 0 {
		return
	}
	end := tl.Start.Add(time.Duration(len(tl.Buckets)) * tl.Width)
	endLayout := "15:04:05 MST"
	if y1, m1, d1 := tl.Start.Date(); !sameDay(end, y1, m1, d1) {
		endLayout = "2006-01-02 15:04:05 MST"
	}
	e.printf("\nTimeline %s → %s, %s per column\n", tl.Start.Format("2006-01-02 15:04:05"), end.Format(endLayout), words.Duration(tl.Width))
	var all, bad, marks strings.Builder
	for _, b := range tl.Buckets {
		all.WriteRune(Spark(b.Total(), tl.Max))
		bad.WriteRune(Spark(int(b.Counts[correlate.Class502]), tl.Max502))
		if b.InBurst {
			marks.WriteByte('^')
		} else {
			marks.WriteByte(' ')
		}
	}
	e.printf("  all  %s  max %d\n", all.String(), tl.Max)
	e.printf("  502  %s  max %d\n", bad.String(), tl.Max502)
	if m := strings.TrimRight(marks.String(), " "); m != "" {
		e.printf("       %s\n", m)
		e.printf("       (^ marks the columns inside a 502 burst)\n")
	}
}

func sameDay(t time.Time, y int, m time.Month, d int) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d
}

// BurstTitle heads a burst of kind k in every output.
func BurstTitle(k correlate.Kind) string {
	switch k {
	case correlate.Kind504:
		return "Timeout episode"
	case correlate.KindErrorLog:
		return "Error-log-only burst"
	case correlate.KindNginx:
		return "nginx error episode"
	}
	return "Burst"
}

// Answered is what the bad requests of a burst of kind k were answered.
func Answered(k correlate.Kind) string {
	switch k {
	case correlate.Kind504:
		return "504"
	case correlate.KindNginx:
		return "500 by nginx itself"
	}
	return "502"
}

func writeBurst(e *errWriter, b correlate.Burst) {
	title := BurstTitle(b.Kind)
	name := fmt.Sprintf("#%d", b.ID)
	if b.Open {
		name = "(still open)" // numbered when it closes
	}
	on := ""
	if b.Node != "" {
		on = " on host " + Clean(b.Node)
	}
	e.printf("%s %s  %s → %s (%s)  upstream %s%s\n", title, name, Timestamp(b.Start), EndClock(b.Start, b.End),
		words.Duration(b.Duration()), Clean(b.Group), on)
	writeHosts(e, b)
	if b.DetailsLost {
		e.printf("  (its details could not be read back from the file badgw kept them in, see the error it printed: below are its counts and its causes' names and scores only)\n")
	}
	label := Answered(b.Kind)
	if b.Kind == correlate.KindErrorLog {
		e.printf("  %s of upstream errors; requests and their statuses are unknown without the access log\n", words.Count(b.ErrorLines, "error line"))
	} else {
		e.printf("  %d of %d requests answered %s (%.1f%%), peak %d/s; 502: %d, 504: %d, other 5xx: %d\n",
			b.Bad(), b.Requests, label, 100*b.Share(), b.Peak, b.BadGateway, b.GatewayTimeout, b.Other5xx)
		if b.GroupInferred {
			e.printf("  (counted over the requests to %s: no upstream block names its group, so peers beside it that served meanwhile are not in the count)\n", Clean(b.Group))
		}
		e.printf("  attempts per request: %.2f; status chains: %s\n", b.AttemptsPerRequest(), Clean(Histogram(top(b.Chains, 5))))
	}
	switch {
	case b.GroupNamed > 0 && b.GroupNamed >= b.Bad()/2:
		// nginx logs the group's name in $upstream_addr when it found no
		// live peer, after the peers it did try ("X, backend" for a 500
		// retried): the peers listed may be those same requests' first
		// attempts, so they are not "the rest".
		e.printf("  peers: %s found no live peer (every peer marked down)", words.Count(b.GroupNamed, "request"))
		if len(b.Peers) > 0 {
			e.printf("; peers tried, before that or by other requests: %s", Clean(Histogram(top(b.Peers, 5))))
		}
		e.printf("\n")
	case len(b.Peers) > 0:
		e.printf("  peers: %s\n", Clean(Histogram(top(b.Peers, 5))))
	}
	switch {
	case b.Kind == correlate.KindErrorLog:
		e.printf("  error.log: %s\n", Histogram(b.Categories))
	case len(b.Categories) > 0:
		e.printf("  error.log: %s; %d of %d joined to their error line\n", Histogram(b.Categories), b.Joined, b.Bad())
	default:
		e.printf("  error.log: no upstream error in the burst's seconds (nginx writes one for each 502 it makes itself; give the error log if it was not)\n")
	}
	writeImpact(e, b.Impact)
	e.printf("  Likely causes:\n")
	for i, c := range b.Causes {
		e.printf("   %d. %s (%.2f) %s\n", i+1, c.ID, c.Confidence, Clean(c.Summary))
		for _, ev := range c.Evidence {
			e.printf("        - %s\n", Clean(ev))
		}
		if i == 0 {
			writeSteps(e, c.Steps)
		}
	}
	if len(b.Samples)+len(b.ErrorSamples) > 0 {
		e.printf("  Sample lines:\n")
		for _, s := range append(top2(b.Samples), top2(b.ErrorSamples)...) {
			e.printf("    %s:%d  %s\n", Clean(filepath.Base(s.Source)), s.Line, Clean(clip(s.Text, 400)))
		}
	}
}

func top(c []correlate.Count, n int) []correlate.Count {
	if len(c) > n {
		return c[:n]
	}
	return c
}

// top2 returns the first two samples with no room to grow, so appending to
// it never writes into the burst's own slice.
func top2(s []correlate.Sample) []correlate.Sample {
	n := min(len(s), 2)
	return s[:n:n]
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// WriteSummary writes the inputs, the timeline and one line per burst: the
// closing summary of a live run, whose bursts were printed as they closed.
func WriteSummary(w io.Writer, snap pipeline.Snapshot, opts TextOptions) error {
	if opts.Width <= 0 {
		opts.Width = 80
	}
	e := &errWriter{w: w}
	writeIncomplete(e, snap)
	e.printf("Summary\n")
	writeInputs(e, snap)
	writeTimeline(e, snap, opts.Width)
	n502 := len(snap.BadGatewayBursts())
	if snap.ClosedDropped > 0 {
		n502 = 0
		for _, cc := range snap.Closed {
			if cc.Kind == correlate.Kind502 {
				n502 += cc.N
			}
		}
		for _, b := range snap.BadGatewayBursts() {
			if b.Open {
				n502++
			}
		}
	}
	e.printf("\n%s of 502\n", words.Count(n502, "burst"))
	if snap.ClosedDropped > 0 {
		kept := 0
		for _, b := range snap.Bursts {
			if !b.Open {
				kept++
			}
		}
		e.printf("  (the oldest %s, of every kind, are not listed: a run this long keeps the newest %d)\n",
			words.Count(snap.ClosedDropped, "burst"), kept)
	}
	for _, b := range snap.Bursts {
		cause := CauseLine(b)
		e.printf("  #%d %s %s %s %d×%s %s\n", b.ID, Timestamp(b.Start), words.Duration(b.Duration()), Clean(b.Group), b.Bad(), KindLabel(b), cause)
	}
	return e.err
}

// KindLabel is a burst's kind in a one-line summary of it.
func KindLabel(b correlate.Burst) string {
	switch b.Kind {
	case correlate.Kind504:
		return "504"
	case correlate.KindErrorLog:
		return "upstream error (error log only)"
	case correlate.KindNginx:
		return "500 (nginx's own)"
	}
	return "502"
}

// CauseLine is "cause (confidence)" of a burst's top cause.
func CauseLine(b correlate.Burst) string {
	if c := b.TopCause(); c != nil {
		return fmt.Sprintf("%s (%.2f)", c.ID, c.Confidence)
	}
	return "-"
}

// writeBackground reports the 502s that belong to no burst, per group:
// their share, how it behaves over the hours, what the error log says of
// them and on which peers.
func writeBackground(e *errWriter, bgs []correlate.Background) {
	any := false
	for _, b := range bgs {
		any = any || b.Sporadic502 > 0
	}
	if !any {
		return
	}
	e.printf("\nBackground: 502s outside bursts\n")
	for _, b := range bgs {
		if b.Sporadic502 == 0 {
			continue
		}
		e.printf("  %s: %.2f%% of %s (%d×502)", Clean(b.Group), 100*b.Share(), words.Count(b.Requests, "request"), b.Sporadic502)
		if p := b.Pattern(); p != "" {
			e.printf(", %s", p)
		}
		e.printf("\n")
		if len(b.Categories) > 0 {
			e.printf("    error.log: %s\n", Histogram(top(b.Categories, 4)))
		}
		if len(b.Peers) > 0 {
			var parts []string
			for i, p := range b.Peers {
				if i == 6 {
					parts = append(parts, fmt.Sprintf("… %d more", len(b.Peers)-6))
					break
				}
				if p.Requests > 0 {
					parts = append(parts, fmt.Sprintf("%s %.2f%% (%d)", Clean(p.Peer), 100*float64(p.Sporadic502)/float64(p.Requests), p.Sporadic502))
				} else {
					parts = append(parts, fmt.Sprintf("%s (%d)", Clean(p.Peer), p.Sporadic502))
				}
			}
			e.printf("    peers: %s\n", strings.Join(parts, ", "))
		}
		if len(b.Hours) >= 3 {
			maxShare := 0.0
			for _, h := range b.Hours {
				if h.Requests > 0 {
					maxShare = max(maxShare, float64(h.Sporadic502)/float64(h.Requests))
				}
			}
			var spark strings.Builder
			for _, h := range b.Hours {
				v := 0
				if h.Requests > 0 && maxShare > 0 {
					v = int(1000 * float64(h.Sporadic502) / float64(h.Requests) / maxShare)
				}
				spark.WriteRune(Spark(v, 1000))
			}
			e.printf("    per hour %s  (%s → %s, max %.2f%%)\n", spark.String(), b.Hours[0].Start.Format("01-02 15:00"),
				b.Hours[len(b.Hours)-1].Start.Format("01-02 15:00"), 100*maxShare)
		}
	}
}

// writeImpact says who a burst hit.
func writeImpact(e *errWriter, im correlate.Impact) {
	if im.Clients == 0 && len(im.URLs) == 0 {
		return
	}
	clients := words.Count(im.Clients, "client")
	if im.ClientsMore {
		clients = "more than " + clients
	}
	e.printf("  hit: %s", clients)
	if len(im.Methods) > 0 {
		e.printf("; methods %s", Histogram(im.Methods))
	}
	e.printf("\n")
	if len(im.URLs) > 0 {
		e.printf("    URLs: %s\n", Clean(Histogram(im.URLs)))
	}
	if len(im.Hosts) > 0 {
		e.printf("    hosts: %s\n", Clean(Histogram(im.Hosts)))
	}
	if len(im.TopClients) > 1 && im.TopClients[0].N > 1 {
		e.printf("    clients: %s\n", Clean(Histogram(im.TopClients)))
	}
}

func dedupeStrings(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// writeSteps prints a fix as its ordered list of changes.
func writeSteps(e *errWriter, steps []diagnose.Step) {
	if len(steps) == 0 {
		return // a cause without its fix (Burst.DetailsLost) has no "Fix:" to head
	}
	e.printf("      Fix:\n")
	for i, st := range steps {
		e.printf("        %d. %s\n", i+1, Clean(st.Text()))
	}
}

// writeHidden reports what nginx's final statuses do not show.
func writeHidden(e *errWriter, h correlate.Hidden) {
	if !h.Any() {
		return
	}
	e.printf("\nWhat nginx hid (not in the 502 counts above)\n")
	for _, l := range HiddenLines(h) {
		e.printf("  %s\n", l)
	}
}

// HiddenLines are the sentences on what nginx's final statuses do not
// show, sanitised, the same in every output.
func HiddenLines(h correlate.Hidden) []string {
	var out []string
	if h.Masked > 0 {
		out = append(out, fmt.Sprintf("%s succeeded only on a retry (proxy_next_upstream): the status counts do not show their failed attempts, on %s.",
			words.Count(h.Masked, "request"), Clean(Histogram(top(diagnose.TopCounts(h.MaskedPeers), 5)))))
	}
	if h.NoStatusLine > 0 {
		out = append(out, fmt.Sprintf("%s logged as 009: the peer sent no HTTP status line (%s).", words.Count(h.NoStatusLine, "response"), Clean(Histogram(top(diagnose.TopCounts(h.NoStatusPeers), 5)))))
	}
	if h.CutMidBody > 0 {
		out = append(out, fmt.Sprintf("%s cut off mid-body (\"while reading upstream\"): the client got a truncated response under the status already sent, often 200 (%s).",
			words.Count(h.CutMidBody, "response"), Clean(Histogram(top(diagnose.TopCounts(h.CutPeers), 5)))))
	}
	return out
}

func writeHosts(e *errWriter, b correlate.Burst) {
	if h := HostsSentence(b); h != "" {
		e.printf("  hosts: %s\n", h)
	}
}

// HostsSentence says, in a run over several hosts, whether the burst was
// on every host at once or on some only: what the hosts share (the
// upstream, its backend) or what is the one nginx's own. Empty for a run
// over one host.
func HostsSentence(b correlate.Burst) string {
	if b.Hosts < 2 || len(b.AtOnce) == 0 {
		return ""
	}
	names := make([]string, len(b.AtOnce))
	for i, h := range b.AtOnce {
		names[i] = Clean(h)
	}
	// nginx's own errors were no upstream's: they count every host read.
	of, shared := "hosts that sent it requests", "the upstream and its backend"
	if b.Kind == correlate.KindNginx {
		of, shared = "hosts read", "the configuration deployed to them and the load they all got"
	}
	switch {
	case len(b.AtOnce) == b.Hosts:
		return fmt.Sprintf("on all %d %s, at once (%s): look first at what they share, %s", b.Hosts, of, strings.Join(names, ", "), shared)
	case len(b.AtOnce) == 1:
		return fmt.Sprintf("on %s only, of the %d %s: look first at that nginx's own (its workers, descriptors, ports, network, its copy of the configuration)", names[0], b.Hosts, of)
	}
	return fmt.Sprintf("on %d of the %d %s, at once (%s)", len(b.AtOnce), b.Hosts, of, strings.Join(names, ", "))
}
