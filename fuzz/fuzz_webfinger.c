/* SPDX-License-Identifier: MIT */
/*
 * fmt_webfinger.c, pacc__webfinger_parse(): the JRD's email-autoconfig
 * links.  PACC_OK gives at most PACC__MAX_WF_LINKS distinct https hrefs
 * with clean, bounded titles (none is fine: *links NULL, *nlinks 0);
 * anything else gives nothing.
 */
#include "pacc/error.h"

#include "alloc.h"
#include "bounds.h"
#include "fmt.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__wf_link *l = (struct pacc__wf_link *)&l;
	size_t n = 12345, ncp;
	char why[160];
	int rc;

	memset(why, WHY_FILL, sizeof(why));
	rc = pacc__webfinger_parse(&l, &n, data, size, "alice@example.com", why,
	    sizeof(why));
	CHECK_WHY(why);
	CHECK(rc == PACC_OK || rc == PACC_EFORMAT || rc == PACC_ENOMEM);
	if (rc != PACC_OK) {
		CHECK(l == NULL && n == 0);
		return 0;
	}
	CHECK(n <= PACC__MAX_WF_LINKS);
	CHECK((l == NULL) == (n == 0));
	for (size_t i = 0; i < n; i++) {
		CHECK(l[i].href != NULL && pacc__https_url_valid(l[i].href));
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(l[i].href, l[k].href) != 0);
		if (l[i].title != NULL) {
			CHECK(fuzz_utf8_clean(l[i].title, &ncp));
			CHECK(ncp >= 1 && ncp <= 60);
		}
	}
	pacc__webfinger_links_free(l, n);
	return 0;
}
