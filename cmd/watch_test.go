package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/follow"
)

// TestWatchAcrossARotationAndARestart replays a recorded incident into an
// access log and an error log second by second, as nginx writes them,
// while badgw watch follows them; halfway through, the access log is
// rotated as logrotate's "create" does (renamed, nginx writes a second more
// into the old file, then into a new one). Each 502 burst reaches
// --on-burst with the joins of the offline analysis of the same lines;
// stopped, watch saves the files' ends; started again from that state, it
// reads no line twice.
func TestWatchAcrossARotationAndARestart(t *testing.T) {
	conf, acc, errs := recordedIncident(t)

	dir := t.TempDir()
	accPath, errPath := filepath.Join(dir, "access.log"), filepath.Join(dir, "error.log")
	state, hooks := filepath.Join(dir, "state"), filepath.Join(dir, "bursts.jsonl")
	for _, p := range []string{accPath, errPath} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	watch := func(ctx context.Context) (chan int, *bytes.Buffer) {
		streams, _, out, _ := TestStreams()
		done := make(chan int, 1)
		go func() {
			done <- Execute(ctx, streams, []string{"watch", "--nginx-conf", conf, "--poll", "20ms", "--state", state, "--from-start",
				"--on-burst", `if [ "$BADGW_EVENT" = resolve ]; then cat >> ` + hooks + `; else cat > /dev/null; fi`, accPath, errPath})
		}()
		return done, out
	}
	ctx, stop := context.WithCancel(context.Background())
	done, out := watch(ctx)

	af, _ := os.OpenFile(accPath, os.O_WRONLY|os.O_APPEND, 0)
	ef, _ := os.OpenFile(errPath, os.O_WRONLY|os.O_APPEND, 0)
	rotated, reopened := false, false
	replayBySecond(acc, errs, func(l string) {
		if rotated && !reopened {
			// nginx reopens its logs a second after the rename.
			af.Close()
			af, _ = os.OpenFile(accPath, os.O_WRONLY|os.O_APPEND, 0)
			reopened = true
		}
		af.WriteString(l)
	}, func(l string) { ef.WriteString(l) }, func(written int) {
		if !rotated && written > len(acc)/2 && written < len(acc) {
			// logrotate renames and creates; nginx still writes into the
			// old file until it reopens.
			if err := os.Rename(accPath, accPath+".1"); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(accPath, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			rotated = true
		}
	})
	af.Close()
	ef.Close()
	time.Sleep(1500 * time.Millisecond)
	stop()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("watch: code %d\n%s", code, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not stop when its context ended")
	}

	// The joins of each 502 burst given to --on-burst, against the offline
	// analysis of the same lines.
	var live []string
	for _, line := range readLines(t, hooks) {
		var b struct {
			Start      string  `json:"start"`
			BadGateway int     `json:"bad_gateway"`
			JoinRate   float64 `json:"join_rate"`
		}
		if err := json.Unmarshal([]byte(line), &b); err != nil {
			t.Fatalf("--on-burst got %q: %v", line, err)
		}
		live = append(live, fmt.Sprintf("%s %.3f of %d", b.Start, b.JoinRate, b.BadGateway))
	}
	_, offOut, _ := run(t, nil, "analyze", "--nginx-conf", conf, "--json", "-", accPath+".1", accPath, errPath)
	if offline := joins(t, offOut); len(live) == 0 || strings.Join(live, ";") != strings.Join(offline, ";") {
		t.Errorf("bursts watched %v, offline %v", live, offline)
	}

	// The state holds each file's end; a restart reads nothing again.
	st, err := follow.LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{accPath, errPath} {
		fi, _ := os.Stat(p)
		if pos := st.Of(p); pos == nil || pos.Offset != fi.Size() {
			t.Errorf("state of %s: %+v, size %d", p, pos, fi.Size())
		}
	}
	ctx, stop = context.WithCancel(context.Background())
	done, out = watch(ctx)
	time.Sleep(1500 * time.Millisecond)
	stop()
	if code := <-done; code != ExitOK {
		t.Fatalf("restart: code %d\n%s", code, out.String())
	}
	if strings.Contains(out.String(), "Burst #") || len(readLines(t, hooks)) != len(live) {
		t.Errorf("the restart read lines again:\n%s", out.String())
	}
}

// TestWatchNamesAMissingFile: a path with no file is waited for, not an
// error, and watch says so when it stops.
func TestWatchNamesAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	streams, _, _, errOut := TestStreams()
	ctx, stop := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer stop()
	if code := Execute(ctx, streams, []string{"watch", "--format", "main", "--poll", "20ms", path}); code != ExitOK {
		t.Fatalf("code %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "access.log did not exist when watch stopped") {
		t.Errorf("stderr: %s", errOut.String())
	}
}
