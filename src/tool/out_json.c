/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>

#include "tool.h"

int
out_json_result(const pacc_result *res)
{
	char *s = NULL;

	if (pacc_result_to_json(&s, res, PACC_JSON_PRETTY) != PACC_OK) {
		fprintf(stderr, "pacc: out of memory\n");
		return -1;
	}
	puts(s);
	free(s);
	return fflush(stdout) == 0 ? 0 : -1;
}
