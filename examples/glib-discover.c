/* SPDX-License-Identifier: MIT */
/*
 * glib-discover: one discovery inside a GLib main loop, through the
 * header-only adapter <pacc/adapters/glib.h>.  The loop also runs a timer
 * of its own, as an application's loop would.  See example.h for the
 * options and the output, doc/embedding.md for the rules.
 */
#include <pacc/adapters/glib.h>

#include "example.h"

struct app {
	GMainLoop *loop;
	int status;
	unsigned heartbeats;
};

static void
discovered(pacc_discovery *d, const pacc_result *res, void *ud)
{
	struct app *app = (struct app *)ud;

	(void)d;
	/* `res` is borrowed: use it here or pacc_result_dup() it */
	app->status = example_print(res);
	g_main_loop_quit(app->loop);
}

static gboolean
heartbeat(gpointer ud)
{
	((struct app *)ud)->heartbeats++;
	return G_SOURCE_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct example_opts o;
	struct app app = { NULL, 4, 0 };
	GMainContext *mc;
	GSource *pacc_src, *beat_src;
	pacc_ctx *ctx;
	int rc;

	if ((rc = example_args(&o, argc, argv)) != 0 ||
	    (rc = example_ctx(&ctx, &o)) != 0)
		return rc;
	/* a context of our own; NULL (the default context) works the same */
	mc = g_main_context_new();
	app.loop = g_main_loop_new(mc, FALSE);

	pacc_src = pacc_glib_source_new(ctx);
	g_source_attach(pacc_src, mc);

	beat_src = g_timeout_source_new(EXAMPLE_HEARTBEAT_MS);
	g_source_set_callback(beat_src, heartbeat, &app, NULL);
	g_source_attach(beat_src, mc);

	/* the callback comes from the loop, never from in here */
	rc = pacc_discover_start(NULL, ctx, o.address, NULL, discovered, &app);
	if (rc == PACC_OK)
		g_main_loop_run(app.loop);
	else
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
	fprintf(stderr, "heartbeats: %u\n", app.heartbeats);

	g_source_destroy(beat_src);
	g_source_unref(beat_src);
	/* the source before the context it watches */
	g_source_destroy(pacc_src);
	g_source_unref(pacc_src);
	pacc_ctx_free(ctx);
	g_main_loop_unref(app.loop);
	g_main_context_unref(mc);
	return app.status;
}
