package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const cleanConf = `http {
    upstream app {
        server 10.0.0.1:8080;
        server 10.0.0.2:8080;
        keepalive 16;
        keepalive_timeout 4s;
    }
    server {
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`

func writeConf(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nginx.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckExitCodes: 0 when clean, 4 when a finding reaches --fail-on, 2
// when the configuration cannot be read.
func TestCheckExitCodes(t *testing.T) {
	clean := writeConf(t, cleanConf)
	if code, out, errOut := run(t, nil, "check", "--backend-idle-timeout", "5s", clean); code != ExitOK || !strings.Contains(out, "no findings") {
		t.Fatalf("clean configuration: exit %d\n%s%s", code, out, errOut)
	}
	seed := "../audit/testdata/seeds/serverfault-502-growing.conf"
	code, out, errOut := run(t, nil, "check", seed)
	if code != ExitFindings || !strings.Contains(out, "serverfault-502-growing.conf:32: warning [upstream-no-keepalive]") ||
		!strings.Contains(out, "serverfault-502-growing.conf:47: warning [next-upstream-marks-down]") || !strings.Contains(errOut, "at or above warning") {
		t.Fatalf("seed configuration: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := run(t, nil, "check", "--fail-on", "never", seed); code != ExitOK {
		t.Fatalf("--fail-on never: exit %d", code)
	}
	notes := writeConf(t, strings.Replace(cleanConf, "        server 10.0.0.2:8080;\n", "", 1))
	if code, out, _ := run(t, nil, "check", "--backend-idle-timeout", "5s", notes); code != ExitOK || !strings.Contains(out, "single-peer-no-backup") {
		t.Fatalf("a note under --fail-on warning: exit %d\n%s", code, out)
	}
	if code, _, _ := run(t, nil, "check", "--fail-on", "note", "--backend-idle-timeout", "5s", notes); code != ExitFindings {
		t.Fatalf("--fail-on note: exit %d", code)
	}
	if code, _, errOut := run(t, nil, "check", filepath.Join(t.TempDir(), "missing.conf")); code != ExitUsage || !strings.Contains(errOut, "missing.conf") {
		t.Fatalf("missing file: exit %d, %s", code, errOut)
	}
	if code, _, _ := run(t, nil, "check", "--fail-on", "loud", clean); code != ExitUsage {
		t.Fatalf("bad --fail-on: exit %d", code)
	}
}

// TestCheckReadsNginxTDump: "nginx -T | badgw check -" follows includes
// inside the dump and names the dumped files.
func TestCheckReadsNginxTDump(t *testing.T) {
	dump := "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n" +
		"nginx: configuration file /etc/nginx/nginx.conf test is successful\n" +
		"# configuration file /etc/nginx/nginx.conf:\n" +
		"http {\n    include /etc/nginx/conf.d/*.conf;\n}\n\n" +
		"# configuration file /etc/nginx/conf.d/app.conf:\n" +
		"upstream app {\n    server 10.0.0.1:8080;\n    server 10.0.0.2:8080;\n}\n" +
		"server {\n    location / {\n        proxy_pass http://app;\n        proxy_next_upstream error timeout http_500;\n    }\n}\n"
	code, out, errOut := run(t, strings.NewReader(dump), "check", "--json", "-")
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var doc struct {
		Files    []string
		Findings []struct {
			Rule, File string
			Line       int
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]bool{}
	for _, f := range doc.Findings {
		got[f.Rule+" "+f.File+":"+strconv.Itoa(f.Line)] = true
	}
	for _, want := range []string{
		"upstream-no-keepalive /etc/nginx/conf.d/app.conf:1",
		"next-upstream-marks-down /etc/nginx/conf.d/app.conf:8",
	} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, got)
		}
	}
	if len(doc.Files) != 2 {
		t.Errorf("files %v", doc.Files)
	}
}

// TestCheckListsRules: every rule with its severity and source.
func TestCheckListsRules(t *testing.T) {
	code, out, _ := run(t, nil, "check", "--list")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, id := range []string{"upstream-no-keepalive", "next-upstream-marks-down", "balancer-path-without-peer", "healthcheck-thresholds", "set-keepalive-failure-leaks"} {
		if !strings.Contains(out, id) {
			t.Errorf("--list lacks %s", id)
		}
	}
}

// TestCheckLuaFiles: Lua files named after the configuration are checked.
func TestCheckLuaFiles(t *testing.T) {
	code, out, _ := run(t, nil, "check", writeConf(t, "events {}\n"), "../audit/testdata/seeds/openresty-article-keepalive.lua")
	if code != ExitFindings || !strings.Contains(out, "openresty-article-keepalive.lua:1: warning [set-keepalive-failure-leaks]") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// TestCheckHTML: check --html writes the audit as a page (the CI artefact
// beside SARIF) with every finding's rule and line, and the exit code is
// the same as for text; --html and --sarif exclude each other.
func TestCheckHTML(t *testing.T) {
	seed := "../audit/testdata/seeds/serverfault-502-growing.conf"
	out := filepath.Join(t.TempDir(), "audit.html")
	code, _, errOut := run(t, nil, "check", "--html", "-o", out, seed)
	page, err := os.ReadFile(out)
	if code != ExitFindings || err != nil {
		t.Fatalf("exit %d, %v: %s", code, err, errOut)
	}
	for _, want := range []string{"<title>badgw check: nginx.conf audit</title>", "upstream-no-keepalive", "serverfault-502-growing.conf:32", "next-upstream-marks-down"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if code, _, _ := run(t, nil, "check", "--html", "--sarif", seed); code != ExitUsage {
		t.Errorf("--html with --sarif: exit %d", code)
	}
}
