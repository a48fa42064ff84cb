/* SPDX-License-Identifier: MIT */
/* Context setters, the loop surface without network, names and errors. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

#include "alloc_fail.h"

static void
test_setters(void **state)
{
	pacc_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(pacc_ctx_new(NULL), PACC_EINVAL);
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	assert_int_equal(pacc_ctx_set_resolver(ctx, "127.0.0.1"), PACC_OK);
	assert_int_equal(pacc_ctx_set_resolver(ctx, "::1@5353"), PACC_OK);
	assert_int_equal(pacc_ctx_set_resolver(ctx, "192.0.2.1@53"), PACC_OK);
	assert_int_equal(pacc_ctx_set_resolver(ctx, "dns.example"),
	    PACC_EINVAL);
	assert_int_equal(pacc_ctx_set_resolver(ctx, "1.2.3.4@"), PACC_EINVAL);
	assert_int_equal(pacc_ctx_set_resolver(ctx, "1.2.3.4@0"), PACC_EINVAL);
	assert_int_equal(pacc_ctx_set_resolver(ctx, "1.2.3.4@65536"),
	    PACC_EINVAL);
	assert_int_equal(pacc_ctx_set_resolver(ctx, "1.2.3.4@5x"), PACC_EINVAL);
	assert_int_equal(pacc_ctx_set_resolver(ctx, ""), PACC_EINVAL);
	assert_int_equal(pacc_ctx_set_timeout_ms(ctx, 0), PACC_EINVAL);
	assert_int_equal(pacc_ctx_set_timeout_ms(ctx, -5), PACC_EINVAL);
	assert_int_equal(pacc_ctx_set_timeout_ms(ctx, 2500), PACC_OK);
	assert_int_equal(pacc_ctx_set_mechanisms(ctx, 0), PACC_EINVAL);
	assert_int_equal(pacc_ctx_set_mechanisms(ctx, 1u << 20), PACC_EINVAL);
	assert_int_equal(
	    pacc_ctx_set_mechanisms(ctx, PACC_MECH_BIT(PACC_MECH_PACC)),
	    PACC_OK);
	assert_int_equal(pacc_ctx_set_ca_file(ctx, "/nonexistent/ca.pem"),
	    PACC_ECAFILE);
	assert_int_equal(pacc_ctx_set_ca_file(ctx, "/dev/null"), PACC_ECAFILE);
	assert_int_equal(pacc_ctx_set_trust_anchor_file(ctx, "/x"), PACC_OK);
	pacc_ctx_free(ctx);
	pacc_ctx_free(NULL);
}

static void
test_mechanisms_parse(void **state)
{
	unsigned m;

	(void)state;
	assert_int_equal(pacc_mechanisms_parse(&m, "pacc"), PACC_OK);
	assert_int_equal(m, PACC_MECH_BIT(PACC_MECH_PACC));
	assert_int_equal(pacc_mechanisms_parse(&m, "pacc,pacc-mx,guess"),
	    PACC_OK);
	assert_int_equal(m,
	    PACC_MECH_BIT(PACC_MECH_PACC) | PACC_MECH_BIT(PACC_MECH_PACC_MX) |
		PACC_MECH_BIT(PACC_MECH_GUESS));
	assert_int_equal(pacc_mechanisms_parse(&m, ""), PACC_EINVAL);
	assert_int_equal(pacc_mechanisms_parse(&m, "pacc,"), PACC_OK);
	assert_int_equal(pacc_mechanisms_parse(&m, ",pacc"), PACC_EINVAL);
	assert_int_equal(pacc_mechanisms_parse(&m, "nope"), PACC_EINVAL);
	assert_int_equal(
	    pacc_mechanisms_parse(&m, "averyveryveryverylongmechanismname"),
	    PACC_EINVAL);
	assert_int_equal(pacc_mechanisms_parse(NULL, "pacc"), PACC_EINVAL);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(pacc_status_name(PACC_EADDRESS), "bad-address");
	assert_string_equal(pacc_strerror(PACC_OK), "success");
	assert_string_equal(pacc_status_name(9999), "unknown");
	assert_string_equal(pacc_outcome_name(PACC_RESULT_INTEGRITY_FAILURE),
	    "integrity-failure");
	assert_string_equal(pacc_outcome_name((pacc_outcome)2), "unknown");
	assert_string_equal(pacc_mechanism_name(PACC_MECH_PACC_MX), "pacc-mx");
	assert_int_equal(pacc_mechanism_from_name("autodiscover"),
	    PACC_MECH_AUTODISCOVER);
	assert_int_equal(pacc_mechanism_from_name("x"), -1);
	assert_string_equal(pacc_protocol_name(PACC_PROTO_MANAGESIEVE),
	    "managesieve");
	assert_string_equal(pacc_dnssec_name(PACC_DNSSEC_NA), "n/a");
	assert_string_equal(pacc_attempt_outcome_name(PACC_ATTEMPT_TIMEOUT),
	    "timeout");
	assert_string_equal(pacc_version(), PACC_VERSION_STRING);
}

static int timer_calls;
static long last_timeout;

static void
on_timer(pacc_ctx *ctx, long timeout_ms, void *ud)
{
	(void)ctx;
	(void)ud;
	timer_calls++;
	last_timeout = timeout_ms;
}

struct got {
	int calls;
	pacc_outcome outcome;
	int error;
};

static void
on_result(pacc_discovery *d, const pacc_result *res, void *ud)
{
	struct got *g = ud;
	char *json = NULL;

	(void)d;
	g->calls++;
	g->outcome = pacc_result_outcome(res);
	g->error = pacc_result_error(res);
	assert_int_equal(pacc_result_to_json(&json, res, 0), PACC_OK);
	assert_non_null(strstr(json, "\"status\":\"error\""));
	assert_non_null(strstr(json, "\"code\":\"bad-address\""));
	free(json);
}

/* A bad address never touches the network; the callback comes from the
 * loop, never from pacc_discover_start(). */
static void
test_bad_address_via_loop(void **state)
{
	pacc_ctx *ctx = NULL;
	struct got g = { 0, 0, 0 };
	struct pollfd fds[4];
	size_t n = 99;
	int t = 0;

	(void)state;
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	assert_int_equal(pacc_ctx_set_timer_cb(ctx, on_timer, NULL), PACC_OK);
	assert_int_equal(pacc_discover_start(NULL, ctx, "not an address", NULL,
			     on_result, &g),
	    PACC_OK);
	assert_int_equal(g.calls, 0);
	assert_int_equal(pacc_ctx_pending(ctx), 1);
	assert_true(timer_calls >= 1);
	assert_int_equal(last_timeout, 0);
	assert_int_equal(pacc_ctx_pollfds(ctx, fds, 4, &n, &t), PACC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(t, 0);
	assert_int_equal(pacc_ctx_socket_action(ctx, PACC_SOCKET_TIMEOUT, 0),
	    PACC_OK);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.outcome, PACC_RESULT_ERROR);
	assert_int_equal(g.error, PACC_EADDRESS);
	assert_int_equal(pacc_ctx_pending(ctx), 0);
	assert_int_equal(last_timeout, -1);
	pacc_ctx_free(ctx);
}

static void
test_sync_bad_address(void **state)
{
	pacc_ctx *ctx = NULL;
	pacc_result *res = NULL, *copy = NULL;
	pacc_discover_opts bad = PACC_DISCOVER_OPTS_INIT;

	(void)state;
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	bad.version = 99;
	assert_int_equal(pacc_discover_sync(&res, ctx, "a@b.example", &bad),
	    PACC_EINVAL);
	assert_int_equal(pacc_discover_sync(&res, ctx, "a@[127.0.0.1]", NULL),
	    PACC_OK);
	assert_int_equal(pacc_result_outcome(res), PACC_RESULT_ERROR);
	assert_null(pacc_result_domain(res));
	assert_int_equal(pacc_result_server_count(res), 0);
	assert_int_equal(pacc_result_dup(&copy, res), PACC_OK);
	assert_string_equal(pacc_result_errmsg(copy), pacc_result_errmsg(res));
	assert_int_equal(pacc_result_confirm_required(copy), 1);
	pacc_result_free(copy);
	pacc_result_free(res);
	pacc_ctx_free(ctx);
}

/* Cancelling before delivery: no callback, nothing leaks. */
static void
test_cancel(void **state)
{
	pacc_ctx *ctx = NULL;
	pacc_discovery *d = NULL;
	struct got g = { 0, 0, 0 };

	(void)state;
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	assert_int_equal(
	    pacc_discover_start(&d, ctx, "@@", NULL, on_result, &g), PACC_OK);
	pacc_discover_cancel(d);
	assert_int_equal(pacc_ctx_pending(ctx), 0);
	pacc_ctx_socket_action(ctx, PACC_SOCKET_TIMEOUT, 0);
	assert_int_equal(g.calls, 0);
	/* freeing a context cancels what still runs */
	assert_int_equal(
	    pacc_discover_start(NULL, ctx, "@@", NULL, on_result, &g), PACC_OK);
	pacc_ctx_free(ctx);
	assert_int_equal(g.calls, 0);
}

static void
nop_watch(void *ud, int fd, int revents)
{
	(void)ud;
	(void)fd;
	(void)revents;
}

static void
nop_timer(void *ud)
{
	(void)ud;
}

/*
 * pacc_ctx_pollfds(ctx, NULL, 0, ...) asks for the timer alone: the
 * event-loop adapters (include/pacc/adapters/) re-arm with it when their
 * loop fired early.  PACC_ETOOBIG, yet *nfds and *timeout_ms are set.
 */
static void
test_pollfds_timer_alone(void **state)
{
	pacc_ctx *ctx = NULL;
	struct pacc__timer t;
	size_t n = 0;
	int ms = -7;

	(void)state;
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	assert_int_equal(pacc_ctx_pollfds(ctx, NULL, 0, &n, &ms), PACC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(ms, -1);
	assert_int_equal(pacc__watch_set(ctx, 0, PACC_POLL_IN, nop_watch, NULL),
	    PACC_OK);
	pacc__timer_init(&t, nop_timer, NULL);
	pacc__timer_arm(ctx, &t, 5000);
	assert_int_equal(pacc_ctx_pollfds(ctx, NULL, 0, &n, &ms), PACC_ETOOBIG);
	assert_int_equal(n, 1);
	assert_true(ms > 0 && ms <= 5000);
	pacc__timer_disarm(ctx, &t);
	assert_int_equal(pacc__watch_set(ctx, 0, 0, nop_watch, NULL), PACC_OK);
	pacc_ctx_free(ctx);
}

/* A context, its setters, and a synchronous discovery refused early. */
static int
sync_once(void *ud)
{
	pacc_ctx *ctx = NULL;
	pacc_result *res = NULL, *copy = NULL;
	int rc;

	(void)ud;
	if ((rc = pacc_ctx_new(&ctx)) != PACC_OK)
		return rc;
	if ((rc = pacc_ctx_set_resolver(ctx, "127.0.0.1@5353")) == PACC_OK &&
	    (rc = pacc_ctx_set_timeout_ms(ctx, 2500)) == PACC_OK &&
	    (rc = pacc_discover_sync(&res, ctx, ud, NULL)) == PACC_OK) {
		/* an error result says why: PACC_ENOMEM or the address */
		if (pacc_result_error(res) == PACC_ENOMEM)
			rc = PACC_ENOMEM;
		else if (pacc_result_error(res) != PACC_EADDRESS)
			rc = PACC_EINVAL;
		else
			rc = pacc_result_dup(&copy, res);
	}
	pacc_result_free(copy);
	pacc_result_free(res);
	pacc_ctx_free(ctx);
	return rc;
}

static void
on_result_sweep(pacc_discovery *d, const pacc_result *res, void *ud)
{
	struct got *g = ud;
	char *json = NULL;
	int rc;

	(void)d;
	g->calls++;
	g->outcome = pacc_result_outcome(res);
	g->error = pacc_result_error(res);
	rc = pacc_result_to_json(&json, res, 0);
	if (rc == PACC_OK && g->error == PACC_EADDRESS)
		assert_non_null(strstr(json, "\"code\":\"bad-address\""));
	else if (rc != PACC_OK)
		g->error = rc;
	free(json);
}

/* The same through the caller's loop: start, timer, result. */
static int
loop_once(void *ud)
{
	pacc_ctx *ctx = NULL;
	struct got g = { 0, 0, 0 };
	int rc;

	(void)ud;
	if ((rc = pacc_ctx_new(&ctx)) != PACC_OK)
		return rc;
	if ((rc = pacc_ctx_set_timer_cb(ctx, on_timer, NULL)) == PACC_OK &&
	    (rc = pacc_discover_start(NULL, ctx, "not an address", NULL,
		 on_result_sweep, &g)) == PACC_OK &&
	    (rc = pacc_ctx_socket_action(ctx, PACC_SOCKET_TIMEOUT, 0)) ==
		PACC_OK) {
		assert_int_equal(g.calls, 1);
		rc = g.error == PACC_EADDRESS ? PACC_OK : g.error;
	}
	pacc_ctx_free(ctx);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(sync_once, "a@[127.0.0.1]");
	enomem_sweep(sync_once, "not an address");
	enomem_sweep(loop_once, NULL);
}

static void
on_result_cancel(pacc_discovery *d, const pacc_result *res, void *ud)
{
	int *calls = ud;

	(void)res;
	(*calls)++;
	pacc_discover_cancel(d); /* a no-op here, not a double free */
}

/* pacc_discover_cancel() from the discovery's own callback. */
static void
test_cancel_in_callback(void **state)
{
	pacc_ctx *ctx = NULL;
	int calls = 0;

	(void)state;
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	assert_int_equal(pacc_ctx_set_timer_cb(ctx, on_timer, NULL), PACC_OK);
	assert_int_equal(pacc_discover_start(NULL, ctx, "not an address", NULL,
			     on_result_cancel, &calls),
	    PACC_OK);
	assert_int_equal(pacc_ctx_socket_action(ctx, PACC_SOCKET_TIMEOUT, 0),
	    PACC_OK);
	assert_int_equal(calls, 1);
	assert_int_equal(pacc_ctx_pending(ctx), 0);
	pacc_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_setters),
		cmocka_unit_test(test_mechanisms_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bad_address_via_loop),
		cmocka_unit_test(test_sync_bad_address),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_pollfds_timer_alone),
		cmocka_unit_test(test_cancel_in_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
