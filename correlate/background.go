package correlate

import (
	"fmt"
	"sort"
	"time"

	"github.com/badgw/badgw/logparse"
)

// What is not a burst is still reported: the background of sporadic 502s
// per group, per hour and per peer, with the error categories behind them.
// Often the background is the finding (a keep-alive race at 0.2 % is a
// real defect), and it is what the burst test compares bursts with.

// hourBackground is one hour of a group.
type hourBackground struct {
	requests   int
	sporadic   int // 502s outside bursts
	categories [logparse.NumCategories]int
	peers      map[string]int // peers that answered the sporadic 502s
}

// maxBackgroundPeers bounds the peers kept per hour.
const maxBackgroundPeers = 32

// hourOf returns the background of sec's hour, creating it; consecutive
// records mostly share their hour.
func (g *groupState) hourOf(sec int64) *hourBackground {
	h := sec - sec%3600
	if g.curHour == h && g.cur != nil {
		return g.cur
	}
	if g.hours == nil {
		g.hours = map[int64]*hourBackground{}
	}
	hb := g.hours[h]
	if hb == nil {
		hb = &hourBackground{}
		g.hours[h] = hb
	}
	g.curHour, g.cur = h, hb
	return hb
}

// addSporadic counts a candidate's bad responses that were not a burst;
// a candidate that was not a burst at all also gives its categories and
// peers (a burst's are its own).
func (g *groupState) addSporadic(tr *tracker, bad int, whole bool) {
	if bad <= 0 {
		return
	}
	h := g.hourOf(tr.start.Unix())
	h.sporadic += bad
	if !whole {
		return
	}
	for c, n := range tr.categories {
		h.categories[c] += n
	}
	if h.peers == nil {
		h.peers = map[string]int{}
	}
	for p, n := range tr.peers {
		if len(h.peers) < maxBackgroundPeers || h.peers[p] > 0 {
			h.peers[p] += n
		}
	}
}

// Background is one group's sporadic 502s: those outside every burst.
type Background struct {
	Group       string
	Requests    int
	Sporadic502 int
	Categories  []Count // error categories joined to them, most first
	Peers       []PeerBackground
	Hours       []HourBackground // in time order
}

// PeerBackground is a peer's share of the sporadic 502s.
type PeerBackground struct {
	Peer        string
	Requests    int // answers the peer gave (its own status in $upstream_status)
	Sporadic502 int
}

// HourBackground is one hour of a group's background.
type HourBackground struct {
	Start       time.Time
	Requests    int
	Sporadic502 int
}

// Share is the share of the group's requests that got a sporadic 502.
func (b Background) Share() float64 {
	if b.Requests == 0 {
		return 0
	}
	return float64(b.Sporadic502) / float64(b.Requests)
}

// Pattern says how the sporadic share behaves over the hours: "steady"
// when the hourly counts are within what chance gives (a dispersion test:
// the hours' chi-square below twice its degrees of freedom), otherwise
// rising, falling, or highest at some hour. Fewer than three hours with
// traffic say nothing.
func (b Background) Pattern() string {
	var hs []HourBackground
	for _, h := range b.Hours {
		if h.Requests >= 100 {
			hs = append(hs, h)
		}
	}
	if len(hs) < 3 || b.Sporadic502 == 0 {
		return ""
	}
	share := b.Share()
	chi := 0.0
	for _, h := range hs {
		exp := share * float64(h.Requests)
		d := float64(h.Sporadic502) - exp
		chi += d * d / max(exp, 0.5)
	}
	if chi < 2*float64(len(hs)-1) {
		return "steady"
	}
	third := len(hs) / 3
	first, last := sumShare(hs[:third]), sumShare(hs[len(hs)-third:])
	switch {
	case last > 2*first:
		return fmt.Sprintf("rising (%.2f%% in the first hours, %.2f%% in the last)", 100*first, 100*last)
	case first > 2*last:
		return fmt.Sprintf("falling (%.2f%% in the first hours, %.2f%% in the last)", 100*first, 100*last)
	}
	peak := hs[0]
	for _, h := range hs {
		if float64(h.Sporadic502)/float64(h.Requests) > float64(peak.Sporadic502)/float64(peak.Requests) {
			peak = h
		}
	}
	return fmt.Sprintf("uneven, highest at %s (%.2f%%)", peak.Start.Format("2006-01-02 15:00"), 100*float64(peak.Sporadic502)/float64(peak.Requests))
}

func sumShare(hs []HourBackground) float64 {
	req, bad := 0, 0
	for _, h := range hs {
		req += h.Requests
		bad += h.Sporadic502
	}
	if req == 0 {
		return 0
	}
	return float64(bad) / float64(req)
}

// backgrounds renders every group's background for a snapshot.
func (c *Correlator) backgrounds(loc *time.Location) []Background {
	var out []Background
	for root, g := range c.byGroup {
		b := Background{Group: c.groups.label(root)}
		cats := map[string]int{}
		peers := map[string]int{}
		for start, h := range g.hours {
			b.Requests += h.requests
			b.Sporadic502 += h.sporadic
			b.Hours = append(b.Hours, HourBackground{Start: time.Unix(start, 0).In(loc), Requests: h.requests, Sporadic502: h.sporadic})
			for cat, n := range h.categories {
				if n > 0 {
					cats[logparse.Category(cat).String()] += n
				}
			}
			for p, n := range h.peers {
				peers[p] += n
			}
		}
		if b.Requests == 0 {
			continue
		}
		sort.Slice(b.Hours, func(i, j int) bool { return b.Hours[i].Start.Before(b.Hours[j].Start) })
		b.Categories = topCounts(cats)
		for _, p := range topCounts(peers) {
			pb := PeerBackground{Peer: p.Key, Sporadic502: p.N}
			if s := c.byPeer[p.Key]; s != nil {
				pb.Requests = s.Total()
			}
			b.Peers = append(b.Peers, pb)
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out
}
