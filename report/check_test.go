package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/nginxconf"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// auditOf runs the audit on a test configuration of the audit package.
func auditOf(t *testing.T, path string) audit.Result {
	t.Helper()
	cfg, err := nginxconf.LoadLenient(path)
	if err != nil {
		t.Fatal(err)
	}
	return audit.Check(cfg, nil, audit.Options{})
}

// TestSARIFValidates: the SARIF log of a configuration with findings of
// every severity, with related locations, validates against the SARIF
// 2.1.0 JSON schema (testdata/sarif-schema-2.1.0.json, OASIS's schema as
// published in the sarif-spec repository).
func TestSARIFValidates(t *testing.T) {
	res := auditOf(t, "../audit/testdata/seeds/serverfault-502-growing.conf")
	extra := auditOf(t, "../audit/testdata/single-peer-no-backup/nginx.conf")
	res.Findings = append(res.Findings, extra.Findings...)
	severities := map[audit.Severity]bool{}
	for _, f := range res.Findings {
		severities[f.Severity] = true
	}
	if len(severities) < 3 {
		t.Fatalf("want findings of every severity, got %v", severities)
	}
	var buf bytes.Buffer
	if err := CheckSARIF(&buf, res, "test"); err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("SARIF output does not validate: %v\n%s", err, buf.String())
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
			Results []struct {
				RuleID    string
				RuleIndex int
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	rules := log.Runs[0].Tool.Driver.Rules
	for _, r := range log.Runs[0].Results {
		if rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %s", r.RuleID, rules[r.RuleIndex].ID)
		}
	}
	if len(log.Runs[0].Results) != len(res.Findings) {
		t.Errorf("%d results for %d findings", len(log.Runs[0].Results), len(res.Findings))
	}
}

// TestSchemaRejectsBrokenSARIF: the schema test can fail.
func TestSchemaRejectsBrokenSARIF(t *testing.T) {
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"2.1.0","runs":[{"results":[{"level":"fatal","message":{"text":"x"}}]}]}`))
	if sch.Validate(inst) == nil {
		t.Fatal("a run without a tool and a bad level validated")
	}
}

// TestCheckTextIsClean: a configuration's text reaches the terminal
// cleaned, as log text does.
func TestCheckTextIsClean(t *testing.T) {
	dir := t.TempDir()
	conf := dir + "/nginx.conf"
	os.WriteFile(conf, []byte("http {\n upstream a { server \"10.0.0.1:80\x1b]0;owned\x07\"; }\n server { location / { proxy_pass http://a; } }\n}\n"), 0o644)
	res := auditOf(t, conf)
	var buf bytes.Buffer
	if err := CheckText(&buf, res); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(buf.String(), 0x1b) || !strings.Contains(buf.String(), "single-peer-no-backup") {
		t.Fatalf("escape sequence reached the text, or finding lost:\n%q", buf.String())
	}
}
