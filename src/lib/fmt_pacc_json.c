/* SPDX-License-Identifier: MIT */
/*
 * PACC documents, both formats:
 *  - current (draft-ietf-mailmaint-pacc-01+, notes §1): "protocols" with a
 *    "host" (IMAP, POP3, submission, ManageSieve) or an https "url" (JMAP,
 *    CalDAV, CardDAV, WebDAV); provider-wide "authentication"; "info";
 *  - earlier (draft-bucksch-mailmaint-pacc-00): "servers" keyed by protocol,
 *    each with a "url" of the protocol's scheme and an "authentication"
 *    list; "oAuth2", "provider", "help", "version".
 *
 * Policy, where the drafts leave it open:
 *  - Duplicate member names are rejected (JSON_REJECT_DUPLICATES).  RFC
 *    8259 §4 leaves their meaning to the parser; in a digest-verified
 *    document two readers must never see two different configurations.
 *  - Unknown members and protocols are ignored (earlier draft, "JSON
 *    validation": clients MUST NOT reject unknown properties).
 *  - One bad server entry (bad host or URL, wrong scheme, no supported
 *    authentication) is skipped, not the whole document: the draft says to
 *    "continue to parse the other server sections".  A document with no
 *    usable server at all is PACC_EFORMAT.
 *  - Hosts are lower-cased, lose one trailing dot, and must be LDH host
 *    names (A-labels).  Non-ASCII (U-label) hosts are refused rather than
 *    converted: the document is machine-made, DNS names are A-labels, and
 *    a second IDN mapping here could disagree with the provider's.
 *  - Provider texts longer than the draft's MUST limits (name 60,
 *    shortName 20 code points), empty, or holding control or bidi-override
 *    characters are dropped, not truncated: a cut or reordered name shown
 *    to the user would say something the provider did not.
 *  - Servers come out in the preference order of DESIGN §3 (the
 *    pacc_protocol order: JMAP, IMAP, POP3, submission, CalDAV, CardDAV,
 *    WebDAV, ManageSieve), one per protocol.  username stays NULL (the full
 *    address): neither format has placeholders.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "pacc/error.h"

#include "alloc.h"
#include "bounds.h"
#include "fmt.h"
#include "buf.h"

#define NPROTO 8       /* pacc_protocol values 0..7 */
#define NAME_MAX_CP 60 /* earlier draft, "name and shortName" */
#define SHORT_MAX_CP 20
#define HOST_MAX 253

struct parse {
	struct pacc_server slot[NPROTO];
	bool set[NPROTO];
	size_t skipped;
	char skip_why[160]; /* the first skip, for the "no usable" message */
};

static void skip(struct parse *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
skip(struct parse *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->skipped++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->skip_why, sizeof(ps->skip_why), fmt, ap);
	va_end(ap);
}

/* Member `key` of object `o` as a string, or NULL. */
static const char *
get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * Host as written in a document -> *out (lower case, no trailing dot), or
 * *out = NULL when it is not an ASCII host name.
 */
static int
norm_host(char **out, const char *s, size_t n)
{
	char buf[HOST_MAX + 1];

	*out = NULL;
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > HOST_MAX)
		return PACC_OK;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		buf[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	buf[n] = '\0';
	if (!pacc__hostname_valid(buf)) /* also rejects non-ASCII bytes */
		return PACC_OK;
	*out = pacc__strdup(buf);
	return *out ? PACC_OK : PACC_ENOMEM;
}

/*
 * Decodes one code point of UTF-8 that jansson has already validated; a
 * stray byte still only advances the cursor (never past the NUL).
 */
static unsigned long
utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned long c;
	size_t len, i;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	}
	len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	c = s[0] & (0x7fu >> len);
	for (i = 1; i < len && (s[i] & 0xc0) == 0x80; i++)
		c = c << 6 | (s[i] & 0x3f);
	*p = s + i;
	return c;
}

/* Text shown to the user: 1..maxcp code points, no controls, no bidi. */
static bool
display_text_ok(const char *s, size_t maxcp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t ncp = 0;

	if (s == NULL || *s == '\0')
		return false;
	while (*p) {
		unsigned long c = utf8_next(&p);

		if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x200e ||
		    c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069))
			return false;
		if (++ncp > maxcp)
			return false;
	}
	return true;
}

static int
take_text(char **dst, const char *s, size_t maxcp)
{
	if (!display_text_ok(s, maxcp))
		return PACC_OK;
	*dst = pacc__strdup(s);
	return *dst ? PACC_OK : PACC_ENOMEM;
}

static int
take_provider(struct pacc__config *c, const json_t *prov, const json_t *help)
{
	const char *doc = get_str(help, "documentation");
	int rc;

	rc = take_text(&c->provider_name, get_str(prov, "name"), NAME_MAX_CP);
	if (rc == PACC_OK)
		rc = take_text(&c->provider_short, get_str(prov, "shortName"),
		    SHORT_MAX_CP);
	if (rc == PACC_OK && doc != NULL && pacc__https_url_valid(doc)) {
		c->help_url = pacc__strdup(doc);
		if (c->help_url == NULL)
			rc = PACC_ENOMEM;
	}
	return rc;
}

/*
 * RFC 8414 §2: an issuer is an https URL without query or fragment; it is
 * kept exactly as written because it is compared exactly (RFC 8414 §3.3).
 */
static bool
issuer_ok(const char *s)
{
	return s != NULL && pacc__https_url_valid(s) &&
	    strchr(s, '?') == NULL && strchr(s, '#') == NULL;
}

/* Fills the slot of `proto` unless taken.  Takes ownership of host/url. */
static void
put(struct parse *ps, pacc_protocol proto, char *host, unsigned port,
    pacc_tls_mode tls, char *url, unsigned auth)
{
	struct pacc_server *s = &ps->slot[proto];

	if (ps->set[proto]) { /* one server per protocol: the first wins */
		pacc__free(host);
		pacc__free(url);
		return;
	}
	s->proto = proto;
	s->host = host;
	s->port = port;
	s->tls = tls;
	s->url = url;
	s->username = NULL;
	s->auth = auth;
	ps->set[proto] = true;
}

/* ---- current format ---- */

static const struct {
	const char *key;
	pacc_protocol proto;
} cur_keys[] = {
	{ "jmap", PACC_PROTO_JMAP },
	{ "imap", PACC_PROTO_IMAP },
	{ "pop3", PACC_PROTO_POP3 },
	/* -03 renamed "smtp" to "submit"; both mean submission, and the
	 * newer name wins when both are there and usable (notes §1.2). */
	{ "submit", PACC_PROTO_SMTP },
	{ "smtp", PACC_PROTO_SMTP },
	{ "caldav", PACC_PROTO_CALDAV },
	{ "carddav", PACC_PROTO_CARDDAV },
	{ "webdav", PACC_PROTO_WEBDAV },
	{ "managesieve", PACC_PROTO_MANAGESIEVE },
};

static int
parse_current(struct parse *ps, struct pacc__config *c, const json_t *root,
    char *why, size_t whylen)
{
	const json_t *protos = json_object_get(root, "protocols");
	const json_t *authn = json_object_get(root, "authentication");
	const json_t *info = json_object_get(root, "info");
	const char *issuer;
	unsigned auth = 0;
	int rc;

	if (!json_is_object(protos)) {
		pacc__setwhy(why, whylen, "\"protocols\" is not an object");
		return PACC_EFORMAT;
	}
	c->format = PACC__FMT_CURRENT;
	issuer = get_str(json_object_get(authn, "oauth-public"), "issuer");
	if (issuer_ok(issuer)) {
		c->oauth_issuer = pacc__strdup(issuer);
		if (c->oauth_issuer == NULL)
			return PACC_ENOMEM;
		auth |= PACC_AUTH_OAUTH2;
	}
	if (json_is_true(json_object_get(authn, "password")))
		auth |= PACC_AUTH_PASSWORD;
	for (size_t i = 0; i < sizeof(cur_keys) / sizeof(cur_keys[0]); i++) {
		const json_t *o = json_object_get(protos, cur_keys[i].key);
		pacc_protocol p = cur_keys[i].proto;
		const char *v;
		char *h = NULL, *u = NULL;

		if (o == NULL || ps->set[p])
			continue;
		if (!json_is_object(o)) {
			skip(ps, "protocols.%s is not an object",
			    cur_keys[i].key);
			continue;
		}
		if (pacc__proto_is_http(p)) {
			v = get_str(o, "url");
			if (v == NULL || !pacc__https_url_valid(v)) {
				skip(ps, "protocols.%s has no valid https url",
				    cur_keys[i].key);
				continue;
			}
			if ((u = pacc__strdup(v)) == NULL)
				return PACC_ENOMEM;
			put(ps, p, NULL, 0, PACC_TLS_IMPLICIT, u, auth);
			continue;
		}
		v = get_str(o, "host");
		if (v != NULL && (rc = norm_host(&h, v, strlen(v))) != PACC_OK)
			return rc;
		if (h == NULL) {
			skip(ps, "protocols.%s has no valid host",
			    cur_keys[i].key);
			continue;
		}
		/* Only a host: implicit TLS on the default port (DESIGN §1);
		 * ManageSieve has only STARTTLS on 4190 (RFC 5804 §1.8). */
		put(ps, p, h, pacc__proto_default_port(p),
		    p == PACC_PROTO_MANAGESIEVE ? PACC_TLS_STARTTLS
						: PACC_TLS_IMPLICIT,
		    NULL, auth);
	}
	return take_provider(c, json_object_get(info, "provider"),
	    json_object_get(info, "help"));
}

/* ---- earlier format ---- */

/*
 * URL schemes of the earlier draft's protocol table.  That draft mandates
 * Direct TLS, so the plain schemes (imap://, pop3://, submission://) are
 * refused.  ManageSieve: the table's "sieves" on 443 is an error in the
 * draft (notes §1.3); RFC 5804 §3 defines sieve:// with STARTTLS on 4190.
 * wss:// (JMAP over WebSocket) has no place in our model and is skipped.
 */
static const struct {
	const char *scheme;
	pacc_protocol proto;
	unsigned port;
	pacc_tls_mode tls;
} tcp_schemes[] = {
	{ "imaps", PACC_PROTO_IMAP, 993, PACC_TLS_IMPLICIT },
	{ "pop3s", PACC_PROTO_POP3, 995, PACC_TLS_IMPLICIT },
	{ "submissions", PACC_PROTO_SMTP, 465, PACC_TLS_IMPLICIT },
	{ "smtps", PACC_PROTO_SMTP, 465, PACC_TLS_IMPLICIT },
	{ "sieve", PACC_PROTO_MANAGESIEVE, 4190, PACC_TLS_STARTTLS },
};

/*
 * "scheme://host[:port][/]" for a TCP protocol: no userinfo, no IPv6
 * literal, no path beyond "/" (the draft: "the path is empty"), printable
 * ASCII only.  *host = NULL (rc PACC_OK) when unusable.
 */
static int
parse_tcp_url(const char *url, pacc_protocol proto, char **host, unsigned *port,
    pacc_tls_mode *tls)
{
	size_t n = strlen(url), a = 0, e, hn;
	const char *colon;
	int rc;

	*host = NULL;
	for (size_t i = 0; i < sizeof(tcp_schemes) / sizeof(tcp_schemes[0]);
	     i++) {
		size_t sl = strlen(tcp_schemes[i].scheme);

		if (tcp_schemes[i].proto == proto && n > sl + 3 &&
		    strncasecmp(url, tcp_schemes[i].scheme, sl) == 0 &&
		    memcmp(url + sl, "://", 3) == 0) {
			a = sl + 3;
			*port = tcp_schemes[i].port;
			*tls = tcp_schemes[i].tls;
			break;
		}
	}
	if (a == 0)
		return PACC_OK;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f || url[i] == '\\')
			return PACC_OK;
	e = a + strcspn(url + a, "/?#");
	if (url[e] != '\0' && strcmp(url + e, "/") != 0)
		return PACC_OK;
	if (memchr(url + a, '@', e - a) != NULL || url[a] == '[')
		return PACC_OK;
	colon = memchr(url + a, ':', e - a);
	hn = colon ? (size_t)(colon - (url + a)) : e - a;
	if (colon) {
		unsigned long v = 0;
		const char *p = colon + 1;

		if (p == url + e || url + e - p > 5)
			return PACC_OK;
		for (; p < url + e; p++) {
			if (*p < '0' || *p > '9')
				return PACC_OK;
			v = v * 10 + (unsigned long)(*p - '0');
		}
		if (v == 0 || v > 65535)
			return PACC_OK;
		*port = (unsigned)v;
	}
	rc = norm_host(host, url + a, hn);
	return rc;
}

/*
 * The per-server "authentication" list: "OAuth2" and the OAuth SASL/HTTP
 * schemes promise OAuth; SASL password mechanisms, HTTP Basic/Digest and
 * "native" (the protocol's own login, benbucksch/pacc#1) promise a
 * password.  Others (GSSAPI, NTLM, EXTERNAL...) are unknown to us.
 */
static unsigned
auth_bit(const char *m)
{
	static const char *const oauth[] = { "OAuth2", "sasl-OAUTHBEARER",
		"sasl-XOAUTH2", "http-Bearer" };
	static const char *const pw[] = { "sasl-PLAIN", "sasl-LOGIN",
		"sasl-CRAM-MD5", "sasl-DIGEST-MD5", "http-Basic", "http-Digest",
		"native" };

	for (size_t i = 0; i < sizeof(oauth) / sizeof(oauth[0]); i++)
		if (strcasecmp(m, oauth[i]) == 0)
			return PACC_AUTH_OAUTH2;
	for (size_t i = 0; i < sizeof(pw) / sizeof(pw[0]); i++)
		if (strcasecmp(m, pw[i]) == 0)
			return PACC_AUTH_PASSWORD;
	if (strncasecmp(m, "sasl-SCRAM-", 11) == 0)
		return PACC_AUTH_PASSWORD;
	return 0;
}

static int
parse_earlier_server(struct parse *ps, const char *name, const json_t *o)
{
	const json_t *list;
	const char *url;
	unsigned auth = 0, port = 0;
	pacc_tls_mode tls = PACC_TLS_IMPLICIT;
	char *h = NULL, *u = NULL;
	int p, rc;

	p = pacc__proto_from_name(name);
	if (p < 0)
		return PACC_OK; /* ews, activeSync, graph, future ones */
	if (ps->set[p])
		return PACC_OK;
	if (!json_is_object(o)) {
		skip(ps, "the %s server is not an object", name);
		return PACC_OK;
	}
	list = json_object_get(o, "authentication");
	if (json_is_array(list)) {
		size_t i;
		const json_t *m;

		json_array_foreach (list, i, m)
			if (json_is_string(m))
				auth |= auth_bit(json_string_value(m));
		/* Draft: no supported method -> ignore that server. */
		if (auth == 0) {
			skip(ps,
			    "the %s server offers no authentication "
			    "method we support",
			    name);
			return PACC_OK;
		}
	}
	url = get_str(o, "url");
	if (url == NULL) {
		skip(ps, "the %s server has no url", name);
		return PACC_OK;
	}
	if (pacc__proto_is_http((pacc_protocol)p)) {
		if (!pacc__https_url_valid(url)) {
			skip(ps, "the %s server url is not a valid https URL",
			    name);
			return PACC_OK;
		}
		if ((u = pacc__strdup(url)) == NULL)
			return PACC_ENOMEM;
	} else {
		rc = parse_tcp_url(url, (pacc_protocol)p, &h, &port, &tls);
		if (rc != PACC_OK)
			return rc;
		if (h == NULL) {
			skip(ps,
			    "the %s server url is not a valid TLS URL "
			    "for that protocol",
			    name);
			return PACC_OK;
		}
	}
	put(ps, (pacc_protocol)p, h, port, tls, u, auth);
	return PACC_OK;
}

/* oAuth2.issuer is a bare host in that draft ("auth.example.net"). */
static int
earlier_issuer(struct pacc__config *c, const char *s)
{
	char *h = NULL;
	size_t n;
	int rc;

	if (s == NULL)
		return PACC_OK;
	if (strncasecmp(s, "https://", 8) == 0) {
		if (issuer_ok(s) && (c->oauth_issuer = pacc__strdup(s)) == NULL)
			return PACC_ENOMEM;
		return PACC_OK;
	}
	rc = norm_host(&h, s, strlen(s));
	if (rc != PACC_OK || h == NULL)
		return rc;
	n = strlen(h);
	c->oauth_issuer = pacc__malloc(n + sizeof("https:///"));
	if (c->oauth_issuer != NULL)
		snprintf(c->oauth_issuer, n + sizeof("https:///"),
		    "https://%s/", h);
	pacc__free(h);
	return c->oauth_issuer ? PACC_OK : PACC_ENOMEM;
}

static int
parse_earlier(struct parse *ps, struct pacc__config *c, const json_t *root,
    char *why, size_t whylen)
{
	const json_t *servers = json_object_get(root, "servers");
	const char *key;
	const json_t *v;
	size_t i;
	int rc;

	c->format = PACC__FMT_EARLIER;
	if (json_is_object(servers)) {
		/* The draft's form: an object keyed by protocol name. */
		json_object_foreach ((json_t *)servers, key, v)
			if ((rc = parse_earlier_server(ps, key, v)) != PACC_OK)
				return rc;
	} else if (json_is_array(servers)) {
		/* Also seen: a list of objects naming their protocol. */
		json_array_foreach (servers, i, v) {
			const char *name = get_str(v, "protocol");

			if (name == NULL)
				name = get_str(v, "type");
			if (name == NULL) {
				skip(ps, "a server entry names no protocol");
				continue;
			}
			if ((rc = parse_earlier_server(ps, name, v)) != PACC_OK)
				return rc;
		}
	} else {
		pacc__setwhy(why, whylen,
		    "\"servers\" is neither an object nor an "
		    "array");
		return PACC_EFORMAT;
	}
	rc = earlier_issuer(c,
	    get_str(json_object_get(root, "oAuth2"), "issuer"));
	if (rc != PACC_OK)
		return rc;
	return take_provider(c, json_object_get(root, "provider"),
	    json_object_get(root, "help"));
}

int
pacc__pacc_json_parse(struct pacc__config **out, const unsigned char *body,
    size_t len, const char *address, char *why, size_t whylen)
{
	struct parse ps;
	struct pacc__config *c = NULL;
	json_error_t err;
	json_t *root = NULL;
	int rc;

	(void)address; /* no placeholders in either format */
	if (out == NULL || (body == NULL && len > 0))
		return PACC_EINVAL;
	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	pacc__setwhy(why, whylen, "ok");
	if (len > PACC__MAX_DOC_BYTES) {
		pacc__setwhy(why, whylen,
		    "the document is larger than %d bytes",
		    PACC__MAX_DOC_BYTES);
		return PACC_EFORMAT;
	}
	/*
	 * jansson checks UTF-8, rejects NUL in strings (no JSON_ALLOW_NUL)
	 * and trailing garbage, and stops at JSON_PARSER_MAX_DEPTH nesting.
	 * JSON_DECODE_ANY only so that a scalar gets our own sentence.
	 */
	root = json_loadb((const char *)body, len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (root == NULL) {
		if (json_error_code(&err) == json_error_out_of_memory) {
			rc = PACC_ENOMEM;
			goto out;
		}
		pacc__setwhy(why, whylen,
		    "not valid JSON (line %d, column %d): %s", err.line,
		    err.column, err.text);
		rc = PACC_EFORMAT;
		goto out;
	}
	if (!json_is_object(root)) {
		pacc__setwhy(why, whylen, "the document is not a JSON object");
		rc = PACC_EFORMAT;
		goto out;
	}
	if ((rc = pacc__config_new(&c)) != PACC_OK)
		goto out;
	if (json_object_get(root, "protocols") != NULL)
		rc = parse_current(&ps, c, root, why, whylen);
	else if (json_object_get(root, "servers") != NULL)
		rc = parse_earlier(&ps, c, root, why, whylen);
	else {
		pacc__setwhy(why, whylen,
		    "the document has neither \"protocols\" "
		    "nor \"servers\": not a PACC document");
		rc = PACC_EFORMAT;
	}
	if (rc != PACC_OK)
		goto out;
	for (size_t i = 0; i < NPROTO; i++) {
		if (!ps.set[i])
			continue;
		if ((rc = pacc__config_add_server(c, &ps.slot[i])) != PACC_OK)
			goto out;
	}
	if (c->nservers == 0) {
		if (ps.skipped > 0)
			pacc__setwhy(why, whylen, "no usable server: %s%s",
			    ps.skip_why, ps.skipped > 1 ? " (and more)" : "");
		else
			pacc__setwhy(why, whylen,
			    "no usable server: the document "
			    "names no protocol we know");
		rc = PACC_EFORMAT;
		goto out;
	}
	if (ps.skipped > 0)
		pacc__setwhy(why, whylen,
		    "ok; skipped %zu unusable server(s), "
		    "first: %s",
		    ps.skipped, ps.skip_why);
	*out = c;
	c = NULL;
out:
	for (size_t i = 0; i < NPROTO; i++)
		pacc__server_clear(&ps.slot[i]);
	pacc__config_free(c);
	json_decref(root);
	return rc;
}
