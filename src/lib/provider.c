/* SPDX-License-Identifier: MIT */
/*
 * Provider side: validating a PACC document against the current draft,
 * the digest record for its bytes, domains to A-labels (pacc/provider.h).
 *
 * What "valid" means, where the drafts leave it open (pacc(1), PUBLISH):
 *  - errors are what makes `pacc discover` (fmt_pacc_json.c) or a strict
 *    -03 client ignore the document or one of its servers: not JSON,
 *    larger than PACC__MAX_DOC_BYTES, a duplicate member, missing
 *    "protocols"/"info"/"info.provider"/"info.provider.name", wrong types,
 *    names beyond the MUST limits (60/20 code points, PACC__MAX_NAME_CP),
 *    controls or bidi overrides in names, hosts that are not LDH A-label
 *    names, non-https URLs, an issuer that breaks the OAuth profile
 *    (https, no userinfo, query, fragment, dot segments or percent-encoded
 *    unreserved characters), no usable protocol at all;
 *  - warnings are what works but should not be published as is: names
 *    beyond the SHOULD limits (30/12), unknown members and protocols
 *    (ignored by clients), the earlier draft's keys, "smtp" (-01/-02)
 *    instead of "submit" (-03), ManageSieve (no direct-TLS port in the
 *    draft), explicit ports in URLs, DAV URLs without a path, no
 *    authentication method, contact entries that are not mailto:, tel:
 *    or https: URIs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "pacc/error.h"
#include "pacc/provider.h"

#include "alloc.h"
#include "bounds.h"
#include "buf.h"
#include "diag.h"
#include "internal.h"
#include "fmt.h"

#define PATH_MAX_LEN 256

struct val {
	pacc_diags *d;
	unsigned usable; /* protocols with a valid entry */
};

/* ---- small helpers ---- */

/* parent + "/" + key, escaped as RFC 6901 says (~ -> ~0, / -> ~1). */
static void
jp(char *buf, size_t size, const char *parent, const char *key)
{
	size_t o = strlen(parent);

	if (o >= size)
		return;
	memcpy(buf, parent, o + 1);
	if (o + 1 < size)
		buf[o++] = '/';
	for (; *key && o + 2 < size; key++) {
		if (*key == '~' || *key == '/') {
			buf[o++] = '~';
			buf[o++] = *key == '~' ? '0' : '1';
		} else {
			buf[o++] = *key;
		}
	}
	buf[o < size ? o : size - 1] = '\0';
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static void
wrong_type(struct val *v, const char *path, const json_t *j, const char *want)
{
	pacc__diag(v->d, PACC_SEVERITY_ERROR, "wrong-type", path,
	    "must be %s, not %s", want, type_name(j));
}

/* Code points of valid UTF-8 (jansson checked it). */
static size_t
utf8_count(const char *s, bool *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	*bad = false;
	while (*p) {
		unsigned long c;
		size_t len, i;

		if (p[0] < 0x80) {
			c = p[0];
			len = 1;
		} else {
			len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
			c = p[0] & (0x7fu >> len);
			for (i = 1; i < len && (p[i] & 0xc0) == 0x80; i++)
				c = c << 6 | (p[i] & 0x3f);
			len = i;
		}
		/* C0, DEL, C1, the bidi marks/overrides/isolates, and the
		 * noncharacters (not even XML may carry U+FFFE/U+FFFF) */
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x200e ||
		    c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069) ||
		    (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)
			*bad = true;
		p += len;
		n++;
	}
	return n;
}

static void
check_text(struct val *v, const char *path, const json_t *j, size_t must,
    size_t should, const char *code_long, const char *code_too_long)
{
	const char *s;
	size_t n;
	bool bad;

	if (!json_is_string(j)) {
		wrong_type(v, path, j, "a string");
		return;
	}
	s = json_string_value(j);
	n = utf8_count(s, &bad);
	if (n == 0 || strspn(s, " ") == strlen(s))
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "empty-text", path,
		    "is empty; clients show nothing");
	else if (bad)
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "control-characters",
		    path,
		    "holds control, bidirectional-override or noncharacter "
		    "code points; clients drop it");
	else if (n > must)
		pacc__diag(v->d, PACC_SEVERITY_ERROR, code_too_long, path,
		    "has %zu characters; the draft says it MUST NOT be longer "
		    "than %zu (clients drop it)",
		    n, must);
	else if (n > should)
		pacc__diag(v->d, PACC_SEVERITY_WARNING, code_long, path,
		    "has %zu characters; the draft says it SHOULD be at most "
		    "%zu",
		    n, should);
}

static bool
all_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static bool
is_address_literal(const char *h)
{
	return strspn(h, "0123456789.") == strlen(h) || strchr(h, ':') != NULL;
}

/* A host as written in "protocols.X.host". */
static bool
check_host(struct val *v, const char *path, const json_t *j)
{
	char lower[256], qb[64];
	const char *s;
	size_t n;

	if (!json_is_string(j)) {
		wrong_type(v, path, j, "a string (a host name)");
		return false;
	}
	s = json_string_value(j);
	n = strlen(s);
	if (n == 0) {
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "host-invalid", path,
		    "is empty");
		return false;
	}
	if (!all_ascii(s)) {
		char *a = NULL;
		int irc = idn2_to_ascii_8z(s, &a,
		    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);

		if (irc == IDN2_OK && a != NULL && pacc__hostname_valid(a))
			pacc__diag(v->d, PACC_SEVERITY_ERROR,
			    "host-not-a-label", path,
			    "is an internationalized name in U-labels; "
			    "write its A-label form \"%s\" (clients do not "
			    "convert hosts)",
			    a);
		else
			pacc__diag(v->d, PACC_SEVERITY_ERROR, "host-invalid",
			    path, "is not a valid host name (IDNA: %s)",
			    irc == IDN2_OK ? "not LDH" : idn2_strerror(irc));
		idn2_free(a);
		return false;
	}
	if (strpbrk(s, ":/@?#[] ") != NULL) {
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "host-invalid", path,
		    "\"%s\" is not a bare host name: no scheme, port, path or "
		    "user (the protocol's direct-TLS port is implied)",
		    pacc__quote(qb, sizeof(qb), s));
		return false;
	}
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(lower)) {
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "host-invalid", path,
		    "is not a valid host name (length)");
		return false;
	}
	for (size_t i = 0; i < n; i++)
		lower[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32
							     : s[i]);
	lower[n] = '\0';
	if (is_address_literal(lower)) {
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "host-is-address", path,
		    "\"%s\" is an address; certificates are checked against "
		    "a host name",
		    pacc__quote(qb, sizeof(qb), s));
		return false;
	}
	if (!pacc__hostname_valid(lower) || strchr(lower, '.') == NULL) {
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "host-invalid", path,
		    "\"%s\" is not a valid host name (LDH labels of 1..63 "
		    "octets, at least two labels)",
		    pacc__quote(qb, sizeof(qb), s));
		return false;
	}
	return true;
}

/* The path of an https URL: what follows the authority ("" when none). */
static const char *
url_path(const char *url)
{
	const char *a = url + 8;

	return a + strcspn(a, "/?#");
}

static bool
check_url(struct val *v, const char *path, const json_t *j, bool dav)
{
	char qb[64];
	const char *s, *p;
	size_t alen;

	if (!json_is_string(j)) {
		wrong_type(v, path, j, "a string (an https URL)");
		return false;
	}
	s = json_string_value(j);
	if (strncasecmp(s, "https://", 8) != 0) {
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "url-not-https", path,
		    "\"%s\" is not an https:// URL",
		    pacc__quote(qb, sizeof(qb), s));
		return false;
	}
	if (!pacc__https_url_valid(s)) {
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "url-invalid", path,
		    "\"%s\" is not a valid https URL (printable ASCII, an "
		    "A-label host name, no user, port 1..65535)",
		    pacc__quote(qb, sizeof(qb), s));
		return false;
	}
	p = url_path(s);
	alen = (size_t)(p - (s + 8));
	if (memchr(s + 8, ':', alen) != NULL)
		pacc__diag(v->d, PACC_SEVERITY_WARNING, "url-has-port", path,
		    "names a port; the draft expects the default port 443");
	if (strchr(p, '#') != NULL)
		pacc__diag(v->d, PACC_SEVERITY_WARNING, "url-has-fragment",
		    path, "has a fragment, which is never sent to the server");
	if (dav && (*p == '\0' || strcmp(p, "/") == 0))
		pacc__diag(v->d, PACC_SEVERITY_WARNING, "url-no-path", path,
		    "has no path; give the collection URL (a bare origin "
		    "makes clients guess)");
	return true;
}

/*
 * OAuth profile (draft-ietf-mailmaint-oauth-public-06 §3.2, RFC 8414 §2):
 * an https URI without user information, query, fragment, dot path
 * segments, or percent-encoded unreserved characters.
 */
static bool
issuer_problem(const char *s, const char **why)
{
	const char *p, *seg;

	if (strncasecmp(s, "https://", 8) != 0) {
		*why = "is not an https:// URL";
		return true;
	}
	p = s + 8;
	if (memchr(p, '@', strcspn(p, "/?#")) != NULL) {
		*why = "holds user information";
		return true;
	}
	if (!pacc__https_url_valid(s)) {
		*why = "is not a valid https URL";
		return true;
	}
	if (strchr(s, '?') != NULL) {
		*why = "has a query";
		return true;
	}
	if (strchr(s, '#') != NULL) {
		*why = "has a fragment";
		return true;
	}
	p = url_path(s);
	for (seg = p; *seg == '/';) {
		size_t n;

		seg++;
		n = strcspn(seg, "/");
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.')) {
			*why = "has a dot path segment";
			return true;
		}
		seg += n;
	}
	for (const char *q = p; (q = strchr(q, '%')) != NULL; q++) {
		unsigned v = 0;

		for (int k = 1; k <= 2; k++) {
			int h = pacc__hexval(q[k]);

			if (h < 0) {
				*why = "has a malformed percent-encoding";
				return true;
			}
			v = (v << 4) | (unsigned)h;
		}
		if ((v >= 'a' && v <= 'z') || (v >= 'A' && v <= 'Z') ||
		    (v >= '0' && v <= '9') || v == '-' || v == '.' ||
		    v == '_' || v == '~') {
			*why = "percent-encodes an unreserved character";
			return true;
		}
	}
	return false;
}

static void
unknown(struct val *v, const char *path, const char *what)
{
	pacc__diag(v->d, PACC_SEVERITY_WARNING, "unknown-member", path,
	    "is not a member of %s in the current draft; clients ignore it",
	    what);
}

static void
earlier_key(struct val *v, const char *path, const char *now)
{
	pacc__diag(v->d, PACC_SEVERITY_WARNING, "earlier-draft-key", path,
	    "belongs to the earlier draft (draft-bucksch-mailmaint-pacc-00); "
	    "current clients ignore it%s%s",
	    now ? ": use " : "", now ? now : "");
}

/* ---- members ---- */

static const struct {
	const char *key;
	bool http;
} protos[] = {
	{ "jmap", true },
	{ "imap", false },
	{ "pop3", false },
	{ "submit", false },
	{ "smtp", false },
	{ "caldav", true },
	{ "carddav", true },
	{ "webdav", true },
	{ "managesieve", false },
};

static void
check_protocol(struct val *v, const char *path, const char *key, bool http,
    const json_t *o)
{
	const char *want = http ? "url" : "host";
	const char *k;
	const json_t *m;
	char sub[PATH_MAX_LEN];
	bool ok = false;

	if (!json_is_object(o)) {
		wrong_type(v, path, o, "an object");
		return;
	}
	json_object_foreach ((json_t *)o, k, m) {
		jp(sub, sizeof(sub), path, k);
		if (strcmp(k, want) == 0) {
			if (http)
				ok = check_url(v, sub, m,
				    strcmp(key, "jmap") != 0);
			else
				ok = check_host(v, sub, m);
		} else if (strcmp(k, "url") == 0 ||
		    strcmp(k, "authentication") == 0) {
			earlier_key(v, sub,
			    strcmp(k, "url") == 0
				? "\"host\" (direct TLS on the default port)"
				: "the provider-wide \"authentication\"");
		} else {
			unknown(v, sub, "a protocol entry");
		}
	}
	if (json_object_get(o, want) == NULL)
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "missing-member", path,
		    "has no \"%s\"", want);
	if (ok)
		v->usable++;
}

static void
check_protocols(struct val *v, const json_t *p)
{
	const char *k;
	const json_t *m;
	char sub[PATH_MAX_LEN];

	if (!json_is_object(p)) {
		wrong_type(v, "/protocols", p, "an object");
		return;
	}
	json_object_foreach ((json_t *)p, k, m) {
		size_t i;

		jp(sub, sizeof(sub), "/protocols", k);
		for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			if (strcmp(k, protos[i].key) == 0)
				break;
		if (i == sizeof(protos) / sizeof(protos[0])) {
			pacc__diag(v->d, PACC_SEVERITY_WARNING,
			    "unknown-protocol", sub,
			    "is not a protocol of the current draft (jmap, "
			    "imap, pop3, submit, caldav, carddav, webdav, "
			    "managesieve); clients ignore it");
			continue;
		}
		check_protocol(v, sub, k, protos[i].http, m);
	}
	if (json_object_get(p, "smtp") != NULL) {
		if (json_object_get(p, "submit") != NULL)
			pacc__diag(v->d, PACC_SEVERITY_WARNING,
			    "smtp-and-submit", "/protocols/smtp",
			    "\"smtp\" and \"submit\" both present: clients "
			    "use \"submit\"; remove \"smtp\"");
		else
			pacc__diag(v->d, PACC_SEVERITY_WARNING, "smtp-key",
			    "/protocols/smtp",
			    "is the -01/-02 name; -03 renamed it \"submit\", "
			    "and clients following -03 do not read \"smtp\"");
	}
	if (json_object_get(p, "managesieve") != NULL)
		pacc__diag(v->d, PACC_SEVERITY_WARNING, "managesieve-no-port",
		    "/protocols/managesieve",
		    "the draft defines no direct-TLS port for ManageSieve; "
		    "clients may ignore it (pacc uses STARTTLS on 4190)");
	if (v->usable == 0)
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "no-protocols",
		    "/protocols",
		    "names no usable server of a known protocol; clients "
		    "reject the document");
}

static void
check_authentication(struct val *v, const json_t *a)
{
	const char *k;
	const json_t *m;
	char sub[PATH_MAX_LEN];
	bool method = false;

	if (a == NULL) {
		pacc__diag(v->d, PACC_SEVERITY_WARNING, "no-authentication",
		    "/authentication",
		    "is missing: clients learn of no authentication method "
		    "(\"password\": true, or \"oauth-public\")");
		return;
	}
	if (!json_is_object(a)) {
		wrong_type(v, "/authentication", a, "an object");
		return;
	}
	json_object_foreach ((json_t *)a, k, m) {
		jp(sub, sizeof(sub), "/authentication", k);
		if (strcmp(k, "password") == 0) {
			if (!json_is_boolean(m))
				wrong_type(v, sub, m, "a boolean");
			else if (json_is_true(m))
				method = true;
		} else if (strcmp(k, "oauth-public") == 0) {
			const json_t *is;
			const char *why = NULL;
			const char *ik;
			const json_t *im;
			char isub[PATH_MAX_LEN];

			if (!json_is_object(m)) {
				wrong_type(v, sub, m, "an object");
				continue;
			}
			json_object_foreach ((json_t *)m, ik, im)
				if (strcmp(ik, "issuer") != 0) {
					jp(isub, sizeof(isub), sub, ik);
					unknown(v, isub, "oauth-public");
				}
			jp(isub, sizeof(isub), sub, "issuer");
			is = json_object_get(m, "issuer");
			if (is == NULL)
				pacc__diag(v->d, PACC_SEVERITY_ERROR,
				    "missing-member", sub, "has no \"issuer\"");
			else if (!json_is_string(is))
				wrong_type(v, isub, is,
				    "a string (an https URL)");
			else if (issuer_problem(json_string_value(is), &why)) {
				char qb[64];

				pacc__diag(v->d, PACC_SEVERITY_ERROR,
				    "issuer-invalid", isub,
				    "\"%s\" %s; the OAuth profile wants an "
				    "https URL without user, query, fragment, "
				    "dot segments or encoded unreserved "
				    "characters",
				    pacc__quote(qb, sizeof(qb),
					json_string_value(is)),
				    why);
			} else
				method = true;
		} else if (strcmp(k, "oauth2") == 0 ||
		    strcmp(k, "oAuth2") == 0) {
			earlier_key(v, sub, "\"oauth-public\"");
		} else {
			unknown(v, sub, "authentication");
		}
	}
	if (!method)
		pacc__diag(v->d, PACC_SEVERITY_WARNING, "no-authentication",
		    "/authentication",
		    "promises no method (\"password\": true, or "
		    "\"oauth-public\" with a valid issuer)");
}

static void
check_logo(struct val *v, const char *path, const json_t *l)
{
	size_t i;
	const json_t *e;
	char sub[PATH_MAX_LEN], idx[24];

	if (!json_is_array(l)) {
		wrong_type(v, path, l, "an array");
		return;
	}
	json_array_foreach (l, i, e) {
		const char *k;
		const json_t *m;
		char msub[PATH_MAX_LEN];

		snprintf(idx, sizeof(idx), "%zu", i);
		jp(sub, sizeof(sub), path, idx);
		if (!json_is_object(e)) {
			wrong_type(v, sub, e, "an object");
			continue;
		}
		json_object_foreach ((json_t *)e, k, m) {
			jp(msub, sizeof(msub), sub, k);
			if (strcmp(k, "url") == 0)
				(void)check_url(v, msub, m, false);
			else if (strcmp(k, "content-type") == 0) {
				if (!json_is_string(m))
					wrong_type(v, msub, m, "a string");
			} else if (strcmp(k, "width") == 0 ||
			    strcmp(k, "height") == 0) {
				if (!json_is_integer(m))
					wrong_type(v, msub, m, "an integer");
			} else if (strcmp(k, "mimetype") == 0) {
				earlier_key(v, msub, "\"content-type\"");
			} else
				unknown(v, msub, "a logo");
		}
		if (json_object_get(e, "url") == NULL)
			pacc__diag(v->d, PACC_SEVERITY_ERROR, "missing-member",
			    sub, "has no \"url\"");
	}
}

static void
check_contact(struct val *v, const char *path, const json_t *c)
{
	size_t i;
	const json_t *e;
	char sub[PATH_MAX_LEN], idx[24];

	if (json_is_string(c)) {
		pacc__diag(v->d, PACC_SEVERITY_WARNING, "earlier-draft-key",
		    path,
		    "is a string as in the earlier draft; the current draft "
		    "makes it an array of URIs");
		return;
	}
	if (!json_is_array(c)) {
		wrong_type(v, path, c, "an array of strings");
		return;
	}
	json_array_foreach (c, i, e) {
		const char *s;

		snprintf(idx, sizeof(idx), "%zu", i);
		jp(sub, sizeof(sub), path, idx);
		if (!json_is_string(e)) {
			wrong_type(v, sub, e, "a string");
			continue;
		}
		s = json_string_value(e);
		if (strncasecmp(s, "mailto:", 7) != 0 &&
		    strncasecmp(s, "tel:", 4) != 0 &&
		    strncasecmp(s, "https://", 8) != 0)
			pacc__diag(v->d, PACC_SEVERITY_WARNING,
			    "contact-scheme", sub,
			    "is not a mailto:, tel: or https: URI");
	}
}

static void
check_info(struct val *v, const json_t *info)
{
	const json_t *prov, *help, *m;
	const char *k;
	char sub[PATH_MAX_LEN];

	if (info == NULL) {
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "missing-member", "/info",
		    "is missing; the draft requires info.provider.name");
		return;
	}
	if (!json_is_object(info)) {
		wrong_type(v, "/info", info, "an object");
		return;
	}
	json_object_foreach ((json_t *)info, k, m)
		if (strcmp(k, "provider") != 0 && strcmp(k, "help") != 0) {
			jp(sub, sizeof(sub), "/info", k);
			unknown(v, sub, "info");
		}
	prov = json_object_get(info, "provider");
	if (prov == NULL)
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "missing-member",
		    "/info/provider",
		    "is missing; the draft requires info.provider.name");
	else if (!json_is_object(prov))
		wrong_type(v, "/info/provider", prov, "an object");
	else {
		json_object_foreach ((json_t *)prov, k, m) {
			jp(sub, sizeof(sub), "/info/provider", k);
			if (strcmp(k, "name") == 0)
				check_text(v, sub, m, PACC__MAX_NAME_CP,
				    PACC__SHOULD_NAME_CP, "name-long",
				    "name-too-long");
			else if (strcmp(k, "shortName") == 0)
				check_text(v, sub, m, PACC__MAX_SHORT_NAME_CP,
				    PACC__SHOULD_SHORT_NAME_CP,
				    "short-name-long", "short-name-too-long");
			else if (strcmp(k, "logo") == 0)
				check_logo(v, sub, m);
			else
				unknown(v, sub, "info.provider");
		}
		if (json_object_get(prov, "name") == NULL)
			pacc__diag(v->d, PACC_SEVERITY_ERROR, "missing-member",
			    "/info/provider/name",
			    "is missing; the draft requires it");
	}
	help = json_object_get(info, "help");
	if (help == NULL)
		return;
	if (!json_is_object(help)) {
		wrong_type(v, "/info/help", help, "an object");
		return;
	}
	json_object_foreach ((json_t *)help, k, m) {
		jp(sub, sizeof(sub), "/info/help", k);
		if (strcmp(k, "documentation") == 0 ||
		    strcmp(k, "developer") == 0)
			(void)check_url(v, sub, m, false);
		else if (strcmp(k, "contact") == 0)
			check_contact(v, sub, m);
		else
			unknown(v, sub, "info.help");
	}
}

static void
check_root(struct val *v, const json_t *root)
{
	static const char *const earlier[] = { "servers", "oAuth2", "provider",
		"help", "version" };
	const char *k;
	const json_t *m;
	char sub[PATH_MAX_LEN];

	json_object_foreach ((json_t *)root, k, m) {
		bool known = strcmp(k, "protocols") == 0 ||
		    strcmp(k, "authentication") == 0 || strcmp(k, "info") == 0;
		bool old = false;

		if (known)
			continue;
		jp(sub, sizeof(sub), "", k);
		for (size_t i = 0; i < sizeof(earlier) / sizeof(earlier[0]);
		     i++)
			if (strcmp(k, earlier[i]) == 0)
				old = true;
		if (old)
			earlier_key(v, sub,
			    strcmp(k, "servers") == 0 ? "\"protocols\""
				: strcmp(k, "oAuth2") == 0
				? "\"authentication\": {\"oauth-public\": "
				  "{\"issuer\": \"https://...\"}}"
				: strcmp(k, "version") == 0 ? NULL
							    : "\"info\"");
		else
			unknown(v, sub, "the document");
	}
	if (json_object_get(root, "protocols") == NULL)
		pacc__diag(v->d, PACC_SEVERITY_ERROR, "missing-member",
		    "/protocols", "is missing; the draft requires it%s",
		    json_object_get(root, "servers")
			? " (this looks like an earlier-draft document)"
			: "");
	else
		check_protocols(v, json_object_get(root, "protocols"));
	check_authentication(v, json_object_get(root, "authentication"));
	check_info(v, json_object_get(root, "info"));
}

PACC__API int
pacc_document_validate(pacc_diags **out, const unsigned char *doc, size_t len)
{
	struct val v;
	json_error_t err;
	json_t *root = NULL;
	int rc;

	if (out == NULL || (doc == NULL && len > 0))
		return PACC_EINVAL;
	*out = NULL;
	memset(&v, 0, sizeof(v));
	if ((rc = pacc__diags_new(&v.d)) != PACC_OK)
		return rc;
	if (len >= 3 && memcmp(doc, "\xef\xbb\xbf", 3) == 0) {
		pacc__diag(v.d, PACC_SEVERITY_ERROR, "byte-order-mark", "",
		    "the document starts with a UTF-8 byte order mark, which "
		    "RFC 8259 §8.1 forbids; JSON parsers reject it");
		goto done;
	}
	if (len > PACC__MAX_DOC_BYTES)
		pacc__diag(v.d, PACC_SEVERITY_ERROR, "too-large", "",
		    "the document has %zu bytes; clients refuse more than %d",
		    len, PACC__MAX_DOC_BYTES);
	if (len > PACC__MAX_XML_BYTES * 4) /* do not even parse */
		goto done;
	root = json_loadb((const char *)doc, len,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (root == NULL) {
		if (json_error_code(&err) == json_error_out_of_memory) {
			rc = PACC_ENOMEM;
			goto out;
		}
		if (json_error_code(&err) == json_error_duplicate_key)
			pacc__diag(v.d, PACC_SEVERITY_ERROR, "duplicate-member",
			    "", "line %d, column %d: %s", err.line, err.column,
			    err.text);
		else
			pacc__diag(v.d, PACC_SEVERITY_ERROR, "invalid-json", "",
			    "not valid JSON (RFC 8259, UTF-8): line %d, "
			    "column %d: %s",
			    err.line, err.column, err.text);
		goto done;
	}
	if (!json_is_object(root)) {
		pacc__diag(v.d, PACC_SEVERITY_ERROR, "not-an-object", "",
		    "the document is %s, not a JSON object", type_name(root));
		goto done;
	}
	check_root(&v, root);
	/* What discovery itself makes of it (fmt_pacc_json.c): never call
	 * valid what `pacc discover` would refuse. */
	if (pacc_diags_count_severity(v.d, PACC_SEVERITY_ERROR) == 0 &&
	    len <= PACC__MAX_DOC_BYTES) {
		struct pacc__config *c = NULL;
		char why[256];

		rc = pacc__pacc_json_parse(&c, doc, len, "user@example.com",
		    why, sizeof(why));
		pacc__config_free(c);
		if (rc == PACC_ENOMEM)
			goto out;
		if (rc != PACC_OK)
			pacc__diag(v.d, PACC_SEVERITY_ERROR, "not-usable", "",
			    "pacc discover would refuse it: %s", why);
	}
done:
	rc = v.d->enomem ? PACC_ENOMEM : PACC_OK;
out:
	json_decref(root);
	if (rc != PACC_OK) {
		pacc_diags_free(v.d);
		return rc;
	}
	*out = v.d;
	return PACC_OK;
}

/* ---- the digest record ---- */

PACC__API int
pacc_digest_record(char **out, const unsigned char *doc, size_t len,
    const char *alg)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} algs[] = {
		{ "sha256", EVP_sha256 },
		{ "sha512", EVP_sha512 },
		{ "sha3-512", EVP_sha3_512 },
	};
	unsigned char md[EVP_MAX_MD_SIZE];
	char b64[EVP_MAX_MD_SIZE * 2];
	unsigned mdlen = 0;
	size_t i;

	if (out == NULL || (doc == NULL && len > 0))
		return PACC_EINVAL;
	*out = NULL;
	if (alg == NULL)
		alg = "sha256";
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcasecmp(alg, algs[i].name) == 0)
			break;
	if (i == sizeof(algs) / sizeof(algs[0]))
		return PACC_EUNSUPPORTED;
	if (EVP_Digest(doc ? doc : (const unsigned char *)"", len, md, &mdlen,
		algs[i].md(), NULL) != 1)
		return PACC_EINTERNAL;
	if (pacc__base64_encode(b64, sizeof(b64), md, mdlen) != PACC_OK)
		return PACC_EINTERNAL;
	*out = pacc__strfmt("v=UAAC1; a=%s; d=%s", algs[i].name, b64);
	return *out ? PACC_OK : PACC_ENOMEM;
}

/* ---- domains ---- */

PACC__API int
pacc_domain_to_ascii(char **out, const char *domain)
{
	struct pacc__addr a;
	char *addr;
	size_t n;
	int rc;

	if (out == NULL || domain == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if (strnlen(domain, PACC__MAX_INPUT_BYTES + 1) > PACC__MAX_INPUT_BYTES)
		return PACC_EADDRESS;
	n = strlen(domain);
	if (n > 1 && domain[n - 1] == '.') /* one trailing dot: the root */
		n--;
	addr = pacc__strfmt("x@%.*s", (int)n, domain);
	if (addr == NULL)
		return PACC_ENOMEM;
	memset(&a, 0, sizeof(a));
	rc = pacc__addr_parse(&a, addr, NULL, 0);
	pacc__free(addr);
	if (rc == PACC_OK) {
		*out = pacc__strdup(a.domain);
		if (*out == NULL)
			rc = PACC_ENOMEM;
	} else if (rc != PACC_ENOMEM)
		rc = PACC_EADDRESS;
	pacc__addr_clear(&a);
	return rc;
}
