/* SPDX-License-Identifier: MIT */
/*
 * DNS cross-check over DNS-over-HTTPS (the earlier PACC draft's security
 * considerations suggest it).  Between the engine's answer and its
 * delivery, every DNS question the answer depends on is asked twice: over
 * DoH (RFC 8484: POST application/dns-message through our own fetcher, so
 * the DoH server's name is resolved by our resolver and its certificate is
 * verified) and again through our resolver (cached, fast).  The RRsets are
 * compared as they are used: same type, rdata as a sorted multiset in
 * presentation form, TTLs ignored, CNAMEs followed to the final type.
 *
 * A difference is a security finding (one of the two paths is lied to); a
 * path that gives no usable answer is only an error.  Bounded: at most
 * PACC__MAX_XCHECK_QUESTIONS questions, DOH_WINDOW requests in flight, and
 * the budget the engine grants (the time left, clamped to [1 s, 5 s]).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <ldns/ldns.h>

#include "internal.h"

#define DOH_TYPE "application/dns-message"
#define RR_CNAME 5
#define MAX_RDATA_TEXT (4 * 65536) /* presentation form of one RDATA */

/* DoH requests in flight at once: enough to hide the round trips, few
 * enough not to open a connection per question. */
enum { DOH_WINDOW = 6, MAX_CNAME_HOPS = 8 };

/* A question whose answer decides further questions. */
enum follow { F_NONE = 0, F_PACCMX = 1 };

struct rdset {
	char **v;
	size_t n;
};

struct xq {
	struct pacc__crosscheck *c;
	char *name; /* lower case, no trailing dot */
	int type;
	enum follow follow;
	struct pacc__dns_q *dq;
	struct pacc__fetch *f;
	bool res_done, doh_done, complete;
	char *res_err, *doh_err;
	struct rdset res, doh;
	/* F_PACCMX: the best-preference MX hosts (resolver's answer) */
	char *mx[PACC__MAX_MX_HOSTS];
	size_t nmx;
};

struct xc_diff {
	char *name;
	int type;
	struct rdset res, doh;
	char *text;
};

struct pacc__xcheck {
	char *doh;
	size_t questions;
	int agree; /* 1 agree, 0 differ, -1 not known */
	char *summary;
	struct xc_diff *diffs;
	size_t ndiffs;
	char **errors;
	size_t nerrors;
};

struct pacc__crosscheck {
	struct pacc_discovery *d;
	pacc_ctx *ctx;
	const char *url; /* d->doh_url, borrowed */
	struct xq q[PACC__MAX_XCHECK_QUESTIONS];
	size_t nq;
	size_t dropped; /* questions beyond the limit */
	size_t next_doh, inflight, open;
	long long deadline;
	long budget;
	struct pacc__timer timer;
	pacc__crosscheck_cb cb;
};

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *
fmt(const char *f, ...)
{
	char buf[600];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return pacc__strdup(buf);
}

static const char *
type_name(int t)
{
	switch (t) {
	case PACC__RR_A:
		return "A";
	case PACC__RR_MX:
		return "MX";
	case PACC__RR_TXT:
		return "TXT";
	case PACC__RR_AAAA:
		return "AAAA";
	case PACC__RR_SRV:
		return "SRV";
	default:
		return "?";
	}
}

static void
rdset_clear(struct rdset *s)
{
	for (size_t i = 0; i < s->n; i++)
		pacc__free(s->v[i]);
	pacc__free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int
rdset_push(struct rdset *s, char *v)
{
	char **n;

	if (v == NULL)
		return PACC_ENOMEM;
	n = pacc__reallocarray(s->v, s->n + 1, sizeof(*n));
	if (n == NULL) {
		pacc__free(v);
		return PACC_ENOMEM;
	}
	s->v = n;
	s->v[s->n++] = v;
	return PACC_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
rdset_equal(struct rdset *a, struct rdset *b)
{
	if (a->n != b->n)
		return false;
	if (a->n)
		qsort(a->v, a->n, sizeof(char *), cmp_str);
	if (b->n)
		qsort(b->v, b->n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* ---- RDATA in presentation form, the same way for both paths ---- */

/* The RDATA fields of rr, separated by spaces; names in lower case. */
static char *
rr_rdata_str(const ldns_rr *rr)
{
	struct pacc__buf b;
	char *s, *out;

	pacc__buf_init(&b, MAX_RDATA_TEXT);
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		ldns_rdf *f = ldns_rr_rdf(rr, i);

		if (f == NULL)
			continue;
		/* names compare case-insensitively (RFC 4343) */
		if (ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME)
			ldns_dname2canonical(f);
		if ((s = ldns_rdf2str(f)) == NULL ||
		    pacc__buf_appendf(&b, "%s%s", i ? " " : "", s) != PACC_OK) {
			free(s); /* ldns allocates with malloc */
			pacc__buf_free(&b);
			return NULL;
		}
		free(s);
	}
	out = pacc__buf_steal(&b, NULL);
	return out ? out : pacc__strdup("");
}

/* RFC 3597 generic form, for RDATA ldns cannot take apart. */
static char *
generic_rdata(const unsigned char *data, size_t len)
{
	struct pacc__buf b;
	char *out;

	pacc__buf_init(&b, 16 + 2 * len);
	if (pacc__buf_appendf(&b, "\\# %zu%s", len, len ? " " : "") !=
	    PACC_OK) {
		pacc__buf_free(&b);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (pacc__buf_appendf(&b, "%02x", data[i]) != PACC_OK) {
			pacc__buf_free(&b);
			return NULL;
		}
	}
	out = pacc__buf_steal(&b, NULL);
	return out;
}

/* RDATA as libunbound hands it (wire form, names uncompressed). */
static char *
wire_rdata_str(int type, const unsigned char *data, size_t len)
{
	unsigned char *w;
	ldns_rr *rr;
	size_t pos = 0;
	char *s = NULL;

	if (len > 65535 || (w = pacc__malloc(len + 2)) == NULL)
		return NULL;
	w[0] = (unsigned char)(len >> 8);
	w[1] = (unsigned char)(len & 0xff);
	memcpy(w + 2, data, len);
	if ((rr = ldns_rr_new()) != NULL) {
		ldns_rr_set_type(rr, (ldns_rr_type)type);
		ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
		if (ldns_wire2rdf(rr, w, len + 2, &pos) == LDNS_STATUS_OK &&
		    pos == len + 2)
			s = rr_rdata_str(rr);
		else
			s = generic_rdata(data, len);
		ldns_rr_free(rr);
	}
	pacc__free(w);
	return s;
}

/* ---- the questions a result depends on ---- */

static bool
is_literal(const char *h)
{
	unsigned char b[16];

	return inet_pton(AF_INET, h, b) == 1 || inet_pton(AF_INET6, h, b) == 1;
}

static struct xq *add_q(struct pacc__crosscheck *c, int type, enum follow fl,
    const char *f, ...) __attribute__((format(printf, 4, 5)));

static struct xq *
add_q(struct pacc__crosscheck *c, int type, enum follow fl, const char *f, ...)
{
	char name[300];
	struct xq *q;
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(name, sizeof(name), f, ap);
	va_end(ap);
	if (n <= 0 || (size_t)n >= sizeof(name))
		return NULL;
	if (name[n - 1] == '.')
		name[--n] = '\0';
	for (int i = 0; i < n; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
	if (n == 0 ||
	    ((type == PACC__RR_A || type == PACC__RR_AAAA) && is_literal(name)))
		return NULL;
	for (size_t i = 0; i < c->nq; i++)
		if (c->q[i].type == type && strcmp(c->q[i].name, name) == 0)
			return NULL;
	if (c->nq == PACC__ARRAY_LEN(c->q)) {
		c->dropped++;
		return NULL;
	}
	q = &c->q[c->nq];
	memset(q, 0, sizeof(*q));
	if ((q->name = pacc__strdup(name)) == NULL) {
		c->dropped++;
		return NULL;
	}
	q->c = c;
	q->type = type;
	q->follow = fl;
	c->nq++;
	return q;
}

static void
add_host(struct pacc__crosscheck *c, const char *host)
{
	if (host == NULL)
		return;
	add_q(c, PACC__RR_A, F_NONE, "%s", host);
	add_q(c, PACC__RR_AAAA, F_NONE, "%s", host);
}

static void
add_url_host(struct pacc__crosscheck *c, const char *url)
{
	char *h = url ? pacc__url_host(url) : NULL;

	add_host(c, h);
	pacc__free(h);
}

/* The RFC 6186/6764/8620/5804 service label a srv-derived server came from. */
static const char *
srv_label(const struct pacc_server *s)
{
	bool tls = s->tls == PACC_TLS_IMPLICIT;

	switch (s->proto) {
	case PACC_PROTO_JMAP:
		return "_jmap._tcp";
	case PACC_PROTO_IMAP:
		return tls ? "_imaps._tcp" : "_imap._tcp";
	case PACC_PROTO_POP3:
		return tls ? "_pop3s._tcp" : "_pop3._tcp";
	case PACC_PROTO_SMTP:
		return tls ? "_submissions._tcp" : "_submission._tcp";
	case PACC_PROTO_CALDAV:
		return "_caldavs._tcp";
	case PACC_PROTO_CARDDAV:
		return "_carddavs._tcp";
	case PACC_PROTO_MANAGESIEVE:
		return "_sieve._tcp";
	case PACC_PROTO_WEBDAV:
		break;
	}
	return NULL;
}

static void
derive_srv(struct pacc__crosscheck *c, const pacc_result *r)
{
	static const char *const all[] = { "_jmap._tcp", "_imaps._tcp",
		"_imap._tcp", "_pop3s._tcp", "_pop3._tcp", "_submissions._tcp",
		"_submission._tcp", "_caldavs._tcp", "_carddavs._tcp",
		"_sieve._tcp" };
	const char *d = r->domain;

	for (size_t i = 0; i < r->cfg->nservers; i++) {
		const struct pacc_server *s = &r->cfg->servers[i];
		const char *l = srv_label(s);

		if (l == NULL)
			continue;
		add_q(c, PACC__RR_SRV, F_NONE, "%s.%s", l, d);
		/* RFC 6764 §4: TXT path= at the same name */
		if (s->proto == PACC_PROTO_CALDAV ||
		    s->proto == PACC_PROTO_CARDDAV)
			add_q(c, PACC__RR_TXT, F_NONE, "%s.%s", l, d);
	}
	if (r->cfg->nservers)
		return;
	/* an integrity failure names no servers: every name it looked at */
	for (size_t i = 0; i < PACC__ARRAY_LEN(all); i++)
		add_q(c, PACC__RR_SRV, F_NONE, "%s.%s", all[i], d);
	add_q(c, PACC__RR_TXT, F_NONE, "_caldavs._tcp.%s", d);
	add_q(c, PACC__RR_TXT, F_NONE, "_carddavs._tcp.%s", d);
}

/* ISPDB: was the entry looked up for the MX host's domain? */
static bool
ispdb_via_mx(const pacc_result *r)
{
	const char *base, *s = r->source;
	size_t n, dl = strlen(r->domain);

	if (s == NULL)
		return false;
	base = strrchr(s, '/');
	base = base ? base + 1 : s;
	n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".xml") == 0)
		n -= 4;
	return n != dl || strncasecmp(base, r->domain, n) != 0;
}

/*
 * Every DNS question the answer depends on, most telling first (the limit
 * may cut the tail): the mechanism's own records, then the addresses of
 * the source, of every server and URL, and of the OAuth issuer.
 */
static void
derive(struct pacc__crosscheck *c, const pacc_result *r)
{
	const char *d = r->domain;
	char *h;

	switch (r->mechanism) {
	case PACC_MECH_PACC:
		add_q(c, PACC__RR_TXT, F_NONE, "_ua-auto-config.%s", d);
		add_q(c, PACC__RR_A, F_NONE, "ua-auto-config.%s", d);
		add_q(c, PACC__RR_AAAA, F_NONE, "ua-auto-config.%s", d);
		break;
	case PACC_MECH_PACC_MX:
		add_q(c, PACC__RR_MX, F_NONE, "%s", d);
		add_q(c, PACC__RR_TXT, F_NONE, "_mta-sts.%s", d);
		add_q(c, PACC__RR_A, F_NONE, "mta-sts.%s", d);
		add_q(c, PACC__RR_AAAA, F_NONE, "mta-sts.%s", d);
		for (size_t i = 0; i < r->nmx_hosts; i++) {
			const char *n = r->mx_hosts[i], *dot = strchr(n, '.');

			/* the parent form: the host minus its first label */
			if (dot && r->mx_form &&
			    strcmp(r->mx_form, "mx-parent") == 0)
				n = dot + 1;
			add_q(c, PACC__RR_TXT, F_NONE, "_ua-auto-config.%s", n);
			add_q(c, PACC__RR_A, F_NONE, "ua-auto-config.%s", n);
			add_q(c, PACC__RR_AAAA, F_NONE, "ua-auto-config.%s", n);
		}
		break;
	case PACC_MECH_PACC_SRV:
		/* the draft's MX fallback: _paccmx._https at the MX hosts,
		 * asked once the MX answers are known to agree */
		add_q(c, PACC__RR_SRV, F_NONE, "_pacc._https.%s", d);
		add_q(c, PACC__RR_MX, F_PACCMX, "%s", d);
		break;
	case PACC_MECH_SRV:
		derive_srv(c, r);
		break;
	case PACC_MECH_AUTODISCOVER:
		h = pacc__url_host(r->source);
		if (h && strcmp(h, d) != 0 &&
		    !(strncmp(h, "autodiscover.", 13) == 0 &&
			strcmp(h + 13, d) == 0))
			add_q(c, PACC__RR_SRV, F_NONE, "_autodiscover._tcp.%s",
			    d);
		pacc__free(h);
		break;
	case PACC_MECH_ISPDB:
		if (ispdb_via_mx(r))
			add_q(c, PACC__RR_MX, F_NONE, "%s", d);
		break;
	default:
		break;
	}
	add_url_host(c, r->source);
	for (size_t i = 0; i < r->cfg->nservers; i++) {
		add_host(c, r->cfg->servers[i].host);
		add_url_host(c, r->cfg->servers[i].url);
	}
	add_url_host(c, r->cfg->oauth_issuer);
}

/* ---- running ---- */

static void side_done(struct xq *q);

static void
res_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct xq *q = ud;

	q->dq = NULL;
	q->res_done = true;
	if (status != PACC_OK) {
		q->res_err = fmt("the resolver failed: %s",
		    pacc_strerror(status));
	} else if (a->sec == PACC_DNSSEC_BOGUS) {
		q->res_err = fmt("the resolver's answer is DNSSEC-bogus: %s",
		    a->why ? a->why : "validation failed");
	} else if (a->rcode != LDNS_RCODE_NOERROR &&
	    a->rcode != LDNS_RCODE_NXDOMAIN) {
		q->res_err = fmt("the resolver answered with rcode %d",
		    a->rcode);
	} else if (a->n >= PACC__MAX_RRS) {
		q->res_err = fmt("the resolver's answer has %d records or "
				 "more, too many to compare",
		    PACC__MAX_RRS);
	} else {
		unsigned best = 0x10000;

		for (size_t i = 0; i < a->n; i++) {
			unsigned pref;
			char *host = NULL;

			if (rdset_push(&q->res,
				wire_rdata_str(q->type, a->data[i],
				    (size_t)a->len[i])) != PACC_OK) {
				q->res_err = fmt("out of memory");
				break;
			}
			if (q->follow != F_PACCMX ||
			    pacc__rr_mx(&pref, &host, a->data[i],
				(size_t)a->len[i]) != PACC_OK)
				continue;
			if (pref < best) {
				for (size_t k = 0; k < q->nmx; k++)
					pacc__free(q->mx[k]);
				q->nmx = 0;
				best = pref;
			}
			if (pref == best && q->nmx < PACC__ARRAY_LEN(q->mx) &&
			    strcmp(host, ".") != 0)
				q->mx[q->nmx++] = host;
			else
				pacc__free(host);
		}
	}
	side_done(q);
}

static void
start_res(struct xq *q)
{
	int rc = pacc__dns_query(&q->dq, q->c->ctx, q->name, q->type,
	    res_answer, q);

	if (rc != PACC_OK) {
		q->dq = NULL;
		q->res_done = true;
		q->res_err = fmt("the resolver failed: %s", pacc_strerror(rc));
		side_done(q);
	}
}

static const char *
rcode_name(int rc)
{
	switch (rc) {
	case LDNS_RCODE_FORMERR:
		return "FORMERR";
	case LDNS_RCODE_SERVFAIL:
		return "SERVFAIL";
	case LDNS_RCODE_NOTIMPL:
		return "NOTIMP";
	case LDNS_RCODE_REFUSED:
		return "REFUSED";
	default:
		return "an error";
	}
}

/* The RRs of the question's type at the end of the CNAME chain. */
static void
take_answer(struct xq *q, ldns_pkt *p, const ldns_rdf *qname)
{
	const ldns_rr_list *ans = ldns_pkt_answer(p);
	size_t n = ldns_rr_list_rr_count(ans), count = 0;
	const ldns_rdf *cur = qname;
	int hop;

	for (hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
		const ldns_rr *cn = NULL;

		for (size_t i = 0; i < n && cn == NULL; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(ans, i);

			if (ldns_rr_get_type(rr) == RR_CNAME &&
			    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
			    ldns_rr_rd_count(rr) == 1 &&
			    ldns_dname_compare(ldns_rr_owner(rr), cur) == 0)
				cn = rr;
		}
		if (cn == NULL)
			break;
		cur = ldns_rr_rdf(cn, 0);
	}
	if (hop > MAX_CNAME_HOPS) {
		q->doh_err = fmt("DoH: a CNAME chain longer than %d",
		    MAX_CNAME_HOPS);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if ((int)ldns_rr_get_type(rr) != q->type ||
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
		    ldns_dname_compare(ldns_rr_owner(rr), cur) != 0)
			continue;
		if (++count >= PACC__MAX_RRS) {
			q->doh_err = fmt("DoH: the answer has %d records or "
					 "more, too many to compare",
			    PACC__MAX_RRS);
			return;
		}
		if (rdset_push(&q->doh, rr_rdata_str(rr)) != PACC_OK) {
			q->doh_err = fmt("out of memory");
			return;
		}
	}
}

static void
parse_doh(struct xq *q, const unsigned char *body, size_t len)
{
	ldns_pkt *p = NULL;
	ldns_rdf *qname = NULL;
	const ldns_rr *qrr;
	char buf[300];
	int rc;

	if (ldns_wire2pkt(&p, body, len) != LDNS_STATUS_OK) {
		q->doh_err = fmt("DoH: the answer (%zu bytes) is not a DNS "
				 "message",
		    len);
		return;
	}
	snprintf(buf, sizeof(buf), "%s.", q->name);
	qrr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	if (ldns_str2rdf_dname(&qname, buf) != LDNS_STATUS_OK) {
		q->doh_err = fmt("out of memory");
		goto out;
	}
	/* RFC 8484 §4.1: our query has ID 0, and the answer echoes it */
	if (!ldns_pkt_qr(p) || ldns_pkt_id(p) != 0 ||
	    ldns_pkt_get_opcode(p) != LDNS_PACKET_QUERY ||
	    ldns_pkt_qdcount(p) != 1 || qrr == NULL ||
	    (int)ldns_rr_get_type(qrr) != q->type ||
	    ldns_dname_compare(ldns_rr_owner(qrr), qname) != 0) {
		q->doh_err = fmt("DoH: the message is not the answer to the "
				 "question asked");
		goto out;
	}
	if (ldns_pkt_tc(p)) {
		q->doh_err = fmt("DoH: the answer is truncated");
		goto out;
	}
	rc = (int)ldns_pkt_get_rcode(p);
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
		q->doh_err = fmt("DoH: the server answered %s", rcode_name(rc));
		goto out;
	}
	take_answer(q, p, qname);
out:
	ldns_rdf_deep_free(qname);
	ldns_pkt_free(p);
}

static void
doh_answer(void *ud, const struct pacc__fetch_result *r)
{
	struct xq *q = ud;

	q->f = NULL;
	q->c->inflight--;
	q->doh_done = true;
	if (r->status != PACC_OK)
		q->doh_err = fmt("DoH: %s",
		    r->detail && r->detail[0] ? r->detail
					      : "the request failed");
	else
		parse_doh(q, r->body, r->len);
	side_done(q);
}

static void
start_doh(struct xq *q)
{
	struct pacc__crosscheck *c = q->c;
	struct pacc__fetch_opts fo;
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	char buf[300];
	long left = (long)(c->deadline - pacc__now_ms());
	int rc = PACC_ENOMEM;

	snprintf(buf, sizeof(buf), "%s.", q->name);
	if (ldns_pkt_query_new_frm_str(&p, buf, (ldns_rr_type)q->type,
		LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK) {
		q->doh_err = fmt("DoH: cannot encode the question");
		goto fail;
	}
	/* RFC 8484 §4.1: ID 0 keeps the request cache-friendly */
	ldns_pkt_set_id(p, 0);
	ldns_pkt_set_edns_udp_size(p, 4096);
	if (ldns_pkt2wire(&wire, p, &wlen) != LDNS_STATUS_OK) {
		q->doh_err = fmt("DoH: cannot encode the question");
		goto fail;
	}
	memset(&fo, 0, sizeof(fo));
	fo.url = c->url;
	fo.max_body = PACC__MAX_DNS_MESSAGE;
	fo.timeout_ms = left < 1 ? 1 : left;
	fo.accept = DOH_TYPE;
	fo.post_body = (const char *)wire;
	fo.post_len = wlen;
	fo.content_type = DOH_TYPE;
	rc = pacc__fetch_start(&q->f, c->ctx, &fo, doh_answer, q);
	if (rc != PACC_OK) {
		q->f = NULL;
		q->doh_err = fmt("DoH: cannot send the request to %s: %s",
		    c->url, pacc_strerror(rc));
		goto fail;
	}
	c->inflight++;
	free(wire); /* ldns allocates with malloc */
	ldns_pkt_free(p);
	return;
fail:
	free(wire);
	ldns_pkt_free(p);
	q->doh_done = true;
	side_done(q);
}

/* Keep DOH_WINDOW requests in flight. */
static void
pump(struct pacc__crosscheck *c)
{
	while (c->inflight < DOH_WINDOW && c->next_doh < c->nq)
		start_doh(&c->q[c->next_doh++]);
}

static void
complete(struct xq *q)
{
	struct pacc__crosscheck *c = q->c;

	q->complete = true;
	pacc__log(c->ctx, PACC_LOG_DEBUG, "cross-check %s %s: %s",
	    type_name(q->type), q->name,
	    q->res_err				? q->res_err
		: q->doh_err			? q->doh_err
		: rdset_equal(&q->res, &q->doh) ? "same answer"
						: "DIFFERENT answers");
	if (q->follow == F_PACCMX && q->res_err == NULL && q->doh_err == NULL &&
	    rdset_equal(&q->res, &q->doh)) {
		for (size_t k = 0; k < q->nmx; k++) {
			struct xq *n = add_q(c, PACC__RR_SRV, F_NONE,
			    "_paccmx._https.%s", q->mx[k]);

			if (n) {
				c->open++;
				start_res(n);
			}
		}
	}
	c->open--;
}

static void
side_done(struct xq *q)
{
	struct pacc__crosscheck *c = q->c;

	if (q->res_done && q->doh_done && !q->complete)
		complete(q);
	pump(c);
	/* finish from the loop, never from inside a callback chain */
	if (c->open == 0)
		pacc__timer_arm(c->ctx, &c->timer, 0);
}

/* ---- the report ---- */

static void
diff_clear(struct xc_diff *df)
{
	pacc__free(df->name);
	pacc__free(df->text);
	rdset_clear(&df->res);
	rdset_clear(&df->doh);
}

void
pacc__xcheck_free(struct pacc__xcheck *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->ndiffs; i++)
		diff_clear(&x->diffs[i]);
	pacc__free(x->diffs);
	for (size_t i = 0; i < x->nerrors; i++)
		pacc__free(x->errors[i]);
	pacc__free(x->errors);
	pacc__free(x->doh);
	pacc__free(x->summary);
	pacc__free(x);
}

static int
join(struct pacc__buf *b, const struct rdset *s)
{
	if (s->n == 0)
		return pacc__buf_appendf(b, "(none)");
	for (size_t i = 0; i < s->n; i++)
		if (pacc__buf_appendf(b, "%s%s", i ? ", " : "", s->v[i]) !=
		    PACC_OK)
			return PACC_ETOOBIG;
	return PACC_OK;
}

/* "A imap.example.com: resolver 192.0.2.1; DoH 192.0.2.66" */
static char *
diff_text(const struct xc_diff *df)
{
	struct pacc__buf b;

	pacc__buf_init(&b, 8192);
	if (pacc__buf_appendf(&b, "%s %s: resolver ", type_name(df->type),
		df->name) != PACC_OK ||
	    join(&b, &df->res) != PACC_OK ||
	    pacc__buf_appendf(&b, "; DoH ") != PACC_OK ||
	    join(&b, &df->doh) != PACC_OK) {
		/* too long for a sentence: the JSON has every record */
		if (b.data == NULL) {
			pacc__buf_free(&b);
			return NULL;
		}
		(void)pacc__buf_appendf(&b, " ...");
	}
	return pacc__buf_steal(&b, NULL);
}

static int
add_error(struct pacc__xcheck *x, char *e)
{
	if (e == NULL)
		return PACC_ENOMEM;
	x->errors[x->nerrors++] = e;
	return PACC_OK;
}

static int
report_question(struct pacc__crosscheck *c, struct pacc__xcheck *x,
    struct xq *q)
{
	const char *t = type_name(q->type);
	struct xc_diff *df;

	if (!q->complete) {
		const char *who = "the resolver";

		if (!q->res_done && !q->doh_done)
			who = "the resolver nor the DoH server";
		else if (q->res_done)
			who = "the DoH server";
		return add_error(x,
		    fmt("%s %s: no answer from %s within the "
			"cross-check's %ld ms",
			t, q->name, who, c->budget));
	}
	if (q->res_err &&
	    add_error(x, fmt("%s %s: %s", t, q->name, q->res_err)) != PACC_OK)
		return PACC_ENOMEM;
	if (q->doh_err &&
	    add_error(x, fmt("%s %s: %s", t, q->name, q->doh_err)) != PACC_OK)
		return PACC_ENOMEM;
	if (q->res_err || q->doh_err || rdset_equal(&q->res, &q->doh))
		return PACC_OK;
	df = &x->diffs[x->ndiffs++];
	df->type = q->type;
	df->res = q->res;
	df->doh = q->doh;
	memset(&q->res, 0, sizeof(q->res));
	memset(&q->doh, 0, sizeof(q->doh));
	if ((df->name = pacc__strdup(q->name)) == NULL ||
	    (df->text = diff_text(df)) == NULL)
		return PACC_ENOMEM;
	return PACC_OK;
}

static struct pacc__xcheck *
make_report(struct pacc__crosscheck *c)
{
	struct pacc__xcheck *x = pacc__calloc(1, sizeof(*x));
	size_t nq = c->nq;

	if (x == NULL)
		return NULL;
	x->questions = nq;
	x->diffs = pacc__calloc(nq + 1, sizeof(*x->diffs));
	x->errors = pacc__calloc(2 * nq + 1, sizeof(char *));
	if (x->diffs == NULL || x->errors == NULL ||
	    (x->doh = pacc__strdup(c->url)) == NULL)
		goto fail;
	for (size_t i = 0; i < nq; i++)
		if (report_question(c, x, &c->q[i]) != PACC_OK)
			goto fail;
	if (c->dropped &&
	    add_error(x,
		fmt("%zu more questions than the limit of %d were "
		    "not asked",
		    c->dropped, PACC__MAX_XCHECK_QUESTIONS)) != PACC_OK)
		goto fail;
	x->agree = x->ndiffs ? 0 : x->nerrors ? -1 : 1;
	if (x->agree == 1)
		x->summary = fmt("the resolver and the DoH server %s agree on "
				 "all %zu DNS questions the answer depends on",
		    c->url, nq);
	else if (x->agree == 0)
		x->summary = fmt("the DNS answers this result depends on "
				 "differ between the resolver and the DoH "
				 "server %s (%zu of %zu questions): DNS may "
				 "have been tampered with",
		    c->url, x->ndiffs, nq);
	else
		x->summary = fmt("the DNS cross-check over %s is incomplete: "
				 "%zu error(s), no difference among the "
				 "answers compared",
		    c->url, x->nerrors);
	if (x->summary == NULL)
		goto fail;
	return x;
fail:
	pacc__xcheck_free(x);
	return NULL;
}

/* ---- life cycle ---- */

static void
xc_free(struct pacc__crosscheck *c)
{
	pacc__timer_disarm(c->ctx, &c->timer);
	for (size_t i = 0; i < c->nq; i++) {
		struct xq *q = &c->q[i];

		pacc__dns_cancel(q->dq);
		pacc__fetch_cancel(q->f);
		pacc__free(q->name);
		pacc__free(q->res_err);
		pacc__free(q->doh_err);
		rdset_clear(&q->res);
		rdset_clear(&q->doh);
		for (size_t k = 0; k < q->nmx; k++)
			pacc__free(q->mx[k]);
	}
	pacc__free(c);
}

/* Every question answered, or the budget spent. */
static void
on_timer(void *ud)
{
	struct pacc__crosscheck *c = ud;
	struct pacc_discovery *d = c->d;
	pacc__crosscheck_cb cb = c->cb;
	struct pacc__xcheck *x;

	for (size_t i = 0; i < c->nq; i++) {
		pacc__dns_cancel(c->q[i].dq);
		pacc__fetch_cancel(c->q[i].f);
		c->q[i].dq = NULL;
		c->q[i].f = NULL;
	}
	x = make_report(c);
	xc_free(c);
	cb(d, x);
}

int
pacc__crosscheck_start(struct pacc__crosscheck **out, struct pacc_discovery *d,
    pacc__crosscheck_cb cb)
{
	struct pacc__crosscheck *c;
	long long left;
	size_t n0;

	*out = NULL;
	if (d->result == NULL || d->result->domain == NULL ||
	    d->doh_url == NULL)
		return PACC_EINVAL;
	if ((c = pacc__calloc(1, sizeof(*c))) == NULL)
		return PACC_ENOMEM;
	c->d = d;
	c->ctx = d->ctx;
	c->url = d->doh_url;
	c->cb = cb;
	/* its own budget: the time left, at least 1 s, at most 5 s */
	left = d->deadline.deadline - pacc__now_ms();
	c->budget = left < PACC__XCHECK_MIN_MS ? PACC__XCHECK_MIN_MS
	    : left > PACC__XCHECK_MAX_MS       ? PACC__XCHECK_MAX_MS
					       : (long)left;
	c->deadline = pacc__now_ms() + c->budget;
	pacc__timer_init(&c->timer, on_timer, c);
	pacc__timer_arm(c->ctx, &c->timer, c->budget);
	derive(c, d->result);
	c->open = n0 = c->nq;
	*out = c;
	/* follow-up questions are started by complete(), not here */
	for (size_t i = 0; i < n0; i++)
		start_res(&c->q[i]);
	pump(c);
	if (c->open == 0)
		pacc__timer_arm(c->ctx, &c->timer, 0);
	return PACC_OK;
}

void
pacc__crosscheck_cancel(struct pacc__crosscheck *c)
{
	if (c)
		xc_free(c);
}

bool
pacc__xcheck_disagrees(const struct pacc__xcheck *x)
{
	return x && x->agree == 0;
}

const char *
pacc__xcheck_summary(const struct pacc__xcheck *x)
{
	return x ? x->summary : "";
}

static int
rdset_dup(struct rdset *d, const struct rdset *s)
{
	d->v = NULL;
	d->n = 0;
	for (size_t i = 0; i < s->n; i++)
		if (rdset_push(d, pacc__strdup(s->v[i])) != PACC_OK)
			return PACC_ENOMEM;
	return PACC_OK;
}

int
pacc__xcheck_dup(struct pacc__xcheck **out, const struct pacc__xcheck *s)
{
	struct pacc__xcheck *x;

	*out = NULL;
	if (s == NULL)
		return PACC_OK;
	if ((x = pacc__calloc(1, sizeof(*x))) == NULL)
		return PACC_ENOMEM;
	x->questions = s->questions;
	x->agree = s->agree;
	x->diffs = pacc__calloc(s->ndiffs + 1, sizeof(*x->diffs));
	x->errors = pacc__calloc(s->nerrors + 1, sizeof(char *));
	if (x->diffs == NULL || x->errors == NULL ||
	    (x->doh = pacc__strdup(s->doh)) == NULL ||
	    (x->summary = pacc__strdup(s->summary)) == NULL)
		goto fail;
	for (; x->ndiffs < s->ndiffs; x->ndiffs++) {
		struct xc_diff *a = &x->diffs[x->ndiffs];
		const struct xc_diff *b = &s->diffs[x->ndiffs];

		a->type = b->type;
		if ((a->name = pacc__strdup(b->name)) == NULL ||
		    (a->text = pacc__strdup(b->text)) == NULL ||
		    rdset_dup(&a->res, &b->res) != PACC_OK ||
		    rdset_dup(&a->doh, &b->doh) != PACC_OK) {
			x->ndiffs++;
			goto fail;
		}
	}
	for (; x->nerrors < s->nerrors; x->nerrors++)
		if ((x->errors[x->nerrors] = pacc__strdup(
			 s->errors[x->nerrors])) == NULL)
			goto fail;
	*out = x;
	return PACC_OK;
fail:
	pacc__xcheck_free(x);
	return PACC_ENOMEM;
}

/* ---- JSON: {"doh","questions","agree","detail","differences","errors"} */

static int
jset(json_t *o, const char *k, json_t *v)
{
	/* json_object_set_new steals v even on failure */
	return v == NULL || json_object_set_new(o, k, v) != 0 ? -1 : 0;
}

static json_t *
jstrings(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

struct json_t *
pacc__xcheck_json(const struct pacc__xcheck *x)
{
	json_t *o = json_object(), *arr, *e;

	if (o == NULL || jset(o, "doh", json_string(x->doh)) ||
	    jset(o, "questions", json_integer((json_int_t)x->questions)) ||
	    jset(o, "agree",
		x->agree < 0 ? json_null() : json_boolean(x->agree == 1)) ||
	    jset(o, "detail", json_string(x->summary)) ||
	    jset(o, "differences", arr = json_array()))
		goto fail;
	for (size_t i = 0; i < x->ndiffs; i++) {
		const struct xc_diff *df = &x->diffs[i];

		e = json_object();
		if (e == NULL || json_array_append_new(arr, e) ||
		    jset(e, "name", json_string(df->name)) ||
		    jset(e, "type", json_string(type_name(df->type))) ||
		    jset(e, "resolver", jstrings(df->res.v, df->res.n)) ||
		    jset(e, "doh", jstrings(df->doh.v, df->doh.n)))
			goto fail;
	}
	if (jset(o, "errors", jstrings(x->errors, x->nerrors)))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* ---- public getters (include/pacc/result.h) ---- */

PACC__API const char *
pacc_result_crosscheck_doh(const pacc_result *res)
{
	return res && res->xcheck ? res->xcheck->doh : NULL;
}

PACC__API int
pacc_result_crosscheck_agree(const pacc_result *res)
{
	return res && res->xcheck ? res->xcheck->agree : -1;
}

PACC__API size_t
pacc_result_crosscheck_questions(const pacc_result *res)
{
	return res && res->xcheck ? res->xcheck->questions : 0;
}

PACC__API size_t
pacc_result_crosscheck_difference_count(const pacc_result *res)
{
	return res && res->xcheck ? res->xcheck->ndiffs : 0;
}

PACC__API const char *
pacc_result_crosscheck_difference(const pacc_result *res, size_t i)
{
	return res && res->xcheck && i < res->xcheck->ndiffs
	    ? res->xcheck->diffs[i].text
	    : NULL;
}

PACC__API size_t
pacc_result_crosscheck_error_count(const pacc_result *res)
{
	return res && res->xcheck ? res->xcheck->nerrors : 0;
}

PACC__API const char *
pacc_result_crosscheck_error(const pacc_result *res, size_t i)
{
	return res && res->xcheck && i < res->xcheck->nerrors
	    ? res->xcheck->errors[i]
	    : NULL;
}
