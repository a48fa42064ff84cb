/* SPDX-License-Identifier: MIT */
/*
 * The header-only adapters <pacc/adapters/glib.h> and <pacc/adapters/libuv.h>
 * against the running test world (PACC_WORLD_ENV):
 *  - two discoveries on one loop: a stalled HTTPS server behind one does not
 *    delay the other (the order of the answers is asserted, not the speed);
 *  - detaching in the middle of a discovery (the stalled one, from a timer
 *    of the loop), then freeing the context: no callback, the loop closes
 *    cleanly, nothing leaks (ASan/LSan in build-asan).
 */
#include <pacc/adapters/glib.h>
#include <pacc/adapters/libuv.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char resolver[128], anchor[512], cafile[512];

static int
load_env(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, '='), *nl;

		if (v == NULL)
			continue;
		*v++ = '\0';
		if ((nl = strpbrk(v, "\r\n#")) != NULL)
			*nl = '\0';
		if (strcmp(line, "PACC_RESOLVER") == 0)
			snprintf(resolver, sizeof(resolver), "%s", v);
		else if (strcmp(line, "PACC_TRUST_ANCHOR") == 0)
			snprintf(anchor, sizeof(anchor), "%s", v);
		else if (strcmp(line, "PACC_CA_FILE") == 0)
			snprintf(cafile, sizeof(cafile), "%s", v);
	}
	fclose(f);
	return resolver[0] && anchor[0] && cafile[0] ? 0 : -1;
}

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #c);                                     \
			exit(1);                                               \
		}                                                              \
	} while (0)

static pacc_ctx *
new_ctx(void)
{
	pacc_ctx *ctx = NULL;

	CHECK(pacc_ctx_new(&ctx) == PACC_OK);
	CHECK(pacc_ctx_set_resolver(ctx, resolver) == PACC_OK);
	CHECK(pacc_ctx_set_trust_anchor_file(ctx, anchor) == PACC_OK);
	CHECK(pacc_ctx_set_ca_file(ctx, cafile) == PACC_OK);
	return ctx;
}

/* What both loops record; `stop` ends the loop once both have answered. */
struct seen {
	pacc_ctx *ctx;
	int order[2], n;
	pacc_outcome outcome[2];
	size_t pending_at_answer[2];
	void (*stop)(struct seen *);
	void *loop;
};

struct tag {
	struct seen *seen;
	int id;
};

static void
done(pacc_discovery *d, const pacc_result *res, void *ud)
{
	struct tag *t = (struct tag *)ud;
	struct seen *s = t->seen;

	(void)d;
	CHECK(res != NULL && s->n < 2);
	s->outcome[t->id] = pacc_result_outcome(res);
	s->pending_at_answer[t->id] = pacc_ctx_pending(s->ctx);
	s->order[s->n++] = t->id;
	if (s->n == 2)
		s->stop(s);
}

static void
never(pacc_discovery *d, const pacc_result *res, void *ud)
{
	(void)d;
	(void)res;
	(void)ud;
	CHECK(!"a detached discovery must not call back");
}

static void
start_two(struct seen *s, struct tag *t0, struct tag *t1)
{
	pacc_discover_opts slow = PACC_DISCOVER_OPTS_INIT;
	pacc_discover_opts fast = PACC_DISCOVER_OPTS_INIT;

	slow.timeout_ms = 5000;
	slow.mechanisms = PACC_MECH_BIT(PACC_MECH_PACC);
	fast.timeout_ms = 10000;
	/* the stalled one first, so it cannot win by being started first */
	CHECK(pacc_discover_start(NULL, s->ctx, "bob@stall.example", &slow,
		  done, t0) == PACC_OK);
	CHECK(pacc_discover_start(NULL, s->ctx, "alice@secure.example", &fast,
		  done, t1) == PACC_OK);
}

static void
check_two(const struct seen *s, const char *loop)
{
	CHECK(s->n == 2);
	CHECK(s->order[0] == 1);	     /* secure.example first */
	CHECK(s->pending_at_answer[1] == 1); /* while the stall still ran */
	CHECK(s->outcome[1] == PACC_RESULT_FOUND);
	CHECK(s->outcome[0] == PACC_RESULT_INTEGRITY_FAILURE);
	printf("ok: %s: the stalled discovery did not delay the other\n", loop);
}

/* ---- GLib ---- */

static void
glib_stop(struct seen *s)
{
	g_main_loop_quit((GMainLoop *)s->loop);
}

static void
glib_two(void)
{
	struct seen s;
	struct tag t0 = { &s, 0 }, t1 = { &s, 1 };
	GMainContext *mc = g_main_context_new();
	GMainLoop *loop = g_main_loop_new(mc, FALSE);
	GSource *src;

	memset(&s, 0, sizeof(s));
	s.ctx = new_ctx();
	s.stop = glib_stop;
	s.loop = loop;
	src = pacc_glib_source_new(s.ctx);
	g_source_attach(src, mc);
	start_two(&s, &t0, &t1);
	g_main_loop_run(loop);
	check_two(&s, "glib");
	g_source_destroy(src);
	g_source_unref(src);
	pacc_ctx_free(s.ctx);
	g_main_loop_unref(loop);
	g_main_context_unref(mc);
}

struct glib_detach {
	GMainLoop *loop;
	GSource *src;
};

static gboolean
glib_detach_now(gpointer ud)
{
	struct glib_detach *g = (struct glib_detach *)ud;

	g_source_destroy(g->src);
	g_main_loop_quit(g->loop);
	return G_SOURCE_REMOVE;
}

static void
glib_detach_midway(void)
{
	GMainContext *mc = g_main_context_new();
	struct glib_detach g;
	pacc_ctx *ctx = new_ctx();
	GSource *t;

	g.loop = g_main_loop_new(mc, FALSE);
	CHECK(pacc_discover_start(NULL, ctx, "bob@stall.example", NULL, never,
		  NULL) == PACC_OK);
	g.src = pacc_glib_source_new(ctx); /* attached after the start */
	g_source_attach(g.src, mc);
	t = g_timeout_source_new(300);
	g_source_set_callback(t, glib_detach_now, &g, NULL);
	g_source_attach(t, mc);
	g_main_loop_run(g.loop);
	CHECK(pacc_ctx_pending(ctx) == 1);
	g_source_unref(g.src); /* the finalizer unhooks the context */
	g_source_unref(t);
	pacc_ctx_free(ctx); /* cancels: no callback */
	/* nothing of ours left in the context */
	CHECK(g_main_context_iteration(mc, FALSE) == FALSE);
	g_main_loop_unref(g.loop);
	g_main_context_unref(mc);
	printf("ok: glib: destroyed in the middle of a discovery\n");
}

/* ---- libuv ---- */

struct uvt_pair {
	struct seen s;
	pacc_uv *a;
};

static void
uvt_stop(struct seen *s)
{
	struct uvt_pair *u = (struct uvt_pair *)s->loop;

	/* from inside a discovery callback: allowed */
	pacc_uv_detach(u->a);
	u->a = NULL;
}

static void
uvt_two(void)
{
	struct uvt_pair u;
	struct tag t0 = { &u.s, 0 }, t1 = { &u.s, 1 };
	uv_loop_t loop;

	memset(&u, 0, sizeof(u));
	u.s.ctx = new_ctx();
	u.s.stop = uvt_stop;
	u.s.loop = &u;
	CHECK(uv_loop_init(&loop) == 0);
	CHECK(pacc_uv_attach(&u.a, u.s.ctx, &loop) == PACC_OK);
	start_two(&u.s, &t0, &t1);
	uv_run(&loop, UV_RUN_DEFAULT); /* ends when the adapter is closed */
	check_two(&u.s, "libuv");
	CHECK(uv_loop_close(&loop) == 0);
	pacc_ctx_free(u.s.ctx);
}

static void
uvt_detach_now(uv_timer_t *t)
{
	pacc_uv_detach((pacc_uv *)t->data);
	uv_close((uv_handle_t *)t, NULL);
}

static void
uvt_detach_midway(void)
{
	uv_loop_t loop;
	uv_timer_t t;
	pacc_uv *a;
	pacc_ctx *ctx = new_ctx();

	CHECK(uv_loop_init(&loop) == 0);
	CHECK(pacc_uv_attach(&a, ctx, &loop) == PACC_OK);
	CHECK(pacc_discover_start(NULL, ctx, "bob@stall.example", NULL, never,
		  NULL) == PACC_OK);
	CHECK(uv_timer_init(&loop, &t) == 0);
	t.data = a;
	CHECK(uv_timer_start(&t, uvt_detach_now, 300, 0) == 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(pacc_ctx_pending(ctx) == 1);
	CHECK(uv_loop_close(&loop) == 0); /* every handle closed and freed */
	pacc_ctx_free(ctx);
	printf("ok: libuv: detached in the middle of a discovery\n");
}

/* "test_adapters detach": the detach cases only (quick under valgrind). */
int
main(int argc, char **argv)
{
	const char *env = getenv("PACC_WORLD_ENV");
	int all = !(argc > 1 && strcmp(argv[1], "detach") == 0);

	if (env == NULL || load_env(env) != 0) {
		fprintf(stderr, "PACC_WORLD_ENV not set: skipped\n");
		return 77;
	}
	if (all)
		glib_two();
	glib_detach_midway();
	if (all)
		uvt_two();
	uvt_detach_midway();
	return 0;
}
