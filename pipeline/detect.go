package pipeline

// Detection: each set's access format and the error log's zone, from the
// first lines.

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/badgw/badgw/logparse"
)

// chooseFormats decides each set's access format: the one given (checked
// against the set's lines), or the preset detected from them; nil for a set
// without access lines. A set whose lines no format fits stops the run,
// naming the set, unless most of its lines are error.log entries: then it
// is an error log, and errorLogs says so, so its other lines are counted
// as foreign rather than stopping the run (an application writes into
// nginx's error log through FastCGI's stderr, a person pastes a note).
func chooseFormats(cfg RunConfig, samples [][][]byte, sampleAt [][]string, stats *IngestStats) (formats []*logparse.Format, errorLogs []bool, err error) {
	cands := cfg.Candidates
	if len(cands) == 0 {
		cands = logparse.Candidates()
	}
	formats = make([]*logparse.Format, len(samples))
	errorLogs = make([]bool, len(samples))
	var detections, labels []string
	for i, raw := range samples {
		sample, kept := accessLookingAt(raw)
		var names []string
		if len(sampleAt[i]) == len(raw) {
			for _, k := range kept {
				names = append(names, sampleAt[i][k])
			}
		}
		name := cfg.Sets[i].Base
		switch {
		case len(sample) == 0:
			formats[i] = cfg.Format // an error log, or an empty one: lines may come later on a pipe
			errorLogs[i] = len(raw) > 0
			continue
		case cfg.Format != nil:
			if _, err := logparse.CheckFormat(cfg.Format, sample, cands, names...); err != nil {
				if mostlyErrorEntries(raw, sample) {
					formats[i], errorLogs[i] = cfg.Format, true
					continue
				}
				return nil, nil, inSet(name, len(samples), err)
			}
			formats[i] = cfg.Format
		default:
			det, err := logparse.Detect(sample, cands, names...)
			if err != nil {
				if mostlyErrorEntries(raw, sample) {
					errorLogs[i] = true
					continue
				}
				return nil, nil, inSet(name, len(samples), err)
			}
			formats[i] = det.Format
			detections = append(detections, fmt.Sprintf("detected %q: parsed %d of %d sample lines", det.Format.Name, det.Matched, det.Sampled))
		}
		if l := logparse.Label(formats[i]); !slices.Contains(labels, l) {
			labels = append(labels, l)
			if stats.Format == "" {
				stats.Format = formats[i].Name
			}
		}
		for _, p := range cfg.Sets[i].Paths {
			stats.setFormat(p, formats[i].Name)
		}
	}
	if stats.Format == "" && cfg.Format != nil {
		stats.Format, labels = cfg.Format.Name, []string{logparse.Label(cfg.Format)}
	}
	// A set with no access line in its sample (an error log, or one that
	// starts with errors) reads any later access line with the first
	// format found.
	var first *logparse.Format
	for _, f := range formats {
		if f != nil && first == nil {
			first = f
		}
	}
	for i := range formats {
		if formats[i] == nil {
			formats[i] = first
		}
	}
	stats.FormatLabel = strings.Join(labels, "; ")
	stats.Detection = strings.Join(slices.Compact(detections), "; ")
	return formats, errorLogs, nil
}

// mostlyErrorEntries reports whether the error entries and their
// continuation lines outnumber the other lines of a sample: what a file
// is, is decided by what most of its lines are.
func mostlyErrorEntries(raw, accessLooking [][]byte) bool {
	blank := 0
	for _, l := range raw {
		if len(bytes.TrimSpace(l)) == 0 {
			blank++
		}
	}
	return len(raw)-blank-len(accessLooking) > len(accessLooking)
}

// inSet names the input in a detection error when there are several.
func inSet(name string, sets int, err error) error {
	if sets < 2 {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// accessLooking keeps the sample lines that may be access lines: not blank,
// not error entries, not continuations of an error entry.
func accessLooking(sample [][]byte) [][]byte {
	out, _ := accessLookingAt(sample)
	return out
}

// accessLookingAt is accessLooking with the index in sample of each line
// kept, to name where a line came from.
func accessLookingAt(sample [][]byte) ([][]byte, []int) {
	var out [][]byte
	var at []int
	afterError := false
	for i, l := range sample {
		switch {
		case len(bytes.TrimSpace(l)) == 0:
		case logparse.IsErrorLine(l):
			afterError = true
		case afterError && isContinuation(l):
		default:
			afterError = false
			out = append(out, l)
			at = append(at, i)
		}
	}
	return out, at
}

// zoneFromSample takes the error log's zone from the access log's offset.
func zoneFromSample(sample [][]byte, f *logparse.Format) (*time.Location, string) {
	if f != nil {
		var rec logparse.Record
		for _, l := range sample {
			if f.Parse(l, &rec) == nil && !rec.Time.IsZero() {
				return rec.Time.Location(), "offset of the access log's times"
			}
		}
	}
	return time.Local, "local zone of this machine"
}

func zoneName(l *time.Location) string {
	_, off := time.Date(2026, 1, 1, 0, 0, 0, 0, l).Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, off/3600, off/60%60)
}
