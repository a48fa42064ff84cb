/* SPDX-License-Identifier: MIT */
/*
 * addr.c: pacc__https_url_valid(), pacc__url_host() and
 * pacc__hostname_valid().  The two URL functions agree; the host they give
 * is a lower-case LDH host name, the one written after "https://"; and any
 * valid host name makes a valid URL "https://" host "/".
 */
#include <strings.h>

#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"

#include "fuzz.h"

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static void
check_url(const char *url)
{
	bool valid = pacc__https_url_valid(url);
	char *host = pacc__url_host(url);
	size_t hn;

	if (!valid) {
		CHECK(host == NULL);
		return;
	}
	if (host == NULL)
		return; /* ENOMEM */
	hn = strlen(host);
	CHECK(hn >= 1 && hn <= 253);
	CHECK(pacc__hostname_valid(host) && fuzz_lower(host));
	CHECK(strncasecmp(url, "https://", 8) == 0);
	CHECK(strlen(url) > 8 && strncasecmp(url + 8, host, hn) == 0);
	/* what follows the host: end, optional dot, port or path */
	CHECK(strchr("./:?#", url[8 + hn]) != NULL);
	CHECK(strchr(url, '@') == NULL || strchr(url, '@') > url + 8 + hn);
	pacc__free(host);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size);
	size_t n = strlen(in);

	check_url(in);
	if (pacc__hostname_valid(in)) {
		char *url = malloc(n + sizeof("https:///"));
		char *host;

		CHECK(url != NULL);
		snprintf(url, n + sizeof("https:///"), "https://%s/", in);
		CHECK(pacc__https_url_valid(url));
		host = pacc__url_host(url);
		if (host != NULL) {
			for (size_t i = 0; i < n; i++)
				CHECK(host[i] == lower(in[i]));
			CHECK(host[n] == '\0');
			pacc__free(host);
		}
		check_url(url);
		free(url);
	}
	free(in);
	return 0;
}
