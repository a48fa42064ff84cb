/* ubcheck — validate DNS answers with libunbound holding ONLY the given trust anchor.
 *
 *   ubcheck fwd   RESOLVER_IP  TA_FILE NAME TYPE [NAME TYPE ...]
 *   ubcheck hints ROOT_HINTS   TA_FILE NAME TYPE [NAME TYPE ...]
 *
 * fwd:   forward to RESOLVER_IP (libunbound then sends CD and validates itself —
 *        the same mode the pacc library uses);
 * hints: recurse from ROOT_HINTS (straight to the authoritative server).
 * One line per query: NAME TYPE secure|insecure|bogus rcode=N nxdomain=N havedata=N [why_bogus]
 * Exit 0 if every query got an answer object, 1 on a libunbound error, 2 on usage.
 * Built by tests/world/check (cc ubcheck.c -lunbound); not part of the library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>

static int
rrtype(const char *s)
{
	static const struct {
		const char *n;
		int t;
	} tab[] = {
		{ "A", 1 },
		{ "NS", 2 },
		{ "CNAME", 5 },
		{ "SOA", 6 },
		{ "MX", 15 },
		{ "TXT", 16 },
		{ "AAAA", 28 },
		{ "SRV", 33 },
		{ "DS", 43 },
		{ "DNSKEY", 48 },
		{ "TLSA", 52 },
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (!strcmp(tab[i].n, s))
			return tab[i].t;
	return atoi(s);
}

int
main(int argc, char **argv)
{
	if (argc < 6 || (argc - 4) % 2 ||
	    (strcmp(argv[1], "fwd") && strcmp(argv[1], "hints"))) {
		fprintf(stderr,
		    "usage: ubcheck fwd|hints RESOLVER_IP|ROOT_HINTS TA_FILE "
		    "NAME TYPE [NAME TYPE ...]\n");
		return 2;
	}
	struct ub_ctx *ctx = ub_ctx_create();
	if (!ctx) {
		fprintf(stderr, "ubcheck: ub_ctx_create failed\n");
		return 1;
	}
	int r = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no");
	if (!r)
		r = !strcmp(argv[1], "fwd")
		    ? ub_ctx_set_fwd(ctx, argv[2])
		    : ub_ctx_set_option(ctx, "root-hints:", argv[2]);
	if (!r)
		r = ub_ctx_add_ta_file(ctx, argv[3]);
	if (r) {
		fprintf(stderr, "ubcheck: setup: %s\n", ub_strerror(r));
		return 1;
	}
	int rc = 0;
	for (int i = 4; i + 1 < argc; i += 2) {
		struct ub_result *res = NULL;
		r = ub_resolve(ctx, argv[i], rrtype(argv[i + 1]), 1, &res);
		if (r) {
			printf("%s %s error %s\n", argv[i], argv[i + 1],
			    ub_strerror(r));
			rc = 1;
			continue;
		}
		printf("%s %s %s rcode=%d nxdomain=%d havedata=%d%s%s\n",
		    argv[i], argv[i + 1],
		    res->bogus	      ? "bogus"
			: res->secure ? "secure"
				      : "insecure",
		    res->rcode, res->nxdomain, res->havedata,
		    res->why_bogus ? " " : "",
		    res->why_bogus ? res->why_bogus : "");
		ub_resolve_free(res);
	}
	ub_ctx_delete(ctx);
	return rc;
}
