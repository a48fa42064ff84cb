/* SPDX-License-Identifier: MIT */
/*
 * Test a real login on every server of a configuration (`pacc login`).
 *
 * Two steps, so that the user can be asked before any credential leaves:
 *
 *   1. a login plan: the servers of a discovery result, or of explicit
 *      server URLs, and the registrable domains they belong to (show them,
 *      ask the user);
 *   2. pacc_login_start() / pacc_login_sync() with the password: one
 *      attempt per server and SASL mechanism, never before TLS is verified
 *      (certificate checked against the host name, no STARTTLS stripping,
 *      bytes sent before the TLS handshake discarded), never a guessing
 *      loop.  The one retry is the one RFC 6186 §4 asks for: when the
 *      configuration came from SRV records and the full address is
 *      rejected as a user name, the local part is tried once.
 *
 * Each server gets a class (ok, wrong credentials, method not working,
 * account blocked, server error, TLS failure, not attempted) from the
 * protocol's own response codes, with a stable code and a sentence; pacc(1)
 * has the table.
 *
 * The password is the caller's: the library copies it into memory that is
 * locked where the system allows it, left out of core dumps, and wiped
 * when the login is released; it is never logged.
 *
 * A running login belongs to its context's thread; finish or cancel every
 * login before pacc_ctx_free().
 */
#ifndef PACC_LOGIN_H
#define PACC_LOGIN_H

#include <stddef.h>

#include "pacc/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pacc_ctx pacc_ctx;
typedef struct pacc_login_plan pacc_login_plan;
typedef struct pacc_login pacc_login;
typedef struct pacc_login_result pacc_login_result;
typedef struct pacc_login_server pacc_login_server;
typedef struct pacc_login_attempt pacc_login_attempt;
typedef struct pacc_oauth_result pacc_oauth_result; /* pacc/oauth.h */

/* What happened on one server.  Values are fixed; new ones are appended. */
typedef enum pacc_login_class {
	PACC_LOGIN_OK = 0,		   /* the server accepted the login */
	PACC_LOGIN_WRONG_CREDENTIALS = 1,  /* user name or password rejected */
	PACC_LOGIN_METHOD_NOT_WORKING = 2, /* the method failed, not the
					      password */
	PACC_LOGIN_ACCOUNT_BLOCKED = 3,	   /* disabled, expired, locked,
					      not authorized */
	PACC_LOGIN_SERVER_ERROR = 4,	   /* temporary or server failure */
	PACC_LOGIN_TLS_FAILURE = 5,	   /* no verified TLS: nothing sent */
	PACC_LOGIN_NOT_ATTEMPTED = 6	   /* no credential was sent */
} pacc_login_class;

/* The whole login.  Values are fixed; new ones are appended. */
typedef enum pacc_login_status {
	PACC_LOGIN_STATUS_OK = 0,	   /* every server: ok */
	PACC_LOGIN_STATUS_FAILED = 1,	   /* at least one server not ok */
	PACC_LOGIN_STATUS_TLS_FAILURE = 2, /* at least one server without
					      verified TLS (or bogus DNS) */
	PACC_LOGIN_STATUS_DECLINED = 3,	   /* the user did not confirm */
	PACC_LOGIN_STATUS_NOT_FOUND = 4,   /* discovery found nothing */
	PACC_LOGIN_STATUS_INTEGRITY_FAILURE = 5, /* discovery: integrity */
	PACC_LOGIN_STATUS_ERROR = 6,		 /* discovery: error */
	PACC_LOGIN_STATUS_OAUTH_FAILURE = 7	 /* no OAuth token: nothing
						    was sent */
} pacc_login_status;

/* Stable names, as in the JSON output ("wrong-credentials", "failed"). */
const char *pacc_login_class_name(pacc_login_class c);
const char *pacc_login_status_name(pacc_login_status s);

/* ---- plans: where the password would go ---- */

/*
 * The servers of a discovery result, in its order.  A result that found
 * nothing gives a plan without servers whose status says why (the login
 * result then carries that status).  Server user names come from the
 * configuration, else the address.
 */
int pacc_login_plan_from_result(pacc_login_plan **out, const pacc_result *res);
/*
 * Explicit servers (DESIGN §4 URL schemes): imaps:// (993), imap:// (143,
 * STARTTLS), pop3s:// (995), pop3:// (110, STLS), submissions:// (465),
 * submission:// (587, STARTTLS), sieve:// (4190, STARTTLS),
 * jmap+https://, caldav+https://, carddav+https:// with their path.  A
 * mail URL may name the user ("imaps://carol@host"), never a password.
 * PACC_EADDRESS for a bad address, PACC_EINVAL for a bad URL; `why` (may
 * be NULL) gets a sentence naming it.
 */
int pacc_login_plan_from_urls(pacc_login_plan **out, const char *address,
    const char *const *urls, size_t nurls, char *why, size_t whylen);
void pacc_login_plan_free(pacc_login_plan *plan);

/* The address (A-label domain), or NULL when the discovery had none. */
const char *pacc_login_plan_address(const pacc_login_plan *plan);
size_t pacc_login_plan_server_count(const pacc_login_plan *plan);
/* Borrowed from the plan (pacc_server_* getters of result.h). */
const pacc_server *pacc_login_plan_server(const pacc_login_plan *plan,
    size_t i);
/* Registrable domains of every host the password would go to, in full:
 * show them and ask before pacc_login_start(). */
size_t pacc_login_plan_confirm_count(const pacc_login_plan *plan);
const char *pacc_login_plan_confirm_domain(const pacc_login_plan *plan,
    size_t i);

/* ---- logging in ---- */

#define PACC_LOGIN_OPTS_VERSION 2
typedef struct pacc_login_opts {
	unsigned version;
	/* Deadline per server in ms (all run at once); 0 = the context's
	 * default timeout. */
	long timeout_ms;
	/* PACC_LOGIN_* flags; none defined yet. */
	unsigned flags;
	/* Version 2: log in with this OAuth result (pacc/oauth.h) instead of
	 * a password (which may then be NULL): SASL OAUTHBEARER (XOAUTH2
	 * where that is all a server offers) and HTTP Bearer, only to hosts
	 * pacc_oauth_result_allows_host() accepts.  A result without a token
	 * gives a login result with PACC_LOGIN_STATUS_OAUTH_FAILURE and no
	 * server attempted.  Copied; NULL for a password login. */
	const pacc_oauth_result *oauth;
} pacc_login_opts;
#define PACC_LOGIN_OPTS_INIT                                                   \
	{                                                                      \
		PACC_LOGIN_OPTS_VERSION, 0, 0, NULL                            \
	}

/*
 * Called once, from the loop (never from pacc_login_start()); `res` is
 * borrowed and the login handle is released when the callback returns.
 */
typedef void (
    *pacc_login_cb)(pacc_login *l, const pacc_login_result *res, void *ud);

/*
 * Log in to every server of the plan with `password` (UTF-8; copied, the
 * caller may wipe its own copy as soon as this returns), or with
 * opts->oauth.  The plan is copied too.  `out` may be NULL.
 */
int pacc_login_start(pacc_login **out, pacc_ctx *ctx,
    const pacc_login_plan *plan, const char *password,
    const pacc_login_opts *opts, pacc_login_cb cb, void *ud);
/* Stop before the callback (which is then not called); wipes the copy. */
void pacc_login_cancel(pacc_login *l);
/* Blocking convenience: run one login to its end with poll(2). */
int pacc_login_sync(pacc_login_result **out, pacc_ctx *ctx,
    const pacc_login_plan *plan, const char *password,
    const pacc_login_opts *opts);
/* A result for a login the user declined: every server not attempted. */
int pacc_login_result_declined(pacc_login_result **out,
    const pacc_login_plan *plan);

/* ---- results ---- */

int pacc_login_result_dup(pacc_login_result **out,
    const pacc_login_result *res);
void pacc_login_result_free(pacc_login_result *res);

pacc_login_status pacc_login_result_status(const pacc_login_result *res);
const char *pacc_login_result_address(const pacc_login_result *res);
/* The discovery mechanism the servers came from, or -1 (explicit URLs). */
int pacc_login_result_mechanism(const pacc_login_result *res);
size_t pacc_login_result_server_count(const pacc_login_result *res);
const pacc_login_server *pacc_login_result_server(const pacc_login_result *res,
    size_t i);
/* Number of servers in class c. */
size_t pacc_login_result_count_class(const pacc_login_result *res,
    pacc_login_class c);

pacc_protocol pacc_login_server_protocol(const pacc_login_server *s);
/* Host (A-label or address literal), NULL for URL-based protocols. */
const char *pacc_login_server_host(const pacc_login_server *s);
unsigned pacc_login_server_port(const pacc_login_server *s);
pacc_tls_mode pacc_login_server_tls(const pacc_login_server *s);
/* The https URL of JMAP/CalDAV/CardDAV/WebDAV (as configured), else NULL. */
const char *pacc_login_server_url(const pacc_login_server *s);
pacc_login_class pacc_login_server_class(const pacc_login_server *s);
/* Stable kebab-case code ("imap-authenticationfailed", "cert-invalid"),
 * NULL when ok. */
const char *pacc_login_server_code(const pacc_login_server *s);
/* A sentence; never NULL. */
const char *pacc_login_server_detail(const pacc_login_server *s);
/* The user name of the last attempt (the one that worked when ok). */
const char *pacc_login_server_username(const pacc_login_server *s);
/* 1 when the full address was rejected and the local part was tried
 * (RFC 6186 §4), else 0. */
int pacc_login_server_localpart_retry(const pacc_login_server *s);
/* Mechanism of the last attempt: a SASL name ("SCRAM-SHA-256-PLUS"),
 * "LOGIN-COMMAND" (IMAP LOGIN), "BASIC" (HTTP), or NULL when none. */
const char *pacc_login_server_mechanism(const pacc_login_server *s);
/* "TLSv1.3" or NULL when no TLS session was established. */
const char *pacc_login_server_tls_version(const pacc_login_server *s);
/* Channel binding used ("tls-exporter", "tls-unique") or NULL. */
const char *pacc_login_server_channel_binding(const pacc_login_server *s);
long pacc_login_server_elapsed_ms(const pacc_login_server *s);

/* Every attempt in order: at most one per mechanism and user name. */
size_t pacc_login_server_attempt_count(const pacc_login_server *s);
const pacc_login_attempt *pacc_login_server_attempt(const pacc_login_server *s,
    size_t i);
const char *pacc_login_attempt_mechanism(const pacc_login_attempt *a);
const char *pacc_login_attempt_username(const pacc_login_attempt *a);
pacc_login_class pacc_login_attempt_class(const pacc_login_attempt *a);
const char *pacc_login_attempt_code(const pacc_login_attempt *a);
/* The server's final response line, printable, or NULL. */
const char *pacc_login_attempt_response(const pacc_login_attempt *a);

/*
 * The result as one JSON object (doc/login.schema.json); flags as for
 * pacc_result_to_json() (PACC_JSON_PRETTY).  *out is freed with free().
 */
int pacc_login_result_to_json(char **out, const pacc_login_result *res,
    unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
