/* SPDX-License-Identifier: MIT */
/* pacc(1): one client of the public API among others. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tool.h"

static const char usage_discover[] =
    "Usage: pacc discover [OPTIONS] ADDRESS\n"
    "       pacc probe [OPTIONS] ADDRESS | --server URL...\n"
    "       pacc login [OPTIONS] [--server URL...] ADDRESS\n"
    "       pacc publish [--domain DOMAIN] [--mx HOST] [--alg ALG] [--json] "
    "FILE.json\n"
    "       pacc convert [--domain DOMAIN] [--json] FILE\n"
    "       pacc scan [OPTIONS] [-j N] [-o FILE] FILE\n"
    "       pacc check [OPTIONS] DOMAIN\n"
    "Find every server for an email address and say how far it can be "
    "trusted;\n"
    "probe the servers without credentials; test a real login.\n"
    "check: audit a provider's deployment of DOMAIN (exit 1 on any FAIL).\n"
    "\n"
    "Options (before or after the address):\n"
    "      --json               print one JSON object "
    "(doc/discover.schema.json)\n"
    "      --resolver ADDR[@PORT]  use only this DNS server\n"
    "      --trust-anchor FILE  DNSSEC trust anchor (DS/DNSKEY lines);\n"
    "                           default /usr/share/dns/root.key\n"
    "      --ca-file FILE       also trust the CA certificates in FILE\n"
    "      --timeout SECONDS    overall deadline, decimals allowed "
    "(default 10)\n"
    "      --mechanisms LIST    comma-separated mechanisms to run "
    "(default all)\n"
    "      --insecure-http      allow plain http:// where a mechanism "
    "permits it\n"
    "      --ispdb DIR          local ISPDB directory\n"
    "      --ispdb-url URL      online ISPDB base URL (\"\" disables it)\n"
    "      --doh URL            cross-check the DNS answers used over this "
    "DoH server\n"
    "      --compare FILE       report what changed since a saved --json "
    "result\n"
    "      --server URL         probe/login this server (repeatable): "
    "imaps://,\n"
    "                           imap://, pop3s://, pop3://, submissions://,\n"
    "                           submission://, sieve://, jmap+https://,\n"
    "                           caldav+https://, carddav+https://\n"
    "      --yes                login: the domains are confirmed (scripts)\n"
    "      --password-fd N      login: read the password from descriptor N\n"
    "      --password-env NAME  login: read the password from variable "
    "NAME\n"
    "      --domain DOMAIN      publish: print the full zone line, the "
    "nginx\n"
    "                           snippet and the MX-hoster records for "
    "DOMAIN;\n"
    "                           convert: the domain the document is for\n"
    "      --mx HOST            publish: the MX host of the MX-hoster "
    "form\n"
    "      --alg ALG            publish: digest algorithm: sha256 "
    "(default),\n"
    "                           sha512, sha3-512\n"
    "  -j, --jobs N             scan: at most N discoveries at a time "
    "(default 16)\n"
    "  -o, --output FILE        scan: append the JSON lines to FILE, "
    "skipping\n"
    "                           the inputs it already has (resume)\n"
    "      --oauth              login: use OAuth (the issuer of the "
    "configuration)\n"
    "      --no-browser         login: only print the authorization URL\n"
    "      --oauth-timeout SECONDS  login: wait this long for the browser "
    "(default 300)\n"
    "      --oauth-client-id ID login: this client id instead of "
    "registering\n"
    "                           (\"open\" is the earlier draft's)\n"
    "      --oauth-issuer URL   login: the OAuth issuer (for --server)\n"
    "      --token-file FILE    login: keep the OAuth token in FILE (0600) "
    "and re-use it\n"
    "      --print-token        login: print the OAuth access token on "
    "standard output\n"
    "  -v, --verbose            log progress to standard error\n"
    "  -h, --help               show this help and exit\n"
    "  -V, --version            show the version and exit\n";

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pacc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'pacc --help'.\n");
	return EXIT_USAGE;
}

static int
parse_timeout(const char *s, long *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v > 0) || v > 3600)
		return -1;
	*ms = (long)(v * 1000.0 + 0.5);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

/* Options with a value: "--name VALUE" or "--name=VALUE". */
static const char *
take_value(int argc, char **argv, int *i, const char *name, bool *matched)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	*matched = false;
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=') {
		*matched = true;
		return a + n + 1;
	}
	if (a[n] != '\0')
		return NULL;
	*matched = true;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int
main(int argc, char **argv)
{
	struct tool_opts o;
	const char *cmd = NULL, *v;
	bool m, only_args = false;

	memset(&o, 0, sizeof(o));
	o.password_fd = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (only_args || a[0] != '-' || a[1] == '\0') {
			if (cmd == NULL)
				cmd = a;
			else if (o.nargs <
			    (int)(sizeof(o.args) / sizeof(o.args[0])))
				o.args[o.nargs++] = a;
			else
				return usage_error("too many arguments");
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_discover, stdout);
			return 0;
		} else if (strcmp(a, "-V") == 0 ||
		    strcmp(a, "--version") == 0) {
			printf("pacc %s\n", pacc_version());
			return 0;
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else if (strcmp(a, "-v") == 0 ||
		    strcmp(a, "--verbose") == 0) {
			o.verbose++;
		} else if (strcmp(a, "--insecure-http") == 0) {
			o.insecure_http = true;
		} else if (strcmp(a, "--yes") == 0) {
			o.yes = true;
		} else if (strcmp(a, "--oauth") == 0) {
			o.oauth = true;
		} else if (strcmp(a, "--no-browser") == 0) {
			o.no_browser = true;
		} else if (strcmp(a, "--print-token") == 0) {
			o.print_token = true;
		} else if ((v = take_value(argc, argv, &i, "--oauth-timeout",
				&m)),
		    m) {
			if (v == NULL ||
			    parse_timeout(v, &o.oauth_timeout_ms) != 0)
				return usage_error("--oauth-timeout takes a "
						   "number of seconds in (0, "
						   "3600], not '%s'",
				    v ? v : "");
		} else if ((v = take_value(argc, argv, &i, "--oauth-client-id",
				&m)),
		    m) {
			if (v == NULL || *v == '\0')
				return usage_error("%s needs a value", a);
			o.oauth_client_id = v;
		} else if ((v = take_value(argc, argv, &i, "--oauth-issuer",
				&m)),
		    m) {
			if (v == NULL || strncmp(v, "https://", 8) != 0)
				return usage_error("--oauth-issuer takes an "
						   "https:// issuer URL, not "
						   "'%s'",
				    v ? v : "");
			o.oauth_issuer = v;
		} else if ((v = take_value(argc, argv, &i, "--token-file", &m)),
		    m) {
			if (v == NULL || *v == '\0')
				return usage_error("%s needs a value", a);
			o.token_file = v;
		} else if ((v = take_value(argc, argv, &i, "--server", &m)),
		    m) {
			if (v == NULL)
				return usage_error("%s needs a value", a);
			if (o.nservers == TOOL_MAX_SERVERS)
				return usage_error("at most %d --server",
				    TOOL_MAX_SERVERS);
			o.servers[o.nservers++] = v;
		} else if ((v = take_value(argc, argv, &i, "--password-fd",
				&m)),
		    m) {
			char *end;
			long fd;

			if (v == NULL)
				return usage_error("%s needs a value", a);
			fd = strtol(v, &end, 10);
			if (*v == '\0' || *end != '\0' || fd < 0 ||
			    fd > 1000000)
				return usage_error("--password-fd takes a file "
						   "descriptor number, not "
						   "'%s'",
				    v);
			o.password_fd = (int)fd;
		} else if ((v = take_value(argc, argv, &i, "--password-env",
				&m)),
		    m) {
			if (v == NULL || *v == '\0')
				return usage_error("%s needs a value", a);
			o.password_env = v;
		} else if (((v = take_value(argc, argv, &i, "-j", &m)), m) ||
		    ((v = take_value(argc, argv, &i, "--jobs", &m)), m)) {
			char *end;
			long n;

			n = v ? strtol(v, &end, 10) : 0;
			if (v == NULL || *v == '\0' || *end != '\0' || n < 1 ||
			    n > 4096)
				return usage_error("%s takes a number of "
						   "discoveries in [1, 4096], "
						   "not '%s'",
				    a, v ? v : "");
			o.jobs = n;
		} else if (((v = take_value(argc, argv, &i, "-o", &m)), m) ||
		    ((v = take_value(argc, argv, &i, "--output", &m)), m)) {
			if (v == NULL || *v == '\0')
				return usage_error("%s needs a value", a);
			o.output = v;
		} else if ((v = take_value(argc, argv, &i, "--resolver", &m)),
		    m) {
			if (v == NULL)
				return usage_error("%s needs a value", a);
			o.resolver = v;
		} else if ((v = take_value(argc, argv, &i, "--trust-anchor",
				&m)),
		    m) {
			if (v == NULL)
				return usage_error("%s needs a value", a);
			o.trust_anchor = v;
		} else if ((v = take_value(argc, argv, &i, "--ca-file", &m)),
		    m) {
			if (v == NULL)
				return usage_error("%s needs a value", a);
			o.ca_file = v;
		} else if ((v = take_value(argc, argv, &i, "--timeout", &m)),
		    m) {
			if (v == NULL || parse_timeout(v, &o.timeout_ms) != 0)
				return usage_error("--timeout takes a number "
						   "of seconds in (0, 3600], "
						   "not '%s'",
				    v ? v : "");
		} else if ((v = take_value(argc, argv, &i, "--mechanisms", &m)),
		    m) {
			if (v == NULL ||
			    pacc_mechanisms_parse(&o.mechanisms, v) != PACC_OK)
				return usage_error(
				    "--mechanisms takes a comma-separated list "
				    "of pacc, pacc-mx, pacc-srv, webfinger, "
				    "srv, autoconfig, autodiscover, ispdb, "
				    "guess; not '%s'",
				    v ? v : "");
		} else if ((v = take_value(argc, argv, &i, "--compare", &m)),
		    m) {
			if (v == NULL)
				return usage_error("%s needs a value", a);
			o.compare = v;
		} else if ((v = take_value(argc, argv, &i, "--doh", &m)), m) {
			if (v == NULL || strncasecmp(v, "https://", 8) != 0)
				return usage_error("--doh takes an https:// "
						   "DNS-over-HTTPS URL, not "
						   "'%s'",
				    v ? v : "");
			o.doh = v;
		} else if ((v = take_value(argc, argv, &i, "--ispdb-url", &m)),
		    m) {
			if (v == NULL)
				return usage_error("%s needs a value", a);
			o.ispdb_url = v;
		} else if ((v = take_value(argc, argv, &i, "--domain", &m)),
		    m) {
			if (v == NULL || *v == '\0')
				return usage_error("%s needs a value", a);
			o.domain = v;
		} else if ((v = take_value(argc, argv, &i, "--mx", &m)), m) {
			if (v == NULL || *v == '\0')
				return usage_error("%s needs a value", a);
			o.mx = v;
		} else if ((v = take_value(argc, argv, &i, "--alg", &m)), m) {
			if (v == NULL || *v == '\0')
				return usage_error("%s needs a value", a);
			o.alg = v;
		} else if ((v = take_value(argc, argv, &i, "--ispdb", &m)), m) {
			if (v == NULL)
				return usage_error("%s needs a value", a);
			o.ispdb_dir = v;
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	if (cmd == NULL)
		return usage_error("no command given");
	if (strcmp(cmd, "discover") == 0)
		return cmd_discover(&o);
	if (strcmp(cmd, "probe") == 0)
		return cmd_probe(&o);
	if (strcmp(cmd, "login") == 0)
		return cmd_login(&o);
	if (strcmp(cmd, "publish") == 0)
		return cmd_publish(&o);
	if (strcmp(cmd, "convert") == 0)
		return cmd_convert(&o);
	if (strcmp(cmd, "scan") == 0)
		return cmd_scan(&o);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(&o);
	return usage_error("unknown command '%s'", cmd);
}
