package victorialogs

import (
	"strings"
	"testing"
	"time"

	"github.com/badgw/badgw/logparse"
)

// TestVectorRowsParseAsNginxLines: rows of Vector's parse_nginx_log
// fields (synthetic, in its field names) written back by the vector
// profile parse as nginx's lines: the error line's category, errno and
// peer; the access line's status, peer and a user agent with a quote in it.
func TestVectorRowsParseAsNginxLines(t *testing.T) {
	at := time.Date(2026, 12, 5, 2, 3, 4, 0, time.UTC)
	var b strings.Builder
	vectorProfile.line(&b, map[string]string{
		"severity": "error", "pid": "7", "tid": "7", "cid": "42", "message": "connect() failed (111: Connection refused) while connecting to upstream",
		"client": "192.0.2.1", "server": "_", "request": "GET /a HTTP/1.1", "upstream": "http://10.0.0.2:8080/a", "host": "x",
	}, at)
	var ev logparse.Event
	if err := logparse.ParseErrorLine([]byte(b.String()), time.UTC, &ev); err != nil {
		t.Fatalf("%v: %s", err, b.String())
	}
	if ev.Category != logparse.CatConnectRefused || ev.Errno != 111 || ev.Peer != "10.0.0.2:8080" || ev.Conn != 42 || !ev.Time.Equal(at) {
		t.Errorf("%+v from %s", ev, b.String())
	}

	format, err := logparse.ParseFormat(vectorProfile.AccessFormat)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	vectorProfile.line(&b, map[string]string{
		"status": "502", "request": "GET /a HTTP/1.1", "remote_addr": "192.0.2.1", "http_user_agent": `say "hi"`,
		"upstream_addr": "10.0.0.2:8080, 10.0.0.3:8080", "upstream_status": "502, 502", "request_time": "0.004",
	}, at)
	var rec logparse.Record
	if err := format.Parse([]byte(b.String()), &rec); err != nil {
		t.Fatalf("%v: %s", err, b.String())
	}
	if rec.Status != 502 || len(rec.Attempts) != 2 || string(rec.Attempts[1].Addr) != "10.0.0.3:8080" || !rec.Time.Equal(at) ||
		!strings.Contains(string(rec.UserAgent), `\x22hi\x22`) {
		t.Errorf("%+v from %s", rec, b.String())
	}
}
