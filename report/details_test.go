package report_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/report/html"
	"github.com/badgw/badgw/spill"
)

// TestReportsFromDetailsOnDisk: badgw analyze keeps closed bursts' details
// in a file (package spill) and every report reads them back; on every
// recorded fixture the text, the JSON, the CSV and the page are those
// printed with the bursts held whole in memory, byte for byte.
func TestReportsFromDetailsOnDisk(t *testing.T) {
	dirs, _ := filepath.Glob("../fixtures/*/truth.json")
	stored := 0
	for _, tj := range dirs {
		name := filepath.Base(filepath.Dir(tj))
		t.Run(name, func(t *testing.T) {
			dir := fixturetest.Dir(name)
			whole := fixturetest.Analyse(t, dir)
			cfg := fixturetest.Config(t, dir)
			f, err := spill.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cfg.Options.Details = f
			onDisk, err := pipeline.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range onDisk.Bursts {
				if !b.Open && (b.Samples != nil || len(b.Causes) > 0 && b.Causes[0].Summary != "") {
					t.Fatalf("burst #%d closed and still holds its details", b.ID)
				}
				if !b.Open {
					stored++
				}
			}
			for _, out := range []struct {
				name  string
				write func(*bytes.Buffer, pipeline.Snapshot) error
			}{
				{"text", func(w *bytes.Buffer, s pipeline.Snapshot) error {
					return report.WriteText(w, s, report.TextOptions{Width: 100})
				}},
				{"json", func(w *bytes.Buffer, s pipeline.Snapshot) error { return report.WriteJSON(w, s) }},
				{"csv", func(w *bytes.Buffer, s pipeline.Snapshot) error { return report.WriteCSV(w, s.Wholes(s.Bursts)) }},
				{"html", func(w *bytes.Buffer, s pipeline.Snapshot) error { return html.Write(w, s, html.Options{}) }},
			} {
				var a, b bytes.Buffer
				if err := out.write(&a, whole); err != nil {
					t.Fatal(err)
				}
				if err := out.write(&b, onDisk); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a.Bytes(), b.Bytes()) {
					t.Errorf("%s differs with the details on disk:\n in memory %.300q\n on disk   %.300q", out.name, a.Bytes(), b.Bytes())
				}
			}
			if err := f.Err(); err != nil {
				t.Error(err)
			}
		})
	}
	if stored == 0 {
		t.Error("no closed burst on disk: the test shows nothing")
	}
}
