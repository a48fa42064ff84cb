/* SPDX-License-Identifier: MIT */
/*
 * fmt_mtasts.c, pacc__mtasts_txt_parse(): the _mta-sts TXT record (RFC 8461
 * §3.1).  A record that parses begins with "v=STSv1" and yields an id of
 * 1..32 letters and digits that occurs in the input; the answer does not
 * depend on whether the caller wants the id; a buffer one byte short is
 * refused, not overrun.  Any failure means "no policy" (PACC_ENOTFOUND).
 */
#include "pacc/error.h"

#include "fmt.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *txt = (const char *)data;
	char id[33], small[33];
	size_t n;
	int rc, rc2;

	memset(id, WHY_FILL, sizeof(id));
	rc = pacc__mtasts_txt_parse(txt, size, id, sizeof(id));
	CHECK(rc == PACC_OK || rc == PACC_ENOTFOUND);
	CHECK(memchr(id, '\0', sizeof(id)) != NULL);
	rc2 = pacc__mtasts_txt_parse(txt, size, NULL, 0);
	CHECK(rc2 == rc);
	if (rc != PACC_OK) {
		CHECK(id[0] == '\0');
		return 0;
	}
	CHECK(size >= 7 && memcmp(txt, "v=STSv1", 7) == 0);
	n = strlen(id);
	CHECK(n >= 1 && n <= 32);
	for (size_t i = 0; i < n; i++)
		CHECK((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9'));
	CHECK(fuzz_contains(txt, size, id, n));
	/* exactly big enough works, one byte short does not */
	memset(small, WHY_FILL, sizeof(small));
	CHECK(pacc__mtasts_txt_parse(txt, size, small, n + 1) == PACC_OK);
	CHECK(strcmp(small, id) == 0);
	memset(small, WHY_FILL, sizeof(small));
	CHECK(pacc__mtasts_txt_parse(txt, size, small, n) == PACC_EINVAL);
	CHECK(small[n] == WHY_FILL); /* nothing written past idlen */
	return 0;
}
