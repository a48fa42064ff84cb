/* SPDX-License-Identifier: MIT */
/* fmt_wwwauth.c: WWW-Authenticate challenges (RFC 9110 §11.6.1), hostile
 * input included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

#include "alloc_fail.h"

static char why[256];

static int
parse(struct pacc__challenges *c, const char *v)
{
	why[0] = '\0';
	return pacc__wwwauth_parse(c, v, strlen(v), why, sizeof(why));
}

/* Parse one value that must be valid; the challenges stay in *c. */
static void
parse_ok(struct pacc__challenges *c, const char *v)
{
	int rc = parse(c, v);

	if (rc != PACC_OK)
		fail_msg("'%s': %s", v, why);
	assert_string_equal(why, "");
}

static void
parse_bad(struct pacc__challenges *c, const char *v)
{
	int rc = parse(c, v);

	if (rc != PACC_EFORMAT)
		fail_msg("'%s' parsed (rc %d), expected a syntax error", v, rc);
	assert_true(why[0] != '\0');
}

static const char *
param(const struct pacc__challenges *c, size_t i, const char *name)
{
	assert_true(i < c->n);
	return pacc__challenge_param(&c->v[i], name);
}

static void
test_basic_and_bearer_one_header(void **state)
{
	struct pacc__challenges c = { 0 };

	(void)state;
	/* the classic: a comma inside a quoted realm, two challenges in
	 * one header, RFC 9728 resource_metadata */
	parse_ok(&c,
	    "Basic realm=\"a, b\", Bearer realm=\"x\", "
	    "resource_metadata=\"https://rs.example/.well-known/"
	    "oauth-protected-resource\"");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0].scheme, "Basic");
	assert_int_equal(c.v[0].nparams, 1);
	assert_string_equal(param(&c, 0, "realm"), "a, b");
	assert_null(c.v[0].token68);
	assert_string_equal(c.v[1].scheme, "Bearer");
	assert_int_equal(c.v[1].nparams, 2);
	assert_string_equal(param(&c, 1, "realm"), "x");
	assert_string_equal(param(&c, 1, "RESOURCE_METADATA"),
	    "https://rs.example/.well-known/oauth-protected-resource");
	assert_false(c.truncated);
	pacc__challenges_clear(&c);
	assert_int_equal(c.n, 0);
	assert_null(c.v);
}

static void
test_rfc9110_example(void **state)
{
	struct pacc__challenges c = { 0 };

	(void)state;
	/* RFC 9110 §11.6.1 */
	/* CR LF is not OWS (obs-fold is gone, RFC 9112 §5.2): an error
	 * there; the challenge read before it is kept */
	parse_bad(&c,
	    "Newauth realm=\"apps\", type=1,\r\n"
	    "                       title=\"Login to \\\"apps\\\"\", "
	    "Basic realm=\"simple\"");
	assert_int_equal(c.n, 1);
	pacc__challenges_clear(&c);
	/* as curl hands it over: one line */
	parse_ok(&c,
	    "Newauth realm=\"apps\", type=1, "
	    "title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\"");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0].scheme, "Newauth");
	assert_int_equal(c.v[0].nparams, 3);
	assert_string_equal(param(&c, 0, "type"), "1");
	assert_string_equal(param(&c, 0, "title"), "Login to \"apps\"");
	assert_string_equal(param(&c, 1, "realm"), "simple");
	pacc__challenges_clear(&c);
}

static void
test_several_headers_append(void **state)
{
	struct pacc__challenges c = { 0 };

	(void)state;
	parse_ok(&c, "Basic realm=\"JMAP\"");
	parse_ok(&c,
	    "Bearer realm=\"JMAP\", resource_metadata="
	    "\"https://jmap.example/.well-known/"
	    "oauth-protected-resource\"");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0].scheme, "Basic");
	assert_string_equal(c.v[1].scheme, "Bearer");
	pacc__challenges_clear(&c);
}

static void
test_token68(void **state)
{
	struct pacc__challenges c = { 0 };

	(void)state;
	parse_ok(&c,
	    "Negotiate YIIC+wYJKoZIhvcSAQICAQBuggLqMIIC5qADAgEF==, "
	    "NTLM, Basic realm=x");
	assert_int_equal(c.n, 3);
	assert_string_equal(c.v[0].token68,
	    "YIIC+wYJKoZIhvcSAQICAQBuggLqMIIC5qADAgEF==");
	assert_int_equal(c.v[0].nparams, 0);
	assert_string_equal(c.v[1].scheme, "NTLM");
	assert_null(c.v[1].token68);
	assert_int_equal(c.v[1].nparams, 0);
	assert_string_equal(param(&c, 2, "realm"), "x");
	pacc__challenges_clear(&c);
	/* "abc=" is a token68 (padding), "a=b" a parameter */
	parse_ok(&c, "X abc=");
	assert_string_equal(c.v[0].token68, "abc=");
	parse_ok(&c, "Y a=b");
	assert_null(c.v[1].token68);
	assert_string_equal(param(&c, 1, "a"), "b");
	parse_ok(&c, "Z abc   ");
	assert_string_equal(c.v[2].token68, "abc");
	/* "realm=" alone is a token68 too (RFC 9110 §11.2 grammar) */
	parse_ok(&c, "Basic realm=");
	assert_string_equal(c.v[3].token68, "realm=");
	pacc__challenges_clear(&c);
	/* a token68 then something else than a comma */
	parse_bad(&c, "Negotiate abc def");
	assert_int_equal(c.n, 0);
}

static void
test_lists_and_whitespace(void **state)
{
	struct pacc__challenges c = { 0 };

	(void)state;
	/* RFC 9110 §5.6.1.2: empty elements are ignored */
	parse_ok(&c, " , ,Basic realm = \"r\" ,, charset=UTF-8 , ,Bearer,");
	assert_int_equal(c.n, 2);
	assert_int_equal(c.v[0].nparams, 2);
	assert_string_equal(param(&c, 0, "charset"), "UTF-8");
	assert_string_equal(c.v[1].scheme, "Bearer");
	assert_int_equal(c.v[1].nparams, 0);
	pacc__challenges_clear(&c);
	parse_ok(&c, "");
	parse_ok(&c, "  ,  ");
	assert_int_equal(c.n, 0);
	parse_ok(&c, "Basic\trealm=\"tab\"");
	assert_string_equal(param(&c, 0, "realm"), "tab");
	pacc__challenges_clear(&c);
	/* names lower-cased, schemes kept as sent */
	parse_ok(&c, "bEaReR ReAlM=\"x\", Error=invalid_token");
	assert_string_equal(c.v[0].scheme, "bEaReR");
	assert_string_equal(c.v[0].params[0].name, "realm");
	assert_string_equal(c.v[0].params[1].name, "error");
	assert_string_equal(c.v[0].params[1].value, "invalid_token");
	pacc__challenges_clear(&c);
}

static void
test_escapes(void **state)
{
	struct pacc__challenges c = { 0 };

	(void)state;
	parse_ok(&c, "Basic realm=\"a\\\\b\\\"c\\d\", x=\"\"");
	assert_string_equal(param(&c, 0, "realm"), "a\\b\"cd");
	assert_string_equal(param(&c, 0, "x"), "");
	pacc__challenges_clear(&c);
	/* a comma and an equals sign inside quotes are just text */
	parse_ok(&c,
	    "Digest realm=\"a=b, Basic c=d\", qop=\"auth,auth-int\", "
	    "nonce=\"n\"");
	assert_int_equal(c.n, 1);
	assert_string_equal(param(&c, 0, "realm"), "a=b, Basic c=d");
	assert_string_equal(param(&c, 0, "qop"), "auth,auth-int");
	pacc__challenges_clear(&c);
	/* obs-text: kept when UTF-8, replaced when not */
	parse_ok(&c,
	    "Basic realm=\"B\xc3\xbc"
	    "cher\", x=\"\xff\"");
	assert_string_equal(param(&c, 0, "realm"),
	    "B\xc3\xbc"
	    "cher");
	assert_string_equal(param(&c, 0, "x"), "\xef\xbf\xbd");
	pacc__challenges_clear(&c);
}

static void
test_malformed(void **state)
{
	struct pacc__challenges c = { 0 };
	static const char *const bad[] = {
		"Basic realm=\"open",		   /* unterminated */
		"Basic realm=\"x\\",		   /* escape at the end */
		"Basic a=b, c=",		   /* no value */
		"Basic realm=\"a\" b",		   /* no comma */
		"Basic realm=\"a\", b =, c",	   /* no value after BWS */
		"=Basic",			   /* no scheme */
		"Basic realm=\"x\"; Bearer",	   /* ";" is no separator */
		"Basic realm=\"a\" , realm=\"b\"", /* duplicate name */
		"Basic REALM=a, realm=b", /* duplicate, case-insensitive */
		"Basic realm=\"a\x01\"",  /* control in a quoted string */
		"Basic realm=a\x01",	  /* control after a token */
		"Ba(sic realm=x",	  /* not a token */
		"Basic realm=@",	  /* not a token value */
		"Basic realm==x",
		"\"Basic\"",
	};

	(void)state;
	for (size_t i = 0; i < PACC__ARRAY_LEN(bad); i++) {
		parse_bad(&c, bad[i]);
		if (c.n != 0)
			fail_msg("'%s' kept a challenge", bad[i]);
	}
	/* a parameter after a bare scheme: the scheme is kept */
	parse_bad(&c, "Basic,realm=\"x\"");
	assert_int_equal(c.n, 1);
	assert_int_equal(c.v[0].nparams, 0);
	pacc__challenges_clear(&c);
	/* no scheme after a complete challenge */
	parse_bad(&c, "Basic realm=\"a\",, =x");
	assert_int_equal(c.n, 1);
	assert_string_equal(param(&c, 0, "realm"), "a");
	pacc__challenges_clear(&c);
	/* what came before the error is kept, the broken one is not */
	parse_bad(&c, "Basic realm=\"ok\", Bearer realm=\"x\", realm=\"y\"");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].scheme, "Basic");
	pacc__challenges_clear(&c);
	/* embedded NUL: length-delimited, not NUL-terminated */
	why[0] = '\0';
	assert_int_equal(pacc__wwwauth_parse(&c, "Basic realm=\"a\0b\"", 17,
			     why, sizeof(why)),
	    PACC_EFORMAT);
	assert_int_equal(c.n, 0);
	/* arguments */
	assert_int_equal(pacc__wwwauth_parse(NULL, "x", 1, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__wwwauth_parse(&c, NULL, 1, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__wwwauth_parse(&c, NULL, 0, NULL, 0), PACC_OK);
	assert_null(pacc__challenge_param(NULL, "x"));
}

static void
test_bounds(void **state)
{
	struct pacc__challenges c = { 0 };
	char *big = malloc(64 * 1024);
	size_t o = 0;

	(void)state;
	assert_non_null(big);
	/* 40 challenges: 16 kept, the rest not even read */
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(big + o, 64 * 1024 - o, "%sS%d realm=r%d",
		    i ? ", " : "", i, i);
	parse_ok(&c, big);
	assert_int_equal(c.n, PACC__MAX_CHALLENGES);
	assert_true(c.truncated);
	assert_string_equal(c.v[15].scheme, "S15");
	/* a second header adds nothing more */
	parse_ok(&c, "Basic realm=x");
	assert_int_equal(c.n, PACC__MAX_CHALLENGES);
	pacc__challenges_clear(&c);

	/* 40 parameters: 16 kept */
	o = (size_t)snprintf(big, 64 * 1024, "X ");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(big + o, 64 * 1024 - o, "%sp%d=\"%d\"",
		    i ? ", " : "", i, i);
	snprintf(big + o, 64 * 1024 - o, ", Basic realm=after");
	parse_ok(&c, big);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.v[0].nparams, PACC__MAX_CHALLENGE_PARAMS);
	assert_string_equal(param(&c, 0, "p15"), "15");
	assert_null(param(&c, 0, "p16"));
	assert_string_equal(param(&c, 1, "realm"), "after");
	assert_true(c.truncated);
	pacc__challenges_clear(&c);

	/* a value over 1 KiB is left out; the parse goes on after it */
	o = (size_t)snprintf(big, 64 * 1024, "Bearer resource_metadata=\"");
	memset(big + o, 'a', 2000);
	o += 2000;
	snprintf(big + o, 64 * 1024 - o, "\", realm=\"x\", Basic realm=y");
	parse_ok(&c, big);
	assert_int_equal(c.n, 2);
	assert_null(param(&c, 0, "resource_metadata"));
	assert_string_equal(param(&c, 0, "realm"), "x");
	assert_true(c.truncated);
	pacc__challenges_clear(&c);
	/* exactly 1 KiB is kept */
	o = (size_t)snprintf(big, 64 * 1024, "Bearer v=\"");
	memset(big + o, 'b', PACC__MAX_CHALLENGE_VALUE);
	o += PACC__MAX_CHALLENGE_VALUE;
	snprintf(big + o, 64 * 1024 - o, "\"");
	parse_ok(&c, big);
	assert_int_equal(strlen(param(&c, 0, "v")), PACC__MAX_CHALLENGE_VALUE);
	assert_false(c.truncated);
	pacc__challenges_clear(&c);
	/* a long token value and a long token68 likewise */
	o = (size_t)snprintf(big, 64 * 1024, "Bearer v=");
	memset(big + o, 'c', 5000);
	big[o + 5000] = '\0';
	parse_ok(&c, big);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.v[0].nparams, 0);
	assert_true(c.truncated);
	pacc__challenges_clear(&c);
	o = (size_t)snprintf(big, 64 * 1024, "Negotiate ");
	memset(big + o, 'd', 5000);
	big[o + 5000] = '\0';
	parse_ok(&c, big);
	assert_int_equal(c.n, 1);
	assert_null(c.v[0].token68);
	assert_true(c.truncated);
	pacc__challenges_clear(&c);
	/* a scheme or a parameter name over the bound is an error */
	memset(big, 'S', 5000);
	big[5000] = '\0';
	parse_bad(&c, big);
	o = (size_t)snprintf(big, 64 * 1024, "Basic ");
	memset(big + o, 'n', 5000);
	snprintf(big + o + 5000, 64 * 1024 - o - 5000, "=x");
	parse_bad(&c, big);
	/* an unterminated quoted string of 60 KiB */
	o = (size_t)snprintf(big, 64 * 1024, "Basic realm=\"");
	memset(big + o, ',', 60000);
	big[o + 60000] = '\0';
	parse_bad(&c, big);
	assert_int_equal(c.n, 0);
	free(big);
}

static void
test_copy(void **state)
{
	struct pacc__challenges c = { 0 }, d;

	(void)state;
	parse_ok(&c, "Basic realm=\"a\", Negotiate abc==, Bearer error=x");
	assert_int_equal(pacc__challenges_copy(&d, &c), PACC_OK);
	pacc__challenges_clear(&c);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.v[0].params[0].value, "a");
	assert_string_equal(d.v[1].token68, "abc==");
	assert_string_equal(pacc__challenge_param(&d.v[2], "error"), "x");
	pacc__challenges_clear(&d);
	assert_int_equal(pacc__challenges_copy(&d, &c), PACC_OK);
	assert_int_equal(d.n, 0);
}

/* Every prefix of a tricky value: never a crash, never a leak. */
static void
test_prefixes(void **state)
{
	static const char v[] = "Basic realm=\"a, \\\"b\\\"\", charset=UTF-8, "
				"Negotiate abc==, Bearer realm=\"x\", "
				"resource_metadata=\"https://r/\", error=e";
	struct pacc__challenges c = { 0 };

	(void)state;
	for (size_t n = 0; n <= sizeof(v) - 1; n++) {
		int rc = pacc__wwwauth_parse(&c, v, n, why, sizeof(why));

		assert_true(rc == PACC_OK || rc == PACC_EFORMAT);
		/* "..., resource_metadata" alone reads as a scheme */
		assert_true(c.n <= 4);
		pacc__challenges_clear(&c);
	}
	parse_ok(&c, v);
	assert_int_equal(c.n, 3);
	pacc__challenges_clear(&c);
}

/* Two header lines parsed into one list, then copied. */
static int
wwwauth_once(void *ud)
{
	static const char l1[] = "Basic realm=\"a, b\", Bearer realm=\"x\", "
				 "error=\"invalid_token\", Negotiate abc==";
	static const char l2[] = "Newauth realm=\"apps\", type=1, "
				 "title=\"Login to \\\"apps\\\"\"";
	struct pacc__challenges c, d;
	int rc;

	(void)ud;
	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	if ((rc = pacc__wwwauth_parse(&c, l1, strlen(l1), NULL, 0)) ==
		PACC_OK &&
	    (rc = pacc__wwwauth_parse(&c, l2, strlen(l2), NULL, 0)) == PACC_OK)
		rc = pacc__challenges_copy(&d, &c);
	if (rc != PACC_OK)
		assert_int_equal(d.n, 0);
	pacc__challenges_clear(&d);
	pacc__challenges_clear(&c);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(wwwauth_once, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_basic_and_bearer_one_header),
		cmocka_unit_test(test_rfc9110_example),
		cmocka_unit_test(test_several_headers_append),
		cmocka_unit_test(test_token68),
		cmocka_unit_test(test_lists_and_whitespace),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
