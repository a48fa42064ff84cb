/* SPDX-License-Identifier: MIT */
/* provider.c, convert.c, diag.c: pacc publish / pacc convert support. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pacc/error.h"
#include "pacc/provider.h"

#include "alloc.h"
#include "fmt.h"

#define GOOD                                                                   \
	"{\n"                                                                  \
	"  \"protocols\": {\n"                                                 \
	"    \"imap\": { \"host\": \"imap.example.com\" },\n"                  \
	"    \"submit\": { \"host\": \"smtp.example.com\" },\n"                \
	"    \"jmap\": { \"url\": \"https://jmap.example.com/session\" },\n"   \
	"    \"caldav\": { \"url\": \"https://dav.example.com/cal/\" }\n"      \
	"  },\n"                                                               \
	"  \"authentication\": {\n"                                            \
	"    \"oauth-public\": { \"issuer\": \"https://auth.example.com/\" "   \
	"},\n"                                                                 \
	"    \"password\": true\n"                                             \
	"  },\n"                                                               \
	"  \"info\": { \"provider\": { \"name\": \"Example\", "                \
	"\"shortName\": \"Ex\" } }\n"                                          \
	"}\n"

static pacc_diags *
validate(const char *doc)
{
	pacc_diags *d = NULL;

	assert_int_equal(
	    pacc_document_validate(&d, (const unsigned char *)doc, strlen(doc)),
	    PACC_OK);
	assert_non_null(d);
	return d;
}

/* The first entry with that code (and path, unless NULL), or NULL. */
static const pacc_diag *
find_at(const pacc_diags *d, const char *code, const char *path)
{
	for (size_t i = 0; i < pacc_diags_count(d); i++) {
		const pacc_diag *e = pacc_diags_get(d, i);

		if (strcmp(e->code, code) == 0 &&
		    (path == NULL || strcmp(e->path, path) == 0))
			return e;
	}
	return NULL;
}

static const pacc_diag *
find(const pacc_diags *d, const char *code)
{
	return find_at(d, code, NULL);
}

static void
dump(const pacc_diags *d)
{
	for (size_t i = 0; i < pacc_diags_count(d); i++) {
		const pacc_diag *e = pacc_diags_get(d, i);

		fprintf(stderr, "  %d %s %s: %s\n", e->severity, e->code,
		    e->path, e->message);
	}
}

static void
test_valid(void **state)
{
	pacc_diags *d;

	(void)state;
	d = validate(GOOD);
	if (pacc_diags_count(d) != 0)
		dump(d);
	assert_int_equal(pacc_diags_count(d), 0);
	assert_null(pacc_diags_get(d, 0));
	pacc_diags_free(d);
	/* the smallest valid document: warnings only */
	d = validate("{\"protocols\":{\"imap\":{\"host\":\"i.example\"}},"
		     "\"info\":{\"provider\":{\"name\":\"M\"}}}");
	assert_int_equal(pacc_diags_count_severity(d, PACC_SEVERITY_ERROR), 0);
	assert_non_null(find(d, "no-authentication"));
	pacc_diags_free(d);
	pacc_diags_free(NULL);
	assert_int_equal(pacc_diags_count(NULL), 0);
}

static const struct {
	const char *doc, *code, *path;
	pacc_severity sev;
} bad[] = {
	{ "", "invalid-json", "", PACC_SEVERITY_ERROR },
	{ "{", "invalid-json", "", PACC_SEVERITY_ERROR },
	{ "\xef\xbb\xbf{}", "byte-order-mark", "", PACC_SEVERITY_ERROR },
	{ "[1]", "not-an-object", "", PACC_SEVERITY_ERROR },
	{ "{\"a\":1,\"a\":2}", "duplicate-member", "", PACC_SEVERITY_ERROR },
	{ "{\"info\":{\"provider\":{\"name\":\"X\"}}}", "missing-member",
	    "/protocols", PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{}}", "missing-member", "/info",
	    PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{}}", "no-protocols", "/protocols",
	    PACC_SEVERITY_ERROR },
	{ "{\"protocols\":[],\"info\":{}}", "wrong-type", "/protocols",
	    PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{\"imap\":{\"host\":\"i.example\"}},\"info\":{}}",
	    "missing-member", "/info/provider", PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{\"imap\":{\"host\":\"i.example:993\"}}}",
	    "host-invalid", "/protocols/imap/host", PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{\"imap\":{\"host\":\"b\xc3\xbc"
	  "cher.example\"}}}",
	    "host-not-a-label", "/protocols/imap/host", PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{\"imap\":{\"host\":\"192.0.2.1\"}}}",
	    "host-is-address", "/protocols/imap/host", PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{\"imap\":{\"host\":\"localhost\"}}}", "host-invalid",
	    "/protocols/imap/host", PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{\"imap\":{\"host\":7}}}", "wrong-type",
	    "/protocols/imap/host", PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{\"imap\":{\"url\":\"imaps://i.example\"}}}",
	    "earlier-draft-key", "/protocols/imap/url", PACC_SEVERITY_WARNING },
	{ "{\"protocols\":{\"imap\":{}}}", "missing-member", "/protocols/imap",
	    PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{\"jmap\":{\"url\":\"http://j.example/s\"}}}",
	    "url-not-https", "/protocols/jmap/url", PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{\"jmap\":{\"url\":\"https://u@j.example/s\"}}}",
	    "url-invalid", "/protocols/jmap/url", PACC_SEVERITY_ERROR },
	{ "{\"protocols\":{\"jmap\":{\"url\":\"https://j.example:8443/s\"}}}",
	    "url-has-port", "/protocols/jmap/url", PACC_SEVERITY_WARNING },
	{ "{\"protocols\":{\"caldav\":{\"url\":\"https://d.example/\"}}}",
	    "url-no-path", "/protocols/caldav/url", PACC_SEVERITY_WARNING },
	{ "{\"protocols\":{\"smtp\":{\"host\":\"s.example\"}}}", "smtp-key",
	    "/protocols/smtp", PACC_SEVERITY_WARNING },
	{ "{\"protocols\":{\"smtp\":{\"host\":\"s.example\"},"
	  "\"submit\":{\"host\":\"s.example\"}}}",
	    "smtp-and-submit", "/protocols/smtp", PACC_SEVERITY_WARNING },
	{ "{\"protocols\":{\"managesieve\":{\"host\":\"s.example\"}}}",
	    "managesieve-no-port", "/protocols/managesieve",
	    PACC_SEVERITY_WARNING },
	{ "{\"protocols\":{\"ews\":{\"url\":\"https://e.example/\"}}}",
	    "unknown-protocol", "/protocols/ews", PACC_SEVERITY_WARNING },
	{ "{\"servers\":{}}", "earlier-draft-key", "/servers",
	    PACC_SEVERITY_WARNING },
	{ "{\"x/y~z\":1}", "unknown-member", "/x~1y~0z",
	    PACC_SEVERITY_WARNING },
	{ "{\"authentication\":{\"password\":\"yes\"}}", "wrong-type",
	    "/authentication/password", PACC_SEVERITY_ERROR },
	{ "{\"authentication\":{\"oauth-public\":{}}}", "missing-member",
	    "/authentication/oauth-public", PACC_SEVERITY_ERROR },
	{ "{\"authentication\":{\"oauth-public\":{\"issuer\":"
	  "\"http://a.example/\"}}}",
	    "issuer-invalid", "/authentication/oauth-public/issuer",
	    PACC_SEVERITY_ERROR },
	{ "{\"authentication\":{\"oauth-public\":{\"issuer\":"
	  "\"https://a.example/x?y\"}}}",
	    "issuer-invalid", "/authentication/oauth-public/issuer",
	    PACC_SEVERITY_ERROR },
	{ "{\"authentication\":{\"oauth-public\":{\"issuer\":"
	  "\"https://a.example/a/./b\"}}}",
	    "issuer-invalid", "/authentication/oauth-public/issuer",
	    PACC_SEVERITY_ERROR },
	{ "{\"authentication\":{\"oauth-public\":{\"issuer\":"
	  "\"https://a.example/a/..\"}}}",
	    "issuer-invalid", "/authentication/oauth-public/issuer",
	    PACC_SEVERITY_ERROR },
	{ "{\"authentication\":{\"oauth-public\":{\"issuer\":"
	  "\"https://a.example/%7Euser\"}}}",
	    "issuer-invalid", "/authentication/oauth-public/issuer",
	    PACC_SEVERITY_ERROR },
	{ "{\"authentication\":{\"oauth-public\":{\"issuer\":"
	  "\"https://a.example/#f\"}}}",
	    "issuer-invalid", "/authentication/oauth-public/issuer",
	    PACC_SEVERITY_ERROR },
	{ "{\"authentication\":{\"oauth2\":{}}}", "earlier-draft-key",
	    "/authentication/oauth2", PACC_SEVERITY_WARNING },
	{ "{\"authentication\":{\"password\":false}}", "no-authentication",
	    "/authentication", PACC_SEVERITY_WARNING },
	{ "{\"info\":{\"provider\":{\"name\":\"\"}}}", "empty-text",
	    "/info/provider/name", PACC_SEVERITY_ERROR },
	{ "{\"info\":{\"provider\":{\"name\":\"a\\u202eb\"}}}",
	    "control-characters", "/info/provider/name", PACC_SEVERITY_ERROR },
	{ "{\"info\":{\"provider\":{\"shortName\":\"a\\ufffeb\"}}}",
	    "control-characters", "/info/provider/shortName",
	    PACC_SEVERITY_ERROR },
	{ "{\"info\":{\"provider\":{\"name\":"
	  "\"0123456789012345678901234567890123456789012345678901234567890\"}"
	  "}}",
	    "name-too-long", "/info/provider/name", PACC_SEVERITY_ERROR },
	{ "{\"info\":{\"provider\":{\"name\":"
	  "\"0123456789012345678901234567890\"}}}",
	    "name-long", "/info/provider/name", PACC_SEVERITY_WARNING },
	/* 13 code points of two bytes each: over 12, within 20 */
	{ "{\"info\":{\"provider\":{\"shortName\":"
	  "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}}}",
	    "short-name-long", "/info/provider/shortName",
	    PACC_SEVERITY_WARNING },
	{ "{\"info\":{\"provider\":{\"shortName\":"
	  "\"012345678901234567890\"}}}",
	    "short-name-too-long", "/info/provider/shortName",
	    PACC_SEVERITY_ERROR },
	{ "{\"info\":{\"provider\":{\"logo\":[{\"url\":\"http://l.example/"
	  "l.svg\"}]}}}",
	    "url-not-https", "/info/provider/logo/0/url", PACC_SEVERITY_ERROR },
	{ "{\"info\":{\"provider\":{\"logo\":[{\"mimetype\":\"x\"}]}}}",
	    "earlier-draft-key", "/info/provider/logo/0/mimetype",
	    PACC_SEVERITY_WARNING },
	{ "{\"info\":{\"help\":{\"contact\":\"mailto:a@b.example\"}}}",
	    "earlier-draft-key", "/info/help/contact", PACC_SEVERITY_WARNING },
	{ "{\"info\":{\"help\":{\"contact\":[\"ftp://x.example/\"]}}}",
	    "contact-scheme", "/info/help/contact/0", PACC_SEVERITY_WARNING },
	{ "{\"info\":{\"help\":{\"documentation\":\"http://x.example/\"}}}",
	    "url-not-https", "/info/help/documentation", PACC_SEVERITY_ERROR },
};

static void
test_findings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pacc_diags *d = validate(bad[i].doc);
		const pacc_diag *e = find_at(d, bad[i].code, bad[i].path);

		if (e == NULL || e->severity != bad[i].sev) {
			fprintf(stderr, "case %zu (%s): want %s at %s\n", i,
			    bad[i].doc, bad[i].code, bad[i].path);
			dump(d);
			fail();
		}
		assert_true(e->message[0] != '\0');
		pacc_diags_free(d);
	}
}

static void
test_too_large(void **state)
{
	size_t n = 70000;
	char *doc = malloc(n + 1);
	pacc_diags *d;

	(void)state;
	assert_non_null(doc);
	memset(doc, ' ', n);
	memcpy(doc, GOOD, strlen(GOOD));
	doc[n] = '\0';
	d = validate(doc);
	assert_non_null(find(d, "too-large"));
	pacc_diags_free(d);
	free(doc);
}

/* A document pacc discover would refuse is never called valid. */
static void
test_agrees_with_discovery(void **state)
{
	static const char *const docs[] = {
		GOOD,
		"{\"protocols\":{\"imap\":{\"host\":\"i.example\"}},"
		"\"info\":{\"provider\":{\"name\":\"M\"}}}",
		"{\"protocols\":{\"imap\":{\"host\":\"-i.example\"}},"
		"\"info\":{\"provider\":{\"name\":\"M\"}}}",
		"{\"protocols\":{\"ews\":{}},"
		"\"info\":{\"provider\":{\"name\":\"M\"}}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		pacc_diags *d = validate(docs[i]);
		struct pacc__config *c = NULL;
		char why[200];
		int rc = pacc__pacc_json_parse(&c,
		    (const unsigned char *)docs[i], strlen(docs[i]),
		    "a@example.com", why, sizeof(why));

		if (pacc_diags_count_severity(d, PACC_SEVERITY_ERROR) == 0)
			assert_int_equal(rc, PACC_OK);
		pacc__config_free(c);
		pacc_diags_free(d);
	}
}

static void
test_digest(void **state)
{
	static const char *const algs[] = { "sha256", "sha512", "sha3-512",
		"SHA256" };
	char *v = NULL;

	(void)state;
	assert_int_equal(pacc_digest_record(&v, NULL, 0, NULL), PACC_OK);
	assert_string_equal(v,
	    "v=UAAC1; a=sha256; "
	    "d=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	free(v);
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct pacc__uaac u;

		assert_int_equal(pacc_digest_record(&v,
				     (const unsigned char *)GOOD, strlen(GOOD),
				     algs[i]),
		    PACC_OK);
		/* what we print, discovery reads */
		assert_int_equal(pacc__uaac_parse(&u, v, strlen(v), NULL, 0),
		    PACC_OK);
		assert_int_equal(u.digest_len, i == 0 || i == 3 ? 32 : 64);
		free(v);
	}
	assert_int_equal(
	    pacc_digest_record(&v, (const unsigned char *)"x", 1, "md5"),
	    PACC_EUNSUPPORTED);
	assert_null(v);
	assert_int_equal(pacc_digest_record(NULL, NULL, 0, NULL), PACC_EINVAL);
	assert_int_equal(pacc_digest_record(&v, NULL, 1, NULL), PACC_EINVAL);
}

static void
test_domain(void **state)
{
	char *a = NULL;

	(void)state;
	assert_int_equal(pacc_domain_to_ascii(&a,
			     "B\xc3\xbc"
			     "cher.Example."),
	    PACC_OK);
	assert_string_equal(a, "xn--bcher-kva.example");
	free(a);
	assert_int_equal(pacc_domain_to_ascii(&a, "example"), PACC_EADDRESS);
	assert_null(a);
	assert_int_equal(pacc_domain_to_ascii(&a, "a..example"), PACC_EADDRESS);
	assert_int_equal(pacc_domain_to_ascii(&a, ""), PACC_EADDRESS);
	assert_int_equal(pacc_domain_to_ascii(&a, NULL), PACC_EINVAL);
}

#define XML                                                                    \
	"<?xml version=\"1.0\"?>\n"                                            \
	"<clientConfig version=\"1.1\">\n"                                     \
	" <emailProvider id=\"Example\">\n"                                    \
	"  <domain>example.com</domain><domain>example.net</domain>\n"         \
	"  <displayName>Example Mail</displayName>\n"                          \
	"  <displayShortName>Example</displayShortName>\n"                     \
	"  <incomingServer type=\"imap\"><hostname>imap.%EMAILDOMAIN%"         \
	"</hostname>"                                                          \
	"<port>143</port><socketType>STARTTLS</socketType>"                    \
	"<username>%EMAILADDRESS%</username>"                                  \
	"<authentication>password-cleartext</authentication>"                  \
	"</incomingServer>\n"                                                  \
	"  <incomingServer type=\"imap\"><hostname>imap.%EMAILDOMAIN%"         \
	"</hostname>"                                                          \
	"<port>993</port><socketType>SSL</socketType>"                         \
	"<username>%EMAILADDRESS%</username>"                                  \
	"<authentication>password-cleartext</authentication>"                  \
	"<authentication>NTLM</authentication></incomingServer>\n"             \
	"  <incomingServer type=\"pop3\"><hostname>pop.example.com"            \
	"</hostname>"                                                          \
	"<port>995</port><socketType>SSL</socketType>"                         \
	"<username>%EMAILLOCALPART%</username>"                                \
	"<authentication>password-cleartext</authentication>"                  \
	"<pop3><leaveMessagesOnServer>true</leaveMessagesOnServer></pop3>"     \
	"</incomingServer>\n"                                                  \
	"  <outgoingServer type=\"smtp\"><hostname>smtp.example.com"           \
	"</hostname>"                                                          \
	"<port>25</port><socketType>plain</socketType>"                        \
	"<authentication>none</authentication></outgoingServer>\n"             \
	"  <outgoingServer type=\"smtp\"><hostname>smtp.example.com"           \
	"</hostname>"                                                          \
	"<port>465</port><socketType>SSL</socketType>"                         \
	"<username>%EMAILADDRESS</username>"                                   \
	"<authentication>password-cleartext</authentication>"                  \
	"</outgoingServer>\n"                                                  \
	"  <documentation url=\"https://example.com/help\"><descr>100%"        \
	"</descr></documentation>\n"                                           \
	" </emailProvider>\n"                                                  \
	" <webMail><loginPage "                                                \
	"url=\"https://webmail.example.com/\"/></webMail>\n"                   \
	"</clientConfig>\n"

static void
test_xml_to_json(void **state)
{
	static const char *const codes[] = { "starttls-not-expressible",
		"auth-not-expressible", "username-not-address", "pop3-options",
		"socket-type-plain", "placeholder-malformed",
		"hostname-placeholder", "domain-list", "provider-id-mismatch",
		"element-not-expressible" };
	pacc_diags *r = NULL, *v = NULL;
	char *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(pacc_convert_xml_to_json(&out, &len, &r,
			     (const unsigned char *)XML, strlen(XML), NULL),
	    PACC_OK);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	assert_non_null(strstr(out,
	    "\"imap\": {\n      \"host\": "
	    "\"imap.example.com\""));
	assert_non_null(strstr(out, "\"pop3\""));
	assert_non_null(strstr(out, "\"submit\""));
	assert_non_null(strstr(out, "\"password\": true"));
	assert_non_null(strstr(out, "\"name\": \"Example Mail\""));
	assert_non_null(strstr(out,
	    "\"documentation\": "
	    "\"https://example.com/help\""));
	assert_null(strstr(out, "oauth"));
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		if (find(r, codes[i]) == NULL) {
			fprintf(stderr, "missing %s\n", codes[i]);
			dump(r);
			fail();
		}
	}
	assert_int_equal(pacc_diags_count_severity(r, PACC_SEVERITY_ERROR), 0);
	/* the prose '%' in <descr> is not a placeholder */
	for (size_t i = 0; i < pacc_diags_count(r); i++)
		assert_null(strstr(pacc_diags_get(r, i)->path, "descr"));
	/* what we write passes our own validator */
	assert_int_equal(pacc_document_validate(&v, (unsigned char *)out, len),
	    PACC_OK);
	assert_int_equal(pacc_diags_count_severity(v, PACC_SEVERITY_ERROR), 0);
	pacc_diags_free(v);
	pacc_diags_free(r);
	free(out);
}

static void
test_xml_domain_option(void **state)
{
	pacc_convert_opts o = PACC_CONVERT_OPTS_INIT;
	pacc_diags *r = NULL;
	char *out = NULL;
	size_t len;

	(void)state;
	o.domain = "example.net";
	assert_int_equal(pacc_convert_xml_to_json(&out, &len, &r,
			     (const unsigned char *)XML, strlen(XML), &o),
	    PACC_OK);
	assert_non_null(strstr(out, "imap.example.net"));
	free(out);
	pacc_diags_free(r);
	o.domain = "not a domain";
	assert_int_equal(pacc_convert_xml_to_json(&out, &len, &r,
			     (const unsigned char *)XML, strlen(XML), &o),
	    PACC_EFORMAT);
	assert_null(out);
	assert_non_null(find(r, "bad-domain"));
	pacc_diags_free(r);
}

static void
test_xml_unconvertible(void **state)
{
	static const struct {
		const char *xml, *code;
	} cases[] = {
		{ "", "not-xml" },
		{ "<a", "not-xml" },
		{ "<!DOCTYPE x [<!ENTITY e \"x\">]><clientConfig/>",
		    "not-xml" },
		{ "<foo/>", "not-clientconfig" },
		{ "<clientConfig/>", "no-email-provider" },
		{ "<clientConfig><emailProvider/></clientConfig>",
		    "no-expressible-server" },
		{ "<clientConfig><emailProvider><incomingServer type=\"imap\">"
		  "<hostname>i.example</hostname><port>143</port>"
		  "<socketType>plain</socketType></incomingServer>"
		  "</emailProvider></clientConfig>",
		    "no-expressible-server" },
		{ "<clientConfig><emailProvider><incomingServer type=\"imap\">"
		  "<hostname>%EMAILDOMAIN%</hostname><port>993</port>"
		  "<socketType>SSL</socketType></incomingServer>"
		  "</emailProvider></clientConfig>",
		    "no-expressible-server" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pacc_diags *r = NULL;
		char *out = (char *)"x";
		size_t len = 1;

		assert_int_equal(pacc_convert_xml_to_json(&out, &len, &r,
				     (const unsigned char *)cases[i].xml,
				     strlen(cases[i].xml), NULL),
		    PACC_EFORMAT);
		assert_null(out);
		assert_int_equal(len, 0);
		if (find(r, cases[i].code) == NULL ||
		    find(r, cases[i].code)->severity != PACC_SEVERITY_ERROR) {
			fprintf(stderr, "case %zu: want %s\n", i,
			    cases[i].code);
			dump(r);
			fail();
		}
		pacc_diags_free(r);
	}
}

static void
test_json_to_xml(void **state)
{
	pacc_convert_opts o = PACC_CONVERT_OPTS_INIT;
	pacc_diags *r = NULL, *r2 = NULL;
	char *xml = NULL, *json = NULL;
	size_t len, jlen;

	(void)state;
	assert_int_equal(pacc_convert_json_to_xml(&xml, &len, &r,
			     (const unsigned char *)GOOD, strlen(GOOD), NULL),
	    PACC_OK);
	assert_non_null(strstr(xml, "<domain>example.com</domain>"));
	assert_non_null(strstr(xml, "<port>993</port>"));
	assert_non_null(strstr(xml, "<outgoingServer type=\"smtp\">"));
	assert_non_null(strstr(xml, "<calendar type=\"caldav\">"));
	assert_non_null(find(r, "domain-derived"));
	assert_non_null(find(r, "protocol-not-expressible"));
	assert_non_null(find(r, "oauth-public-not-expressible"));
	/* and back: the servers survive the round trip */
	assert_int_equal(pacc_convert_xml_to_json(&json, &jlen, &r2,
			     (const unsigned char *)xml, len, NULL),
	    PACC_OK);
	assert_non_null(strstr(json, "\"host\": \"imap.example.com\""));
	assert_non_null(strstr(json, "\"host\": \"smtp.example.com\""));
	assert_non_null(strstr(json, "https://dav.example.com/cal/"));
	assert_int_equal(pacc_diags_count_severity(r2, PACC_SEVERITY_WARNING),
	    0);
	free(xml);
	free(json);
	pacc_diags_free(r);
	pacc_diags_free(r2);
	/* a document that converts without loss */
	{
		static const char doc[] =
		    "{\"protocols\":{\"imap\":{\"host\":\"i.example.org\"},"
		    "\"submit\":{\"host\":\"s.example.org\"}},"
		    "\"authentication\":{\"password\":true},"
		    "\"info\":{\"provider\":{\"name\":\"A & <B>\"}}}";

		o.domain = "example.org";
		assert_int_equal(pacc_convert_json_to_xml(&xml, &len, &r,
				     (const unsigned char *)doc, strlen(doc),
				     &o),
		    PACC_OK);
		assert_int_equal(pacc_diags_count(r), 0);
		assert_non_null(strstr(xml,
		    "<displayName>A &amp; &lt;B&gt;</displayName>"));
		free(xml);
		pacc_diags_free(r);
	}
	/* invalid documents are refused with the validator's errors */
	assert_int_equal(pacc_convert_json_to_xml(&xml, &len, &r,
			     (const unsigned char *)"{}", 2, NULL),
	    PACC_EFORMAT);
	assert_null(xml);
	assert_non_null(find(r, "missing-member"));
	pacc_diags_free(r);
}

static void
test_args(void **state)
{
	pacc_convert_opts bad_version = { 0, NULL };
	pacc_diags *r = NULL;
	char *out = NULL;
	size_t len;

	(void)state;
	assert_int_equal(pacc_document_validate(NULL, NULL, 0), PACC_EINVAL);
	assert_int_equal(pacc_document_validate(&r, NULL, 3), PACC_EINVAL);
	assert_int_equal(pacc_convert_xml_to_json(NULL, &len, &r,
			     (const unsigned char *)"", 0, NULL),
	    PACC_EINVAL);
	assert_int_equal(pacc_convert_xml_to_json(&out, &len, &r,
			     (const unsigned char *)"", 0, &bad_version),
	    PACC_EINVAL);
	assert_int_equal(pacc_convert_json_to_xml(&out, &len, NULL,
			     (const unsigned char *)"", 0, NULL),
	    PACC_EINVAL);
}

/* Every allocation of ours may fail: ENOMEM, never a crash or a leak. */
static void
test_enomem(void **state)
{
	(void)state;
	for (int which = 0; which < 3; which++) {
		for (long n = 0; n < 2000; n++) {
			pacc_diags *r = NULL;
			char *out = NULL;
			size_t len;
			int rc;

			pacc__alloc_inject(n);
			if (which == 0)
				rc = pacc_document_validate(&r,
				    (const unsigned char *)GOOD, strlen(GOOD));
			else if (which == 1)
				rc = pacc_convert_xml_to_json(&out, &len, &r,
				    (const unsigned char *)XML, strlen(XML),
				    NULL);
			else
				rc = pacc_convert_json_to_xml(&out, &len, &r,
				    (const unsigned char *)GOOD, strlen(GOOD),
				    NULL);
			pacc__alloc_inject(-1);
			free(out);
			pacc_diags_free(r);
			if (rc == PACC_OK)
				break;
			assert_int_equal(rc, PACC_ENOMEM);
			assert_null(r);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_agrees_with_discovery),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_xml_to_json),
		cmocka_unit_test(test_xml_domain_option),
		cmocka_unit_test(test_xml_unconvertible),
		cmocka_unit_test(test_json_to_xml),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
