package cmd

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/store/victorialogs"
)

// StoreOptions choose a log store to read instead of files.
type StoreOptions struct {
	VictoriaLogs         string
	Query                string
	Since                time.Duration
	From, To             string
	AccountID, ProjectID string
	OrderField           string
	HostField            string
	Profile              string
	Read                 string
	// from and to are the range checkStore settled.
	from, to time.Time
	// counted are the counted reads of the access lines, for the line
	// that says how much of them was read; skipped say how many answer
	// lines each reader skipped as too long.
	counted []*victorialogs.Counted
	skipped []func() int
}

func (o *StoreOptions) addStoreFlags(f *pflag.FlagSet) {
	f.StringVar(&o.VictoriaLogs, "victorialogs", "", "read the logs from this VictoriaLogs (its base URL) instead of files; credentials from BADGW_VICTORIALOGS_USER and _PASSWORD, or _TOKEN")
	f.StringVar(&o.Query, "query", "*", "with --victorialogs: the LogsQL filter that selects nginx's access and error lines")
	f.DurationVar(&o.Since, "since", 0, "with --victorialogs: the range ending now, e.g. 6h")
	f.StringVar(&o.From, "from", "", "with --victorialogs: the start of the range (RFC 3339)")
	f.StringVar(&o.To, "to", "", "with --victorialogs: the end of the range (RFC 3339; default now)")
	f.StringVar(&o.AccountID, "account-id", "", "with --victorialogs: the tenant's AccountID")
	f.StringVar(&o.ProjectID, "project-id", "", "with --victorialogs: the tenant's ProjectID")
	f.StringVar(&o.HostField, "host-field", "", "with --victorialogs: the field that names each line's nginx host (several hosts, each analysed as --host-from-path does)")
	f.StringVar(&o.Profile, "store-profile", "raw", "with --victorialogs: how the shipper kept nginx's lines: raw (whole, in _msg) or vector (the fields of Vector's parse_nginx_log)")
	f.StringVar(&o.OrderField, "order-field", "log.offset", "with --victorialogs: the field that orders the lines of one second (Filebeat's log.offset; a line's byte offset or a sequence number)")
}

// checkStore checks the store flags (changed says which were given) and
// settles the range to read.
func (o *StoreOptions) checkStore(now time.Time, files []string, changed func(string) bool) error {
	if o.VictoriaLogs == "" {
		for _, name := range []string{"query", "since", "from", "to", "account-id", "project-id", "order-field", "host-field", "store-profile", "store-read"} {
			if changed(name) {
				return flagErrorf("--%s needs --victorialogs", name)
			}
		}
		return nil
	}
	if o.Read != "" && o.Read != "counted" && o.Read != "all" {
		return flagErrorf("--store-read: %q is neither counted nor all", report.Clean(o.Read))
	}
	if o.Profile != "raw" {
		if victorialogs.Profiles[o.Profile] == nil {
			return flagErrorf("--store-profile: no profile %q (raw, vector)", report.Clean(o.Profile))
		}
		if changed("format") || changed("format-name") {
			return flagErrorf("--store-profile %s writes the access lines in a format of its own: give no --format", o.Profile)
		}
	}
	from, to, err := o.storeRange(now, files)
	o.from, o.to = from, to
	return err
}

// storeProfile is the profile of --store-profile; nil for raw lines.
func (o *StoreOptions) storeProfile() *victorialogs.Profile {
	return victorialogs.Profiles[o.Profile]
}

func (o *StoreOptions) storeRange(now time.Time, files []string) (from, to time.Time, err error) {
	if len(files) > 0 {
		return from, to, flagErrorf("--victorialogs reads the logs from the store: name no files")
	}
	if u, err := url.Parse(o.VictoriaLogs); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return from, to, flagErrorf("--victorialogs needs an http:// or https:// URL, not %q", report.Clean(o.VictoriaLogs))
	}
	to = now
	if o.To != "" {
		if to, err = time.Parse(time.RFC3339, o.To); err != nil {
			return from, to, flagErrorf("--to: %v", err)
		}
	}
	switch {
	case o.Since > 0 && o.From != "":
		return from, to, flagErrorf("give --since or --from, not both")
	case o.Since > 0:
		from = to.Add(-o.Since)
	case o.From != "":
		if from, err = time.Parse(time.RFC3339, o.From); err != nil {
			return from, to, flagErrorf("--from: %v", err)
		}
	default:
		return from, to, flagErrorf("--victorialogs needs a range: --since 6h, or --from (and --to)")
	}
	if !from.Before(to) {
		return from, to, flagErrorf("the range is empty: %s is not before %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

// addStore makes the store's lines the run's one input: the lines the
// query matches in the range, counted first (a query that matches nothing
// is an error, not an empty report).
func (o *AnalyzeOptions) addStore(ctx context.Context, cfg *pipeline.RunConfig) error {
	from, to := o.from, o.to
	c := o.storeClient()
	n, err := c.Count(ctx, o.Query, from, to)
	if err != nil {
		return &exitError{code: ExitInput, err: err}
	}
	if n == 0 {
		return &exitError{code: ExitInput, err: fmt.Errorf("%s: the query %q matched no line from %s to %s", report.Clean(o.VictoriaLogs),
			report.Clean(o.Query), from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))}
	}
	if p := o.storeProfile(); p != nil {
		// Lines there are, but are they the profile's? None with its
		// fields is an error, not a report of nothing.
		var found int64
		for _, f := range []string{p.AccessFilter, p.ErrorFilter} {
			k, err := c.Count(ctx, fmt.Sprintf("(%s) %s", o.Query, f), from, to)
			if err != nil {
				return &exitError{code: ExitInput, err: err}
			}
			found += k
		}
		if found == 0 {
			return &exitError{code: ExitInput, err: fmt.Errorf("%s: none of the %d lines the query %q matched has the fields of --store-profile %s (%s, or %s)",
				report.Clean(o.VictoriaLogs), n, report.Clean(o.Query), p.Name, p.AccessFilter, p.ErrorFilter)}
		}
	}
	ins, err := o.storeInputs(ctx, c, from, to)
	if err != nil {
		return &exitError{code: ExitInput, err: err}
	}
	cfg.Readers = map[string]io.Reader{}
	o.skipped = nil
	counting, err := o.counting(ctx, c, cfg, ins)
	if err != nil {
		return &exitError{code: ExitInput, err: err}
	}
	for _, in := range ins {
		cfg.Sets = append(cfg.Sets, input.Set{Base: in.name, Paths: []string{in.name}, Host: in.host})
		lines := c.Lines(ctx, in.filter, from, to)
		cfg.Readers[in.name] = lines
		o.skipped = append(o.skipped, func() int { return lines.TooLong })
		if !in.access || counting == nil {
			continue
		}
		r, err := c.Counted(ctx, in.filter, from, to, *counting)
		if victorialogs.ErrNotCountable(err) {
			fmt.Fprintf(o.IO.ErrOut, "badgw: reading every access line from the store: the format cannot be counted there exactly (%s)\n", report.Clean(err.Error()))
			counting = nil
			continue
		}
		if err != nil {
			return &exitError{code: ExitInput, err: err}
		}
		r.Name = in.name
		o.counted = append(o.counted, r)
		cfg.Readers[in.name] = r
		o.skipped[len(o.skipped)-1] = func() int { return r.TooLong }
	}
	return nil
}

// counting is how a counted read of the access lines chooses what it
// reads; nil where every line is read (--store-read all, a profile's
// fields). Without --format or nginx.conf, the format is detected from the
// first lines of the range, as the pipeline would.
func (o *AnalyzeOptions) counting(ctx context.Context, c *victorialogs.Client, cfg *pipeline.RunConfig, ins []storeInput) (*victorialogs.Counting, error) {
	if o.Read != "counted" || o.storeProfile() != nil {
		return nil, nil
	}
	format := cfg.Format
	if format == nil {
		// Each host's access lines are detected on their own, as files
		// are; the written-back lines are in one format, so the hosts
		// must agree on it.
		for _, in := range ins {
			if !in.access {
				continue
			}
			sample, err := c.Sample(ctx, in.filter, o.from, o.to, sampleLines)
			if err != nil {
				return nil, err
			}
			if len(sample) == 0 {
				return nil, nil // no raw line: the reader of every line says so
			}
			d, err := logparse.Detect(sample, logparse.Candidates(cfg.Candidates...))
			if err != nil {
				return nil, fmt.Errorf("%s: the first access lines of the range: %w", report.Clean(in.name), err)
			}
			if format != nil && d.Format.Spec != format.Spec {
				fmt.Fprintf(o.IO.ErrOut, "badgw: reading every access line from the store: its hosts' lines are in more than one format (give --format or --nginx-conf to count them)\n")
				return nil, nil
			}
			format = d.Format
		}
		if format == nil {
			return nil, nil
		}
		cfg.Format = format
	}
	return &victorialogs.Counting{Format: format, Chain: cfg.Options.Chain(), Min: o.Min502}, nil
}

// sampleLines is how many of the first access lines decide their format.
const sampleLines = 1000

// storeRead says how much of the access lines a counted read read, on
// stderr once the analysis has run.
func (o *AnalyzeOptions) storeRead() {
	skipped := 0
	for _, n := range o.skipped {
		skipped += n()
	}
	if skipped > 0 {
		fmt.Fprintf(o.IO.ErrOut, "badgw: %d answer lines from the store were over %d bytes (a log line as long, or longer once escaped) and were skipped\n", skipped, input.MaxLine)
	}
	var all, fetched, spans, bad int64
	for _, r := range o.counted {
		all += r.Fetched + r.Written
		fetched += r.Fetched
		spans += int64(r.Spans)
		bad += r.Bad
	}
	if len(o.counted) == 0 || all == 0 {
		return
	}
	counted := ""
	if fetched < all {
		counted = "; the store counted the others"
	}
	fmt.Fprintf(o.IO.ErrOut, "badgw: %d of the %d access lines read from the store (%.2f %%, in %d ranges of seconds, for %d lines that are not plain in the hours counted)%s\n",
		fetched, all, 100*float64(fetched)/float64(all), spans, bad, counted)
	for _, r := range o.counted {
		if !r.GaveUp.IsZero() {
			fmt.Fprintf(o.IO.ErrOut, "badgw: %s: from %s on every line was read without counts: more than half of each of the two hours before had to be read\n",
				report.Clean(r.Name), r.GaveUp.UTC().Format(time.RFC3339))
		}
	}
}

// storeClient is the client the flags and the environment describe.
func (o *StoreOptions) storeClient() *victorialogs.Client {
	return &victorialogs.Client{URL: o.VictoriaLogs, AccountID: o.AccountID, ProjectID: o.ProjectID, Order: o.OrderField, Profile: o.storeProfile(),
		User: os.Getenv("BADGW_VICTORIALOGS_USER"), Password: os.Getenv("BADGW_VICTORIALOGS_PASSWORD"), Token: os.Getenv("BADGW_VICTORIALOGS_TOKEN")}
}

type storeInput struct {
	name, filter, host string
	access             bool
}

// storeInputs are the access and the error lines of the query, read as
// two inputs as from files: the merge then puts an error line before the
// access lines of its second (nginx logs the failure before the request),
// which one stream sorted by second could not. With --host-field, two for
// each host the field names in the range.
func (o *StoreOptions) storeInputs(ctx context.Context, c *victorialogs.Client, from, to time.Time) ([]storeInput, error) {
	hosts := []string{""}
	if o.HostField != "" {
		var err error
		if hosts, err = c.Values(ctx, o.Query, o.HostField, from, to); err != nil {
			return nil, err
		}
		if len(hosts) == 0 {
			return nil, fmt.Errorf("%s: no line the query matched from %s to %s has the field %s", report.Clean(o.VictoriaLogs),
				from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), report.Clean(o.HostField))
		}
	}
	var ins []storeInput
	for _, h := range hosts {
		q, label := o.Query, o.Query
		if h != "" {
			q = fmt.Sprintf("(%s) %s", o.Query, victorialogs.Exact(o.HostField, h))
			label = o.Query + " on " + h
		}
		access, errLines := fmt.Sprintf("(%s) !_msg:~%q", q, errorLinePattern), fmt.Sprintf("(%s) _msg:~%q", q, errorLinePattern)
		if p := o.storeProfile(); p != nil {
			access, errLines = fmt.Sprintf("(%s) %s", q, p.AccessFilter), fmt.Sprintf("(%s) %s", q, p.ErrorFilter)
		}
		ins = append(ins,
			storeInput{"victorialogs access lines: " + label, access, h, true},
			storeInput{"victorialogs error lines: " + label, errLines, h, false})
	}
	return ins, nil
}

// errorLinePattern is how an nginx error.log entry starts: its date, time
// and the level in brackets ("2026/11/22 02:23:23 [error] ...").
const errorLinePattern = `^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [[]`
