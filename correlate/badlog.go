package correlate

// badLog keeps what each bad response added to a candidate's per-response
// counts (chains, methods, peers, how its attempts failed), so that a
// burst narrowed to its window counts again only the responses inside it.
// Keys are interned: an entry is some 24 bytes, and a response whose
// chain, method and peers were seen before allocates nothing.
type badLog struct {
	entries []badEntry
	peers   []uint16 // the entries' peer keys, each entry's in a run
	keys    []string
	ids     map[string]uint16
	// full: past maxBadLog entries a narrowed burst keeps the counts of
	// the whole candidate, whose edges the narrowing trimmed.
	full bool
}

// badEntry is one bad response's share; keys are 1-based indexes into
// keys, 0 for a key past what the log interns.
type badEntry struct {
	sec                                               int64
	chain, method                                     uint16
	peerOff                                           uint32
	peerN                                             uint8
	groupNamed, placeholder, neverConnected, noHeader uint8
	// last holds lastPeer502, lastConnected and lastHeaded: the last
	// attempt was a peer's 502, with a connect time, with a header time
	// (one byte, so an entry stays 24 bytes).
	last uint8
	// responseCs is the last attempt's $upstream_response_time in
	// hundredths of a second, noResponseTime when not logged.
	responseCs uint16
}

// Bits of badEntry.last.
const (
	lastPeer502 = 1 << iota
	lastConnected
	lastHeaded
)

// noResponseTime marks a bad response without an upstream response time.
const noResponseTime = 1<<16 - 1

// maxBadLog bounds the entries kept per candidate (some 2.5 MB).
const maxBadLog = 100_000

// maxBadKeys bounds the distinct keys interned; the counts themselves
// keep far fewer (maxChains, maxPeerKeys, 16 methods).
const maxBadKeys = 1<<16 - 1

// intern returns the key's index, adding it when new.
func (l *badLog) intern(s string) uint16 {
	if id, ok := l.ids[s]; ok {
		return id
	}
	return l.add(s)
}

// internBytes is intern for a key still in a read buffer: only a new key
// is copied.
func (l *badLog) internBytes(b []byte) uint16 {
	if id, ok := l.ids[string(b)]; ok {
		return id
	}
	return l.add(string(b))
}

func (l *badLog) add(s string) uint16 {
	if len(l.keys) >= maxBadKeys {
		return 0
	}
	if l.ids == nil {
		l.ids = map[string]uint16{}
	}
	l.keys = append(l.keys, s)
	id := uint16(len(l.keys))
	l.ids[s] = id
	return id
}

// key returns an interned key; ok is false for 0.
func (l *badLog) key(id uint16) (string, bool) {
	if id == 0 {
		return "", false
	}
	return l.keys[id-1], true
}

// peerIDs are an entry's peer keys.
func (l *badLog) peerIDs(e *badEntry) []uint16 {
	return l.peers[e.peerOff : e.peerOff+uint32(e.peerN)]
}

// keep stores an entry whose peers were appended last; past maxBadLog
// they are dropped again and the log is full.
func (l *badLog) keep(e badEntry) {
	if len(l.entries) >= maxBadLog {
		l.full = true
		l.peers = l.peers[:e.peerOff]
		return
	}
	l.entries = append(l.entries, e)
}

// merge appends another candidate's entries, its keys interned here.
func (l *badLog) merge(o *badLog) {
	if l.full = l.full || o.full || len(l.entries)+len(o.entries) > maxBadLog; l.full {
		return
	}
	remap := func(id uint16) uint16 {
		if k, ok := o.key(id); ok {
			return l.intern(k)
		}
		return 0
	}
	for i := range o.entries {
		e := o.entries[i]
		ids := o.peerIDs(&e)
		e.chain, e.method, e.peerOff = remap(e.chain), remap(e.method), uint32(len(l.peers))
		for _, id := range ids {
			l.peers = append(l.peers, remap(id))
		}
		l.entries = append(l.entries, e)
	}
}

// count adds a bad response's entry to the tracker's counts.
func (t *tracker) count(e *badEntry) {
	if m, ok := t.badLog.key(e.method); ok && (len(t.methods) < 16 || t.methods[m] > 0) {
		t.methods[m]++
	}
	if c, ok := t.badLog.key(e.chain); ok && (len(t.chains) < maxChains || t.chains[c] > 0) {
		t.chains[c]++
	}
	for _, id := range t.badLog.peerIDs(e) {
		if p, ok := t.badLog.key(id); ok && (len(t.peers) < maxPeerKeys || t.peers[p] > 0) {
			t.peers[p]++
		}
	}
	t.groupNamed += int(e.groupNamed)
	t.placeholder += int(e.placeholder)
	t.neverConnected += int(e.neverConnected)
	t.noHeader += int(e.noHeader)
	if e.last&lastPeer502 != 0 {
		t.peer502++
	}
	if e.last&lastConnected != 0 {
		t.connected502++
	}
	if e.last&lastHeaded != 0 {
		t.headed502++
	}
	if e.responseCs != noResponseTime {
		if t.responseTimed == 0 || e.responseCs < t.responseMin {
			t.responseMin = e.responseCs
		}
		t.responseMax = max(t.responseMax, e.responseCs)
		t.responseTimed++
	}
}

// recount counts again the bad responses of the seconds [from, to] only.
func (t *tracker) recount(from, to int64) {
	t.methods, t.chains, t.peers = map[string]int{}, map[string]int{}, map[string]int{}
	t.groupNamed, t.placeholder, t.neverConnected, t.noHeader = 0, 0, 0, 0
	t.peer502, t.connected502, t.headed502 = 0, 0, 0
	t.responseTimed, t.responseMin, t.responseMax = 0, 0, 0
	for i := range t.badLog.entries {
		if e := &t.badLog.entries[i]; e.sec >= from && e.sec <= to {
			t.count(e)
		}
	}
}
