/* SPDX-License-Identifier: MIT */
/* fmt_pacc_json.c: PACC documents, current and earlier formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"
#include "model.h"

#include "alloc_fail.h"

#define ADDR "alice@example.com"

static char why[256];

/* Fixtures live under $PACC_TEST_DATA (default tests/data). */
static unsigned char *
load(const char *name, size_t *len)
{
	const char *dir = getenv("PACC_TEST_DATA");
	char path[1024];
	unsigned char *b;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/pacc/%s", dir ? dir : "tests/data",
	    name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (set PACC_TEST_DATA)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static int
parse_len(struct pacc__config **c, const void *doc, size_t len)
{
	why[0] = '\0';
	return pacc__pacc_json_parse(c, doc, len, ADDR, why, sizeof(why));
}

static int
parse(struct pacc__config **c, const char *doc)
{
	return parse_len(c, doc, strlen(doc));
}

static struct pacc__config *
must(const char *doc)
{
	struct pacc__config *c = NULL;
	int rc = parse(&c, doc);

	if (rc != PACC_OK)
		fail_msg("rc %d: %s\n%s", rc, why, doc);
	return c;
}

static void
must_fail(const char *doc, const char *why_part)
{
	struct pacc__config *c = (struct pacc__config *)1;
	int rc = parse(&c, doc);

	if (rc != PACC_EFORMAT)
		fail_msg("rc %d for %s", rc, doc);
	assert_null(c);
	if (why_part != NULL && strstr(why, why_part) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", why, why_part);
}

static void
host_srv(const struct pacc_server *s, pacc_protocol p, const char *host,
    unsigned port, pacc_tls_mode tls, unsigned auth)
{
	assert_int_equal(s->proto, p);
	assert_string_equal(s->host, host);
	assert_null(s->url);
	assert_int_equal(s->port, port);
	assert_int_equal(s->tls, tls);
	assert_null(s->username);
	assert_int_equal(s->auth, auth);
}

static void
url_srv(const struct pacc_server *s, pacc_protocol p, const char *url,
    unsigned auth)
{
	assert_int_equal(s->proto, p);
	assert_null(s->host);
	assert_string_equal(s->url, url);
	assert_int_equal(s->port, 0);
	assert_null(s->username);
	assert_int_equal(s->auth, auth);
}

#define BOTH (PACC_AUTH_PASSWORD | PACC_AUTH_OAUTH2)
#define IMPL PACC_TLS_IMPLICIT

static void
test_fixture_current_full(void **state)
{
	struct pacc__config *c = NULL;
	unsigned char *b;
	size_t n;

	(void)state;
	b = load("current-full.json", &n);
	assert_int_equal(parse_len(&c, b, n), PACC_OK);
	assert_int_equal(c->format, PACC__FMT_CURRENT);
	assert_int_equal(c->nservers, 5);
	url_srv(&c->servers[0], PACC_PROTO_JMAP,
	    "https://jmap.example.test/session", BOTH);
	host_srv(&c->servers[1], PACC_PROTO_IMAP, "imap.example.test", 993,
	    IMPL, BOTH);
	host_srv(&c->servers[2], PACC_PROTO_POP3, "pop.example.test", 995, IMPL,
	    BOTH);
	host_srv(&c->servers[3], PACC_PROTO_SMTP, "smtp.example.test", 465,
	    IMPL, BOTH);
	url_srv(&c->servers[4], PACC_PROTO_CALDAV,
	    "https://sync.example.test/calendar/", BOTH);
	assert_string_equal(c->oauth_issuer, "https://identity.example.test/");
	assert_string_equal(c->provider_name, "Example Provider");
	assert_string_equal(c->provider_short, "Example");
	assert_string_equal(c->help_url, "https://support.example.test/mail");
	pacc__config_free(c);
	free(b);
}

static void
test_fixture_current_slides(void **state)
{
	struct pacc__config *c = NULL;
	unsigned char *b;
	size_t n;

	(void)state;
	b = load("current-slides.json", &n);
	assert_int_equal(parse_len(&c, b, n), PACC_OK);
	assert_int_equal(c->nservers, 5);
	assert_int_equal(c->servers[0].proto, PACC_PROTO_JMAP);
	host_srv(&c->servers[1], PACC_PROTO_IMAP, "imap.example.com", 993, IMPL,
	    BOTH);
	/* -01/-02 key "smtp" is submission too */
	host_srv(&c->servers[2], PACC_PROTO_SMTP, "smtp.example.com", 465, IMPL,
	    BOTH);
	url_srv(&c->servers[3], PACC_PROTO_CALDAV,
	    "https://sync.example.com/calendar/", BOTH);
	url_srv(&c->servers[4], PACC_PROTO_CARDDAV,
	    "https://sync.example.com/contacts/", BOTH);
	assert_string_equal(c->provider_name, "Example Provider");
	assert_null(c->provider_short);
	assert_null(c->help_url);
	pacc__config_free(c);
	free(b);
}

static void
test_fixture_earlier_draft(void **state)
{
	struct pacc__config *c = NULL;
	unsigned char *b;
	size_t n;

	(void)state;
	b = load("earlier-draft.json", &n);
	assert_int_equal(parse_len(&c, b, n), PACC_OK);
	assert_int_equal(c->format, PACC__FMT_EARLIER);
	/* the draft's own pop3/smtp entries say imaps://: wrong scheme */
	assert_int_equal(c->nservers, 4);
	url_srv(&c->servers[0], PACC_PROTO_JMAP,
	    "https://jmap.example.net/session", BOTH);
	host_srv(&c->servers[1], PACC_PROTO_IMAP, "imap.example.net", 993, IMPL,
	    BOTH);
	url_srv(&c->servers[2], PACC_PROTO_CALDAV,
	    "https://sync.example.net/calendar/", BOTH);
	url_srv(&c->servers[3], PACC_PROTO_CARDDAV,
	    "https://sync.example.net/contacts/", BOTH);
	assert_string_equal(c->oauth_issuer, "https://auth.example.net/");
	assert_string_equal(c->provider_name, "ACME BestService WorkPlaceMail");
	assert_string_equal(c->provider_short, "ACME");
	assert_string_equal(c->help_url,
	    "https://help.example.net/howto/set-up-your-mail-app.html");
	assert_non_null(strstr(why, "skipped 2"));
	pacc__config_free(c);
	free(b);
}

static void
test_fixture_earlier_fixed(void **state)
{
	struct pacc__config *c = NULL;
	unsigned char *b;
	size_t n;

	(void)state;
	b = load("earlier-fixed.json", &n);
	assert_int_equal(parse_len(&c, b, n), PACC_OK);
	assert_int_equal(c->nservers, 4);
	host_srv(&c->servers[0], PACC_PROTO_IMAP, "imap.example.net", 1993,
	    IMPL, PACC_AUTH_OAUTH2);
	host_srv(&c->servers[1], PACC_PROTO_POP3, "pop3.example.net", 995, IMPL,
	    PACC_AUTH_PASSWORD);
	host_srv(&c->servers[2], PACC_PROTO_SMTP, "smtp.example.net", 1465,
	    IMPL, PACC_AUTH_PASSWORD);
	host_srv(&c->servers[3], PACC_PROTO_MANAGESIEVE, "sieve.example.net",
	    4190, PACC_TLS_STARTTLS, PACC_AUTH_PASSWORD);
	assert_string_equal(c->oauth_issuer, "https://auth.example.net/realm");
	assert_string_equal(c->provider_name, "Example Net");
	pacc__config_free(c);
	free(b);
}

static void
test_fixture_not_pacc(void **state)
{
	struct pacc__config *c = NULL;
	unsigned char *b;
	size_t n;

	(void)state;
	b = load("not-pacc.json", &n);
	assert_int_equal(parse_len(&c, b, n), PACC_EFORMAT);
	assert_null(c);
	assert_non_null(strstr(why, "neither"));
	free(b);
}

static void
test_current_submit_smtp(void **state)
{
	struct pacc__config *c;

	(void)state;
	/* both: submit wins, one server only */
	c = must("{\"protocols\":{\"smtp\":{\"host\":\"old.example.com\"},"
		 "\"submit\":{\"host\":\"new.example.com\"}}}");
	assert_int_equal(c->nservers, 1);
	host_srv(&c->servers[0], PACC_PROTO_SMTP, "new.example.com", 465, IMPL,
	    0);
	pacc__config_free(c);
	/* a broken submit falls back to a good smtp */
	c = must("{\"protocols\":{\"submit\":{\"host\":\"bad host\"},"
		 "\"smtp\":{\"host\":\"old.example.com\"}}}");
	assert_int_equal(c->nservers, 1);
	assert_string_equal(c->servers[0].host, "old.example.com");
	pacc__config_free(c);
}

static void
test_current_all_protocols(void **state)
{
	struct pacc__config *c;

	(void)state;
	/* written in reverse order: output follows preference order */
	c = must("{\"protocols\":{"
		 "\"managesieve\":{\"host\":\"Sieve.Example.COM.\"},"
		 "\"webdav\":{\"url\":\"https://dav.example.com/files/\"},"
		 "\"carddav\":{\"url\":\"https://dav.example.com/card/\"},"
		 "\"caldav\":{\"url\":\"https://dav.example.com/cal/\"},"
		 "\"submit\":{\"host\":\"smtp.example.com\"},"
		 "\"pop3\":{\"host\":\"pop.example.com\"},"
		 "\"imap\":{\"host\":\"imap.example.com\"},"
		 "\"jmap\":{\"url\":\"https://jmap.example.com:8443/s\"},"
		 "\"ews\":{\"url\":\"https://ews.example.com/\"},"
		 "\"activeSync\":{\"url\":\"https://as.example.com/\"}},"
		 "\"authentication\":{\"password\":true},"
		 "\"futureMember\":{\"x\":[1,2,{\"y\":null}]}}");
	assert_int_equal(c->nservers, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(c->servers[i].proto, (pacc_protocol)i);
	url_srv(&c->servers[0], PACC_PROTO_JMAP,
	    "https://jmap.example.com:8443/s", PACC_AUTH_PASSWORD);
	url_srv(&c->servers[6], PACC_PROTO_WEBDAV,
	    "https://dav.example.com/files/", PACC_AUTH_PASSWORD);
	/* RFC 5804: STARTTLS on 4190 */
	host_srv(&c->servers[7], PACC_PROTO_MANAGESIEVE, "sieve.example.com",
	    4190, PACC_TLS_STARTTLS, PACC_AUTH_PASSWORD);
	assert_null(c->oauth_issuer);
	assert_null(c->provider_name);
	pacc__config_free(c);
}

static void
test_current_bad_servers_skipped(void **state)
{
	static const char *const bad_hosts[] = {
		"\"\"",
		"\".\"",
		"5",
		"null",
		"true",
		"[\"imap.example.com\"]",
		"\"imap.example.com:993\"",
		"\"192.0.2.1\"",
		"\"[2001:db8::1]\"",
		"\"a_b.example.com\"",
		"\"imap example.com\"",
		"\"b\\u00fccher.example\"",
		"\"imaps://imap.example.com\"",
		"\"-imap.example.com\"",
		"\"imap..example.com\"",
		"\"imap.example.com..\"",
	};
	static const char *const bad_urls[] = {
		"\"http://jmap.example.com/\"",
		"\"jmap.example.com\"",
		"\"https://user@jmap.example.com/\"",
		"\"https://192.0.2.1/\"",
		"\"wss://jmap.example.com/\"",
		"\"https://jmap.example.com:0/\"",
		"\"https://jmap.example.com/a b\"",
		"\"\"",
		"7",
	};
	char doc[512];
	struct pacc__config *c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
		snprintf(doc, sizeof(doc),
		    "{\"protocols\":{\"imap\":{\"host\":"
		    "%s},\"pop3\":{\"host\":\"pop.example.com\"}}}",
		    bad_hosts[i]);
		c = must(doc);
		assert_int_equal(c->nservers, 1);
		assert_int_equal(c->servers[0].proto, PACC_PROTO_POP3);
		assert_non_null(strstr(why, "imap"));
		pacc__config_free(c);
		/* alone, the document has no usable server */
		snprintf(doc, sizeof(doc),
		    "{\"protocols\":{\"imap\":{\"host\":"
		    "%s}}}",
		    bad_hosts[i]);
		must_fail(doc, "no usable server");
	}
	for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		snprintf(doc, sizeof(doc),
		    "{\"protocols\":{\"jmap\":{\"url\":"
		    "%s},\"imap\":{\"host\":\"imap.example.com\"}}}",
		    bad_urls[i]);
		c = must(doc);
		assert_int_equal(c->nservers, 1);
		assert_int_equal(c->servers[0].proto, PACC_PROTO_IMAP);
		pacc__config_free(c);
	}
	/* a host protocol given a url only, and the reverse */
	must_fail("{\"protocols\":{\"imap\":{\"url\":\"https://i.example/\"},"
		  "\"jmap\":{\"host\":\"jmap.example.com\"}}}",
	    "no usable server");
	must_fail("{\"protocols\":{\"imap\":\"imap.example.com\"}}",
	    "not an object");
	must_fail("{\"protocols\":{}}", "no protocol we know");
	must_fail("{\"protocols\":{\"ews\":{\"url\":\"https://e.example/\"}}}",
	    "no protocol we know");
}

static void
test_current_authentication(void **state)
{
	static const struct {
		const char *auth;
		unsigned bits;
		const char *issuer;
	} cases[] = {
		{ "{}", 0, NULL },
		{ "{\"password\":false}", 0, NULL },
		{ "{\"password\":\"true\"}", 0, NULL },
		{ "{\"password\":1}", 0, NULL },
		{ "{\"password\":true}", PACC_AUTH_PASSWORD, NULL },
		{ "{\"oauth-public\":{\"issuer\":\"https://a.example/\"}}",
		    PACC_AUTH_OAUTH2, "https://a.example/" },
		{ "{\"oauth-public\":{\"issuer\":\"https://a.example\"}}",
		    PACC_AUTH_OAUTH2, "https://a.example" },
		{ "{\"oauth-public\":{\"issuer\":\"https://A.example/T\"}}",
		    PACC_AUTH_OAUTH2, "https://A.example/T" },
		{ "{\"oauth-public\":{\"issuer\":\"http://a.example/\"}}", 0,
		    NULL },
		{ "{\"oauth-public\":{\"issuer\":\"https://a.example/?x=1\"}}",
		    0, NULL },
		{ "{\"oauth-public\":{\"issuer\":\"https://a.example/#f\"}}", 0,
		    NULL },
		{ "{\"oauth-public\":{\"issuer\":\"https://u@a.example/\"}}", 0,
		    NULL },
		{ "{\"oauth-public\":{\"issuer\":\"a.example\"}}", 0, NULL },
		{ "{\"oauth-public\":{\"issuer\":5}}", 0, NULL },
		{ "{\"oauth-public\":\"https://a.example/\"}", 0, NULL },
		{ "{\"oAuth2\":{\"issuer\":\"https://a.example/\"}}", 0, NULL },
		{ "[]", 0, NULL },
		{ "\"password\"", 0, NULL },
	};
	char doc[512];
	struct pacc__config *c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(doc, sizeof(doc),
		    "{\"authentication\":%s,"
		    "\"protocols\":{\"imap\":{\"host\":\"i.example.com\"},"
		    "\"jmap\":{\"url\":\"https://j.example.com/\"}}}",
		    cases[i].auth);
		c = must(doc);
		assert_int_equal(c->nservers, 2);
		assert_int_equal(c->servers[0].auth, cases[i].bits);
		assert_int_equal(c->servers[1].auth, cases[i].bits);
		if (cases[i].issuer)
			assert_string_equal(c->oauth_issuer, cases[i].issuer);
		else
			assert_null(c->oauth_issuer);
		pacc__config_free(c);
	}
}

/* "ß" is 2 bytes, 1 code point: limits count code points. */
static void
test_provider_texts(void **state)
{
	char doc[2048], name[512], sname[256];
	struct pacc__config *c;

	(void)state;
	name[0] = sname[0] = '\0';
	for (int i = 0; i < 60; i++)
		strcat(name, "\xc3\x9f");
	for (int i = 0; i < 20; i++)
		strcat(sname, "\xc3\x9f");
	snprintf(doc, sizeof(doc),
	    "{\"protocols\":{\"imap\":{\"host\":"
	    "\"i.example.com\"}},\"info\":{\"provider\":{\"name\":\"%s\","
	    "\"shortName\":\"%s\"},\"help\":{\"documentation\":"
	    "\"https://help.example.com/x\"}}}",
	    name, sname);
	c = must(doc);
	assert_string_equal(c->provider_name, name);
	assert_string_equal(c->provider_short, sname);
	assert_string_equal(c->help_url, "https://help.example.com/x");
	pacc__config_free(c);
	/* one code point more: dropped, not truncated */
	snprintf(doc, sizeof(doc),
	    "{\"protocols\":{\"imap\":{\"host\":"
	    "\"i.example.com\"}},\"info\":{\"provider\":{\"name\":\"%sx\","
	    "\"shortName\":\"%sx\"},\"help\":{\"documentation\":"
	    "\"http://help.example.com/x\"}}}",
	    name, sname);
	c = must(doc);
	assert_null(c->provider_name);
	assert_null(c->provider_short);
	assert_null(c->help_url);
	pacc__config_free(c);
	/* controls, bidi overrides, empty, wrong type: dropped */
	{
		static const char *const badnames[] = {
			"\"\"",
			"\"a\\u0007b\"",
			"\"a\\nb\"",
			"\"a\\u0085b\"",
			"\"evil\\u202egnp.exe\"",
			"\"x\\u2066y\"",
			"\"\\u200f\"",
			"5",
			"null",
			"[\"x\"]",
			"{}",
		};

		for (size_t i = 0; i < sizeof(badnames) / sizeof(badnames[0]);
		     i++) {
			snprintf(doc, sizeof(doc),
			    "{\"protocols\":{\"imap\":"
			    "{\"host\":\"i.example.com\"}},\"info\":{"
			    "\"provider\":{\"name\":%s,\"shortName\":%s}}}",
			    badnames[i], badnames[i]);
			c = must(doc);
			assert_null(c->provider_name);
			assert_null(c->provider_short);
			pacc__config_free(c);
		}
	}
	/* ordinary non-ASCII names pass */
	c = must("{\"protocols\":{\"imap\":{\"host\":\"i.example.com\"}},"
		 "\"info\":{\"provider\":{\"name\":\"B\\u00fccher Mail \\ud83d"
		 "\\udce7\"}}}");
	assert_string_equal(c->provider_name,
	    "B\xc3\xbc"
	    "cher Mail \xf0\x9f\x93\xa7");
	pacc__config_free(c);
}

static void
test_earlier_variants(void **state)
{
	struct pacc__config *c;

	(void)state;
	/* array form naming the protocol; first one per protocol wins */
	c = must(
	    "{\"servers\":["
	    "{\"protocol\":\"imap\",\"url\":\"IMAPS://Imap.Example.NET\"},"
	    "{\"type\":\"smtp\",\"url\":\"smtps://smtp.example.net\","
	    "\"authentication\":[\"sasl-PLAIN\",5,null]},"
	    "{\"protocol\":\"imap\",\"url\":\"imaps://second.example.net\"},"
	    "{\"url\":\"imaps://noproto.example.net\"},"
	    "{\"protocol\":\"graph\",\"url\":\"https://g.example.net/\"},"
	    "{\"protocol\":\"jmap\",\"url\":\"wss://jmap.example.net/ws\"},"
	    "7]}");
	assert_int_equal(c->format, PACC__FMT_EARLIER);
	assert_int_equal(c->nservers, 2);
	/* no authentication list: kept, nothing promised */
	host_srv(&c->servers[0], PACC_PROTO_IMAP, "imap.example.net", 993, IMPL,
	    0);
	host_srv(&c->servers[1], PACC_PROTO_SMTP, "smtp.example.net", 465, IMPL,
	    PACC_AUTH_PASSWORD);
	assert_null(c->oauth_issuer);
	pacc__config_free(c);
	/* protocols wins over servers when both are there */
	c = must("{\"servers\":{\"imap\":{\"url\":\"imaps://a.example\"}},"
		 "\"protocols\":{\"pop3\":{\"host\":\"b.example.com\"}}}");
	assert_int_equal(c->format, PACC__FMT_CURRENT);
	assert_int_equal(c->nservers, 1);
	assert_int_equal(c->servers[0].proto, PACC_PROTO_POP3);
	pacc__config_free(c);
	/* issuer forms */
	c = must("{\"servers\":{\"imap\":{\"url\":\"imaps://a.example\"}},"
		 "\"oAuth2\":{\"issuer\":\"Auth.Example.NET.\"}}");
	assert_string_equal(c->oauth_issuer, "https://auth.example.net/");
	pacc__config_free(c);
	c = must("{\"servers\":{\"imap\":{\"url\":\"imaps://a.example\"}},"
		 "\"oAuth2\":{\"issuer\":\"auth example\"}}");
	assert_null(c->oauth_issuer);
	pacc__config_free(c);
	c = must("{\"servers\":{\"imap\":{\"url\":\"imaps://a.example\"}},"
		 "\"oAuth2\":{\"issuer\":\"https://a.example/?q\"}}");
	assert_null(c->oauth_issuer);
	pacc__config_free(c);
}

static void
test_earlier_bad_servers(void **state)
{
	static const char *const bad[] = {
		/* plain schemes: the draft mandates Direct TLS */
		"{\"imap\":{\"url\":\"imap://i.example.net\"}}",
		"{\"pop3\":{\"url\":\"pop3://p.example.net\"}}",
		"{\"smtp\":{\"url\":\"submission://s.example.net\"}}",
		/* scheme of another protocol */
		"{\"pop3\":{\"url\":\"imaps://p.example.net\"}}",
		"{\"managesieve\":{\"url\":\"sieves://s.example.net\"}}",
		"{\"imap\":{\"url\":\"https://i.example.net\"}}",
		"{\"jmap\":{\"url\":\"imaps://i.example.net\"}}",
		/* bad authority or path */
		"{\"imap\":{\"url\":\"imaps://u@i.example.net\"}}",
		"{\"imap\":{\"url\":\"imaps://i.example.net/INBOX\"}}",
		"{\"imap\":{\"url\":\"imaps://i.example.net:0\"}}",
		"{\"imap\":{\"url\":\"imaps://i.example.net:65536\"}}",
		"{\"imap\":{\"url\":\"imaps://i.example.net:\"}}",
		"{\"imap\":{\"url\":\"imaps://i.example.net:99x\"}}",
		"{\"imap\":{\"url\":\"imaps://[::1]\"}}",
		"{\"imap\":{\"url\":\"imaps://\"}}",
		"{\"imap\":{\"url\":\"imaps://i.example.net?x\"}}",
		"{\"imap\":{\"url\":\"imaps://i ex.net\"}}",
		"{\"imap\":{\"url\":\"imaps:/i.example.net\"}}",
		"{\"imap\":{\"url\":\"imaps://b\\u00fccher.example\"}}",
		/* no url, wrong types */
		"{\"imap\":{}}",
		"{\"imap\":{\"url\":5}}",
		"{\"imap\":\"imaps://i.example.net\"}",
		/* authentication given, none we support */
		"{\"imap\":{\"url\":\"imaps://i.example.net\","
		"\"authentication\":[\"sasl-GSSAPI\",\"sasl-EXTERNAL\"]}}",
		"{\"imap\":{\"url\":\"imaps://i.example.net\","
		"\"authentication\":[]}}",
		"{\"ews\":{\"url\":\"https://e.example.net/\"}}",
	};
	char doc[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc), "{\"servers\":%s}", bad[i]);
		must_fail(doc, "no usable server");
	}
	must_fail("{\"servers\":\"imaps://i.example.net\"}", "neither");
	must_fail("{\"servers\":null}", "neither");
	must_fail("{\"servers\":[]}", "no usable server");
	must_fail("{\"servers\":[{\"url\":\"imaps://i.example.net\"}]}",
	    "names no protocol");
}

static void
test_auth_methods(void **state)
{
	static const struct {
		const char *list;
		unsigned bits;
	} cases[] = {
		{ "[\"OAuth2\"]", PACC_AUTH_OAUTH2 },
		{ "[\"oauth2\"]", PACC_AUTH_OAUTH2 },
		{ "[\"sasl-OAUTHBEARER\"]", PACC_AUTH_OAUTH2 },
		{ "[\"sasl-XOAUTH2\"]", PACC_AUTH_OAUTH2 },
		{ "[\"sasl-PLAIN\"]", PACC_AUTH_PASSWORD },
		{ "[\"sasl-plain\"]", PACC_AUTH_PASSWORD },
		{ "[\"sasl-LOGIN\"]", PACC_AUTH_PASSWORD },
		{ "[\"sasl-SCRAM-SHA-256-PLUS\"]", PACC_AUTH_PASSWORD },
		{ "[\"sasl-SCRAM-SHA-1\"]", PACC_AUTH_PASSWORD },
		{ "[\"sasl-CRAM-MD5\"]", PACC_AUTH_PASSWORD },
		{ "[\"native\"]", PACC_AUTH_PASSWORD },
		{ "[\"http-basic\"]", PACC_AUTH_PASSWORD },
		{ "[\"http-Digest\"]", PACC_AUTH_PASSWORD },
		{ "[\"http-bearer\"]", PACC_AUTH_OAUTH2 },
		{ "[\"http-NTLM\", \"OAuth2\", \"sasl-PLAIN\"]", BOTH },
		{ "\"OAuth2\"", 0 }, /* not a list: nothing promised, kept */
		{ "{}", 0 },
	};
	char doc[512];
	struct pacc__config *c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(doc, sizeof(doc),
		    "{\"servers\":{\"imap\":{\"url\":"
		    "\"imaps://i.example.net\",\"authentication\":%s}}}",
		    cases[i].list);
		c = must(doc);
		assert_int_equal(c->servers[0].auth, cases[i].bits);
		pacc__config_free(c);
	}
}

static void
test_json_errors(void **state)
{
	(void)state;
	must_fail("", "not valid JSON");
	must_fail("   ", "not valid JSON");
	must_fail("{", "not valid JSON");
	must_fail("{\"protocols\":{\"imap\":{\"host\":\"i.example.com\"}}",
	    "not valid JSON");
	must_fail("{\"protocols\":{}} {}", "not valid JSON");
	must_fail("{\"protocols\":{},}", "not valid JSON");
	must_fail("{protocols:{}}", "not valid JSON");
	must_fail("{'protocols':{}}", "not valid JSON");
	must_fail("{\"protocols\":{}} // comment", "not valid JSON");
	must_fail("[]", "not a JSON object");
	must_fail("[{\"protocols\":{}}]", "not a JSON object");
	must_fail("\"protocols\"", "not a JSON object");
	must_fail("42", "not a JSON object");
	must_fail("null", "not a JSON object");
	must_fail("{}", "neither");
	must_fail("{\"Protocols\":{}}", "neither");
	must_fail("{\"protocols\":[]}", "not an object");
	must_fail("{\"protocols\":null}", "not an object");
	/* duplicate names, at the top and deep inside */
	must_fail("{\"protocols\":{\"imap\":{\"host\":\"a.example.com\"}},"
		  "\"protocols\":{\"imap\":{\"host\":\"b.example.com\"}}}",
	    "duplicate");
	must_fail("{\"protocols\":{\"imap\":{\"host\":\"a.example.com\","
		  "\"host\":\"b.example.com\"}}}",
	    "duplicate");
	must_fail("{\"protocols\":{\"imap\":{\"host\":\"a.example.com\"},"
		  "\"imap\":{\"host\":\"b.example.com\"}}}",
	    "duplicate");
	/* NUL escaped inside a string */
	must_fail("{\"protocols\":{\"imap\":{\"host\":\"a.example.com\\u0000"
		  ".evil.example\"}}}",
	    "not valid JSON");
	/* lone surrogate escapes */
	must_fail("{\"protocols\":{\"imap\":{\"host\":\"\\ud800\"}}}",
	    "not valid JSON");
	/* invalid UTF-8 bytes, overlong forms, BOM */
	must_fail("{\"protocols\":{\"imap\":{\"host\":\"\xff\"}}}",
	    "not valid JSON");
	must_fail("{\"protocols\":{\"imap\":{\"host\":\"\xc0\xae\"}}}",
	    "not valid JSON");
	must_fail("{\"protocols\":{\"imap\":{\"host\":\"\xed\xa0\x80\"}}}",
	    "not valid JSON");
	must_fail("\xef\xbb\xbf{\"protocols\":{}}", "not valid JSON");
}

static void
test_embedded_raw_nul(void **state)
{
	static const char doc[] =
	    "{\"protocols\":{\"imap\":{\"host\":\"i.example.com\"}}}\0junk";
	static const char doc2[] =
	    "{\"protocols\":{\"imap\":{\"host\":\"i.exa\0mple.com\"}}}";
	struct pacc__config *c = NULL;

	(void)state;
	assert_int_equal(parse_len(&c, doc, sizeof(doc) - 1), PACC_EFORMAT);
	assert_null(c);
	assert_int_equal(parse_len(&c, doc2, sizeof(doc2) - 1), PACC_EFORMAT);
	assert_null(c);
	assert_int_equal(parse_len(&c, doc, strlen(doc)), PACC_OK);
	pacc__config_free(c);
}

static void
test_not_nul_terminated_and_truncated(void **state)
{
	struct pacc__config *c = NULL;
	unsigned char *b, *copy;
	size_t n;

	(void)state;
	b = load("current-full.json", &n);
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == ' '))
		n--;
	copy = malloc(n);
	memcpy(copy, b, n);
	assert_int_equal(parse_len(&c, copy, n), PACC_OK);
	pacc__config_free(c);
	/* every proper prefix is invalid JSON: clean EFORMAT each time */
	for (size_t len = 0; len < n; len++) {
		c = (struct pacc__config *)1;
		assert_int_equal(parse_len(&c, copy, len), PACC_EFORMAT);
		assert_null(c);
	}
	free(copy);
	free(b);
}

static void
test_nesting(void **state)
{
	enum { depth = 100000 };
	static char doc[2 * depth + 200];
	size_t n = 0;
	struct pacc__config *c = NULL;

	(void)state;
	/* far too deep: refused by the parser's depth limit, no crash */
	n += (size_t)sprintf(doc,
	    "{\"protocols\":{\"imap\":{\"host\":"
	    "\"i.example.com\"}},\"x\":");
	memset(doc + n, '[', depth);
	memset(doc + n + depth, ']', depth);
	n += 2 * depth;
	doc[n++] = '}';
	assert_int_equal(parse_len(&c, doc, n), PACC_EFORMAT);
	assert_null(c);
	/* moderately deep unknown members are just ignored */
	n = (size_t)sprintf(doc,
	    "{\"protocols\":{\"imap\":{\"host\":"
	    "\"i.example.com\"}},\"x\":");
	memset(doc + n, '[', 500);
	memset(doc + n + 500, ']', 500);
	n += 1000;
	doc[n++] = '}';
	assert_int_equal(parse_len(&c, doc, n), PACC_OK);
	pacc__config_free(c);
}

static void
test_size_limit(void **state)
{
	const char *head = "{\"protocols\":{\"imap\":{\"host\":"
			   "\"i.example.com\"}}}";
	size_t max = 64 * 1024;
	char *doc = malloc(max + 1);
	struct pacc__config *c = NULL;

	(void)state;
	memset(doc, ' ', max + 1);
	memcpy(doc, head, strlen(head));
	assert_int_equal(parse_len(&c, doc, max), PACC_OK);
	pacc__config_free(c);
	assert_int_equal(parse_len(&c, doc, max + 1), PACC_EFORMAT);
	assert_null(c);
	assert_non_null(strstr(why, "larger"));
	free(doc);
}

static void
test_args(void **state)
{
	const char *doc =
	    "{\"protocols\":{\"imap\":{\"host\":\"i.example.com\"}}}";
	struct pacc__config *c = NULL;

	(void)state;
	assert_int_equal(
	    pacc__pacc_json_parse(NULL, (const void *)"{}", 2, ADDR, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__pacc_json_parse(&c, NULL, 2, ADDR, NULL, 0),
	    PACC_EINVAL);
	/* why may be NULL; address is not needed */
	assert_int_equal(pacc__pacc_json_parse(&c, (const void *)doc,
			     strlen(doc), NULL, NULL, 0),
	    PACC_OK);
	pacc__config_free(c);
}

static int
parse_fixture(void *ud)
{
	struct pacc__config *c = NULL;
	const char *name = ud;
	unsigned char *b;
	size_t n;
	int rc;

	/* load() is outside the sweep's count: fopen may allocate */

	b = load(name, &n);
	rc = pacc__pacc_json_parse(&c, b, n, ADDR, NULL, 0);
	if (rc != PACC_OK)
		assert_null(c);
	pacc__config_free(c);
	free(b);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(parse_fixture, "current-full.json");
	enomem_sweep(parse_fixture, "earlier-draft.json");
	enomem_sweep(parse_fixture, "earlier-fixed.json");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_current_full),
		cmocka_unit_test(test_fixture_current_slides),
		cmocka_unit_test(test_fixture_earlier_draft),
		cmocka_unit_test(test_fixture_earlier_fixed),
		cmocka_unit_test(test_fixture_not_pacc),
		cmocka_unit_test(test_current_submit_smtp),
		cmocka_unit_test(test_current_all_protocols),
		cmocka_unit_test(test_current_bad_servers_skipped),
		cmocka_unit_test(test_current_authentication),
		cmocka_unit_test(test_provider_texts),
		cmocka_unit_test(test_earlier_variants),
		cmocka_unit_test(test_earlier_bad_servers),
		cmocka_unit_test(test_auth_methods),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_embedded_raw_nul),
		cmocka_unit_test(test_not_nul_terminated_and_truncated),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
