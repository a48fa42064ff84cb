/* SPDX-License-Identifier: MIT */
/*
 * Failure injection (issue 7): a full discovery against the running test
 * world, failing the 1st, 2nd, ... Nth allocation of the library in turn.
 * Every run must end -- with a result or PACC_ENOMEM -- without a crash, a
 * hang past the deadline or a leak (the ASan build checks leaks at exit).
 * usage: test_oom [ADDRESS [MECHANISMS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pacc/pacc.h>

#include "alloc.h"

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
		if ((nl = strpbrk(v, "\r\n")) != NULL)
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

/* One discovery; returns the pacc status (a result counts as PACC_OK). */
static int
run(const char *address, unsigned mechs, int *outcome)
{
	pacc_discover_opts o = PACC_DISCOVER_OPTS_INIT;
	pacc_result *res = NULL;
	pacc_ctx *ctx = NULL;
	int rc;

	*outcome = -1;
	if ((rc = pacc_ctx_new(&ctx)) != PACC_OK)
		return rc;
	if ((rc = pacc_ctx_set_resolver(ctx, resolver)) != PACC_OK ||
	    (rc = pacc_ctx_set_trust_anchor_file(ctx, anchor)) != PACC_OK ||
	    (rc = pacc_ctx_set_ca_file(ctx, cafile)) != PACC_OK)
		goto out;
	o.timeout_ms = 1500;
	o.mechanisms = mechs;
	o.ispdb_url = "";
	rc = pacc_discover_sync(&res, ctx, address, &o);
	if (res)
		*outcome = (int)pacc_result_outcome(res);
out:
	pacc_result_free(res);
	pacc_ctx_free(ctx);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *env = getenv("PACC_WORLD_ENV");
	const char *address = argc > 1 ? argv[1] : "alice@secure.example";
	unsigned mechs = PACC_MECH_BIT(PACC_MECH_PACC) |
	    PACC_MECH_BIT(PACC_MECH_PACC_MX);
	long total, n, enomem = 0, results = 0, found = 0, slow = 0;
	int outcome, rc;

	if (env == NULL || load_env(env) != 0) {
		fprintf(stderr, "PACC_WORLD_ENV not set: skipped\n");
		return 77;
	}
	if (argc > 2 && pacc_mechanisms_parse(&mechs, argv[2]) != PACC_OK)
		return 2;
	/* how many allocations does one clean run make? */
	pacc__alloc_inject(0);
	rc = run(address, mechs, &outcome);
	total = pacc__alloc_count();
	if (rc != PACC_OK || outcome != PACC_RESULT_FOUND) {
		fprintf(stderr, "the clean run did not find %s (rc %d)\n",
		    address, rc);
		return 1;
	}
	for (n = 1; n <= total + 10; n++) {
		struct timespec t0, t1;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		pacc__alloc_inject(n);
		rc = run(address, mechs, &outcome);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= 1000) {
			slow++;
			fprintf(stderr,
			    "allocation %ld: %ld ms (rc %s, outcome %d)\n", n,
			    ms, pacc_status_name(rc), outcome);
		}
		if (rc == PACC_ENOMEM)
			enomem++;
		else if (rc == PACC_OK)
			results++;
		else {
			fprintf(stderr,
			    "allocation %ld: unexpected status %s\n", n,
			    pacc_status_name(rc));
			return 1;
		}
		found += outcome == PACC_RESULT_FOUND;
		if (pacc__alloc_count() < n)
			break; /* the run never reached the nth allocation */
	}
	pacc__alloc_inject(-1);
	printf("%s: %ld allocations per run; failed each in turn: %ld "
	       "ENOMEM, %ld results (%ld still found), %ld run(s) over 1 s\n",
	    address, total, enomem, results, found, slow);
	return 0;
}
