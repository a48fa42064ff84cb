/* SPDX-License-Identifier: MIT */
/*
 * PACC (draft-ietf-mailmaint-pacc), DESIGN §1 rank 1 and §2.
 *
 * The verification procedure -- GET the document at
 * https://ua-auto-config.{name}/.well-known/user-agent-configuration.json
 * (TLS 1.3) in parallel with TXT _ua-auto-config.{name}, digest over the
 * exact body bytes, accept when any v=UAAC1 RR matches -- is shared with the
 * MX fallback (src_pacc_mx.c), which runs it on MX-derived names.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"

#define PACC_PATH "/.well-known/user-agent-configuration.json"

struct pacc__verify {
	pacc_ctx *ctx;
	char *url;
	struct pacc__dns_q *txt_q;
	struct pacc__fetch *fetch;
	bool txt_done, fetch_done;
	/* TXT */
	int txt_status;
	pacc_dnssec txt_sec;
	const char *txt_reason;
	char *txt_why;
	struct pacc__uaac recs[PACC__MAX_RRS];
	size_t nrecs;
	size_t nuaac; /* RRs with v=UAAC1, whatever their state */
	size_t nunsupported, nmalformed;
	/* document */
	int fetch_status;
	const char *fetch_code;
	char *fetch_detail;
	unsigned char *body;
	size_t len;
	pacc__verify_cb cb;
	void *ud;
};

static void
verify_free(struct pacc__verify *v)
{
	pacc__dns_cancel(v->txt_q);
	pacc__fetch_cancel(v->fetch);
	pacc__free(v->url);
	pacc__free(v->txt_why);
	pacc__free(v->fetch_detail);
	pacc__free(v->body);
	pacc__free(v);
}

void
pacc__verify_cancel(struct pacc__verify *v)
{
	if (v)
		verify_free(v);
}

void
pacc__verify_txt_state(const struct pacc__verify *v, pacc_dnssec *sec,
    const char **reason)
{
	*sec = v && v->txt_done && v->txt_status == PACC_OK ? v->txt_sec
							    : PACC_DNSSEC_NA;
	*reason = *sec != PACC_DNSSEC_NA ? v->txt_reason : NULL;
}

int
pacc__verify_opted_in(const struct pacc__verify *v)
{
	if (v == NULL || !v->txt_done)
		return -1;
	return v->nuaac > 0;
}

const EVP_MD *
pacc__digest_md(enum pacc__digest_alg alg)
{
	switch (alg) {
	case PACC__ALG_SHA256:
		return EVP_sha256();
	case PACC__ALG_SHA512:
		return EVP_sha512();
	case PACC__ALG_SHA3_512:
		return EVP_sha3_512();
	}
	return NULL;
}

/* Digest the raw body once per algorithm; compare in constant time. */
static bool
digest_matches(const struct pacc__verify *v, enum pacc__digest_alg *alg)
{
	unsigned char md[3][EVP_MAX_MD_SIZE];
	unsigned mdlen[3] = { 0, 0, 0 };

	for (size_t i = 0; i < v->nrecs; i++) {
		const struct pacc__uaac *r = &v->recs[i];
		int k = (int)r->alg - 1;

		if (k < 0 || k > 2)
			continue;
		if (mdlen[k] == 0 &&
		    !EVP_Digest(v->body ? v->body : (unsigned char *)"", v->len,
			md[k], &mdlen[k], pacc__digest_md(r->alg), NULL))
			continue;
		if (mdlen[k] == r->digest_len &&
		    CRYPTO_memcmp(md[k], r->digest, r->digest_len) == 0) {
			*alg = r->alg;
			return true;
		}
	}
	return false;
}

static void
verify_finish(struct pacc__verify *v)
{
	struct pacc__verify_result r;
	char detail[512];

	memset(&r, 0, sizeof(r));
	r.url = v->url;
	r.dnssec = v->txt_sec;
	r.dnssec_reason = v->txt_reason;
	r.dnssec_detail = v->txt_why;
	r.opted_in = v->nuaac > 0;
	r.digest = PACC_DIGEST_NA;
	r.outcome = PACC_ATTEMPT_FAILED;
	r.detail = detail;
	detail[0] = '\0';

	if (v->txt_sec == PACC_DNSSEC_BOGUS) {
		r.code = "dnssec-bogus";
		snprintf(detail, sizeof(detail),
		    "the _ua-auto-config TXT answer is DNSSEC-bogus: %s",
		    v->txt_why ? v->txt_why : "validation failed");
		goto out;
	}
	if (v->fetch_code && strcmp(v->fetch_code, "dnssec-bogus") == 0) {
		r.code = "dnssec-bogus";
		snprintf(detail, sizeof(detail), "%s", v->fetch_detail);
		goto out;
	}
	if (v->txt_status != PACC_OK) {
		/* not a verdict on the domain: lower mechanisms decide */
		r.code = "dns-error";
		snprintf(detail, sizeof(detail),
		    "the _ua-auto-config TXT lookup failed: %s",
		    pacc_strerror(v->txt_status));
		goto out;
	}
	if (!r.opted_in) {
		r.digest = PACC_DIGEST_ABSENT;
		if (v->fetch_status == PACC_OK) {
			r.code = "no-digest-record";
			snprintf(detail, sizeof(detail),
			    "%s serves a document but there is no v=UAAC1 "
			    "TXT record to verify it",
			    v->url);
		} else {
			r.outcome = PACC_ATTEMPT_ABSENT;
			snprintf(detail, sizeof(detail),
			    "no v=UAAC1 TXT record and no document (%s)",
			    v->fetch_detail ? v->fetch_detail : "none");
		}
		goto out;
	}
	/* opted in: from here on every failure is an integrity failure */
	if (v->fetch_status != PACC_OK) {
		r.code = v->fetch_code ? v->fetch_code : "transfer-failed";
		if (strcmp(r.code, "timeout") == 0)
			r.outcome = PACC_ATTEMPT_TIMEOUT;
		snprintf(detail, sizeof(detail), "%s",
		    v->fetch_detail ? v->fetch_detail : "fetch failed");
		goto out;
	}
	if (v->nrecs == 0) {
		r.code = v->nunsupported ? "unsupported-digest"
					 : "bad-digest-record";
		snprintf(detail, sizeof(detail),
		    "no v=UAAC1 record with a supported, well-formed digest "
		    "(%zu unsupported, %zu malformed)",
		    v->nunsupported, v->nmalformed);
		goto out;
	}
	if (!digest_matches(v, &r.alg)) {
		r.digest = PACC_DIGEST_MISMATCH;
		r.code = "digest-mismatch";
		snprintf(detail, sizeof(detail),
		    "the digest of the %zu bytes served at %s matches none of "
		    "the %zu v=UAAC1 records",
		    v->len, v->url, v->nrecs);
		goto out;
	}
	r.digest = PACC_DIGEST_VERIFIED;
	r.ok = true;
	r.outcome = PACC_ATTEMPT_OK;
	r.body = v->body;
	r.len = v->len;
	snprintf(detail, sizeof(detail), "%zu bytes verified with %s (%s)",
	    v->len, pacc__digest_alg_name(r.alg), pacc_dnssec_name(v->txt_sec));
out:
	v->cb(v->ud, &r);
	verify_free(v); /* the callback copied what it keeps */
}

static void
maybe_finish(struct pacc__verify *v)
{
	if (v->txt_done && v->fetch_done)
		verify_finish(v);
}

static void
txt_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct pacc__verify *v = ud;
	char why[128];

	v->txt_q = NULL;
	v->txt_done = true;
	v->txt_status = status;
	if (status == PACC_OK) {
		v->txt_sec = a->sec;
		v->txt_reason = a->reason;
		if (a->why)
			v->txt_why = pacc__strdup(a->why);
		for (size_t i = 0; i < a->n && a->sec != PACC_DNSSEC_BOGUS;
		     i++) {
			char *txt = NULL;
			size_t tlen;
			int rc;

			if (pacc__rr_txt(&txt, &tlen, a->data[i],
				(size_t)a->len[i]) != PACC_OK)
				continue;
			rc = pacc__uaac_parse(&v->recs[v->nrecs], txt, tlen,
			    why, sizeof(why));
			pacc__free(txt);
			if (rc == PACC_ENOTFOUND)
				continue;
			v->nuaac++;
			if (rc == PACC_OK)
				v->nrecs++;
			else if (rc == PACC_EUNSUPPORTED)
				v->nunsupported++;
			else
				v->nmalformed++;
		}
	}
	maybe_finish(v);
}

static void
doc_fetched(void *ud, const struct pacc__fetch_result *r)
{
	struct pacc__verify *v = ud;

	v->fetch = NULL;
	v->fetch_done = true;
	v->fetch_status = r->status;
	v->fetch_code = r->code;
	v->fetch_detail = pacc__strdup(r->detail);
	if (r->status == PACC_OK) {
		/* keep the exact bytes: the digest is over them */
		v->body = pacc__malloc(r->len + 1);
		if (v->body == NULL) {
			v->fetch_status = PACC_ENOMEM;
			v->fetch_code = "internal-error";
		} else {
			memcpy(v->body, r->body, r->len);
			v->body[r->len] = '\0';
			v->len = r->len;
		}
	}
	maybe_finish(v);
}

int
pacc__verify_start(struct pacc__verify **out, pacc_ctx *ctx, const char *name,
    long timeout_ms, pacc__verify_cb cb, void *ud)
{
	struct pacc__fetch_opts fo;
	struct pacc__verify *v;
	char txtname[300];
	char url[400];
	int rc;

	*out = NULL;
	if (snprintf(txtname, sizeof(txtname), "_ua-auto-config.%s", name) >=
		(int)sizeof(txtname) ||
	    snprintf(url, sizeof(url), "https://ua-auto-config.%s" PACC_PATH,
		name) >= (int)sizeof(url))
		return PACC_EINVAL;
	v = pacc__calloc(1, sizeof(*v));
	if (v == NULL)
		return PACC_ENOMEM;
	v->ctx = ctx;
	v->cb = cb;
	v->ud = ud;
	v->txt_sec = PACC_DNSSEC_NA;
	if ((v->url = pacc__strdup(url)) == NULL) {
		rc = PACC_ENOMEM;
		goto fail;
	}
	memset(&fo, 0, sizeof(fo));
	fo.url = url;
	fo.tls13 = true; /* PACC: TLS 1.3+ for configuration retrieval */
	fo.max_body = PACC__MAX_DOC_BYTES;
	fo.timeout_ms = timeout_ms;
	fo.accept = "application/json";
	if ((rc = pacc__dns_query(&v->txt_q, ctx, txtname, PACC__RR_TXT,
		 txt_answer, v)) != PACC_OK)
		goto fail;
	if ((rc = pacc__fetch_start(&v->fetch, ctx, &fo, doc_fetched, v)) !=
	    PACC_OK)
		goto fail;
	*out = v;
	return PACC_OK;
fail:
	verify_free(v);
	return rc;
}

/* ---- the pacc mechanism ---- */

/* Parse a verified body into m->cfg; false with code/detail on failure. */
bool
pacc__mech_take_document(struct pacc__mech *m, const unsigned char *body,
    size_t len)
{
	char why[256];
	json_error_t jerr;
	json_t *j;
	int rc;

	rc = pacc__pacc_json_parse(&m->cfg, body, len, m->disc->addr.address,
	    why, sizeof(why));
	if (rc == PACC_OK)
		return true;
	m->decisive = true;
	if (rc == PACC_ENOMEM) {
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "internal-error",
		    "out of memory while parsing the document");
		return false;
	}
	/* tell "not JSON" apart from "JSON but not a PACC document" */
	j = json_loadb((const char *)body, len, 0, &jerr);
	if (j == NULL) {
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "invalid-json",
		    "the verified document is not valid JSON: %s", why);
	} else {
		json_decref(j);
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "invalid-document",
		    "the verified document is not a usable PACC document: %s",
		    why);
	}
	return false;
}

struct src_pacc {
	struct pacc__verify *v;
};

static void
pacc_verified(void *ud, const struct pacc__verify_result *r)
{
	struct pacc__mech *m = ud;
	struct src_pacc *p = m->priv;

	p->v = NULL;
	m->digest = r->digest;
	m->digest_alg = r->alg;
	m->dnssec = r->dnssec;
	m->dnssec_reason = r->dnssec_reason;
	if (r->dnssec_detail)
		m->dnssec_detail = pacc__strdup(r->dnssec_detail);
	m->source = pacc__strdup(r->url);
	if (!r->ok) {
		/* DESIGN §2 downgrade protection: a domain with a v=UAAC1
		 * record has opted in; bogus DNS decides in any case */
		m->decisive = r->opted_in ||
		    (r->code && strcmp(r->code, "dnssec-bogus") == 0);
		if (r->code && strcmp(r->code, "dns-error") == 0)
			m->decisive = false;
		pacc__mech_report(m, r->outcome, r->code, "%s", r->detail);
		pacc__mech_done(m);
		return;
	}
	if (pacc__mech_take_document(m, r->body, r->len)) {
		m->outcome = PACC_ATTEMPT_OK;
		pacc__free(m->detail);
		m->detail = pacc__strdup(r->detail);
	}
	pacc__mech_done(m);
}

static int
pacc_start(struct pacc__mech *m)
{
	struct src_pacc *p = pacc__calloc(1, sizeof(*p));
	int rc;

	if (p == NULL)
		return PACC_ENOMEM;
	m->priv = p;
	rc = pacc__verify_start(&p->v, m->disc->ctx, m->disc->addr.domain,
	    pacc__mech_remaining_ms(m), pacc_verified, m);
	return rc;
}

static void
pacc_stop(struct pacc__mech *m)
{
	struct src_pacc *p = m->priv;

	if (p == NULL)
		return;
	pacc__verify_cancel(p->v);
	pacc__free(p);
	m->priv = NULL;
}

static void
pacc_deadline(struct pacc__mech *m)
{
	struct src_pacc *p = m->priv;

	if (p)
		pacc__verify_txt_state(p->v, &m->dnssec, &m->dnssec_reason);
	/* opted in but the document did not arrive in time: integrity */
	if (p && pacc__verify_opted_in(p->v) == 1) {
		m->decisive = true;
		pacc__mech_report(m, PACC_ATTEMPT_TIMEOUT, "timeout",
		    "the domain publishes a v=UAAC1 record but its document "
		    "did not arrive before the deadline");
	} else {
		pacc__mech_report(m, PACC_ATTEMPT_TIMEOUT, "timeout",
		    "no answer before the deadline");
	}
}

const struct pacc__mech_ops pacc__src_pacc_ops = {
	.id = PACC_MECH_PACC,
	.start = pacc_start,
	.stop = pacc_stop,
	.deadline = pacc_deadline,
};
