/* SPDX-License-Identifier: MIT */
/*
 * MTA-STS (RFC 8461): the _mta-sts TXT record (§3.1), the policy file
 * (§3.2) and MX pattern matching (§4.1).  The pacc-mx mechanism uses a
 * policy in "enforce" mode to vouch for the MX hosts DNS returned.
 * Input is length-delimited and never assumed NUL-terminated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"
#include "buf.h"

/* Bounded everything (DESIGN §2): real policies list a handful of MX. */
#define MAX_POLICY_MX 64
#define MAX_AGE_MAX 31557600L /* RFC 8461 §3.2: one year */

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static size_t
skip_wsp(const char *s, size_t len, size_t i)
{
	while (i < len && is_wsp((unsigned char)s[i]))
		i++;
	return i;
}

/*
 * RFC 8461 §3.1:
 *   sts-text-record = sts-version 1*(sts-field-delim sts-field)
 *                     [sts-field-delim]
 *   sts-field-delim = *WSP ";" *WSP
 *   sts-version     = %s"v=STSv1"
 *   sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
 *   sts-extension   = sts-ext-name "=" sts-ext-value
 *   sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
 * Anything that does not parse means "no policy" (§3.1: senders MUST
 * assume the domain has none), so every failure is PACC_ENOTFOUND.  One
 * leniency: trailing WSP after the last field.  Choosing one record among
 * several ("not one" record = no policy) is the caller's job.
 */
int
pacc__mtasts_txt_parse(const char *txt, size_t len, char *id, size_t idlen)
{
	static const char ver[] = "v=STSv1";
	const char *idp = NULL;
	size_t i, idn = 0;

	if (txt == NULL && len > 0)
		return PACC_EINVAL;
	if (id != NULL && idlen > 0)
		id[0] = '\0';
	if (len < sizeof(ver) - 1 || memcmp(txt, ver, sizeof(ver) - 1) != 0)
		return PACC_ENOTFOUND;
	i = sizeof(ver) - 1;
	for (;;) {
		size_t name, namen, val;

		i = skip_wsp(txt, len, i);
		if (i == len)
			break;
		if (txt[i] != ';')
			return PACC_ENOTFOUND;
		i = skip_wsp(txt, len, i + 1);
		if (i == len)
			break; /* optional final delimiter */
		name = i;
		if (!is_alnum((unsigned char)txt[i]))
			return PACC_ENOTFOUND;
		while (i < len &&
		    (is_alnum((unsigned char)txt[i]) || txt[i] == '_' ||
			txt[i] == '-' || txt[i] == '.'))
			i++;
		namen = i - name;
		if (namen > 32 || i == len || txt[i] != '=')
			return PACC_ENOTFOUND;
		val = ++i;
		while (i < len) {
			unsigned char c = (unsigned char)txt[i];

			if (c < 0x21 || c > 0x7e || c == ';' || c == '=')
				break;
			i++;
		}
		if (i == val)
			return PACC_ENOTFOUND;
		if (namen == 2 && memcmp(txt + name, "id", 2) == 0) {
			if (idp != NULL || i - val > 32)
				return PACC_ENOTFOUND;
			for (size_t k = val; k < i; k++)
				if (!is_alnum((unsigned char)txt[k]))
					return PACC_ENOTFOUND;
			idp = txt + val;
			idn = i - val;
		}
	}
	if (idp == NULL)
		return PACC_ENOTFOUND; /* §3.1: id is REQUIRED */
	if (id != NULL) {
		if (idlen <= idn)
			return PACC_EINVAL;
		memcpy(id, idp, idn);
		id[idn] = '\0';
	}
	return PACC_OK;
}

void
pacc__mtasts_policy_free(struct pacc__mtasts_policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nmx; i++)
		pacc__free(p->mx[i]);
	pacc__free(p->mx);
	pacc__free(p);
}

static int
key_is(const char *k, size_t kn, const char *lit)
{
	return kn == strlen(lit) && memcmp(k, lit, kn) == 0;
}

/*
 * sts-policy-mx-value = ["*."] Domain; stored lower case without a
 * trailing dot.  NULL in *out (rc PACC_OK) when it is not a valid pattern.
 */
static int
mx_pattern(char **out, const char *v, size_t n)
{
	size_t off = 0;
	char *d;

	*out = NULL;
	if (n > 0 && v[n - 1] == '.')
		n--;
	if (n >= 2 && v[0] == '*' && v[1] == '.')
		off = 2;
	if (n - off == 0 || n - off > 253)
		return PACC_OK;
	d = pacc__strndup(v, n);
	if (d == NULL)
		return PACC_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] + 32);
	if (memchr(d, '\0', n) != NULL || !pacc__hostname_valid(d + off)) {
		pacc__free(d);
		return PACC_OK;
	}
	*out = d;
	return PACC_OK;
}

/* Parses one "key: value" line (no terminator); see the grammar below. */
static int
policy_line(struct pacc__mtasts_policy *p, const char *s, size_t n,
    unsigned *seen, char *why, size_t whylen)
{
	size_t k = 0, kn, v;
	int rc;

	while (n > 0 && is_wsp((unsigned char)s[n - 1]))
		n--; /* sts-policy-field *WSP sts-policy-term */
	if (n == 0 || !is_alnum((unsigned char)s[0]))
		goto syntax;
	while (k < n &&
	    (is_alnum((unsigned char)s[k]) || s[k] == '_' || s[k] == '-' ||
		s[k] == '.'))
		k++;
	kn = k;
	if (kn > 32 || k == n || s[k] != ':')
		goto syntax;
	v = skip_wsp(s, n, k + 1);
	/* Values: printable ASCII, inner SP, UTF-8 bytes; no controls. */
	for (size_t i = v; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			goto syntax;
	}
	/* §3.2: a non-repeated field given twice counts the first time. */
	if (key_is(s, kn, "version")) {
		if (*seen & 1)
			return PACC_OK;
		*seen |= 1;
		if (!key_is(s + v, n - v, "STSv1")) {
			pacc__setwhy(why, whylen,
			    "policy version is not STSv1");
			return PACC_EFORMAT;
		}
	} else if (key_is(s, kn, "mode")) {
		if (*seen & 2)
			return PACC_OK;
		*seen |= 2;
		if (key_is(s + v, n - v, "enforce"))
			p->mode = PACC__MTASTS_ENFORCE;
		else if (key_is(s + v, n - v, "testing"))
			p->mode = PACC__MTASTS_TESTING;
		else if (key_is(s + v, n - v, "none"))
			p->mode = PACC__MTASTS_NONE;
		else {
			pacc__setwhy(why, whylen,
			    "policy mode is not one of "
			    "enforce, testing, none");
			return PACC_EFORMAT;
		}
	} else if (key_is(s, kn, "max_age")) {
		long age = 0;

		if (*seen & 4)
			return PACC_OK;
		*seen |= 4;
		/* 1*10DIGIT, at most 31557600 */
		if (n - v == 0 || n - v > 10)
			goto bad_age;
		for (size_t i = v; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				goto bad_age;
			age = age * 10 + (s[i] - '0');
			if (age > MAX_AGE_MAX)
				goto bad_age;
		}
		p->max_age = age;
	} else if (key_is(s, kn, "mx")) {
		char *pat, **nmx;

		if (p->nmx == MAX_POLICY_MX) {
			pacc__setwhy(why, whylen,
			    "policy lists more than %d mx "
			    "patterns",
			    MAX_POLICY_MX);
			return PACC_ETOOBIG;
		}
		rc = mx_pattern(&pat, s + v, n - v);
		if (rc != PACC_OK)
			return rc;
		if (pat == NULL) {
			pacc__setwhy(why, whylen,
			    "policy mx \"%.*s\" is not a host "
			    "name pattern",
			    (int)(n - v > 64 ? 64 : n - v), s + v);
			return PACC_EFORMAT;
		}
		nmx = pacc__reallocarray(p->mx, p->nmx + 1, sizeof(*nmx));
		if (nmx == NULL) {
			pacc__free(pat);
			return PACC_ENOMEM;
		}
		p->mx = nmx;
		p->mx[p->nmx++] = pat;
	}
	/* Unknown keys are ignored (§3.2). */
	return PACC_OK;
bad_age:
	pacc__setwhy(why, whylen,
	    "policy max_age is not an integer in "
	    "0..31557600");
	return PACC_EFORMAT;
syntax:
	pacc__setwhy(why, whylen, "policy line \"%.*s\" is not \"key: value\"",
	    (int)(n > 64 ? 64 : n), s);
	return PACC_EFORMAT;
}

/*
 * RFC 8461 §3.2: "key: value" lines ended by LF or CRLF (the last one may
 * be unterminated).  version, mode and max_age are required; mx repeats.
 * Empty lines are skipped (a common trailing newline), which the grammar
 * does not strictly allow but changes nothing.  A lone CR is a control
 * character in a value and fails the line.
 */
int
pacc__mtasts_policy_parse(struct pacc__mtasts_policy **out, const char *body,
    size_t len, char *why, size_t whylen)
{
	struct pacc__mtasts_policy *p = NULL;
	unsigned seen = 0;
	size_t i = 0;
	int rc = PACC_OK;

	if (out == NULL || (body == NULL && len > 0))
		return PACC_EINVAL;
	*out = NULL;
	pacc__setwhy(why, whylen, "ok");
	p = pacc__calloc(1, sizeof(*p));
	if (p == NULL)
		return PACC_ENOMEM;
	while (i < len) {
		const char *nl = memchr(body + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - body) : len, n = end - i;

		if (n > 0 && body[i + n - 1] == '\r' && nl != NULL)
			n--;
		if (n > 0) {
			rc = policy_line(p, body + i, n, &seen, why, whylen);
			if (rc != PACC_OK)
				goto out;
		}
		i = nl ? end + 1 : len;
	}
	if ((seen & 7) != 7) {
		pacc__setwhy(why, whylen, "policy has no %s field",
		    !(seen & 1)	      ? "version"
			: !(seen & 2) ? "mode"
				      : "max_age");
		rc = PACC_EFORMAT;
		goto out;
	}
	*out = p;
	p = NULL;
out:
	pacc__mtasts_policy_free(p);
	return rc;
}

/* Compares ignoring case and at most one trailing dot on each side. */
static int
name_eq(const char *a, size_t an, const char *b, size_t bn)
{
	if (an > 0 && a[an - 1] == '.')
		an--;
	if (bn > 0 && b[bn - 1] == '.')
		bn--;
	return an == bn && an > 0 && strncasecmp(a, b, an) == 0;
}

/*
 * RFC 8461 §4.1: a pattern is an exact name or "*." plus a name; the
 * wildcard matches exactly one leftmost label ("*.example.com" matches
 * "mx.example.com", not "example.com" nor "a.b.example.com").
 */
bool
pacc__mtasts_mx_match(const char *pattern, const char *host)
{
	size_t pn, hn;
	const char *dot;

	if (pattern == NULL || host == NULL)
		return false;
	pn = strlen(pattern);
	hn = strlen(host);
	if (pn >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		dot = memchr(host, '.', hn);
		if (dot == NULL || dot == host)
			return false;
		return name_eq(pattern + 2, pn - 2, dot + 1,
		    hn - (size_t)(dot + 1 - host));
	}
	return name_eq(pattern, pn, host, hn);
}

bool
pacc__mtasts_policy_allows(const struct pacc__mtasts_policy *p,
    const char *host)
{
	if (p == NULL || host == NULL)
		return false;
	for (size_t i = 0; i < p->nmx; i++)
		if (pacc__mtasts_mx_match(p->mx[i], host))
			return true;
	return false;
}
