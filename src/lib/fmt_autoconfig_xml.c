/* SPDX-License-Identifier: MIT */
/*
 * Mozilla clientConfig v1.1 (Thunderbird autoconfig, the ISPDB), as the
 * format page describes it (wiki.mozilla.org/Thunderbird:Autoconfiguration:
 * ConfigFileFormat) and as the ISPDB files are really written.
 *
 * Policy, where the format leaves it open:
 *  - Every alternative is kept, in document order within its protocol,
 *    up to AC_MAX_SERVERS.  Incoming servers come first: IMAP before POP3
 *    (DESIGN §3) unless the document's first IMAP/POP3 incomingServer is
 *    POP3, in which case the document's own order stands (the source
 *    "says otherwise").  Then outgoing servers, then CalDAV, then CardDAV.
 *  - One bad server entry is skipped, not the whole document (as
 *    fmt_pacc_json.c); a document without a usable server is PACC_EFORMAT
 *    naming the first reason.  Types other than imap, pop3 and smtp
 *    (exchange, ews, owa, graph, ...) are ignored silently.
 *  - socketType SSL -> implicit TLS, STARTTLS -> STARTTLS, plain -> none
 *    only with allow_plain; otherwise skipped and counted in *nplain,
 *    but only when nothing else is wrong with the entry (the count tells
 *    the user what allowing plain text would gain).  The names are
 *    matched without regard to case; anything else skips the entry.
 *  - <port> is required (1..65535, decimal digits only): the format has
 *    no default and guessing one would contradict socketType.
 *  - Placeholders %EMAILADDRESS%, %EMAILLOCALPART%, %EMAILDOMAIN% are
 *    replaced everywhere they occur (Thunderbird's String.replace only
 *    does the first), case-sensitively.  Any other '%' in hostname,
 *    username or URL skips the entry: "%EMAILADDRESS" (office365.com,
 *    SOURCE.md) or %REALNAME% would otherwise become a literal login.
 *    In URLs the substituted value is percent-encoded (RFC 3986 §2.3
 *    unreserved and "@" kept) so that an address cannot change the URL's
 *    structure.
 *  - Host names are checked after substitution: lower case, one trailing
 *    dot dropped, LDH (pacc__hostname_valid).
 *  - Authentication: password-cleartext, password-encrypted (and the
 *    pre-v1.1 "plain"/"secure"), http-basic/http-digest and <authentication
 *    system="http">basic|digest</authentication> promise a password;
 *    OAuth2 promises OAuth.  "none", NTLM, GSSAPI, client-IP-address,
 *    TLS-client-cert, smtp-after-pop promise nothing we can use; an entry
 *    left with nothing is skipped (fmt.h).
 *  - username: NULL (the full address) when absent, empty, or equal to
 *    the address.  An outgoingServer without <username> takes the first
 *    incoming server's username, as Thunderbird does (teol.net.xml).
 *    Control characters or more than USER_MAX bytes skip the entry.
 *  - <calendar type="caldav"> and <addressBook type="carddav"> are read
 *    both inside <emailProvider> and at the top level, with the URL in
 *    <serverURL> (Thunderbird) or <url>; https only.
 *  - displayName -> provider_name (<= 60 code points), displayShortName
 *    (or the misspelt displayNameShort of nili.ca.xml) -> provider_short
 *    (<= 20): too long, empty, controls or bidi overrides drop the text,
 *    as fmt_pacc_json.c does.  The first https <documentation url> is the
 *    help URL.
 *  - <oAuth2><issuer> is a bare host in the ISPDB ("accounts.google.com"):
 *    it becomes "https://host/"; an https URL without query or fragment is
 *    kept as written (RFC 8414 §2).
 *  - The <domain> list is not checked here: which file applies to which
 *    domain is the mechanism's business.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pacc/error.h"

#include "alloc.h"
#include "buf.h"
#include "fmt.h"
#include "xml.h"

#define AC_MAX_SERVERS 32 /* alternatives kept (ISPDB files have <= 8) */
#define NAME_MAX_CP 60
#define SHORT_MAX_CP 20
#define HOST_MAX 253
#define USER_MAX 256
#define SUBST_MAX PACC__XML_MAX_TEXT

struct ac {
	const char *address;
	const char *local, *domain; /* parts of address */
	size_t llen, dlen, alen;
	bool allow_plain;
	size_t nplain, skipped, ignored;
	bool truncated;
	char skip_why[200];
	long first_in; /* index of the first incoming server, or -1 */
	struct pacc__config *c;
};

static void skip(struct ac *ac, const struct pacc__xml_node *n, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* Counts a skipped entry; the first one's reason is kept for `why`. */
static void
skip(struct ac *ac, const struct pacc__xml_node *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	if (ac->skipped++ == 0) {
		k = snprintf(ac->skip_why, sizeof(ac->skip_why),
		    "<%s> (line %lu) ", n->name, n->line);
		if (k >= 0 && (size_t)k < sizeof(ac->skip_why))
			vsnprintf(ac->skip_why + k,
			    sizeof(ac->skip_why) - (size_t)k, fmt, ap);
	}
	va_end(ap);
}

static char
lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c + ('a' - 'A'));
	return c;
}

/* Host as written -> lower case, no trailing dot; NULL when not LDH. */
static int
norm_host(char **out, const char *s)
{
	char buf[HOST_MAX + 1];
	size_t n = strlen(s);

	*out = NULL;
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > HOST_MAX)
		return PACC_OK;
	for (size_t i = 0; i < n; i++)
		buf[i] = lower(s[i]);
	buf[n] = '\0';
	if (!pacc__hostname_valid(buf)) /* also rejects non-ASCII */
		return PACC_OK;
	*out = pacc__strdup(buf);
	return *out ? PACC_OK : PACC_ENOMEM;
}

/* One code point of UTF-8 that expat has validated; never past the NUL. */
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
	if (*dst != NULL || !display_text_ok(s, maxcp))
		return PACC_OK;
	*dst = pacc__strdup(s);
	return *dst ? PACC_OK : PACC_ENOMEM;
}

/* ---- placeholders ---- */

static bool
url_keep(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~' || c == '@';
}

/* Writes v (percent-encoded for URLs) at dst, or only counts. */
static size_t
emit(char *dst, const char *v, size_t vn, bool url)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < vn; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!url || url_keep(c)) {
			if (dst)
				dst[o] = (char)c;
			o++;
			continue;
		}
		if (dst) {
			dst[o] = '%';
			dst[o + 1] = hex[c >> 4];
			dst[o + 2] = hex[c & 15];
		}
		o += 3;
	}
	return o;
}

/*
 * One pass of the substitution: counts (dst NULL) or writes.  PACC_EFORMAT
 * when a '%' starts no known placeholder or the result would exceed
 * SUBST_MAX bytes.
 */
static int
expand(const struct ac *ac, const char *t, bool url, char *dst, size_t *len)
{
	static const struct {
		const char *name;
		size_t len;
	} ph[] = {
		{ "%EMAILADDRESS%", 14 },
		{ "%EMAILLOCALPART%", 16 },
		{ "%EMAILDOMAIN%", 13 },
	};
	size_t o = 0;

	while (*t != '\0') {
		size_t k;

		if (*t != '%') {
			if (dst)
				dst[o] = *t;
			o++;
			t++;
			continue;
		}
		for (k = 0; k < 3; k++)
			if (strncmp(t, ph[k].name, ph[k].len) == 0)
				break;
		if (k == 3)
			return PACC_EFORMAT;
		if (k == 0)
			o += emit(dst ? dst + o : NULL, ac->address, ac->alen,
			    url);
		else if (k == 1)
			o += emit(dst ? dst + o : NULL, ac->local, ac->llen,
			    url);
		else
			o += emit(dst ? dst + o : NULL, ac->domain, ac->dlen,
			    url);
		t += ph[k].len;
		if (o > SUBST_MAX)
			return PACC_EFORMAT;
	}
	if (o > SUBST_MAX)
		return PACC_EFORMAT;
	*len = o;
	return PACC_OK;
}

/* *out = NULL with PACC_OK when the template has a bad placeholder. */
static int
subst(const struct ac *ac, char **out, const char *t, bool url)
{
	size_t n;
	char *s;

	*out = NULL;
	if (expand(ac, t, url, NULL, &n) != PACC_OK)
		return PACC_OK;
	s = pacc__malloc(n + 1);
	if (s == NULL)
		return PACC_ENOMEM;
	(void)expand(ac, t, url, s, &n);
	s[n] = '\0';
	*out = s;
	return PACC_OK;
}

/* ---- one entry ---- */

static unsigned
auth_bits(const struct pacc__xml_node *n)
{
	static const char *const pw[] = { "password-cleartext",
		"password-encrypted", "plain", "secure", "http-basic",
		"http-digest" };
	const struct pacc__xml_node *a;
	unsigned bits = 0;

	for (a = pacc__xml_child(n, "authentication"); a != NULL;
	     a = pacc__xml_next(a, "authentication")) {
		const char *t = a->text ? a->text : "";
		const char *sys = pacc__xml_attr(a, "system");

		if (strcasecmp(t, "OAuth2") == 0)
			bits |= PACC_AUTH_OAUTH2;
		for (size_t i = 0; i < sizeof(pw) / sizeof(pw[0]); i++)
			if (strcasecmp(t, pw[i]) == 0)
				bits |= PACC_AUTH_PASSWORD;
		if (sys != NULL && strcasecmp(sys, "http") == 0 &&
		    (strcasecmp(t, "basic") == 0 ||
			strcasecmp(t, "digest") == 0))
			bits |= PACC_AUTH_PASSWORD;
	}
	return bits;
}

/* A login name: printable (no C0, DEL or C1 controls), bounded. */
static bool
username_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (strlen(s) > USER_MAX)
		return false;
	while (*p) {
		unsigned long c = utf8_next(&p);

		if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
			return false;
	}
	return true;
}

/*
 * <username> of entry n -> *user (NULL: the full address).  *ok = false
 * when the entry must be skipped (reason recorded).
 */
static int
take_username(struct ac *ac, const struct pacc__xml_node *n, char **user,
    bool *ok)
{
	const char *t = pacc__xml_child_text(n, "username");
	char qb[64];
	int rc;

	*user = NULL;
	*ok = true;
	if (t == NULL || *t == '\0')
		return PACC_OK;
	if ((rc = subst(ac, user, t, false)) != PACC_OK)
		return rc;
	if (*user == NULL) {
		skip(ac, n,
		    "username \"%s\" has an unknown or malformed "
		    "placeholder",
		    pacc__quote(qb, sizeof(qb), t));
		*ok = false;
		return PACC_OK;
	}
	if (!username_ok(*user)) {
		skip(ac, n,
		    "username is longer than %d bytes or holds "
		    "control characters",
		    USER_MAX);
		*ok = false;
	} else if (**user != '\0' && strcmp(*user, ac->address) != 0) {
		return PACC_OK;
	}
	pacc__free(*user);
	*user = NULL;
	return PACC_OK;
}

static int
add(struct ac *ac, struct pacc_server *s)
{
	if (ac->c->nservers >= AC_MAX_SERVERS) {
		ac->truncated = true;
		return PACC_OK;
	}
	return pacc__config_add_server(ac->c, s);
}

/* incomingServer / outgoingServer of a known type. */
static int
take_server(struct ac *ac, const struct pacc__xml_node *n, pacc_protocol p)
{
	struct pacc_server s;
	const char *t, *st;
	char *h = NULL, qb[64];
	bool ok, outgoing = p == PACC_PROTO_SMTP;
	int rc = PACC_OK;

	memset(&s, 0, sizeof(s));
	s.proto = p;
	t = pacc__xml_child_text(n, "hostname");
	if (t == NULL || *t == '\0') {
		skip(ac, n, "has no hostname");
		goto out;
	}
	if ((rc = subst(ac, &h, t, false)) != PACC_OK)
		goto out;
	if (h == NULL) {
		skip(ac, n,
		    "hostname \"%s\" has an unknown or malformed "
		    "placeholder",
		    pacc__quote(qb, sizeof(qb), t));
		goto out;
	}
	if ((rc = norm_host(&s.host, h)) != PACC_OK)
		goto out;
	if (s.host == NULL) {
		skip(ac, n, "hostname \"%s\" is not a valid host name",
		    pacc__quote(qb, sizeof(qb), h));
		goto out;
	}
	t = pacc__xml_child_text(n, "port");
	if ((s.port = pacc__port_parse(t)) == 0) {
		skip(ac, n, "port \"%s\" is not a number in 1..65535",
		    pacc__quote(qb, sizeof(qb), t ? t : ""));
		goto out;
	}
	st = pacc__xml_child_text(n, "socketType");
	if (st != NULL && strcasecmp(st, "SSL") == 0)
		s.tls = PACC_TLS_IMPLICIT;
	else if (st != NULL && strcasecmp(st, "STARTTLS") == 0)
		s.tls = PACC_TLS_STARTTLS;
	else if (st != NULL && strcasecmp(st, "plain") == 0)
		s.tls = PACC_TLS_NONE;
	else {
		skip(ac, n, "socketType \"%s\" is not SSL, STARTTLS or plain",
		    pacc__quote(qb, sizeof(qb), st ? st : ""));
		goto out;
	}
	if ((s.auth = auth_bits(n)) == 0) {
		skip(ac, n, "offers no authentication method pacc can use");
		goto out;
	}
	if ((rc = take_username(ac, n, &s.username, &ok)) != PACC_OK || !ok)
		goto out;
	if (outgoing && pacc__xml_child(n, "username") == NULL &&
	    ac->first_in >= 0 && ac->c->servers[ac->first_in].username) {
		const char *u = ac->c->servers[ac->first_in].username;

		if ((s.username = pacc__strdup(u)) == NULL) {
			rc = PACC_ENOMEM;
			goto out;
		}
	}
	if (s.tls == PACC_TLS_NONE && !ac->allow_plain) {
		ac->nplain++;
		skip(ac, n, "uses socketType plain (no TLS)");
		goto out;
	}
	if (!outgoing && ac->first_in < 0 && ac->c->nservers < AC_MAX_SERVERS)
		ac->first_in = (long)ac->c->nservers;
	rc = add(ac, &s);
out:
	pacc__free(h);
	pacc__server_clear(&s);
	return rc;
}

/* <calendar> / <addressBook>. */
static int
take_dav(struct ac *ac, const struct pacc__xml_node *n, pacc_protocol p)
{
	const char *want = p == PACC_PROTO_CALDAV ? "caldav" : "carddav";
	const char *type = pacc__xml_attr(n, "type");
	const char *t;
	struct pacc_server s;
	char qb[64];
	bool ok;
	int rc = PACC_OK;

	if (type != NULL && strcasecmp(type, want) != 0) {
		ac->ignored++;
		return PACC_OK;
	}
	memset(&s, 0, sizeof(s));
	s.proto = p;
	s.tls = PACC_TLS_IMPLICIT;
	t = pacc__xml_child_text(n, "serverURL");
	if (t == NULL)
		t = pacc__xml_child_text(n, "url");
	if (t == NULL || *t == '\0') {
		skip(ac, n, "has no serverURL");
		goto out;
	}
	if ((rc = subst(ac, &s.url, t, true)) != PACC_OK)
		goto out;
	if (s.url == NULL) {
		skip(ac, n,
		    "URL \"%s\" has an unknown or malformed "
		    "placeholder",
		    pacc__quote(qb, sizeof(qb), t));
		goto out;
	}
	if (!pacc__https_url_valid(s.url)) {
		skip(ac, n, "URL \"%s\" is not a valid https URL",
		    pacc__quote(qb, sizeof(qb), s.url));
		goto out;
	}
	if ((s.auth = auth_bits(n)) == 0) {
		skip(ac, n, "offers no authentication method pacc can use");
		goto out;
	}
	if ((rc = take_username(ac, n, &s.username, &ok)) != PACC_OK || !ok)
		goto out;
	rc = add(ac, &s);
out:
	pacc__server_clear(&s);
	return rc;
}

static int
incoming_proto(const struct pacc__xml_node *n)
{
	const char *t = pacc__xml_attr(n, "type");

	if (t != NULL && strcasecmp(t, "imap") == 0)
		return PACC_PROTO_IMAP;
	if (t != NULL && strcasecmp(t, "pop3") == 0)
		return PACC_PROTO_POP3;
	return -1;
}

/* incomingServer entries whose protocol is in `mask` (1 << proto). */
static int
walk_incoming(struct ac *ac, const struct pacc__xml_node *ep, unsigned mask)
{
	const struct pacc__xml_node *n;
	int p, rc;

	for (n = pacc__xml_child(ep, "incomingServer"); n != NULL;
	     n = pacc__xml_next(n, "incomingServer")) {
		p = incoming_proto(n);
		if (p >= 0 && (mask & 1u << p) &&
		    (rc = take_server(ac, n, (pacc_protocol)p)) != PACC_OK)
			return rc;
	}
	return PACC_OK;
}

static int
walk_servers(struct ac *ac, const struct pacc__xml_node *root,
    const struct pacc__xml_node *ep)
{
	static const struct {
		const char *elem;
		pacc_protocol proto;
	} dav[] = {
		{ "calendar", PACC_PROTO_CALDAV },
		{ "addressBook", PACC_PROTO_CARDDAV },
	};
	const unsigned imap = 1u << PACC_PROTO_IMAP;
	const unsigned pop = 1u << PACC_PROTO_POP3;
	const struct pacc__xml_node *n;
	bool pop_first = false, seen = false;
	int rc;

	/* The first IMAP or POP3 entry decides (see the top comment). */
	for (n = pacc__xml_child(ep, "incomingServer"); n != NULL;
	     n = pacc__xml_next(n, "incomingServer")) {
		int p = incoming_proto(n);

		if (p < 0)
			ac->ignored++;
		else if (!seen) {
			pop_first = p == PACC_PROTO_POP3;
			seen = true;
		}
	}
	if (pop_first)
		rc = walk_incoming(ac, ep, imap | pop);
	else if ((rc = walk_incoming(ac, ep, imap)) == PACC_OK)
		rc = walk_incoming(ac, ep, pop);
	if (rc != PACC_OK)
		return rc;
	for (n = pacc__xml_child(ep, "outgoingServer"); n != NULL;
	     n = pacc__xml_next(n, "outgoingServer")) {
		const char *t = pacc__xml_attr(n, "type");

		if (t == NULL || strcasecmp(t, "smtp") != 0) {
			ac->ignored++;
			continue;
		}
		if ((rc = take_server(ac, n, PACC_PROTO_SMTP)) != PACC_OK)
			return rc;
	}
	for (size_t i = 0; i < sizeof(dav) / sizeof(dav[0]); i++) {
		const struct pacc__xml_node *parent[] = { ep, root };

		for (size_t k = 0; k < 2; k++)
			for (n = pacc__xml_child(parent[k], dav[i].elem);
			     n != NULL; n = pacc__xml_next(n, dav[i].elem))
				if ((rc = take_dav(ac, n, dav[i].proto)) !=
				    PACC_OK)
					return rc;
	}
	return PACC_OK;
}

/*
 * RFC 8414 §2: an issuer is an https URL without query or fragment; the
 * ISPDB writes a bare host, which stands for "https://host/".
 */
static int
take_issuer(struct pacc__config *c, const char *s)
{
	char *h = NULL;
	size_t n;
	int rc;

	if (s == NULL || *s == '\0')
		return PACC_OK;
	if (strncasecmp(s, "https://", 8) == 0) {
		if (pacc__https_url_valid(s) && strchr(s, '?') == NULL &&
		    strchr(s, '#') == NULL &&
		    (c->oauth_issuer = pacc__strdup(s)) == NULL)
			return PACC_ENOMEM;
		return PACC_OK;
	}
	rc = norm_host(&h, s);
	if (rc != PACC_OK || h == NULL)
		return rc;
	n = strlen(h) + sizeof("https:///");
	c->oauth_issuer = pacc__malloc(n);
	if (c->oauth_issuer != NULL)
		snprintf(c->oauth_issuer, n, "https://%s/", h);
	pacc__free(h);
	return c->oauth_issuer ? PACC_OK : PACC_ENOMEM;
}

static int
take_provider(struct pacc__config *c, const struct pacc__xml_node *root,
    const struct pacc__xml_node *ep)
{
	const struct pacc__xml_node *n;
	const char *issuer;
	int rc;

	rc = take_text(&c->provider_name,
	    pacc__xml_child_text(ep, "displayName"), NAME_MAX_CP);
	if (rc == PACC_OK)
		rc = take_text(&c->provider_short,
		    pacc__xml_child_text(ep, "displayShortName"), SHORT_MAX_CP);
	if (rc == PACC_OK)
		rc = take_text(&c->provider_short,
		    pacc__xml_child_text(ep, "displayNameShort"), SHORT_MAX_CP);
	if (rc != PACC_OK)
		return rc;
	for (n = pacc__xml_child(ep, "documentation"); n != NULL;
	     n = pacc__xml_next(n, "documentation")) {
		const char *u = pacc__xml_attr(n, "url");

		if (u != NULL && pacc__https_url_valid(u)) {
			c->help_url = pacc__strdup(u);
			if (c->help_url == NULL)
				return PACC_ENOMEM;
			break;
		}
	}
	issuer = pacc__xml_child_text(pacc__xml_child(root, "oAuth2"),
	    "issuer");
	if (issuer == NULL)
		issuer = pacc__xml_child_text(pacc__xml_child(ep, "oAuth2"),
		    "issuer");
	return take_issuer(c, issuer);
}

int
pacc__autoconfig_parse(struct pacc__config **out, const unsigned char *xml,
    size_t len, const char *address, bool allow_plain, size_t *nplain,
    char *why, size_t whylen)
{
	struct pacc__xml_node *root = NULL;
	const struct pacc__xml_node *ep;
	const char *at;
	struct ac ac;
	char qb[64];
	int rc;

	if (nplain != NULL)
		*nplain = 0;
	if (out == NULL || (xml == NULL && len > 0) || address == NULL ||
	    (at = strrchr(address, '@')) == NULL)
		return PACC_EINVAL;
	*out = NULL;
	memset(&ac, 0, sizeof(ac));
	ac.address = address;
	ac.alen = strlen(address);
	ac.local = address;
	ac.llen = (size_t)(at - address);
	ac.domain = at + 1;
	ac.dlen = strlen(at + 1);
	ac.allow_plain = allow_plain;
	ac.first_in = -1;
	rc = pacc__xml_parse(&root, xml, len, why, whylen);
	if (rc != PACC_OK)
		goto out;
	if (strcmp(root->name, "clientConfig") != 0) {
		pacc__setwhy(why, whylen,
		    "the root element is <%s>, not "
		    "<clientConfig>",
		    pacc__quote(qb, sizeof(qb), root->name));
		rc = PACC_EFORMAT;
		goto out;
	}
	ep = pacc__xml_child(root, "emailProvider");
	if (ep == NULL) {
		pacc__setwhy(why, whylen,
		    "the document has no <emailProvider>");
		rc = PACC_EFORMAT;
		goto out;
	}
	if ((rc = pacc__config_new(&ac.c)) != PACC_OK)
		goto out;
	if ((rc = walk_servers(&ac, root, ep)) != PACC_OK)
		goto out;
	if (nplain != NULL)
		*nplain = ac.nplain;
	if (ac.c->nservers == 0) {
		if (ac.nplain > 0 && ac.nplain == ac.skipped)
			pacc__setwhy(why, whylen,
			    "no usable server: %s%zu "
			    "entr%s use%s socketType plain (no TLS)",
			    ac.nplain > 1 ? "all " : "", ac.nplain,
			    ac.nplain > 1 ? "ies" : "y",
			    ac.nplain > 1 ? "" : "s");
		else if (ac.skipped > 0)
			pacc__setwhy(why, whylen, "no usable server: %s%s",
			    ac.skip_why, ac.skipped > 1 ? " (and more)" : "");
		else if (ac.ignored > 0)
			pacc__setwhy(why, whylen,
			    "no usable server: only server "
			    "types pacc does not use (such as exchange)");
		else
			pacc__setwhy(why, whylen,
			    "no usable server: the document "
			    "lists no incoming or outgoing server");
		rc = PACC_EFORMAT;
		goto out;
	}
	if ((rc = take_provider(ac.c, root, ep)) != PACC_OK)
		goto out;
	if (ac.skipped > 0)
		pacc__setwhy(why, whylen,
		    "ok; skipped %zu unusable server(s), "
		    "first: %s",
		    ac.skipped, ac.skip_why);
	else if (ac.truncated)
		pacc__setwhy(why, whylen, "ok; kept the first %d servers only",
		    AC_MAX_SERVERS);
	else
		pacc__setwhy(why, whylen, "ok");
	*out = ac.c;
	ac.c = NULL;
out:
	pacc__config_free(ac.c);
	pacc__xml_free(root);
	return rc;
}
