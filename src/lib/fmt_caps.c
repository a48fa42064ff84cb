/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers for the mail line protocols: response framing (where does a
 * response end, what does it say) and capability lists (IMAP CAPABILITY,
 * SMTP EHLO, POP3 CAPA, ManageSieve).  Bytes in, struct out: no I/O, no
 * clock.  Every input is hostile: lines are length-delimited, every item
 * is bounded and validated, and whatever does not parse is skipped.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "pacc/error.h"

#include "alloc.h"
#include "net.h"

/* ---- small helpers on (pointer, length) ---- */

static char
up(char ch)
{
	return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

/* Case-insensitive equality of p[0..n) and the word w. */
static bool
ci_eq(const char *p, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n && w[i]; i++)
		if (up(p[i]) != up(w[i]))
			return false;
	return i == n && w[i] == '\0';
}

/* p starts with word w (case-insensitive) followed by the end, SP or one
 * of `more`; *rest points after the word. */
static bool
ci_word(const char *p, size_t n, const char *w, const char *more, size_t *rest)
{
	size_t wl = strlen(w);

	if (n < wl || !ci_eq(p, wl, w))
		return false;
	if (n > wl && p[wl] != ' ' &&
	    (more == NULL || p[wl] == '\0' || strchr(more, p[wl]) == NULL))
		return false;
	if (rest)
		*rest = wl;
	return true;
}

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* ---- framing ---- */

int
pacc__frame_init(struct pacc__framer *f, enum pacc__frame frame,
    const char *tag)
{
	memset(f, 0, sizeof(*f));
	f->frame = frame;
	if (tag == NULL)
		return PACC_OK;
	if (strlen(tag) >= sizeof(f->tag) || strchr(tag, ' ') != NULL)
		return PACC_EINVAL;
	memcpy(f->tag, tag, strlen(tag) + 1);
	return PACC_OK;
}

static int
done(struct pacc__framer *f, enum pacc__resp_status st)
{
	f->status = st;
	return PACC__FRAME_DONE;
}

static int
bad(const char **why, const char *sentence)
{
	if (why)
		*why = sentence;
	return PACC__FRAME_ERROR;
}

/* RFC 1939 §3: "+OK" / "-ERR"; RFC 5034 §4: "+" continuation. */
static int
pop3_status(const char *l, size_t n)
{
	if (n >= 3 && memcmp(l, "+OK", 3) == 0 && (n == 3 || l[3] == ' '))
		return PACC__ST_OK;
	if (n >= 4 && memcmp(l, "-ERR", 4) == 0 && (n == 4 || l[4] == ' '))
		return PACC__ST_NO;
	if (n >= 1 && l[0] == '+' && (n == 1 || l[1] == ' '))
		return PACC__ST_CONT;
	return PACC__ST_NONE;
}

/* RFC 5321 §4.2: Reply-code [ ( SP / "-" ) textstring ]. */
static int
frame_smtp(struct pacc__framer *f, const char *l, size_t n, const char **why)
{
	int code;

	if (n < 3 || !is_digit(l[0]) || !is_digit(l[1]) || !is_digit(l[2]) ||
	    l[0] < '2' || l[0] > '5' || l[1] > '5')
		return bad(why, "not an SMTP reply line (no valid reply code)");
	if (n > 3 && l[3] != ' ' && l[3] != '-')
		return bad(why,
		    "SMTP reply code not followed by space or "
		    "hyphen");
	code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	if (f->nlines > 1 && code != f->code)
		return bad(why,
		    "reply code changed inside a multi-line SMTP "
		    "reply");
	f->code = code;
	if (n > 3 && l[3] == '-')
		return PACC__FRAME_MORE;
	if (l[0] == '2')
		return done(f, PACC__ST_OK);
	if (l[0] == '3')
		return done(f, PACC__ST_CONT);
	return done(f, PACC__ST_NO);
}

/* RFC 9051 §7.1: greeting = "*" SP (resp-cond-auth / resp-cond-bye). */
static int
frame_imap_greeting(struct pacc__framer *f, const char *l, size_t n,
    const char **why)
{
	if (n < 2 || l[0] != '*' || l[1] != ' ')
		return bad(why, "not an IMAP greeting (no untagged status)");
	l += 2;
	n -= 2;
	if (ci_word(l, n, "OK", "[", NULL))
		return done(f, PACC__ST_OK);
	if (ci_word(l, n, "PREAUTH", "[", NULL))
		return done(f, PACC__ST_PREAUTH);
	if (ci_word(l, n, "BYE", "[", NULL))
		return done(f, PACC__ST_BYE);
	return bad(why, "IMAP greeting is not OK, PREAUTH or BYE");
}

static int
frame_imap(struct pacc__framer *f, const char *l, size_t n, const char **why)
{
	size_t tl = strlen(f->tag);

	if (n >= 2 && l[0] == '*' && l[1] == ' ') {
		if (ci_word(l + 2, n - 2, "BYE", "[", NULL))
			f->bye = true;
		return PACC__FRAME_MORE;
	}
	if (n >= 1 && l[0] == '+' && (n == 1 || l[1] == ' '))
		return done(f, PACC__ST_CONT);
	if (tl == 0 || n <= tl || memcmp(l, f->tag, tl) != 0 || l[tl] != ' ')
		return bad(why, "IMAP response line with an unexpected tag");
	l += tl + 1;
	n -= tl + 1;
	if (ci_word(l, n, "OK", "[", NULL))
		return done(f, PACC__ST_OK);
	if (ci_word(l, n, "NO", "[", NULL))
		return done(f, PACC__ST_NO);
	if (ci_word(l, n, "BAD", "[", NULL))
		return done(f, PACC__ST_BAD);
	return bad(why, "tagged IMAP response is not OK, NO or BAD");
}

/* RFC 5804 §4: response-oknobye = ("OK" / "NO" / "BYE") [SP "(" ...]. */
static int
sieve_status(const char *l, size_t n)
{
	if (ci_word(l, n, "OK", "(", NULL))
		return PACC__ST_OK;
	if (ci_word(l, n, "NO", "(", NULL))
		return PACC__ST_NO;
	if (ci_word(l, n, "BYE", "(", NULL))
		return PACC__ST_BYE;
	return PACC__ST_NONE;
}

int
pacc__frame_line(struct pacc__framer *f, const char *l, size_t n,
    const char **why)
{
	int st;

	if (why)
		*why = NULL;
	if (l == NULL)
		return bad(why, "no line");
	f->nlines++;
	switch (f->frame) {
	case PACC__FRAME_SMTP:
		return frame_smtp(f, l, n, why);
	case PACC__FRAME_POP3:
		if ((st = pop3_status(l, n)) == PACC__ST_NONE)
			return bad(why, "POP3 response is not +OK or -ERR");
		return done(f, (enum pacc__resp_status)st);
	case PACC__FRAME_POP3_MULTI:
		if (f->in_body) {
			if (n == 1 && l[0] == '.')
				return done(f, PACC__ST_OK);
			return PACC__FRAME_MORE;
		}
		st = pop3_status(l, n);
		if (st == PACC__ST_OK) {
			f->in_body = true;
			return PACC__FRAME_MORE;
		}
		if (st == PACC__ST_NO)
			return done(f, PACC__ST_NO);
		return bad(why, "POP3 response is not +OK or -ERR");
	case PACC__FRAME_IMAP_GREETING:
		return frame_imap_greeting(f, l, n, why);
	case PACC__FRAME_IMAP:
		return frame_imap(f, l, n, why);
	case PACC__FRAME_SIEVE:
	case PACC__FRAME_SIEVE_AUTH:
		if ((st = sieve_status(l, n)) != PACC__ST_NONE)
			return done(f, (enum pacc__resp_status)st);
		/* RFC 5804 §2.1: a challenge is a string (quoted/literal) */
		if (f->frame == PACC__FRAME_SIEVE_AUTH && n > 0 &&
		    (l[0] == '"' || l[0] == '{'))
			return done(f, PACC__ST_CONT);
		return PACC__FRAME_MORE;
	}
	return bad(why, "unknown framing");
}

/* ---- capability lists ---- */

void
pacc__caps_clear(struct pacc__caps *c)
{
	for (size_t i = 0; i < c->nitems; i++)
		pacc__free(c->items[i]);
	for (size_t i = 0; i < c->nsasl; i++)
		pacc__free(c->sasl[i]);
	pacc__free(c->items);
	pacc__free(c->sasl);
	memset(c, 0, sizeof(*c));
}

static bool
list_has(char *const *v, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (ci_eq(s, len, v[i]))
			return true;
	return false;
}

bool
pacc__caps_has(const struct pacc__caps *c, const char *item)
{
	return list_has(c->items, c->nitems, item, strlen(item));
}

bool
pacc__caps_has_sasl(const struct pacc__caps *c, const char *mech)
{
	return list_has(c->sasl, c->nsasl, mech, strlen(mech));
}

/* Append a copy of s[0..n) to *v (grown by one, at most max entries). */
static int
list_add(char ***v, size_t *nv, size_t max, bool *truncated, const char *s,
    size_t n, bool upper)
{
	char **nl, *d;

	if ((d = pacc__strndup(s, n)) == NULL)
		return PACC_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* only printable ASCII leaves the parser */
		if ((unsigned char)d[i] < 0x20 || (unsigned char)d[i] > 0x7e)
			d[i] = '?';
		else if (upper)
			d[i] = up(d[i]);
	}
	/* unique as kept, not as received ("A\1" and "A\2" are one "A?") */
	if (list_has(*v, *nv, d, n) || *nv >= max) {
		if (*nv >= max && !list_has(*v, *nv, d, n))
			*truncated = true;
		pacc__free(d);
		return PACC_OK;
	}
	nl = pacc__reallocarray(*v, *nv + 1, sizeof(*nl));
	if (nl == NULL) {
		pacc__free(d);
		return PACC_ENOMEM;
	}
	nl[(*nv)++] = d;
	*v = nl;
	return PACC_OK;
}

/* Strip spaces at both ends. */
static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

static int
add_item(struct pacc__caps *c, const char *s, size_t n)
{
	trim(&s, &n);
	if (n == 0 || n > PACC__MAX_CAP_BYTES)
		return PACC_OK;
	return list_add(&c->items, &c->nitems, PACC__MAX_CAPS, &c->truncated, s,
	    n, false);
}

/* RFC 4422 §3.1: sasl-mech = 1*20mech-char, [A-Z0-9-_]. */
static int
add_sasl(struct pacc__caps *c, const char *s, size_t n)
{
	if (n == 0 || n > 20)
		return PACC_OK;
	for (size_t i = 0; i < n; i++) {
		char ch = up(s[i]);

		if (!((ch >= 'A' && ch <= 'Z') || is_digit(ch) || ch == '-' ||
			ch == '_'))
			return PACC_OK; /* not a mechanism name: ignored */
	}
	return list_add(&c->sasl, &c->nsasl, PACC__MAX_SASL, &c->truncated, s,
	    n, true);
}

/* Space-separated mechanism names. */
static int
add_sasl_list(struct pacc__caps *c, const char *s, size_t n)
{
	size_t i = 0, j;
	int rc;

	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		for (j = i; j < n && s[j] != ' '; j++)
			;
		if (j > i && (rc = add_sasl(c, s + i, j - i)) != PACC_OK)
			return rc;
		i = j;
	}
	return PACC_OK;
}

/* RFC 9051 §9 ATOM-CHAR: any CHAR except atom-specials; ']' ends a
 * response code (resp-text-code). */
static bool
imap_atom_char(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f && strchr("(){%*\"\\]", ch) == NULL;
}

static int
imap_token(struct pacc__caps *c, const char *t, size_t n)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if (!imap_atom_char((unsigned char)t[i]))
			return PACC_OK; /* hostile or broken token: skipped */
	if (ci_eq(t, n, "STARTTLS"))
		c->starttls = true;
	else if (ci_eq(t, n, "LOGINDISABLED"))
		c->login_disabled = true;
	else if (n > 5 && ci_eq(t, 5, "AUTH=") &&
	    (rc = add_sasl(c, t + 5, n - 5)) != PACC_OK)
		return rc;
	return add_item(c, t, n);
}

/* Tokens of s[0..n) separated by spaces. */
static int
imap_tokens(struct pacc__caps *c, const char *s, size_t n)
{
	size_t i = 0, j;
	int rc;

	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		for (j = i; j < n && s[j] != ' '; j++)
			;
		if (j > i && (rc = imap_token(c, s + i, j - i)) != PACC_OK)
			return rc;
		i = j;
	}
	return PACC_OK;
}

int
pacc__caps_imap(struct pacc__caps *c, const char *l, size_t n)
{
	size_t i, rest;
	const char *close;

	if (l == NULL)
		return PACC_EINVAL;
	/* first token: "*" or a tag */
	for (i = 0; i < n && l[i] != ' '; i++)
		;
	if (i == 0 || i >= n)
		return PACC_ENOTFOUND;
	if (i == 1 && l[0] == '*' &&
	    ci_word(l + 2, n - 2, "CAPABILITY", NULL, &rest))
		return imap_tokens(c, l + 2 + rest, n - 2 - rest);
	l += i + 1;
	n -= i + 1;
	/* RFC 9051 §7.1: resp-cond-state / resp-cond-auth, then "[" */
	if (!ci_word(l, n, "OK", NULL, &rest) &&
	    !ci_word(l, n, "PREAUTH", NULL, &rest))
		return PACC_ENOTFOUND;
	l += rest;
	n -= rest;
	if (n < 2 || l[0] != ' ' || l[1] != '[')
		return PACC_ENOTFOUND;
	l += 2;
	n -= 2;
	if (!ci_word(l, n, "CAPABILITY", "]", &rest))
		return PACC_ENOTFOUND;
	l += rest;
	n -= rest;
	close = memchr(l, ']', n);
	if (close == NULL)
		return PACC_EFORMAT;
	return imap_tokens(c, l, (size_t)(close - l));
}

/* A reply line's text after "ddd-" / "ddd ". */
static bool
smtp_text(const struct pacc__line *ln, const char **t, size_t *tn)
{
	const char *l = ln->p;

	if (l == NULL || ln->len < 3 || !is_digit(l[0]) || !is_digit(l[1]) ||
	    !is_digit(l[2]) || (ln->len > 3 && l[3] != ' ' && l[3] != '-'))
		return false;
	*t = ln->len > 4 ? l + 4 : "";
	*tn = ln->len > 4 ? ln->len - 4 : 0;
	return true;
}

int
pacc__caps_smtp(struct pacc__caps *c, const struct pacc__line *lines, size_t n)
{
	const char *t;
	size_t tn, kw;
	int rc;

	if (n == 0 || lines == NULL)
		return PACC_EFORMAT;
	for (size_t i = 0; i < n; i++)
		if (!smtp_text(&lines[i], &t, &tn))
			return PACC_EFORMAT;
	/* RFC 5321 §4.1.1.1: the first line is the domain and a greeting */
	for (size_t i = 1; i < n; i++) {
		smtp_text(&lines[i], &t, &tn);
		trim(&t, &tn);
		for (kw = 0; kw < tn && t[kw] != ' ' && t[kw] != '='; kw++)
			;
		if (ci_eq(t, kw, "STARTTLS") && kw == tn)
			c->starttls = true;
		/* RFC 4954 §3 "AUTH mech ..."; some old servers say
		 * "AUTH=mech ..." (kept for them) */
		if (ci_eq(t, kw, "AUTH") && kw < tn &&
		    (rc = add_sasl_list(c, t + kw + 1, tn - kw - 1)) != PACC_OK)
			return rc;
		if ((rc = add_item(c, t, tn)) != PACC_OK)
			return rc;
	}
	return PACC_OK;
}

int
pacc__caps_pop3(struct pacc__caps *c, const struct pacc__line *lines, size_t n)
{
	const char *t;
	size_t tn, kw;
	int rc;

	if (n == 0 || lines == NULL || lines[0].p == NULL ||
	    pop3_status(lines[0].p, lines[0].len) != PACC__ST_OK)
		return PACC_EFORMAT;
	for (size_t i = 1; i < n; i++) {
		t = lines[i].p;
		tn = lines[i].len;
		if (t == NULL)
			return PACC_EFORMAT;
		if (tn == 1 && t[0] == '.')
			break;
		if (tn > 0 && t[0] == '.') { /* RFC 1939 §3 byte-stuffing */
			t++;
			tn--;
		}
		trim(&t, &tn);
		for (kw = 0; kw < tn && t[kw] != ' '; kw++)
			;
		if (ci_eq(t, kw, "STLS") && kw == tn)
			c->starttls = true;
		if (ci_eq(t, kw, "SASL") && kw < tn &&
		    (rc = add_sasl_list(c, t + kw + 1, tn - kw - 1)) != PACC_OK)
			return rc;
		if ((rc = add_item(c, t, tn)) != PACC_OK)
			return rc;
	}
	return PACC_OK;
}

/*
 * RFC 5804 §4: quoted = DQUOTE *QUOTED-CHAR DQUOTE, where a backslash
 * escapes only DQUOTE and backslash.  Unescaped into out (at most cap-1
 * bytes, else it fails).  Returns the length consumed, 0 on error.
 */
static size_t
sieve_quoted(const char *s, size_t n, char *out, size_t cap, size_t *outlen)
{
	size_t i = 1, o = 0;

	if (n < 2 || s[0] != '"')
		return 0;
	while (i < n) {
		char ch = s[i];

		if (ch == '"') {
			*outlen = o;
			out[o] = '\0';
			return i + 1;
		}
		if (ch == '\\') {
			if (i + 1 >= n || (s[i + 1] != '"' && s[i + 1] != '\\'))
				return 0;
			ch = s[++i];
		}
		if (ch == '\0' || ch == '\r' || ch == '\n' || o + 1 >= cap)
			return 0;
		out[o++] = ch;
		i++;
	}
	return 0;
}

int
pacc__caps_sieve(struct pacc__caps *c, const struct pacc__line *lines, size_t n)
{
	char name[PACC__MAX_CAP_BYTES + 1], val[PACC__MAX_CAP_BYTES + 1];
	char item[2 * PACC__MAX_CAP_BYTES + 2];
	size_t used, used2, nl, vl;
	int rc;

	if (lines == NULL && n > 0)
		return PACC_EINVAL;
	for (size_t i = 0; i < n; i++) {
		const char *l = lines[i].p;
		size_t ln = lines[i].len;

		if (l == NULL)
			return PACC_EFORMAT;
		if (sieve_status(l, ln) != PACC__ST_NONE)
			break;
		/* a literal ({n+}) or anything else: not a capability */
		used = sieve_quoted(l, ln, name, sizeof(name), &nl);
		if (used == 0 || nl == 0)
			continue;
		vl = 0;
		val[0] = '\0';
		if (used < ln) {
			if (l[used] != ' ')
				continue;
			used2 = sieve_quoted(l + used + 1, ln - used - 1, val,
			    sizeof(val), &vl);
			if (used2 == 0 || used + 1 + used2 != ln)
				continue;
		}
		if (ci_eq(name, nl, "STARTTLS"))
			c->starttls = true;
		if (ci_eq(name, nl, "SASL") &&
		    (rc = add_sasl_list(c, val, vl)) != PACC_OK)
			return rc;
		memcpy(item, name, nl);
		if (vl > 0) {
			item[nl] = ' ';
			memcpy(item + nl + 1, val, vl);
		}
		if ((rc = add_item(c, item, vl > 0 ? nl + 1 + vl : nl)) !=
		    PACC_OK)
			return rc;
	}
	return PACC_OK;
}
