/* SPDX-License-Identifier: MIT */
/*
 * Auditing a provider's deployment (`pacc check DOMAIN`): every mechanism
 * a domain publishes is fetched and judged the way `discover` fetches it
 * (the same limits), plus what a client cannot see but an operator must
 * fix.  The answer is a list of findings, each a stable check id
 * ("pacc.digest", "mta-sts.mx-match", ...), a status (PASS, WARN, FAIL,
 * SKIP), a sentence and the mechanism group it belongs to; pacc(1) lists
 * every id.
 *
 * Ownership as everywhere in libpacc: pacc_check_result objects are freed
 * with pacc_check_result_free(); getters borrow from their result; results
 * handed to callbacks are borrowed (pacc_check_result_dup() to keep one).
 * Enum values are fixed and never renumbered.
 */
#ifndef PACC_CHECK_H
#define PACC_CHECK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pacc_ctx pacc_ctx;

typedef struct pacc_check pacc_check;
typedef struct pacc_check_result pacc_check_result;

typedef enum pacc_check_status {
	PACC_CHECK_PASS = 0, /* as it should be */
	PACC_CHECK_WARN = 1, /* works, but should be fixed */
	PACC_CHECK_FAIL = 2, /* broken: clients fail or are put at risk */
	PACC_CHECK_SKIP = 3  /* not applicable (the detail says why) */
} pacc_check_status;

/* Per-run options; always initialise with PACC_CHECK_OPTS_INIT. */
#define PACC_CHECK_OPTS_VERSION 1
typedef struct pacc_check_opts {
	unsigned version;
	/* Deadline of the whole audit in ms; 0 = the context's default. */
	long timeout_ms;
	/* PACC_CHECK_* flags. */
	unsigned flags;
} pacc_check_opts;
#define PACC_CHECK_OPTS_INIT                                                   \
	{                                                                      \
		PACC_CHECK_OPTS_VERSION, 0, 0                                  \
	}

/* Do not connect to the mail and HTTP servers the domain advertises
 * (the probe checks are then SKIPped). */
#define PACC_CHECK_NO_PROBE 0x1u

/*
 * Called once per run, from pacc_ctx_socket_action() or pacc_ctx_process(),
 * never from pacc_check_start().  `res` is borrowed (NULL only when memory
 * ran out); the run's handle is released when the callback returns.
 */
typedef void (
    *pacc_check_cb)(pacc_check *c, const pacc_check_result *res, void *ud);

/*
 * Start auditing `domain` (UTF-8 or A-labels).  A malformed domain is not
 * an error here: the callback delivers a result whose
 * pacc_check_result_error() is PACC_EADDRESS.  Runs count in
 * pacc_ctx_pending() until delivered.  PACC_EINVAL, PACC_ENOMEM.
 */
int pacc_check_start(pacc_check **out, pacc_ctx *ctx, const char *domain,
    const pacc_check_opts *opts, pacc_check_cb cb, void *ud);
/* Stop a run before its callback; the callback is not called. */
void pacc_check_cancel(pacc_check *c);
/*
 * Blocking convenience: run one audit to its end with poll(2).  PACC_OK
 * with *out set whatever was found; an error status only when no result
 * exists.
 */
int pacc_check_sync(pacc_check_result **out, pacc_ctx *ctx, const char *domain,
    const pacc_check_opts *opts);

int pacc_check_result_dup(pacc_check_result **out,
    const pacc_check_result *res);
void pacc_check_result_free(pacc_check_result *res);

/* The audited domain (A-labels), or the input as given when malformed. */
const char *pacc_check_result_domain(const pacc_check_result *res);
/*
 * PACC_OK, or what kept the audit from judging the domain at all:
 * PACC_EADDRESS (not a domain name), PACC_EDNS (the resolver could not
 * be used).  The findings are then incomplete.
 */
int pacc_check_result_error(const pacc_check_result *res);
/* A sentence about the run; never NULL. */
const char *pacc_check_result_errmsg(const pacc_check_result *res);

/* Findings, grouped by mechanism, in a stable order. */
size_t pacc_check_result_count(const pacc_check_result *res);
/* Stable check id ("pacc.digest"); NULL when i is out of range. */
const char *pacc_check_result_id(const pacc_check_result *res, size_t i);
pacc_check_status pacc_check_result_status(const pacc_check_result *res,
    size_t i);
/* A sentence; never NULL for i in range. */
const char *pacc_check_result_detail(const pacc_check_result *res, size_t i);
/* Mechanism group: "pacc", "pacc-mx", "mta-sts", "srv", "autoconfig",
 * "autodiscover", "dnssec", "cross". */
const char *pacc_check_result_group(const pacc_check_result *res, size_t i);

/* "PASS", "WARN", "FAIL", "SKIP"; "?" for other values. */
const char *pacc_check_status_name(pacc_check_status s);

/*
 * The audit as one JSON object (doc/check.schema.json, what `pacc check
 * --json` prints).  PACC_JSON_PRETTY for indentation.  *out is a
 * NUL-terminated string the caller frees with free().
 */
int pacc_check_result_to_json(char **out, const pacc_check_result *res,
    unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
