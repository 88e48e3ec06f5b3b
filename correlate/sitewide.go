package correlate

import (
	"sort"
	"time"
)

// SiteIncident links the bursts of several upstream groups that fail in
// the same seconds. When many groups fail together the cause is often
// nginx itself (worker connections, descriptors) or the network between it
// and the backends, not one backend.
type SiteIncident struct {
	Start, End time.Time
	Bursts     []int    // burst IDs, by start
	Groups     []string // their groups
}

// siteSlack lets bursts that start or end a moment apart count as together.
const siteSlack = 2 * time.Second

// siteIncidents clusters 502 bursts whose windows overlap (within
// siteSlack) and returns the clusters spanning two or more groups.
func siteIncidents(bursts []Burst) []SiteIncident {
	var bs []Burst
	for _, b := range bursts {
		if b.Kind == Kind502 && !b.Open {
			bs = append(bs, b)
		}
	}
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].Start.Before(bs[j].Start) })
	var out []SiteIncident
	var cur []Burst
	var end time.Time
	flush := func() {
		groups := map[string]bool{}
		for _, b := range cur {
			groups[b.Group] = true
		}
		if len(groups) >= 2 {
			si := SiteIncident{Start: cur[0].Start, End: end}
			for _, b := range cur {
				si.Bursts = append(si.Bursts, b.ID)
				si.Groups = append(si.Groups, b.Group)
			}
			out = append(out, si)
		}
		cur = nil
	}
	for _, b := range bs {
		if len(cur) > 0 && b.Start.After(end.Add(siteSlack)) {
			flush()
		}
		if len(cur) == 0 || b.End.After(end) {
			end = b.End
		}
		cur = append(cur, b)
	}
	if len(cur) > 0 {
		flush()
	}
	return out
}
