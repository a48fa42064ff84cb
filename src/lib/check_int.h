/* SPDX-License-Identifier: MIT */
/*
 * pacc check: the audit engine's internals (check.c) and its groups, one
 * file per mechanism: check_pacc.c (pacc, pacc-mx), check_mtasts.c,
 * check_srv.c, check_autoconfig.c (autoconfig, autodiscover),
 * check_cross.c (dnssec, cross).
 *
 * A run has two rounds of facts: round 1 asks every DNS question and
 * fetches every document a mechanism publishes (plus one single-mechanism
 * discovery per mechanism, exactly as `discover` runs it); round 2 follows
 * up on what round 1 found (SRV targets, MX hosts, live probes).  Then
 * every group reports its findings from the facts, in group order.  The
 * deadline stops whatever still runs; its facts then say "timeout".
 */
#ifndef PACC_CHECK_INT_H
#define PACC_CHECK_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "pacc/check.h"

#include "internal.h"

/*
 * Every check id the library can emit: enum name, group, id.  The ids are
 * stable (add, never rename); pacc(1) documents each one (tests check).
 */
#define CK_IDS(XX)                                                             \
	XX(PACC_TXT, "pacc", "pacc.txt")                                       \
	XX(PACC_RESOLVE, "pacc", "pacc.resolve")                               \
	XX(PACC_TLS, "pacc", "pacc.tls")                                       \
	XX(PACC_CERT, "pacc", "pacc.certificate")                              \
	XX(PACC_REDIRECT, "pacc", "pacc.redirect")                             \
	XX(PACC_FETCH, "pacc", "pacc.fetch")                                   \
	XX(PACC_SIZE, "pacc", "pacc.size")                                     \
	XX(PACC_CTYPE, "pacc", "pacc.content-type")                            \
	XX(PACC_DIGEST, "pacc", "pacc.digest")                                 \
	XX(PACC_JSON, "pacc", "pacc.json")                                     \
	XX(PACC_DOCUMENT, "pacc", "pacc.document")                             \
	XX(PACC_PROBE, "pacc", "pacc.probe")                                   \
	XX(PACCMX_FALLBACK, "pacc-mx", "pacc-mx.fallback")                     \
	XX(STS_TXT, "mta-sts", "mta-sts.txt")                                  \
	XX(STS_FETCH, "mta-sts", "mta-sts.policy-fetch")                       \
	XX(STS_CTYPE, "mta-sts", "mta-sts.content-type")                       \
	XX(STS_POLICY, "mta-sts", "mta-sts.policy")                            \
	XX(STS_MODE, "mta-sts", "mta-sts.mode")                                \
	XX(STS_MX_MATCH, "mta-sts", "mta-sts.mx-match")                        \
	XX(SRV_RECORDS, "srv", "srv.records")                                  \
	XX(SRV_LABEL, "srv", "srv.label")                                      \
	XX(SRV_PORT, "srv", "srv.port")                                        \
	XX(SRV_DOT, "srv", "srv.dot-target")                                   \
	XX(SRV_CNAME, "srv", "srv.cname-target")                               \
	XX(SRV_ADDRESS, "srv", "srv.target-address")                           \
	XX(SRV_DOMAIN, "srv", "srv.target-domain")                             \
	XX(SRV_PROBE, "srv", "srv.probe")                                      \
	XX(AC_FETCH, "autoconfig", "autoconfig.fetch")                         \
	XX(AC_HTTPS, "autoconfig", "autoconfig.https")                         \
	XX(AC_CTYPE, "autoconfig", "autoconfig.content-type")                  \
	XX(AC_XML, "autoconfig", "autoconfig.xml")                             \
	XX(AC_SERVERS, "autoconfig", "autoconfig.servers")                     \
	XX(AC_PLACEHOLDER, "autoconfig", "autoconfig.placeholder")             \
	XX(AC_SOCKET, "autoconfig", "autoconfig.socket-type")                  \
	XX(AC_PLAINTEXT, "autoconfig", "autoconfig.plaintext")                 \
	XX(AC_PORT_TLS, "autoconfig", "autoconfig.port-tls")                   \
	XX(AC_AUTH, "autoconfig", "autoconfig.auth")                           \
	XX(AD_FETCH, "autodiscover", "autodiscover.fetch")                     \
	XX(AD_RESPONSE, "autodiscover", "autodiscover.response")               \
	XX(AD_SRV, "autodiscover", "autodiscover.srv")                         \
	XX(DNSSEC_RECORD, "dnssec", "dnssec.record")                           \
	XX(CROSS_HOSTS, "cross", "cross.hosts")                                \
	XX(CROSS_PORTS, "cross", "cross.ports")

enum ck_id {
#define CK__XX(e, g, s) CK_##e,
	CK_IDS(CK__XX)
#undef CK__XX
	    CK__COUNT
};

#define CK_RR_CNAME 5

/* ---- facts ---- */

struct ck_dns {
	struct pacc_check *run;
	struct pacc__dns_q *q;
	char *name;
	int type;
	bool done;
	int status; /* PACC_OK, else why there is no answer */
	bool havedata, nxdomain;
	pacc_dnssec sec;
	const char *reason;
	char *why;
	size_t n;
	unsigned char **rr;
	size_t *len;
	struct ck_dns *next;
};

struct ck_fetch {
	struct pacc_check *run;
	struct pacc__fetch *f;
	char *url;
	bool done;
	int status; /* PACC_OK: HTTP 200 */
	long http_code;
	char *code; /* fetch failure code, or NULL */
	char *detail;
	unsigned char *body; /* NUL-terminated copy */
	size_t len;
	char *ctype;	/* Content-Type, or NULL */
	char *location; /* of a redirect, or NULL */
	struct ck_fetch *next;
};

struct ck_disc {
	struct pacc_check *run;
	pacc_discovery *d;
	pacc_mechanism mech;
	pacc_result *res; /* NULL until done (or on timeout) */
	struct ck_disc *next;
};

/* A server to probe live, and the check its verdict belongs to. */
struct ck_probe_req {
	unsigned long long ids; /* 1ull << enum ck_id: probed once, for all */
	char *url;
};

struct ck_pacc;
struct ck_sts;
struct ck_srv;
struct ck_ac;

struct pacc_check {
	pacc_ctx *ctx;
	char *domain; /* A-label */
	char *address;
	long timeout_ms;
	unsigned flags;
	long long t0;
	struct pacc__timer deadline;
	struct pacc__timer step;
	size_t pending;
	int round; /* 1, 2; 3 = reporting */
	bool in_cb, counted, timed_out, oom;
	struct ck_dns *dns;
	struct ck_fetch *fetches;
	struct ck_disc *discs;
	struct ck_probe_req *reqs;
	size_t nreqs;
	pacc_probe *probe;
	pacc_probe_result *probe_res;
	bool probe_done;
	struct ck_pacc *pacc;
	struct ck_sts *sts;
	struct ck_srv *srv;
	struct ck_ac *ac;
	pacc_check_result *res;
	pacc_check_cb cb;
	void *ud;
};

/* Ask / fetch / discover in the current round (NULL on ENOMEM: the run
 * remembers it).  The fact is filled when done; pending counts it. */
struct ck_dns *pacc__ck_dns(struct pacc_check *c, const char *name, int type);
struct ck_fetch *pacc__ck_fetch(struct pacc_check *c,
    const struct pacc__fetch_opts *o);
struct ck_disc *pacc__ck_discover(struct pacc_check *c, pacc_mechanism m);
/* Probe this server URL (pacc_probe_opts.urls form) in round 2. */
void pacc__ck_probe(struct pacc_check *c, enum ck_id id, const char *url);
/* The probe verdicts, in request order: server i (NULL when it has none)
 * and whether check `id` asked for it. */
size_t pacc__ck_probe_count(const struct pacc_check *c);
const pacc_probe_server *pacc__ck_probe_server(const struct pacc_check *c,
    size_t i, enum ck_id id, bool *asked);
/* Remaining time of the run (>= 1 ms). */
long pacc__ck_remaining(const struct pacc_check *c);
/* Add a finding. */
void pacc__ck_add(struct pacc_check *c, enum ck_id id, pacc_check_status st,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Append sep (when buf is not empty) and s to buf, truncating. */
void pacc__ck_append(char *buf, size_t len, const char *sep, const char *s);
/* A sentence for a fact that did not arrive ("timeout", "dns error"). */
const char *pacc__ck_dns_failure(const struct ck_dns *q);
/* TXT strings of an answer (concatenated per RR), NULL-terminated array;
 * free with pacc__ck_strv_free. */
char **pacc__ck_txts(const struct ck_dns *q, size_t *n);
void pacc__ck_strv_free(char **v, size_t n);

/* check_pacc.c: probe every server of a configuration under check id;
 * report the verdicts of one check id (`none`: the SKIP sentence). */
void pacc__ck_probe_config(struct pacc_check *c, enum ck_id id,
    const struct pacc__config *cfg);
void pacc__ck_report_probes(struct pacc_check *c, enum ck_id which,
    const char *none);

/* ---- groups ---- */
int pacc__ck_pacc_start(struct pacc_check *c);
void pacc__ck_pacc_more(struct pacc_check *c);
void pacc__ck_pacc_report(struct pacc_check *c);
void pacc__ck_paccmx_report(struct pacc_check *c);
void pacc__ck_pacc_free(struct pacc_check *c);

int pacc__ck_sts_start(struct pacc_check *c);
void pacc__ck_sts_more(struct pacc_check *c);
void pacc__ck_sts_report(struct pacc_check *c);
void pacc__ck_sts_free(struct pacc_check *c);
/* Best-preference MX hosts (after round 1), and whether any of them (or
 * its parent) publishes a v=UAAC1 record (after round 2). */
bool pacc__ck_sts_mx_publish_pacc(const struct pacc_check *c);

int pacc__ck_srv_start(struct pacc_check *c);
void pacc__ck_srv_more(struct pacc_check *c);
void pacc__ck_srv_report(struct pacc_check *c);
void pacc__ck_srv_free(struct pacc_check *c);

int pacc__ck_ac_start(struct pacc_check *c);
void pacc__ck_ac_report(struct pacc_check *c);
void pacc__ck_ad_report(struct pacc_check *c);
void pacc__ck_ac_free(struct pacc_check *c);

void pacc__ck_dnssec_report(struct pacc_check *c);
void pacc__ck_cross_report(struct pacc_check *c);

/* The single-mechanism discovery of m, when it finished in time. */
const pacc_result *pacc__ck_disc_result(const struct pacc_check *c,
    pacc_mechanism m);

#endif
