package correlate

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/badgw/badgw/diagnose"
	"github.com/badgw/badgw/logparse"
)

// Kind says which status a burst is made of.
type Kind uint8

// Burst kinds. Only 502 bursts are "bursts" in reports and CSV; 504
// episodes are reported beside them as upstream timeouts, and KindNginx
// episodes (500s nginx answered itself, trying no upstream: out of files
// or connections) beside them too. KindErrorLog is a burst of upstream
// errors found in the error log when no access log was given: its counts
// are error lines, not requests.
const (
	Kind502 Kind = iota
	Kind504
	KindNginx
	KindErrorLog
)

// requestKinds counts the kinds made of access records (502, 504, nginx's
// own 500s), which keep a background each.
const requestKinds = 3

func (k Kind) String() string {
	switch k {
	case Kind504:
		return "gateway_timeout"
	case KindErrorLog:
		return "upstream_errors"
	case KindNginx:
		return "nginx_errors"
	}
	return "bad_gateway"
}

// failsRequests reports the kinds whose bad responses are the 502s that
// the cause rules explain (an error-log burst stands for them).
func (k Kind) failsRequests() bool { return k == Kind502 || k == KindErrorLog }

// kindOf says which kind of bad response a record is, if any: a 502, a
// 504, or a 500 that nginx answered without trying an upstream.
func kindOf(rec *logparse.Record) (Kind, bool) {
	switch rec.Status {
	case 502:
		return Kind502, true
	case 504:
		return Kind504, true
	case 500:
		for i := range rec.Attempts {
			if a := rec.Attempts[i].Addr; len(a) > 0 && a[0] != '-' {
				return 0, false // the upstream's own 500, passed on
			}
		}
		return KindNginx, true
	}
	return 0, false
}

// Count is a label with how often it occurred.
type Count = diagnose.Count

// Sample is one log line kept as evidence.
type Sample struct {
	Source string `json:"source"`
	Line   int64  `json:"line"`
	Text   string `json:"text"`
}

// Burst is a run of 502s (or 504s) on one upstream group.
type Burst struct {
	ID         int
	Kind       Kind
	Group      string
	Start, End time.Time
	// Requests is every request to the group between the first and the last
	// bad response; the counts below are the final statuses among them.
	Requests       int
	BadGateway     int
	GatewayTimeout int
	Other5xx       int
	Peak           int // most bad responses in one second
	Attempts       int // upstream tries of the requests
	// ConnectTimed counts the attempts with a $upstream_connect_time,
	// ConnectNew those that spent a millisecond or more connecting: a new
	// connection, not a reused keep-alive one.
	ConnectTimed, ConnectNew int
	Chains                   []Count
	Peers                    []Count
	Categories               []Count
	// GroupNamed counts bad responses whose $upstream_addr held the group's
	// name: nginx found no live peer.
	GroupNamed  int
	Placeholder int
	Joined      int // bad responses joined to an error.log line
	// ErrorLines counts the upstream-fault entries of an error-log burst
	// (KindErrorLog), which has no requests.
	ErrorLines int
	Impact     Impact // who was hit
	// GroupInferred: no upstream block names the group (no nginx.conf, or
	// not in it), so it is what the logs tie together, one peer when no
	// request tried two: peers beside it that served are not counted.
	GroupInferred bool
	Causes        []diagnose.Cause
	Samples       []Sample
	ErrorSamples  []Sample
	// Lines are the raw lines behind the burst, in time order (lines.go),
	// the first maxBurstLines of LinesBehind: its bad responses and the
	// upstream errors of its window. LinesDropped says the memory bound
	// took them from an old burst.
	Lines        []Line
	LinesBehind  int
	LinesDropped bool
	Open         bool
	// Serial names the candidate the burst grew from, the same in every
	// snapshot while it is open and in the burst it closes as, so that
	// what follows a live run (alerts) can tell one burst from the next.
	Serial uint64
	// Significant says the burst test passes: always for a closed burst;
	// for an open one, on what it has seen so far.
	Significant bool
	// Node is the nginx host the burst happened on, when the inputs are
	// several hosts'; AtOnce the hosts (its own among them) with a burst
	// of the same group and kind at the same time, and Hosts how many
	// hosts sent requests to the group (for nginx's own errors, how many
	// hosts were read).
	Node   string
	AtOnce []string
	Hosts  int
	// Summarized marks a closed burst kept as its summary only
	// (Options.SummarizeClosed): its lines, samples, peers, chains,
	// impact and other causes are not held any more, and say nothing.
	Summarized bool
	// DetailsLost marks a closed burst whose details (Options.Details)
	// could not be read back: its times, counts, chains, peers and causes'
	// ids and scores are true, and it has no impact, evidence, fixes,
	// samples or raw lines to show.
	DetailsLost bool

	// details is one more than the reference of the burst's details in
	// Options.Details (Snapshot.Whole), 0 while it holds them itself;
	// lineBytes what its raw lines took when it closed (trimClosedLines).
	details   int64
	lineBytes int
}

// Bad is the number of bad responses of the burst's kind.
func (b *Burst) Bad() int {
	switch b.Kind {
	case Kind504:
		return b.GatewayTimeout
	case KindErrorLog:
		return b.ErrorLines
	case KindNginx:
		return b.Other5xx
	}
	return b.BadGateway
}

// summary is the burst without what only its whole report shows: its
// lines, samples, chains, peers, impact and every cause but the top one
// (Options.SummarizeClosed). Its error.log categories stay: a few counts
// that its joins are read against.
func (b *Burst) summary() Burst {
	s := *b
	s.Chains, s.Peers = nil, nil
	s.Impact = Impact{}
	s.Samples, s.ErrorSamples, s.Lines = nil, nil, nil
	s.LinesDropped = len(b.Lines) > 0 || b.LinesDropped
	s.Summarized = true
	s.Causes = nil
	if top := b.TopCause(); top != nil {
		s.Causes = []diagnose.Cause{*top}
	}
	return s
}

// Duration is the time from the first to the last bad response, at least
// one second (access-log times have one-second resolution).
func (b *Burst) Duration() time.Duration {
	d := b.End.Sub(b.Start)
	if d < time.Second {
		return time.Second
	}
	return d
}

// Share is the fraction of the group's requests that got the burst's status.
func (b *Burst) Share() float64 {
	if b.Requests == 0 {
		return 0
	}
	return float64(b.Bad()) / float64(b.Requests)
}

// AttemptsPerRequest is upstream tries per client request: above 1 means
// proxy_next_upstream multiplied the load.
func (b *Burst) AttemptsPerRequest() float64 {
	if b.Requests == 0 {
		return 0
	}
	return float64(b.Attempts) / float64(b.Requests)
}

// JoinRate is the share of bad responses joined to an error.log line.
func (b *Burst) JoinRate() float64 {
	if b.Bad() == 0 {
		return 0
	}
	return float64(b.Joined) / float64(b.Bad())
}

// TopCause returns the most likely cause, or nil.
func (b *Burst) TopCause() *diagnose.Cause {
	if len(b.Causes) == 0 {
		return nil
	}
	return &b.Causes[0]
}

// prelude is what happened on the group just before a burst started.
type prelude struct {
	attempts5xx, attempts500 int
}

// bounds on what one burst keeps
const (
	maxChains      = 32
	maxPeerKeys    = 64
	maxAbruptTimes = 16
)

// tracker accumulates one open burst.
type tracker struct {
	serial      uint64
	node        string
	kind        Kind
	root        string
	start, last time.Time
	maxSamples  int
	// succeeded says that a request of the group was answered (below
	// 499) after the last bad response: only then does quiet time count
	// towards the gap that closes the burst, so a quiet group's outage,
	// its few requests seconds apart and all failing, stays one burst.
	succeeded bool

	bad int
	// win counts the requests from the first to the last bad response;
	// tail those since the last one, which join win only if another bad
	// response follows before the burst closes.
	win, tail               windowCounts
	curSec                  int64
	curCount, peak          int
	groupNamed, placeholder int
	example                 [logparse.NumCategories]diagnose.Example
	// became is the ID of the burst this candidate became, 0 until then
	// or when it was not one: its events are no other burst's lead-up.
	became int
	// badLog keeps each bad response's share of the counts, for a
	// narrowed burst to count them again (badlog.go).
	badLog badLog
	// From the access log's own timings, for when no error.log is given:
	// bad attempts that never connected, and that connected but got no
	// response header.
	neverConnected, noHeader int
	// peer502, connected502 and headed502 count the bad responses whose
	// last attempt was a peer's 502, and of those the ones with a connect
	// time and with a header time (badlog.go).
	peer502, connected502, headed502 int
	// responseTimed counts the bad responses with an upstream response
	// time, responseMin and responseMax its range in hundredths of a
	// second (badlog.go).
	responseTimed            int
	responseMin, responseMax uint16
	joined                   int
	methods                  map[string]int
	chains                   map[string]int
	peers                    map[string]int
	categories               [logparse.NumCategories]int
	catPeers                 map[logparse.Category]map[string]int
	preludeEvents            [logparse.NumCategories]int
	preludeFirst             [logparse.NumCategories]time.Time
	preludeFailures          prelude
	// secs counts requests and bad responses per second from start, for
	// the scan (see significance.go); overflow is set past maxScanSecs.
	secs     []secCount
	base     int64
	overflow bool
	// clients tells whether the window's requests, and its bad responses,
	// came from more than one client (the impact floor).
	reqClients, badClients clientPair
	resolveNames           map[string]int       // the host names that failed to resolve
	hostNotAllowed         map[string]int       // host names a Lua balancer handed set_current_peer
	sslReasons             map[string]int       // why TLS to the upstream failed, "code:reason"
	protocols              map[string]int       // the upstream URL's scheme in error lines: http, fastcgi, uwsgi, grpc …
	socketErrnos           map[int]int          // errno of socket_unavailable lines: 11 (queue full) or 2 (no socket)
	keepaliveWhy           map[string]int       // why set_keepalive failed ("unread data in buffer")
	abruptSending          int                  // closes and resets while nginx sent the request
	errnoPeerFirst         map[string]time.Time // first refused connect per peer
	// errnoPeerLast is each peer's last refused connect, backAt the first
	// answer (below 500) it gave after it: the peer came back.
	errnoPeerLast, backAt map[string]time.Time
	abruptPeerFirst       map[string]time.Time   // first premature close/reset per peer
	abruptTimes           map[string][]time.Time // the first few of them per peer
	samples, errSamples   []Sample
	sampleTimes           []time.Time // of samples, for narrowing them
	impact                impact
	rescan                bool // collect every event of the window again (narrow)
	errorLines            int  // KindErrorLog: upstream-fault entries counted
	lines                 []Line
}

func newTracker(kind Kind, root string, t time.Time, maxSamples int) *tracker {
	return &tracker{
		kind: kind, root: root, start: t, last: t, maxSamples: maxSamples,
		methods: map[string]int{}, chains: map[string]int{}, peers: map[string]int{},
		catPeers: map[logparse.Category]map[string]int{}, errnoPeerFirst: map[string]time.Time{}, abruptPeerFirst: map[string]time.Time{},
	}
}

// second returns the counts of at's second, nil past maxScanSecs; seconds
// before the first (a line slightly out of order) count in the first.
func (t *tracker) second(at time.Time) *secCount {
	if t.overflow {
		return nil
	}
	if t.secs == nil {
		t.base = t.start.Unix()
	}
	i := max(0, at.Unix()-t.base)
	if i >= maxScanSecs {
		t.overflow = true
		t.secs = nil
		return nil
	}
	for int64(len(t.secs)) <= i {
		t.secs = append(t.secs, secCount{})
	}
	return &t.secs[i]
}

// clientPair remembers whether more than one client was seen, by hash:
// enough for the impact floor without keeping every address.
type clientPair struct {
	first uint64
	seen  bool
	many  bool
}

func (p *clientPair) add(client []byte) {
	if p.many || len(client) == 0 {
		return
	}
	h := fnv64(client)
	switch {
	case !p.seen:
		p.first, p.seen = h, true
	case h != p.first:
		p.many = true
	}
}

func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// windowCounts are the final statuses of a group's requests in a window.
type windowCounts struct {
	requests, attempts, s502, s504, s5xx int
	// connTimed counts attempts with a connect time; connNew those that
	// took a millisecond or more to connect, which a reused keep-alive
	// connection never does.
	connTimed, connNew int
}

func (w *windowCounts) add(o windowCounts) {
	w.requests += o.requests
	w.attempts += o.attempts
	w.s502 += o.s502
	w.s504 += o.s504
	w.s5xx += o.s5xx
	w.connTimed += o.connTimed
	w.connNew += o.connNew
}

// addRequest counts any request to the group while the burst is open.
func (t *tracker) addRequest(rec *logparse.Record) {
	timed, fresh := 0, 0
	for i := range rec.Attempts {
		if c := rec.Attempts[i].Connect; c >= 0 {
			timed++
			if c > 0 {
				fresh++
			}
		}
	}
	t.tail.connTimed += timed
	t.tail.connNew += fresh
	if s := t.second(rec.Time); s != nil {
		s.connTimed += int32(timed)
		s.connNew += int32(fresh)
		s.req++
		s.attempts += int32(max(1, len(rec.Attempts)))
		switch {
		case rec.Status == 502:
			s.s502++
		case rec.Status == 504:
			s.s504++
		case rec.Status >= 500:
			s.s5xx++
		}
	}
	t.reqClients.add(rec.Client)
	if rec.Status > 0 && rec.Status < 499 && rec.Time.After(t.last) {
		t.succeeded = true
	}
	if len(t.errnoPeerLast) > 0 {
		t.noteBack(rec)
	}
	t.tail.requests++
	t.tail.attempts += max(1, len(rec.Attempts))
	switch {
	case rec.Status == 502:
		t.tail.s502++
	case rec.Status == 504:
		t.tail.s504++
	case rec.Status >= 500:
		t.tail.s5xx++
	}
}

// noteBack records the first answer of a refusing peer after its last
// refusal.
func (t *tracker) noteBack(rec *logparse.Record) {
	for i := range rec.Attempts {
		a := &rec.Attempts[i]
		if a.Status <= 0 || a.Status >= 500 {
			continue
		}
		last, refused := t.errnoPeerLast[string(a.Addr)]
		if !refused || !rec.Time.After(last) {
			continue
		}
		if _, back := t.backAt[string(a.Addr)]; !back {
			if t.backAt == nil {
				t.backAt = map[string]time.Time{}
			}
			t.backAt[string(a.Addr)] = rec.Time
		}
	}
}

// quietPassed reports whether the gap that closes the burst has passed by
// now: gap since the last bad response, with a request of the group
// answered in it. An error-log burst, which sees no requests, closes on
// the gap alone.
func (t *tracker) quietPassed(now time.Time, gap time.Duration) bool {
	return now.Sub(t.last) > gap && (t.succeeded || t.kind == KindErrorLog)
}

// addBad records a bad response of the tracker's kind.
func (t *tracker) addBad(rec *logparse.Record, pos Pos, joined int) {
	if rec.Time.Before(t.start) {
		t.start = rec.Time
	}
	if rec.Time.After(t.last) {
		t.last = rec.Time
	}
	t.bad++
	t.succeeded = false
	if s := t.second(rec.Time); s != nil {
		s.bad++
		if joined > 0 {
			s.joined++
		}
	}
	t.badClients.add(rec.Client)
	t.keepRecord(rec, pos)
	t.win.add(t.tail)
	t.tail = windowCounts{}
	if joined > 0 {
		t.joined++
	}
	sec := rec.Time.Unix()
	if sec != t.curSec {
		t.curSec, t.curCount = sec, 0
	}
	t.curCount++
	t.peak = max(t.peak, t.curCount)
	t.impact.add(rec)
	l := &t.badLog
	e := badEntry{sec: rec.Time.Unix(), chain: l.intern(chainOf(rec)), method: l.internBytes(rec.Method), peerOff: uint32(len(l.peers))}
	for i := range rec.Attempts {
		a := &rec.Attempts[i]
		if rec.Timed && a.Status == 502 && !a.IsGroupName() && !a.IsPlaceholder() {
			switch {
			case a.Connect < 0:
				e.neverConnected = inc(e.neverConnected)
			case a.Header < 0:
				e.noHeader = inc(e.noHeader)
			}
		}
		switch {
		case a.IsGroupName():
			e.groupNamed = inc(e.groupNamed)
			continue
		case a.IsPlaceholder():
			e.placeholder = inc(e.placeholder)
		}
		if len(a.Addr) == 0 || string(a.Addr) == "-" || e.peerN == 255 {
			continue
		}
		l.peers = append(l.peers, l.internBytes(a.Addr))
		e.peerN++
	}
	e.responseCs = noResponseTime
	if n := len(rec.Attempts); n > 0 {
		if a := &rec.Attempts[n-1]; a.Response >= 0 {
			e.responseCs = uint16(min(noResponseTime-1, a.Response/(10*time.Millisecond)))
		}
		if a := &rec.Attempts[n-1]; a.Status == 502 && !a.IsGroupName() && !a.IsPlaceholder() && len(a.Addr) > 0 && string(a.Addr) != "-" {
			e.last = lastPeer502
			if a.Connect >= 0 {
				e.last |= lastConnected
			}
			if a.Header >= 0 {
				e.last |= lastHeaded
			}
		}
	}
	t.count(&e)
	l.keep(e)
	if len(t.samples) < t.maxSamples {
		t.samples = append(t.samples, Sample{Source: pos.Source, Line: pos.Line, Text: logparse.CutBytes(rec.Line, logparse.MaxKeptText)})
		t.sampleTimes = append(t.sampleTimes, rec.Time)
	}
}

// narrowSamples keeps the samples of [from, to] and tops them up from the
// window's kept lines, so that a narrowed burst shows none of the bad
// responses the narrowing left out. Call after narrowLines.
func (t *tracker) narrowSamples(from, to time.Time) {
	kept, times := t.samples[:0], t.sampleTimes[:0]
	have := map[Pos]bool{}
	for i, s := range t.samples {
		if at := t.sampleTimes[i]; !at.Before(from) && !at.After(to) {
			kept, times = append(kept, s), append(times, at)
			have[Pos{Source: s.Source, Line: s.Line}] = true
		}
	}
	for _, l := range t.lines {
		if len(kept) >= t.maxSamples {
			break
		}
		if !l.Error && !have[Pos{Source: l.Source, Line: l.Num}] {
			kept, times = append(kept, Sample{Source: l.Source, Line: l.Num, Text: l.Text}), append(times, l.Time)
		}
	}
	t.samples, t.sampleTimes = kept, times
}

// inc adds one to a per-response count, which never needs more than a
// byte.
func inc(n uint8) uint8 {
	if n < 255 {
		n++
	}
	return n
}

// chainOf renders the request's upstream statuses the way nginx logs them,
// "500, 502" or "502 : 200"; "-" when nginx tried no upstream.
func chainOf(rec *logparse.Record) string {
	if len(rec.Attempts) == 0 {
		return "-"
	}
	var b strings.Builder
	for i := range rec.Attempts {
		a := &rec.Attempts[i]
		if i > 0 {
			if a.AfterRedirect {
				b.WriteString(" : ")
			} else {
				b.WriteString(", ")
			}
		}
		if a.Status == 0 {
			b.WriteByte('-')
		} else {
			b.WriteString(strconv.Itoa(a.Status))
		}
	}
	return b.String()
}

// release drops what a decided candidate holds; only its identity stays,
// for the events that point at it.
func (t *tracker) release() {
	t.methods, t.chains, t.peers, t.resolveNames, t.keepaliveWhy, t.lines = nil, nil, nil, nil, nil, nil
	t.hostNotAllowed, t.sslReasons, t.badLog = nil, nil, badLog{}
	t.protocols, t.socketErrnos = nil, nil
	t.catPeers, t.errnoPeerFirst, t.abruptPeerFirst, t.abruptTimes = nil, nil, nil, nil
	t.secs, t.samples, t.sampleTimes, t.errSamples = nil, nil, nil, nil
	t.impact = impact{}
}

// narrow restricts the tracker to [from, to] (the burst the scan found)
// and forgets what it knew of error events, for collectEvents to gather
// again only those of the window: a sporadic reset chained to the run must
// not make a refusal look like a crash.
func (t *tracker) narrow(from, to time.Time) {
	t.start, t.last = from, to
	if !t.badLog.full {
		t.recount(from.Unix(), to.Unix())
	}
	t.categories, t.preludeEvents = [logparse.NumCategories]int{}, [logparse.NumCategories]int{}
	t.preludeFirst = [logparse.NumCategories]time.Time{}
	t.catPeers = map[logparse.Category]map[string]int{}
	t.resolveNames, t.keepaliveWhy, t.abruptSending = nil, nil, 0
	t.hostNotAllowed, t.sslReasons, t.protocols, t.socketErrnos = nil, nil, nil, nil
	t.narrowLines(from, to)
	t.narrowSamples(from, to)
	t.errnoPeerFirst, t.abruptPeerFirst, t.abruptTimes = map[string]time.Time{}, map[string]time.Time{}, nil
	t.errnoPeerLast, t.backAt = nil, nil
	t.errSamples = nil
	t.rescan = true
}

// addJoined records an error event joined exactly to one of the burst's
// bad responses.
func (t *tracker) addJoined(se *storedEvent) {
	se.burst = t
	t.addEvent(se)
}

// addWindowed records an unjoined event of the burst's group and window.
func (t *tracker) addWindowed(se *storedEvent) {
	se.burst = t
	t.addEvent(se)
}

func (t *tracker) addEvent(se *storedEvent) {
	ev := &se.ev
	t.categories[ev.Category]++
	if t.example[ev.Category].Message == "" {
		// The first line of each category, for the causes to quote (a bad
		// header as nginx logged it, a real URL to try with curl).
		t.example[ev.Category] = diagnose.Example{Message: logparse.CutText(ev.Message, 300), Upstream: logparse.CutText(ev.Upstream, 300)}
	}
	if scheme, _, ok := strings.Cut(ev.Upstream, "://"); ok && ev.Category.UpstreamFault() && len(scheme) < 12 {
		if t.protocols == nil {
			t.protocols = map[string]int{}
		}
		if len(t.protocols) < 8 || t.protocols[scheme] > 0 {
			t.protocols[scheme]++
		}
	}
	peers := t.catPeers[ev.Category]
	if peers == nil {
		peers = map[string]int{}
		t.catPeers[ev.Category] = peers
	}
	if len(peers) < maxPeerKeys || peers[ev.Peer] > 0 {
		peers[ev.Peer]++
	}
	switch ev.Category {
	case logparse.CatKeepaliveFailure:
		if _, why, ok := strings.Cut(ev.Message, "failed to set keepalive: "); ok && (len(t.keepaliveWhy) < maxPeerKeys || t.keepaliveWhy[why] > 0) {
			if t.keepaliveWhy == nil {
				t.keepaliveWhy = map[string]int{}
			}
			t.keepaliveWhy[why]++
		}
	case logparse.CatSocketUnavailable:
		if t.socketErrnos == nil {
			t.socketErrnos = map[int]int{}
		}
		t.socketErrnos[ev.LinuxErrno()]++
	case logparse.CatSSLUpstream:
		if code, why, ok := logparse.SSLReason(ev.Message); ok {
			key := strconv.Itoa(code) + ":" + why
			if len(t.sslReasons) < maxPeerKeys || t.sslReasons[key] > 0 {
				if t.sslReasons == nil {
					t.sslReasons = map[string]int{}
				}
				t.sslReasons[key]++
			}
		}
	case logparse.CatLuaBalancer:
		if name := logparse.HostNotAllowed(ev.Message); name != "" && (len(t.hostNotAllowed) < maxPeerKeys || t.hostNotAllowed[name] > 0) {
			if t.hostNotAllowed == nil {
				t.hostNotAllowed = map[string]int{}
			}
			t.hostNotAllowed[name]++
		}
	case logparse.CatResolver:
		if name := logparse.ResolveTarget(ev.Message); name != "" && (len(t.resolveNames) < maxPeerKeys || t.resolveNames[name] > 0) {
			if t.resolveNames == nil {
				t.resolveNames = map[string]int{}
			}
			t.resolveNames[name]++
		}
	case logparse.CatConnectRefused:
		if first, ok := t.errnoPeerFirst[ev.Peer]; !ok || ev.Time.Before(first) {
			t.errnoPeerFirst[ev.Peer] = ev.Time
		}
		if last, ok := t.errnoPeerLast[ev.Peer]; !ok || ev.Time.After(last) {
			if t.errnoPeerLast == nil {
				t.errnoPeerLast = map[string]time.Time{}
			}
			t.errnoPeerLast[ev.Peer] = ev.Time
			delete(t.backAt, ev.Peer) // refusing again: not back yet
		}
	case logparse.CatPrematureClose, logparse.CatConnReset, logparse.CatBrokenPipe:
		if strings.Contains(ev.Phase, "sending request") {
			t.abruptSending++
		}
		if ev.Category == logparse.CatBrokenPipe {
			break
		}
		if first, ok := t.abruptPeerFirst[ev.Peer]; !ok || ev.Time.Before(first) {
			t.abruptPeerFirst[ev.Peer] = ev.Time
		}
		if t.abruptTimes == nil {
			t.abruptTimes = map[string][]time.Time{}
		}
		if ts := t.abruptTimes[ev.Peer]; len(ts) < maxAbruptTimes {
			t.abruptTimes[ev.Peer] = append(ts, ev.Time)
		}
	}
	t.keepEvent(se)
	if ev.Category.UpstreamFault() && len(t.errSamples) < t.maxSamples {
		t.errSamples = append(t.errSamples, Sample{Source: se.pos.Source, Line: se.pos.Line, Text: ev.Line})
	}
}

// merge folds another tracker of the same kind into t.
func (t *tracker) merge(o *tracker) {
	if o.start.Before(t.start) {
		t.start = o.start
	}
	if o.last.After(t.last) {
		t.last = o.last
	}
	t.bad += o.bad
	t.win.add(o.win)
	t.tail.add(o.tail)
	t.peak = max(t.peak, o.peak)
	t.groupNamed += o.groupNamed
	t.placeholder += o.placeholder
	t.neverConnected += o.neverConnected
	t.noHeader += o.noHeader
	t.peer502 += o.peer502
	t.connected502 += o.connected502
	t.headed502 += o.headed502
	if o.responseTimed > 0 {
		if t.responseTimed == 0 || o.responseMin < t.responseMin {
			t.responseMin = o.responseMin
		}
		t.responseMax = max(t.responseMax, o.responseMax)
		t.responseTimed += o.responseTimed
	}
	t.joined += o.joined
	t.abruptSending += o.abruptSending
	for _, l := range o.lines {
		t.keepLine(l)
	}
	for k, v := range o.methods {
		t.methods[k] += v
	}
	t.impact.merge(&o.impact)
	t.badLog.merge(&o.badLog)
	for k, v := range o.chains {
		t.chains[k] += v
	}
	for k, v := range o.peers {
		t.peers[k] += v
	}
	for i := range o.categories {
		t.categories[i] += o.categories[i]
	}
	t.preludeFailures.attempts5xx += o.preludeFailures.attempts5xx
	t.preludeFailures.attempts500 += o.preludeFailures.attempts500
	for i, s := range o.samples {
		if len(t.samples) < t.maxSamples {
			t.samples = append(t.samples, s)
			t.sampleTimes = append(t.sampleTimes, o.sampleTimes[i])
		}
	}
}

// burst renders the tracker as a Burst (causes are added by the caller).
func (t *tracker) burst(id int, g *groups) Burst {
	return Burst{
		ID: id, Serial: t.serial, Node: t.node, Kind: t.kind, Group: g.label(t.root), Start: t.start, End: t.last,
		Requests: t.win.requests, BadGateway: t.win.s502, GatewayTimeout: t.win.s504, Other5xx: t.win.s5xx,
		Peak: t.peak, Attempts: t.win.attempts, ConnectTimed: t.win.connTimed, ConnectNew: t.win.connNew,
		Chains: topCounts(t.chains), Peers: topCounts(t.peers),
		GroupNamed: t.groupNamed, Placeholder: t.placeholder, Joined: t.joined, ErrorLines: t.errorLines,
		Samples: append([]Sample(nil), t.samples...), Lines: t.sortedLines(),
		Impact: t.impact.counts(t.methods),
	}
}

func (t *tracker) categoryCounts() []Count {
	m := map[string]int{}
	for c, n := range t.categories {
		if n > 0 {
			m[logparse.Category(c).String()] = n
		}
	}
	return topCounts(m)
}

func (t *tracker) errorSamples() []Sample {
	out := append([]Sample(nil), t.errSamples...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].Line < out[j].Line
	})
	return out
}

// peersOf lists the peers that logged events of the category, most first.
func (t *tracker) peersOf(cat logparse.Category) []Count {
	return topCounts(t.catPeers[cat])
}

// topCounts sorts a histogram, most frequent first, ties by key.
func topCounts(m map[string]int) []Count { return diagnose.TopCounts(m) }

// Impact is who a burst hit: how many clients, which URLs (paths, without
// the query), hosts and user agents, and with which methods.
type Impact struct {
	Clients     int  // distinct clients among the bad responses
	ClientsMore bool // more than maxImpactClients: Clients is a floor
	Methods     []Count
	URLs        []Count
	Hosts       []Count
	UserAgents  []Count
	TopClients  []Count
}

// Bounds on what a burst keeps of its impact.
const (
	maxImpactClients = 10000
	maxImpactKeys    = 256
	maxImpactText    = 120
	impactTop        = 5
)

type impact struct {
	clients               map[uint64]struct{}
	clientsMore           bool
	urls, hosts, uas, ips map[string]int
	scratch               []byte
}

func (m *impact) add(rec *logparse.Record) {
	if m.clients == nil {
		m.clients = map[uint64]struct{}{}
		m.urls, m.hosts, m.uas, m.ips = map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	}
	if len(rec.Client) > 0 {
		if len(m.clients) < maxImpactClients {
			m.clients[fnv64(rec.Client)] = struct{}{}
		} else if _, ok := m.clients[fnv64(rec.Client)]; !ok {
			m.clientsMore = true
		}
		countKey(m.ips, rec.Client)
	}
	countKey(m.urls, m.urlShape(rec.URI))
	countKey(m.hosts, rec.Host)
	countKey(m.uas, rec.UserAgent)
}

// urlShape is the URI's path with its identifiers starred (a segment of
// digits, or of 8 or more hex digits and dashes, as in UUIDs), so that
// /api/items/17 and /api/items/18 count as one URL.
func (m *impact) urlShape(uri []byte) []byte {
	if q := bytes.IndexByte(uri, '?'); q >= 0 {
		uri = uri[:q]
	}
	out := m.scratch[:0]
	for len(uri) > 0 {
		seg := uri
		if i := bytes.IndexByte(uri[1:], '/'); i >= 0 {
			seg = uri[:i+1]
		}
		uri = uri[len(seg):]
		body := bytes.TrimPrefix(seg, []byte("/"))
		if isIdentifier(body) {
			out = append(out, "/*"...)
		} else {
			out = append(out, seg...)
		}
	}
	m.scratch = out
	return out
}

func isIdentifier(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	digits, hex := true, len(s) >= 8
	for _, c := range s {
		digits = digits && c >= '0' && c <= '9'
		hex = hex && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-')
	}
	return digits || hex
}

// countKey counts v under a bounded, cut key: log content is hostile.
func countKey(m map[string]int, v []byte) {
	if len(v) == 0 || len(v) == 1 && v[0] == '-' {
		return
	}
	if len(v) > maxImpactText {
		v = v[:maxImpactText]
	}
	if n, ok := m[string(v)]; ok {
		m[string(v)] = n + 1
	} else if len(m) < maxImpactKeys {
		m[string(v)] = 1
	}
}

func (m *impact) merge(o *impact) {
	if o.clients == nil {
		return
	}
	if m.clients == nil {
		*m = *o
		return
	}
	for h := range o.clients {
		if len(m.clients) < maxImpactClients {
			m.clients[h] = struct{}{}
		}
	}
	m.clientsMore = m.clientsMore || o.clientsMore
	for dst, src := range map[*map[string]int]map[string]int{&m.urls: o.urls, &m.hosts: o.hosts, &m.uas: o.uas, &m.ips: o.ips} {
		for k, v := range src {
			if _, ok := (*dst)[k]; ok || len(*dst) < maxImpactKeys {
				(*dst)[k] += v
			}
		}
	}
}

func (m *impact) counts(methods map[string]int) Impact {
	named := map[string]int{}
	for k, v := range methods {
		if k != "" {
			named[k] = v
		}
	}
	methods = named
	return Impact{
		Clients: len(m.clients), ClientsMore: m.clientsMore, Methods: topCounts(methods),
		URLs: top(topCounts(m.urls)), Hosts: top(topCounts(m.hosts)), UserAgents: top(topCounts(m.uas)), TopClients: top(topCounts(m.ips)),
	}
}

func top(c []Count) []Count {
	if len(c) > impactTop {
		return c[:impactTop]
	}
	return c
}
