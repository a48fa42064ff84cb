/* SPDX-License-Identifier: MIT */
#ifndef PACC_RESULT_H
#define PACC_RESULT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The answer of one discovery.  A result is immutable once delivered; every
 * getter borrows from it (strings stay valid while the result lives).
 * Enum values are fixed and never renumbered; new ones are appended.
 */
typedef struct pacc_result pacc_result;
typedef struct pacc_server pacc_server;
typedef struct pacc_attempt pacc_attempt;
typedef struct pacc_candidate pacc_candidate;

typedef enum pacc_outcome {
	PACC_RESULT_FOUND = 0,
	PACC_RESULT_NOT_FOUND = 1,
	PACC_RESULT_INTEGRITY_FAILURE = 3,
	PACC_RESULT_ERROR = 4
} pacc_outcome;

/* Discovery mechanisms, in rank order (DESIGN §1).  Also bit positions. */
typedef enum pacc_mechanism {
	PACC_MECH_PACC = 0,
	PACC_MECH_PACC_MX = 1,
	PACC_MECH_PACC_SRV = 2,
	PACC_MECH_WEBFINGER = 3,
	PACC_MECH_SRV = 4,
	PACC_MECH_AUTOCONFIG = 5,
	PACC_MECH_AUTODISCOVER = 6,
	PACC_MECH_ISPDB = 7,
	PACC_MECH_GUESS = 8,
	PACC_MECH__COUNT = 9
} pacc_mechanism;
#define PACC_MECH_BIT(m) (1u << (m))
#define PACC_MECH_ALL ((1u << PACC_MECH__COUNT) - 1u)

typedef enum pacc_protocol {
	PACC_PROTO_JMAP = 0,
	PACC_PROTO_IMAP = 1,
	PACC_PROTO_POP3 = 2,
	PACC_PROTO_SMTP = 3, /* message submission */
	PACC_PROTO_CALDAV = 4,
	PACC_PROTO_CARDDAV = 5,
	PACC_PROTO_WEBDAV = 6,
	PACC_PROTO_MANAGESIEVE = 7
} pacc_protocol;

typedef enum pacc_tls_mode {
	PACC_TLS_IMPLICIT = 0,
	PACC_TLS_STARTTLS = 1,
	PACC_TLS_NONE = 2
} pacc_tls_mode;

/* Bits of pacc_server_auth(). */
#define PACC_AUTH_PASSWORD 0x1u
#define PACC_AUTH_OAUTH2 0x2u

typedef enum pacc_dnssec {
	PACC_DNSSEC_NA = 0,
	PACC_DNSSEC_SECURE = 1,
	PACC_DNSSEC_INSECURE = 2,
	PACC_DNSSEC_BOGUS = 3
} pacc_dnssec;

typedef enum pacc_digest_state {
	PACC_DIGEST_NA = 0,
	PACC_DIGEST_VERIFIED = 1,
	PACC_DIGEST_MISMATCH = 2,
	PACC_DIGEST_ABSENT = 3
} pacc_digest_state;

typedef enum pacc_attempt_outcome {
	PACC_ATTEMPT_OK = 0,
	PACC_ATTEMPT_ABSENT = 1,
	PACC_ATTEMPT_FAILED = 2,
	PACC_ATTEMPT_SKIPPED = 3,
	PACC_ATTEMPT_CANCELLED = 4,
	PACC_ATTEMPT_TIMEOUT = 5
} pacc_attempt_outcome;

/* Stable names, as in the JSON output ("found", "pacc", "imap", ...). */
const char *pacc_outcome_name(pacc_outcome o);
const char *pacc_mechanism_name(pacc_mechanism m);
const char *pacc_protocol_name(pacc_protocol p);
const char *pacc_tls_mode_name(pacc_tls_mode t);
const char *pacc_dnssec_name(pacc_dnssec d);
const char *pacc_digest_state_name(pacc_digest_state d);
const char *pacc_attempt_outcome_name(pacc_attempt_outcome o);
/* Parse a mechanism name ("pacc-mx"); returns -1 when unknown. */
int pacc_mechanism_from_name(const char *name);

int pacc_result_dup(pacc_result **out, const pacc_result *res);
void pacc_result_free(pacc_result *res);

pacc_outcome pacc_result_outcome(const pacc_result *res);
/* For PACC_RESULT_ERROR: the pacc_status that stopped the discovery. */
int pacc_result_error(const pacc_result *res);
/* A sentence explaining the outcome; never NULL. */
const char *pacc_result_errmsg(const pacc_result *res);
const char *pacc_result_address(const pacc_result *res);
const char *pacc_result_domain(const pacc_result *res);
const char *pacc_result_domain_unicode(const pacc_result *res);
/* The mechanism that answered, or -1 when nothing was found. */
int pacc_result_mechanism(const pacc_result *res);
/* URL of the document that answered, or NULL. */
const char *pacc_result_source(const pacc_result *res);
pacc_digest_state pacc_result_digest(const pacc_result *res);
pacc_dnssec pacc_result_dnssec(const pacc_result *res);
/* Machine name of why the DNSSEC state is what it is, or NULL. */
const char *pacc_result_dnssec_reason(const pacc_result *res);
const char *pacc_result_oauth_issuer(const pacc_result *res);
const char *pacc_result_provider_name(const pacc_result *res);
const char *pacc_result_provider_short_name(const pacc_result *res);

size_t pacc_result_server_count(const pacc_result *res);
const pacc_server *pacc_result_server(const pacc_result *res, size_t i);
pacc_protocol pacc_server_protocol(const pacc_server *s);
/* Host name (A-label) or NULL for URL-based protocols. */
const char *pacc_server_host(const pacc_server *s);
unsigned pacc_server_port(const pacc_server *s);
pacc_tls_mode pacc_server_tls(const pacc_server *s);
/* https URL for JMAP/CalDAV/CardDAV/WebDAV, else NULL. */
const char *pacc_server_url(const pacc_server *s);
const char *pacc_server_username(const pacc_server *s);
unsigned pacc_server_auth(const pacc_server *s);

/* Registrable domains the user must confirm before credentials leave. */
size_t pacc_result_confirm_count(const pacc_result *res);
const char *pacc_result_confirm_domain(const pacc_result *res, size_t i);
int pacc_result_confirm_required(const pacc_result *res);

size_t pacc_result_attempt_count(const pacc_result *res);
const pacc_attempt *pacc_result_attempt(const pacc_result *res, size_t i);
pacc_mechanism pacc_attempt_mechanism(const pacc_attempt *a);
pacc_attempt_outcome pacc_attempt_outcome_get(const pacc_attempt *a);
/* Stable kebab-case code ("digest-mismatch") or NULL. */
const char *pacc_attempt_code(const pacc_attempt *a);
const char *pacc_attempt_detail(const pacc_attempt *a);
long pacc_attempt_elapsed_ms(const pacc_attempt *a);

size_t pacc_result_candidate_count(const pacc_result *res);
const pacc_candidate *pacc_result_candidate(const pacc_result *res, size_t i);
pacc_mechanism pacc_candidate_mechanism(const pacc_candidate *c);
int pacc_candidate_usable(const pacc_candidate *c);
size_t pacc_candidate_server_count(const pacc_candidate *c);
const pacc_server *pacc_candidate_server(const pacc_candidate *c, size_t i);

/*
 * DNS cross-check (pacc_discover_opts.doh_url, pacc --doh URL).  When the
 * discovery chose an answer (found, or an integrity failure of a named
 * mechanism), every DNS question that answer depends on was asked again
 * over DNS-over-HTTPS (RFC 8484) and through the resolver, and the answers
 * were compared (same type, the records as a set, TTLs ignored, CNAMEs
 * followed).  Different answers are a security finding: the outcome is
 * then PACC_RESULT_INTEGRITY_FAILURE.  A DoH server that cannot be reached
 * or gives no usable answer is not a finding: it is reported as an error
 * and the outcome stays what it was.
 */
/* The DoH URL used, or NULL when no cross-check ran. */
const char *pacc_result_crosscheck_doh(const pacc_result *res);
/*
 * 1: every question got the same answer both ways; 0: at least one
 * differs; -1: not known (no cross-check ran, or errors left questions
 * uncompared and none differed).
 */
int pacc_result_crosscheck_agree(const pacc_result *res);
/* Number of DNS questions asked (at most 32); 0 when none ran. */
size_t pacc_result_crosscheck_questions(const pacc_result *res);
/* The differences, for people: "A imap.example.com: resolver 192.0.2.1;
 * DoH 192.0.2.66" (the JSON has them record by record). */
size_t pacc_result_crosscheck_difference_count(const pacc_result *res);
const char *pacc_result_crosscheck_difference(const pacc_result *res, size_t i);
/* Why questions could not be compared: "TXT _ua-auto-config.example.com:
 * DoH: https://dns.example/dns-query answered HTTP 404". */
size_t pacc_result_crosscheck_error_count(const pacc_result *res);
const char *pacc_result_crosscheck_error(const pacc_result *res, size_t i);

/* Flags for pacc_result_to_json(). */
#define PACC_JSON_PRETTY 0x1u
/*
 * The result as the JSON object of DESIGN §3 (what `pacc discover --json`
 * prints).  *out is a NUL-terminated string the caller frees with free().
 */
int pacc_result_to_json(char **out, const pacc_result *res, unsigned flags);

/*
 * Configuration updates (the earlier PACC draft, "Config updates"): compare
 * a result with one saved earlier (its JSON, as pacc_result_to_json() wrote
 * it).  A change is acceptable without asking the user only when the new
 * answer is authenticated (PACC digest verified with DNSSEC-secure
 * records); anything weaker needs the user's approval, never applied
 * silently.
 */
typedef struct pacc_changes pacc_changes;

typedef enum pacc_change_decision {
	PACC_CHANGES_UNCHANGED = 0,
	PACC_CHANGES_ACCEPT = 1,	/* authenticated: may be applied */
	PACC_CHANGES_NEEDS_APPROVAL = 2 /* ask the user first */
} pacc_change_decision;

/* PACC_EFORMAT when `previous` is not a result object. */
int pacc_result_compare(pacc_changes **out, const pacc_result *now,
    const char *previous, size_t len);
void pacc_changes_free(pacc_changes *c);
pacc_change_decision pacc_changes_decision(const pacc_changes *c);
/* "unchanged", "accept" or "needs-approval". */
const char *pacc_change_decision_name(pacc_change_decision d);
size_t pacc_changes_count(const pacc_changes *c);
/* Kind of change i: "added", "removed", "order", "mechanism", "oauth2",
 * "provider", "status". */
const char *pacc_changes_kind(const pacc_changes *c, size_t i);
/* What changed, for people: "imap imap.example.com:993 implicit". */
const char *pacc_changes_what(const pacc_changes *c, size_t i);
/* {"decision":..., "authenticated":..., "changes":[{"kind","what"}]} */
int pacc_changes_to_json(char **out, const pacc_changes *c);

#ifdef __cplusplus
}
#endif
#endif
