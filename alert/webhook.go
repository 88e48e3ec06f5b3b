package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/template"
	"time"

	"github.com/badgw/badgw/report"
)

// WebhookBody is what --webhook posts for each notice (JSON, version 1).
type WebhookBody struct {
	Version int    `json:"version"`
	ID      string `json:"id"` // the same on every retry of one notice
	Event   Kind   `json:"event"`
	// Changed names what an update changed; PreviousCause is the top
	// cause before a change of cause.
	Changed       []string `json:"changed,omitempty"`
	PreviousCause string   `json:"previous_cause,omitempty"`
	Stopped       bool     `json:"stopped"`
	Reason        string   `json:"reason,omitempty"`
	Host          string   `json:"host"`
	Since         string   `json:"since"`
	SentAt        string   `json:"sent_at"`
	Summary       string   `json:"summary"`
	Fix           string   `json:"fix"`
	// Burst is the burst as WriteBurstJSON writes it (id 0 while open).
	Burst json.RawMessage `json:"burst"`
}

// TemplateData is what a --webhook-template is executed with; every text
// in it is cleaned of control characters and escaped for Slack's mrkdwn
// (&, <, >), so log content cannot mention a channel or forge a link.
type TemplateData struct {
	Event, Host, Upstream, Cause, PreviousCause string
	Summary, Fix, Evidence, Peers, Reason       string
	Changed                                     []string
	Stopped                                     bool
	Start, End, Since                           time.Time
	Requests, BadGateway                        int
	Share                                       float64
}

var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackText(s string) string { return slackEscaper.Replace(s) }

// ParseTemplate reads a --webhook-template: Go text/template over
// TemplateData, its output posted as {"text": …}.
func ParseTemplate(text string) (*template.Template, error) {
	return template.New("webhook").Option("missingkey=error").Parse(text)
}

// Webhook posts each notice to a URL.
type Webhook struct {
	*queued
	url    string
	host   string
	tmpl   *template.Template
	client *http.Client
}

// NewWebhook returns a receiver posting to url: the JSON body, or with
// tmpl the template's text as a Slack-compatible {"text": …}.
func NewWebhook(url, host string, tmpl *template.Template, b Backoff, l Limit, errOut io.Writer) *Webhook {
	w := &Webhook{url: url, host: host, tmpl: tmpl, client: &http.Client{Timeout: 10 * time.Second}}
	w.queued = newQueued("webhook", w.post, b, l, errOut)
	return w
}

// Body renders the notice as it is posted.
func (w *Webhook) Body(n Notice) ([]byte, error) {
	if w.tmpl != nil {
		b := n.Burst
		d := TemplateData{Event: string(n.Kind), Host: slackText(report.Clean(w.host)), Upstream: slackText(report.Clean(b.Group)),
			Cause: slackText(Cause(b)), PreviousCause: slackText(n.PrevCause), Summary: slackText(Summary(n)), Fix: slackText(Fix(b)),
			Evidence: slackText(Evidence(b)), Peers: slackText(Peers(b)), Reason: slackText(n.Reason), Changed: n.Changed, Stopped: n.Stopped,
			Start: b.Start, End: b.End, Since: n.Since, Requests: b.Requests, BadGateway: b.BadGateway, Share: b.Share()}
		var text strings.Builder
		if err := w.tmpl.Execute(&text, d); err != nil {
			return nil, err
		}
		return json.Marshal(map[string]string{"text": text.String()})
	}
	var burst bytes.Buffer
	if err := report.WriteBurstJSON(&burst, n.Burst); err != nil {
		return nil, err
	}
	return json.Marshal(WebhookBody{Version: 1, ID: n.ID(), Event: n.Kind, Changed: n.Changed, PreviousCause: n.PrevCause,
		Stopped: n.Stopped, Reason: n.Reason, Host: report.Clean(w.host), Since: n.Since.UTC().Format(time.RFC3339),
		SentAt: n.At.UTC().Format(time.RFC3339), Summary: Summary(n), Fix: Fix(n.Burst), Burst: bytes.TrimSpace(burst.Bytes())})
}

func (w *Webhook) post(ctx context.Context, n Notice) error {
	body, err := w.Body(n)
	if err != nil {
		return permanent{err}
	}
	return postJSON(ctx, w.client, w.url, body)
}

// postJSON posts body; a 5xx, a 429 or no answer is worth retrying, any
// other refusal is not.
func postJSON(ctx context.Context, c *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return permanent{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "badgw")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = fmt.Errorf("%s answered %s: %s", url, resp.Status, strings.TrimSpace(string(msg)))
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return err
	}
	return permanent{err}
}
