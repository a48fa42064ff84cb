/* SPDX-License-Identifier: MIT */
/*
 * pacc_check_*: the audit engine (`pacc check DOMAIN`).  It owns the facts
 * (DNS answers, fetched documents, single-mechanism discoveries, live
 * probes), runs them in two rounds under one deadline and then lets every
 * group report its findings, in group order.  The groups live in
 * check_*.c; see check_int.h.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check_int.h"

struct ck_finding {
	enum ck_id id;
	pacc_check_status status;
	char *detail;
};

struct pacc_check_result {
	char *domain;
	int error;
	char *errmsg;
	struct ck_finding *v;
	size_t n, cap;
	long elapsed_ms;
};

static const struct ck_idinfo {
	const char *group;
	const char *id;
} ids[CK__COUNT] = {
#define CK__XX(e, g, s) { g, s },
	CK_IDS(CK__XX)
#undef CK__XX
};

/* a probe request names the checks that asked for it in 64 bits */
_Static_assert(CK__COUNT <= 64, "more than 64 check ids");

/* ------------------------------------------------------------ results */

static void
result_free(pacc_check_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		pacc__free(r->v[i].detail);
	pacc__free(r->v);
	pacc__free(r->domain);
	pacc__free(r->errmsg);
	pacc__free(r);
}

PACC__API void
pacc_check_result_free(pacc_check_result *r)
{
	result_free(r);
}

PACC__API int
pacc_check_result_dup(pacc_check_result **out, const pacc_check_result *s)
{
	pacc_check_result *r;

	if (out == NULL || s == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if ((r = pacc__calloc(1, sizeof(*r))) == NULL)
		return PACC_ENOMEM;
	r->error = s->error;
	r->elapsed_ms = s->elapsed_ms;
	if ((s->domain && (r->domain = pacc__strdup(s->domain)) == NULL) ||
	    (s->errmsg && (r->errmsg = pacc__strdup(s->errmsg)) == NULL))
		goto oom;
	if (s->n && (r->v = pacc__calloc(s->n, sizeof(*r->v))) == NULL)
		goto oom;
	r->cap = s->n;
	for (size_t i = 0; i < s->n; i++) {
		r->v[i] = s->v[i];
		r->v[i].detail = pacc__strdup(s->v[i].detail);
		r->n++;
		if (r->v[i].detail == NULL)
			goto oom;
	}
	*out = r;
	return PACC_OK;
oom:
	result_free(r);
	return PACC_ENOMEM;
}

void
pacc__ck_add(struct pacc_check *c, enum ck_id id, pacc_check_status st,
    const char *fmt, ...)
{
	pacc_check_result *r = c->res;
	struct ck_finding *nv;
	char buf[1024];
	va_list ap;

	if (r == NULL || c->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 32;

		if ((nv = pacc__reallocarray(r->v, cap, sizeof(*nv))) == NULL) {
			c->oom = true;
			return;
		}
		r->v = nv;
		r->cap = cap;
	}
	/* the text comes from the network in part: printable, valid UTF-8 */
	if ((r->v[r->n].detail = pacc__utf8_sanitize(buf)) == NULL) {
		c->oom = true;
		return;
	}
	r->v[r->n].id = id;
	r->v[r->n].status = st;
	r->n++;
}

void
pacc__ck_append(char *buf, size_t len, const char *sep, const char *s)
{
	size_t l = strnlen(buf, len);

	if (len == 0 || l + 1 >= len)
		return;
	for (const char *p = l ? sep : ""; *p && l + 1 < len; p++)
		buf[l++] = *p;
	for (const char *p = s; *p && l + 1 < len; p++)
		buf[l++] = *p;
	buf[l] = '\0';
}

/* -------------------------------------------------------------- facts */

static void ck_settle(struct pacc_check *c);

long
pacc__ck_remaining(const struct pacc_check *c)
{
	long left = (long)(c->t0 + c->timeout_ms - pacc__now_ms());

	return left < 1 ? 1 : left;
}

/* Sub-tasks end a little before the run, so that their own verdicts
 * ("timeout" with what they know) arrive before ours. */
static long
sub_timeout(const struct pacc_check *c)
{
	long left = pacc__ck_remaining(c);

	return left > 200 ? left - left / 20 : left;
}

static void
dns_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct ck_dns *q = ud;
	struct pacc_check *c = q->run;

	q->q = NULL;
	q->done = true;
	q->status = status;
	if (status == PACC_OK) {
		size_t n = a->n < PACC__MAX_RRS ? a->n : PACC__MAX_RRS;

		q->havedata = a->havedata && a->n > 0;
		q->nxdomain = a->nxdomain;
		q->sec = a->sec;
		q->reason = a->reason;
		if (a->why && (q->why = pacc__strdup(a->why)) == NULL)
			c->oom = true;
		/* cppcheck follows one caller's empty answer into every call */
		/* cppcheck-suppress knownConditionTrueFalse */
		if (n > 0) {
			q->rr = pacc__calloc(n, sizeof(*q->rr));
			q->len = pacc__calloc(n, sizeof(*q->len));
			if (q->rr == NULL || q->len == NULL) {
				c->oom = true;
				n = 0;
			}
		}
		/* cppcheck-suppress knownConditionTrueFalse */
		for (size_t i = 0; i < n; i++) {
			q->rr[i] = pacc__malloc((size_t)a->len[i] + 1);
			if (q->rr[i] == NULL) {
				c->oom = true;
				break;
			}
			memcpy(q->rr[i], a->data[i], (size_t)a->len[i]);
			q->len[i] = (size_t)a->len[i];
			q->n++;
		}
	}
	c->pending--;
	ck_settle(c);
}

struct ck_dns *
pacc__ck_dns(struct pacc_check *c, const char *name, int type)
{
	struct ck_dns *q = pacc__calloc(1, sizeof(*q));

	if (q == NULL || (q->name = pacc__strdup(name)) == NULL) {
		pacc__free(q);
		c->oom = true;
		return NULL;
	}
	q->run = c;
	q->type = type;
	q->sec = PACC_DNSSEC_NA;
	q->status = PACC_ETIMEOUT;
	q->next = c->dns;
	c->dns = q;
	if (pacc__dns_query(&q->q, c->ctx, name, type, dns_answer, q) !=
	    PACC_OK) {
		q->q = NULL;
		q->done = true;
		q->status = PACC_EDNS;
		return q;
	}
	c->pending++;
	return q;
}

const char *
pacc__ck_dns_failure(const struct ck_dns *q)
{
	if (q == NULL)
		return "out of memory";
	if (!q->done)
		return "no answer before the deadline";
	if (q->sec == PACC_DNSSEC_BOGUS)
		return "the answer is DNSSEC-bogus";
	if (q->status != PACC_OK)
		return pacc_strerror(q->status);
	return "no error";
}

void
pacc__ck_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		pacc__free(v[i]);
	pacc__free(v);
}

char **
pacc__ck_txts(const struct ck_dns *q, size_t *n)
{
	char **v;
	size_t len;

	*n = 0;
	if (q == NULL || q->n == 0)
		return NULL;
	if ((v = pacc__calloc(q->n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (size_t i = 0; i < q->n; i++) {
		if (pacc__rr_txt(&v[*n], &len, q->rr[i], q->len[i]) == PACC_OK)
			(*n)++;
	}
	return v;
}

static void
fetch_done(void *ud, const struct pacc__fetch_result *r)
{
	struct ck_fetch *f = ud;
	struct pacc_check *c = f->run;

	f->f = NULL;
	f->done = true;
	f->status = r->status;
	f->http_code = r->http_code;
	if ((r->code && (f->code = pacc__strdup(r->code)) == NULL) ||
	    (r->detail && (f->detail = pacc__strdup(r->detail)) == NULL) ||
	    (r->content_type &&
		(f->ctype = pacc__strdup(r->content_type)) == NULL) ||
	    (r->location && (f->location = pacc__strdup(r->location)) == NULL))
		c->oom = true;
	if (r->body && (f->body = pacc__malloc(r->len + 1)) != NULL) {
		memcpy(f->body, r->body, r->len);
		f->body[r->len] = '\0';
		f->len = r->len;
	} else if (r->body) {
		c->oom = true;
	}
	c->pending--;
	ck_settle(c);
}

struct ck_fetch *
pacc__ck_fetch(struct pacc_check *c, const struct pacc__fetch_opts *o)
{
	struct pacc__fetch_opts fo = *o;
	struct ck_fetch *f = pacc__calloc(1, sizeof(*f));

	if (f == NULL || (f->url = pacc__strdup(o->url)) == NULL) {
		pacc__free(f);
		c->oom = true;
		return NULL;
	}
	f->run = c;
	f->status = PACC_ETIMEOUT;
	f->next = c->fetches;
	c->fetches = f;
	fo.timeout_ms = sub_timeout(c);
	if (pacc__fetch_start(&f->f, c->ctx, &fo, fetch_done, f) != PACC_OK) {
		f->f = NULL;
		f->done = true;
		f->status = PACC_EINVAL;
		f->code = pacc__strdup("internal-error");
		f->detail = pacc__strfmt("cannot fetch %s", o->url);
		return f;
	}
	c->pending++;
	return f;
}

static void
disc_done(pacc_discovery *d, const pacc_result *res, void *ud)
{
	struct ck_disc *x = ud;
	struct pacc_check *c = x->run;

	(void)d;
	x->d = NULL;
	if (res == NULL || pacc_result_dup(&x->res, res) != PACC_OK)
		c->oom = true;
	c->pending--;
	ck_settle(c);
}

struct ck_disc *
pacc__ck_discover(struct pacc_check *c, pacc_mechanism m)
{
	pacc_discover_opts o = PACC_DISCOVER_OPTS_INIT;
	struct ck_disc *x = pacc__calloc(1, sizeof(*x));

	if (x == NULL) {
		c->oom = true;
		return NULL;
	}
	x->run = c;
	x->mech = m;
	x->next = c->discs;
	c->discs = x;
	o.mechanisms = PACC_MECH_BIT(m);
	o.timeout_ms = sub_timeout(c);
	o.ispdb_url = "";
	if (pacc_discover_start(&x->d, c->ctx, c->address, &o, disc_done, x) !=
	    PACC_OK) {
		x->d = NULL;
		return x;
	}
	c->pending++;
	return x;
}

const pacc_result *
pacc__ck_disc_result(const struct pacc_check *c, pacc_mechanism m)
{
	for (const struct ck_disc *x = c->discs; x; x = x->next)
		if (x->mech == m)
			return x->res;
	return NULL;
}

void
pacc__ck_probe(struct pacc_check *c, enum ck_id id, const char *url)
{
	struct ck_probe_req *nv;

	if (c->flags & PACC_CHECK_NO_PROBE)
		return;
	if (c->nreqs >= PACC_PROBE_MAX_SERVERS ||
	    pacc_probe_url_check(url, NULL, 0) != PACC_OK)
		return;
	for (size_t i = 0; i < c->nreqs; i++) {
		if (strcmp(c->reqs[i].url, url) == 0) {
			c->reqs[i].ids |= 1ull << id;
			return;
		}
	}
	nv = pacc__reallocarray(c->reqs, c->nreqs + 1, sizeof(*nv));
	if (nv == NULL) {
		c->oom = true;
		return;
	}
	c->reqs = nv;
	if ((nv[c->nreqs].url = pacc__strdup(url)) == NULL) {
		c->oom = true;
		return;
	}
	nv[c->nreqs].ids = 1ull << id;
	c->nreqs++;
}

size_t
pacc__ck_probe_count(const struct pacc_check *c)
{
	return c->nreqs;
}

const pacc_probe_server *
pacc__ck_probe_server(const struct pacc_check *c, size_t i, enum ck_id id,
    bool *asked)
{
	*asked = i < c->nreqs && (c->reqs[i].ids & (1ull << id)) != 0;
	if (i >= c->nreqs)
		return NULL;
	if (c->probe_res == NULL ||
	    pacc_probe_result_server_count(c->probe_res) != c->nreqs)
		return NULL;
	return pacc_probe_result_server(c->probe_res, i);
}

static void
probe_done(pacc_probe *p, const pacc_probe_result *res, void *ud)
{
	struct pacc_check *c = ud;

	(void)p;
	c->probe = NULL;
	c->probe_done = true;
	if (res == NULL || pacc_probe_result_dup(&c->probe_res, res) != PACC_OK)
		c->oom = true;
	c->pending--;
	ck_settle(c);
}

static void
start_probes(struct pacc_check *c)
{
	pacc_probe_opts o = PACC_PROBE_OPTS_INIT;
	const char **urls;

	if (c->nreqs == 0)
		return;
	if ((urls = pacc__calloc(c->nreqs, sizeof(*urls))) == NULL) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < c->nreqs; i++)
		urls[i] = c->reqs[i].url;
	o.urls = urls;
	o.nurls = c->nreqs;
	o.timeout_ms = sub_timeout(c);
	o.address = c->address;
	if (pacc_probe_start(&c->probe, c->ctx, &o, probe_done, c) == PACC_OK)
		c->pending++;
	else
		c->probe = NULL;
	pacc__free(urls);
}

/* ------------------------------------------------------------ the run */

static void
stop_all(struct pacc_check *c)
{
	for (struct ck_dns *q = c->dns; q; q = q->next) {
		pacc__dns_cancel(q->q);
		q->q = NULL;
	}
	for (struct ck_fetch *f = c->fetches; f; f = f->next) {
		if (f->f && !f->done && f->code == NULL) {
			f->code = pacc__strdup("timeout");
			f->detail = pacc__strfmt(
			    "%s: no answer before the deadline", f->url);
		}
		pacc__fetch_cancel(f->f);
		f->f = NULL;
	}
	for (struct ck_disc *x = c->discs; x; x = x->next) {
		pacc_discover_cancel(x->d);
		x->d = NULL;
	}
	pacc_probe_cancel(c->probe);
	c->probe = NULL;
	c->pending = 0;
}

static void
run_free(struct pacc_check *c)
{
	if (c->counted)
		c->ctx->pending--;
	stop_all(c);
	pacc__timer_disarm(c->ctx, &c->deadline);
	pacc__timer_disarm(c->ctx, &c->step);
	while (c->dns) {
		struct ck_dns *q = c->dns;

		c->dns = q->next;
		for (size_t i = 0; i < q->n; i++)
			pacc__free(q->rr[i]);
		pacc__free(q->rr);
		pacc__free(q->len);
		pacc__free(q->name);
		pacc__free(q->why);
		pacc__free(q);
	}
	while (c->fetches) {
		struct ck_fetch *f = c->fetches;

		c->fetches = f->next;
		pacc__free(f->url);
		pacc__free(f->code);
		pacc__free(f->detail);
		pacc__free(f->body);
		pacc__free(f->ctype);
		pacc__free(f->location);
		pacc__free(f);
	}
	while (c->discs) {
		struct ck_disc *x = c->discs;

		c->discs = x->next;
		pacc_result_free(x->res);
		pacc__free(x);
	}
	for (size_t i = 0; i < c->nreqs; i++)
		pacc__free(c->reqs[i].url);
	pacc__free(c->reqs);
	pacc_probe_result_free(c->probe_res);
	pacc__ck_pacc_free(c);
	pacc__ck_sts_free(c);
	pacc__ck_srv_free(c);
	pacc__ck_ac_free(c);
	result_free(c->res);
	pacc__free(c->domain);
	pacc__free(c->address);
	pacc__free(c);
}

static void
report(struct pacc_check *c)
{
	pacc_check_result *r = c->res;
	const char *why;

	c->round = 3;
	if (r->error == PACC_OK) {
		pacc__ck_pacc_report(c);
		pacc__ck_paccmx_report(c);
		pacc__ck_sts_report(c);
		pacc__ck_srv_report(c);
		pacc__ck_ac_report(c);
		pacc__ck_ad_report(c);
		pacc__ck_dnssec_report(c);
		pacc__ck_cross_report(c);
	}
	why = pacc__dns_failure(c->ctx);
	if (why == NULL && pacc__dns_checking(c->ctx))
		why = "the DNS resolver did not answer before the deadline";
	if (r->error == PACC_OK && why != NULL) {
		/* an environment error, not a finding (DESIGN §4) */
		r->error = PACC_EDNS;
		pacc__free(r->errmsg);
		r->errmsg = pacc__strfmt("the resolver cannot be used: %s",
		    why);
		if (r->errmsg == NULL)
			c->oom = true;
	} else if (r->error == PACC_OK) {
		size_t k[4] = { 0, 0, 0, 0 };

		for (size_t i = 0; i < r->n; i++)
			k[r->v[i].status]++;
		pacc__free(r->errmsg);
		r->errmsg = pacc__strfmt(
		    "%zu passed, %zu warnings, %zu failed, %zu skipped%s",
		    k[PACC_CHECK_PASS], k[PACC_CHECK_WARN], k[PACC_CHECK_FAIL],
		    k[PACC_CHECK_SKIP],
		    c->timed_out ? " (the deadline stopped some checks)" : "");
		if (r->errmsg == NULL)
			c->oom = true;
	}
	r->elapsed_ms = (long)(pacc__now_ms() - c->t0);
}

static void
deliver(struct pacc_check *c)
{
	pacc__timer_disarm(c->ctx, &c->deadline);
	pacc__timer_disarm(c->ctx, &c->step);
	if (c->counted) {
		c->ctx->pending--;
		c->counted = false;
	}
	report(c);
	c->in_cb = true;
	c->cb(c, c->oom ? NULL : c->res, c->ud);
	c->in_cb = false;
	run_free(c);
}

/* Round 1 -> round 2 -> report, always from the loop (a timer), never
 * from inside a fact's own callback (which still holds its objects). */
static void
on_step(void *ud)
{
	struct pacc_check *c = ud;

	if (c->pending > 0)
		return;
	if (c->round == 1 && c->res->error == PACC_OK) {
		c->round = 2;
		c->ctx->depth++;
		pacc__ck_pacc_more(c);
		pacc__ck_sts_more(c);
		pacc__ck_srv_more(c);
		start_probes(c);
		c->ctx->depth--;
		if (c->pending > 0) {
			pacc__loop_sync(c->ctx);
			return;
		}
	}
	deliver(c);
}

static void
ck_settle(struct pacc_check *c)
{
	if (c->pending == 0 && c->round < 3)
		pacc__timer_arm(c->ctx, &c->step, 0);
}

static void
on_deadline(void *ud)
{
	struct pacc_check *c = ud;

	c->timed_out = true;
	stop_all(c);
	deliver(c);
}

PACC__API int
pacc_check_start(pacc_check **out, pacc_ctx *ctx, const char *domain,
    const pacc_check_opts *o, pacc_check_cb cb, void *ud)
{
	pacc_check_opts def = PACC_CHECK_OPTS_INIT;
	struct pacc__addr a;
	struct pacc_check *c;
	char why[160];
	char *input = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (o == NULL)
		o = &def;
	if (ctx == NULL || domain == NULL || cb == NULL || o->version < 1 ||
	    o->version > PACC_CHECK_OPTS_VERSION || o->timeout_ms < 0)
		return PACC_EINVAL;
	if ((c = pacc__calloc(1, sizeof(*c))) == NULL)
		return PACC_ENOMEM;
	c->ctx = ctx;
	c->cb = cb;
	c->ud = ud;
	c->flags = o->flags;
	c->t0 = pacc__now_ms();
	c->round = 1;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : ctx->timeout_ms;
	if (c->timeout_ms > PACC__MAX_TIMEOUT_MS)
		c->timeout_ms = PACC__MAX_TIMEOUT_MS;
	pacc__timer_init(&c->deadline, on_deadline, c);
	pacc__timer_init(&c->step, on_step, c);
	rc = PACC_ENOMEM;
	if ((c->res = pacc__calloc(1, sizeof(*c->res))) == NULL)
		goto fail;
	/* the domain as an address's domain: the same IDN rules as
	 * discover (a trailing dot is allowed and dropped) */
	if (strlen(domain) > PACC__MAX_INPUT_BYTES) {
		c->res->error = PACC_EADDRESS;
		snprintf(why, sizeof(why), "longer than %d bytes",
		    PACC__MAX_INPUT_BYTES);
	} else {
		size_t dl = strlen(domain);

		if (dl > 1 && domain[dl - 1] == '.')
			dl--;
		if ((input = pacc__strfmt("postmaster@%.*s", (int)dl,
			 domain)) == NULL)
			goto fail;
		memset(&a, 0, sizeof(a));
		if (strchr(domain, '@') != NULL || dl == 0 ||
		    pacc__addr_parse(&a, input, why, sizeof(why)) != PACC_OK) {
			c->res->error = PACC_EADDRESS;
			if (strchr(domain, '@') != NULL || dl == 0)
				snprintf(why, sizeof(why),
				    "a domain name, not an address");
		} else if (strchr(a.domain, '.') == NULL) {
			c->res->error = PACC_EADDRESS;
			snprintf(why, sizeof(why),
			    "a domain needs at least two labels");
		} else {
			c->domain = pacc__strdup(a.domain);
			c->address = pacc__strdup(a.address);
		}
		pacc__addr_clear(&a);
	}
	if (c->res->error != PACC_OK) {
		c->res->domain = pacc__utf8_sanitize(domain);
		c->res->errmsg = pacc__strfmt("not a valid domain: %s", why);
	} else {
		c->res->domain = pacc__strdup(c->domain);
		c->res->errmsg = pacc__strdup("running");
		if (c->domain == NULL || c->address == NULL)
			goto fail;
	}
	if (c->res->domain == NULL || c->res->errmsg == NULL)
		goto fail;
	c->counted = true;
	ctx->pending++;
	if (c->res->error == PACC_OK) {
		ctx->depth++; /* no callback of the embedder from in here */
		if (pacc__ck_pacc_start(c) != PACC_OK ||
		    pacc__ck_sts_start(c) != PACC_OK ||
		    pacc__ck_srv_start(c) != PACC_OK ||
		    pacc__ck_ac_start(c) != PACC_OK)
			c->oom = true;
		ctx->depth--;
		if (c->oom) {
			rc = PACC_ENOMEM;
			goto fail;
		}
		pacc__timer_arm(ctx, &c->deadline, c->timeout_ms);
	}
	ck_settle(c);
	pacc__loop_sync(ctx);
	pacc__free(input);
	if (out)
		*out = c;
	return PACC_OK;
fail:
	pacc__free(input);
	run_free(c);
	return rc;
}

PACC__API void
pacc_check_cancel(pacc_check *c)
{
	if (c == NULL || c->in_cb)
		return; /* released after its callback anyway */
	run_free(c);
}

struct sync_state {
	pacc_check_result *res;
	bool done;
	int rc;
};

static void
sync_cb(pacc_check *c, const pacc_check_result *res, void *ud)
{
	struct sync_state *st = ud;

	(void)c;
	st->done = true;
	if (res == NULL)
		st->rc = PACC_ENOMEM;
	else
		st->rc = pacc_check_result_dup(&st->res, res);
}

PACC__API int
pacc_check_sync(pacc_check_result **out, pacc_ctx *ctx, const char *domain,
    const pacc_check_opts *opts)
{
	struct sync_state st = { NULL, false, PACC_OK };
	pacc_check *c = NULL;
	int rc;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	rc = pacc_check_start(&c, ctx, domain, opts, sync_cb, &st);
	if (rc != PACC_OK)
		return rc;
	rc = pacc__loop_run_until(ctx, &st.done);
	if (!st.done) {
		pacc_check_cancel(c); /* still running: nothing may stay */
		return rc;
	}
	*out = st.res;
	return st.rc;
}

/* ------------------------------------------------------------ getters */

PACC__API const char *
pacc_check_status_name(pacc_check_status s)
{
	switch (s) {
	case PACC_CHECK_PASS:
		return "PASS";
	case PACC_CHECK_WARN:
		return "WARN";
	case PACC_CHECK_FAIL:
		return "FAIL";
	case PACC_CHECK_SKIP:
		return "SKIP";
	}
	return "?";
}

PACC__API const char *
pacc_check_result_domain(const pacc_check_result *r)
{
	return r ? r->domain : NULL;
}

PACC__API int
pacc_check_result_error(const pacc_check_result *r)
{
	return r ? r->error : PACC_EINVAL;
}

PACC__API const char *
pacc_check_result_errmsg(const pacc_check_result *r)
{
	return r && r->errmsg ? r->errmsg : "";
}

PACC__API size_t
pacc_check_result_count(const pacc_check_result *r)
{
	return r ? r->n : 0;
}

PACC__API const char *
pacc_check_result_id(const pacc_check_result *r, size_t i)
{
	return r && i < r->n ? ids[r->v[i].id].id : NULL;
}

PACC__API pacc_check_status
pacc_check_result_status(const pacc_check_result *r, size_t i)
{
	return r && i < r->n ? r->v[i].status : PACC_CHECK_SKIP;
}

PACC__API const char *
pacc_check_result_detail(const pacc_check_result *r, size_t i)
{
	return r && i < r->n ? r->v[i].detail : NULL;
}

PACC__API const char *
pacc_check_result_group(const pacc_check_result *r, size_t i)
{
	return r && i < r->n ? ids[r->v[i].id].group : NULL;
}

/* --------------------------------------------------------------- JSON */

static int
jset(json_t *o, const char *k, json_t *v)
{
	return v == NULL || json_object_set_new(o, k, v) != 0 ? -1 : 0;
}

PACC__API int
pacc_check_result_to_json(char **out, const pacc_check_result *r,
    unsigned flags)
{
	static const char *const keys[4] = { "pass", "warn", "fail", "skip" };
	json_t *o, *arr, *sum;
	size_t k[4] = { 0, 0, 0, 0 };
	int rc = PACC_ENOMEM;

	if (out == NULL || r == NULL)
		return PACC_EINVAL;
	*out = NULL;
	o = json_object();
	arr = json_array();
	sum = json_object();
	if (o == NULL || arr == NULL || sum == NULL)
		goto out;
	for (size_t i = 0; i < r->n; i++) {
		json_t *e = json_object();

		if (e == NULL || json_array_append_new(arr, e) != 0)
			goto out;
		k[r->v[i].status]++;
		if (jset(e, "check", json_string(ids[r->v[i].id].id)) ||
		    jset(e, "status",
			json_string(pacc_check_status_name(r->v[i].status))) ||
		    jset(e, "detail", json_string(r->v[i].detail)) ||
		    jset(e, "group", json_string(ids[r->v[i].id].group)))
			goto out;
	}
	for (int i = 0; i < 4; i++)
		if (jset(sum, keys[i], json_integer((json_int_t)k[i])))
			goto out;
	if (jset(o, "domain", json_string(r->domain ? r->domain : "")) ||
	    jset(o, "error",
		r->error == PACC_OK
		    ? json_null()
		    : json_string(pacc_status_name(r->error))) ||
	    jset(o, "message", json_string(r->errmsg ? r->errmsg : "")) ||
	    jset(o, "elapsed_ms", json_integer(r->elapsed_ms)))
		goto out;
	if (json_object_set(o, "results", arr) != 0 ||
	    json_object_set(o, "summary", sum) != 0)
		goto out;
	rc = pacc__json_text(out, o, flags, JSON_ENSURE_ASCII);
out:
	json_decref(arr);
	json_decref(sum);
	json_decref(o);
	return rc;
}
