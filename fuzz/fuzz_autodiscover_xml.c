/* SPDX-License-Identifier: MIT */
/*
 * fmt_autodiscover_xml.c, pacc__autodiscover_parse(): Autodiscover POX
 * responses.  PACC_OK carries servers or a redirect; servers are IMAP/POP3
 * before SMTP, encrypted, password-authenticated, with valid lower-case
 * hosts and ports and a clean login name other than the address; a
 * redirect address is a valid address other than ours, a redirect URL is
 * https.  PACC_ENOTFOUND carries only an error text, which is clean UTF-8.
 * Anything else leaves the output empty; clearing always empties it.
 */
#include "pacc/error.h"
#include "pacc/result.h"

#include "alloc.h"
#include "fmt.h"
#include "model.h"

#include "fuzz.h"

#define ADDRESS "alice@example.com"

static void
check_config(const struct pacc__config *c)
{
	CHECK(c->nservers >= 1 && c->nservers <= 32);
	for (size_t i = 0; i < c->nservers; i++) {
		const struct pacc_server *s = &c->servers[i];

		CHECK(s->proto == PACC_PROTO_IMAP ||
		    s->proto == PACC_PROTO_POP3 || s->proto == PACC_PROTO_SMTP);
		/* incoming first, then submission */
		CHECK(i == 0 || c->servers[i - 1].proto <= PACC_PROTO_POP3 ||
		    s->proto == PACC_PROTO_SMTP);
		CHECK(
		    s->tls == PACC_TLS_IMPLICIT || s->tls == PACC_TLS_STARTTLS);
		CHECK(s->auth == PACC_AUTH_PASSWORD);
		CHECK(s->host != NULL && s->url == NULL);
		CHECK(pacc__hostname_valid(s->host) && fuzz_lower(s->host));
		CHECK(s->port >= 1 && s->port <= 65535);
		if (s->username != NULL) {
			CHECK(s->username[0] != '\0');
			CHECK(strcmp(s->username, ADDRESS) != 0);
			CHECK(strlen(s->username) <= 256);
			CHECK(fuzz_utf8_clean(s->username, NULL));
		}
	}
}

static void
check_redirect_addr(const char *r)
{
	struct pacc__addr a;
	char why[160];
	int rc = pacc__addr_parse(&a, r, why, sizeof(why));

	if (rc == PACC_ENOMEM)
		return;
	CHECK(rc == PACC_OK);
	CHECK(strcmp(a.address, r) == 0); /* already normalised */
	CHECK(strcmp(a.address, ADDRESS) != 0);
	pacc__addr_clear(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__autodiscover ad;
	char why[160];
	int rc;

	memset(&ad, 0xa5, sizeof(ad));
	memset(why, WHY_FILL, sizeof(why));
	rc = pacc__autodiscover_parse(&ad, data, size, ADDRESS, why,
	    sizeof(why));
	CHECK_WHY(why);
	CHECK(rc == PACC_OK || rc == PACC_ENOTFOUND || rc == PACC_EFORMAT ||
	    rc == PACC_ENOMEM);
	switch (rc) {
	case PACC_OK:
		CHECK(ad.cfg != NULL || ad.redirect_addr != NULL ||
		    ad.redirect_url != NULL);
		break;
	case PACC_ENOTFOUND:
		CHECK(ad.cfg == NULL && ad.error != NULL);
		CHECK(ad.redirect_addr == NULL && ad.redirect_url == NULL);
		break;
	default:
		CHECK(ad.cfg == NULL && ad.error == NULL);
		CHECK(ad.redirect_addr == NULL && ad.redirect_url == NULL);
		break;
	}
	if (ad.cfg != NULL)
		check_config(ad.cfg);
	if (ad.redirect_addr != NULL)
		check_redirect_addr(ad.redirect_addr);
	if (ad.redirect_url != NULL)
		CHECK(pacc__https_url_valid(ad.redirect_url));
	if (ad.error != NULL)
		CHECK(fuzz_utf8_clean(ad.error, NULL) && ad.error[0] != '\0');
	pacc__autodiscover_clear(&ad);
	CHECK(ad.cfg == NULL && ad.error == NULL);
	CHECK(ad.redirect_addr == NULL && ad.redirect_url == NULL);
	return 0;
}
