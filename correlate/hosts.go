package correlate

import (
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
func markHosts(bursts []Burst, hosts map[string]int, all int, slack time.Duration) {
	if len(hosts) == 0 {
		return
	}
	for i := range bursts {
		b := &bursts[i]
		if b.Node == "" {
			continue
		}
		b.Hosts = hosts[b.Group]
		if b.Kind == KindNginx {
			b.Hosts = all
		}
		seen := map[string]bool{}
		for j := range bursts {
			o := &bursts[j]
			if o.Node == "" || o.Group != b.Group || o.Kind != b.Kind {
				continue
			}
			if !o.Start.After(b.End.Add(slack)) && !b.Start.After(o.End.Add(slack)) && !seen[o.Node] {
				seen[o.Node] = true
				b.AtOnce = append(b.AtOnce, o.Node)
			}
		}
		sort.Strings(b.AtOnce)
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
