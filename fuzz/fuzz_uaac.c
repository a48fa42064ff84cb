/* SPDX-License-Identifier: MIT */
/*
 * fmt_uaac.c: the v=UAAC1 TXT tag list.  A record that parses has a known
 * algorithm and a digest of that algorithm's length, and the digest is
 * exactly what the record spelled: base64 is strict (one spelling per
 * digest), so encoding it again must give text found in the input.
 * Anything else leaves the output zeroed.
 */
#include "pacc/error.h"

#include "fmt.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__uaac u;
	char why[160], b64[PACC__DIGEST_MAX * 2];
	size_t want;
	int rc;

	memset(&u, 0xa5, sizeof(u));
	memset(why, WHY_FILL, sizeof(why));
	rc = pacc__uaac_parse(&u, (const char *)data, size, why, sizeof(why));
	CHECK_WHY(why);
	CHECK(rc == PACC_OK || rc == PACC_ENOTFOUND || rc == PACC_EFORMAT ||
	    rc == PACC_EUNSUPPORTED);
	if (rc != PACC_OK) {
		CHECK(u.alg == 0 && u.digest_len == 0);
		return 0;
	}
	switch (u.alg) {
	case PACC__ALG_SHA256:
		want = 32;
		break;
	case PACC__ALG_SHA512:
	case PACC__ALG_SHA3_512:
		want = 64;
		break;
	default:
		CHECK(!"unknown algorithm on PACC_OK");
		return 0;
	}
	CHECK(u.digest_len == want);
	CHECK(strcmp(pacc__digest_alg_name(u.alg), "unknown") != 0);
	CHECK(pacc__base64_encode(b64, sizeof(b64), u.digest, u.digest_len) ==
	    PACC_OK);
	CHECK(fuzz_contains(data, size, b64, strlen(b64)));
	return 0;
}
