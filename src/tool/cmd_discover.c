/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static void
log_stderr(pacc_log_level level, const char *msg, void *ud)
{
	int verbose = *(int *)ud;

	if ((int)level <= verbose + 1)
		fprintf(stderr, "pacc: %s\n", msg);
}

int
exit_status_of(const pacc_result *res)
{
	switch (pacc_result_outcome(res)) {
	case PACC_RESULT_FOUND:
		return EXIT_FOUND;
	case PACC_RESULT_NOT_FOUND:
		return EXIT_NEGATIVE;
	case PACC_RESULT_INTEGRITY_FAILURE:
		return EXIT_SECURITY;
	case PACC_RESULT_ERROR:
		break;
	}
	return pacc_result_error(res) == PACC_EADDRESS ? EXIT_USAGE
						       : EXIT_ENVIRONMENT;
}

/* The context settings every command shares. */
int
tool_setup_ctx(pacc_ctx *ctx, struct tool_opts *o)
{
	int rc;

	if (o->resolver && pacc_ctx_set_resolver(ctx, o->resolver) != PACC_OK) {
		fprintf(stderr, "pacc: --resolver: '%s' is not ADDR[@PORT]\n",
		    o->resolver);
		return EXIT_USAGE;
	}
	if (o->trust_anchor) {
		if (access(o->trust_anchor, R_OK) != 0) {
			fprintf(stderr,
			    "pacc: --trust-anchor: cannot read '%s'\n",
			    o->trust_anchor);
			return EXIT_USAGE;
		}
		pacc_ctx_set_trust_anchor_file(ctx, o->trust_anchor);
	}
	if (o->ca_file &&
	    (rc = pacc_ctx_set_ca_file(ctx, o->ca_file)) != PACC_OK) {
		fprintf(stderr, "pacc: --ca-file: %s: %s\n", o->ca_file,
		    rc == PACC_ECAFILE ? "no readable PEM certificate"
				       : pacc_strerror(rc));
		return EXIT_USAGE;
	}
	if (o->timeout_ms)
		pacc_ctx_set_timeout_ms(ctx, o->timeout_ms);
	if (o->mechanisms)
		pacc_ctx_set_mechanisms(ctx, o->mechanisms);
	pacc_ctx_set_log_cb(ctx, log_stderr, &o->verbose);
	return EXIT_FOUND;
}

/* A saved result: bounded, whole file. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(1024 * 1024 + 1);
	*len = buf ? fread(buf, 1, 1024 * 1024 + 1, f) : 0;
	if (buf && (ferror(f) || *len > 1024 * 1024)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int
cmd_discover(struct tool_opts *o)
{
	pacc_discover_opts dopts = PACC_DISCOVER_OPTS_INIT;
	pacc_result *res = NULL;
	pacc_changes *changes = NULL;
	pacc_ctx *ctx = NULL;
	char *prev = NULL;
	size_t prevlen = 0;
	int rc, status;

	if (o->nargs != 1) {
		fprintf(stderr,
		    "pacc: discover takes exactly one ADDRESS\n"
		    "Try 'pacc --help'.\n");
		return EXIT_USAGE;
	}
	if (o->compare && (prev = read_file(o->compare, &prevlen)) == NULL) {
		fprintf(stderr,
		    "pacc: --compare: cannot read '%s' (at most "
		    "1 MiB)\n",
		    o->compare);
		return EXIT_USAGE;
	}
	if (pacc_ctx_new(&ctx) != PACC_OK) {
		fprintf(stderr, "pacc: out of memory\n");
		return EXIT_ENVIRONMENT;
	}
	if ((status = tool_setup_ctx(ctx, o)) != EXIT_FOUND)
		goto out;
	if (o->insecure_http)
		dopts.flags |= PACC_DISCOVER_INSECURE_HTTP;
	dopts.ispdb_dir = o->ispdb_dir;
	dopts.ispdb_url = o->ispdb_url;
	dopts.doh_url = o->doh;
	rc = pacc_discover_sync(&res, ctx, o->args[0], &dopts);
	if (rc != PACC_OK || res == NULL) {
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
		status = EXIT_ENVIRONMENT;
		goto out;
	}
	if (prev &&
	    (rc = pacc_result_compare(&changes, res, prev, prevlen)) !=
		PACC_OK) {
		fprintf(stderr,
		    "pacc: --compare: '%s' is not a saved pacc "
		    "result (%s)\n",
		    o->compare, pacc_strerror(rc));
		status = EXIT_USAGE;
		goto out;
	}
	if (o->json) {
		if (out_json_result(res, changes) != 0) {
			status = EXIT_ENVIRONMENT;
			goto out;
		}
	} else {
		out_text_result(res);
		if (o->doh)
			out_text_crosscheck(res);
		if (changes)
			out_text_changes(changes, o->compare);
	}
	status = exit_status_of(res);
out:
	free(prev);
	pacc_changes_free(changes);
	pacc_result_free(res);
	pacc_ctx_free(ctx);
	return status;
}
