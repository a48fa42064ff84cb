/* SPDX-License-Identifier: MIT */
/*
 * fmt_mtasts.c, pacc__mtasts_policy_parse(): the MTA-STS policy file (RFC
 * 8461 §3.2).  A policy that parses has a known mode, max_age within one
 * year, at most 64 mx patterns, each lower case without a trailing dot and
 * either a host name or "*." and a host name; and the policy allows a host
 * each pattern names (the pattern itself, or one label in place of "*").
 */
#include "pacc/error.h"

#include "fmt.h"

#include "fuzz.h"

static void
check_pattern(const struct pacc__mtasts_policy *p, const char *pat)
{
	char host[300];
	size_t n = strlen(pat);
	bool wild = n >= 2 && pat[0] == '*' && pat[1] == '.';

	CHECK(n >= 1 && n <= 255);
	CHECK(fuzz_lower(pat));
	CHECK(pat[n - 1] != '.');
	CHECK(pacc__hostname_valid(wild ? pat + 2 : pat));
	if (wild)
		snprintf(host, sizeof(host), "x%s", pat + 1);
	else
		snprintf(host, sizeof(host), "%s", pat);
	CHECK(pacc__mtasts_mx_match(pat, host));
	CHECK(pacc__mtasts_policy_allows(p, host));
	if (wild) /* §4.1: the wildcard is one label, not zero */
		CHECK(!pacc__mtasts_mx_match(pat, pat + 2));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__mtasts_policy *p = (struct pacc__mtasts_policy *)&p;
	char why[160];
	int rc;

	memset(why, WHY_FILL, sizeof(why));
	rc = pacc__mtasts_policy_parse(&p, (const char *)data, size, why,
	    sizeof(why));
	CHECK_WHY(why);
	CHECK(rc == PACC_OK || rc == PACC_EFORMAT || rc == PACC_ETOOBIG ||
	    rc == PACC_ENOMEM);
	if (rc != PACC_OK) {
		CHECK(p == NULL);
		return 0;
	}
	CHECK(p != NULL);
	CHECK(p->mode == PACC__MTASTS_NONE || p->mode == PACC__MTASTS_TESTING ||
	    p->mode == PACC__MTASTS_ENFORCE);
	CHECK(p->max_age >= 0 && p->max_age <= 31557600L);
	CHECK(p->nmx <= 64);
	CHECK(p->nmx == 0 || p->mx != NULL);
	for (size_t i = 0; i < p->nmx; i++) {
		CHECK(p->mx[i] != NULL);
		check_pattern(p, p->mx[i]);
	}
	CHECK(!pacc__mtasts_policy_allows(p, ""));
	pacc__mtasts_policy_free(p);
	return 0;
}
