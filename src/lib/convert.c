/* SPDX-License-Identifier: MIT */
/*
 * `pacc convert`: Mozilla clientConfig v1.1 XML <-> PACC JSON (current
 * draft), reporting everything one format cannot say in the other.
 *
 * XML -> JSON, where the formats differ (pacc(1), CONVERT):
 *  - PACC has one server per protocol, reached with direct TLS on the
 *    default port (IMAP 993, POP3 995, submission 465) and the full
 *    address as login.  For each of IMAP, POP3 and SMTP the first entry
 *    with socketType SSL on that port is kept; every other entry is
 *    reported (STARTTLS, plain, another port, a further alternative).
 *  - %EMAILDOMAIN% in a host name is replaced by the domain the document
 *    is for (opts.domain, else the first <domain>): the JSON is then valid
 *    for that domain only, which is reported.
 *  - A username other than %EMAILADDRESS% (%EMAILLOCALPART%, fixed names,
 *    the malformed "%EMAILADDRESS" of office365.com.xml) is reported: PACC
 *    clients log in with the full address.
 *  - password-cleartext/-encrypted (and the deprecated plain/secure) make
 *    "password": true.  clientConfig's OAuth2 relies on client IDs that
 *    Thunderbird registered with the provider (<oAuth2> authURL, tokenURL,
 *    scope); PACC's "oauth-public" promises the OAuth Profile for Open
 *    Public Clients (dynamic registration), which the XML cannot vouch
 *    for: it is reported and left out.  NTLM, GSSAPI, client-IP-address,
 *    TLS-client-cert, smtp-after-pop and none have no PACC equivalent.
 *  - <calendar>/<addressBook> https URLs become caldav/carddav; the POP3
 *    options, <webMail>, <enable>, <instruction>, further documentation
 *    links and server types other than imap/pop3/smtp are reported.
 *  - displayName -> info.provider.name (else the emailProvider id, else
 *    the domain: reported); displayShortName (or nili.ca.xml's misspelt
 *    displayNameShort, reported) -> shortName; the first https
 *    <documentation url> -> info.help.documentation.
 * JSON -> XML: every server becomes an SSL entry on its port with
 * %EMAILADDRESS%; JMAP, WebDAV, ManageSieve, oauth-public, logos and help
 * other than documentation are reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "pacc/error.h"
#include "pacc/provider.h"

#include "alloc.h"
#include "bounds.h"
#include "buf.h"
#include "diag.h"
#include "internal.h"
#include "fmt.h"
#include "xml.h"

#define HOST_MAX 253
#define PATH_LEN 160

enum { P_IMAP, P_POP3, P_SMTP, P_N };

static const struct {
	const char *type, *key, *label;
	unsigned port;
} tcp[P_N] = {
	{ "imap", "imap", "IMAP", 993 },
	{ "pop3", "pop3", "POP3", 995 },
	{ "smtp", "submit", "SMTP submission", 465 },
};

struct cv {
	pacc_diags *d;
	char *domain; /* A-label, for %EMAILDOMAIN%; NULL when none */
	bool domain_used;
	char *host[P_N]; /* the chosen servers */
	bool password, oauth;
	char *dav_url[2];  /* caldav, carddav */
	size_t nreason[4]; /* entries left out, by R_* */
};

static void
where(char *buf, size_t size, const struct pacc__xml_node *n)
{
	char tmp[PATH_LEN] = "";
	const struct pacc__xml_node *p;
	size_t depth = 0;

	if (n == NULL) {
		snprintf(buf, size, "/");
		return;
	}
	/* /clientConfig/emailProvider/incomingServer (line 12) */
	for (p = n; p != NULL && depth < 6; p = p->parent, depth++) {
		char seg[PATH_LEN];

		snprintf(seg, sizeof(seg), "/%s%s", p->name, tmp);
		snprintf(tmp, sizeof(tmp), "%s", seg);
	}
	snprintf(buf, size, "%s (line %lu)", tmp, n->line);
}

enum { R_INVALID, R_PLAIN, R_STARTTLS, R_PORT };

static void
reason(struct cv *cv, int r)
{
	cv->nreason[r]++;
}

/* "2 without TLS (socketType plain), 1 with STARTTLS only" */
static void
reasons(const struct cv *cv, char *buf, size_t size)
{
	static const char *const what[] = { "invalid",
		"without TLS (socketType plain)", "with STARTTLS",
		"with TLS on a non-default port" };
	size_t o = 0;

	buf[0] = '\0';
	for (int r = 0; r < 4; r++) {
		int k;

		if (cv->nreason[r] == 0 || o >= size)
			continue;
		k = snprintf(buf + o, size - o, "%s%zu entr%s %s",
		    o ? ", " : "", cv->nreason[r],
		    cv->nreason[r] == 1 ? "y" : "ies", what[r]);
		if (k > 0)
			o += (size_t)k;
	}
}

/* %EMAILDOMAIN% replaced; NULL (*bad set) for other placeholders. */
static char *
expand_host(struct cv *cv, const char *t, const char **bad)
{
	static const char ph[] = "%EMAILDOMAIN%";
	struct pacc__buf b;
	char *s;

	*bad = NULL;
	if (strlen(t) > HOST_MAX + 64) {
		*bad = "is too long for a host name";
		return NULL;
	}
	/* room for every %EMAILDOMAIN% (13 bytes) growing to a whole
	 * domain: never ETOOBIG, which would read as ENOMEM */
	pacc__buf_init(&b,
	    (HOST_MAX + 64) / 13 * (HOST_MAX + 1) + HOST_MAX + 64);
	while (*t) {
		if (strncmp(t, ph, sizeof(ph) - 1) == 0) {
			if (cv->domain == NULL) {
				*bad = "uses %EMAILDOMAIN% but no domain is "
				       "known (give one)";
				goto fail;
			}
			cv->domain_used = true;
			if (pacc__buf_append(&b, cv->domain,
				strlen(cv->domain)) != PACC_OK)
				goto fail;
			t += sizeof(ph) - 1;
			continue;
		}
		if (*t == '%') {
			*bad = "holds a placeholder other than %EMAILDOMAIN%";
			goto fail;
		}
		if (pacc__buf_append(&b, t, 1) != PACC_OK)
			goto fail;
		t++;
	}
	s = pacc__buf_steal(&b, NULL);
	if (s == NULL)
		s = pacc__strdup("");
	return s;
fail:
	pacc__buf_free(&b);
	return NULL;
}

static bool
host_ok(char *h)
{
	size_t n = strlen(h);

	if (n > 0 && h[n - 1] == '.')
		h[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (h[i] >= 'A' && h[i] <= 'Z')
			h[i] = (char)(h[i] + 32);
	return n > 0 && pacc__hostname_valid(h) && strchr(h, '.') != NULL &&
	    strspn(h, "0123456789.") != n;
}

/* Authentication methods of an entry: password / OAuth2 / the others. */
static void
auth_of(const struct pacc__xml_node *n, bool *pw, bool *oauth, char *other,
    size_t olen)
{
	static const char *const pws[] = { "password-cleartext",
		"password-encrypted", "plain", "secure", "http-basic",
		"http-digest" };
	const struct pacc__xml_node *a;

	*pw = *oauth = false;
	other[0] = '\0';
	for (a = pacc__xml_child(n, "authentication"); a != NULL;
	     a = pacc__xml_next(a, "authentication")) {
		const char *t = a->text ? a->text : "";
		bool known = false;
		char qb[48];

		if (strcasecmp(t, "OAuth2") == 0) {
			*oauth = true;
			continue;
		}
		for (size_t i = 0; i < sizeof(pws) / sizeof(pws[0]); i++)
			if (strcasecmp(t, pws[i]) == 0)
				known = true;
		if (known) {
			*pw = true;
			continue;
		}
		if (strlen(other) + 50 < olen)
			snprintf(other + strlen(other), olen - strlen(other),
			    "%s%s", other[0] ? ", " : "",
			    pacc__quote(qb, sizeof(qb), t));
	}
}

static const char *
sock_of(const struct pacc__xml_node *n)
{
	const char *s = pacc__xml_child_text(n, "socketType");

	return s ? s : "";
}

/* Children of a server entry that PACC has no place for. */
static void
server_options(struct cv *cv, const struct pacc__xml_node *n, const char *at)
{
	static const char *const known[] = { "hostname", "port", "socketType",
		"username", "authentication", "password", "pop3" };
	char list[200] = "";
	const struct pacc__xml_node *c;

	if (pacc__xml_child(n, "pop3") != NULL)
		pacc__diag(cv->d, PACC_SEVERITY_WARNING, "pop3-options", at,
		    "the <pop3> client settings (leave messages on the "
		    "server, days to keep, check interval) have no PACC "
		    "equivalent; left out");
	for (c = n->child; c != NULL; c = c->next) {
		bool k = false;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(c->name, known[i]) == 0)
				k = true;
		if (!k && strlen(list) + strlen(c->name) + 4 < sizeof(list))
			snprintf(list + strlen(list),
			    sizeof(list) - strlen(list), "%s<%s>",
			    list[0] ? ", " : "", c->name);
	}
	if (list[0])
		pacc__diag(cv->d, PACC_SEVERITY_WARNING,
		    "server-option-not-expressible", at,
		    "%s: no PACC equivalent; left out", list);
}

/*
 * Every '%' in text or attribute values that does not start a known
 * placeholder (SOURCE.md: office365.com.xml's "%EMAILADDRESS").
 */
static void
scan_placeholders(struct cv *cv, const struct pacc__xml_node *n, size_t depth)
{
	static const char *const ph[] = { "%EMAILADDRESS%", "%EMAILLOCALPART%",
		"%EMAILDOMAIN%", "%REALNAME%" };
	char at[PATH_LEN + 32], qb[64];

	if (depth > PACC__XML_MAX_DEPTH)
		return;
	for (; n != NULL; n = n->next) {
		const char *t = n->text;

		for (const char *q = t ? strchr(t, '%') : NULL; q != NULL;
		     q = strchr(q + 1, '%')) {
			size_t i;

			for (i = 0; i < sizeof(ph) / sizeof(ph[0]); i++)
				if (strncmp(q, ph[i], strlen(ph[i])) == 0)
					break;
			if (i < sizeof(ph) / sizeof(ph[0])) {
				q += strlen(ph[i]) - 1;
				continue;
			}
			if (strcmp(n->name, "descr") == 0 ||
			    strcmp(n->name, "instruction") == 0)
				break; /* prose: a '%' is just a character */
			where(at, sizeof(at), n);
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "placeholder-malformed", at,
			    "<%s> \"%s\" holds a malformed or unknown "
			    "placeholder (an upstream mistake?)",
			    n->name, pacc__quote(qb, sizeof(qb), t));
			break;
		}
		scan_placeholders(cv, n->child, depth + 1);
	}
}

/* The username of the chosen entry. */
static void
check_username(struct cv *cv, const struct pacc__xml_node *n, const char *at)
{
	const char *u = pacc__xml_child_text(n, "username");
	char qb[64];

	if (u == NULL || *u == '\0' || strcmp(u, "%EMAILADDRESS%") == 0)
		return;
	pacc__diag(cv->d, PACC_SEVERITY_WARNING, "username-not-address", at,
	    "username \"%s\": PACC clients always log in with the full "
	    "address, which this server may not accept",
	    pacc__quote(qb, sizeof(qb), u));
}

/* The entries of one protocol, in document order. */
static int
take_tcp(struct cv *cv, const struct pacc__xml_node *ep, int p)
{
	const char *elem = p == P_SMTP ? "outgoingServer" : "incomingServer";
	const struct pacc__xml_node *n;
	char at[PATH_LEN + 32], qb[64], qb2[64];

	for (n = pacc__xml_child(ep, elem); n != NULL;
	     n = pacc__xml_next(n, elem)) {
		const char *type = pacc__xml_attr(n, "type");
		const char *t = pacc__xml_child_text(n, "hostname");
		const char *st = sock_of(n), *bad = NULL;
		unsigned port = pacc__port_parse(
		    pacc__xml_child_text(n, "port"));
		bool pw, oa;
		char other[160], *h;

		if (type == NULL || strcasecmp(type, tcp[p].type) != 0)
			continue;
		where(at, sizeof(at), n);
		if (t == NULL || *t == '\0') {
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "entry-invalid", at,
			    "%s entry without a hostname; left out",
			    tcp[p].label);
			reason(cv, R_INVALID);
			continue;
		}
		if ((h = expand_host(cv, t, &bad)) == NULL) {
			if (bad == NULL)
				return PACC_ENOMEM;
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "entry-invalid", at, "hostname \"%s\" %s; left out",
			    pacc__quote(qb, sizeof(qb), t), bad);
			reason(cv, R_INVALID);
			continue;
		}
		if (!host_ok(h)) {
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "entry-invalid", at,
			    "hostname \"%s\" is not a valid host name; left "
			    "out",
			    pacc__quote(qb, sizeof(qb), h));
			reason(cv, R_INVALID);
			pacc__free(h);
			continue;
		}
		if (port == 0) {
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "entry-invalid", at,
			    "port is not a number in 1..65535; left out");
			reason(cv, R_INVALID);
			pacc__free(h);
			continue;
		}
		if (strcasecmp(st, "plain") == 0) {
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "socket-type-plain", at,
			    "%s on %s:%u without TLS (socketType plain): PACC "
			    "servers always use TLS; left out",
			    tcp[p].label, pacc__quote(qb, sizeof(qb), h), port);
			reason(cv, R_PLAIN);
		} else if (strcasecmp(st, "STARTTLS") == 0) {
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "starttls-not-expressible", at,
			    "%s on %s:%u with STARTTLS: PACC servers use "
			    "direct "
			    "TLS on port %u; left out",
			    tcp[p].label, pacc__quote(qb, sizeof(qb), h), port,
			    tcp[p].port);
			reason(cv, R_STARTTLS);
		} else if (strcasecmp(st, "SSL") != 0) {
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "entry-invalid", at,
			    "socketType \"%s\" is not SSL, STARTTLS or plain; "
			    "left out",
			    pacc__quote(qb, sizeof(qb), st));
			reason(cv, R_INVALID);
		} else if (port != tcp[p].port) {
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "port-not-default", at,
			    "%s on %s with TLS on port %u: PACC implies port "
			    "%u; left out",
			    tcp[p].label, pacc__quote(qb, sizeof(qb), h), port,
			    tcp[p].port);
			reason(cv, R_PORT);
		} else if (cv->host[p] != NULL) {
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "alternative-dropped", at,
			    "%s on %s:%u is an alternative to %s: PACC has one "
			    "server per protocol, the first is kept",
			    tcp[p].label, pacc__quote(qb, sizeof(qb), h), port,
			    pacc__quote(qb2, sizeof(qb2), cv->host[p]));
		} else {
			/* the one kept */
			auth_of(n, &pw, &oa, other, sizeof(other));
			cv->password |= pw;
			cv->oauth |= oa;
			if (other[0])
				pacc__diag(cv->d, PACC_SEVERITY_WARNING,
				    "auth-not-expressible", at,
				    "authentication %s: no PACC equivalent "
				    "(PACC knows passwords and OAuth)%s",
				    other,
				    pw || oa ? ""
					     : "; this server promises no "
					       "method PACC can state");
			check_username(cv, n, at);
			server_options(cv, n, at);
			cv->host[p] = h;
			continue;
		}
		pacc__free(h);
	}
	return PACC_OK;
}

static void
take_dav(struct cv *cv, const struct pacc__xml_node *n, int k)
{
	const char *want = k == 0 ? "caldav" : "carddav";
	const char *type = pacc__xml_attr(n, "type");
	const char *u = pacc__xml_child_text(n, "serverURL");
	char at[PATH_LEN + 32], qb[64];

	where(at, sizeof(at), n);
	if (type != NULL && strcasecmp(type, want) != 0) {
		pacc__diag(cv->d, PACC_SEVERITY_WARNING,
		    "server-type-not-expressible", at,
		    "type \"%s\" has no PACC equivalent; left out",
		    pacc__quote(qb, sizeof(qb), type));
		return;
	}
	if (u == NULL)
		u = pacc__xml_child_text(n, "url");
	if (u == NULL || strchr(u, '%') != NULL || !pacc__https_url_valid(u)) {
		pacc__diag(cv->d, PACC_SEVERITY_WARNING, "url-not-expressible",
		    at,
		    "the %s URL \"%s\" is not a fixed https URL (PACC URLs "
		    "have no placeholders); left out",
		    want, pacc__quote(qb, sizeof(qb), u ? u : ""));
		return;
	}
	if (cv->dav_url[k] != NULL) {
		pacc__diag(cv->d, PACC_SEVERITY_WARNING, "alternative-dropped",
		    at, "a second %s server: PACC has one, the first is kept",
		    want);
		return;
	}
	cv->dav_url[k] = pacc__strdup(u);
	if (cv->dav_url[k] == NULL)
		cv->d->enomem = true;
}

/* Elements of <emailProvider> or <clientConfig> PACC cannot say. */
static void
other_elements(struct cv *cv, const struct pacc__xml_node *parent,
    const char *const *known, size_t nknown)
{
	const struct pacc__xml_node *c, *e;
	char at[PATH_LEN + 32];

	for (c = parent->child; c != NULL; c = c->next) {
		bool k = false, seen = false;

		for (size_t i = 0; i < nknown; i++)
			if (strcmp(c->name, known[i]) == 0)
				k = true;
		for (e = parent->child; e != c; e = e->next)
			if (strcmp(e->name, c->name) == 0)
				seen = true;
		if (k || seen)
			continue;
		where(at, sizeof(at), c);
		if (strcmp(c->name, "displayNameShort") == 0)
			continue; /* handled with the names */
		pacc__diag(cv->d, PACC_SEVERITY_WARNING,
		    "element-not-expressible", at,
		    "<%s> has no PACC equivalent; left out", c->name);
	}
}

static int
server_types(struct cv *cv, const struct pacc__xml_node *ep)
{
	static const char *const elems[] = { "incomingServer",
		"outgoingServer" };
	char at[PATH_LEN + 32], qb[64];

	for (size_t k = 0; k < 2; k++)
		for (const struct pacc__xml_node *n =
			 pacc__xml_child(ep, elems[k]);
		     n != NULL; n = pacc__xml_next(n, elems[k])) {
			const char *t = pacc__xml_attr(n, "type");

			if (t != NULL &&
			    ((k == 0 &&
				 (strcasecmp(t, "imap") == 0 ||
				     strcasecmp(t, "pop3") == 0)) ||
				(k == 1 && strcasecmp(t, "smtp") == 0)))
				continue;
			where(at, sizeof(at), n);
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "server-type-not-expressible", at,
			    "server type \"%s\" has no PACC equivalent; left "
			    "out",
			    pacc__quote(qb, sizeof(qb), t ? t : ""));
		}
	return PACC_OK;
}

/* Display text usable as a PACC name: 1..max code points, printable. */
static bool
text_fits(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if ((*p & 0xc0) != 0x80)
			n++;
	}
	return n <= max;
}

static int
build_json(struct cv *cv, const struct pacc__xml_node *root,
    const struct pacc__xml_node *ep, char **out, size_t *outlen)
{
	json_t *doc = json_object(), *protos = json_object();
	json_t *info = json_object(), *prov = json_object();
	const char *name = pacc__xml_child_text(ep, "displayName");
	const char *sn = pacc__xml_child_text(ep, "displayShortName");
	const char *id = pacc__xml_attr(ep, "id");
	const struct pacc__xml_node *n;
	char at[PATH_LEN + 32], *s = NULL;
	int rc = PACC_ENOMEM;

	(void)root;
	if (!doc || !protos || !info || !prov)
		goto out;
	for (int p = 0; p < P_N; p++)
		if (cv->host[p] != NULL &&
		    json_object_set_new(protos, tcp[p].key,
			json_pack("{ss}", "host", cv->host[p])) != 0)
			goto out;
	for (int k = 0; k < 2; k++)
		if (cv->dav_url[k] != NULL &&
		    json_object_set_new(protos, k == 0 ? "caldav" : "carddav",
			json_pack("{ss}", "url", cv->dav_url[k])) != 0)
			goto out;
	if (json_object_set(doc, "protocols", protos) != 0)
		goto out;
	if (cv->password &&
	    json_object_set_new(doc, "authentication",
		json_pack("{sb}", "password", 1)) != 0)
		goto out;
	if (!cv->password)
		pacc__diag(cv->d, PACC_SEVERITY_WARNING, "no-password", "",
		    "no server kept promises a password method, so the "
		    "document states no authentication method");
	if (!text_fits(name, PACC__MAX_NAME_CP)) {
		const char *fb = text_fits(id, PACC__MAX_NAME_CP) ? id
								  : cv->domain;

		n = pacc__xml_child(ep, "displayName");
		if (n)
			where(at, sizeof(at), n);
		else
			snprintf(at, sizeof(at), "/clientConfig/emailProvider");
		pacc__diag(cv->d, PACC_SEVERITY_WARNING, "name-derived", at,
		    "%s; the provider name is \"%s\" instead",
		    name == NULL ? "no <displayName>"
				 : "<displayName> is empty, longer than 60 "
				   "characters or holds control characters",
		    fb ? fb : "Mail");
		name = fb ? fb : "Mail";
	}
	if (json_object_set_new(prov, "name", json_string(name)) != 0)
		goto out;
	if (sn == NULL &&
	    (sn = pacc__xml_child_text(ep, "displayNameShort")) != NULL) {
		where(at, sizeof(at), pacc__xml_child(ep, "displayNameShort"));
		pacc__diag(cv->d, PACC_SEVERITY_WARNING, "misspelt-element", at,
		    "<displayNameShort> is a misspelling of <displayShortName> "
		    "(an upstream mistake); read as the short name");
	}
	if (sn != NULL && text_fits(sn, PACC__MAX_SHORT_NAME_CP)) {
		if (json_object_set_new(prov, "shortName", json_string(sn)) !=
		    0)
			goto out;
	} else if (sn != NULL) {
		pacc__diag(cv->d, PACC_SEVERITY_WARNING, "short-name-too-long",
		    "/clientConfig/emailProvider/displayShortName",
		    "the short name is longer than %d characters or holds "
		    "control characters; left out",
		    PACC__MAX_SHORT_NAME_CP);
	}
	if (json_object_set(info, "provider", prov) != 0)
		goto out;
	{
		const char *doc_url = NULL;

		for (n = pacc__xml_child(ep, "documentation"); n != NULL;
		     n = pacc__xml_next(n, "documentation")) {
			const char *u = pacc__xml_attr(n, "url");

			where(at, sizeof(at), n);
			if (doc_url == NULL && u != NULL &&
			    strchr(u, '%') == NULL &&
			    pacc__https_url_valid(u)) {
				doc_url = u;
				continue;
			}
			pacc__diag(cv->d, PACC_SEVERITY_WARNING,
			    "documentation-dropped", at, "%s; left out",
			    doc_url ? "PACC has one documentation link"
				    : "the documentation link is not a fixed "
				      "https URL");
		}
		if (doc_url != NULL &&
		    json_object_set_new(info, "help",
			json_pack("{ss}", "documentation", doc_url)) != 0)
			goto out;
	}
	if (json_object_set(doc, "info", info) != 0)
		goto out;
	s = json_dumps(doc, JSON_INDENT(2));
	if (s == NULL)
		goto out;
	{
		size_t n2 = strlen(s);
		char *o = pacc__malloc(n2 + 2);

		if (o == NULL)
			goto out;
		memcpy(o, s, n2);
		o[n2] = '\n';
		o[n2 + 1] = '\0';
		*out = o;
		*outlen = n2 + 1;
	}
	rc = PACC_OK;
out:
	free(s);
	json_decref(doc);
	json_decref(protos);
	json_decref(info);
	json_decref(prov);
	return rc;
}

static void
cv_clear(struct cv *cv)
{
	pacc__free(cv->domain);
	for (int p = 0; p < P_N; p++)
		pacc__free(cv->host[p]);
	pacc__free(cv->dav_url[0]);
	pacc__free(cv->dav_url[1]);
}

static int
finish(pacc_diags **report, pacc_diags *d, int rc)
{
	if (rc == PACC_OK || rc == PACC_EFORMAT) {
		if (d->enomem)
			rc = PACC_ENOMEM;
	}
	if (rc != PACC_OK && rc != PACC_EFORMAT) {
		pacc_diags_free(d);
		return rc;
	}
	*report = d;
	return rc;
}

PACC__API int
pacc_convert_xml_to_json(char **out, size_t *outlen, pacc_diags **report,
    const unsigned char *xml, size_t len, const pacc_convert_opts *opts)
{
	static const char *const ep_known[] = { "domain", "displayName",
		"displayShortName", "incomingServer", "outgoingServer",
		"documentation", "calendar", "addressBook", "oAuth2" };
	static const char *const root_known[] = { "emailProvider", "calendar",
		"addressBook", "oAuth2" };
	struct pacc__xml_node *root = NULL;
	const struct pacc__xml_node *ep, *n;
	struct cv cv;
	char why[256], at[PATH_LEN + 32], qb[64], doms[200] = "";
	size_t ndom = 0;
	const char *id;
	bool id_listed = false;
	int rc;

	if (out == NULL || outlen == NULL || report == NULL ||
	    (xml == NULL && len > 0) || (opts != NULL && opts->version < 1))
		return PACC_EINVAL;
	*out = NULL;
	*outlen = 0;
	*report = NULL;
	memset(&cv, 0, sizeof(cv));
	if ((rc = pacc__diags_new(&cv.d)) != PACC_OK)
		return rc;
	rc = pacc__xml_parse(&root, xml, len, why, sizeof(why));
	if (rc == PACC_EFORMAT) {
		pacc__diag(cv.d, PACC_SEVERITY_ERROR, "not-xml", "",
		    "not a well-formed XML document pacc reads: %s", why);
		goto out;
	}
	if (rc != PACC_OK)
		goto out;
	rc = PACC_EFORMAT;
	if (strcmp(root->name, "clientConfig") != 0) {
		pacc__diag(cv.d, PACC_SEVERITY_ERROR, "not-clientconfig", "",
		    "the root element is <%s>, not <clientConfig>",
		    pacc__quote(qb, sizeof(qb), root->name));
		goto out;
	}
	ep = pacc__xml_child(root, "emailProvider");
	if (ep == NULL) {
		pacc__diag(cv.d, PACC_SEVERITY_ERROR, "no-email-provider",
		    "/clientConfig", "the document has no <emailProvider>");
		goto out;
	}
	if (pacc__xml_next(ep, "emailProvider") != NULL) {
		where(at, sizeof(at), pacc__xml_next(ep, "emailProvider"));
		pacc__diag(cv.d, PACC_SEVERITY_WARNING, "multiple-providers",
		    at, "only the first <emailProvider> is converted");
	}
	/* the domain(s) */
	id = pacc__xml_attr(ep, "id");
	for (n = pacc__xml_child(ep, "domain"); n != NULL;
	     n = pacc__xml_next(n, "domain")) {
		const char *t = n->text ? n->text : "";

		if (id != NULL && strcasecmp(id, t) == 0)
			id_listed = true;
		if (ndom++ < 4 && strlen(doms) + strlen(t) + 4 < sizeof(doms))
			snprintf(doms + strlen(doms),
			    sizeof(doms) - strlen(doms), "%s%s",
			    doms[0] ? ", " : "", t);
	}
	if (opts != NULL && opts->domain != NULL) {
		rc = pacc_domain_to_ascii(&cv.domain, opts->domain);
		if (rc == PACC_EADDRESS) {
			pacc__diag(cv.d, PACC_SEVERITY_ERROR, "bad-domain", "",
			    "the domain given is not a valid domain");
			rc = PACC_EFORMAT;
		}
		if (rc != PACC_OK)
			goto out;
	}
	for (n = pacc__xml_child(ep, "domain"); n != NULL && cv.domain == NULL;
	     n = pacc__xml_next(n, "domain"))
		if (pacc_domain_to_ascii(&cv.domain, n->text ? n->text : "") ==
		    PACC_ENOMEM) {
			rc = PACC_ENOMEM;
			goto out;
		}
	if (ndom > 1)
		pacc__diag(cv.d, PACC_SEVERITY_NOTE, "domain-list",
		    "/clientConfig/emailProvider/domain",
		    "the XML serves %zu domains (%s%s); a PACC document is "
		    "published per domain, at ua-auto-config.<domain> with "
		    "its own TXT record",
		    ndom, doms, ndom > 4 ? ", ..." : "");
	if (id != NULL && ndom > 0 && !id_listed)
		pacc__diag(cv.d, PACC_SEVERITY_NOTE, "provider-id-mismatch",
		    "/clientConfig/emailProvider",
		    "emailProvider id \"%s\" is not one of its <domain>s; PACC "
		    "has no provider id",
		    pacc__quote(qb, sizeof(qb), id));
	scan_placeholders(&cv, root->child, 1);
	if ((rc = server_types(&cv, ep)) != PACC_OK)
		goto out;
	for (int p = 0; p < P_N; p++)
		if ((rc = take_tcp(&cv, ep, p)) != PACC_OK)
			goto out;
	rc = PACC_EFORMAT;
	for (int k = 0; k < 2; k++) {
		const char *el = k == 0 ? "calendar" : "addressBook";
		const struct pacc__xml_node *parent[] = { ep, root };

		for (size_t i = 0; i < 2; i++)
			for (n = pacc__xml_child(parent[i], el); n != NULL;
			     n = pacc__xml_next(n, el))
				take_dav(&cv, n, k);
	}
	if (cv.domain_used)
		pacc__diag(cv.d, PACC_SEVERITY_WARNING, "hostname-placeholder",
		    "",
		    "host names use %%EMAILDOMAIN%%, replaced by %s: this JSON "
		    "is valid for that domain only",
		    cv.domain);
	if (cv.oauth || pacc__xml_child(root, "oAuth2") != NULL ||
	    pacc__xml_child(ep, "oAuth2") != NULL) {
		const char *iss = pacc__xml_child_text(
		    pacc__xml_child(root, "oAuth2"), "issuer");

		if (iss == NULL)
			iss = pacc__xml_child_text(
			    pacc__xml_child(ep, "oAuth2"), "issuer");
		pacc__diag(cv.d, PACC_SEVERITY_WARNING,
		    "oauth2-not-expressible", "/clientConfig/oAuth2",
		    "OAuth2 (issuer \"%s\") relies on client IDs registered "
		    "with the provider; PACC's oauth-public promises the OAuth "
		    "Profile for Open Public Clients, which the XML cannot "
		    "vouch for; left out",
		    pacc__quote(qb, sizeof(qb), iss ? iss : ""));
	}
	other_elements(&cv, ep, ep_known,
	    sizeof(ep_known) / sizeof(ep_known[0]));
	other_elements(&cv, root, root_known,
	    sizeof(root_known) / sizeof(root_known[0]));
	if (cv.host[P_IMAP] == NULL && cv.host[P_POP3] == NULL &&
	    cv.host[P_SMTP] == NULL && cv.dav_url[0] == NULL &&
	    cv.dav_url[1] == NULL) {
		char rs[200];

		reasons(&cv, rs, sizeof(rs));
		pacc__diag(cv.d, PACC_SEVERITY_ERROR, "no-expressible-server",
		    "",
		    "no server PACC can express (IMAP, POP3 or submission "
		    "with direct TLS on the default port, or https CalDAV/"
		    "CardDAV): %s",
		    rs[0] ? rs : "the document lists none");
		goto out;
	}
	if (cv.host[P_IMAP] == NULL && cv.host[P_POP3] == NULL)
		pacc__diag(cv.d, PACC_SEVERITY_WARNING, "no-incoming-server",
		    "", "no incoming (IMAP or POP3) server could be kept");
	if (cv.host[P_SMTP] == NULL)
		pacc__diag(cv.d, PACC_SEVERITY_WARNING, "no-outgoing-server",
		    "", "no submission server could be kept");
	rc = build_json(&cv, root, ep, out, outlen);
	if (rc == PACC_OK) {
		/* What we write must pass our own validator. */
		pacc_diags *vd = NULL;

		rc = pacc_document_validate(&vd, (const unsigned char *)*out,
		    *outlen);
		if (rc == PACC_OK &&
		    pacc_diags_count_severity(vd, PACC_SEVERITY_ERROR) > 0) {
			const pacc_diag *e = pacc_diags_get(vd, 0);

			pacc__diag(cv.d, PACC_SEVERITY_ERROR,
			    "internal-invalid", e->path,
			    "the converted document fails validation: "
			    "%s",
			    e->message);
			rc = PACC_EFORMAT;
		}
		pacc_diags_free(vd);
	}
out:
	if (rc != PACC_OK) {
		pacc__free(*out);
		*out = NULL;
		*outlen = 0;
	}
	pacc__xml_free(root);
	cv_clear(&cv);
	return finish(report, cv.d, rc);
}

/* ---- JSON -> XML ---- */

static int
xml_text(struct pacc__buf *b, const char *s)
{
	int rc = PACC_OK;

	for (; *s && rc == PACC_OK; s++) {
		switch (*s) {
		case '&':
			rc = pacc__buf_append(b, "&amp;", 5);
			break;
		case '<':
			rc = pacc__buf_append(b, "&lt;", 4);
			break;
		case '>':
			rc = pacc__buf_append(b, "&gt;", 4);
			break;
		case '"':
			rc = pacc__buf_append(b, "&quot;", 6);
			break;
		default:
			rc = pacc__buf_append(b, s, 1);
		}
	}
	return rc;
}

static int
xml_elem(struct pacc__buf *b, const char *indent, const char *name,
    const char *text)
{
	int rc = pacc__buf_appendf(b, "%s<%s>", indent, name);

	if (rc == PACC_OK)
		rc = xml_text(b, text);
	if (rc == PACC_OK)
		rc = pacc__buf_appendf(b, "</%s>\n", name);
	return rc;
}

static int
xml_server(struct pacc__buf *b, const char *elem, const char *type,
    const char *host, unsigned port, bool password)
{
	int rc = pacc__buf_appendf(b, "    <%s type=\"%s\">\n", elem, type);

	if (rc == PACC_OK)
		rc = xml_elem(b, "      ", "hostname", host);
	if (rc == PACC_OK)
		rc = pacc__buf_appendf(b,
		    "      <port>%u</port>\n"
		    "      <socketType>SSL</socketType>\n"
		    "      <username>%%EMAILADDRESS%%</username>\n",
		    port);
	if (rc == PACC_OK && password)
		rc = pacc__buf_appendf(b,
		    "      <authentication>"
		    "password-cleartext"
		    "</authentication>\n");
	if (rc == PACC_OK)
		rc = pacc__buf_appendf(b, "    </%s>\n", elem);
	return rc;
}

static int
xml_dav(struct pacc__buf *b, const char *elem, const char *type,
    const char *url, bool password)
{
	int rc = pacc__buf_appendf(b, "  <%s type=\"%s\">\n", elem, type);

	if (rc == PACC_OK)
		rc = xml_elem(b, "    ", "serverURL", url);
	if (rc == PACC_OK)
		rc = pacc__buf_appendf(b,
		    "    <username>%%EMAILADDRESS%%</username>\n");
	if (rc == PACC_OK && password)
		rc = pacc__buf_appendf(b,
		    "    <authentication>http-basic"
		    "</authentication>\n");
	if (rc == PACC_OK)
		rc = pacc__buf_appendf(b, "  </%s>\n", elem);
	return rc;
}

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The first host of the document (for the emailProvider domain). */
static char *
first_host(const json_t *protos)
{
	static const char *const hk[] = { "imap", "pop3", "submit", "smtp" };
	static const char *const uk[] = { "jmap", "caldav", "carddav",
		"webdav" };

	for (size_t i = 0; i < 4; i++) {
		const char *h = jstr(json_object_get(protos, hk[i]), "host");

		if (h != NULL)
			return pacc__strdup(h);
	}
	for (size_t i = 0; i < 4; i++) {
		const char *u = jstr(json_object_get(protos, uk[i]), "url");

		if (u != NULL)
			return pacc__url_host(u);
	}
	return NULL;
}

PACC__API int
pacc_convert_json_to_xml(char **out, size_t *outlen, pacc_diags **report,
    const unsigned char *json, size_t len, const pacc_convert_opts *opts)
{
	pacc_diags *d = NULL, *vd = NULL;
	json_t *root = NULL;
	const json_t *protos, *authn, *prov, *help;
	struct pacc__buf b;
	char *domain = NULL, *h = NULL;
	const char *name, *sn, *docu, *smtp_key;
	bool password;
	int rc;

	if (out == NULL || outlen == NULL || report == NULL ||
	    (json == NULL && len > 0) || (opts != NULL && opts->version < 1))
		return PACC_EINVAL;
	*out = NULL;
	*outlen = 0;
	*report = NULL;
	pacc__buf_init(&b, PACC__MAX_XML_BYTES);
	if ((rc = pacc__diags_new(&d)) != PACC_OK)
		return rc;
	if ((rc = pacc_document_validate(&vd, json, len)) != PACC_OK)
		goto out;
	rc = PACC_EFORMAT;
	if (pacc_diags_count_severity(vd, PACC_SEVERITY_ERROR) > 0) {
		for (size_t i = 0; i < pacc_diags_count(vd); i++) {
			const pacc_diag *e = pacc_diags_get(vd, i);

			if (e->severity == PACC_SEVERITY_ERROR)
				pacc__diag(d, e->severity, e->code, e->path,
				    "%s", e->message);
		}
		goto out;
	}
	root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES,
	    NULL);
	if (root == NULL) {
		pacc__diag(d, PACC_SEVERITY_ERROR, "invalid-json", "",
		    "not valid JSON");
		goto out;
	}
	protos = json_object_get(root, "protocols");
	authn = json_object_get(root, "authentication");
	prov = json_object_get(json_object_get(root, "info"), "provider");
	help = json_object_get(json_object_get(root, "info"), "help");
	password = json_is_true(json_object_get(authn, "password"));
	if (opts != NULL && opts->domain != NULL) {
		rc = pacc_domain_to_ascii(&domain, opts->domain);
		if (rc == PACC_EADDRESS) {
			pacc__diag(d, PACC_SEVERITY_ERROR, "bad-domain", "",
			    "the domain given is not a valid domain");
			rc = PACC_EFORMAT;
		}
		if (rc != PACC_OK)
			goto out;
	} else {
		if ((h = first_host(protos)) == NULL) {
			pacc__diag(d, PACC_SEVERITY_ERROR, "no-domain", "",
			    "no host to derive the domain from; give one");
			goto out;
		}
		rc = pacc__registrable_domain(&domain, h);
		if (rc == PACC_ENOMEM)
			goto out;
		if (rc != PACC_OK) {
			pacc__diag(d, PACC_SEVERITY_ERROR, "no-domain", "",
			    "cannot derive a domain from \"%s\"; give one", h);
			rc = PACC_EFORMAT;
			goto out;
		}
		pacc__diag(d, PACC_SEVERITY_NOTE, "domain-derived", "",
		    "the PACC document names no domain; <domain> and the "
		    "provider id are %s, derived from %s (give the domain to "
		    "choose)",
		    domain, h);
	}
	name = jstr(prov, "name");
	sn = jstr(prov, "shortName");
	docu = jstr(help, "documentation");
	rc = pacc__buf_appendf(&b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<clientConfig version=\"1.1\">\n"
	    "  <emailProvider id=\"%s\">\n"
	    "    <domain>%s</domain>\n",
	    domain, domain);
	if (rc == PACC_OK && name)
		rc = xml_elem(&b, "    ", "displayName", name);
	if (rc == PACC_OK && sn)
		rc = xml_elem(&b, "    ", "displayShortName", sn);
	for (int p = 0; p < P_N && rc == PACC_OK; p++) {
		const char *key = tcp[p].key;
		const char *host = jstr(json_object_get(protos, key), "host");

		if (p == P_SMTP && host == NULL) {
			key = "smtp";
			host = jstr(json_object_get(protos, key), "host");
		}
		if (host == NULL)
			continue;
		rc = xml_server(&b,
		    p == P_SMTP ? "outgoingServer" : "incomingServer",
		    tcp[p].type, host, tcp[p].port, password);
	}
	smtp_key = json_object_get(protos, "submit") ? "smtp" : NULL;
	if (smtp_key && json_object_get(protos, smtp_key))
		pacc__diag(d, PACC_SEVERITY_WARNING, "alternative-dropped",
		    "/protocols/smtp",
		    "\"smtp\" beside \"submit\": the submit server is used");
	if (rc == PACC_OK && docu != NULL) {
		rc = pacc__buf_appendf(&b, "    <documentation url=\"");
		if (rc == PACC_OK)
			rc = xml_text(&b, docu);
		if (rc == PACC_OK)
			rc = pacc__buf_appendf(&b, "\"/>\n");
	}
	if (rc == PACC_OK)
		rc = pacc__buf_appendf(&b, "  </emailProvider>\n");
	if (rc == PACC_OK && jstr(json_object_get(protos, "caldav"), "url"))
		rc = xml_dav(&b, "calendar", "caldav",
		    jstr(json_object_get(protos, "caldav"), "url"), password);
	if (rc == PACC_OK && jstr(json_object_get(protos, "carddav"), "url"))
		rc = xml_dav(&b, "addressBook", "carddav",
		    jstr(json_object_get(protos, "carddav"), "url"), password);
	if (rc == PACC_OK)
		rc = pacc__buf_appendf(&b, "</clientConfig>\n");
	if (rc != PACC_OK) {
		if (rc == PACC_ETOOBIG) {
			pacc__diag(d, PACC_SEVERITY_ERROR, "too-large", "",
			    "the XML would exceed %d bytes",
			    PACC__MAX_XML_BYTES);
			rc = PACC_EFORMAT;
		}
		goto out;
	}
	/* what clientConfig cannot say */
	{
		static const char *const lost[] = { "jmap", "webdav",
			"managesieve" };

		for (size_t i = 0; i < 3; i++)
			if (json_object_get(protos, lost[i]) != NULL) {
				char path[48];

				snprintf(path, sizeof(path), "/protocols/%s",
				    lost[i]);
				pacc__diag(d, PACC_SEVERITY_WARNING,
				    "protocol-not-expressible", path,
				    "clientConfig v1.1 has no %s server; "
				    "left out",
				    lost[i]);
			}
	}
	if (json_object_get(authn, "oauth-public") != NULL)
		pacc__diag(d, PACC_SEVERITY_WARNING,
		    "oauth-public-not-expressible",
		    "/authentication/oauth-public",
		    "clientConfig's OAuth2 needs a client ID, endpoints and "
		    "scopes registered for Thunderbird; an oauth-public issuer "
		    "cannot be expressed; left out");
	if (!password)
		pacc__diag(d, PACC_SEVERITY_WARNING, "no-password", "",
		    "the document promises no password method: the servers "
		    "have no <authentication>");
	if (json_object_get(prov, "logo") != NULL)
		pacc__diag(d, PACC_SEVERITY_WARNING, "logo-not-expressible",
		    "/info/provider/logo",
		    "clientConfig has no logo; left out");
	if (json_object_get(help, "developer") != NULL ||
	    json_object_get(help, "contact") != NULL)
		pacc__diag(d, PACC_SEVERITY_WARNING, "help-not-expressible",
		    "/info/help",
		    "clientConfig has only documentation links; the developer "
		    "and contact entries are left out");
	*out = pacc__buf_steal(&b, outlen);
	rc = *out ? PACC_OK : PACC_ENOMEM;
out:
	pacc__buf_free(&b);
	pacc__free(domain);
	pacc__free(h);
	pacc_diags_free(vd);
	json_decref(root);
	return finish(report, d, rc);
}
