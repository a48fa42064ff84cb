/* SPDX-License-Identifier: MIT */
/*
 * OAuth for open public clients (include/pacc/oauth.h): metadata, client
 * id, authorization code + PKCE through a loopback listener, token, on the
 * context's loop.  Wire formats are in fmt_oauth.c, files in
 * oauth_store.c.
 *
 * Choices where the profile leaves room (pacc(1) documents them):
 *  - Metadata: RFC 8414 path-inserted URL first; OpenID Connect Discovery
 *    when that answers anything but 200 or a redirect.  A redirect from
 *    either is refused (PACC_EOAUTH_REDIRECT), never followed.
 *  - Glewlwyd and others match the loopback redirect URI's port exactly
 *    (despite RFC 8252 §7.3), so the cache keeps the redirect URI a
 *    client was registered with and the listener binds that port again;
 *    when the port is taken, a new client is registered for a new port.
 *  - Scopes: the profile's for the services asked, plus offline_access
 *    when the server lists it; intersected with scopes_supported when the
 *    server lists any of them (else sent as they are).
 *  - RFC 8707 resource indicators only to servers that list
 *    protected_resources (others may refuse unknown targets).
 *  - A stored token is used while it has more than 60 s left; else its
 *    refresh token; the new token is written to the token file before it
 *    is handed out (persist before use).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "internal.h"
#include "oauth_int.h"
#include "sasl.h"

#define SCOPE_MAIL "urn:ietf:params:oauth:scope:mail"
#define SCOPE_CAL "urn:ietf:params:oauth:scope:calendars"
#define SCOPE_CONTACTS "urn:ietf:params:oauth:scope:contacts"
#define REFRESH_MARGIN_S 60
#define MAX_CONNECTIONS 32 /* requests the listener answers in all */
#define SOFTWARE_ID "8a3c2f4e-3b1d-4c53-9a56-70616363c0de"

enum phase { PH_META, PH_REFRESH, PH_REGISTER, PH_WAIT, PH_TOKEN, PH_DONE };

struct pacc_oauth {
	pacc_ctx *ctx;
	pacc_oauth_url_cb url_cb;
	void *url_ud;
	pacc_oauth_cb cb;
	void *ud;
	enum phase phase;
	bool delivering;

	/* options */
	char *issuer;
	unsigned services;
	char *scopes_opt;
	char **resources;
	size_t nresources;
	char *client_id_opt;
	char *state_dir; /* NULL: no cache */
	char *token_file;
	long wait_ms;
	unsigned flags;

	struct pacc__oauth_meta meta;
	int meta_try; /* 0: RFC 8414, 1: OIDC */
	char *meta_url[2];
	struct pacc__fetch *fetch;
	struct pacc__oauth_stored stored;
	char *scope; /* what we ask for */

	/* authorization */
	int lfd, cfd;
	unsigned port;
	char *redirect_uri;
	char verifier[64];
	char state[48];
	char nonce[48];
	struct pacc__buf req;
	int nconn;
	char *code; /* secret memory */

	struct pacc__timer deadline;
	struct pacc__timer deliver;
	pacc_oauth_result *res;
};

static void finish(struct pacc_oauth *o, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void authorize(struct pacc_oauth *o);
static void redeem(struct pacc_oauth *o);

/* ---- small helpers ---- */

/* n random bytes as base64url without padding (RFC 7636 §4.1). */
static bool
random_b64url(char *out, size_t cap, size_t nbytes)
{
	unsigned char b[48];
	char t[80];

	if (nbytes > sizeof(b) || RAND_bytes(b, (int)nbytes) != 1 ||
	    pacc__base64_encode(t, sizeof(t), b, nbytes) != PACC_OK) {
		OPENSSL_cleanse(b, sizeof(b));
		return false;
	}
	OPENSSL_cleanse(b, sizeof(b));
	for (size_t i = 0, o = 0;; i++) {
		char c = t[i];

		if (c == '=' || c == '\0' || o + 1 >= cap) {
			out[o] = '\0';
			break;
		}
		out[o++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	OPENSSL_cleanse(t, sizeof(t));
	return true;
}

/* a b c concatenated (no length cap, unlike pacc__strfmt). */
static char *
cat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *d = pacc__malloc(n);

	if (d != NULL)
		snprintf(d, n, "%s%s%s", a, b, c);
	return d;
}

/* BASE64URL(SHA256(verifier)) (RFC 7636 §4.2). */
static bool
s256(const char *verifier, char *out, size_t cap)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char t[64];

	if (EVP_Digest(verifier, strlen(verifier), md, &mdlen, EVP_sha256(),
		NULL) != 1 ||
	    mdlen != 32 || pacc__base64_encode(t, sizeof(t), md, 32) != PACC_OK)
		return false;
	for (size_t i = 0, o = 0;; i++) {
		char c = t[i];

		if (c == '=' || c == '\0' || o + 1 >= cap) {
			out[o] = '\0';
			break;
		}
		out[o++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	return true;
}

/* Append s percent-encoded (everything but RFC 3986 unreserved). */
static int
form_add(struct pacc__buf *b, const char *name, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc;

	if (b->len > 0 && (rc = pacc__buf_append(b, "&", 1)) != PACC_OK)
		return rc;
	if ((rc = pacc__buf_append(b, name, strlen(name))) != PACC_OK ||
	    (rc = pacc__buf_append(b, "=", 1)) != PACC_OK)
		return rc;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			rc = pacc__buf_append(b, s, 1);
		} else {
			e[0] = '%';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			rc = pacc__buf_append(b, e, 3);
		}
		if (rc != PACC_OK)
			return rc;
	}
	return PACC_OK;
}

static bool
word_in(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ' ');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && strncmp(p, w, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* A stored token was granted every scope we want now (a grant without a
 * scope list is taken as it is: RFC 6749 §5.1 omits an unchanged one). */
static bool
scopes_cover(const char *have, const char *want)
{
	if (have == NULL)
		return true;
	for (const char *p = want; p && *p;) {
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char w[256];

		if (n > 0 && n < sizeof(w)) {
			memcpy(w, p, n);
			w[n] = '\0';
			if (strcmp(w, "offline_access") != 0 &&
			    !word_in(have, w))
				return false;
		}
		p = e ? e + 1 : NULL;
	}
	return true;
}

static bool
meta_lists_scope(const struct pacc__oauth_meta *m, const char *s)
{
	for (size_t i = 0; i < m->nscopes; i++)
		if (strcmp(m->scopes[i], s) == 0)
			return true;
	return false;
}

/* The scopes to ask for (see the top of the file). */
static int
choose_scopes(struct pacc_oauth *o)
{
	const char *want[4];
	size_t n = 0, kept = 0;
	struct pacc__buf b;
	int rc = PACC_OK;

	if (o->scopes_opt) {
		o->scope = pacc__strdup(o->scopes_opt);
		return o->scope ? PACC_OK : PACC_ENOMEM;
	}
	if (o->services & PACC_OAUTH_MAIL)
		want[n++] = SCOPE_MAIL;
	if (o->services & PACC_OAUTH_CALENDARS)
		want[n++] = SCOPE_CAL;
	if (o->services & PACC_OAUTH_CONTACTS)
		want[n++] = SCOPE_CONTACTS;
	for (size_t i = 0; i < n; i++)
		kept += meta_lists_scope(&o->meta, want[i]);
	pacc__buf_init(&b, 4096);
	for (size_t i = 0; i < n && rc == PACC_OK; i++) {
		if (kept > 0 && !meta_lists_scope(&o->meta, want[i]))
			continue;
		if (b.len)
			rc = pacc__buf_append(&b, " ", 1);
		if (rc == PACC_OK)
			rc = pacc__buf_append(&b, want[i], strlen(want[i]));
	}
	if (rc == PACC_OK && meta_lists_scope(&o->meta, "offline_access"))
		rc = pacc__buf_appendf(&b, "%soffline_access",
		    b.len ? " " : "");
	if (rc != PACC_OK) {
		pacc__buf_free(&b);
		return rc;
	}
	o->scope = pacc__buf_steal(&b, NULL);
	if (o->scope == NULL)
		o->scope = pacc__strdup("");
	return o->scope ? PACC_OK : PACC_ENOMEM;
}

/* ---- the result ---- */

static void
result_free(pacc_oauth_result *r)
{
	if (r == NULL)
		return;
	pacc__free(r->detail);
	pacc__free(r->issuer);
	pacc__free(r->client_id);
	pacc__free(r->auth_host);
	pacc__secret_free(r->access_token);
	pacc__free(r->scope);
	for (size_t i = 0; i < r->nresources; i++)
		pacc__free(r->resources[i]);
	pacc__free(r->resources);
	pacc__free(r);
}

PACC__API void
pacc_oauth_result_free(pacc_oauth_result *res)
{
	result_free(res);
}

static char *
dupn(const char *s, bool *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = pacc__strdup(s)) == NULL)
		*ok = false;
	return d;
}

PACC__API int
pacc_oauth_result_dup(pacc_oauth_result **out, const pacc_oauth_result *res)
{
	pacc_oauth_result *d;
	bool ok = true;

	if (out == NULL || res == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if ((d = pacc__calloc(1, sizeof(*d))) == NULL)
		return PACC_ENOMEM;
	d->status = res->status;
	d->client_source = res->client_source;
	d->token_source = res->token_source;
	d->expires_at = res->expires_at;
	d->detail = dupn(res->detail, &ok);
	d->issuer = dupn(res->issuer, &ok);
	d->client_id = dupn(res->client_id, &ok);
	d->auth_host = dupn(res->auth_host, &ok);
	d->scope = dupn(res->scope, &ok);
	if (res->access_token &&
	    (d->access_token = pacc__secret_strdup(res->access_token)) == NULL)
		ok = false;
	if (res->nresources) {
		d->resources = pacc__calloc(res->nresources, sizeof(char *));
		if (d->resources == NULL)
			ok = false;
		for (size_t i = 0; d->resources && i < res->nresources; i++) {
			d->resources[i] = dupn(res->resources[i], &ok);
			d->nresources++;
		}
	}
	if (!ok) {
		result_free(d);
		return PACC_ENOMEM;
	}
	*out = d;
	return PACC_OK;
}

PACC__API int
pacc_oauth_result_status(const pacc_oauth_result *res)
{
	return res->status;
}

PACC__API const char *
pacc_oauth_result_detail(const pacc_oauth_result *res)
{
	return res->detail ? res->detail : "";
}

PACC__API const char *
pacc_oauth_result_issuer(const pacc_oauth_result *res)
{
	return res->issuer;
}

PACC__API const char *
pacc_oauth_result_client_id(const pacc_oauth_result *res)
{
	return res->client_id;
}

PACC__API const char *
pacc_oauth_result_client_source(const pacc_oauth_result *res)
{
	return res->client_source;
}

PACC__API const char *
pacc_oauth_result_token_source(const pacc_oauth_result *res)
{
	return res->token_source;
}

PACC__API const char *
pacc_oauth_result_authorization_host(const pacc_oauth_result *res)
{
	return res->auth_host;
}

PACC__API const char *
pacc_oauth_result_access_token(const pacc_oauth_result *res)
{
	return res->status == PACC_OK ? res->access_token : NULL;
}

PACC__API const char *
pacc_oauth_result_scope(const pacc_oauth_result *res)
{
	return res->scope;
}

PACC__API long long
pacc_oauth_result_expires_at(const pacc_oauth_result *res)
{
	return res->expires_at;
}

static bool
is_literal(const char *h)
{
	unsigned char b[16];

	return inet_pton(AF_INET, h, b) == 1 || inet_pton(AF_INET6, h, b) == 1;
}

PACC__API int
pacc_oauth_result_allows_host(const pacc_oauth_result *res, const char *host)
{
	char *ih, *r1 = NULL, *r2 = NULL;
	int ok = 0;

	if (res == NULL || host == NULL || res->issuer == NULL)
		return 0;
	if (res->nresources > 0) {
		/* the server's own list: a URL's host or a host name */
		for (size_t i = 0; i < res->nresources && !ok; i++) {
			const char *r = res->resources[i];
			char *h = strncasecmp(r, "https://", 8) == 0
			    ? pacc__url_host(r)
			    : NULL;

			ok = strcasecmp(h ? h : r, host) == 0;
			pacc__free(h);
		}
		return ok;
	}
	/* profile: without protected_resources, the issuer's registrable
	 * domain */
	if ((ih = pacc__url_host(res->issuer)) == NULL)
		return 0;
	if (is_literal(ih) || is_literal(host))
		ok = strcasecmp(ih, host) == 0;
	else if (pacc__registrable_domain(&r1, ih) == PACC_OK &&
	    pacc__registrable_domain(&r2, host) == PACC_OK)
		ok = strcasecmp(r1, r2) == 0;
	pacc__free(ih);
	pacc__free(r1);
	pacc__free(r2);
	return ok;
}

/* ---- the flow ---- */

static void
close_listener(struct pacc_oauth *o)
{
	if (o->cfd >= 0) {
		pacc__watch_set(o->ctx, o->cfd, 0, NULL, NULL);
		close(o->cfd);
		o->cfd = -1;
	}
	if (o->lfd >= 0) {
		pacc__watch_set(o->ctx, o->lfd, 0, NULL, NULL);
		close(o->lfd);
		o->lfd = -1;
	}
}

static void
oauth_free(struct pacc_oauth *o)
{
	if (o == NULL)
		return;
	pacc__timer_disarm(o->ctx, &o->deadline);
	pacc__timer_disarm(o->ctx, &o->deliver);
	if (o->fetch)
		pacc__fetch_cancel(o->fetch);
	close_listener(o);
	pacc__free(o->issuer);
	pacc__free(o->scopes_opt);
	for (size_t i = 0; i < o->nresources; i++)
		pacc__free(o->resources[i]);
	pacc__free(o->resources);
	pacc__free(o->client_id_opt);
	pacc__free(o->state_dir);
	pacc__free(o->token_file);
	pacc__oauth_meta_clear(&o->meta);
	pacc__free(o->meta_url[0]);
	pacc__free(o->meta_url[1]);
	pacc__oauth_stored_clear(&o->stored);
	pacc__free(o->scope);
	pacc__free(o->redirect_uri);
	OPENSSL_cleanse(o->verifier, sizeof(o->verifier));
	pacc__buf_free(&o->req);
	pacc__secret_free(o->code);
	result_free(o->res);
	pacc__free(o);
}

static void
on_deliver(void *ud)
{
	struct pacc_oauth *o = ud;

	o->delivering = true;
	o->cb(o, o->res, o->ud);
	oauth_free(o);
}

static void
finish(struct pacc_oauth *o, int status, const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	if (o->phase == PH_DONE)
		return;
	o->phase = PH_DONE;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->res->status = status;
	pacc__free(o->res->detail);
	o->res->detail = pacc__utf8_sanitize(buf);
	if (status != PACC_OK) {
		pacc__secret_free(o->res->access_token);
		o->res->access_token = NULL;
		o->res->token_source = NULL;
	}
	pacc__timer_disarm(o->ctx, &o->deadline);
	close_listener(o);
	pacc__timer_arm(o->ctx, &o->deliver, 0);
	pacc__loop_sync(o->ctx);
}

/* Hand the token out (after it was persisted). */
static void
deliver_token(struct pacc_oauth *o, const char *at, const char *scope,
    long long expires_at, const char *source)
{
	pacc_oauth_result *r = o->res;

	pacc__secret_free(r->access_token);
	if ((r->access_token = pacc__secret_strdup(at)) == NULL) {
		finish(o, PACC_ENOMEM, "out of memory");
		return;
	}
	pacc__free(r->scope);
	r->scope = scope ? pacc__strdup(scope) : NULL;
	r->expires_at = expires_at;
	r->token_source = source;
	finish(o, PACC_OK, "token %s from %s", source, o->issuer);
}

/* Persist tokens (only with a token file), then deliver. */
static void
take_tokens(struct pacc_oauth *o, struct pacc__oauth_tok *t, const char *source)
{
	struct pacc__oauth_stored *s = &o->stored;
	long long exp = t->expires_in >= 0
	    ? (long long)time(NULL) + t->expires_in
	    : 0;
	const char *scope = t->scope ? t->scope : o->scope;
	int rc;

	if (o->token_file) {
		/* a server that does not rotate the refresh token keeps the
		 * old one valid (RFC 6749 §6) */
		char *keep_rt = t->refresh_token ? NULL : s->refresh_token;

		if (keep_rt)
			s->refresh_token = NULL;
		pacc__oauth_stored_clear(s);
		s->issuer = pacc__strdup(o->issuer);
		s->client_id = pacc__strdup(o->res->client_id);
		s->access_token = pacc__secret_strdup(t->access_token);
		s->refresh_token = t->refresh_token
		    ? pacc__secret_strdup(t->refresh_token)
		    : keep_rt;
		s->scope = scope ? pacc__strdup(scope) : NULL;
		s->expires_at = exp;
		if (!s->issuer || !s->client_id || !s->access_token) {
			finish(o, PACC_ENOMEM, "out of memory");
			return;
		}
		rc = pacc__oauth_token_save(o->token_file, s);
		if (rc != PACC_OK) {
			/* persist before use: a token we could not keep is
			 * not handed out (its refresh token would be lost) */
			finish(o, PACC_EIO, "cannot write the token file %s",
			    o->token_file);
			return;
		}
	}
	deliver_token(o, t->access_token, scope, exp, source);
}

static void
on_deadline(void *ud)
{
	struct pacc_oauth *o = ud;

	finish(o, PACC_EOAUTH_TIMEOUT,
	    "nobody completed the authorization within %ld s",
	    o->wait_ms / 1000);
}

/* A fetch that did not give an HTTP answer: environment. */
static void
transport_fail(struct pacc_oauth *o, const struct pacc__fetch_result *r,
    const char *what)
{
	finish(o, PACC_EHTTP, "%s: %s", what,
	    r->detail ? r->detail : (r->code ? r->code : "transfer failed"));
}

static int
start_fetch(struct pacc_oauth *o, const char *url, const char *ctype,
    const char *body, size_t blen, pacc__fetch_cb cb)
{
	struct pacc__fetch_opts fo;

	memset(&fo, 0, sizeof(fo));
	fo.url = url;
	fo.max_body = PACC__OAUTH_MAX_META;
	fo.timeout_ms = o->ctx->timeout_ms;
	fo.accept = "application/json";
	fo.post_body = body;
	fo.post_len = blen;
	fo.content_type = ctype;
	return pacc__fetch_start(&o->fetch, o->ctx, &fo, cb, o);
}

/* ---- token endpoint ---- */

static void
on_token(void *ud, const struct pacc__fetch_result *r)
{
	struct pacc_oauth *o = ud;
	struct pacc__oauth_tok t;
	char why[200];
	int rc;

	o->fetch = NULL;
	if (r->http_code == 0) {
		transport_fail(o, r, "token endpoint");
		return;
	}
	rc = pacc__oauth_token_parse(&t, r->body, r->len, why, sizeof(why));
	if (o->phase == PH_REFRESH) {
		if (rc != PACC_OK || r->http_code != 200) {
			if (rc == PACC_OK)
				pacc__oauth_tok_clear(&t);
			pacc__log(o->ctx, PACC_LOG_INFO,
			    "oauth: refresh refused (HTTP %ld%s%s)",
			    r->http_code, why[0] ? ", " : "", why);
			if (o->flags & PACC_OAUTH_NO_AUTHORIZE) {
				finish(o, PACC_EOAUTH_REFRESH,
				    "the token endpoint refused the refresh "
				    "(HTTP %ld%s%s)",
				    r->http_code, why[0] ? ": " : "", why);
				return;
			}
			authorize(o);
			return;
		}
		take_tokens(o, &t, "refreshed");
		pacc__oauth_tok_clear(&t);
		return;
	}
	if (rc != PACC_OK || r->http_code != 200) {
		if (rc == PACC_OK)
			pacc__oauth_tok_clear(&t);
		finish(o, rc == PACC_ENOMEM ? rc : PACC_EOAUTH_TOKEN,
		    "the token endpoint answered HTTP %ld%s%s", r->http_code,
		    why[0] ? ": " : "", why);
		return;
	}
	take_tokens(o, &t, "obtained");
	pacc__oauth_tok_clear(&t);
}

static int
add_resources(struct pacc_oauth *o, struct pacc__buf *b)
{
	int rc = PACC_OK;

	if (o->meta.nresources == 0)
		return PACC_OK;
	for (size_t i = 0; i < o->nresources && rc == PACC_OK; i++)
		rc = form_add(b, "resource", o->resources[i]);
	return rc;
}

static void
post_token(struct pacc_oauth *o, bool refresh)
{
	struct pacc__buf b;
	int rc;

	pacc__buf_init(&b, 4 * PACC__OAUTH_MAX_TOKEN);
	if (refresh) {
		rc = form_add(&b, "grant_type", "refresh_token");
		if (rc == PACC_OK)
			rc = form_add(&b, "refresh_token",
			    o->stored.refresh_token);
	} else {
		rc = form_add(&b, "grant_type", "authorization_code");
		if (rc == PACC_OK)
			rc = form_add(&b, "code", o->code);
		if (rc == PACC_OK)
			rc = form_add(&b, "redirect_uri", o->redirect_uri);
		if (rc == PACC_OK)
			rc = form_add(&b, "code_verifier", o->verifier);
	}
	if (rc == PACC_OK)
		rc = form_add(&b, "client_id", o->res->client_id);
	if (rc == PACC_OK)
		rc = add_resources(o, &b);
	if (rc == PACC_OK)
		rc = start_fetch(o, o->meta.token_endpoint,
		    "application/x-www-form-urlencoded", (const char *)b.data,
		    b.len, on_token);
	if (b.data)
		OPENSSL_cleanse(b.data, b.len);
	pacc__buf_free(&b);
	if (rc != PACC_OK)
		finish(o, rc, "cannot ask the token endpoint: %s",
		    pacc_strerror(rc));
}

static void
redeem(struct pacc_oauth *o)
{
	o->phase = PH_TOKEN;
	post_token(o, false);
}

/* ---- the loopback listener ---- */

static void
answer_browser(int fd, int code, const char *title, const char *text)
{
	char page[1024], msg[1400];
	int n;

	n = snprintf(page, sizeof(page),
	    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>pacc: "
	    "%s</title></head><body><h1>%s</h1><p>%s</p><p>You can close "
	    "this window.</p></body></html>\n",
	    title, title, text);
	if (n < 0 || (size_t)n >= sizeof(page))
		return;
	n = snprintf(msg, sizeof(msg),
	    "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %d\r\nCache-Control: no-store\r\n"
	    "Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n%s",
	    code,
	    code == 200	      ? "OK"
		: code == 404 ? "Not Found"
			      : "Bad Request",
	    n, page);
	if (n > 0 && (size_t)n < sizeof(msg))
		(void)send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void on_listen(void *ud, int fd, int revents);

static void
drop_client(struct pacc_oauth *o)
{
	if (o->cfd >= 0) {
		pacc__watch_set(o->ctx, o->cfd, 0, NULL, NULL);
		close(o->cfd);
		o->cfd = -1;
	}
	pacc__buf_reset(&o->req);
	if (o->lfd >= 0)
		pacc__watch_set(o->ctx, o->lfd, PACC_POLL_IN, on_listen, o);
}

/* Constant-time string equality (state). */
static bool
same(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

static void
handle_request(struct pacc_oauth *o)
{
	struct pacc__oauth_redirect rd;
	char why[160], q[64];
	int rc;

	rc = pacc__oauth_redirect_parse(&rd, (const char *)o->req.data,
	    o->req.len, PACC__OAUTH_PATH, why, sizeof(why));
	if (rc == PACC_ENOTFOUND || rc == PACC_EFORMAT) {
		/* another path, or junk: not the redirect; keep waiting */
		answer_browser(o->cfd, rc == PACC_ENOTFOUND ? 404 : 400,
		    "Not found", "This is not the authorization response.");
		drop_client(o);
		return;
	}
	if (rc != PACC_OK) {
		drop_client(o);
		return;
	}
	/* RFC 6749 §10.12: the state binds the response to our request */
	if (rd.state == NULL || !same(rd.state, o->state)) {
		answer_browser(o->cfd, 400, "Authorization failed",
		    "The response does not belong to this request (state).");
		finish(o, PACC_EOAUTH_STATE,
		    "the authorization response carries %s state",
		    rd.state ? "another" : "no");
		pacc__oauth_redirect_clear(&rd);
		return;
	}
	/* RFC 9207 §2.4: iss must match when present, and must be present
	 * when the server said it sends it */
	if ((rd.iss && strcmp(rd.iss, o->issuer) != 0) ||
	    (rd.iss == NULL && o->meta.iss_param)) {
		answer_browser(o->cfd, 400, "Authorization failed",
		    "The response comes from another authorization server.");
		finish(o, PACC_EOAUTH_ISS,
		    "the authorization response names the issuer %s, not %s",
		    rd.iss ? pacc__quote(q, sizeof(q), rd.iss) : "(none)",
		    o->issuer);
		pacc__oauth_redirect_clear(&rd);
		return;
	}
	if (rd.error) {
		answer_browser(o->cfd, 200, "Authorization not granted",
		    "pacc did not get access.");
		finish(o, PACC_EOAUTH_DENIED,
		    "the authorization server answered %s%s%s",
		    pacc__quote(q, sizeof(q), rd.error),
		    rd.error_description ? ": " : "",
		    rd.error_description ? rd.error_description : "");
		pacc__oauth_redirect_clear(&rd);
		return;
	}
	answer_browser(o->cfd, 200, "Authorized",
	    "pacc got the authorization and is finishing the login.");
	o->code = pacc__secret_strdup(rd.code);
	pacc__oauth_redirect_clear(&rd);
	if (o->code == NULL) {
		finish(o, PACC_ENOMEM, "out of memory");
		return;
	}
	pacc__timer_disarm(o->ctx, &o->deadline);
	close_listener(o);
	redeem(o);
}

static void
on_client(void *ud, int fd, int revents)
{
	struct pacc_oauth *o = ud;
	char buf[2048];
	ssize_t n;

	(void)revents;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || pacc__buf_append(&o->req, buf, (size_t)n) != PACC_OK) {
		drop_client(o); /* closed early or too large */
		return;
	}
	if (strstr((const char *)o->req.data, "\r\n\r\n") == NULL &&
	    strstr((const char *)o->req.data, "\n\n") == NULL)
		return;
	handle_request(o);
}

static void
on_listen(void *ud, int fd, int revents)
{
	struct pacc_oauth *o = ud;
	int c;

	(void)revents;
	c = accept(fd, NULL, NULL);
	if (c < 0)
		return;
	if (o->nconn++ >= MAX_CONNECTIONS || o->cfd >= 0) {
		close(c);
		return;
	}
	(void)fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	(void)fcntl(c, F_SETFD, FD_CLOEXEC);
	o->cfd = c;
	pacc__buf_reset(&o->req);
	/* one request at a time: the listener waits meanwhile */
	pacc__watch_set(o->ctx, o->lfd, 0, NULL, NULL);
	if (pacc__watch_set(o->ctx, c, PACC_POLL_IN, on_client, o) != PACC_OK)
		drop_client(o);
}

/* Bind 127.0.0.1:port (0: any); the port in o->port. */
static int
listen_on(struct pacc_oauth *o, unsigned port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return PACC_EIO;
	/* the port of a cached client again, while the last run's
	 * connection sits in TIME_WAIT (Linux still refuses a port that
	 * another socket listens on) */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		close(fd);
		return PACC_EIO;
	}
	o->lfd = fd;
	o->port = ntohs(sa.sin_port);
	pacc__free(o->redirect_uri);
	o->redirect_uri = pacc__strfmt("http://127.0.0.1:%u" PACC__OAUTH_PATH,
	    o->port);
	return o->redirect_uri ? PACC_OK : PACC_ENOMEM;
}

/* Listener up, client id known: build the URL, hand it out, wait. */
static void
wait_for_browser(struct pacc_oauth *o)
{
	char challenge[64], *url;
	struct pacc__buf q;
	int rc;

	if (!random_b64url(o->verifier, sizeof(o->verifier), 32) ||
	    !random_b64url(o->state, sizeof(o->state), 24) ||
	    !random_b64url(o->nonce, sizeof(o->nonce), 24) ||
	    !s256(o->verifier, challenge, sizeof(challenge))) {
		finish(o, PACC_EINTERNAL, "no random numbers for PKCE");
		return;
	}
	pacc__buf_init(&q, 64 * 1024);
	rc = form_add(&q, "response_type", "code");
	if (rc == PACC_OK)
		rc = form_add(&q, "client_id", o->res->client_id);
	if (rc == PACC_OK)
		rc = form_add(&q, "redirect_uri", o->redirect_uri);
	if (rc == PACC_OK && o->scope[0])
		rc = form_add(&q, "scope", o->scope);
	if (rc == PACC_OK)
		rc = form_add(&q, "state", o->state);
	if (rc == PACC_OK)
		rc = form_add(&q, "code_challenge", challenge);
	if (rc == PACC_OK)
		rc = form_add(&q, "code_challenge_method", "S256");
	/* OpenID Connect servers ask for a nonce with "openid" */
	if (rc == PACC_OK && word_in(o->scope, "openid"))
		rc = form_add(&q, "nonce", o->nonce);
	if (rc == PACC_OK)
		rc = add_resources(o, &q);
	if (rc != PACC_OK) {
		pacc__buf_free(&q);
		finish(o, rc, "out of memory");
		return;
	}
	url = cat3(o->meta.authorization_endpoint,
	    strchr(o->meta.authorization_endpoint, '?') ? "&" : "?",
	    (const char *)q.data);
	pacc__buf_free(&q);
	if (url == NULL) {
		finish(o, PACC_ENOMEM, "out of memory");
		return;
	}
	o->phase = PH_WAIT;
	if (pacc__watch_set(o->ctx, o->lfd, PACC_POLL_IN, on_listen, o) !=
	    PACC_OK) {
		pacc__free(url);
		finish(o, PACC_ENOMEM, "out of memory");
		return;
	}
	pacc__timer_arm(o->ctx, &o->deadline, o->wait_ms);
	pacc__log(o->ctx, PACC_LOG_INFO,
	    "oauth: waiting on %s for the authorization (%ld s)",
	    o->redirect_uri, o->wait_ms / 1000);
	o->url_cb(o, url, o->res->auth_host, o->url_ud);
	pacc__free(url);
	pacc__loop_sync(o->ctx);
}

/* ---- registration ---- */

static void
on_register(void *ud, const struct pacc__fetch_result *r)
{
	struct pacc_oauth *o = ud;
	char why[200], *id = NULL;
	int rc;

	o->fetch = NULL;
	if (r->http_code == 0) {
		transport_fail(o, r, "registration endpoint");
		return;
	}
	rc = pacc__oauth_reg_parse(&id, r->body, r->len, why, sizeof(why));
	/* RFC 7591 §3.2.1 says 201; Glewlwyd answers 200 */
	if (r->http_code != 200 && r->http_code != 201) {
		pacc__free(id);
		finish(o, PACC_EOAUTH_REGISTRATION,
		    "the registration endpoint answered HTTP %ld%s%s",
		    r->http_code, why[0] ? ": " : "", why);
		return;
	}
	if (rc != PACC_OK) {
		finish(o, rc, "%s", why);
		return;
	}
	o->res->client_id = id;
	o->res->client_source = "registered";
	if (o->state_dir &&
	    pacc__oauth_cache_put(o->state_dir, o->issuer, id,
		o->redirect_uri) != PACC_OK)
		pacc__log(o->ctx, PACC_LOG_WARN,
		    "oauth: cannot write the client cache in %s", o->state_dir);
	wait_for_browser(o);
}

static void
register_client(struct pacc_oauth *o)
{
	json_t *body;
	char *s;
	int rc;

	if (o->meta.registration_endpoint == NULL) {
		finish(o, PACC_EOAUTH_REGISTRATION,
		    "%s offers no dynamic client registration (and no client "
		    "id was given)",
		    o->issuer);
		return;
	}
	o->phase = PH_REGISTER;
	body = json_pack("{s:s, s:[s], s:s, s:[s,s], s:[s], s:s, s:s, s:s, "
			 "s:s}",
	    "client_name", "pacc", "redirect_uris", o->redirect_uri,
	    "token_endpoint_auth_method", "none", "grant_types",
	    "authorization_code", "refresh_token", "response_types", "code",
	    "application_type", "native", "software_id", SOFTWARE_ID,
	    "software_version", pacc_version(), "client_uri",
	    "https://github.com/pacc-project/pacc");
	if (body && o->scope[0])
		json_object_set_new(body, "scope", json_string(o->scope));
	s = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(body);
	if (s == NULL) {
		finish(o, PACC_ENOMEM, "out of memory");
		return;
	}
	rc = start_fetch(o, o->meta.registration_endpoint, "application/json",
	    s, strlen(s), on_register);
	free(s);
	if (rc != PACC_OK)
		finish(o, rc, "cannot register: %s", pacc_strerror(rc));
}

/* A client id and a listener, then the browser. */
static void
authorize(struct pacc_oauth *o)
{
	char *cid = NULL;
	unsigned port = 0;
	int rc;

	if (o->flags & PACC_OAUTH_NO_AUTHORIZE) {
		finish(o, PACC_EOAUTH_REFRESH,
		    "no usable stored token and authorization not allowed");
		return;
	}
	pacc__free(o->res->client_id);
	o->res->client_id = NULL;
	if (o->client_id_opt) {
		if ((rc = listen_on(o, 0)) != PACC_OK) {
			finish(o, rc, "cannot listen on 127.0.0.1");
			return;
		}
		o->res->client_id = pacc__strdup(o->client_id_opt);
		o->res->client_source = "given";
		if (o->res->client_id == NULL) {
			finish(o, PACC_ENOMEM, "out of memory");
			return;
		}
		wait_for_browser(o);
		return;
	}
	if (o->state_dir &&
	    pacc__oauth_cache_get(o->state_dir, o->issuer, &cid, &port) ==
		PACC_OK &&
	    listen_on(o, port) == PACC_OK) {
		/* the port the client was registered with is free again */
		o->res->client_id = cid;
		o->res->client_source = "cached";
		wait_for_browser(o);
		return;
	}
	pacc__free(cid);
	if ((rc = listen_on(o, 0)) != PACC_OK) {
		finish(o, rc, "cannot listen on 127.0.0.1");
		return;
	}
	register_client(o);
}

/* ---- metadata ---- */

static void
after_metadata(struct pacc_oauth *o)
{
	struct pacc__oauth_stored *s = &o->stored;
	long long now = (long long)time(NULL);

	o->res->auth_host = pacc__url_host(o->meta.authorization_endpoint);
	if (o->meta.nresources) {
		o->res->resources = pacc__calloc(o->meta.nresources,
		    sizeof(char *));
		for (size_t i = 0; o->res->resources && i < o->meta.nresources;
		     i++) {
			o->res->resources[i] = pacc__strdup(
			    o->meta.resources[i]);
			if (o->res->resources[i] == NULL)
				break;
			o->res->nresources++;
		}
		if (o->res->nresources != o->meta.nresources) {
			finish(o, PACC_ENOMEM, "out of memory");
			return;
		}
	}
	if (choose_scopes(o) != PACC_OK) {
		finish(o, PACC_ENOMEM, "out of memory");
		return;
	}
	if (o->token_file &&
	    pacc__oauth_token_load(s, o->token_file) == PACC_OK &&
	    strcmp(s->issuer, o->issuer) == 0 &&
	    scopes_cover(s->scope, o->scope)) {
		o->res->client_id = pacc__strdup(s->client_id);
		o->res->client_source = "cached";
		if (o->res->client_id == NULL) {
			finish(o, PACC_ENOMEM, "out of memory");
			return;
		}
		if (s->access_token && s->expires_at > now + REFRESH_MARGIN_S) {
			deliver_token(o, s->access_token, s->scope,
			    s->expires_at, "cached");
			return;
		}
		if (s->refresh_token) {
			o->phase = PH_REFRESH;
			post_token(o, true);
			return;
		}
	}
	authorize(o);
}

static void start_meta(struct pacc_oauth *o);

static void
on_meta(void *ud, const struct pacc__fetch_result *r)
{
	struct pacc_oauth *o = ud;
	char why[200];
	int rc;

	o->fetch = NULL;
	if (r->http_code == 0) {
		transport_fail(o, r, "authorization server metadata");
		return;
	}
	if (r->http_code >= 300 && r->http_code < 400) {
		finish(o, PACC_EOAUTH_REDIRECT,
		    "the metadata URL %s answered HTTP %ld (a redirect): not "
		    "followed",
		    o->meta_url[o->meta_try], r->http_code);
		return;
	}
	if (r->http_code != 200) {
		if (o->meta_try == 0) {
			o->meta_try = 1;
			start_meta(o);
			return;
		}
		finish(o, PACC_EOAUTH_METADATA,
		    "no authorization server metadata for %s (HTTP %ld)",
		    o->issuer, r->http_code);
		return;
	}
	rc = pacc__oauth_meta_parse(&o->meta, r->body, r->len, o->issuer, why,
	    sizeof(why));
	if (rc != PACC_OK) {
		finish(o, rc, "%s: %s", o->meta_url[o->meta_try], why);
		return;
	}
	after_metadata(o);
}

static void
start_meta(struct pacc_oauth *o)
{
	int rc;

	o->phase = PH_META;
	rc = start_fetch(o, o->meta_url[o->meta_try], NULL, NULL, 0, on_meta);
	if (rc != PACC_OK)
		finish(o, rc, "cannot fetch the metadata: %s",
		    pacc_strerror(rc));
}

static int
oauth_start(pacc_oauth **out, pacc_ctx *ctx, const pacc_oauth_opts *opts,
    pacc_oauth_url_cb url_cb, void *url_ud, pacc_oauth_cb cb, void *ud)
{
	struct pacc_oauth *o;
	int rc = PACC_ENOMEM;

	if (out)
		*out = NULL;
	if (ctx == NULL || opts == NULL || cb == NULL || opts->version < 1 ||
	    opts->timeout_ms < 0 || !pacc__oauth_issuer_valid(opts->issuer) ||
	    (url_cb == NULL && !(opts->flags & PACC_OAUTH_NO_AUTHORIZE)) ||
	    (opts->nresources && opts->resources == NULL) ||
	    (opts->client_id &&
		(opts->client_id[0] == '\0' ||
		    strlen(opts->client_id) > PACC__OAUTH_MAX_ID)))
		return PACC_EINVAL;
	if ((o = pacc__calloc(1, sizeof(*o))) == NULL)
		return PACC_ENOMEM;
	o->ctx = ctx;
	o->url_cb = url_cb;
	o->url_ud = url_ud;
	o->cb = cb;
	o->ud = ud;
	o->lfd = o->cfd = -1;
	o->services = opts->services ? opts->services : PACC_OAUTH_MAIL;
	o->wait_ms = opts->timeout_ms ? opts->timeout_ms
				      : PACC__OAUTH_DEFAULT_WAIT_MS;
	o->flags = opts->flags;
	pacc__timer_init(&o->deadline, on_deadline, o);
	pacc__timer_init(&o->deliver, on_deliver, o);
	pacc__buf_init(&o->req, PACC__OAUTH_MAX_REQUEST);
	if ((o->res = pacc__calloc(1, sizeof(*o->res))) == NULL ||
	    (o->issuer = pacc__strdup(opts->issuer)) == NULL ||
	    (o->res->issuer = pacc__strdup(opts->issuer)) == NULL)
		goto fail;
	o->res->status = PACC_EINTERNAL;
	if (opts->scopes &&
	    (o->scopes_opt = pacc__strdup(opts->scopes)) == NULL)
		goto fail;
	if (opts->client_id &&
	    (o->client_id_opt = pacc__strdup(opts->client_id)) == NULL)
		goto fail;
	if (opts->token_file &&
	    (o->token_file = pacc__strdup(opts->token_file)) == NULL)
		goto fail;
	if (!(opts->flags & PACC_OAUTH_NO_CACHE))
		o->state_dir = pacc__oauth_state_dir(opts->state_dir);
	if (opts->nresources) {
		o->resources = pacc__calloc(opts->nresources, sizeof(char *));
		if (o->resources == NULL)
			goto fail;
		for (size_t i = 0; i < opts->nresources; i++) {
			if (opts->resources[i] == NULL)
				continue;
			if ((o->resources[o->nresources] = pacc__strdup(
				 opts->resources[i])) == NULL)
				goto fail;
			o->nresources++;
		}
	}
	if ((rc = pacc__oauth_meta_urls(o->issuer, &o->meta_url[0],
		 &o->meta_url[1])) != PACC_OK)
		goto fail;
	start_meta(o);
	if (out)
		*out = o;
	pacc__loop_sync(ctx);
	return PACC_OK;
fail:
	oauth_free(o);
	return rc;
}

PACC__API int
pacc_oauth_start(pacc_oauth **out, pacc_ctx *ctx, const pacc_oauth_opts *opts,
    pacc_oauth_url_cb url_cb, pacc_oauth_cb cb, void *ud)
{
	return oauth_start(out, ctx, opts, url_cb, ud, cb, ud);
}

PACC__API void
pacc_oauth_cancel(pacc_oauth *o)
{
	if (o == NULL || o->delivering)
		return;
	oauth_free(o);
}

struct sync_state {
	pacc_oauth_result *res;
	bool done;
	int rc;
};

static void
sync_cb(pacc_oauth *o, const pacc_oauth_result *res, void *ud)
{
	struct sync_state *st = ud;

	(void)o;
	st->rc = pacc_oauth_result_dup(&st->res, res);
	st->done = true;
}

PACC__API int
pacc_oauth_sync(pacc_oauth_result **out, pacc_ctx *ctx,
    const pacc_oauth_opts *opts, pacc_oauth_url_cb url_cb, void *ud)
{
	struct sync_state st = { NULL, false, PACC_OK };
	int rc;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	/* the URL callback gets `ud`; the result comes back here */
	rc = oauth_start(NULL, ctx, opts, url_cb, ud, sync_cb, &st);
	if (rc != PACC_OK)
		return rc;
	rc = pacc__loop_run_until(ctx, &st.done);
	if (!st.done)
		return rc;
	*out = st.res;
	return st.rc;
}
