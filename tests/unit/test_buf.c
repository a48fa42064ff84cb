/* SPDX-License-Identifier: MIT */
/* buf.c: the bounded growing buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pacc/error.h"

#include "alloc.h"
#include "buf.h"

#include "alloc_fail.h"

static void
test_init_empty(void **state)
{
	struct pacc__buf b;
	size_t len = 99;

	(void)state;
	pacc__buf_init(&b, 100);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 100);
	assert_null(pacc__buf_steal(&b, &len));
	assert_int_equal(len, 0);
	pacc__buf_reset(&b); /* no data: no crash */
	pacc__buf_free(&b);
	pacc__buf_free(&b); /* twice is fine */
}

static void
test_append_nul_terminated(void **state)
{
	struct pacc__buf b;

	(void)state;
	pacc__buf_init(&b, 1000);
	assert_int_equal(pacc__buf_append(&b, "abc", 3), PACC_OK);
	assert_int_equal(b.len, 3);
	assert_string_equal((char *)b.data, "abc");
	assert_int_equal(pacc__buf_append(&b, "", 0), PACC_OK);
	assert_int_equal(pacc__buf_append(&b, "d\0e", 3), PACC_OK);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "abcd\0e", 7);
	pacc__buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal((char *)b.data, "");
	pacc__buf_free(&b);
}

static void
test_cap_exact(void **state)
{
	struct pacc__buf b;
	char big[300];

	(void)state;
	memset(big, 'x', sizeof(big));
	pacc__buf_init(&b, 200);
	/* exactly the maximum fits */
	assert_int_equal(pacc__buf_append(&b, big, 200), PACC_OK);
	assert_int_equal(b.len, 200);
	assert_int_equal(b.data[200], '\0');
	/* one more byte does not, and leaves the buffer as it was */
	assert_int_equal(pacc__buf_append(&b, big, 1), PACC_ETOOBIG);
	assert_int_equal(b.len, 200);
	pacc__buf_free(&b);

	pacc__buf_init(&b, 200);
	assert_int_equal(pacc__buf_append(&b, big, 201), PACC_ETOOBIG);
	assert_int_equal(pacc__buf_append(&b, big, SIZE_MAX), PACC_ETOOBIG);
	assert_int_equal(pacc__buf_append(&b, big, 150), PACC_OK);
	assert_int_equal(pacc__buf_append(&b, big, 51), PACC_ETOOBIG);
	assert_int_equal(pacc__buf_append(&b, big, 50), PACC_OK);
	pacc__buf_free(&b);

	pacc__buf_init(&b, 0); /* nothing at all may be appended */
	assert_int_equal(pacc__buf_append(&b, big, 1), PACC_ETOOBIG);
	assert_int_equal(pacc__buf_append(&b, big, 0), PACC_OK);
	pacc__buf_free(&b);
}

static void
test_growth_many(void **state)
{
	struct pacc__buf b;

	(void)state;
	pacc__buf_init(&b, 100000);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(pacc__buf_append(&b, "0123456789", 10),
		    PACC_OK);
	assert_int_equal(b.len, 100000);
	assert_true(b.cap <= 100001);
	assert_int_equal(pacc__buf_append(&b, "x", 1), PACC_ETOOBIG);
	pacc__buf_free(&b);
}

static void
test_appendf(void **state)
{
	struct pacc__buf b;
	char *s;
	size_t len;
	char long_arg[600];

	(void)state;
	memset(long_arg, 'y', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = '\0';
	pacc__buf_init(&b, 4096);
	assert_int_equal(pacc__buf_appendf(&b, "%s=%d;", "a", 42), PACC_OK);
	assert_string_equal((char *)b.data, "a=42;");
	/* longer than the small stack buffer */
	assert_int_equal(pacc__buf_appendf(&b, "[%s]", long_arg), PACC_OK);
	assert_int_equal(b.len, 5 + 2 + 599);
	s = pacc__buf_steal(&b, &len);
	assert_non_null(s);
	assert_int_equal(len, 606);
	assert_int_equal(s[len], '\0');
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	pacc__free(s);

	pacc__buf_init(&b, 10);
	assert_int_equal(pacc__buf_appendf(&b, "%s", long_arg), PACC_ETOOBIG);
	assert_int_equal(b.len, 0);
	pacc__buf_free(&b);
}

static int
append_once(void *ud)
{
	struct pacc__buf b;
	int rc;

	(void)ud;
	pacc__buf_init(&b, 10000);
	rc = pacc__buf_append(&b, "hello", 5);
	for (int i = 0; rc == PACC_OK && i < 50; i++)
		rc = pacc__buf_append(&b, "0123456789", 10);
	if (rc == PACC_OK)
		rc = pacc__buf_appendf(&b, "%0300d", 7);
	pacc__buf_free(&b);
	return rc;
}

static void
test_small_helpers(void **state)
{
	char *d;

	(void)state;
	assert_int_equal(pacc__hexval('0'), 0);
	assert_int_equal(pacc__hexval('f'), 15);
	assert_int_equal(pacc__hexval('F'), 15);
	assert_int_equal(pacc__hexval('g'), -1);
	assert_int_equal(pacc__port_parse("993"), 993);
	assert_int_equal(pacc__port_parse("65535"), 65535);
	assert_int_equal(pacc__port_parse("0"), 0);
	assert_int_equal(pacc__port_parse("65536"), 0);
	assert_int_equal(pacc__port_parse("+1"), 0);
	assert_int_equal(pacc__port_parse(" 1"), 0);
	assert_int_equal(pacc__port_parse(""), 0);
	assert_int_equal(pacc__port_parse(NULL), 0);
	d = pacc__pct_decode("a%40b+c", 7, true);
	assert_string_equal(d, "a@b c");
	pacc__free(d);
	d = pacc__pct_decode("a%40b+c", 7, false);
	assert_string_equal(d, "a@b+c");
	pacc__free(d);
	assert_null(pacc__pct_decode("%4", 2, false));	  /* truncated */
	assert_null(pacc__pct_decode("%zz", 3, false));	  /* not hex */
	assert_null(pacc__pct_decode("a%0Ab", 5, false)); /* control */
	assert_null(pacc__pct_decode("a\x7f", 2, false));
	d = pacc__pct_decode("", 0, false);
	assert_string_equal(d, "");
	pacc__free(d);
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(append_once, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_append_nul_terminated),
		cmocka_unit_test(test_cap_exact),
		cmocka_unit_test(test_growth_many),
		cmocka_unit_test(test_appendf),
		cmocka_unit_test(test_small_helpers),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
