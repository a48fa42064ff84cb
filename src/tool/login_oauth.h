/* SPDX-License-Identifier: MIT */
#ifndef PACC_TOOL_LOGIN_OAUTH_H
#define PACC_TOOL_LOGIN_OAUTH_H

#include <stdbool.h>

#include "tool.h"

/* --oauth-issuer, else the configuration's issuer, else NULL. */
const char *oauth_issuer_of(const struct tool_opts *o, const pacc_result *res);
/* OAuth or the password (pacc(1), "OAuth"). */
bool oauth_wanted(const struct tool_opts *o, const pacc_login_plan *plan,
    const char *issuer);
/* Run the flow; the URL goes to standard error (and xdg-open). */
int oauth_obtain(pacc_oauth_result **out, pacc_ctx *ctx,
    const struct tool_opts *o, const pacc_login_plan *plan, const char *issuer);
/* Exit status (DESIGN §4) of a flow that ended with `status`. */
int oauth_exit(int status);

#endif
