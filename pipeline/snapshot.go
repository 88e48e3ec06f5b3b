package pipeline

import "github.com/badgw/badgw/correlate"

// Snapshot is the correlator's analysis together with what the run read:
// the one value the report writers and the interface receive.
type Snapshot struct {
	correlate.Snapshot
	Ingest IngestStats
}
