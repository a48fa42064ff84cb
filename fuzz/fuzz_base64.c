/* SPDX-License-Identifier: MIT */
/*
 * base64.c: strict RFC 4648 §4.  Strictness means one spelling per byte
 * string, so decode-then-encode gives back the input byte for byte, and
 * encode-then-decode gives back the bytes.  Output capacities are honoured
 * to the byte in both directions.
 */
#include "pacc/error.h"

#include "fmt.h"

#include "fuzz.h"

static void
decode_side(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	size_t cap = size / 4 * 3 + 3, n = 99, n2 = 99;
	unsigned char *out = malloc(cap);
	char *again = malloc(size + 1);
	int rc;

	CHECK(out != NULL && again != NULL);
	rc = pacc__base64_decode(out, cap, &n, in, size);
	CHECK(rc == PACC_OK || rc == PACC_EFORMAT);
	if (rc == PACC_OK) {
		CHECK(n <= size / 4 * 3 && n + 2 >= size / 4 * 3);
		CHECK(pacc__base64_encode(again, size + 1, out, n) == PACC_OK);
		CHECK(memcmp(again, in, size) == 0 && again[size] == '\0');
		/* exactly big enough, then one byte short */
		CHECK(pacc__base64_decode(out, n, &n2, in, size) == PACC_OK);
		CHECK(n2 == n);
		if (n > 0)
			CHECK(pacc__base64_decode(out, n - 1, &n2, in, size) ==
			    PACC_ETOOBIG);
	} else {
		CHECK(n == 0);
	}
	free(out);
	free(again);
}

static void
encode_side(const uint8_t *data, size_t size)
{
	size_t need = (size + 2) / 3 * 4 + 1, n = 99;
	char *txt = malloc(need);
	unsigned char *back = malloc(size ? size : 1);

	CHECK(txt != NULL && back != NULL);
	CHECK(pacc__base64_encode(txt, need, data, size) == PACC_OK);
	CHECK(strlen(txt) == need - 1);
	CHECK(pacc__base64_encode(txt, need - 1, data, size) == PACC_ETOOBIG);
	CHECK(pacc__base64_encode(txt, need, data, size) == PACC_OK);
	CHECK(pacc__base64_decode(back, size, &n, txt, need - 1) == PACC_OK);
	CHECK(n == size && (size == 0 || memcmp(back, data, size) == 0));
	free(txt);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode_side(data, size);
	encode_side(data, size);
	return 0;
}
