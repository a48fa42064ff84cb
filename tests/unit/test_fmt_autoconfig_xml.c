/* SPDX-License-Identifier: MIT */
/* fmt_autoconfig_xml.c (and xml.c): Mozilla clientConfig, the ISPDB. */
#include <dirent.h>
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
#include "xml.h"

#include "alloc_fail.h"

#define ADDR "alice@example.com"
#define BOTH (PACC_AUTH_PASSWORD | PACC_AUTH_OAUTH2)
#define PW PACC_AUTH_PASSWORD
#define OA PACC_AUTH_OAUTH2
#define IMPL PACC_TLS_IMPLICIT
#define STLS PACC_TLS_STARTTLS

static char why[256];
static size_t nplain;

static unsigned char *
load_path(const char *path, size_t *len)
{
	unsigned char *b;
	FILE *f;
	long n;

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

/* Fixtures live under $PACC_TEST_DATA (default tests/data). */
static unsigned char *
load(const char *name, size_t *len)
{
	const char *dir = getenv("PACC_TEST_DATA");
	char path[1024];

	snprintf(path, sizeof(path), "%s/autoconfig/%s",
	    dir ? dir : "tests/data", name);
	return load_path(path, len);
}

static int
parse_opts(struct pacc__config **c, const void *doc, size_t len,
    const char *addr, bool allow_plain)
{
	why[0] = '\0';
	nplain = 99;
	return pacc__autoconfig_parse(c, doc, len, addr, allow_plain, &nplain,
	    why, sizeof(why));
}

static struct pacc__config *
must_addr(const char *doc, const char *addr, bool allow_plain)
{
	struct pacc__config *c = NULL;
	int rc = parse_opts(&c, doc, strlen(doc), addr, allow_plain);

	if (rc != PACC_OK)
		fail_msg("rc %d: %s\n%s", rc, why, doc);
	assert_non_null(c);
	assert_true(c->nservers >= 1);
	return c;
}

static struct pacc__config *
must(const char *doc)
{
	return must_addr(doc, ADDR, false);
}

static void
must_fail(const char *doc, const char *why_part)
{
	struct pacc__config *c = (struct pacc__config *)1;
	int rc = parse_opts(&c, doc, strlen(doc), ADDR, false);

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
	assert_null(s->verify_basis);
}

/* A document around some entries of <emailProvider>. */
static const char *
doc_of(char *buf, size_t size, const char *inner)
{
	snprintf(buf, size,
	    "<?xml version=\"1.0\"?>\n<clientConfig "
	    "version=\"1.1\"><emailProvider id=\"example.com\">%s"
	    "</emailProvider></clientConfig>",
	    inner);
	return buf;
}

/* One server entry. */
static const char *
server(char *buf, size_t size, const char *kind, const char *type,
    const char *host, const char *port, const char *sock, const char *user,
    const char *auth)
{
	snprintf(buf, size,
	    "<%sServer type=\"%s\"><hostname>%s</hostname>"
	    "<port>%s</port><socketType>%s</socketType>%s%s%s"
	    "<authentication>%s</authentication></%sServer>",
	    kind, type, host, port, sock, user ? "<username>" : "",
	    user ? user : "", user ? "</username>" : "", auth, kind);
	return buf;
}

#define IMAP_OK                                                                \
	"<incomingServer type=\"imap\"><hostname>i.example.com"                \
	"</hostname><port>993</port><socketType>SSL</socketType>"              \
	"<authentication>password-cleartext</authentication></incomingServer>"

static void
test_fixture_full(void **state)
{
	struct pacc__config *c = NULL;
	unsigned char *b;
	size_t n;

	(void)state;
	b = load("full.xml", &n);
	assert_int_equal(parse_opts(&c, b, n, ADDR, false), PACC_OK);
	/* the document lists POP3 first: its order stands */
	assert_int_equal(c->nservers, 7);
	host_srv(&c->servers[0], PACC_PROTO_POP3, "pop.example.com", 995, IMPL,
	    "alice", PW);
	host_srv(&c->servers[1], PACC_PROTO_IMAP, "imap.example.com", 993, IMPL,
	    NULL, BOTH);
	host_srv(&c->servers[2], PACC_PROTO_IMAP, "imap.example.com", 143, STLS,
	    "alice.example.com", PW);
	/* no <username>: the first incoming server's */
	host_srv(&c->servers[3], PACC_PROTO_SMTP, "smtp.example.com", 465, IMPL,
	    "alice", OA);
	host_srv(&c->servers[4], PACC_PROTO_SMTP, "smtp.example.com", 587, STLS,
	    NULL, PW);
	assert_int_equal(c->servers[5].proto, PACC_PROTO_CALDAV);
	assert_string_equal(c->servers[5].url, "https://dav.example.com/cal/");
	assert_null(c->servers[5].host);
	assert_null(c->servers[5].username);
	assert_int_equal(c->servers[5].auth, OA);
	assert_int_equal(c->servers[6].proto, PACC_PROTO_CARDDAV);
	assert_string_equal(c->servers[6].url,
	    "https://dav.example.com/card/alice@example.com/");
	assert_int_equal(c->servers[6].auth, PW);
	assert_int_equal(nplain, 1);
	assert_non_null(strstr(why, "plain"));
	assert_string_equal(c->provider_name, "Example Mail & More");
	assert_string_equal(c->provider_short, "Example");
	assert_string_equal(c->help_url, "https://help.example.com/mail");
	assert_string_equal(c->oauth_issuer, "https://login.example.com/");
	pacc__config_free(c);
	/* with plain allowed, the plain IMAP entry is there, after IMAP */
	assert_int_equal(parse_opts(&c, b, n, ADDR, true), PACC_OK);
	assert_int_equal(c->nservers, 8);
	host_srv(&c->servers[3], PACC_PROTO_IMAP, "imap.example.com", 143,
	    PACC_TLS_NONE, NULL, PW);
	assert_int_equal(nplain, 0);
	assert_string_equal(why, "ok");
	pacc__config_free(c);
	free(b);
}

static void
test_latin1(void **state)
{
	struct pacc__config *c = NULL;
	unsigned char *b;
	size_t n;

	(void)state;
	b = load("latin1.xml", &n);
	assert_int_equal(parse_opts(&c, b, n, "bob@example.de", false),
	    PACC_OK);
	/* expat hands out UTF-8 whatever the document's encoding */
	assert_string_equal(c->provider_name,
	    "B\xc3\xbc"
	    "cher Mail");
	assert_null(c->servers[0].username);
	pacc__config_free(c);
	free(b);
}

static void
test_order(void **state)
{
	char doc[4096], a[512], b[512], d[512], e[2048];
	struct pacc__config *c;

	(void)state;
	/* IMAP before POP3 when the document starts with IMAP */
	snprintf(e, sizeof(e), "%s%s%s",
	    server(a, sizeof(a), "incoming", "imap", "i1.example.com", "993",
		"SSL", NULL, "password-cleartext"),
	    server(b, sizeof(b), "incoming", "pop3", "p1.example.com", "995",
		"SSL", NULL, "password-cleartext"),
	    server(d, sizeof(d), "incoming", "imap", "i2.example.com", "993",
		"SSL", NULL, "password-cleartext"));
	snprintf(doc, sizeof(doc),
	    "<clientConfig><emailProvider>"
	    "<outgoingServer type=\"smtp\"><hostname>s.example.com</hostname>"
	    "<port>465</port><socketType>SSL</socketType><authentication>"
	    "password-cleartext</authentication></outgoingServer>%s"
	    "</emailProvider></clientConfig>",
	    e);
	c = must(doc);
	assert_int_equal(c->nservers, 4);
	assert_string_equal(c->servers[0].host, "i1.example.com");
	assert_string_equal(c->servers[1].host, "i2.example.com");
	assert_string_equal(c->servers[2].host, "p1.example.com");
	/* outgoing after incoming whatever the document order */
	assert_string_equal(c->servers[3].host, "s.example.com");
	pacc__config_free(c);
	/* POP3 first (after an ignored type): document order kept */
	snprintf(e, sizeof(e), "<incomingServer type=\"ews\"/>%s%s%s",
	    server(a, sizeof(a), "incoming", "pop3", "p1.example.com", "995",
		"SSL", NULL, "password-cleartext"),
	    server(b, sizeof(b), "incoming", "imap", "i1.example.com", "993",
		"SSL", NULL, "password-cleartext"),
	    server(d, sizeof(d), "incoming", "pop3", "p2.example.com", "995",
		"SSL", NULL, "password-cleartext"));
	c = must(doc_of(doc, sizeof(doc), e));
	assert_int_equal(c->nservers, 3);
	assert_string_equal(c->servers[0].host, "p1.example.com");
	assert_string_equal(c->servers[1].host, "i1.example.com");
	assert_string_equal(c->servers[2].host, "p2.example.com");
	pacc__config_free(c);
}

static void
test_socket_types(void **state)
{
	static const struct {
		const char *sock;
		int tls; /* -1 skipped */
	} cases[] = {
		{ "SSL", PACC_TLS_IMPLICIT },
		{ "ssl", PACC_TLS_IMPLICIT },
		{ " SSL\n", PACC_TLS_IMPLICIT },
		{ "STARTTLS", PACC_TLS_STARTTLS },
		{ "StartTLS", PACC_TLS_STARTTLS },
		{ "TLS", -1 },
		{ "", -1 },
		{ "SSL STARTTLS", -1 },
		{ "plain", -2 },
		{ "PLAIN", -2 },
	};
	char doc[4096], a[512], b[1024];
	struct pacc__config *c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(b, sizeof(b), "%s%s",
		    server(a, sizeof(a), "incoming", "imap", "imap.example.com",
			"993", cases[i].sock, NULL, "password-cleartext"),
		    IMAP_OK);
		c = must(doc_of(doc, sizeof(doc), b));
		if (cases[i].tls >= 0) {
			assert_int_equal(c->nservers, 2);
			assert_int_equal(c->servers[0].tls, cases[i].tls);
			assert_int_equal(nplain, 0);
		} else {
			assert_int_equal(c->nservers, 1);
			assert_string_equal(c->servers[0].host,
			    "i.example.com");
			assert_int_equal(nplain, cases[i].tls == -2);
			assert_non_null(strstr(why, "socketType"));
		}
		pacc__config_free(c);
		/* alone */
		doc_of(doc, sizeof(doc), a);
		if (cases[i].tls >= 0) {
			pacc__config_free(must(doc));
		} else {
			must_fail(doc, "no usable server");
			assert_int_equal(nplain, cases[i].tls == -2);
		}
	}
	/* plain allowed: kept as tls none; plain and broken: not counted */
	c = must_addr(
	    doc_of(doc, sizeof(doc),
		server(a, sizeof(a), "incoming", "pop3", "pop.example.com",
		    "110", "plain", NULL, "password-cleartext")),
	    ADDR, true);
	assert_int_equal(c->servers[0].tls, PACC_TLS_NONE);
	pacc__config_free(c);
	must_fail(
	    doc_of(doc, sizeof(doc),
		server(a, sizeof(a), "incoming", "pop3", "pop.example.com", "0",
		    "plain", NULL, "password-cleartext")),
	    "port");
	assert_int_equal(nplain, 0);
}

static void
test_placeholders(void **state)
{
	static const struct {
		const char *addr, *host, *user, *want_host, *want_user;
	} ok[] = {
		{ ADDR, "%EMAILDOMAIN%", "%EMAILADDRESS%", "example.com",
		    NULL },
		{ ADDR, "mail.%EMAILDOMAIN%", "%EMAILLOCALPART%",
		    "mail.example.com", "alice" },
		{ "Bob@Sub.Example.org", "imap.%EMAILDOMAIN%",
		    "%EMAILLOCALPART%.%EMAILDOMAIN%", "imap.sub.example.org",
		    "Bob.Sub.Example.org" },
		/* every occurrence, not only the first */
		{ ADDR, "x.example.com", "%EMAILLOCALPART%+%EMAILLOCALPART%",
		    "x.example.com", "alice+alice" },
		/* a '%' in the address is data, never a placeholder */
		{ "a%EMAILDOMAIN%b@example.com", "x.example.com",
		    "%EMAILLOCALPART%", "x.example.com", "a%EMAILDOMAIN%b" },
		{ ADDR, "x.example.com", "", "x.example.com", NULL },
		{ ADDR, "x.example.com", "alice@example.com", "x.example.com",
		    NULL },
		{ ADDR, "x.example.com",
		    "B\xc3\xbc"
		    "cher",
		    "x.example.com",
		    "B\xc3\xbc"
		    "cher" },
		{ "\xc3\xa9lise@xn--bcher-kva.example", "imap.%EMAILDOMAIN%",
		    "%EMAILADDRESS%", "imap.xn--bcher-kva.example", NULL },
	};
	static const char *const bad_user[] = {
		"%EMAILADDRESS", /* office365.com.xml */
		"%emailaddress%",
		"%REALNAME%",
		"100%",
		"%",
		"%%",
		"%EMAILLOCALPART",
		"a&#9;b",
		"a&#x85;b",
		"a&#10;b",
	};
	static const char *const bad_host[] = {
		"%EMAILADDRESS%",
		"%EMAILDOMAIN",
		"imap.%DOMAIN%",
		"imap_1.example.com",
		"imap example.com",
		"192.0.2.1",
		"[2001:db8::1]",
		"imap.example.com:993",
		"b\xc3\xbc"
		"cher.example",
		"-imap.example.com",
		"imap..example.com",
		".",
		"",
		"imap.example.com..",
	};
	char doc[8192], a[4096];
	struct pacc__config *c;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		c = must_addr(
		    doc_of(doc, sizeof(doc),
			server(a, sizeof(a), "incoming", "imap", ok[i].host,
			    "993", "SSL", ok[i].user, "password-cleartext")),
		    ok[i].addr, false);
		host_srv(&c->servers[0], PACC_PROTO_IMAP, ok[i].want_host, 993,
		    IMPL, ok[i].want_user, PW);
		pacc__config_free(c);
	}
	for (size_t i = 0; i < sizeof(bad_user) / sizeof(bad_user[0]); i++) {
		doc_of(doc, sizeof(doc),
		    server(a, sizeof(a), "incoming", "imap", "imap.example.com",
			"993", "SSL", bad_user[i], "password-cleartext"));
		must_fail(doc, "username");
	}
	for (size_t i = 0; i < sizeof(bad_host) / sizeof(bad_host[0]); i++) {
		doc_of(doc, sizeof(doc),
		    server(a, sizeof(a), "incoming", "imap", bad_host[i], "993",
			"SSL", NULL, "password-cleartext"));
		must_fail(doc, "hostname");
	}
	/* a username too long after substitution */
	{
		char user[300];

		memset(user, 'u', 257);
		user[257] = '\0';
		doc_of(doc, sizeof(doc),
		    server(a, sizeof(a), "incoming", "imap", "imap.example.com",
			"993", "SSL", user, "password-cleartext"));
		must_fail(doc, "longer than 256");
		user[256] = '\0';
		doc_of(doc, sizeof(doc),
		    server(a, sizeof(a), "incoming", "imap", "imap.example.com",
			"993", "SSL", user, "password-cleartext"));
		c = must(doc);
		assert_int_equal(strlen(c->servers[0].username), 256);
		pacc__config_free(c);
	}
	/* a host of 253 octets after substitution passes, 254 does not */
	for (size_t extra = 0; extra < 2; extra++) {
		char host[300];
		size_t k = 0;

		for (int l = 0; l < 3; l++) {
			memset(host + k, 'a', 63);
			k += 63;
			host[k++] = '.';
		}
		memset(host + k, 'b', 50 + extra);
		k += 50 + extra;
		strcpy(host + k, "%EMAILDOMAIN%");
		doc_of(doc, sizeof(doc),
		    server(a, sizeof(a), "incoming", "imap", host, "993", "SSL",
			NULL, "password-cleartext"));
		if (extra == 0) {
			c = must(doc);
			assert_int_equal(strlen(c->servers[0].host), 253);
			pacc__config_free(c);
		} else {
			must_fail(doc, "hostname");
		}
	}
}

static void
test_dav(void **state)
{
	char doc[4096];
	struct pacc__config *c;

	(void)state;
	/* the address is percent-encoded into a URL path */
	snprintf(doc, sizeof(doc),
	    "<clientConfig><emailProvider>%s"
	    "<calendar type=\"caldav\"><authentication>http-basic"
	    "</authentication><serverURL>https://dav.example.com/"
	    "%%EMAILADDRESS%%/cal?x</serverURL></calendar>"
	    "</emailProvider></clientConfig>",
	    IMAP_OK);
	c = must_addr(doc, "a/b?c#d%e@example.com", false);
	assert_int_equal(c->nservers, 2);
	assert_string_equal(c->servers[1].url,
	    "https://dav.example.com/a%2Fb%3Fc%23d%25e@example.com/cal?x");
	pacc__config_free(c);
	c = must_addr(doc, "\xc3\xa9@example.com", false);
	assert_string_equal(c->servers[1].url,
	    "https://dav.example.com/%C3%A9@example.com/cal?x");
	pacc__config_free(c);
	/* bad ones are skipped; the document needs another server */
	{
		static const char *const bad[] = {
			"<calendar type=\"caldav\"><authentication>http-basic"
			"</authentication><serverURL>http://dav.example.com/"
			"</serverURL></calendar>",
			"<calendar type=\"caldav\"><authentication>http-basic"
			"</authentication></calendar>",
			"<calendar "
			"type=\"caldav\"><serverURL>https://d.example."
			"com/</serverURL></calendar>",
			"<addressBook type=\"carddav\"><authentication>basic"
			"</authentication><serverURL>https://d.example.com/"
			"</serverURL></addressBook>",
			"<addressBook><authentication>http-basic</"
			"authentication>"
			"<url>https://user@d.example.com/</url></addressBook>",
			"<addressBook><authentication>http-basic</"
			"authentication>"
			"<url>https://d.example.com/%USER%/</url></"
			"addressBook>",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(doc, sizeof(doc),
			    "<clientConfig>"
			    "<emailProvider>%s</emailProvider></clientConfig>",
			    bad[i]);
			must_fail(doc, "no usable server");
		}
	}
	/* a calendar of another type is ignored, not an error */
	must_fail("<clientConfig><emailProvider><calendar type=\"ical\">"
		  "<url>https://d.example.com/</url><authentication>http-basic"
		  "</authentication></calendar></emailProvider></clientConfig>",
	    "types pacc does not use");
}

static void
test_ports(void **state)
{
	static const char *const bad[] = {
		"0",
		"65536",
		"99999",
		"100000",
		"-1",
		"+993",
		"99x",
		"",
		"9 93",
		"0x3e1",
		"993.0",
		"&#x39;&#x39;3a",
	};
	static const struct {
		const char *s;
		unsigned v;
	} good[] = {
		{ "1", 1 },
		{ "65535", 65535 },
		{ " 993 ", 993 },
		{ "0993", 993 },
		{ "&#x39;&#x39;3", 993 },
	};
	char doc[2048], a[1024];
	struct pacc__config *c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		must_fail(doc_of(doc, sizeof(doc),
			      server(a, sizeof(a), "incoming", "imap",
				  "i.example.com", bad[i], "SSL", NULL,
				  "password-cleartext")),
		    "port");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		c = must(doc_of(doc, sizeof(doc),
		    server(a, sizeof(a), "incoming", "imap", "i.example.com",
			good[i].s, "SSL", NULL, "password-cleartext")));
		assert_int_equal(c->servers[0].port, good[i].v);
		pacc__config_free(c);
	}
	/* no <port> at all */
	must_fail(
	    "<clientConfig><emailProvider><incomingServer type=\"imap\">"
	    "<hostname>i.example.com</hostname><socketType>SSL</socketType>"
	    "<authentication>password-cleartext</authentication>"
	    "</incomingServer></emailProvider></clientConfig>",
	    "port");
}

static void
test_auth(void **state)
{
	static const struct {
		const char *auth; /* inner XML of the entry */
		unsigned bits;
	} cases[] = {
		{ "<authentication>password-cleartext</authentication>", PW },
		{ "<authentication>password-encrypted</authentication>", PW },
		{ "<authentication>plain</authentication>", PW },
		{ "<authentication>secure</authentication>", PW },
		{ "<authentication>OAuth2</authentication>", OA },
		{ "<authentication>oauth2</authentication>", OA },
		{ "<authentication>OAuth2</authentication><authentication>"
		  "password-cleartext</authentication>",
		    BOTH },
		{ "<authentication>NTLM</authentication><authentication>"
		  "password-encrypted</authentication>",
		    PW },
		{ "<authentication>GSSAPI</authentication><authentication>"
		  "OAuth2</authentication>",
		    OA },
		{ "<authentication>none</authentication>", 0 },
		{ "<authentication>NTLM</authentication>", 0 },
		{ "<authentication>client-IP-address</authentication>", 0 },
		{ "<authentication>TLS-client-cert</authentication>", 0 },
		{ "<authentication>smtp-after-pop</authentication>", 0 },
		{ "<authentication></authentication>", 0 },
		{ "<authentication>basic</authentication>", 0 },
		{ "", 0 },
	};
	char doc[2048];
	struct pacc__config *c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(doc, sizeof(doc),
		    "<clientConfig><emailProvider>"
		    "<outgoingServer type=\"smtp\"><hostname>s.example.com"
		    "</hostname><port>465</port><socketType>SSL</socketType>"
		    "%s</outgoingServer></emailProvider></clientConfig>",
		    cases[i].auth);
		if (cases[i].bits == 0) {
			must_fail(doc, "authentication");
			continue;
		}
		c = must(doc);
		assert_int_equal(c->servers[0].auth, cases[i].bits);
		pacc__config_free(c);
	}
}

static void
test_provider(void **state)
{
	char doc[4096], name[256], sname[128];
	struct pacc__config *c;

	(void)state;
	name[0] = sname[0] = '\0';
	for (int i = 0; i < 60; i++)
		strcat(name, "\xc3\x9f");
	for (int i = 0; i < 20; i++)
		strcat(sname, "\xc3\x9f");
	snprintf(doc, sizeof(doc),
	    "<clientConfig><emailProvider>"
	    "<displayName>%s</displayName><displayShortName>%s"
	    "</displayShortName>%s</emailProvider></clientConfig>",
	    name, sname, IMAP_OK);
	c = must(doc);
	assert_string_equal(c->provider_name, name);
	assert_string_equal(c->provider_short, sname);
	assert_null(c->help_url);
	assert_null(c->oauth_issuer);
	pacc__config_free(c);
	/* one code point more: dropped, not truncated */
	snprintf(doc, sizeof(doc),
	    "<clientConfig><emailProvider>"
	    "<displayName>%sx</displayName><displayShortName>%sx"
	    "</displayShortName>%s</emailProvider></clientConfig>",
	    name, sname, IMAP_OK);
	c = must(doc);
	assert_null(c->provider_name);
	assert_null(c->provider_short);
	pacc__config_free(c);
	/* bidi override, control, empty: dropped; nili.ca's misspelling */
	c = must("<clientConfig><emailProvider><displayName>evil\xe2\x80\xae"
		 "gnp.exe</displayName><displayNameShort>Nili</"
		 "displayNameShort>" IMAP_OK "</emailProvider></clientConfig>");
	assert_null(c->provider_name);
	assert_string_equal(c->provider_short, "Nili");
	pacc__config_free(c);
	c = must("<clientConfig><emailProvider><displayName>a&#9;b"
		 "</displayName><displayShortName></displayShortName>" IMAP_OK
		 "</emailProvider></clientConfig>");
	assert_null(c->provider_name);
	assert_null(c->provider_short);
	pacc__config_free(c);
	c = must("<clientConfig><emailProvider><displayName>a&#x85;b"
		 "</displayName>" IMAP_OK "</emailProvider></clientConfig>");
	assert_null(c->provider_name);
	pacc__config_free(c);
}

static void
test_issuer(void **state)
{
	static const struct {
		const char *issuer, *want;
	} cases[] = {
		{ "accounts.google.com", "https://accounts.google.com/" },
		{ "Login.Example.COM.", "https://login.example.com/" },
		{ "https://auth.example.com/realm",
		    "https://auth.example.com/realm" },
		{ "https://auth.example.com/?x", NULL },
		{ "https://auth.example.com/#x", NULL },
		{ "http://auth.example.com/", NULL },
		{ "auth example.com", NULL },
		{ "192.0.2.1", NULL },
		{ "", NULL },
	};
	char doc[2048];
	struct pacc__config *c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(doc, sizeof(doc),
		    "<clientConfig><emailProvider>%s"
		    "</emailProvider><oAuth2><issuer>%s</issuer></oAuth2>"
		    "</clientConfig>",
		    IMAP_OK, cases[i].issuer);
		c = must(doc);
		if (cases[i].want)
			assert_string_equal(c->oauth_issuer, cases[i].want);
		else
			assert_null(c->oauth_issuer);
		pacc__config_free(c);
	}
}

static void
test_structure(void **state)
{
	(void)state;
	must_fail("<clientconfig><emailProvider>" IMAP_OK "</emailProvider>"
		  "</clientconfig>",
	    "root element is <clientconfig>");
	must_fail("<html><body>404</body></html>", "root element is <html>");
	must_fail("<clientConfig/>", "no <emailProvider>");
	must_fail("<clientConfig><oAuth2/></clientConfig>",
	    "no <emailProvider>");
	must_fail("<clientConfig><emailProvider/></clientConfig>",
	    "lists no incoming or outgoing server");
	must_fail(
	    "<clientConfig><emailProvider><incomingServer "
	    "type=\"exchange\"><hostname>e.example.com</hostname>"
	    "</incomingServer><outgoingServer type=\"ews\"/></emailProvider>"
	    "</clientConfig>",
	    "types pacc does not use");
	/* servers outside <emailProvider> do not count */
	must_fail("<clientConfig><emailProvider/>" IMAP_OK "</clientConfig>",
	    "lists no");
	/* a namespace (or a prefix) changes nothing: local names count */
	pacc__config_free(
	    must("<clientConfig xmlns=\"urn:x\"><emailProvider>" IMAP_OK
		 "</emailProvider></clientConfig>"));
	pacc__config_free(must(
	    "<m:clientConfig xmlns:m=\"urn:x\">"
	    "<m:emailProvider><m:incomingServer m:type=\"imap\"><m:hostname>"
	    "i.example.com</m:hostname><m:port>993</m:port><m:socketType>SSL"
	    "</m:socketType><m:authentication>OAuth2</m:authentication>"
	    "</m:incomingServer></m:emailProvider></m:clientConfig>"));
	/* only the first emailProvider is read */
	must_fail("<clientConfig><emailProvider/><emailProvider>" IMAP_OK
		  "</emailProvider></clientConfig>",
	    "lists no");
}

static void
test_xml_hostile_fixtures(void **state)
{
	static const char *const files[] = {
		"billion-laughs.xml",
		"xxe.xml",
		"external-dtd.xml",
	};
	struct pacc__config *c;
	unsigned char *b;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		c = (struct pacc__config *)1;
		b = load(files[i], &n);
		assert_int_equal(parse_opts(&c, b, n, ADDR, false),
		    PACC_EFORMAT);
		assert_null(c);
		assert_non_null(strstr(why, "DOCTYPE"));
		free(b);
	}
}

static void
test_xml_hostile(void **state)
{
	(void)state;
	/* any DOCTYPE, even an empty one */
	must_fail("<!DOCTYPE clientConfig><clientConfig/>", "DOCTYPE");
	must_fail("<?xml version=\"1.0\"?>\n<!DOCTYPE clientConfig []>"
		  "<clientConfig/>",
	    "DOCTYPE declaration (line 2)");
	must_fail("<!DOCTYPE x PUBLIC \"-//x//y\" \"http://e.example/x.dtd\">"
		  "<clientConfig/>",
	    "DOCTYPE");
	/* entities: only the five predefined ones and character refs */
	must_fail("<clientConfig><emailProvider><displayName>&nbsp;"
		  "</displayName></emailProvider></clientConfig>",
	    "undefined entity");
	must_fail("<clientConfig>&lol;</clientConfig>", "undefined entity");
	must_fail("<clientConfig>&#0;</clientConfig>", "not well-formed");
	must_fail("<clientConfig>&#xD800;</clientConfig>", "not well-formed");
	must_fail("<clientConfig>&#x110000;</clientConfig>", "not well-formed");
	{
		struct pacc__config *c = must(
		    "<clientConfig><emailProvider>"
		    "<displayName>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;"
		    "</displayName>" IMAP_OK "</emailProvider>"
		    "</clientConfig>");

		assert_string_equal(c->provider_name, "<>&\"'AB");
		pacc__config_free(c);
	}
	/* not well-formed in assorted ways */
	must_fail("", "no element found");
	must_fail("   ", "no element found");
	must_fail("<clientConfig>", "not well-formed");
	must_fail("<clientConfig></clientconfig>", "mismatched tag");
	must_fail("<clientConfig/><clientConfig/>", "junk after");
	must_fail("<clientConfig a=\"1\" a=\"2\"/>", "duplicate attribute");
	must_fail("<p:clientConfig/>", "unbound prefix");
	must_fail("{\"protocols\":{}}", "not well-formed");
	must_fail("<?xml version=\"1.0\" encoding=\"x-klingon\"?>"
		  "<clientConfig/>",
	    "encoding");
	must_fail("<clientConfig>\xff</clientConfig>", "not well-formed");
	must_fail("<clientConfig>\xc0\xae</clientConfig>", "not well-formed");
	must_fail("<clientConfig>\xed\xa0\x80</clientConfig>",
	    "not well-formed");
	must_fail("<clientConfig>\x01</clientConfig>", "not well-formed");
}

static void
test_xml_limits(void **state)
{
	static char doc[200000];
	size_t n;

	(void)state;
	/* depth 32 is fine (then nothing usable), 33 is not */
	for (int depth = 30; depth <= 33; depth++) {
		n = (size_t)snprintf(doc, sizeof(doc),
		    "<clientConfig><emailProvider>");
		for (int i = 2; i < depth; i++)
			n += (size_t)snprintf(doc + n, sizeof(doc) - n, "<a>");
		for (int i = 2; i < depth; i++)
			n += (size_t)snprintf(doc + n, sizeof(doc) - n, "</a>");
		snprintf(doc + n, sizeof(doc) - n,
		    "</emailProvider></clientConfig>");
		must_fail(doc, depth <= 32 ? "lists no" : "deeper than 32");
	}
	/* elements: 4096 in all */
	n = (size_t)snprintf(doc, sizeof(doc), "<clientConfig><emailProvider>");
	for (int i = 0; i < 4094; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "<a/>");
	snprintf(doc + n, sizeof(doc) - n, "</emailProvider></clientConfig>");
	must_fail(doc, "lists no");
	snprintf(doc + n, sizeof(doc) - n,
	    "<a/></emailProvider></clientConfig>");
	must_fail(doc, "more than 4096 elements");
	/* attributes per element */
	n = (size_t)snprintf(doc, sizeof(doc), "<clientConfig");
	for (int i = 0; i < 16; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, " a%d=\"x\"",
		    i);
	snprintf(doc + n, sizeof(doc) - n, "/>");
	must_fail(doc, "no <emailProvider>");
	snprintf(doc + n, sizeof(doc) - n, " b=\"\"/>");
	must_fail(doc, "more than 16 attributes");
	/* text per element and attribute values */
	n = (size_t)snprintf(doc, sizeof(doc),
	    "<clientConfig><emailProvider><displayName>");
	memset(doc + n, 'x', 4096);
	snprintf(doc + n + 4096, sizeof(doc) - n - 4096,
	    "</displayName></emailProvider>"
	    "</clientConfig>");
	must_fail(doc, "lists no");
	snprintf(doc + n + 4096, sizeof(doc) - n - 4096,
	    "y</displayName></emailProvider>"
	    "</clientConfig>");
	must_fail(doc, "more than 4096 bytes of text");
	/* the same text in many tiny pieces (each entity is a callback) */
	n = (size_t)snprintf(doc, sizeof(doc), "<clientConfig><displayName>");
	for (int i = 0; i < 4097; i++)
		n += (size_t)snprintf(doc + n, sizeof(doc) - n, "&amp;");
	snprintf(doc + n, sizeof(doc) - n, "</displayName></clientConfig>");
	must_fail(doc, "more than 4096 bytes of text");
	n = (size_t)snprintf(doc, sizeof(doc), "<clientConfig u=\"");
	memset(doc + n, 'x', 4097);
	snprintf(doc + n + 4097, sizeof(doc) - n - 4097, "\"/>");
	must_fail(doc, "longer than 4096 bytes");
	/* white space between elements costs nothing */
	n = (size_t)snprintf(doc, sizeof(doc), "<clientConfig><emailProvider>");
	memset(doc + n, ' ', 60000);
	snprintf(doc + n + 60000, sizeof(doc) - n - 60000,
	    IMAP_OK "</emailProvider></clientConfig>");
	pacc__config_free(must(doc));
}

static void
test_size_and_bytes(void **state)
{
	static const char head[] = "<clientConfig><emailProvider>" IMAP_OK
				   "</emailProvider></clientConfig>";
	static const char nul[] = "<clientConfig><emailProvider>" IMAP_OK
				  "</emailProvider></clientConfig>\0junk";
	size_t max = PACC__XML_MAX_DOC;
	char *doc = malloc(max + 1), lim[64];
	struct pacc__config *c = NULL;

	(void)state;
	snprintf(lim, sizeof(lim), "larger than %zu bytes", max);
	memset(doc, ' ', max + 1);
	memcpy(doc, head, strlen(head));
	assert_int_equal(parse_opts(&c, doc, max, ADDR, false), PACC_OK);
	pacc__config_free(c);
	c = (struct pacc__config *)1;
	assert_int_equal(parse_opts(&c, doc, max + 1, ADDR, false),
	    PACC_EFORMAT);
	assert_null(c);
	assert_non_null(strstr(why, lim));
	/* the length counts, not a NUL */
	assert_int_equal(parse_opts(&c, nul, sizeof(nul) - 1, ADDR, false),
	    PACC_EFORMAT);
	assert_null(c);
	assert_int_equal(parse_opts(&c, nul, strlen(nul), ADDR, false),
	    PACC_OK);
	pacc__config_free(c);
	/* not NUL-terminated at all */
	memcpy(doc, head, strlen(head));
	assert_int_equal(parse_opts(&c, doc, strlen(head), ADDR, false),
	    PACC_OK);
	pacc__config_free(c);
	free(doc);
}

static void
test_truncated(void **state)
{
	struct pacc__config *c;
	unsigned char *b, *copy;
	size_t n;

	(void)state;
	b = load("full.xml", &n);
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == ' '))
		n--;
	/* every proper prefix: a clean EFORMAT, never a crash */
	for (size_t len = 0; len < n; len++) {
		copy = malloc(len + 1);
		memcpy(copy, b, len);
		c = (struct pacc__config *)1;
		assert_int_equal(parse_opts(&c, copy, len, ADDR, false),
		    PACC_EFORMAT);
		assert_null(c);
		assert_true(why[0] != '\0');
		free(copy);
	}
	free(b);
}

/* Random byte damage to a valid document: OK or EFORMAT, nothing else. */
static void
test_mutations(void **state)
{
	uint64_t x = 12345;
	unsigned char *b, *m;
	size_t n, nok = 0;

	(void)state;
	b = load("full.xml", &n);
	m = malloc(n);
	for (int round = 0; round < 3000; round++) {
		struct pacc__config *c = NULL;
		int k, rc;

		memcpy(m, b, n);
		for (k = 0; k < 1 + round % 4; k++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			m[(x >> 33) % n] = (unsigned char)(x >> 13);
		}
		rc = parse_opts(&c, m, n, ADDR, round % 2);
		assert_true(rc == PACC_OK || rc == PACC_EFORMAT);
		if (rc == PACC_OK) {
			assert_true(c->nservers >= 1);
			nok++;
		} else {
			assert_null(c);
			assert_true(why[0] != '\0');
		}
		pacc__config_free(c);
	}
	printf("  3000 damaged copies: %zu still parse\n", nok);
	free(m);
	free(b);
}

static void
test_many_servers(void **state)
{
	char *doc = malloc(65536), a[512];
	struct pacc__config *c;
	size_t n;

	(void)state;
	n = (size_t)sprintf(doc, "<clientConfig><emailProvider>");
	for (int i = 0; i < 40; i++) {
		char host[32];

		snprintf(host, sizeof(host), "i%d.example.com", i);
		n += (size_t)sprintf(doc + n, "%s",
		    server(a, sizeof(a), "incoming", "imap", host, "993", "SSL",
			NULL, "OAuth2"));
	}
	sprintf(doc + n, "</emailProvider></clientConfig>");
	c = must(doc);
	assert_int_equal(c->nservers, 32);
	assert_string_equal(c->servers[31].host, "i31.example.com");
	assert_non_null(strstr(why, "first 32"));
	pacc__config_free(c);
	free(doc);
}

static void
test_args(void **state)
{
	const char *doc = "<clientConfig><emailProvider>" IMAP_OK
			  "</emailProvider></clientConfig>";
	struct pacc__config *c = NULL;

	(void)state;
	assert_int_equal(pacc__autoconfig_parse(NULL, (const void *)doc,
			     strlen(doc), ADDR, false, NULL, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(
	    pacc__autoconfig_parse(&c, NULL, 5, ADDR, false, NULL, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__autoconfig_parse(&c, (const void *)doc,
			     strlen(doc), NULL, false, NULL, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__autoconfig_parse(&c, (const void *)doc,
			     strlen(doc), "no-at-sign", false, NULL, NULL, 0),
	    PACC_EINVAL);
	/* why and nplain may be NULL */
	assert_int_equal(pacc__autoconfig_parse(&c, (const void *)doc,
			     strlen(doc), ADDR, false, NULL, NULL, 0),
	    PACC_OK);
	pacc__config_free(c);
	assert_int_equal(pacc__autoconfig_parse(&c, NULL, 0, ADDR, false, NULL,
			     why, sizeof(why)),
	    PACC_EFORMAT);
	assert_null(c);
	/* a tiny why buffer is still a NUL-terminated string */
	{
		char small[8];

		assert_int_equal(pacc__autoconfig_parse(&c,
				     (const void *)"<x/>", 4, ADDR, false, NULL,
				     small, sizeof(small)),
		    PACC_EFORMAT);
		assert_int_equal(strlen(small), 7);
	}
}

/* ---- the real corpus: every ISPDB file ---- */

/*
 * The ISPDB copy lives outside the repository: $PACC_SHARED_DATA/ispdb,
 * by default ../shared/data beside the repository root, found from
 * $PACC_TEST_DATA (<root>/tests/data, as meson sets it) or from the
 * current directory (the root, for a standalone build).
 */
static void
ispdb_dir(char *buf, size_t size)
{
	const char *shared = getenv("PACC_SHARED_DATA");
	const char *data = getenv("PACC_TEST_DATA");

	if (shared != NULL)
		snprintf(buf, size, "%s/ispdb", shared);
	else if (data != NULL)
		snprintf(buf, size, "%s/../../../shared/data/ispdb", data);
	else
		snprintf(buf, size, "../shared/data/ispdb");
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
check_ispdb_file(const char *path, const char *name, size_t *ok,
    size_t *refused, size_t *plain_only, size_t *nserv)
{
	struct pacc__config *c = NULL;
	char addr[300];
	unsigned char *b;
	size_t n;
	int rc;

	snprintf(addr, sizeof(addr), "alice@%.*s", (int)(strlen(name) - 4),
	    name);
	b = load_path(path, &n);
	rc = parse_opts(&c, b, n, addr, false);
	if (rc == PACC_OK) {
		assert_true(c->nservers >= 1);
		for (size_t i = 0; i < c->nservers; i++) {
			const struct pacc_server *s = &c->servers[i];

			assert_true(s->auth != 0);
			assert_int_not_equal(s->tls, PACC_TLS_NONE);
			if (s->url == NULL) {
				assert_non_null(s->host);
				assert_true(s->port >= 1 && s->port <= 65535);
			}
		}
		(*ok)++;
		*nserv += c->nservers;
	} else {
		if (rc != PACC_EFORMAT)
			fail_msg("%s: rc %d (%s)", name, rc, why);
		assert_null(c);
		/* a specific reason, never a bare status */
		assert_non_null(strstr(why, "no usable server: "));
		(*refused)++;
		if (nplain > 0)
			(*plain_only)++;
		if (getenv("PACC_TEST_VERBOSE") != NULL)
			printf("  refused %s: %s\n", name, why);
	}
	pacc__config_free(c);
	/* with plain text allowed, every file must give servers */
	c = NULL;
	rc = parse_opts(&c, b, n, addr, true);
	if (rc != PACC_OK)
		fail_msg("%s with plain allowed: rc %d (%s)", name, rc, why);
	pacc__config_free(c);
	free(b);
}

static void
test_ispdb_corpus(void **state)
{
	char dir[1024], path[2048];
	size_t files = 0, ok = 0, refused = 0, plain_only = 0, nserv = 0;
	struct dirent *e;
	DIR *d;

	(void)state;
	ispdb_dir(dir, sizeof(dir));
	d = opendir(dir);
	if (d == NULL) {
		printf("  %s absent: corpus test skipped\n", dir);
		skip();
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!ends_with(e->d_name, ".xml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		check_ispdb_file(path, e->d_name, &ok, &refused, &plain_only,
		    &nserv);
		files++;
	}
	closedir(d);
	printf("  ISPDB %s: %zu files, %zu parsed (%zu servers), %zu refused "
	       "(%zu of them for plain-text servers)\n",
	    dir, files, ok, nserv, refused, plain_only);
	assert_true(files > 0);
	assert_int_equal(ok + refused, files);
}

/* Named files of the corpus whose irregularities SOURCE.md lists. */
static struct pacc__config *
ispdb(const char *file, const char *addr, bool allow_plain, int want_rc)
{
	char dir[1024], path[2048];
	struct pacc__config *c = NULL;
	unsigned char *b;
	size_t n;

	ispdb_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	b = load_path(path, &n);
	assert_int_equal(parse_opts(&c, b, n, addr, allow_plain), want_rc);
	free(b);
	return c;
}

static void
test_ispdb_known_files(void **state)
{
	char dir[1024];
	struct pacc__config *c;
	DIR *d;

	(void)state;
	ispdb_dir(dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL) {
		skip();
		return;
	}
	closedir(d);
	/* two authentication values per server, OAuth2 first */
	c = ispdb("googlemail.com.xml", "alice@gmail.com", false, PACC_OK);
	assert_int_equal(c->nservers, 3);
	host_srv(&c->servers[0], PACC_PROTO_IMAP, "imap.gmail.com", 993, IMPL,
	    NULL, BOTH);
	host_srv(&c->servers[1], PACC_PROTO_POP3, "pop.gmail.com", 995, IMPL,
	    NULL, BOTH);
	host_srv(&c->servers[2], PACC_PROTO_SMTP, "smtp.gmail.com", 465, IMPL,
	    NULL, BOTH);
	assert_string_equal(c->oauth_issuer, "https://accounts.google.com/");
	assert_string_equal(c->provider_name, "Google Mail");
	assert_string_equal(c->provider_short, "GMail");
	assert_null(c->help_url); /* only http:// documentation */
	pacc__config_free(c);
	/* ews/owa/graph/exchange ignored; "%EMAILADDRESS" entries among them */
	c = ispdb("office365.com.xml", "bob@contoso.onmicrosoft.com", false,
	    PACC_OK);
	assert_int_equal(c->nservers, 3);
	host_srv(&c->servers[0], PACC_PROTO_IMAP, "outlook.office365.com", 993,
	    IMPL, NULL, OA);
	host_srv(&c->servers[2], PACC_PROTO_SMTP, "smtp.office365.com", 587,
	    STLS, NULL, OA);
	assert_string_equal(c->oauth_issuer,
	    "https://login.microsoftonline.com/");
	pacc__config_free(c);
	/* POP3 on plain text only; SMTP "none": nothing usable by default */
	c = ispdb("kokuyou.ne.jp.xml", "taro@kokuyou.ne.jp", false,
	    PACC_EFORMAT);
	assert_null(c);
	assert_int_equal(nplain, 1);
	c = ispdb("kokuyou.ne.jp.xml", "taro@kokuyou.ne.jp", true, PACC_OK);
	assert_int_equal(c->nservers, 1);
	host_srv(&c->servers[0], PACC_PROTO_POP3, "mail.kokuyou.ne.jp", 110,
	    PACC_TLS_NONE, "taro", PW);
	assert_non_null(strstr(why, "no authentication"));
	pacc__config_free(c);
	/* outgoing without <username>: the incoming one's */
	c = ispdb("teol.net.xml", "ana@mtel.tel", false, PACC_OK);
	assert_int_equal(c->nservers, 3);
	assert_int_equal(c->servers[2].proto, PACC_PROTO_SMTP);
	assert_null(c->servers[2].username);
	pacc__config_free(c);
	c = ispdb("nili.ca.xml", "x@nili.ca", false, PACC_OK);
	assert_non_null(c->provider_short);
	pacc__config_free(c);
}

/* ---- out of memory ---- */

static int
parse_fixture(void *ud)
{
	struct pacc__config *c = NULL;
	const char *name = ud;
	unsigned char *b;
	size_t n;
	int rc;

	b = load(name, &n);
	rc = pacc__autoconfig_parse(&c, b, n, ADDR, true, NULL, NULL, 0);
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
	enomem_sweep(parse_fixture, "full.xml");
	enomem_sweep(parse_fixture, "latin1.xml");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_full),
		cmocka_unit_test(test_latin1),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_socket_types),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_dav),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_provider),
		cmocka_unit_test(test_issuer),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_xml_hostile_fixtures),
		cmocka_unit_test(test_xml_hostile),
		cmocka_unit_test(test_xml_limits),
		cmocka_unit_test(test_size_and_bytes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_many_servers),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_ispdb_corpus),
		cmocka_unit_test(test_ispdb_known_files),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
