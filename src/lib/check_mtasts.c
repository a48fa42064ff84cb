/* SPDX-License-Identifier: MIT */
/*
 * pacc check, group "mta-sts": RFC 8461 — the _mta-sts TXT record, the
 * policy at https://mta-sts.{domain}/.well-known/mta-sts.txt (fetched as
 * the pacc-mx mechanism fetches it: no redirects, the same size cap), its
 * grammar and mode, and every MX host against the policy's patterns with
 * RFC 8461 §4.1 matching ("*" is exactly one leftmost label; some other
 * validators let it span several labels, which the detail points out).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check_int.h"

struct ck_sts {
	struct ck_dns *txt, *mx;
	struct ck_fetch *policy;
	char url[300];
	/* round 2: _ua-auto-config TXT of the best MX hosts and parents */
	struct ck_dns *mxpacc[2 * PACC__MAX_MX_HOSTS];
	size_t nmxpacc;
};

int
pacc__ck_sts_start(struct pacc_check *c)
{
	struct pacc__fetch_opts fo;
	struct ck_sts *s;
	char name[300];

	if ((s = c->sts = pacc__calloc(1, sizeof(*s))) == NULL)
		return PACC_ENOMEM;
	snprintf(name, sizeof(name), "_mta-sts.%s", c->domain);
	s->txt = pacc__ck_dns(c, name, PACC__RR_TXT);
	s->mx = pacc__ck_dns(c, c->domain, PACC__RR_MX);
	snprintf(name, sizeof(name), "mta-sts.%s", c->domain);
	pacc__ck_dns(c, name, PACC__RR_A);
	snprintf(s->url, sizeof(s->url),
	    "https://mta-sts.%s/.well-known/mta-sts.txt", c->domain);
	memset(&fo, 0, sizeof(fo));
	fo.url = s->url;
	fo.max_body = PACC__MAX_POLICY_BYTES;
	fo.accept = "text/plain";
	s->policy = pacc__ck_fetch(c, &fo);
	return c->oom ? PACC_ENOMEM : PACC_OK;
}

void
pacc__ck_sts_free(struct pacc_check *c)
{
	pacc__free(c->sts);
	c->sts = NULL;
}

struct mx_list {
	char *host[PACC__MAX_RRS];
	unsigned pref[PACC__MAX_RRS];
	size_t n;
	unsigned best;
};

static void
read_mx(const struct ck_dns *q, struct mx_list *l)
{
	memset(l, 0, sizeof(*l));
	l->best = ~0u;
	for (size_t i = 0; q && i < q->n && l->n < PACC__MAX_RRS; i++) {
		unsigned pref;
		char *host = NULL;

		if (pacc__rr_mx(&pref, &host, q->rr[i], q->len[i]) != PACC_OK)
			continue;
		if (strcmp(host, ".") == 0) { /* RFC 7505 null MX */
			pacc__free(host);
			continue;
		}
		l->host[l->n] = host;
		l->pref[l->n++] = pref;
		if (pref < l->best)
			l->best = pref;
	}
}

static void
mx_clear(struct mx_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		pacc__free(l->host[i]);
	l->n = 0;
}

void
pacc__ck_sts_more(struct pacc_check *c)
{
	struct ck_sts *s = c->sts;
	struct mx_list l;
	char name[300];
	size_t k = 0;

	read_mx(s->mx, &l);
	for (size_t i = 0; i < l.n && k < PACC__MAX_MX_HOSTS; i++) {
		const char *dot = strchr(l.host[i], '.');

		if (l.pref[i] != l.best)
			continue;
		k++;
		snprintf(name, sizeof(name), "_ua-auto-config.%s", l.host[i]);
		s->mxpacc[s->nmxpacc++] = pacc__ck_dns(c, name, PACC__RR_TXT);
		if (dot && strchr(dot + 1, '.')) {
			snprintf(name, sizeof(name), "_ua-auto-config.%s",
			    dot + 1);
			s->mxpacc[s->nmxpacc++] = pacc__ck_dns(c, name,
			    PACC__RR_TXT);
		}
	}
	mx_clear(&l);
}

bool
pacc__ck_sts_mx_publish_pacc(const struct pacc_check *c)
{
	const struct ck_sts *s = c->sts;

	for (size_t i = 0; s && i < s->nmxpacc; i++) {
		char **v;
		size_t n;
		bool yes = false;

		v = pacc__ck_txts(s->mxpacc[i], &n);
		for (size_t k = 0; k < n; k++) {
			struct pacc__uaac u;

			if (pacc__uaac_parse(&u, v[k], strlen(v[k]), NULL, 0) !=
			    PACC_ENOTFOUND)
				yes = true;
		}
		pacc__ck_strv_free(v, n);
		if (yes)
			return true;
	}
	return false;
}

static bool
is_text_plain(const char *ct)
{
	return ct && strcspn(ct, "; \t") == 10 &&
	    strncasecmp(ct, "text/plain", 10) == 0;
}

/* Would a validator that lets "*" span several labels accept it?  Only
 * to explain a FAIL that other tools do not report. */
static const char *
multilabel_match(const struct pacc__mtasts_policy *pol, const char *host)
{
	for (size_t i = 0; i < pol->nmx; i++) {
		const char *p = pol->mx[i];
		size_t hl = strlen(host), sl;

		if (strncmp(p, "*.", 2) != 0)
			continue;
		sl = strlen(p + 1); /* ".suffix" */
		if (hl > sl && strcasecmp(host + hl - sl, p + 1) == 0)
			return p;
	}
	return NULL;
}

static void
report_mx(struct pacc_check *c, const struct pacc__mtasts_policy *pol)
{
	struct ck_sts *s = c->sts;
	struct mx_list l;
	char bad[400] = "";
	size_t nbad = 0;
	const char *note = NULL, *note_host = NULL;

	if (pol == NULL) {
		pacc__ck_add(c, CK_STS_MX_MATCH, PACC_CHECK_SKIP,
		    "no usable policy to match the MX hosts against");
		return;
	}
	if (s->mx == NULL || !s->mx->done || s->mx->status != PACC_OK) {
		pacc__ck_add(c, CK_STS_MX_MATCH, PACC_CHECK_FAIL,
		    "the MX lookup of %s failed: %s", c->domain,
		    pacc__ck_dns_failure(s->mx));
		return;
	}
	read_mx(s->mx, &l);
	if (l.n == 0) {
		pacc__ck_add(c, CK_STS_MX_MATCH, PACC_CHECK_SKIP,
		    "%s has no MX records", c->domain);
		return;
	}
	if (pol->mode == PACC__MTASTS_NONE) {
		pacc__ck_add(c, CK_STS_MX_MATCH, PACC_CHECK_SKIP,
		    "mode none: the policy constrains no MX host");
		mx_clear(&l);
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		size_t bl = strlen(bad);
		const char *m;

		if (pacc__mtasts_policy_allows(pol, l.host[i]))
			continue;
		nbad++;
		snprintf(bad + bl, sizeof(bad) - bl, "%s%s", bl ? ", " : "",
		    l.host[i]);
		if (note == NULL && (m = multilabel_match(pol, l.host[i]))) {
			note = m;
			note_host = l.host[i];
		}
	}
	if (nbad == 0) {
		pacc__ck_add(c, CK_STS_MX_MATCH, PACC_CHECK_PASS,
		    "all %zu MX hosts match an mx pattern (RFC 8461 §4.1)",
		    l.n);
	} else {
		char extra[300] = "";

		if (note)
			snprintf(extra, sizeof(extra),
			    " (\"%s\" covers exactly one label, so not %s; "
			    "validators that let \"*\" span several labels "
			    "wrongly accept it)",
			    note, note_host);
		pacc__ck_add(c, CK_STS_MX_MATCH,
		    pol->mode == PACC__MTASTS_ENFORCE ? PACC_CHECK_FAIL
						      : PACC_CHECK_WARN,
		    "%zu of %zu MX hosts match no mx pattern of the policy: "
		    "%s%s%s",
		    nbad, l.n, bad, extra,
		    pol->mode == PACC__MTASTS_ENFORCE
			? "; senders refuse to deliver there"
			: "");
	}
	mx_clear(&l);
}

void
pacc__ck_sts_report(struct pacc_check *c)
{
	struct ck_sts *s = c->sts;
	const struct ck_fetch *f = s->policy;
	struct pacc__mtasts_policy *pol = NULL;
	size_t n = 0, nsts = 0, nvalid = 0;
	char **v;
	char why[200];
	bool served = f && f->status == PACC_OK;

	v = pacc__ck_txts(s->txt, &n);
	for (size_t i = 0; i < n; i++) {
		char id[64];

		if (strncmp(v[i], "v=STSv1", 7) != 0)
			continue;
		nsts++;
		if (pacc__mtasts_txt_parse(v[i], strlen(v[i]), id,
			sizeof(id)) == PACC_OK)
			nvalid++;
	}
	pacc__ck_strv_free(v, n);
	/* mta-sts.txt */
	if (s->txt == NULL || !s->txt->done || s->txt->status != PACC_OK ||
	    s->txt->sec == PACC_DNSSEC_BOGUS) {
		pacc__ck_add(c, CK_STS_TXT, PACC_CHECK_FAIL,
		    "the _mta-sts.%s TXT lookup failed: %s", c->domain,
		    pacc__ck_dns_failure(s->txt));
	} else if (nsts == 0 && !served) {
		pacc__ck_add(c, CK_STS_TXT, PACC_CHECK_SKIP,
		    "MTA-STS is not published: no v=STSv1 record at "
		    "_mta-sts.%s",
		    c->domain);
		return;
	} else if (nsts == 0) {
		pacc__ck_add(c, CK_STS_TXT, PACC_CHECK_FAIL,
		    "%s serves a policy but there is no v=STSv1 record at "
		    "_mta-sts.%s: senders never fetch it",
		    s->url, c->domain);
	} else if (nsts > 1) {
		pacc__ck_add(c, CK_STS_TXT, PACC_CHECK_FAIL,
		    "%zu v=STSv1 records: RFC 8461 §3.1 treats the domain as "
		    "having no policy",
		    nsts);
	} else if (nvalid == 0) {
		pacc__ck_add(c, CK_STS_TXT, PACC_CHECK_FAIL,
		    "the v=STSv1 record has no valid id= (1 to 32 letters and "
		    "digits)");
	} else if (n > nsts) {
		pacc__ck_add(c, CK_STS_TXT, PACC_CHECK_WARN,
		    "one v=STSv1 record, plus %zu unrelated TXT record(s) "
		    "(RFC 8461 ignores them, some validators reject them)",
		    n - nsts);
	} else {
		pacc__ck_add(c, CK_STS_TXT, PACC_CHECK_PASS,
		    "one valid v=STSv1 record");
	}
	/* mta-sts.policy-fetch, mta-sts.content-type */
	if (served) {
		pacc__ck_add(c, CK_STS_FETCH, PACC_CHECK_PASS,
		    "HTTP 200 from %s (valid certificate, no redirect)",
		    s->url);
		if (is_text_plain(f->ctype))
			pacc__ck_add(c, CK_STS_CTYPE, PACC_CHECK_PASS,
			    "Content-Type %s", f->ctype);
		else
			pacc__ck_add(c, CK_STS_CTYPE, PACC_CHECK_WARN,
			    "Content-Type is %s, not text/plain "
			    "(RFC 8461 §3.2)",
			    f->ctype ? f->ctype : "missing");
	} else {
		pacc__ck_add(c, CK_STS_FETCH, PACC_CHECK_FAIL,
		    "the policy cannot be retrieved (%s): %s",
		    f && f->code ? f->code : "transfer-failed",
		    f && f->detail ? f->detail : "no detail");
		pacc__ck_add(c, CK_STS_CTYPE, PACC_CHECK_SKIP, "no policy");
	}
	/* mta-sts.policy, mta-sts.mode */
	if (!served) {
		pacc__ck_add(c, CK_STS_POLICY, PACC_CHECK_SKIP, "no policy");
		pacc__ck_add(c, CK_STS_MODE, PACC_CHECK_SKIP, "no policy");
	} else if (pacc__mtasts_policy_parse(&pol, (const char *)f->body,
		       f->len, why, sizeof(why)) != PACC_OK) {
		pol = NULL;
		pacc__ck_add(c, CK_STS_POLICY, PACC_CHECK_FAIL,
		    "the policy is malformed: %s", why);
		pacc__ck_add(c, CK_STS_MODE, PACC_CHECK_SKIP,
		    "the policy is malformed");
	} else {
		if (pol->max_age < 86400)
			pacc__ck_add(c, CK_STS_POLICY, PACC_CHECK_WARN,
			    "max_age %ld is under one day (RFC 8461 §3.2 "
			    "advises weeks or more)",
			    pol->max_age);
		else
			pacc__ck_add(c, CK_STS_POLICY, PACC_CHECK_PASS,
			    "valid policy: %zu mx pattern(s), max_age %ld",
			    pol->nmx, pol->max_age);
		if (pol->mode == PACC__MTASTS_ENFORCE)
			pacc__ck_add(c, CK_STS_MODE, PACC_CHECK_PASS,
			    "mode enforce");
		else if (pol->mode == PACC__MTASTS_TESTING)
			pacc__ck_add(c, CK_STS_MODE, PACC_CHECK_WARN,
			    "mode testing: senders only report failures, "
			    "and the PACC MX fallback needs enforce");
		else
			pacc__ck_add(c, CK_STS_MODE, PACC_CHECK_WARN,
			    "mode none: the policy is being withdrawn");
	}
	report_mx(c, pol);
	pacc__mtasts_policy_free(pol);
}
