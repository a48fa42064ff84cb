/* SPDX-License-Identifier: MIT */
/*
 * libunbound glue: asynchronous, DNSSEC-validating lookups whose answers
 * carry secure | insecure | bogus.  One ub_ctx per pacc_ctx, created at the
 * first query.  Before any query is answered, a start-up check asks the
 * upstream for the root DNSKEY (DESIGN §2): when it does not validate, the
 * upstream strips DNSSEC, and every answer is reported insecure with the
 * reason upstream-no-dnssec instead of failing as bogus.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <unbound.h>

#include "internal.h"

#define PACC__DEFAULT_TRUST_ANCHOR "/usr/share/dns/root.key"
#define RR_DNSKEY 48

enum dns_state { DNS_CHECKING, DNS_SWITCH, DNS_READY, DNS_FAILED };

struct pacc__dns_q {
	struct pacc__dns *dns;
	struct pacc__dns_q *next, *prev; /* all live queries */
	struct pacc__dns_q *dnext;	 /* answered, not yet dispatched */
	struct pacc__dns_q *wnext;	 /* wait queue */
	char *name;
	int type;
	int async_id;
	bool submitted;
	bool waiting;  /* in the wait queue (over the in-flight budget) */
	bool answered; /* in done or held: never submit again */
	bool cancelled;
	bool is_check;
	int err;
	struct ub_result *res;
	pacc__dns_cb cb;
	void *ud;
};

struct pacc__dns {
	pacc_ctx *ctx;
	struct ub_ctx *ub;
	int fd;
	enum dns_state state;
	bool validating;
	const char *insecure_reason;
	char fail_msg[160];
	struct pacc__dns_q *queries;
	struct pacc__dns_q *done;
	/* answered during the current ub_process(), in arrival order */
	struct pacc__dns_q *batch, **batch_tail;
	/* at most PACC__DNS_MAX_INFLIGHT questions in libunbound at once
	 * (its request list is finite: overflowing it silently drops
	 * questions, which then only end at the deadline); the others wait
	 * here, first in first out (wnext) */
	struct pacc__dns_q *wait_head, *wait_tail;
	size_t inflight;
	/* answered while the start-up check runs: held until it says
	 * whether they can be trusted as they are */
	struct pacc__dns_q *held;
	struct pacc__timer switch_timer;
	struct pacc__timer pump_timer; /* a cancel freed budget */
};

static void dns_readable(void *ud, int fd, int revents);

static void
pump_later(void *ud)
{
	dns_readable(ud, -1, 0);
}

static void
q_unlink(struct pacc__dns *dns, struct pacc__dns_q *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else if (dns->queries == q)
		dns->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->next = q->prev = NULL;
}

static void
q_free(struct pacc__dns_q *q)
{
	if (q->res)
		ub_resolve_free(q->res);
	pacc__free(q->name);
	pacc__free(q);
}

static void
ub_answer(void *mydata, int err, struct ub_result *res)
{
	struct pacc__dns_q *q = mydata;
	struct pacc__dns *dns = q->dns;

	/* collect; dispatched after ub_process() returns, so callbacks may
	 * freely start, cancel or tear down queries */
	q->err = err;
	q->res = res;
	if (q->submitted && dns->inflight > 0)
		dns->inflight--;
	q->submitted = false;
	q->answered = true;
	q->dnext = NULL;
	if (dns->batch == NULL)
		dns->batch_tail = &dns->batch;
	*dns->batch_tail = q;
	dns->batch_tail = &q->dnext;
}

static struct ub_ctx *
make_ub(struct pacc__dns *dns, bool validate, int *status)
{
	pacc_ctx *ctx = dns->ctx;
	struct ub_ctx *ub = ub_ctx_create();
	const char *ta;
	int r;

	*status = PACC_OK;
	if (ub == NULL) {
		*status = PACC_ENOMEM;
		return NULL;
	}
	/* a resolver thread (not a forked process): safe inside any host */
	if ((r = ub_ctx_async(ub, 1)) != 0)
		goto fail;
	if (ctx->resolver)
		r = ub_ctx_set_fwd(ub, ctx->resolver);
	else
		r = ub_ctx_resolvconf(ub, NULL);
	if (r != 0) {
		snprintf(dns->fail_msg, sizeof(dns->fail_msg),
		    "cannot use resolver %s: %s",
		    ctx->resolver ? ctx->resolver : "from /etc/resolv.conf",
		    ub_strerror(r));
		*status = PACC_EDNS;
		ub_ctx_delete(ub);
		return NULL;
	}
	if (validate) {
		ta = ctx->trust_anchor_set ? ctx->trust_anchor
					   : PACC__DEFAULT_TRUST_ANCHOR;
		if (!ctx->trust_anchor_set && access(ta, R_OK) != 0) {
			dns->insecure_reason = "no-trust-anchor";
			dns->validating = false;
		} else if ((r = ub_ctx_add_ta_file(ub, ta)) != 0) {
			snprintf(dns->fail_msg, sizeof(dns->fail_msg),
			    "cannot load trust anchor %s: %s", ta,
			    ub_strerror(r));
			*status = PACC_ETRUST;
			ub_ctx_delete(ub);
			return NULL;
		} else {
			dns->validating = true;
		}
	}
	return ub;
fail:
	snprintf(dns->fail_msg, sizeof(dns->fail_msg), "libunbound: %s",
	    ub_strerror(r));
	*status = PACC_EDNS;
	ub_ctx_delete(ub);
	return NULL;
}

static int
submit_now(struct pacc__dns *dns, struct pacc__dns_q *q)
{
	int r = ub_resolve_async(dns->ub, q->name, q->type, 1, q, ub_answer,
	    &q->async_id);

	if (r != 0)
		return r == UB_NOMEM ? PACC_ENOMEM : PACC_EDNS;
	q->submitted = true;
	dns->inflight++;
	return PACC_OK;
}

/*
 * Ask now, or queue when PACC__DNS_MAX_INFLIGHT questions are out: the
 * first questions of a new discovery at the end, follow-ups of running
 * ones at the front, so that the discoveries started first finish first
 * instead of all of them waiting for their deadline.
 */
static int
submit(struct pacc__dns *dns, struct pacc__dns_q *q)
{
	if (dns->inflight < PACC__DNS_MAX_INFLIGHT || q->is_check)
		return submit_now(dns, q);
	q->waiting = true;
	q->wnext = NULL;
	if (dns->wait_head == NULL) {
		dns->wait_head = dns->wait_tail = q;
	} else if (dns->ctx->starting) {
		dns->wait_tail->wnext = q;
		dns->wait_tail = q;
	} else {
		q->wnext = dns->wait_head;
		dns->wait_head = q;
	}
	return PACC_OK;
}

static void
wait_clear(struct pacc__dns *dns)
{
	struct pacc__dns_q *q, *next;

	for (q = dns->wait_head; q; q = next) {
		next = q->wnext;
		q->waiting = false;
		q->wnext = NULL;
	}
	dns->wait_head = dns->wait_tail = NULL;
}

/*
 * Move waiting questions into libunbound while the budget allows.  A
 * question cancelled while it waited is freed here; one failed meanwhile
 * (fail_waiting) is already in the done list.
 */
static void
pump(struct pacc__dns *dns)
{
	struct pacc__dns_q *q;
	int rc;

	while (dns->inflight < PACC__DNS_MAX_INFLIGHT &&
	    (q = dns->wait_head) != NULL) {
		dns->wait_head = q->wnext;
		if (dns->wait_head == NULL)
			dns->wait_tail = NULL;
		q->wnext = NULL;
		q->waiting = false;
		if (q->cancelled) {
			q_unlink(dns, q);
			q_free(q);
			continue;
		}
		if (q->answered || q->submitted || dns->ub == NULL)
			continue;
		if ((rc = submit_now(dns, q)) != PACC_OK) {
			q->answered = true;
			q->err = rc == PACC_ENOMEM ? UB_NOMEM : UB_SERVFAIL;
			q->dnext = dns->done;
			dns->done = q;
		}
	}
}

static int
attach_ub(struct pacc__dns *dns, struct ub_ctx *ub)
{
	dns->ub = ub;
	dns->fd = ub_fd(ub);
	if (dns->fd < 0)
		return PACC_EDNS;
	return pacc__watch_set(dns->ctx, dns->fd, PACC_POLL_IN, dns_readable,
	    dns);
}

static void
detach_ub(struct pacc__dns *dns)
{
	if (dns->ub == NULL)
		return;
	if (dns->fd >= 0)
		pacc__watch_set(dns->ctx, dns->fd, 0, NULL, NULL);
	ub_ctx_delete(dns->ub);
	dns->ub = NULL;
	dns->fd = -1;
}

/* Fail every query that waits: held answers and queries in flight. */
static void
fail_waiting(struct pacc__dns *dns, int status)
{
	struct pacc__dns_q *q, *next, **pp;

	wait_clear(dns); /* all of them fail below */
	for (q = dns->held; q; q = next) {
		next = q->dnext;
		if (q->res)
			ub_resolve_free(q->res);
		q->res = NULL;
		q->err = status == PACC_ENOMEM ? UB_NOMEM : UB_SERVFAIL;
		q->answered = true;
		q->dnext = dns->done;
		dns->done = q;
	}
	dns->held = NULL;
	for (q = dns->queries; q; q = next) {
		next = q->next;
		if (q->is_check)
			continue;
		for (pp = &dns->done; *pp && *pp != q; pp = &(*pp)->dnext)
			;
		if (*pp == q)
			continue; /* already answered or failed */
		/* in flight: if it cannot be cancelled its answer still
		 * comes, and is dispatched then */
		if (q->submitted && dns->ub &&
		    ub_cancel(dns->ub, q->async_id) != 0)
			continue;
		if (q->submitted && dns->inflight > 0)
			dns->inflight--;
		q->submitted = false;
		q->err = status == PACC_ENOMEM ? UB_NOMEM : UB_SERVFAIL;
		q->answered = true;
		q->dnext = dns->done;
		dns->done = q;
	}
}

static void
submit_waiting(struct pacc__dns *dns)
{
	struct pacc__dns_q *q;
	int rc;

	for (q = dns->queries; q; q = q->next) {
		if (q->submitted || q->answered || q->cancelled ||
		    q->is_check || q->waiting)
			continue;
		if ((rc = submit(dns, q)) != PACC_OK) {
			q->answered = true;
			q->err = rc == PACC_ENOMEM ? UB_NOMEM : UB_SERVFAIL;
			q->dnext = dns->done;
			dns->done = q;
		}
	}
}

/* The upstream does not carry DNSSEC: start over without validation. */
static void
switch_to_insecure(void *ud)
{
	struct pacc__dns *dns = ud;
	struct pacc__dns_q *q, *next;
	struct ub_ctx *ub;
	int st;

	/* every answer so far came from a validator that cannot validate
	 * here: ask again without validation */
	for (q = dns->held; q; q = next) {
		next = q->dnext;
		q->dnext = NULL;
		if (q->res)
			ub_resolve_free(q->res);
		q->res = NULL;
		q->err = 0;
	}
	dns->held = NULL;
	detach_ub(dns); /* drops what is still in flight */
	dns->inflight = 0;
	wait_clear(dns);
	for (q = dns->queries; q; q = next) {
		next = q->next;
		q->submitted = false;
		q->answered = false;
		if (q->cancelled && !q->is_check) {
			q_unlink(dns, q);
			q_free(q);
		}
	}
	ub = make_ub(dns, false, &st);
	if (ub == NULL || (st = attach_ub(dns, ub)) != PACC_OK) {
		if (ub && dns->ub == NULL)
			ub_ctx_delete(ub);
		dns->state = DNS_FAILED;
		fail_waiting(dns, st);
	} else {
		dns->validating = false;
		dns->insecure_reason = "upstream-no-dnssec";
		dns->state = DNS_READY;
		submit_waiting(dns);
	}
	pacc__log(dns->ctx, PACC_LOG_WARN,
	    "the DNS upstream does not carry DNSSEC: every answer is "
	    "insecure (upstream-no-dnssec)");
	/* dispatch any failures now */
	dns_readable(dns, -1, 0);
}

static void
check_done(struct pacc__dns *dns, struct pacc__dns_q *q)
{
	struct ub_result *r = q->res;

	if (q->err == 0 && r != NULL && r->secure) {
		struct pacc__dns_q **pp;

		dns->state = DNS_READY;
		/* the held answers were validated all along: release them */
		for (pp = &dns->done; *pp; pp = &(*pp)->dnext)
			;
		*pp = dns->held;
		dns->held = NULL;
		submit_waiting(dns);
		return;
	}
	if (q->err == 0 && r != NULL && (r->bogus || r->havedata)) {
		/* an answer, but not a validated one: stripped upstream */
		dns->state = DNS_SWITCH;
		pacc__timer_arm(dns->ctx, &dns->switch_timer, 0);
		return;
	}
	dns->state = DNS_FAILED;
	snprintf(dns->fail_msg, sizeof(dns->fail_msg),
	    "the DNS resolver %s did not answer the start-up check (%s)",
	    dns->ctx->resolver ? dns->ctx->resolver : "of the system",
	    q->err ? ub_strerror(q->err)
		   : (r && r->rcode == 2 ? "SERVFAIL" : "no data"));
	fail_waiting(dns, PACC_EDNS);
}

static void
dispatch_one(struct pacc__dns *dns, struct pacc__dns_q *q)
{
	struct pacc__dns_answer a;
	struct ub_result *r = q->res;
	size_t n = 0;

	if (q->is_check) {
		check_done(dns, q);
		q_unlink(dns, q);
		q_free(q);
		return;
	}
	q_unlink(dns, q);
	if (q->cancelled || q->cb == NULL) {
		q_free(q);
		return;
	}
	if (q->err != 0 || r == NULL) {
		q->cb(q->ud, q->err == UB_NOMEM ? PACC_ENOMEM : PACC_EDNS,
		    NULL);
		q_free(q);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.rcode = r->rcode;
	a.havedata = r->havedata != 0;
	a.nxdomain = r->nxdomain != 0;
	if (r->bogus) {
		a.sec = PACC_DNSSEC_BOGUS;
		a.reason = "validation-failed";
		a.why = r->why_bogus;
	} else if (r->secure) {
		a.sec = PACC_DNSSEC_SECURE;
		a.reason = "validated";
	} else {
		a.sec = PACC_DNSSEC_INSECURE;
		a.reason = dns->validating ? "unsigned" : dns->insecure_reason;
	}
	if (r->havedata && r->data)
		while (n < PACC__MAX_RRS && r->data[n])
			n++;
	a.n = n;
	a.data = (unsigned char **)r->data;
	a.len = r->len;
	q->cb(q->ud, PACC_OK, &a);
	q_free(q);
}

static void
dns_readable(void *ud, int fd, int revents)
{
	struct pacc__dns *dns = ud;
	struct pacc__dns_q *q;

	(void)revents;
	if (fd >= 0 && dns->ub)
		ub_process(dns->ub);
	if (dns->batch) {
		struct pacc__dns_q **pp;

		for (pp = &dns->done; *pp; pp = &(*pp)->dnext)
			;
		*pp = dns->batch;
		dns->batch = NULL;
	}
	pump(dns);
	while ((q = dns->done) != NULL) {
		dns->done = q->dnext;
		q->dnext = NULL;
		if (!q->is_check &&
		    (dns->state == DNS_CHECKING || dns->state == DNS_SWITCH)) {
			/* sent speculatively, before the start-up check
			 * answered: hold until it does (saves one RTT) */
			q->dnext = dns->held;
			dns->held = q;
			continue;
		}
		dispatch_one(dns, q);
	}
}

static int
dns_init(pacc_ctx *ctx)
{
	struct pacc__dns *dns;
	struct pacc__dns_q *chk;
	struct ub_ctx *ub;
	int st;

	dns = pacc__calloc(1, sizeof(*dns));
	if (dns == NULL)
		return PACC_ENOMEM;
	dns->ctx = ctx;
	dns->fd = -1;
	pacc__timer_init(&dns->switch_timer, switch_to_insecure, dns);
	pacc__timer_init(&dns->pump_timer, pump_later, dns);
	ctx->dns = dns;
	ub = make_ub(dns, true, &st);
	if (ub == NULL)
		goto failed;
	if ((st = attach_ub(dns, ub)) != PACC_OK) {
		if (dns->ub == NULL)
			ub_ctx_delete(ub);
		goto failed;
	}
	if (!dns->validating) {
		dns->state = DNS_READY;
		return PACC_OK;
	}
	/* DESIGN §2 start-up check: does the root DNSKEY validate? */
	chk = pacc__calloc(1, sizeof(*chk));
	if (chk == NULL || (chk->name = pacc__strdup(".")) == NULL) {
		pacc__free(chk);
		st = PACC_ENOMEM;
		goto failed;
	}
	chk->dns = dns;
	chk->type = RR_DNSKEY;
	chk->is_check = true;
	chk->next = dns->queries;
	dns->queries = chk;
	if ((st = submit(dns, chk)) != PACC_OK) {
		q_unlink(dns, chk);
		q_free(chk);
		goto failed;
	}
	dns->state = DNS_CHECKING;
	return PACC_OK;
failed:
	dns->state = DNS_FAILED;
	if (dns->fail_msg[0] == '\0')
		snprintf(dns->fail_msg, sizeof(dns->fail_msg), "%s",
		    pacc_strerror(st));
	return st;
}

int
pacc__dns_query(struct pacc__dns_q **out, pacc_ctx *ctx, const char *name,
    int rrtype, pacc__dns_cb cb, void *ud)
{
	struct pacc__dns *dns;
	struct pacc__dns_q *q;
	int rc;

	*out = NULL;
	if (ctx->dns == NULL && (rc = dns_init(ctx)) != PACC_OK &&
	    ctx->dns == NULL)
		return rc;
	dns = ctx->dns;
	if (dns->state == DNS_FAILED)
		return PACC_EDNS;
	q = pacc__calloc(1, sizeof(*q));
	if (q == NULL || (q->name = pacc__strdup(name)) == NULL) {
		pacc__free(q);
		return PACC_ENOMEM;
	}
	q->dns = dns;
	q->type = rrtype;
	q->cb = cb;
	q->ud = ud;
	q->next = dns->queries;
	if (dns->queries)
		dns->queries->prev = q;
	dns->queries = q;
	if ((dns->state == DNS_READY || dns->state == DNS_CHECKING) &&
	    (rc = submit(dns, q)) != PACC_OK) {
		q_unlink(dns, q);
		q_free(q);
		return rc;
	}
	*out = q;
	return PACC_OK;
}

void
pacc__dns_cancel(struct pacc__dns_q *q)
{
	struct pacc__dns *dns;
	struct pacc__dns_q **pp;

	if (q == NULL)
		return;
	dns = q->dns;
	q->cancelled = true;
	q->cb = NULL;
	/* answered but not dispatched: the dispatcher frees it */
	for (pp = &dns->done; *pp; pp = &(*pp)->dnext)
		if (*pp == q)
			return;
	for (pp = &dns->held; *pp; pp = &(*pp)->dnext) {
		if (*pp == q) {
			*pp = q->dnext;
			q_unlink(dns, q);
			q_free(q);
			return;
		}
	}
	if (q->waiting)
		return; /* freed when it leaves the wait queue (pump) */
	if (q->submitted) {
		if (ub_cancel(dns->ub, q->async_id) != 0)
			return; /* already answered: freed on arrival */
		if (dns->inflight > 0)
			dns->inflight--;
		/* no answer may come to move the wait queue on */
		if (dns->wait_head)
			pacc__timer_arm(dns->ctx, &dns->pump_timer, 0);
	}
	q_unlink(dns, q);
	q_free(q);
}

const char *
pacc__dns_failure(pacc_ctx *ctx)
{
	if (ctx->dns == NULL || ctx->dns->state != DNS_FAILED)
		return NULL;
	return ctx->dns->fail_msg;
}

bool
pacc__dns_checking(pacc_ctx *ctx)
{
	return ctx->dns &&
	    (ctx->dns->state == DNS_CHECKING || ctx->dns->state == DNS_SWITCH);
}

void
pacc__dns_free(pacc_ctx *ctx)
{
	struct pacc__dns *dns = ctx->dns;
	struct pacc__dns_q *q;

	if (dns == NULL)
		return;
	pacc__timer_disarm(ctx, &dns->switch_timer);
	pacc__timer_disarm(ctx, &dns->pump_timer);
	detach_ub(dns);
	while ((q = dns->queries) != NULL) {
		q_unlink(dns, q);
		q_free(q);
	}
	pacc__free(dns);
	ctx->dns = NULL;
}
