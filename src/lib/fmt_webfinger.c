/* SPDX-License-Identifier: MIT */
/*
 * WebFinger (RFC 7033) for mail: the JRD's "email-autoconfig" links and
 * the configuration documents they point to (draft-jones-webfinger-email-
 * autoconfig-00, "the draft" below).
 *
 * Policy, where the draft is silent (its procedure and syntax sections
 * are "TBD"; all we have is its §3 example and its IANA note):
 *  - rel: the draft only uses, and asks IANA to register, the relation
 *    type "email-autoconfig"; it defines no URI form, so none is
 *    accepted.  Registered relation types compare case-insensitively
 *    (RFC 8288 §2.1.1).
 *  - href must be an https URL (pacc__https_url_valid): the configuration
 *    is fetched with TLS only (DESIGN §1).  Other links are skipped and
 *    counted; duplicates of an earlier href are dropped; at most
 *    PACC__MAX_WF_LINKS are returned, in document order (each one is an
 *    account the user may pick, the draft's "Personal" and "Business").
 *  - titles (RFC 7033 §4.4.4.4, keys are language tags or "und"): "und",
 *    else "en", else any "en-*", else the first; tags compare case-
 *    insensitively (RFC 5646 §2.1.1).  A title shown to the user follows
 *    the provider-name rules of fmt_pacc_json.c (<= 60 code points, no
 *    controls, no bidi overrides); an unusable one is passed over.
 *  - subject: a JRD about another resource is odd but not fatal (RFC 7033
 *    §4.4.1 only says SHOULD); it is noted in `why` unless one of the
 *    "aliases" matches.  "acct:" is added to a bare address.
 *  - Return: PACC_OK with the links, or with none (*links NULL,
 *    *nlinks 0, `why` saying so) when the JRD is fine but offers no usable
 *    link; PACC_EFORMAT when it is not a JRD at all.
 *  - The draft's example JRD is not valid JSON (a missing comma, a
 *    trailing one); we parse JSON as RFC 8259 defines it, nothing looser.
 *  - The linked document: a PACC document ("protocols" or "servers") goes
 *    to fmt_pacc_json.c.  Otherwise it is the draft's format: members
 *    "imap", "pop3", "smtp", each with "host", "port", "transport",
 *    "login", "login-required".  transport "starttls" -> STARTTLS;
 *    "tls", "ssl", "implicit" -> implicit TLS; "none", "plain", "clear"
 *    -> skipped (never plain text); absent -> by port (143, 110, 587, 25
 *    STARTTLS, else implicit) as in fmt_autodiscover_xml.c.  No port: the
 *    protocol's port for that TLS mode.  "login" is the username; without
 *    one, the document's "address" (when it is a valid address other
 *    than the one typed: the draft's account "alice.i.wonder@..." for
 *    "alice@..."); else NULL (the full address).  "login-required": false
 *    promises no authentication (auth 0), otherwise a password.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "pacc/error.h"

#include "alloc.h"
#include "buf.h"
#include "bounds.h"
#include "fmt.h"

#define TITLE_MAX_CP 60
#define HOST_MAX 253
#define USER_MAX 256

/* One code point of UTF-8 that jansson has validated. */
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

static bool
is_control(unsigned long c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
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

		if (is_control(c) || c == 0x200e || c == 0x200f ||
		    (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069))
			return false;
		if (++ncp > maxcp)
			return false;
	}
	return true;
}

/* A login name: no controls, at most USER_MAX bytes. */
static bool
username_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (strlen(s) > USER_MAX)
		return false;
	while (*p)
		if (is_control(utf8_next(&p)))
			return false;
	return true;
}

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

/*
 * jansson checks UTF-8, refuses NUL in strings (no JSON_ALLOW_NUL) and
 * trailing garbage, bounds nesting; duplicate names are refused as in
 * fmt_pacc_json.c (two readers, one meaning).
 */
static int
load_json(json_t **root, const unsigned char *b, size_t len, char *why,
    size_t whylen)
{
	json_error_t err;

	*root = NULL;
	if (len > (size_t)PACC__MAX_DOC_BYTES) {
		pacc__setwhy(why, whylen,
		    "the document is larger than %d bytes",
		    PACC__MAX_DOC_BYTES);
		return PACC_EFORMAT;
	}
	*root = json_loadb((const char *)b, len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (*root == NULL) {
		if (json_error_code(&err) == json_error_out_of_memory)
			return PACC_ENOMEM;
		pacc__setwhy(why, whylen,
		    "not valid JSON (line %d, column %d): %s", err.line,
		    err.column, err.text);
		return PACC_EFORMAT;
	}
	if (!json_is_object(*root)) {
		pacc__setwhy(why, whylen, "the document is not a JSON object");
		json_decref(*root);
		*root = NULL;
		return PACC_EFORMAT;
	}
	return PACC_OK;
}

/* ---- the JRD ---- */

/* "acct:" URIs: scheme and host case-insensitive, user part exact. */
static bool
same_acct(const char *a, const char *b)
{
	const char *ha, *hb;

	if (a == NULL || b == NULL)
		return false;
	if (strncasecmp(a, "acct:", 5) != 0 || strncasecmp(b, "acct:", 5) != 0)
		return strcmp(a, b) == 0;
	a += 5;
	b += 5;
	ha = strrchr(a, '@');
	hb = strrchr(b, '@');
	if (ha == NULL || hb == NULL)
		return strcmp(a, b) == 0;
	return ha - a == hb - b && strncmp(a, b, (size_t)(ha - a)) == 0 &&
	    strcasecmp(ha, hb) == 0;
}

static bool
subject_ok(const json_t *root, const char *want)
{
	const json_t *aliases = json_object_get(root, "aliases"), *v;
	size_t i;

	if (same_acct(json_string_value(json_object_get(root, "subject")),
		want))
		return true;
	json_array_foreach (aliases, i, v)
		if (same_acct(json_string_value(v), want))
			return true;
	return false;
}

enum lang_pick { PICK_UND, PICK_EN, PICK_EN_ANY, PICK_ANY };

static bool
lang_matches(const char *tag, enum lang_pick how)
{
	switch (how) {
	case PICK_UND:
		return strcasecmp(tag, "und") == 0;
	case PICK_EN:
		return strcasecmp(tag, "en") == 0;
	case PICK_EN_ANY:
		return strncasecmp(tag, "en-", 3) == 0;
	default:
		return true;
	}
}

static const char *
pick_title(const json_t *titles)
{
	const char *tag;
	json_t *v;

	if (!json_is_object(titles))
		return NULL;
	for (int how = PICK_UND; how <= PICK_ANY; how++)
		json_object_foreach ((json_t *)titles, tag, v) {
			const char *s = json_string_value(v);

			if (lang_matches(tag, (enum lang_pick)how) &&
			    display_text_ok(s, TITLE_MAX_CP))
				return s;
		}
	return NULL;
}

void
pacc__webfinger_links_free(struct pacc__wf_link *links, size_t n)
{
	if (links == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		pacc__free(links[i].href);
		pacc__free(links[i].title);
	}
	pacc__free(links);
}

int
pacc__webfinger_parse(struct pacc__wf_link **links, size_t *nlinks,
    const unsigned char *jrd, size_t len, const char *subject, char *why,
    size_t whylen)
{
	struct pacc__wf_link *l = NULL;
	size_t n = 0, i, skipped = 0, extra = 0;
	const json_t *arr, *v;
	json_t *root = NULL;
	char want[PACC__MAX_INPUT_BYTES + 8], qb[64], note[160];
	int rc;

	if (links == NULL || nlinks == NULL || (jrd == NULL && len > 0))
		return PACC_EINVAL;
	*links = NULL;
	*nlinks = 0;
	pacc__setwhy(why, whylen, "ok");
	if ((rc = load_json(&root, jrd, len, why, whylen)) != PACC_OK)
		goto out;
	arr = json_object_get(root, "links");
	if (arr != NULL && !json_is_array(arr)) {
		pacc__setwhy(why, whylen, "\"links\" is not an array");
		rc = PACC_EFORMAT;
		goto out;
	}
	rc = PACC_ENOMEM;
	l = pacc__calloc(PACC__MAX_WF_LINKS, sizeof(*l));
	if (l == NULL)
		goto out;
	json_array_foreach (arr, i, v) {
		const char *rel = json_string_value(json_object_get(v, "rel"));
		const char *href = json_string_value(
		    json_object_get(v, "href"));
		const char *title;
		bool dup = false;

		if (rel == NULL || strcasecmp(rel, "email-autoconfig") != 0)
			continue;
		if (href == NULL || !pacc__https_url_valid(href)) {
			skipped++;
			continue;
		}
		for (size_t k = 0; k < n && !dup; k++)
			dup = strcmp(l[k].href, href) == 0;
		if (dup)
			continue;
		if (n == PACC__MAX_WF_LINKS) {
			extra++;
			continue;
		}
		title = pick_title(json_object_get(v, "titles"));
		l[n].href = pacc__strdup(href);
		l[n].title = title ? pacc__strdup(title) : NULL;
		n++; /* freed from here on, even half-made */
		if (l[n - 1].href == NULL || (title && l[n - 1].title == NULL))
			goto out;
	}
	if (n == 0) { /* a valid answer: nothing published for us */
		if (skipped > 0)
			pacc__setwhy(why, whylen,
			    "no usable email-autoconfig link: "
			    "%zu link(s) without a valid https href",
			    skipped);
		else
			pacc__setwhy(why, whylen,
			    "the JRD has no email-autoconfig "
			    "link");
		rc = PACC_OK;
		goto out;
	}
	note[0] = '\0';
	if (subject != NULL) {
		const char *got = json_string_value(
		    json_object_get(root, "subject"));

		snprintf(want, sizeof(want), "%s%s",
		    strncasecmp(subject, "acct:", 5) == 0 ? "" : "acct:",
		    subject);
		if (got == NULL)
			snprintf(note, sizeof(note),
			    "; the JRD has no "
			    "subject");
		else if (!subject_ok(root, want))
			snprintf(note, sizeof(note),
			    "; the JRD is about "
			    "\"%s\", not the address asked for",
			    pacc__quote(qb, sizeof(qb), got));
	}
	pacc__setwhy(why, whylen, "ok%s%s%s", note,
	    skipped ? "; skipped link(s) without a valid https href" : "",
	    extra ? "; more links than pacc follows" : "");
	*links = l;
	*nlinks = n;
	l = NULL;
	rc = PACC_OK;
out:
	pacc__webfinger_links_free(l, n);
	json_decref(root);
	return rc;
}

/* ---- the linked configuration ---- */

static const struct {
	const char *key;
	pacc_protocol proto;
	unsigned starttls_port; /* implicit: pacc__proto_default_port() */
} wf_protos[] = {
	{ "imap", PACC_PROTO_IMAP, 143 },
	{ "pop3", PACC_PROTO_POP3, 110 },
	{ "smtp", PACC_PROTO_SMTP, 587 },
};

static pacc_tls_mode
tls_by_port(unsigned port)
{
	return port == 143 || port == 110 || port == 587 || port == 25
	    ? PACC_TLS_STARTTLS
	    : PACC_TLS_IMPLICIT;
}

struct wf {
	size_t skipped;
	char skip_why[160];
};

static void skip(struct wf *wf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
skip(struct wf *wf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (wf->skipped++ == 0)
		vsnprintf(wf->skip_why, sizeof(wf->skip_why), fmt, ap);
	va_end(ap);
}

/*
 * The draft's "address": the account's own address, the default login
 * when it differs from the one typed.  NULL when absent or unusable.
 */
static int
account_address(char **out, const json_t *root, const char *address)
{
	const char *s = json_string_value(json_object_get(root, "address"));
	struct pacc__addr a, self;
	int rc;

	*out = NULL;
	if (s == NULL)
		return PACC_OK;
	rc = pacc__addr_parse(&a, s, NULL, 0);
	if (rc == PACC_EADDRESS)
		return PACC_OK;
	if (rc != PACC_OK)
		return rc;
	rc = address ? pacc__addr_parse(&self, address, NULL, 0)
		     : PACC_EADDRESS;
	if (rc == PACC_ENOMEM) {
		pacc__addr_clear(&a);
		return rc;
	}
	if (rc != PACC_OK || strcmp(self.address, a.address) != 0) {
		*out = a.address;
		a.address = NULL;
	}
	if (rc == PACC_OK)
		pacc__addr_clear(&self);
	pacc__addr_clear(&a);
	return PACC_OK;
}

static int
take_wf_server(struct wf *wf, struct pacc__config *c, const json_t *o, size_t k,
    const char *acct)
{
	const char *key = wf_protos[k].key, *t, *login;
	const json_t *port = json_object_get(o, "port");
	struct pacc_server s;
	char qb[64];
	int rc = PACC_OK;

	memset(&s, 0, sizeof(s));
	s.proto = wf_protos[k].proto;
	if (!json_is_object(o)) {
		skip(wf, "\"%s\" is not an object", key);
		goto out;
	}
	t = json_string_value(json_object_get(o, "host"));
	if (t != NULL && (rc = norm_host(&s.host, t)) != PACC_OK)
		goto out;
	if (s.host == NULL) {
		skip(wf, "\"%s\" has no valid host", key);
		goto out;
	}
	if (port != NULL) {
		json_int_t v = json_integer_value(port);

		if (!json_is_integer(port) || v < 1 || v > 65535) {
			skip(wf, "\"%s\" port is not an integer in 1..65535",
			    key);
			goto out;
		}
		s.port = (unsigned)v;
	}
	t = json_string_value(json_object_get(o, "transport"));
	if (json_object_get(o, "transport") == NULL) {
		s.tls = s.port ? tls_by_port(s.port) : PACC_TLS_IMPLICIT;
	} else if (t != NULL && strcasecmp(t, "starttls") == 0) {
		s.tls = PACC_TLS_STARTTLS;
	} else if (t != NULL &&
	    (strcasecmp(t, "tls") == 0 || strcasecmp(t, "ssl") == 0 ||
		strcasecmp(t, "implicit") == 0)) {
		s.tls = PACC_TLS_IMPLICIT;
	} else if (t != NULL &&
	    (strcasecmp(t, "none") == 0 || strcasecmp(t, "plain") == 0 ||
		strcasecmp(t, "clear") == 0)) {
		skip(wf, "\"%s\" has transport \"%s\" (no TLS)", key, t);
		goto out;
	} else {
		skip(wf, "\"%s\" transport \"%s\" is not starttls or tls", key,
		    pacc__quote(qb, sizeof(qb), t ? t : "(not a string)"));
		goto out;
	}
	if (s.port == 0)
		s.port = s.tls == PACC_TLS_STARTTLS
		    ? wf_protos[k].starttls_port
		    : pacc__proto_default_port(s.proto);
	s.auth = json_is_false(json_object_get(o, "login-required"))
	    ? 0
	    : PACC_AUTH_PASSWORD;
	login = json_string_value(json_object_get(o, "login"));
	if (login != NULL && *login != '\0') {
		if (!username_ok(login)) {
			skip(wf,
			    "\"%s\" login is longer than %d bytes or "
			    "holds control characters",
			    key, USER_MAX);
			goto out;
		}
		s.username = pacc__strdup(login);
	} else if (acct != NULL) {
		s.username = pacc__strdup(acct);
	}
	if (((login != NULL && *login != '\0') || acct != NULL) &&
	    s.username == NULL) {
		rc = PACC_ENOMEM;
		goto out;
	}
	rc = pacc__config_add_server(c, &s);
out:
	pacc__server_clear(&s);
	return rc;
}

int
pacc__webfinger_config_parse(struct pacc__config **out,
    const unsigned char *json, size_t len, const char *address, char *why,
    size_t whylen)
{
	struct pacc__config *c = NULL;
	json_t *root = NULL;
	char *acct = NULL;
	struct wf wf;
	size_t known = 0;
	int rc;

	if (out == NULL || (json == NULL && len > 0))
		return PACC_EINVAL;
	*out = NULL;
	pacc__setwhy(why, whylen, "ok");
	memset(&wf, 0, sizeof(wf));
	if ((rc = load_json(&root, json, len, why, whylen)) != PACC_OK)
		goto out;
	if (json_object_get(root, "protocols") != NULL ||
	    json_object_get(root, "servers") != NULL) {
		json_decref(root);
		return pacc__pacc_json_parse(out, json, len, address, why,
		    whylen);
	}
	if ((rc = pacc__config_new(&c)) != PACC_OK)
		goto out;
	if ((rc = account_address(&acct, root, address)) != PACC_OK)
		goto out;
	for (size_t k = 0; k < sizeof(wf_protos) / sizeof(wf_protos[0]); k++) {
		const json_t *o = json_object_get(root, wf_protos[k].key);

		if (o == NULL)
			continue;
		known++;
		if ((rc = take_wf_server(&wf, c, o, k, acct)) != PACC_OK)
			goto out;
	}
	if (c->nservers == 0) {
		if (known == 0)
			pacc__setwhy(why, whylen,
			    "the document has no \"imap\", "
			    "\"pop3\" or \"smtp\" member, nor \"protocols\" or "
			    "\"servers\": not a mail configuration");
		else
			pacc__setwhy(why, whylen, "no usable server: %s%s",
			    wf.skip_why, wf.skipped > 1 ? " (and more)" : "");
		rc = PACC_EFORMAT;
		goto out;
	}
	if (wf.skipped > 0)
		pacc__setwhy(why, whylen,
		    "ok; skipped %zu unusable server(s), "
		    "first: %s",
		    wf.skipped, wf.skip_why);
	*out = c;
	c = NULL;
	rc = PACC_OK;
out:
	pacc__free(acct);
	pacc__config_free(c);
	json_decref(root);
	return rc;
}
