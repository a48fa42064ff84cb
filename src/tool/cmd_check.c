/* SPDX-License-Identifier: MIT */
/*
 * pacc check DOMAIN: audit a provider's deployment (DESIGN §4).  One line
 * per check, "PASS|WARN|FAIL|SKIP id: detail", grouped by mechanism under
 * "== group" headers, then a summary line; or one JSON object
 * (doc/check.schema.json).  Exit 1 on any FAIL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void
out_text(const pacc_check_result *res)
{
	const char *group = NULL;
	size_t k[4] = { 0, 0, 0, 0 };

	printf("pacc check %s\n", pacc_check_result_domain(res));
	for (size_t i = 0; i < pacc_check_result_count(res); i++) {
		const char *g = pacc_check_result_group(res, i);
		pacc_check_status st = pacc_check_result_status(res, i);

		if (group == NULL || strcmp(group, g) != 0) {
			printf("\n== %s\n", g);
			group = g;
		}
		if ((unsigned)st < 4)
			k[st]++;
		printf("%s %s: %s\n", pacc_check_status_name(st),
		    pacc_check_result_id(res, i),
		    pacc_check_result_detail(res, i));
	}
	printf("\nsummary: %zu passed, %zu warnings, %zu failed, %zu skipped\n",
	    k[PACC_CHECK_PASS], k[PACC_CHECK_WARN], k[PACC_CHECK_FAIL],
	    k[PACC_CHECK_SKIP]);
}

int
cmd_check(struct tool_opts *o)
{
	pacc_check_opts copts = PACC_CHECK_OPTS_INIT;
	pacc_check_result *res = NULL;
	pacc_ctx *ctx = NULL;
	char *json = NULL;
	int rc, status;

	if (o->nargs != 1) {
		fprintf(stderr,
		    "pacc: check takes exactly one DOMAIN\n"
		    "Try 'pacc --help'.\n");
		return EXIT_USAGE;
	}
	if (pacc_ctx_new(&ctx) != PACC_OK) {
		fprintf(stderr, "pacc: out of memory\n");
		return EXIT_ENVIRONMENT;
	}
	if ((status = tool_setup_ctx(ctx, o)) != EXIT_FOUND)
		goto out;
	rc = pacc_check_sync(&res, ctx, o->args[0], &copts);
	if (rc != PACC_OK || res == NULL) {
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
		status = EXIT_ENVIRONMENT;
		goto out;
	}
	if (pacc_check_result_error(res) == PACC_EADDRESS) {
		fprintf(stderr, "pacc: '%s': %s\n", o->args[0],
		    pacc_check_result_errmsg(res));
		status = EXIT_USAGE;
		if (!o->json)
			goto out;
	}
	if (o->json) {
		if (pacc_check_result_to_json(&json, res, PACC_JSON_PRETTY) !=
		    PACC_OK) {
			fprintf(stderr, "pacc: out of memory\n");
			status = EXIT_ENVIRONMENT;
			goto out;
		}
		printf("%s\n", json);
	} else if (pacc_check_result_error(res) == PACC_OK) {
		out_text(res);
	}
	if (pacc_check_result_error(res) == PACC_EADDRESS) {
		status = EXIT_USAGE;
	} else if (pacc_check_result_error(res) != PACC_OK) {
		fprintf(stderr, "pacc: %s\n", pacc_check_result_errmsg(res));
		status = EXIT_ENVIRONMENT;
	} else {
		status = EXIT_FOUND;
		for (size_t i = 0; i < pacc_check_result_count(res); i++)
			if (pacc_check_result_status(res, i) == PACC_CHECK_FAIL)
				status = EXIT_NEGATIVE;
	}
out:
	free(json);
	pacc_check_result_free(res);
	pacc_ctx_free(ctx);
	return status;
}
