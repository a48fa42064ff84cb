/* SPDX-License-Identifier: MIT */
/*
 * pacc__ internals shared between the library's files; never installed.
 * Layers: engine (ctx, loop, discover) -> mechanisms (src_*) -> parsers
 * (fmt_*); the network layer (dns, http) knows nothing of mechanisms.
 */
#ifndef PACC_INTERNAL_H
#define PACC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "pacc/pacc.h"

#include "alloc.h"
#include "buf.h"
#include "fmt.h"
#include "bounds.h"
#include "model.h"

#define PACC__API __attribute__((visibility("default")))
#define PACC__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- loop.c: descriptors and one merged timer ---- */

typedef void (*pacc__watch_fn)(void *ud, int fd, int revents);
typedef void (*pacc__timer_fn)(void *ud);

struct pacc__timer {
	long long deadline; /* monotonic ms */
	pacc__timer_fn fn;
	void *ud;
	bool armed;
	struct pacc__timer *next; /* armed list */
};

long long pacc__now_ms(void);
/* poll(2) the context until *done; PACC_OK or PACC_ENOMEM (loop.c) */
int pacc__loop_run_until(pacc_ctx *ctx, const bool *done);
/* Watch fd for `events` (PACC_POLL_IN|OUT); 0 stops watching. */
int pacc__watch_set(pacc_ctx *ctx, int fd, int events, pacc__watch_fn fn,
    void *ud);
void pacc__timer_init(struct pacc__timer *t, pacc__timer_fn fn, void *ud);
void pacc__timer_arm(pacc_ctx *ctx, struct pacc__timer *t, long ms);
void pacc__timer_disarm(pacc_ctx *ctx, struct pacc__timer *t);
/* Tell the embedder's timer callback about a changed earliest deadline. */
void pacc__loop_sync(pacc_ctx *ctx);
void pacc__loop_free(pacc_ctx *ctx);

/* ---- ctx.c ---- */

struct pacc__watch {
	int fd;
	int events;
	pacc__watch_fn fn;
	void *ud;
};

struct pacc__dns;
struct pacc__http;
struct x509_st;

struct pacc_ctx {
	/* settings */
	char *resolver;
	char *trust_anchor;
	bool trust_anchor_set;
	char *ca_file;
	void *ca_certs; /* STACK_OF(X509) loaded from ca_file */
	long timeout_ms;
	unsigned mechanisms;
	pacc_log_cb log_cb;
	void *log_ud;

	/* event loop surface */
	pacc_socket_cb socket_cb;
	void *socket_ud;
	pacc_timer_cb timer_cb;
	void *timer_ud;
	long long reported_deadline; /* what timer_cb last heard; -2 none */
	struct pacc__watch *watches;
	size_t nwatches, capwatches;
	struct pacc__timer *timers;
	int depth; /* re-entrancy of socket_action/process */

	/* network */
	struct pacc__dns *dns;
	struct pacc__http *http;
	/* pacc_discover_start() is starting mechanisms: their DNS questions
	 * queue behind the follow-ups of discoveries already running */
	bool starting;

	/* discoveries not yet delivered */
	struct pacc_discovery *discoveries;
	size_t pending;
};

void pacc__log(pacc_ctx *ctx, pacc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- dns.c: libunbound glue ---- */

struct pacc__dns_answer {
	int rcode;
	bool havedata;
	bool nxdomain;
	pacc_dnssec sec;
	const char *reason; /* dnssec_reason code */
	const char *why;    /* resolver's sentence (bogus), or NULL */
	size_t n;
	unsigned char **data; /* RDATA, wire format (borrowed) */
	int *len;
};

/* status: PACC_OK (see answer), PACC_EDNS, PACC_ETIMEOUT. */
typedef void (
    *pacc__dns_cb)(void *ud, int status, const struct pacc__dns_answer *a);
struct pacc__dns_q;

int pacc__dns_query(struct pacc__dns_q **out, pacc_ctx *ctx, const char *name,
    int rrtype, pacc__dns_cb cb, void *ud);
void pacc__dns_cancel(struct pacc__dns_q *q);
void pacc__dns_free(pacc_ctx *ctx);
/* Why the resolver cannot be used, or NULL while it can. */
const char *pacc__dns_failure(pacc_ctx *ctx);
/* True while the start-up DNSSEC check has not answered. */
bool pacc__dns_checking(pacc_ctx *ctx);

#define PACC__RR_A 1
#define PACC__RR_MX 15
#define PACC__RR_TXT 16
#define PACC__RR_AAAA 28
#define PACC__RR_SRV 33

/* ---- http.c: libcurl multi glue with our own resolver ---- */

struct pacc__fetch_opts {
	const char *url; /* https://host[:port]/path */
	bool tls13;	 /* require TLS 1.3 (PACC documents) */
	size_t max_body;
	long timeout_ms;
	const char *accept; /* Accept header value or NULL */
	/* POST this body (with content_type) instead of GET */
	const char *post_body;
	size_t post_len;
	const char *content_type;
	/* allow plain http:// (only --insecure-http paths) */
	bool allow_http;
	/* another method (e.g. "PROPFIND"), with post_body as its body */
	const char *method;
	/* extra request headers ("Depth: 0"), NULL-terminated, or NULL */
	const char *const *headers;
	/* credentials: sent only over https with a verified certificate
	 * (curl's policy here: https only, verification always on) */
	const char *basic_user;
	const char *basic_pass;
	const char *bearer;
};

struct pacc__fetch_result {
	int status;	    /* PACC_OK when an HTTP response arrived */
	long http_code;	    /* 0 when none */
	const char *code;   /* attempt code for failures (e.g. "tls-version") */
	const char *detail; /* human sentence */
	const unsigned char *body;
	size_t len;
	pacc_dnssec addr_sec; /* worst DNSSEC state of the address lookups */
	const char *location; /* Location header of a redirect, or NULL */
	/* every WWW-Authenticate header value, in order (RFC 9110 §11.6.1) */
	const char *const *www_auth;
	size_t nwww_auth;
	/* TLS facts of the connection, when known */
	const char *tls_version;
	/* Content-Type of the response, or NULL (pacc check) */
	const char *content_type;
};

typedef void (*pacc__fetch_cb)(void *ud, const struct pacc__fetch_result *r);
struct pacc__fetch;

/* Resolve the URL's host with our resolver, pin it into curl, GET. */
int pacc__fetch_start(struct pacc__fetch **out, pacc_ctx *ctx,
    const struct pacc__fetch_opts *o, pacc__fetch_cb cb, void *ud);
void pacc__fetch_cancel(struct pacc__fetch *f);
void pacc__http_free(pacc_ctx *ctx);

/* ---- discover.c: the engine ---- */

struct pacc__mech;

struct pacc__mech_ops {
	pacc_mechanism id;
	int (*start)(struct pacc__mech *m);
	/* Release everything still running (cancel or deadline). */
	void (*stop)(struct pacc__mech *m);
	/* Deadline hit while running: set outcome/code (default: timeout). */
	void (*deadline)(struct pacc__mech *m);
};

enum pacc__mech_state { PACC__M_IDLE, PACC__M_RUNNING, PACC__M_DONE };

struct pacc__mech {
	const struct pacc__mech_ops *ops;
	struct pacc_discovery *disc;
	enum pacc__mech_state state;
	bool enabled;
	pacc_attempt_outcome outcome;
	const char *code; /* static string */
	char *detail;
	long long t_start, t_end;
	/* usable configurations (outcome OK): the first, then others that
	 * the source offers too (WebFinger accounts) */
	struct pacc__config *cfg;
	struct pacc__config **more;
	size_t nmore;
	/* registrable domains to confirm beyond the servers' own (a
	 * redirect's target domain, say) */
	char **confirm_extra;
	size_t nconfirm_extra;
	/* a failure that must decide the answer (downgrade protection) */
	bool decisive;
	pacc_digest_state digest;
	enum pacc__digest_alg digest_alg; /* 0 when none */
	pacc_dnssec dnssec;
	const char *dnssec_reason;
	char *dnssec_detail;
	char *source;
	/* pacc-mx: MX hosts used and the name form */
	char **mx_hosts;
	size_t nmx_hosts;
	const char *mx_form;
	void *priv;
};

struct pacc_discovery {
	pacc_ctx *ctx;
	struct pacc_discovery *next;
	struct pacc__addr addr;
	int addr_status;
	char addr_why[160];
	char *input;
	unsigned mechanisms;
	long timeout_ms;
	unsigned flags;
	char *ispdb_dir;
	char *ispdb_url; /* NULL: none */
	char *doh_url;	 /* DNS cross-check over DoH, or NULL */
	bool delivering; /* inside its callback: cancel is a no-op */
	long long t0;
	struct pacc__timer deadline;
	struct pacc__timer deliver;
	struct pacc__mech mechs[PACC_MECH__COUNT];
	/* DNSSEC chain prefetch (DS + DNSKEY of the domain and its parents) */
	struct pacc__dns_q *prefetch[PACC__PREFETCH_QUERIES];
	bool answered;
	struct pacc__mech *decider;  /* whose answer was chosen, or NULL */
	struct pacc__crosscheck *xc; /* running between answer and delivery */
	pacc_result *result;
	pacc_discover_cb cb;
	void *ud;
};

/* Called by a mechanism exactly once, when it has finished. */
void pacc__mech_done(struct pacc__mech *m);
/* Record the outcome of an attempt, its code and a sentence. */
void pacc__mech_report(struct pacc__mech *m, pacc_attempt_outcome outcome,
    const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Hand a configuration to the mechanism (ownership moves, even on error). */
int pacc__mech_add_config(struct pacc__mech *m, struct pacc__config *cfg);
/* Add the registrable domain of `host` to the domains to confirm. */
int pacc__mech_add_confirm(struct pacc__mech *m, const char *host);
/* Remaining milliseconds before the discovery's deadline (>= 1). */
long pacc__mech_remaining_ms(const struct pacc__mech *m);

/* src_srv.c: uniform random integer in [0, max] (RFC 2782 weights). */
/* The OpenSSL digest of a v=UAAC1 algorithm, or NULL (src_pacc.c). */
struct evp_md_st;
const struct evp_md_st *pacc__digest_md(enum pacc__digest_alg alg);
unsigned pacc__srv_random(void *ud, unsigned max);

extern const struct pacc__mech_ops pacc__src_pacc_ops;
extern const struct pacc__mech_ops pacc__src_pacc_mx_ops;
extern const struct pacc__mech_ops pacc__src_pacc_srv_ops;
extern const struct pacc__mech_ops pacc__src_webfinger_ops;
extern const struct pacc__mech_ops pacc__src_srv_ops;
extern const struct pacc__mech_ops pacc__src_autoconfig_ops;
extern const struct pacc__mech_ops pacc__src_autodiscover_ops;
extern const struct pacc__mech_ops pacc__src_ispdb_ops;
extern const struct pacc__mech_ops pacc__src_guess_ops;

/* src_pacc.c: one "ua-auto-config document + TXT digest" verification,
 * shared by the pacc and pacc-mx mechanisms (it is the same procedure on a
 * different name). */
struct pacc__verify;
struct pacc__verify_result {
	bool opted_in; /* a v=UAAC1 TXT record exists */
	bool ok;       /* document verified and parsed */
	pacc_attempt_outcome outcome;
	const char *code; /* failure code or NULL */
	const char *detail;
	pacc_digest_state digest;
	enum pacc__digest_alg alg;
	pacc_dnssec dnssec; /* of the TXT answer */
	const char *dnssec_reason;
	const char *dnssec_detail;
	const unsigned char *body;
	size_t len;
	const char *url;
};
typedef void (*pacc__verify_cb)(void *ud, const struct pacc__verify_result *r);
int pacc__verify_start(struct pacc__verify **out, pacc_ctx *ctx,
    const char *name, long timeout_ms, pacc__verify_cb cb, void *ud);
void pacc__verify_cancel(struct pacc__verify *v);
/* 1 opted in (v=UAAC1 seen), 0 not, -1 not known yet. */
int pacc__verify_opted_in(const struct pacc__verify *v);
/* DNSSEC state of the TXT answer, once it has arrived (else n/a). */
void pacc__verify_txt_state(const struct pacc__verify *v, pacc_dnssec *sec,
    const char **reason);
/* Parse a verified document into m->cfg (failure recorded on m). */
bool pacc__mech_take_document(struct pacc__mech *m, const unsigned char *body,
    size_t len);

/* ---- crosscheck.c: DNS cross-check over DoH (RFC 8484) ---- */

/* What a cross-check found; owned by the result it is attached to. */
struct pacc__xcheck;
struct pacc__crosscheck;
struct json_t;

/* Called once with the report (ownership moves; NULL when out of memory).
 * The cross-check frees itself after the callback: do not cancel it there. */
typedef void (*pacc__crosscheck_cb)(struct pacc_discovery *d,
    struct pacc__xcheck *report);

/*
 * Ask every DNS question d->result depends on over DoH (d->doh_url) and
 * through our resolver, and compare the answers, within a budget of the
 * time left before d's deadline clamped to [1 s, 5 s].  The callback comes
 * from the loop, never from here.
 */
int pacc__crosscheck_start(struct pacc__crosscheck **out,
    struct pacc_discovery *d, pacc__crosscheck_cb cb);
void pacc__crosscheck_cancel(struct pacc__crosscheck *c);
/* True when at least one question got different answers. */
bool pacc__xcheck_disagrees(const struct pacc__xcheck *x);
/* One sentence for errmsg: how many questions differ, from which server. */
const char *pacc__xcheck_summary(const struct pacc__xcheck *x);
int pacc__xcheck_dup(struct pacc__xcheck **out, const struct pacc__xcheck *s);
void pacc__xcheck_free(struct pacc__xcheck *x);
/* The result's "crosscheck" JSON member (new reference), NULL on ENOMEM. */
struct json_t *pacc__xcheck_json(const struct pacc__xcheck *x);
/* The *_to_json() functions: o as text (PACC_JSON_PRETTY from `flags`,
 * members in order, plus jansson's `extra` flags) in memory the caller
 * frees with free(); o stays the caller's.  PACC_OK or PACC_ENOMEM. */
int pacc__json_text(char **out, const struct json_t *o, unsigned flags,
    size_t extra);

/* ---- result.c ---- */

struct pacc_attempt {
	pacc_mechanism mechanism;
	pacc_attempt_outcome outcome;
	char *code;
	char *detail;
	long elapsed_ms;
};

struct pacc_integrity {
	pacc_digest_state digest;
	enum pacc__digest_alg alg;
	pacc_dnssec dnssec;
	char *dnssec_reason;
	char *dnssec_detail;
};

struct pacc_candidate {
	pacc_mechanism mechanism;
	char *title;
	bool usable;
	char *source;
	char *code;
	struct pacc__config *cfg;
	struct pacc_integrity integrity;
};

struct pacc_result {
	pacc_outcome outcome;
	int error;
	char *errmsg;
	char *address;
	char *domain;
	char *domain_unicode;
	int mechanism; /* -1 none */
	char *source;
	struct pacc_integrity integrity;
	struct pacc__config *cfg; /* servers, issuer, provider; never NULL */
	char **confirm;
	size_t nconfirm;
	bool confirm_required;
	struct pacc_attempt *attempts;
	size_t nattempts;
	struct pacc_candidate *candidates;
	size_t ncandidates;
	char **mx_hosts;
	size_t nmx_hosts;
	char *mx_form;
	struct pacc__xcheck *xcheck; /* DNS cross-check, or NULL */
};

int pacc__result_new(pacc_result **out);

#endif
