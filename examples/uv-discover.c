/* SPDX-License-Identifier: MIT */
/*
 * uv-discover: one discovery inside a libuv loop, through the header-only
 * adapter <pacc/adapters/libuv.h>.  The loop also runs a timer of its own,
 * as an application's loop would.  See example.h for the options and the
 * output, doc/embedding.md for the rules.
 */
#include <pacc/adapters/libuv.h>

#include "example.h"

struct app {
	pacc_uv *adapter;
	uv_timer_t heartbeat;
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
	if (pacc_uv_error(app->adapter))
		fprintf(stderr, "libuv: %s\n",
		    uv_strerror(pacc_uv_error(app->adapter)));
	/*
	 * Done: unhook pacc and stop our timer.  With no handle left, uv_run()
	 * returns once the close callbacks have run.
	 */
	pacc_uv_detach(app->adapter);
	app->adapter = NULL;
	uv_close((uv_handle_t *)&app->heartbeat, NULL);
}

static void
heartbeat(uv_timer_t *t)
{
	((struct app *)t->data)->heartbeats++;
}

int
main(int argc, char **argv)
{
	struct example_opts o;
	struct app app;
	uv_loop_t loop;
	pacc_ctx *ctx;
	int rc;

	memset(&app, 0, sizeof(app));
	app.status = 4;
	if ((rc = example_args(&o, argc, argv)) != 0 ||
	    (rc = example_ctx(&ctx, &o)) != 0)
		return rc;
	if ((rc = uv_loop_init(&loop)) != 0) {
		fprintf(stderr, "libuv: %s\n", uv_strerror(rc));
		pacc_ctx_free(ctx);
		return 4;
	}
	/* the callback comes from the loop, never from in here */
	rc = pacc_discover_start(NULL, ctx, o.address, NULL, discovered, &app);
	if (rc != PACC_OK) {
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
		goto out;
	}
	/*
	 * Attached after the start (before works as well): the adapter learns
	 * what the context already watches and its timer.
	 */
	if ((rc = pacc_uv_attach(&app.adapter, ctx, &loop)) != PACC_OK) {
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
		goto out;
	}
	uv_timer_init(&loop, &app.heartbeat);
	app.heartbeat.data = &app;
	uv_timer_start(&app.heartbeat, heartbeat, EXAMPLE_HEARTBEAT_MS,
	    EXAMPLE_HEARTBEAT_MS);
	uv_run(&loop, UV_RUN_DEFAULT);
	fprintf(stderr, "heartbeats: %u\n", app.heartbeats);
out:
	/* every handle closed and freed: the loop closes cleanly */
	if (uv_loop_close(&loop) != 0) {
		fprintf(stderr, "libuv: handles left open\n");
		app.status = 4;
	}
	/* also cancels a discovery still running (after an error above) */
	pacc_ctx_free(ctx);
	return app.status;
}
