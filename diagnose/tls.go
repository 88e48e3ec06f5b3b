package diagnose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/logparse"
)

// sslUpstream: TLS to the upstream failed. The fix follows the reason
// nginx logged (OpenSSL's verify code and text, nginx's own "does not
// match", or the handshake's error) and the settings in force, never one
// text for all: an expired certificate is renewed on the backend, an
// untrusted issuer is the chain the backend sends or the CA file nginx
// trusts, a name mismatch is proxy_ssl_name or the certificate's names.
// score(0.55, 0.4, share).
func sslUpstream(in ruleInput) (Cause, bool) {
	n := in.cat(logparse.CatSSLUpstream)
	if n == 0 {
		return Cause{}, false
	}
	peers := in.peerList(logparse.CatSSLUpstream)
	code, reason, seen := 0, "", 0
	if len(in.ev.SSLReasons) > 0 {
		top := in.ev.SSLReasons[0]
		c, r, _ := strings.Cut(top.Key, ":")
		code, _ = strconv.Atoi(c)
		reason, seen = r, top.N
	}
	set := func(get func(*audit.Settings) audit.Setting) audit.Setting {
		if in.ev.Settings == nil {
			return audit.Setting{}
		}
		return get(in.ev.Settings)
	}
	written := func(s audit.Setting, name string) string {
		if s.Written() {
			return fmt.Sprintf("%s %s at %s", name, s.Value, s.At)
		}
		return name
	}
	// The command to see what the peer sends, with its address and the
	// name nginx checks when they are known.
	peer, name := "PEER", "NAME"
	if ps := in.peers(logparse.CatSSLUpstream); len(ps) > 0 {
		peer = ps[0]
	}
	if s := set(func(s *audit.Settings) audit.Setting { return s.SSLName }); s.Written() {
		name = s.Value
	}
	sclient := fmt.Sprintf("\"openssl s_client -connect %s -servername %s -showcerts\"", peer, name)
	showCerts := sclient + " from nginx's host shows it"
	check := fmt.Sprintf("%s from nginx's host shows what %s sends", sclient, peers)
	var summary string
	var steps []Step
	switch {
	case code == 10 || code == 9:
		summary = fmt.Sprintf("%s sent a certificate that %s during %s: nginx refused it (\"%s\") and answered 502.", peers, map[int]string{10: "has expired", 9: "is not valid yet"}[code], in.window(), reason)
		steps = append(steps, step(fmt.Sprintf("Renew the certificate on %s (or fix its clock): %s, and \"| openssl x509 -noout -dates\" its validity. nginx's settings are right; nothing to change there.", peers, check), ""))
	case code == 2 || code == 18 || code == 19 || code == 20 || code == 21 || code == 24:
		trusted := set(func(s *audit.Settings) audit.Setting { return s.SSLTrusted })
		summary = fmt.Sprintf("nginx could not trust the issuer of the certificate %s sent during %s (\"%s\"): the backend serves a certificate from another CA, or without its intermediate certificates, or the CA file nginx trusts lacks its CA.", peers, in.window(), reason)
		steps = append(steps, step(fmt.Sprintf("Compare the issuer of the certificate %s sends with the CA in %s (%s): if the backend's certificate changed CA, add that CA to the file (or have the backend serve one from the trusted CA); if an intermediate is missing, have the backend send its full chain.", peers, written(trusted, "proxy_ssl_trusted_certificate"), showCerts), ""))
	case code == -1:
		checked := strings.TrimPrefix(reason, "does not match ")
		sslName := set(func(s *audit.Settings) audit.Setting { return s.SSLName })
		summary = fmt.Sprintf("The certificate %s sent during %s does not name %s, the name nginx checks: nginx refused it and answered 502.", peers, in.window(), checked)
		unset := " (unset: the host in proxy_pass)"
		if sslName.Written() {
			unset = ""
		}
		steps = append(steps, step(fmt.Sprintf("Issue the backend's certificate for %s (a subjectAltName DNS entry), or set the name nginx checks to one it carries: %s%s. %s.", checked, written(sslName, "proxy_ssl_name"), unset, check), ""))
	default:
		summary = fmt.Sprintf("TLS towards %s failed during %s (%d handshake or certificate errors%s).", peers, in.window(), n, reasonText(reason))
		steps = append(steps, step(fmt.Sprintf("%s; the reason above says whether the protocol, the cipher or the peer failed (\"wrong version number\": the port does not speak TLS, proxy_pass https:// to an HTTP port).", check), ""))
		var missing []string
		if s := set(func(s *audit.Settings) audit.Setting { return s.SSLServerName }); !s.Written() || s.Value == "off" {
			missing = append(missing, "\"proxy_ssl_server_name on;\" (SNI, which most TLS servers need)")
		}
		if s := set(func(s *audit.Settings) audit.Setting { return s.SSLProtocols }); !s.Written() {
			missing = append(missing, "\"proxy_ssl_protocols\" matching the peer's")
		}
		if len(missing) > 0 {
			steps = append(steps, step("Match nginx to the peer: "+strings.Join(missing, " and ")+".", ""))
		}
	}
	ev := []string{fmt.Sprintf("%d× SSL errors while SSL handshaking to upstream", n)}
	if reason != "" {
		ev = append(ev, fmt.Sprintf("%d× %s", seen, quoteReason(code, reason)))
	}
	return Cause{
		ID: CauseSSLUpstream, Confidence: score(0.55, 0.4, in.share(n)),
		Summary: summary, Evidence: ev, Steps: steps,
	}, true
}

// quoteReason writes a reason as nginx logged it.
func quoteReason(code int, reason string) string {
	switch {
	case code > 0:
		return fmt.Sprintf("\"upstream SSL certificate verify error: (%d:%s)\"", code, reason)
	case code < 0:
		return "\"upstream SSL certificate " + reason + "\""
	}
	return "\"" + reason + "\""
}

func reasonText(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

// TLSReading says what a TLS failure's reason means and what to change,
// for one line (badgw explain) as for a burst: the same reading in both.
func TLSReading(code int, reason string) (what, lever string) {
	switch {
	case code == 10 || code == 9:
		return "the upstream's certificate " + map[int]string{10: "has expired", 9: "is not valid yet"}[code],
			"Renew the certificate on the backend (or fix its clock); nginx's settings are right."
	case code == 2 || code == 18 || code == 19 || code == 20 || code == 21 || code == 24:
		return "nginx does not trust the issuer of the upstream's certificate (" + reason + ")",
			"Have the backend send a certificate from the trusted CA with its full chain, or add its CA to the file proxy_ssl_trusted_certificate names."
	case code == -1:
		return "the upstream's certificate " + reason + ", the name nginx checks",
			"Issue the certificate for that name (a subjectAltName), or set proxy_ssl_name to a name it carries."
	case reason != "":
		return "the TLS handshake failed: " + reason,
			"Compare what the peer offers with openssl s_client: \"wrong version number\" means the port does not speak TLS; otherwise SNI (proxy_ssl_server_name on) and proxy_ssl_protocols."
	}
	return "the TLS handshake failed",
		"Compare what the peer offers with openssl s_client: SNI (proxy_ssl_server_name on), proxy_ssl_protocols, proxy_ssl_trusted_certificate."
}
