/* SPDX-License-Identifier: MIT */
/*
 * pacc/adapters/glib.h: run a pacc_ctx on a GLib main context (header
 * only).
 *
 *	GSource *src = pacc_glib_source_new(ctx);
 *	g_source_attach(src, main_context);	 NULL = the default context
 *	... pacc_discover_start(...); g_main_loop_run(loop); ...
 *	g_source_destroy(src);
 *	g_source_unref(src);			 before pacc_ctx_free(ctx)
 *	pacc_ctx_free(ctx);
 *
 * A GSource watching every descriptor pacc asks for (g_source_add_unix_fd)
 * and its merged timer (g_source_set_ready_time); its dispatch calls
 * pacc_ctx_socket_action().  No g_source_set_callback() is needed.
 *
 * Ownership: the source borrows `ctx`.  The caller owns the reference
 * pacc_glib_source_new() returns; g_source_attach() takes one of its own.
 * Once destroyed the source ignores the context; the last
 * g_source_unref() (the finalizer) unhooks it from the context, so the
 * context must outlive the source: destroy and unref first, then
 * pacc_ctx_free().  Destroying from inside a pacc callback (e.g. a
 * pacc_discover_cb) is allowed.
 *
 * Threads: a pacc_ctx belongs to one thread; with this adapter that is the
 * thread iterating the GMainContext the source is attached to.  Call
 * pacc_discover_start() and the functions here only there (from another
 * thread, hand the call over with g_main_context_invoke()).
 *
 * Build: `pkg-config --cflags --libs pacc glib-2.0`.  Valid C11 and C++.
 */
#ifndef PACC_ADAPTERS_GLIB_H
#define PACC_ADAPTERS_GLIB_H

#include <glib.h>

#include "pacc/pacc.h"

/* One watched descriptor and its GLib tag. */
struct pacc_glib__fd {
	int fd;
	gpointer tag;
};

/* A descriptor found ready, and what pacc is told about it. */
struct pacc_glib__ready {
	int fd;
	int what;
};

typedef struct pacc_glib_source {
	GSource source; /* first: a pacc_glib_source is a GSource */
	pacc_ctx *ctx;
	struct pacc_glib__fd *fds;
	size_t nfds, cap;
	/* what dispatch hands to pacc: a copy, callbacks change `fds` */
	struct pacc_glib__ready *ready;
	size_t cap_ready;
} pacc_glib_source;

static inline void
pacc_glib__arm(pacc_glib_source *s, long ms)
{
	if (ms < 0)
		g_source_set_ready_time(&s->source, -1);
	else
		g_source_set_ready_time(&s->source,
		    g_get_monotonic_time() + (gint64)ms * 1000);
}

static inline void
pacc_glib__socket_cb(pacc_ctx *ctx, int fd, int what, void *ud)
{
	pacc_glib_source *s = (pacc_glib_source *)ud;
	GIOCondition cond = (GIOCondition)0;
	size_t i;

	(void)ctx;
	if (g_source_is_destroyed(&s->source))
		return;
	for (i = 0; i < s->nfds && s->fds[i].fd != fd; i++)
		;
	if (what & PACC_POLL_REMOVE) {
		if (i < s->nfds) {
			g_source_remove_unix_fd(&s->source, s->fds[i].tag);
			s->fds[i] = s->fds[--s->nfds];
		}
		return;
	}
	if (what & PACC_POLL_IN)
		cond = (GIOCondition)(cond | G_IO_IN);
	if (what & PACC_POLL_OUT)
		cond = (GIOCondition)(cond | G_IO_OUT);
	if (i < s->nfds) {
		g_source_modify_unix_fd(&s->source, s->fds[i].tag, cond);
		return;
	}
	if (s->nfds == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		/* g_renew() aborts when out of memory, as GLib does */
		s->fds = g_renew(struct pacc_glib__fd, s->fds, s->cap);
	}
	s->fds[s->nfds].fd = fd;
	s->fds[s->nfds].tag = g_source_add_unix_fd(&s->source, fd, cond);
	s->nfds++;
}

static inline void
pacc_glib__timer_cb(pacc_ctx *ctx, long timeout_ms, void *ud)
{
	pacc_glib_source *s = (pacc_glib_source *)ud;

	(void)ctx;
	if (!g_source_is_destroyed(&s->source))
		pacc_glib__arm(s, timeout_ms);
}

static inline gboolean
pacc_glib__dispatch(GSource *source, GSourceFunc cb, gpointer ud)
{
	pacc_glib_source *s = (pacc_glib_source *)source;
	gint64 due = g_source_get_ready_time(source);
	size_t i, n = 0;
	size_t nfds;
	int ms = -1;

	(void)cb;
	(void)ud;
	if (due >= 0 && due <= g_source_get_time(source))
		g_source_set_ready_time(source, -1);
	if (s->cap_ready < s->nfds) {
		s->cap_ready = s->cap;
		s->ready = g_renew(struct pacc_glib__ready, s->ready,
		    s->cap_ready);
	}
	for (i = 0; i < s->nfds; i++) {
		GIOCondition c = g_source_query_unix_fd(source, s->fds[i].tag);
		int what = 0;

		/*
		 * As pacc_ctx_process() reads poll(2)'s revents; a descriptor
		 * closed under us (G_IO_NVAL) as an error, for pacc's read to
		 * find out (else GLib would report it again and again).
		 */
		if (c & (G_IO_IN | G_IO_HUP | G_IO_ERR | G_IO_NVAL))
			what |= PACC_POLL_IN;
		if (c & (G_IO_OUT | G_IO_ERR | G_IO_NVAL))
			what |= PACC_POLL_OUT;
		if (what != 0) {
			s->ready[n].fd = s->fds[i].fd;
			s->ready[n].what = what;
			n++;
		}
	}
	for (i = 0; i < n && !g_source_is_destroyed(source); i++)
		pacc_ctx_socket_action(s->ctx, s->ready[i].fd,
		    s->ready[i].what);
	/* timers run in every call; this one is for when no fd was ready */
	if (n == 0 && !g_source_is_destroyed(source))
		pacc_ctx_socket_action(s->ctx, PACC_SOCKET_TIMEOUT, 0);
	if (g_source_is_destroyed(source))
		return G_SOURCE_REMOVE;
	/*
	 * The timer callback reports changes only: if GLib woke us before
	 * pacc's deadline, arm again for the rest.
	 */
	(void)pacc_ctx_pollfds(s->ctx, NULL, 0, &nfds, &ms);
	pacc_glib__arm(s, ms);
	return G_SOURCE_CONTINUE;
}

static inline void
pacc_glib__finalize(GSource *source)
{
	pacc_glib_source *s = (pacc_glib_source *)source;

	pacc_ctx_set_socket_cb(s->ctx, NULL, NULL);
	pacc_ctx_set_timer_cb(s->ctx, NULL, NULL);
	g_free(s->fds);
	g_free(s->ready);
	s->fds = NULL;
	s->ready = NULL;
	s->nfds = s->cap = s->cap_ready = 0;
}

/*
 * A new, unattached source for `ctx`, or NULL when `ctx` is NULL.  Attach
 * it with g_source_attach(); it already knows what the context watches.
 */
static inline GSource *
pacc_glib_source_new(pacc_ctx *ctx)
{
	static GSourceFuncs funcs = { NULL, NULL, pacc_glib__dispatch,
		pacc_glib__finalize, NULL, NULL };
	pacc_glib_source *s;

	if (ctx == NULL)
		return NULL;
	s = (pacc_glib_source *)g_source_new(&funcs, sizeof(*s));
	s->ctx = ctx;
	s->fds = NULL;
	s->ready = NULL;
	s->nfds = s->cap = s->cap_ready = 0;
	g_source_set_name(&s->source, "pacc");
	/* both calls report what the context already has */
	pacc_ctx_set_socket_cb(ctx, pacc_glib__socket_cb, s);
	pacc_ctx_set_timer_cb(ctx, pacc_glib__timer_cb, s);
	return &s->source;
}

#endif
