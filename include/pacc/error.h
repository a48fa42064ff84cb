/* SPDX-License-Identifier: MIT */
#ifndef PACC_ERROR_H
#define PACC_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every status the library returns, from one list (libuv style): the enum,
 * pacc_strerror() and pacc_status_name() are generated from it.  Errors are
 * what stopped a call; findings about a domain are data in the result.
 * Values are fixed and never renumbered; new ones are appended.
 */
#define PACC_STATUS_MAP(XX)                                                    \
	XX(OK, 0, "ok", "success")                                             \
	XX(EINVAL, 1, "invalid-argument", "invalid argument")                  \
	XX(ENOMEM, 2, "out-of-memory", "out of memory")                        \
	XX(EADDRESS, 3, "bad-address", "not a valid email address")            \
	XX(EDNS, 4, "resolver-error", "DNS resolver failure")                  \
	XX(ETIMEOUT, 5, "timeout", "deadline exceeded")                        \
	XX(EHTTP, 6, "http-error", "HTTP transfer failure")                    \
	XX(EFORMAT, 7, "bad-format", "malformed data")                         \
	XX(ETOOBIG, 8, "too-large", "size limit exceeded")                     \
	XX(EIO, 9, "io-error", "input/output error")                           \
	XX(EINTERNAL, 10, "internal-error", "internal error")                  \
	XX(ECANCELLED, 11, "cancelled", "operation cancelled")                 \
	XX(ENOTFOUND, 12, "not-found", "not found")                            \
	XX(ETRUST, 13, "trust-anchor", "cannot load DNSSEC trust anchor")      \
	XX(ECAFILE, 14, "ca-file", "cannot load CA file")                      \
	XX(EUNSUPPORTED, 15, "unsupported", "not supported")                   \
	XX(EOAUTH_ISSUER, 16, "oauth-issuer-mismatch",                         \
	    "OAuth metadata names another issuer")                             \
	XX(EOAUTH_NO_S256, 17, "oauth-no-s256",                                \
	    "OAuth server does not support PKCE S256")                         \
	XX(EOAUTH_REDIRECT, 18, "oauth-metadata-redirect",                     \
	    "OAuth metadata answered with a redirect")                         \
	XX(EOAUTH_REGISTRATION, 19, "oauth-registration-refused",              \
	    "OAuth client registration refused")                               \
	XX(EOAUTH_STATE, 20, "oauth-state-mismatch",                           \
	    "OAuth authorization response with a wrong state")                 \
	XX(EOAUTH_ISS, 21, "oauth-iss-mismatch",                               \
	    "OAuth authorization response from another issuer")                \
	XX(EOAUTH_DENIED, 22, "oauth-authorization-denied",                    \
	    "OAuth authorization denied")                                      \
	XX(EOAUTH_TIMEOUT, 23, "oauth-timeout",                                \
	    "OAuth authorization not completed in time")                       \
	XX(EOAUTH_TOKEN, 24, "oauth-token-error",                              \
	    "OAuth token request failed")                                      \
	XX(EOAUTH_REFRESH, 25, "oauth-refresh-failed",                         \
	    "OAuth token refresh failed")                                      \
	XX(EOAUTH_METADATA, 26, "oauth-metadata-error",                        \
	    "OAuth server metadata unavailable or malformed")

typedef enum pacc_status {
#define PACC__XX(name, val, id, msg) PACC_##name = (val),
	PACC_STATUS_MAP(PACC__XX)
#undef PACC__XX
} pacc_status;

/* Human sentence for a status; never NULL. */
const char *pacc_strerror(int status);
/* Stable kebab-case identifier for a status; never NULL. */
const char *pacc_status_name(int status);

#ifdef __cplusplus
}
#endif
#endif
