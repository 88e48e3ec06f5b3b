package pipeline_test

import (
	"path/filepath"
	"testing"

	"github.com/badgw/badgw/fixtures/fixturetest"
)

// TestRecordedLinesAreInOrder: nginx wrote every recorded fixture in
// order, so none of its lines is out of order, and every 502 of a burst
// whose error lines nginx wrote is joined to one. In the rotated days
// fixtures each error log holds a day's spikes: a first day of 60 lines
// followed by a day of 209 was taken for a displaced block, its lines
// kept out of the analysis and its bursts explained as "unknown" (seven
// of days-rise's fifteen, six of days-churn's ten).
func TestRecordedLinesAreInOrder(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(fixturetest.Dir("peer-refused"), "..", "*", "nginx.conf"))
	for _, conf := range dirs {
		dir := filepath.Dir(conf)
		snap := fixturetest.Analyse(t, dir)
		for _, f := range snap.Ingest.Files {
			if f.OutOfOrder > 0 {
				t.Errorf("%s: %d lines out of order", f.Path, f.OutOfOrder)
			}
		}
		switch filepath.Base(dir) {
		case "days-churn", "days-rise", "days-flat":
			for _, b := range snap.BadGatewayBursts() {
				if b.Joined != b.Bad() || b.TopCause() == nil || b.TopCause().ID == "unknown" {
					t.Errorf("%s burst #%d at %s: %d of %d joined, top cause %v", filepath.Base(dir), b.ID, b.Start, b.Joined, b.Bad(), b.TopCause())
				}
			}
		}
	}
}
