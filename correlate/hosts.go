package correlate

import (
	"slices"
	"sort"
	"time"
)

// markHosts says, for each burst of a run over several hosts, which hosts
// had a burst of the same group and kind at the same time (within slack:
// the hosts' clocks may differ), of the hosts that sent requests to the
// group (hosts, by group label): all of them points at what they share
// (the upstream, its backend), one alone at that nginx (its workers,
// descriptors, ports, network, its copy of the configuration). nginx's
// own errors concern no upstream but nginx itself, which every host runs:
// their episodes count all the hosts read (all).
//
// Bursts of one group and kind are looked at in start order, so that each
// burst reads only those that start within slack plus the group's longest
// burst of its own: a run of months with thousands of bursts on one
// group costs their number times a few, not its square, in every
// snapshot.
func markHosts(bursts []Burst, hosts map[string]int, all int, slack time.Duration) {
	if len(hosts) == 0 {
		return
	}
	type groupKind struct {
		group string
		kind  Kind
	}
	lists := map[groupKind][]int{}
	for i := range bursts {
		b := &bursts[i]
		if b.Node == "" {
			continue
		}
		b.Hosts = hosts[b.Group]
		if b.Kind == KindNginx {
			b.Hosts = all
		}
		k := groupKind{b.Group, b.Kind}
		lists[k] = append(lists[k], i)
	}
	for _, list := range lists {
		sort.SliceStable(list, func(x, y int) bool { return bursts[list[x]].Start.Before(bursts[list[y]].Start) })
		longest := time.Duration(0)
		for _, i := range list {
			longest = max(longest, bursts[i].End.Sub(bursts[i].Start))
		}
		for _, i := range list {
			b := &bursts[i]
			// o overlaps b (within slack) when o.Start <= b.End+slack and
			// o.End >= b.Start-slack, and o.End <= o.Start+longest.
			from := sort.Search(len(list), func(x int) bool { return !bursts[list[x]].Start.Before(b.Start.Add(-slack - longest)) })
			for _, j := range list[from:] {
				o := &bursts[j]
				if o.Start.After(b.End.Add(slack)) {
					break
				}
				if !b.Start.After(o.End.Add(slack)) && !slices.Contains(b.AtOnce, o.Node) {
					b.AtOnce = append(b.AtOnce, o.Node)
				}
			}
			sort.Strings(b.AtOnce)
		}
	}
}

// maxNodesPerGroup bounds the hosts counted per group.
const maxNodesPerGroup = 1024

// seeNode notes that node sent a request to the group root.
func (c *Correlator) seeNode(root, node string) {
	if !c.nodes[node] {
		c.nodes[node] = true
	}
	g := c.groupNodes[root]
	if g == nil {
		g = map[string]bool{}
		c.groupNodes[root] = g
	}
	if !g[node] && len(g) < maxNodesPerGroup {
		g[node] = true
	}
}

// hostsByGroup is how many hosts sent requests to each group, by label.
func (c *Correlator) hostsByGroup() map[string]int {
	if len(c.nodes) == 0 {
		return nil
	}
	byLabel := map[string]map[string]bool{}
	for root, nodes := range c.groupNodes {
		l := c.groups.label(root)
		if byLabel[l] == nil {
			byLabel[l] = map[string]bool{}
		}
		for n := range nodes {
			byLabel[l][n] = true
		}
	}
	out := make(map[string]int, len(byLabel))
	for l, nodes := range byLabel {
		out[l] = len(nodes)
	}
	return out
}

// sameHost says an error line of host evNode may explain a request on
// node: the same host, or a line whose host is unknown while the run has
// seen one host only (a log_format with $hostname beside an error.log that
// names none). With several, an error line of no known host explains
// nothing: error.log of host A never explains a 502 on host B.
func (c *Correlator) sameHost(evNode, node string) bool {
	return evNode == node || evNode == "" && len(c.nodes) == 1
}
