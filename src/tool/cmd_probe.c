/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "tool.h"

int
cmd_probe(struct tool_opts *o)
{
	(void)o;
	fprintf(stderr, "pacc: probe is not implemented yet\n");
	return EXIT_ENVIRONMENT;
}
