/* SPDX-License-Identifier: MIT */
/*
 * pacc probe ADDRESS | --server URL... [ADDRESS]: talk to the servers
 * without credentials and report what they offer (DESIGN §4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "probe_out.h"
#include "tool.h"

static int
check_urls(const struct tool_opts *o)
{
	char why[256];

	for (int i = 0; i < o->nservers; i++) {
		if (pacc_probe_url_check(o->servers[i], why, sizeof(why)) !=
		    PACC_OK) {
			fprintf(stderr,
			    "pacc: --server '%s': %s\n"
			    "Try 'pacc --help'.\n",
			    o->servers[i], why);
			return EXIT_USAGE;
		}
	}
	return EXIT_FOUND;
}

int
cmd_probe(struct tool_opts *o)
{
	pacc_discover_opts dopts = PACC_DISCOVER_OPTS_INIT;
	pacc_probe_opts popts = PACC_PROBE_OPTS_INIT;
	pacc_result *disc = NULL;
	pacc_probe_result *res = NULL;
	pacc_ctx *ctx = NULL;
	int rc, status;

	if (o->nargs > 1 || (o->nargs == 0 && o->nservers == 0)) {
		fprintf(stderr,
		    "pacc: probe takes one ADDRESS, or --server "
		    "URL... (and optionally an ADDRESS)\n"
		    "Try 'pacc --help'.\n");
		return EXIT_USAGE;
	}
	if ((status = check_urls(o)) != EXIT_FOUND)
		return status;
	if (pacc_ctx_new(&ctx) != PACC_OK) {
		fprintf(stderr, "pacc: out of memory\n");
		return EXIT_ENVIRONMENT;
	}
	if ((status = tool_setup_ctx(ctx, o)) != EXIT_FOUND)
		goto out;
	if (o->nservers == 0) {
		/* discover first, exactly as `pacc discover` would */
		if (o->insecure_http)
			dopts.flags |= PACC_DISCOVER_INSECURE_HTTP;
		dopts.ispdb_dir = o->ispdb_dir;
		dopts.ispdb_url = o->ispdb_url;
		dopts.doh_url = o->doh;
		rc = pacc_discover_sync(&disc, ctx, o->args[0], &dopts);
		if (rc != PACC_OK || disc == NULL) {
			fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
			status = EXIT_ENVIRONMENT;
			goto out;
		}
		/* only a found answer has servers worth talking to; the
		 * probe result then just carries the discovery */
		popts.result = disc;
	} else {
		popts.urls = o->servers;
		popts.nurls = (size_t)o->nservers;
		popts.address = o->nargs ? o->args[0] : NULL;
	}
	rc = pacc_probe_sync(&res, ctx, &popts);
	if (rc != PACC_OK || res == NULL) {
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
		status = rc == PACC_EINVAL ? EXIT_USAGE : EXIT_ENVIRONMENT;
		goto out;
	}
	if (o->json) {
		if (out_probe_json(res) != 0) {
			status = EXIT_ENVIRONMENT;
			goto out;
		}
	} else {
		out_probe_text(res);
	}
	if (disc && pacc_result_outcome(disc) != PACC_RESULT_FOUND)
		status = exit_status_of(disc);
	else
		status = probe_exit_status(res);
out:
	pacc_probe_result_free(res);
	pacc_result_free(disc);
	pacc_ctx_free(ctx);
	return status;
}
