package html

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	stdhtml "html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/fixtures/fixturetest"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGoldenPages: the page of the demo incident and of three recorded
// fixtures (one of several days) is what testdata holds. The page holds
// no time of its making, so nothing is normalised but the fixtures' paths.
func TestGoldenPages(t *testing.T) {
	for _, name := range []string{"no-live-upstreams", "peer-refused", "php-fpm-down", "days-rise"} {
		t.Run(name, func(t *testing.T) {
			dir := fixturetest.Dir(name)
			snap := fixturetest.Analyse(t, dir)
			_, findings, err := audit.ForAnalysis(filepath.Join(dir, "nginx.conf"), audit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Write(&b, snap, Options{Findings: findings}); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".html.golden")
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("the page of %s differs from %s (go test ./report/html -update rewrites it)", name, golden)
			}
			checkPolicy(t, b.String())
		})
	}
}

// checkPolicy: the page's only style and script are its own, each
// allowed by its hash in the Content-Security-Policy, which allows
// nothing else to load or run.
func checkPolicy(t *testing.T, page string) {
	t.Helper()
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no Content-Security-Policy")
	}
	policy := stdhtml.UnescapeString(csp[1])
	if !strings.HasPrefix(policy, "default-src 'none';") {
		t.Fatalf("the policy does not forbid by default: %s", policy)
	}
	for _, tag := range []string{"style", "script"} {
		blocks := regexp.MustCompile(`(?s)<`+tag+`>(.*?)</`+tag+`>`).FindAllStringSubmatch(page, -1)
		if len(blocks) != 1 {
			t.Fatalf("%d <%s> blocks", len(blocks), tag)
		}
		sum := sha256.Sum256([]byte(blocks[0][1]))
		if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(policy, h) {
			t.Errorf("the <%s> block's hash %s is not in the policy %s", tag, h, policy)
		}
	}
}

// TestHostileContent: log content full of markup and script (closing
// tags, event handlers, javascript: URLs, bidi controls) is shown as
// text: no element, attribute or script of it reaches the page.
func TestHostileContent(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("peer-refused"))
	poison(&snap)
	all := snap.Bursts[0].Group
	var out bytes.Buffer
	if err := Write(&out, snap, Options{Findings: []audit.Finding{{Rule: "x", Message: all, Fix: []string{all}}}}); err != nil {
		t.Fatal(err)
	}
	page := out.String()
	for _, bad := range []string{"<script>alert", "<img", "<svg onload", "<style>body", "\u202e"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q from the logs", bad)
		}
	}
	// Attribute values are quoted, their quotes escaped: what stands
	// outside them are the elements' own attributes.
	bare := regexp.MustCompile(`"[^"]*"`).ReplaceAllString(page, `""`)
	if m := regexp.MustCompile(`<[a-zA-Z][^>]*\son[a-z]+=`).FindString(bare); m != "" {
		t.Errorf("an element with an event handler: %s", m)
	}
	if strings.Contains(page, `href="javascript:`) {
		t.Errorf("a javascript: link")
	}
	if !strings.Contains(page, "&lt;img src=x onerror=alert(2)&gt;") {
		t.Errorf("the hostile text is not shown as text")
	}
	checkPolicy(t, page)
}

// TestPageCodeIsSmall: the page's own template, styles and script stay
// under 100 KB; the rest of a page is its data.
func TestPageCodeIsSmall(t *testing.T) {
	if n := len(pageTemplate) + len(pageCSS) + len(pageJS); n > 100<<10 {
		t.Errorf("the page's own code is %d bytes", n)
	}
}

// TestEmptyRun: a run that read nothing gives a page that says so, not
// an error; one that read an error log alone says where its bursts come
// from, not "0 requests".
func TestEmptyRun(t *testing.T) {
	var out bytes.Buffer
	if err := Write(&out, pipeline.Snapshot{}, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Nothing was read") {
		t.Errorf("%s", out.String())
	}
	sets, err := input.Expand([]string{filepath.Join(fixturetest.Dir("peer-refused"), "error.log")})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := pipeline.Run(context.Background(), pipeline.RunConfig{Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Write(&out, snap, Options{}); err != nil {
		t.Fatal(err)
	}
	if page := out.String(); !strings.Contains(page, "No access-log lines") || strings.Contains(page, "0 requests read") ||
		!strings.Contains(page, "Upstream error bursts from the error log alone") {
		t.Errorf("an error log alone:\n%s", page)
	}
}

// TestManyBurstsAreListedNotAllDetailed: a run of more bursts than
// maxDetailed lists every one in the table and holds the blocks of the
// largest only, says so, and links only their bands.
func TestManyBurstsAreListedNotAllDetailed(t *testing.T) {
	snap := fixturetest.Analyse(t, fixturetest.Dir("peer-refused"))
	one := snap.Bursts[0]
	snap.Bursts = nil
	n := maxDetailed + 50
	for i := range n {
		b := one
		b.ID, b.BadGateway = i+1, 3+i // the later, the larger
		b.Start, b.End = one.Start.Add(time.Duration(i)*time.Millisecond), one.End.Add(time.Duration(i)*time.Millisecond)
		snap.Bursts = append(snap.Bursts, b)
	}
	var out bytes.Buffer
	if err := Write(&out, snap, Options{}); err != nil {
		t.Fatal(err)
	}
	page := out.String()
	rows := strings.Count(page[strings.Index(page, "<tbody>"):], "<tr>")
	if rows < n || strings.Count(page, `<article class="burst"`) != maxDetailed || !strings.Contains(page, fmt.Sprintf("The table lists all %d", n)) {
		t.Errorf("%d rows, %d blocks", rows, strings.Count(page, `<article class="burst"`))
	}
	if strings.Contains(page, `id="burst-1"`) || !strings.Contains(page, fmt.Sprintf(`id="burst-%d"`, n)) {
		t.Errorf("the smallest burst has a block, or the largest has none")
	}
	if links := strings.Count(page, `<a href="#burst-`); links != 2*maxDetailed {
		t.Errorf("%d links to blocks, want %d (a row and a band each)", links, 2*maxDetailed)
	}
}
