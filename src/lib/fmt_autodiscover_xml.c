/* SPDX-License-Identifier: MIT */
/*
 * Microsoft Autodiscover v1, "POX" (plain old XML) for Outlook: request
 * schema .../outlook/requestschema/2006, response schema
 * .../outlook/responseschema/2006a ([MS-OXDSCLI] §2.2.4).  Only what a
 * mail client needs: Account/Protocol entries of Type IMAP, POP3 and SMTP,
 * Account/Action redirectAddr and redirectUrl, and Response/Error.
 *
 * Policy, where the schema leaves it open or servers disagree with it:
 *  - Element names are matched by local name: servers vary the prefixes
 *    and even the namespaces (Error comes in the 2006 response schema,
 *    Account in 2006a), and nothing here depends on which.
 *  - TLS.  [MS-OXDSCLI] says SSL "on" (the default when absent) means an
 *    encrypted connection and that Encryption, when present, overrides
 *    SSL with None | SSL | TLS | Auto.  What "encrypted" means on a given
 *    port is left to the client; we read it as everyone does (Outlook's
 *    own settings dialog, Thunderbird, Delta Chat):
 *      Encryption SSL               -> implicit TLS
 *      Encryption TLS               -> STARTTLS
 *      SSL on / absent, Encryption Auto:
 *        port 143, 110, 587, 25     -> STARTTLS (the cleartext ports
 *                                      RFC 3501/1939/6409/5321 upgrade)
 *        any other port, or none    -> implicit TLS (RFC 8314 §3.3)
 *      SSL off, Encryption None     -> skipped: pacc never produces a
 *                                      plaintext configuration from
 *                                      Autodiscover (it has no
 *                                      allow_plain switch on purpose)
 *    A wrong guess between implicit and STARTTLS costs a failed
 *    handshake, never plaintext credentials.
 *  - Port absent: the protocol's implicit-TLS port (DESIGN §1).
 *  - LoginName is the username; absent, empty or equal to the address:
 *    NULL (the full address).  Auth is "password": POX promises nothing
 *    else (SPA means NTLM, which pacc does not do; the probe reports what
 *    the server offers).
 *  - Order: IMAP before POP3 unless the first IMAP/POP3 entry is POP3
 *    (then document order), then SMTP; document order within each, at
 *    most AD_MAX_SERVERS.
 *  - redirectAddr must be an addr-spec (pacc__addr_parse) other than the
 *    address asked for (that would loop); redirectUrl must be https.  A
 *    bad one makes the response PACC_EFORMAT: following half of a broken
 *    redirect is worse than reporting it.
 *  - Return: PACC_OK when the response has usable servers or a redirect;
 *    PACC_ENOTFOUND (with out->error) when it only carries an <Error>;
 *    PACC_EFORMAT otherwise, naming why.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pacc/error.h"

#include "alloc.h"
#include "buf.h"
#include "bounds.h"
#include "fmt.h"
#include "xml.h"

#define AD_MAX_SERVERS 32
#define HOST_MAX 253
#define USER_MAX 256
#define ERROR_MAX 200 /* bytes of a server's error text we keep */

static const char req_head[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
    "autodiscover/outlook/requestschema/2006\">\r\n"
    "  <Request>\r\n"
    "    <EMailAddress>";
static const char req_tail[] =
    "</EMailAddress>\r\n"
    "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/"
    "autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>"
    "\r\n"
    "  </Request>\r\n"
    "</Autodiscover>\r\n";

struct ad {
	const char *address;
	struct pacc__config *c;
	size_t skipped, nplain;
	bool truncated;
	char skip_why[200];
};

static void skip(struct ad *ad, const struct pacc__xml_node *n, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
skip(struct ad *ad, const struct pacc__xml_node *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	if (ad->skipped++ == 0) {
		k = snprintf(ad->skip_why, sizeof(ad->skip_why),
		    "<Protocol> (line %lu) ", n->line);
		if (k >= 0 && (size_t)k < sizeof(ad->skip_why))
			vsnprintf(ad->skip_why + k,
			    sizeof(ad->skip_why) - (size_t)k, fmt, ap);
	}
	va_end(ap);
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629 §4), 0 when
 * ill-formed; *cp gets the code point.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c, min;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

/* Printable UTF-8 (no C0, DEL, C1), at most `max` bytes. */
static bool
text_ok(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	if (n > max)
		return false;
	for (size_t i = 0; i < n;) {
		unsigned long c;
		size_t l = utf8_seq(p + i, n - i, &c);

		/* XML 1.0 §2.2 Char: U+FFFE and U+FFFF are not characters */
		if (l == 0 || c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
		    c == 0xfffe || c == 0xffff)
			return false;
		i += l;
	}
	return true;
}

/* ---- the request ---- */

int
pacc__autodiscover_request(char **out, size_t *len, const char *address)
{
	size_t n, o;
	char *b;

	if (out == NULL || len == NULL)
		return PACC_EINVAL;
	*out = NULL;
	*len = 0;
	/* The address is ours (pacc__addr), but it goes into XML: make
	 * sure it is text XML 1.0 can carry (§2.2 Char) before escaping. */
	if (address == NULL || *address == '\0' ||
	    !text_ok(address, PACC__MAX_INPUT_BYTES))
		return PACC_EINVAL;
	n = sizeof(req_head) - 1 + sizeof(req_tail) - 1;
	for (const char *p = address; *p; p++)
		n += *p == '&'		      ? 5
		    : *p == '<' || *p == '>'  ? 4
		    : *p == '"' || *p == '\'' ? 6
					      : 1;
	b = pacc__malloc(n + 1);
	if (b == NULL)
		return PACC_ENOMEM;
	memcpy(b, req_head, sizeof(req_head) - 1);
	o = sizeof(req_head) - 1;
	for (const char *p = address; *p; p++) {
		const char *e = *p == '&' ? "&amp;"
		    : *p == '<'		  ? "&lt;"
		    : *p == '>'		  ? "&gt;"
		    : *p == '"'		  ? "&quot;"
		    : *p == '\''	  ? "&apos;"
					  : NULL;

		if (e == NULL) {
			b[o++] = *p;
			continue;
		}
		memcpy(b + o, e, strlen(e));
		o += strlen(e);
	}
	memcpy(b + o, req_tail, sizeof(req_tail) - 1);
	o += sizeof(req_tail) - 1;
	b[o] = '\0';
	*out = b;
	*len = o;
	return PACC_OK;
}

/* ---- the response ---- */

static char
lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c + ('a' - 'A'));
	return c;
}

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
	if (!pacc__hostname_valid(buf))
		return PACC_OK;
	*out = pacc__strdup(buf);
	return *out ? PACC_OK : PACC_ENOMEM;
}

/* SSL on without Encryption: see the top comment. */
static pacc_tls_mode
tls_by_port(unsigned port)
{
	switch (port) {
	case 143:
	case 110:
	case 587:
	case 25:
		return PACC_TLS_STARTTLS;
	default:
		return PACC_TLS_IMPLICIT;
	}
}

static int
proto_of(const struct pacc__xml_node *n)
{
	const char *t = pacc__xml_child_text(n, "Type");

	if (t == NULL)
		return -1;
	if (strcasecmp(t, "IMAP") == 0)
		return PACC_PROTO_IMAP;
	if (strcasecmp(t, "POP3") == 0)
		return PACC_PROTO_POP3;
	if (strcasecmp(t, "SMTP") == 0)
		return PACC_PROTO_SMTP;
	return -1; /* EXCH, EXPR, WEB, EXHTTP, ... */
}

static int
take_protocol(struct ad *ad, const struct pacc__xml_node *n, pacc_protocol p)
{
	struct pacc_server s;
	const char *t, *enc, *ssl;
	char qb[64];
	int rc = PACC_OK;

	memset(&s, 0, sizeof(s));
	s.proto = p;
	s.auth = PACC_AUTH_PASSWORD;
	t = pacc__xml_child_text(n, "Server");
	if (t == NULL || *t == '\0') {
		skip(ad, n, "has no Server");
		goto out;
	}
	if ((rc = norm_host(&s.host, t)) != PACC_OK)
		goto out;
	if (s.host == NULL) {
		skip(ad, n, "Server \"%s\" is not a valid host name",
		    pacc__quote(qb, sizeof(qb), t));
		goto out;
	}
	t = pacc__xml_child_text(n, "Port");
	if (t == NULL)
		s.port = pacc__proto_default_port(p);
	else if ((s.port = pacc__port_parse(t)) == 0) {
		skip(ad, n, "Port \"%s\" is not a number in 1..65535",
		    pacc__quote(qb, sizeof(qb), t));
		goto out;
	}
	enc = pacc__xml_child_text(n, "Encryption");
	ssl = pacc__xml_child_text(n, "SSL");
	if (enc != NULL) { /* [MS-OXDSCLI]: Encryption overrides SSL */
		if (strcasecmp(enc, "SSL") == 0)
			s.tls = PACC_TLS_IMPLICIT;
		else if (strcasecmp(enc, "TLS") == 0)
			s.tls = PACC_TLS_STARTTLS;
		else if (strcasecmp(enc, "Auto") == 0)
			s.tls = tls_by_port(s.port);
		else if (strcasecmp(enc, "None") == 0)
			s.tls = PACC_TLS_NONE;
		else {
			skip(ad, n,
			    "Encryption \"%s\" is not None, SSL, TLS "
			    "or Auto",
			    pacc__quote(qb, sizeof(qb), enc));
			goto out;
		}
	} else if (ssl == NULL || strcasecmp(ssl, "on") == 0) {
		s.tls = tls_by_port(s.port);
	} else if (strcasecmp(ssl, "off") == 0) {
		s.tls = PACC_TLS_NONE;
	} else {
		skip(ad, n, "SSL \"%s\" is neither on nor off",
		    pacc__quote(qb, sizeof(qb), ssl));
		goto out;
	}
	t = pacc__xml_child_text(n, "LoginName");
	if (t != NULL && !text_ok(t, USER_MAX)) {
		skip(ad, n,
		    "LoginName is longer than %d bytes or holds "
		    "control characters",
		    USER_MAX);
		goto out;
	}
	if (s.tls == PACC_TLS_NONE) {
		ad->nplain++;
		skip(ad, n, "has no encryption (SSL off or Encryption None)");
		goto out;
	}
	if (t != NULL && *t != '\0' && strcmp(t, ad->address) != 0 &&
	    (s.username = pacc__strdup(t)) == NULL) {
		rc = PACC_ENOMEM;
		goto out;
	}
	if (ad->c->nservers >= AD_MAX_SERVERS)
		ad->truncated = true;
	else
		rc = pacc__config_add_server(ad->c, &s);
out:
	pacc__server_clear(&s);
	return rc;
}

/* Protocol entries of every settings Account whose type is in mask. */
static int
walk(struct ad *ad, const struct pacc__xml_node *resp, unsigned mask)
{
	const struct pacc__xml_node *acct, *n;
	int p, rc;

	for (acct = pacc__xml_child(resp, "Account"); acct != NULL;
	     acct = pacc__xml_next(acct, "Account")) {
		const char *action = pacc__xml_child_text(acct, "Action");

		if (action != NULL && *action != '\0' &&
		    strcasecmp(action, "settings") != 0)
			continue;
		for (n = pacc__xml_child(acct, "Protocol"); n != NULL;
		     n = pacc__xml_next(n, "Protocol")) {
			p = proto_of(n);
			if (p >= 0 && (mask & 1u << p) &&
			    (rc = take_protocol(ad, n, (pacc_protocol)p)) !=
				PACC_OK)
				return rc;
		}
	}
	return PACC_OK;
}

static bool
pop_first(const struct pacc__xml_node *resp)
{
	const struct pacc__xml_node *acct, *n;

	for (acct = pacc__xml_child(resp, "Account"); acct != NULL;
	     acct = pacc__xml_next(acct, "Account"))
		for (n = pacc__xml_child(acct, "Protocol"); n != NULL;
		     n = pacc__xml_next(n, "Protocol")) {
			int p = proto_of(n);

			if (p == PACC_PROTO_IMAP || p == PACC_PROTO_POP3)
				return p == PACC_PROTO_POP3;
		}
	return false;
}

static int
take_redirect_addr(struct pacc__autodiscover *out, const char *address,
    const char *t, char *why, size_t whylen)
{
	struct pacc__addr a, self;
	char qb[64], w[160];
	int rc;

	memset(&self, 0, sizeof(self));
	rc = pacc__addr_parse(&a, t, w, sizeof(w));
	if (rc == PACC_EADDRESS) {
		pacc__setwhy(why, whylen,
		    "the redirectAddr \"%s\" is not a valid "
		    "address: %s",
		    pacc__quote(qb, sizeof(qb), t), w);
		return PACC_EFORMAT;
	}
	if (rc != PACC_OK)
		return rc;
	rc = pacc__addr_parse(&self, address, w, sizeof(w));
	if (rc == PACC_ENOMEM)
		goto out;
	if (strcmp(a.address, rc == PACC_OK ? self.address : address) == 0) {
		pacc__setwhy(why, whylen,
		    "the redirectAddr is the address asked "
		    "for (a redirect loop)");
		rc = PACC_EFORMAT;
		goto out;
	}
	out->redirect_addr = a.address;
	a.address = NULL;
	rc = PACC_OK;
out:
	pacc__addr_clear(&a);
	pacc__addr_clear(&self);
	return rc;
}

/* Account/Action redirectAddr | redirectUrl; the first one counts. */
static int
take_redirects(struct pacc__autodiscover *out,
    const struct pacc__xml_node *resp, const char *address, char *why,
    size_t whylen)
{
	const struct pacc__xml_node *acct;
	char qb[64];

	for (acct = pacc__xml_child(resp, "Account"); acct != NULL;
	     acct = pacc__xml_next(acct, "Account")) {
		const char *action = pacc__xml_child_text(acct, "Action");
		const char *t;

		if (action == NULL)
			continue;
		if (strcasecmp(action, "redirectAddr") == 0) {
			t = pacc__xml_child_text(acct, "RedirectAddr");
			if (t == NULL || *t == '\0') {
				pacc__setwhy(why, whylen,
				    "Action redirectAddr "
				    "without a RedirectAddr");
				return PACC_EFORMAT;
			}
			return take_redirect_addr(out, address, t, why, whylen);
		}
		if (strcasecmp(action, "redirectUrl") == 0) {
			t = pacc__xml_child_text(acct, "RedirectUrl");
			if (t == NULL || *t == '\0') {
				pacc__setwhy(why, whylen,
				    "Action redirectUrl "
				    "without a RedirectUrl");
				return PACC_EFORMAT;
			}
			if (!pacc__https_url_valid(t)) {
				pacc__setwhy(why, whylen,
				    "the redirectUrl \"%s\" is "
				    "not a valid https URL",
				    pacc__quote(qb, sizeof(qb), t));
				return PACC_EFORMAT;
			}
			out->redirect_url = pacc__strdup(t);
			return out->redirect_url ? PACC_OK : PACC_ENOMEM;
		}
	}
	return PACC_OK;
}

/* Response/Error or Account/Error: "code: message", sanitised. */
static int
take_error(struct pacc__autodiscover *out, const struct pacc__xml_node *resp)
{
	const struct pacc__xml_node *e, *acct;
	const char *code, *msg;
	char buf[ERROR_MAX + 40];

	e = pacc__xml_child(resp, "Error");
	for (acct = pacc__xml_child(resp, "Account"); e == NULL && acct != NULL;
	     acct = pacc__xml_next(acct, "Account"))
		e = pacc__xml_child(acct, "Error");
	if (e == NULL)
		return PACC_OK;
	code = pacc__xml_child_text(e, "ErrorCode");
	msg = pacc__xml_child_text(e, "Message");
	if (msg == NULL)
		msg = e->text ? e->text : "";
	/* a cut inside a UTF-8 sequence becomes U+FFFD below */
	snprintf(buf, sizeof(buf), "%.16s%s%.*s", code ? code : "",
	    code && *code && *msg ? ": " : "", ERROR_MAX, msg);
	if (buf[0] == '\0')
		snprintf(buf, sizeof(buf), "(no message)");
	out->error = pacc__utf8_sanitize(buf);
	return out->error ? PACC_OK : PACC_ENOMEM;
}

int
pacc__autodiscover_parse(struct pacc__autodiscover *out,
    const unsigned char *xml, size_t len, const char *address, char *why,
    size_t whylen)
{
	const unsigned imap = 1u << PACC_PROTO_IMAP;
	const unsigned pop = 1u << PACC_PROTO_POP3;
	const unsigned smtp = 1u << PACC_PROTO_SMTP;
	struct pacc__xml_node *root = NULL;
	const struct pacc__xml_node *resp;
	struct ad ad;
	char qb[64];
	int rc;

	if (out == NULL)
		return PACC_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((xml == NULL && len > 0) || address == NULL)
		return PACC_EINVAL;
	memset(&ad, 0, sizeof(ad));
	ad.address = address;
	rc = pacc__xml_parse(&root, xml, len, why, whylen);
	if (rc != PACC_OK)
		goto out;
	rc = PACC_EFORMAT;
	if (strcmp(root->name, "Autodiscover") != 0) {
		pacc__setwhy(why, whylen,
		    "the root element is <%s>, not "
		    "<Autodiscover>",
		    pacc__quote(qb, sizeof(qb), root->name));
		goto out;
	}
	resp = pacc__xml_child(root, "Response");
	if (resp == NULL) {
		pacc__setwhy(why, whylen, "the response has no <Response>");
		goto out;
	}
	if ((rc = take_redirects(out, resp, address, why, whylen)) != PACC_OK)
		goto out;
	if ((rc = pacc__config_new(&ad.c)) != PACC_OK)
		goto out;
	if (pop_first(resp))
		rc = walk(&ad, resp, imap | pop);
	else if ((rc = walk(&ad, resp, imap)) == PACC_OK)
		rc = walk(&ad, resp, pop);
	if (rc == PACC_OK)
		rc = walk(&ad, resp, smtp);
	if (rc == PACC_OK)
		rc = take_error(out, resp);
	if (rc != PACC_OK)
		goto out;
	if (ad.c->nservers > 0) {
		out->cfg = ad.c;
		ad.c = NULL;
	}
	if (out->cfg == NULL && out->redirect_addr == NULL &&
	    out->redirect_url == NULL) {
		if (out->error != NULL) {
			pacc__setwhy(why, whylen,
			    "the server answered with an "
			    "Autodiscover error: %s",
			    out->error);
			rc = PACC_ENOTFOUND;
		} else if (ad.skipped > 0) {
			pacc__setwhy(why, whylen, "no usable server: %s%s",
			    ad.skip_why, ad.skipped > 1 ? " (and more)" : "");
			rc = PACC_EFORMAT;
		} else {
			pacc__setwhy(why, whylen,
			    "no usable server: the response "
			    "has no IMAP, POP3 or SMTP settings and no "
			    "redirect");
			rc = PACC_EFORMAT;
		}
		goto out;
	}
	if (ad.skipped > 0)
		pacc__setwhy(why, whylen,
		    "ok; skipped %zu unusable server(s), "
		    "first: %s",
		    ad.skipped, ad.skip_why);
	else if (ad.truncated)
		pacc__setwhy(why, whylen, "ok; kept the first %d servers only",
		    AD_MAX_SERVERS);
	else
		pacc__setwhy(why, whylen, "ok");
	rc = PACC_OK;
out:
	if (rc != PACC_OK && rc != PACC_ENOTFOUND)
		pacc__autodiscover_clear(out);
	else if (rc == PACC_ENOTFOUND) {
		/* keep only the error text */
		pacc__config_free(out->cfg);
		out->cfg = NULL;
	}
	pacc__config_free(ad.c);
	pacc__xml_free(root);
	return rc;
}

void
pacc__autodiscover_clear(struct pacc__autodiscover *a)
{
	if (a == NULL)
		return;
	pacc__config_free(a->cfg);
	pacc__free(a->redirect_addr);
	pacc__free(a->redirect_url);
	pacc__free(a->error);
	memset(a, 0, sizeof(*a));
}
