/* SPDX-License-Identifier: MIT */
/*
 * OAuth for open public clients (draft-ietf-mailmaint-oauth-public): from
 * the issuer a PACC configuration names to a bearer token for every
 * server of that configuration, without a pre-registered client.
 *
 *   1. authorization server metadata (RFC 8414, path-inserted well-known
 *      URL, then OpenID Connect Discovery), no redirects, the issuer
 *      compared exactly, PKCE S256 required;
 *   2. a client id: the one cached for this issuer, else dynamic client
 *      registration (RFC 7591) as a public native client with a loopback
 *      redirect URI, or the one the caller names;
 *   3. authorization code + PKCE (RFC 7636) with a listener on
 *      127.0.0.1 (RFC 8252 §7.3): the embedder gets the authorization URL
 *      in a callback and shows or opens it; the listener takes one
 *      redirect, checks `state` and RFC 9207 `iss`;
 *   4. the token request; later runs re-use or refresh a stored token
 *      (only with a token file), persisting new tokens before use.
 *
 * State on disk: the client-id cache (opts.state_dir, default
 * $XDG_STATE_HOME/pacc, else ~/.local/state/pacc; file oauth-clients.json,
 * mode 0600, directory 0700) and, only when asked, a token file (mode
 * 0600).  Both are written atomically (temporary file + rename).
 *
 * A running flow belongs to its context's thread; finish or cancel it
 * before pacc_ctx_free().
 */
#ifndef PACC_OAUTH_H
#define PACC_OAUTH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pacc_ctx pacc_ctx;
typedef struct pacc_oauth pacc_oauth;
typedef struct pacc_oauth_result pacc_oauth_result;

/* Services the token is for (scopes of the profile, §3.9). */
#define PACC_OAUTH_MAIL 0x1u	  /* urn:ietf:params:oauth:scope:mail */
#define PACC_OAUTH_CALENDARS 0x2u /* urn:ietf:params:oauth:scope:calendars */
#define PACC_OAUTH_CONTACTS 0x4u  /* urn:ietf:params:oauth:scope:contacts */

/* Flags. */
/* Never open an authorization: a stored token or its refresh only. */
#define PACC_OAUTH_NO_AUTHORIZE 0x1u
/* Do not read or write the client-id cache. */
#define PACC_OAUTH_NO_CACHE 0x2u

#define PACC_OAUTH_OPTS_VERSION 1
typedef struct pacc_oauth_opts {
	unsigned version;
	/* The issuer identifier (https URL), exactly as configured.
	 * Required. */
	const char *issuer;
	/* PACC_OAUTH_MAIL|CALENDARS|CONTACTS; 0 means MAIL. */
	unsigned services;
	/* Space-separated scopes instead of the profile's (tests, servers
	 * with their own names); NULL for the profile's. */
	const char *scopes;
	/* RFC 8707 resource indicators (server URLs or host names) sent
	 * when the server lists protected_resources; may be NULL. */
	const char *const *resources;
	size_t nresources;
	/* A client id to use instead of the cache and registration ("open"
	 * is the earlier PACC draft's); NULL for the normal way. */
	const char *client_id;
	/* Directory of the client-id cache; NULL for the default. */
	const char *state_dir;
	/* Token file to re-use and update (mode 0600); NULL: none, the
	 * token lives only in memory. */
	const char *token_file;
	/* How long to wait for the browser, ms; 0 = 300 s. */
	long timeout_ms;
	/* PACC_OAUTH_* flags. */
	unsigned flags;
} pacc_oauth_opts;
#define PACC_OAUTH_OPTS_INIT                                                   \
	{                                                                      \
		PACC_OAUTH_OPTS_VERSION, NULL, 0, NULL, NULL, 0, NULL, NULL,   \
		    NULL, 0, 0                                                 \
	}

/*
 * Called once, from the loop, when the listener is ready: show `url`
 * (the authorization page, on host `host`) to the user or open it in a
 * browser.  Both strings are borrowed for the call.
 */
typedef void (*pacc_oauth_url_cb)(pacc_oauth *o, const char *url,
    const char *host, void *ud);
/* Called once, from the loop; `res` is borrowed and the flow released
 * when the callback returns. */
typedef void (
    *pacc_oauth_cb)(pacc_oauth *o, const pacc_oauth_result *res, void *ud);

/*
 * Start the flow.  url_cb may be NULL only with PACC_OAUTH_NO_AUTHORIZE.
 * PACC_EINVAL for a bad issuer or options.  `out` may be NULL.
 */
int pacc_oauth_start(pacc_oauth **out, pacc_ctx *ctx,
    const pacc_oauth_opts *opts, pacc_oauth_url_cb url_cb, pacc_oauth_cb cb,
    void *ud);
/* Stop before the callback (which is then not called). */
void pacc_oauth_cancel(pacc_oauth *o);
/* Blocking convenience: run the flow to its end with poll(2). */
int pacc_oauth_sync(pacc_oauth_result **out, pacc_ctx *ctx,
    const pacc_oauth_opts *opts, pacc_oauth_url_cb url_cb, void *ud);

int pacc_oauth_result_dup(pacc_oauth_result **out,
    const pacc_oauth_result *res);
/* Wipes the tokens. */
void pacc_oauth_result_free(pacc_oauth_result *res);

/* PACC_OK when a token was obtained, else the pacc_status that stopped
 * the flow (PACC_EOAUTH_ISSUER, PACC_EOAUTH_STATE, ...). */
int pacc_oauth_result_status(const pacc_oauth_result *res);
/* A sentence; never NULL. */
const char *pacc_oauth_result_detail(const pacc_oauth_result *res);
const char *pacc_oauth_result_issuer(const pacc_oauth_result *res);
/* The client id used, or NULL before one was known. */
const char *pacc_oauth_result_client_id(const pacc_oauth_result *res);
/* "registered", "cached", "given" or NULL. */
const char *pacc_oauth_result_client_source(const pacc_oauth_result *res);
/* "obtained", "cached", "refreshed" or NULL (no token). */
const char *pacc_oauth_result_token_source(const pacc_oauth_result *res);
/* Host of the authorization page, or NULL before the metadata. */
const char *pacc_oauth_result_authorization_host(const pacc_oauth_result *res);
/* The access token (secret: never log it), NULL when none. */
const char *pacc_oauth_result_access_token(const pacc_oauth_result *res);
/* Granted scopes (space-separated), or NULL when unknown. */
const char *pacc_oauth_result_scope(const pacc_oauth_result *res);
/* Expiry, seconds since the epoch; 0 when unknown. */
long long pacc_oauth_result_expires_at(const pacc_oauth_result *res);
/* 1 when the token may be sent to `host` (A-label): a host of the
 * server's protected_resources, else (none listed) a host in the
 * issuer's registrable domain; 0 otherwise. */
int pacc_oauth_result_allows_host(const pacc_oauth_result *res,
    const char *host);

#ifdef __cplusplus
}
#endif
#endif
