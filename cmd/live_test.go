package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// TestLiveJoinThroughTailEqualsOffline replays a recorded incident into two
// files as nginx wrote them, second by second, reads them back through a
// real `tail -F` pipe, and compares each burst's joins with the offline
// analysis of the same files (issue 12: tail interleaves the files in
// chunks, and 395–409 of 413 joined live).
func TestLiveJoinThroughTailEqualsOffline(t *testing.T) {
	tail, err := exec.LookPath("tail")
	if err != nil {
		t.Fatal("tail (coreutils) is needed: ", err)
	}
	conf, acc, errs := recordedIncident(t)

	dir := t.TempDir()
	accPath, errPath := filepath.Join(dir, "access.log"), filepath.Join(dir, "error.log")
	for _, p := range []string{accPath, errPath} {
		os.WriteFile(p, nil, 0o644)
	}
	cmd := exec.Command(tail, "-F", "-n", "+1", "-s", "0.05", accPath, errPath)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	streams, _, out, errOut := TestStreams()
	streams.In = pipe
	done := make(chan int, 1)
	go func() {
		done <- Execute(context.Background(), streams, []string{"analyze", "--nginx-conf", conf, "--json", "-"})
	}()
	// Append each log second's lines as nginx would: the access lines,
	// then the error lines of the same second.
	af, _ := os.OpenFile(accPath, os.O_WRONLY|os.O_APPEND, 0)
	ef, _ := os.OpenFile(errPath, os.O_WRONLY|os.O_APPEND, 0)
	replayBySecond(acc, errs, func(l string) { af.WriteString(l) }, func(l string) { ef.WriteString(l) }, func(int) {})
	af.Close()
	ef.Close()
	time.Sleep(time.Second)
	cmd.Process.Kill() // tail's end closes the pipe: badgw reads EOF
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("live run: code %d, %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the live run did not end after tail did")
	}
	cmd.Wait()
	live := joins(t, out.String())
	_, offOut, _ := run(t, nil, "analyze", "--nginx-conf", conf, "--json", "-", accPath, errPath)
	offline := joins(t, offOut)
	if len(live) == 0 || strings.Join(live, ";") != strings.Join(offline, ";") {
		t.Errorf("joins live %v, offline %v", live, offline)
	}
}

// recordedIncident is the no-live-upstreams fixture's nginx.conf, its
// access lines (the rotated set in order) and its error lines.
func recordedIncident(t *testing.T) (conf string, acc, errs []string) {
	t.Helper()
	fx := "no-live-upstreams"
	for _, name := range []string{"access.log.2.gz", "access.log.1", "access.log"} {
		acc = append(acc, readLines(t, fixture(fx, name))...)
	}
	return fixture(fx, "nginx.conf"), acc, readLines(t, fixture(fx, "error.log"))
}

// replayBySecond writes the lines of each log second as nginx would (the
// access lines, then the error lines of the same second), 15 ms apart,
// calling between after each with the number of access lines written.
func replayBySecond(acc, errs []string, access, errorLog func(string), between func(int)) {
	ai, ei := 0, 0
	for ai < len(acc) || ei < len(errs) {
		sec := ""
		if ai < len(acc) {
			sec = accessSecond(acc[ai])
		}
		for ai < len(acc) && accessSecond(acc[ai]) == sec {
			access(acc[ai])
			ai++
		}
		for ei < len(errs) && (ai == len(acc) || errorSecond(errs[ei]) <= sec) {
			errorLog(errs[ei])
			ei++
		}
		between(ai)
		time.Sleep(15 * time.Millisecond)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		out = append(out, sc.Text()+"\n")
	}
	return out
}

// accessSecond and errorSecond give a line's second as "15:04:05" (the
// seed's $time_iso8601 access format and error.log's own).
func accessSecond(line string) string { return line[11:19] }
func errorSecond(line string) string  { return line[11:19] }

// joins lists each burst's "joined of bad", in order.
func joins(t *testing.T, doc string) []string {
	t.Helper()
	var d struct {
		Bursts []struct {
			Start      string  `json:"start"`
			BadGateway int     `json:"bad_gateway"`
			JoinRate   float64 `json:"join_rate"`
		} `json:"bursts"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	var out []string
	for _, b := range d.Bursts {
		out = append(out, fmt.Sprintf("%s %.3f of %d", b.Start, b.JoinRate, b.BadGateway))
	}
	return out
}
