/* SPDX-License-Identifier: MIT */
/*
 * fmt_mtasts.c, pacc__mtasts_mx_match() (RFC 8461 §4.1).  Input:
 * "pattern\nhost" (no newline: the whole input is the pattern, matched
 * against itself).  Matching ignores ASCII case and one trailing dot on
 * each side, is symmetric between two plain names, and a wildcard never
 * matches a host without a non-empty first label.
 */
#include "pacc/error.h"

#include "fmt.h"

#include "fuzz.h"

static char *
upper_copy(const char *s)
{
	char *d = fuzz_cstr((const uint8_t *)s, strlen(s));

	for (char *p = d; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	return d;
}

static bool
is_wild(const char *s)
{
	return s[0] == '*' && s[1] == '.';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size);
	char *nl = strchr(in, '\n');
	const char *pat = in, *host = in;
	char *up, *dotted;
	size_t hn;
	bool m;

	if (nl != NULL) {
		*nl = '\0';
		host = nl + 1;
	}
	hn = strlen(host);
	m = pacc__mtasts_mx_match(pat, host);
	if (!is_wild(pat) && !is_wild(host))
		CHECK(pacc__mtasts_mx_match(host, pat) == m);
	up = upper_copy(host);
	CHECK(pacc__mtasts_mx_match(pat, up) == m);
	free(up);
	up = upper_copy(pat);
	CHECK(pacc__mtasts_mx_match(up, host) == m);
	free(up);
	if (hn > 0 && host[hn - 1] != '.') {
		dotted = malloc(hn + 2);
		CHECK(dotted != NULL);
		memcpy(dotted, host, hn);
		memcpy(dotted + hn, ".", 2);
		CHECK(pacc__mtasts_mx_match(pat, dotted) == m);
		free(dotted);
	}
	if (m && is_wild(pat)) {
		const char *dot = strchr(host, '.');

		CHECK(dot != NULL && dot > host);
	}
	if (m)
		CHECK(hn > 0 && strlen(pat) > 0);
	CHECK(!pacc__mtasts_mx_match(NULL, host));
	CHECK(!pacc__mtasts_mx_match(pat, NULL));
	free(in);
	return 0;
}
