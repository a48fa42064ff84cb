/* SPDX-License-Identifier: MIT */
/*
 * Two discoveries on one embedder-owned poll(2) loop: a stalled HTTPS server
 * behind one must not delay the other's answer (no blocking call in the
 * library).  Uses only the public API, against the running test world
 * (PACC_WORLD_ENV).  The order of the answers is asserted, not their speed.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacc/pacc.h>

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

struct seen {
	int order[2];
	int n;
	pacc_outcome outcome[2];
	size_t pending_at_answer[2];
	pacc_ctx *ctx;
};

struct tag {
	struct seen *seen;
	int id;
};

static void
done(pacc_discovery *d, const pacc_result *res, void *ud)
{
	struct tag *t = ud;

	(void)d;
	t->seen->outcome[t->id] = pacc_result_outcome(res);
	/* this discovery is no longer counted; the other may be */
	t->seen->pending_at_answer[t->id] = pacc_ctx_pending(t->seen->ctx);
	t->seen->order[t->seen->n++] = t->id;
}

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #c);                                     \
			return 1;                                              \
		}                                                              \
	} while (0)

int
main(void)
{
	const char *env = getenv("PACC_WORLD_ENV");
	pacc_discover_opts slow = PACC_DISCOVER_OPTS_INIT;
	pacc_discover_opts fast = PACC_DISCOVER_OPTS_INIT;
	struct seen seen;
	struct tag t0 = { &seen, 0 }, t1 = { &seen, 1 };
	struct pollfd fds[64];
	pacc_ctx *ctx;
	size_t n;
	int timeout;

	if (env == NULL || load_env(env) != 0) {
		fprintf(stderr, "PACC_WORLD_ENV not set: skipped\n");
		return 77;
	}
	memset(&seen, 0, sizeof(seen));
	CHECK(pacc_ctx_new(&ctx) == PACC_OK);
	seen.ctx = ctx;
	CHECK(pacc_ctx_set_resolver(ctx, resolver) == PACC_OK);
	CHECK(pacc_ctx_set_trust_anchor_file(ctx, anchor) == PACC_OK);
	CHECK(pacc_ctx_set_ca_file(ctx, cafile) == PACC_OK);
	slow.timeout_ms = 4000;
	slow.mechanisms = PACC_MECH_BIT(PACC_MECH_PACC);
	fast.timeout_ms = 4000;
	/* the stalled one first, so it cannot win by being started first */
	CHECK(pacc_discover_start(NULL, ctx, "bob@stall.example", &slow, done,
		  &t0) == PACC_OK);
	CHECK(pacc_discover_start(NULL, ctx, "alice@secure.example", &fast,
		  done, &t1) == PACC_OK);
	CHECK(pacc_ctx_pending(ctx) == 2);
	while (pacc_ctx_pending(ctx) > 0) {
		CHECK(pacc_ctx_pollfds(ctx, fds, 64, &n, &timeout) == PACC_OK);
		CHECK(poll(fds, n, timeout) >= 0);
		CHECK(pacc_ctx_process(ctx, fds, n) == PACC_OK);
	}
	CHECK(seen.n == 2);
	CHECK(seen.order[0] == 1); /* secure.example answered first */
	CHECK(seen.pending_at_answer[1] == 1); /* while the stall still ran */
	CHECK(seen.outcome[1] == PACC_RESULT_FOUND);
	CHECK(seen.outcome[0] == PACC_RESULT_INTEGRITY_FAILURE);
	pacc_ctx_free(ctx);
	printf("ok: the stalled discovery did not delay the other\n");
	return 0;
}
