/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider_out.h"

int
tool_read_file(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	unsigned char *b;
	size_t n = 0;

	*buf = NULL;
	*len = 0;
	if (f == NULL) {
		fprintf(stderr, "pacc: %s: %s\n", path, strerror(errno));
		return -1;
	}
	b = malloc((size_t)TOOL_MAX_FILE + 1);
	if (b == NULL) {
		fprintf(stderr, "pacc: out of memory\n");
		if (f != stdin)
			fclose(f);
		return -1;
	}
	n = fread(b, 1, (size_t)TOOL_MAX_FILE + 1, f);
	if (ferror(f) || n > (size_t)TOOL_MAX_FILE) {
		if (ferror(f))
			fprintf(stderr, "pacc: %s: read error\n", path);
		else
			fprintf(stderr,
			    "pacc: %s: larger than %ld bytes; not a "
			    "configuration document\n",
			    path, TOOL_MAX_FILE);
		free(b);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

void
tool_json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

const char *
tool_severity_name(pacc_severity s)
{
	switch (s) {
	case PACC_SEVERITY_ERROR:
		return "error";
	case PACC_SEVERITY_WARNING:
		return "warning";
	default:
		return "note";
	}
}

void
tool_print_diags(const char *file, const pacc_diags *d)
{
	for (size_t i = 0; i < pacc_diags_count(d); i++) {
		const pacc_diag *e = pacc_diags_get(d, i);

		fprintf(stderr, "pacc: %s: %s %s%s%s: %s\n", file,
		    tool_severity_name(e->severity), e->code,
		    e->path[0] ? " at " : "", e->path, e->message);
	}
}

void
tool_json_diags(FILE *f, const pacc_diags *d, const char *indent)
{
	size_t n = pacc_diags_count(d);

	if (n == 0) {
		fputs("[]", f);
		return;
	}
	fputs("[\n", f);
	for (size_t i = 0; i < n; i++) {
		const pacc_diag *e = pacc_diags_get(d, i);

		fprintf(f, "%s  { \"severity\": \"%s\", \"code\": ", indent,
		    tool_severity_name(e->severity));
		tool_json_str(f, e->code);
		fputs(", \"path\": ", f);
		tool_json_str(f, e->path);
		fputs(", \"message\": ", f);
		tool_json_str(f, e->message);
		fprintf(f, " }%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "%s]", indent);
}
