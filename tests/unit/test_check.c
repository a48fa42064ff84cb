/* SPDX-License-Identifier: MIT */
/* pacc_check_*: arguments, a malformed domain, cancel, names, JSON, the id
 * table and the bounded append helper; no network. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check_int.h"

static void
never(pacc_check *c, const pacc_check_result *res, void *ud)
{
	(void)c;
	(void)res;
	(void)ud;
	fail_msg("the callback of a cancelled audit ran");
}

static void
test_arguments(void **state)
{
	pacc_check_opts o = PACC_CHECK_OPTS_INIT;
	pacc_check_result *res = NULL;
	pacc_check *c = NULL;
	pacc_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	assert_int_equal(
	    pacc_check_start(&c, NULL, "a.example", &o, never, NULL),
	    PACC_EINVAL);
	assert_int_equal(pacc_check_start(&c, ctx, NULL, &o, never, NULL),
	    PACC_EINVAL);
	assert_int_equal(pacc_check_start(&c, ctx, "a.example", &o, NULL, NULL),
	    PACC_EINVAL);
	o.version = 99;
	assert_int_equal(
	    pacc_check_start(&c, ctx, "a.example", &o, never, NULL),
	    PACC_EINVAL);
	o.version = PACC_CHECK_OPTS_VERSION;
	o.timeout_ms = -1;
	assert_int_equal(pacc_check_sync(&res, ctx, "a.example", &o),
	    PACC_EINVAL);
	assert_null(res);
	assert_int_equal(pacc_check_sync(NULL, ctx, "a.example", NULL),
	    PACC_EINVAL);
	/* started, then cancelled: nothing runs, nothing leaks */
	assert_int_equal(
	    pacc_check_start(&c, ctx, "bad domain", NULL, never, NULL),
	    PACC_OK);
	assert_int_equal(pacc_ctx_pending(ctx), 1);
	pacc_check_cancel(c);
	assert_int_equal(pacc_ctx_pending(ctx), 0);
	pacc_check_cancel(NULL);
	pacc_ctx_free(ctx);
}

static void
test_bad_domains(void **state)
{
	static const char *const bad[] = { "not a domain", "alice@a.example",
		"", ".", "localhost", "a..example", "-a.example" };
	pacc_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	for (size_t i = 0; i < PACC__ARRAY_LEN(bad); i++) {
		pacc_check_result *res = NULL;
		char *json = NULL;

		assert_int_equal(pacc_check_sync(&res, ctx, bad[i], NULL),
		    PACC_OK);
		assert_int_equal(pacc_check_result_error(res), PACC_EADDRESS);
		assert_int_equal(pacc_check_result_count(res), 0);
		assert_non_null(strstr(pacc_check_result_errmsg(res),
		    "not a valid domain"));
		assert_null(pacc_check_result_id(res, 0));
		assert_null(pacc_check_result_detail(res, 0));
		assert_null(pacc_check_result_group(res, 0));
		assert_int_equal(pacc_check_result_status(res, 0),
		    PACC_CHECK_SKIP);
		assert_int_equal(pacc_check_result_to_json(&json, res, 0),
		    PACC_OK);
		assert_non_null(strstr(json, "\"error\":\"bad-address\""));
		assert_non_null(strstr(json, "\"results\":[]"));
		free(json);
		pacc_check_result_free(res);
	}
	pacc_ctx_free(ctx);
}

static void
test_names_and_table(void **state)
{
	(void)state;
	assert_string_equal(pacc_check_status_name(PACC_CHECK_PASS), "PASS");
	assert_string_equal(pacc_check_status_name(PACC_CHECK_WARN), "WARN");
	assert_string_equal(pacc_check_status_name(PACC_CHECK_FAIL), "FAIL");
	assert_string_equal(pacc_check_status_name(PACC_CHECK_SKIP), "SKIP");
	assert_string_equal(pacc_check_status_name((pacc_check_status)7), "?");
	assert_null(pacc_check_result_domain(NULL));
	assert_int_equal(pacc_check_result_count(NULL), 0);
	assert_string_equal(pacc_check_result_errmsg(NULL), "");
	pacc_check_result_free(NULL);
}

static void
test_append(void **state)
{
	char buf[12] = "";

	(void)state;
	pacc__ck_append(buf, sizeof(buf), "; ", "abc");
	assert_string_equal(buf, "abc");
	pacc__ck_append(buf, sizeof(buf), "; ", "def");
	assert_string_equal(buf, "abc; def");
	pacc__ck_append(buf, sizeof(buf), "; ", "ghijkl");
	assert_string_equal(buf, "abc; def; g"); /* truncated, terminated */
	pacc__ck_append(buf, sizeof(buf), "; ", "more");
	assert_string_equal(buf, "abc; def; g");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_bad_domains),
		cmocka_unit_test(test_names_and_table),
		cmocka_unit_test(test_append),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
