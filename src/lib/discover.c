/* SPDX-License-Identifier: MIT */
/*
 * The engine: starts the mechanisms under one deadline, ranks them
 * ("priority-parallel", DESIGN §1), applies the security policy of DESIGN §2
 * and builds the result.  Mechanisms never call each other.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static const struct pacc__mech_ops *const mech_ops[PACC_MECH__COUNT] = {
	[PACC_MECH_PACC] = &pacc__src_pacc_ops,
	[PACC_MECH_PACC_MX] = &pacc__src_pacc_mx_ops,
	[PACC_MECH_PACC_SRV] = &pacc__src_pacc_srv_ops,
	[PACC_MECH_WEBFINGER] = &pacc__src_webfinger_ops,
	[PACC_MECH_SRV] = &pacc__src_srv_ops,
	[PACC_MECH_AUTOCONFIG] = &pacc__src_autoconfig_ops,
	[PACC_MECH_AUTODISCOVER] = &pacc__src_autodiscover_ops,
	[PACC_MECH_ISPDB] = &pacc__src_ispdb_ops,
	[PACC_MECH_GUESS] = &pacc__src_guess_ops,
};

static void evaluate(struct pacc_discovery *d);

void
pacc__mech_report(struct pacc__mech *m, pacc_attempt_outcome outcome,
    const char *code, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	m->outcome = outcome;
	m->code = code;
	pacc__free(m->detail);
	m->detail = pacc__strdup(buf);
}

int
pacc__mech_add_config(struct pacc__mech *m, struct pacc__config *cfg)
{
	struct pacc__config **n;

	if (cfg == NULL)
		return PACC_EINVAL;
	if (m->cfg == NULL) {
		m->cfg = cfg;
		return PACC_OK;
	}
	/* an array of pointers: sizeof(*n) is meant */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	n = pacc__reallocarray(m->more, m->nmore + 1, sizeof(*n));
	if (n == NULL) {
		pacc__config_free(cfg);
		return PACC_ENOMEM;
	}
	m->more = n;
	m->more[m->nmore++] = cfg;
	return PACC_OK;
}

int
pacc__mech_add_confirm(struct pacc__mech *m, const char *host)
{
	char *reg = NULL, **n;
	int rc;

	if ((rc = pacc__registrable_domain(&reg, host)) != PACC_OK)
		return rc;
	n = pacc__reallocarray(m->confirm_extra, m->nconfirm_extra + 1,
	    sizeof(*n));
	if (n == NULL) {
		pacc__free(reg);
		return PACC_ENOMEM;
	}
	m->confirm_extra = n;
	m->confirm_extra[m->nconfirm_extra++] = reg;
	return PACC_OK;
}

long
pacc__mech_remaining_ms(const struct pacc__mech *m)
{
	long long left = m->disc->deadline.deadline - pacc__now_ms();

	return left < 1 ? 1 : (long)left;
}

void
pacc__mech_done(struct pacc__mech *m)
{
	if (m->state != PACC__M_RUNNING)
		return;
	m->state = PACC__M_DONE;
	m->t_end = pacc__now_ms();
	evaluate(m->disc);
}

static void
mech_stop(struct pacc__mech *m)
{
	if (m->ops && m->ops->stop)
		m->ops->stop(m);
}

static void
mech_clear(struct pacc__mech *m)
{
	mech_stop(m);
	pacc__config_free(m->cfg);
	for (size_t i = 0; i < m->nmore; i++)
		pacc__config_free(m->more[i]);
	pacc__free(m->more);
	for (size_t i = 0; i < m->nconfirm_extra; i++)
		pacc__free(m->confirm_extra[i]);
	pacc__free(m->confirm_extra);
	pacc__free(m->detail);
	pacc__free(m->dnssec_detail);
	pacc__free(m->source);
	for (size_t i = 0; i < m->nmx_hosts; i++)
		pacc__free(m->mx_hosts[i]);
	pacc__free(m->mx_hosts);
	memset(m, 0, sizeof(*m));
}

/* ---- result building ---- */

static int
integrity_from(struct pacc_integrity *in, const struct pacc__mech *m)
{
	in->digest = m->digest;
	in->alg = m->digest_alg;
	in->dnssec = m->dnssec;
	if (m->dnssec_reason &&
	    (in->dnssec_reason = pacc__strdup(m->dnssec_reason)) == NULL)
		return PACC_ENOMEM;
	if (m->dnssec_detail &&
	    (in->dnssec_detail = pacc__strdup(m->dnssec_detail)) == NULL)
		return PACC_ENOMEM;
	return PACC_OK;
}

static int
add_confirm(pacc_result *r, const char *host)
{
	char *reg = NULL, **n;
	int rc;

	if (host == NULL)
		return PACC_OK;
	if ((rc = pacc__registrable_domain(&reg, host)) != PACC_OK)
		return rc == PACC_ENOMEM ? rc : PACC_OK;
	for (size_t i = 0; i < r->nconfirm; i++) {
		if (strcmp(r->confirm[i], reg) == 0) {
			pacc__free(reg);
			return PACC_OK;
		}
	}
	n = pacc__reallocarray(r->confirm, r->nconfirm + 1, sizeof(*n));
	if (n == NULL) {
		pacc__free(reg);
		return PACC_ENOMEM;
	}
	r->confirm = n;
	r->confirm[r->nconfirm++] = reg;
	return PACC_OK;
}

static int
add_confirm_url(pacc_result *r, const char *url)
{
	char *host = url ? pacc__url_host(url) : NULL;
	int rc;

	if (url && host == NULL)
		return PACC_OK;
	rc = add_confirm(r, host);
	pacc__free(host);
	return rc;
}

static int
build_confirm(pacc_result *r, const struct pacc_discovery *d,
    const struct pacc__mech *m)
{
	char *own = NULL;
	bool inside = true;
	int rc;

	for (size_t i = 0; i < r->cfg->nservers; i++) {
		const struct pacc_server *s = &r->cfg->servers[i];

		if ((rc = add_confirm(r, s->host)) != PACC_OK ||
		    (rc = add_confirm_url(r, s->url)) != PACC_OK)
			return rc;
	}
	/* the issuer is a host the user talks to (and types secrets into) */
	if ((rc = add_confirm_url(r, r->cfg->oauth_issuer)) != PACC_OK)
		return rc;
	for (size_t i = 0;
	     m && r->outcome == PACC_RESULT_FOUND && i < m->nconfirm_extra; i++)
		if ((rc = add_confirm(r, m->confirm_extra[i])) != PACC_OK)
			return rc;
	r->confirm_required = true;
	if (m == NULL || r->outcome != PACC_RESULT_FOUND)
		return PACC_OK;
	if ((rc = pacc__registrable_domain(&own, d->addr.domain)) != PACC_OK)
		return rc == PACC_ENOMEM ? rc : PACC_OK;
	for (size_t i = 0; i < r->nconfirm; i++)
		if (strcmp(r->confirm[i], own) != 0)
			inside = false;
	pacc__free(own);
	/* DESIGN §2: authenticated = digest verified with a DNSSEC-secure
	 * TXT, and every host inside the address's registrable domain */
	if ((m->ops->id == PACC_MECH_PACC || m->ops->id == PACC_MECH_PACC_MX) &&
	    m->digest == PACC_DIGEST_VERIFIED &&
	    m->dnssec == PACC_DNSSEC_SECURE && inside)
		r->confirm_required = false;
	return PACC_OK;
}

static int
fill_servers(struct pacc__config *cfg, const char *username)
{
	for (size_t i = 0; i < cfg->nservers; i++) {
		struct pacc_server *s = &cfg->servers[i];

		if (s->username == NULL && !pacc__proto_is_http(s->proto) &&
		    (s->username = pacc__strdup(username)) == NULL)
			return PACC_ENOMEM;
	}
	return PACC_OK;
}

static int
build_result(struct pacc_discovery *d, pacc_outcome outcome,
    struct pacc__mech *decider, int error, const char *msg)
{
	pacc_result *r = NULL;
	size_t ncand;
	int rc;

	if ((rc = pacc__result_new(&r)) != PACC_OK)
		return rc;
	r->outcome = outcome;
	r->error = error;
	rc = PACC_ENOMEM;
	if ((r->errmsg = pacc__strdup(msg)) == NULL)
		goto fail;
	if ((r->address = pacc__utf8_sanitize(d->input)) == NULL)
		goto fail;
	if (d->addr.domain &&
	    ((r->domain = pacc__strdup(d->addr.domain)) == NULL ||
		(r->domain_unicode = pacc__strdup(d->addr.domain_unicode)) ==
		    NULL))
		goto fail;

	if (decider) {
		/* found: who answered; integrity failure: whose check failed */
		r->mechanism = (int)decider->ops->id;
		if (decider->source &&
		    (r->source = pacc__strdup(decider->source)) == NULL)
			goto fail;
	}
	if (decider && outcome == PACC_RESULT_FOUND) {
		pacc__config_free(r->cfg);
		r->cfg = NULL;
		if (pacc__config_dup(&r->cfg, decider->cfg) != PACC_OK ||
		    fill_servers(r->cfg, d->input) != PACC_OK)
			goto fail;
		if (decider->nmx_hosts) {
			r->mx_hosts = pacc__calloc(decider->nmx_hosts,
			    sizeof(char *));
			if (r->mx_hosts == NULL)
				goto fail;
			for (size_t i = 0; i < decider->nmx_hosts; i++)
				if ((r->mx_hosts[r->nmx_hosts++] = pacc__strdup(
					 decider->mx_hosts[i])) == NULL)
					goto fail;
			if ((r->mx_form = pacc__strdup(decider->mx_form)) ==
			    NULL)
				goto fail;
		}
	}
	if (decider && integrity_from(&r->integrity, decider) != PACC_OK)
		goto fail;
	if (decider == NULL && outcome == PACC_RESULT_NOT_FOUND &&
	    d->mechs[PACC_MECH_PACC].state == PACC__M_DONE &&
	    integrity_from(&r->integrity, &d->mechs[PACC_MECH_PACC]) != PACC_OK)
		goto fail;
	if ((rc = build_confirm(r, d, decider)) != PACC_OK)
		goto fail;
	rc = PACC_ENOMEM;

	/* attempts: every mechanism, in rank order */
	r->attempts = pacc__calloc(PACC_MECH__COUNT, sizeof(*r->attempts));
	if (r->attempts == NULL)
		goto fail;
	for (int i = 0; i < PACC_MECH__COUNT && d->addr.domain; i++) {
		struct pacc__mech *m = &d->mechs[i];
		struct pacc_attempt *a = &r->attempts[r->nattempts++];

		a->mechanism = (pacc_mechanism)i;
		a->outcome = m->outcome;
		if (m->code && (a->code = pacc__strdup(m->code)) == NULL)
			goto fail;
		if (m->detail && (a->detail = pacc__strdup(m->detail)) == NULL)
			goto fail;
		a->elapsed_ms = m->t_start ? (long)(m->t_end - m->t_start) : 0;
		if (a->elapsed_ms < 0)
			a->elapsed_ms = 0;
	}
	/* candidates: every configuration obtained, ranked */
	ncand = 0;
	for (int i = 0; i < PACC_MECH__COUNT; i++)
		if (d->mechs[i].cfg && d->mechs[i].outcome == PACC_ATTEMPT_OK)
			ncand += 1 + d->mechs[i].nmore;
	r->candidates = pacc__calloc(ncand ? ncand : 1, sizeof(*r->candidates));
	if (r->candidates == NULL)
		goto fail;
	for (int i = 0; i < PACC_MECH__COUNT; i++) {
		struct pacc__mech *m = &d->mechs[i];

		if (m->cfg == NULL || m->outcome != PACC_ATTEMPT_OK)
			continue;
		for (size_t k = 0; k <= m->nmore; k++) {
			const struct pacc__config *cfg = k ? m->more[k - 1]
							   : m->cfg;
			struct pacc_candidate *c =
			    &r->candidates[r->ncandidates++];

			c->mechanism = (pacc_mechanism)i;
			c->usable = outcome == PACC_RESULT_FOUND;
			if (pacc__config_dup(&c->cfg, cfg) != PACC_OK ||
			    fill_servers(c->cfg, d->input) != PACC_OK)
				goto fail;
			if (m->source &&
			    (c->source = pacc__strdup(m->source)) == NULL)
				goto fail;
			if (cfg->title &&
			    (c->title = pacc__strdup(cfg->title)) == NULL)
				goto fail;
			if (integrity_from(&c->integrity, m) != PACC_OK)
				goto fail;
		}
	}
	d->result = r;
	return PACC_OK;
fail:
	pacc_result_free(r);
	return rc;
}

/* ---- delivery ---- */

static void
unlink_disc(struct pacc_discovery *d)
{
	struct pacc_discovery **pp;

	for (pp = &d->ctx->discoveries; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			d->ctx->pending--;
			return;
		}
	}
}

static void
disc_free(struct pacc_discovery *d)
{
	pacc__crosscheck_cancel(d->xc);
	pacc__timer_disarm(d->ctx, &d->deadline);
	pacc__timer_disarm(d->ctx, &d->deliver);
	for (int i = 0; i < PACC_MECH__COUNT; i++)
		mech_clear(&d->mechs[i]);
	for (size_t i = 0; i < PACC__PREFETCH_QUERIES; i++)
		pacc__dns_cancel(d->prefetch[i]);
	pacc__addr_clear(&d->addr);
	pacc_result_free(d->result);
	pacc__free(d->input);
	pacc__free(d->ispdb_dir);
	pacc__free(d->ispdb_url);
	pacc__free(d->doh_url);
	pacc__free(d);
}

static void
deliver(void *ud)
{
	struct pacc_discovery *d = ud;

	unlink_disc(d);
	d->delivering = true;
	if (d->cb)
		d->cb(d, d->result, d->ud);
	disc_free(d);
}

/* Build the result anew (the old one goes); out of memory, an error one. */
static void
rebuild(struct pacc_discovery *d, pacc_outcome outcome,
    struct pacc__mech *decider, int error, const char *msg)
{
	pacc_result *old = d->result;

	d->result = NULL;
	if (build_result(d, outcome, decider, error, msg) != PACC_OK &&
	    build_result(d, PACC_RESULT_ERROR, NULL, PACC_ENOMEM,
		"out of memory") != PACC_OK)
		d->result = NULL; /* delivered as NULL: nothing better left */
	pacc_result_free(old);
}

/*
 * --doh: the cross-check has finished or spent its budget.  Different
 * answers are a security finding: a found answer becomes an integrity
 * failure (DESIGN §2: no servers returned), whoever answered.
 */
static void
crosschecked(struct pacc_discovery *d, struct pacc__xcheck *x)
{
	char msg[1200];
	char *m;

	d->xc = NULL;
	if (x == NULL) {
		rebuild(d, PACC_RESULT_ERROR, NULL, PACC_ENOMEM,
		    "out of memory during the DNS cross-check");
	} else if (pacc__xcheck_disagrees(x) && d->result &&
	    d->result->outcome == PACC_RESULT_FOUND) {
		rebuild(d, PACC_RESULT_INTEGRITY_FAILURE, d->decider, PACC_OK,
		    pacc__xcheck_summary(x));
	} else if (pacc__xcheck_disagrees(x) && d->result) {
		snprintf(msg, sizeof(msg), "%s; %s", d->result->errmsg,
		    pacc__xcheck_summary(x));
		if ((m = pacc__strdup(msg)) != NULL) {
			pacc__free(d->result->errmsg);
			d->result->errmsg = m;
		}
	}
	if (d->result && x && d->result->outcome != PACC_RESULT_ERROR) {
		d->result->xcheck = x;
		x = NULL;
	}
	pacc__xcheck_free(x);
	pacc__timer_arm(d->ctx, &d->deliver, 0);
}

static void
answer(struct pacc_discovery *d, pacc_outcome outcome,
    struct pacc__mech *decider, int error, const char *msg)
{
	if (d->answered)
		return;
	d->answered = true;
	d->decider = decider;
	pacc__timer_disarm(d->ctx, &d->deadline);
	/* DESIGN §1: what still runs is cancelled */
	for (int i = 0; i < PACC_MECH__COUNT; i++) {
		struct pacc__mech *m = &d->mechs[i];

		if (m->enabled && m->ops && m->state == PACC__M_IDLE) {
			/* ranks 8-9: a better answer made them unnecessary */
			m->state = PACC__M_DONE;
			pacc__mech_report(m, PACC_ATTEMPT_SKIPPED, "not-needed",
			    "not started: a better-ranked mechanism answered");
			continue;
		}
		if (m->state != PACC__M_RUNNING)
			continue;
		m->state = PACC__M_DONE;
		m->t_end = pacc__now_ms();
		pacc__mech_report(m, PACC_ATTEMPT_CANCELLED, NULL,
		    "cancelled: a better-ranked answer was ready");
		mech_stop(m);
	}
	if (build_result(d, outcome, decider, error, msg) != PACC_OK &&
	    build_result(d, PACC_RESULT_ERROR, NULL, PACC_ENOMEM,
		"out of memory") != PACC_OK) {
		d->result = NULL; /* delivered as NULL: nothing better left */
	}
	/* --doh: the answer is delivered once the cross-check is done */
	if (d->doh_url && d->result && decider &&
	    (outcome == PACC_RESULT_FOUND ||
		outcome == PACC_RESULT_INTEGRITY_FAILURE)) {
		if (pacc__crosscheck_start(&d->xc, d, crosschecked) == PACC_OK)
			return;
		/* never deliver as if the check asked for had been made */
		rebuild(d, PACC_RESULT_ERROR, NULL, PACC_ENOMEM,
		    "out of memory for the DNS cross-check");
	}
	pacc__timer_arm(d->ctx, &d->deliver, 0);
}

static void start_mech(struct pacc_discovery *d, struct pacc__mech *m);

/* DESIGN §1: ranks 8 and 9 cost privacy or many connections. */
static bool
is_late(int rank)
{
	return rank >= PACC_MECH_ISPDB;
}

static void
evaluate(struct pacc_discovery *d)
{
	char msg[900];
	const char *dnsfail;

	if (d->answered)
		return;
	for (int i = 0; i < PACC_MECH__COUNT; i++) {
		struct pacc__mech *m = &d->mechs[i];

		if (!m->enabled || m->ops == NULL)
			continue;
		if (m->state == PACC__M_IDLE && is_late(i)) {
			/* ranks 1-7 all finished without a usable result */
			for (int k = i; k < PACC_MECH__COUNT; k++)
				if (d->mechs[k].enabled && d->mechs[k].ops &&
				    d->mechs[k].state == PACC__M_IDLE)
					start_mech(d, &d->mechs[k]);
			evaluate(d);
			return;
		}
		if (m->state == PACC__M_RUNNING)
			return; /* a better-ranked source may still answer */
		if (m->decisive) {
			snprintf(msg, sizeof(msg), "%s: %s",
			    pacc_mechanism_name((pacc_mechanism)i),
			    m->detail ? m->detail : "integrity failure");
			answer(d, PACC_RESULT_INTEGRITY_FAILURE, m, PACC_OK,
			    msg);
			return;
		}
		if (m->outcome == PACC_ATTEMPT_OK && m->cfg) {
			snprintf(msg, sizeof(msg), "found by %s",
			    pacc_mechanism_name((pacc_mechanism)i));
			answer(d, PACC_RESULT_FOUND, m, PACC_OK, msg);
			return;
		}
	}
	if ((dnsfail = pacc__dns_failure(d->ctx)) != NULL) {
		answer(d, PACC_RESULT_ERROR, NULL, PACC_EDNS, dnsfail);
		return;
	}
	answer(d, PACC_RESULT_NOT_FOUND, NULL, PACC_OK,
	    "no mechanism found a configuration");
}

static void
on_deadline(void *ud)
{
	struct pacc_discovery *d = ud;
	bool checking = pacc__dns_checking(d->ctx);

	for (int i = 0; i < PACC_MECH__COUNT; i++) {
		struct pacc__mech *m = &d->mechs[i];

		if (m->enabled && m->ops && m->state == PACC__M_IDLE) {
			m->state = PACC__M_DONE;
			pacc__mech_report(m, PACC_ATTEMPT_TIMEOUT, "timeout",
			    "not started: the deadline came first");
			continue;
		}
		if (m->state != PACC__M_RUNNING || m->ops == NULL)
			continue;
		if (m->ops->deadline)
			m->ops->deadline(m);
		else
			pacc__mech_report(m, PACC_ATTEMPT_TIMEOUT, "timeout",
			    "no answer before the deadline");
		m->state = PACC__M_DONE;
		m->t_end = pacc__now_ms();
		mech_stop(m);
	}
	if (checking) {
		/* the resolver never answered the start-up check */
		answer(d, PACC_RESULT_ERROR, NULL, PACC_EDNS,
		    "the DNS resolver did not answer before the deadline");
		return;
	}
	evaluate(d);
}

static void
prefetched(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct pacc__dns_q **slot = ud;

	(void)status;
	(void)a;
	*slot = NULL; /* the answer only warms the validator's cache */
}

/*
 * A validator walks the chain of trust one step at a time (DS, then
 * DNSKEY, zone by zone); asking for those records of the domain and its
 * parents at once lets the resolver fetch them in parallel, so the
 * mechanisms' own answers validate sooner (bench/latency: about one RTT).
 */
static void
prefetch_chain(struct pacc_discovery *d)
{
	const char *name = d->addr.domain;
	size_t k = 0;

	while (name && *name && k + 2 <= PACC__PREFETCH_QUERIES) {
		if (pacc__dns_query(&d->prefetch[k], d->ctx, name, 43 /* DS */,
			prefetched, &d->prefetch[k]) == PACC_OK)
			k++;
		if (pacc__dns_query(&d->prefetch[k], d->ctx, name,
			48 /* DNSKEY */, prefetched,
			&d->prefetch[k]) == PACC_OK)
			k++;
		name = strchr(name, '.');
		if (name)
			name++;
	}
}

static void
start_mech(struct pacc_discovery *d, struct pacc__mech *m)
{
	int rc;

	m->state = PACC__M_RUNNING;
	m->t_start = pacc__now_ms();
	rc = m->ops->start(m);
	if (rc != PACC_OK) {
		const char *f = pacc__dns_failure(d->ctx);

		pacc__mech_report(m, PACC_ATTEMPT_FAILED,
		    f ? "dns-error" : "internal-error", "%s",
		    f ? f : pacc_strerror(rc));
		m->state = PACC__M_DONE;
		m->t_end = pacc__now_ms();
		mech_stop(m);
	}
}

static void
start_mechanisms(struct pacc_discovery *d)
{
	for (int i = 0; i < PACC_MECH__COUNT; i++) {
		struct pacc__mech *m = &d->mechs[i];

		m->disc = d;
		m->ops = mech_ops[i];
		m->digest = PACC_DIGEST_NA;
		m->dnssec = PACC_DNSSEC_NA;
		if (!(d->mechanisms & PACC_MECH_BIT(i))) {
			m->outcome = PACC_ATTEMPT_SKIPPED;
			m->code = "not-requested";
			m->detail = pacc__strdup("not among --mechanisms");
			continue;
		}
		if (m->ops == NULL) {
			m->outcome = PACC_ATTEMPT_SKIPPED;
			m->code = "not-implemented";
			m->detail = pacc__strdup(
			    "this version does not implement this mechanism");
			continue;
		}
		m->enabled = true;
		if (!is_late(i))
			start_mech(d, m);
	}
}

PACC__API int
pacc_discover_start(pacc_discovery **out, pacc_ctx *ctx, const char *address,
    const pacc_discover_opts *opts, pacc_discover_cb cb, void *ud)
{
	struct pacc_discovery *d;
	const char *doh;
	int rc;

	if (out)
		*out = NULL;
	if (ctx == NULL || address == NULL)
		return PACC_EINVAL;
	if (opts && (opts->version < 1 || opts->version > 2))
		return PACC_EINVAL;
	doh = opts && opts->version >= 2 && opts->doh_url && opts->doh_url[0]
	    ? opts->doh_url
	    : NULL;
	/* the fetcher takes https only; it resolves and pins the host */
	if (doh &&
	    (strncasecmp(doh, "https://", 8) != 0 ||
		strnlen(doh, PACC__MAX_INPUT_BYTES + 1) >
		    PACC__MAX_INPUT_BYTES ||
		strpbrk(doh, " \t\r\n") != NULL))
		return PACC_EINVAL;
	d = pacc__calloc(1, sizeof(*d));
	if (d == NULL)
		return PACC_ENOMEM;
	d->ctx = ctx;
	d->cb = cb;
	d->ud = ud;
	d->mechanisms = opts && opts->mechanisms ? opts->mechanisms
						 : ctx->mechanisms;
	d->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms
						     : ctx->timeout_ms;
	d->flags = opts ? opts->flags : 0;
	if (opts && opts->ispdb_dir &&
	    (d->ispdb_dir = pacc__strdup(opts->ispdb_dir)) == NULL) {
		pacc__free(d);
		return PACC_ENOMEM;
	}
	/* Thunderbird's public ISPDB unless the caller names another, or ""
	 * for none */
	d->ispdb_url = pacc__strdup(opts && opts->ispdb_url
		? opts->ispdb_url
		: PACC__DEFAULT_ISPDB_URL);
	if (d->ispdb_url == NULL ||
	    (doh && (d->doh_url = pacc__strdup(doh)) == NULL)) {
		pacc__free(d->ispdb_url);
		pacc__free(d->ispdb_dir);
		pacc__free(d);
		return PACC_ENOMEM;
	}
	d->t0 = pacc__now_ms();
	pacc__timer_init(&d->deadline, on_deadline, d);
	pacc__timer_init(&d->deliver, deliver, d);
	d->input = pacc__strndup(address,
	    strnlen(address, PACC__MAX_INPUT_BYTES + 1));
	if (d->input == NULL) {
		pacc__free(d->ispdb_dir);
		pacc__free(d->ispdb_url);
		pacc__free(d->doh_url);
		pacc__free(d);
		return PACC_ENOMEM;
	}
	d->next = ctx->discoveries;
	ctx->discoveries = d;
	ctx->pending++;
	if (out)
		*out = d;

	if (strlen(address) > PACC__MAX_INPUT_BYTES) {
		d->addr_status = PACC_EADDRESS;
		snprintf(d->addr_why, sizeof(d->addr_why),
		    "the address is longer than %d bytes",
		    PACC__MAX_INPUT_BYTES);
	} else {
		d->addr_status = pacc__addr_parse(&d->addr, address,
		    d->addr_why, sizeof(d->addr_why));
	}
	if (d->addr_status != PACC_OK) {
		pacc__addr_clear(&d->addr);
		answer(d, PACC_RESULT_ERROR, NULL,
		    d->addr_status == PACC_ENOMEM ? PACC_ENOMEM : PACC_EADDRESS,
		    d->addr_why[0] ? d->addr_why : "not a valid email address");
		pacc__loop_sync(ctx);
		return PACC_OK;
	}
	pacc__timer_arm(ctx, &d->deadline, d->timeout_ms);
	ctx->depth++; /* callbacks only from the loop, never from here */
	ctx->starting = true;
	prefetch_chain(d);
	start_mechanisms(d);
	ctx->starting = false;
	ctx->depth--;
	evaluate(d);
	pacc__loop_sync(ctx);
	rc = PACC_OK;
	return rc;
}

PACC__API void
pacc_discover_cancel(pacc_discovery *d)
{
	/* from its own callback: freed when the callback returns */
	if (d == NULL || d->delivering)
		return;
	unlink_disc(d);
	disc_free(d);
}

struct sync_state {
	pacc_result *res;
	bool done;
	int rc;
};

static void
sync_cb(pacc_discovery *d, const pacc_result *res, void *ud)
{
	struct sync_state *st = ud;

	(void)d;
	st->done = true;
	if (res == NULL)
		st->rc = PACC_ENOMEM;
	else
		st->rc = pacc_result_dup(&st->res, res);
}

PACC__API int
pacc_discover_sync(pacc_result **out, pacc_ctx *ctx, const char *address,
    const pacc_discover_opts *opts)
{
	struct sync_state st = { NULL, false, PACC_OK };
	int rc;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	rc = pacc_discover_start(NULL, ctx, address, opts, sync_cb, &st);
	if (rc != PACC_OK)
		return rc;
	rc = pacc__loop_run_until(ctx, &st.done);
	if (!st.done)
		return rc;
	*out = st.res;
	return st.rc;
}
