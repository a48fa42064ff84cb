/* SPDX-License-Identifier: MIT */
#ifndef PACC_TOOL_H
#define PACC_TOOL_H

#include <stdbool.h>

#include "pacc/pacc.h"

/* DESIGN §4 exit status, for every command. */
enum {
	EXIT_FOUND = 0,
	EXIT_NEGATIVE = 1,
	EXIT_USAGE = 2,
	EXIT_SECURITY = 3,
	EXIT_ENVIRONMENT = 4
};

struct tool_opts {
	bool json;
	int verbose;
	const char *resolver;
	const char *trust_anchor;
	const char *ca_file;
	long timeout_ms;
	unsigned mechanisms;
	bool insecure_http;
	const char *ispdb_dir;
	const char *ispdb_url;
	const char *compare;
	const char *doh;
	/* probe / login */
#define TOOL_MAX_SERVERS 16
	const char *servers[TOOL_MAX_SERVERS];
	int nservers;
	bool yes;
	int password_fd; /* -1: none */
	const char *password_env;
	/* publish / convert */
	const char *domain;
	const char *alg;
	const char *mx;
	/* scan */
	long jobs; /* 0: default */
	const char *output;
	/* login --oauth */
	bool oauth;
	bool no_browser;
	bool print_token;
	long oauth_timeout_ms;
	const char *oauth_client_id;
	const char *oauth_issuer;
	const char *token_file;
	const char *args[8];
	int nargs;
};

/* Resolver, trust anchor, CA file, timeout, mechanisms, logging: the
 * settings every command shares; an EXIT_* status. */
int tool_setup_ctx(pacc_ctx *ctx, struct tool_opts *o);
int cmd_discover(struct tool_opts *o);
int cmd_probe(struct tool_opts *o);
int cmd_login(struct tool_opts *o);
int cmd_publish(struct tool_opts *o);
int cmd_convert(struct tool_opts *o);
int cmd_scan(struct tool_opts *o);
int cmd_check(struct tool_opts *o);
void out_text_result(const pacc_result *res);
int out_json_result(const pacc_result *res, const pacc_changes *changes);
void out_text_changes(const pacc_changes *changes, const char *file);
void out_text_crosscheck(const pacc_result *res);
int exit_status_of(const pacc_result *res);

#endif
