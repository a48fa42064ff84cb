/* SPDX-License-Identifier: MIT */
/*
 * SRV records (DESIGN §1 rank 5): RFC 6186 (IMAP, POP3, submission), RFC
 * 8314 (implicit TLS), RFC 6764 (CalDAV/CardDAV), RFC 8620 (JMAP), RFC 5804
 * (ManageSieve).  All lookups start at once; decide() builds the servers
 * when every answer is in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "internal.h"

struct svc {
	const char *label;
	pacc_protocol proto;
	pacc_tls_mode tls;
	const char *wellknown; /* HTTP protocols: default path */
};

static const struct svc svcs[] = {
	{ "_jmap._tcp", PACC_PROTO_JMAP, PACC_TLS_IMPLICIT,
	    "/.well-known/jmap" },
	{ "_imaps._tcp", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, NULL },
	{ "_imap._tcp", PACC_PROTO_IMAP, PACC_TLS_STARTTLS, NULL },
	{ "_pop3s._tcp", PACC_PROTO_POP3, PACC_TLS_IMPLICIT, NULL },
	{ "_pop3._tcp", PACC_PROTO_POP3, PACC_TLS_STARTTLS, NULL },
	{ "_submissions._tcp", PACC_PROTO_SMTP, PACC_TLS_IMPLICIT, NULL },
	{ "_submission._tcp", PACC_PROTO_SMTP, PACC_TLS_STARTTLS, NULL },
	{ "_caldavs._tcp", PACC_PROTO_CALDAV, PACC_TLS_IMPLICIT,
	    "/.well-known/caldav" },
	{ "_carddavs._tcp", PACC_PROTO_CARDDAV, PACC_TLS_IMPLICIT,
	    "/.well-known/carddav" },
	{ "_sieve._tcp", PACC_PROTO_MANAGESIEVE, PACC_TLS_STARTTLS, NULL },
};
#define NSVC PACC__ARRAY_LEN(svcs)
#define SVC_CALDAV 7
#define SVC_CARDDAV 8

struct answer {
	struct src_srv *owner;
	int idx; /* svcs[] index; NSVC + k: TXT of CalDAV (k=0)/CardDAV (1) */
	struct pacc__dns_q *q;
	bool done;
	int status;
	pacc_dnssec sec;
	const char *reason;
	char *why;
	struct pacc__srv_rr rrs[PACC__MAX_RRS];
	size_t n;
	char *path; /* TXT path= */
};

struct src_srv {
	struct pacc__mech *m;
	struct answer a[NSVC + 2];
	size_t pending;
};

/* A uniform integer in [0, max] for RFC 2782 weighted selection. */
unsigned
pacc__srv_random(void *ud, unsigned max)
{
	unsigned long long span = (unsigned long long)max + 1;
	unsigned long long limit = (0x100000000ull / span) * span;
	unsigned v = 0;

	(void)ud;
	for (int i = 0; i < 16; i++) {
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			break;
		if (v < limit) /* rejection sampling: no modulo bias */
			return (unsigned)(v % span);
	}
	/* without randomness the order is still valid; only the load
	 * spread across equal-priority targets suffers */
	return (unsigned)((unsigned long long)v % span);
}

/* RFC 2782: a single record with target "." means "not offered". */
static bool
not_offered(const struct answer *a)
{
	return a->n == 1 && strcmp(a->rrs[0].target, ".") == 0;
}

/* RFC 6764 §4: TXT "path=/..." at the service name. */
static char *
txt_path(const struct pacc__dns_answer *da)
{
	for (size_t i = 0; i < da->n; i++) {
		char *txt = NULL, *p = NULL;
		size_t len;

		if (pacc__rr_txt(&txt, &len, da->data[i], (size_t)da->len[i]) !=
		    PACC_OK)
			continue;
		if (len > 6 && strncmp(txt, "path=/", 6) == 0 &&
		    strlen(txt) == len && strpbrk(txt, " \"<>\\^`{|}") == NULL)
			p = pacc__strdup(txt + 5);
		pacc__free(txt);
		if (p)
			return p;
	}
	return NULL;
}

static void decide(struct src_srv *s);

static void
answered(void *ud, int status, const struct pacc__dns_answer *da)
{
	struct answer *a = ud;

	a->q = NULL;
	a->done = true;
	a->status = status;
	if (status == PACC_OK) {
		a->sec = da->sec;
		a->reason = da->reason;
		if (da->why)
			a->why = pacc__strdup(da->why);
		if (a->idx >= (int)NSVC) {
			if (da->sec != PACC_DNSSEC_BOGUS)
				a->path = txt_path(da);
		} else {
			for (size_t i = 0;
			     i < da->n && da->sec != PACC_DNSSEC_BOGUS; i++)
				if (pacc__rr_srv(&a->rrs[a->n], da->data[i],
					(size_t)da->len[i]) == PACC_OK)
					a->n++;
			pacc__srv_order(a->rrs, a->n, pacc__srv_random, NULL);
		}
	}
	if (--a->owner->pending == 0)
		decide(a->owner);
}

/* One usable record, for ordering across services. */
struct entry {
	const struct answer *a;
	const struct pacc__srv_rr *rr;
	size_t order;
};

/*
 * RFC 6186 §3.4: the priorities of _imap(s) and _pop3(s) also rank IMAP
 * against POP3; ties go to implicit TLS (RFC 8314 §5.1), then IMAP.
 */
static int
cmp_mailbox(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->rr->priority != b->rr->priority)
		return a->rr->priority < b->rr->priority ? -1 : 1;
	if (svcs[a->a->idx].tls != svcs[b->a->idx].tls)
		return svcs[a->a->idx].tls == PACC_TLS_IMPLICIT ? -1 : 1;
	if (svcs[a->a->idx].proto != svcs[b->a->idx].proto)
		return svcs[a->a->idx].proto == PACC_PROTO_IMAP ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* RFC 8314 §5.1: submissions (implicit TLS) before submission. */
static int
cmp_submit(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (svcs[a->a->idx].tls != svcs[b->a->idx].tls)
		return svcs[a->a->idx].tls == PACC_TLS_IMPLICIT ? -1 : 1;
	if (a->rr->priority != b->rr->priority)
		return a->rr->priority < b->rr->priority ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int
add_entry(struct src_srv *s, struct pacc__config *cfg, const struct entry *e)
{
	const struct svc *v = &svcs[e->a->idx];
	struct pacc_server srv;
	char url[600];
	const char *path = v->wellknown;

	memset(&srv, 0, sizeof(srv));
	srv.proto = v->proto;
	srv.auth = PACC_AUTH_PASSWORD;
	/* RFC 6186 §6 / RFC 7817: the target name is a reference identity
	 * only when the SRV answer is DNSSEC-secure or the user confirms */
	srv.verify_basis = e->a->sec == PACC_DNSSEC_SECURE ? "dnssec"
							   : "confirmation";
	if (v->wellknown) {
		if (e->a->idx == SVC_CALDAV && s->a[NSVC].path)
			path = s->a[NSVC].path;
		if (e->a->idx == SVC_CARDDAV && s->a[NSVC + 1].path)
			path = s->a[NSVC + 1].path;
		if (e->rr->port == 443)
			snprintf(url, sizeof(url), "https://%s%s",
			    e->rr->target, path);
		else
			snprintf(url, sizeof(url), "https://%s:%u%s",
			    e->rr->target, e->rr->port, path);
		srv.url = url;
	} else {
		srv.host = e->rr->target;
		srv.port = e->rr->port;
		srv.tls = v->tls;
	}
	/* hosts outside the domain reach confirm.domains with the servers */
	return pacc__config_add_server(cfg, &srv);
}

/* Collect the usable records of services [from, to) into e[]. */
static size_t
collect(struct src_srv *s, size_t from, size_t to, struct entry *e, size_t cap)
{
	size_t n = 0, order = 0;

	for (size_t i = from; i < to; i++) {
		const struct answer *a = &s->a[i];

		if (not_offered(a))
			continue;
		for (size_t k = 0; k < a->n && n < cap; k++) {
			if (strcmp(a->rrs[k].target, ".") == 0 ||
			    a->rrs[k].port == 0)
				continue;
			e[n].a = a;
			e[n].rr = &a->rrs[k];
			e[n++].order = order++;
		}
	}
	return n;
}

static void
decide(struct src_srv *s)
{
	struct pacc__mech *m = s->m;
	struct pacc__config *cfg = NULL;
	struct entry e[4 * PACC__MAX_RRS];
	char notoffered[200] = "";
	size_t n, nrecords = 0;
	pacc_dnssec worst = PACC_DNSSEC_NA;
	const char *reason = NULL;
	int rc = PACC_ENOMEM;

	for (size_t i = 0; i < NSVC + 2; i++) {
		struct answer *a = &s->a[i];

		if (a->status == PACC_OK && a->sec == PACC_DNSSEC_BOGUS) {
			/* DESIGN §2: never "no record" for a bogus answer */
			m->decisive = true;
			m->dnssec = PACC_DNSSEC_BOGUS;
			m->dnssec_reason = a->reason;
			pacc__mech_report(m, PACC_ATTEMPT_FAILED,
			    "dnssec-bogus", "the %s answer is DNSSEC-bogus: %s",
			    i < NSVC ? svcs[i].label : "TXT path",
			    a->why ? a->why : "validation failed");
			goto done;
		}
		if (i >= NSVC || a->n == 0)
			continue;
		nrecords += a->n;
		if (not_offered(a)) {
			size_t l = strlen(notoffered);

			snprintf(notoffered + l, sizeof(notoffered) - l, "%s%s",
			    l ? ", " : "", svcs[i].label);
			continue;
		}
		if (a->sec > worst) {
			worst = a->sec;
			reason = a->reason;
		}
	}
	if ((rc = pacc__config_new(&cfg)) != PACC_OK)
		goto fail;
	/* preference order: JMAP, IMAP/POP3, submission, DAV, Sieve */
	n = collect(s, 0, 1, e, 1);
	for (size_t i = 0; i < n; i++)
		if ((rc = add_entry(s, cfg, &e[i])) != PACC_OK)
			goto fail;
	n = collect(s, 1, 5, e, PACC__ARRAY_LEN(e));
	qsort(e, n, sizeof(e[0]), cmp_mailbox);
	for (size_t i = 0; i < n; i++)
		if ((rc = add_entry(s, cfg, &e[i])) != PACC_OK)
			goto fail;
	n = collect(s, 5, 7, e, PACC__ARRAY_LEN(e));
	qsort(e, n, sizeof(e[0]), cmp_submit);
	for (size_t i = 0; i < n; i++)
		if ((rc = add_entry(s, cfg, &e[i])) != PACC_OK)
			goto fail;
	for (size_t k = 7; k < NSVC; k++) {
		n = collect(s, k, k + 1, e, PACC__ARRAY_LEN(e));
		for (size_t i = 0; i < n; i++)
			if ((rc = add_entry(s, cfg, &e[i])) != PACC_OK)
				goto fail;
	}
	m->dnssec = worst;
	m->dnssec_reason = reason;
	if (cfg->nservers == 0) {
		pacc__config_free(cfg);
		cfg = NULL;
		if (notoffered[0])
			pacc__mech_report(m, PACC_ATTEMPT_ABSENT, "not-offered",
			    "SRV records say the services are not offered "
			    "(target \".\"): %s",
			    notoffered);
		else
			pacc__mech_report(m, PACC_ATTEMPT_ABSENT, NULL,
			    "no SRV records for %s (%zu found)",
			    m->disc->addr.domain, nrecords);
		goto done;
	}
	pacc__mech_report(m, PACC_ATTEMPT_OK, NULL,
	    "%zu servers from SRV records (DNSSEC %s)%s%s", cfg->nservers,
	    pacc_dnssec_name(worst), notoffered[0] ? "; not offered: " : "",
	    notoffered);
	rc = pacc__mech_add_config(m, cfg);
	cfg = NULL;
	if (rc != PACC_OK)
		goto fail;
	goto done;
fail:
	pacc__config_free(cfg);
	pacc__mech_report(m, PACC_ATTEMPT_FAILED, "internal-error", "%s",
	    pacc_strerror(rc));
done:
	pacc__mech_done(m);
}

static int
srv_start(struct pacc__mech *m)
{
	struct src_srv *s = pacc__calloc(1, sizeof(*s));
	char name[300];
	int rc;

	if (s == NULL)
		return PACC_ENOMEM;
	s->m = m;
	m->priv = s;
	for (size_t i = 0; i < NSVC + 2; i++) {
		const char *label = i < NSVC
		    ? svcs[i].label
		    : svcs[i == NSVC ? SVC_CALDAV : SVC_CARDDAV].label;

		s->a[i].owner = s;
		s->a[i].idx = (int)i;
		snprintf(name, sizeof(name), "%s.%s", label,
		    m->disc->addr.domain);
		rc = pacc__dns_query(&s->a[i].q, m->disc->ctx, name,
		    i < NSVC ? PACC__RR_SRV : PACC__RR_TXT, answered, &s->a[i]);
		if (rc != PACC_OK)
			return rc;
		s->pending++;
	}
	return PACC_OK;
}

static void
srv_stop(struct pacc__mech *m)
{
	struct src_srv *s = m->priv;

	if (s == NULL)
		return;
	for (size_t i = 0; i < NSVC + 2; i++) {
		pacc__dns_cancel(s->a[i].q);
		for (size_t k = 0; k < s->a[i].n; k++)
			pacc__srv_rr_clear(&s->a[i].rrs[k]);
		pacc__free(s->a[i].why);
		pacc__free(s->a[i].path);
	}
	pacc__free(s);
	m->priv = NULL;
}

const struct pacc__mech_ops pacc__src_srv_ops = {
	.id = PACC_MECH_SRV,
	.start = srv_start,
	.stop = srv_stop,
	.deadline = NULL,
};
