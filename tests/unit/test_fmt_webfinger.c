/* SPDX-License-Identifier: MIT */
/* fmt_webfinger.c: RFC 7033 JRD links and draft-jones configurations. */
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
#define PW PACC_AUTH_PASSWORD

static char why[256];

static unsigned char *
load(const char *name, size_t *len)
{
	const char *dir = getenv("PACC_TEST_DATA");
	char path[1024];
	unsigned char *b;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data", name);
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

/* ---- the JRD ---- */

static int
jrd_len(struct pacc__wf_link **l, size_t *n, const void *doc, size_t len,
    const char *subject)
{
	why[0] = '\0';
	return pacc__webfinger_parse(l, n, doc, len, subject, why, sizeof(why));
}

static int
jrd(struct pacc__wf_link **l, size_t *n, const char *doc)
{
	return jrd_len(l, n, doc, strlen(doc), ADDR);
}

static void
jrd_fail(const char *doc, int want, const char *why_part)
{
	struct pacc__wf_link *l = (struct pacc__wf_link *)1;
	size_t n = 7;
	int rc = jrd(&l, &n, doc);

	if (rc != want)
		fail_msg("rc %d (%s) for %s", rc, why, doc);
	assert_null(l);
	assert_int_equal(n, 0);
	if (why_part != NULL && strstr(why, why_part) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", why, why_part);
}

/* A fine JRD without a usable link: PACC_OK, nothing, and why. */
static void
jrd_none(const char *doc, const char *why_part)
{
	struct pacc__wf_link *l = (struct pacc__wf_link *)1;
	size_t n = 7;
	int rc = jrd(&l, &n, doc);

	if (rc != PACC_OK)
		fail_msg("rc %d (%s) for %s", rc, why, doc);
	assert_null(l);
	assert_int_equal(n, 0);
	if (why_part != NULL && strstr(why, why_part) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", why, why_part);
}

static void
test_draft_example_jrd(void **state)
{
	struct pacc__wf_link *l = NULL;
	unsigned char *b;
	size_t n, len;

	(void)state;
	/* the draft's §3 example, verbatim: not JSON (missing and extra
	 * commas) */
	b = load("webfinger/draft-example-jrd.json", &len);
	assert_int_equal(jrd_len(&l, &n, b, len, "alice@mail.example"),
	    PACC_EFORMAT);
	assert_null(l);
	assert_non_null(strstr(why, "not valid JSON (line 8"));
	free(b);
	/* the same with the commas fixed */
	b = load("webfinger/draft-example-jrd-fixed.json", &len);
	assert_int_equal(jrd_len(&l, &n, b, len, "alice@mail.example"),
	    PACC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].href,
	    "https://mail-config.mail.example/alice.personal.json");
	assert_string_equal(l[0].title, "Personal");
	assert_string_equal(l[1].href,
	    "https://mail-config.mail.example/alice.business.json");
	assert_string_equal(l[1].title, "Business");
	assert_string_equal(why, "ok");
	pacc__webfinger_links_free(l, n);
	/* asked about someone else: kept, and said */
	assert_int_equal(jrd_len(&l, &n, b, len, "acct:bob@mail.example"),
	    PACC_OK);
	assert_int_equal(n, 2);
	assert_non_null(strstr(why,
	    "the JRD is about \"acct:alice@mail."
	    "example\", not the address asked for"));
	pacc__webfinger_links_free(l, n);
	/* host part compares without regard to case; no subject: fine */
	assert_int_equal(jrd_len(&l, &n, b, len, "ACCT:alice@Mail.Example"),
	    PACC_OK);
	assert_string_equal(why, "ok");
	pacc__webfinger_links_free(l, n);
	assert_int_equal(jrd_len(&l, &n, b, len, "Alice@mail.example"),
	    PACC_OK);
	assert_non_null(strstr(why, "not the address asked for"));
	pacc__webfinger_links_free(l, n);
	assert_int_equal(jrd_len(&l, &n, b, len, NULL), PACC_OK);
	assert_string_equal(why, "ok");
	pacc__webfinger_links_free(l, n);
	free(b);
}

static void
test_mixed_jrd(void **state)
{
	struct pacc__wf_link *l = NULL;
	unsigned char *b;
	size_t n, len;

	(void)state;
	b = load("webfinger/jrd-mixed.json", &len);
	assert_int_equal(jrd_len(&l, &n, b, len, ADDR), PACC_OK);
	assert_int_equal(n, 3);
	/* "und" is a bidi trick: passed over for "EN" */
	assert_string_equal(l[0].href,
	    "https://config.example.com/alice/work.json");
	assert_string_equal(l[0].title, "Work");
	/* no und, no en: the first one */
	assert_string_equal(l[1].href,
	    "https://config.example.com/alice/home.json");
	assert_string_equal(l[1].title, "Maison");
	/* the duplicate work.json is gone; a non-string title is none */
	assert_string_equal(l[2].href,
	    "https://config.example.com/alice/other.json");
	assert_null(l[2].title);
	assert_non_null(strstr(why, "skipped link(s) without a valid https"));
	pacc__webfinger_links_free(l, n);
	free(b);
}

static void
test_titles(void **state)
{
	static const struct {
		const char *titles, *want;
	} cases[] = {
		{ "{\"und\":\"U\",\"en\":\"E\",\"de\":\"D\"}", "U" },
		{ "{\"de\":\"D\",\"en\":\"E\",\"und\":\"U\"}", "U" },
		{ "{\"de\":\"D\",\"en-GB\":\"G\",\"en\":\"E\"}", "E" },
		{ "{\"de\":\"D\",\"en-GB\":\"G\"}", "G" },
		{ "{\"de\":\"D\",\"fr\":\"F\"}", "D" },
		{ "{\"de\":\"\",\"fr\":\"F\"}", "F" },
		{ "{\"de\":\"a\\u0000b\"}", NULL }, /* jansson refuses it */
		{ "{\"und\":\"a\\nb\"}", NULL },
		{ "{\"und\":\"a\\u0085b\"}", NULL },
		{ "{\"und\":\"x\\u2066y\",\"de\":\"ok\"}", "ok" },
		{ "{}", NULL },
		{ "[\"Work\"]", NULL },
		{ "\"Work\"", NULL },
		{ "null", NULL },
	};
	char doc[512];
	struct pacc__wf_link *l;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(doc, sizeof(doc),
		    "{\"links\":[{\"rel\":\"email-"
		    "autoconfig\",\"href\":\"https://c.example.com/x\","
		    "\"titles\":%s}]}",
		    cases[i].titles);
		if (strstr(cases[i].titles, "\\u0000") != NULL) {
			jrd_fail(doc, PACC_EFORMAT, "not valid JSON");
			continue;
		}
		l = NULL;
		assert_int_equal(jrd(&l, &n, doc), PACC_OK);
		assert_int_equal(n, 1);
		if (cases[i].want)
			assert_string_equal(l[0].title, cases[i].want);
		else
			assert_null(l[0].title);
		pacc__webfinger_links_free(l, n);
	}
	/* 60 code points, not 61 */
	{
		char t[256] = "";
		size_t k;

		for (k = 0; k < 60; k++)
			strcat(t, "\xc3\x9f");
		snprintf(doc, sizeof(doc),
		    "{\"links\":[{\"rel\":\"email-"
		    "autoconfig\",\"href\":\"https://c.example.com/x\","
		    "\"titles\":{\"en\":\"%s\"}}]}",
		    t);
		assert_int_equal(jrd(&l, &n, doc), PACC_OK);
		assert_string_equal(l[0].title, t);
		pacc__webfinger_links_free(l, n);
		strcat(t, "x");
		snprintf(doc, sizeof(doc),
		    "{\"links\":[{\"rel\":\"email-"
		    "autoconfig\",\"href\":\"https://c.example.com/x\","
		    "\"titles\":{\"en\":\"%s\"}}]}",
		    t);
		assert_int_equal(jrd(&l, &n, doc), PACC_OK);
		assert_null(l[0].title);
		pacc__webfinger_links_free(l, n);
	}
}

static void
test_hrefs(void **state)
{
	static const char *const bad[] = {
		"\"http://c.example.com/x\"",
		"\"c.example.com/x\"",
		"\"https://u:p@c.example.com/x\"",
		"\"https://192.0.2.1/x\"",
		"\"https://[2001:db8::1]/x\"",
		"\"https://c.example.com/a b\"",
		"\"https://c.example.com:0/\"",
		"\"https://\"",
		"\"\"",
		"5",
		"null",
		"[\"https://c.example.com/\"]",
		"\"https://b\\u00fccher.example/\"",
		"\"javascript:alert(1)\"",
		"\"data:,{}\"",
	};
	char doc[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc),
		    "{\"links\":[{\"rel\":\"email-"
		    "autoconfig\",\"href\":%s}]}",
		    bad[i]);
		jrd_none(doc, "1 link(s) without a valid https href");
	}
}

static void
test_jrd_shapes(void **state)
{
	struct pacc__wf_link *l;
	size_t n;
	char *doc;

	(void)state;
	jrd_none("{}", "no email-autoconfig link");
	jrd_none("{\"links\":[]}", "no email-autoconfig");
	jrd_none("{\"links\":[{\"rel\":\"self\",\"href\":\"https://a.example"
		 "/\"}]}",
	    "no email-autoconfig");
	/* the draft defines no URI form of the relation */
	jrd_none(
	    "{\"links\":[{\"rel\":\"http://www.iana.org/assignments/"
	    "relation/email-autoconfig\",\"href\":\"https://a.example/\"}]}",
	    "no email-autoconfig");
	jrd_fail("{\"links\":{}}", PACC_EFORMAT, "\"links\" is not an array");
	jrd_fail("{\"links\":\"x\"}", PACC_EFORMAT, "not an array");
	jrd_fail("[]", PACC_EFORMAT, "not a JSON object");
	jrd_fail("\"acct:alice@example.com\"", PACC_EFORMAT,
	    "not a JSON object");
	jrd_fail("", PACC_EFORMAT, "not valid JSON");
	jrd_fail("<XRD/>", PACC_EFORMAT, "not valid JSON");
	jrd_fail("{\"links\":[],\"links\":[]}", PACC_EFORMAT, "duplicate");
	jrd_fail("{\"links\":[{\"rel\":\"email-autoconfig\",\"rel\":\"x\"}]}",
	    PACC_EFORMAT, "duplicate");
	jrd_fail("\xef\xbb\xbf{}", PACC_EFORMAT, "not valid JSON");
	jrd_fail("{\"subject\":\"\xff\"}", PACC_EFORMAT, "not valid JSON");
	/* subject absent: noted */
	assert_int_equal(jrd(&l, &n,
			     "{\"links\":[{\"rel\":\"email-"
			     "autoconfig\",\"href\":\"https://a.example/\"}]}"),
	    PACC_OK);
	assert_non_null(strstr(why, "no subject"));
	pacc__webfinger_links_free(l, n);
	/* an alias that matches is as good as the subject */
	assert_int_equal(
	    jrd(&l, &n,
		"{\"subject\":\"https://example.com/~a\","
		"\"aliases\":[5,\"acct:alice@EXAMPLE.com\"],\"links\":[{"
		"\"rel\":"
		"\"email-autoconfig\",\"href\":\"https://a.example/\"}]}"),
	    PACC_OK);
	assert_string_equal(why, "ok");
	pacc__webfinger_links_free(l, n);
	/* a hostile subject is quoted safely */
	assert_int_equal(
	    jrd(&l, &n,
		"{\"subject\":\"acct:x\\u001b[2J\\n"
		"@evil.example.com.and.a.very.long.tail.example\",\"links\":[{"
		"\"rel\":\"email-autoconfig\",\"href\":\"https://a.example/"
		"\"}]}"),
	    PACC_OK);
	if (strstr(why,
		"\"acct:x?[2J?@evil.example.com.and.a.very...."
		"\"") == NULL)
		fail_msg("%s", why);
	pacc__webfinger_links_free(l, n);
	/* at most PACC__MAX_WF_LINKS */
	doc = malloc(8192);
	{
		size_t k = (size_t)sprintf(doc, "{\"links\":[");

		for (int i = 0; i < 20; i++)
			k += (size_t)sprintf(doc + k,
			    "%s{\"rel\":\"email-"
			    "autoconfig\",\"href\":\"https://c%d.example/\"}",
			    i ? "," : "", i);
		sprintf(doc + k, "]}");
	}
	assert_int_equal(jrd(&l, &n, doc), PACC_OK);
	assert_int_equal(n, 8);
	assert_string_equal(l[7].href, "https://c7.example/");
	assert_non_null(strstr(why, "more links than pacc follows"));
	pacc__webfinger_links_free(l, n);
	free(doc);
	pacc__webfinger_links_free(NULL, 3);
}

static void
test_jrd_bytes(void **state)
{
	static const char doc[] = "{\"links\":[{\"rel\":\"email-autoconfig\","
				  "\"href\":\"https://a.example/\"}]}\0junk";
	size_t max = 64 * 1024;
	char *big = malloc(max + 1);
	struct pacc__wf_link *l = NULL;
	size_t n;

	(void)state;
	assert_int_equal(jrd_len(&l, &n, doc, sizeof(doc) - 1, ADDR),
	    PACC_EFORMAT);
	assert_null(l);
	assert_int_equal(jrd_len(&l, &n, doc, strlen(doc), ADDR), PACC_OK);
	pacc__webfinger_links_free(l, n);
	/* every proper prefix: a clean EFORMAT */
	for (size_t len = 0; len < strlen(doc); len++) {
		char *copy = malloc(len + 1);

		memcpy(copy, doc, len);
		l = (struct pacc__wf_link *)1;
		assert_int_equal(jrd_len(&l, &n, copy, len, ADDR),
		    PACC_EFORMAT);
		assert_null(l);
		free(copy);
	}
	memset(big, ' ', max + 1);
	memcpy(big, doc, strlen(doc));
	assert_int_equal(jrd_len(&l, &n, big, max, ADDR), PACC_OK);
	pacc__webfinger_links_free(l, n);
	assert_int_equal(jrd_len(&l, &n, big, max + 1, ADDR), PACC_EFORMAT);
	assert_non_null(strstr(why, "larger than 65536"));
	free(big);
	/* arguments */
	assert_int_equal(pacc__webfinger_parse(NULL, &n, (const void *)"{}", 2,
			     ADDR, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__webfinger_parse(&l, NULL, (const void *)"{}", 2,
			     ADDR, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__webfinger_parse(&l, &n, NULL, 2, ADDR, NULL, 0),
	    PACC_EINVAL);
}

/* ---- the linked configuration ---- */

static int
cfg_len(struct pacc__config **c, const void *doc, size_t len, const char *addr)
{
	why[0] = '\0';
	return pacc__webfinger_config_parse(c, doc, len, addr, why,
	    sizeof(why));
}

static struct pacc__config *
cfg_must(const char *doc)
{
	struct pacc__config *c = NULL;
	int rc = cfg_len(&c, doc, strlen(doc), ADDR);

	if (rc != PACC_OK)
		fail_msg("rc %d: %s\n%s", rc, why, doc);
	return c;
}

static void
cfg_fail(const char *doc, const char *why_part)
{
	struct pacc__config *c = (struct pacc__config *)1;
	int rc = cfg_len(&c, doc, strlen(doc), ADDR);

	if (rc != PACC_EFORMAT)
		fail_msg("rc %d (%s) for %s", rc, why, doc);
	assert_null(c);
	if (why_part != NULL && strstr(why, why_part) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", why, why_part);
}

static void
host_srv(const struct pacc_server *s, pacc_protocol p, const char *host,
    unsigned port, pacc_tls_mode tls, const char *user, unsigned auth)
{
	assert_int_equal(s->proto, p);
	assert_string_equal(s->host, host);
	assert_null(s->url);
	assert_int_equal(s->port, port);
	assert_int_equal(s->tls, tls);
	if (user == NULL)
		assert_null(s->username);
	else
		assert_string_equal(s->username, user);
	assert_int_equal(s->auth, auth);
}

static void
test_draft_example_config(void **state)
{
	struct pacc__config *c = NULL;
	unsigned char *b;
	size_t len;

	(void)state;
	b = load("webfinger/draft-example-config.json", &len);
	assert_int_equal(cfg_len(&c, b, len, "alice@mail.example"), PACC_OK);
	/* IMAP first, whatever the member order */
	assert_int_equal(c->nservers, 2);
	host_srv(&c->servers[0], PACC_PROTO_IMAP, "imap.mail.example", 143,
	    PACC_TLS_STARTTLS, "alice.i.wonder", PW);
	host_srv(&c->servers[1], PACC_PROTO_SMTP, "outbound.mail.example", 587,
	    PACC_TLS_STARTTLS, "alice.i.wonder", PW);
	assert_null(c->oauth_issuer);
	assert_string_equal(why, "ok");
	pacc__config_free(c);
	free(b);
}

static void
test_config_fields(void **state)
{
	struct pacc__config *c;

	(void)state;
	/* defaults: implicit TLS on the default port, the full address */
	c = cfg_must(
	    "{\"imap\":{\"host\":\"I.Example.COM.\"},"
	    "\"pop3\":{\"host\":\"p.example.com\"},"
	    "\"smtp\":{\"host\":\"s.example.com\",\"login-required\":false}}");
	assert_int_equal(c->nservers, 3);
	host_srv(&c->servers[0], PACC_PROTO_IMAP, "i.example.com", 993,
	    PACC_TLS_IMPLICIT, NULL, PW);
	host_srv(&c->servers[1], PACC_PROTO_POP3, "p.example.com", 995,
	    PACC_TLS_IMPLICIT, NULL, PW);
	host_srv(&c->servers[2], PACC_PROTO_SMTP, "s.example.com", 465,
	    PACC_TLS_IMPLICIT, NULL, 0);
	pacc__config_free(c);
	/* transport without port, port without transport */
	c = cfg_must(
	    "{\"imap\":{\"host\":\"i.example.com\",\"transport\":"
	    "\"STARTTLS\"},\"pop3\":{\"host\":\"p.example.com\",\"port\":110},"
	    "\"smtp\":{\"host\":\"s.example.com\",\"port\":2525}}");
	host_srv(&c->servers[0], PACC_PROTO_IMAP, "i.example.com", 143,
	    PACC_TLS_STARTTLS, NULL, PW);
	host_srv(&c->servers[1], PACC_PROTO_POP3, "p.example.com", 110,
	    PACC_TLS_STARTTLS, NULL, PW);
	host_srv(&c->servers[2], PACC_PROTO_SMTP, "s.example.com", 2525,
	    PACC_TLS_IMPLICIT, NULL, PW);
	pacc__config_free(c);
	c = cfg_must(
	    "{\"imap\":{\"host\":\"i.example.com\",\"transport\":"
	    "\"tls\",\"port\":1993},\"smtp\":{\"host\":\"s.example.com\","
	    "\"transport\":\"ssl\"}}");
	host_srv(&c->servers[0], PACC_PROTO_IMAP, "i.example.com", 1993,
	    PACC_TLS_IMPLICIT, NULL, PW);
	host_srv(&c->servers[1], PACC_PROTO_SMTP, "s.example.com", 465,
	    PACC_TLS_IMPLICIT, NULL, PW);
	pacc__config_free(c);
	/* the account's own address is the default login */
	c = cfg_must("{\"address\":\"Alice.W@Example.COM\",\"imap\":{\"host\":"
		     "\"i.example.com\"},\"smtp\":{\"host\":\"s.example.com\","
		     "\"login\":\"aw\"}}");
	assert_string_equal(c->servers[0].username, "Alice.W@example.com");
	assert_string_equal(c->servers[1].username, "aw");
	pacc__config_free(c);
	c = cfg_must("{\"address\":\"alice@EXAMPLE.com\",\"imap\":{\"host\":"
		     "\"i.example.com\"}}");
	assert_null(c->servers[0].username);
	pacc__config_free(c);
	c = cfg_must("{\"address\":\"not an address\",\"imap\":{\"host\":"
		     "\"i.example.com\",\"login\":\"\"}}");
	assert_null(c->servers[0].username);
	pacc__config_free(c);
	/* unknown members and protocols are ignored */
	c = cfg_must("{\"jmap\":{\"url\":\"https://j.example.com/\"},"
		     "\"x\":[1,{}],\"smtp\":{\"host\":\"s.example.com\"}}");
	assert_int_equal(c->nservers, 1);
	pacc__config_free(c);
}

static void
test_config_bad(void **state)
{
	static const char *const bad[] = {
		"{\"imap\":\"i.example.com\"}",
		"{\"imap\":{}}",
		"{\"imap\":{\"host\":5}}",
		"{\"imap\":{\"host\":\"i_x.example.com\"}}",
		"{\"imap\":{\"host\":\"192.0.2.1\"}}",
		"{\"imap\":{\"host\":\"i.example.com:993\"}}",
		"{\"imap\":{\"host\":\"i.example.com\",\"port\":0}}",
		"{\"imap\":{\"host\":\"i.example.com\",\"port\":65536}}",
		"{\"imap\":{\"host\":\"i.example.com\",\"port\":\"993\"}}",
		"{\"imap\":{\"host\":\"i.example.com\",\"port\":993.0}}",
		"{\"imap\":{\"host\":\"i.example.com\",\"port\":-993}}",
		"{\"imap\":{\"host\":\"i.example.com\","
		"\"transport\":\"none\"}}",
		"{\"imap\":{\"host\":\"i.example.com\","
		"\"transport\":\"plain\"}}",
		"{\"imap\":{\"host\":\"i.example.com\","
		"\"transport\":\"tls1.3\"}}",
		"{\"imap\":{\"host\":\"i.example.com\",\"transport\":true}}",
		"{\"imap\":{\"host\":\"i.example.com\",\"login\":\"a\\tb\"}}",
		"{\"imap\":{\"host\":\"i.example.com\","
		"\"login\":\"a\\u009bb\"}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cfg_fail(bad[i], "no usable server: \"imap\"");
	cfg_fail("{}", "not a mail configuration");
	cfg_fail("{\"address\":\"alice@example.com\"}",
	    "not a mail configuration");
	cfg_fail("[]", "not a JSON object");
	cfg_fail("", "not valid JSON");
	cfg_fail("{\"imap\":{\"host\":\"a.example.com\",\"host\":"
		 "\"b.example.com\"}}",
	    "duplicate");
}

static void
test_config_delegates(void **state)
{
	struct pacc__config *c;

	(void)state;
	/* a PACC document behind the link: fmt_pacc_json.c reads it */
	c = cfg_must("{\"protocols\":{\"imap\":{\"host\":\"i.example.com\"},"
		     "\"jmap\":{\"url\":\"https://j.example.com/s\"}},"
		     "\"authentication\":{\"password\":true}}");
	assert_int_equal(c->format, PACC__FMT_CURRENT);
	assert_int_equal(c->nservers, 2);
	assert_int_equal(c->servers[0].proto, PACC_PROTO_JMAP);
	pacc__config_free(c);
	c = cfg_must("{\"servers\":{\"imap\":{\"url\":\"imaps://i.example."
		     "net\"}},\"imap\":{\"host\":\"ignored.example.com\"}}");
	assert_int_equal(c->format, PACC__FMT_EARLIER);
	assert_string_equal(c->servers[0].host, "i.example.net");
	pacc__config_free(c);
	cfg_fail("{\"protocols\":[]}", "not an object");
}

static void
test_config_truncated(void **state)
{
	struct pacc__config *c;
	unsigned char *b;
	size_t len;

	(void)state;
	b = load("webfinger/draft-example-config.json", &len);
	while (len > 0 && (b[len - 1] == '\n' || b[len - 1] == ' '))
		len--;
	for (size_t k = 0; k < len; k++) {
		unsigned char *copy = malloc(k + 1);

		memcpy(copy, b, k);
		c = (struct pacc__config *)1;
		assert_int_equal(cfg_len(&c, copy, k, ADDR), PACC_EFORMAT);
		assert_null(c);
		free(copy);
	}
	free(b);
	assert_int_equal(pacc__webfinger_config_parse(NULL, (const void *)"{}",
			     2, ADDR, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(
	    pacc__webfinger_config_parse(&c, NULL, 2, ADDR, NULL, 0),
	    PACC_EINVAL);
}

/* ---- out of memory ---- */

static int
parse_jrd_fixture(void *ud)
{
	struct pacc__wf_link *l = NULL;
	unsigned char *b;
	size_t len, n = 0;
	int rc;

	b = load(ud, &len);
	rc = pacc__webfinger_parse(&l, &n, b, len, ADDR, NULL, 0);
	if (rc != PACC_OK)
		assert_null(l);
	pacc__webfinger_links_free(l, n);
	free(b);
	return rc;
}

static int
parse_cfg_fixture(void *ud)
{
	struct pacc__config *c = NULL;
	unsigned char *b;
	size_t len;
	int rc;

	b = load(ud, &len);
	rc = pacc__webfinger_config_parse(&c, b, len, "alice@mail.example",
	    NULL, 0);
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
	enomem_sweep(parse_jrd_fixture, "webfinger/jrd-mixed.json");
	enomem_sweep(parse_jrd_fixture,
	    "webfinger/draft-example-jrd-fixed.json");
	enomem_sweep(parse_cfg_fixture, "webfinger/draft-example-config.json");
	enomem_sweep(parse_cfg_fixture, "pacc/current-full.json");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft_example_jrd),
		cmocka_unit_test(test_mixed_jrd),
		cmocka_unit_test(test_titles),
		cmocka_unit_test(test_hrefs),
		cmocka_unit_test(test_jrd_shapes),
		cmocka_unit_test(test_jrd_bytes),
		cmocka_unit_test(test_draft_example_config),
		cmocka_unit_test(test_config_fields),
		cmocka_unit_test(test_config_bad),
		cmocka_unit_test(test_config_delegates),
		cmocka_unit_test(test_config_truncated),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
