package tui

import (
	"testing"

	"github.com/badgw/badgw/correlate"
)

// TestFilterByHost: "/" finds the bursts of one host in a run over
// several.
func TestFilterByHost(t *testing.T) {
	b := correlate.Burst{Group: "api", Node: "web-2"}
	if !burstMatches(b, "web-2") || burstMatches(b, "web-3") {
		t.Error("the host filter")
	}
}
