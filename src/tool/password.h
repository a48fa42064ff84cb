/* SPDX-License-Identifier: MIT */
#ifndef PACC_TOOL_PASSWORD_H
#define PACC_TOOL_PASSWORD_H

#include <stdbool.h>

#include "tool.h"

/* Longest password accepted, in bytes (without the line end). */
#define PASSWORD_MAX 4096

/*
 * Check the password options before anything happens (both --password-fd
 * and --password-env, an unset variable, a closed descriptor): EXIT_FOUND
 * when usable, else EXIT_USAGE with a message on standard error.
 */
int password_check(const struct tool_opts *o);

/*
 * The password, DESIGN §4: --password-fd N (its first line), else
 * --password-env NAME (the variable is wiped and unset afterwards), else
 * the first line of standard input when it is not a terminal, else the
 * terminal (/dev/tty) without echo.  Never argv.  *out is in locked,
 * non-dumpable memory: release it with password_free().  EXIT_FOUND, or
 * EXIT_USAGE / EXIT_ENVIRONMENT with a message on standard error.
 */
int password_read(char **out, const struct tool_opts *o, const char *address);
/* Wipe and release; NULL is a no-op. */
void password_free(char *p);

/* True when a terminal (/dev/tty) can be opened for questions. */
bool terminal_available(void);

#endif
