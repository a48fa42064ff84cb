/* SPDX-License-Identifier: MIT */
/*
 * fmt_autoconfig_xml.c: Mozilla clientConfig.  A document that parses
 * gives 1..32 servers, incoming before outgoing before CalDAV before
 * CardDAV, each with a valid lower-case host and port (or an https URL),
 * a usable authentication, a bounded login name free of placeholders and
 * controls, and plain text only when allowed.  Parsed twice, without and
 * with allow_plain: allowing plain adds exactly the entries counted in
 * *nplain (up to the cap) and never fails a document that parsed.
 */
#include "pacc/error.h"
#include "pacc/result.h"

#include "alloc.h"
#include "fmt.h"
#include "model.h"

#include "fuzz.h"

#define ADDRESS "jo.e+tag@xn--bcher-kva.example"
#define MAX_SERVERS 32 /* AC_MAX_SERVERS */

static int
rank(pacc_protocol p)
{
	switch (p) {
	case PACC_PROTO_IMAP:
	case PACC_PROTO_POP3:
		return 0;
	case PACC_PROTO_SMTP:
		return 1;
	case PACC_PROTO_CALDAV:
		return 2;
	case PACC_PROTO_CARDDAV:
		return 3;
	default:
		return -1;
	}
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
check_config(const struct pacc__config *c, bool allow_plain)
{
	CHECK(c->nservers >= 1 && c->nservers <= MAX_SERVERS);
	for (size_t i = 0; i < c->nservers; i++) {
		const struct pacc_server *s = &c->servers[i];

		CHECK(rank(s->proto) >= 0);
		CHECK(
		    i == 0 || rank(c->servers[i - 1].proto) <= rank(s->proto));
		CHECK(s->auth != 0 && (s->auth & ~3u) == 0);
		CHECK((unsigned)s->tls <= PACC_TLS_NONE);
		CHECK(allow_plain || s->tls != PACC_TLS_NONE);
		if (pacc__proto_is_http(s->proto)) {
			CHECK(s->host == NULL && s->url != NULL);
			CHECK(pacc__https_url_valid(s->url));
			CHECK(s->tls == PACC_TLS_IMPLICIT);
		} else {
			CHECK(s->url == NULL && s->host != NULL);
			CHECK(pacc__hostname_valid(s->host));
			CHECK(fuzz_lower(s->host));
			CHECK(s->port >= 1 && s->port <= 65535);
		}
		if (s->username != NULL) {
			CHECK(s->username[0] != '\0');
			CHECK(strcmp(s->username, ADDRESS) != 0);
			CHECK(strlen(s->username) <= 256);
			CHECK(strchr(s->username, '%') == NULL);
			CHECK(fuzz_utf8_clean(s->username, NULL));
		}
	}
	if (c->oauth_issuer != NULL) {
		CHECK(pacc__https_url_valid(c->oauth_issuer));
		CHECK(strchr(c->oauth_issuer, '?') == NULL);
		CHECK(strchr(c->oauth_issuer, '#') == NULL);
	}
	CHECK(c->help_url == NULL || pacc__https_url_valid(c->help_url));
	check_text(c->provider_name, 60);
	check_text(c->provider_short, 20);
}

/* One parse; the number of servers, or -1 when it failed. */
static long
parse(const uint8_t *data, size_t size, bool allow_plain, size_t *nplain,
    int *rcp)
{
	struct pacc__config *c = (struct pacc__config *)&c;
	char why[160];
	long n = -1;
	int rc;

	memset(why, WHY_FILL, sizeof(why));
	*nplain = 12345;
	rc = pacc__autoconfig_parse(&c, data, size, ADDRESS, allow_plain,
	    nplain, why, sizeof(why));
	CHECK_WHY(why);
	CHECK(rc == PACC_OK || rc == PACC_EFORMAT || rc == PACC_ENOMEM);
	CHECK(*nplain <= 4096);
	if (allow_plain)
		CHECK(*nplain == 0);
	*rcp = rc;
	if (rc != PACC_OK) {
		CHECK(c == NULL);
		return -1;
	}
	CHECK(c != NULL);
	check_config(c, allow_plain);
	n = (long)c->nservers;
	pacc__config_free(c);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t plain_no, plain_yes, want;
	long n_no, n_yes;
	int rc_no, rc_yes;

	n_no = parse(data, size, false, &plain_no, &rc_no);
	n_yes = parse(data, size, true, &plain_yes, &rc_yes);
	if (rc_no == PACC_ENOMEM || rc_yes == PACC_ENOMEM)
		return 0;
	want = (n_no > 0 ? (size_t)n_no : 0) + plain_no;
	if (want > MAX_SERVERS)
		want = MAX_SERVERS;
	if (n_no == MAX_SERVERS)
		CHECK(n_yes == MAX_SERVERS);
	else if (want == 0)
		CHECK(rc_yes == PACC_EFORMAT);
	else
		CHECK(rc_yes == PACC_OK && (size_t)n_yes == want);
	return 0;
}
