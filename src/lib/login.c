/* SPDX-License-Identifier: MIT */
/*
 * `pacc login`: authenticate for real on every server of a configuration
 * and say, per server, what happened — from the protocol's own response
 * codes, so that a method that does not work is never reported as a wrong
 * password (which teaches people to type other passwords).
 *
 * Mail servers (IMAP, POP3, SMTP submission, ManageSieve) go through the
 * probe engine (probe.c): its step hook is called on the live connection
 * only once the capabilities were read again over verified TLS, and only
 * there is a credential ever sent.  Stripping, injection, a wrong
 * certificate or a stalled handshake end the probe before the step: the
 * password never leaves.  HTTP servers (JMAP, CalDAV, CardDAV) use the
 * fetcher (http.c), which sends Basic credentials only over https with a
 * verified certificate.
 *
 * One attempt per server and mechanism.  A mechanism the server declares
 * not working (IMAP BAD, SMTP 504/534/538, ...) is followed by the next one
 * it offers; a rejected password never is.  The one retry: RFC 6186 §4 —
 * for a configuration from SRV records, when the full address is rejected
 * as a user name, the local part is tried once.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "oauth_int.h"
#include "sasl.h"

#define LOGIN_MAX_ATTEMPTS 8
#define LOGIN_MAX_REDIRECTS 3 /* same-origin HTTP redirects followed */
#define LOGIN_MAX_BODY (256 * 1024)
#define LOGIN_MAX_RESPONSE 300 /* bytes of a server response kept */

/* ---- names ---- */

PACC__API const char *
pacc_login_class_name(pacc_login_class c)
{
	switch (c) {
	case PACC_LOGIN_OK:
		return "ok";
	case PACC_LOGIN_WRONG_CREDENTIALS:
		return "wrong-credentials";
	case PACC_LOGIN_METHOD_NOT_WORKING:
		return "method-not-working";
	case PACC_LOGIN_ACCOUNT_BLOCKED:
		return "account-blocked";
	case PACC_LOGIN_SERVER_ERROR:
		return "server-error";
	case PACC_LOGIN_TLS_FAILURE:
		return "tls-failure";
	case PACC_LOGIN_NOT_ATTEMPTED:
		return "not-attempted";
	}
	return "unknown";
}

PACC__API const char *
pacc_login_status_name(pacc_login_status s)
{
	switch (s) {
	case PACC_LOGIN_STATUS_OK:
		return "ok";
	case PACC_LOGIN_STATUS_FAILED:
		return "failed";
	case PACC_LOGIN_STATUS_TLS_FAILURE:
		return "tls-failure";
	case PACC_LOGIN_STATUS_DECLINED:
		return "declined";
	case PACC_LOGIN_STATUS_NOT_FOUND:
		return "not-found";
	case PACC_LOGIN_STATUS_INTEGRITY_FAILURE:
		return "integrity-failure";
	case PACC_LOGIN_STATUS_ERROR:
		return "error";
	case PACC_LOGIN_STATUS_OAUTH_FAILURE:
		return "oauth-failure";
	}
	return "unknown";
}

/* ---- the classifier (pure) ---- */

struct code_row {
	const char *token; /* response code as the server sends it */
	pacc_login_class cls;
	const char *code;
};

/* RFC 5530 §3 response codes after a tagged NO. */
static const struct code_row imap_codes[] = {
	{ "AUTHENTICATIONFAILED", PACC_LOGIN_WRONG_CREDENTIALS,
	    "imap-authenticationfailed" },
	{ "AUTHORIZATIONFAILED", PACC_LOGIN_ACCOUNT_BLOCKED,
	    "imap-authorizationfailed" },
	{ "EXPIRED", PACC_LOGIN_ACCOUNT_BLOCKED, "imap-expired" },
	{ "CONTACTADMIN", PACC_LOGIN_ACCOUNT_BLOCKED, "imap-contactadmin" },
	{ "PRIVACYREQUIRED", PACC_LOGIN_METHOD_NOT_WORKING,
	    "imap-privacyrequired" },
	{ "CANNOT", PACC_LOGIN_METHOD_NOT_WORKING, "imap-cannot" },
	{ "UNAVAILABLE", PACC_LOGIN_SERVER_ERROR, "imap-unavailable" },
	{ "SERVERBUG", PACC_LOGIN_SERVER_ERROR, "imap-serverbug" },
	{ "LIMIT", PACC_LOGIN_SERVER_ERROR, "imap-limit" },
};

/* RFC 3206 §4 (and RFC 2449 §8.1.1 LOGIN-DELAY) after -ERR. */
static const struct code_row pop3_codes[] = {
	{ "AUTH", PACC_LOGIN_WRONG_CREDENTIALS, "pop3-auth" },
	{ "SYS/TEMP", PACC_LOGIN_SERVER_ERROR, "pop3-sys-temp" },
	{ "SYS/PERM", PACC_LOGIN_SERVER_ERROR, "pop3-sys-perm" },
	{ "IN-USE", PACC_LOGIN_SERVER_ERROR, "pop3-in-use" },
	{ "LOGIN-DELAY", PACC_LOGIN_ACCOUNT_BLOCKED, "pop3-login-delay" },
};

/* RFC 5804 §1.3 response codes after NO. */
static const struct code_row sieve_codes[] = {
	{ "AUTH-TOO-WEAK", PACC_LOGIN_METHOD_NOT_WORKING,
	    "sieve-auth-too-weak" },
	{ "ENCRYPT-NEEDED", PACC_LOGIN_METHOD_NOT_WORKING,
	    "sieve-encrypt-needed" },
	{ "TRANSITION-NEEDED", PACC_LOGIN_ACCOUNT_BLOCKED,
	    "sieve-transition-needed" },
	{ "TRYLATER", PACC_LOGIN_SERVER_ERROR, "sieve-trylater" },
};

/* The response code token that starts at s (after `open`), upper case. */
static void
code_token(const char *s, size_t n, char open, char *tok, size_t cap)
{
	size_t i = 0, o = 0;

	tok[0] = '\0';
	while (i < n && s[i] == ' ')
		i++;
	if (i >= n || s[i] != open)
		return;
	for (i++; i < n && o + 1 < cap; i++) {
		char c = s[i];

		if (c == ' ' || c == ']' || c == ')')
			break;
		tok[o++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
	}
	tok[o] = '\0';
}

static bool
lookup(const struct code_row *rows, size_t n, const char *tok,
    pacc_login_class *cls, const char **code)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].token, tok) == 0) {
			*cls = rows[i].cls;
			*code = rows[i].code;
			return true;
		}
	return false;
}

/* Skip the first word (a tag, "-ERR", "NO") and the blank after it. */
static void
skip_word(const char **s, size_t *n)
{
	while (*n > 0 && **s != ' ') {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && **s == ' ') {
		(*s)++;
		(*n)--;
	}
}

/* RFC 3463 enhanced status code "c.s.d" after the reply code. */
static bool
smtp_enhanced(const char *s, size_t n, int *subject, int *detail)
{
	int v[3] = { 0, 0, 0 }, k = 0, digits = 0;
	size_t i = 0;

	if (n < 4)
		return false;
	s += 4; /* "535 " or "535-" */
	n -= 4;
	for (; i < n && k < 3; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9' && digits < 3) {
			v[k] = v[k] * 10 + (c - '0');
			digits++;
		} else if (c == '.' && digits > 0 && k < 2) {
			k++;
			digits = 0;
		} else {
			break;
		}
	}
	if (k != 2 || digits == 0 || (v[0] != 2 && v[0] != 4 && v[0] != 5))
		return false;
	*subject = v[1];
	*detail = v[2];
	return true;
}

static void
classify_smtp(int code, const char *line, size_t len, pacc_login_class *cls,
    const char **c)
{
	int sub, det;

	if (code >= 200 && code < 300) {
		*cls = PACC_LOGIN_OK;
		*c = NULL;
		return;
	}
	/* RFC 5248 registry: explicit account states first */
	if (smtp_enhanced(line, len, &sub, &det) && sub == 7) {
		if (det == 13) {
			*cls = PACC_LOGIN_ACCOUNT_BLOCKED;
			*c = "smtp-account-disabled";
			return;
		}
		if (det == 12) { /* RFC 4954 §6: 432 4.7.12 */
			*cls = PACC_LOGIN_ACCOUNT_BLOCKED;
			*c = "smtp-password-transition";
			return;
		}
	}
	switch (code) {
	case 535: /* RFC 4954 §6: 5.7.8 credentials invalid */
		*cls = PACC_LOGIN_WRONG_CREDENTIALS;
		*c = "smtp-535";
		return;
	case 454: /* temporary authentication failure */
		*cls = PACC_LOGIN_SERVER_ERROR;
		*c = "smtp-454";
		return;
	case 534: /* mechanism too weak */
		*cls = PACC_LOGIN_METHOD_NOT_WORKING;
		*c = "smtp-534";
		return;
	case 538: /* encryption required for the mechanism */
		*cls = PACC_LOGIN_METHOD_NOT_WORKING;
		*c = "smtp-538";
		return;
	case 530: /* authentication/STARTTLS required: not after AUTH */
		*cls = PACC_LOGIN_METHOD_NOT_WORKING;
		*c = "smtp-530";
		return;
	case 500:
	case 501:
	case 502:
	case 503:
	case 504: /* unrecognized mechanism, syntax, sequence */
		*cls = PACC_LOGIN_METHOD_NOT_WORKING;
		*c = "smtp-command-rejected";
		return;
	default:
		*cls = PACC_LOGIN_SERVER_ERROR;
		*c = code >= 400 && code < 500 ? "smtp-4xx" : "smtp-5xx";
		return;
	}
}

void
pacc__login_classify(pacc_protocol proto, int status, int smtp_code,
    const char *line, size_t len, pacc_login_class *cls, const char **code)
{
	char tok[32];
	const char *s = line ? line : "";
	size_t n = line ? len : 0;

	if (proto == PACC_PROTO_SMTP) {
		classify_smtp(smtp_code, s, n, cls, code);
		return;
	}
	if (status == PACC__ST_OK) {
		*cls = PACC_LOGIN_OK;
		*code = NULL;
		return;
	}
	switch (proto) {
	case PACC_PROTO_IMAP:
		if (status == PACC__ST_BAD) {
			*cls = PACC_LOGIN_METHOD_NOT_WORKING;
			*code = "imap-bad";
			return;
		}
		if (status == PACC__ST_BYE) {
			*cls = PACC_LOGIN_SERVER_ERROR;
			*code = "imap-bye";
			return;
		}
		skip_word(&s, &n); /* tag */
		skip_word(&s, &n); /* NO */
		code_token(s, n, '[', tok, sizeof(tok));
		if (lookup(imap_codes, PACC__ARRAY_LEN(imap_codes), tok, cls,
			code))
			return;
		/* no code (or only ALERT): the server rejected the login
		 * without saying why — by far most often the password */
		*cls = PACC_LOGIN_WRONG_CREDENTIALS;
		*code = "imap-no";
		return;
	case PACC_PROTO_POP3:
		skip_word(&s, &n); /* -ERR */
		code_token(s, n, '[', tok, sizeof(tok));
		if (lookup(pop3_codes, PACC__ARRAY_LEN(pop3_codes), tok, cls,
			code))
			return;
		*cls = PACC_LOGIN_WRONG_CREDENTIALS;
		*code = "pop3-err";
		return;
	case PACC_PROTO_MANAGESIEVE:
		if (status == PACC__ST_BYE) {
			*cls = PACC_LOGIN_SERVER_ERROR;
			*code = "sieve-bye";
			return;
		}
		skip_word(&s, &n); /* NO */
		code_token(s, n, '(', tok, sizeof(tok));
		if (lookup(sieve_codes, PACC__ARRAY_LEN(sieve_codes), tok, cls,
			code))
			return;
		*cls = PACC_LOGIN_WRONG_CREDENTIALS;
		*code = "sieve-no";
		return;
	default:
		*cls = PACC_LOGIN_SERVER_ERROR;
		*code = "protocol-error";
		return;
	}
}

void
pacc__login_classify_http(long http_code, bool basic_offered,
    pacc_login_class *cls, const char **code)
{
	if (http_code >= 200 && http_code < 300) {
		*cls = PACC_LOGIN_OK;
		*code = NULL;
	} else if (http_code == 401) {
		/* RFC 9110 §15.5.2: a repeated Basic challenge after our
		 * credentials is their refusal; without Basic, passwords
		 * are not the way in */
		*cls = basic_offered ? PACC_LOGIN_WRONG_CREDENTIALS
				     : PACC_LOGIN_METHOD_NOT_WORKING;
		*code = basic_offered ? "http-401" : "http-401-no-basic";
	} else if (http_code == 403) {
		/* RFC 9110 §15.5.4: understood, refused */
		*cls = PACC_LOGIN_ACCOUNT_BLOCKED;
		*code = "http-403";
	} else if (http_code == 429 || http_code >= 500) {
		*cls = PACC_LOGIN_SERVER_ERROR;
		*code = http_code == 429 ? "http-429" : "http-5xx";
	} else if (http_code >= 300 && http_code < 400) {
		*cls = PACC_LOGIN_METHOD_NOT_WORKING;
		*code = "redirect";
	} else {
		*cls = PACC_LOGIN_METHOD_NOT_WORKING;
		*code = "http-status";
	}
}

void
pacc__login_classify_conn(const char *conn_code, pacc_login_class *cls)
{
	static const char *const tls[] = { "cert-invalid", "tls-version",
		"tls-error", "starttls-unavailable", "starttls-refused",
		"starttls-injection" };

	for (size_t i = 0; conn_code && i < PACC__ARRAY_LEN(tls); i++)
		if (strcmp(conn_code, tls[i]) == 0) {
			*cls = PACC_LOGIN_TLS_FAILURE;
			return;
		}
	*cls = PACC_LOGIN_NOT_ATTEMPTED;
}

/* ---- --server URLs (DESIGN §4) ---- */

static const struct {
	const char *scheme;
	pacc_protocol proto;
	pacc_tls_mode tls;
	unsigned port;
} schemes[] = {
	{ "imaps", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, 993 },
	{ "imap", PACC_PROTO_IMAP, PACC_TLS_STARTTLS, 143 },
	{ "pop3s", PACC_PROTO_POP3, PACC_TLS_IMPLICIT, 995 },
	{ "pop3", PACC_PROTO_POP3, PACC_TLS_STARTTLS, 110 },
	{ "submissions", PACC_PROTO_SMTP, PACC_TLS_IMPLICIT, 465 },
	{ "submission", PACC_PROTO_SMTP, PACC_TLS_STARTTLS, 587 },
	{ "sieve", PACC_PROTO_MANAGESIEVE, PACC_TLS_STARTTLS, 4190 },
	{ "jmap+https", PACC_PROTO_JMAP, PACC_TLS_IMPLICIT, 0 },
	{ "caldav+https", PACC_PROTO_CALDAV, PACC_TLS_IMPLICIT, 0 },
	{ "carddav+https", PACC_PROTO_CARDDAV, PACC_TLS_IMPLICIT, 0 },
};

static int url_fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
url_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return PACC_EINVAL;
}

/* Percent-decoded user name (RFC 3986 §2.1), printable, or NULL. */
static char *
decode_user(const char *s, size_t n)
{
	char *d = pacc__pct_decode(s, n, false);

	if (d != NULL && d[0] == '\0') {
		pacc__free(d);
		return NULL;
	}
	return d;
}

static bool
is_ip_literal(const char *h)
{
	unsigned char b[16];

	return inet_pton(AF_INET, h, b) == 1 || inet_pton(AF_INET6, h, b) == 1;
}

/*
 * "https://" host [":" port] [path] with host a DNS name, an IPv4 literal
 * or "[IPv6]"; no user information (RFC 3986 §3.2).  host gets the name
 * (lower case, brackets removed).
 */
static bool
https_split(const char *url, char *host, size_t cap, unsigned *port)
{
	const char *a, *e, *hs, *he, *colon = NULL;
	size_t n;

	if (url == NULL || strncasecmp(url, "https://", 8) != 0)
		return false;
	a = url + 8;
	e = a + strcspn(a, "/?#");
	if (e == a || memchr(a, '@', (size_t)(e - a)) != NULL)
		return false;
	for (const char *q = url; *q; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return false;
	if (*a == '[') {
		hs = a + 1;
		he = memchr(a, ']', (size_t)(e - a));
		if (he == NULL)
			return false;
		if (he + 1 < e) {
			if (he[1] != ':')
				return false;
			colon = he + 1;
		}
	} else {
		hs = a;
		colon = memchr(a, ':', (size_t)(e - a));
		he = colon ? colon : e;
	}
	n = (size_t)(he - hs);
	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		host[i] = (char)(hs[i] >= 'A' && hs[i] <= 'Z' ? hs[i] + 32
							      : hs[i]);
	host[n] = '\0';
	*port = 443;
	if (colon != NULL) {
		unsigned long v = 0;
		const char *q = colon + 1;

		if (q >= e)
			return false;
		for (; q < e; q++) {
			if (*q < '0' || *q > '9' || v > 65535)
				return false;
			v = v * 10 + (unsigned long)(*q - '0');
		}
		if (v == 0 || v > 65535)
			return false;
		*port = (unsigned)v;
	}
	if (*a == '[') {
		unsigned char b[16];

		return inet_pton(AF_INET6, host, b) == 1;
	}
	return is_ip_literal(host) || pacc__hostname_valid(host);
}

int
pacc__login_parse_url(struct pacc_server *out, const char *url, char *why,
    size_t whylen)
{
	const char *sep, *rest, *at, *end, *hs, *he, *colon;
	char host[256], *https = NULL;
	unsigned hport;
	size_t sl, i, si;
	unsigned long port = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (url == NULL || (sep = strstr(url, "://")) == NULL)
		return url_fail(why, whylen,
		    "'%s' is not a server URL (scheme://host[:port])",
		    url ? url : "");
	sl = (size_t)(sep - url);
	for (si = 0; si < PACC__ARRAY_LEN(schemes); si++)
		if (strlen(schemes[si].scheme) == sl &&
		    strncasecmp(url, schemes[si].scheme, sl) == 0)
			break;
	if (si == PACC__ARRAY_LEN(schemes))
		return url_fail(why, whylen,
		    "'%.*s' is not a server URL scheme (imaps, imap, pop3s, "
		    "pop3, submissions, submission, sieve, jmap+https, "
		    "caldav+https, carddav+https)",
		    (int)(sl < 40 ? sl : 40), url);
	rest = sep + 3;
	out->proto = schemes[si].proto;
	out->tls = schemes[si].tls;
	out->auth = PACC_AUTH_PASSWORD;
	if (schemes[si].port == 0) {
		/* jmap+https://host/path -> https://host/path */
		size_t n = strlen(rest) + 9;

		if ((https = pacc__malloc(n)) == NULL)
			return PACC_ENOMEM;
		snprintf(https, n, "https://%s", rest);
		if (!https_split(https, host, sizeof(host), &hport)) {
			pacc__free(https);
			return url_fail(why, whylen,
			    "'%s' is not a valid https URL (no user "
			    "information allowed)",
			    url);
		}
		out->url = https;
		return PACC_OK;
	}
	end = rest + strcspn(rest, "/?#");
	if (*end == '?' || *end == '#' || (*end == '/' && end[1] != '\0'))
		return url_fail(why, whylen,
		    "'%s': a mail server URL has no path, query or fragment",
		    url);
	at = memchr(rest, '@', (size_t)(end - rest));
	if (at != NULL) {
		if (memchr(rest, ':', (size_t)(at - rest)) != NULL)
			return url_fail(why, whylen,
			    "'%s' holds a password: passwords are never "
			    "taken from the command line",
			    url);
		if ((out->username = decode_user(rest, (size_t)(at - rest))) ==
		    NULL)
			return url_fail(why, whylen,
			    "'%s': bad user name before '@'", url);
		hs = at + 1;
	} else {
		hs = rest;
	}
	if (*hs == '[') {
		he = memchr(hs, ']', (size_t)(end - hs));
		if (he == NULL)
			goto badhost;
		colon = he + 1 < end && he[1] == ':' ? he + 1 : NULL;
		if (colon == NULL && he + 1 != end)
			goto badhost;
		hs++;
	} else {
		colon = memchr(hs, ':', (size_t)(end - hs));
		he = colon ? colon : end;
	}
	if (he <= hs || (size_t)(he - hs) >= sizeof(host))
		goto badhost;
	for (i = 0; hs + i < he; i++)
		host[i] = (char)(hs[i] >= 'A' && hs[i] <= 'Z' ? hs[i] + 32
							      : hs[i]);
	host[i] = '\0';
	if (!is_ip_literal(host) && !pacc__hostname_valid(host))
		goto badhost;
	if (colon != NULL) {
		char *pe;

		if (colon + 1 >= end || colon[1] < '0' || colon[1] > '9')
			goto badport;
		port = strtoul(colon + 1, &pe, 10);
		if (pe != end || port == 0 || port > 65535)
			goto badport;
	}
	out->port = port ? (unsigned)port : schemes[si].port;
	if ((out->host = pacc__strdup(host)) == NULL) {
		pacc__server_clear(out);
		return PACC_ENOMEM;
	}
	return PACC_OK;
badhost:
	rc = url_fail(why, whylen, "'%s': bad host name", url);
	pacc__server_clear(out);
	return rc;
badport:
	rc = url_fail(why, whylen, "'%s': bad port", url);
	pacc__server_clear(out);
	return rc;
}

/* ---- plans ---- */

struct pacc_login_plan {
	pacc_login_status status;
	char *detail;  /* why, for a discovery without servers */
	char *address; /* may be NULL (discovery error) */
	char *localpart;
	int mechanism; /* discovery mechanism, -1 for URLs */
	char *source;
	bool srv_retry; /* RFC 6186 §4 applies */
	struct pacc__config *cfg;
	char **confirm;
	size_t nconfirm;
};

PACC__API void
pacc_login_plan_free(pacc_login_plan *plan)
{
	if (plan == NULL)
		return;
	pacc__free(plan->detail);
	pacc__free(plan->address);
	pacc__free(plan->localpart);
	pacc__free(plan->source);
	pacc__config_free(plan->cfg);
	for (size_t i = 0; i < plan->nconfirm; i++)
		pacc__free(plan->confirm[i]);
	pacc__free(plan->confirm);
	pacc__free(plan);
}

static int
plan_new(pacc_login_plan **out)
{
	pacc_login_plan *p = pacc__calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL)
		return PACC_ENOMEM;
	p->mechanism = -1;
	if (pacc__config_new(&p->cfg) != PACC_OK) {
		pacc__free(p);
		return PACC_ENOMEM;
	}
	*out = p;
	return PACC_OK;
}

static int
confirm_add(pacc_login_plan *p, const char *dom)
{
	char **nv, *d;

	for (size_t i = 0; i < p->nconfirm; i++)
		if (strcasecmp(p->confirm[i], dom) == 0)
			return PACC_OK;
	if ((d = pacc__strdup(dom)) == NULL)
		return PACC_ENOMEM;
	nv = pacc__reallocarray(p->confirm, p->nconfirm + 1, sizeof(*nv));
	if (nv == NULL) {
		pacc__free(d);
		return PACC_ENOMEM;
	}
	nv[p->nconfirm++] = d;
	p->confirm = nv;
	return PACC_OK;
}

/* The registrable domain a server belongs to (an address literal as it
 * is: there is nothing to abbreviate). */
static int
confirm_server(pacc_login_plan *p, const struct pacc_server *s)
{
	char host[256], *reg = NULL;
	unsigned port;
	int rc;

	if (s->host)
		snprintf(host, sizeof(host), "%s", s->host);
	else if (s->url == NULL ||
	    !https_split(s->url, host, sizeof(host), &port))
		return PACC_EINVAL;
	/* out of memory is not "no registrable domain": never the whole
	 * host name in its place */
	if (!is_ip_literal(host) &&
	    pacc__registrable_domain(&reg, host) == PACC_ENOMEM)
		return PACC_ENOMEM;
	rc = confirm_add(p, reg ? reg : host);
	pacc__free(reg);
	return rc;
}

static int
set_local(pacc_login_plan *p, const char *address)
{
	const char *at = strrchr(address, '@');

	if ((p->address = pacc__strdup(address)) == NULL)
		return PACC_ENOMEM;
	if (at != NULL && at != address &&
	    (p->localpart = pacc__strndup(address, (size_t)(at - address))) ==
		NULL)
		return PACC_ENOMEM;
	return PACC_OK;
}

PACC__API int
pacc_login_plan_from_result(pacc_login_plan **out, const pacc_result *res)
{
	pacc_login_plan *p;
	int rc;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if (res == NULL)
		return PACC_EINVAL;
	if ((rc = plan_new(&p)) != PACC_OK)
		return rc;
	rc = PACC_ENOMEM;
	if (pacc_result_address(res) &&
	    set_local(p, pacc_result_address(res)) != PACC_OK)
		goto fail;
	if ((p->detail = pacc__strdup(pacc_result_errmsg(res))) == NULL)
		goto fail;
	p->mechanism = pacc_result_mechanism(res);
	if (pacc_result_source(res) &&
	    (p->source = pacc__strdup(pacc_result_source(res))) == NULL)
		goto fail;
	switch (pacc_result_outcome(res)) {
	case PACC_RESULT_FOUND:
		p->status = PACC_LOGIN_STATUS_OK;
		break;
	case PACC_RESULT_NOT_FOUND:
		p->status = PACC_LOGIN_STATUS_NOT_FOUND;
		break;
	case PACC_RESULT_INTEGRITY_FAILURE:
		p->status = PACC_LOGIN_STATUS_INTEGRITY_FAILURE;
		break;
	default:
		p->status = PACC_LOGIN_STATUS_ERROR;
		break;
	}
	/* RFC 6186 §4: SRV configurations leave the user name open */
	p->srv_retry = p->mechanism == PACC_MECH_SRV;
	if (p->status == PACC_LOGIN_STATUS_OK) {
		for (size_t i = 0; i < pacc_result_confirm_count(res); i++)
			if (confirm_add(p,
				pacc_result_confirm_domain(res, i)) != PACC_OK)
				goto fail;
		for (size_t i = 0; i < pacc_result_server_count(res); i++) {
			const pacc_server *s = pacc_result_server(res, i);

			if ((rc = pacc__config_add_server(p->cfg, s)) !=
			    PACC_OK)
				goto fail;
			/* a URL the splitter refuses keeps the result's list */
			if (confirm_server(p, s) == PACC_ENOMEM) {
				rc = PACC_ENOMEM;
				goto fail;
			}
		}
	}
	*out = p;
	return PACC_OK;
fail:
	pacc_login_plan_free(p);
	return rc;
}

PACC__API int
pacc_login_plan_from_urls(pacc_login_plan **out, const char *address,
    const char *const *urls, size_t nurls, char *why, size_t whylen)
{
	struct pacc__addr a;
	struct pacc_server s;
	pacc_login_plan *p;
	char awhy[160];
	int rc;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if (why && whylen)
		why[0] = '\0';
	if (address == NULL || (urls == NULL && nurls > 0) || nurls == 0)
		return url_fail(why, whylen, "no address or no server URL");
	memset(&a, 0, sizeof(a));
	if ((rc = pacc__addr_parse(&a, address, awhy, sizeof(awhy))) !=
	    PACC_OK) {
		if (why && whylen)
			snprintf(why, whylen, "%s", awhy);
		pacc__addr_clear(&a);
		return rc == PACC_ENOMEM ? rc : PACC_EADDRESS;
	}
	if ((rc = plan_new(&p)) != PACC_OK) {
		pacc__addr_clear(&a);
		return rc;
	}
	p->status = PACC_LOGIN_STATUS_OK;
	if (set_local(p, a.address) != PACC_OK ||
	    (p->detail = pacc__strdup("servers given explicitly")) == NULL) {
		rc = PACC_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < nurls; i++) {
		if ((rc = pacc__login_parse_url(&s, urls[i], why, whylen)) !=
		    PACC_OK)
			goto fail;
		rc = pacc__config_add_server(p->cfg, &s);
		if (rc == PACC_OK)
			rc = confirm_server(p, &s);
		pacc__server_clear(&s);
		if (rc != PACC_OK)
			goto fail;
	}
	pacc__addr_clear(&a);
	*out = p;
	return PACC_OK;
fail:
	pacc__addr_clear(&a);
	pacc_login_plan_free(p);
	return rc;
}

PACC__API const char *
pacc_login_plan_address(const pacc_login_plan *plan)
{
	return plan ? plan->address : NULL;
}

PACC__API size_t
pacc_login_plan_server_count(const pacc_login_plan *plan)
{
	return plan ? plan->cfg->nservers : 0;
}

PACC__API const pacc_server *
pacc_login_plan_server(const pacc_login_plan *plan, size_t i)
{
	return plan && i < plan->cfg->nservers ? &plan->cfg->servers[i] : NULL;
}

PACC__API size_t
pacc_login_plan_confirm_count(const pacc_login_plan *plan)
{
	return plan ? plan->nconfirm : 0;
}

PACC__API const char *
pacc_login_plan_confirm_domain(const pacc_login_plan *plan, size_t i)
{
	return plan && i < plan->nconfirm ? plan->confirm[i] : NULL;
}

/* ---- results ---- */

struct pacc_login_attempt {
	char *mechanism;
	char *username;
	pacc_login_class cls;
	char *code;
	char *response;
};

struct pacc_login_server {
	pacc_protocol proto;
	char *host;
	unsigned port;
	pacc_tls_mode tls;
	char *url;
	pacc_login_class cls;
	char *code;
	char *detail;
	char *username;
	bool localpart_retry;
	char *mechanism;
	char *tls_version;
	char *cb;
	long elapsed_ms;
	struct pacc_login_attempt *attempts;
	size_t nattempts;
};

/* What the login result says about the OAuth flow (never a token). */
struct login_oauth {
	bool set;
	int status;
	char *issuer;
	char *client_id;
	const char *client_source; /* static */
	const char *token_source;  /* static */
	char *auth_host;
	char *scope;
	char *detail;
};

struct pacc_login_result {
	struct login_oauth oauth;
	pacc_login_status status;
	char *detail;
	char *address;
	int mechanism;
	char *source;
	char **confirm;
	size_t nconfirm;
	struct pacc_login_server *servers;
	size_t nservers;
};

static void
attempt_clear(struct pacc_login_attempt *a)
{
	pacc__free(a->mechanism);
	pacc__free(a->username);
	pacc__free(a->code);
	pacc__free(a->response);
	memset(a, 0, sizeof(*a));
}

static void
lserver_clear(struct pacc_login_server *s)
{
	pacc__free(s->host);
	pacc__free(s->url);
	pacc__free(s->code);
	pacc__free(s->detail);
	pacc__free(s->username);
	pacc__free(s->mechanism);
	pacc__free(s->tls_version);
	pacc__free(s->cb);
	for (size_t i = 0; i < s->nattempts; i++)
		attempt_clear(&s->attempts[i]);
	pacc__free(s->attempts);
	memset(s, 0, sizeof(*s));
}

PACC__API void
pacc_login_result_free(pacc_login_result *res)
{
	if (res == NULL)
		return;
	for (size_t i = 0; i < res->nservers; i++)
		lserver_clear(&res->servers[i]);
	pacc__free(res->servers);
	for (size_t i = 0; i < res->nconfirm; i++)
		pacc__free(res->confirm[i]);
	pacc__free(res->confirm);
	pacc__free(res->detail);
	pacc__free(res->address);
	pacc__free(res->source);
	pacc__free(res->oauth.issuer);
	pacc__free(res->oauth.client_id);
	pacc__free(res->oauth.auth_host);
	pacc__free(res->oauth.scope);
	pacc__free(res->oauth.detail);
	pacc__free(res);
}

/* strdup that tolerates NULL; *ok turns false when memory ran out. */
static char *
dup_or_null(const char *s, bool *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = pacc__strdup(s)) == NULL)
		*ok = false;
	return d;
}

static bool
lserver_copy(struct pacc_login_server *d, const struct pacc_login_server *s)
{
	bool ok = true;

	*d = *s;
	d->host = dup_or_null(s->host, &ok);
	d->url = dup_or_null(s->url, &ok);
	d->code = dup_or_null(s->code, &ok);
	d->detail = dup_or_null(s->detail, &ok);
	d->username = dup_or_null(s->username, &ok);
	d->mechanism = dup_or_null(s->mechanism, &ok);
	d->tls_version = dup_or_null(s->tls_version, &ok);
	d->cb = dup_or_null(s->cb, &ok);
	d->attempts = NULL;
	d->nattempts = 0;
	if (s->nattempts > 0) {
		d->attempts = pacc__calloc(s->nattempts, sizeof(*d->attempts));
		if (d->attempts == NULL)
			return false;
		d->nattempts = s->nattempts;
		for (size_t i = 0; i < s->nattempts; i++) {
			const struct pacc_login_attempt *a = &s->attempts[i];
			struct pacc_login_attempt *b = &d->attempts[i];

			b->cls = a->cls;
			b->mechanism = dup_or_null(a->mechanism, &ok);
			b->username = dup_or_null(a->username, &ok);
			b->code = dup_or_null(a->code, &ok);
			b->response = dup_or_null(a->response, &ok);
		}
	}
	return ok;
}

PACC__API int
pacc_login_result_dup(pacc_login_result **out, const pacc_login_result *res)
{
	pacc_login_result *d;
	bool ok = true;

	if (out == NULL || res == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if ((d = pacc__calloc(1, sizeof(*d))) == NULL)
		return PACC_ENOMEM;
	d->status = res->status;
	d->mechanism = res->mechanism;
	d->oauth = res->oauth;
	d->oauth.issuer = dup_or_null(res->oauth.issuer, &ok);
	d->oauth.client_id = dup_or_null(res->oauth.client_id, &ok);
	d->oauth.auth_host = dup_or_null(res->oauth.auth_host, &ok);
	d->oauth.scope = dup_or_null(res->oauth.scope, &ok);
	d->oauth.detail = dup_or_null(res->oauth.detail, &ok);
	d->detail = dup_or_null(res->detail, &ok);
	d->address = dup_or_null(res->address, &ok);
	d->source = dup_or_null(res->source, &ok);
	if (res->nconfirm &&
	    (d->confirm = pacc__calloc(res->nconfirm, sizeof(char *))) !=
		NULL) {
		d->nconfirm = res->nconfirm;
		for (size_t i = 0; i < res->nconfirm; i++)
			d->confirm[i] = dup_or_null(res->confirm[i], &ok);
	} else if (res->nconfirm) {
		ok = false;
	}
	if (res->nservers &&
	    (d->servers = pacc__calloc(res->nservers, sizeof(*d->servers))) !=
		NULL) {
		for (size_t i = 0; i < res->nservers; i++) {
			d->nservers++;
			if (!lserver_copy(&d->servers[i], &res->servers[i]))
				ok = false;
		}
	} else if (res->nservers) {
		ok = false;
	}
	if (!ok) {
		pacc_login_result_free(d);
		return PACC_ENOMEM;
	}
	*out = d;
	return PACC_OK;
}

/* The result skeleton of a plan: every server not attempted (yet). */
static int
result_from_plan(pacc_login_result **out, const pacc_login_plan *plan)
{
	pacc_login_result *r;
	bool ok = true;

	*out = NULL;
	if ((r = pacc__calloc(1, sizeof(*r))) == NULL)
		return PACC_ENOMEM;
	r->status = plan->status;
	r->mechanism = plan->mechanism;
	r->detail = dup_or_null(plan->detail, &ok);
	r->address = dup_or_null(plan->address, &ok);
	r->source = dup_or_null(plan->source, &ok);
	if (plan->nconfirm) {
		char **v = pacc__calloc(plan->nconfirm, sizeof(char *));

		if (v == NULL) {
			ok = false;
		} else {
			r->confirm = v;
			r->nconfirm = plan->nconfirm;
			for (size_t i = 0; i < plan->nconfirm; i++)
				v[i] = dup_or_null(plan->confirm[i], &ok);
		}
	}
	if (plan->cfg->nservers) {
		r->servers = pacc__calloc(plan->cfg->nservers,
		    sizeof(*r->servers));
		if (r->servers == NULL)
			ok = false;
		for (size_t i = 0; r->servers && i < plan->cfg->nservers; i++) {
			const struct pacc_server *s = &plan->cfg->servers[i];
			struct pacc_login_server *d =
			    &r->servers[r->nservers++];

			d->proto = s->proto;
			d->host = dup_or_null(s->host, &ok);
			d->port = s->port;
			d->tls = s->tls;
			d->url = dup_or_null(s->url, &ok);
			d->cls = PACC_LOGIN_NOT_ATTEMPTED;
			d->username = dup_or_null(
			    s->username ? s->username : plan->address, &ok);
		}
	}
	if (!ok) {
		pacc_login_result_free(r);
		return PACC_ENOMEM;
	}
	*out = r;
	return PACC_OK;
}

static void
result_settle(pacc_login_result *r)
{
	bool all_ok = true, tls = false;
	size_t nok = 0;
	char buf[200];

	if (r->status != PACC_LOGIN_STATUS_OK)
		return; /* discovery decided, or declined */
	for (size_t i = 0; i < r->nservers; i++) {
		const struct pacc_login_server *s = &r->servers[i];

		if (s->cls != PACC_LOGIN_OK)
			all_ok = false;
		else
			nok++;
		/* DESIGN §4: unverifiable TLS, stripping, bogus DNSSEC */
		if (s->cls == PACC_LOGIN_TLS_FAILURE ||
		    (s->code && strcmp(s->code, "dnssec-bogus") == 0))
			tls = true;
	}
	if (r->nservers == 0)
		all_ok = false;
	r->status = tls ? PACC_LOGIN_STATUS_TLS_FAILURE
	    : all_ok	? PACC_LOGIN_STATUS_OK
			: PACC_LOGIN_STATUS_FAILED;
	pacc__free(r->detail);
	r->detail = NULL;
	if (r->nservers == 0)
		snprintf(buf, sizeof(buf), "no server to log in to");
	else if (all_ok)
		snprintf(buf, sizeof(buf),
		    "every server accepted the login "
		    "(%zu)",
		    r->nservers);
	else
		snprintf(buf, sizeof(buf),
		    "%zu of %zu servers accepted the login%s", nok, r->nservers,
		    tls ? "; no verified TLS with some: nothing was sent to "
			  "them"
			: "");
	r->detail = pacc__strdup(buf); /* NULL reads as "" */
}

PACC__API int
pacc_login_result_declined(pacc_login_result **out, const pacc_login_plan *plan)
{
	pacc_login_result *r;
	int rc;

	if (out == NULL || plan == NULL)
		return PACC_EINVAL;
	if ((rc = result_from_plan(&r, plan)) != PACC_OK)
		return rc;
	for (size_t i = 0; i < r->nservers; i++) {
		r->servers[i].code = pacc__strdup("declined");
		r->servers[i].detail = pacc__strdup(
		    "not attempted: the domains were not confirmed");
		if (!r->servers[i].code || !r->servers[i].detail) {
			pacc_login_result_free(r);
			return PACC_ENOMEM;
		}
	}
	if (r->status == PACC_LOGIN_STATUS_OK) {
		r->status = PACC_LOGIN_STATUS_DECLINED;
		pacc__free(r->detail);
		r->detail = pacc__strdup(
		    "the user did not confirm the domains");
		if (r->detail == NULL) {
			pacc_login_result_free(r);
			return PACC_ENOMEM;
		}
	}
	*out = r;
	return PACC_OK;
}

PACC__API pacc_login_status
pacc_login_result_status(const pacc_login_result *res)
{
	return res->status;
}

PACC__API const char *
pacc_login_result_address(const pacc_login_result *res)
{
	return res->address;
}

PACC__API int
pacc_login_result_mechanism(const pacc_login_result *res)
{
	return res->mechanism;
}

PACC__API size_t
pacc_login_result_server_count(const pacc_login_result *res)
{
	return res ? res->nservers : 0;
}

PACC__API const pacc_login_server *
pacc_login_result_server(const pacc_login_result *res, size_t i)
{
	return res && i < res->nservers ? &res->servers[i] : NULL;
}

PACC__API size_t
pacc_login_result_count_class(const pacc_login_result *res, pacc_login_class c)
{
	size_t n = 0;

	for (size_t i = 0; res && i < res->nservers; i++)
		n += res->servers[i].cls == c;
	return n;
}

PACC__API pacc_protocol
pacc_login_server_protocol(const pacc_login_server *s)
{
	return s->proto;
}

PACC__API const char *
pacc_login_server_host(const pacc_login_server *s)
{
	return s->host;
}

PACC__API unsigned
pacc_login_server_port(const pacc_login_server *s)
{
	return s->port;
}

PACC__API pacc_tls_mode
pacc_login_server_tls(const pacc_login_server *s)
{
	return s->tls;
}

PACC__API const char *
pacc_login_server_url(const pacc_login_server *s)
{
	return s->url;
}

PACC__API pacc_login_class
pacc_login_server_class(const pacc_login_server *s)
{
	return s->cls;
}

PACC__API const char *
pacc_login_server_code(const pacc_login_server *s)
{
	return s->code;
}

PACC__API const char *
pacc_login_server_detail(const pacc_login_server *s)
{
	return s->detail ? s->detail : "";
}

PACC__API const char *
pacc_login_server_username(const pacc_login_server *s)
{
	return s->username;
}

PACC__API int
pacc_login_server_localpart_retry(const pacc_login_server *s)
{
	return s->localpart_retry;
}

PACC__API const char *
pacc_login_server_mechanism(const pacc_login_server *s)
{
	return s->mechanism;
}

PACC__API const char *
pacc_login_server_tls_version(const pacc_login_server *s)
{
	return s->tls_version;
}

PACC__API const char *
pacc_login_server_channel_binding(const pacc_login_server *s)
{
	return s->cb;
}

PACC__API long
pacc_login_server_elapsed_ms(const pacc_login_server *s)
{
	return s->elapsed_ms;
}

PACC__API size_t
pacc_login_server_attempt_count(const pacc_login_server *s)
{
	return s->nattempts;
}

PACC__API const pacc_login_attempt *
pacc_login_server_attempt(const pacc_login_server *s, size_t i)
{
	return i < s->nattempts ? &s->attempts[i] : NULL;
}

PACC__API const char *
pacc_login_attempt_mechanism(const pacc_login_attempt *a)
{
	return a->mechanism;
}

PACC__API const char *
pacc_login_attempt_username(const pacc_login_attempt *a)
{
	return a->username;
}

PACC__API pacc_login_class
pacc_login_attempt_class(const pacc_login_attempt *a)
{
	return a->cls;
}

PACC__API const char *
pacc_login_attempt_code(const pacc_login_attempt *a)
{
	return a->code;
}

PACC__API const char *
pacc_login_attempt_response(const pacc_login_attempt *a)
{
	return a->response;
}

/* ---- JSON (doc/login.schema.json) ---- */

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
server_json(const struct pacc_login_server *s)
{
	json_t *o = json_object(), *att = json_array();

	if (o == NULL || att == NULL) {
		json_decref(o);
		json_decref(att);
		return NULL;
	}
	json_object_set_new(o, "protocol",
	    json_string(pacc_protocol_name(s->proto)));
	json_object_set_new(o, "host", jstr(s->host));
	json_object_set_new(o, "port",
	    s->host ? json_integer((json_int_t)s->port) : json_null());
	json_object_set_new(o, "tls", json_string(pacc_tls_mode_name(s->tls)));
	json_object_set_new(o, "url", jstr(s->url));
	json_object_set_new(o, "class",
	    json_string(pacc_login_class_name(s->cls)));
	json_object_set_new(o, "code", jstr(s->code));
	json_object_set_new(o, "detail",
	    json_string(s->detail ? s->detail : ""));
	json_object_set_new(o, "username", jstr(s->username));
	json_object_set_new(o, "localpart_retry",
	    json_boolean(s->localpart_retry));
	json_object_set_new(o, "mechanism", jstr(s->mechanism));
	json_object_set_new(o, "tls_version", jstr(s->tls_version));
	json_object_set_new(o, "channel_binding", jstr(s->cb));
	json_object_set_new(o, "elapsed_ms", json_integer(s->elapsed_ms));
	for (size_t i = 0; i < s->nattempts; i++) {
		const struct pacc_login_attempt *a = &s->attempts[i];
		json_t *ao = json_object();

		if (ao == NULL)
			continue;
		json_object_set_new(ao, "mechanism", jstr(a->mechanism));
		json_object_set_new(ao, "username", jstr(a->username));
		json_object_set_new(ao, "class",
		    json_string(pacc_login_class_name(a->cls)));
		json_object_set_new(ao, "code", jstr(a->code));
		json_object_set_new(ao, "response", jstr(a->response));
		json_array_append_new(att, ao);
	}
	json_object_set_new(o, "attempts", att);
	return o;
}

PACC__API int
pacc_login_result_to_json(char **out, const pacc_login_result *res,
    unsigned flags)
{
	static const pacc_login_class classes[] = { PACC_LOGIN_OK,
		PACC_LOGIN_WRONG_CREDENTIALS, PACC_LOGIN_METHOD_NOT_WORKING,
		PACC_LOGIN_ACCOUNT_BLOCKED, PACC_LOGIN_SERVER_ERROR,
		PACC_LOGIN_TLS_FAILURE, PACC_LOGIN_NOT_ATTEMPTED };
	json_t *o, *conf, *doms, *servers, *sum;
	int rc;

	if (out == NULL || res == NULL)
		return PACC_EINVAL;
	*out = NULL;
	o = json_object();
	conf = json_object();
	doms = json_array();
	servers = json_array();
	sum = json_object();
	if (!o || !conf || !doms || !servers || !sum) {
		json_decref(o);
		json_decref(conf);
		json_decref(doms);
		json_decref(servers);
		json_decref(sum);
		return PACC_ENOMEM;
	}
	json_object_set_new(o, "address", jstr(res->address));
	json_object_set_new(o, "status",
	    json_string(pacc_login_status_name(res->status)));
	json_object_set_new(o, "detail",
	    json_string(res->detail ? res->detail : ""));
	json_object_set_new(o, "mechanism",
	    res->mechanism >= 0 ? json_string(pacc_mechanism_name(
				      (pacc_mechanism)res->mechanism))
				: json_null());
	json_object_set_new(o, "source", jstr(res->source));
	for (size_t i = 0; i < res->nconfirm; i++)
		json_array_append_new(doms, json_string(res->confirm[i]));
	json_object_set_new(conf, "domains", doms);
	json_object_set_new(o, "confirm", conf);
	for (size_t i = 0; i < PACC__ARRAY_LEN(classes); i++)
		json_object_set_new(sum, pacc_login_class_name(classes[i]),
		    json_integer((json_int_t)pacc_login_result_count_class(res,
			classes[i])));
	json_object_set_new(o, "summary", sum);
	for (size_t i = 0; i < res->nservers; i++) {
		json_t *so = server_json(&res->servers[i]);

		if (so == NULL) {
			json_decref(servers);
			json_decref(o);
			return PACC_ENOMEM;
		}
		json_array_append_new(servers, so);
	}
	json_object_set_new(o, "servers", servers);
	if (res->oauth.set) {
		const struct login_oauth *a = &res->oauth;
		json_t *oj = json_object(), *sc = json_array();

		if (oj == NULL || sc == NULL) {
			json_decref(oj);
			json_decref(sc);
			json_decref(o);
			return PACC_ENOMEM;
		}
		json_object_set_new(oj, "status",
		    json_string(a->status == PACC_OK
			    ? "ok"
			    : pacc_status_name(a->status)));
		json_object_set_new(oj, "detail", jstr(a->detail));
		json_object_set_new(oj, "issuer", jstr(a->issuer));
		json_object_set_new(oj, "authorization_host",
		    jstr(a->auth_host));
		json_object_set_new(oj, "client_id", jstr(a->client_id));
		json_object_set_new(oj, "client_id_source",
		    jstr(a->client_source));
		json_object_set_new(oj, "token", jstr(a->token_source));
		for (const char *p = a->scope; p && *p;) {
			const char *e = strchr(p, ' ');
			size_t n = e ? (size_t)(e - p) : strlen(p);

			if (n > 0)
				json_array_append_new(sc, json_stringn(p, n));
			p = e ? e + 1 : NULL;
		}
		json_object_set_new(oj, "scopes", sc);
		json_object_set_new(o, "oauth", oj);
	}
	rc = pacc__json_text(out, o, flags, 0);
	json_decref(o);
	return rc;
}

/* ---- running a login ---- */

enum imap_login_step { IL_NONE, IL_USER, IL_PASS };

struct target {
	struct pacc_login *l;
	struct pacc_login_server *out; /* in l->res */
	struct pacc_server srv;	       /* from the plan */
	const char *user;	       /* full or localpart */
	char *full;		       /* the configured user name */
	char *localpart;	       /* RFC 6186 §4 alternative, or NULL */
	bool retried;
	long long t0;
	bool done;

	/* mail */
	struct pacc__probe *probe;
	struct pacc__probe *sp; /* during the step */
	struct pacc__lp *lp;
	const struct pacc__caps *caps; /* borrowed from the probe */
	bool in_step, step_done, cb_ok, sasl_ir, login_cmd;
	unsigned tried;
	struct pacc__sasl *sasl;
	bool ir_pending, aborting;
	/* OAuth: OAUTHBEARER/XOAUTH2 initial response (secret memory) */
	bool oauth_mech, oauth_replied;
	char *oauth_ir;
	char oauth_status[64];
	const char *abort_code;
	char abort_why[256];
	enum imap_login_step il;
	char tag[16];
	enum pacc__frame frame;

	/* http */
	struct pacc__fetch *fetch;
	char *url_now;
	int redirects;
	bool http_attempt; /* the next request starts a new attempt */
};

struct pacc_login {
	pacc_ctx *ctx;
	pacc_login_result *res;
	char *password; /* secret memory */
	char *bearer;	/* secret memory: the OAuth access token, or NULL */
	pacc_oauth_result *oauth;
	struct target *t;
	size_t nt, pending;
	long timeout_ms;
	struct pacc__timer deliver;
	pacc_login_cb cb;
	void *ud;
	bool delivering;
};

static void target_done(struct target *t);
static void next_attempt(struct target *t);
static void on_auth(void *ud, struct pacc__lp *lp, const struct pacc__resp *r);
static void oauth_continue(struct target *t, const struct pacc__resp *r);

static void outcome(struct target *t, pacc_login_class cls, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Record the server's outcome (the first one stands). */
static void
outcome(struct target *t, pacc_login_class cls, const char *code,
    const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (t->out->detail != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	t->out->cls = cls;
	pacc__free(t->out->code);
	t->out->code = code ? pacc__strdup(code) : NULL;
	t->out->detail = pacc__utf8_sanitize(buf);
}

/* A server's line as we keep it: printable, bounded. */
static char *
printable(const char *s, size_t n)
{
	char buf[LOGIN_MAX_RESPONSE + 4];
	size_t o = 0;

	for (size_t i = 0; i < n && o < LOGIN_MAX_RESPONSE; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n > LOGIN_MAX_RESPONSE) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return pacc__strdup(buf);
}

static struct pacc_login_attempt *
attempt_add(struct target *t, const char *mech)
{
	struct pacc_login_server *s = t->out;
	struct pacc_login_attempt *a, *nv;

	if (s->nattempts >= LOGIN_MAX_ATTEMPTS)
		return NULL;
	nv = pacc__reallocarray(s->attempts, s->nattempts + 1, sizeof(*nv));
	if (nv == NULL)
		return NULL;
	s->attempts = nv;
	a = &nv[s->nattempts++];
	memset(a, 0, sizeof(*a));
	a->cls = PACC_LOGIN_NOT_ATTEMPTED;
	a->mechanism = pacc__strdup(mech);
	a->username = pacc__strdup(t->user);
	pacc__free(s->mechanism);
	s->mechanism = pacc__strdup(mech);
	pacc__free(s->username);
	s->username = pacc__strdup(t->user);
	return a;
}

static struct pacc_login_attempt *
attempt_last(struct target *t)
{
	return t->out->nattempts ? &t->out->attempts[t->out->nattempts - 1]
				 : NULL;
}

static void
attempt_end(struct target *t, pacc_login_class cls, const char *code,
    const char *resp, size_t rlen)
{
	struct pacc_login_attempt *a = attempt_last(t);

	if (a == NULL)
		return;
	a->cls = cls;
	pacc__free(a->code);
	a->code = code ? pacc__strdup(code) : NULL;
	pacc__free(a->response);
	a->response = resp ? printable(resp, rlen) : NULL;
}

static const char *
where(const struct target *t, char *buf, size_t cap)
{
	if (t->srv.host)
		snprintf(buf, cap, "%s %s port %u",
		    pacc_protocol_name(t->srv.proto), t->srv.host, t->srv.port);
	else
		snprintf(buf, cap, "%s %s", pacc_protocol_name(t->srv.proto),
		    t->srv.url ? t->srv.url : "?");
	return buf;
}

/* ---- mail: the step on the verified connection ---- */

static const struct pacc__line *
last_line(const struct pacc__resp *r)
{
	return r->nlines ? &r->lines[r->nlines - 1] : NULL;
}

/* End the step: the probe logs out, then on_probe_done(). */
static void
step_end(struct target *t)
{
	struct pacc__probe *p = t->sp;

	pacc__sasl_free(t->sasl);
	t->sasl = NULL;
	t->step_done = true;
	t->sp = NULL;
	t->lp = NULL;
	pacc__probe_resume(p,
	    t->out->cls == PACC_LOGIN_OK ? NULL
		: t->out->code		 ? t->out->code
					 : "internal-error",
	    t->out->detail ? t->out->detail : "login failed");
}

static void step_fail(struct target *t, pacc_login_class cls, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
step_fail(struct target *t, pacc_login_class cls, const char *code,
    const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	outcome(t, cls, code, "%s", buf);
	step_end(t);
}

/* Send one line (SASL response or abort) and wait for the answer. */
static bool
send_line(struct target *t, const char *s, size_t n, bool quoted)
{
	int rc = PACC_OK;

	if (quoted)
		rc = pacc__lp_send(t->lp, "\"", 1);
	if (rc == PACC_OK && n > 0)
		rc = pacc__lp_send(t->lp, s, n);
	if (rc == PACC_OK && quoted)
		rc = pacc__lp_send(t->lp, "\"", 1);
	if (rc == PACC_OK)
		rc = pacc__lp_send(t->lp, "\r\n", 2);
	if (rc == PACC_OK)
		rc = pacc__lp_expect(t->lp, t->frame,
		    t->srv.proto == PACC_PROTO_IMAP ? t->tag : NULL, on_auth,
		    t);
	return rc == PACC_OK;
}

/* The challenge text of a continuation: IMAP/POP3 "+ x", SMTP "334 x",
 * Sieve "\"x\"" (RFC 5804 §2.1; a literal is not supported). */
static bool
challenge(const struct target *t, const struct pacc__resp *r, const char **s,
    size_t *n)
{
	const struct pacc__line *l = last_line(r);
	const char *p;
	size_t len;

	if (l == NULL)
		return false;
	p = l->p;
	len = l->len;
	switch (t->srv.proto) {
	case PACC_PROTO_SMTP:
		if (len < 3)
			return false;
		p += 3;
		len -= 3;
		break;
	case PACC_PROTO_MANAGESIEVE:
		if (len < 2 || p[0] != '"' || p[len - 1] != '"')
			return false;
		*s = p + 1;
		*n = len - 2;
		return true;
	default:
		if (len < 1)
			return false;
		p += 1;
		len -= 1;
		break;
	}
	if (len > 0 && *p == ' ') {
		p++;
		len--;
	}
	*s = p;
	*n = len;
	return true;
}

/* Sieve: OK (SASL "data") carries the server's final SCRAM message. */
static bool
sieve_final_data(const struct pacc__line *l, const char **s, size_t *n)
{
	const char *p = l->p, *q, *e = l->p + l->len;

	q = memchr(p, '(', l->len);
	if (q == NULL || (size_t)(e - q) < 8 ||
	    strncasecmp(q, "(SASL \"", 7) != 0)
		return false;
	q += 7;
	p = memchr(q, '"', (size_t)(e - q));
	if (p == NULL)
		return false;
	*s = q;
	*n = (size_t)(p - q);
	return true;
}

static void
abort_exchange(struct target *t, const char *code, const char *why)
{
	bool quoted = t->srv.proto == PACC_PROTO_MANAGESIEVE;

	t->aborting = true;
	t->abort_code = code;
	snprintf(t->abort_why, sizeof(t->abort_why), "%s", why);
	/* RFC 9051 §6.2.2, RFC 4954 §4, RFC 5034 §4, RFC 5804 §2.1 */
	if (!send_line(t, "*", 1, quoted))
		step_fail(t, PACC_LOGIN_METHOD_NOT_WORKING, code, "%s", why);
}

static void
imap_login_literal(struct target *t, const struct pacc__resp *r)
{
	char head[32];
	size_t n;
	int rc;

	(void)r;
	if (t->il == IL_USER) {
		n = strlen(t->l->password);
		snprintf(head, sizeof(head), " {%zu}\r\n", n);
		rc = pacc__lp_send(t->lp, t->user, strlen(t->user));
		if (rc == PACC_OK)
			rc = pacc__lp_send(t->lp, head, strlen(head));
		t->il = IL_PASS;
	} else {
		rc = pacc__lp_send(t->lp, t->l->password,
		    strlen(t->l->password));
		if (rc == PACC_OK)
			rc = pacc__lp_send(t->lp, "\r\n", 2);
		t->il = IL_NONE;
	}
	if (rc == PACC_OK)
		rc = pacc__lp_expect(t->lp, PACC__FRAME_IMAP, t->tag, on_auth,
		    t);
	if (rc != PACC_OK)
		step_fail(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
		    "cannot send the login");
}

static void
on_auth(void *ud, struct pacc__lp *lp, const struct pacc__resp *r)
{
	struct target *t = ud;
	const struct pacc__line *l = last_line(r);
	const char *in = NULL, *out, *code, *why;
	size_t inlen = 0, outlen;
	pacc_login_class cls;
	char w[128];
	int rc;

	(void)lp;
	if (r->status == PACC__ST_CONT) {
		if (t->il != IL_NONE) {
			imap_login_literal(t, r);
			return;
		}
		if (t->oauth_mech && !t->aborting) {
			oauth_continue(t, r);
			return;
		}
		if (t->aborting || t->sasl == NULL) {
			attempt_end(t, PACC_LOGIN_METHOD_NOT_WORKING,
			    "sasl-error", l ? l->p : NULL, l ? l->len : 0);
			step_fail(t, PACC_LOGIN_METHOD_NOT_WORKING,
			    t->aborting ? t->abort_code : "sasl-error",
			    "%s: %s", where(t, w, sizeof(w)),
			    t->aborting ? t->abort_why
					: "unexpected continuation");
			return;
		}
		if (t->ir_pending) {
			/* no SASL-IR: the initial response goes here */
			t->ir_pending = false;
		} else if (!challenge(t, r, &in, &inlen)) {
			abort_exchange(t, "sasl-error",
			    "the server's challenge is malformed");
			return;
		}
		rc = pacc__sasl_step(t->sasl, in, inlen, &out, &outlen, &code,
		    &why);
		if (rc == PACC__SASL_FAIL) {
			abort_exchange(t, code, why);
			return;
		}
		if (!send_line(t, out, outlen,
			t->srv.proto == PACC_PROTO_MANAGESIEVE))
			step_fail(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
			    "cannot send to %s", where(t, w, sizeof(w)));
		return;
	}
	/* the final response of this attempt */
	if (t->aborting) {
		attempt_end(t, PACC_LOGIN_METHOD_NOT_WORKING, t->abort_code,
		    l ? l->p : NULL, l ? l->len : 0);
		step_fail(t, PACC_LOGIN_METHOD_NOT_WORKING, t->abort_code,
		    "%s: %s (exchange aborted)", where(t, w, sizeof(w)),
		    t->abort_why);
		return;
	}
	pacc__login_classify(t->srv.proto, r->status, r->code, l ? l->p : NULL,
	    l ? l->len : 0, &cls, &code);
	if (cls == PACC_LOGIN_OK && t->sasl && pacc__sasl_mutual(t->sasl) &&
	    !pacc__sasl_complete(t->sasl) &&
	    t->srv.proto == PACC_PROTO_MANAGESIEVE && l &&
	    sieve_final_data(l, &in, &inlen)) {
		rc = pacc__sasl_step(t->sasl, in, inlen, &out, &outlen, &code,
		    &why);
		if (rc != PACC__SASL_DONE) {
			attempt_end(t, PACC_LOGIN_METHOD_NOT_WORKING,
			    code ? code : "sasl-error", l->p, l->len);
			step_fail(t, PACC_LOGIN_METHOD_NOT_WORKING,
			    code ? code : "sasl-error", "%s: %s",
			    where(t, w, sizeof(w)), why);
			return;
		}
	}
	attempt_end(t, cls, code, l ? l->p : NULL, l ? l->len : 0);
	if (cls == PACC_LOGIN_OK) {
		const char *mech = t->out->mechanism ? t->out->mechanism : "?";
		bool unproven = t->sasl && pacc__sasl_mutual(t->sasl) &&
		    !pacc__sasl_complete(t->sasl);

		if (t->sasl && pacc__sasl_cb_type(t->sasl)) {
			pacc__free(t->out->cb);
			t->out->cb = pacc__strdup(pacc__sasl_cb_type(t->sasl));
		}
		t->out->localpart_retry = t->retried;
		step_fail(t, PACC_LOGIN_OK, NULL,
		    "%s: logged in with %s as %s%s%s", where(t, w, sizeof(w)),
		    mech, t->user,
		    t->retried ? " (the full address was rejected; the local "
				 "part works, RFC 6186 §4)"
			       : "",
		    unproven ? " (the server skipped its final SCRAM "
			       "message: it proved nothing)"
			     : "");
		return;
	}
	pacc__sasl_free(t->sasl);
	t->sasl = NULL;
	if (cls == PACC_LOGIN_WRONG_CREDENTIALS && t->localpart &&
	    !t->retried) {
		/* RFC 6186 §4: once, the local part as the user name */
		t->retried = true;
		t->user = t->localpart;
		t->tried = 0;
		pacc__log(t->l->ctx, PACC_LOG_INFO,
		    "%s: the full address was rejected; trying the local "
		    "part (RFC 6186 section 4)",
		    where(t, w, sizeof(w)));
		next_attempt(t);
		return;
	}
	if (cls == PACC_LOGIN_METHOD_NOT_WORKING && t->l->bearer == NULL) {
		/* the server says the mechanism does not work: the next
		 * one it offers, once (never after a rejected password) */
		struct pacc_login_attempt *a = attempt_last(t);
		unsigned bit;

		if (pacc__sasl_choose(t->caps, t->cb_ok, t->tried, &bit)) {
			pacc__log(t->l->ctx, PACC_LOG_INFO,
			    "%s: %s does not work (%s); trying the next "
			    "mechanism",
			    where(t, w, sizeof(w)),
			    a && a->mechanism ? a->mechanism : "?", code);
			next_attempt(t);
			return;
		}
	}
	t->out->localpart_retry = t->retried;
	step_fail(t, cls, code, "%s: %s %s%s%s%s: \"%s\"%s%s%s",
	    where(t, w, sizeof(w)),
	    t->out->mechanism ? t->out->mechanism : "login",
	    cls == PACC_LOGIN_WRONG_CREDENTIALS	       ? "rejected for "
		: cls == PACC_LOGIN_METHOD_NOT_WORKING ? "does not work for "
						       : "failed for ",
	    t->retried ? t->full : "", t->retried ? " and for " : "", t->user,
	    attempt_last(t) && attempt_last(t)->response
		? attempt_last(t)->response
		: "",
	    t->oauth_status[0] ? " (token status " : "", t->oauth_status,
	    t->oauth_status[0] ? ")" : "");
}

/* IMAP LOGIN (RFC 9051 §6.2.3), where no SASL mechanism fits. */
static bool
quotable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static void
imap_login_cmd(struct target *t)
{
	const char *pw = t->l->password;
	char *qu = NULL, *qp = NULL;
	size_t ul = strlen(t->user), pl = strlen(pw), o;
	int rc;

	snprintf(t->tag, sizeof(t->tag), "%s", pacc__probe_next_tag(t->sp));
	t->frame = PACC__FRAME_IMAP;
	t->il = IL_NONE;
	t->aborting = false;
	if (!attempt_add(t, "LOGIN-COMMAND")) {
		step_fail(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
		    "out of memory");
		return;
	}
	if (quotable(t->user) && quotable(pw) && ul < 1000 && pl < 1000) {
		/* quoted strings, '"' and '\' escaped (RFC 9051 §4.3) */
		qu = pacc__secret_alloc(2 * ul + 1);
		qp = pacc__secret_alloc(2 * pl + 1);
		if (qu && qp) {
			o = 0;
			for (size_t i = 0; i < ul; i++) {
				if (t->user[i] == '"' || t->user[i] == '\\')
					qu[o++] = '\\';
				qu[o++] = t->user[i];
			}
			o = 0;
			for (size_t i = 0; i < pl; i++) {
				if (pw[i] == '"' || pw[i] == '\\')
					qp[o++] = '\\';
				qp[o++] = pw[i];
			}
			rc = pacc__lp_command(t->lp, PACC__FRAME_IMAP, t->tag,
			    on_auth, t, "%s LOGIN \"%s\" \"%s\"", t->tag, qu,
			    qp);
		} else {
			rc = PACC_ENOMEM;
		}
		pacc__secret_free(qu);
		pacc__secret_free(qp);
	} else {
		/* synchronizing literals: "{n}", continuation, bytes */
		t->il = IL_USER;
		rc = pacc__lp_command(t->lp, PACC__FRAME_IMAP, t->tag, on_auth,
		    t, "%s LOGIN {%zu}", t->tag, ul);
	}
	if (rc != PACC_OK)
		step_fail(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
		    "cannot send the login");
}

static void auth_command(struct target *t, const char *mech, bool ir,
    const char *out);

/* RFC 5801 §5 saslname: "," and "=" escaped. */
static bool
saslname(struct pacc__buf *b, const char *user)
{
	int rc = PACC_OK;

	for (const char *p = user; *p && rc == PACC_OK; p++)
		rc = *p == ','	? pacc__buf_append(b, "=2C", 3)
		    : *p == '=' ? pacc__buf_append(b, "=3D", 3)
				: pacc__buf_append(b, p, 1);
	return rc == PACC_OK;
}

/* The initial response, base64, in secret memory. */
static char *
oauth_initial(struct target *t, bool bearer)
{
	struct pacc__buf b;
	char *b64 = NULL;
	size_t cap;
	bool ok;

	pacc__buf_init(&b, 4 * PACC__OAUTH_MAX_TOKEN);
	if (bearer) {
		/* RFC 7628 §3.1: gs2-header kvsep host kvsep port kvsep auth
		 * kvsep kvsep */
		ok = pacc__buf_append(&b, "n,a=", 4) == PACC_OK &&
		    saslname(&b, t->user) &&
		    pacc__buf_appendf(&b, ",\001host=%s\001port=%u\001",
			t->srv.host, t->srv.port) == PACC_OK;
	} else {
		/* XOAUTH2 (Google's format) */
		ok = pacc__buf_appendf(&b, "user=%s\001", t->user) == PACC_OK;
	}
	ok = ok && pacc__buf_append(&b, "auth=Bearer ", 12) == PACC_OK &&
	    pacc__buf_append(&b, t->l->bearer, strlen(t->l->bearer)) ==
		PACC_OK &&
	    pacc__buf_append(&b, "\001\001", 2) == PACC_OK;
	cap = b.len / 3 * 4 + 8;
	if (ok && (b64 = pacc__secret_alloc(cap)) != NULL &&
	    pacc__base64_encode(b64, cap, b.data, b.len) != PACC_OK) {
		pacc__secret_free(b64);
		b64 = NULL;
	}
	if (b.data)
		OPENSSL_cleanse(b.data, b.len);
	pacc__buf_free(&b);
	return b64;
}

/* A continuation during OAUTHBEARER/XOAUTH2: the initial response (no
 * SASL-IR), or the server's error challenge, answered once (RFC 7628
 * §3.2.3: a single ^A; XOAUTH2: an empty response). */
static void
oauth_continue(struct target *t, const struct pacc__resp *r)
{
	bool sieve = t->srv.proto == PACC_PROTO_MANAGESIEVE;
	const char *in = NULL;
	size_t inlen = 0;
	bool xo;

	if (t->ir_pending) {
		t->ir_pending = false;
		if (!send_line(t, t->oauth_ir, strlen(t->oauth_ir), sieve))
			step_fail(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
			    "cannot send the login");
		return;
	}
	if (t->oauth_replied) {
		abort_exchange(t, "sasl-error",
		    "the server sent a second challenge");
		return;
	}
	t->oauth_replied = true;
	if (challenge(t, r, &in, &inlen) && inlen > 0 && inlen < 4096) {
		unsigned char json[3072];
		size_t jl = 0;
		char scope[64];

		if (pacc__base64_decode(json, sizeof(json), &jl, in, inlen) ==
		    PACC_OK)
			(void)pacc__oauth_sasl_error_parse(json, jl,
			    t->oauth_status, sizeof(t->oauth_status), scope,
			    sizeof(scope));
	}
	xo = t->out->mechanism && strcmp(t->out->mechanism, "XOAUTH2") == 0;
	if (!send_line(t, xo ? "" : "AQ==", xo ? 0 : 4, sieve))
		step_fail(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
		    "cannot send to the server");
}

/* OAuth: OAUTHBEARER where offered, XOAUTH2 only where it is all. */
static void
next_attempt_oauth(struct target *t)
{
	bool bearer = pacc__caps_has_sasl(t->caps, "OAUTHBEARER");
	const char *mech = bearer ? "OAUTHBEARER" : "XOAUTH2";
	char w[128];
	bool ir;

	if (t->tried || (!bearer && !pacc__caps_has_sasl(t->caps, "XOAUTH2"))) {
		step_fail(t, PACC_LOGIN_METHOD_NOT_WORKING,
		    "no-oauth-mechanism",
		    "%s offers neither OAUTHBEARER nor XOAUTH2 over TLS "
		    "(SASL mechanisms: %zu offered)",
		    where(t, w, sizeof(w)), t->caps->nsasl);
		return;
	}
	t->tried = 1;
	t->oauth_mech = true;
	t->oauth_replied = false;
	t->oauth_status[0] = '\0';
	pacc__secret_free(t->oauth_ir);
	if ((t->oauth_ir = oauth_initial(t, bearer)) == NULL ||
	    !attempt_add(t, mech)) {
		step_fail(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
		    "out of memory");
		return;
	}
	pacc__log(t->l->ctx, PACC_LOG_DEBUG, "%s: %s as %s",
	    where(t, w, sizeof(w)), mech, t->user);
	t->aborting = false;
	ir = t->srv.proto != PACC_PROTO_IMAP || t->sasl_ir;
	/* RFC 5321 §4.5.3.1.4: 512-octet command lines (Dovecot holds to
	 * it; RFC 4954 §4 would allow more): a long token goes after 334 */
	if (t->srv.proto == PACC_PROTO_SMTP && strlen(t->oauth_ir) > 480)
		ir = false;
	t->ir_pending = !ir;
	auth_command(t, mech, ir, t->oauth_ir);
}

static void
next_attempt(struct target *t)
{
	const char *mech, *out = "", *code, *why;
	size_t outlen = 0;
	unsigned bit;
	char w[128];
	bool ir;
	int rc;

	if (t->l->bearer) {
		next_attempt_oauth(t);
		return;
	}
	mech = pacc__sasl_choose(t->caps, t->cb_ok, t->tried, &bit);
	if (mech == NULL) {
		unsigned any;

		if (t->login_cmd && t->tried == 0 &&
		    pacc__sasl_choose(t->caps, t->cb_ok, 0, &any) == NULL) {
			imap_login_cmd(t);
			return;
		}
		if (t->out->nattempts > 0) {
			struct pacc_login_attempt *a = attempt_last(t);

			step_fail(t, a->cls, a->code,
			    "%s: no other mechanism to try after %s (\"%s\")",
			    where(t, w, sizeof(w)),
			    a->mechanism ? a->mechanism : "?",
			    a->response ? a->response : "");
			return;
		}
		step_fail(t, PACC_LOGIN_METHOD_NOT_WORKING,
		    "no-password-mechanism",
		    "%s offers no way to log in with a password over TLS "
		    "(SASL mechanisms: %zu offered, none of SCRAM-SHA-256, "
		    "PLAIN, LOGIN%s)",
		    where(t, w, sizeof(w)), t->caps->nsasl,
		    t->srv.proto == PACC_PROTO_IMAP && t->caps->login_disabled
			? "; LOGINDISABLED"
			: "");
		return;
	}
	t->tried |= bit;
	rc = pacc__sasl_new(&t->sasl, mech, t->user, t->l->password,
	    pacc__lp_conn(t->lp));
	if (rc == PACC_EUNSUPPORTED) {
		next_attempt(t); /* GNU SASL lacks it, or no binding */
		return;
	}
	if (rc != PACC_OK) {
		step_fail(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
		    "cannot start %s: %s", mech, pacc_strerror(rc));
		return;
	}
	if (!attempt_add(t, mech)) {
		step_fail(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
		    "out of memory");
		return;
	}
	pacc__log(t->l->ctx, PACC_LOG_DEBUG, "%s: %s as %s",
	    where(t, w, sizeof(w)), mech, t->user);
	ir = pacc__sasl_client_first(t->sasl);
	t->aborting = false;
	t->ir_pending = false;
	if (ir && (t->srv.proto != PACC_PROTO_IMAP || t->sasl_ir)) {
		rc = pacc__sasl_step(t->sasl, NULL, 0, &out, &outlen, &code,
		    &why);
		if (rc == PACC__SASL_FAIL) {
			step_fail(t, PACC_LOGIN_METHOD_NOT_WORKING, code,
			    "%s: %s", where(t, w, sizeof(w)), why);
			return;
		}
		/* RFC 4954 §4, RFC 4959 §3: "=" is an empty response */
		if (outlen == 0)
			out = "=";
	} else {
		ir = false;
		t->ir_pending = pacc__sasl_client_first(t->sasl);
	}
	auth_command(t, mech, ir, out);
}

/* AUTHENTICATE / AUTH with or without an initial response. */
static void
auth_command(struct target *t, const char *mech, bool ir, const char *out)
{
	char w[128];
	int rc;

	switch (t->srv.proto) {
	case PACC_PROTO_IMAP:
		snprintf(t->tag, sizeof(t->tag), "%s",
		    pacc__probe_next_tag(t->sp));
		t->frame = PACC__FRAME_IMAP;
		rc = ir ? pacc__lp_command(t->lp, t->frame, t->tag, on_auth, t,
			      "%s AUTHENTICATE %s %s", t->tag, mech, out)
			: pacc__lp_command(t->lp, t->frame, t->tag, on_auth, t,
			      "%s AUTHENTICATE %s", t->tag, mech);
		break;
	case PACC_PROTO_SMTP:
	case PACC_PROTO_POP3:
		t->frame = t->srv.proto == PACC_PROTO_SMTP ? PACC__FRAME_SMTP
							   : PACC__FRAME_POP3;
		rc = ir ? pacc__lp_command(t->lp, t->frame, NULL, on_auth, t,
			      "AUTH %s %s", mech, out)
			: pacc__lp_command(t->lp, t->frame, NULL, on_auth, t,
			      "AUTH %s", mech);
		break;
	default:
		t->frame = PACC__FRAME_SIEVE_AUTH;
		rc = ir ? pacc__lp_command(t->lp, t->frame, NULL, on_auth, t,
			      "AUTHENTICATE \"%s\" \"%s\"", mech,
			      strcmp(out, "=") == 0 ? "" : out)
			: pacc__lp_command(t->lp, t->frame, NULL, on_auth, t,
			      "AUTHENTICATE \"%s\"", mech);
		break;
	}
	if (rc != PACC_OK)
		step_fail(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
		    "cannot send the authentication command to %s",
		    where(t, w, sizeof(w)));
}

static void
on_step(void *ud, struct pacc__probe *p, struct pacc__lp *lp,
    const struct pacc__probe_result *r)
{
	struct target *t = ud;
	unsigned char cb[64];
	const char *cbtype;
	size_t cblen;
	char w[128];

	t->in_step = true;
	t->sp = p;
	t->lp = lp;
	t->caps = r->caps;
	if (r->tls_info && r->tls_info->version) {
		pacc__free(t->out->tls_version);
		t->out->tls_version = pacc__strdup(r->tls_info->version);
	}
	/* DESIGN §2: the probe calls us only over verified TLS, with the
	 * capabilities read again there; checked anyway, never trusted */
	if (r->tls_info == NULL || !r->tls_info->done ||
	    !r->tls_info->verified || !r->caps_over_tls ||
	    !pacc__conn_is_tls(pacc__lp_conn(lp))) {
		step_fail(t, PACC_LOGIN_TLS_FAILURE, "internal-error",
		    "%s: no verified TLS session: nothing sent",
		    where(t, w, sizeof(w)));
		return;
	}
	pacc__sasl_channel_binding(pacc__lp_conn(lp), &cbtype, cb, sizeof(cb),
	    &cblen);
	OPENSSL_cleanse(cb, sizeof(cb));
	t->cb_ok = cbtype != NULL;
	t->sasl_ir = t->srv.proto == PACC_PROTO_IMAP &&
	    pacc__caps_has(r->caps, "SASL-IR");
	t->login_cmd = t->srv.proto == PACC_PROTO_IMAP &&
	    !r->caps->login_disabled;
	next_attempt(t);
}

static void
on_probe_done(void *ud, const struct pacc__probe_result *r)
{
	struct target *t = ud;
	pacc_login_class cls;
	char w[128];

	t->probe = NULL;
	if (r->tls_info && r->tls_info->version && !t->out->tls_version)
		t->out->tls_version = pacc__strdup(r->tls_info->version);
	if (t->in_step && !t->step_done) {
		/* the connection ended in the middle of our exchange */
		pacc__sasl_free(t->sasl);
		t->sasl = NULL;
		attempt_end(t, PACC_LOGIN_SERVER_ERROR,
		    r->code ? r->code : "connection-lost", NULL, 0);
		outcome(t, PACC_LOGIN_SERVER_ERROR,
		    r->code && strcmp(r->code, "timeout") == 0
			? "timeout"
			: "connection-lost",
		    "%s: the connection ended during the login: %s",
		    where(t, w, sizeof(w)), r->detail);
	} else if (!t->in_step) {
		pacc__login_classify_conn(r->code, &cls);
		outcome(t, cls, r->code ? r->code : "internal-error", "%s%s",
		    r->detail,
		    cls == PACC_LOGIN_TLS_FAILURE ? " (no credential was sent)"
						  : " (not attempted)");
	}
	target_done(t);
}

static void
start_mail(struct target *t)
{
	struct pacc__probe_opts po;
	char w[128];
	int rc;

	memset(&po, 0, sizeof(po));
	po.host = t->srv.host;
	po.port = t->srv.port;
	po.proto = t->srv.proto;
	po.tls = t->srv.tls;
	po.timeout_ms = t->l->timeout_ms;
	po.step = on_step;
	po.step_ud = t;
	if (t->srv.tls == PACC_TLS_NONE) {
		/* DESIGN §2: never a credential without TLS */
		outcome(t, PACC_LOGIN_TLS_FAILURE, "no-tls",
		    "%s: the configuration offers no TLS: not attempted",
		    where(t, w, sizeof(w)));
		target_done(t);
		return;
	}
	rc = pacc__probe_start(&t->probe, t->l->ctx, &po, on_probe_done, t);
	if (rc != PACC_OK) {
		outcome(t, PACC_LOGIN_NOT_ATTEMPTED, "internal-error",
		    "%s: cannot start: %s", where(t, w, sizeof(w)),
		    pacc_strerror(rc));
		target_done(t);
	}
}

/* ---- HTTP: Basic over verified https ---- */

/* host and port of an https URL, for same-origin checks. */
static bool
origin(const char *url, char *buf, size_t cap)
{
	char host[256];
	unsigned port;

	if (!https_split(url, host, sizeof(host), &port))
		return false;
	return (size_t)snprintf(buf, cap, "%s|%u", host, port) < cap;
}

static void start_http(struct target *t);

static bool
scheme_offered(const struct pacc__fetch_result *r, const char *scheme)
{
	size_t sl = strlen(scheme);

	for (size_t i = 0; i < r->nwww_auth; i++) {
		const char *v = r->www_auth[i];

		/* RFC 9110 §11.6.1: challenges, comma-separated */
		for (const char *p = v; p && *p; p = strchr(p, ',')) {
			while (*p == ',' || *p == ' ')
				p++;
			if (strncasecmp(p, scheme, sl) == 0 &&
			    (p[sl] == ' ' || p[sl] == '\0' || p[sl] == ','))
				return true;
			if (*p == '\0')
				break;
		}
	}
	return false;
}

static void
on_fetch(void *ud, const struct pacc__fetch_result *r)
{
	struct target *t = ud;
	pacc_login_class cls;
	const char *code;
	char w[128], o1[300], o2[300], resp[64];

	t->fetch = NULL;
	if (r->tls_version && !t->out->tls_version)
		t->out->tls_version = pacc__strdup(r->tls_version);
	if (r->http_code == 0) {
		code = r->code ? r->code : "transfer-failed";
		pacc__login_classify_conn(code, &cls);
		if (cls != PACC_LOGIN_TLS_FAILURE &&
		    (strcmp(code, "timeout") == 0 ||
			strcmp(code, "too-large") == 0 ||
			strcmp(code, "transfer-failed") == 0))
			cls = PACC_LOGIN_SERVER_ERROR;
		if (cls == PACC_LOGIN_SERVER_ERROR) {
			attempt_end(t, cls, code, NULL, 0);
		} else if (t->out->nattempts > 0) {
			/* no request was made: no attempt to report */
			attempt_clear(&t->out->attempts[--t->out->nattempts]);
			if (t->out->nattempts == 0) {
				pacc__free(t->out->mechanism);
				t->out->mechanism = NULL;
			}
		}
		outcome(t, cls, code, "%s: %s%s", where(t, w, sizeof(w)),
		    r->detail ? r->detail : code,
		    cls == PACC_LOGIN_SERVER_ERROR
			? ""
			: " (no credential was sent)");
		target_done(t);
		return;
	}
	if (r->http_code >= 300 && r->http_code < 400 && r->location &&
	    origin(r->location, o1, sizeof(o1)) &&
	    origin(t->url_now, o2, sizeof(o2)) && strcmp(o1, o2) == 0 &&
	    t->redirects < LOGIN_MAX_REDIRECTS) {
		/* same origin: the confirmed host; RFC 8620 §2.2 */
		char *n = pacc__strdup(r->location);

		if (n != NULL) {
			pacc__free(t->url_now);
			t->url_now = n;
			t->redirects++;
			start_http(t);
			return;
		}
	}
	snprintf(resp, sizeof(resp), "HTTP %ld", r->http_code);
	pacc__login_classify_http(r->http_code,
	    scheme_offered(r, t->l->bearer ? "bearer" : "basic"), &cls, &code);
	attempt_end(t, cls, code, resp, strlen(resp));
	if (cls == PACC_LOGIN_WRONG_CREDENTIALS && t->localpart &&
	    !t->retried) {
		t->retried = true;
		t->user = t->localpart;
		t->http_attempt = true;
		start_http(t);
		return;
	}
	t->out->localpart_retry = t->retried;
	if (cls == PACC_LOGIN_OK)
		outcome(t, cls, NULL, "%s: logged in with HTTP %s as %s%s",
		    where(t, w, sizeof(w)), t->l->bearer ? "Bearer" : "Basic",
		    t->user,
		    t->retried ? " (the full address was rejected; the local "
				 "part works, RFC 6186 §4)"
			       : "");
	else if (strcmp(code, "redirect") == 0)
		outcome(t, cls, code,
		    "%s: redirects to %s, another origin: credentials are "
		    "not sent there",
		    where(t, w, sizeof(w)),
		    r->location ? r->location : "(no Location)");
	else
		outcome(t, cls, code, "%s: HTTP %ld for %s%s%s%s",
		    where(t, w, sizeof(w)), r->http_code,
		    t->retried ? t->full : "", t->retried ? " and for " : "",
		    t->user,
		    strcmp(code, "http-401-no-basic") == 0
			? (t->l->bearer ? " (the server does not offer Bearer)"
					: " (the server does not offer Basic)")
			: "");
	target_done(t);
}

static void
start_http(struct target *t)
{
	static const char propfind[] =
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<propfind xmlns=\"DAV:\"><prop><current-user-principal/>"
	    "</prop></propfind>\n";
	static const char *const dav_headers[] = { "Depth: 0", NULL };
	struct pacc__fetch_opts fo;
	bool dav = t->srv.proto != PACC_PROTO_JMAP;
	char w[128];
	int rc;

	if (t->url_now == NULL &&
	    (t->url_now = pacc__strdup(t->srv.url)) == NULL) {
		outcome(t, PACC_LOGIN_NOT_ATTEMPTED, "internal-error",
		    "out of memory");
		target_done(t);
		return;
	}
	memset(&fo, 0, sizeof(fo));
	fo.url = t->url_now;
	fo.max_body = LOGIN_MAX_BODY;
	fo.timeout_ms = t->l->timeout_ms;
	if (t->l->bearer) {
		fo.bearer = t->l->bearer; /* RFC 6750 §2.1 */
	} else {
		fo.basic_user = t->user;
		fo.basic_pass = t->l->password;
	}
	if (dav) {
		/* RFC 4918 §9.1, RFC 5397: who am I? */
		fo.method = "PROPFIND";
		fo.headers = dav_headers;
		fo.post_body = propfind;
		fo.post_len = sizeof(propfind) - 1;
		fo.content_type = "application/xml; charset=utf-8";
	} else {
		fo.accept = "application/json"; /* RFC 8620 §2 */
	}
	if (t->http_attempt) {
		t->http_attempt = false;
		if (!attempt_add(t, t->l->bearer ? "BEARER" : "BASIC")) {
			outcome(t, PACC_LOGIN_NOT_ATTEMPTED, "internal-error",
			    "out of memory");
			target_done(t);
			return;
		}
	}
	rc = pacc__fetch_start(&t->fetch, t->l->ctx, &fo, on_fetch, t);
	if (rc != PACC_OK) {
		outcome(t, PACC_LOGIN_NOT_ATTEMPTED, "internal-error",
		    "%s: cannot start: %s", where(t, w, sizeof(w)),
		    pacc_strerror(rc));
		target_done(t);
	}
}

/* ---- the login ---- */

static void
login_free(struct pacc_login *l)
{
	if (l == NULL)
		return;
	pacc__timer_disarm(l->ctx, &l->deliver);
	for (size_t i = 0; i < l->nt; i++) {
		struct target *t = &l->t[i];

		if (t->probe)
			pacc__probe_cancel(t->probe);
		if (t->fetch)
			pacc__fetch_cancel(t->fetch);
		pacc__sasl_free(t->sasl);
		pacc__secret_free(t->oauth_ir);
		pacc__server_clear(&t->srv);
		pacc__free(t->url_now);
		pacc__free(t->localpart);
		pacc__free(t->full);
	}
	pacc__free(l->t);
	pacc__secret_free(l->password);
	pacc__secret_free(l->bearer);
	pacc_oauth_result_free(l->oauth);
	pacc_login_result_free(l->res);
	pacc__free(l);
}

static void
on_deliver(void *ud)
{
	struct pacc_login *l = ud;

	result_settle(l->res);
	l->delivering = true;
	l->cb(l, l->res, l->ud);
	login_free(l);
}

static void
target_done(struct target *t)
{
	struct pacc_login *l = t->l;

	if (t->done)
		return;
	t->done = true;
	t->out->elapsed_ms = (long)(pacc__now_ms() - t->t0);
	if (t->out->detail == NULL)
		outcome(t, PACC_LOGIN_SERVER_ERROR, "internal-error",
		    "no outcome");
	if (--l->pending == 0) {
		/* from the loop, never from pacc_login_start() */
		pacc__timer_arm(l->ctx, &l->deliver, 0);
		pacc__loop_sync(l->ctx);
	}
}

static void
start_target(struct target *t)
{
	char w[128];

	t->t0 = pacc__now_ms();
	if (t->l->bearer) {
		/* the token goes only where it may (oauth-public §3.6) */
		const char *h = t->srv.host;
		char *uh = h ? NULL : pacc__url_host(t->srv.url);

		if (!pacc_oauth_result_allows_host(t->l->oauth, h ? h : uh)) {
			outcome(t, PACC_LOGIN_NOT_ATTEMPTED,
			    "oauth-host-not-allowed",
			    "%s: the token is not for this host (not in the "
			    "server's protected_resources, or outside the "
			    "issuer's domain): not sent",
			    where(t, w, sizeof(w)));
			pacc__free(uh);
			target_done(t);
			return;
		}
		pacc__free(uh);
	} else if (t->srv.auth != 0 && !(t->srv.auth & PACC_AUTH_PASSWORD)) {
		outcome(t, PACC_LOGIN_NOT_ATTEMPTED, "password-not-offered",
		    "%s: the configuration offers only OAuth here: not "
		    "attempted",
		    where(t, w, sizeof(w)));
		target_done(t);
		return;
	}
	if (pacc__proto_is_http(t->srv.proto)) {
		if (t->srv.url == NULL) {
			outcome(t, PACC_LOGIN_NOT_ATTEMPTED, "internal-error",
			    "no URL");
			target_done(t);
			return;
		}
		t->http_attempt = true;
		start_http(t);
		return;
	}
	if (t->srv.host == NULL) {
		outcome(t, PACC_LOGIN_NOT_ATTEMPTED, "internal-error",
		    "no host");
		target_done(t);
		return;
	}
	start_mail(t);
}

PACC__API int
pacc_login_start(pacc_login **out, pacc_ctx *ctx, const pacc_login_plan *plan,
    const char *password, const pacc_login_opts *opts, pacc_login_cb cb,
    void *ud)
{
	struct pacc_login *l;
	const pacc_oauth_result *oa;
	int rc = PACC_ENOMEM;

	if (out)
		*out = NULL;
	oa = opts && opts->version >= 2 ? opts->oauth : NULL;
	if (ctx == NULL || plan == NULL || (password == NULL && oa == NULL) ||
	    cb == NULL || (opts && (opts->version < 1 || opts->timeout_ms < 0)))
		return PACC_EINVAL;
	if ((l = pacc__calloc(1, sizeof(*l))) == NULL)
		return PACC_ENOMEM;
	l->ctx = ctx;
	l->cb = cb;
	l->ud = ud;
	l->timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms
						 : ctx->timeout_ms;
	pacc__timer_init(&l->deliver, on_deliver, l);
	if (oa == NULL && (l->password = pacc__secret_strdup(password)) == NULL)
		goto fail;
	if ((rc = result_from_plan(&l->res, plan)) != PACC_OK)
		goto fail;
	rc = PACC_ENOMEM;
	if (oa != NULL) {
		struct login_oauth *a = &l->res->oauth;
		bool ok = true;

		if (pacc_oauth_result_dup(&l->oauth, oa) != PACC_OK)
			goto fail;
		a->set = true;
		a->status = oa->status;
		a->client_source = oa->client_source;
		a->token_source = oa->token_source;
		a->issuer = dup_or_null(oa->issuer, &ok);
		a->client_id = dup_or_null(oa->client_id, &ok);
		a->auth_host = dup_or_null(oa->auth_host, &ok);
		a->scope = dup_or_null(oa->scope, &ok);
		a->detail = dup_or_null(oa->detail, &ok);
		if (!ok)
			goto fail;
		if (oa->status == PACC_OK && oa->access_token) {
			l->bearer = pacc__secret_strdup(oa->access_token);
			if (l->bearer == NULL)
				goto fail;
		} else if (l->res->status == PACC_LOGIN_STATUS_OK) {
			/* no token: nothing is attempted anywhere */
			l->res->status = PACC_LOGIN_STATUS_OAUTH_FAILURE;
			pacc__free(l->res->detail);
			l->res->detail = pacc__strfmt("no OAuth token: %s",
			    pacc_oauth_result_detail(oa));
			for (size_t i = 0; i < l->res->nservers; i++) {
				struct pacc_login_server *sv =
				    &l->res->servers[i];

				sv->code = pacc__strdup("oauth-failed");
				sv->detail = pacc__strdup(
				    "not attempted: no OAuth token");
				if (!sv->code || !sv->detail)
					goto fail;
			}
		}
	}
	l->nt = l->res->status == PACC_LOGIN_STATUS_OK ? plan->cfg->nservers
						       : 0;
	if (l->nt && (l->t = pacc__calloc(l->nt, sizeof(*l->t))) == NULL)
		goto fail;
	for (size_t i = 0; i < l->nt; i++) {
		struct target *t = &l->t[i];

		t->l = l;
		t->out = &l->res->servers[i];
		if (pacc__server_copy(&t->srv, &plan->cfg->servers[i]) !=
		    PACC_OK)
			goto fail;
		if (t->out->username &&
		    (t->full = pacc__strdup(t->out->username)) == NULL)
			goto fail;
		t->user = t->full;
		if (l->bearer == NULL && plan->srv_retry && plan->localpart &&
		    plan->address && t->user &&
		    strcasecmp(t->user, plan->address) == 0 &&
		    (t->localpart = pacc__strdup(plan->localpart)) == NULL)
			goto fail;
	}
	l->pending = l->nt + 1; /* +1: held until every target started */
	for (size_t i = 0; i < l->nt; i++)
		start_target(&l->t[i]);
	if (--l->pending == 0)
		pacc__timer_arm(ctx, &l->deliver, 0);
	if (out)
		*out = l;
	pacc__loop_sync(ctx);
	return PACC_OK;
fail:
	login_free(l);
	return rc;
}

PACC__API void
pacc_login_cancel(pacc_login *l)
{
	if (l == NULL || l->delivering)
		return;
	login_free(l);
}

struct sync_state {
	pacc_login_result *res;
	bool done;
	int rc;
};

static void
sync_cb(pacc_login *l, const pacc_login_result *res, void *ud)
{
	struct sync_state *st = ud;

	(void)l;
	st->rc = pacc_login_result_dup(&st->res, res);
	st->done = true;
}

PACC__API int
pacc_login_sync(pacc_login_result **out, pacc_ctx *ctx,
    const pacc_login_plan *plan, const char *password,
    const pacc_login_opts *opts)
{
	struct sync_state st = { NULL, false, PACC_OK };
	int rc;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	rc = pacc_login_start(NULL, ctx, plan, password, opts, sync_cb, &st);
	if (rc != PACC_OK)
		return rc;
	rc = pacc__loop_run_until(ctx, &st.done);
	if (!st.done)
		return rc;
	*out = st.res;
	return st.rc;
}
