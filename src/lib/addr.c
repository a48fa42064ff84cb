/* SPDX-License-Identifier: MIT */
/*
 * Email addresses (RFC 5322 addr-spec with RFC 6532 UTF-8), IDN domains
 * (UTS #46 non-transitional via libidn2), host names, https URLs and
 * registrable domains (Public Suffix List via libpsl).
 * Nothing here depends on the locale: UTF-8 is validated by hand and the
 * libidn2 calls used take UTF-8 ("8z") whatever LC_CTYPE says.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <libpsl.h>

#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"
#include "bounds.h"
#include "buf.h"

#define LOCAL_MAX 64   /* RFC 5321 §4.5.3.1.1 */
#define DOMAIN_MAX 253 /* RFC 1035 §2.3.4, presentation form */
#define URL_MAX 2048   /* far beyond any configuration URL */

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0.  *cp gets the code
 * point.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c;
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
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
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
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

/* RFC 5322 §3.2.3 atext (RFC 6532 §3.2 adds UTF8-non-ascii). */
static int
is_atext_ascii(unsigned char c)
{
	return is_alpha(c) || is_digit(c) ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* C0, DEL and C1 controls are never part of an address we accept. */
static int
is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool
pacc__hostname_valid(const char *host)
{
	size_t n, label = 0;
	bool digits_only = true;

	if (host == NULL)
		return false;
	n = strnlen(host, DOMAIN_MAX + 1);
	if (n == 0 || n > DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)host[i];

		if (c == '.' || c == '\0') {
			/* RFC 1123 §2.1: 1..63 octets, no edge hyphen */
			if (label == 0 || label > 63 || host[i - 1] == '-')
				return false;
			if (c == '\0')
				break;
			label = 0;
			digits_only = true;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (!is_digit(c))
			digits_only = false;
		label++;
	}
	/*
	 * RFC 3696 §2: a top-level label is never all-numeric, which also
	 * keeps dotted IPv4 literals out of places that want host names.
	 */
	return !digits_only;
}

/* Counts the labels of a valid host name. */
static size_t
nlabels(const char *host)
{
	size_t k = 1;

	for (; *host; host++)
		if (*host == '.')
			k++;
	return k;
}

static int
idn_to_ascii(char **out, const char *udomain, char *why, size_t whylen)
{
	char *a = NULL;
	int irc;

	*out = NULL;
	/*
	 * UTS #46 non-transitional with NFC input (ß stays ß).  Not
	 * IDN2_USE_STD3_ASCII_RULES: libidn2 2.3 then silently deletes
	 * disallowed ASCII ("a_b" -> "ab"); we check LDH on the result
	 * instead, which is what STD3 rules mean.
	 */
	irc = idn2_to_ascii_8z(udomain, &a,
	    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (irc != IDN2_OK) {
		pacc__setwhy(why, whylen, "the domain is not a valid IDN: %s",
		    idn2_strerror(irc));
		return PACC_EADDRESS;
	}
	*out = pacc__strdup(a);
	idn2_free(a);
	return *out ? PACC_OK : PACC_ENOMEM;
}

static int
idn_to_unicode(char **out, const char *adomain)
{
	char *u = NULL;

	*out = NULL;
	if (idn2_to_unicode_8z8z(adomain, &u, 0) != IDN2_OK)
		return PACC_EADDRESS;
	*out = pacc__strdup(u);
	idn2_free(u);
	return *out ? PACC_OK : PACC_ENOMEM;
}

/*
 * Local part at s[0..n): a dot-atom or a quoted-string (RFC 5322 §3.4.1;
 * no comments or folding).  Returns its length up to the '@', or 0 with
 * `why` set.
 */
static size_t
parse_local(const unsigned char *s, size_t n, char *why, size_t whylen)
{
	size_t i = 0;
	unsigned long cp;

	if (n > 0 && s[0] == '"') {
		/* qtext / quoted-pair, UTF8-non-ascii in both (RFC 6532). */
		for (i = 1; i < n && s[i] != '"';) {
			size_t l;

			cp = 0;
			if (s[i] == '\\' && ++i == n)
				break;
			l = utf8_seq(s + i, n - i, &cp);
			if (l == 0 || (is_control(cp) && cp != '\t')) {
				pacc__setwhy(why, whylen,
				    "the quoted local part "
				    "holds a control character");
				return 0;
			}
			i += l;
		}
		if (i >= n) {
			pacc__setwhy(why, whylen,
			    "the quoted local part is not "
			    "closed");
			return 0;
		}
		i++;
	} else {
		int dot_ok = 0;

		while (i < n && s[i] != '@') {
			size_t l;

			cp = 0;
			l = utf8_seq(s + i, n - i, &cp);

			if (s[i] == '.') {
				if (!dot_ok)
					goto baddot;
				dot_ok = 0;
				i++;
				continue;
			}
			if (l == 0 || (cp < 0x80 && !is_atext_ascii(s[i])) ||
			    is_control(cp)) {
				if (cp == '"' || cp == '\\' || cp == ' ')
					pacc__setwhy(why, whylen,
					    "the local part "
					    "needs quotes for '%c'",
					    (char)cp);
				else if (cp < 0x80 && !is_control(cp))
					pacc__setwhy(why, whylen,
					    "the local part "
					    "cannot hold '%c'",
					    (char)cp);
				else
					pacc__setwhy(why, whylen,
					    "the local part "
					    "holds a control character");
				return 0;
			}
			dot_ok = 1;
			i += l;
		}
		if (i == 0) {
			pacc__setwhy(why, whylen, "the local part is empty");
			return 0;
		}
		if (!dot_ok)
			goto baddot;
	}
	if (i >= n || s[i] != '@') {
		pacc__setwhy(why, whylen, "no '@' after the local part");
		return 0;
	}
	return i;
baddot:
	pacc__setwhy(why, whylen,
	    "the local part has a leading, trailing or "
	    "double dot");
	return 0;
}

/* The Unicode domain as typed: dot-atom of LDH or non-ASCII labels. */
static int
check_domain_text(const unsigned char *s, size_t n, char *why, size_t whylen)
{
	size_t label = 0;
	unsigned long cp;

	if (n == 0) {
		pacc__setwhy(why, whylen, "the domain is empty");
		return PACC_EADDRESS;
	}
	if (s[0] == '[') {
		pacc__setwhy(why, whylen,
		    "domain literals such as [192.0.2.1] are "
		    "not supported: use the mail domain");
		return PACC_EADDRESS;
	}
	for (size_t i = 0; i <= n;) {
		size_t l;

		if (i == n || s[i] == '.') {
			if (label == 0) {
				pacc__setwhy(why, whylen,
				    i == n ? "the domain ends with a dot"
					   : "the domain has an empty label");
				return PACC_EADDRESS;
			}
			label = 0;
			i++;
			continue;
		}
		cp = 0;
		l = utf8_seq(s + i, n - i, &cp);
		if (l == 0 || is_control(cp) ||
		    (cp < 0x80 && !is_alpha(s[i]) && !is_digit(s[i]) &&
			s[i] != '-')) {
			if (cp == '@')
				pacc__setwhy(why, whylen,
				    "more than one '@' outside "
				    "quotes");
			else if (l == 1 && !is_control(cp))
				pacc__setwhy(why, whylen,
				    "the domain cannot hold "
				    "'%c'",
				    (char)cp);
			else
				pacc__setwhy(why, whylen,
				    "the domain holds a "
				    "control character");
			return PACC_EADDRESS;
		}
		label += l;
		i += l;
	}
	return PACC_OK;
}

/*
 * Surrounding ASCII whitespace is trimmed (pasted addresses carry it);
 * anything else that is not an addr-spec fails with a sentence.  A trailing
 * dot on the domain is refused, not stripped: "a@example.com." is not an
 * addr-spec.  Single-label domains and all-numeric top labels are refused:
 * mail domains are DNS names under a TLD, and "a@localhost" would only meet
 * search-list surprises.
 */
int
pacc__addr_parse(struct pacc__addr *out, const char *input, char *why,
    size_t whylen)
{
	const unsigned char *s;
	size_t n, ll, dn;
	char *udom = NULL, *adom = NULL, *local = NULL, *uni = NULL;
	char *address = NULL;
	int rc;

	if (out == NULL || input == NULL)
		return PACC_EINVAL;
	memset(out, 0, sizeof(*out));
	pacc__setwhy(why, whylen, "ok");
	n = strnlen(input, PACC__MAX_INPUT_BYTES + 1);
	if (n > PACC__MAX_INPUT_BYTES) {
		pacc__setwhy(why, whylen, "the address is longer than %d bytes",
		    PACC__MAX_INPUT_BYTES);
		return PACC_EADDRESS;
	}
	s = (const unsigned char *)input;
	while (n > 0 && strchr(" \t\r\n", s[0]) != NULL) {
		s++;
		n--;
	}
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		n--;
	if (n == 0) {
		pacc__setwhy(why, whylen, "the address is empty");
		return PACC_EADDRESS;
	}
	for (size_t i = 0; i < n;) {
		unsigned long cp;
		size_t l = utf8_seq(s + i, n - i, &cp);

		if (l == 0) {
			pacc__setwhy(why, whylen,
			    "the address is not valid UTF-8");
			return PACC_EADDRESS;
		}
		i += l;
	}
	if (memchr(s, '@', n) == NULL) {
		pacc__setwhy(why, whylen, "the address has no '@'");
		return PACC_EADDRESS;
	}
	ll = parse_local(s, n, why, whylen);
	if (ll == 0)
		return PACC_EADDRESS;
	if (ll > LOCAL_MAX) {
		pacc__setwhy(why, whylen,
		    "the local part is longer than %d bytes", LOCAL_MAX);
		return PACC_EADDRESS;
	}
	dn = n - ll - 1;
	rc = check_domain_text(s + ll + 1, dn, why, whylen);
	if (rc != PACC_OK)
		return rc;
	rc = PACC_ENOMEM;
	local = pacc__strndup((const char *)s, ll);
	udom = pacc__strndup((const char *)s + ll + 1, dn);
	if (local == NULL || udom == NULL)
		goto out;
	rc = idn_to_ascii(&adom, udom, why, whylen);
	if (rc != PACC_OK)
		goto out;
	for (char *p = adom; *p; p++)
		*p = lower(*p);
	rc = PACC_EADDRESS;
	if (strlen(adom) > DOMAIN_MAX) {
		pacc__setwhy(why, whylen, "the domain is longer than %d bytes",
		    DOMAIN_MAX);
		goto out;
	}
	if (!pacc__hostname_valid(adom)) {
		pacc__setwhy(why, whylen,
		    "the domain \"%s\" is not a valid host "
		    "name",
		    adom);
		goto out;
	}
	if (nlabels(adom) < 2) {
		pacc__setwhy(why, whylen,
		    "the domain \"%s\" has a single label: "
		    "use the full mail domain",
		    adom);
		goto out;
	}
	rc = idn_to_unicode(&uni, adom);
	if (rc == PACC_EADDRESS)
		pacc__setwhy(why, whylen,
		    "the domain \"%s\" holds an invalid "
		    "A-label",
		    adom);
	if (rc != PACC_OK)
		goto out;
	rc = PACC_ENOMEM;
	address = pacc__malloc(ll + 1 + strlen(adom) + 1);
	if (address == NULL)
		goto out;
	memcpy(address, local, ll);
	address[ll] = '@';
	memcpy(address + ll + 1, adom, strlen(adom) + 1);
	out->local = local;
	out->domain = adom;
	out->domain_unicode = uni;
	out->address = address;
	local = adom = uni = address = NULL;
	pacc__setwhy(why, whylen, "ok");
	rc = PACC_OK;
out:
	pacc__free(local);
	pacc__free(udom);
	pacc__free(adom);
	pacc__free(uni);
	pacc__free(address);
	return rc;
}

void
pacc__addr_clear(struct pacc__addr *a)
{
	if (a == NULL)
		return;
	pacc__free(a->local);
	pacc__free(a->domain);
	pacc__free(a->domain_unicode);
	pacc__free(a->address);
	memset(a, 0, sizeof(*a));
}

/*
 * The PSL is loaded once per process (the distribution's DAFSA file, else
 * the built-in list) and then only read, which libpsl allows from any
 * thread.  pthread_once makes the first load race-free.  It is never
 * freed: a static pointer keeps it reachable, not leaked.
 */
static const psl_ctx_t *psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void
psl_load(void)
{
	psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
}

/*
 * eTLD+1 with the ICANN and private sections and the "*" default rule
 * (unknown TLD "example": "a.b.secure.example" -> "secure.example").  A
 * host that is itself a public suffix ("github.io") is its own answer: the
 * user must confirm exactly that name.
 */
int
pacc__registrable_domain(char **out, const char *host)
{
	char h[DOMAIN_MAX + 2];
	const char *r;
	size_t n;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if (host == NULL)
		return PACC_EINVAL;
	n = strnlen(host, sizeof(h));
	if (n > 0 && n < sizeof(h) && host[n - 1] == '.')
		n--;
	if (n == 0 || n > DOMAIN_MAX)
		return PACC_EINVAL;
	for (size_t i = 0; i < n; i++)
		h[i] = lower(host[i]);
	h[n] = '\0';
	if (!pacc__hostname_valid(h))
		return PACC_EINVAL;
	pthread_once(&psl_once, psl_load);
	if (psl == NULL)
		return PACC_EINTERNAL;
	r = psl_registrable_domain(psl, h);
	*out = pacc__strdup(r ? r : h);
	return *out ? PACC_OK : PACC_ENOMEM;
}

/*
 * Splits "https://authority[/?#...]" (scheme case-insensitive).  The
 * authority is host[:port]: no userinfo (a "user@" prefix is a classic
 * way to make a URL look like another host), no IPv6 literal (not used by
 * configurations yet), port 1..65535 when present.  The whole URL must be
 * printable ASCII without spaces or backslashes (WHATWG parsers read "\"
 * as "/", RFC 3986 ones do not: one URL, one meaning).  Non-ASCII hosts
 * are refused rather than converted: documents carry A-labels.  On success
 * `host` holds the lower-cased host without a trailing dot.  No allocation,
 * so that "invalid" never stands for "out of memory".
 */
static bool
https_split(const char *url, char host[DOMAIN_MAX + 1], unsigned *port)
{
	static const char scheme[] = "https://";
	size_t n, a, e, hn;
	const char *colon;

	*port = 443;
	if (url == NULL)
		return false;
	n = strnlen(url, URL_MAX + 1);
	if (n > URL_MAX || n <= sizeof(scheme) - 1 ||
	    strncasecmp(url, scheme, sizeof(scheme) - 1) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return false;
	}
	a = sizeof(scheme) - 1;
	e = a + strcspn(url + a, "/?#");
	if (memchr(url + a, '@', e - a) != NULL || url[a] == '[')
		return false;
	colon = memchr(url + a, ':', e - a);
	hn = colon ? (size_t)(colon - (url + a)) : e - a;
	if (colon) {
		unsigned long v = 0;
		size_t digits = e - (size_t)(colon + 1 - url);

		if (digits == 0 || digits > 5)
			return false;
		for (const char *p = colon + 1; p < url + e; p++) {
			if (!is_digit((unsigned char)*p))
				return false;
			v = v * 10 + (unsigned long)(*p - '0');
		}
		if (v == 0 || v > 65535)
			return false;
		*port = (unsigned)v;
	}
	if (hn > 0 && url[a + hn - 1] == '.')
		hn--;
	if (hn == 0 || hn > DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < hn; i++)
		host[i] = lower(url[a + i]);
	host[hn] = '\0';
	return pacc__hostname_valid(host);
}

bool
pacc__https_url_valid(const char *url)
{
	char host[DOMAIN_MAX + 1];
	unsigned port;

	return https_split(url, host, &port);
}

char *
pacc__url_host(const char *url)
{
	char host[DOMAIN_MAX + 1];
	unsigned port;

	if (!https_split(url, host, &port))
		return NULL;
	return pacc__strdup(host);
}

char *
pacc__utf8_sanitize(const char *s)
{
	static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
	size_t n = strlen(s), i = 0, o = 0, len;
	unsigned long cp;
	char *out;

	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	out = pacc__malloc(n * 3 + 1);
	if (out == NULL)
		return NULL;
	while (i < n) {
		len = utf8_seq((const unsigned char *)s + i, n - i, &cp);
		if (len == 0 || is_control(cp)) {
			memcpy(out + o, repl, 3);
			o += 3;
			i += len ? len : 1;
			continue;
		}
		memcpy(out + o, s + i, len);
		o += len;
		i += len;
	}
	out[o] = '\0';
	return out;
}
