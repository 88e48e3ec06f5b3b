package words

import (
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{1, "burst", "1 burst"}, {2, "burst", "2 bursts"}, {0, "file", "0 files"},
		{1, "refusal", "1 refusal"}, {3, "refusal", "3 refusals"}, {2, "process", "2 processes"},
		{2, "entry|entries", "2 entries"}, {1, "entry|entries", "1 entry"},
	} {
		if got := Count(tc.n, tc.noun); got != tc.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 5 * time.Minute: "5m", 90 * time.Second: "1m30s", 1500 * time.Millisecond: "1.5s",
		10 * time.Second: "10s", 250 * time.Millisecond: "250ms", 26*time.Hour + 3*time.Second: "26h3s", 0: "0s",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestOf(t *testing.T) {
	for _, tt := range []struct {
		n, total int
		want     string
	}{{14, 14, "all 14 were"}, {1, 1, "it was"}, {1, 5, "1 of the 5 was"}, {9, 14, "9 of the 14 were"}} {
		if got := Of(tt.n, tt.total); got != tt.want {
			t.Errorf("Of(%d, %d) = %q, want %q", tt.n, tt.total, got, tt.want)
		}
	}
}
