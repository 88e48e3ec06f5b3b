package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/badgw/badgw/audit"
)

// The configuration may come from a ticket as much as a log line does:
// its text is cleaned before any terminal, as log text is.

// CheckText writes an audit for a person: one block per finding, the
// worst first within each file's order, each with its fix as a numbered
// list.
func CheckText(w io.Writer, res audit.Result) error {
	ew := &errWriter{w: w}
	for _, f := range res.Findings {
		ew.printf("%s:%d: %s [%s] %s\n", Clean(f.File), f.Line, f.Severity, f.Rule, Clean(f.Message))
		for i, fix := range f.Fix {
			ew.printf("    %d. %s\n", i+1, Clean(fix))
		}
		if len(f.Related) > 0 {
			var parts []string
			for _, r := range f.Related {
				parts = append(parts, fmt.Sprintf("%s:%d (%s)", Clean(r.File), r.Line, Clean(r.What)))
			}
			ew.printf("    see %s\n", strings.Join(parts, ", "))
		}
	}
	for _, o := range res.Omitted {
		ew.printf("not listed: %d more finding(s) of %s (at most %d are listed per rule)\n", o.Count, o.Rule, audit.MaxFindingsPerRule)
	}
	for _, n := range res.NotChecked {
		ew.printf("not checked: %s\n", Clean(n))
	}
	counts := map[audit.Severity]int{}
	for _, f := range res.Findings {
		counts[f.Severity]++
	}
	if len(res.Findings) == 0 {
		ew.printf("%d file(s) checked, no findings.\n", len(res.Files))
	} else {
		ew.printf("%d file(s) checked: %d error(s), %d warning(s), %d note(s)", len(res.Files), counts[audit.Error], counts[audit.Warning], counts[audit.Note])
		if n := omittedCount(res); n > 0 {
			ew.printf(" listed, %d more not listed", n)
		}
		ew.printf(".\n")
	}
	return ew.err
}

// omittedCount is how many findings were not listed, all rules together.
func omittedCount(res audit.Result) int {
	n := 0
	for _, o := range res.Omitted {
		n += o.Count
	}
	return n
}

type checkJSON struct {
	Files      []string         `json:"files"`
	Findings   []findingJSON    `json:"findings"`
	Omitted    []audit.Omission `json:"omitted"`
	NotChecked []string         `json:"not_checked"`
	Counts     map[string]int   `json:"counts"`
}

type findingJSON struct {
	Rule     string           `json:"rule"`
	Severity string           `json:"severity"`
	File     string           `json:"file"`
	Line     int              `json:"line"`
	Message  string           `json:"message"`
	Fix      []string         `json:"fix"`
	Related  []audit.Location `json:"related"`
}

// CheckJSON writes an audit as one JSON document.
func CheckJSON(w io.Writer, res audit.Result) error {
	out := checkJSON{Files: res.Files, Findings: []findingJSON{}, Omitted: res.Omitted, NotChecked: res.NotChecked, Counts: map[string]int{"error": 0, "warning": 0, "note": 0}}
	if out.Omitted == nil {
		out.Omitted = []audit.Omission{}
	}
	if out.NotChecked == nil {
		out.NotChecked = []string{}
	}
	for _, f := range res.Findings {
		related := f.Related
		if related == nil {
			related = []audit.Location{}
		}
		out.Findings = append(out.Findings, findingJSON{Rule: f.Rule, Severity: f.Severity.String(), File: f.File, Line: f.Line, Message: f.Message, Fix: f.Fix, Related: related})
		out.Counts[f.Severity.String()]++
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// SARIF 2.1.0, the subset code-scanning systems read: the tool with its
// rules, and each result with its rule, level, message and location.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations,omitempty"`
	Results     []sarifResult     `json:"results"`
}

// sarifInvocation carries the notes of a run that a result cannot: how
// many findings were not listed.
type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	Name                 string       `json:"name"`
	ShortDescription     sarifText    `json:"shortDescription"`
	FullDescription      sarifText    `json:"fullDescription"`
	HelpURI              string       `json:"helpUri"`
	DefaultConfiguration sarifDefault `json:"defaultConfiguration"`
}

type sarifDefault struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID           string          `json:"ruleId"`
	RuleIndex        int             `json:"ruleIndex"`
	Level            string          `json:"level"`
	Message          sarifText       `json:"message"`
	Locations        []sarifLocation `json:"locations"`
	RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
}

type sarifLocation struct {
	ID               int           `json:"id,omitempty"`
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
	Message          *sarifText    `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// sarifURI makes a path a URI reference: relative paths stay relative (to
// the repository root, where CI runs), absolute ones become file URIs.
func sarifURI(path string) string {
	p := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		return "file://" + p
	}
	return strings.TrimPrefix(p, "./")
}

func sarifLocationOf(l audit.Location, id int, what string) sarifLocation {
	loc := sarifLocation{ID: id, PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(l.File)}, Region: sarifRegion{StartLine: max(l.Line, 1)}}}
	if what != "" {
		loc.Message = &sarifText{Text: what}
	}
	return loc
}

// CheckSARIF writes an audit as a SARIF 2.1.0 log, for code-scanning
// systems. The fix is part of each result's message, so that it shows
// where the result does.
func CheckSARIF(w io.Writer, res audit.Result, version string) error {
	driver := sarifDriver{Name: "badgw", Version: version, InformationURI: "https://github.com/badgw/badgw"}
	index := map[string]int{}
	for i, r := range audit.Rules() {
		index[r.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{ID: r.ID, Name: r.ID, ShortDescription: sarifText{r.Title}, FullDescription: sarifText{r.Why},
			HelpURI: r.Source, DefaultConfiguration: sarifDefault{Level: r.Severity.String()}})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	for _, f := range res.Findings {
		var msg strings.Builder
		msg.WriteString(f.Message)
		for i, fix := range f.Fix {
			fmt.Fprintf(&msg, "\n%d. %s", i+1, fix)
		}
		r := sarifResult{RuleID: f.Rule, RuleIndex: index[f.Rule], Level: f.Severity.String(), Message: sarifText{msg.String()},
			Locations: []sarifLocation{sarifLocationOf(f.Location, 0, "")}}
		for i, rel := range f.Related {
			r.RelatedLocations = append(r.RelatedLocations, sarifLocationOf(rel, i+1, rel.What))
		}
		run.Results = append(run.Results, r)
	}
	if len(res.Omitted) > 0 {
		inv := sarifInvocation{ExecutionSuccessful: true}
		for _, o := range res.Omitted {
			inv.Notifications = append(inv.Notifications, sarifNotification{Level: "note",
				Message: sarifText{fmt.Sprintf("%d more finding(s) of %s not listed (at most %d per rule)", o.Count, o.Rule, audit.MaxFindingsPerRule)}})
		}
		run.Invocations = []sarifInvocation{inv}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}
