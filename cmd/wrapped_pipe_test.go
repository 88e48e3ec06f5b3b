package cmd

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pipeWrappers wrap each nginx line as it reaches a pipe from a container
// runtime, journald, syslog or a process manager (issue 13: every wrapper
// in a live pipe as well as from files). tail's "==> f <==" headers stay as
// tail writes them.
var pipeWrappers = map[string]func(line string) string{
	"kubectl --timestamps": func(l string) string { return "2026-11-22T01:24:04.405127661Z " + l },
	"kubectl --prefix":     func(l string) string { return "[pod/ingress-nginx-controller-7d4/controller] " + l },
	"CRI":                  func(l string) string { return "2026-11-22T01:24:04.405127661Z stdout F " + l },
	"Docker JSON": func(l string) string {
		b, _ := json.Marshal(map[string]string{"log": l + "\n", "stream": "stdout", "time": "2026-11-22T01:24:04.405127661Z"})
		return string(b)
	},
	"journalctl -o json": func(l string) string {
		b, _ := json.Marshal(map[string]string{"__REALTIME_TIMESTAMP": "1795310644000000", "SYSLOG_IDENTIFIER": "nginx", "MESSAGE": l})
		return string(b)
	},
	"syslog (RFC 3164)":  func(l string) string { return "<190>Nov 22 01:24:04 web01 nginx: " + l },
	"RFC 5424":           func(l string) string { return "<190>1 2026-11-22T01:24:04.003Z web01 nginx 123 - - " + l },
	"rsyslog file":       func(l string) string { return "Nov 22 01:24:04 web01 nginx[123]: " + l },
	"aws logs tail":      func(l string) string { return "2026-11-22T01:24:04.123000+00:00 ecs/nginx/8f2c1d " + l },
	"shipper time":       func(l string) string { return "2026-11-22 01:24:04.405127661  " + l },
	"compose and forego": func(l string) string { return "nginx-proxy  | nginx.1    | " + l },
	"stern": func(l string) string {
		return "ingress-nginx-controller-7d4 controller 2026-11-22T01:24:04.405127661+00:00 " + l
	},
	"foreman": func(l string) string { return "01:24:04 web.1  | " + l },
}

// TestLivePipeWrapped feeds each wrapped stream through a pipe, a few lines
// at a time, and wants the very CSV the plain stream gives, but for the
// host column, which holds the pod or service a wrapper names.
func TestLivePipeWrapped(t *testing.T) {
	stream := tailStream(t, fixture("single-peer-down", "access.log"), fixture("single-peer-down", "error.log"))
	analyse := func(t *testing.T, lines []string) string {
		pr, pw := io.Pipe()
		streams, _, _, errOut := TestStreams()
		streams.In = pr
		csvPath := filepath.Join(t.TempDir(), "bursts.csv")
		go func() {
			for i := 0; i < len(lines); i += 200 {
				if _, err := pw.Write([]byte(strings.Join(lines[i:min(i+200, len(lines))], ""))); err != nil {
					return // the analysis ended early; its exit code says why
				}
				time.Sleep(time.Millisecond)
			}
			pw.Close()
		}()
		code := Execute(t.Context(), streams, []string{"analyze", "--format", "ingress-nginx", "--csv", csvPath, "-"})
		pr.Close()
		if code != ExitOK {
			t.Fatalf("code %d: %s", code, errOut.String())
		}
		data, err := os.ReadFile(csvPath)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	plain := analyse(t, stream)
	if !strings.Contains(plain, "\n") || strings.Count(plain, "\n") < 2 {
		t.Fatalf("the plain stream gives no burst:\n%s", plain)
	}
	for name, wrap := range pipeWrappers {
		t.Run(name, func(t *testing.T) {
			wrapped := make([]string, len(stream))
			for i, l := range stream {
				if strings.HasPrefix(l, "\n==> ") {
					wrapped[i] = l
					continue
				}
				wrapped[i] = wrap(strings.TrimSuffix(l, "\n")) + "\n"
			}
			got := analyse(t, wrapped)
			host := wrapperHosts[name]
			if withoutHost(t, got, host) != withoutHost(t, plain, "") {
				t.Errorf("CSV differs from the plain stream's:\n%s\nwant\n%s", got, plain)
			}
		})
	}
}

// wrapperHosts is the pod or service the wrappers name: the host column
// of their bursts (the outermost name, for compose in front of forego).
var wrapperHosts = map[string]string{
	"kubectl --prefix":   "ingress-nginx-controller-7d4",
	"stern":              "ingress-nginx-controller-7d4",
	"compose and forego": "nginx-proxy",
	"foreman":            "web.1",
	"syslog (RFC 3164)":  "web01",
	"RFC 5424":           "web01",
	"rsyslog file":       "web01",
}

// withoutHost checks that every row's host column is host and returns the
// CSV without it.
func withoutHost(t *testing.T, doc, host string) string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(doc)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	w := csv.NewWriter(&out)
	for i, r := range rows {
		if i > 0 && r[len(r)-1] != host {
			t.Errorf("row %d: host %q, want %q", i, r[len(r)-1], host)
		}
		w.Write(r[:len(r)-1])
	}
	w.Flush()
	return out.String()
}
