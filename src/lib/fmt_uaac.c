/* SPDX-License-Identifier: MIT */
/*
 * The PACC digest record, TXT at _ua-auto-config.{domain}:
 *   v=UAAC1; a=sha256; d=<base64 of the digest of the document's bytes>
 * Tag-list rules as in draft-ietf-mailmaint-pacc-03 §5.2.2.2 (notes §2.2),
 * which follow DKIM's (RFC 6376 §3.2): "tag=value" separated by ";",
 * optional SP/HTAB around "=" and ";", an optional final ";", tag names
 * ASCII alphanumeric, values 0x21-0x7E without ";", unknown tags ignored,
 * order irrelevant.
 *
 * Classification, so that a record of another kind never counts as ours
 * while a broken record of ours never passes as "absent":
 *  - a record with a well-formed tag "v=UAAC1" (value case-insensitive) is a
 *    UAAC1 record; anything wrong in it (bad syntax anywhere, non-ASCII
 *    bytes, a duplicate v/a/d, missing a or d, bad base64, wrong length) is
 *    PACC_EFORMAT;
 *  - without such a tag it is not ours (PACC_ENOTFOUND), whatever else it
 *    holds (SPF, site verification strings, binary junk, "v=UAAC2").
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pacc/error.h"

#include "fmt.h"
#include "buf.h"

#define MAX_TAGS 32 /* a real record has three; more is not a record */

struct span {
	const char *p;
	size_t n;
};

struct tag {
	struct span name, value;
	int ok; /* syntactically valid tag-spec */
};

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static struct span
trim(const char *p, size_t n)
{
	struct span s;

	while (n > 0 && is_wsp(*p)) {
		p++;
		n--;
	}
	while (n > 0 && is_wsp(p[n - 1]))
		n--;
	s.p = p;
	s.n = n;
	return s;
}

/* One tag-spec between separators: [WSP] name [WSP] "=" [WSP] value [WSP]. */
static void
parse_spec(struct tag *t, const char *p, size_t n)
{
	const char *eq = memchr(p, '=', n);

	memset(t, 0, sizeof(*t));
	if (eq == NULL)
		return;
	t->name = trim(p, (size_t)(eq - p));
	t->value = trim(eq + 1, n - (size_t)(eq - p) - 1);
	if (t->name.n == 0)
		return;
	for (size_t i = 0; i < t->name.n; i++)
		if (!is_alnum(t->name.p[i]))
			return;
	/* An empty value is allowed by the grammar (DKIM tag-value). */
	for (size_t i = 0; i < t->value.n; i++) {
		unsigned char c = (unsigned char)t->value.p[i];

		if (c < 0x21 || c > 0x7e) /* ';' cannot occur: it split us */
			return;
	}
	t->ok = 1;
}

static int
span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static int
span_ieq(struct span s, const char *lit)
{
	return s.n == strlen(lit) && strncasecmp(s.p, lit, s.n) == 0;
}

static const struct {
	const char *name;
	enum pacc__digest_alg alg;
	size_t len;
} algs[] = {
	{ "sha256", PACC__ALG_SHA256, 32 },
	{ "sha512", PACC__ALG_SHA512, 64 },
	{ "sha3-512", PACC__ALG_SHA3_512, 64 },
};

const char *
pacc__digest_alg_name(enum pacc__digest_alg alg)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].alg == alg)
			return algs[i].name;
	return "unknown";
}

int
pacc__uaac_parse(struct pacc__uaac *out, const char *txt, size_t len, char *why,
    size_t whylen)
{
	struct tag tags[MAX_TAGS];
	const struct tag *v = NULL, *a = NULL, *d = NULL;
	size_t ntags = 0, start = 0, nv = 0, na = 0, nd = 0, dlen;
	int syntax_ok = 1, rc;

	if (out == NULL || (txt == NULL && len > 0))
		return PACC_EINVAL;
	memset(out, 0, sizeof(*out));
	pacc__setwhy(why, whylen, "not a v=UAAC1 record");
	/* Split at every ';'; an empty last piece is the optional final ';'. */
	for (size_t i = 0; i <= len; i++) {
		struct span piece;

		if (i < len && txt[i] != ';')
			continue;
		piece = trim(txt + start, i - start);
		if (piece.n == 0) {
			/* Empty tag-spec: only allowed after a final ';'. */
			if (!(i == len && ntags > 0))
				syntax_ok = 0;
		} else if (ntags == MAX_TAGS) {
			syntax_ok = 0;
		} else {
			parse_spec(&tags[ntags], piece.p, piece.n);
			if (!tags[ntags].ok)
				syntax_ok = 0;
			ntags++;
		}
		start = i + 1;
	}
	for (size_t i = 0; i < ntags; i++) {
		const struct tag *t = &tags[i];

		if (!t->ok)
			continue;
		/* Tag names are case-sensitive (RFC 6376 §3.2). */
		if (span_is(t->name, "v")) {
			nv++;
			if (span_ieq(t->value, "UAAC1"))
				v = t;
		} else if (span_is(t->name, "a")) {
			na++;
			a = t;
		} else if (span_is(t->name, "d")) {
			nd++;
			d = t;
		}
	}
	if (v == NULL)
		return PACC_ENOTFOUND;
	if (!syntax_ok) {
		pacc__setwhy(why, whylen,
		    "v=UAAC1 record is not a valid tag list");
		return PACC_EFORMAT;
	}
	if (nv > 1 || na > 1 || nd > 1) {
		pacc__setwhy(why, whylen, "v=UAAC1 record repeats the %s= tag",
		    nv > 1	 ? "v"
			: na > 1 ? "a"
				 : "d");
		return PACC_EFORMAT;
	}
	if (a == NULL || a->value.n == 0) {
		pacc__setwhy(why, whylen, "v=UAAC1 record has no a= algorithm");
		return PACC_EFORMAT;
	}
	if (d == NULL || d->value.n == 0) {
		pacc__setwhy(why, whylen, "v=UAAC1 record has no d= digest");
		return PACC_EFORMAT;
	}
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (!span_ieq(a->value, algs[i].name))
			continue;
		rc = pacc__base64_decode(out->digest, sizeof(out->digest),
		    &dlen, d->value.p, d->value.n);
		if (rc == PACC_EFORMAT) {
			pacc__setwhy(why, whylen,
			    "d= is not canonical base64 (RFC 4648 §4)");
			goto bad;
		}
		if (rc != PACC_OK || dlen != algs[i].len) {
			pacc__setwhy(why, whylen,
			    "d= holds %s bytes, %s digests are %zu bytes",
			    rc == PACC_OK ? "the wrong number of" : "too many",
			    algs[i].name, algs[i].len);
			goto bad;
		}
		out->alg = algs[i].alg;
		out->digest_len = dlen;
		pacc__setwhy(why, whylen, "v=UAAC1 record with an %s digest",
		    algs[i].name);
		return PACC_OK;
	}
	/* Algorithm agility: an unknown a= makes this RR unusable, no more. */
	pacc__setwhy(why, whylen,
	    "v=UAAC1 record uses an unsupported algorithm "
	    "a=%.*s",
	    (int)(a->value.n > 32 ? 32 : a->value.n), a->value.p);
	return PACC_EUNSUPPORTED;
bad:
	memset(out, 0, sizeof(*out));
	return PACC_EFORMAT;
}
