package diagnose

import (
	"sort"
	"time"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/nginxconf"
)

// Count is a label with how often it occurred.
type Count struct {
	Key string `json:"key"`
	N   int    `json:"count"`
}

// Evidence is what the rules read about one burst: what the access log
// counted, the error-log events joined to it, and nginx.conf's view of its
// group. correlate fills it in when a burst is explained.
type Evidence struct {
	// FailsRequests is set when the bad responses are failed requests (a
	// 502 burst, or an error-log burst standing for one); Is502 and Is504
	// name the kind.
	FailsRequests, Is502, Is504 bool
	Group                       string
	Start, End                  time.Time
	Bad, Requests, Attempts     int
	GatewayTimeout              int
	// Chains are the $upstream_status chains of the bad responses.
	Chains     []Count
	Categories [logparse.NumCategories]int
	// CatPeers are the peers that logged each category, busiest first.
	CatPeers map[logparse.Category][]Count
	// BadPeers are the peers the bad responses tried last, busiest first.
	BadPeers []Count
	// Prelude counts the error-log events in the seconds before the
	// burst; Prelude500 and Prelude5xx the upstream 500s and 5xx answers
	// there, which count as peer failures when proxy_next_upstream lists
	// them.
	Prelude                [logparse.NumCategories]int
	Prelude500, Prelude5xx int
	// PreludeFirst is the time of each category's first event there.
	PreludeFirst [logparse.NumCategories]time.Time
	// GroupNamed counts bad responses whose $upstream_addr is the group's
	// name (no live peer); Placeholder those sent to 0.0.0.1 (a Lua
	// balancer set none).
	GroupNamed, Placeholder int
	// NeverConnected and NoHeader read the access log's timings: bad
	// attempts without a connect time, and connected ones without a
	// header time.
	NeverConnected, NoHeader int
	// Peer502 counts the bad responses whose last attempt was a peer's
	// 502 ($upstream_status 502 from an address); Connected502 and
	// Headed502 those of them with a connect time and a header time.
	Peer502, Connected502, Headed502 int
	// ResponseTimed counts the bad responses with an upstream response
	// time; ResponseMin and ResponseMax are their range.
	ResponseTimed            int
	ResponseMin, ResponseMax time.Duration
	// Protocols are the schemes of the error lines' upstream URLs
	// (http, https, fastcgi, uwsgi, scgi, grpc, …), most first.
	Protocols []Count
	// SocketErrnos counts the socket_unavailable lines by errno (Linux
	// numbers): 11, every worker busy and the listen queue full; 2, no
	// socket file.
	SocketErrnos map[int]int
	// ErrorLogGiven: an error log is among the inputs, so its silence
	// about a 502 means something.
	ErrorLogGiven bool
	Joined        int
	Methods       map[string]int
	// AbruptFirst and RefusedFirst are each peer's first premature close
	// or reset, and first refusal; AbruptTimes the first few closes.
	AbruptFirst, RefusedFirst map[string]time.Time
	AbruptTimes               map[string][]time.Time
	// RefusedLast is each peer's last refusal; BackAt the first answer it
	// gave after that, for a peer that came back.
	RefusedLast, BackAt map[string]time.Time
	// AbruptSending counts the closes, resets and broken pipes met while
	// nginx was still sending the request (its body, for an upload).
	AbruptSending int
	// ConnectTimed counts the burst's attempts with a connect time,
	// ConnectNew those that took a millisecond or more: new connections
	// (a reused keep-alive connection connects in no time).
	ConnectTimed, ConnectNew int
	// Examples holds the first error line of each category: its message
	// and upstream URL, for a cause to quote.
	Examples [logparse.NumCategories]Example
	// LuaSeen: earlier in the same run the group showed a Lua balancer
	// (the 0.0.0.1 placeholder, a balancer error on its peers).
	LuaSeen bool
	// ResolveNames are the host names that failed to resolve;
	// HostNotAllowed those a Lua balancer handed set_current_peer, which
	// takes addresses.
	ResolveNames   []Count
	HostNotAllowed []Count
	// SSLReasons says why TLS to the upstream failed, as "code:reason"
	// (logparse.SSLReason), most first.
	SSLReasons []Count
	// KeepaliveWhy are the reasons set_keepalive gave for failing.
	KeepaliveWhy []Count
	// URLs are the burst's most hit URLs.
	URLs []Count
	// Conf is the group's upstream block, nil without nginx.conf;
	// Settings the proxy settings in force for it and the audit's findings.
	Conf     *nginxconf.Upstream
	Settings *audit.Settings
	// Main holds nginx.conf's main-context settings (worker limits), for
	// any burst, nil without nginx.conf.
	Main *audit.Settings
	// AllFindings are the audit's findings about the whole configuration
	// (Lua code in locations belongs to no group).
	AllFindings []audit.Finding
}

// Duration is the burst's length, at least a second.
func (e *Evidence) Duration() time.Duration {
	if d := e.End.Sub(e.Start); d >= time.Second {
		return d
	}
	return time.Second
}

// Share is the bad responses' share of the requests.
func (e *Evidence) Share() float64 {
	if e.Requests == 0 {
		return 0
	}
	return float64(e.Bad) / float64(e.Requests)
}

// AttemptsPerRequest is upstream attempts per client request.
func (e *Evidence) AttemptsPerRequest() float64 {
	if e.Requests == 0 {
		return 0
	}
	return float64(e.Attempts) / float64(e.Requests)
}

// TopCounts sorts a histogram, most frequent first, ties by key.
func TopCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Key: k, N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// Example is what one error line said: its message and the upstream URL
// nginx was requesting.
type Example struct {
	Message, Upstream string
}
