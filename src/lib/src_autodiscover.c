/* SPDX-License-Identifier: MIT */
/*
 * Microsoft Autodiscover v1, "POX" (DESIGN §1 rank 7): the request body is
 * POSTed, never with credentials, at once to
 *   1. https://autodiscover.{domain}/autodiscover/autodiscover.xml
 *   2. https://{domain}/autodiscover/autodiscover.xml
 *   3. https://{target}:{port}/autodiscover/autodiscover.xml for each target
 *      of SRV _autodiscover._tcp.{domain}, in RFC 2782 order,
 * and the first of them, in that order, whose chain ends in servers wins.
 *
 * A chain follows <Action>redirectAddr</Action> (the request is repeated for
 * the new address, at autodiscover.{its domain} and {its domain}),
 * <Action>redirectUrl</Action> and HTTP 301/302/307/308 Location (POSTed
 * again there, https only).  At most PACC__MAX_REDIRECTS hops per chain; a
 * hop back to a request already on the chain is a loop; every distinct
 * request is made once per discovery.  A hop into another registrable
 * domain makes that domain one the user must confirm (DESIGN §1 rank 7).
 *
 * The requests form a tree (a redirectAddr has two children); decide()
 * walks it in preference order, so the outcome never depends on which
 * answer arrived first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "internal.h"

#define AD_PATH "/autodiscover/autodiscover.xml"

enum {
	AD_MAX_REQUESTS = 32, /* requests per discovery, redirects included */
	AD_MAX_SRV = 4,	      /* SRV targets used */
	AD_MAX_ROOTS = 2 + AD_MAX_SRV,
	AD_MAX_BYTES = PACC__MAX_AUTODISCOVER_BYTES /* one response */
};

enum fact { PENDING = 0, GOOD, NONE, BAD };

enum nstate { N_PENDING = 0, N_FOUND, N_REDIRECTED, N_FAILED };

/*
 * How much a failure says about the domain, to pick the one to report:
 * 0 nothing there, 1 a transport or DNS failure, 2 something answered
 * but not usefully, 3 a redirect chain that went wrong.
 */
enum { R_ABSENT = 0, R_TRANSPORT = 1, R_ANSWER = 2, R_CHAIN = 3 };

struct ad_node {
	struct src_ad *s;
	struct ad_node *parent;
	struct ad_node *kids[2];
	size_t nkids;
	char *url;
	char *address;
	unsigned hops;
	bool from_srv;
	char *confirm_host; /* this hop left the address's registrable domain */
	struct pacc__fetch *f;
	enum nstate state;
	const char *code; /* when FAILED */
	char *detail;
	int rank;
	bool bogus;
	struct pacc__config *cfg;
	/* a redirect that was refused (loop, limit, not https) */
	const char *refused_code;
	char *refused_detail;
	int refused_rank;
};

struct src_ad {
	struct pacc__mech *m;
	char *own_reg;
	struct ad_node nodes[AD_MAX_REQUESTS];
	size_t nnodes;
	struct ad_node *roots[AD_MAX_ROOTS];
	size_t nroots;
	struct pacc__dns_q *srv_q;
	char *srv_name;
	enum fact srv;
	bool srv_bogus;
	char *srv_detail;
	char *srv_why;
	pacc_dnssec srv_sec;
	const char *srv_reason;
	bool finished;
};

static void decide(struct src_ad *s);

static void
release(struct src_ad *s)
{
	pacc__dns_cancel(s->srv_q);
	s->srv_q = NULL;
	for (size_t i = 0; i < s->nnodes; i++) {
		pacc__fetch_cancel(s->nodes[i].f);
		s->nodes[i].f = NULL;
	}
}

static void
ad_free(struct src_ad *s)
{
	release(s);
	for (size_t i = 0; i < s->nnodes; i++) {
		struct ad_node *n = &s->nodes[i];

		pacc__free(n->url);
		pacc__free(n->address);
		pacc__free(n->confirm_host);
		pacc__free(n->detail);
		pacc__free(n->refused_detail);
		pacc__config_free(n->cfg);
	}
	pacc__free(s->own_reg);
	pacc__free(s->srv_name);
	pacc__free(s->srv_detail);
	pacc__free(s->srv_why);
	pacc__free(s);
}

static void
finish(struct src_ad *s)
{
	s->finished = true;
	release(s);
	pacc__mech_done(s->m);
}

static void
node_fail(struct ad_node *n, const char *code, int rank, char *detail)
{
	n->state = N_FAILED;
	n->code = code;
	n->rank = rank;
	pacc__free(n->detail);
	n->detail = detail;
}

/* Remember why a redirect was not followed (the most telling reason). */
static void
refuse(struct ad_node *parent, const char *code, int rank, char *detail)
{
	if (parent->refused_code == NULL || rank > parent->refused_rank) {
		parent->refused_code = code;
		parent->refused_rank = rank;
		pacc__free(parent->refused_detail);
		parent->refused_detail = detail;
	} else {
		pacc__free(detail);
	}
}

static bool
same_request(const struct ad_node *n, const char *url, const char *address)
{
	return strcmp(n->url, url) == 0 && strcmp(n->address, address) == 0;
}

static void node_fetched(void *ud, const struct pacc__fetch_result *r);

static void
node_start(struct ad_node *n)
{
	struct pacc__fetch_opts fo;
	char *body = NULL;
	size_t len = 0;
	int rc;

	rc = pacc__autodiscover_request(&body, &len, n->address);
	if (rc == PACC_OK) {
		memset(&fo, 0, sizeof(fo));
		fo.url = n->url;
		fo.max_body = AD_MAX_BYTES;
		fo.timeout_ms = pacc__mech_remaining_ms(n->s->m);
		fo.accept = "text/xml";
		fo.post_body = body;
		fo.post_len = len;
		fo.content_type = "text/xml";
		rc = pacc__fetch_start(&n->f, n->s->m->disc->ctx, &fo,
		    node_fetched, n);
	}
	pacc__free(body);
	if (rc != PACC_OK)
		node_fail(n,
		    rc == PACC_ENOMEM ? "internal-error" : "invalid-url",
		    R_TRANSPORT,
		    pacc__strfmt("cannot POST to %s: %s", n->url,
			pacc_strerror(rc)));
}

/*
 * A new request (a root when parent is NULL).  NULL when it is refused: the
 * parent then knows why.
 */
static struct ad_node *
node_new(struct src_ad *s, struct ad_node *parent, const char *url,
    const char *address, bool from_srv)
{
	struct ad_node *n;
	char *host, *reg = NULL;

	for (const struct ad_node *a = parent; a; a = a->parent) {
		if (same_request(a, url, address)) {
			refuse(parent, "redirect-loop", R_CHAIN,
			    pacc__strfmt(
				"%s redirects back to %s (for %s), a loop",
				parent->url, url, address));
			return NULL;
		}
	}
	for (size_t i = 0; i < s->nnodes; i++) {
		if (same_request(&s->nodes[i], url, address)) {
			/* asked already on another chain: that chain's
			 * answer stands for this one */
			if (parent)
				refuse(parent, "duplicate", R_ABSENT,
				    pacc__strfmt(
					"%s redirects to %s, asked already",
					parent->url, url));
			return NULL;
		}
	}
	if (parent && parent->hops + 1 > PACC__MAX_REDIRECTS) {
		refuse(parent, "too-many-redirects", R_CHAIN,
		    pacc__strfmt("more than %d redirects (the last to %s)",
			PACC__MAX_REDIRECTS, url));
		return NULL;
	}
	if (s->nnodes == AD_MAX_REQUESTS) {
		if (parent)
			refuse(parent, "too-many-redirects", R_CHAIN,
			    pacc__strfmt("more than %d Autodiscover requests",
				AD_MAX_REQUESTS));
		return NULL;
	}
	n = &s->nodes[s->nnodes];
	memset(n, 0, sizeof(*n));
	n->s = s;
	n->parent = parent;
	n->hops = parent ? parent->hops + 1 : 0;
	n->from_srv = parent ? parent->from_srv : from_srv;
	n->url = pacc__strdup(url);
	n->address = pacc__strdup(address);
	if (n->url == NULL || n->address == NULL) {
		pacc__free(n->url);
		pacc__free(n->address);
		if (parent)
			refuse(parent, "internal-error", R_TRANSPORT,
			    pacc__strfmt("out of memory"));
		return NULL;
	}
	s->nnodes++;
	host = pacc__url_host(url);
	if (host && s->own_reg &&
	    pacc__registrable_domain(&reg, host) == PACC_OK &&
	    strcmp(reg, s->own_reg) != 0) {
		n->confirm_host = host;
		host = NULL;
	}
	pacc__free(host);
	pacc__free(reg);
	if (parent)
		parent->kids[parent->nkids++] = n;
	node_start(n);
	return n;
}

/* redirectUrl or an HTTP Location: POST the same request there. */
static void
follow_url(struct ad_node *n, const char *url, const char *why)
{
	char *safe;

	n->state = N_REDIRECTED;
	if (!pacc__https_url_valid(url)) {
		safe = pacc__utf8_sanitize(url);
		refuse(n, "insecure-redirect", R_ANSWER,
		    pacc__strfmt(
			"%s: %s to %.200s, not a valid https URL: not followed",
			n->url, why, safe ? safe : "?"));
		pacc__free(safe);
	} else {
		(void)node_new(n->s, n, url, n->address, false);
	}
	if (n->nkids == 0) {
		node_fail(n, n->refused_code, n->refused_rank,
		    n->refused_detail);
		n->refused_detail = NULL;
	}
}

/* redirectAddr: the whole request again for another address. */
static void
follow_addr(struct ad_node *n, const char *address)
{
	struct pacc__addr a;
	char why[160] = "", url[400];
	char *safe;

	n->state = N_REDIRECTED;
	memset(&a, 0, sizeof(a));
	if (pacc__addr_parse(&a, address, why, sizeof(why)) != PACC_OK) {
		safe = pacc__utf8_sanitize(address);
		node_fail(n, "invalid-document", R_ANSWER,
		    pacc__strfmt(
			"%s: redirectAddr \"%.100s\" is not an address: %s",
			n->url, safe ? safe : "?", why));
		pacc__free(safe);
		pacc__addr_clear(&a);
		return;
	}
	snprintf(url, sizeof(url), "https://autodiscover.%s" AD_PATH, a.domain);
	(void)node_new(n->s, n, url, a.address, false);
	snprintf(url, sizeof(url), "https://%s" AD_PATH, a.domain);
	(void)node_new(n->s, n, url, a.address, false);
	pacc__addr_clear(&a);
	if (n->nkids == 0) {
		node_fail(n, n->refused_code, n->refused_rank,
		    n->refused_detail);
		n->refused_detail = NULL;
	}
}

static bool
is_absent_status(long code)
{
	/* nothing served at that path (405: a plain web server) */
	return code == 404 || code == 405 || code == 410;
}

/*
 * The parser leaves the username out when LoginName is the address asked
 * for; after a redirectAddr that address is the new one, not the user's.
 */
static int
login_default(struct pacc__config *cfg, const struct ad_node *n)
{
	if (strcmp(n->address, n->s->m->disc->addr.address) == 0)
		return PACC_OK;
	for (size_t i = 0; i < cfg->nservers; i++) {
		struct pacc_server *sv = &cfg->servers[i];

		if (sv->username == NULL && !pacc__proto_is_http(sv->proto) &&
		    (sv->username = pacc__strdup(n->address)) == NULL)
			return PACC_ENOMEM;
	}
	return PACC_OK;
}

static void
node_fetched(void *ud, const struct pacc__fetch_result *r)
{
	struct ad_node *n = ud;
	struct pacc__autodiscover ad;
	char why[256] = "";
	char *safe;
	int rc;

	n->f = NULL;
	if (r->status != PACC_OK) {
		long c = r->http_code;

		if ((c == 301 || c == 302 || c == 307 || c == 308) &&
		    r->location) {
			snprintf(why, sizeof(why), "HTTP %ld", c);
			follow_url(n, r->location, why);
		} else {
			const char *code = r->code ? r->code
						   : "transfer-failed";
			int rank = R_TRANSPORT;

			if (strcmp(code, "no-address") == 0 ||
			    strcmp(code, "connect-failed") == 0 ||
			    is_absent_status(c))
				rank = R_ABSENT;
			n->bogus = strcmp(code, "dnssec-bogus") == 0;
			node_fail(n, code, rank, pacc__strdup(r->detail));
		}
		decide(n->s);
		return;
	}
	memset(&ad, 0, sizeof(ad));
	rc = pacc__autodiscover_parse(&ad, r->body, r->len, n->address, why,
	    sizeof(why));
	if (rc == PACC_ENOTFOUND && ad.error == NULL)
		rc = PACC_EFORMAT;
	if (rc == PACC_OK && ad.cfg && ad.cfg->nservers > 0 &&
	    login_default(ad.cfg, n) != PACC_OK)
		rc = PACC_ENOMEM;
	if (rc != PACC_OK && rc != PACC_ENOTFOUND) {
		node_fail(n,
		    rc == PACC_ENOMEM ? "internal-error" : "invalid-document",
		    R_ANSWER,
		    pacc__strfmt("%s: unusable Autodiscover response: %s",
			n->url, why));
	} else if (ad.cfg && ad.cfg->nservers > 0) {
		n->state = N_FOUND;
		n->cfg = ad.cfg;
		ad.cfg = NULL;
	} else if (ad.redirect_addr) {
		follow_addr(n, ad.redirect_addr);
	} else if (ad.redirect_url) {
		follow_url(n, ad.redirect_url, "redirectUrl");
	} else if (ad.error) {
		safe = pacc__utf8_sanitize(ad.error);
		node_fail(n, "autodiscover-error", R_ANSWER,
		    pacc__strfmt("%s answered with an error: %.200s", n->url,
			safe ? safe : "?"));
		pacc__free(safe);
	} else {
		node_fail(n, "no-servers", R_ANSWER,
		    pacc__strfmt(
			"%s answered without IMAP, POP3 or SMTP settings",
			n->url));
	}
	pacc__autodiscover_clear(&ad);
	decide(n->s);
}

/*
 * Why a node failed: its own failure, or for a redirect whose children all
 * failed, why a further redirect was refused.
 */
static int
fail_rank(const struct ad_node *n)
{
	if (n->state == N_PENDING)
		return R_TRANSPORT;
	return n->state == N_REDIRECTED ? n->refused_rank : n->rank;
}

static const char *
fail_code(const struct ad_node *n)
{
	if (n->state == N_REDIRECTED)
		return n->refused_code;
	if (n->state == N_PENDING)
		return "timeout";
	return n->code;
}

static const char *
fail_detail(const struct ad_node *n)
{
	if (n->state == N_REDIRECTED)
		return n->refused_detail;
	if (n->state == N_PENDING)
		return "no answer before the deadline";
	return n->detail;
}

static void
consider(struct ad_node **fail, struct ad_node *n)
{
	if (fail_code(n) && (*fail == NULL || fail_rank(n) > fail_rank(*fail)))
		*fail = n;
}

/*
 * Walk a chain in preference order: 0 pending, 1 found (*win), -1 failed,
 * -2 failed on a DNSSEC-bogus answer (*fail).  *fail collects the most
 * telling failure, the first of its rank.  With `force` (the deadline) a
 * request still running counts as failed.
 */
static int
eval(struct ad_node *n, bool force, struct ad_node **win, struct ad_node **fail)
{
	int r;

	switch (n->state) {
	case N_PENDING:
		if (!force)
			return 0;
		break;
	case N_FOUND:
		*win = n;
		return 1;
	case N_REDIRECTED:
		for (size_t i = 0; i < n->nkids; i++)
			if ((r = eval(n->kids[i], force, win, fail)) != -1)
				return r;
		break;
	case N_FAILED:
		if (n->bogus) {
			*fail = n;
			return -2;
		}
		break;
	}
	consider(fail, n);
	return -1;
}

static void
report_bogus(struct pacc__mech *m, const char *why, const char *detail)
{
	m->decisive = true;
	m->dnssec = PACC_DNSSEC_BOGUS;
	m->dnssec_reason = "validation-failed";
	if (why)
		m->dnssec_detail = pacc__strdup(why);
	pacc__mech_report(m, PACC_ATTEMPT_FAILED, "dnssec-bogus", "%s",
	    detail ? detail : "an answer needed is DNSSEC-bogus");
}

static void
succeed(struct src_ad *s, struct ad_node *win)
{
	struct pacc__mech *m = s->m;
	struct pacc__buf conf;
	int rc = PACC_OK;

	pacc__buf_init(&conf, 1024);
	for (const struct ad_node *a = win; a && rc != PACC_ENOMEM;
	     a = a->parent) {
		char *reg = NULL;

		if (a->confirm_host == NULL)
			continue;
		/* never followed with credentials: the user decides */
		rc = pacc__mech_add_confirm(m, a->confirm_host);
		if (pacc__registrable_domain(&reg, a->confirm_host) == PACC_OK)
			(void)pacc__buf_appendf(&conf, "%s%s",
			    conf.len ? ", " : "", reg);
		pacc__free(reg);
	}
	if (rc == PACC_ENOMEM ||
	    pacc__mech_add_config(m, win->cfg) != PACC_OK) {
		win->cfg = NULL;
		pacc__buf_free(&conf);
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "internal-error",
		    "out of memory");
		return;
	}
	win->cfg = NULL; /* moved */
	m->digest = PACC_DIGEST_NA;
	m->dnssec = win->from_srv ? s->srv_sec : PACC_DNSSEC_NA;
	m->dnssec_reason = win->from_srv ? s->srv_reason : NULL;
	m->source = pacc__strdup(win->url);
	pacc__mech_report(m, PACC_ATTEMPT_OK, NULL,
	    "servers from %s%s%s (%u redirect%s)%s%.*s%s", win->url,
	    strcmp(win->address, m->disc->addr.address) != 0 ? " for " : "",
	    strcmp(win->address, m->disc->addr.address) != 0 ? win->address
							     : "",
	    win->hops, win->hops == 1 ? "" : "s",
	    conf.len ? "; redirected to another domain, to confirm: " : "",
	    (int)conf.len, conf.data ? (const char *)conf.data : "",
	    win->from_srv ? "; found through SRV" : "");
	pacc__buf_free(&conf);
}

/* What each first request came to, for the detail of a failure. */
static void
summary(struct src_ad *s, struct pacc__buf *b)
{
	for (size_t i = 0; i < s->nroots; i++) {
		const struct ad_node *n = s->roots[i];
		const char *host_end, *h = n->url + sizeof("https://") - 1;

		host_end = h + strcspn(h, "/");
		(void)pacc__buf_appendf(b, "%s%.*s: %s", i ? ", " : "",
		    (int)(host_end - h), h,
		    n->state == N_PENDING     ? "no answer"
			: n->state == N_FOUND ? "servers"
			: fail_code(n)	      ? fail_code(n)
					      : "redirected");
	}
	if (s->srv == NONE)
		(void)pacc__buf_appendf(b, "%sno %s SRV", s->nroots ? ", " : "",
		    s->srv_name);
}

/* Returns false while a better-ranked request may still answer. */
static bool
conclude(struct src_ad *s, bool force)
{
	struct pacc__mech *m = s->m;
	struct ad_node *win = NULL, *fail = NULL;
	struct pacc__buf b;
	size_t fixed = s->nroots < 2 ? s->nroots : 2;
	int r;

	for (size_t i = 0; i < s->nroots; i++) {
		if (i == fixed) {
			/* the SRV targets come after the fixed URLs */
			if (s->srv == PENDING && !force)
				return false;
			if (s->srv == BAD && s->srv_bogus) {
				report_bogus(m, s->srv_why, s->srv_detail);
				return true;
			}
		}
		r = eval(s->roots[i], force, &win, &fail);
		if (r == 0)
			return false;
		if (r == 1) {
			succeed(s, win);
			return true;
		}
		if (r == -2) {
			report_bogus(m, NULL, fail_detail(fail));
			return true;
		}
	}
	if (s->srv == PENDING && !force)
		return false;
	if (s->srv == BAD && s->srv_bogus) {
		report_bogus(m, s->srv_why, s->srv_detail);
		return true;
	}
	pacc__buf_init(&b, 4096);
	summary(s, &b);
	if (fail && fail_rank(fail) > R_ABSENT) {
		pacc__mech_report(m,
		    strcmp(fail_code(fail), "timeout") == 0
			? PACC_ATTEMPT_TIMEOUT
			: PACC_ATTEMPT_FAILED,
		    fail_code(fail), "%.400s (%.300s)",
		    fail_detail(fail) ? fail_detail(fail) : fail_code(fail),
		    b.data ? (const char *)b.data : "");
	} else if (s->srv == BAD) {
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "dns-error",
		    "%.300s (%.300s)", s->srv_detail,
		    b.data ? (const char *)b.data : "");
	} else {
		pacc__mech_report(m, PACC_ATTEMPT_ABSENT, NULL,
		    "no Autodiscover service for %s (%.500s)",
		    m->disc->addr.domain, b.data ? (const char *)b.data : "");
	}
	pacc__buf_free(&b);
	return true;
}

static void
decide(struct src_ad *s)
{
	if (s->finished)
		return;
	if (conclude(s, false))
		finish(s);
}

static void
srv_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct src_ad *s = ud;
	struct pacc__srv_rr rrs[PACC__MAX_RRS];
	size_t n = 0, used = 0;
	char url[400];

	s->srv_q = NULL;
	s->srv = BAD;
	if (status != PACC_OK) {
		s->srv_detail = pacc__strfmt("the SRV lookup of %s failed: %s",
		    s->srv_name, pacc_strerror(status));
		goto out;
	}
	s->srv_sec = a->sec;
	s->srv_reason = a->reason;
	if (a->sec == PACC_DNSSEC_BOGUS) {
		s->srv_bogus = true;
		s->srv_why = pacc__strdup(a->why);
		s->srv_detail = pacc__strfmt(
		    "the SRV answer for %s is DNSSEC-bogus: %s", s->srv_name,
		    a->why ? a->why : "validation failed");
		goto out;
	}
	for (size_t i = 0; i < a->n && n < PACC__MAX_RRS; i++)
		if (pacc__rr_srv(&rrs[n], a->data[i], (size_t)a->len[i]) ==
		    PACC_OK)
			n++;
	s->srv = NONE;
	if (n == 0)
		goto out;
	pacc__srv_order(rrs, n, pacc__srv_random, NULL);
	for (size_t i = 0; i < n && used < AD_MAX_SRV; i++) {
		struct ad_node *root;

		/* RFC 2782: target "." = not offered */
		if (strcmp(rrs[i].target, ".") == 0 || rrs[i].port == 0 ||
		    !pacc__hostname_valid(rrs[i].target))
			continue;
		if (rrs[i].port == 443)
			snprintf(url, sizeof(url), "https://%s" AD_PATH,
			    rrs[i].target);
		else
			snprintf(url, sizeof(url), "https://%s:%u" AD_PATH,
			    rrs[i].target, rrs[i].port);
		used++;
		s->srv = GOOD;
		root = node_new(s, NULL, url, s->m->disc->addr.address, true);
		if (root) /* NULL: the same request as a fixed URL */
			s->roots[s->nroots++] = root;
	}
	for (size_t i = 0; i < n; i++)
		pacc__srv_rr_clear(&rrs[i]);
out:
	decide(s);
}

static int
ad_start(struct pacc__mech *m)
{
	struct src_ad *s = pacc__calloc(1, sizeof(*s));
	const char *d = m->disc->addr.domain;
	char url[400];
	int rc;

	if (s == NULL)
		return PACC_ENOMEM;
	s->m = m;
	m->priv = s;
	if ((rc = pacc__registrable_domain(&s->own_reg, d)) == PACC_ENOMEM)
		return rc;
	s->srv_name = pacc__strfmt("_autodiscover._tcp.%s", d);
	if (s->srv_name == NULL)
		return PACC_ENOMEM;
	for (int k = 0; k < 2; k++) {
		struct ad_node *root;

		snprintf(url, sizeof(url),
		    k == 0 ? "https://autodiscover.%s" AD_PATH
			   : "https://%s" AD_PATH,
		    d);
		root = node_new(s, NULL, url, m->disc->addr.address, false);
		if (root == NULL)
			return PACC_ENOMEM;
		s->roots[s->nroots++] = root;
	}
	return pacc__dns_query(&s->srv_q, m->disc->ctx, s->srv_name,
	    PACC__RR_SRV, srv_answer, s);
}

static void
ad_stop(struct pacc__mech *m)
{
	if (m->priv == NULL)
		return;
	ad_free(m->priv);
	m->priv = NULL;
}

/* At the deadline, the best chain that has answered still counts. */
static void
ad_deadline(struct pacc__mech *m)
{
	struct src_ad *s = m->priv;

	if (s && !s->finished) {
		(void)conclude(s, true); /* never waits when forced */
		s->finished = true;
		return;
	}
	pacc__mech_report(m, PACC_ATTEMPT_TIMEOUT, "timeout",
	    "no Autodiscover answer before the deadline");
}

const struct pacc__mech_ops pacc__src_autodiscover_ops = {
	.id = PACC_MECH_AUTODISCOVER,
	.start = ad_start,
	.stop = ad_stop,
	.deadline = ad_deadline,
};
