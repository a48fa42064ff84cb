/* SPDX-License-Identifier: MIT */
/*
 * pacc login --oauth: the choice between OAuth and the password, the
 * authorization URL (DESIGN §4: one line on standard error with a fixed
 * prefix; xdg-open only with a display and without --no-browser), and the
 * exit status of a failed flow.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "login_oauth.h"

const char *
oauth_issuer_of(const struct tool_opts *o, const pacc_result *res)
{
	if (o->oauth_issuer)
		return o->oauth_issuer;
	return res ? pacc_result_oauth_issuer(res) : NULL;
}

/* Every server of the plan takes OAuth only (no password offered). */
static bool
oauth_only(const pacc_login_plan *plan)
{
	size_t n = pacc_login_plan_server_count(plan);

	for (size_t i = 0; i < n; i++) {
		unsigned a = pacc_server_auth(pacc_login_plan_server(plan, i));

		if (a == 0 || (a & PACC_AUTH_PASSWORD))
			return false;
	}
	return n > 0;
}

bool
oauth_wanted(const struct tool_opts *o, const pacc_login_plan *plan,
    const char *issuer)
{
	if (o->oauth || o->oauth_issuer || o->oauth_client_id ||
	    o->token_file || o->no_browser || o->print_token)
		return true;
	if (issuer == NULL)
		return false;
	if (oauth_only(plan))
		return true;
	/* both offered: OAuth is preferred (PACC), unless a password was
	 * handed over without asking anybody -- scripts stay as they are */
	return o->password_fd < 0 && o->password_env == NULL &&
	    isatty(STDIN_FILENO);
}

/* xdg-open URL, detached (double fork: nothing to reap later). */
static void
open_browser(const char *url)
{
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (pid == 0) {
		int fd;

		if (fork() != 0)
			_exit(0);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("xdg-open", "xdg-open", url, (char *)NULL);
		_exit(127);
	}
	(void)waitpid(pid, NULL, 0);
}

struct url_ctx {
	const struct tool_opts *o;
	const char *issuer_host;
};

static void
on_url(pacc_oauth *fl, const char *url, const char *host, void *ud)
{
	struct url_ctx *u = ud;
	const char *d = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");

	(void)fl;
	/* the user confirmed the issuer's host; say so when the page is
	 * elsewhere (PACC: show the host of the authorization page) */
	if (host && u->issuer_host && strcmp(host, u->issuer_host) != 0)
		fprintf(stderr,
		    "pacc: the authorization page is on %s (issuer host %s)\n",
		    host, u->issuer_host);
	fprintf(stderr, "pacc: open this URL to authorize: %s\n", url);
	fflush(stderr);
	if (!u->o->no_browser && ((d && *d) || (w && *w)))
		open_browser(url);
}

/* Services and resource indicators of the plan. */
static unsigned
services_of(const pacc_login_plan *plan, const char **res, size_t cap,
    size_t *nres)
{
	size_t n = pacc_login_plan_server_count(plan);
	unsigned sv = 0;

	*nres = 0;
	for (size_t i = 0; i < n; i++) {
		const pacc_server *s = pacc_login_plan_server(plan, i);
		const char *r = pacc_server_url(s) ? pacc_server_url(s)
						   : pacc_server_host(s);

		switch (pacc_server_protocol(s)) {
		case PACC_PROTO_CALDAV:
			sv |= PACC_OAUTH_CALENDARS;
			break;
		case PACC_PROTO_CARDDAV:
			sv |= PACC_OAUTH_CONTACTS;
			break;
		default:
			sv |= PACC_OAUTH_MAIL;
			break;
		}
		if (r && *nres < cap)
			res[(*nres)++] = r;
	}
	return sv;
}

int
oauth_obtain(pacc_oauth_result **out, pacc_ctx *ctx, const struct tool_opts *o,
    const pacc_login_plan *plan, const char *issuer)
{
	pacc_oauth_opts oo = PACC_OAUTH_OPTS_INIT;
	const char *res[32];
	struct url_ctx u;
	char host[256];
	const char *a = issuer + 8;
	size_t hl = strcspn(a, "/:?#");

	snprintf(host, sizeof(host), "%.*s", (int)(hl < 255 ? hl : 255), a);
	u.o = o;
	u.issuer_host = host;
	oo.issuer = issuer;
	oo.services = services_of(plan, res, 32, &oo.nresources);
	oo.resources = res;
	oo.client_id = o->oauth_client_id;
	oo.token_file = o->token_file;
	oo.timeout_ms = o->oauth_timeout_ms;
	return pacc_oauth_sync(out, ctx, &oo, on_url, &u);
}

int
oauth_exit(int status)
{
	switch (status) {
	case PACC_OK:
		return EXIT_FOUND;
	case PACC_EOAUTH_ISSUER:
	case PACC_EOAUTH_ISS:
	case PACC_EOAUTH_STATE:
	case PACC_EOAUTH_REDIRECT:
		return EXIT_SECURITY;
	case PACC_EHTTP:
	case PACC_EIO:
	case PACC_ENOMEM:
	case PACC_EINTERNAL:
	case PACC_EDNS:
		return EXIT_ENVIRONMENT;
	default:
		return EXIT_NEGATIVE;
	}
}
