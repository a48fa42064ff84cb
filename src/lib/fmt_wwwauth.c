/* SPDX-License-Identifier: MIT */
/*
 * WWW-Authenticate challenges, RFC 9110 §11.6.1 and §11.2:
 *
 *   WWW-Authenticate = #challenge
 *   challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param  = token BWS "=" BWS ( token / quoted-string )
 *   token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
 *                 *"="
 *
 * The classic difficulty: commas separate both challenges and the
 * parameters of one challenge, and a quoted-string may hold commas too
 * (`Basic realm="a, b", Bearer realm="x"`).  After a comma, the next
 * element is a parameter of the same challenge when it reads
 * `token BWS "="`, else a new challenge starts there.  Empty list elements
 * (",,") are ignored (RFC 9110 §5.6.1.2).  Pure: bytes in, structs out.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"
#include "buf.h"

struct cur {
	const char *s;
	size_t len, i;
};

/* RFC 9110 §5.6.2 tchar */
static bool
is_tchar(unsigned char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return true;
	return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* RFC 9110 §11.2 token68 characters (before the "=" padding) */
static bool
is_t68char(unsigned char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return true;
	return ch != '\0' && strchr("-._~+/", ch) != NULL;
}

static bool
at_end(const struct cur *c)
{
	return c->i >= c->len;
}

static unsigned char
peek(const struct cur *c)
{
	return at_end(c) ? 0 : (unsigned char)c->s[c->i];
}

/* OWS / BWS (RFC 9110 §5.6.3) */
static void
skip_ows(struct cur *c)
{
	while (!at_end(c) && (c->s[c->i] == ' ' || c->s[c->i] == '\t'))
		c->i++;
}

static size_t
token_len(const struct cur *c, size_t from)
{
	size_t j = from;

	while (j < c->len && is_tchar((unsigned char)c->s[j]))
		j++;
	return j - from;
}

/* Describe the byte at the cursor for an error sentence. */
static void
bad_char(const struct cur *c, const char *expected, char *why, size_t whylen)
{
	unsigned char ch = peek(c);

	if (at_end(c))
		pacc__setwhy(why, whylen, "%s expected at the end of the value",
		    expected);
	else if (ch > 0x20 && ch < 0x7f)
		pacc__setwhy(why, whylen, "%s expected at offset %zu, not '%c'",
		    expected, c->i, ch);
	else
		pacc__setwhy(why, whylen,
		    "%s expected at offset %zu, not byte 0x%02x", expected,
		    c->i, ch);
}

static char *
lower_dup(const char *p, size_t n)
{
	char *d = pacc__strndup(p, n);

	for (size_t i = 0; d && i < n; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] - 'A' + 'a');
	return d;
}

/* A copy safe to print and to put in JSON. */
static char *
safe_dup(const char *p, size_t n)
{
	char *raw = pacc__strndup(p, n), *d;

	if (raw == NULL)
		return NULL;
	d = pacc__utf8_sanitize(raw);
	pacc__free(raw);
	return d;
}

static void
challenge_clear(struct pacc_challenge *ch)
{
	pacc__free(ch->scheme);
	pacc__free(ch->token68);
	for (size_t i = 0; i < ch->nparams; i++) {
		pacc__free(ch->params[i].name);
		pacc__free(ch->params[i].value);
	}
	memset(ch, 0, sizeof(*ch));
}

void
pacc__challenges_clear(struct pacc__challenges *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		challenge_clear(&c->v[i]);
	pacc__free(c->v);
	memset(c, 0, sizeof(*c));
}

const char *
pacc__challenge_param(const struct pacc_challenge *ch, const char *name)
{
	if (ch == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < ch->nparams; i++)
		if (strcasecmp(ch->params[i].name, name) == 0)
			return ch->params[i].value;
	return NULL;
}

/*
 * quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE  (RFC 9110
 * §5.6.4); the cursor is on the opening quote.  *out gets the unescaped
 * value, or NULL (with *too_long) when it exceeds the bound; the cursor
 * then stands after the closing quote either way.
 */
static int
quoted_string(struct cur *c, char **out, bool *too_long, char *why,
    size_t whylen)
{
	char buf[PACC__MAX_CHALLENGE_VALUE];
	size_t n = 0;

	*out = NULL;
	*too_long = false;
	c->i++; /* DQUOTE */
	for (;;) {
		unsigned char ch;

		if (at_end(c)) {
			pacc__setwhy(why, whylen,
			    "a quoted string is not closed before the end of "
			    "the value");
			return PACC_EFORMAT;
		}
		ch = (unsigned char)c->s[c->i];
		if (ch == '"') {
			c->i++;
			break;
		}
		if (ch == '\\') {
			c->i++;
			if (at_end(c)) {
				pacc__setwhy(why, whylen,
				    "a backslash ends the value inside a "
				    "quoted "
				    "string");
				return PACC_EFORMAT;
			}
			ch = (unsigned char)c->s[c->i];
			/* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
			if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
				bad_char(c, "an escaped character", why,
				    whylen);
				return PACC_EFORMAT;
			}
		} else if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
			/* qdtext excludes controls but HTAB */
			bad_char(c, "a character of a quoted string", why,
			    whylen);
			return PACC_EFORMAT;
		}
		if (n < sizeof(buf))
			buf[n] = (char)ch;
		else
			*too_long = true;
		n++;
		c->i++;
	}
	if (*too_long)
		return PACC_OK;
	if ((*out = safe_dup(buf, n)) == NULL)
		return PACC_ENOMEM;
	return PACC_OK;
}

/* 1 when the element at `from` reads `token BWS "="`: a parameter. */
static bool
param_ahead(const struct cur *c, size_t from)
{
	size_t j = from + token_len(c, from);

	if (j == from)
		return false;
	while (j < c->len && (c->s[j] == ' ' || c->s[j] == '\t'))
		j++;
	return j < c->len && c->s[j] == '=';
}

/*
 * token68 at the cursor?  It must be followed by OWS and then a comma or
 * the end; "realm=x" is a parameter, "abc==" a token68.  Returns its length
 * (0: not a token68).
 */
static size_t
token68_ahead(const struct cur *c)
{
	size_t j = c->i, end;

	while (j < c->len && is_t68char((unsigned char)c->s[j]))
		j++;
	if (j == c->i)
		return 0;
	while (j < c->len && c->s[j] == '=')
		j++;
	end = j;
	while (j < c->len && (c->s[j] == ' ' || c->s[j] == '\t'))
		j++;
	if (j < c->len && c->s[j] != ',')
		return 0;
	return end - c->i;
}

/* Skip OWS and empty list elements; true when something follows. */
static bool
skip_separators(struct cur *c)
{
	for (;;) {
		skip_ows(c);
		if (at_end(c) || c->s[c->i] != ',')
			return !at_end(c);
		c->i++;
	}
}

static int
add_param(struct pacc_challenge *ch, struct pacc__challenges *list,
    const char *name, size_t nlen, char *value, char *why, size_t whylen)
{
	char *lname;

	for (size_t k = 0; k < ch->nparams; k++) {
		if (strlen(ch->params[k].name) == nlen &&
		    strncasecmp(ch->params[k].name, name, nlen) == 0) {
			/* RFC 9110 §11.2: each name only once per challenge;
			 * which one to believe would be a guess */
			pacc__setwhy(why, whylen,
			    "parameter '%.*s' appears twice in the %s "
			    "challenge",
			    (int)(nlen > 64 ? 64 : nlen), name, ch->scheme);
			pacc__free(value);
			return PACC_EFORMAT;
		}
	}
	if (value == NULL)
		return PACC_OK; /* too long: left out, already flagged */
	if (ch->nparams == PACC__MAX_CHALLENGE_PARAMS) {
		list->truncated = true;
		pacc__free(value);
		return PACC_OK;
	}
	if ((lname = lower_dup(name, nlen)) == NULL) {
		pacc__free(value);
		return PACC_ENOMEM;
	}
	ch->params[ch->nparams].name = lname;
	ch->params[ch->nparams].value = value;
	ch->nparams++;
	return PACC_OK;
}

/*
 * The auth-params of one challenge, from the cursor.  Returns with the
 * cursor at the end or on the scheme of the next challenge.
 */
static int
params(struct cur *c, struct pacc_challenge *ch, struct pacc__challenges *list,
    char *why, size_t whylen)
{
	for (;;) {
		size_t nstart = c->i, nlen = token_len(c, c->i);
		char *value = NULL;
		bool too_long = false;
		int rc;

		if (nlen == 0) {
			bad_char(c, "a parameter name", why, whylen);
			return PACC_EFORMAT;
		}
		if (nlen > PACC__MAX_CHALLENGE_VALUE) {
			pacc__setwhy(why, whylen,
			    "a parameter name at offset %zu is longer than "
			    "%d bytes",
			    nstart, PACC__MAX_CHALLENGE_VALUE);
			return PACC_EFORMAT;
		}
		c->i += nlen;
		skip_ows(c);
		if (peek(c) != '=') {
			bad_char(c, "'=' after a parameter name", why, whylen);
			return PACC_EFORMAT;
		}
		c->i++;
		skip_ows(c);
		if (peek(c) == '"') {
			rc = quoted_string(c, &value, &too_long, why, whylen);
			if (rc != PACC_OK)
				return rc;
		} else {
			size_t vlen = token_len(c, c->i);

			if (vlen == 0) {
				bad_char(c, "a token or quoted string", why,
				    whylen);
				return PACC_EFORMAT;
			}
			if (vlen > PACC__MAX_CHALLENGE_VALUE)
				too_long = true;
			else if ((value = safe_dup(c->s + c->i, vlen)) == NULL)
				return PACC_ENOMEM;
			c->i += vlen;
		}
		if (too_long)
			list->truncated = true;
		rc = add_param(ch, list, c->s + nstart, nlen, value, why,
		    whylen);
		if (rc != PACC_OK)
			return rc;
		skip_ows(c);
		if (at_end(c))
			return PACC_OK;
		if (peek(c) != ',') {
			bad_char(c, "',' after a parameter", why, whylen);
			return PACC_EFORMAT;
		}
		if (!skip_separators(c))
			return PACC_OK;
		if (!param_ahead(c, c->i))
			return PACC_OK; /* the next challenge starts here */
	}
}

int
pacc__wwwauth_parse(struct pacc__challenges *list, const char *value,
    size_t len, char *why, size_t whylen)
{
	struct cur c = { value, len, 0 };
	struct pacc_challenge ch;
	int rc = PACC_OK;

	if (why && whylen)
		why[0] = '\0';
	if (list == NULL || (value == NULL && len > 0))
		return PACC_EINVAL;
	memset(&ch, 0, sizeof(ch));
	while (skip_separators(&c)) {
		size_t start = c.i, slen = token_len(&c, c.i), t68;

		if (slen == 0) {
			bad_char(&c, "an authentication scheme", why, whylen);
			rc = PACC_EFORMAT;
			goto out;
		}
		if (slen > PACC__MAX_CHALLENGE_VALUE) {
			pacc__setwhy(why, whylen,
			    "an authentication scheme at offset %zu is longer "
			    "than %d bytes",
			    start, PACC__MAX_CHALLENGE_VALUE);
			rc = PACC_EFORMAT;
			goto out;
		}
		if (list->n == PACC__MAX_CHALLENGES) {
			/* bounded: the rest is not even looked at */
			list->truncated = true;
			goto out;
		}
		if ((ch.scheme = safe_dup(c.s + start, slen)) == NULL) {
			rc = PACC_ENOMEM;
			goto out;
		}
		c.i += slen;
		if (!at_end(&c) && peek(&c) != ',') {
			/* 1*SP (HTAB tolerated) before token68 / params */
			if (peek(&c) != ' ' && peek(&c) != '\t') {
				bad_char(&c, "a space or ',' after the scheme",
				    why, whylen);
				rc = PACC_EFORMAT;
				goto out;
			}
			skip_ows(&c);
		}
		if (at_end(&c) || peek(&c) == ',') {
			/* a scheme alone */
		} else if ((t68 = token68_ahead(&c)) > 0) {
			if (t68 > PACC__MAX_CHALLENGE_VALUE)
				list->truncated = true;
			else if ((ch.token68 = pacc__strndup(c.s + c.i, t68)) ==
			    NULL) {
				rc = PACC_ENOMEM;
				goto out;
			}
			c.i += t68;
			skip_ows(&c);
			if (!at_end(&c) && peek(&c) != ',') {
				bad_char(&c, "',' after a token68", why,
				    whylen);
				rc = PACC_EFORMAT;
				goto out;
			}
		} else if ((rc = params(&c, &ch, list, why, whylen)) !=
		    PACC_OK) {
			goto out;
		}
		/* complete: keep it */
		if (list->v == NULL) {
			list->v = pacc__calloc(PACC__MAX_CHALLENGES,
			    sizeof(*list->v));
			if (list->v == NULL) {
				rc = PACC_ENOMEM;
				goto out;
			}
		}
		list->v[list->n++] = ch;
		memset(&ch, 0, sizeof(ch));
	}
out:
	challenge_clear(&ch);
	return rc;
}

int
pacc__challenges_copy(struct pacc__challenges *dst,
    const struct pacc__challenges *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->truncated = src->truncated;
	if (src->n == 0)
		return PACC_OK;
	dst->v = pacc__calloc(PACC__MAX_CHALLENGES, sizeof(*dst->v));
	if (dst->v == NULL)
		return PACC_ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		const struct pacc_challenge *s = &src->v[i];
		struct pacc_challenge *d = &dst->v[i];

		dst->n++;
		if ((d->scheme = pacc__strdup(s->scheme)) == NULL ||
		    (s->token68 &&
			(d->token68 = pacc__strdup(s->token68)) == NULL))
			goto fail;
		for (size_t k = 0; k < s->nparams; k++) {
			d->params[k].name = pacc__strdup(s->params[k].name);
			d->params[k].value = pacc__strdup(s->params[k].value);
			d->nparams++;
			if (d->params[k].name == NULL ||
			    d->params[k].value == NULL)
				goto fail;
		}
	}
	return PACC_OK;
fail:
	pacc__challenges_clear(dst);
	return PACC_ENOMEM;
}
