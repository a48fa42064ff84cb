/* SPDX-License-Identifier: MIT */
/*
 * addr.c: email addresses as typed (RFC 5322 addr-spec, RFC 6532 UTF-8,
 * IDN via libidn2), their registrable domain (libpsl) and
 * pacc__utf8_sanitize().  An address that parses has a local part of at
 * most 64 bytes, a lower-case A-label host name with two labels or more,
 * address == local "@" domain, and parsing that address again gives the
 * same parts (one address, one meaning).  The registrable domain is the
 * domain or one of its parent domains.  Sanitized text is clean UTF-8.
 */
#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"

#include "fuzz.h"

static void
check_parsed(const struct pacc__addr *a)
{
	struct pacc__addr b;
	char why[160], *reg = NULL;
	size_t ll, dl, rl;
	int rc;

	CHECK(a->local && a->domain && a->domain_unicode && a->address);
	ll = strlen(a->local);
	dl = strlen(a->domain);
	CHECK(ll >= 1 && ll <= 64);
	CHECK(pacc__hostname_valid(a->domain) && fuzz_lower(a->domain));
	CHECK(strchr(a->domain, '.') != NULL);
	CHECK(strlen(a->address) == ll + 1 + dl);
	CHECK(memcmp(a->address, a->local, ll) == 0);
	CHECK(a->address[ll] == '@');
	CHECK(strcmp(a->address + ll + 1, a->domain) == 0);
	CHECK(fuzz_utf8_clean(a->domain_unicode, NULL));

	memset(why, WHY_FILL, sizeof(why));
	rc = pacc__addr_parse(&b, a->address, why, sizeof(why));
	CHECK_WHY(why);
	if (rc != PACC_ENOMEM) {
		CHECK(rc == PACC_OK);
		CHECK(strcmp(b.local, a->local) == 0);
		CHECK(strcmp(b.domain, a->domain) == 0);
		CHECK(strcmp(b.domain_unicode, a->domain_unicode) == 0);
		CHECK(strcmp(b.address, a->address) == 0);
		pacc__addr_clear(&b);
	}

	rc = pacc__registrable_domain(&reg, a->domain);
	if (rc == PACC_ENOMEM)
		return;
	CHECK(rc == PACC_OK && reg != NULL);
	rl = strlen(reg);
	CHECK(rl >= 1 && rl <= dl);
	CHECK(strcmp(a->domain + dl - rl, reg) == 0);
	CHECK(rl == dl || a->domain[dl - rl - 1] == '.');
	pacc__free(reg);
}

static void
check_sanitize(const char *s)
{
	char *t = pacc__utf8_sanitize(s);

	if (t == NULL)
		return; /* ENOMEM */
	CHECK(fuzz_utf8_clean(t, NULL));
	if (fuzz_utf8_clean(s, NULL))
		CHECK(strcmp(s, t) == 0); /* clean text passes unchanged */
	pacc__free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__addr a;
	char why[160];
	char *in = fuzz_cstr(data, size);
	int rc;

	memset(&a, 0xa5, sizeof(a));
	memset(why, WHY_FILL, sizeof(why));
	rc = pacc__addr_parse(&a, in, why, sizeof(why));
	CHECK_WHY(why);
	CHECK(rc == PACC_OK || rc == PACC_EADDRESS || rc == PACC_ENOMEM);
	if (rc == PACC_OK)
		check_parsed(&a);
	else
		CHECK(a.local == NULL && a.domain == NULL &&
		    a.domain_unicode == NULL && a.address == NULL);
	pacc__addr_clear(&a); /* also fine on a failed parse */
	check_sanitize(in);
	free(in);
	return 0;
}
