// Command genday writes synthetic days of traffic (fixtures/dayscale): an
// access log, an error log, nginx.conf and truth.json in a folder, for the
// whole-process benchmarks and for trying badgw on a day-scale input.
// Synthetic data, labelled as such; the fixtures are the real recordings.
//
//	go run ./bench/genday -out /tmp/day -requests 5000000 -days 1 -bg502 0.002
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/badgw/badgw/fixtures/dayscale"
)

func main() {
	out := flag.String("out", "day", "folder to write access.log, error.log, nginx.conf and truth.json into")
	seed := flag.Uint64("seed", 1, "random seed; the same seed writes the same logs")
	days := flag.Int("days", 1, "days of traffic")
	requests := flag.Int("requests", 5_000_000, "requests per day")
	bg502 := flag.Float64("bg502", 0.002, "share of upstream requests failing 502 at random")
	bg504 := flag.Float64("bg504", 0.0005, "share failing 504 at random")
	bg500 := flag.Float64("bg500", 0.002, "share answered 500 by the application")
	flag.Parse()
	if err := run(*out, dayscale.Config{
		Seed: *seed, Start: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Days: *days, RequestsPerDay: *requests,
		Background502: *bg502, Background504: *bg504, Background500: *bg500,
		Groups: dayscale.DefaultGroups(), Incidents: dayscale.DailyIncidents(*days),
	}); err != nil {
		fmt.Fprintln(os.Stderr, "genday:", err)
		os.Exit(1)
	}
}

func run(dir string, c dayscale.Config) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	acc, err := os.Create(filepath.Join(dir, "access.log"))
	if err != nil {
		return err
	}
	defer acc.Close()
	errLog, err := os.Create(filepath.Join(dir, "error.log"))
	if err != nil {
		return err
	}
	defer errLog.Close()
	truth, err := dayscale.Write(acc, errLog, c)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(c.Conf()), 0o644); err != nil {
		return err
	}
	data, err := json.MarshalIndent(truth, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "truth.json"), data, 0o644)
}
