/* SPDX-License-Identifier: MIT */
/* addr.c: addresses, IDN, host names, https URLs, registrable domains. */
#include <locale.h>
#include <pthread.h>
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

static void
good(const char *in, const char *local, const char *domain, const char *uni,
    const char *address)
{
	struct pacc__addr a;
	int rc = pacc__addr_parse(&a, in, why, sizeof(why));

	if (rc != PACC_OK)
		fail_msg("\"%s\": %d %s", in, rc, why);
	assert_string_equal(a.local, local);
	assert_string_equal(a.domain, domain);
	assert_string_equal(a.domain_unicode, uni);
	assert_string_equal(a.address, address);
	pacc__addr_clear(&a);
	assert_null(a.local);
	assert_null(a.address);
}

static void
bad(const char *in, const char *why_part)
{
	struct pacc__addr a;
	int rc = pacc__addr_parse(&a, in, why, sizeof(why));

	if (rc != PACC_EADDRESS)
		fail_msg("\"%s\" gave %d", in, rc);
	assert_null(a.local);
	assert_null(a.domain);
	assert_null(a.domain_unicode);
	assert_null(a.address);
	if (why_part != NULL && strstr(why, why_part) == NULL)
		fail_msg("\"%s\": \"%s\" lacks \"%s\"", in, why, why_part);
}

static void
test_addr_good(void **state)
{
	(void)state;
	good("alice@example.com", "alice", "example.com", "example.com",
	    "alice@example.com");
	/* the domain is lower-cased, the local part kept as typed */
	good("Alice.Smith@Example.COM", "Alice.Smith", "example.com",
	    "example.com", "Alice.Smith@example.com");
	good("  alice@example.com\r\n", "alice", "example.com", "example.com",
	    "alice@example.com");
	good("\talice@example.com ", "alice", "example.com", "example.com",
	    "alice@example.com");
	good("a!#$%&'*+-/=?^_`{|}~@example.com", "a!#$%&'*+-/=?^_`{|}~",
	    "example.com", "example.com", "a!#$%&'*+-/=?^_`{|}~@example.com");
	good("\"john doe\"@example.com", "\"john doe\"", "example.com",
	    "example.com", "\"john doe\"@example.com");
	good("\"a@b\"@example.com", "\"a@b\"", "example.com", "example.com",
	    "\"a@b\"@example.com");
	good("\"q\\\"uote\\\\\"@example.com", "\"q\\\"uote\\\\\"",
	    "example.com", "example.com", "\"q\\\"uote\\\\\"@example.com");
	good("\"\"@example.com", "\"\"", "example.com", "example.com",
	    "\"\"@example.com");
	/* RFC 6532: UTF-8 local part; IDN domain both ways */
	good("j\xc3\xb6rg@b\xc3\xbc"
	     "cher.example",
	    "j\xc3\xb6rg", "xn--bcher-kva.example",
	    "b\xc3\xbc"
	    "cher.example",
	    "j\xc3\xb6rg@xn--bcher-kva.example");
	good("alice@xn--bcher-kva.example", "alice", "xn--bcher-kva.example",
	    "b\xc3\xbc"
	    "cher.example",
	    "alice@xn--bcher-kva.example");
	good("alice@B\xc3\x9c"
	     "CHER.example",
	    "alice", "xn--bcher-kva.example",
	    "b\xc3\xbc"
	    "cher.example",
	    "alice@xn--bcher-kva.example");
	/* UTS #46 non-transitional: sharp s stays */
	good("x@fa\xc3\x9f.de", "x", "xn--fa-hia.de", "fa\xc3\x9f.de",
	    "x@xn--fa-hia.de");
	/* ideographic full stop is a label separator (UTS #46 mapping) */
	good("x@example\xe3\x80\x82"
	     "com",
	    "x", "example.com", "example.com", "x@example.com");
	good("1@123.example", "1", "123.example", "123.example",
	    "1@123.example");
}

static void
test_addr_limits(void **state)
{
	char in[1100], local[80], dom[300];

	(void)state;
	/* local part: 64 octets ok, 65 not (RFC 5321 §4.5.3.1.1) */
	memset(local, 'l', 64);
	local[64] = '\0';
	snprintf(in, sizeof(in), "%s@example.com", local);
	good(in, local, "example.com", "example.com", in);
	snprintf(in, sizeof(in), "%sl@example.com", local);
	bad(in, "64");
	/* domain: 253 octets ok, 254 not; labels of 63 ok, 64 not */
	snprintf(dom, sizeof(dom), "%.63s.%.63s.%.63s.%.61s",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
	    "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	assert_int_equal(strlen(dom), 253);
	snprintf(in, sizeof(in), "a@%s", dom);
	good(in, "a", dom, dom, in);
	snprintf(in, sizeof(in), "a@x%s", dom);
	bad(in, NULL);
	snprintf(in, sizeof(in), "a@%.64s.com",
	    "aaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	bad(in, NULL);
	/* the whole input is capped */
	memset(in, 'a', 1030);
	in[1030] = '\0';
	in[10] = '@';
	bad(in, "longer than");
}

static void
test_addr_bad(void **state)
{
	(void)state;
	bad("", "empty");
	bad("   ", "empty");
	bad("alice", "no '@'");
	bad("alice@", "domain is empty");
	bad("@example.com", "local part is empty");
	bad("alice@@example.com", "'@'");
	bad("a@b@example.com", "'@'");
	bad("alice@[192.0.2.1]", "domain literals");
	bad("alice@[IPv6:2001:db8::1]", "domain literals");
	bad(".alice@example.com", "dot");
	bad("alice.@example.com", "dot");
	bad("al..ice@example.com", "dot");
	bad("alice@example..com", "empty label");
	bad("alice@.example.com", "empty label");
	bad("alice@example.com.", "ends with a dot");
	bad("al ice@example.com", "quotes");
	bad("al\"ice@example.com", "quotes");
	bad("al\\ice@example.com", "quotes");
	bad("al(comment)ice@example.com", "'('");
	bad("alice@exa mple.com", "' '");
	bad("alice@exa_mple.com", "'_'");
	bad("alice@example.com (Alice)", NULL);
	bad("Alice <alice@example.com>", NULL);
	bad("\"unterminated@example.com", "not closed");
	bad("\"a\"b@example.com", "no '@'");
	bad("\"a\\@example.com", "not closed");
	bad("\"a\\", "no '@'");
	bad("al\x01ice@example.com", "control");
	bad("\"al\x01ice\"@example.com", "control");
	bad("alice@exa\x7fmple.com", "control");
	bad("al\xc2\x85ice@example.com", "control"); /* C1 NEL */
	bad("alice@localhost", "single label");
	bad("alice@com", "single label");
	bad("alice@192.0.2.1", "not a valid host");
	bad("alice@-example.com", NULL);
	bad("alice@example-.com", NULL);
	bad("alice@xn--zz.example", "IDN");
	bad("alice@xn--ab.example", "IDN");
	bad("alice@\xe2\x80\x8d.com", "IDN"); /* ZWJ alone */
	bad("alice@a\xef\xbc\xbf"
	    "b.example",
	    NULL); /* fullwidth '_' */
}

static void
test_addr_not_utf8(void **state)
{
	(void)state;
	bad("j\xf6rg@example.com", "UTF-8"); /* Latin-1 */
	bad("alice@b\xfc"
	    "cher.example",
	    "UTF-8");
	bad("a\xc0\xaf"
	    "b@example.com",
	    "UTF-8");				       /* overlong '/' */
	bad("a\xed\xa0\x80@example.com", "UTF-8");     /* surrogate */
	bad("a\xf4\x90\x80\x80@example.com", "UTF-8"); /* > U+10FFFF */
	bad("a\xe2\x82@example.com", "UTF-8");	       /* truncated */
	bad("a@example.com\xc3", "UTF-8");
	bad("\xff\xfe@example.com", "UTF-8");
}

/* The same answers whatever the locale says (C, and UTF-8 if present). */
static void
test_addr_locale_independent(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C");
	good("j\xc3\xb6rg@b\xc3\xbc"
	     "cher.example",
	    "j\xc3\xb6rg", "xn--bcher-kva.example",
	    "b\xc3\xbc"
	    "cher.example",
	    "j\xc3\xb6rg@xn--bcher-kva.example");
	if (setlocale(LC_ALL, "C.UTF-8") != NULL)
		good("alice@B\xc3\x9c"
		     "CHER.example",
		    "alice", "xn--bcher-kva.example",
		    "b\xc3\xbc"
		    "cher.example",
		    "alice@xn--bcher-kva.example");
	setlocale(LC_ALL, "C");
}

static void
test_addr_args(void **state)
{
	struct pacc__addr a;

	(void)state;
	assert_int_equal(pacc__addr_parse(NULL, "a@b.c", NULL, 0), PACC_EINVAL);
	assert_int_equal(pacc__addr_parse(&a, NULL, NULL, 0), PACC_EINVAL);
	assert_int_equal(pacc__addr_parse(&a, "a@example.com", NULL, 0),
	    PACC_OK);
	pacc__addr_clear(&a);
	pacc__addr_clear(NULL);
	/* a small why buffer is truncated, never overrun */
	assert_int_equal(pacc__addr_parse(&a, "alice", why, 5), PACC_EADDRESS);
	assert_int_equal(strlen(why), 4);
}

static void
test_hostname_valid(void **state)
{
	char h[300];

	(void)state;
	assert_true(pacc__hostname_valid("example.com"));
	assert_true(pacc__hostname_valid("a"));
	assert_true(pacc__hostname_valid("localhost"));
	assert_true(pacc__hostname_valid("IMAP.Example.COM"));
	assert_true(pacc__hostname_valid("xn--bcher-kva.example"));
	assert_true(pacc__hostname_valid("a-b.c-d.example"));
	assert_true(pacc__hostname_valid("1a.example"));
	assert_true(pacc__hostname_valid("123.example"));
	assert_true(pacc__hostname_valid("example.x1"));
	assert_false(pacc__hostname_valid(NULL));
	assert_false(pacc__hostname_valid(""));
	assert_false(pacc__hostname_valid("."));
	assert_false(pacc__hostname_valid("example.com."));
	assert_false(pacc__hostname_valid(".example.com"));
	assert_false(pacc__hostname_valid("a..b"));
	assert_false(pacc__hostname_valid("-a.example"));
	assert_false(pacc__hostname_valid("a-.example"));
	assert_false(pacc__hostname_valid("a_b.example"));
	assert_false(pacc__hostname_valid("a b.example"));
	assert_false(pacc__hostname_valid("a*.example"));
	assert_false(pacc__hostname_valid("*.example"));
	assert_false(pacc__hostname_valid("b\xc3\xbc"
					  "cher.example"));
	assert_false(pacc__hostname_valid("192.0.2.1"));
	assert_false(pacc__hostname_valid("example.123"));
	assert_false(pacc__hostname_valid("a:b"));
	memset(h, 'a', 63);
	strcpy(h + 63, ".example");
	assert_true(pacc__hostname_valid(h));
	memset(h, 'a', 64);
	strcpy(h + 64, ".example");
	assert_false(pacc__hostname_valid(h));
	/* 253 ok, 254 not */
	for (int i = 0; i < 253; i++)
		h[i] = (i % 2) ? '.' : 'a';
	h[253] = '\0';
	assert_true(pacc__hostname_valid(h));
	h[253] = '.';
	h[254] = 'a';
	h[255] = '\0';
	assert_false(pacc__hostname_valid(h));
}

static void
test_https_url(void **state)
{
	static const struct {
		const char *url, *host;
	} ok[] = {
		{ "https://jmap.example.com/session", "jmap.example.com" },
		{ "https://jmap.example.com", "jmap.example.com" },
		{ "HTTPS://JMAP.Example.COM/Path", "jmap.example.com" },
		{ "https://jmap.example.com./x", "jmap.example.com" },
		{ "https://jmap.example.com:8443/x", "jmap.example.com" },
		{ "https://jmap.example.com:1", "jmap.example.com" },
		{ "https://jmap.example.com:65535/", "jmap.example.com" },
		{ "https://h.example?q=1", "h.example" },
		{ "https://h.example#frag", "h.example" },
		{ "https://h.example/a@b", "h.example" },
		{ "https://h.example/%40", "h.example" },
		{ "https://localhost/", "localhost" },
	};
	static const char *const no[] = {
		NULL,
		"",
		"https://",
		"https:///path",
		"http://jmap.example.com/",
		"ftp://jmap.example.com/",
		"https:/jmap.example.com/",
		"httpsx://jmap.example.com/",
		" https://jmap.example.com/",
		"https://jmap.example.com/a b",
		"https://jmap.example.com/\x01",
		"https://jmap.example.com\\@evil.example/",
		"https://user@jmap.example.com/",
		"https://user:pw@jmap.example.com/",
		"https://jmap.example.com@evil.example/",
		"https://[2001:db8::1]/",
		"https://192.0.2.1/",
		"https://jmap.example.com:/",
		"https://jmap.example.com:0/",
		"https://jmap.example.com:65536/",
		"https://jmap.example.com:123456/",
		"https://jmap.example.com:44a/",
		"https://jmap.example.com:-1/",
		"https://jmap_x.example.com/",
		"https://b\xc3\xbc"
		"cher.example/",
		"https://xn--bcher-kva.example/\xc3\xbc",
		"https://%6aap.example.com/",
		"https://..example/",
		"https://./",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *h = pacc__url_host(ok[i].url);

		if (h == NULL || !pacc__https_url_valid(ok[i].url))
			fail_msg("rejected %s", ok[i].url);
		assert_string_equal(h, ok[i].host);
		pacc__free(h);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (pacc__https_url_valid(no[i]))
			fail_msg("accepted %s", no[i] ? no[i] : "NULL");
		assert_null(pacc__url_host(no[i]));
	}
}

static void
test_https_url_long(void **state)
{
	char *u = malloc(5000);

	(void)state;
	strcpy(u, "https://h.example/");
	memset(u + 18, 'p', 2000);
	u[2018] = '\0';
	assert_true(pacc__https_url_valid(u));
	memset(u + 18, 'p', 4000);
	u[4018] = '\0';
	assert_false(pacc__https_url_valid(u));
	free(u);
}

static void
reg(const char *host, const char *want)
{
	char *r = NULL;

	assert_int_equal(pacc__registrable_domain(&r, host), PACC_OK);
	assert_string_equal(r, want);
	pacc__free(r);
}

static void
test_registrable(void **state)
{
	char *r = (char *)1;

	(void)state;
	reg("example.com", "example.com");
	reg("imap.mail.example.com", "example.com");
	reg("IMAP.Example.COM.", "example.com");
	reg("a.b.example.co.uk", "example.co.uk");
	reg("xn--bcher-kva.example", "xn--bcher-kva.example");
	reg("www.example.xn--p1ai", "example.xn--p1ai");
	/* unknown TLDs go through the "*" rule */
	reg("secure.example", "secure.example");
	reg("a.b.secure.example", "secure.example");
	reg("mail.test", "mail.test");
	/* private section: each user's own name */
	reg("alice.github.io", "alice.github.io");
	/* a public suffix itself is its own answer */
	reg("co.uk", "co.uk");
	reg("github.io", "github.io");
	reg("example", "example");
	assert_int_equal(pacc__registrable_domain(&r, "a_b.example"),
	    PACC_EINVAL);
	assert_null(r);
	assert_int_equal(pacc__registrable_domain(&r, ""), PACC_EINVAL);
	assert_int_equal(pacc__registrable_domain(&r, "."), PACC_EINVAL);
	assert_int_equal(pacc__registrable_domain(&r, NULL), PACC_EINVAL);
	assert_int_equal(pacc__registrable_domain(NULL, "example.com"),
	    PACC_EINVAL);
}

static void *
reg_thread(void *ud)
{
	(void)ud;
	for (int i = 0; i < 50; i++) {
		char *r = NULL;

		if (pacc__registrable_domain(&r, "x.y.example.co.uk") !=
			PACC_OK ||
		    strcmp(r, "example.co.uk") != 0)
			return (void *)1;
		pacc__free(r);
	}
	return NULL;
}

/* The PSL is loaded once; concurrent first use must be safe. */
static void
test_registrable_threads(void **state)
{
	pthread_t t[8];

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reg_thread, NULL),
		    0);
	for (int i = 0; i < 8; i++) {
		void *res;

		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
}

static int
parse_once(void *ud)
{
	struct pacc__addr a;
	int rc = pacc__addr_parse(&a, ud, NULL, 0);

	if (rc != PACC_OK)
		assert_null(a.address);
	pacc__addr_clear(&a);
	return rc;
}

static int
reg_once(void *ud)
{
	char *r = NULL;
	int rc = pacc__registrable_domain(&r, ud);

	pacc__free(r);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(parse_once,
	    "j\xc3\xb6rg@b\xc3\xbc"
	    "cher.example");
	enomem_sweep(reg_once, "a.b.example.com");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registrable_threads), /* first PSL use */
		cmocka_unit_test(test_addr_good),
		cmocka_unit_test(test_addr_limits),
		cmocka_unit_test(test_addr_bad),
		cmocka_unit_test(test_addr_not_utf8),
		cmocka_unit_test(test_addr_locale_independent),
		cmocka_unit_test(test_addr_args),
		cmocka_unit_test(test_hostname_valid),
		cmocka_unit_test(test_https_url),
		cmocka_unit_test(test_https_url_long),
		cmocka_unit_test(test_registrable),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
