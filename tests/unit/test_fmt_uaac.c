/* SPDX-License-Identifier: MIT */
/* fmt_uaac.c: the _ua-auto-config TXT record (v=UAAC1; a=; d=). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pacc/error.h"

#include "fmt.h"

#include "alloc_fail.h"

/* SHA-256 of the empty string, and a 64-byte pattern for sha512 sizes. */
#define D32 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define D64                                                                    \
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"     \
	"MDEyMzQ1Njc4OTo7PD0+Pw=="

static char why[160];

static int
parse(struct pacc__uaac *u, const char *txt)
{
	why[0] = '\0';
	return pacc__uaac_parse(u, txt, strlen(txt), why, sizeof(why));
}

static void
test_good(void **state)
{
	static const unsigned char e3b0[] = { 0xe3, 0xb0, 0xc4, 0x42 };
	static const char *const ok[] = {
		"v=UAAC1; a=sha256; d=" D32, "v=UAAC1;a=sha256;d=" D32,
		"v=UAAC1; a=sha256; d=" D32 ";",
		"v=UAAC1 ; a = sha256 ;\td=\t" D32 " ; ",
		"  v=UAAC1; a=sha256; d=" D32 "  ",
		"d=" D32 "; a=sha256; v=UAAC1",	       /* order is irrelevant */
		"v=uaac1; a=SHA256; d=" D32,	       /* v and a ignore case */
		"v=UAAC1; a=sha256; x=future; d=" D32, /* unknown tags ignored */
		"v=UAAC1; a=sha256; d=" D32 "; t=",    /* empty unknown value */
		"v=UAAC1; a=sha256; d=" D32
		"; V=other", /* names: case matters */
	};
	struct pacc__uaac u;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse(&u, ok[i]), PACC_OK);
		assert_int_equal(u.alg, PACC__ALG_SHA256);
		assert_int_equal(u.digest_len, 32);
		assert_memory_equal(u.digest, e3b0, sizeof(e3b0));
	}
}

static void
test_algorithms(void **state)
{
	struct pacc__uaac u;

	(void)state;
	assert_int_equal(parse(&u, "v=UAAC1; a=sha512; d=" D64), PACC_OK);
	assert_int_equal(u.alg, PACC__ALG_SHA512);
	assert_int_equal(u.digest_len, 64);
	assert_int_equal(u.digest[63], 63);
	assert_int_equal(parse(&u, "v=UAAC1; a=sha3-512; d=" D64), PACC_OK);
	assert_int_equal(u.alg, PACC__ALG_SHA3_512);
	assert_int_equal(parse(&u, "v=UAAC1; a=SHA3-512; d=" D64), PACC_OK);
	/* wrong digest length for the algorithm */
	assert_int_equal(parse(&u, "v=UAAC1; a=sha512; d=" D32), PACC_EFORMAT);
	assert_int_equal(parse(&u, "v=UAAC1; a=sha256; d=" D64), PACC_EFORMAT);
	assert_non_null(strstr(why, "sha256"));
	assert_int_equal(u.digest_len, 0);
	/* unknown algorithm: unsupported, not malformed */
	assert_int_equal(parse(&u, "v=UAAC1; a=sha1; d=" D32),
	    PACC_EUNSUPPORTED);
	assert_non_null(strstr(why, "sha1"));
	assert_int_equal(parse(&u, "v=UAAC1; a=blake3; d=!!"),
	    PACC_EUNSUPPORTED);
	assert_string_equal(pacc__digest_alg_name(PACC__ALG_SHA256), "sha256");
	assert_string_equal(pacc__digest_alg_name(PACC__ALG_SHA512), "sha512");
	assert_string_equal(pacc__digest_alg_name(PACC__ALG_SHA3_512),
	    "sha3-512");
	assert_string_equal(pacc__digest_alg_name((enum pacc__digest_alg)0),
	    "unknown");
}

/* Records that are not ours: PACC_ENOTFOUND, to be ignored. */
static void
test_not_ours(void **state)
{
	static const char *const other[] = {
		"",
		"   ",
		"v=spf1 -all",
		"google-site-verification=abc",
		"v=UAAC2; a=sha256; d=" D32,
		"v=UAAC; a=sha256; d=" D32,
		"v=UAAC1x; a=sha256; d=" D32,
		"a=sha256; d=" D32,	     /* no v= */
		"V=UAAC1; a=sha256; d=" D32, /* names are case-sensitive */
		"v=UAAC1 extra; a=sha256; d=" D32, /* v value with a space */
		"v=\xc3\xa9; a=sha256",		   /* non-ASCII, no UAAC1 */
		"\xff\xfe\xfd",
		"v:UAAC1",
		";;;",
	};
	struct pacc__uaac u;

	(void)state;
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_int_equal(parse(&u, other[i]), PACC_ENOTFOUND);
}

/* v=UAAC1 records that are broken: PACC_EFORMAT (never "absent"). */
static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"v=UAAC1",				/* no a, no d */
		"v=UAAC1; a=sha256",			/* no d */
		"v=UAAC1; d=" D32,			/* no a */
		"v=UAAC1; a=; d=" D32,			/* empty a */
		"v=UAAC1; a=sha256; d=",		/* empty d */
		"v=UAAC1; v=UAAC1; a=sha256; d=" D32,	/* duplicate v */
		"v=UAAC1; v=UAAC2; a=sha256; d=" D32,	/* duplicate v */
		"v=UAAC1; a=sha256; a=sha256; d=" D32,	/* duplicate a */
		"v=UAAC1; a=sha256; d=" D32 "; d=" D32, /* duplicate d */
		"v=UAAC1; a=sha256; d=" D32 ";;",	/* empty tag-spec */
		"v=UAAC1;; a=sha256; d=" D32, "; v=UAAC1; a=sha256; d=" D32,
		"v=UAAC1; a=sha256; d=" D32 "; junk",  /* no '=' */
		"v=UAAC1; a=sha256; d=" D32 "; =x",    /* empty name */
		"v=UAAC1; a=sha256; d=" D32 "; x-y=1", /* name not alnum */
		"v=UAAC1; a=sha256; d=" D32
		"; x=\xc3\xa9", /* non-ASCII value */
		"v=UAAC1; a=sha256; d=47DEQpj8HBSa+/TImW+5JCeu"
		" QeRkm5NMpJWZG3hSuFU=", /* inner space */
		"v=UAAC1; a=sha256; d=47DEQpj8HBSa-_TImW-5JCeu"
		"QeRkm5NMpJWZG3hSuFU=", /* base64url */
		"v=UAAC1; a=sha256; d=47DEQpj8HBSa+/TImW+5JCeu"
		"QeRkm5NMpJWZG3hSuFU", /* no padding */
		"v=UAAC1; a=sha256; d=e3b0c44298fc1c149afbf4c8996fb924"
		"27ae41e4649b934ca495991b7852b855", /* hex */
		"v=UAAC1; a=sha256; d=AAAA" D64,    /* far too long */
	};
	struct pacc__uaac u;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(&u, bad[i]);

		if (rc != PACC_EFORMAT)
			fail_msg("case %zu \"%s\": %d", i, bad[i], rc);
		assert_int_equal(u.digest_len, 0);
		assert_true(why[0] != '\0');
	}
}

static void
test_embedded_nul(void **state)
{
	static const char rec[] = "v=UAAC1; a=sha256; d=" D32 "\0; x=1";
	static const char rec2[] = "x\0y; v=UAAC1";
	struct pacc__uaac u;

	(void)state;
	/* the length, not the NUL, ends the record: NUL is not printable */
	assert_int_equal(
	    pacc__uaac_parse(&u, rec, sizeof(rec) - 1, why, sizeof(why)),
	    PACC_EFORMAT);
	assert_int_equal(
	    pacc__uaac_parse(&u, rec, strlen(rec), why, sizeof(why)), PACC_OK);
	assert_int_equal(
	    pacc__uaac_parse(&u, rec2, sizeof(rec2) - 1, why, sizeof(why)),
	    PACC_EFORMAT);
}

static void
test_not_nul_terminated(void **state)
{
	char rec[128];
	const char *s = "v=UAAC1; a=sha256; d=" D32;
	size_t n = strlen(s);
	struct pacc__uaac u;

	(void)state;
	memcpy(rec, s, n);
	memset(rec + n, 'Z', sizeof(rec) - n);
	assert_int_equal(pacc__uaac_parse(&u, rec, n, NULL, 0), PACC_OK);
	/* every truncation is handled within bounds */
	for (size_t len = 0; len < n; len++)
		assert_int_not_equal(
		    pacc__uaac_parse(&u, rec, len, why, sizeof(why)), PACC_OK);
}

static void
test_many_tags(void **state)
{
	char rec[4096];
	size_t n = 0;
	struct pacc__uaac u;

	(void)state;
	n += (size_t)snprintf(rec + n, sizeof(rec) - n,
	    "v=UAAC1;a=sha256;"
	    "d=" D32);
	for (int i = 0; i < 28; i++)
		n += (size_t)snprintf(rec + n, sizeof(rec) - n, ";x%d=1", i);
	assert_int_equal(pacc__uaac_parse(&u, rec, n, why, sizeof(why)),
	    PACC_OK);
	for (int i = 28; i < 100; i++)
		n += (size_t)snprintf(rec + n, sizeof(rec) - n, ";x%d=1", i);
	assert_int_equal(pacc__uaac_parse(&u, rec, n, why, sizeof(why)),
	    PACC_EFORMAT);
}

static void
test_args(void **state)
{
	struct pacc__uaac u;

	(void)state;
	assert_int_equal(pacc__uaac_parse(NULL, "v=UAAC1", 7, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__uaac_parse(&u, NULL, 7, NULL, 0), PACC_EINVAL);
	assert_int_equal(pacc__uaac_parse(&u, NULL, 0, NULL, 0),
	    PACC_ENOTFOUND);
	/* a tiny why buffer is truncated, never overrun */
	assert_int_equal(pacc__uaac_parse(&u, "v=UAAC1", 7, why, 4),
	    PACC_EFORMAT);
	assert_int_equal(strlen(why), 3);
}

/* The tag list is parsed in place: the sweep proves it never allocates. */
static int
uaac_once(void *ud)
{
	struct pacc__uaac u;

	return parse(&u, ud);
}

static void
test_enomem(void **state)
{
	(void)state;
	assert_int_equal(enomem_sweep(uaac_once, "v=UAAC1; a=sha256; d=" D32),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_many_tags),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
