/* SPDX-License-Identifier: MIT */
/*
 * pacc check, groups "dnssec" and "cross".
 *
 * dnssec: the DNSSEC state of every DNS answer the audit used (DESIGN §2:
 * secure, insecure or bogus per answer).
 *
 * cross: the servers each mechanism gives a client, exactly as `discover`
 * computes them (one single-mechanism discovery each), compared protocol
 * by protocol: the same host names everywhere, and at least one common
 * port and TLS mode.  A client must not end up on other servers because
 * it happens to support another mechanism.
 */
#include <stdio.h>
#include <string.h>

#include "check_int.h"

static const char *
type_name(int t)
{
	switch (t) {
	case PACC__RR_A:
		return "A";
	case PACC__RR_AAAA:
		return "AAAA";
	case PACC__RR_MX:
		return "MX";
	case PACC__RR_TXT:
		return "TXT";
	case PACC__RR_SRV:
		return "SRV";
	case CK_RR_CNAME:
		return "CNAME";
	}
	return "?";
}

void
pacc__ck_dnssec_report(struct pacc_check *c)
{
	const struct ck_dns *v[256] = { NULL };
	size_t n = 0, nall, shown = 0;

	for (const struct ck_dns *q = c->dns; q && n < PACC__ARRAY_LEN(v);
	     q = q->next)
		v[n++] = q;
	nall = n;
	/* the list is newest first: report in the order they were asked */
	while (n-- > 0) {
		const struct ck_dns *q = v[n];

		if (!q->done || q->status != PACC_OK)
			continue;
		if (!q->havedata && q->sec != PACC_DNSSEC_BOGUS)
			continue;
		for (size_t k = n + 1; k < nall && q; k++)
			if (v[k]->type == q->type &&
			    strcmp(v[k]->name, q->name) == 0 && v[k]->done &&
			    v[k]->status == PACC_OK &&
			    (v[k]->havedata || v[k]->sec == PACC_DNSSEC_BOGUS))
				q = NULL; /* asked twice: reported once */
		if (q == NULL)
			continue;
		shown++;
		switch (q->sec) {
		case PACC_DNSSEC_SECURE:
			pacc__ck_add(c, CK_DNSSEC_RECORD, PACC_CHECK_PASS,
			    "%s %s: secure", q->name, type_name(q->type));
			break;
		case PACC_DNSSEC_BOGUS:
			pacc__ck_add(c, CK_DNSSEC_RECORD, PACC_CHECK_FAIL,
			    "%s %s: bogus (%s); clients treat it as an "
			    "integrity failure",
			    q->name, type_name(q->type),
			    q->why ? q->why : "validation failed");
			break;
		default:
			pacc__ck_add(c, CK_DNSSEC_RECORD, PACC_CHECK_WARN,
			    "%s %s: insecure (%s); clients cannot "
			    "authenticate it",
			    q->name, type_name(q->type),
			    q->reason ? q->reason : "not signed");
			break;
		}
	}
	if (shown == 0)
		pacc__ck_add(c, CK_DNSSEC_RECORD, PACC_CHECK_SKIP,
		    "no DNS record of a mechanism exists");
}

/* ---- cross-mechanism agreement ---- */

#define NPROTO 8
#define MAXS 16

struct endpoint {
	char host[256];
	unsigned port;
	pacc_tls_mode tls;
};

struct mech_view {
	pacc_mechanism mech;
	struct endpoint e[NPROTO][MAXS];
	size_t n[NPROTO];
};

static void
collect(const pacc_result *r, struct mech_view *v)
{
	for (size_t i = 0; i < pacc_result_server_count(r); i++) {
		const pacc_server *s = pacc_result_server(r, i);
		pacc_protocol p = pacc_server_protocol(s);
		struct endpoint *e;
		char *uh = NULL;

		if ((unsigned)p >= NPROTO || v->n[p] >= MAXS)
			continue;
		e = &v->e[p][v->n[p]];
		if (pacc_server_host(s)) {
			snprintf(e->host, sizeof(e->host), "%s",
			    pacc_server_host(s));
			e->port = pacc_server_port(s);
			e->tls = pacc_server_tls(s);
		} else if (pacc_server_url(s) &&
		    (uh = pacc__url_host(pacc_server_url(s))) != NULL) {
			snprintf(e->host, sizeof(e->host), "%s", uh);
			e->port = 443;
			e->tls = PACC_TLS_IMPLICIT;
			pacc__free(uh);
		} else {
			continue;
		}
		v->n[p]++;
	}
}

static bool
has_host(const struct mech_view *v, int p, const char *h)
{
	for (size_t i = 0; i < v->n[p]; i++)
		if (strcmp(v->e[p][i].host, h) == 0)
			return true;
	return false;
}

static bool
common_port(const struct mech_view *a, const struct mech_view *b, int p)
{
	for (size_t i = 0; i < a->n[p]; i++)
		for (size_t k = 0; k < b->n[p]; k++)
			if (a->e[p][i].port == b->e[p][k].port &&
			    a->e[p][i].tls == b->e[p][k].tls)
				return true;
	return false;
}

static void
hosts_of(const struct mech_view *v, int p, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < v->n[p]; i++) {
		size_t l = strlen(buf);
		bool dup = false;

		for (size_t k = 0; k < i; k++)
			dup |= strcmp(v->e[p][k].host, v->e[p][i].host) == 0;
		if (!dup)
			snprintf(buf + l, len - l, "%s%s", l ? "," : "",
			    v->e[p][i].host);
	}
}

static void
ports_of(const struct mech_view *v, int p, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < v->n[p]; i++) {
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, "%s%u/%s", l ? "," : "",
		    v->e[p][i].port, pacc_tls_mode_name(v->e[p][i].tls));
	}
}

void
pacc__ck_cross_report(struct pacc_check *c)
{
	static const pacc_mechanism mechs[] = { PACC_MECH_PACC,
		PACC_MECH_PACC_MX, PACC_MECH_SRV, PACC_MECH_AUTOCONFIG,
		PACC_MECH_AUTODISCOVER };
	struct mech_view *v;
	size_t nv = 0;
	char names[200] = "", hosts[600] = "", ports[600] = "";

	if ((v = pacc__calloc(PACC__ARRAY_LEN(mechs), sizeof(*v))) == NULL) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < PACC__ARRAY_LEN(mechs); i++) {
		const pacc_result *r = pacc__ck_disc_result(c, mechs[i]);
		size_t l = strlen(names);

		if (r == NULL || pacc_result_outcome(r) != PACC_RESULT_FOUND ||
		    pacc_result_mechanism(r) != (int)mechs[i])
			continue;
		v[nv].mech = mechs[i];
		collect(r, &v[nv]);
		snprintf(names + l, sizeof(names) - l, "%s%s", l ? ", " : "",
		    pacc_mechanism_name(mechs[i]));
		nv++;
	}
	if (nv < 2) {
		const char *r = nv ? "only one mechanism gives clients servers"
				   : "no mechanism gives clients servers";

		pacc__ck_add(c, CK_CROSS_HOSTS, PACC_CHECK_SKIP, "%s%s%s%s", r,
		    nv ? " (" : "", names, nv ? ")" : "");
		pacc__ck_add(c, CK_CROSS_PORTS, PACC_CHECK_SKIP, "%s%s%s%s", r,
		    nv ? " (" : "", names, nv ? ")" : "");
		pacc__free(v);
		return;
	}
	for (int p = 0; p < NPROTO; p++) {
		for (size_t a = 0; a < nv; a++) {
			for (size_t b = a + 1; b < nv; b++) {
				const struct mech_view *x = &v[a], *y = &v[b];
				char hx[300], hy[300], msg[700];
				bool same = x->n[p] && y->n[p];

				if (!same)
					continue;
				for (size_t i = 0; i < x->n[p]; i++)
					same &= has_host(y, p, x->e[p][i].host);
				for (size_t i = 0; i < y->n[p]; i++)
					same &= has_host(x, p, y->e[p][i].host);
				if (!same) {
					hosts_of(x, p, hx, sizeof(hx));
					hosts_of(y, p, hy, sizeof(hy));
					snprintf(msg, sizeof(msg),
					    "%s: %s says %s, %s says %s",
					    pacc_protocol_name(p),
					    pacc_mechanism_name(x->mech), hx,
					    pacc_mechanism_name(y->mech), hy);
					pacc__ck_append(hosts, sizeof(hosts),
					    "; ", msg);
				} else if (!common_port(x, y, p)) {
					ports_of(x, p, hx, sizeof(hx));
					ports_of(y, p, hy, sizeof(hy));
					snprintf(msg, sizeof(msg),
					    "%s: %s says %s, %s says %s",
					    pacc_protocol_name(p),
					    pacc_mechanism_name(x->mech), hx,
					    pacc_mechanism_name(y->mech), hy);
					pacc__ck_append(ports, sizeof(ports),
					    "; ", msg);
				}
			}
		}
	}
	if (hosts[0])
		pacc__ck_add(c, CK_CROSS_HOSTS, PACC_CHECK_FAIL,
		    "the mechanisms advertise different servers (clients end "
		    "up on different hosts depending on what they support): "
		    "%s",
		    hosts);
	else
		pacc__ck_add(c, CK_CROSS_HOSTS, PACC_CHECK_PASS,
		    "%s advertise the same hosts", names);
	if (ports[0])
		pacc__ck_add(c, CK_CROSS_PORTS, PACC_CHECK_WARN,
		    "no common port and TLS mode: %s", ports);
	else
		pacc__ck_add(c, CK_CROSS_PORTS, PACC_CHECK_PASS,
		    "%s share a port and TLS mode for every protocol", names);
	pacc__free(v);
}
