package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/diagnose"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/timeline"
)

// jsonDoc is the whole analysis as --json writes it. README documents it.
type jsonDoc struct {
	// Complete is false when the run was interrupted before the end of its
	// files: every figure then covers only what was read.
	Complete bool         `json:"complete"`
	Inputs   []jsonInput  `json:"inputs"`
	Format   string       `json:"format"`
	Zone     string       `json:"zone"`
	Totals   jsonTotals   `json:"totals"`
	Timeline jsonTimeline `json:"timeline"`
	Bursts   []jsonBurst  `json:"bursts"`
	Timeouts []jsonBurst  `json:"timeouts"`
	// NginxErrors are episodes of 500s nginx answered itself.
	NginxErrors []jsonBurst `json:"nginx_errors"`
	// Days is the per-day summary, null for an input of one day.
	Days *jsonDays `json:"days"`
	// ErrorBursts are bursts of upstream errors found in the error log
	// alone (no access log): counts are error lines, not requests.
	ErrorBursts []jsonBurst `json:"error_log_bursts"`
	// Background is each group's sporadic 502s, outside every burst.
	Background []jsonBackground `json:"background"`
	SiteWide   []jsonSiteWide   `json:"site_wide"`
}

type jsonInput struct {
	Path        string   `json:"path"`
	Kind        string   `json:"kind"`
	Format      string   `json:"format"`
	Compression string   `json:"compression"`
	Lines       int64    `json:"lines"`
	AccessLines int64    `json:"access_lines"`
	ErrorLines  int64    `json:"error_lines"`
	Malformed   int64    `json:"malformed"`
	OutOfOrder  int64    `json:"out_of_order"`
	Untimed     int64    `json:"untimed"`
	Controller  int64    `json:"controller_lines"`
	Blank       int64    `json:"blank_lines"`
	Continued   int64    `json:"continuation_lines"`
	Errors      []string `json:"errors"`
}

type jsonTotals struct {
	Requests        int                       `json:"requests"`
	Status          map[string]int            `json:"status"`
	ErrorCategories map[string]int            `json:"error_categories"`
	ErrorLevels     map[string]int            `json:"error_levels"`
	PeerCategories  map[string]map[string]int `json:"peer_error_categories"`
	Malformed       int64                     `json:"malformed"`
	Sporadic502     int                       `json:"sporadic_502"`
	Hidden          jsonHidden                `json:"hidden"`
}

// jsonHidden is what nginx's final statuses do not show.
type jsonHidden struct {
	MaskedByRetry int               `json:"masked_by_retry"`
	MaskedPeers   []correlate.Count `json:"masked_peers"`
	NoStatusLine  int               `json:"no_status_line"`
	NoStatusPeers []correlate.Count `json:"no_status_line_peers"`
	CutMidBody    int               `json:"cut_mid_body"`
	CutPeers      []correlate.Count `json:"cut_mid_body_peers"`
}

type jsonTimeline struct {
	Start   string           `json:"start"`
	WidthS  float64          `json:"bucket_s"`
	Classes []string         `json:"classes"`
	Buckets []jsonTimeBucket `json:"buckets"`
	// Groups and Peers hold per-bucket counts (aligned with Buckets) for
	// each upstream group and each peer.
	Groups map[string][][]int32 `json:"groups"`
	Peers  map[string][][]int32 `json:"peers"`
}

type jsonTimeBucket struct {
	Start  string  `json:"start"`
	Counts []int32 `json:"counts"`
	Burst  int     `json:"burst,omitempty"`
}

type jsonBurst struct {
	ID                 int                `json:"id"`
	Start              string             `json:"start"`
	End                string             `json:"end"`
	DurationS          float64            `json:"duration_s"`
	Upstream           string             `json:"upstream"`
	UpstreamInferred   bool               `json:"upstream_inferred"`
	Requests           int                `json:"requests"`
	BadGateway         int                `json:"bad_gateway"`
	GatewayTimeout     int                `json:"gateway_timeout"`
	Other5xx           int                `json:"other_5xx"`
	Share502           float64            `json:"share_502"`
	Peak502PerS        int                `json:"peak_502_per_s"`
	AttemptsPerRequest float64            `json:"attempts_per_request"`
	StatusChains       []correlate.Count  `json:"status_chains"`
	Peers              []correlate.Count  `json:"peers"`
	ErrorCategories    []correlate.Count  `json:"error_categories"`
	RootCause          string             `json:"root_cause"`
	Confidence         float64            `json:"confidence"`
	Fix                string             `json:"fix"`
	ErrorLines         int                `json:"error_lines,omitempty"`
	Impact             jsonImpact         `json:"impact"`
	JoinRate           float64            `json:"join_rate"`
	Causes             []jsonCause        `json:"causes"`
	AccessSamples      []correlate.Sample `json:"access_samples"`
	ErrorSamples       []correlate.Sample `json:"error_samples"`
	// Host is the nginx host of a run over several; AtOnce the hosts
	// with a burst of the group at the same time, of the GroupHosts
	// that sent requests to the group (all the hosts read, for an
	// episode of nginx's own errors).
	Host       string   `json:"host,omitempty"`
	AtOnce     []string `json:"hosts_at_once,omitempty"`
	GroupHosts int      `json:"group_hosts,omitempty"`
	// DetailsLost: the burst's details could not be read back from the
	// file they were kept in (the impact, evidence, fixes and samples
	// above are empty for that reason, not because there were none).
	DetailsLost bool `json:"details_lost,omitempty"`
}

type jsonBackground struct {
	Group       string            `json:"group"`
	Requests    int               `json:"requests"`
	Sporadic502 int               `json:"sporadic_502"`
	Share       float64           `json:"share"`
	Pattern     string            `json:"pattern"`
	Categories  []correlate.Count `json:"error_categories"`
	Peers       []jsonPeerBG      `json:"peers"`
	Hours       []jsonHourBG      `json:"hours"`
}

type jsonSiteWide struct {
	Start  string   `json:"start"`
	End    string   `json:"end"`
	Bursts []int    `json:"bursts"`
	Groups []string `json:"groups"`
}

type jsonPeerBG struct {
	Peer        string `json:"peer"`
	Requests    int    `json:"requests"`
	Sporadic502 int    `json:"sporadic_502"`
}

type jsonHourBG struct {
	Start       string `json:"start"`
	Requests    int    `json:"requests"`
	Sporadic502 int    `json:"sporadic_502"`
}

type jsonImpact struct {
	Clients     int               `json:"clients"`
	ClientsMore bool              `json:"clients_more,omitempty"`
	Methods     []correlate.Count `json:"methods"`
	URLs        []correlate.Count `json:"urls"`
	Hosts       []correlate.Count `json:"hosts"`
	UserAgents  []correlate.Count `json:"user_agents"`
	TopClients  []correlate.Count `json:"top_clients"`
}

type jsonCause struct {
	ID         string          `json:"id"`
	Confidence float64         `json:"confidence"`
	Summary    string          `json:"summary"`
	Evidence   []string        `json:"evidence"`
	Fix        string          `json:"fix"`
	Steps      []diagnose.Step `json:"fix_steps"`
}

// WriteJSON writes the whole analysis as one JSON document.
func WriteJSON(w io.Writer, snap pipeline.Snapshot) error {
	d := jsonDoc{Complete: snap.Ingest.Complete(), Format: snap.Ingest.Format, Zone: snap.Ingest.Zone, Bursts: []jsonBurst{}, Timeouts: []jsonBurst{}, NginxErrors: []jsonBurst{}, ErrorBursts: []jsonBurst{}, Background: []jsonBackground{}, SiteWide: []jsonSiteWide{}}
	for _, si := range snap.SiteWide {
		d.SiteWide = append(d.SiteWide, jsonSiteWide{Start: Timestamp(si.Start), End: Timestamp(si.End), Bursts: si.Bursts, Groups: si.Groups})
	}
	for _, b := range snap.Background {
		jb := jsonBackground{Group: b.Group, Requests: b.Requests, Sporadic502: b.Sporadic502, Share: round5(b.Share()), Pattern: b.Pattern(),
			Categories: nonNil(b.Categories), Peers: []jsonPeerBG{}, Hours: []jsonHourBG{}}
		for _, p := range b.Peers {
			jb.Peers = append(jb.Peers, jsonPeerBG(p))
		}
		for _, h := range b.Hours {
			jb.Hours = append(jb.Hours, jsonHourBG{Start: Timestamp(h.Start), Requests: h.Requests, Sporadic502: h.Sporadic502})
		}
		d.Background = append(d.Background, jb)
	}
	for _, f := range snap.Ingest.Files {
		if f.Path == "-" && f.Lines == 0 && len(snap.Ingest.Files) > 1 {
			continue // stdin carried tail -F output, listed under the files it named
		}
		in := jsonInput{Path: f.Path, Kind: f.Kind(), Compression: f.Compression, Lines: f.Lines,
			AccessLines: f.Access, ErrorLines: f.Errors, Malformed: f.Malformed + f.TooLong, OutOfOrder: f.OutOfOrder, Untimed: f.Untimed, Controller: f.Controller,
			Blank: f.Blank, Continued: f.Continued, Errors: []string{}}
		if f.Access > 0 {
			in.Format = f.Format
			if in.Format == "" {
				in.Format = snap.Ingest.Format // a name from tail -F headers: the pipe's format
			}
		}
		if f.ReadError != "" {
			in.Errors = append(in.Errors, f.ReadError)
		}
		d.Inputs = append(d.Inputs, in)
	}
	t := snap.Ingest.Totals()
	d.Totals = jsonTotals{Requests: snap.Totals.Requests, Status: map[string]int{}, ErrorCategories: map[string]int{},
		Malformed: t.Malformed + t.TooLong, Sporadic502: snap.Totals.Sporadic502}
	h := snap.Totals.Hidden
	d.Totals.Hidden = jsonHidden{MaskedByRetry: h.Masked, MaskedPeers: diagnose.TopCounts(h.MaskedPeers),
		NoStatusLine: h.NoStatusLine, NoStatusPeers: diagnose.TopCounts(h.NoStatusPeers),
		CutMidBody: h.CutMidBody, CutPeers: diagnose.TopCounts(h.CutPeers)}
	for code, n := range snap.Totals.Status {
		if n > 0 {
			d.Totals.Status[strconv.Itoa(code)] = n
		}
	}
	for c, n := range snap.Totals.Categories {
		if n > 0 {
			d.Totals.ErrorCategories[logparse.Category(c).String()] = n
		}
	}
	d.Totals.ErrorLevels = map[string]int{}
	for l, n := range snap.Totals.Levels {
		if n > 0 {
			d.Totals.ErrorLevels[logparse.Level(l).String()] = n
		}
	}
	d.Totals.PeerCategories = map[string]map[string]int{}
	for peer, m := range snap.Totals.PeerCategories {
		pm := map[string]int{}
		for c, n := range m {
			pm[c.String()] = n
		}
		d.Totals.PeerCategories[peer] = pm
	}
	tl := timeline.Whole(snap.Snapshot, 2000)
	d.Timeline = jsonTimeline{Start: Timestamp(tl.Start), WidthS: tl.Width.Seconds()}
	for c := correlate.Class(0); c < correlate.NumClasses; c++ {
		d.Timeline.Classes = append(d.Timeline.Classes, c.String())
	}
	for _, b := range tl.Buckets {
		d.Timeline.Buckets = append(d.Timeline.Buckets, jsonTimeBucket{Start: Timestamp(b.Start), Counts: b.Counts[:], Burst: b.Burst})
	}
	lanes := func(series []correlate.GroupSeries) map[string][][]int32 {
		out := map[string][][]int32{}
		if len(tl.Buckets) == 0 {
			return out
		}
		end := tl.Buckets[len(tl.Buckets)-1].Start
		for _, gs := range series {
			lane := timeline.Build(gs.Series, nil, tl.Start, end, tl.Width)
			counts := make([][]int32, len(lane.Buckets))
			for i := range lane.Buckets {
				counts[i] = lane.Buckets[i].Counts[:]
			}
			out[gs.Group] = counts
		}
		return out
	}
	d.Timeline.Groups, d.Timeline.Peers = lanes(snap.Groups), lanes(snap.Peers)
	d.Days = toJSONDays(snap.DaySummary())
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return err
	}
	return writeBurstLists(w, buf.Bytes(), &snap.Snapshot)
}

// burstLists are the document's lists of bursts, in the order they come
// in it, and which bursts each holds.
var burstLists = []struct {
	key string
	of  func(correlate.Kind) bool
}{
	{"bursts", func(k correlate.Kind) bool { return k == correlate.Kind502 }},
	{"timeouts", func(k correlate.Kind) bool {
		return k != correlate.Kind502 && k != correlate.KindErrorLog && k != correlate.KindNginx
	}},
	{"nginx_errors", func(k correlate.Kind) bool { return k == correlate.KindNginx }},
	{"error_log_bursts", func(k correlate.Kind) bool { return k == correlate.KindErrorLog }},
}

// writeBurstLists writes doc, encoded with its lists of bursts empty,
// with the bursts written into them one at a time, whole (snap.Whole), as
// the encoder would have written them: an input of thousands of bursts
// never has all their details in memory at once.
func writeBurstLists(w io.Writer, doc []byte, snap *correlate.Snapshot) error {
	var err error
	write := func(b []byte) {
		if err == nil {
			_, err = w.Write(escapeC1(b))
		}
	}
	for _, list := range burstLists {
		mark := []byte("\n  \"" + list.key + "\": []")
		at := bytes.Index(doc, mark)
		if at < 0 {
			return fmt.Errorf("json: no list %q in the document", list.key)
		}
		write(doc[:at+len(mark)-1])
		doc = doc[at+len(mark)-1:] // from the closing bracket
		n := 0
		for _, b := range snap.Bursts {
			if !list.of(b.Kind) {
				continue
			}
			text, merr := json.MarshalIndent(toJSONBurst(snap.Whole(b)), "    ", "  ")
			if merr != nil {
				return merr
			}
			sep := ",\n    "
			if n == 0 {
				sep = "\n    "
			}
			write([]byte(sep))
			write(text)
			n++
		}
		if n > 0 {
			write([]byte("\n  "))
		}
	}
	write(doc)
	return err
}

// escapeC1 writes the C1 controls (U+0080–U+009F), which encoding/json
// leaves raw and some terminals obey (U+009B is a CSI), as \u escapes. In
// encoded JSON they can only occur inside strings, so the text is kept.
func escapeC1(b []byte) []byte {
	if !bytes.Contains(b, []byte{0xc2}) {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	for i := 0; i < len(b); i++ {
		if b[i] == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			out = fmt.Appendf(out, `\u%04x`, b[i+1])
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
}

func toJSONBurst(b correlate.Burst) jsonBurst {
	jb := jsonBurst{UpstreamInferred: b.GroupInferred,
		ID: b.ID, Start: Timestamp(b.Start), End: Timestamp(b.End), DurationS: b.Duration().Seconds(),
		Upstream: b.Group, Requests: b.Requests, BadGateway: b.BadGateway, GatewayTimeout: b.GatewayTimeout,
		Other5xx: b.Other5xx, Share502: round3(b.Share()), Peak502PerS: b.Peak,
		AttemptsPerRequest: round3(b.AttemptsPerRequest()), StatusChains: nonNil(b.Chains), Peers: nonNil(b.Peers),
		ErrorCategories: nonNil(b.Categories), JoinRate: round3(b.JoinRate()), Causes: []jsonCause{},
		AccessSamples: b.Samples, ErrorSamples: b.ErrorSamples, ErrorLines: b.ErrorLines,
		Impact: jsonImpact{Clients: b.Impact.Clients, ClientsMore: b.Impact.ClientsMore, Methods: nonNil(b.Impact.Methods), URLs: nonNil(b.Impact.URLs),
			Hosts: nonNil(b.Impact.Hosts), UserAgents: nonNil(b.Impact.UserAgents), TopClients: nonNil(b.Impact.TopClients)},
		Host: b.Node, AtOnce: b.AtOnce, GroupHosts: b.Hosts, DetailsLost: b.DetailsLost,
	}
	if jb.AccessSamples == nil {
		jb.AccessSamples = []correlate.Sample{}
	}
	if jb.ErrorSamples == nil {
		jb.ErrorSamples = []correlate.Sample{}
	}
	if top := b.TopCause(); top != nil {
		jb.RootCause, jb.Confidence, jb.Fix = top.ID, top.Confidence, top.Fix
	}
	for _, c := range b.Causes {
		jb.Causes = append(jb.Causes, jsonCause(c))
	}
	return jb
}

func nonNil(c []correlate.Count) []correlate.Count {
	if c == nil {
		return []correlate.Count{}
	}
	return c
}

func round5(f float64) float64 {
	return float64(int64(f*100000+0.5)) / 100000
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}

// WriteBurstJSON writes one burst as a line of JSON, with the fields of a
// burst in WriteJSON's document: what badgw watch gives --on-burst.
func WriteBurstJSON(w io.Writer, b correlate.Burst) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(toJSONBurst(b)); err != nil {
		return err
	}
	_, err := w.Write(escapeC1(buf.Bytes()))
	return err
}
