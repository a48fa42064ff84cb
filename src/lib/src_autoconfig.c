/* SPDX-License-Identifier: MIT */
/*
 * Mozilla autoconfig (DESIGN §1 rank 6): clientConfig v1.1 from
 * https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress=... and
 * https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml, in that
 * order of preference, fetched in parallel.  Plain http:// only with
 * --insecure-http (PACC_DISCOVER_INSECURE_HTTP), and the result says so:
 * Thunderbird's silent fallback to http is what this mechanism must not
 * repeat (notes/peer-clients.md).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define AC_PATH "/mail/config-v1.1.xml"
#define AC_WELLKNOWN "/.well-known/autoconfig" AC_PATH
#define NSRC 3

struct source {
	struct src_ac *owner;
	struct pacc__fetch *f;
	char url[4096]; /* an address of up to 1 KiB, percent-encoded */
	bool used;
	bool done;
	int status;
	const char *code;
	char *detail;
	unsigned char *body;
	size_t len;
};

struct src_ac {
	struct pacc__mech *m;
	struct source s[NSRC];
	bool finished;
};

static void decide(struct src_ac *a);

/* RFC 3986 unreserved characters stay; everything else is %XX. */
static void
pct_encode(char *out, size_t cap, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in && o + 4 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static void
fetched(void *ud, const struct pacc__fetch_result *r)
{
	struct source *src = ud;

	src->f = NULL;
	src->done = true;
	src->status = r->status;
	src->code = r->code;
	src->detail = pacc__strdup(r->detail);
	if (r->status == PACC_OK && (src->body = pacc__malloc(r->len + 1))) {
		memcpy(src->body, r->body, r->len);
		src->body[r->len] = '\0';
		src->len = r->len;
	}
	decide(src->owner);
}

static void
finish(struct src_ac *a)
{
	a->finished = true;
	for (int i = 0; i < NSRC; i++) {
		pacc__fetch_cancel(a->s[i].f);
		a->s[i].f = NULL;
	}
	pacc__mech_done(a->m);
}

/* Take sources in preference order; wait while a better one runs. */
static void
decide(struct src_ac *a)
{
	struct pacc__mech *m = a->m;
	char tried[900] = "", why[200];
	bool insecure_ok = (m->disc->flags & PACC_DISCOVER_INSECURE_HTTP) != 0;
	const char *fail_code = NULL;

	if (a->finished)
		return;
	for (int i = 0; i < NSRC; i++) {
		struct source *s = &a->s[i];
		struct pacc__config *cfg = NULL;
		size_t nplain = 0, l;
		int rc;

		if (!s->used)
			continue;
		if (!s->done)
			return;
		l = strlen(tried);
		if (s->status != PACC_OK) {
			snprintf(tried + l, sizeof(tried) - l, "%s%s: %s",
			    l ? "; " : "", s->url,
			    s->code ? s->code : "failed");
			if (s->code && strcmp(s->code, "dnssec-bogus") == 0) {
				m->decisive = true;
				pacc__mech_report(m, PACC_ATTEMPT_FAILED,
				    "dnssec-bogus", "%s", s->detail);
				finish(a);
				return;
			}
			continue;
		}
		rc = pacc__autoconfig_parse(&cfg, s->body, s->len,
		    m->disc->addr.address, insecure_ok, &nplain, why,
		    sizeof(why));
		if (rc == PACC_OK) {
			cfg->insecure = strncmp(s->url, "http:", 5) == 0;
			m->source = pacc__strdup(s->url);
			pacc__mech_report(m, PACC_ATTEMPT_OK, NULL,
			    "%zu servers from %s%s%s", cfg->nservers, s->url,
			    cfg->insecure ? " (plain http: NOT protected, "
					    "flagged)"
					  : "",
			    nplain ? " (plaintext servers skipped)" : "");
			if (pacc__mech_add_config(m, cfg) != PACC_OK)
				pacc__mech_report(m, PACC_ATTEMPT_FAILED,
				    "internal-error", "out of memory");
			finish(a);
			return;
		}
		if (rc == PACC_ENOMEM) {
			pacc__mech_report(m, PACC_ATTEMPT_FAILED,
			    "internal-error", "out of memory");
			finish(a);
			return;
		}
		fail_code = "invalid-document";
		snprintf(tried + l, sizeof(tried) - l, "%s%s: %s",
		    l ? "; " : "", s->url, why);
	}
	if (fail_code)
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, fail_code,
		    "no usable clientConfig: %s", tried);
	else
		pacc__mech_report(m, PACC_ATTEMPT_ABSENT, NULL,
		    "no clientConfig served over https%s: %s",
		    insecure_ok ? " or http"
				: " (http not tried without "
				  "--insecure-http)",
		    tried);
	finish(a);
}

static int
ac_start(struct pacc__mech *m)
{
	struct src_ac *a = pacc__calloc(1, sizeof(*a));
	const char *d = m->disc->addr.domain;
	char enc[PACC__MAX_INPUT_BYTES * 3 + 1];
	int rc;

	if (a == NULL)
		return PACC_ENOMEM;
	a->m = m;
	m->priv = a;
	pct_encode(enc, sizeof(enc), m->disc->input);
	snprintf(a->s[0].url, sizeof(a->s[0].url),
	    "https://autoconfig.%s" AC_PATH "?emailaddress=%s", d, enc);
	snprintf(a->s[1].url, sizeof(a->s[1].url), "https://%s" AC_WELLKNOWN,
	    d);
	snprintf(a->s[2].url, sizeof(a->s[2].url),
	    "http://autoconfig.%s" AC_PATH "?emailaddress=%s", d, enc);
	for (int i = 0; i < NSRC; i++) {
		struct pacc__fetch_opts fo;

		if (i == 2 && !(m->disc->flags & PACC_DISCOVER_INSECURE_HTTP))
			break;
		memset(&fo, 0, sizeof(fo));
		fo.url = a->s[i].url;
		fo.max_body = PACC__MAX_XML_BYTES;
		fo.timeout_ms = pacc__mech_remaining_ms(m);
		fo.accept = "application/xml, text/xml";
		fo.allow_http = i == 2;
		a->s[i].owner = a;
		a->s[i].used = true;
		if ((rc = pacc__fetch_start(&a->s[i].f, m->disc->ctx, &fo,
			 fetched, &a->s[i])) != PACC_OK)
			return rc;
	}
	return PACC_OK;
}

static void
ac_stop(struct pacc__mech *m)
{
	struct src_ac *a = m->priv;

	if (a == NULL)
		return;
	for (int i = 0; i < NSRC; i++) {
		pacc__fetch_cancel(a->s[i].f);
		pacc__free(a->s[i].detail);
		pacc__free(a->s[i].body);
	}
	pacc__free(a);
	m->priv = NULL;
}

const struct pacc__mech_ops pacc__src_autoconfig_ops = {
	.id = PACC_MECH_AUTOCONFIG,
	.start = ac_start,
	.stop = ac_stop,
	.deadline = NULL,
};
