/* SPDX-License-Identifier: MIT */
/*
 * PACC MX fallback (DESIGN §1 rank 2; pacc-current-notes §2.4): a domain
 * without its own document may be served by its mail hoster.  The MX set is
 * vouched for by an MTA-STS policy in enforce mode (RFC 8461): every MX host
 * of the best preference must match the policy's mx patterns, each host's
 * document must verify against its own TXT digest, and all must be
 * byte-identical.
 *
 * Every lookup starts at once; the answers are kept as facts and one
 * function, decide(), draws the conclusion in a fixed order (MTA-STS record,
 * policy, MX set, documents), so that the outcome never depends on which
 * answer arrived first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MTASTS_PATH "/.well-known/mta-sts.txt"

enum mx_form { FORM_HOST = 0, FORM_PARENT = 1 };

/* A fact: not known yet, or known with a verdict. */
enum fact { PENDING = 0, GOOD, BAD };

struct mx_host {
	struct src_mx *owner;
	char *host;
	enum mx_form form;
	struct pacc__verify *v;
	enum fact state;
	const char *code; /* when BAD */
	char *detail;
	bool bogus;
	unsigned char *body;
	size_t len;
	char *url;
	pacc_dnssec sec;
	const char *reason;
};

struct src_mx {
	struct pacc__mech *m;
	struct pacc__dns_q *sts_q, *mx_q;
	struct pacc__fetch *policy_f;
	/* facts */
	enum fact sts, policy, mx;
	bool sts_bogus, mx_bogus;
	char *sts_detail, *policy_detail, *mx_detail;
	const char *policy_code, *mx_code;
	struct pacc__mtasts_policy *pol;
	pacc_dnssec mx_sec;
	const char *mx_reason;
	bool hosts_started;
	struct mx_host hosts[PACC__MAX_MX_HOSTS];
	size_t nhosts;
	bool finished;
};

static void decide(struct src_mx *s);

static void
release(struct src_mx *s)
{
	pacc__dns_cancel(s->sts_q);
	pacc__dns_cancel(s->mx_q);
	pacc__fetch_cancel(s->policy_f);
	s->sts_q = s->mx_q = NULL;
	s->policy_f = NULL;
	for (size_t i = 0; i < s->nhosts; i++) {
		pacc__verify_cancel(s->hosts[i].v);
		s->hosts[i].v = NULL;
	}
}

static void
mx_free(struct src_mx *s)
{
	release(s);
	for (size_t i = 0; i < s->nhosts; i++) {
		pacc__free(s->hosts[i].host);
		pacc__free(s->hosts[i].detail);
		pacc__free(s->hosts[i].body);
		pacc__free(s->hosts[i].url);
	}
	pacc__free(s->sts_detail);
	pacc__free(s->policy_detail);
	pacc__free(s->mx_detail);
	pacc__mtasts_policy_free(s->pol);
	pacc__free(s);
}

/*
 * The MX-derived name (the draft leaves its form open; DESIGN §1): the MX
 * host itself first, then its parent domain, never above the MX host's
 * registrable domain.  NULL when the form does not exist for this host.
 */
static char *
mx_derived_name(const char *mxhost, enum mx_form form)
{
	char *reg = NULL, *parent;
	const char *dot;

	if (form == FORM_HOST)
		return pacc__strdup(mxhost);
	dot = strchr(mxhost, '.');
	if (dot == NULL || pacc__registrable_domain(&reg, mxhost) != PACC_OK)
		return NULL;
	parent = pacc__strdup(dot + 1);
	if (parent && strlen(parent) < strlen(reg)) {
		pacc__free(parent);
		parent = NULL;
	}
	pacc__free(reg);
	return parent;
}

static void host_verified(void *ud, const struct pacc__verify_result *r);

static int
host_start(struct mx_host *h)
{
	char *name = mx_derived_name(h->host, h->form);
	int rc;

	if (name == NULL)
		return PACC_ENOTFOUND;
	rc = pacc__verify_start(&h->v, h->owner->m->disc->ctx, name,
	    pacc__mech_remaining_ms(h->owner->m), host_verified, h);
	pacc__free(name);
	return rc;
}

static void
host_verified(void *ud, const struct pacc__verify_result *r)
{
	struct mx_host *h = ud;

	h->v = NULL;
	if (!r->ok && !r->opted_in && r->dnssec != PACC_DNSSEC_BOGUS &&
	    h->form == FORM_HOST) {
		/* nothing published at the MX host's own name: its parent */
		h->form = FORM_PARENT;
		if (host_start(h) == PACC_OK)
			return;
	}
	h->sec = r->dnssec;
	h->reason = r->dnssec_reason;
	h->url = pacc__strdup(r->url);
	if (r->ok && (h->body = pacc__malloc(r->len + 1)) != NULL) {
		memcpy(h->body, r->body, r->len);
		h->len = r->len;
		h->state = GOOD;
	} else {
		h->state = BAD;
		h->bogus = r->code && strcmp(r->code, "dnssec-bogus") == 0;
		h->code = r->ok ? "internal-error" : r->code;
		h->detail = pacc__strfmt("MX host %s: %s%s%s", h->host,
		    h->code ? h->code : "nothing published",
		    r->detail ? ": " : "", r->detail ? r->detail : "");
	}
	decide(h->owner);
}

static void
finish(struct src_mx *s)
{
	s->finished = true;
	release(s);
	pacc__mech_done(s->m);
}

static void
succeed(struct src_mx *s)
{
	struct pacc__mech *m = s->m;
	pacc_dnssec sec = s->mx_sec;
	const char *reason = s->mx_reason;

	/* the draft: "All configurations must be bitwise identical" */
	for (size_t i = 1; i < s->nhosts; i++) {
		if (s->hosts[i].len != s->hosts[0].len ||
		    memcmp(s->hosts[i].body, s->hosts[0].body,
			s->hosts[0].len) != 0) {
			pacc__mech_report(m, PACC_ATTEMPT_FAILED,
			    "mx-documents-differ",
			    "the documents of MX hosts %s and %s differ",
			    s->hosts[0].host, s->hosts[i].host);
			return;
		}
	}
	/* the weakest link of the chain: na < secure < insecure < bogus */
	for (size_t i = 0; i < s->nhosts; i++) {
		if (s->hosts[i].sec > sec) {
			sec = s->hosts[i].sec;
			reason = s->hosts[i].reason;
		}
	}
	m->digest = PACC_DIGEST_VERIFIED;
	m->dnssec = sec;
	m->dnssec_reason = reason;
	m->source = pacc__strdup(s->hosts[0].url);
	m->mx_form = s->hosts[0].form == FORM_HOST ? "mx-host" : "mx-parent";
	m->mx_hosts = pacc__calloc(s->nhosts, sizeof(char *));
	for (size_t i = 0; m->mx_hosts && i < s->nhosts; i++) {
		m->nmx_hosts = i + 1;
		if ((m->mx_hosts[i] = pacc__strdup(s->hosts[i].host)) == NULL)
			break;
	}
	if (m->source == NULL || m->mx_hosts == NULL ||
	    m->mx_hosts[s->nhosts - 1] == NULL) {
		m->decisive = true;
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "internal-error",
		    "out of memory");
		return;
	}
	if (!pacc__mech_take_document(m, s->hosts[0].body, s->hosts[0].len)) {
		m->decisive = false; /* the domain itself did not opt in */
		return;
	}
	pacc__mech_report(m, PACC_ATTEMPT_OK, NULL,
	    "%zu MX host(s) vouched for by MTA-STS serve the same verified "
	    "document (%s form)",
	    s->nhosts, m->mx_form);
}

static void
start_hosts(struct src_mx *s)
{
	if (s->hosts_started)
		return;
	s->hosts_started = true;
	for (size_t i = 0; i < s->nhosts; i++) {
		if (host_start(&s->hosts[i]) != PACC_OK) {
			s->hosts[i].state = BAD;
			s->hosts[i].code = "internal-error";
			s->hosts[i].detail = pacc__strfmt(
			    "cannot start verifying %s", s->hosts[i].host);
		}
	}
}

/* Conclude in a fixed order as soon as the facts allow; else wait. */
static void
decide(struct src_mx *s)
{
	struct pacc__mech *m = s->m;
	bool all_good = true;

	if (s->finished)
		return;
	if (s->sts == PENDING)
		return;
	if (s->sts == BAD) {
		if (s->sts_bogus) {
			m->decisive = true;
			pacc__mech_report(m, PACC_ATTEMPT_FAILED,
			    "dnssec-bogus", "%s", s->sts_detail);
		} else {
			pacc__mech_report(m, PACC_ATTEMPT_ABSENT,
			    "mta-sts-absent", "%s", s->sts_detail);
		}
		finish(s);
		return;
	}
	if (s->policy == PENDING)
		return;
	if (s->policy == BAD) {
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, s->policy_code, "%s",
		    s->policy_detail);
		finish(s);
		return;
	}
	if (s->mx == PENDING)
		return;
	if (s->mx == BAD) {
		m->decisive = s->mx_bogus;
		pacc__mech_report(m,
		    strcmp(s->mx_code, "no-mx") == 0 ? PACC_ATTEMPT_ABSENT
						     : PACC_ATTEMPT_FAILED,
		    s->mx_code, "%s", s->mx_detail);
		finish(s);
		return;
	}
	for (size_t i = 0; i < s->nhosts; i++) {
		if (!pacc__mtasts_policy_allows(s->pol, s->hosts[i].host)) {
			pacc__mech_report(m, PACC_ATTEMPT_FAILED,
			    "mx-not-in-policy",
			    "MX host %s matches no mx pattern of the MTA-STS "
			    "policy",
			    s->hosts[i].host);
			finish(s);
			return;
		}
	}
	/* now, and only now, the hosts' documents are worth fetching */
	start_hosts(s);
	for (size_t i = 0; i < s->nhosts; i++) {
		struct mx_host *h = &s->hosts[i];

		if (h->state == BAD) {
			m->decisive = h->bogus;
			pacc__mech_report(m, PACC_ATTEMPT_FAILED,
			    h->bogus ? "dnssec-bogus" : "mx-document-failed",
			    "%s", h->detail);
			finish(s);
			return;
		}
		if (h->state == PENDING)
			all_good = false;
	}
	if (!all_good)
		return;
	succeed(s);
	finish(s);
}

static void
sts_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct src_mx *s = ud;
	char id[40];

	s->sts_q = NULL;
	s->sts = BAD;
	if (status != PACC_OK) {
		s->sts_detail = pacc__strfmt(
		    "the _mta-sts TXT lookup failed: %s",
		    pacc_strerror(status));
	} else if (a->sec == PACC_DNSSEC_BOGUS) {
		s->sts_bogus = true;
		s->sts_detail = pacc__strfmt(
		    "the _mta-sts TXT answer is DNSSEC-bogus: %s",
		    a->why ? a->why : "validation failed");
	} else {
		size_t nsts = 0;

		for (size_t i = 0; i < a->n; i++) {
			char *txt = NULL;
			size_t tlen;

			if (pacc__rr_txt(&txt, &tlen, a->data[i],
				(size_t)a->len[i]) != PACC_OK)
				continue;
			if (pacc__mtasts_txt_parse(txt, tlen, id, sizeof(id)) ==
			    PACC_OK)
				nsts++;
			pacc__free(txt);
		}
		/* RFC 8461 §3.1: anything but exactly one record: no policy */
		if (nsts == 1)
			s->sts = GOOD;
		else if (nsts > 1)
			s->sts_detail = pacc__strfmt(
			    "%zu MTA-STS records at _mta-sts.%s "
			    "(RFC 8461 §3.1 wants exactly one)",
			    nsts, s->m->disc->addr.domain);
		if (s->sts == BAD && s->sts_detail == NULL)
			s->sts_detail = pacc__strfmt(
			    "no MTA-STS record at _mta-sts.%s: "
			    "no MX fallback",
			    s->m->disc->addr.domain);
	}
	decide(s);
}

static void
policy_fetched(void *ud, const struct pacc__fetch_result *r)
{
	struct src_mx *s = ud;
	char why[200];

	s->policy_f = NULL;
	s->policy = BAD;
	s->policy_code = "mta-sts-policy";
	if (r->status != PACC_OK) {
		s->policy_detail = pacc__strfmt(
		    "cannot fetch the MTA-STS policy: %s", r->detail);
	} else if (pacc__mtasts_policy_parse(&s->pol, (const char *)r->body,
		       r->len, why, sizeof(why)) != PACC_OK) {
		s->policy_detail = pacc__strfmt("invalid MTA-STS policy: %s",
		    why);
	} else if (s->pol->mode != PACC__MTASTS_ENFORCE) {
		s->policy_code = "mta-sts-not-enforce";
		s->policy_detail = pacc__strfmt(
		    "the MTA-STS policy is in %s mode, not enforce",
		    s->pol->mode == PACC__MTASTS_TESTING ? "testing" : "none");
	} else {
		s->policy = GOOD;
	}
	decide(s);
}

static void
mx_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct src_mx *s = ud;
	unsigned best = 65536, pref;
	char *host;

	s->mx_q = NULL;
	s->mx = BAD;
	s->mx_code = "dns-error";
	if (status != PACC_OK) {
		s->mx_detail = pacc__strfmt("the MX lookup failed: %s",
		    pacc_strerror(status));
		goto out;
	}
	s->mx_sec = a->sec;
	s->mx_reason = a->reason;
	if (a->sec == PACC_DNSSEC_BOGUS) {
		s->mx_bogus = true;
		s->mx_code = "dnssec-bogus";
		s->mx_detail = pacc__strfmt("the MX answer is DNSSEC-bogus: %s",
		    a->why ? a->why : "validation failed");
		goto out;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (pacc__rr_mx(&pref, &host, a->data[i], (size_t)a->len[i]) !=
		    PACC_OK)
			continue;
		if (pref < best)
			best = pref;
		pacc__free(host);
	}
	/* "Use highest priority MX hosts": every one of the best
	 * preference (RFC 7505 null MX "." means no mail at all) */
	for (size_t i = 0; i < a->n && best < 65536; i++) {
		if (pacc__rr_mx(&pref, &host, a->data[i], (size_t)a->len[i]) !=
		    PACC_OK)
			continue;
		if (pref != best || strcmp(host, ".") == 0 ||
		    s->nhosts == PACC__MAX_MX_HOSTS) {
			pacc__free(host);
			continue;
		}
		s->hosts[s->nhosts].owner = s;
		s->hosts[s->nhosts++].host = host;
	}
	if (s->nhosts == 0) {
		s->mx_code = "no-mx";
		s->mx_detail = pacc__strfmt("%s has no usable MX record",
		    s->m->disc->addr.domain);
		goto out;
	}
	s->mx = GOOD;
out:
	decide(s);
}

static int
mx_start(struct pacc__mech *m)
{
	struct pacc__fetch_opts fo;
	struct src_mx *s;
	const char *d = m->disc->addr.domain;
	char name[300], url[400];
	int rc;

	s = pacc__calloc(1, sizeof(*s));
	if (s == NULL)
		return PACC_ENOMEM;
	s->m = m;
	m->priv = s;
	snprintf(name, sizeof(name), "_mta-sts.%s", d);
	snprintf(url, sizeof(url), "https://mta-sts.%s" MTASTS_PATH, d);
	memset(&fo, 0, sizeof(fo));
	fo.url = url;
	fo.max_body = PACC__MAX_POLICY_BYTES;
	fo.timeout_ms = pacc__mech_remaining_ms(m);
	fo.accept = "text/plain";
	/* RFC 8461 §3.3: HTTPS, a valid certificate, no redirects */
	if ((rc = pacc__dns_query(&s->sts_q, m->disc->ctx, name, PACC__RR_TXT,
		 sts_answer, s)) != PACC_OK ||
	    (rc = pacc__dns_query(&s->mx_q, m->disc->ctx, d, PACC__RR_MX,
		 mx_answer, s)) != PACC_OK ||
	    (rc = pacc__fetch_start(&s->policy_f, m->disc->ctx, &fo,
		 policy_fetched, s)) != PACC_OK)
		return rc; /* mx_stop() releases */
	return PACC_OK;
}

static void
mx_stop(struct pacc__mech *m)
{
	if (m->priv == NULL)
		return;
	mx_free(m->priv);
	m->priv = NULL;
}

const struct pacc__mech_ops pacc__src_pacc_mx_ops = {
	.id = PACC_MECH_PACC_MX,
	.start = mx_start,
	.stop = mx_stop,
	.deadline = NULL,
};
