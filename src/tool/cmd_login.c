/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "tool.h"

int
cmd_login(struct tool_opts *o)
{
	(void)o;
	fprintf(stderr, "pacc: login is not implemented yet\n");
	return EXIT_ENVIRONMENT;
}
