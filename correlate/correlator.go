// Package correlate turns parsed access records and error events into 502
// bursts with ranked root causes. It is pure and deterministic: time comes
// from the logs, never from the clock.
//
// Data flow (package pipeline owns every goroutine):
//
//	input.Set ─► pipeline reader (one per set) ─► batches ─┐
//	input.Set ─► pipeline reader               ─► batches ─┴► merge by time
//	   ─► Correlator.AddRecord / AddEvent / Advance(watermark)  (one goroutine)
//	   ─► Snapshot (latest wins) ─► tui, report writers
//
// A burst is kept open per upstream group until the watermark (the newest
// log time minus a slack) has passed its last 502 by the quiet gap; then it
// is explained by the rules in cause.go and emitted.
package correlate

import (
	"bytes"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/nginxconf"
)

// Options tune burst detection.
type Options struct {
	Gap        time.Duration // quiet time that ends a burst; default 5s
	Min502     int           // smallest burst; default 3
	Slack      time.Duration // how far the watermark trails the newest log time; default 2s
	MaxSamples int           // sample lines kept per burst and kind; default 5
	// FalseBurstsPerDay is the burst test's budget: the expected number
	// of bursts a day of traffic with only sporadic failures may show
	// (significance.go); default 0.1.
	FalseBurstsPerDay float64
	// Upstreams from nginx.conf, when given: exact peer-to-group mapping and
	// the settings (keepalive, max_fails) the rules reason about.
	Upstreams []nginxconf.Upstream
	// Settings are each upstream's proxy settings and audit findings
	// (audit.GroupSettings), by name, for fixes that cite nginx.conf.
	Settings map[string]*audit.Settings
	// Findings are all of the audit's findings.
	Findings []audit.Finding
	// HostConfigs are the configurations of several hosts, by host
	// (Burst.Node), when each host's nginx.conf was read: a burst's
	// causes and fixes cite its own host's, in place of Settings and
	// Findings. Upstreams then holds every host's upstream blocks, for
	// the groups of peers.
	HostConfigs map[string]HostConfig
	// ErrorLogGiven says an error log is among the inputs (even an empty
	// one): its silence about a 502 is then evidence that nginx did not
	// make the 502 itself, since it logs every one it makes at level error.
	ErrorLogGiven bool
	// ClockSkew is how far the clocks of several hosts may differ: the
	// watermark trails that much more once two hosts are seen (a host
	// whose clock is behind must not find its bursts closed under it), and
	// bursts of two hosts that far apart count as at the same time.
	ClockSkew time.Duration
	// KeepClosed bounds the closed bursts a snapshot holds to the newest
	// KeepClosed; 0 keeps every one (a finite input). A run of weeks
	// (badgw watch) keeps memory bounded this way; Snapshot.Closed still
	// counts them all.
	KeepClosed int
	// SummarizeClosed keeps of each closed burst what a one-line summary
	// of it needs (times, counts, group, host, top cause), not its lines,
	// samples, impact and other causes: a watch hands each burst on whole
	// as it closes (Advance returns it) and needs no more of it after.
	SummarizeClosed bool
	// SeriesBuckets bounds each series (overall, per group, per peer);
	// 0 is four hours at one second. Past it a series' buckets widen, so a
	// run of weeks holds the same memory at a coarser width.
	SeriesBuckets int
	// Details, when set, keeps the details of every closed burst (its
	// impact, causes' sentences, samples and raw lines) out of memory:
	// Snapshot.Whole reads them back. A finite input's bursts are all
	// kept, so without it memory grows with their number.
	Details DetailStore
}

// HostConfig is what one host's nginx.conf says (Options.HostConfigs).
type HostConfig struct {
	Upstreams []nginxconf.Upstream
	Settings  map[string]*audit.Settings
	Findings  []audit.Finding
}

// configOf is the configuration in force on node: its own when the hosts'
// were read one by one, else the one given.
func (o *Options) configOf(node string) HostConfig {
	if o.HostConfigs != nil {
		return o.HostConfigs[node]
	}
	return HostConfig{Upstreams: o.Upstreams, Settings: o.Settings, Findings: o.Findings}
}

// upstream is the configuration's upstream block of that name.
func (hc HostConfig) upstream(name string) (nginxconf.Upstream, bool) {
	for _, u := range hc.Upstreams {
		if u.Name == name {
			return u, true
		}
	}
	return nginxconf.Upstream{}, false
}

// Chain is the longest time between two bad responses of one burst
// candidate: a candidate stays open until the watermark, Slack (and the
// hosts' ClockSkew) behind the newest time, passes Gap after its last bad
// response; a second more for times cut to the second. A reader that
// reads lines only where a candidate may be open (a log store's counted
// read) reads every chain of bad responses this close together.
func (o Options) Chain() time.Duration {
	o.defaults()
	return o.Gap + o.Slack + o.ClockSkew + time.Second
}

func (o *Options) defaults() {
	if o.Gap <= 0 {
		o.Gap = 5 * time.Second
	}
	if o.Min502 <= 0 {
		o.Min502 = 3
	}
	if o.Slack <= 0 {
		o.Slack = 2 * time.Second
	}
	if o.MaxSamples <= 0 {
		o.MaxSamples = 5
	}
	if o.FalseBurstsPerDay <= 0 {
		o.FalseBurstsPerDay = 0.1
	}
}

// Pos is where a datum came from.
type Pos struct {
	Source string
	Line   int64
}

// Correlator holds all analysis state. It is not safe for concurrent use:
// one goroutine owns it (see Run).
type Correlator struct {
	opts   Options
	groups *groups

	newest time.Time // newest log time seen
	// newestRecord is the newest access record's time: the watermark
	// follows records when there are any, so error lines taken ahead of
	// their records (a live pipe) cannot close bursts early.
	newestRecord time.Time
	watermark    time.Time

	open map[trackerKey]*tracker
	// quietFrom is no later than the earliest time an open candidate's
	// gap passes; waiting are the candidates past their gap that wait for
	// a request answered below 499 (closeQuiet).
	quietFrom time.Time
	waiting   []*tracker
	pending   []Burst // closed inside AddRecord, returned by the next Advance
	closed    []Burst
	// closedLineBytes counts the raw lines the closed bursts still hold;
	// the first linesTrimmed of them hold none.
	closedLineBytes int
	linesTrimmed    int
	// detailsFailed: Options.Details failed, and the bursts after stay
	// whole in memory.
	detailsFailed bool
	nextID        int
	errBg         map[string]*errorLogBackground

	peerCache map[string]peerEntry
	scratch   []byte // unescaped request line of the record being joined
	// plainRoots and plainCached hold the groups of a PlainRun's counts
	// and their peers' cache entries (AddPlain).
	plainRoots  []string
	plainCached []peerEntry

	events  eventRing
	overall Series
	byGroup map[string]*groupState
	byPeer  map[string]*Series // what each peer answered, per attempt
	totals  Totals
	// eventCounts counts error.log events per group and category;
	// serials numbers the candidates (Burst.Serial).
	eventCounts map[string]*[logparse.NumCategories]int
	serials     uint64
	// closedCounts counts every closed burst; closedDropped those that
	// Options.KeepClosed let go.
	closedCounts  map[closedKey]int
	closedDropped int
	// nodeRecent is each group's recent failures per host (recentOf);
	// nodes the hosts seen, and groupNodes those that sent requests to
	// each group.
	nodeRecent map[trackerKey]*[16]recentSecond
	nodes      map[string]bool
	groupNodes map[string]map[string]bool
}

// peerEntry caches a peer's group, the group's state and the peer's series.
type peerEntry struct {
	root string
	g    *groupState
	peer *Series
}

type trackerKey struct {
	root string
	kind Kind
	// node is the nginx host (logparse.Record.Node): each host's bursts
	// are its own, and its error lines explain only its requests.
	node string
}

// groupState is what is kept per upstream group between bursts.
type groupState struct {
	series Series
	recent [16]recentSecond // failures in the last seconds, for "what marked peers down"
	// bg is the background of 502s and of 504s: requests and bad
	// responses outside bursts over about the last hour. A second is folded
	// in as it ends unless a candidate of that kind is open, whose seconds
	// are folded when it turns out not to be a burst.
	bg [requestKinds]background
	// open counts the candidates of each kind open (one a host), whose
	// seconds stay out of the background until they are decided.
	open    [requestKinds]int
	secReq  int               // requests in second lastSec
	secBad  [requestKinds]int // bad responses of each kind in second lastSec
	lastSec int64
	// hours holds the background per hour (background.go); cur caches
	// the hour of curHour.
	hours   map[int64]*hourBackground
	curHour int64
	cur     *hourBackground
	// luaSeen: this run has shown the group balanced by Lua (a request
	// sent to the 0.0.0.1 placeholder, a balancer error on its peers), so
	// a peer of it that refuses is first a stale endpoint.
	luaSeen bool
	counts  requestCounts
}

// roll closes second lastSec, folding it into the background, and starts sec.
func (g *groupState) roll(sec int64) {
	if sec <= g.lastSec {
		return
	}
	if g.lastSec != 0 {
		for k := range g.bg {
			if g.open[k] == 0 {
				g.bg[k].add(g.secReq, g.secBad[k])
			}
			g.bg[k].decay(sec - g.lastSec)
		}
	}
	g.lastSec, g.secReq, g.secBad = sec, 0, [requestKinds]int{}
}

type recentSecond struct {
	sec                    int64
	attempts5xx, attempt50 int
}

// maxGroups bounds per-group state; further groups share "(other)".
const maxGroups = 64

// New returns an empty Correlator.
func New(opts Options) *Correlator {
	opts.defaults()
	return &Correlator{
		opts:      opts,
		groups:    newGroups(opts.Upstreams),
		open:      map[trackerKey]*tracker{},
		byGroup:   map[string]*groupState{},
		peerCache: map[string]peerEntry{},
		byPeer:    map[string]*Series{},
		events:    newEventRing(1<<16, 16<<20),
		totals:    newTotals(),
		overall:   Series{limit: opts.SeriesBuckets},

		eventCounts:  map[string]*[logparse.NumCategories]int{},
		closedCounts: map[closedKey]int{},
		nodeRecent:   map[trackerKey]*[16]recentSecond{},
		nodes:        map[string]bool{},
		groupNodes:   map[string]map[string]bool{},
	}
}

// newTracker starts a candidate with the next serial.
func (c *Correlator) newTracker(kind Kind, root string, t time.Time) *tracker {
	c.serials++
	tr := newTracker(kind, root, t, c.opts.MaxSamples)
	tr.serial = c.serials
	return tr
}

func (c *Correlator) group(root string) *groupState {
	g, ok := c.byGroup[root]
	if !ok {
		if len(c.byGroup) >= maxGroups {
			root = "(other)"
			if g, ok = c.byGroup[root]; ok {
				return g
			}
		}
		g = &groupState{series: Series{limit: c.opts.SeriesBuckets}}
		c.byGroup[root] = g
	}
	return g
}

// existingGroup is the state group(root) would return, nil where it would
// make one.
func (c *Correlator) existingGroup(root string) *groupState {
	if g, ok := c.byGroup[root]; ok {
		return g
	}
	if len(c.byGroup) >= maxGroups {
		return c.byGroup["(other)"]
	}
	return nil
}

// AddRecord accounts one access-log record. rec's views need only be valid
// during the call.
func (c *Correlator) AddRecord(rec *logparse.Record, pos Pos) {
	t := rec.Time
	root, g, peer := c.resolve(rec)
	if len(c.open) > 0 {
		c.closeQuiet(c.watermarkAt(t), root, rec.Node, rec.Status > 0 && rec.Status < 499)
	}
	c.totals.addRecord(rec)
	if t.After(c.newest) {
		c.newest = t
	}
	if t.After(c.newestRecord) {
		c.newestRecord = t
	}
	g.counts.add(rec)
	if rec.Node != "" {
		c.seeNode(root, rec.Node)
	}
	cl := ClassOf(rec.Status)
	c.overall.Add(t, cl)
	g.series.Add(t, cl)
	if peer != nil {
		if st := rec.Attempts[0].Status; st != 0 {
			peer.Add(t, ClassOf(st))
		}
	} else {
		for i := range rec.Attempts {
			if ps := c.peerSeries(rec.Attempts[i].Addr); ps != nil && rec.Attempts[i].Status != 0 {
				ps.Add(t, ClassOf(rec.Attempts[i].Status))
			}
		}
	}
	sec := t.Unix()
	if sec != g.lastSec {
		g.roll(sec)
	}
	g.hourOf(sec).requests++
	if sec == g.lastSec {
		g.secReq++
		if k, bad := kindOf(rec); bad {
			g.secBad[k]++
		}
	}
	recent := c.recentOf(g, root, rec.Node)
	r := &recent[sec&15]
	if r.sec != sec {
		*r = recentSecond{sec: sec}
	}
	own5xx, own500 := 0, 0
	for i := range rec.Attempts {
		if s := rec.Attempts[i].Status; s >= 500 {
			own5xx++
			if s == 500 {
				own500++
			}
		}
	}
	r.attempts5xx += own5xx
	r.attempt50 += own500

	kind, bad := kindOf(rec)
	if rec.Status >= 500 && !g.luaSeen {
		for i := range rec.Attempts {
			if rec.Attempts[i].IsPlaceholder() {
				g.luaSeen = true
			}
		}
	}
	var badTr *tracker
	if bad {
		key := trackerKey{root, kind, rec.Node}
		tr := c.open[key]
		if tr != nil && tr.quietPassed(t, c.opts.Gap) {
			// The quiet gap passed within one batch: close the old burst
			// before this one starts.
			delete(c.open, key)
			if b, ok := c.finish(tr); ok {
				c.pending = append(c.pending, b)
			}
			tr = nil
		}
		if tr == nil {
			tr = c.newTracker(kind, root, t)
			tr.node = rec.Node
			// What came before the burst, without the request that opens
			// it (its own 502 is no failure "before").
			tr.preludeFailures = recentFailures(recent, sec)
			tr.preludeFailures.attempts5xx -= own5xx
			tr.preludeFailures.attempts500 -= own500
			g.open[kind]++
			c.open[key] = tr
		}
		badTr = tr
	}
	for k, tr := range c.open {
		if k.root == root && k.node == rec.Node {
			tr.addRequest(rec)
		}
	}
	if badTr != nil {
		joined := c.join(rec, badTr)
		if joined > 0 && rec.Status == 502 {
			c.totals.Joined502++
		}
		badTr.addBad(rec, pos, joined)
		c.quietSoon(badTr)
	}
}

// maxPeerSeries bounds the peers with a series of their own.
const maxPeerSeries = 64

// peerSeries returns the series of the peer at addr: nil for a group name,
// "-", or past maxPeerSeries.
func (c *Correlator) peerSeries(addr []byte) *Series {
	if s, ok := c.byPeer[string(addr)]; ok {
		return s
	}
	a := logparse.Attempt{Addr: addr}
	if len(addr) == 0 || addr[0] == '-' || a.IsGroupName() || len(c.byPeer) >= maxPeerSeries {
		return nil
	}
	s := &Series{limit: c.opts.SeriesBuckets}
	c.byPeer[string(addr)] = s
	return s
}

// resolve finds the record's group, and the peer's series when the record
// has one attempt. That common case, one attempt on a known peer, is a
// single map lookup in peerCache, which any change to the groups clears;
// otherwise the peer is nil and the caller looks the attempts up.
func (c *Correlator) resolve(rec *logparse.Record) (string, *groupState, *Series) {
	if len(rec.UpstreamName) == 0 && len(rec.Attempts) == 1 {
		if e, ok := c.peerCache[string(rec.Attempts[0].Addr)]; ok {
			return e.root, e.g, e.peer
		}
	}
	root, merged := c.groups.observe(rec)
	for _, gone := range merged {
		c.mergeTrackers(gone, root)
	}
	if len(merged) > 0 {
		clear(c.peerCache)
	}
	g := c.group(root)
	if len(rec.UpstreamName) == 0 && len(rec.Attempts) == 1 && len(c.peerCache) < maxPeers {
		if peer := c.peerSeries(rec.Attempts[0].Addr); peer != nil {
			c.peerCache[string(rec.Attempts[0].Addr)] = peerEntry{root, g, peer}
		}
	}
	return root, g, nil
}

// recentFailures sums upstream 5xx attempts in the 15 seconds up to sec.
func recentFailures(recent *[16]recentSecond, sec int64) prelude {
	var p prelude
	for _, r := range recent {
		if r.sec <= sec && r.sec >= sec-15 {
			p.attempts5xx += r.attempts5xx
			p.attempts500 += r.attempt50
		}
	}
	return p
}

// recentOf is the group's failures of the last seconds on one host: each
// nginx marks its peers down by its own failures. One host's (node "")
// are kept in the group's state; several hosts' beside it, bounded.
func (c *Correlator) recentOf(g *groupState, root, node string) *[16]recentSecond {
	if node == "" {
		return &g.recent
	}
	k := trackerKey{root: root, node: node}
	r := c.nodeRecent[k]
	if r == nil {
		if len(c.nodeRecent) >= maxGroups*maxNodes {
			return &g.recent
		}
		r = new([16]recentSecond)
		c.nodeRecent[k] = r
	}
	return r
}

// maxNodes bounds the hosts whose recent failures are kept apart per group.
const maxNodes = 64

// CountOutOfOrder counts a record far out of time order in the totals
// only: it may not move the watermark, open a burst or stretch a timeline.
func (c *Correlator) CountOutOfOrder(rec *logparse.Record) {
	c.totals.Requests++
	if rec.Status >= 0 && rec.Status < len(c.totals.Status) {
		c.totals.Status[rec.Status]++
	}
}

// CountOutOfOrderEvent is CountOutOfOrder for an error.log event.
func (c *Correlator) CountOutOfOrderEvent(ev *logparse.Event) {
	c.totals.Events++
	c.totals.Levels[ev.Level]++
	c.totals.Categories[ev.Category]++
}

// AddEvent accounts one error.log event.
func (c *Correlator) AddEvent(ev *logparse.Event, pos Pos) {
	c.totals.addEvent(ev)
	c.countEvent(ev)
	if ev.Time.After(c.newest) {
		c.newest = ev.Time
	}
	// Events past the horizon go as soon as they pass it, not when the
	// ring fills: a day's error log would otherwise keep up to 16 MiB
	// live, which every collection marks again. The horizon is never
	// later than eventLookback before the newest line, so until the
	// oldest event is that old there is nothing to drop.
	if c.events.n > 0 && c.events.oldest().ev.Time.Before(c.newest.Add(-eventLookback)) {
		c.events.dropBefore(c.eventHorizon())
	}
	if ev.Category == logparse.CatLuaBalancer && ev.Peer != "" {
		if g := c.byGroup[c.groups.rootOf(ev.Peer)]; g != nil {
			g.luaSeen = true
		}
	}
	c.events.push(storedEvent{ev: *ev, pos: pos})
	if c.totals.Requests == 0 && ev.Category.UpstreamFault() && ev.Level >= logparse.LevelWarn {
		c.addErrorLogOnly(c.events.newest())
	}
}

// eventLookback is how far back of the newest line an event can still be
// joined: a request's lifetime plus a second. Fifteen minutes is beyond
// any request nginx's default timeouts let live (60 s each for connect,
// send and read, per try), with room for long-polls; older events matter
// only to the open bursts.
const eventLookback = 15 * time.Minute

// eventHorizon is the time before which no event is needed any more: older
// than eventLookback, and than the lead-up of every open burst.
func (c *Correlator) eventHorizon() time.Time {
	h := c.newest.Add(-eventLookback)
	for _, tr := range c.open {
		if lo := tr.start.Add(-preludeWindow); lo.Before(h) {
			h = lo
		}
	}
	return h
}

// addErrorLogOnly keeps bursts of upstream errors while no access record
// has been seen, so that an error log given alone still yields bursts with
// causes. They close like 502 bursts (the quiet gap) and are dropped at
// finish if access records arrived after all.
func (c *Correlator) addErrorLogOnly(se *storedEvent) {
	root := c.groups.rootOf(se.ev.Peer)
	if root == "" {
		root = se.ev.Peer
	}
	key := trackerKey{root, KindErrorLog, se.ev.Node}
	tr := c.open[key]
	if tr != nil && se.ev.Time.Sub(tr.last) > c.opts.Gap {
		delete(c.open, key)
		if b, ok := c.finish(tr); ok {
			c.pending = append(c.pending, b)
		}
		tr = nil
	}
	if tr == nil {
		tr = c.newTracker(KindErrorLog, root, se.ev.Time)
		tr.node = se.ev.Node
		c.open[key] = tr
	}
	if bg := c.errBackground(root); bg.first.IsZero() {
		bg.first = se.ev.Time
	}
	if s := tr.second(se.ev.Time); s != nil {
		s.bad++
	}
	if se.ev.Time.Before(tr.start) {
		tr.start = se.ev.Time
	}
	if se.ev.Time.After(tr.last) {
		tr.last = se.ev.Time
	}
	c.quietSoon(tr)
	tr.bad++
	tr.errorLines++
	tr.addWindowed(se)
}

// join looks for the error.log events that explain a bad record: an event
// carrying the record's $request_id, or the same connection serial
// ($connection = "*N") within the request's lifetime, or else the same
// client and request line within a second either side. Many
// requests can share a line (or a keep-alive connection), so each record
// takes at most one event per category, the oldest not yet taken.
func (c *Correlator) join(rec *logparse.Record, tr *tracker) int {
	lo := rec.Time.Add(-time.Second)
	if rec.RequestTime > 0 {
		lo = lo.Add(-rec.RequestTime)
	}
	hi := rec.Time.Add(time.Second)
	// The error log writes the request line as received; the access log
	// escapes it.
	req := rec.Request
	if bytes.IndexByte(req, '\\') >= 0 {
		c.scratch = logparse.Unescape(rec.Escape, c.scratch[:0], req)
		req = c.scratch
	}
	var rid string
	if len(rec.RequestID) >= 8 { // short ids would match by chance
		rid = string(rec.RequestID)
	}
	var pick [logparse.NumCategories]*storedEvent
	consider := func(se *storedEvent) {
		ev := &se.ev
		if ev.Time.After(hi) || se.joined || !ev.Category.UpstreamFault() || !c.sameHost(ev.Node, rec.Node) {
			return
		}
		var match bool
		if rid != "" && strings.Contains(ev.Line, rid) {
			// Lua code and some modules log $request_id with their errors.
			match = true
		} else if rec.Conn != 0 && ev.Conn != 0 {
			match = rec.Conn == ev.Conn && (len(req) == 0 || ev.Request == "" || ev.Request == string(req))
		} else {
			match = ev.Request != "" && ev.Request == string(req) &&
				(len(rec.Client) == 0 || ev.Client == string(rec.Client))
		}
		// The oldest match of each category: an event may come up in
		// more than one list.
		if match && (pick[ev.Category] == nil || se.seq < pick[ev.Category].seq) {
			pick[ev.Category] = se
		}
	}
	c.joinCandidates(rec, rid, req, lo, consider)
	n := 0
	for _, se := range pick {
		if se != nil {
			se.joined = true
			tr.addJoined(se)
			n++
		}
	}
	return n
}

// joinCandidates calls consider with every held event that join's match
// can accept for rec, found through the ring's index rather than a scan of
// the record's lifetime; a request id that is not an id-like word (never
// indexed) is looked for by a scan, as before the index.
func (c *Correlator) joinCandidates(rec *logparse.Record, rid string, req []byte, lo time.Time, consider func(*storedEvent)) {
	r, x := &c.events, &c.events.index
	if rid != "" {
		if !idLike(rid) {
			r.scanBack(lo, func(se *storedEvent) bool { consider(se); return true })
			return
		}
		r.scanKey(x.idKey(rid), lo, consider)
	}
	if rec.Conn != 0 {
		r.scanKey(x.connKey(rec.Conn), lo, consider)
	}
	if len(req) == 0 {
		return
	}
	// A record with a serial joins events with one by serial alone.
	r.scanKey(x.reqKey(false, string(rec.Client), string(req)), lo, consider)
	if rec.Conn == 0 {
		r.scanKey(x.reqKey(true, string(rec.Client), string(req)), lo, consider)
	}
}

// mergeTrackers folds the open bursts of a group that turned out to be part
// of another group into that group's.
func (c *Correlator) mergeTrackers(gone, root string) {
	var moving []trackerKey
	for k := range c.open {
		if k.root == gone {
			moving = append(moving, k)
		}
	}
	for _, k := range moving {
		src := c.open[k]
		delete(c.open, k)
		to := trackerKey{root, k.kind, k.node}
		dst := c.open[to]
		if dst == nil {
			src.root = root
			c.open[to] = src
			continue
		}
		dst.merge(src)
	}
	c.quietFrom = time.Time{} // look at every candidate again
}

// groupInferred reports whether no upstream block (nor a proxy_pass to
// the address) names the group: it is what the logs tie together. The
// requests that tried no upstream ("-") are all counted, whatever nginx.conf
// says.
func (c *Correlator) groupInferred(root string) bool {
	if root == "-" || root == "" {
		return false
	}
	if _, configured := c.groups.config(root); configured || c.opts.Settings[root] != nil {
		return false
	}
	for _, hc := range c.opts.HostConfigs {
		if hc.Settings[root] != nil {
			return false
		}
	}
	return true
}

// Clock is the log time the watermark follows: the newest access record's,
// or the newest error line's when no access record came.
func (c *Correlator) Clock() time.Time {
	if !c.newestRecord.IsZero() {
		return c.newestRecord
	}
	return c.newest
}

// Slack is how far the watermark trails the newest log time.
func (c *Correlator) Slack() time.Duration { return c.opts.Slack }

// Advance moves the watermark to the newest log time minus the slack and
// closes the bursts whose quiet gap has passed by the watermark, or by at
// if later: a live run passes log time extrapolated by wall time when the
// input is idle. That extrapolation closes bursts but is not kept: lines
// that arrive after it, behind it (a producer that paused, a pipe that
// delivers in chunks), are judged by their own times again, so a burst
// they continue is not closed piece by piece. It returns the bursts closed
// by this call.
func (c *Correlator) Advance(at time.Time) []Burst {
	wm := c.Clock().Add(-c.opts.Slack)
	if len(c.nodes) > 1 {
		wm = wm.Add(-c.opts.ClockSkew)
	}
	if wm.After(c.watermark) {
		c.watermark = wm
	}
	until := c.watermark
	if at.After(until) {
		until = at
	}
	return c.closeWhere(func(tr *tracker) bool { return tr.quietPassed(until, c.opts.Gap) })
}

// Flush closes every open burst, at the end of finite input.
func (c *Correlator) Flush() []Burst {
	return c.closeWhere(func(*tracker) bool { return true })
}

// closeWhere closes the open bursts that done selects and returns them,
// with those closed inside AddRecord, in time order.
func (c *Correlator) closeWhere(done func(*tracker) bool) []Burst {
	closed := c.pending
	c.pending = nil
	var ending []*tracker
	for k, tr := range c.open {
		if done(tr) {
			delete(c.open, k)
			ending = append(ending, tr)
		}
	}
	closed = append(closed, c.finishAll(ending)...)
	sortBursts(closed)
	if c.opts.SummarizeClosed {
		for i := range closed {
			c.closed = append(c.closed, closed[i].summary())
		}
	} else {
		from := len(c.closed)
		c.closed = append(c.closed, closed...)
		c.storeDetails(from)
		c.trimClosedLines(from)
	}
	c.keepClosed(closed)
	return closed
}

// watermarkAt is the watermark as a record at t comes in.
func (c *Correlator) watermarkAt(t time.Time) time.Time {
	wm := c.Clock()
	if t.After(wm) {
		wm = t
	}
	wm = wm.Add(-c.opts.Slack)
	if len(c.nodes) > 1 {
		wm = wm.Add(-c.opts.ClockSkew)
	}
	return wm
}

// closeQuiet closes, as a record of group root on node comes in, the
// candidates whose quiet gap the watermark wm has passed: at every record,
// not only where a batch of input ends, so that what a candidate counts
// does not depend on where its input was cut (a file, a pipe, a store's
// counted read). succeeds says the record is a request answered below 499,
// which a candidate of its group and host, past its gap and waiting for
// one, closes at instead of taking in.
//
// It runs at every record, so it looks at the open candidates only when
// the watermark has passed the earliest gap among them (quietFrom), and
// at those that wait for a request answered below 499 only when the
// record is one (waiting).
func (c *Correlator) closeQuiet(wm time.Time, root, node string, succeeds bool) {
	var ending []*tracker
	if wm.After(c.quietFrom) {
		c.quietFrom = farFuture
		c.waiting = slices.DeleteFunc(c.waiting, func(tr *tracker) bool { return c.open[trackerKey{tr.root, tr.kind, tr.node}] != tr })
		for k, tr := range c.open {
			switch {
			case tr.quietPassed(wm, c.opts.Gap):
				delete(c.open, k)
				ending = append(ending, tr)
			case wm.Sub(tr.last) > c.opts.Gap:
				if !slices.Contains(c.waiting, tr) {
					c.waiting = append(c.waiting, tr)
				}
			case tr.last.Add(c.opts.Gap).Before(c.quietFrom):
				c.quietFrom = tr.last.Add(c.opts.Gap)
			}
		}
	}
	if succeeds {
		for i := 0; i < len(c.waiting); {
			tr := c.waiting[i]
			k := trackerKey{tr.root, tr.kind, tr.node}
			gone := c.open[k] != tr
			if gone || tr.succeeded || wm.Sub(tr.last) <= c.opts.Gap || k.root == root && k.node == node {
				if !gone && k.root == root && k.node == node && !tr.succeeded && wm.Sub(tr.last) > c.opts.Gap {
					delete(c.open, k)
					ending = append(ending, tr)
				} else if !gone {
					c.quietFrom = time.Time{} // back to closing on time: look again
				}
				c.waiting[i] = c.waiting[len(c.waiting)-1]
				c.waiting = c.waiting[:len(c.waiting)-1]
				continue
			}
			i++
		}
	}
	if len(ending) > 0 {
		c.pending = append(c.pending, c.finishAll(ending)...)
	}
}

// farFuture is a time no watermark reaches.
var farFuture = time.Unix(1<<62, 0)

// quietSoon brings quietFrom forward to tr's gap: tr was opened or given a
// later bad response.
func (c *Correlator) quietSoon(tr *tracker) {
	if at := tr.last.Add(c.opts.Gap); at.Before(c.quietFrom) {
		c.quietFrom = at
	}
}

// finishAll decides the candidates that close together.
func (c *Correlator) finishAll(ending []*tracker) []Burst {
	// Bursts are numbered as they close; those closing together by start
	// time (then group and kind), never in map order, so a run's numbers
	// are the same every time.
	sort.Slice(ending, func(i, j int) bool {
		a, b := ending[i], ending[j]
		if !a.start.Equal(b.start) {
			return a.start.Before(b.start)
		}
		if a.root != b.root {
			return a.root < b.root
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		return a.node < b.node
	})
	var closed []Burst
	for _, tr := range ending {
		if b, ok := c.finish(tr); ok {
			closed = append(closed, b)
		}
	}
	return closed
}

func sortBursts(bs []Burst) {
	sort.SliceStable(bs, func(i, j int) bool {
		if !bs[i].Start.Equal(bs[j].Start) {
			return bs[i].Start.Before(bs[j].Start)
		}
		if bs[i].Group != bs[j].Group {
			return bs[i].Group < bs[j].Group
		}
		return bs[i].Node < bs[j].Node
	})
}

// finish turns a candidate into a Burst if the burst test of
// significance.go finds a window in it; the candidate's other bad
// responses, or all of them, go to the group's background.
func (c *Correlator) finish(tr *tracker) (Burst, bool) {
	// Events in the ring keep a pointer to the candidate they were counted
	// for; what the candidate holds goes once it is decided.
	defer tr.release()
	if tr.kind == KindErrorLog && c.totals.Requests > 0 {
		return Burst{}, false // the access log came after all: its bursts explain
	}
	w, ok := c.burstWindow(tr)
	c.toBackground(tr, w, ok)
	if !ok {
		return Burst{}, false
	}
	c.nextID++
	tr.became = c.nextID
	// The burst is the window the scan found; the bad responses around it
	// that the quiet gap chained to it are sporadic. The tracker is
	// narrowed to the window first, so that what it counts per bad
	// response (chains, peers, methods) is the window's.
	start, end := tr.start, tr.last
	lastBad := int(tr.last.Unix() - tr.base)
	narrowed := !tr.overflow && tr.secs != nil && (w.from > 0 || w.to < lastBad)
	if narrowed {
		base := time.Unix(tr.base, 0).In(tr.start.Location())
		if w.from > 0 {
			start = base.Add(time.Duration(w.from) * time.Second)
		}
		if w.to < lastBad {
			end = base.Add(time.Duration(w.to) * time.Second)
		}
		tr.narrow(start, end.Add(time.Second-1))
	}
	b := tr.burst(c.nextID, c.groups)
	b.Start, b.End = start, end
	b.GroupInferred = c.groupInferred(tr.root)
	b.Significant = true
	if narrowed {
		if tr.kind == KindErrorLog {
			b.ErrorLines = w.bad
		} else {
			c, joined := w.counts(tr.secs)
			b.Requests, b.Attempts, b.BadGateway, b.GatewayTimeout, b.Other5xx = c.requests, c.attempts, c.s502, c.s504, c.s5xx
			b.ConnectTimed, b.ConnectNew = c.connTimed, c.connNew
			b.Joined = joined
		}
	}
	c.collectEvents(tr, &b)
	b.Causes = c.explain(&b, tr)
	return b, true
}

// burstWindow applies the burst test to a candidate: the most significant
// window meeting the impact floor, and whether it passes the threshold.
func (c *Correlator) burstWindow(tr *tracker) (window, bool) {
	if tr.bad < c.opts.Min502 {
		return window{}, false
	}
	perSecond := tr.kind == KindErrorLog
	var rate float64
	if perSecond {
		rate = c.errorRate(tr.root)
	} else {
		rate = c.group(tr.root).bg[tr.kind].share()
	}
	threshold := logThreshold(c.opts.FalseBurstsPerDay, len(c.byGroup))
	var w window
	if tr.overflow || len(tr.secs) == 0 {
		exposure := float64(tr.win.requests)
		if perSecond {
			exposure = tr.last.Sub(tr.start).Seconds() + 1
		}
		w = window{to: -1, req: tr.win.requests, bad: tr.bad, logP: logPoissonTail(tr.bad, exposure*rate)}
	} else {
		w = scanWindow(tr.secs, rate, perSecond, c.opts.Min502, threshold)
	}
	switch {
	case w.logP >= threshold, w.bad < c.opts.Min502:
		return w, false
	case !perSecond && float64(w.bad) < MinBurstShare*float64(w.req):
		return w, false
	case tr.reqClients.many && !tr.badClients.many:
		return w, false // other clients were served; one client's failures are not an outage
	}
	return w, true
}

// toBackground folds what of a candidate is not a burst into its group's
// background and the sporadic count.
func (c *Correlator) toBackground(tr *tracker, w window, burst bool) {
	bad, req := tr.bad, tr.win.requests+tr.tail.requests
	if burst {
		bad, req = tr.bad-w.bad, max(0, req-w.req)
	}
	switch tr.kind {
	case Kind502, Kind504, KindNginx:
		g := c.group(tr.root)
		g.open[tr.kind] = max(0, g.open[tr.kind]-1)
		g.bg[tr.kind].add(req, bad)
		if tr.kind == Kind502 {
			c.totals.Sporadic502 += bad
			g.addSporadic(tr, bad, !burst)
		}
	case KindErrorLog:
		c.errBackground(tr.root).bad += float64(bad)
	}
}

// errorLogBackground is an error-log-only group's background: upstream
// errors outside bursts since the first error line.
type errorLogBackground struct {
	bad   float64
	first time.Time
}

func (c *Correlator) errBackground(root string) *errorLogBackground {
	if c.errBg == nil {
		c.errBg = map[string]*errorLogBackground{}
	}
	b := c.errBg[root]
	if b == nil {
		b = &errorLogBackground{}
		c.errBg[root] = b
	}
	return b
}

// errorRate is the background rate, in upstream errors per second, of an
// error-log-only group: one error per ten minutes a priori.
func (c *Correlator) errorRate(root string) float64 {
	b := c.errBackground(root)
	span := 0.0
	if !b.first.IsZero() {
		span = max(0, c.newest.Sub(b.first).Seconds())
	}
	return (b.bad + 1) / (span + 600)
}

// preludeWindow is how far before a burst the error log is searched for
// what set it off: longer than nginx's default fail_timeout.
const preludeWindow = 15 * time.Second

// collectEvents adds the error.log events of the burst's window and group
// that were not joined to a record, and those of the lead-up.
func (c *Correlator) collectEvents(tr *tracker, b *Burst) {
	lo := tr.start.Add(-preludeWindow)
	hi := tr.last.Add(time.Second)
	c.events.scanBack(lo, func(se *storedEvent) bool {
		ev := &se.ev
		if ev.Time.After(hi) || se.burst == tr && !tr.rescan {
			return true
		}
		if !c.sameHost(ev.Node, tr.node) || c.groups.rootOf(ev.Peer) != tr.root && !(ev.Peer == "" && ev.Category.UpstreamFault()) {
			return true
		}
		if ev.Time.Before(tr.start.Add(-time.Second)) {
			if se.burst != nil && se.burst != tr && se.burst.became > 0 {
				return true // an earlier burst's own line, not this one's lead-up
			}
			tr.preludeEvents[ev.Category]++
			tr.preludeFirst[ev.Category] = ev.Time // scanned newest first: the last one set is the first
			return true
		}
		tr.addWindowed(se)
		return true
	})
	b.Categories = tr.categoryCounts()
	b.ErrorSamples = tr.errorSamples()
	b.Lines = tr.sortedLines()
	b.LinesBehind = tr.linesBehind(b)
}

// Snapshot returns a copy of the analysis so far, safe to hand to another
// goroutine. Open bursts are included, explained with what is known now.
func (c *Correlator) Snapshot() Snapshot { return c.snapshot((*Series).Clone) }

// Final is the last Snapshot of a run. It hands the series over instead
// of copying them (four hours of one-second buckets for every group and
// peer, some 10 MB), which would otherwise be held twice while the report
// is written; the correlator must not be used after it.
func (c *Correlator) Final() Snapshot {
	return c.snapshot(func(s *Series) Series { return *s })
}

func (c *Correlator) snapshot(series func(*Series) Series) Snapshot {
	s := Snapshot{
		AsOf:       c.watermark,
		Newest:     c.newest,
		Totals:     c.totals.clone(),
		PeerGroups: c.groups.labels(),
		details:    c.opts.Details,
	}
	s.Bursts = append(s.Bursts, c.closed...)
	s.Bursts = append(s.Bursts, c.openBursts()...)
	s.Overall = series(&c.overall)
	for root, g := range c.byGroup {
		s.Groups = append(s.Groups, GroupSeries{Group: c.groups.label(root), Series: series(&g.series)})
	}
	sort.Slice(s.Groups, func(i, j int) bool { return s.Groups[i].Group < s.Groups[j].Group })
	for peer, ps := range c.byPeer {
		s.Peers = append(s.Peers, GroupSeries{Group: peer, Series: series(ps)})
	}
	sort.Slice(s.Peers, func(i, j int) bool { return s.Peers[i].Group < s.Peers[j].Group })
	s.Background = c.backgrounds(c.newest.Location())
	s.SiteWide = siteIncidents(s.Bursts)
	markHosts(s.Bursts, c.hostsByGroup(), len(c.nodes), max(siteSlack, c.opts.ClockSkew))
	s.Counts = c.groupCounts()
	s.Closed, s.ClosedDropped = c.closedCountList(), c.closedDropped
	return s
}

// openBursts explains the candidates open now, in burst order.
func (c *Correlator) openBursts() []Burst {
	var open []Burst
	for _, tr := range c.open {
		if tr.bad < c.opts.Min502 {
			continue
		}
		b := tr.burst(0, c.groups)
		b.Open = true
		if tr.kind != KindErrorLog || c.totals.Requests == 0 {
			_, b.Significant = c.burstWindow(tr)
		}
		b.GroupInferred = c.groupInferred(tr.root)
		b.Categories = tr.categoryCounts()
		b.ErrorSamples = tr.errorSamples()
		b.LinesBehind = tr.linesBehind(&b)
		b.Causes = c.explain(&b, tr)
		open = append(open, b)
	}
	sortBursts(open)
	return open
}

// LiveSnapshot is the part of Snapshot that a watcher reads several times
// a second for weeks (alerts and metrics): the open bursts, the closed
// ones they overlap (which say the hosts a burst is on at once), the
// totals and the counts. It leaves out the series and the bursts the run
// has kept, so it costs what is open, not how long the run has been.
func (c *Correlator) LiveSnapshot() Snapshot {
	s := Snapshot{
		AsOf:   c.watermark,
		Newest: c.newest,
		Totals: c.totals.clone(),
	}
	slack := max(siteSlack, c.opts.ClockSkew)
	if open := c.openBursts(); len(open) > 0 {
		since := open[0].Start // the earliest: openBursts sorts by start
		for _, b := range c.closed {
			if !b.End.Add(slack).Before(since) {
				s.Bursts = append(s.Bursts, b)
			}
		}
		s.Bursts = append(s.Bursts, open...)
	}
	markHosts(s.Bursts, c.hostsByGroup(), len(c.nodes), slack)
	s.Counts = c.groupCounts()
	s.Closed, s.ClosedDropped = c.closedCountList(), c.closedDropped
	return s
}
