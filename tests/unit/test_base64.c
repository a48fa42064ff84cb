/* SPDX-License-Identifier: MIT */
/* base64.c: strict RFC 4648 §4 decoding and encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pacc/error.h"

#include "fmt.h"

#include "alloc_fail.h"

static int
dec(const char *in, unsigned char *out, size_t cap, size_t *n)
{
	return pacc__base64_decode(out, cap, n, in, strlen(in));
}

/* RFC 4648 §10 test vectors, both directions. */
static void
test_vectors(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
		"fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v",
		"Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	unsigned char out[16];
	char txt[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(dec(enc[i], out, sizeof(out), &n), PACC_OK);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(out, plain[i], n);
		assert_int_equal(pacc__base64_encode(txt, sizeof(txt),
				     (const unsigned char *)plain[i],
				     strlen(plain[i])),
		    PACC_OK);
		assert_string_equal(txt, enc[i]);
	}
}

static void
test_all_bytes_roundtrip(void **state)
{
	unsigned char in[256], out[256];
	char txt[400];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	for (size_t len = 0; len <= sizeof(in); len++) {
		assert_int_equal(pacc__base64_encode(txt, sizeof(txt), in, len),
		    PACC_OK);
		assert_int_equal(strlen(txt), (len + 2) / 3 * 4);
		assert_int_equal(dec(txt, out, sizeof(out), &n), PACC_OK);
		assert_int_equal(n, len);
		assert_memory_equal(out, in, len);
	}
}

static void
test_strictness(void **state)
{
	static const char *const bad[] = {
		"Zg",	    /* missing padding */
		"Zg=",	    /* short padding */
		"Zm9v\n",   /* whitespace */
		"Zm 9v",    /* inner space */
		" Zm9v",    /* leading space */
		"Zm9-",	    /* base64url alphabet */
		"Zm9_",	    /* base64url alphabet */
		"Zh==",	    /* non-zero pad bits (§3.5) */
		"Zm9=",	    /* non-zero pad bits */
		"Z===",	    /* too much padding */
		"====",	    /* only padding */
		"Zg=a",	    /* data after padding */
		"Zg==Zg==", /* padding in the middle */
		"Zm=v",	    /* '=' inside a quantum */
		"Zm9v!A==", /* punctuation */
	};
	unsigned char out[16];
	size_t n = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dec(bad[i], out, sizeof(out), &n),
		    PACC_EFORMAT);
		assert_int_equal(n, 0);
	}
}

static void
test_embedded_nul_and_high_bytes(void **state)
{
	unsigned char out[8];
	size_t n;

	(void)state;
	assert_int_equal(pacc__base64_decode(out, sizeof(out), &n, "Zm\0v", 4),
	    PACC_EFORMAT);
	assert_int_equal(
	    pacc__base64_decode(out, sizeof(out), &n, "Zm9\xc3", 4),
	    PACC_EFORMAT);
}

static void
test_capacity(void **state)
{
	unsigned char out[3];
	char txt[9];
	size_t n;

	(void)state;
	/* exactly fits */
	assert_int_equal(dec("Zm9v", out, 3, &n), PACC_OK);
	/* one byte short */
	assert_int_equal(dec("Zm9v", out, 2, &n), PACC_ETOOBIG);
	assert_int_equal(dec("Zm9vYg==", out, 3, &n), PACC_ETOOBIG);
	/* encode: 6 bytes need 8 chars + NUL */
	assert_int_equal(
	    pacc__base64_encode(txt, 9, (const unsigned char *)"foobar", 6),
	    PACC_OK);
	assert_int_equal(
	    pacc__base64_encode(txt, 8, (const unsigned char *)"foobar", 6),
	    PACC_ETOOBIG);
	assert_int_equal(pacc__base64_encode(txt, 1, NULL, 0), PACC_OK);
	assert_string_equal(txt, "");
}

static void
test_bad_args(void **state)
{
	unsigned char out[4];
	char txt[4];
	size_t n;

	(void)state;
	assert_int_equal(pacc__base64_decode(out, 4, NULL, "Zm9v", 4),
	    PACC_EINVAL);
	assert_int_equal(pacc__base64_decode(out, 4, &n, NULL, 4), PACC_EINVAL);
	assert_int_equal(pacc__base64_decode(NULL, 4, &n, "Zm9v", 4),
	    PACC_EINVAL);
	assert_int_equal(pacc__base64_decode(NULL, 0, &n, NULL, 0), PACC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(pacc__base64_encode(NULL, 4, out, 1), PACC_EINVAL);
	assert_int_equal(pacc__base64_encode(txt, 4, NULL, 1), PACC_EINVAL);
}

/* A SHA-256 digest as published in a UAAC record. */
static void
test_digest_sized(void **state)
{
	const char *d = "9X2mMgWAc10oSPuRKZSFBwPXEQpnxkS7SXPO8PC7euM=";
	unsigned char out[64];
	char back[64];
	size_t n;

	(void)state;
	assert_int_equal(dec(d, out, sizeof(out), &n), PACC_OK);
	assert_int_equal(n, 32);
	assert_int_equal(pacc__base64_encode(back, sizeof(back), out, n),
	    PACC_OK);
	assert_string_equal(back, d);
}

/* base64 works in caller buffers: the sweep proves it never allocates. */
static int
base64_once(void *ud)
{
	static const char in[] = "AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==";
	unsigned char bin[64];
	char txt[128];
	size_t n = 0;
	int rc;

	(void)ud;
	rc = pacc__base64_decode(bin, sizeof(bin), &n, in, strlen(in));
	if (rc == PACC_OK)
		rc = pacc__base64_encode(txt, sizeof(txt), bin, n);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	assert_int_equal(enomem_sweep(base64_once, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_all_bytes_roundtrip),
		cmocka_unit_test(test_strictness),
		cmocka_unit_test(test_embedded_nul_and_high_bytes),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_digest_sized),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
