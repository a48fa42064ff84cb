/* SPDX-License-Identifier: MIT */
/*
 * pacc/adapters/libuv.h: run a pacc_ctx on a libuv loop (header only).
 *
 *	pacc_uv *a;
 *	pacc_uv_attach(&a, ctx, loop);	  before or after discoveries start
 *	... pacc_discover_start(...); uv_run(loop, UV_RUN_DEFAULT); ...
 *	pacc_uv_detach(a);		  before pacc_ctx_free(ctx)
 *	pacc_ctx_free(ctx);
 *
 * One uv_poll_t per descriptor pacc asks for and one uv_timer_t for its
 * merged timer; both call pacc_ctx_socket_action().
 *
 * Ownership: the adapter borrows `ctx` and `loop`; it owns its handles and
 * itself.  pacc_uv_detach() stops watching at once and closes the handles
 * with uv_close(); the memory is released by the close callbacks, so the
 * loop must run once more (uv_run() as usual, before uv_loop_close())
 * after the detach.  Detach before pacc_ctx_free(): the adapter calls the
 * context until it is detached.  Detaching from inside a pacc callback
 * (e.g. a pacc_discover_cb) is allowed.
 *
 * Threads: a pacc_ctx belongs to one thread; with this adapter that is the
 * thread running `loop`.  Call pacc_discover_start(), pacc_uv_attach() and
 * pacc_uv_detach() only there (from another thread, hand the call over with
 * a uv_async_t).
 *
 * Errors: pacc cannot be told that a descriptor could not be watched (its
 * socket callback returns nothing): the first libuv error is kept and
 * returned by pacc_uv_error(); the discovery then ends by its deadline.
 *
 * Build: `pkg-config --cflags --libs pacc libuv`.  <uv.h> needs POSIX
 * declarations: with -std=c11 define _POSIX_C_SOURCE=200809L (or use
 * -std=gnu11).  Valid C11 and C++.
 */
#ifndef PACC_ADAPTERS_LIBUV_H
#define PACC_ADAPTERS_LIBUV_H

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "pacc/pacc.h"

typedef struct pacc_uv pacc_uv;

/* One watched descriptor; freed by its close callback. */
struct pacc_uv__poll {
	uv_poll_t handle;
	pacc_uv *owner;
	int fd;
	struct pacc_uv__poll *next;
};

struct pacc_uv {
	pacc_ctx *ctx;
	uv_loop_t *loop;
	uv_timer_t timer;
	struct pacc_uv__poll *polls;
	unsigned open; /* handles not yet closed (timer included) */
	int detached;  /* pacc_uv_detach() was called */
	int error;     /* first libuv error (negative), 0 when none */
};

static inline void
pacc_uv__release(pacc_uv *a)
{
	/* the last close callback frees the adapter */
	if (--a->open == 0 && a->detached)
		free(a);
}

static inline void
pacc_uv__poll_closed(uv_handle_t *h)
{
	struct pacc_uv__poll *p = (struct pacc_uv__poll *)h->data;
	pacc_uv *a = p->owner;

	free(p);
	pacc_uv__release(a);
}

static inline void
pacc_uv__timer_closed(uv_handle_t *h)
{
	pacc_uv__release((pacc_uv *)h->data);
}

static inline void pacc_uv__on_timer(uv_timer_t *t);

/* Arm the timer for `ms` from now; -1 stops it. */
static inline void
pacc_uv__arm(pacc_uv *a, long ms)
{
	if (ms < 0) {
		uv_timer_stop(&a->timer);
		return;
	}
	/* the loop's cached time may be old: measure from the real now */
	uv_update_time(a->loop);
	uv_timer_start(&a->timer, pacc_uv__on_timer, (uint64_t)ms, 0);
}

/*
 * After every call into pacc: ask it for its next deadline.  The timer
 * callback only reports changes, and libuv may fire a little early
 * (millisecond, cached clock): then the deadline has not changed, pacc
 * says nothing, and the timer must be armed again for the rest.
 */
static inline void
pacc_uv__resync(pacc_uv *a)
{
	size_t n;
	int ms = -1;

	if (a->detached)
		return;
	(void)pacc_ctx_pollfds(a->ctx, NULL, 0, &n, &ms);
	pacc_uv__arm(a, ms);
}

static inline void
pacc_uv__on_timer(uv_timer_t *t)
{
	pacc_uv *a = (pacc_uv *)t->data;

	pacc_ctx_socket_action(a->ctx, PACC_SOCKET_TIMEOUT, 0);
	pacc_uv__resync(a);
}

static inline void
pacc_uv__on_poll(uv_poll_t *h, int status, int events)
{
	struct pacc_uv__poll *p = (struct pacc_uv__poll *)h->data;
	pacc_uv *a = p->owner;
	int what = 0;

	/* an error is for pacc's own read/write to find and report */
	if (status < 0)
		what = PACC_POLL_IN | PACC_POLL_OUT;
	if (events & (UV_READABLE | UV_DISCONNECT))
		what |= PACC_POLL_IN;
	if (events & UV_WRITABLE)
		what |= PACC_POLL_OUT;
	/* `p` may be closed from in here: only `a` is used afterwards */
	pacc_ctx_socket_action(a->ctx, p->fd, what);
	pacc_uv__resync(a);
}

static inline void
pacc_uv__close_poll(struct pacc_uv__poll *p)
{
	uv_poll_stop(&p->handle);
	uv_close((uv_handle_t *)&p->handle, pacc_uv__poll_closed);
}

static inline void
pacc_uv__socket_cb(pacc_ctx *ctx, int fd, int what, void *ud)
{
	pacc_uv *a = (pacc_uv *)ud;
	struct pacc_uv__poll **pp, *p;
	int ev = 0, rc;

	(void)ctx;
	for (pp = &a->polls; *pp && (*pp)->fd != fd; pp = &(*pp)->next)
		;
	p = *pp;
	if (what & PACC_POLL_REMOVE) {
		if (p != NULL) {
			*pp = p->next;
			pacc_uv__close_poll(p);
		}
		return;
	}
	if (p == NULL) {
		p = (struct pacc_uv__poll *)calloc(1, sizeof(*p));
		if (p == NULL) {
			if (a->error == 0)
				a->error = UV_ENOMEM;
			return;
		}
		rc = uv_poll_init_socket(a->loop, &p->handle, fd);
		if (rc != 0) {
			if (a->error == 0)
				a->error = rc;
			free(p);
			return;
		}
		p->handle.data = p;
		p->owner = a;
		p->fd = fd;
		p->next = a->polls;
		a->polls = p;
		a->open++;
	}
	if (what & PACC_POLL_IN)
		ev |= UV_READABLE;
	if (what & PACC_POLL_OUT)
		ev |= UV_WRITABLE;
	rc = uv_poll_start(&p->handle, ev, pacc_uv__on_poll);
	if (rc != 0 && a->error == 0)
		a->error = rc;
}

static inline void
pacc_uv__timer_cb(pacc_ctx *ctx, long timeout_ms, void *ud)
{
	(void)ctx;
	pacc_uv__arm((pacc_uv *)ud, timeout_ms);
}

/*
 * Watch `ctx`'s descriptors and timer on `loop`.  Returns PACC_OK,
 * PACC_EINVAL (a NULL argument) or PACC_ENOMEM.
 */
static inline int
pacc_uv_attach(pacc_uv **out, pacc_ctx *ctx, uv_loop_t *loop)
{
	pacc_uv *a;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || ctx == NULL || loop == NULL)
		return PACC_EINVAL;
	a = (pacc_uv *)calloc(1, sizeof(*a));
	if (a == NULL)
		return PACC_ENOMEM;
	a->ctx = ctx;
	a->loop = loop;
	uv_timer_init(loop, &a->timer); /* cannot fail on Unix */
	a->timer.data = a;
	a->open = 1;
	/* both calls report what the context already has */
	pacc_ctx_set_socket_cb(ctx, pacc_uv__socket_cb, a);
	pacc_ctx_set_timer_cb(ctx, pacc_uv__timer_cb, a);
	pacc_uv__resync(a);
	*out = a;
	return PACC_OK;
}

/* The first libuv error met while watching (negative), or 0. */
static inline int
pacc_uv_error(const pacc_uv *a)
{
	return a != NULL ? a->error : 0;
}

/*
 * Stop watching and unhook from the context.  The adapter frees itself
 * once libuv has run the close callbacks; `a` must not be used afterwards.
 */
static inline void
pacc_uv_detach(pacc_uv *a)
{
	struct pacc_uv__poll *p;

	if (a == NULL || a->detached)
		return;
	pacc_ctx_set_socket_cb(a->ctx, NULL, NULL);
	pacc_ctx_set_timer_cb(a->ctx, NULL, NULL);
	a->detached = 1;
	while ((p = a->polls) != NULL) {
		a->polls = p->next;
		pacc_uv__close_poll(p);
	}
	uv_timer_stop(&a->timer);
	uv_close((uv_handle_t *)&a->timer, pacc_uv__timer_closed);
}

#endif
