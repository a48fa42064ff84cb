/* SPDX-License-Identifier: MIT */
/*
 * What the three discover examples share and is not about the loop:
 * options, setting up the context, printing the result.
 *
 *	NAME [--resolver ADDR[@PORT]] [--trust-anchor FILE] [--ca-file FILE]
 *	     [--timeout SECONDS] ADDRESS
 *
 * Prints "outcome: ...", "mechanism: ..." and one "server: ..." line per
 * server on stdout; on stderr the reason when nothing usable was found and
 * "heartbeats: N", how often the host loop's own 100 ms timer ran meanwhile
 * (the loop stays responsive while pacc waits).  Exit status as pacc(1):
 * 0 found, 1 not found, 2 usage, 3 integrity failure, 4 error.
 */
#ifndef PACC_EXAMPLE_H
#define PACC_EXAMPLE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacc/pacc.h>

#define EXAMPLE_HEARTBEAT_MS 100

struct example_opts {
	const char *address;
	const char *resolver;
	const char *trust_anchor;
	const char *ca_file;
	long timeout_ms; /* 0: the library's default */
};

static int
example_usage(const char *prog)
{
	fprintf(stderr,
	    "usage: %s [--resolver ADDR[@PORT]] [--trust-anchor FILE] "
	    "[--ca-file FILE] [--timeout SECONDS] ADDRESS\n",
	    prog);
	return 2;
}

/* Seconds, decimals allowed, as pacc(1)'s --timeout; -1 when not valid. */
static long
example_timeout_ms(const char *v)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(v, &end);
	if (errno || end == v || *end || !(s > 0) || s > 3600)
		return -1;
	return s * 1000 < 1 ? 1 : (long)(s * 1000);
}

/* 0, or the exit status of a usage error (already explained). */
static int
example_args(struct example_opts *o, int argc, char **argv)
{
	static const char *const names[] = { "--resolver", "--trust-anchor",
		"--ca-file", "--timeout" };
	const size_t nnames = sizeof(names) / sizeof(names[0]);

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		size_t k, n = 0;

		if (arg[0] != '-') {
			if (o->address)
				return example_usage(argv[0]);
			o->address = arg;
			continue;
		}
		/* "--name VALUE" or "--name=VALUE" */
		for (k = 0; k < nnames; k++) {
			n = strlen(names[k]);
			if (strncmp(arg, names[k], n) == 0 &&
			    (arg[n] == '\0' || arg[n] == '='))
				break;
		}
		if (k == nnames || (arg[n] == '\0' && i + 1 >= argc))
			return example_usage(argv[0]);
		v = arg[n] == '=' ? arg + n + 1 : argv[++i];
		if (k == 0)
			o->resolver = v;
		else if (k == 1)
			o->trust_anchor = v;
		else if (k == 2)
			o->ca_file = v;
		else if ((o->timeout_ms = example_timeout_ms(v)) < 0)
			return example_usage(argv[0]);
	}
	return o->address ? 0 : example_usage(argv[0]);
}

/* A context set up from the options; 0, or 4 (explained). */
static int
example_ctx(pacc_ctx **out, const struct example_opts *o)
{
	pacc_ctx *ctx = NULL;
	int rc = pacc_ctx_new(&ctx);

	if (rc == PACC_OK && o->resolver)
		rc = pacc_ctx_set_resolver(ctx, o->resolver);
	if (rc == PACC_OK && o->trust_anchor)
		rc = pacc_ctx_set_trust_anchor_file(ctx, o->trust_anchor);
	if (rc == PACC_OK && o->ca_file)
		rc = pacc_ctx_set_ca_file(ctx, o->ca_file);
	if (rc == PACC_OK && o->timeout_ms)
		rc = pacc_ctx_set_timeout_ms(ctx, o->timeout_ms);
	if (rc != PACC_OK) {
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
		pacc_ctx_free(ctx);
		return 4;
	}
	*out = ctx;
	return 0;
}

/* Print a result; returns the exit status it means. */
static int
example_print(const pacc_result *res)
{
	pacc_outcome o;
	int m;

	if (res == NULL) { /* no memory left even for an error result */
		fprintf(stderr, "pacc: %s\n", pacc_strerror(PACC_ENOMEM));
		return 4;
	}
	o = pacc_result_outcome(res);
	m = pacc_result_mechanism(res);

	printf("outcome: %s\n", pacc_outcome_name(o));
	printf("mechanism: %s\n",
	    m >= 0 ? pacc_mechanism_name((pacc_mechanism)m) : "none");
	for (size_t i = 0; i < pacc_result_server_count(res); i++) {
		const pacc_server *s = pacc_result_server(res, i);
		const char *proto = pacc_protocol_name(pacc_server_protocol(s));

		if (pacc_server_url(s))
			printf("server: %s %s\n", proto, pacc_server_url(s));
		else
			printf("server: %s %s:%u %s\n", proto,
			    pacc_server_host(s), pacc_server_port(s),
			    pacc_tls_mode_name(pacc_server_tls(s)));
	}
	if (o != PACC_RESULT_FOUND)
		fprintf(stderr, "%s\n", pacc_result_errmsg(res));
	switch (o) {
	case PACC_RESULT_FOUND:
		return 0;
	case PACC_RESULT_NOT_FOUND:
		return 1;
	case PACC_RESULT_INTEGRITY_FAILURE:
		return 3;
	default: /* a bad address is bad input */
		return pacc_result_error(res) == PACC_EADDRESS ? 2 : 4;
	}
}

#endif
