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
	XX(EUNSUPPORTED, 15, "unsupported", "not supported")

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
