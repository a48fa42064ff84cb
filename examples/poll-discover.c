/* SPDX-License-Identifier: MIT */
/*
 * poll-discover: one discovery inside a plain poll(2) loop, with pacc's
 * pull API (pacc_ctx_pollfds() / pacc_ctx_process()); no adapter needed.
 * The loop also keeps a timer of its own, as an application's loop would.
 * See example.h for the options and the output, doc/embedding.md for the
 * rules.
 */
#include <poll.h>
#include <time.h>

#include "example.h"

struct app {
	int done;
	int status;
};

static void
discovered(pacc_discovery *d, const pacc_result *res, void *ud)
{
	struct app *app = (struct app *)ud;

	(void)d;
	/* `res` is borrowed: use it here or pacc_result_dup() it */
	app->status = example_print(res);
	app->done = 1;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct example_opts o;
	struct app app = { 0, 4 };
	struct pollfd *fds = NULL, *nfds_grown;
	size_t cap = 0, n = 0;
	long long next_beat;
	unsigned heartbeats = 0;
	pacc_ctx *ctx;
	int rc, timeout;

	if ((rc = example_args(&o, argc, argv)) != 0 ||
	    (rc = example_ctx(&ctx, &o)) != 0)
		return rc;
	/* the callback comes from pacc_ctx_process(), never from in here */
	rc = pacc_discover_start(NULL, ctx, o.address, NULL, discovered, &app);
	if (rc != PACC_OK) {
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
		app.done = 1;
	}
	next_beat = now_ms() + EXAMPLE_HEARTBEAT_MS;
	while (!app.done) {
		long long wait;

		rc = pacc_ctx_pollfds(ctx, fds, cap, &n, &timeout);
		if (rc == PACC_ETOOBIG) { /* n says how many are needed */
			nfds_grown = (struct pollfd *)realloc(fds,
			    n * sizeof(*fds));
			if (nfds_grown == NULL)
				break;
			fds = nfds_grown;
			cap = n;
			continue;
		}
		if (rc != PACC_OK)
			break;
		/* sleep until pacc's deadline or our own, whichever first */
		wait = next_beat - now_ms();
		if (wait < 0)
			wait = 0;
		if (timeout < 0 || timeout > wait)
			timeout = (int)wait;
		if (poll(fds, n, timeout) < 0 && errno != EINTR)
			break;
		if (now_ms() >= next_beat) {
			heartbeats++;
			next_beat += EXAMPLE_HEARTBEAT_MS;
		}
		/* also after a timeout: pacc runs its timers in there */
		pacc_ctx_process(ctx, fds, n);
	}
	fprintf(stderr, "heartbeats: %u\n", heartbeats);
	free(fds);
	/* also cancels a discovery still running (after an error above) */
	pacc_ctx_free(ctx);
	return app.status;
}
