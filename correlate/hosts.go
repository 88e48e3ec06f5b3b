package correlate

import (
	"sort"
	"time"
)

// markHosts says, for each burst of a run over several hosts, which hosts
// had a burst of the same group and kind at the same time (within slack:
// the hosts' clocks may differ): all of them points at what they share (the upstream, its
// backend), one alone at that nginx (its workers, descriptors, ports,
// network, its copy of the configuration).
func markHosts(bursts []Burst, hosts int, slack time.Duration) {
	if hosts == 0 {
		return
	}
	for i := range bursts {
		b := &bursts[i]
		if b.Node == "" {
			continue
		}
		b.Hosts = hosts
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
