/* SPDX-License-Identifier: MIT */
/*
 * pacc check, group "srv": the RFC 6186 / RFC 8314 mail labels, RFC 6764
 * CalDAV/CardDAV, RFC 8620 JMAP and RFC 5804 ManageSieve, as the srv
 * mechanism asks them; then each target: an alias (RFC 2782 forbids CNAME
 * targets), an address, the registrable domain (RFC 6186 §6: targets
 * elsewhere need the user's confirmation unless DNSSEC vouches), and a
 * live probe of every mail target.
 */
#include <stdio.h>
#include <string.h>

#include "check_int.h"

#define MAX_TARGETS 32

static const struct label {
	const char *name;
	unsigned port;	    /* the label's port */
	unsigned wrong;	    /* the other TLS mode's port: a mismatch */
	const char *scheme; /* probe URL scheme, or NULL */
	bool standard;
} labels[] = {
	{ "_submissions._tcp", 465, 587, "submissions", true },
	{ "_submission._tcp", 587, 465, "submission", true },
	{ "_imaps._tcp", 993, 143, "imaps", true },
	{ "_imap._tcp", 143, 993, "imap", true },
	{ "_pop3s._tcp", 995, 110, "pop3s", true },
	{ "_pop3._tcp", 110, 995, "pop3", true },
	{ "_caldavs._tcp", 443, 80, NULL, true },
	{ "_carddavs._tcp", 443, 80, NULL, true },
	{ "_jmap._tcp", 443, 80, NULL, true },
	{ "_sieve._tcp", 4190, 0, "sieve", true },
	/* not RFC 6186: port 25 is relay, not submission */
	{ "_smtp._tcp", 25, 0, NULL, false },
};
#define NLABELS (sizeof(labels) / sizeof(labels[0]))

struct target {
	char *name;
	struct ck_dns *cname, *a, *aaaa;
};

struct ck_srv {
	struct ck_dns *q[NLABELS];
	struct target t[MAX_TARGETS];
	size_t nt;
};

int
pacc__ck_srv_start(struct pacc_check *c)
{
	struct ck_srv *s;
	char name[300];

	if ((s = c->srv = pacc__calloc(1, sizeof(*s))) == NULL)
		return PACC_ENOMEM;
	for (size_t i = 0; i < NLABELS; i++) {
		snprintf(name, sizeof(name), "%s.%s", labels[i].name,
		    c->domain);
		s->q[i] = pacc__ck_dns(c, name, PACC__RR_SRV);
	}
	pacc__ck_discover(c, PACC_MECH_SRV);
	return c->oom ? PACC_ENOMEM : PACC_OK;
}

void
pacc__ck_srv_free(struct pacc_check *c)
{
	struct ck_srv *s = c->srv;

	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nt; i++)
		pacc__free(s->t[i].name);
	pacc__free(s);
	c->srv = NULL;
}

/* The records of one label (targets "." included); *n of them. */
static struct pacc__srv_rr *
read_srv(const struct ck_dns *q, size_t *n)
{
	struct pacc__srv_rr *v;

	*n = 0;
	if (q == NULL || q->n == 0 || q->sec == PACC_DNSSEC_BOGUS)
		return NULL;
	if ((v = pacc__calloc(q->n, sizeof(*v))) == NULL)
		return NULL;
	for (size_t i = 0; i < q->n; i++)
		if (pacc__rr_srv(&v[*n], q->rr[i], q->len[i]) == PACC_OK)
			(*n)++;
	return v;
}

static void
free_srv(struct pacc__srv_rr *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pacc__srv_rr_clear(&v[i]);
	pacc__free(v);
}

void
pacc__ck_srv_more(struct pacc_check *c)
{
	struct ck_srv *s = c->srv;

	for (size_t i = 0; i < NLABELS; i++) {
		struct pacc__srv_rr *v;
		size_t n;

		v = read_srv(s->q[i], &n);
		for (size_t k = 0; k < n; k++) {
			size_t j;
			char url[400];

			if (strcmp(v[k].target, ".") == 0)
				continue;
			if (labels[i].scheme) {
				snprintf(url, sizeof(url), "%s://%s:%u",
				    labels[i].scheme, v[k].target, v[k].port);
				pacc__ck_probe(c, CK_SRV_PROBE, url);
			}
			for (j = 0; j < s->nt; j++)
				if (strcmp(s->t[j].name, v[k].target) == 0)
					break;
			if (j < s->nt || s->nt == MAX_TARGETS)
				continue;
			if ((s->t[j].name = pacc__strdup(v[k].target)) ==
			    NULL) {
				c->oom = true;
				break;
			}
			s->nt++;
			s->t[j].cname = pacc__ck_dns(c, v[k].target,
			    CK_RR_CNAME);
			s->t[j].a = pacc__ck_dns(c, v[k].target, PACC__RR_A);
			s->t[j].aaaa = pacc__ck_dns(c, v[k].target,
			    PACC__RR_AAAA);
		}
		free_srv(v, n);
	}
}

/* The owner name a CNAME points to (wire format, uncompressed). */
static void
cname_target(const struct ck_dns *q, char *buf, size_t len)
{
	size_t o = 0, p = 0;

	buf[0] = '\0';
	if (q == NULL || q->n == 0)
		return;
	while (p < q->len[0] && q->rr[0][p] != 0 && q->rr[0][p] < 64) {
		size_t l = q->rr[0][p++];

		if (p + l > q->len[0] || o + l + 2 >= len)
			break;
		memcpy(buf + o, q->rr[0] + p, l);
		o += l;
		buf[o++] = '.';
		p += l;
	}
	if (o > 0)
		o--; /* no trailing dot */
	buf[o] = '\0';
}

static void
append(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
	size_t l = strlen(buf);

	if (l + 8 >= len)
		return;
	if (l)
		snprintf(buf + l, len - l, "; ");
	l = strlen(buf);
	snprintf(buf + l, len - l, fmt, a, b);
}

void
pacc__ck_srv_report(struct pacc_check *c)
{
	struct ck_srv *s = c->srv;
	char have[400] = "", nonstd[200] = "", wrong[400] = "", odd[400] = "",
	     dots[300] = "", mixed[300] = "", buf[300];
	char *mydom = NULL;
	size_t nlabels = 0;

	for (size_t i = 0; i < NLABELS; i++) {
		struct pacc__srv_rr *v;
		size_t n, ndot = 0;

		v = read_srv(s->q[i], &n);
		if (n == 0) {
			free_srv(v, n);
			continue;
		}
		nlabels++;
		snprintf(buf, sizeof(buf), "%zu", n);
		append(have, sizeof(have), "%s (%s)", labels[i].name, buf);
		if (!labels[i].standard)
			append(nonstd, sizeof(nonstd), "%s%s", labels[i].name,
			    "");
		for (size_t k = 0; k < n; k++) {
			if (strcmp(v[k].target, ".") == 0) {
				ndot++;
				continue;
			}
			if (!labels[i].standard || v[k].port == labels[i].port)
				continue;
			snprintf(buf, sizeof(buf), "%s port %u", v[k].target,
			    v[k].port);
			if (v[k].port == labels[i].wrong)
				append(wrong, sizeof(wrong), "%s: %s",
				    labels[i].name, buf);
			else
				append(odd, sizeof(odd), "%s: %s",
				    labels[i].name, buf);
		}
		if (ndot && n > ndot)
			append(mixed, sizeof(mixed), "%s%s", labels[i].name,
			    "");
		else if (ndot)
			append(dots, sizeof(dots), "%s%s", labels[i].name, "");
		free_srv(v, n);
	}
	if (nlabels == 0) {
		pacc__ck_add(c, CK_SRV_RECORDS, PACC_CHECK_SKIP,
		    "no SRV records are published (RFC 6186, 8314, 6764, "
		    "8620, 5804 labels)");
		return;
	}
	pacc__ck_add(c, CK_SRV_RECORDS, PACC_CHECK_PASS, "published: %s", have);
	if (nonstd[0])
		pacc__ck_add(c, CK_SRV_LABEL, PACC_CHECK_WARN,
		    "%s is not an RFC 6186 label (port 25 is for relay, not "
		    "submission); clients ignore it",
		    nonstd);
	else
		pacc__ck_add(c, CK_SRV_LABEL, PACC_CHECK_PASS,
		    "every label is a standard one");
	if (wrong[0])
		pacc__ck_add(c, CK_SRV_PORT, PACC_CHECK_FAIL,
		    "the port belongs to the other TLS mode (clients speak "
		    "the label's mode and fail): %s",
		    wrong);
	else if (odd[0])
		pacc__ck_add(c, CK_SRV_PORT, PACC_CHECK_WARN,
		    "non-standard ports: %s", odd);
	else
		pacc__ck_add(c, CK_SRV_PORT, PACC_CHECK_PASS,
		    "every port matches its label's TLS mode");
	if (mixed[0])
		pacc__ck_add(c, CK_SRV_DOT, PACC_CHECK_FAIL,
		    "\".\" (not offered) mixed with other targets in %s "
		    "(RFC 2782: \".\" must be the only record)",
		    mixed);
	else if (dots[0])
		pacc__ck_add(c, CK_SRV_DOT, PACC_CHECK_PASS,
		    "\".\" declares %s explicitly not offered (RFC 2782)",
		    dots);
	else
		pacc__ck_add(c, CK_SRV_DOT, PACC_CHECK_SKIP,
		    "no \".\" targets");
	if (s->nt == 0) {
		const char *r = "no targets other than \".\"";

		pacc__ck_add(c, CK_SRV_CNAME, PACC_CHECK_SKIP, "%s", r);
		pacc__ck_add(c, CK_SRV_ADDRESS, PACC_CHECK_SKIP, "%s", r);
		pacc__ck_add(c, CK_SRV_DOMAIN, PACC_CHECK_SKIP, "%s", r);
	} else {
		char aliases[400] = "", noaddr[400] = "", outside[400] = "";

		if (pacc__registrable_domain(&mydom, c->domain) != PACC_OK)
			mydom = NULL;
		for (size_t i = 0; i < s->nt; i++) {
			struct target *t = &s->t[i];
			char *rd = NULL;

			if (t->cname && t->cname->havedata) {
				cname_target(t->cname, buf, sizeof(buf));
				append(aliases, sizeof(aliases),
				    "%s is an alias of %s", t->name, buf);
			}
			if (!(t->a && t->a->havedata) &&
			    !(t->aaaa && t->aaaa->havedata))
				append(noaddr, sizeof(noaddr), "%s (%s)",
				    t->name,
				    t->a && t->a->nxdomain
					? "NXDOMAIN"
					: (t->a && t->a->done &&
						      t->a->status == PACC_OK
						  ? "no A/AAAA"
						  : pacc__ck_dns_failure(
							t->a)));
			if (pacc__registrable_domain(&rd, t->name) == PACC_OK &&
			    mydom && strcmp(rd, mydom) != 0)
				append(outside, sizeof(outside), "%s (%s)",
				    t->name, rd);
			pacc__free(rd);
		}
		if (aliases[0])
			pacc__ck_add(c, CK_SRV_CNAME, PACC_CHECK_FAIL,
			    "SRV targets must not be aliases (RFC 2782): %s",
			    aliases);
		else
			pacc__ck_add(c, CK_SRV_CNAME, PACC_CHECK_PASS,
			    "no target is a CNAME");
		if (noaddr[0])
			pacc__ck_add(c, CK_SRV_ADDRESS, PACC_CHECK_FAIL,
			    "targets without an address: %s", noaddr);
		else
			pacc__ck_add(c, CK_SRV_ADDRESS, PACC_CHECK_PASS,
			    "all %zu targets resolve", s->nt);
		if (outside[0])
			pacc__ck_add(c, CK_SRV_DOMAIN, PACC_CHECK_WARN,
			    "targets outside %s: %s; clients ask the user to "
			    "confirm them (RFC 6186 §6)",
			    mydom ? mydom : c->domain, outside);
		else
			pacc__ck_add(c, CK_SRV_DOMAIN, PACC_CHECK_PASS,
			    "every target is inside %s",
			    mydom ? mydom : c->domain);
		pacc__free(mydom);
	}
	pacc__ck_report_probes(c, CK_SRV_PROBE,
	    "no mail target to probe (or \".\" only)");
}
