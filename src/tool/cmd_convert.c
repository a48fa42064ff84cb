/* SPDX-License-Identifier: MIT */
/*
 * pacc convert [--domain DOMAIN] [--json] FILE
 *
 * The direction follows the content: a document starting with '<' is
 * clientConfig XML (-> PACC JSON), one starting with '{' is PACC JSON
 * (-> clientConfig XML).  The converted document goes to stdout, the
 * report to stderr (or both into one JSON object with --json).
 * Exit status: 0 converted, nothing lost; 1 converted, something could not
 * be expressed (listed as warnings); 2 usage, unreadable file, or nothing
 * convertible (the report says why); 4 out of memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider_out.h"
#include "tool.h"

int
cmd_convert(struct tool_opts *o)
{
	pacc_convert_opts copts = PACC_CONVERT_OPTS_INIT;
	pacc_diags *report = NULL;
	unsigned char *doc = NULL;
	const unsigned char *p;
	const char *file, *from, *to;
	char *out = NULL;
	size_t len, outlen = 0, nwarn;
	bool xml;
	int rc, ex = EXIT_USAGE;

	if (o->nargs != 1) {
		fprintf(stderr,
		    "pacc: convert takes one FILE\n"
		    "Try 'pacc --help'.\n");
		return EXIT_USAGE;
	}
	file = o->args[0];
	if (tool_read_file(file, &doc, &len) != 0)
		return EXIT_USAGE;
	p = doc;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != '<' && *p != '{') {
		fprintf(stderr,
		    "pacc: %s: neither clientConfig XML (starting with '<') "
		    "nor a PACC JSON document (starting with '{')\n",
		    file);
		goto out;
	}
	xml = *p == '<';
	from = xml ? "clientconfig-xml" : "pacc-json";
	to = xml ? "pacc-json" : "clientconfig-xml";
	copts.domain = o->domain;
	rc = xml
	    ? pacc_convert_xml_to_json(&out, &outlen, &report, doc, len, &copts)
	    : pacc_convert_json_to_xml(&out, &outlen, &report, doc, len,
		  &copts);
	if (rc != PACC_OK && rc != PACC_EFORMAT) {
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
		ex = EXIT_ENVIRONMENT;
		goto out;
	}
	nwarn = pacc_diags_count_severity(report, PACC_SEVERITY_WARNING);
	ex = rc != PACC_OK ? EXIT_USAGE
	    : nwarn > 0	   ? EXIT_NEGATIVE
			   : EXIT_FOUND;
	if (o->json) {
		printf("{\n  \"file\": ");
		tool_json_str(stdout, file);
		printf(",\n  \"from\": \"%s\",\n  \"to\": \"%s\",\n", from, to);
		printf("  \"converted\": %s,\n  \"lossless\": %s,\n",
		    rc == PACC_OK ? "true" : "false",
		    rc == PACC_OK && nwarn == 0 ? "true" : "false");
		printf("  \"output\": ");
		tool_json_str(stdout, out);
		printf(",\n  \"report\": ");
		tool_json_diags(stdout, report, "  ");
		printf("\n}\n");
	} else {
		tool_print_diags(file, report);
		if (out != NULL)
			fwrite(out, 1, outlen, stdout);
		if (rc != PACC_OK)
			fprintf(stderr, "pacc: %s: not converted\n", file);
		else if (nwarn > 0)
			fprintf(stderr,
			    "pacc: %s: converted; %zu thing(s) could not be "
			    "expressed (listed above)\n",
			    file, nwarn);
	}
	if (fflush(stdout) != 0)
		ex = EXIT_ENVIRONMENT;
out:
	free(doc);
	free(out);
	pacc_diags_free(report);
	return ex;
}
