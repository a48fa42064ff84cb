/* SPDX-License-Identifier: MIT */
/*
 * The event-loop surface: the library owns no loop.  Every descriptor the
 * network layer needs (libunbound's pipe, curl's sockets) is a watch, every
 * deadline a timer; the embedder sees the watches (push: socket_cb, pull:
 * pacc_ctx_pollfds) and one merged timer (the earliest deadline).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "internal.h"

long long
pacc__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct pacc__watch *
watch_find(pacc_ctx *ctx, int fd)
{
	for (size_t i = 0; i < ctx->nwatches; i++)
		if (ctx->watches[i].fd == fd)
			return &ctx->watches[i];
	return NULL;
}

int
pacc__watch_set(pacc_ctx *ctx, int fd, int events, pacc__watch_fn fn, void *ud)
{
	struct pacc__watch *w = watch_find(ctx, fd), *nw;
	int old = w ? w->events : 0;

	if (events == 0) {
		if (w == NULL)
			return PACC_OK;
		*w = ctx->watches[--ctx->nwatches];
		if (ctx->socket_cb)
			ctx->socket_cb(ctx, fd, PACC_POLL_REMOVE,
			    ctx->socket_ud);
		return PACC_OK;
	}
	if (w == NULL) {
		if (ctx->nwatches == ctx->capwatches) {
			size_t ncap = ctx->capwatches ? ctx->capwatches * 2 : 8;

			nw = pacc__reallocarray(ctx->watches, ncap,
			    sizeof(*nw));
			if (nw == NULL)
				return PACC_ENOMEM;
			ctx->watches = nw;
			ctx->capwatches = ncap;
		}
		w = &ctx->watches[ctx->nwatches++];
		w->fd = fd;
	}
	w->events = events;
	w->fn = fn;
	w->ud = ud;
	if (ctx->socket_cb && old != events)
		ctx->socket_cb(ctx, fd, events, ctx->socket_ud);
	return PACC_OK;
}

void
pacc__timer_init(struct pacc__timer *t, pacc__timer_fn fn, void *ud)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->ud = ud;
}

void
pacc__timer_disarm(pacc_ctx *ctx, struct pacc__timer *t)
{
	struct pacc__timer **pp;

	if (!t->armed)
		return;
	for (pp = &ctx->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

void
pacc__timer_arm(pacc_ctx *ctx, struct pacc__timer *t, long ms)
{
	struct pacc__timer **pp;

	pacc__timer_disarm(ctx, t);
	t->deadline = pacc__now_ms() + (ms > 0 ? ms : 0);
	/* sorted list: the earliest first; few timers live at once */
	for (pp = &ctx->timers; *pp && (*pp)->deadline <= t->deadline;
	     pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

static long
next_timeout(const pacc_ctx *ctx)
{
	long long d;

	if (ctx->timers == NULL)
		return -1;
	d = ctx->timers->deadline - pacc__now_ms();
	if (d < 0)
		return 0;
	return d > INT_MAX ? INT_MAX : (long)d;
}

void
pacc__loop_sync(pacc_ctx *ctx)
{
	long long dl;

	if (ctx->timer_cb == NULL || ctx->depth > 0)
		return;
	dl = ctx->timers ? ctx->timers->deadline : -2;
	if (dl == ctx->reported_deadline)
		return;
	ctx->reported_deadline = dl;
	ctx->timer_cb(ctx, next_timeout(ctx), ctx->timer_ud);
}

static void
run_timers(pacc_ctx *ctx)
{
	long long now = pacc__now_ms();
	struct pacc__timer *t;

	/* a callback may arm or disarm timers: take one at a time */
	while ((t = ctx->timers) != NULL && t->deadline <= now) {
		ctx->timers = t->next;
		t->armed = false;
		t->next = NULL;
		t->fn(t->ud);
	}
}

static void
dispatch(pacc_ctx *ctx, int fd, int revents)
{
	struct pacc__watch *w = watch_find(ctx, fd);

	if (w == NULL || revents == 0)
		return;
	w->fn(w->ud, fd, revents);
}

PACC__API int
pacc_ctx_socket_action(pacc_ctx *ctx, int fd, int events)
{
	if (ctx == NULL)
		return PACC_EINVAL;
	ctx->depth++;
	if (fd != PACC_SOCKET_TIMEOUT)
		dispatch(ctx, fd, events);
	run_timers(ctx);
	ctx->depth--;
	pacc__loop_sync(ctx);
	return PACC_OK;
}

PACC__API int
pacc_ctx_pollfds(pacc_ctx *ctx, struct pollfd *fds, size_t cap, size_t *nfds,
    int *timeout_ms)
{
	long t;

	if (ctx == NULL || nfds == NULL || (fds == NULL && cap > 0))
		return PACC_EINVAL;
	*nfds = ctx->nwatches;
	if (timeout_ms) {
		t = next_timeout(ctx);
		*timeout_ms = t < 0 ? -1 : (int)t;
	}
	if (ctx->nwatches > cap)
		return PACC_ETOOBIG;
	for (size_t i = 0; i < ctx->nwatches; i++) {
		fds[i].fd = ctx->watches[i].fd;
		fds[i].events = (short)(((ctx->watches[i].events & PACC_POLL_IN)
						? POLLIN
						: 0) |
		    ((ctx->watches[i].events & PACC_POLL_OUT) ? POLLOUT : 0));
		fds[i].revents = 0;
	}
	return PACC_OK;
}

PACC__API int
pacc_ctx_process(pacc_ctx *ctx, const struct pollfd *fds, size_t nfds)
{
	if (ctx == NULL || (fds == NULL && nfds > 0))
		return PACC_EINVAL;
	ctx->depth++;
	for (size_t i = 0; i < nfds; i++) {
		int ev = 0;

		if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
			ev |= PACC_POLL_IN;
		if (fds[i].revents & (POLLOUT | POLLERR))
			ev |= PACC_POLL_OUT;
		if (ev)
			dispatch(ctx, fds[i].fd, ev);
	}
	run_timers(ctx);
	ctx->depth--;
	pacc__loop_sync(ctx);
	return PACC_OK;
}

void
pacc__loop_free(pacc_ctx *ctx)
{
	pacc__free(ctx->watches);
	ctx->watches = NULL;
	ctx->nwatches = ctx->capwatches = 0;
	ctx->timers = NULL;
}

/*
 * The *_sync() conveniences: poll(2) the context until *done (set by the
 * operation's callback).  PACC_OK, or PACC_ENOMEM when the descriptor array
 * cannot grow (the operation is then still running: the caller cancels it).
 */
int
pacc__loop_run_until(pacc_ctx *ctx, const bool *done)
{
	struct pollfd *fds = NULL, *nf;
	size_t cap = 0, n = 0;
	int timeout = -1, rc = PACC_OK;

	while (!*done) {
		rc = pacc_ctx_pollfds(ctx, fds, cap, &n, &timeout);
		if (rc != PACC_OK && rc != PACC_ETOOBIG)
			break;
		if (rc == PACC_ETOOBIG) {
			nf = pacc__reallocarray(fds, n + 4, sizeof(*fds));
			if (nf == NULL) {
				rc = PACC_ENOMEM;
				break;
			}
			fds = nf;
			cap = n + 4;
			continue;
		}
		if (poll(fds, n, timeout) < 0)
			continue; /* EINTR: go round; anything else is hopeless */
		pacc_ctx_process(ctx, fds, n);
	}
	pacc__free(fds);
	return *done ? PACC_OK : rc;
}
