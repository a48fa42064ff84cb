/* SPDX-License-Identifier: MIT */
/* fmt_autodiscover_xml.c: Microsoft Autodiscover v1 (POX) for Outlook. */
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

#define ENOMEM_SWEEP_DONE_OK(rc) ((rc) == PACC_OK || (rc) == PACC_ENOTFOUND)
#include "alloc_fail.h"

#define ADDR "alice@example.com"
#define IMPL PACC_TLS_IMPLICIT
#define STLS PACC_TLS_STARTTLS

static char why[256];

static unsigned char *
load(const char *name, size_t *len)
{
	const char *dir = getenv("PACC_TEST_DATA");
	char path[1024];
	unsigned char *b;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/autodiscover/%s",
	    dir ? dir : "tests/data", name);
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
parse_len(struct pacc__autodiscover *a, const void *doc, size_t len)
{
	why[0] = '\0';
	return pacc__autodiscover_parse(a, doc, len, ADDR, why, sizeof(why));
}

static void
assert_cleared(const struct pacc__autodiscover *a)
{
	assert_null(a->cfg);
	assert_null(a->redirect_addr);
	assert_null(a->redirect_url);
	assert_null(a->error);
}

static int
parse_file(struct pacc__autodiscover *a, const char *name)
{
	unsigned char *b;
	size_t n;
	int rc;

	b = load(name, &n);
	rc = parse_len(a, b, n);
	free(b);
	return rc;
}

/* A response with one Account around `inner`. */
static const char *
resp(char *buf, size_t size, const char *inner)
{
	snprintf(buf, size,
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
	    "autodiscover/responseschema/2006\"><Response xmlns=\"http://"
	    "schemas.microsoft.com/exchange/autodiscover/outlook/"
	    "responseschema/2006a\"><Account><AccountType>email</AccountType>"
	    "<Action>settings</Action>%s</Account></Response></Autodiscover>",
	    inner);
	return buf;
}

static void
must_fail(const char *doc, const char *why_part)
{
	struct pacc__autodiscover a;
	int rc = parse_len(&a, doc, strlen(doc));

	if (rc != PACC_EFORMAT)
		fail_msg("rc %d (%s) for %s", rc, why, doc);
	assert_cleared(&a);
	if (why_part != NULL && strstr(why, why_part) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", why, why_part);
}

static void
host_srv(const struct pacc_server *s, pacc_protocol p, const char *host,
    unsigned port, pacc_tls_mode tls, const char *user)
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
	assert_int_equal(s->auth, PACC_AUTH_PASSWORD);
}

/* ---- the request ---- */

static void
test_request(void **state)
{
	static const char want[] =
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
	    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
	    "autodiscover/outlook/requestschema/2006\">\r\n"
	    "  <Request>\r\n"
	    "    <EMailAddress>alice@example.com</EMailAddress>\r\n"
	    "    <AcceptableResponseSchema>http://schemas.microsoft.com/"
	    "exchange/autodiscover/outlook/responseschema/2006a"
	    "</AcceptableResponseSchema>\r\n"
	    "  </Request>\r\n"
	    "</Autodiscover>\r\n";
	struct pacc__xml_node *root = NULL;
	const struct pacc__xml_node *req;
	char *body = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(pacc__autodiscover_request(&body, &len, ADDR),
	    PACC_OK);
	assert_string_equal(body, want);
	assert_int_equal(len, strlen(want));
	pacc__free(body);
	/* XML specials are escaped, UTF-8 passes; the result is well-formed
	 * and says the same address */
	{
		static const char tricky[] = "\"a&b<c>'d\"@b\xc3\xbc"
					     "cher.example";

		assert_int_equal(
		    pacc__autodiscover_request(&body, &len, tricky), PACC_OK);
		assert_non_null(strstr(body,
		    "<EMailAddress>&quot;a&amp;b&lt;"
		    "c&gt;&apos;d&quot;@b\xc3\xbc"
		    "cher.example"
		    "</EMailAddress>"));
		assert_int_equal(pacc__xml_parse(&root,
				     (const unsigned char *)body, len, why,
				     sizeof(why)),
		    PACC_OK);
		assert_string_equal(root->name, "Autodiscover");
		assert_string_equal(root->ns,
		    "http://schemas.microsoft.com/"
		    "exchange/autodiscover/outlook/requestschema/2006");
		req = pacc__xml_child(root, "Request");
		assert_string_equal(pacc__xml_child_text(req, "EMailAddress"),
		    tricky);
		assert_string_equal(
		    pacc__xml_child_text(req, "AcceptableResponseSchema"),
		    "http://schemas.microsoft."
		    "com/exchange/autodiscover/outlook/responseschema/2006a");
		pacc__xml_free(root);
		pacc__free(body);
	}
	/* text XML cannot carry, or that is not ours to send */
	{
		static const char *const bad[] = {
			"",
			"a\x01@example.com",
			"a\n@example.com",
			"a\x7f@example.com",
			"\xff@example.com",
			"\xc0\xae@example.com",
			"\xed\xa0\x80@example.com",
			"a\xc2\x85@example.com",
		};
		char big[1100];

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			body = (char *)1;
			assert_int_equal(
			    pacc__autodiscover_request(&body, &len, bad[i]),
			    PACC_EINVAL);
			assert_null(body);
		}
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(pacc__autodiscover_request(&body, &len, big),
		    PACC_EINVAL);
		assert_int_equal(pacc__autodiscover_request(&body, &len, NULL),
		    PACC_EINVAL);
		assert_int_equal(pacc__autodiscover_request(NULL, &len, ADDR),
		    PACC_EINVAL);
		assert_int_equal(pacc__autodiscover_request(&body, NULL, ADDR),
		    PACC_EINVAL);
	}
}

/* ---- responses ---- */

static void
test_settings(void **state)
{
	struct pacc__autodiscover a;
	const struct pacc__config *c;

	(void)state;
	assert_int_equal(parse_file(&a, "settings.xml"), PACC_OK);
	assert_null(a.redirect_addr);
	assert_null(a.redirect_url);
	assert_null(a.error);
	c = a.cfg;
	assert_non_null(c);
	/* POP3 is listed first: document order; EXCH and WEB ignored; the
	 * SSL off entry is skipped (never plain text) */
	assert_int_equal(c->nservers, 3);
	host_srv(&c->servers[0], PACC_PROTO_POP3, "pop.example.com", 995, IMPL,
	    "alice");
	host_srv(&c->servers[1], PACC_PROTO_IMAP, "imap.example.com", 993, IMPL,
	    NULL);
	host_srv(&c->servers[2], PACC_PROTO_SMTP, "smtp.example.com", 587, STLS,
	    NULL);
	assert_non_null(strstr(why, "no encryption"));
	pacc__autodiscover_clear(&a);
	assert_cleared(&a);
	pacc__autodiscover_clear(&a); /* twice is fine */
	pacc__autodiscover_clear(NULL);
}

static void
test_prefixed(void **state)
{
	struct pacc__autodiscover a;

	(void)state;
	assert_int_equal(parse_file(&a, "prefixed.xml"), PACC_OK);
	assert_int_equal(a.cfg->nservers, 2);
	host_srv(&a.cfg->servers[0], PACC_PROTO_IMAP, "imap.example.net", 143,
	    STLS, NULL);
	host_srv(&a.cfg->servers[1], PACC_PROTO_SMTP, "smtp.example.net", 465,
	    IMPL, NULL);
	assert_string_equal(why, "ok");
	pacc__autodiscover_clear(&a);
}

static void
test_tls_table(void **state)
{
	static const struct {
		const char *ssl, *enc, *port;
		int tls; /* -1: skipped */
		unsigned want_port;
	} cases[] = {
		/* SSL on or absent: the port decides */
		{ NULL, NULL, "993", IMPL, 993 },
		{ "on", NULL, "993", IMPL, 993 },
		{ "ON", NULL, "995", IMPL, 995 },
		{ "on", NULL, "465", IMPL, 465 },
		{ "on", NULL, "143", STLS, 143 },
		{ "on", NULL, "110", STLS, 110 },
		{ "on", NULL, "587", STLS, 587 },
		{ "on", NULL, "25", STLS, 25 },
		{ "on", NULL, "1993", IMPL, 1993 },
		{ NULL, NULL, NULL, IMPL, 993 },
		{ "on", NULL, NULL, IMPL, 993 },
		/* Encryption overrides SSL */
		{ "off", "SSL", "993", IMPL, 993 },
		{ "off", "TLS", "143", STLS, 143 },
		{ NULL, "tls", "587", STLS, 587 },
		{ "on", "None", "993", -1, 0 },
		{ NULL, "Auto", "143", STLS, 143 },
		{ NULL, "Auto", "993", IMPL, 993 },
		{ NULL, "Auto", NULL, IMPL, 993 },
		{ "on", "SSL/TLS", "993", -1, 0 },
		{ NULL, "", "993", -1, 0 },
		/* never plain text */
		{ "off", NULL, "143", -1, 0 },
		{ "off", NULL, "993", -1, 0 },
		{ "Off", NULL, NULL, -1, 0 },
		{ "yes", NULL, "993", -1, 0 },
		{ "", NULL, "993", -1, 0 },
	};
	char doc[2048], inner[512];
	struct pacc__autodiscover a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int k = snprintf(inner, sizeof(inner),
		    "<Protocol><Type>IMAP"
		    "</Type><Server>imap.example.com</Server>");

		if (cases[i].port)
			k += snprintf(inner + k, sizeof(inner) - (size_t)k,
			    "<Port>%s</Port>", cases[i].port);
		if (cases[i].ssl)
			k += snprintf(inner + k, sizeof(inner) - (size_t)k,
			    "<SSL>%s</SSL>", cases[i].ssl);
		if (cases[i].enc)
			k += snprintf(inner + k, sizeof(inner) - (size_t)k,
			    "<Encryption>%s</Encryption>", cases[i].enc);
		snprintf(inner + k, sizeof(inner) - (size_t)k, "</Protocol>");
		resp(doc, sizeof(doc), inner);
		if (cases[i].tls < 0) {
			must_fail(doc, "no usable server");
			continue;
		}
		if (parse_len(&a, doc, strlen(doc)) != PACC_OK)
			fail_msg("case %zu: %s", i, why);
		assert_int_equal(a.cfg->nservers, 1);
		host_srv(&a.cfg->servers[0], PACC_PROTO_IMAP,
		    "imap.example.com", cases[i].want_port,
		    (pacc_tls_mode)cases[i].tls, NULL);
		pacc__autodiscover_clear(&a);
	}
	/* default ports per protocol */
	resp(doc, sizeof(doc),
	    "<Protocol><Type>pop3</Type><Server>p.example."
	    "com</Server></Protocol><Protocol><Type>Smtp</Type><Server>"
	    "s.example.com</Server></Protocol>");
	assert_int_equal(parse_len(&a, doc, strlen(doc)), PACC_OK);
	host_srv(&a.cfg->servers[0], PACC_PROTO_POP3, "p.example.com", 995,
	    IMPL, NULL);
	host_srv(&a.cfg->servers[1], PACC_PROTO_SMTP, "s.example.com", 465,
	    IMPL, NULL);
	pacc__autodiscover_clear(&a);
}

static void
test_bad_protocols(void **state)
{
	static const char *const bad[] = {
		"<Protocol><Type>IMAP</Type></Protocol>",
		"<Protocol><Type>IMAP</Type><Server></Server></Protocol>",
		"<Protocol><Type>IMAP</Type><Server>imap_x.example.com</Server>"
		"</Protocol>",
		"<Protocol><Type>IMAP</Type><Server>192.0.2.1</Server>"
		"</Protocol>",
		"<Protocol><Type>IMAP</Type><Server>imap.example.com:993"
		"</Server></Protocol>",
		"<Protocol><Type>IMAP</Type><Server>https://imap.example.com/"
		"</Server></Protocol>",
		"<Protocol><Type>IMAP</Type><Server>imap.example.com</Server>"
		"<Port>0</Port></Protocol>",
		"<Protocol><Type>IMAP</Type><Server>imap.example.com</Server>"
		"<Port>65536</Port></Protocol>",
		"<Protocol><Type>IMAP</Type><Server>imap.example.com</Server>"
		"<Port></Port></Protocol>",
		"<Protocol><Type>IMAP</Type><Server>imap.example.com</Server>"
		"<Port>99a</Port></Protocol>",
		"<Protocol><Type>IMAP</Type><Server>imap.example.com</Server>"
		"<LoginName>a&#9;b</LoginName></Protocol>",
		"<Protocol><Type>IMAP</Type><Server>imap.example.com</Server>"
		"<LoginName>a&#x9b;b</LoginName></Protocol>",
	};
	static const char *const ignored[] = {
		"",
		"<Protocol><Type>EXCH</Type><Server>mbx.example.com</Server>"
		"</Protocol>",
		"<Protocol><Type>EXPR</Type><Server>mail.example.com</Server>"
		"</Protocol><Protocol><Type>WEB</Type></Protocol>",
		"<Protocol><Server>imap.example.com</Server></Protocol>",
		"<Protocol><Type>IMAP4</Type><Server>imap.example.com</Server>"
		"</Protocol>",
	};
	char doc[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		must_fail(resp(doc, sizeof(doc), bad[i]),
		    "no usable server: "
		    "<Protocol> (line 1)");
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		must_fail(resp(doc, sizeof(doc), ignored[i]),
		    "no IMAP, POP3 or SMTP settings");
	/* a LoginName of 256 bytes is fine, 257 not */
	{
		char user[300], inner[600];
		struct pacc__autodiscover a;

		memset(user, 'u', 257);
		user[257] = '\0';
		snprintf(inner, sizeof(inner),
		    "<Protocol><Type>IMAP</Type>"
		    "<Server>i.example.com</Server><LoginName>%s</LoginName>"
		    "</Protocol>",
		    user);
		must_fail(resp(doc, sizeof(doc), inner), "LoginName");
		user[256] = '\0';
		snprintf(inner, sizeof(inner),
		    "<Protocol><Type>IMAP</Type>"
		    "<Server>i.example.com</Server><LoginName>%s</LoginName>"
		    "</Protocol>",
		    user);
		resp(doc, sizeof(doc), inner);
		assert_int_equal(parse_len(&a, doc, strlen(doc)), PACC_OK);
		assert_string_equal(a.cfg->servers[0].username, user);
		pacc__autodiscover_clear(&a);
	}
}

static void
test_order(void **state)
{
	char doc[4096];
	struct pacc__autodiscover a;

	(void)state;
	/* IMAP first: IMAPs, then POP3, then SMTP */
	resp(doc, sizeof(doc),
	    "<Protocol><Type>SMTP</Type><Server>s.example.com</Server>"
	    "</Protocol>"
	    "<Protocol><Type>IMAP</Type><Server>i1.example.com</Server>"
	    "</Protocol>"
	    "<Protocol><Type>POP3</Type><Server>p1.example.com</Server>"
	    "</Protocol>"
	    "<Protocol><Type>IMAP</Type><Server>i2.example.com</Server>"
	    "</Protocol>");
	assert_int_equal(parse_len(&a, doc, strlen(doc)), PACC_OK);
	assert_int_equal(a.cfg->nservers, 4);
	assert_string_equal(a.cfg->servers[0].host, "i1.example.com");
	assert_string_equal(a.cfg->servers[1].host, "i2.example.com");
	assert_string_equal(a.cfg->servers[2].host, "p1.example.com");
	assert_string_equal(a.cfg->servers[3].host, "s.example.com");
	pacc__autodiscover_clear(&a);
	/* Accounts with another Action contribute no servers */
	snprintf(doc, sizeof(doc),
	    "<Autodiscover><Response><Account>"
	    "<Action>redirectUrl</Action><RedirectUrl>https://r.example/x"
	    "</RedirectUrl><Protocol><Type>IMAP</Type><Server>x.example.com"
	    "</Server></Protocol></Account><Account><Protocol><Type>IMAP"
	    "</Type><Server>y.example.com</Server></Protocol></Account>"
	    "</Response></Autodiscover>");
	assert_int_equal(parse_len(&a, doc, strlen(doc)), PACC_OK);
	assert_string_equal(a.redirect_url, "https://r.example/x");
	assert_int_equal(a.cfg->nservers, 1);
	assert_string_equal(a.cfg->servers[0].host, "y.example.com");
	pacc__autodiscover_clear(&a);
}

static void
test_redirects(void **state)
{
	static const struct {
		const char *action, *elem, *value, *why;
	} bad[] = {
		{ "redirectAddr", "RedirectAddr", "not-an-address",
		    "is not a valid address" },
		{ "redirectAddr", "RedirectAddr", "a@b@example.com",
		    "is not a valid address" },
		{ "redirectAddr", "RedirectAddr", "alice@localhost",
		    "is not a valid address" },
		{ "redirectAddr", "RedirectAddr", "",
		    "without a RedirectAddr" },
		{ "redirectAddr", "Other", "bob@example.org",
		    "without a RedirectAddr" },
		{ "redirectAddr", "RedirectAddr", ADDR, "redirect loop" },
		{ "redirectAddr", "RedirectAddr", " alice@EXAMPLE.com ",
		    "redirect loop" },
		{ "redirectUrl", "RedirectUrl", "http://a.example/x",
		    "not a valid https URL" },
		{ "redirectUrl", "RedirectUrl", "https://u@a.example/x",
		    "not a valid https URL" },
		{ "redirectUrl", "RedirectUrl", "https://a.example/x y",
		    "not a valid https URL" },
		{ "redirectUrl", "RedirectUrl", "", "without a RedirectUrl" },
	};
	struct pacc__autodiscover a;
	char doc[2048];

	(void)state;
	assert_int_equal(parse_file(&a, "redirect-addr.xml"), PACC_OK);
	assert_string_equal(a.redirect_addr, "alice@contoso.example");
	assert_null(a.redirect_url);
	assert_null(a.cfg);
	pacc__autodiscover_clear(&a);
	assert_int_equal(parse_file(&a, "redirect-url.xml"), PACC_OK);
	assert_string_equal(a.redirect_url,
	    "https://autodiscover.contoso."
	    "example/autodiscover/autodiscover.xml");
	assert_null(a.redirect_addr);
	pacc__autodiscover_clear(&a);
	/* an IDN target comes back in A-label form */
	snprintf(doc, sizeof(doc),
	    "<Autodiscover><Response><Account><Action>"
	    "redirectAddr</Action><RedirectAddr>bob@B\xc3\xbc"
	    "cher.example"
	    "</RedirectAddr></Account></Response></Autodiscover>");
	assert_int_equal(parse_len(&a, doc, strlen(doc)), PACC_OK);
	assert_string_equal(a.redirect_addr, "bob@xn--bcher-kva.example");
	pacc__autodiscover_clear(&a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc),
		    "<Autodiscover><Response><Account>"
		    "<Action>%s</Action><%s>%s</%s></Account></Response>"
		    "</Autodiscover>",
		    bad[i].action, bad[i].elem, bad[i].value, bad[i].elem);
		must_fail(doc, bad[i].why);
	}
}

static void
test_error(void **state)
{
	struct pacc__autodiscover a;
	char doc[4096], msg[400];

	(void)state;
	assert_int_equal(parse_file(&a, "error.xml"), PACC_ENOTFOUND);
	assert_null(a.cfg);
	assert_string_equal(a.error, "600: Invalid Request");
	assert_non_null(strstr(why,
	    "Autodiscover error: 600: Invalid "
	    "Request"));
	pacc__autodiscover_clear(&a);
	/* controls become U+FFFD; long messages are cut */
	snprintf(doc, sizeof(doc),
	    "<Autodiscover><Response><Error><ErrorCode>"
	    "500</ErrorCode><Message>bad&#10;line&#x9b;[31m</Message></Error>"
	    "</Response></Autodiscover>");
	assert_int_equal(parse_len(&a, doc, strlen(doc)), PACC_ENOTFOUND);
	assert_string_equal(a.error,
	    "500: bad\xef\xbf\xbdline\xef\xbf\xbd"
	    "[31m");
	pacc__autodiscover_clear(&a);
	memset(msg, 'm', 300);
	msg[300] = '\0';
	snprintf(doc, sizeof(doc),
	    "<Autodiscover><Response><Account><Error>"
	    "<Message>%s</Message></Error></Account></Response>"
	    "</Autodiscover>",
	    msg);
	assert_int_equal(parse_len(&a, doc, strlen(doc)), PACC_ENOTFOUND);
	assert_int_equal(strlen(a.error), 200);
	pacc__autodiscover_clear(&a);
	snprintf(doc, sizeof(doc),
	    "<Autodiscover><Response><Error/>"
	    "</Response></Autodiscover>");
	assert_int_equal(parse_len(&a, doc, strlen(doc)), PACC_ENOTFOUND);
	assert_string_equal(a.error, "(no message)");
	pacc__autodiscover_clear(&a);
	/* servers win over an error */
	resp(doc, sizeof(doc),
	    "<Error><Message>x</Message></Error><Protocol>"
	    "<Type>IMAP</Type><Server>i.example.com</Server></Protocol>");
	assert_int_equal(parse_len(&a, doc, strlen(doc)), PACC_OK);
	assert_non_null(a.cfg);
	assert_string_equal(a.error, "x");
	pacc__autodiscover_clear(&a);
}

static void
test_structure(void **state)
{
	struct pacc__autodiscover a;
	unsigned char *b;
	size_t n;

	(void)state;
	must_fail("<html><body>Not found</body></html>",
	    "root element is <html>");
	must_fail("<autodiscover><Response/></autodiscover>",
	    "root element is <autodiscover>");
	must_fail("<Autodiscover/>", "no <Response>");
	must_fail("<Autodiscover><Account/></Autodiscover>", "no <Response>");
	must_fail("<Autodiscover><Response/></Autodiscover>",
	    "no IMAP, POP3 or SMTP settings");
	must_fail("", "no element found");
	must_fail("{\"error\":1}", "not well-formed");
	must_fail("<Autodiscover><Response></Autodiscover>", "mismatched");
	must_fail("<x:Autodiscover/>", "unbound prefix");
	must_fail("<Autodiscover>&ent;</Autodiscover>", "undefined entity");
	/* UTF-16 (with a BOM) is XML too; IIS has been seen sending it */
	{
		static const char ascii[] =
		    "<?xml version=\"1.0\" encoding="
		    "\"utf-16\"?><Autodiscover><Response><Account><Protocol>"
		    "<Type>IMAP</Type><Server>i.example.com</Server>"
		    "</Protocol></Account></Response></Autodiscover>";
		unsigned char u16[2 * sizeof(ascii) + 2];

		u16[0] = 0xff;
		u16[1] = 0xfe;
		for (size_t i = 0; i < sizeof(ascii) - 1; i++) {
			u16[2 + 2 * i] = (unsigned char)ascii[i];
			u16[3 + 2 * i] = 0;
		}
		assert_int_equal(parse_len(&a, u16, 2 * sizeof(ascii)),
		    PACC_OK);
		assert_string_equal(a.cfg->servers[0].host, "i.example.com");
		pacc__autodiscover_clear(&a);
	}
	b = load("doctype.xml", &n);
	assert_int_equal(parse_len(&a, b, n), PACC_EFORMAT);
	assert_cleared(&a);
	assert_non_null(strstr(why, "DOCTYPE"));
	free(b);
}

static void
test_truncated(void **state)
{
	static const char *const files[] = {
		"settings.xml",
		"redirect-addr.xml",
		"error.xml",
	};
	struct pacc__autodiscover a;
	unsigned char *b, *copy;
	size_t n;

	(void)state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		b = load(files[f], &n);
		while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == ' '))
			n--;
		for (size_t len = 0; len < n; len++) {
			copy = malloc(len + 1);
			memcpy(copy, b, len);
			assert_int_equal(parse_len(&a, copy, len),
			    PACC_EFORMAT);
			assert_cleared(&a);
			free(copy);
		}
		free(b);
	}
}

static void
test_args(void **state)
{
	struct pacc__autodiscover a;
	const char *doc = "<Autodiscover><Response/></Autodiscover>";

	(void)state;
	assert_int_equal(pacc__autodiscover_parse(NULL, (const void *)doc,
			     strlen(doc), ADDR, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__autodiscover_parse(&a, NULL, 3, ADDR, NULL, 0),
	    PACC_EINVAL);
	assert_cleared(&a);
	assert_int_equal(pacc__autodiscover_parse(&a, (const void *)doc,
			     strlen(doc), NULL, NULL, 0),
	    PACC_EINVAL);
	assert_int_equal(pacc__autodiscover_parse(&a, (const void *)doc,
			     strlen(doc), ADDR, NULL, 0),
	    PACC_EFORMAT);
	assert_cleared(&a);
}

static int
parse_fixture(void *ud)
{
	struct pacc__autodiscover a;
	const char *name = ud;
	unsigned char *b;
	size_t n;
	int rc;

	b = load(name, &n);
	rc = pacc__autodiscover_parse(&a, b, n, ADDR, NULL, 0);
	if (rc != PACC_OK && rc != PACC_ENOTFOUND)
		assert_cleared(&a);
	pacc__autodiscover_clear(&a);
	free(b);
	return rc;
}

static int
request_once(void *ud)
{
	char *body = NULL;
	size_t len;
	int rc;

	(void)ud;
	rc = pacc__autodiscover_request(&body, &len, ADDR);
	if (rc != PACC_OK)
		assert_null(body);
	pacc__free(body);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(parse_fixture, "settings.xml");
	enomem_sweep(parse_fixture, "redirect-addr.xml");
	enomem_sweep(parse_fixture, "redirect-url.xml");
	enomem_sweep(parse_fixture, "error.xml");
	enomem_sweep(request_once, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_prefixed),
		cmocka_unit_test(test_tls_table),
		cmocka_unit_test(test_bad_protocols),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
