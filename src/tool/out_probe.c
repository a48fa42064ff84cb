/* SPDX-License-Identifier: MIT */
/* Output of `pacc probe`: one block per server, or one JSON object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_out.h"
#include "tool.h"

static const char *
auth_words(unsigned bits)
{
	switch (bits & (PACC_AUTH_PASSWORD | PACC_AUTH_OAUTH2)) {
	case PACC_AUTH_PASSWORD:
		return "password";
	case PACC_AUTH_OAUTH2:
		return "oauth2";
	case PACC_AUTH_PASSWORD | PACC_AUTH_OAUTH2:
		return "password, oauth2";
	default:
		return "none";
	}
}

/* "  label  a b c" wrapped at 78 columns. */
static void
print_list(const char *label, const pacc_probe_server *s, size_t n,
    const char *(*get)(const pacc_probe_server *, size_t))
{
	int col;

	if (n == 0)
		return;
	col = printf("    %-13s", label);
	for (size_t i = 0; i < n; i++) {
		const char *v = get(s, i);
		int w = (int)strlen(v) + 1;

		if (col + w > 78 && col > 19) {
			printf("\n%19s", "");
			col = 19;
		}
		col += printf(" %s", v);
	}
	printf("\n");
}

static void
print_tls(const pacc_probe_server *s)
{
	const char *v = pacc_probe_server_tls_version(s);
	const char *c = pacc_probe_server_tls_cipher(s);
	const char *name = pacc_probe_server_tls_verify_name(s);

	if (pacc_probe_server_tls_verified(s))
		printf("    %-13s %s%s%s, certificate verified for %s\n", "tls",
		    v ? v : "TLS", c ? " " : "", c ? c : "",
		    name ? name : "the host");
	else if (pacc_probe_server_tls_verify_error(s))
		printf("    %-13s NOT verified for %s: %s\n", "tls",
		    name ? name : "the host",
		    pacc_probe_server_tls_verify_error(s));
	else if (v)
		printf("    %-13s %s, not verified\n", "tls", v);
	if (pacc_probe_server_cert_subject(s))
		printf("    %-13s %s\n", "certificate",
		    pacc_probe_server_cert_subject(s));
	if (pacc_probe_server_cert_issuer(s))
		printf("    %-13s %s\n", "issuer",
		    pacc_probe_server_cert_issuer(s));
	if (pacc_probe_server_cert_not_after(s))
		printf("    %-13s %s\n", "expires",
		    pacc_probe_server_cert_not_after(s));
}

static void
print_http(const pacc_probe_server *s)
{
	size_t n = pacc_probe_server_challenge_count(s);

	if (pacc_probe_server_http_status(s))
		printf("    %-13s %ld\n", "http status",
		    pacc_probe_server_http_status(s));
	if (pacc_probe_server_redirect(s))
		printf("    %-13s %s (not followed)\n", "redirect",
		    pacc_probe_server_redirect(s));
	for (size_t i = 0; i < n; i++) {
		const pacc_challenge *c = pacc_probe_server_challenge(s, i);
		size_t np = pacc_challenge_param_count(c);

		printf("    %-13s %s", i ? "" : "challenges",
		    pacc_challenge_scheme(c));
		if (pacc_challenge_token68(c))
			printf(" %s", pacc_challenge_token68(c));
		for (size_t k = 0; k < np; k++)
			printf("%s %s=\"%s\"", k ? "," : "",
			    pacc_challenge_param_name(c, k),
			    pacc_challenge_param_value(c, k));
		printf("\n");
	}
	if (pacc_probe_server_challenges_incomplete(s))
		printf("    %-13s some challenges were malformed or beyond the "
		       "limits\n",
		    "");
}

static void
print_server(const pacc_probe_server *s)
{
	pacc_protocol p = pacc_probe_server_protocol(s);
	bool ok = pacc_probe_server_status(s) == PACC_PROBE_OK;
	const char *peer = pacc_probe_server_peer(s);

	printf("%-11s ", pacc_protocol_name(p));
	if (pacc_probe_server_url(s))
		printf("%s", pacc_probe_server_url(s));
	else
		printf("%s%s%s:%u (%s)",
		    strchr(pacc_probe_server_host(s), ':') ? "[" : "",
		    pacc_probe_server_host(s),
		    strchr(pacc_probe_server_host(s), ':') ? "]" : "",
		    pacc_probe_server_port(s),
		    pacc_probe_server_tls(s) == PACC_TLS_IMPLICIT
			? "implicit TLS"
			: pacc_probe_server_tls(s) == PACC_TLS_STARTTLS
			? "STARTTLS"
			: "no TLS");
	printf("  %s", ok ? "OK" : "FAILED");
	if (!ok)
		printf(" %s%s", pacc_probe_server_code(s),
		    pacc_probe_server_security_finding(s)
			? " (security finding)"
			: "");
	printf(" [%ld ms]\n", pacc_probe_server_elapsed_ms(s));
	printf("    %-13s %s\n", "detail", pacc_probe_server_detail(s));
	if (peer)
		printf("    %-13s %s (address DNSSEC %s)\n", "peer", peer,
		    pacc_dnssec_name(pacc_probe_server_dnssec(s)));
	print_tls(s);
	if (pacc_probe_server_greeting(s))
		printf("    %-13s %s\n", "greeting",
		    pacc_probe_server_greeting(s));
	if (pacc_probe_server_capability_count(s) &&
	    !pacc_probe_server_caps_over_tls(s))
		printf("    %-13s (read without TLS: for diagnosis only)\n",
		    "capabilities");
	print_list(pacc_probe_server_caps_over_tls(s) ? "capabilities" : "", s,
	    pacc_probe_server_capability_count(s),
	    pacc_probe_server_capability);
	print_list("sasl", s, pacc_probe_server_sasl_count(s),
	    pacc_probe_server_sasl);
	if (p == PACC_PROTO_IMAP && pacc_probe_server_login_disabled(s))
		printf("    %-13s LOGINDISABLED\n", "");
	if (p == PACC_PROTO_JMAP || p == PACC_PROTO_CALDAV ||
	    p == PACC_PROTO_CARDDAV || p == PACC_PROTO_WEBDAV)
		print_http(s);
	printf("    %-13s usable: %s (offered: %s; ", "auth",
	    auth_words(pacc_probe_server_auth_usable(s)),
	    auth_words(pacc_probe_server_auth_offered(s)));
	if (pacc_probe_server_from_result(s))
		printf("promised: %s)\n",
		    auth_words(pacc_probe_server_auth_promised(s)));
	else
		printf("explicit URL)\n");
}

void
out_probe_text(const pacc_probe_result *res)
{
	const pacc_result *d = pacc_probe_result_discovery(res);
	size_t n = pacc_probe_result_server_count(res), ok = 0, sec = 0;

	if (pacc_probe_result_address(res))
		printf("%s\n", pacc_probe_result_address(res));
	if (d) {
		int m = pacc_result_mechanism(d);

		printf("  discovery: %s%s%s\n",
		    pacc_outcome_name(pacc_result_outcome(d)),
		    m >= 0 ? " via " : "",
		    m >= 0 ? pacc_mechanism_name((pacc_mechanism)m) : "");
		if (pacc_result_outcome(d) != PACC_RESULT_FOUND) {
			printf("  %s\n  nothing to probe\n",
			    pacc_result_errmsg(d));
			return;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const pacc_probe_server *s = pacc_probe_result_server(res, i);

		ok += pacc_probe_server_status(s) == PACC_PROBE_OK;
		sec += pacc_probe_server_security_finding(s) != 0;
		print_server(s);
	}
	if (pacc_probe_result_error(res) != PACC_OK)
		printf("error: %s\n", pacc_probe_result_errmsg(res));
	printf("%zu server%s: %zu ok, %zu failed", n, n == 1 ? "" : "s", ok,
	    n - ok);
	if (sec)
		printf(" (%zu security finding%s)", sec, sec == 1 ? "" : "s");
	printf("\n");
}

int
out_probe_json(const pacc_probe_result *res)
{
	char *s = NULL;

	if (pacc_probe_result_to_json(&s, res, PACC_JSON_PRETTY) != PACC_OK) {
		fprintf(stderr, "pacc: out of memory\n");
		return -1;
	}
	puts(s);
	free(s);
	return fflush(stdout) == 0 ? 0 : -1;
}

int
probe_exit_status(const pacc_probe_result *res)
{
	size_t n = pacc_probe_result_server_count(res);
	bool failed = false, internal = false;

	for (size_t i = 0; i < n; i++) {
		const pacc_probe_server *s = pacc_probe_result_server(res, i);
		const char *code = pacc_probe_server_code(s);

		/* DESIGN §4: security findings outrank everything */
		if (pacc_probe_server_security_finding(s))
			return EXIT_SECURITY;
		if (pacc_probe_server_status(s) != PACC_PROBE_OK)
			failed = true;
		if (code && strcmp(code, "internal-error") == 0)
			internal = true;
	}
	if (pacc_probe_result_error(res) != PACC_OK || internal)
		return EXIT_ENVIRONMENT;
	return failed ? EXIT_NEGATIVE : EXIT_FOUND;
}
