/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

int
out_json_result(const pacc_result *res, const pacc_changes *changes)
{
	char *s = NULL, *c = NULL, *end;

	if (pacc_result_to_json(&s, res, PACC_JSON_PRETTY) != PACC_OK ||
	    (changes && pacc_changes_to_json(&c, changes) != PACC_OK)) {
		free(s);
		fprintf(stderr, "pacc: out of memory\n");
		return -1;
	}
	/* one object on stdout: the comparison goes in as key "compare" */
	if (c && (end = strrchr(s, '}')) != NULL) {
		*end = '\0';
		while (end > s && (end[-1] == '\n' || end[-1] == ' '))
			*--end = '\0';
		printf("%s,\n  \"compare\": %s\n}\n", s, c);
	} else {
		puts(s);
	}
	free(s);
	free(c);
	return fflush(stdout) == 0 ? 0 : -1;
}
