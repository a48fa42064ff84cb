/* SPDX-License-Identifier: MIT */
/*
 * The earlier PACC draft (draft-bucksch-mailmaint-pacc-00, DESIGN §1 rank 3):
 * SRV _pacc._https.{domain} names the host that serves
 * https://{target}/.well-known/pacc.json.  When the domain has no such
 * record, the draft's MX fallback: the best-preference MX host -- the
 * first of them, as the draft says -- and SRV _paccmx._https.{mxhost}.
 *
 * Nothing vouches for the document but TLS: the SRV target may be anywhere,
 * so a target outside the address's registrable domain joins the domains
 * the user confirms.  The integrity's DNSSEC state is that of the SRV
 * answer (the weaker of MX and SRV on the MX path).
 *
 * Every lookup starts as soon as its input is known; the answers are kept as
 * facts and decide() concludes in a fixed order (own SRV, then MX, then the
 * MX host's SRV, then the documents in RFC 2782 order), so the outcome never
 * depends on which answer arrived first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "internal.h"

#define PACC_SRV_PATH "/.well-known/pacc.json"

/* SRV targets tried per answer; more are ignored. */
enum { MAX_TARGETS = 8 };

/* A fact: not known yet, known with data, known empty, known bad. */
enum fact { PENDING = 0, GOOD, NONE, BAD };

struct srv_step {
	struct src_psrv *owner;
	char *name; /* the SRV owner name asked */
	struct pacc__dns_q *q;
	bool started;
	enum fact state;
	bool bogus;
	char *detail; /* why BAD / NONE */
	pacc_dnssec sec;
	const char *reason;
	char *why;
	struct pacc__srv_rr rrs[MAX_TARGETS];
	size_t n;
};

struct src_psrv {
	struct pacc__mech *m;
	struct srv_step direct, viamx;
	/* MX fallback */
	struct pacc__dns_q *mx_q;
	enum fact mx;
	bool mx_bogus;
	pacc_dnssec mx_sec;
	const char *mx_reason;
	char *mx_why;
	char *mx_host;
	char *mx_detail;
	/* documents, one target at a time in RFC 2782 order */
	struct srv_step *used;
	size_t next;
	struct pacc__fetch *f;
	char *url;
	char *target; /* host of the fetch running or done */
	bool fetch_bogus;
	char *bogus_detail;
	const char *first_code;
	struct pacc__buf tried; /* "host: reason; " for the detail */
	struct pacc__config *cfg;
	bool finished;
};

static void decide(struct src_psrv *s);

/* A uniform integer in [0, max] for RFC 2782's weighted selection. */

static void
step_clear(struct srv_step *st)
{
	pacc__dns_cancel(st->q);
	st->q = NULL;
	for (size_t i = 0; i < st->n; i++)
		pacc__srv_rr_clear(&st->rrs[i]);
	st->n = 0;
	pacc__free(st->name);
	pacc__free(st->detail);
	pacc__free(st->why);
	st->name = st->detail = st->why = NULL;
}

static void
release(struct src_psrv *s)
{
	pacc__dns_cancel(s->direct.q);
	pacc__dns_cancel(s->viamx.q);
	pacc__dns_cancel(s->mx_q);
	pacc__fetch_cancel(s->f);
	s->direct.q = s->viamx.q = s->mx_q = NULL;
	s->f = NULL;
}

static void
psrv_free(struct src_psrv *s)
{
	release(s);
	step_clear(&s->direct);
	step_clear(&s->viamx);
	pacc__free(s->mx_why);
	pacc__free(s->mx_host);
	pacc__free(s->mx_detail);
	pacc__free(s->url);
	pacc__free(s->target);
	pacc__free(s->bogus_detail);
	pacc__buf_free(&s->tried);
	pacc__config_free(s->cfg);
	pacc__free(s);
}

static void
finish(struct src_psrv *s)
{
	s->finished = true;
	release(s);
	pacc__mech_done(s->m);
}

/* RFC 2782: a single record with target "." means "decidedly not here". */
static bool
not_offered(const struct srv_step *st)
{
	return st->n == 1 && strcmp(st->rrs[0].target, ".") == 0;
}

static bool
usable_target(const struct pacc__srv_rr *rr)
{
	return strcmp(rr->target, ".") != 0 && rr->port != 0 &&
	    pacc__hostname_valid(rr->target);
}

static void
srv_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct srv_step *st = ud;

	st->q = NULL;
	st->state = BAD;
	if (status != PACC_OK) {
		st->detail = pacc__strfmt("the SRV lookup of %s failed: %s",
		    st->name, pacc_strerror(status));
		goto out;
	}
	st->sec = a->sec;
	st->reason = a->reason;
	if (a->why)
		st->why = pacc__strdup(a->why);
	if (a->sec == PACC_DNSSEC_BOGUS) {
		st->bogus = true;
		st->detail = pacc__strfmt(
		    "the SRV answer for %s is DNSSEC-bogus: %s", st->name,
		    a->why ? a->why : "validation failed");
		goto out;
	}
	for (size_t i = 0; i < a->n && st->n < MAX_TARGETS; i++) {
		if (pacc__rr_srv(&st->rrs[st->n], a->data[i],
			(size_t)a->len[i]) == PACC_OK)
			st->n++;
	}
	if (st->n == 0) {
		st->state = NONE;
		st->detail = pacc__strfmt("no SRV record at %s", st->name);
		goto out;
	}
	pacc__srv_order(st->rrs, st->n, pacc__srv_random, NULL);
	st->state = GOOD;
out:
	decide(st->owner);
}

static int
step_start(struct srv_step *st, const char *service, const char *name)
{
	struct src_psrv *s = st->owner;

	st->started = true;
	st->name = pacc__strfmt("%s.%s", service, name);
	if (st->name == NULL)
		return PACC_ENOMEM;
	return pacc__dns_query(&st->q, s->m->disc->ctx, st->name, PACC__RR_SRV,
	    srv_answer, st);
}

static void
mx_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct src_psrv *s = ud;
	unsigned best = 65536, pref;
	char *host;

	s->mx_q = NULL;
	s->mx = BAD;
	if (status != PACC_OK) {
		s->mx_detail = pacc__strfmt("the MX lookup of %s failed: %s",
		    s->m->disc->addr.domain, pacc_strerror(status));
		goto out;
	}
	s->mx_sec = a->sec;
	s->mx_reason = a->reason;
	if (a->why)
		s->mx_why = pacc__strdup(a->why);
	if (a->sec == PACC_DNSSEC_BOGUS) {
		s->mx_bogus = true;
		s->mx_detail = pacc__strfmt(
		    "the MX answer for %s is DNSSEC-bogus: %s",
		    s->m->disc->addr.domain,
		    a->why ? a->why : "validation failed");
		goto out;
	}
	/* "the client takes only the first of them": the first record of
	 * the best preference, in answer order */
	for (size_t i = 0; i < a->n; i++) {
		if (pacc__rr_mx(&pref, &host, a->data[i], (size_t)a->len[i]) !=
		    PACC_OK)
			continue;
		if (pref < best && strcmp(host, ".") != 0 &&
		    pacc__hostname_valid(host)) {
			best = pref;
			pacc__free(s->mx_host);
			s->mx_host = host;
		} else {
			pacc__free(host);
		}
	}
	if (s->mx_host == NULL) {
		s->mx = NONE;
		s->mx_detail = pacc__strfmt("%s has no usable MX record",
		    s->m->disc->addr.domain);
		goto out;
	}
	s->mx = GOOD;
out:
	decide(s);
}

static void doc_fetched(void *ud, const struct pacc__fetch_result *r);

static void
note_failure(struct src_psrv *s, const char *host, const char *code,
    const char *why)
{
	if (s->first_code == NULL)
		s->first_code = code;
	(void)pacc__buf_appendf(&s->tried, "%s%s: %s", s->tried.len ? "; " : "",
	    host, why);
}

/* Start the next usable target's fetch; false when none is left. */
static bool
fetch_next(struct src_psrv *s)
{
	struct pacc__fetch_opts fo;
	struct srv_step *st = s->used;

	while (s->next < st->n) {
		const struct pacc__srv_rr *rr = &st->rrs[s->next++];
		char url[400];
		int rc;

		if (!usable_target(rr))
			continue;
		if (rr->port == 443)
			snprintf(url, sizeof(url), "https://%s" PACC_SRV_PATH,
			    rr->target);
		else
			snprintf(url, sizeof(url),
			    "https://%s:%u" PACC_SRV_PATH, rr->target,
			    rr->port);
		pacc__free(s->url);
		pacc__free(s->target);
		s->url = pacc__strdup(url);
		s->target = pacc__strdup(rr->target);
		if (s->url == NULL || s->target == NULL) {
			note_failure(s, rr->target, "internal-error",
			    "out of memory");
			continue;
		}
		memset(&fo, 0, sizeof(fo));
		fo.url = url;
		fo.max_body = (size_t)PACC__MAX_DOC_BYTES;
		fo.timeout_ms = pacc__mech_remaining_ms(s->m);
		/* the draft: Accept MUST allow text/json */
		fo.accept = "application/json, text/json";
		rc = pacc__fetch_start(&s->f, s->m->disc->ctx, &fo, doc_fetched,
		    s);
		if (rc == PACC_OK)
			return true;
		note_failure(s, rr->target,
		    rc == PACC_ENOMEM ? "internal-error" : "invalid-url",
		    pacc_strerror(rc));
	}
	return false;
}

static void
doc_fetched(void *ud, const struct pacc__fetch_result *r)
{
	struct src_psrv *s = ud;
	char why[256] = "";
	int rc;

	s->f = NULL;
	if (r->status != PACC_OK) {
		if (r->code && strcmp(r->code, "dnssec-bogus") == 0) {
			/* the address of a host we depend on was tampered */
			s->fetch_bogus = true;
			s->bogus_detail = pacc__strdup(r->detail);
		}
		note_failure(s, s->target,
		    r->code ? r->code : "transfer-failed", r->detail);
		decide(s);
		return;
	}
	rc = pacc__pacc_json_parse(&s->cfg, r->body, r->len,
	    s->m->disc->addr.address, why, sizeof(why));
	if (rc != PACC_OK) {
		s->cfg = NULL;
		note_failure(s, s->target,
		    rc == PACC_ENOMEM ? "internal-error" : "invalid-document",
		    why);
	}
	decide(s);
}

static void
succeed(struct src_psrv *s)
{
	struct pacc__mech *m = s->m;
	bool via_mx = s->used == &s->viamx;
	pacc_dnssec sec = s->used->sec;
	const char *reason = s->used->reason;
	char *own = NULL, *theirs = NULL;
	bool outside = true;

	/* the chain is as strong as its weakest answer:
	 * na < secure < insecure (bogus never gets here) */
	if (via_mx && s->mx_sec > sec) {
		sec = s->mx_sec;
		reason = s->mx_reason;
	}
	m->digest = PACC_DIGEST_NA;
	m->dnssec = sec;
	m->dnssec_reason = sec == PACC_DNSSEC_NA ? NULL : reason;
	m->source = pacc__strdup(s->url);
	if (pacc__registrable_domain(&own, m->disc->addr.domain) == PACC_OK &&
	    pacc__registrable_domain(&theirs, s->target) == PACC_OK &&
	    strcmp(own, theirs) == 0)
		outside = false;
	pacc__free(own);
	pacc__free(theirs);
	/* the draft's "User approval": the host that spoke for the domain */
	if (outside && pacc__mech_add_confirm(m, s->target) == PACC_ENOMEM) {
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "internal-error",
		    "out of memory");
		return;
	}
	if (pacc__mech_add_config(m, s->cfg) != PACC_OK) {
		s->cfg = NULL;
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "internal-error",
		    "out of memory");
		return;
	}
	s->cfg = NULL;
	pacc__mech_report(m, PACC_ATTEMPT_OK, NULL,
	    "%s from SRV %s%s%s (DNSSEC %s)%s%s", s->url, s->used->name,
	    via_mx ? " of MX host " : "", via_mx ? s->mx_host : "",
	    pacc_dnssec_name(sec),
	    outside ? "; the target is outside the address's domain" : "",
	    s->tried.len ? "; earlier targets failed" : "");
}

/* Conclude from one SRV answer: not offered, failed, or its documents. */
static bool
decide_step(struct src_psrv *s, struct srv_step *st)
{
	struct pacc__mech *m = s->m;
	size_t usable = 0;

	if (st->state == BAD) {
		if (st->bogus) {
			m->decisive = true;
			m->dnssec = PACC_DNSSEC_BOGUS;
			m->dnssec_reason = "validation-failed";
			m->dnssec_detail = pacc__strdup(st->why);
		}
		pacc__mech_report(m, PACC_ATTEMPT_FAILED,
		    st->bogus ? "dnssec-bogus" : "dns-error", "%s", st->detail);
		return true;
	}
	for (size_t i = 0; i < st->n; i++)
		usable += usable_target(&st->rrs[i]);
	if (not_offered(st) || usable == 0) {
		pacc__mech_report(m, PACC_ATTEMPT_ABSENT, "not-offered",
		    "SRV %s says the service is not offered (target \".\" "
		    "or no usable target)",
		    st->name);
		return true;
	}
	if (s->used == NULL) {
		s->used = st;
		s->next = 0;
	}
	if (s->fetch_bogus) {
		m->decisive = true;
		m->dnssec = PACC_DNSSEC_BOGUS;
		m->dnssec_reason = "validation-failed";
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "dnssec-bogus", "%s",
		    s->bogus_detail ? s->bogus_detail
				    : "a target's address is DNSSEC-bogus");
		return true;
	}
	if (s->f)
		return false;
	if (s->cfg) {
		succeed(s);
		return true;
	}
	if (fetch_next(s))
		return false;
	if (s->first_code == NULL)
		s->first_code = "transfer-failed";
	pacc__mech_report(m,
	    strcmp(s->first_code, "timeout") == 0 ? PACC_ATTEMPT_TIMEOUT
						  : PACC_ATTEMPT_FAILED,
	    s->first_code, "no SRV target of %s served a PACC document: %.*s",
	    st->name, (int)(s->tried.len > 500 ? 500 : s->tried.len),
	    s->tried.data ? (const char *)s->tried.data : "");
	return true;
}

static void
decide(struct src_psrv *s)
{
	struct pacc__mech *m = s->m;

	if (s->finished)
		return;
	/* the MX host's SRV is asked as soon as the MX is known, while the
	 * domain's own SRV may still tell that it is not needed */
	if (s->mx == GOOD && !s->viamx.started &&
	    (s->direct.state == PENDING || s->direct.state == NONE) &&
	    step_start(&s->viamx, "_paccmx._https", s->mx_host) != PACC_OK) {
		s->viamx.state = BAD;
		pacc__free(s->viamx.detail);
		s->viamx.detail = pacc__strfmt(
		    "cannot look up SRV _paccmx._https.%s", s->mx_host);
	}
	if (s->direct.state == PENDING)
		return;
	if (s->direct.state != NONE) {
		if (decide_step(s, &s->direct))
			finish(s);
		return;
	}
	/* no _pacc SRV: the draft's MX fallback */
	if (s->mx == PENDING)
		return;
	if (s->mx == BAD) {
		if (s->mx_bogus) {
			m->decisive = true;
			m->dnssec = PACC_DNSSEC_BOGUS;
			m->dnssec_reason = "validation-failed";
			m->dnssec_detail = pacc__strdup(s->mx_why);
		}
		pacc__mech_report(m, PACC_ATTEMPT_FAILED,
		    s->mx_bogus ? "dnssec-bogus" : "dns-error", "%s",
		    s->mx_detail);
		finish(s);
		return;
	}
	if (s->mx == NONE) {
		pacc__mech_report(m, PACC_ATTEMPT_ABSENT, NULL,
		    "no SRV record at %s and no MX for the fallback",
		    s->direct.name);
		finish(s);
		return;
	}
	if (s->viamx.state == PENDING)
		return;
	if (s->viamx.state == NONE) {
		pacc__mech_report(m, PACC_ATTEMPT_ABSENT, NULL,
		    "no SRV record at %s nor at %s (MX host)", s->direct.name,
		    s->viamx.name);
		finish(s);
		return;
	}
	if (decide_step(s, &s->viamx))
		finish(s);
}

static int
psrv_start(struct pacc__mech *m)
{
	struct src_psrv *s = pacc__calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return PACC_ENOMEM;
	s->m = m;
	s->direct.owner = s->viamx.owner = s;
	pacc__buf_init(&s->tried, 4096);
	m->priv = s;
	/* the MX answer is only needed without a _pacc record, but asking
	 * now saves a round trip; the _paccmx lookup waits for it */
	if ((rc = step_start(&s->direct, "_pacc._https",
		 m->disc->addr.domain)) != PACC_OK ||
	    (rc = pacc__dns_query(&s->mx_q, m->disc->ctx, m->disc->addr.domain,
		 PACC__RR_MX, mx_answer, s)) != PACC_OK)
		return rc; /* psrv_stop() releases */
	return PACC_OK;
}

static void
psrv_stop(struct pacc__mech *m)
{
	if (m->priv == NULL)
		return;
	psrv_free(m->priv);
	m->priv = NULL;
}

static void
psrv_deadline(struct pacc__mech *m)
{
	struct src_psrv *s = m->priv;
	const char *what = "the SRV answer";

	if (s && s->f)
		what = "the document";
	else if (s && s->direct.state == NONE)
		what = s->mx == PENDING ? "the MX answer"
					: "the MX host's SRV answer";
	pacc__mech_report(m, PACC_ATTEMPT_TIMEOUT, "timeout",
	    "%s did not arrive before the deadline%s%s", what,
	    s && s->url && s->f ? ": " : "", s && s->url && s->f ? s->url : "");
}

const struct pacc__mech_ops pacc__src_pacc_srv_ops = {
	.id = PACC_MECH_PACC_SRV,
	.start = psrv_start,
	.stop = psrv_stop,
	.deadline = psrv_deadline,
};
