/* SPDX-License-Identifier: MIT */
/*
 * fmt_pacc_json.c: PACC documents (current and earlier draft).  A document
 * that parses must give a configuration the rest of pacc can use without
 * checking it again: one server per protocol in pacc_protocol order, valid
 * hosts or https URLs, never plain text, display strings within their
 * limits; and it must survive pacc__config_dup() unchanged.
 */
#include "pacc/error.h"
#include "pacc/result.h"

#include "alloc.h"
#include "fmt.h"
#include "model.h"

#include "fuzz.h"

#define AUTH_BITS (PACC_AUTH_PASSWORD | PACC_AUTH_OAUTH2)

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
check_text(const char *s, size_t maxcp)
{
	size_t ncp = 0;

	if (s == NULL)
		return;
	CHECK(fuzz_utf8_clean(s, &ncp));
	CHECK(ncp >= 1 && ncp <= maxcp);
}

static void
check_config(const struct pacc__config *c)
{
	CHECK(c->nservers >= 1 && c->nservers <= 8);
	CHECK(c->nservers <= c->cap && c->servers != NULL);
	CHECK(c->format == PACC__FMT_CURRENT || c->format == PACC__FMT_EARLIER);
	for (size_t i = 0; i < c->nservers; i++) {
		const struct pacc_server *s = &c->servers[i];

		CHECK((unsigned)s->proto <= PACC_PROTO_MANAGESIEVE);
		/* DESIGN §3 order, one server per protocol */
		CHECK(i == 0 || c->servers[i - 1].proto < s->proto);
		/* both drafts mandate TLS: a document never yields plain */
		CHECK((unsigned)s->tls <= PACC_TLS_NONE);
		CHECK(s->tls != PACC_TLS_NONE);
		CHECK((s->auth & ~AUTH_BITS) == 0);
		CHECK(s->username == NULL); /* no placeholders in PACC */
		if (pacc__proto_is_http(s->proto)) {
			CHECK(s->host == NULL && s->port == 0);
			CHECK(s->url != NULL && pacc__https_url_valid(s->url));
		} else {
			CHECK(s->url == NULL && s->host != NULL);
			CHECK(pacc__hostname_valid(s->host));
			CHECK(fuzz_lower(s->host));
			CHECK(s->port >= 1 && s->port <= 65535);
		}
	}
	if (c->oauth_issuer != NULL) {
		/* RFC 8414 §2 */
		CHECK(pacc__https_url_valid(c->oauth_issuer));
		CHECK(strchr(c->oauth_issuer, '?') == NULL);
		CHECK(strchr(c->oauth_issuer, '#') == NULL);
	}
	CHECK(c->help_url == NULL || pacc__https_url_valid(c->help_url));
	check_text(c->provider_name, 60);
	check_text(c->provider_short, 20);
}

static void
check_dup(const struct pacc__config *c)
{
	struct pacc__config *d = NULL;
	int rc = pacc__config_dup(&d, c);

	if (rc == PACC_ENOMEM)
		return;
	CHECK(rc == PACC_OK && d != NULL);
	CHECK(d->nservers == c->nservers && d->format == c->format);
	CHECK(str_eq(d->oauth_issuer, c->oauth_issuer));
	CHECK(str_eq(d->provider_name, c->provider_name));
	CHECK(str_eq(d->provider_short, c->provider_short));
	CHECK(str_eq(d->help_url, c->help_url));
	for (size_t i = 0; i < c->nservers; i++) {
		const struct pacc_server *a = &c->servers[i];
		const struct pacc_server *b = &d->servers[i];

		CHECK(a->proto == b->proto && a->port == b->port);
		CHECK(a->tls == b->tls && a->auth == b->auth);
		CHECK(str_eq(a->host, b->host) && str_eq(a->url, b->url));
		CHECK(str_eq(a->username, b->username));
	}
	pacc__config_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__config *c = (struct pacc__config *)&c;
	char why[160];
	int rc;

	memset(why, WHY_FILL, sizeof(why));
	rc = pacc__pacc_json_parse(&c, data, size, "user@example.com", why,
	    sizeof(why));
	CHECK_WHY(why);
	CHECK(rc == PACC_OK || rc == PACC_EFORMAT || rc == PACC_ENOMEM);
	if (rc != PACC_OK) {
		CHECK(c == NULL);
		return 0;
	}
	CHECK(c != NULL);
	check_config(c);
	check_dup(c);
	pacc__config_free(c);
	return 0;
}
