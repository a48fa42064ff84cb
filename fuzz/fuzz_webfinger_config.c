/* SPDX-License-Identifier: MIT */
/*
 * fmt_webfinger.c, pacc__webfinger_config_parse(): a linked configuration,
 * in the draft's own format or as a PACC document.  A PACC document gives
 * exactly what fmt_pacc_json.c gives; the draft's format gives at most one
 * server each for IMAP, POP3 and SMTP, in that order, with valid
 * lower-case hosts and ports, never plain text, a password or nothing as
 * authentication, and a clean bounded login.
 */
#include "pacc/error.h"
#include "pacc/result.h"

#include "alloc.h"
#include "fmt.h"
#include "model.h"

#include "fuzz.h"

#define ADDRESS "alice@example.com"

static void
check_draft(const struct pacc__config *c)
{
	CHECK(c->nservers >= 1 && c->nservers <= 3);
	for (size_t i = 0; i < c->nservers; i++) {
		const struct pacc_server *s = &c->servers[i];

		CHECK(s->proto == PACC_PROTO_IMAP ||
		    s->proto == PACC_PROTO_POP3 || s->proto == PACC_PROTO_SMTP);
		CHECK(i == 0 || c->servers[i - 1].proto < s->proto);
		CHECK(
		    s->tls == PACC_TLS_IMPLICIT || s->tls == PACC_TLS_STARTTLS);
		CHECK(s->auth == 0 || s->auth == PACC_AUTH_PASSWORD);
		CHECK(s->url == NULL && s->host != NULL);
		CHECK(pacc__hostname_valid(s->host) && fuzz_lower(s->host));
		CHECK(s->port >= 1 && s->port <= 65535);
		if (s->username != NULL) {
			CHECK(s->username[0] != '\0');
			CHECK(strlen(s->username) <= 256);
			CHECK(fuzz_utf8_clean(s->username, NULL));
		}
	}
}

static void
check_same(const struct pacc__config *a, const struct pacc__config *b)
{
	CHECK(a->nservers == b->nservers && a->format == b->format);
	for (size_t i = 0; i < a->nservers; i++) {
		const struct pacc_server *x = &a->servers[i];
		const struct pacc_server *y = &b->servers[i];

		CHECK(x->proto == y->proto && x->port == y->port);
		CHECK(x->tls == y->tls && x->auth == y->auth);
		CHECK((x->host == NULL) == (y->host == NULL));
		CHECK(x->host == NULL || strcmp(x->host, y->host) == 0);
		CHECK((x->url == NULL) == (y->url == NULL));
		CHECK(x->url == NULL || strcmp(x->url, y->url) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__config *c = (struct pacc__config *)&c, *p = NULL;
	char why[160], why2[160];
	int rc, rc2;

	memset(why, WHY_FILL, sizeof(why));
	rc = pacc__webfinger_config_parse(&c, data, size, ADDRESS, why,
	    sizeof(why));
	CHECK_WHY(why);
	CHECK(rc == PACC_OK || rc == PACC_EFORMAT || rc == PACC_ENOMEM);
	if (rc != PACC_OK) {
		CHECK(c == NULL);
		return 0;
	}
	CHECK(c != NULL);
	if (c->format == 0) {
		check_draft(c);
	} else {
		/* a PACC document: fmt_pacc_json.c's answer, unchanged */
		rc2 = pacc__pacc_json_parse(&p, data, size, ADDRESS, why2,
		    sizeof(why2));
		if (rc2 != PACC_ENOMEM) {
			CHECK(rc2 == PACC_OK);
			check_same(c, p);
		}
		pacc__config_free(p);
	}
	pacc__config_free(c);
	return 0;
}
