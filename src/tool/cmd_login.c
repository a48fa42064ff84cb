/* SPDX-License-Identifier: MIT */
/*
 * pacc login ADDRESS | pacc login --server URL... ADDRESS
 *
 * Discover (or take the given servers), show the registrable domains the
 * password would go to and ask on the terminal (--yes for scripts), read
 * the password (password.c), log in everywhere, report per server.
 * Nothing leaves before the user said yes; without a terminal and without
 * --yes there is nobody to ask: usage error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "login_oauth.h"
#include "password.h"
#include "tool.h"

static int
exit_of(pacc_login_status s, const pacc_result *disc)
{
	switch (s) {
	case PACC_LOGIN_STATUS_OK:
		return EXIT_FOUND;
	case PACC_LOGIN_STATUS_FAILED:
	case PACC_LOGIN_STATUS_DECLINED:
	case PACC_LOGIN_STATUS_NOT_FOUND:
		return EXIT_NEGATIVE;
	case PACC_LOGIN_STATUS_TLS_FAILURE:
	case PACC_LOGIN_STATUS_INTEGRITY_FAILURE:
		return EXIT_SECURITY;
	case PACC_LOGIN_STATUS_ERROR:
		break;
	case PACC_LOGIN_STATUS_OAUTH_FAILURE:
		return EXIT_NEGATIVE; /* refined by the caller */
	}
	return disc ? exit_status_of(disc) : EXIT_ENVIRONMENT;
}

static void
server_line(FILE *f, const pacc_server *s)
{
	if (pacc_server_host(s))
		fprintf(f, "  %-12s %s:%u (%s)\n",
		    pacc_protocol_name(pacc_server_protocol(s)),
		    pacc_server_host(s), pacc_server_port(s),
		    pacc_server_tls(s) == PACC_TLS_IMPLICIT ? "implicit TLS"
			: pacc_server_tls(s) == PACC_TLS_STARTTLS ? "STARTTLS"
								  : "no TLS");
	else
		fprintf(f, "  %-12s %s\n",
		    pacc_protocol_name(pacc_server_protocol(s)),
		    pacc_server_url(s) ? pacc_server_url(s) : "?");
}

/* What the user is asked to confirm: servers, then domains in full. */
static void
show_plan(FILE *f, const pacc_login_plan *plan, const char *from,
    const char *issuer)
{
	size_t n = pacc_login_plan_server_count(plan);

	fprintf(f, "Servers for %s (%s):\n", pacc_login_plan_address(plan),
	    from);
	for (size_t i = 0; i < n; i++)
		server_line(f, pacc_login_plan_server(plan, i));
	if (issuer) {
		const char *h = issuer + 8;

		fprintf(f,
		    "OAuth: sign in on the authorization page of %s\n"
		    "  (host %.*s); the token will be sent to servers in "
		    "these domains:\n",
		    issuer, (int)strcspn(h, "/:?#"), h);
	} else {
		fprintf(f,
		    "The password will be sent to servers in these "
		    "domains:\n");
	}
	for (size_t i = 0; i < pacc_login_plan_confirm_count(plan); i++)
		fprintf(f, "  %s\n", pacc_login_plan_confirm_domain(plan, i));
}

/* Ask on the terminal: 1 yes, 0 no, -1 no terminal. */
static int
confirm(const pacc_login_plan *plan, const char *from, const char *issuer)
{
	char ans[16];
	size_t n = 0;
	FILE *tty;
	int fd, c;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || (tty = fdopen(fd, "r+")) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	show_plan(tty, plan, from, issuer);
	fprintf(tty, "%s for %s there? [y/N] ",
	    issuer ? "Sign in and send the token" : "Send the password",
	    pacc_login_plan_address(plan));
	fflush(tty);
	while ((c = fgetc(tty)) != EOF && c != '\n')
		if (n + 1 < sizeof(ans))
			ans[n++] = (char)c;
	ans[n] = '\0';
	fclose(tty);
	return strcasecmp(ans, "y") == 0 || strcasecmp(ans, "yes") == 0;
}

static const char *
class_label(pacc_login_class c)
{
	return pacc_login_class_name(c);
}

static void
print_text(const pacc_login_result *lr, const pacc_oauth_result *oa)
{
	size_t n = pacc_login_result_server_count(lr), ok;

	if (oa && pacc_oauth_result_status(oa) == PACC_OK)
		printf("%-19s token %s from %s (client id %s), scopes: %s\n",
		    "oauth", pacc_oauth_result_token_source(oa),
		    pacc_oauth_result_issuer(oa),
		    pacc_oauth_result_client_source(oa),
		    pacc_oauth_result_scope(oa) ? pacc_oauth_result_scope(oa)
						: "(not said)");

	for (size_t i = 0; i < n; i++) {
		const pacc_login_server *s = pacc_login_result_server(lr, i);

		printf("%-19s %s\n", class_label(pacc_login_server_class(s)),
		    pacc_login_server_detail(s));
	}
	ok = pacc_login_result_count_class(lr, PACC_LOGIN_OK);
	printf("login: %s (%zu of %zu server%s ok)\n",
	    pacc_login_status_name(pacc_login_result_status(lr)), ok, n,
	    n == 1 ? "" : "s");
}

static int
print_json(const pacc_login_result *lr)
{
	char *s = NULL;

	if (pacc_login_result_to_json(&s, lr, PACC_JSON_PRETTY) != PACC_OK) {
		fprintf(stderr, "pacc: out of memory\n");
		return -1;
	}
	puts(s);
	free(s);
	return 0;
}

int
cmd_login(struct tool_opts *o)
{
	pacc_discover_opts dopts = PACC_DISCOVER_OPTS_INIT;
	pacc_login_opts lopts = PACC_LOGIN_OPTS_INIT;
	pacc_login_result *lr = NULL;
	pacc_login_plan *plan = NULL;
	pacc_result *res = NULL;
	pacc_oauth_result *oa = NULL;
	pacc_ctx *ctx = NULL;
	const char *issuer = NULL;
	char *password = NULL, why[300], from[200];
	bool use_oauth;
	int rc, status;

	if (o->nargs != 1) {
		fprintf(stderr,
		    "pacc: login takes exactly one ADDRESS\n"
		    "Try 'pacc --help'.\n");
		return EXIT_USAGE;
	}
	if (!o->yes && !terminal_available()) {
		fprintf(stderr,
		    "pacc: login asks on the terminal before any password "
		    "leaves, and there is none: run it on a terminal, or "
		    "confirm in advance with --yes\n");
		return EXIT_USAGE;
	}
	if ((status = password_check(o)) != EXIT_FOUND)
		return status;
	if (o->print_token && o->json) {
		fprintf(stderr,
		    "pacc: --print-token and --json exclude each other: "
		    "tokens never go into JSON\n"
		    "Try 'pacc --help'.\n");
		return EXIT_USAGE;
	}
	if (o->nservers > 0 && o->oauth && o->oauth_issuer == NULL) {
		fprintf(stderr,
		    "pacc: --oauth with --server needs --oauth-issuer URL\n"
		    "Try 'pacc --help'.\n");
		return EXIT_USAGE;
	}
	if (pacc_ctx_new(&ctx) != PACC_OK) {
		fprintf(stderr, "pacc: out of memory\n");
		return EXIT_ENVIRONMENT;
	}
	if ((status = tool_setup_ctx(ctx, o)) != EXIT_FOUND)
		goto out;
	if (o->nservers > 0) {
		rc = pacc_login_plan_from_urls(&plan, o->args[0],
		    (const char *const *)o->servers, (size_t)o->nservers, why,
		    sizeof(why));
		if (rc != PACC_OK) {
			fprintf(stderr, "pacc: %s\n",
			    rc == PACC_ENOMEM ? "out of memory" : why);
			status = rc == PACC_ENOMEM ? EXIT_ENVIRONMENT
						   : EXIT_USAGE;
			goto out;
		}
		snprintf(from, sizeof(from), "given with --server");
	} else {
		if (o->insecure_http)
			dopts.flags |= PACC_DISCOVER_INSECURE_HTTP;
		dopts.ispdb_dir = o->ispdb_dir;
		dopts.ispdb_url = o->ispdb_url;
		dopts.doh_url = o->doh;
		rc = pacc_discover_sync(&res, ctx, o->args[0], &dopts);
		if (rc != PACC_OK || res == NULL) {
			fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
			status = EXIT_ENVIRONMENT;
			goto out;
		}
		if (pacc_login_plan_from_result(&plan, res) != PACC_OK) {
			fprintf(stderr, "pacc: out of memory\n");
			status = EXIT_ENVIRONMENT;
			goto out;
		}
		if (pacc_result_outcome(res) != PACC_RESULT_FOUND) {
			/* nothing to log in to: say why, as discover would */
			if (pacc_login_result_declined(&lr, plan) != PACC_OK) {
				status = EXIT_ENVIRONMENT;
				goto out;
			}
			if (o->json)
				print_json(lr);
			else
				fprintf(stderr, "pacc: %s: %s\n", o->args[0],
				    pacc_result_errmsg(res));
			status = exit_of(pacc_login_result_status(lr), res);
			goto out;
		}
		snprintf(from, sizeof(from), "found by %s%s",
		    pacc_mechanism_name(
			(pacc_mechanism)pacc_result_mechanism(res)),
		    pacc_result_confirm_required(res) ? ", not authenticated"
						      : ", authenticated");
	}
	issuer = oauth_issuer_of(o, res);
	use_oauth = oauth_wanted(o, plan, issuer);
	if (use_oauth && issuer == NULL) {
		fprintf(stderr,
		    "pacc: %s: the configuration names no OAuth issuer "
		    "(--oauth-issuer URL names one)\n",
		    o->args[0]);
		status = EXIT_NEGATIVE;
		goto out;
	}
	if (!use_oauth)
		issuer = NULL;
	if (o->yes) {
		if (!o->json)
			show_plan(stderr, plan, from, issuer);
	} else {
		rc = confirm(plan, from, issuer);
		if (rc != 1) {
			if (rc < 0)
				fprintf(stderr,
				    "pacc: no terminal to ask on\n");
			else
				fprintf(stderr,
				    "pacc: not confirmed: no "
				    "password was sent\n");
			if (pacc_login_result_declined(&lr, plan) != PACC_OK) {
				status = EXIT_ENVIRONMENT;
				goto out;
			}
			if (o->json)
				print_json(lr);
			status = rc < 0 ? EXIT_USAGE : EXIT_NEGATIVE;
			goto out;
		}
	}
	if (use_oauth) {
		rc = oauth_obtain(&oa, ctx, o, plan, issuer);
		if (rc != PACC_OK || oa == NULL) {
			fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
			status = rc == PACC_EINVAL ? EXIT_USAGE
						   : EXIT_ENVIRONMENT;
			goto out;
		}
		if (pacc_oauth_result_status(oa) != PACC_OK)
			fprintf(stderr, "pacc: oauth: %s (%s)\n",
			    pacc_oauth_result_detail(oa),
			    pacc_status_name(pacc_oauth_result_status(oa)));
		else if (o->print_token)
			printf("%s\n", pacc_oauth_result_access_token(oa));
		lopts.oauth = oa;
	} else if ((status = password_read(&password, o,
			pacc_login_plan_address(plan))) != EXIT_FOUND) {
		goto out;
	}
	rc = pacc_login_sync(&lr, ctx, plan, password, &lopts);
	password_free(password);
	password = NULL;
	if (rc != PACC_OK || lr == NULL) {
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
		status = EXIT_ENVIRONMENT;
		goto out;
	}
	if (o->json) {
		if (print_json(lr) != 0) {
			status = EXIT_ENVIRONMENT;
			goto out;
		}
	} else {
		print_text(lr, oa);
	}
	status = exit_of(pacc_login_result_status(lr), res);
	if (pacc_login_result_status(lr) == PACC_LOGIN_STATUS_OAUTH_FAILURE)
		status = oauth_exit(pacc_oauth_result_status(oa));
out:
	pacc_oauth_result_free(oa);
	password_free(password);
	pacc_login_result_free(lr);
	pacc_login_plan_free(plan);
	pacc_result_free(res);
	pacc_ctx_free(ctx);
	return status;
}
