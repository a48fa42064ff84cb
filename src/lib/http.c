/* SPDX-License-Identifier: MIT */
/*
 * libcurl multi glue.  Every host name is resolved by our own resolver
 * (dns.c) and pinned into curl with CURLOPT_RESOLVE, so that one resolver,
 * with its DNSSEC verdicts, governs everything.  Policy, not options: https
 * only, certificates always verified, no redirects followed, no cookies, no
 * proxies, no content encodings, a hard size cap and a deadline.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "internal.h"

struct pacc__http {
	pacc_ctx *ctx;
	CURLM *multi;
	struct pacc__timer timer;
	struct pacc__fetch *finished; /* done, callback not yet run */
	X509_STORE *store;	      /* shared trust store (trust_store()) */
	bool store_failed;
};

struct pacc__fetch {
	pacc_ctx *ctx;
	char *url;
	char *host;
	long port;
	bool tls13;
	bool allow_http;
	char *post;
	size_t post_len;
	char *content_type;
	char *method;
	char *userpwd; /* "user:pass", wiped on free */
	char *authz;   /* "Authorization: Bearer ...", wiped on free */
	char *www_auth[8];
	size_t nwww_auth;
	size_t header_bytes;
	size_t max_body;
	long long deadline;
	char *accept;
	struct pacc__dns_q *q4, *q6;
	int dns_pending;
	char addrs[PACC__MAX_ADDRS][INET6_ADDRSTRLEN + 2];
	size_t naddrs;
	pacc_dnssec addr_sec;
	int dns_status;
	bool dns_nx;
	CURL *easy;
	struct curl_slist *resolve;
	struct curl_slist *headers;
	struct pacc__buf body;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
	char detail[CURL_ERROR_SIZE + 128];
	CURLcode curl_rc;
	struct pacc__fetch *fnext;
	pacc__fetch_cb cb;
	void *ud;
};

static void http_sock_ready(void *ud, int fd, int revents);
static void http_check_done(struct pacc__http *h);

static int
curl_sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct pacc__http *h = userp;
	int ev = 0;

	(void)easy;
	(void)sockp;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev |= PACC_POLL_IN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev |= PACC_POLL_OUT;
	if (pacc__watch_set(h->ctx, (int)s, ev, http_sock_ready, h) != PACC_OK)
		return -1;
	return 0;
}

static int
curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct pacc__http *h = userp;

	(void)multi;
	if (timeout_ms < 0)
		pacc__timer_disarm(h->ctx, &h->timer);
	else
		pacc__timer_arm(h->ctx, &h->timer, timeout_ms);
	return 0;
}

static void
http_timeout(void *ud)
{
	struct pacc__http *h = ud;
	int running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_done(h);
}

static void
http_sock_ready(void *ud, int fd, int revents)
{
	struct pacc__http *h = ud;
	int running, ev = 0;

	if (revents & PACC_POLL_IN)
		ev |= CURL_CSELECT_IN;
	if (revents & PACC_POLL_OUT)
		ev |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, ev, &running);
	http_check_done(h);
}

static int
http_init(pacc_ctx *ctx)
{
	struct pacc__http *h;
	static bool global_done;

	if (!global_done) {
		/* idempotent in curl >= 7.84 (thread-safe init) */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return PACC_EINTERNAL;
		global_done = true;
	}
	h = pacc__calloc(1, sizeof(*h));
	if (h == NULL)
		return PACC_ENOMEM;
	h->ctx = ctx;
	pacc__timer_init(&h->timer, http_timeout, h);
	h->multi = curl_multi_init();
	if (h->multi == NULL) {
		pacc__free(h);
		return PACC_ENOMEM;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, curl_sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	ctx->http = h;
	return PACC_OK;
}

static void
fetch_free(struct pacc__fetch *f)
{
	pacc__dns_cancel(f->q4);
	pacc__dns_cancel(f->q6);
	if (f->easy) {
		curl_multi_remove_handle(f->ctx->http->multi, f->easy);
		curl_easy_cleanup(f->easy);
	}
	curl_slist_free_all(f->resolve);
	curl_slist_free_all(f->headers);
	pacc__buf_free(&f->body);
	pacc__free(f->url);
	pacc__free(f->host);
	pacc__free(f->accept);
	pacc__free(f->post);
	pacc__free(f->content_type);
	pacc__free(f->method);
	if (f->userpwd) {
		OPENSSL_cleanse(f->userpwd, strlen(f->userpwd));
		pacc__free(f->userpwd);
	}
	for (size_t i = 0; i < f->nwww_auth; i++)
		pacc__free(f->www_auth[i]);
	if (f->authz) {
		OPENSSL_cleanse(f->authz, strlen(f->authz));
		pacc__free(f->authz);
	}
	pacc__free(f);
}

static void
unqueue(struct pacc__fetch *f)
{
	struct pacc__fetch **pp;

	if (f->ctx->http == NULL)
		return;
	for (pp = &f->ctx->http->finished; *pp; pp = &(*pp)->fnext) {
		if (*pp == f) {
			*pp = f->fnext;
			return;
		}
	}
}

void
pacc__fetch_cancel(struct pacc__fetch *f)
{
	if (f == NULL)
		return;
	unqueue(f);
	fetch_free(f);
}

static void
finish(struct pacc__fetch *f, int status, long http_code, const char *code)
{
	struct pacc__fetch_result r;
	char *loc = NULL, *ctype = NULL;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.http_code = http_code;
	r.code = code;
	r.detail = f->detail;
	r.body = f->body.data;
	r.len = f->body.len;
	r.addr_sec = f->addr_sec;
	r.www_auth = (const char *const *)f->www_auth;
	r.nwww_auth = f->nwww_auth;
	if (f->easy && http_code > 0 &&
	    curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &ctype) ==
		CURLE_OK)
		r.content_type = ctype;
	if (f->easy && http_code >= 300 && http_code < 400 &&
	    curl_easy_getinfo(f->easy, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK)
		r.location = loc;
	f->cb(f->ud, &r);
	fetch_free(f);
}

static const char *
classify(struct pacc__fetch *f, CURLcode rc)
{
	const char *e = f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc);

	snprintf(f->detail, sizeof(f->detail), "https://%s: %s", f->host, e);
	switch (rc) {
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (f->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
			snprintf(f->detail, sizeof(f->detail),
			    "the document from %s is larger than %zu bytes",
			    f->host, f->max_body);
			return "too-large";
		}
		return "transfer-failed";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_PEER_FAILED_VERIFICATION:
		return "cert-invalid";
	case CURLE_SSL_CONNECT_ERROR:
		if (strstr(e, "protocol version") ||
		    strstr(e, "unsupported protocol") ||
		    strstr(e, "no protocols available") ||
		    strstr(e, "wrong version number"))
			return "tls-version";
		return "tls-error";
	case CURLE_COULDNT_CONNECT:
		return "connect-failed";
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_USE_SSL_FAILED:
		return "tls-error";
	default:
		return "transfer-failed";
	}
}

static void
http_check_done(struct pacc__http *h)
{
	struct pacc__fetch *f, **pp;
	CURLMsg *msg;
	int left;
	long code = 0;

	/* collect first: a callback may cancel other transfers */
	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		f = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&f);
		if (f == NULL)
			continue;
		f->curl_rc = msg->data.result;
		for (pp = &h->finished; *pp; pp = &(*pp)->fnext)
			;
		*pp = f;
	}
	while ((f = h->finished) != NULL) {
		h->finished = f->fnext;
		f->fnext = NULL;
		if (f->curl_rc != CURLE_OK) {
			finish(f, PACC_EHTTP, 0, classify(f, f->curl_rc));
			continue;
		}
		curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200) {
			snprintf(f->detail, sizeof(f->detail),
			    "fetched %zu bytes from %s", f->body.len, f->url);
			finish(f, PACC_OK, code, NULL);
		} else if (code >= 300 && code < 400) {
			snprintf(f->detail, sizeof(f->detail),
			    "%s answered with a redirect (HTTP %ld), which is "
			    "not followed",
			    f->url, code);
			finish(f, PACC_EHTTP, code, "redirect");
		} else {
			snprintf(f->detail, sizeof(f->detail),
			    "%s answered HTTP %ld", f->url, code);
			finish(f, PACC_EHTTP, code, "http-status");
		}
	}
}

static size_t
write_cb(char *p, size_t size, size_t n, void *ud)
{
	struct pacc__fetch *f = ud;
	size_t len = size * n;

	if (pacc__buf_append(&f->body, p, len) != PACC_OK) {
		f->too_big = true;
		return 0;
	}
	return len;
}

/* Keep the WWW-Authenticate values (bounded: count and bytes). */
static size_t
header_cb(char *p, size_t size, size_t n, void *ud)
{
	struct pacc__fetch *f = ud;
	size_t len = size * n;
	static const char name[] = "www-authenticate:";

	f->header_bytes += len;
	if (f->header_bytes > 64 * 1024)
		return 0; /* absurd headers: fail the transfer */
	if (len > sizeof(name) - 1 &&
	    strncasecmp(p, name, sizeof(name) - 1) == 0 &&
	    f->nwww_auth < PACC__ARRAY_LEN(f->www_auth)) {
		size_t s = sizeof(name) - 1, e = len;

		while (s < e && (p[s] == ' ' || p[s] == '\t'))
			s++;
		while (e > s &&
		    (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' ' ||
			p[e - 1] == '\t'))
			e--;
		if ((f->www_auth[f->nwww_auth] = pacc__strndup(p + s, e - s)) !=
		    NULL)
			f->nwww_auth++;
	}
	/* a new response (after 1xx) starts a new header set */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		for (size_t i = 0; i < f->nwww_auth; i++)
			pacc__free(f->www_auth[i]);
		f->nwww_auth = 0;
	}
	return len;
}

static CURLcode
ssl_ctx_cb(CURL *easy, void *sslctx, void *parm)
{
	STACK_OF(X509) *sk = parm;
	X509_STORE *st = SSL_CTX_get_cert_store(sslctx);

	(void)easy;
	for (int i = 0; sk && i < sk_X509_num(sk); i++)
		X509_STORE_add_cert(st, sk_X509_value(sk, i));
	return CURLE_OK;
}

static CURLcode
ssl_ctx_shared_cb(CURL *easy, void *sslctx, void *parm)
{
	(void)easy;
	SSL_CTX_set1_cert_store(sslctx, parm);
	return CURLE_OK;
}

/*
 * One trust store per context, built at the first transfer from exactly what
 * curl would load (its CA file and directory) plus the context's extra CA
 * certificates, then shared by every connection's SSL_CTX.  Otherwise curl
 * parses the whole CA bundle again for every connection, which is most of
 * the CPU time of many discoveries (pacc scan).  NULL when it cannot be
 * built: each connection then loads the CA bundle itself, as before.
 */
static X509_STORE *
trust_store(struct pacc__http *h, CURL *e)
{
	STACK_OF(X509) *sk = h->ctx->ca_certs;
	char *file = NULL, *dir = NULL;
	X509_STORE *st;

	if (h->store || h->store_failed)
		return h->store;
	h->store_failed = true;
	if (curl_easy_getinfo(e, CURLINFO_CAINFO, &file) != CURLE_OK ||
	    curl_easy_getinfo(e, CURLINFO_CAPATH, &dir) != CURLE_OK ||
	    (file == NULL && dir == NULL))
		return NULL;
	if ((st = X509_STORE_new()) == NULL)
		return NULL;
	if ((file && X509_STORE_load_file(st, file) != 1) ||
	    (dir && X509_STORE_load_path(st, dir) != 1)) {
		X509_STORE_free(st);
		return NULL;
	}
	for (int i = 0; sk && i < sk_X509_num(sk); i++)
		X509_STORE_add_cert(st, sk_X509_value(sk, i));
	h->store = st;
	h->store_failed = false;
	return st;
}

static int
start_transfer(struct pacc__fetch *f)
{
	struct pacc__http *h = f->ctx->http;
	struct pacc__buf pin;
	struct curl_slist *l;
	long remaining;
	CURL *e;
	int rc = PACC_ENOMEM;

	pacc__buf_init(&pin, 2048);
	if (pacc__buf_appendf(&pin, "%s:%ld:", f->host, f->port) != PACC_OK)
		goto out;
	for (size_t i = 0; i < f->naddrs; i++)
		if (pacc__buf_appendf(&pin, i ? ",%s" : "%s", f->addrs[i]) !=
		    PACC_OK)
			goto out;
	if ((l = curl_slist_append(NULL, (char *)pin.data)) == NULL)
		goto out;
	f->resolve = l;
	/* extra headers from the caller are already in f->headers */
	if ((l = curl_slist_append(f->headers, "Accept-Encoding: identity")) ==
	    NULL)
		goto out;
	f->headers = l;
	if (f->authz) {
		if ((l = curl_slist_append(f->headers, f->authz)) == NULL)
			goto out;
		f->headers = l;
	}
	for (int k = 0; k < 2; k++) {
		const char *v = k ? f->content_type : f->accept;
		char hdr[160];

		if (v == NULL)
			continue;
		snprintf(hdr, sizeof(hdr), "%s: %s",
		    k ? "Content-Type" : "Accept", v);
		if ((l = curl_slist_append(f->headers, hdr)) == NULL)
			goto out;
		f->headers = l;
	}
	if ((e = curl_easy_init()) == NULL)
		goto out;
	f->easy = e;
	remaining = (long)(f->deadline - pacc__now_ms());
	if (remaining < 1)
		remaining = 1;
	curl_easy_setopt(e, CURLOPT_URL, f->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)f);
	curl_easy_setopt(e, CURLOPT_RESOLVE, f->resolve);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->headers);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
	    f->allow_http ? "http,https" : "https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	if (f->post) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)f->post_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, f->post);
	}
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "pacc/" PACC_VERSION_STRING);
	curl_easy_setopt(e, CURLOPT_SSLVERSION,
	    f->tls13 ? (long)CURL_SSLVERSION_TLSv1_3
		     : (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (trust_store(h, e) != NULL) {
		curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION,
		    ssl_ctx_shared_cb);
		curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, h->store);
	} else if (f->ctx->ca_certs) {
		curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
		curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, f->ctx->ca_certs);
	}
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, f);
	if (f->method)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, f->method);
	if (f->userpwd) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERPWD, f->userpwd);
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max_body);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, remaining);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    remaining < PACC__CONNECT_TIMEOUT_MS ? remaining
						 : PACC__CONNECT_TIMEOUT_MS);
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		rc = PACC_EINTERNAL;
		goto out;
	}
	rc = PACC_OK;
out:
	pacc__buf_free(&pin);
	return rc;
}

static pacc_dnssec
worse(pacc_dnssec a, pacc_dnssec b)
{
	static const int rank[] = { 0, 1, 2, 3 }; /* na<secure<insecure<bogus */

	return rank[b] > rank[a] ? b : a;
}

static void
addr_answer(struct pacc__fetch *f, int status, const struct pacc__dns_answer *a,
    int type)
{
	if (status != PACC_OK) {
		f->dns_status = status;
	} else {
		f->addr_sec = worse(f->addr_sec, a->sec);
		if (a->nxdomain)
			f->dns_nx = true;
		if (a->sec == PACC_DNSSEC_BOGUS)
			snprintf(f->detail, sizeof(f->detail),
			    "the address of %s is DNSSEC-bogus: %s", f->host,
			    a->why ? a->why : "validation failed");
		for (size_t i = 0; i < a->n && f->naddrs < PACC__MAX_ADDRS;
		     i++) {
			char tmp[INET6_ADDRSTRLEN];

			if (pacc__rr_addr(tmp, sizeof(tmp), type, a->data[i],
				(size_t)a->len[i]) != PACC_OK)
				continue;
			snprintf(f->addrs[f->naddrs++], sizeof(f->addrs[0]),
			    type == PACC__RR_AAAA ? "[%s]" : "%s", tmp);
		}
	}
	if (--f->dns_pending > 0)
		return;
	if (f->addr_sec == PACC_DNSSEC_BOGUS) {
		finish(f, PACC_EDNS, 0, "dnssec-bogus");
		return;
	}
	if (f->naddrs == 0) {
		if (f->dns_status != PACC_OK) {
			snprintf(f->detail, sizeof(f->detail),
			    "cannot resolve %s: %s", f->host,
			    pacc_strerror(f->dns_status));
			finish(f, PACC_EDNS, 0, "dns-error");
		} else {
			snprintf(f->detail, sizeof(f->detail),
			    "%s has no address (%s)", f->host,
			    f->dns_nx ? "NXDOMAIN" : "no A/AAAA records");
			finish(f, PACC_EDNS, 0, "no-address");
		}
		return;
	}
	if (start_transfer(f) != PACC_OK) {
		snprintf(f->detail, sizeof(f->detail),
		    "cannot start the transfer to %s", f->host);
		finish(f, PACC_ENOMEM, 0, "internal-error");
	}
}

static void
a_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct pacc__fetch *f = ud;

	f->q4 = NULL;
	addr_answer(f, status, a, PACC__RR_A);
}

static void
aaaa_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct pacc__fetch *f = ud;

	f->q6 = NULL;
	addr_answer(f, status, a, PACC__RR_AAAA);
}

static int
split_url(struct pacc__fetch *f)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *scheme = NULL;
	int rc = PACC_EINVAL;

	if (u == NULL)
		return PACC_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, f->url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "https") != 0 &&
		!(f->allow_http && strcmp(scheme, "http") == 0)))
		goto out;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
		CURLUE_OK)
		goto out;
	if ((f->host = pacc__strdup(host)) == NULL) {
		rc = PACC_ENOMEM;
		goto out;
	}
	f->port = strtol(port, NULL, 10);
	rc = f->port > 0 && f->port < 65536 ? PACC_OK : PACC_EINVAL;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

int
pacc__fetch_start(struct pacc__fetch **out, pacc_ctx *ctx,
    const struct pacc__fetch_opts *o, pacc__fetch_cb cb, void *ud)
{
	struct pacc__fetch *f;
	unsigned char bin[16];
	int rc;

	*out = NULL;
	if (ctx->http == NULL && (rc = http_init(ctx)) != PACC_OK)
		return rc;
	f = pacc__calloc(1, sizeof(*f));
	if (f == NULL)
		return PACC_ENOMEM;
	f->ctx = ctx;
	f->cb = cb;
	f->ud = ud;
	f->tls13 = o->tls13;
	f->allow_http = o->allow_http;
	f->max_body = o->max_body;
	f->deadline = pacc__now_ms() + o->timeout_ms;
	f->addr_sec = PACC_DNSSEC_NA;
	pacc__buf_init(&f->body, o->max_body);
	rc = PACC_ENOMEM;
	if ((f->url = pacc__strdup(o->url)) == NULL)
		goto fail;
	if (o->accept && (f->accept = pacc__strdup(o->accept)) == NULL)
		goto fail;
	if (o->content_type &&
	    (f->content_type = pacc__strdup(o->content_type)) == NULL)
		goto fail;
	if (o->method && (f->method = pacc__strdup(o->method)) == NULL)
		goto fail;
	if (o->basic_user) {
		size_t ul = strlen(o->basic_user),
		       pl = strlen(o->basic_pass ? o->basic_pass : "");

		if ((f->userpwd = pacc__malloc(ul + pl + 2)) == NULL)
			goto fail;
		memcpy(f->userpwd, o->basic_user, ul);
		f->userpwd[ul] = ':';
		memcpy(f->userpwd + ul + 1, o->basic_pass ? o->basic_pass : "",
		    pl + 1);
	}
	if (o->bearer) {
		size_t bl = strlen(o->bearer);

		if ((f->authz = pacc__malloc(bl + 24)) == NULL)
			goto fail;
		snprintf(f->authz, bl + 24, "Authorization: Bearer %s",
		    o->bearer);
	}
	for (size_t i = 0; o->headers && o->headers[i]; i++) {
		struct curl_slist *l = curl_slist_append(f->headers,
		    o->headers[i]);

		if (l == NULL)
			goto fail;
		f->headers = l;
	}
	if (o->post_body) {
		if ((f->post = pacc__malloc(o->post_len + 1)) == NULL)
			goto fail;
		memcpy(f->post, o->post_body, o->post_len);
		f->post[o->post_len] = '\0';
		f->post_len = o->post_len;
	}
	if ((rc = split_url(f)) != PACC_OK)
		goto fail;
	if (inet_pton(AF_INET, f->host, bin) == 1 ||
	    inet_pton(AF_INET6, f->host, bin) == 1) {
		/* an address literal needs no lookup */
		snprintf(f->addrs[0], sizeof(f->addrs[0]),
		    strchr(f->host, ':') ? "[%s]" : "%s", f->host);
		f->naddrs = 1;
		if ((rc = start_transfer(f)) != PACC_OK)
			goto fail;
		*out = f;
		return PACC_OK;
	}
	f->dns_pending = 2;
	if ((rc = pacc__dns_query(&f->q4, ctx, f->host, PACC__RR_A, a_answer,
		 f)) != PACC_OK)
		goto fail;
	if ((rc = pacc__dns_query(&f->q6, ctx, f->host, PACC__RR_AAAA,
		 aaaa_answer, f)) != PACC_OK)
		goto fail;
	*out = f;
	return PACC_OK;
fail:
	fetch_free(f);
	return rc;
}

void
pacc__http_free(pacc_ctx *ctx)
{
	struct pacc__http *h = ctx->http;

	if (h == NULL)
		return;
	pacc__timer_disarm(ctx, &h->timer);
	curl_multi_cleanup(h->multi);
	X509_STORE_free(h->store);
	pacc__free(h);
	ctx->http = NULL;
}
