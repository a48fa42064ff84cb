/* SPDX-License-Identifier: MIT */
/*
 * Probing servers without credentials (`pacc probe`): for every server of
 * a discovered configuration, or of explicit server URLs, connect, verify
 * TLS, and read what the server offers — greeting, capabilities, SASL
 * mechanisms, STARTTLS, and for the HTTP protocols the WWW-Authenticate
 * challenges of an unauthenticated request.  No credential is ever sent.
 *
 * Ownership as everywhere in libpacc: pacc_probe_result objects are freed
 * with pacc_probe_result_free(); every getter borrows from its result;
 * results handed to callbacks are borrowed (pacc_probe_result_dup() to
 * keep one).  Enum values are fixed and never renumbered.
 */
#ifndef PACC_PROBE_H
#define PACC_PROBE_H

#include <stddef.h>

#include "pacc/result.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pacc_ctx;

typedef struct pacc_probe pacc_probe;
typedef struct pacc_probe_result pacc_probe_result;
typedef struct pacc_probe_server pacc_probe_server;
typedef struct pacc_challenge pacc_challenge;

/* Per-run options; always initialise with PACC_PROBE_OPTS_INIT. */
#define PACC_PROBE_OPTS_VERSION 1
typedef struct pacc_probe_opts {
	unsigned version;
	/*
	 * Probe the servers of this discovery result (copied by
	 * pacc_probe_start(); may be freed afterwards).  Only a result whose
	 * outcome is PACC_RESULT_FOUND has usable servers: for any other
	 * outcome nothing is probed, and the probe result just carries the
	 * discovery (pacc_probe_result_discovery()).  NULL: none.
	 */
	const struct pacc_result *result;
	/*
	 * And/or these server URLs (after the result's servers, in order):
	 *   imaps://HOST[:PORT]          IMAP, implicit TLS (993)
	 *   imap://HOST[:PORT]           IMAP, STARTTLS (143)
	 *   pop3s://HOST[:PORT]          POP3, implicit TLS (995)
	 *   pop3://HOST[:PORT]           POP3, STLS (110)
	 *   submissions://HOST[:PORT]    SMTP submission, implicit TLS (465)
	 *   submission://HOST[:PORT]     SMTP submission, STARTTLS (587)
	 *   sieve://HOST[:PORT]          ManageSieve, STARTTLS (4190)
	 *   jmap+https://HOST[:PORT][/PATH]     JMAP session URL
	 *   caldav+https://HOST[:PORT][/PATH]   CalDAV
	 *   carddav+https://HOST[:PORT][/PATH]  CardDAV
	 * HOST is a DNS name (A-labels; U-labels are converted), an IPv4
	 * address or a bracketed IPv6 address (the certificate must then
	 * name the address).  An HTTP URL without a path gets the RFC 8620
	 * / RFC 6764 well-known path (/.well-known/jmap, /caldav, /carddav).
	 * A URL that is not one of these makes pacc_probe_start() fail with
	 * PACC_EINVAL; pacc_probe_url_check() says why.
	 */
	const char *const *urls;
	size_t nurls;
	/* Deadline of the whole run in ms; 0 = the context's default.  All
	 * servers are probed at once, each bounded by it. */
	long timeout_ms;
	/* The address the probe is for, shown in the result (optional; a
	 * discovery result's own address takes precedence). */
	const char *address;
} pacc_probe_opts;
#define PACC_PROBE_OPTS_INIT                                                   \
	{                                                                      \
		PACC_PROBE_OPTS_VERSION, NULL, NULL, 0, 0, NULL                \
	}

/* At most this many servers per run (PACC_ETOOBIG beyond). */
#define PACC_PROBE_MAX_SERVERS 64

/*
 * Called once per run, from pacc_ctx_socket_action() or pacc_ctx_process(),
 * never from pacc_probe_start().  `res` is borrowed (NULL only when memory
 * ran out); the run's handle is released when the callback returns.
 */
typedef void (
    *pacc_probe_cb)(pacc_probe *p, const pacc_probe_result *res, void *ud);

/*
 * Start probing every server of opts->result and opts->urls in parallel,
 * under one deadline.  Runs count in pacc_ctx_pending() until delivered.
 * Cancel or finish every run before pacc_ctx_free().
 * PACC_EINVAL: bad arguments or a bad URL; PACC_ETOOBIG: too many servers;
 * PACC_ENOMEM.
 */
int pacc_probe_start(pacc_probe **out, struct pacc_ctx *ctx,
    const pacc_probe_opts *opts, pacc_probe_cb cb, void *ud);
/* Stop a run before its callback; the callback is not called. */
void pacc_probe_cancel(pacc_probe *p);
/*
 * Blocking convenience: run the probes to their end with poll(2).  PACC_OK
 * with *out set whatever the servers said; an error status only when no
 * result exists.
 */
int pacc_probe_sync(pacc_probe_result **out, struct pacc_ctx *ctx,
    const pacc_probe_opts *opts);

/*
 * Check one server URL as pacc_probe_opts.urls takes it.  PACC_OK, or
 * PACC_EINVAL with a sentence in `why` ("imaps:// takes no path").
 */
int pacc_probe_url_check(const char *url, char *why, size_t whylen);

int pacc_probe_result_dup(pacc_probe_result **out,
    const pacc_probe_result *res);
void pacc_probe_result_free(pacc_probe_result *res);

/* The address the run was for, or NULL. */
const char *pacc_probe_result_address(const pacc_probe_result *res);
/* The discovery result whose servers were probed, or NULL. */
const struct pacc_result *pacc_probe_result_discovery(
    const pacc_probe_result *res);
/*
 * PACC_OK, or what kept the run from judging the servers at all:
 * PACC_EDNS when the resolver could not be used (every name failed).
 */
int pacc_probe_result_error(const pacc_probe_result *res);
/* A sentence about the run; never NULL. */
const char *pacc_probe_result_errmsg(const pacc_probe_result *res);
size_t pacc_probe_result_server_count(const pacc_probe_result *res);
const pacc_probe_server *pacc_probe_result_server(const pacc_probe_result *res,
    size_t i);

typedef enum pacc_probe_status {
	/* reachable, TLS verified (>= 1.2), the protocol answered */
	PACC_PROBE_OK = 0,
	/* not: pacc_probe_server_code() says why */
	PACC_PROBE_FAILED = 1
} pacc_probe_status;
/* "ok", "failed". */
const char *pacc_probe_status_name(pacc_probe_status s);

/* ---- one server: what was probed ---- */
pacc_protocol pacc_probe_server_protocol(const pacc_probe_server *s);
/* Host name (A-label) or address literal; for URLs, the URL's host. */
const char *pacc_probe_server_host(const pacc_probe_server *s);
unsigned pacc_probe_server_port(const pacc_probe_server *s);
/* HTTP protocols: PACC_TLS_IMPLICIT (https). */
pacc_tls_mode pacc_probe_server_tls(const pacc_probe_server *s);
/* https URL for JMAP/CalDAV/CardDAV/WebDAV, else NULL. */
const char *pacc_probe_server_url(const pacc_probe_server *s);
/* Username of the configuration, or NULL (explicit URLs have none). */
const char *pacc_probe_server_username(const pacc_probe_server *s);
/* 1 when the server came from a discovery result, 0 from a URL. */
int pacc_probe_server_from_result(const pacc_probe_server *s);

/* ---- the verdict ---- */
pacc_probe_status pacc_probe_server_status(const pacc_probe_server *s);
/*
 * Stable kebab-case code of the failure, NULL when ok: the connection
 * engine's (cert-invalid, tls-version, starttls-unavailable,
 * starttls-injection, timeout, ...) or the HTTP fetcher's (http-status,
 * ...); pacc(1) lists them.
 */
const char *pacc_probe_server_code(const pacc_probe_server *s);
/* A sentence; never NULL. */
const char *pacc_probe_server_detail(const pacc_probe_server *s);
/*
 * 1 when the failure is a security finding (exit status 3 of `pacc
 * probe`): the certificate or TLS version cannot be accepted
 * (cert-invalid, tls-version), STARTTLS is missing or refused
 * (starttls-unavailable, starttls-refused: a stripping attacker looks
 * exactly like this), bytes were injected before the TLS handshake
 * (starttls-injection), or a DNS answer was DNSSEC-bogus (dnssec-bogus).
 */
int pacc_probe_server_security_finding(const pacc_probe_server *s);
long pacc_probe_server_elapsed_ms(const pacc_probe_server *s);
/* Address connected to ("192.0.2.1"), or NULL when none. */
const char *pacc_probe_server_peer(const pacc_probe_server *s);
/* DNSSEC state of the host's address lookups (n/a for a literal). */
pacc_dnssec pacc_probe_server_dnssec(const pacc_probe_server *s);

/* ---- TLS facts (strings NULL when not known) ---- */
/* 1 when a TLS handshake completed and the certificate was verified. */
int pacc_probe_server_tls_verified(const pacc_probe_server *s);
const char *pacc_probe_server_tls_version(const pacc_probe_server *s);
const char *pacc_probe_server_tls_cipher(const pacc_probe_server *s);
/* The name (or address) the certificate was checked against (RFC 9525). */
const char *pacc_probe_server_tls_verify_name(const pacc_probe_server *s);
/* Why verification failed (OpenSSL's sentence), or NULL. */
const char *pacc_probe_server_tls_verify_error(const pacc_probe_server *s);
/* Leaf certificate, RFC 2253 names; not_after as "2027-01-31T12:00:00Z". */
const char *pacc_probe_server_cert_subject(const pacc_probe_server *s);
const char *pacc_probe_server_cert_issuer(const pacc_probe_server *s);
const char *pacc_probe_server_cert_not_after(const pacc_probe_server *s);

/* ---- mail protocols (IMAP, POP3, SMTP, ManageSieve) ---- */
/* First greeting line (printable), or NULL. */
const char *pacc_probe_server_greeting(const pacc_probe_server *s);
/*
 * Capabilities as announced over verified TLS (IMAP CAPABILITY, POP3 CAPA,
 * SMTP EHLO keywords, ManageSieve capability names).  When TLS never came
 * up, the plaintext ones are kept for diagnosis only and
 * pacc_probe_server_caps_over_tls() is 0.
 */
size_t pacc_probe_server_capability_count(const pacc_probe_server *s);
const char *pacc_probe_server_capability(const pacc_probe_server *s, size_t i);
int pacc_probe_server_caps_over_tls(const pacc_probe_server *s);
/* SASL mechanism names (upper case), in the server's order. */
size_t pacc_probe_server_sasl_count(const pacc_probe_server *s);
const char *pacc_probe_server_sasl(const pacc_probe_server *s, size_t i);
/* 1 when STARTTLS/STLS was offered on the plaintext connection. */
int pacc_probe_server_starttls_offered(const pacc_probe_server *s);
/* IMAP LOGINDISABLED (RFC 9051 §6.2.3) over TLS. */
int pacc_probe_server_login_disabled(const pacc_probe_server *s);

/* ---- HTTP protocols (JMAP, CalDAV, CardDAV, WebDAV) ---- */
/* Status of the unauthenticated request (401 expected), 0 when none. */
long pacc_probe_server_http_status(const pacc_probe_server *s);
/* Location of a redirect (never followed), or NULL. */
const char *pacc_probe_server_redirect(const pacc_probe_server *s);
/* Every challenge of every WWW-Authenticate header, in order (at most
 * 16; RFC 9110 §11.6.1). */
size_t pacc_probe_server_challenge_count(const pacc_probe_server *s);
const pacc_challenge *pacc_probe_server_challenge(const pacc_probe_server *s,
    size_t i);
/* 1 when challenges were left out or malformed (see the detail). */
int pacc_probe_server_challenges_incomplete(const pacc_probe_server *s);
/* The first Bearer challenge's resource_metadata URL (RFC 9728 §5.1),
 * or NULL. */
const char *pacc_probe_server_resource_metadata(const pacc_probe_server *s);

/* Auth scheme as sent ("Basic", "Bearer", unknown ones too). */
const char *pacc_challenge_scheme(const pacc_challenge *c);
/* token68 form ("Negotiate abc=="), or NULL. */
const char *pacc_challenge_token68(const pacc_challenge *c);
size_t pacc_challenge_param_count(const pacc_challenge *c);
/* Parameter names are lower case; values unescaped. */
const char *pacc_challenge_param_name(const pacc_challenge *c, size_t i);
const char *pacc_challenge_param_value(const pacc_challenge *c, size_t i);
/* Value of parameter `name` (case-insensitive), or NULL. */
const char *pacc_challenge_param(const pacc_challenge *c, const char *name);

/* ---- authentication (PACC_AUTH_* bits) ---- */
/*
 * What the configuration promises (pacc_server_auth()); for an explicit
 * URL, which promises nothing in particular, every method.
 */
unsigned pacc_probe_server_auth_promised(const pacc_probe_server *s);
/*
 * What the server offers, read over verified TLS only: PACC_AUTH_PASSWORD
 * for SASL PLAIN, LOGIN or SCRAM-*, IMAP LOGIN without LOGINDISABLED, or
 * an HTTP Basic challenge in a 401; PACC_AUTH_OAUTH2 for SASL OAUTHBEARER
 * or XOAUTH2, or an HTTP Bearer challenge in a 401 (challenges on other
 * statuses are listed but promise nothing).
 */
unsigned pacc_probe_server_auth_offered(const pacc_probe_server *s);
/* promised & offered: the methods worth trying. */
unsigned pacc_probe_server_auth_usable(const pacc_probe_server *s);

/*
 * The run as one JSON object (doc/probe.schema.json, what `pacc probe
 * --json` prints).  PACC_JSON_PRETTY for indentation.  *out is a
 * NUL-terminated string the caller frees with free().
 */
int pacc_probe_result_to_json(char **out, const pacc_probe_result *res,
    unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
