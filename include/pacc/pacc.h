/* SPDX-License-Identifier: MIT */
/*
 * libpacc: email, calendar and contacts automatic account configuration.
 *
 * Threads: a pacc_ctx and everything started on it belong to one thread at
 * a time; distinct contexts may be used from distinct threads.  Results are
 * immutable and may be read from any thread.
 *
 * Event loops: the library owns no loop and starts no thread of its own
 * beyond libunbound's; every callback runs on the context's thread.
 * Discovery, probe and login callbacks come only from
 * pacc_ctx_socket_action() and pacc_ctx_process(); socket and timer
 * callbacks also from calls that start or stop work (and from
 * pacc_ctx_set_socket_cb()/pacc_ctx_set_timer_cb(), which report what
 * exists).  Inside a callback, do not free the context, nor cancel the
 * discovery being delivered (it is released when its callback returns);
 * starting and cancelling others is fine.  Header-only adapters for GLib
 * and libuv: <pacc/adapters/glib.h>, <pacc/adapters/libuv.h>; see
 * doc/embedding.md.
 *
 * Ownership: functions taking `T **out` give the caller an object to free
 * with pacc_T_free(); getters borrow from their parent; results passed to
 * callbacks are borrowed (pacc_result_dup() to keep one).
 */
#ifndef PACC_PACC_H
#define PACC_PACC_H

#include <stddef.h>

#include "pacc/check.h"
#include "pacc/error.h"
#include "pacc/login.h"
#include "pacc/oauth.h"
#include "pacc/probe.h"
#include "pacc/provider.h"
#include "pacc/result.h"
#include "pacc/version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pacc_ctx pacc_ctx;
typedef struct pacc_discovery pacc_discovery;

/* ---- context ---- */

int pacc_ctx_new(pacc_ctx **out);
/* Cancels every discovery still running (their callbacks are not called). */
void pacc_ctx_free(pacc_ctx *ctx);

/* "ADDR" or "ADDR@PORT": use only this DNS server (default: the system's). */
int pacc_ctx_set_resolver(pacc_ctx *ctx, const char *addr);
/* DS/DNSKEY lines as Unbound reads them; NULL = /usr/share/dns/root.key. */
int pacc_ctx_set_trust_anchor_file(pacc_ctx *ctx, const char *path);
/* Extra trusted CA certificates (PEM), in addition to the system's. */
int pacc_ctx_set_ca_file(pacc_ctx *ctx, const char *path);
/* Default overall deadline of a discovery, in milliseconds (default 10000). */
int pacc_ctx_set_timeout_ms(pacc_ctx *ctx, long ms);
/* Default set of mechanisms (PACC_MECH_BIT() mask; default PACC_MECH_ALL). */
int pacc_ctx_set_mechanisms(pacc_ctx *ctx, unsigned mask);
/* Parse "pacc,pacc-mx" into a mask; PACC_EINVAL names the bad item. */
int pacc_mechanisms_parse(unsigned *mask, const char *list);

typedef enum pacc_log_level {
	PACC_LOG_ERROR = 0,
	PACC_LOG_WARN = 1,
	PACC_LOG_INFO = 2,
	PACC_LOG_DEBUG = 3
} pacc_log_level;
typedef void (*pacc_log_cb)(pacc_log_level level, const char *msg, void *ud);
/* The library never prints: it logs only through this callback. */
int pacc_ctx_set_log_cb(pacc_ctx *ctx, pacc_log_cb cb, void *ud);

/* ---- event-loop surface (the library owns no loop) ---- */

#define PACC_POLL_IN 0x1
#define PACC_POLL_OUT 0x2
#define PACC_POLL_REMOVE 0x4
#define PACC_SOCKET_TIMEOUT (-1)

/*
 * Push style (curl multi style): the library says which descriptors to watch
 * (`what` is PACC_POLL_IN|OUT, or PACC_POLL_REMOVE) and when to wake it up
 * (`timeout_ms` from now; -1 = no timer).  The embedder calls
 * pacc_ctx_socket_action() when a descriptor is ready or, with
 * PACC_SOCKET_TIMEOUT, when the timer fires.
 */
typedef void (*pacc_socket_cb)(pacc_ctx *ctx, int fd, int what, void *ud);
typedef void (*pacc_timer_cb)(pacc_ctx *ctx, long timeout_ms, void *ud);
int pacc_ctx_set_socket_cb(pacc_ctx *ctx, pacc_socket_cb cb, void *ud);
int pacc_ctx_set_timer_cb(pacc_ctx *ctx, pacc_timer_cb cb, void *ud);
int pacc_ctx_socket_action(pacc_ctx *ctx, int fd, int events);

/*
 * Pull style: fill `fds` (struct pollfd, from <poll.h>) with what to wait
 * for; *nfds gets the count (PACC_ETOOBIG when `cap` is too small, *nfds then
 * says how many are needed) and *timeout_ms the longest poll(2) may sleep
 * (-1 = no timer).  After poll(2), hand the same array to pacc_ctx_process().
 * *timeout_ms is set with PACC_ETOOBIG too: pacc_ctx_pollfds(ctx, NULL, 0,
 * &n, &ms) asks for the time left on the merged timer alone (a push-style
 * embedder whose loop may fire early re-arms with it; the timer callback
 * reports changes only).
 */
struct pollfd;
int pacc_ctx_pollfds(pacc_ctx *ctx, struct pollfd *fds, size_t cap,
    size_t *nfds, int *timeout_ms);
int pacc_ctx_process(pacc_ctx *ctx, const struct pollfd *fds, size_t nfds);
/* Number of discoveries and probe runs started and not yet delivered. */
size_t pacc_ctx_pending(const pacc_ctx *ctx);

/* ---- discovery ---- */

/* Per-request options; always initialise with PACC_DISCOVER_OPTS_INIT. */
#define PACC_DISCOVER_OPTS_VERSION 2
typedef struct pacc_discover_opts {
	unsigned version;
	/* PACC_MECH_BIT() mask; 0 = the context's default. */
	unsigned mechanisms;
	/* Overall deadline in ms; 0 = the context's default. */
	long timeout_ms;
	/* PACC_DISCOVER_* flags. */
	unsigned flags;
	/* Local ISPDB directory, or NULL. */
	const char *ispdb_dir;
	/* Online ISPDB base URL; NULL = default, "" = none. */
	const char *ispdb_url;
	/* Version 2. */
	/*
	 * DNS cross-check: an https:// DNS-over-HTTPS (RFC 8484) URL, or
	 * NULL (or "") for none.  Before the result is delivered, every DNS
	 * question it depends on is asked again there and through the
	 * resolver; different answers make the result
	 * PACC_RESULT_INTEGRITY_FAILURE (see pacc_result_crosscheck_agree()).
	 */
	const char *doh_url;
} pacc_discover_opts;
#define PACC_DISCOVER_OPTS_INIT                                                \
	{                                                                      \
		PACC_DISCOVER_OPTS_VERSION, 0, 0, 0, NULL, NULL, NULL          \
	}

/* Allow plain http:// where a mechanism permits it (flagged in results). */
#define PACC_DISCOVER_INSECURE_HTTP 0x1u

/*
 * Called once per discovery, from pacc_ctx_socket_action() or
 * pacc_ctx_process(), never from pacc_discover_start().  `res` is borrowed;
 * the discovery handle is released when the callback returns.
 */
typedef void (
    *pacc_discover_cb)(pacc_discovery *d, const pacc_result *res, void *ud);

/*
 * Start discovering `address` (UTF-8).  A malformed address is not an error
 * here: the callback delivers a result with outcome PACC_RESULT_ERROR.
 */
int pacc_discover_start(pacc_discovery **out, pacc_ctx *ctx,
    const char *address, const pacc_discover_opts *opts, pacc_discover_cb cb,
    void *ud);
/* Stop a discovery before its callback; the callback is not called.
 * From inside its own callback it does nothing (the discovery is freed
 * when the callback returns). */
void pacc_discover_cancel(pacc_discovery *d);

/*
 * Blocking convenience: run one discovery to its end with poll(2).
 * Returns PACC_OK with *out set whatever the outcome (check
 * pacc_result_outcome()); an error status only when no result exists.
 */
int pacc_discover_sync(pacc_result **out, pacc_ctx *ctx, const char *address,
    const pacc_discover_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
