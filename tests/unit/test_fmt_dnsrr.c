/* SPDX-License-Identifier: MIT */
/* fmt_dnsrr.c: RDATA in wire format (TXT, MX, SRV, A, AAAA). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"

#include "alloc_fail.h"

#define R(s) (const unsigned char *)(s), sizeof(s) - 1

static void
test_txt(void **state)
{
	char *t;
	size_t n;

	(void)state;
	assert_int_equal(pacc__rr_txt(&t, &n, R("\x07v=UAAC1")), PACC_OK);
	assert_int_equal(n, 7);
	assert_string_equal(t, "v=UAAC1");
	pacc__free(t);
	/* several strings are joined with no separator (RFC 7208 §3.3) */
	assert_int_equal(pacc__rr_txt(&t, &n,
			     R("\x03"
			       "abc\x00\x02"
			       "de")),
	    PACC_OK);
	assert_int_equal(n, 5);
	assert_string_equal(t, "abcde");
	pacc__free(t);
	/* one empty string */
	assert_int_equal(pacc__rr_txt(&t, &n, R("\x00")), PACC_OK);
	assert_int_equal(n, 0);
	assert_string_equal(t, "");
	pacc__free(t);
	/* bytes pass as they are, NUL included; the length tells */
	assert_int_equal(pacc__rr_txt(&t, &n,
			     R("\x03"
			       "a\x00\xff")),
	    PACC_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(t, "a\x00\xff", 3);
	pacc__free(t);
}

static void
test_txt_bad(void **state)
{
	char *t = (char *)1;
	size_t n = 7;

	(void)state;
	assert_int_equal(pacc__rr_txt(&t, &n, NULL, 0), PACC_EFORMAT);
	assert_null(t);
	assert_int_equal(n, 0);
	/* length byte beyond the end */
	assert_int_equal(pacc__rr_txt(&t, &n,
			     R("\x05"
			       "abc")),
	    PACC_EFORMAT);
	assert_int_equal(pacc__rr_txt(&t, &n,
			     R("\x01"
			       "a\x01")),
	    PACC_EFORMAT);
	assert_int_equal(pacc__rr_txt(&t, &n, R("\xff")), PACC_EFORMAT);
	assert_null(t);
	assert_int_equal(pacc__rr_txt(NULL, &n, R("\x00")), PACC_EINVAL);
	assert_int_equal(pacc__rr_txt(&t, NULL, R("\x00")), PACC_EINVAL);
	assert_int_equal(pacc__rr_txt(&t, &n, NULL, 3), PACC_EINVAL);
}

static void
test_txt_huge(void **state)
{
	unsigned char rd[65535];
	char *t;
	size_t n, p = 0, want = 0;

	(void)state;
	while (p + 256 <= sizeof(rd)) {
		rd[p] = 255;
		memset(rd + p + 1, 'x', 255);
		p += 256;
		want += 255;
	}
	assert_int_equal(pacc__rr_txt(&t, &n, rd, p), PACC_OK);
	assert_int_equal(n, want);
	assert_int_equal(t[n], '\0');
	pacc__free(t);
}

static void
test_mx(void **state)
{
	unsigned pref;
	char *h;

	(void)state;
	assert_int_equal(pacc__rr_mx(&pref, &h,
			     R("\x00\x0a\x02Mx\x07"
			       "Example\x03"
			       "COM\x00")),
	    PACC_OK);
	assert_int_equal(pref, 10);
	assert_string_equal(h, "mx.example.com");
	pacc__free(h);
	/* RFC 7505 null MX: the root */
	assert_int_equal(pacc__rr_mx(&pref, &h, R("\xff\xff\x00")), PACC_OK);
	assert_int_equal(pref, 65535);
	assert_string_equal(h, ".");
	pacc__free(h);
	/* digits and inner hyphens are fine */
	assert_int_equal(pacc__rr_mx(&pref, &h,
			     R("\x01\x00\x05"
			       "a-1-2\x03"
			       "xn9\x00")),
	    PACC_OK);
	assert_int_equal(pref, 256);
	assert_string_equal(h, "a-1-2.xn9");
	pacc__free(h);
}

static void
test_mx_bad(void **state)
{
	static const struct {
		const char *rd;
		size_t len;
	} bad[] = {
#define B(s) { s, sizeof(s) - 1 }
		B(""), B("\x00"), B("\x00\x0a"),
		B("\x00\x0a\x02mx"),	       /* no root label */
		B("\x00\x0a\x05mx"),	       /* label past the end */
		B("\x00\x0a\x02mx\x00junk"),   /* trailing bytes */
		B("\x00\x0a\xc0\x0c"),	       /* compression pointer */
		B("\x00\x0a\x40xx\x00"),       /* length 64 */
		B("\x00\x0a\x04m_x1\x00"),     /* underscore */
		B("\x00\x0a\x03m.x\x00"),      /* dot inside a label */
		B("\x00\x0a\x03m\x00x\x00"),   /* NUL inside a label */
		B("\x00\x0a\x03-mx\x00"),      /* leading hyphen */
		B("\x00\x0a\x03mx-\x00"),      /* trailing hyphen */
		B("\x00\x0a\x03m x\x00"),      /* space */
		B("\x00\x0a\x02\xc3\xa9\x00"), /* raw UTF-8 */
#undef B
	};
	unsigned pref = 0;
	char *h = (char *)1;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pacc__rr_mx(&pref, &h,
				     (const unsigned char *)bad[i].rd,
				     bad[i].len),
		    PACC_EFORMAT);
		assert_null(h);
	}
	assert_int_equal(pacc__rr_mx(NULL, &h, R("\x00\x01\x00")), PACC_EINVAL);
	assert_int_equal(pacc__rr_mx(&pref, NULL, R("\x00\x01\x00")),
	    PACC_EINVAL);
}

/* Builds the wire form of n labels of length l ('a'...). */
static size_t
make_name(unsigned char *w, size_t nlab, size_t l)
{
	size_t p = 0;

	for (size_t i = 0; i < nlab; i++) {
		w[p++] = (unsigned char)l;
		memset(w + p, 'a', l);
		p += l;
	}
	w[p++] = 0;
	return p;
}

static void
test_name_length_limits(void **state)
{
	unsigned char rd[600];
	unsigned pref;
	char *h;
	size_t n;

	(void)state;
	rd[0] = 0;
	rd[1] = 5;
	/* 63-octet labels are the maximum */
	n = make_name(rd + 2, 1, 63);
	assert_int_equal(pacc__rr_mx(&pref, &h, rd, 2 + n), PACC_OK);
	assert_int_equal(strlen(h), 63);
	pacc__free(h);
	/* 255 octets on the wire: 3 x 63 + 1 x 61 -> 253 characters */
	n = make_name(rd + 2, 3, 63);
	n--;
	rd[2 + n++] = 61;
	memset(rd + 2 + n, 'b', 61);
	n += 61;
	rd[2 + n++] = 0;
	assert_int_equal(n, 255);
	assert_int_equal(pacc__rr_mx(&pref, &h, rd, 2 + n), PACC_OK);
	assert_int_equal(strlen(h), 253);
	pacc__free(h);
	/* 256 octets: too long */
	rd[2 + 192] = 62;
	n = 2 + 3 * 64;
	rd[n] = 62;
	memset(rd + n + 1, 'b', 62);
	rd[n + 63] = 0;
	assert_int_equal(pacc__rr_mx(&pref, &h, rd, n + 64), PACC_EFORMAT);
	/* many one-letter labels beyond 255 octets */
	n = make_name(rd + 2, 200, 1);
	assert_int_equal(pacc__rr_mx(&pref, &h, rd, 2 + n), PACC_EFORMAT);
}

static void
test_srv(void **state)
{
	struct pacc__srv_rr s;

	(void)state;
	assert_int_equal(pacc__rr_srv(&s,
			     R("\x00\x01\x00\x02\x03\xe1\x04imap\x07"
			       "example\x03"
			       "com\x00")),
	    PACC_OK);
	assert_int_equal(s.priority, 1);
	assert_int_equal(s.weight, 2);
	assert_int_equal(s.port, 993);
	assert_string_equal(s.target, "imap.example.com");
	pacc__free(s.target);
	/* RFC 2782: "." means the service is decidedly not available */
	assert_int_equal(pacc__rr_srv(&s, R("\x00\x00\x00\x00\x00\x00\x00")),
	    PACC_OK);
	assert_string_equal(s.target, ".");
	assert_int_equal(s.port, 0);
	pacc__free(s.target);
	assert_int_equal(
	    pacc__rr_srv(&s, R("\xff\xff\xff\xff\xff\xff\x01Z\x00")), PACC_OK);
	assert_int_equal(s.priority, 65535);
	assert_int_equal(s.weight, 65535);
	assert_int_equal(s.port, 65535);
	assert_string_equal(s.target, "z");
	pacc__free(s.target);
}

static void
test_srv_bad(void **state)
{
	struct pacc__srv_rr s;

	(void)state;
	assert_int_equal(pacc__rr_srv(&s, R("")), PACC_EFORMAT);
	assert_int_equal(pacc__rr_srv(&s, R("\x00\x01\x00\x02\x03\xe1")),
	    PACC_EFORMAT);
	assert_null(s.target);
	assert_int_equal(pacc__rr_srv(&s,
			     R("\x00\x01\x00\x02\x03\xe1\x01"
			       "a\x00\x00")),
	    PACC_EFORMAT);
	assert_int_equal(
	    pacc__rr_srv(&s, R("\x00\x01\x00\x02\x03\xe1\x05_imap\x00")),
	    PACC_EFORMAT);
	assert_int_equal(pacc__rr_srv(&s,
			     R("\x00\x01\x00\x02\x03\xe1\x02"
			       "a")),
	    PACC_EFORMAT);
	assert_null(s.target);
	assert_int_equal(pacc__rr_srv(NULL, R("\x00")), PACC_EINVAL);
}

static void
test_addr(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(
	    pacc__rr_addr(buf, sizeof(buf), 1, R("\xc0\x00\x02\x01")), PACC_OK);
	assert_string_equal(buf, "192.0.2.1");
	assert_int_equal(pacc__rr_addr(buf, sizeof(buf), 28,
			     R("\x20\x01\x0d\xb8\x00\x00\x00\x00"
			       "\x00\x00\x00\x00\x00\x00\x00\x01")),
	    PACC_OK);
	assert_string_equal(buf, "2001:db8::1");
	assert_int_equal(pacc__rr_addr(buf, sizeof(buf), 28,
			     R("\x00\x00\x00\x00\x00\x00\x00\x00"
			       "\x00\x00\xff\xff\x7f\x00\x00\x01")),
	    PACC_OK);
	assert_string_equal(buf, "::ffff:127.0.0.1");
	/* exactly enough room: 15 characters + NUL */
	assert_int_equal(pacc__rr_addr(buf, 16, 1, R("\xff\xff\xff\xff")),
	    PACC_OK);
	assert_string_equal(buf, "255.255.255.255");
	assert_int_equal(pacc__rr_addr(buf, 15, 1, R("\xff\xff\xff\xff")),
	    PACC_ETOOBIG);
	assert_string_equal(buf, "");
	assert_int_equal(pacc__rr_addr(buf, 0, 1, R("\xff\xff\xff\xff")),
	    PACC_ETOOBIG);
}

static void
test_addr_bad(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(pacc__rr_addr(buf, sizeof(buf), 1, R("\x01\x02\x03")),
	    PACC_EFORMAT);
	assert_int_equal(
	    pacc__rr_addr(buf, sizeof(buf), 1, R("\x01\x02\x03\x04\x05")),
	    PACC_EFORMAT);
	assert_int_equal(
	    pacc__rr_addr(buf, sizeof(buf), 28, R("\x01\x02\x03\x04")),
	    PACC_EFORMAT);
	assert_int_equal(pacc__rr_addr(buf, sizeof(buf), 1, NULL, 0),
	    PACC_EFORMAT);
	assert_int_equal(
	    pacc__rr_addr(buf, sizeof(buf), 16, R("\x01\x02\x03\x04")),
	    PACC_EINVAL);
	assert_int_equal(pacc__rr_addr(NULL, 10, 1, R("\x01\x02\x03\x04")),
	    PACC_EINVAL);
}

static int
parse_all(void *ud)
{
	struct pacc__srv_rr s;
	unsigned pref;
	char *t = NULL;
	size_t n;
	int rc;

	(void)ud;
	if ((rc = pacc__rr_txt(&t, &n, R("\x02hi\x01!"))) != PACC_OK)
		return rc;
	pacc__free(t);
	if ((rc = pacc__rr_mx(&pref, &t, R("\x00\x01\x01m\x00"))) != PACC_OK)
		return rc;
	pacc__free(t);
	rc = pacc__rr_srv(&s, R("\x00\x01\x00\x02\x03\xe1\x01m\x00"));
	if (rc == PACC_OK)
		pacc__free(s.target);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(parse_all, NULL);
}

/* Every truncation of a valid RDATA fails cleanly (ASan watches reads). */
static void
test_truncations(void **state)
{
	static const unsigned char srv[] =
	    "\x00\x01\x00\x02\x03\xe1\x04imap\x07"
	    "example\x03"
	    "com\x00";
	struct pacc__srv_rr s;
	unsigned pref;
	char *h;

	(void)state;
	for (size_t len = 0; len < sizeof(srv) - 1; len++) {
		unsigned char *copy = malloc(len ? len : 1);

		memcpy(copy, srv, len);
		assert_int_equal(pacc__rr_srv(&s, copy, len), PACC_EFORMAT);
		if (len >= 4) {
			assert_int_not_equal(
			    pacc__rr_mx(&pref, &h, copy + 4, len - 4), PACC_OK);
		}
		free(copy);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_txt_bad),
		cmocka_unit_test(test_txt_huge),
		cmocka_unit_test(test_mx),
		cmocka_unit_test(test_mx_bad),
		cmocka_unit_test(test_name_length_limits),
		cmocka_unit_test(test_srv),
		cmocka_unit_test(test_srv_bad),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_addr_bad),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
