/* SPDX-License-Identifier: MIT */
/* Readable output: what was found, how far to trust it, what to confirm. */
#include <stdio.h>
#include <string.h>

#include "tool.h"

static void
print_servers(const pacc_result *res)
{
	size_t n = pacc_result_server_count(res);

	if (n == 0)
		return;
	printf("  servers (first of each protocol is the one to use):\n");
	for (size_t i = 0; i < n; i++) {
		const pacc_server *s = pacc_result_server(res, i);
		unsigned auth = pacc_server_auth(s);

		printf("    %-11s ",
		    pacc_protocol_name(pacc_server_protocol(s)));
		if (pacc_server_url(s))
			printf("%s", pacc_server_url(s));
		else
			printf("%s:%u (%s TLS) user %s", pacc_server_host(s),
			    pacc_server_port(s),
			    pacc_tls_mode_name(pacc_server_tls(s)),
			    pacc_server_username(s) ? pacc_server_username(s)
						    : "-");
		printf("  auth:%s%s\n",
		    (auth & PACC_AUTH_PASSWORD) ? " password" : "",
		    (auth & PACC_AUTH_OAUTH2) ? " oauth2" : "");
	}
}

static void
print_trust(const pacc_result *res)
{
	const char *reason = pacc_result_dnssec_reason(res);

	printf("  integrity: digest %s, DNSSEC %s%s%s%s\n",
	    pacc_digest_state_name(pacc_result_digest(res)),
	    pacc_dnssec_name(pacc_result_dnssec(res)), reason ? " (" : "",
	    reason ? reason : "", reason ? ")" : "");
	if (pacc_result_outcome(res) != PACC_RESULT_FOUND)
		return;
	if (!pacc_result_confirm_required(res)) {
		printf("  trust: authenticated (digest verified against a "
		       "DNSSEC-secure record; every host is inside the "
		       "address's domain)\n");
		return;
	}
	printf("  trust: NOT authenticated -- confirm these domains before "
	       "any credential is sent:\n");
	for (size_t i = 0; i < pacc_result_confirm_count(res); i++)
		printf("    %s\n", pacc_result_confirm_domain(res, i));
}

void
out_text_changes(const pacc_changes *c, const char *file)
{
	size_t n = pacc_changes_count(c);

	printf("  changes since %s: %s\n", file,
	    pacc_change_decision_name(pacc_changes_decision(c)));
	for (size_t i = 0; i < n; i++)
		printf("    %-9s %s\n", pacc_changes_kind(c, i),
		    pacc_changes_what(c, i));
	if (pacc_changes_decision(c) == PACC_CHANGES_NEEDS_APPROVAL)
		printf("  the new answer is not authenticated: ask the user "
		       "before applying it\n");
}

/* --doh: "DNS cross-check over DoH: agree (N questions)" or what differs. */
void
out_text_crosscheck(const pacc_result *res)
{
	size_t nq = pacc_result_crosscheck_questions(res);
	size_t nd = pacc_result_crosscheck_difference_count(res);
	size_t ne = pacc_result_crosscheck_error_count(res);

	if (pacc_result_crosscheck_doh(res) == NULL) {
		printf("  DNS cross-check over DoH: not run (no answer to "
		       "check)\n");
		return;
	}
	switch (pacc_result_crosscheck_agree(res)) {
	case 1:
		printf("  DNS cross-check over DoH: agree (%zu question%s)\n",
		    nq, nq == 1 ? "" : "s");
		break;
	case 0:
		printf("  DNS cross-check over DoH: DIFFERENT answers for %zu "
		       "of %zu questions -- DNS may have been tampered with:\n",
		    nd, nq);
		break;
	default:
		printf("  DNS cross-check over DoH: incomplete (%zu error%s "
		       "among %zu questions, no difference)\n",
		    ne, ne == 1 ? "" : "s", nq);
		break;
	}
	for (size_t i = 0; i < nd; i++)
		printf("    %s\n", pacc_result_crosscheck_difference(res, i));
	for (size_t i = 0; i < ne; i++)
		printf("    error: %s\n", pacc_result_crosscheck_error(res, i));
}

void
out_text_result(const pacc_result *res)
{
	pacc_outcome o = pacc_result_outcome(res);
	int mech = pacc_result_mechanism(res);

	printf("%s: %s", pacc_result_address(res), pacc_outcome_name(o));
	if (mech >= 0)
		printf(" by %s", pacc_mechanism_name((pacc_mechanism)mech));
	printf("\n");
	if (o != PACC_RESULT_FOUND)
		printf("  %s\n", pacc_result_errmsg(res));
	if (pacc_result_domain(res) && pacc_result_domain_unicode(res) &&
	    strcmp(pacc_result_domain(res), pacc_result_domain_unicode(res)) !=
		0)
		printf("  domain: %s (%s)\n", pacc_result_domain_unicode(res),
		    pacc_result_domain(res));
	if (pacc_result_source(res))
		printf("  source: %s\n", pacc_result_source(res));
	if (pacc_result_provider_name(res))
		printf("  provider: %s\n", pacc_result_provider_name(res));
	if (o != PACC_RESULT_ERROR)
		print_trust(res);
	print_servers(res);
	if (pacc_result_oauth_issuer(res))
		printf("  oauth2 issuer: %s\n", pacc_result_oauth_issuer(res));
	if (pacc_result_attempt_count(res))
		printf("  attempts:\n");
	for (size_t i = 0; i < pacc_result_attempt_count(res); i++) {
		const pacc_attempt *a = pacc_result_attempt(res, i);
		pacc_attempt_outcome ao = pacc_attempt_outcome_get(a);

		if (ao == PACC_ATTEMPT_SKIPPED)
			continue;
		printf("    %-12s %-9s %5ld ms  %s%s%s\n",
		    pacc_mechanism_name(pacc_attempt_mechanism(a)),
		    pacc_attempt_outcome_name(ao), pacc_attempt_elapsed_ms(a),
		    pacc_attempt_code(a) ? pacc_attempt_code(a) : "",
		    pacc_attempt_code(a) ? ": " : "",
		    pacc_attempt_detail(a) ? pacc_attempt_detail(a) : "");
	}
}
