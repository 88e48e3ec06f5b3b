package correlate_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/badgw/badgw/logparse"
)

// wrappers rewrite a fixture's lines as a container runtime, syslog or a
// process manager would hand them over (issue 13). The analysis of the
// wrapped logs must equal the plain one: same bursts, windows and causes.
var wrappers = map[string]func(line string, errorLog bool) string{
	// kubectl logs --timestamps: an RFC 3339 nano time and a space.
	"kubectl-timestamps": func(line string, _ bool) string {
		return lineTime(line).UTC().Format("2006-01-02T15:04:05.000000000Z") + " " + line
	},
	// nginx's own error_log/access_log syslog: output: "<PRI>Mmm dd
	// hh:mm:ss host tag: "; for the error log the header replaces nginx's
	// date, which is then not written.
	"syslog": func(line string, errorLog bool) string {
		head := "<190>" + lineTime(line).Format(time.Stamp) + " web01 nginx: "
		if errorLog && logparse.IsErrorLine([]byte(line)) && len(line) > 20 && line[4] == '/' {
			return head + line[20:]
		}
		return head + line
	},
	// docker-compose in front of forego, as the nginx-proxy image writes.
	"compose-forego": func(line string, _ bool) string {
		return "nginx-proxy  | nginx.1    | " + line
	},
	// stern --timestamps: pod, container, an RFC 3339 nano time with the
	// node's zone.
	"stern": func(line string, _ bool) string {
		return "ingress-nginx-controller-7d4 controller " + lineTime(line).Format("2006-01-02T15:04:05.000000000-07:00") + " " + line
	},
	// foreman and goreman: a time of day and the process's name.
	"foreman": func(line string, _ bool) string {
		return lineTime(line).Format("15:04:05") + " web.1  | " + line
	},
}

// lineTime reads the time nginx wrote on a fixture line, for the wrapper's
// own timestamp; a continuation line gets the previous line's.
var lastTime time.Time

func lineTime(line string) time.Time {
	if logparse.IsErrorLine([]byte(line)) && len(line) > 19 && line[4] == '/' {
		if t, err := time.ParseInLocation("2006/01/02 15:04:05", line[:19], time.Local); err == nil {
			lastTime = t
		}
		return lastTime
	}
	if i := strings.IndexByte(line, '['); i >= 0 && len(line) > i+27 {
		if t, err := time.Parse("02/Jan/2006:15:04:05 -0700", line[i+1:i+27]); err == nil {
			lastTime = t
			return t
		}
	}
	if len(line) >= 25 {
		if t, err := time.Parse(time.RFC3339, line[:25]); err == nil {
			lastTime = t
			return t
		}
	}
	for _, key := range []string{`"time":"`, `"time_iso8601":"`, `"@timestamp":"`} {
		if i := strings.Index(line, key); i >= 0 && len(line) > i+len(key)+25 {
			if t, err := time.Parse(time.RFC3339, line[i+len(key):i+len(key)+25]); err == nil {
				lastTime = t
				return t
			}
		}
	}
	return lastTime
}

func TestFixturesWrapped(t *testing.T) {
	dirs, _ := filepath.Glob("../fixtures/*/truth.json")
	for _, tj := range dirs {
		dir := filepath.Dir(tj)
		tr := loadTruth(t, dir)
		plain := describe(analyse(t, dir, true, tr).Bursts)
		for name, wrap := range wrappers {
			t.Run(filepath.Base(dir)+"/"+name, func(t *testing.T) {
				wdir := t.TempDir()
				wrapFixture(t, dir, wdir, wrap)
				snap := analyse(t, wdir, true, tr)
				if got := describe(snap.Bursts); got != plain {
					t.Errorf("wrapped:%s\nplain:%s", got, plain)
				}
				if n := snap.Ingest.Totals().Untimed; n != 0 {
					t.Errorf("%d lines without a time", n)
				}
			})
		}
	}
}

// wrapFixture writes dir's logs, wrapped line by line (rotated .gz files
// decompressed), and its nginx.conf and truth.json into wdir.
func wrapFixture(t *testing.T, dir, wdir string, wrap func(string, bool) string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		base := filepath.Base(f)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(base, ".log") {
			os.WriteFile(filepath.Join(wdir, base), data, 0o644)
			continue
		}
		var r io.Reader = bytes.NewReader(data)
		if strings.HasSuffix(base, ".gz") {
			zr, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
			base = strings.TrimSuffix(base, ".gz")
		}
		var out strings.Builder
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			fmt.Fprintln(&out, wrap(sc.Text(), strings.HasPrefix(base, "error")))
		}
		os.WriteFile(filepath.Join(wdir, base), []byte(out.String()), 0o644)
	}
}
