package report_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/badgw/badgw/correlate"
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

// lostStore keeps nothing it is given: every Get fails.
type lostStore struct{}

func (lostStore) Put(*correlate.Details) (int64, error) { return 0, nil }
func (lostStore) Get(int64) (correlate.Details, error) {
	return correlate.Details{}, errors.New("read error")
}

// TestDetailsThatCannotBeReadBack: where a burst's details cannot be read
// back, every report says so beside it and prints what it kept (counts,
// its causes' names and scores), never empty sentences as if there were
// none.
func TestDetailsThatCannotBeReadBack(t *testing.T) {
	cfg := fixturetest.Config(t, fixturetest.Dir("peer-refused"))
	cfg.Options.Details = lostStore{}
	snap, err := pipeline.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	closed := 0
	for _, b := range snap.Bursts {
		if !b.Open {
			closed++
		}
	}
	if closed == 0 {
		t.Fatal("no closed burst: the test shows nothing")
	}
	var text, doc, page bytes.Buffer
	if err := report.WriteText(&text, snap, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJSON(&doc, snap); err != nil {
		t.Fatal(err)
	}
	if err := html.Write(&page, snap, html.Options{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(text.String(), "its details could not be read back"); n != closed {
		t.Errorf("the text says so for %d of %d bursts:\n%s", n, closed, text.String())
	}
	if n := strings.Count(doc.String(), `"details_lost": true`); n != closed {
		t.Errorf("the JSON says so for %d of %d bursts", n, closed)
	}
	if n := strings.Count(page.String(), "Its details could not be read back"); n != closed {
		t.Errorf("the page says so for %d of %d bursts", n, closed)
	}
	if !strings.Contains(text.String(), "peer_refused (") {
		t.Errorf("the causes' names are gone:\n%s", text.String())
	}
}
