package memlimit

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestLimitFollowsTheLiveHeap: the limit starts at Soft and, once the live
// heap passes three quarters of it, rises to a third more than the live
// heap, so a large analysis is never collected back to back, and comes back
// down when the heap does; stop puts the old limit back.
func TestLimitFollowsTheLiveHeap(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	stop := Start()
	if got := debug.SetMemoryLimit(-1); got != Soft {
		t.Fatalf("limit %d, want %d", got, Soft)
	}
	live := make([][]byte, 0, 64)
	for range 64 {
		live = append(live, make([]byte, 1<<20))
	}
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) <= Soft && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(2 * every)
	}
	if got := debug.SetMemoryLimit(-1); got < 64<<20+64<<20/3 {
		t.Errorf("with 64 MiB live the limit is %d, want at least a third more", got)
	}
	runtime.KeepAlive(live)
	live = nil
	deadline = time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) > Soft && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(2 * every)
	}
	if got := debug.SetMemoryLimit(-1); got != Soft {
		t.Errorf("with the heap freed the limit is %d, want %d", got, Soft)
	}
	stop()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("after stop the limit is %d, want %d", got, before)
	}
}

// TestUserLimitWins: with GOMEMLIMIT set, Start changes nothing.
func TestUserLimitWins(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "1GiB")
	before := debug.SetMemoryLimit(-1)
	stop := Start()
	defer stop()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit %d with GOMEMLIMIT set, want %d", got, before)
	}
}
