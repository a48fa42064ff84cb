/* SPDX-License-Identifier: MIT */
/*
 * pacc publish [--domain DOMAIN] [--mx HOST] [--alg ALG] [--json] FILE.json
 *
 * Exit status: 0 the document is valid (warnings allowed) and the record
 * is printed; 1 the document is invalid (an error finding; no record is
 * printed, so that a script cannot publish it); 2 usage or an unreadable
 * file; 4 out of memory.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider_out.h"
#include "tool.h"

#define TTL 3600
#define WK "/.well-known/user-agent-configuration.json"

struct pub {
	const char *file;
	char *abspath;
	size_t len;
	pacc_diags *d;
	char *value;  /* record value, NULL when invalid */
	char *domain; /* A-label, or NULL */
	char *mx;     /* A-label, or NULL */
	bool valid;
};

static void
zone_line(FILE *f, const char *prefix, const char *owner, const char *value)
{
	fprintf(f, "%s_ua-auto-config.%s. %d IN TXT \"%s\"\n", prefix, owner,
	    TTL, value);
}

/* The nginx server block, each line after `prefix`. */
static void
nginx_snippet(FILE *f, const char *prefix, const struct pub *p,
    const char *host)
{
	fprintf(f,
	    "%sserver {\n"
	    "%s    listen 443 ssl;\n"
	    "%s    listen [::]:443 ssl;\n"
	    "%s    server_name %s;\n"
	    "%s    # a certificate that names %s\n"
	    "%s    ssl_certificate /etc/ssl/certs/%s.pem;\n"
	    "%s    ssl_certificate_key /etc/ssl/private/%s.key;\n"
	    "%s    ssl_protocols TLSv1.3;  # PACC clients require TLS 1.3\n"
	    "%s    location = " WK " {\n"
	    "%s        # FILE as it is: the digest covers these exact bytes\n"
	    "%s        alias %s;\n"
	    "%s        types { }\n"
	    "%s        default_type application/json;\n"
	    "%s        gzip off;\n"
	    "%s        add_header Access-Control-Allow-Origin \"*\";\n"
	    "%s    }\n"
	    "%s    # no redirects: clients do not follow them\n"
	    "%s    location / { return 404; }\n"
	    "%s}\n",
	    prefix, prefix, prefix, prefix, host, prefix, host, prefix, host,
	    prefix, host, prefix, prefix, prefix, prefix, p->abspath, prefix,
	    prefix, prefix, prefix, prefix, prefix, prefix, prefix);
}

static void
print_text(const struct pub *p)
{
	const char *mx = p->mx ? p->mx : "MXHOST";
	char *parent;

	if (p->domain == NULL) {
		puts(p->value);
		return;
	}
	printf("; pacc publish: %s (%zu bytes): valid, %zu warning(s)\n",
	    p->file, p->len,
	    pacc_diags_count_severity(p->d, PACC_SEVERITY_WARNING));
	printf("; 1. DNS, zone %s: the digest record (publish it again "
	       "whenever the file changes;\n"
	       ";    during a change keep the old record beside the new one "
	       "for one TTL)\n",
	    p->domain);
	zone_line(stdout, "", p->domain, p->value);
	printf(";    and an address for the document's host, e.g.\n"
	       "; ua-auto-config.%s. %d IN CNAME www.%s.\n",
	    p->domain, TTL, p->domain);
	printf(";\n; 2. HTTPS: serve the file byte for byte at\n"
	       ";    https://ua-auto-config.%s" WK "\n"
	       ";    (TLS 1.3, a certificate for ua-auto-config.%s, no "
	       "redirect, at most 65536 bytes,\n"
	       ";    Content-Type: application/json, no compression). "
	       "nginx:\n",
	    p->domain, p->domain);
	{
		char host[300];

		snprintf(host, sizeof(host), "ua-auto-config.%s", p->domain);
		nginx_snippet(stdout, ";   ", p, host);
	}
	parent = strchr(mx, '.');
	printf(";\n; 3. MX-hoster form (PACC MX fallback), for a mail hoster "
	       "whose MX host is %s:\n"
	       ";    the hoster serves the same bytes at "
	       "https://ua-auto-config.%s" WK "\n"
	       ";    (or at its parent, ua-auto-config.%s) with the record\n",
	    mx, mx, parent ? parent + 1 : "PARENT");
	zone_line(stdout, "; ", mx, p->value);
	printf(";    and every customer domain publishes MTA-STS in enforce "
	       "mode naming the MX host:\n"
	       "; _mta-sts.%s. %d IN TXT \"v=STSv1; id=<a new id per policy "
	       "change>\"\n"
	       ";    https://mta-sts.%s/.well-known/mta-sts.txt:\n"
	       ";      version: STSv1\n"
	       ";      mode: enforce\n"
	       ";      mx: %s\n"
	       ";      max_age: 604800\n"
	       ";    Every MX host of the best preference needs a "
	       "byte-identical document.\n",
	    p->domain, TTL, p->domain, mx);
}

static void
print_json(const struct pub *p)
{
	char line[1024];

	printf("{\n  \"file\": ");
	tool_json_str(stdout, p->file);
	printf(",\n  \"bytes\": %zu,\n  \"valid\": %s,\n", p->len,
	    p->valid ? "true" : "false");
	printf("  \"errors\": %zu,\n  \"warnings\": %zu,\n",
	    pacc_diags_count_severity(p->d, PACC_SEVERITY_ERROR),
	    pacc_diags_count_severity(p->d, PACC_SEVERITY_WARNING));
	printf("  \"diagnostics\": ");
	tool_json_diags(stdout, p->d, "  ");
	printf(",\n  \"domain\": ");
	tool_json_str(stdout, p->domain);
	printf(",\n  \"record\": ");
	if (p->value == NULL) {
		printf("null");
	} else {
		const char *a = strstr(p->value, "a=");
		size_t alen = a ? strcspn(a + 2, ";") : 0;

		printf("{\n    \"algorithm\": \"%.*s\",\n    \"value\": ",
		    (int)alen, a ? a + 2 : "");
		tool_json_str(stdout, p->value);
		printf(",\n    \"ttl\": %d,\n    \"name\": ", TTL);
		if (p->domain) {
			snprintf(line, sizeof(line), "_ua-auto-config.%s.",
			    p->domain);
			tool_json_str(stdout, line);
			snprintf(line, sizeof(line),
			    "_ua-auto-config.%s. %d IN TXT \"%s\"", p->domain,
			    TTL, p->value);
			printf(",\n    \"zone_line\": ");
			tool_json_str(stdout, line);
		} else {
			printf("null,\n    \"zone_line\": null");
		}
		printf("\n  }");
	}
	printf(",\n  \"url\": ");
	if (p->domain && p->value) {
		snprintf(line, sizeof(line), "https://ua-auto-config.%s" WK,
		    p->domain);
		tool_json_str(stdout, line);
	} else {
		printf("null");
	}
	printf(",\n  \"mx_hoster\": ");
	if (p->domain && p->value && p->mx) {
		const char *parent = strchr(p->mx, '.');

		printf("{\n    \"mx\": ");
		tool_json_str(stdout, p->mx);
		snprintf(line, sizeof(line),
		    "_ua-auto-config.%s. %d IN TXT \"%s\"", p->mx, TTL,
		    p->value);
		printf(",\n    \"zone_line\": ");
		tool_json_str(stdout, line);
		printf(",\n    \"urls\": [");
		snprintf(line, sizeof(line), "https://ua-auto-config.%s" WK,
		    p->mx);
		tool_json_str(stdout, line);
		if (parent && strchr(parent + 1, '.')) {
			snprintf(line, sizeof(line),
			    "https://ua-auto-config.%s" WK, parent + 1);
			printf(", ");
			tool_json_str(stdout, line);
		}
		printf("],\n    \"mta_sts_txt\": ");
		snprintf(line, sizeof(line),
		    "_mta-sts.%s. %d IN TXT \"v=STSv1; id=ID\"", p->domain,
		    TTL);
		tool_json_str(stdout, line);
		printf(",\n    \"mta_sts_policy\": ");
		snprintf(line, sizeof(line),
		    "version: STSv1\nmode: enforce\nmx: %s\nmax_age: 604800\n",
		    p->mx);
		tool_json_str(stdout, line);
		printf("\n  }");
	} else {
		printf("null");
	}
	printf(",\n  \"nginx\": ");
	if (p->domain && p->value) {
		char *buf = NULL, host[300];
		size_t blen = 0;
		FILE *m = open_memstream(&buf, &blen);

		snprintf(host, sizeof(host), "ua-auto-config.%s", p->domain);
		if (m != NULL) {
			nginx_snippet(m, "", p, host);
			fclose(m);
		}
		tool_json_str(stdout, buf ? buf : "");
		free(buf);
	} else {
		printf("null");
	}
	printf("\n}\n");
}

int
cmd_publish(struct tool_opts *o)
{
	struct pub p;
	unsigned char *doc = NULL;
	char real[PATH_MAX];
	int rc, ex = EXIT_USAGE;

	memset(&p, 0, sizeof(p));
	if (o->nargs != 1) {
		fprintf(stderr,
		    "pacc: publish takes one FILE.json\n"
		    "Try 'pacc --help'.\n");
		return EXIT_USAGE;
	}
	p.file = o->args[0];
	if (o->domain != NULL) {
		rc = pacc_domain_to_ascii(&p.domain, o->domain);
		if (rc != PACC_OK) {
			fprintf(stderr,
			    "pacc: --domain '%s' is not a valid domain\n",
			    o->domain);
			return rc == PACC_ENOMEM ? EXIT_ENVIRONMENT
						 : EXIT_USAGE;
		}
	}
	if (o->mx != NULL) {
		rc = pacc_domain_to_ascii(&p.mx, o->mx);
		if (rc != PACC_OK) {
			fprintf(stderr, "pacc: --mx '%s' is not a valid host\n",
			    o->mx);
			ex = rc == PACC_ENOMEM ? EXIT_ENVIRONMENT : EXIT_USAGE;
			goto out;
		}
	}
	if (tool_read_file(p.file, &doc, &p.len) != 0)
		goto out;
	p.abspath = strdup(strcmp(p.file, "-") != 0 && realpath(p.file, real)
		? real
		: "/srv/pacc/user-agent-configuration.json");
	if (p.abspath == NULL) {
		ex = EXIT_ENVIRONMENT;
		goto out;
	}
	rc = pacc_digest_record(&p.value, doc, p.len, o->alg);
	if (rc == PACC_EUNSUPPORTED) {
		fprintf(stderr,
		    "pacc: --alg takes sha256, sha512 or sha3-512, not "
		    "'%s'\n",
		    o->alg);
		goto out;
	}
	if (rc == PACC_OK)
		rc = pacc_document_validate(&p.d, doc, p.len);
	if (rc != PACC_OK) {
		fprintf(stderr, "pacc: %s\n", pacc_strerror(rc));
		ex = EXIT_ENVIRONMENT;
		goto out;
	}
	p.valid = pacc_diags_count_severity(p.d, PACC_SEVERITY_ERROR) == 0;
	if (!p.valid) {
		free(p.value);
		p.value = NULL;
	}
	if (o->json) {
		print_json(&p);
	} else {
		tool_print_diags(p.file, p.d);
		if (p.valid)
			print_text(&p);
		else
			fprintf(stderr,
			    "pacc: %s is not a valid PACC document (%zu "
			    "error(s)); no record printed\n",
			    p.file,
			    pacc_diags_count_severity(p.d,
				PACC_SEVERITY_ERROR));
	}
	ex = p.valid ? EXIT_FOUND : EXIT_NEGATIVE;
	if (fflush(stdout) != 0)
		ex = EXIT_ENVIRONMENT;
out:
	free(doc);
	free(p.abspath);
	free(p.value);
	free(p.domain);
	free(p.mx);
	pacc_diags_free(p.d);
	return ex;
}
