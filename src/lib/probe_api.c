/* SPDX-License-Identifier: MIT */
/*
 * pacc_probe_*: probe the servers of a configuration (or explicit URLs)
 * without credentials, all at once under one deadline.
 *
 *   mail (IMAP, POP3, SMTP, ManageSieve)   probe.c: TLS, greeting,
 *                                          capabilities, STARTTLS
 *   HTTP (JMAP, CalDAV, CardDAV, WebDAV)   http.c: one unauthenticated
 *                                          request (JMAP GET, DAV PROPFIND
 *                                          Depth 0), no redirects, 401
 *                                          challenges parsed by
 *                                          fmt_wwwauth.c; plus one TLS
 *                                          handshake of our own (tls.c)
 *                                          for the certificate facts curl
 *                                          does not hand out
 *
 * What a server offers is only believed when it was read over verified
 * TLS; what is usable is that intersected with what the configuration
 * promises.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <jansson.h>

#include "pacc/probe.h"

#include "internal.h"
#include "net.h"

#define MAX_HTTP_BODY (64 * 1024) /* a 401 page, or a small multistatus */
#define MAX_URL_BYTES 2048

/* DAV: the smallest useful PROPFIND (RFC 4918 §9.1, RFC 5397) */
static const char propfind_body[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:current-user-principal/>"
    "<d:resourcetype/></d:prop></d:propfind>\n";
static const char *const propfind_headers[] = { "Depth: 0", NULL };

struct pacc_probe_server {
	pacc_protocol proto;
	pacc_tls_mode tls;
	char *host;
	unsigned port;
	char *url;
	char *username;
	bool from_result;
	unsigned promised, offered;
	bool ok, security;
	char *code, *detail;
	long elapsed_ms;
	char *peer;
	pacc_dnssec dnssec;
	bool tls_verified;
	char *tls_version, *tls_cipher, *verify_name, *verify_error;
	char *subject, *issuer, *not_after;
	char *greeting;
	char **caps;
	size_t ncaps;
	char **sasl;
	size_t nsasl;
	bool caps_over_tls, starttls_offered, login_disabled;
	long http_status;
	char *location;
	struct pacc__challenges ch;
	bool ch_incomplete;
};

struct pacc_probe_result {
	char *address;
	pacc_result *discovery;
	int error;
	char *errmsg;
	struct pacc_probe_server *servers;
	size_t nservers;
};

struct job {
	struct pacc_probe *run;
	struct pacc_probe_server *s;
	bool done;
	struct pacc__probe *mp;	   /* mail */
	struct pacc__fetch *fetch; /* HTTP request */
	struct pacc__conn *conn;   /* HTTP: TLS facts */
	bool fetch_done, conn_done;
	/* what the HTTP side learnt, until both halves are in */
	long f_http;
	char *f_code, *f_detail;
	pacc_dnssec f_sec;
	struct pacc__tls_info c_tls;
	bool c_ok;
	char *c_code, *c_detail;
	char c_peer[64];
	pacc_dnssec c_sec;
	long long t0;
};

struct pacc_probe {
	pacc_ctx *ctx;
	pacc_probe_result *res;
	struct job *jobs;
	size_t njobs, left;
	long timeout_ms;
	struct pacc__timer deadline;
	struct pacc__timer deliver;
	bool oom, in_cb, counted;
	pacc_probe_cb cb;
	void *ud;
};

/* ---------------------------------------------------------------- URLs */

struct target {
	pacc_protocol proto;
	pacc_tls_mode tls;
	char host[256];
	unsigned port;
	char url[MAX_URL_BYTES]; /* https URL for HTTP protocols */
};

static const struct scheme {
	const char *name;
	pacc_protocol proto;
	pacc_tls_mode tls;
	unsigned port;
	const char *well_known; /* HTTP: default path */
} schemes[] = {
	{ "imaps", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, 993, NULL },
	{ "imap", PACC_PROTO_IMAP, PACC_TLS_STARTTLS, 143, NULL },
	{ "pop3s", PACC_PROTO_POP3, PACC_TLS_IMPLICIT, 995, NULL },
	{ "pop3", PACC_PROTO_POP3, PACC_TLS_STARTTLS, 110, NULL },
	{ "submissions", PACC_PROTO_SMTP, PACC_TLS_IMPLICIT, 465, NULL },
	{ "submission", PACC_PROTO_SMTP, PACC_TLS_STARTTLS, 587, NULL },
	{ "sieve", PACC_PROTO_MANAGESIEVE, PACC_TLS_STARTTLS, 4190, NULL },
	/* RFC 8620 §2.2, RFC 6764 §5 */
	{ "jmap+https", PACC_PROTO_JMAP, PACC_TLS_IMPLICIT, 443,
	    "/.well-known/jmap" },
	{ "caldav+https", PACC_PROTO_CALDAV, PACC_TLS_IMPLICIT, 443,
	    "/.well-known/caldav" },
	{ "carddav+https", PACC_PROTO_CARDDAV, PACC_TLS_IMPLICIT, 443,
	    "/.well-known/carddav" },
};

static bool
is_literal4(const char *s)
{
	unsigned char bin[4];

	return inet_pton(AF_INET, s, bin) == 1;
}

static bool
is_literal6(const char *s)
{
	unsigned char bin[16];

	return inet_pton(AF_INET6, s, bin) == 1;
}

/* Host part: DNS name (U-labels converted), IPv4, or [IPv6]. */
static int
parse_host(char *dst, size_t cap, const char *p, size_t n, char *why,
    size_t whylen)
{
	char tmp[256];
	bool ascii = true;

	if (n == 0) {
		pacc__setwhy(why, whylen, "no host name");
		return PACC_EINVAL;
	}
	if (p[0] == '[') {
		if (n < 3 || p[n - 1] != ']' || n - 2 >= sizeof(tmp)) {
			pacc__setwhy(why, whylen,
			    "a bracketed host must be an IPv6 "
			    "address: [2001:db8::1]");
			return PACC_EINVAL;
		}
		memcpy(tmp, p + 1, n - 2);
		tmp[n - 2] = '\0';
		if (!is_literal6(tmp)) {
			pacc__setwhy(why, whylen, "'%s' is not an IPv6 address",
			    tmp);
			return PACC_EINVAL;
		}
		snprintf(dst, cap, "%s", tmp);
		return PACC_OK;
	}
	if (n >= sizeof(tmp)) {
		pacc__setwhy(why, whylen,
		    "the host name is longer than 253 bytes");
		return PACC_EINVAL;
	}
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (n > 1 && tmp[n - 1] == '.')
		tmp[--n] = '\0'; /* the root label */
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)tmp[i] >= 0x80)
			ascii = false;
		else if (tmp[i] >= 'A' && tmp[i] <= 'Z')
			tmp[i] = (char)(tmp[i] - 'A' + 'a');
	}
	if (is_literal4(tmp)) {
		snprintf(dst, cap, "%s", tmp);
		return PACC_OK;
	}
	if (!ascii) {
		char *a = NULL;
		int irc = idn2_to_ascii_8z(tmp, &a,
		    IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);

		if (irc != IDN2_OK) {
			pacc__setwhy(why, whylen,
			    "'%s' is not a valid IDN host "
			    "name: %s",
			    tmp, idn2_strerror(irc));
			return PACC_EINVAL;
		}
		snprintf(tmp, sizeof(tmp), "%s", a);
		idn2_free(a);
	}
	if (!pacc__hostname_valid(tmp)) {
		pacc__setwhy(why, whylen, "'%.*s' is not a valid host name",
		    (int)n, p);
		return PACC_EINVAL;
	}
	snprintf(dst, cap, "%s", tmp);
	return PACC_OK;
}

/* "HOST[:PORT]" of an authority; *port keeps its default without one. */
static int
parse_authority(struct target *t, const char *p, size_t n, char *why,
    size_t whylen)
{
	size_t hn = n;
	const char *colon = NULL;

	if (memchr(p, '@', n) != NULL) {
		/* DESIGN §2: never credentials from argv */
		pacc__setwhy(why, whylen,
		    "a server URL takes no user name or "
		    "password (credentials never go on the "
		    "command line)");
		return PACC_EINVAL;
	}
	if (n > 0 && p[0] == '[') {
		const char *rb = memchr(p, ']', n);

		if (rb == NULL) {
			pacc__setwhy(why, whylen,
			    "'[' without ']' in the host");
			return PACC_EINVAL;
		}
		hn = (size_t)(rb - p) + 1;
		if (hn < n) {
			if (p[hn] != ':') {
				pacc__setwhy(why, whylen,
				    "unexpected '%c' after "
				    "the IPv6 address",
				    p[hn]);
				return PACC_EINVAL;
			}
			colon = p + hn;
		}
	} else {
		colon = memchr(p, ':', n);
		if (colon != NULL) {
			hn = (size_t)(colon - p);
			if (memchr(colon + 1, ':', n - hn - 1) != NULL) {
				pacc__setwhy(why, whylen,
				    "an IPv6 address must be "
				    "in brackets: "
				    "[2001:db8::1]:993");
				return PACC_EINVAL;
			}
		}
	}
	if (colon != NULL) {
		size_t pl = n - (size_t)(colon - p) - 1;
		unsigned long port = 0;

		if (pl == 0 || pl > 5) {
			pacc__setwhy(why, whylen,
			    "the port must be a number from "
			    "1 to 65535");
			return PACC_EINVAL;
		}
		for (size_t i = 0; i < pl; i++) {
			char ch = colon[1 + i];

			if (ch < '0' || ch > '9') {
				pacc__setwhy(why, whylen,
				    "the port must be a "
				    "number from 1 to 65535");
				return PACC_EINVAL;
			}
			port = port * 10 + (unsigned long)(ch - '0');
		}
		if (port == 0 || port > 65535) {
			pacc__setwhy(why, whylen, "port %lu is not in 1..65535",
			    port);
			return PACC_EINVAL;
		}
		t->port = (unsigned)port;
	}
	return parse_host(t->host, sizeof(t->host), p, hn, why, whylen);
}

/* RFC 3986 path/query characters (percent-encoded elsewhere). */
static bool
path_ok(const char *p)
{
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '<' ||
		    ch == '>' || ch == '\\' || ch == '^' || ch == '`' ||
		    ch == '{' || ch == '|' || ch == '}')
			return false;
	}
	return true;
}

static void
build_https(struct target *t, const char *path)
{
	bool v6 = strchr(t->host, ':') != NULL;
	char port[8] = "";

	if (t->port != 443)
		snprintf(port, sizeof(port), ":%u", t->port);
	snprintf(t->url, sizeof(t->url), "https://%s%s%s%s%s", v6 ? "[" : "",
	    t->host, v6 ? "]" : "", port, path);
}

static int
parse_url(struct target *t, const char *url, char *why, size_t whylen)
{
	const struct scheme *sc = NULL;
	const char *sep, *auth, *rest;
	size_t sl, len;

	memset(t, 0, sizeof(*t));
	if (url == NULL) {
		pacc__setwhy(why, whylen, "no URL");
		return PACC_EINVAL;
	}
	len = strnlen(url, MAX_URL_BYTES);
	if (len >= MAX_URL_BYTES - 64) {
		pacc__setwhy(why, whylen, "the URL is longer than %d bytes",
		    MAX_URL_BYTES - 64);
		return PACC_EINVAL;
	}
	sep = strstr(url, "://");
	if (sep == NULL) {
		pacc__setwhy(why, whylen,
		    "not a server URL: expected SCHEME://HOST[:PORT] with "
		    "SCHEME one of imaps, imap, pop3s, pop3, submissions, "
		    "submission, sieve, jmap+https, caldav+https, "
		    "carddav+https");
		return PACC_EINVAL;
	}
	sl = (size_t)(sep - url);
	for (size_t i = 0; i < PACC__ARRAY_LEN(schemes); i++)
		if (strlen(schemes[i].name) == sl &&
		    strncasecmp(schemes[i].name, url, sl) == 0)
			sc = &schemes[i];
	if (sc == NULL) {
		if (sl == 5 && strncasecmp(url, "https", 5) == 0)
			pacc__setwhy(why, whylen,
			    "say which protocol the https URL is for: "
			    "jmap+https://, caldav+https:// or "
			    "carddav+https://");
		else
			pacc__setwhy(why, whylen,
			    "unknown scheme '%.*s': use imaps, imap, pop3s, "
			    "pop3, submissions, submission, sieve, "
			    "jmap+https, caldav+https or carddav+https",
			    (int)(sl > 32 ? 32 : sl), url);
		return PACC_EINVAL;
	}
	t->proto = sc->proto;
	t->tls = sc->tls;
	t->port = sc->port;
	auth = sep + 3;
	rest = auth + strcspn(auth, "/?#");
	if (parse_authority(t, auth, (size_t)(rest - auth), why, whylen) !=
	    PACC_OK)
		return PACC_EINVAL;
	if (sc->well_known == NULL) {
		if (*rest != '\0' && strcmp(rest, "/") != 0) {
			pacc__setwhy(why, whylen,
			    "%s:// takes no path, query or fragment (only "
			    "HOST[:PORT])",
			    sc->name);
			return PACC_EINVAL;
		}
		return PACC_OK;
	}
	if (strchr(rest, '#') != NULL) {
		pacc__setwhy(why, whylen,
		    "a server URL takes no fragment ('#')");
		return PACC_EINVAL;
	}
	if (!path_ok(rest)) {
		pacc__setwhy(why, whylen,
		    "the path holds characters that must be "
		    "percent-encoded");
		return PACC_EINVAL;
	}
	if (*rest == '?' || *rest == '\0') {
		char path[MAX_URL_BYTES];

		snprintf(path, sizeof(path), "%s%s", sc->well_known, rest);
		build_https(t, path);
	} else {
		build_https(t, rest);
	}
	return PACC_OK;
}

PACC__API int
pacc_probe_url_check(const char *url, char *why, size_t whylen)
{
	struct target t;

	if (why && whylen)
		why[0] = '\0';
	return parse_url(&t, url, why, whylen);
}

/* Host and port of an https URL from a configuration. */
static int
split_https(struct target *t, const char *url)
{
	const char *auth, *rest;
	char why[8];

	if (strncasecmp(url, "https://", 8) != 0)
		return PACC_EINVAL;
	t->port = 443;
	auth = url + 8;
	rest = auth + strcspn(auth, "/?#");
	if (parse_authority(t, auth, (size_t)(rest - auth), why, sizeof(why)) !=
		PACC_OK ||
	    strlen(url) >= sizeof(t->url))
		return PACC_EINVAL;
	snprintf(t->url, sizeof(t->url), "%s", url);
	return PACC_OK;
}

/* ------------------------------------------------------- result model */

static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pacc__free(v[i]);
	pacc__free(v);
}

static void
server_clear(struct pacc_probe_server *s)
{
	pacc__free(s->host);
	pacc__free(s->url);
	pacc__free(s->username);
	pacc__free(s->code);
	pacc__free(s->detail);
	pacc__free(s->peer);
	pacc__free(s->tls_version);
	pacc__free(s->tls_cipher);
	pacc__free(s->verify_name);
	pacc__free(s->verify_error);
	pacc__free(s->subject);
	pacc__free(s->issuer);
	pacc__free(s->not_after);
	pacc__free(s->greeting);
	pacc__free(s->location);
	strv_free(s->caps, s->ncaps);
	strv_free(s->sasl, s->nsasl);
	pacc__challenges_clear(&s->ch);
	memset(s, 0, sizeof(*s));
}

PACC__API void
pacc_probe_result_free(pacc_probe_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nservers; i++)
		server_clear(&r->servers[i]);
	pacc__free(r->servers);
	pacc_result_free(r->discovery);
	pacc__free(r->address);
	pacc__free(r->errmsg);
	pacc__free(r);
}

/* Replace *dst by a copy of src (NULL allowed); false when out of memory. */
static bool
setstr(char **dst, const char *src)
{
	char *d = NULL;

	if (src != NULL && (d = pacc__strdup(src)) == NULL)
		return false;
	pacc__free(*dst);
	*dst = d;
	return true;
}

/* As setstr, for bytes from the network: made safe to print and for JSON. */
static bool
setsafe(char **dst, const char *src)
{
	char *d = NULL;

	if (src != NULL && (d = pacc__utf8_sanitize(src)) == NULL)
		return false;
	pacc__free(*dst);
	*dst = d;
	return true;
}

/* As setstr, "" counts as NULL. */
static bool
setstr_ne(char **dst, const char *src)
{
	return setstr(dst, src && src[0] ? src : NULL);
}

static int
strv_copy(char ***dst, size_t *dn, char *const *src, size_t n)
{
	*dst = NULL;
	*dn = 0;
	if (n == 0)
		return PACC_OK;
	if ((*dst = pacc__calloc(n, sizeof(**dst))) == NULL)
		return PACC_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (((*dst)[i] = pacc__strdup(src[i])) == NULL) {
			strv_free(*dst, i);
			*dst = NULL;
			return PACC_ENOMEM;
		}
	}
	*dn = n;
	return PACC_OK;
}

static int
server_copy(struct pacc_probe_server *d, const struct pacc_probe_server *s)
{
	bool ok = true;

	*d = *s;
	d->host = d->url = d->username = d->code = d->detail = d->peer = NULL;
	d->tls_version = d->tls_cipher = d->verify_name = NULL;
	d->verify_error = d->subject = d->issuer = d->not_after = NULL;
	d->greeting = d->location = NULL;
	d->caps = d->sasl = NULL;
	d->ncaps = d->nsasl = 0;
	memset(&d->ch, 0, sizeof(d->ch));
	ok = setstr(&d->host, s->host) && setstr(&d->url, s->url) &&
	    setstr(&d->username, s->username) && setstr(&d->code, s->code) &&
	    setstr(&d->detail, s->detail) && setstr(&d->peer, s->peer) &&
	    setstr(&d->tls_version, s->tls_version) &&
	    setstr(&d->tls_cipher, s->tls_cipher) &&
	    setstr(&d->verify_name, s->verify_name) &&
	    setstr(&d->verify_error, s->verify_error) &&
	    setstr(&d->subject, s->subject) && setstr(&d->issuer, s->issuer) &&
	    setstr(&d->not_after, s->not_after) &&
	    setstr(&d->greeting, s->greeting) &&
	    setstr(&d->location, s->location) &&
	    strv_copy(&d->caps, &d->ncaps, s->caps, s->ncaps) == PACC_OK &&
	    strv_copy(&d->sasl, &d->nsasl, s->sasl, s->nsasl) == PACC_OK &&
	    pacc__challenges_copy(&d->ch, &s->ch) == PACC_OK;
	if (!ok) {
		server_clear(d);
		return PACC_ENOMEM;
	}
	return PACC_OK;
}

PACC__API int
pacc_probe_result_dup(pacc_probe_result **out, const pacc_probe_result *r)
{
	pacc_probe_result *d;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if (r == NULL)
		return PACC_EINVAL;
	if ((d = pacc__calloc(1, sizeof(*d))) == NULL)
		return PACC_ENOMEM;
	d->error = r->error;
	if (!setstr(&d->address, r->address) ||
	    !setstr(&d->errmsg, r->errmsg) ||
	    (r->discovery &&
		pacc_result_dup(&d->discovery, r->discovery) != PACC_OK))
		goto fail;
	if (r->nservers) {
		d->servers = pacc__calloc(r->nservers, sizeof(*d->servers));
		if (d->servers == NULL)
			goto fail;
		for (size_t i = 0; i < r->nservers; i++) {
			if (server_copy(&d->servers[i], &r->servers[i]) !=
			    PACC_OK)
				goto fail;
			d->nservers++;
		}
	}
	*out = d;
	return PACC_OK;
fail:
	pacc_probe_result_free(d);
	return PACC_ENOMEM;
}

/* ------------------------------------------------------------ verdicts */

/* DESIGN §2/§4: findings that make `pacc probe` exit 3. */
static bool
is_security_code(const char *code)
{
	static const char *const sec[] = { "cert-invalid", "tls-version",
		"starttls-unavailable", "starttls-refused",
		"starttls-injection", "dnssec-bogus", "no-tls" };

	for (size_t i = 0; code && i < PACC__ARRAY_LEN(sec); i++)
		if (strcmp(code, sec[i]) == 0)
			return true;
	return false;
}

static bool
sasl_password(const char *m)
{
	/* RFC 4616 PLAIN, draft-murchison LOGIN, RFC 5802/7677 SCRAM-* */
	return strcmp(m, "PLAIN") == 0 || strcmp(m, "LOGIN") == 0 ||
	    strncmp(m, "SCRAM-", 6) == 0;
}

static bool
sasl_oauth(const char *m)
{
	/* RFC 7628 OAUTHBEARER, and Google's/Microsoft's XOAUTH2 */
	return strcmp(m, "OAUTHBEARER") == 0 || strcmp(m, "XOAUTH2") == 0;
}

static unsigned
offered_mail(const struct pacc_probe_server *s)
{
	unsigned o = 0;

	if (!s->caps_over_tls || !s->tls_verified)
		return 0;
	for (size_t i = 0; i < s->nsasl; i++) {
		if (sasl_password(s->sasl[i]))
			o |= PACC_AUTH_PASSWORD;
		if (sasl_oauth(s->sasl[i]))
			o |= PACC_AUTH_OAUTH2;
	}
	/* RFC 9051 §6.2.3: LOGIN works unless LOGINDISABLED */
	if (s->proto == PACC_PROTO_IMAP && !s->login_disabled)
		o |= PACC_AUTH_PASSWORD;
	return o;
}

static unsigned
offered_http(const struct pacc_probe_server *s)
{
	unsigned o = 0;

	/* a challenge on another status (a redirect, say) is listed, but
	 * only a 401 says what this resource accepts (RFC 9110 §15.5.2) */
	if (!s->tls_verified || s->http_status != 401)
		return 0;
	for (size_t i = 0; i < s->ch.n; i++) {
		/* RFC 7617 Basic; RFC 6750 Bearer */
		if (strcasecmp(s->ch.v[i].scheme, "Basic") == 0)
			o |= PACC_AUTH_PASSWORD;
		if (strcasecmp(s->ch.v[i].scheme, "Bearer") == 0)
			o |= PACC_AUTH_OAUTH2;
	}
	return o;
}

/* --------------------------------------------------------------- runs */

static void run_free(struct pacc_probe *p);

/* A server that failed for want of a DNS answer. */
static bool
needed_dns(const struct pacc_probe_server *s)
{
	if (s->ok || s->code == NULL || s->peer != NULL || s->host == NULL ||
	    is_literal4(s->host) || is_literal6(s->host))
		return false;
	return strcmp(s->code, "dns-error") == 0 ||
	    strcmp(s->code, "timeout") == 0;
}

static void
deliver(void *ud)
{
	struct pacc_probe *p = ud;
	pacc_probe_result *r = p->oom ? NULL : p->res;
	const char *why;

	if (p->counted) {
		p->ctx->pending--;
		p->counted = false;
	}
	why = pacc__dns_failure(p->ctx);
	if (why == NULL && pacc__dns_checking(p->ctx))
		why = "the DNS resolver did not answer before the deadline";
	for (size_t i = 0; r != NULL && why != NULL && i < r->nservers; i++) {
		if (needed_dns(&r->servers[i])) {
			char msg[400];

			/* an environment error, not a finding (DESIGN §4) */
			snprintf(msg, sizeof(msg),
			    "the resolver cannot be used: %s", why);
			r->error = PACC_EDNS;
			if (!setstr(&r->errmsg, msg))
				r = NULL;
			break;
		}
	}
	p->in_cb = true;
	p->cb(p, r, p->ud);
	p->in_cb = false;
	run_free(p);
}

static void
job_done(struct job *j)
{
	struct pacc_probe *p = j->run;

	if (j->done)
		return;
	j->done = true;
	if (j->s->elapsed_ms == 0)
		j->s->elapsed_ms = (long)(pacc__now_ms() - j->t0);
	if (j->s->detail == NULL &&
	    !setstr(&j->s->detail, j->s->ok ? "ok" : "failed"))
		p->oom = true;
	j->s->security = !j->s->ok && is_security_code(j->s->code);
	if (--p->left == 0) {
		pacc__timer_disarm(p->ctx, &p->deadline);
		/* from the loop, never from inside a probe's own callback */
		pacc__timer_arm(p->ctx, &p->deliver, 0);
	}
}

static void
fail_job(struct job *j, const char *code, const char *detail)
{
	struct pacc_probe_server *s = j->s;

	s->ok = false;
	if (!setstr(&s->code, code) || !setstr(&s->detail, detail))
		j->run->oom = true;
	job_done(j);
}

static void
take_tls(struct job *j, const struct pacc__tls_info *t)
{
	struct pacc_probe_server *s = j->s;
	bool ok = true;

	s->tls_verified = t->done && t->verified;
	ok = setstr(&s->tls_version, t->version) &&
	    setstr(&s->tls_cipher, t->cipher) &&
	    setstr_ne(&s->verify_name, t->verify_name);
	if (ok && (t->done || t->cert_seen))
		ok = setsafe(&s->verify_error,
			 t->verified ? NULL : t->verify_error) &&
		    setsafe(&s->subject, t->subject[0] ? t->subject : NULL) &&
		    setsafe(&s->issuer, t->issuer[0] ? t->issuer : NULL) &&
		    setsafe(&s->not_after,
			t->not_after[0] ? t->not_after : NULL);
	if (!ok)
		j->run->oom = true;
}

/* ---- mail ---- */

static void
mail_done(void *ud, const struct pacc__probe_result *r)
{
	struct job *j = ud;
	struct pacc_probe_server *s = j->s;
	const struct pacc__caps *c = r->caps;
	bool ok;

	j->mp = NULL; /* released by probe.c after this callback */
	s->ok = r->ok;
	s->elapsed_ms = r->elapsed_ms > 0 ? r->elapsed_ms : 1;
	s->dnssec = r->addr_sec;
	take_tls(j, r->tls_info);
	s->caps_over_tls = r->caps_over_tls;
	s->starttls_offered = r->starttls_offered;
	s->login_disabled = c && c->login_disabled;
	ok = setstr(&s->code, r->code) && setsafe(&s->detail, r->detail) &&
	    setstr_ne(&s->peer, r->peer) && setstr(&s->greeting, r->greeting);
	if (ok && c != NULL)
		ok = strv_copy(&s->caps, &s->ncaps, c->items, c->nitems) ==
			PACC_OK &&
		    strv_copy(&s->sasl, &s->nsasl, c->sasl, c->nsasl) ==
			PACC_OK;
	if (!ok)
		j->run->oom = true;
	s->offered = offered_mail(s);
	job_done(j);
}

static void
start_mail(struct job *j)
{
	struct pacc__probe_opts o;
	struct pacc_probe_server *s = j->s;
	int rc;

	if (s->tls == PACC_TLS_NONE) {
		/* DESIGN §2: never plaintext; nothing to verify */
		fail_job(j, "no-tls",
		    "the configuration offers this server without TLS: not "
		    "probed");
		return;
	}
	memset(&o, 0, sizeof(o));
	o.host = s->host;
	o.port = s->port;
	o.proto = s->proto;
	o.tls = s->tls;
	o.timeout_ms = j->run->timeout_ms;
	rc = pacc__probe_start(&j->mp, j->run->ctx, &o, mail_done, j);
	if (rc == PACC_ENOMEM)
		fail_job(j, "internal-error", "out of memory");
	else if (rc != PACC_OK)
		fail_job(j, "invalid-server",
		    "this server cannot be probed: its host, port or TLS mode "
		    "is not usable");
}

/* ---- HTTP ---- */

static void
http_finish(struct job *j)
{
	struct pacc_probe_server *s = j->s;
	char buf[1200];
	long h = j->f_http;
	bool ok = true;

	if (!j->fetch_done || !j->conn_done)
		return;
	if (j->c_peer[0] && !setstr(&s->peer, j->c_peer))
		j->run->oom = true;
	s->dnssec = j->f_sec != PACC_DNSSEC_NA ? j->f_sec : j->c_sec;
	if (j->c_sec == PACC_DNSSEC_BOGUS)
		s->dnssec = PACC_DNSSEC_BOGUS;
	take_tls(j, &j->c_tls);
	s->http_status = h;
	if (h > 0) {
		/* a response came over TLS that curl verified (>= 1.2) */
		s->tls_verified = true;
		if (!setstr(&s->verify_error, NULL))
			j->run->oom = true;
		s->offered = offered_http(s);
		if (h == 401 || (h >= 200 && h < 400)) {
			s->ok = true;
			if (h == 401)
				snprintf(buf, sizeof(buf),
				    "HTTP 401 with %zu challenge%s%s", s->ch.n,
				    s->ch.n == 1 ? "" : "s",
				    s->ch_incomplete
					? " (some left out or malformed)"
					: "");
			else if (h >= 300)
				snprintf(buf, sizeof(buf),
				    "HTTP %ld redirect to %s (not followed)", h,
				    s->location ? s->location : "nowhere");
			else
				snprintf(buf, sizeof(buf),
				    "HTTP %ld without authentication", h);
			ok = setstr(&s->detail, buf) && setstr(&s->code, NULL);
		} else {
			s->ok = false;
			ok = setstr(&s->code, "http-status") &&
			    setstr(&s->detail, j->f_detail);
		}
	} else if (!j->c_ok && is_security_code(j->c_code) &&
	    !is_security_code(j->f_code)) {
		/* our own handshake knows better why TLS failed */
		s->ok = false;
		ok = setstr(&s->code, j->c_code) &&
		    setstr(&s->detail, j->c_detail);
	} else {
		s->ok = false;
		ok = setstr(&s->code,
			 j->f_code ? j->f_code : "transfer-failed") &&
		    setstr(&s->detail, j->f_detail);
	}
	if (!ok)
		j->run->oom = true;
	job_done(j);
}

static void
fetch_done(void *ud, const struct pacc__fetch_result *r)
{
	struct job *j = ud;
	struct pacc_probe_server *s = j->s;
	char why[200];

	j->fetch = NULL; /* released by http.c after this callback */
	j->fetch_done = true;
	j->f_http = r->http_code;
	j->f_sec = r->addr_sec;
	s->elapsed_ms = (long)(pacc__now_ms() - j->t0);
	if (s->elapsed_ms < 1)
		s->elapsed_ms = 1;
	if (!setstr(&j->f_code, r->code) || !setsafe(&j->f_detail, r->detail) ||
	    !setsafe(&s->location, r->location))
		j->run->oom = true;
	/* RFC 9110 §11.6.1: every header, every challenge in it */
	for (size_t i = 0; r->http_code > 0 && i < r->nwww_auth; i++) {
		const char *v = r->www_auth[i];
		int rc = pacc__wwwauth_parse(&s->ch, v, strlen(v), why,
		    sizeof(why));

		if (rc == PACC_ENOMEM)
			j->run->oom = true;
		else if (rc != PACC_OK) {
			s->ch_incomplete = true;
			pacc__log(j->run->ctx, PACC_LOG_INFO,
			    "%s: malformed WWW-Authenticate: %s", s->url, why);
		}
	}
	if (s->ch.truncated)
		s->ch_incomplete = true;
	http_finish(j);
}

static void
conn_event(void *ud, struct pacc__conn *c, enum pacc__conn_event ev)
{
	struct job *j = ud;
	const char *code, *detail = NULL;

	if (ev == PACC__CONN_DATA || ev == PACC__CONN_TLS_UP)
		return;
	j->c_tls = *pacc__conn_tls(c);
	snprintf(j->c_peer, sizeof(j->c_peer), "%s", pacc__conn_peer(c));
	j->c_sec = pacc__conn_addr_sec(c);
	if (ev == PACC__CONN_UP) {
		j->c_ok = true;
	} else {
		code = pacc__conn_error(c, &detail);
		if (!setstr(&j->c_code, code ? code : "tls-error") ||
		    !setsafe(&j->c_detail, detail ? detail : "TLS failed"))
			j->run->oom = true;
	}
	j->conn = NULL;
	j->conn_done = true;
	pacc__conn_close(c);
	http_finish(j);
}

static void
start_http(struct job *j)
{
	struct pacc__fetch_opts fo;
	struct pacc__conn_opts co;
	struct pacc_probe_server *s = j->s;
	bool dav = s->proto != PACC_PROTO_JMAP;
	int rc;

	if (s->url == NULL || strncasecmp(s->url, "https://", 8) != 0) {
		fail_job(j, "no-tls",
		    "the configuration offers this server without TLS (not "
		    "https): not probed");
		return;
	}
	memset(&fo, 0, sizeof(fo));
	fo.url = s->url;
	fo.max_body = MAX_HTTP_BODY;
	fo.timeout_ms = j->run->timeout_ms;
	if (dav) {
		fo.method = "PROPFIND";
		fo.headers = propfind_headers;
		fo.post_body = propfind_body;
		fo.post_len = sizeof(propfind_body) - 1;
		fo.content_type = "application/xml; charset=utf-8";
	} else {
		/* RFC 8620 §2: the session resource */
		fo.accept = "application/json";
	}
	rc = pacc__fetch_start(&j->fetch, j->run->ctx, &fo, fetch_done, j);
	if (rc != PACC_OK) {
		fail_job(j,
		    rc == PACC_ENOMEM ? "internal-error" : "invalid-server",
		    rc == PACC_ENOMEM ? "out of memory"
				      : "this URL cannot be fetched");
		return;
	}
	memset(&co, 0, sizeof(co));
	co.host = s->host;
	co.port = s->port;
	co.implicit_tls = true;
	co.timeout_ms = j->run->timeout_ms;
	if (pacc__conn_start(&j->conn, j->run->ctx, &co, conn_event, j) !=
	    PACC_OK) {
		/* the facts are a bonus: the request decides */
		j->conn = NULL;
		j->conn_done = true;
	}
}

/* The deadline of the run: whatever still runs is stopped. */
static void
on_deadline(void *ud)
{
	struct pacc_probe *p = ud;
	char msg[160];

	snprintf(msg, sizeof(msg), "no complete answer within %ld ms",
	    p->timeout_ms);
	for (size_t i = 0; i < p->njobs; i++) {
		struct job *j = &p->jobs[i];

		if (j->done)
			continue;
		pacc__probe_cancel(j->mp);
		j->mp = NULL;
		pacc__fetch_cancel(j->fetch);
		j->fetch = NULL;
		pacc__conn_close(j->conn);
		j->conn = NULL;
		if (j->c_tls.done || j->c_tls.cert_seen)
			take_tls(j, &j->c_tls);
		fail_job(j, "timeout", msg);
	}
}

static void
job_release(struct job *j)
{
	pacc__probe_cancel(j->mp);
	pacc__fetch_cancel(j->fetch);
	pacc__conn_close(j->conn);
	pacc__free(j->f_code);
	pacc__free(j->f_detail);
	pacc__free(j->c_code);
	pacc__free(j->c_detail);
}

static void
run_free(struct pacc_probe *p)
{
	if (p->counted)
		p->ctx->pending--;
	pacc__timer_disarm(p->ctx, &p->deadline);
	pacc__timer_disarm(p->ctx, &p->deliver);
	for (size_t i = 0; i < p->njobs; i++)
		job_release(&p->jobs[i]);
	pacc__free(p->jobs);
	pacc_probe_result_free(p->res);
	pacc__free(p);
}

/* One server to probe, from a configuration or a URL. */
static int
add_server(pacc_probe_result *r, const struct target *t, const char *user,
    unsigned promised, bool from_result)
{
	struct pacc_probe_server *s = &r->servers[r->nservers];

	memset(s, 0, sizeof(*s));
	s->proto = t->proto;
	s->tls = t->tls;
	s->port = t->port;
	s->promised = promised;
	s->from_result = from_result;
	s->dnssec = PACC_DNSSEC_NA;
	r->nservers++;
	if (!setstr(&s->host, t->host) ||
	    !setstr(&s->url, pacc__proto_is_http(t->proto) ? t->url : NULL) ||
	    !setstr(&s->username, user))
		return PACC_ENOMEM;
	return PACC_OK;
}

static int
collect(pacc_probe_result *r, const pacc_probe_opts *o)
{
	const pacc_result *res = o->result;
	size_t n = 0;
	struct target t;
	int rc;

	if (res && pacc_result_outcome(res) == PACC_RESULT_FOUND)
		n += pacc_result_server_count(res);
	n += o->nurls;
	if (n > PACC_PROBE_MAX_SERVERS)
		return PACC_ETOOBIG;
	if (n && (r->servers = pacc__calloc(n, sizeof(*r->servers))) == NULL)
		return PACC_ENOMEM;
	for (size_t i = 0;
	     res && pacc_result_outcome(res) == PACC_RESULT_FOUND &&
	     i < pacc_result_server_count(res);
	     i++) {
		const pacc_server *v = pacc_result_server(res, i);

		memset(&t, 0, sizeof(t));
		t.proto = v->proto;
		t.tls = v->tls;
		t.port = v->port;
		if (pacc__proto_is_http(v->proto)) {
			t.tls = PACC_TLS_IMPLICIT;
			if (v->url == NULL ||
			    split_https(&t, v->url) != PACC_OK) {
				/* http:// (--insecure-http) or odd: keep it,
				 * it fails as no-tls */
				snprintf(t.host, sizeof(t.host), "%s",
				    v->host ? v->host : "");
				snprintf(t.url, sizeof(t.url), "%s",
				    v->url ? v->url : "");
				t.port = 0;
			}
		} else {
			snprintf(t.host, sizeof(t.host), "%s",
			    v->host ? v->host : "");
			if (t.port == 0)
				t.port = pacc__probe_default_port(v->proto,
				    v->tls);
		}
		rc = add_server(r, &t, v->username ? v->username : res->address,
		    v->auth, true);
		if (rc != PACC_OK)
			return rc;
	}
	for (size_t i = 0; i < o->nurls; i++) {
		if (parse_url(&t, o->urls[i], NULL, 0) != PACC_OK)
			return PACC_EINVAL;
		/* an explicit URL promises nothing in particular */
		rc = add_server(r, &t, NULL,
		    PACC_AUTH_PASSWORD | PACC_AUTH_OAUTH2, false);
		if (rc != PACC_OK)
			return rc;
	}
	return PACC_OK;
}

PACC__API int
pacc_probe_start(pacc_probe **out, pacc_ctx *ctx, const pacc_probe_opts *o,
    pacc_probe_cb cb, void *ud)
{
	struct pacc_probe *p;
	pacc_probe_result *r;
	const char *addr;
	int rc;

	if (out)
		*out = NULL;
	if (ctx == NULL || o == NULL || cb == NULL || o->version < 1 ||
	    o->version > PACC_PROBE_OPTS_VERSION ||
	    (o->nurls > 0 && o->urls == NULL) || o->timeout_ms < 0)
		return PACC_EINVAL;
	if ((p = pacc__calloc(1, sizeof(*p))) == NULL)
		return PACC_ENOMEM;
	p->ctx = ctx;
	p->cb = cb;
	p->ud = ud;
	p->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : ctx->timeout_ms;
	if (p->timeout_ms > PACC__MAX_TIMEOUT_MS)
		p->timeout_ms = PACC__MAX_TIMEOUT_MS;
	pacc__timer_init(&p->deadline, on_deadline, p);
	pacc__timer_init(&p->deliver, deliver, p);
	rc = PACC_ENOMEM;
	if ((r = p->res = pacc__calloc(1, sizeof(*r))) == NULL)
		goto fail;
	addr = o->result ? pacc_result_address(o->result) : NULL;
	if (addr == NULL)
		addr = o->address;
	if (addr && (r->address = pacc__utf8_sanitize(addr)) == NULL)
		goto fail;
	if (o->result && pacc_result_dup(&r->discovery, o->result) != PACC_OK)
		goto fail;
	if ((rc = collect(r, o)) != PACC_OK)
		goto fail;
	rc = PACC_ENOMEM;
	if (!setstr(&r->errmsg, r->nservers ? "probed" : "nothing to probe"))
		goto fail;
	if (r->nservers &&
	    (p->jobs = pacc__calloc(r->nservers, sizeof(*p->jobs))) == NULL)
		goto fail;
	p->njobs = r->nservers;
	p->left = p->njobs;
	p->counted = true;
	ctx->pending++;
	ctx->depth++; /* no callback of the embedder from in here */
	for (size_t i = 0; i < p->njobs; i++) {
		struct job *j = &p->jobs[i];

		j->run = p;
		j->s = &r->servers[i];
		j->t0 = pacc__now_ms();
		if (pacc__proto_is_http(j->s->proto))
			start_http(j);
		else
			start_mail(j);
	}
	ctx->depth--;
	/* armed after the probes' own timers: at the same instant, theirs
	 * fire first and say more */
	if (p->left > 0)
		pacc__timer_arm(ctx, &p->deadline, p->timeout_ms);
	else
		pacc__timer_arm(ctx, &p->deliver, 0);
	pacc__loop_sync(ctx);
	if (out)
		*out = p;
	return PACC_OK;
fail:
	run_free(p);
	return rc;
}

PACC__API void
pacc_probe_cancel(pacc_probe *p)
{
	if (p == NULL || p->in_cb)
		return; /* released after its callback anyway */
	run_free(p);
}

struct sync_state {
	pacc_probe_result *res;
	bool done;
	int rc;
};

static void
sync_cb(pacc_probe *p, const pacc_probe_result *res, void *ud)
{
	struct sync_state *st = ud;

	(void)p;
	st->done = true;
	if (res == NULL)
		st->rc = PACC_ENOMEM;
	else
		st->rc = pacc_probe_result_dup(&st->res, res);
}

PACC__API int
pacc_probe_sync(pacc_probe_result **out, pacc_ctx *ctx,
    const pacc_probe_opts *opts)
{
	struct sync_state st = { NULL, false, PACC_OK };
	pacc_probe *p = NULL;
	int rc;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	rc = pacc_probe_start(&p, ctx, opts, sync_cb, &st);
	if (rc != PACC_OK)
		return rc;
	rc = pacc__loop_run_until(ctx, &st.done);
	if (!st.done) {
		pacc_probe_cancel(p); /* still running: nothing may stay */
		return rc;
	}
	*out = st.res;
	return st.rc;
}

/* ------------------------------------------------------------ getters */

PACC__API const char *
pacc_probe_status_name(pacc_probe_status s)
{
	switch (s) {
	case PACC_PROBE_OK:
		return "ok";
	case PACC_PROBE_FAILED:
		return "failed";
	}
	return "unknown";
}

PACC__API const char *
pacc_probe_result_address(const pacc_probe_result *r)
{
	return r ? r->address : NULL;
}

PACC__API const pacc_result *
pacc_probe_result_discovery(const pacc_probe_result *r)
{
	return r ? r->discovery : NULL;
}

PACC__API int
pacc_probe_result_error(const pacc_probe_result *r)
{
	return r ? r->error : PACC_EINVAL;
}

PACC__API const char *
pacc_probe_result_errmsg(const pacc_probe_result *r)
{
	return r && r->errmsg ? r->errmsg : "";
}

PACC__API size_t
pacc_probe_result_server_count(const pacc_probe_result *r)
{
	return r ? r->nservers : 0;
}

PACC__API const pacc_probe_server *
pacc_probe_result_server(const pacc_probe_result *r, size_t i)
{
	return r && i < r->nservers ? &r->servers[i] : NULL;
}

#define GET(type, name, expr, dflt)                                            \
	PACC__API type pacc_probe_server_##name(const pacc_probe_server *s)    \
	{                                                                      \
		return s ? (expr) : (dflt);                                    \
	}

GET(pacc_protocol, protocol, s->proto, PACC_PROTO_IMAP)
GET(const char *, host, s->host, NULL)
GET(unsigned, port, s->port, 0)
GET(pacc_tls_mode, tls, s->tls, PACC_TLS_IMPLICIT)
GET(const char *, url, s->url, NULL)
GET(const char *, username, s->username, NULL)
GET(int, from_result, s->from_result, 0)
GET(pacc_probe_status, status, s->ok ? PACC_PROBE_OK : PACC_PROBE_FAILED,
    PACC_PROBE_FAILED)
GET(const char *, code, s->code, NULL)
GET(const char *, detail, s->detail ? s->detail : "", "")
GET(int, security_finding, s->security, 0)
GET(long, elapsed_ms, s->elapsed_ms, 0)
GET(const char *, peer, s->peer, NULL)
GET(pacc_dnssec, dnssec, s->dnssec, PACC_DNSSEC_NA)
GET(int, tls_verified, s->tls_verified, 0)
GET(const char *, tls_version, s->tls_version, NULL)
GET(const char *, tls_cipher, s->tls_cipher, NULL)
GET(const char *, tls_verify_name, s->verify_name, NULL)
GET(const char *, tls_verify_error, s->verify_error, NULL)
GET(const char *, cert_subject, s->subject, NULL)
GET(const char *, cert_issuer, s->issuer, NULL)
GET(const char *, cert_not_after, s->not_after, NULL)
GET(const char *, greeting, s->greeting, NULL)
GET(size_t, capability_count, s->ncaps, 0)
GET(int, caps_over_tls, s->caps_over_tls, 0)
GET(size_t, sasl_count, s->nsasl, 0)
GET(int, starttls_offered, s->starttls_offered, 0)
GET(int, login_disabled, s->login_disabled, 0)
GET(long, http_status, s->http_status, 0)
GET(const char *, redirect, s->location, NULL)
GET(size_t, challenge_count, s->ch.n, 0)
GET(int, challenges_incomplete, s->ch_incomplete, 0)
GET(unsigned, auth_promised, s->promised, 0)
GET(unsigned, auth_offered, s->offered, 0)
GET(unsigned, auth_usable, s->promised & s->offered, 0)

PACC__API const char *
pacc_probe_server_capability(const pacc_probe_server *s, size_t i)
{
	return s && i < s->ncaps ? s->caps[i] : NULL;
}

PACC__API const char *
pacc_probe_server_sasl(const pacc_probe_server *s, size_t i)
{
	return s && i < s->nsasl ? s->sasl[i] : NULL;
}

PACC__API const pacc_challenge *
pacc_probe_server_challenge(const pacc_probe_server *s, size_t i)
{
	return s && i < s->ch.n ? &s->ch.v[i] : NULL;
}

PACC__API const char *
pacc_probe_server_resource_metadata(const pacc_probe_server *s)
{
	for (size_t i = 0; s && i < s->ch.n; i++)
		if (strcasecmp(s->ch.v[i].scheme, "Bearer") == 0)
			/* RFC 9728 §5.1 */
			return pacc__challenge_param(&s->ch.v[i],
			    "resource_metadata");
	return NULL;
}

PACC__API const char *
pacc_challenge_scheme(const pacc_challenge *c)
{
	return c ? c->scheme : NULL;
}

PACC__API const char *
pacc_challenge_token68(const pacc_challenge *c)
{
	return c ? c->token68 : NULL;
}

PACC__API size_t
pacc_challenge_param_count(const pacc_challenge *c)
{
	return c ? c->nparams : 0;
}

PACC__API const char *
pacc_challenge_param_name(const pacc_challenge *c, size_t i)
{
	return c && i < c->nparams ? c->params[i].name : NULL;
}

PACC__API const char *
pacc_challenge_param_value(const pacc_challenge *c, size_t i)
{
	return c && i < c->nparams ? c->params[i].value : NULL;
}

PACC__API const char *
pacc_challenge_param(const pacc_challenge *c, const char *name)
{
	return pacc__challenge_param(c, name);
}

/* --------------------------------------------------------------- JSON */

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int
set(json_t *o, const char *k, json_t *v)
{
	/* json_object_set_new steals v even on failure */
	return v == NULL || json_object_set_new(o, k, v) != 0 ? -1 : 0;
}

static json_t *
auth_json(unsigned bits)
{
	json_t *a = json_array();

	if (a == NULL ||
	    ((bits & PACC_AUTH_PASSWORD) &&
		json_array_append_new(a, json_string("password"))) ||
	    ((bits & PACC_AUTH_OAUTH2) &&
		json_array_append_new(a, json_string("oauth2")))) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *
strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
tls_json(const struct pacc_probe_server *s)
{
	json_t *o;

	if (!s->tls_verified && s->tls_version == NULL && s->subject == NULL &&
	    s->verify_error == NULL)
		return json_null(); /* no handshake got anywhere */
	o = json_object();
	if (o == NULL || set(o, "verified", json_boolean(s->tls_verified)) ||
	    set(o, "version", jstr(s->tls_version)) ||
	    set(o, "cipher", jstr(s->tls_cipher)) ||
	    set(o, "verify_name", jstr(s->verify_name)) ||
	    set(o, "verify_error", jstr(s->verify_error)) ||
	    set(o, "subject", jstr(s->subject)) ||
	    set(o, "issuer", jstr(s->issuer)) ||
	    set(o, "not_after", jstr(s->not_after))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
challenges_json(const struct pacc__challenges *ch)
{
	json_t *a = json_array(), *c, *params;

	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < ch->n; i++) {
		const struct pacc_challenge *v = &ch->v[i];

		c = json_object();
		if (c == NULL || json_array_append_new(a, c) ||
		    set(c, "scheme", json_string(v->scheme)) ||
		    set(c, "token68", jstr(v->token68)))
			goto fail;
		params = json_object();
		if (set(c, "params", params))
			goto fail;
		for (size_t k = 0; k < v->nparams; k++)
			if (set(params, v->params[k].name,
				json_string(v->params[k].value)))
				goto fail;
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *
http_json(const struct pacc_probe_server *s)
{
	json_t *o;

	if (!pacc__proto_is_http(s->proto))
		return json_null();
	o = json_object();
	if (o == NULL ||
	    set(o, "status",
		s->http_status ? json_integer(s->http_status) : json_null()) ||
	    set(o, "location", jstr(s->location)) ||
	    set(o, "challenges", challenges_json(&s->ch)) ||
	    set(o, "challenges_incomplete", json_boolean(s->ch_incomplete)) ||
	    set(o, "resource_metadata",
		jstr(pacc_probe_server_resource_metadata(s)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
server_json(const struct pacc_probe_server *s)
{
	json_t *o = json_object();

	if (o == NULL ||
	    set(o, "protocol", json_string(pacc_protocol_name(s->proto))) ||
	    set(o, "host", jstr(s->host)) ||
	    set(o, "port", json_integer(s->port)) ||
	    set(o, "tls", json_string(pacc_tls_mode_name(s->tls))) ||
	    set(o, "url", jstr(s->url)) ||
	    set(o, "username", jstr(s->username)) ||
	    set(o, "origin",
		json_string(s->from_result ? "discovery" : "url")) ||
	    set(o, "status", json_string(s->ok ? "ok" : "failed")) ||
	    set(o, "code", jstr(s->code)) ||
	    set(o, "detail", json_string(s->detail ? s->detail : "")) ||
	    set(o, "security_finding", json_boolean(s->security)) ||
	    set(o, "elapsed_ms", json_integer(s->elapsed_ms)) ||
	    set(o, "peer", jstr(s->peer)) ||
	    set(o, "dnssec", json_string(pacc_dnssec_name(s->dnssec))) ||
	    set(o, "tls_session", tls_json(s)) ||
	    set(o, "greeting", jstr(s->greeting)) ||
	    set(o, "capabilities", strv_json(s->caps, s->ncaps)) ||
	    set(o, "capabilities_over_tls", json_boolean(s->caps_over_tls)) ||
	    set(o, "sasl", strv_json(s->sasl, s->nsasl)) ||
	    set(o, "starttls_offered", json_boolean(s->starttls_offered)) ||
	    set(o, "login_disabled", json_boolean(s->login_disabled)) ||
	    set(o, "http", http_json(s)) ||
	    set(o, "auth", auth_json(s->promised)) ||
	    set(o, "auth_offered", auth_json(s->offered)) ||
	    set(o, "auth_usable", auth_json(s->promised & s->offered))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
discovery_json(const pacc_result *d)
{
	json_t *o = json_object(), *c, *a;
	int m = pacc_result_mechanism(d);

	if (o == NULL ||
	    set(o, "status",
		json_string(pacc_outcome_name(pacc_result_outcome(d)))) ||
	    set(o, "mechanism",
		m >= 0 ? json_string(pacc_mechanism_name((pacc_mechanism)m))
		       : json_null()) ||
	    set(o, "source", jstr(pacc_result_source(d))) ||
	    set(o, "detail", json_string(pacc_result_errmsg(d))))
		goto fail;
	c = json_object();
	a = json_array();
	if (set(o, "confirm", c)) {
		json_decref(a);
		goto fail;
	}
	if (set(c, "domains", a) ||
	    set(c, "required", json_boolean(pacc_result_confirm_required(d))))
		goto fail;
	for (size_t i = 0; i < pacc_result_confirm_count(d); i++)
		if (json_array_append_new(a,
			json_string(pacc_result_confirm_domain(d, i))))
			goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *
result_json(const pacc_probe_result *r)
{
	json_t *o = json_object(), *a, *x;
	size_t ok = 0, sec = 0;

	if (o == NULL || set(o, "address", jstr(r->address)))
		goto fail;
	a = json_array();
	if (set(o, "servers", a))
		goto fail;
	for (size_t i = 0; i < r->nservers; i++) {
		ok += r->servers[i].ok;
		sec += r->servers[i].security;
		if (json_array_append_new(a, server_json(&r->servers[i])))
			goto fail;
	}
	x = json_object();
	if (set(o, "summary", x) ||
	    set(x, "total", json_integer(r->nservers)) ||
	    set(x, "ok", json_integer(ok)) ||
	    set(x, "failed", json_integer(r->nservers - ok)) ||
	    set(x, "security_findings", json_integer(sec)))
		goto fail;
	if (r->discovery && set(o, "discovery", discovery_json(r->discovery)))
		goto fail;
	if (r->error != PACC_OK) {
		x = json_object();
		if (set(o, "error", x) ||
		    set(x, "code", json_string(pacc_status_name(r->error))) ||
		    set(x, "detail", jstr(r->errmsg)))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

PACC__API int
pacc_probe_result_to_json(char **out, const pacc_probe_result *r,
    unsigned flags)
{
	json_t *o;
	int rc;

	if (out == NULL || r == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if ((o = result_json(r)) == NULL)
		return PACC_ENOMEM;
	rc = pacc__json_text(out, o, flags, 0);
	json_decref(o);
	return rc;
}
