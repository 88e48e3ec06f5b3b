// Command watchsoak is the soak benchmark of badgw watch (not a test): it
// writes synthetic lines (labelled as such: generated here, in the
// "badgw" preset) into an access log and an error log at a steady rate,
// with a burst of refused connections on one peer every period, while
// badgw watch follows the files and posts alerts to a webhook served
// here. It samples watch's RSS every second and measures, for each
// burst, the time from the moment its lines passed the burst test (an
// in-process correlator fed the same lines says when) to the arrival of
// its "open" notice.
//
//	go run ./bench/watchsoak -badgw /tmp/badgw [-duration 10m] [-rate 5000]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/badgw/badgw/alert"
	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/logparse"
)

func main() {
	bin := flag.String("badgw", "", "the badgw binary to soak")
	duration := flag.Duration("duration", 10*time.Minute, "how long to write")
	rate := flag.Int("rate", 5000, "access lines a second")
	period := flag.Duration("period", time.Minute, "a burst starts every period")
	burst := flag.Duration("burst", 15*time.Second, "how long each burst lasts")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "watchsoak: -badgw is required")
		os.Exit(2)
	}
	if err := soak(*bin, *duration, *rate, *period, *burst); err != nil {
		fmt.Fprintln(os.Stderr, "watchsoak:", err)
		os.Exit(1)
	}
}

// opens records when each "open" notice arrived, in order.
type opens struct {
	mu sync.Mutex
	at []time.Time
}

func (o *opens) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b alert.WebhookBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if b.Event == alert.Open {
		o.mu.Lock()
		o.at = append(o.at, time.Now())
		o.mu.Unlock()
	}
}

func soak(bin string, duration time.Duration, rate int, period, burstLen time.Duration) error {
	dir, err := os.MkdirTemp("", "badgw-watchsoak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	accPath, errPath := filepath.Join(dir, "access.log"), filepath.Join(dir, "error.log")
	accFile, err := os.Create(accPath)
	if err != nil {
		return err
	}
	errFile, err := os.Create(errPath)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	got := &opens{}
	go http.Serve(ln, got)
	metricsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	metricsAddr := metricsLn.Addr().String()
	metricsLn.Close()

	cmd := exec.Command(bin, "watch", "--format", "badgw", "--alert-rate", "0", "--webhook", "http://"+ln.Addr().String(),
		"--metrics-addr", metricsAddr, accPath, errPath)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Process.Kill()
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + metricsAddr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 20*time.Second {
			return fmt.Errorf("watch not ready in 20 s")
		}
	}

	format, _ := logparse.Preset("badgw")
	c := correlate.New(correlate.Options{})
	passed := map[uint64]time.Time{}
	var passOrder []uint64
	var rec logparse.Record
	var ev logparse.Event

	var rss []int
	sampleRSS := func() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		if err != nil {
			return
		}
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.Atoi(f[1])
				rss = append(rss, kb)
			}
		}
	}

	const tick = 20 * time.Millisecond
	acc, errw := bufio.NewWriterSize(accFile, 1<<20), bufio.NewWriterSize(errFile, 1<<20)
	start := time.Now()
	lastSample, lastCheck := start, start
	n := 0
	for el := time.Duration(0); el < duration; el = time.Since(start) {
		now := time.Now()
		stamp := now.Format("02/Jan/2006:15:04:05 -0700")
		errStamp := now.Format("2006/01/02 15:04:05")
		inBurst := el%period >= period/2 && el%period < period/2+burstLen
		// As many lines as the rate asks by now, whatever the sleeps took.
		for due := int(float64(rate) * (el + tick).Seconds()); n < due; {
			n++
			peer, status, us, uct := 9001+n%3, 200, "200", "0.000"
			if inBurst && peer == 9001 && n%2 == 0 {
				status, us, uct = 502, "502", "-"
				line := fmt.Sprintf("%s [error] 7#7: *%d connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.%d, server: _, request: \"GET /api/items/%d HTTP/1.1\", upstream: \"http://127.0.0.1:%d/api/items/%d\", host: \"x\"\n",
					errStamp, n, n%250, n, peer, n)
				errw.WriteString(line)
				if logparse.ParseErrorLine([]byte(strings.TrimSuffix(line, "\n")), time.Local, &ev) == nil {
					c.AddEvent(&ev, correlate.Pos{})
				}
			}
			line := fmt.Sprintf("192.0.2.%d - - [%s] \"GET /api/items/%d HTTP/1.1\" %d 61 \"-\" \"curl/8.5.0\" conn=%d rid=%032x rt=0.000 ua=\"127.0.0.1:%d\" us=\"%s\" uct=\"%s\" uht=\"-\" urt=\"0.000\"\n",
				n%250, stamp, n, status, n, n, peer, us, uct)
			acc.WriteString(line)
			if format.Parse([]byte(strings.TrimSuffix(line, "\n")), &rec) == nil {
				c.AddRecord(&rec, correlate.Pos{})
			}
		}
		acc.Flush()
		errw.Flush()
		if time.Since(lastCheck) >= 100*time.Millisecond {
			// When the lines written so far pass the burst test.
			lastCheck = time.Now()
			c.Advance(time.Time{})
			for _, b := range c.Snapshot().Bursts {
				if b.Open && b.Kind == correlate.Kind502 && b.Significant {
					if _, ok := passed[b.Serial]; !ok {
						passed[b.Serial] = lastCheck
						passOrder = append(passOrder, b.Serial)
					}
				}
			}
		}
		if time.Since(lastSample) >= time.Second {
			lastSample = time.Now()
			sampleRSS()
		}
		time.Sleep(time.Until(now.Add(tick)))
	}
	time.Sleep(3 * time.Second) // the last notices
	cmd.Process.Signal(syscall.SIGTERM)
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			fmt.Fprintln(os.Stderr, "watchsoak: watch:", err)
		}
	case <-time.After(30 * time.Second):
		return fmt.Errorf("watch did not stop within 30 s of SIGTERM")
	}

	elapsed := time.Since(start)
	fmt.Printf("wrote %d access lines in %s (%.0f lines/s), a %s burst every %s\n", n, elapsed.Round(time.Second), float64(n)/elapsed.Seconds(), burstLen, period)
	if len(rss) > 0 {
		var perMinute []string
		for i := 0; i < len(rss); i += 60 {
			perMinute = append(perMinute, fmt.Sprintf("%.1f", median(rss[i:min(i+60, len(rss))])))
		}
		fmt.Printf("RSS MB, median of each minute: %s; max %.1f (%d samples, one a second)\n",
			strings.Join(perMinute, " "), float64(slices.Max(rss))/1024, len(rss))
		// The caches (error lines kept for joins, bursts kept) fill in the
		// first minutes; flat means no growth once they are full.
		half := rss[len(rss)/2:]
		fmt.Printf("RSS slope over the second half: %+.3f MB/min (least squares over %d samples)\n", slope(half)*60/1024, len(half))
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	fmt.Printf("bursts passing the test: %d; open notices: %d\n", len(passOrder), len(got.at))
	var lat []time.Duration
	for i, s := range passOrder {
		if i < len(got.at) {
			lat = append(lat, got.at[i].Sub(passed[s]))
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		fmt.Printf("alert latency after the test passed: median %s, max %s (each: %v)\n", lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), roundAll(lat))
	}
	return nil
}

// slope is the least-squares slope of samples taken one a second, in
// their unit a second.
func slope(samples []int) float64 {
	n := float64(len(samples))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i, v := range samples {
		x, y := float64(i), float64(v)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func median(kb []int) float64 {
	s := slices.Clone(kb)
	slices.Sort(s)
	return float64(s[len(s)/2]) / 1024
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(10 * time.Millisecond)
	}
	return out
}
