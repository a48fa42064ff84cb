/* SPDX-License-Identifier: MIT */
/* fmt_mtasts.c: RFC 8461 TXT record, policy file and MX matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"

#include "alloc_fail.h"

static char why[160];

static int
txt(const char *s, char *id, size_t idlen)
{
	return pacc__mtasts_txt_parse(s, strlen(s), id, idlen);
}

static void
test_txt_good(void **state)
{
	static const char *const ok[] = {
		"v=STSv1; id=20160831085700Z",
		"v=STSv1;id=20160831085700Z",
		"v=STSv1; id=20160831085700Z;",
		"v=STSv1 ;\tid=20160831085700Z ; ",
		"v=STSv1; ext=foo; id=20160831085700Z",
		"v=STSv1; id=20160831085700Z; e.x-t_1=v@l:ue",
	};
	char id[33];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(id, 'q', sizeof(id));
		assert_int_equal(txt(ok[i], id, sizeof(id)), PACC_OK);
		assert_string_equal(id, "20160831085700Z");
	}
	/* 32 characters is the maximum; the id buffer then needs 33 */
	assert_int_equal(
	    txt("v=STSv1; id=0123456789abcdef0123456789ABCDEF", id, sizeof(id)),
	    PACC_OK);
	assert_int_equal(strlen(id), 32);
	assert_int_equal(
	    txt("v=STSv1; id=0123456789abcdef0123456789ABCDEF", id, 32),
	    PACC_EINVAL);
	/* the id may be left out by the caller */
	assert_int_equal(txt("v=STSv1; id=1", NULL, 0), PACC_OK);
}

static void
test_txt_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"v=STSv1", /* no id */
		"v=STSv1;",
		"v=STSv1; id=",
		"v=stsv1; id=1", /* %s: case-sensitive */
		"V=STSv1; id=1",
		" v=STSv1; id=1", /* must begin with v=STSv1 */
		"id=1; v=STSv1",
		"v=STSv2; id=1",
		"v=STSv10; id=1",
		"v=STSv1 id=1",	   /* no delimiter */
		"v=STSv1; id=1-2", /* id: ALPHA / DIGIT */
		"v=STSv1; id=0123456789abcdef0123456789ABCDEFx", /* 33 */
		"v=STSv1; id=1; id=2",				 /* two ids */
		"v=STSv1; id=1;; x=2",
		"v=STSv1; id=1; x=",	/* empty extension value */
		"v=STSv1; id=1; x=a=b", /* '=' in a value */
		"v=STSv1; id=1; _x=1",	/* name starts with '_' */
		"v=STSv1; id=1; x y=1",
		"v=STSv1; id=1; x=\xc3\xa9",
		"v=STSv1; id=1; abcdefghijabcdefghijabcdefghijabc=1", /* 33 */
		"v=spf1 -all",
	};
	char id[33];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(id, "junk");
		if (txt(bad[i], id, sizeof(id)) != PACC_ENOTFOUND)
			fail_msg("case %zu: \"%s\"", i, bad[i]);
		assert_string_equal(id, "");
	}
	assert_int_equal(pacc__mtasts_txt_parse(NULL, 3, id, sizeof(id)),
	    PACC_EINVAL);
	/* length-delimited: NUL and what follows are outside */
	assert_int_equal(
	    pacc__mtasts_txt_parse("v=STSv1; id=1\0x", 15, id, sizeof(id)),
	    PACC_ENOTFOUND);
	assert_int_equal(
	    pacc__mtasts_txt_parse("v=STSv1; id=1XYZ", 13, id, sizeof(id)),
	    PACC_OK);
	assert_string_equal(id, "1");
}

static int
pol(struct pacc__mtasts_policy **p, const char *s)
{
	why[0] = '\0';
	return pacc__mtasts_policy_parse(p, s, strlen(s), why, sizeof(why));
}

static void
test_policy_rfc_example(void **state)
{
	struct pacc__mtasts_policy *p = NULL;

	(void)state;
	/* RFC 8461 §3.2 example, CRLF */
	assert_int_equal(pol(&p,
			     "version: STSv1\r\nmode: enforce\r\n"
			     "mx: mail.example.com\r\nmx: *.example.net\r\n"
			     "mx: backupmx.example.com\r\nmax_age: 604800\r\n"),
	    PACC_OK);
	assert_int_equal(p->mode, PACC__MTASTS_ENFORCE);
	assert_int_equal(p->max_age, 604800);
	assert_int_equal(p->nmx, 3);
	assert_string_equal(p->mx[0], "mail.example.com");
	assert_string_equal(p->mx[1], "*.example.net");
	assert_string_equal(p->mx[2], "backupmx.example.com");
	assert_true(pacc__mtasts_policy_allows(p, "mail.example.com"));
	assert_true(pacc__mtasts_policy_allows(p, "MX1.Example.NET."));
	assert_false(pacc__mtasts_policy_allows(p, "example.net"));
	assert_false(pacc__mtasts_policy_allows(p, "a.b.example.net"));
	assert_false(pacc__mtasts_policy_allows(p, "evil.example.org"));
	pacc__mtasts_policy_free(p);
}

static void
test_policy_variants(void **state)
{
	struct pacc__mtasts_policy *p = NULL;

	(void)state;
	/* LF only, no final newline, any order, unknown keys, blank lines */
	assert_int_equal(pol(&p,
			     "mx: MX.Example.COM.\nx-future: a b c\n\n"
			     "max_age: 0\nmode: testing\nversion: STSv1"),
	    PACC_OK);
	assert_int_equal(p->mode, PACC__MTASTS_TESTING);
	assert_int_equal(p->max_age, 0);
	assert_int_equal(p->nmx, 1);
	assert_string_equal(p->mx[0], "mx.example.com");
	pacc__mtasts_policy_free(p);
	/* mode none without mx; trailing spaces; repeated field: first */
	assert_int_equal(pol(&p,
			     "version: STSv1  \nmode:none\n"
			     "max_age:31557600\nmode: enforce\nmax_age: x\n"),
	    PACC_OK);
	assert_int_equal(p->mode, PACC__MTASTS_NONE);
	assert_int_equal(p->max_age, 31557600);
	assert_int_equal(p->nmx, 0);
	assert_false(pacc__mtasts_policy_allows(p, "mx.example.com"));
	pacc__mtasts_policy_free(p);
	/* extension values may carry UTF-8 */
	assert_int_equal(
	    pol(&p,
		"version: STSv1\nmode: enforce\n"
		"max_age: 10\nmx: mx.example.com\nnote: caf\xc3\xa9\n"),
	    PACC_OK);
	pacc__mtasts_policy_free(p);
}

static void
test_policy_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"\n\n",
		"mode: enforce\nmax_age: 10\nmx: a.example\n",	/* no version */
		"version: STSv1\nmax_age: 10\nmx: a.example\n", /* no mode */
		"version: STSv1\nmode: enforce\nmx: a.example\n", /* no max_age */
		"version: STSv2\nmode: enforce\nmax_age: 1\n",
		"version: stsv1\nmode: enforce\nmax_age: 1\n",
		"version: STSv1\nmode: Enforce\nmax_age: 1\n",
		"version: STSv1\nmode: reject\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmax_age: 31557601\n",
		"version: STSv1\nmode: enforce\nmax_age: 99999999999\n",
		"version: STSv1\nmode: enforce\nmax_age: -1\n",
		"version: STSv1\nmode: enforce\nmax_age: \n",
		"version: STSv1\nmode: enforce\nmax_age: 1 2\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\nmx: \n",
		"version: STSv1\nmode: enforce\nmax_age: 1\nmx: *\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\nmx: *.*.example\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\nmx: a_b.example\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\nmx: 192.0.2.1\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\nmx: a..example\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\n"
		"mx: m\xc3\xa9.example\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\ngarbage\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\n key: v\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\nkey : v\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\n:v\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\nk: a\rb\n",
		"version: STSv1\rmode: enforce\rmax_age: 1\r", /* CR only */
		"version: STSv1\nmode: enforce\nmax_age: 1\nk: \x01\n",
		"version: STSv1\nmode: enforce\nmax_age: 1\nk: \x7f\n",
	};
	struct pacc__mtasts_policy *p = (struct pacc__mtasts_policy *)1;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pol(&p, bad[i]) != PACC_EFORMAT)
			fail_msg("case %zu: \"%s\"", i, bad[i]);
		assert_null(p);
		assert_true(why[0] != '\0');
	}
}

static void
test_policy_nul_and_bounds(void **state)
{
	static const char body[] = "version: STSv1\nmode: enforce\n"
				   "max_age: 1\nmx: mx.example.com\n";
	struct pacc__mtasts_policy *p = NULL;
	char *copy;
	size_t n = sizeof(body) - 1;

	(void)state;
	/* an embedded NUL is a control character, not an end */
	assert_int_equal(pacc__mtasts_policy_parse(&p,
			     "version: STSv1\nmode: enforce\0\nmax_age: 1\n",
			     41, why, sizeof(why)),
	    PACC_EFORMAT);
	/* not NUL-terminated: exact-size heap copy, ASan watches */
	copy = malloc(n);
	memcpy(copy, body, n);
	assert_int_equal(
	    pacc__mtasts_policy_parse(&p, copy, n, why, sizeof(why)), PACC_OK);
	pacc__mtasts_policy_free(p);
	for (size_t len = 0; len < n; len++) {
		int rc = pacc__mtasts_policy_parse(&p, copy, len, NULL, 0);

		if (rc == PACC_OK)
			pacc__mtasts_policy_free(p);
		else
			assert_null(p);
	}
	free(copy);
	pacc__mtasts_policy_free(NULL);
	assert_int_equal(pacc__mtasts_policy_parse(NULL, body, n, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__mtasts_policy_parse(&p, NULL, 5, NULL, 0),
	    PACC_EINVAL);
}

static void
test_policy_too_many_mx(void **state)
{
	struct pacc__mtasts_policy *p = NULL;
	char *body = malloc(64 * 1024);
	size_t n = 0;

	(void)state;
	n += (size_t)sprintf(body,
	    "version: STSv1\nmode: enforce\n"
	    "max_age: 86400\n");
	for (int i = 0; i < 64; i++)
		n += (size_t)sprintf(body + n, "mx: mx%d.example.com\n", i);
	assert_int_equal(
	    pacc__mtasts_policy_parse(&p, body, n, why, sizeof(why)), PACC_OK);
	assert_int_equal(p->nmx, 64);
	assert_true(pacc__mtasts_policy_allows(p, "mx63.example.com"));
	pacc__mtasts_policy_free(p);
	n += (size_t)sprintf(body + n, "mx: one-more.example.com\n");
	assert_int_equal(
	    pacc__mtasts_policy_parse(&p, body, n, why, sizeof(why)),
	    PACC_ETOOBIG);
	assert_null(p);
	/* a huge body of long unknown lines is fine and bounded */
	n = 0;
	n += (size_t)sprintf(body,
	    "version: STSv1\nmode: none\n"
	    "max_age: 1\n");
	while (n + 1100 < 64 * 1024) {
		memcpy(body + n, "k: ", 3);
		memset(body + n + 3, 'v', 1000);
		body[n + 1003] = '\n';
		n += 1004;
	}
	assert_int_equal(
	    pacc__mtasts_policy_parse(&p, body, n, why, sizeof(why)), PACC_OK);
	pacc__mtasts_policy_free(p);
	free(body);
}

static void
test_mx_match(void **state)
{
	(void)state;
	assert_true(
	    pacc__mtasts_mx_match("mail.example.com", "mail.example.com"));
	assert_true(
	    pacc__mtasts_mx_match("mail.example.com", "MAIL.EXAMPLE.COM"));
	assert_true(
	    pacc__mtasts_mx_match("mail.example.com.", "mail.example.com"));
	assert_true(
	    pacc__mtasts_mx_match("mail.example.com", "mail.example.com."));
	assert_true(pacc__mtasts_mx_match("*.example.com", "mx.example.com"));
	assert_true(pacc__mtasts_mx_match("*.Example.com.", "MX.example.COM."));
	assert_false(pacc__mtasts_mx_match("*.example.com", "example.com"));
	assert_false(pacc__mtasts_mx_match("*.example.com", "a.b.example.com"));
	assert_false(pacc__mtasts_mx_match("*.example.com", ".example.com"));
	assert_false(
	    pacc__mtasts_mx_match("*.example.com", "mx.example.com.evil"));
	assert_false(pacc__mtasts_mx_match("*.example.com", "mxexample.com"));
	assert_false(
	    pacc__mtasts_mx_match("mail.example.com", "mail.example.co"));
	assert_false(
	    pacc__mtasts_mx_match("mail.example.com", "xmail.example.com"));
	assert_false(pacc__mtasts_mx_match("*.", "mx."));
	assert_false(pacc__mtasts_mx_match(".", "."));
	assert_false(pacc__mtasts_mx_match("", ""));
	assert_false(pacc__mtasts_mx_match(NULL, "a"));
	assert_false(pacc__mtasts_mx_match("a", NULL));
	assert_false(pacc__mtasts_policy_allows(NULL, "a"));
}

static int
parse_once(void *ud)
{
	struct pacc__mtasts_policy *p = NULL;
	const char *body = ud;
	int rc;

	rc = pacc__mtasts_policy_parse(&p, body, strlen(body), NULL, 0);
	if (rc != PACC_OK)
		assert_null(p);
	pacc__mtasts_policy_free(p);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(parse_once,
	    "version: STSv1\nmode: enforce\n"
	    "max_age: 1\nmx: a.example.com\nmx: *.b.example\nmx: c.example\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt_good),
		cmocka_unit_test(test_txt_bad),
		cmocka_unit_test(test_policy_rfc_example),
		cmocka_unit_test(test_policy_variants),
		cmocka_unit_test(test_policy_bad),
		cmocka_unit_test(test_policy_nul_and_bounds),
		cmocka_unit_test(test_policy_too_many_mx),
		cmocka_unit_test(test_mx_match),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
