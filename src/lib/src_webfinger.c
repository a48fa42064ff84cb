/* SPDX-License-Identifier: MIT */
/*
 * WebFinger (RFC 7033) with draft-jones-webfinger-email-autoconfig-00, DESIGN
 * §1 rank 4: GET https://{domain}/.well-known/webfinger?resource=acct:{addr}
 * &rel=email-autoconfig; every "email-autoconfig" link is one account (its
 * title is the account's name) whose JSON configuration is fetched -- all of
 * them at once, at most PACC__MAX_WF_LINKS.  Each usable one becomes a
 * candidate, in link order; the first usable one is the answer.
 *
 * Trust is TLS only (nothing in DNS vouches for the documents); a link on a
 * host outside the address's registrable domain joins the domains to
 * confirm.  Any DNSSEC-bogus answer met on the way decides (DESIGN §2).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define WF_PATH "/.well-known/webfinger"
#define WF_REL "email-autoconfig"

/* The JRD and each linked configuration are small JSON documents. */
enum { MAX_WF_BYTES = 64 * 1024 };

enum fact { PENDING = 0, GOOD, BAD };

struct wf_link {
	struct src_wf *owner;
	char *href;
	char *title;
	struct pacc__fetch *f;
	enum fact state;
	bool bogus;
	const char *code; /* when BAD */
	char *detail;
	struct pacc__config *cfg;
};

struct src_wf {
	struct pacc__mech *m;
	char *url; /* of the JRD, after redirects */
	unsigned hops;
	struct pacc__fetch *jrd_f;
	enum fact jrd;
	struct wf_link links[PACC__MAX_WF_LINKS];
	size_t nlinks; /* followed */
	size_t ntotal; /* offered by the JRD */
	bool finished;
};

static void decide(struct src_wf *s);

static void
release(struct src_wf *s)
{
	pacc__fetch_cancel(s->jrd_f);
	s->jrd_f = NULL;
	for (size_t i = 0; i < s->nlinks; i++) {
		pacc__fetch_cancel(s->links[i].f);
		s->links[i].f = NULL;
	}
}

static void
wf_free(struct src_wf *s)
{
	release(s);
	for (size_t i = 0; i < s->nlinks; i++) {
		pacc__free(s->links[i].href);
		pacc__free(s->links[i].title);
		pacc__free(s->links[i].detail);
		pacc__config_free(s->links[i].cfg);
	}
	pacc__free(s->url);
	pacc__free(s);
}

static void
finish(struct src_wf *s)
{
	s->finished = true;
	release(s);
	pacc__mech_done(s->m);
}

static bool
is_bogus(const struct pacc__fetch_result *r)
{
	return r->code && strcmp(r->code, "dnssec-bogus") == 0;
}

static void
report_bogus(struct pacc__mech *m, const char *detail)
{
	m->decisive = true;
	m->dnssec = PACC_DNSSEC_BOGUS;
	m->dnssec_reason = "validation-failed";
	pacc__mech_report(m, PACC_ATTEMPT_FAILED, "dnssec-bogus", "%s",
	    detail ? detail : "an address lookup is DNSSEC-bogus");
}

/*
 * RFC 7033 §4.1: the resource is percent-encoded as a query parameter
 * value; every octet outside RFC 3986's unreserved set is escaped ("@",
 * ":" and UTF-8 local parts included).
 */
static int
append_pct(struct pacc__buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
		int rc;

		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			rc = pacc__buf_append(b, p, 1);
		else
			rc = pacc__buf_append(b, e, 3);
		if (rc != PACC_OK)
			return rc;
	}
	return PACC_OK;
}

static bool
outside_domain(const struct pacc__mech *m, const char *host)
{
	char *own = NULL, *theirs = NULL;
	bool outside = true;

	if (pacc__registrable_domain(&own, m->disc->addr.domain) == PACC_OK &&
	    pacc__registrable_domain(&theirs, host) == PACC_OK &&
	    strcmp(own, theirs) == 0)
		outside = false;
	pacc__free(own);
	pacc__free(theirs);
	return outside;
}

static void
link_fetched(void *ud, const struct pacc__fetch_result *r)
{
	struct wf_link *l = ud;
	char why[256] = "";
	int rc;

	l->f = NULL;
	l->state = BAD;
	if (r->status != PACC_OK) {
		l->bogus = is_bogus(r);
		l->code = r->code ? r->code : "transfer-failed";
		l->detail = pacc__strdup(r->detail);
		decide(l->owner);
		return;
	}
	rc = pacc__webfinger_config_parse(&l->cfg, r->body, r->len,
	    l->owner->m->disc->addr.address, why, sizeof(why));
	if (rc != PACC_OK || l->cfg == NULL || l->cfg->nservers == 0) {
		pacc__config_free(l->cfg);
		l->cfg = NULL;
		l->code = rc == PACC_ENOMEM ? "internal-error"
					    : "invalid-document";
		l->detail = pacc__strfmt("%s: %s", l->href,
		    rc == PACC_OK ? "no usable server" : why);
		decide(l->owner);
		return;
	}
	if (l->title && l->cfg->title == NULL &&
	    (l->cfg->title = pacc__strdup(l->title)) == NULL) {
		pacc__config_free(l->cfg);
		l->cfg = NULL;
		l->code = "internal-error";
		l->detail = pacc__strfmt("out of memory");
		decide(l->owner);
		return;
	}
	l->state = GOOD;
	decide(l->owner);
}

static void
start_links(struct src_wf *s, struct pacc__wf_link *links, size_t n)
{
	struct pacc__fetch_opts fo;

	s->ntotal = n;
	for (size_t i = 0; i < n && s->nlinks < PACC__MAX_WF_LINKS; i++) {
		struct wf_link *l = &s->links[s->nlinks++];
		int rc;

		l->owner = s;
		l->href = links[i].href;
		l->title = links[i].title;
		links[i].href = links[i].title = NULL; /* moved */
		if (l->href == NULL || !pacc__https_url_valid(l->href)) {
			l->state = BAD;
			l->code = "invalid-url";
			l->detail = pacc__strfmt(
			    "link %zu is not a valid https URL", i + 1);
			continue;
		}
		memset(&fo, 0, sizeof(fo));
		fo.url = l->href;
		fo.max_body = MAX_WF_BYTES;
		fo.timeout_ms = pacc__mech_remaining_ms(s->m);
		fo.accept = "application/json";
		rc = pacc__fetch_start(&l->f, s->m->disc->ctx, &fo,
		    link_fetched, l);
		if (rc != PACC_OK) {
			l->state = BAD;
			l->code = rc == PACC_ENOMEM ? "internal-error"
						    : "invalid-url";
			l->detail = pacc__strfmt("cannot fetch %s: %s", l->href,
			    pacc_strerror(rc));
		}
	}
}

static void jrd_fetched(void *ud, const struct pacc__fetch_result *r);

static int
jrd_start(struct src_wf *s)
{
	struct pacc__fetch_opts fo;

	memset(&fo, 0, sizeof(fo));
	fo.url = s->url;
	fo.max_body = MAX_WF_BYTES;
	fo.timeout_ms = pacc__mech_remaining_ms(s->m);
	fo.accept = "application/jrd+json";
	return pacc__fetch_start(&s->jrd_f, s->m->disc->ctx, &fo, jrd_fetched,
	    s);
}

/*
 * RFC 7033 §4.2: the resource MAY redirect, only to https, and the
 * certificate is checked again.  True when the redirect is being followed.
 */
static bool
jrd_redirect(struct src_wf *s, const struct pacc__fetch_result *r)
{
	struct pacc__mech *m = s->m;
	char *safe;

	if (r->location == NULL || r->http_code < 301 || r->http_code > 308 ||
	    r->http_code == 304 || r->http_code == 305 || r->http_code == 306) {
		pacc__mech_report(m, PACC_ATTEMPT_FAILED,
		    r->code ? r->code : "redirect", "%s", r->detail);
		return false;
	}
	if (++s->hops > PACC__MAX_REDIRECTS) {
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "too-many-redirects",
		    "the WebFinger resource redirected more than %d times",
		    PACC__MAX_REDIRECTS);
		return false;
	}
	if (!pacc__https_url_valid(r->location)) {
		safe = pacc__utf8_sanitize(r->location);
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "insecure-redirect",
		    "%s redirects to %.200s, not a valid https URL: not "
		    "followed",
		    s->url, safe ? safe : "?");
		pacc__free(safe);
		return false;
	}
	pacc__free(s->url);
	if ((s->url = pacc__strdup(r->location)) == NULL ||
	    jrd_start(s) != PACC_OK) {
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "internal-error",
		    "cannot follow the WebFinger redirect");
		return false;
	}
	return true;
}

static void
jrd_fetched(void *ud, const struct pacc__fetch_result *r)
{
	struct src_wf *s = ud;
	struct pacc__mech *m = s->m;
	struct pacc__wf_link *links = NULL;
	size_t n = 0;
	char subject[PACC__MAX_INPUT_BYTES + 8];
	char why[256] = "";
	int rc;

	s->jrd_f = NULL;
	s->jrd = BAD;
	if (r->status != PACC_OK) {
		if (r->location && r->http_code >= 300 && r->http_code < 400) {
			if (jrd_redirect(s, r))
				return; /* m->code set when not followed */
		} else if (is_bogus(r)) {
			report_bogus(m, r->detail);
		} else if ((r->code &&
			       (strcmp(r->code, "no-address") == 0 ||
				   strcmp(r->code, "connect-failed") == 0)) ||
		    r->http_code == 404 || r->http_code == 410) {
			/* no WebFinger service at all: nothing published */
			pacc__mech_report(m, PACC_ATTEMPT_ABSENT, r->code, "%s",
			    r->detail);
		} else {
			pacc__mech_report(m,
			    strcmp(r->code ? r->code : "", "timeout") == 0
				? PACC_ATTEMPT_TIMEOUT
				: PACC_ATTEMPT_FAILED,
			    r->code ? r->code : "transfer-failed", "%s",
			    r->detail);
		}
		finish(s);
		return;
	}
	snprintf(subject, sizeof(subject), "acct:%s", m->disc->addr.address);
	why[0] = '\0';
	rc = pacc__webfinger_parse(&links, &n, r->body, r->len, subject, why,
	    sizeof(why));
	if (rc != PACC_OK) {
		pacc__mech_report(m, PACC_ATTEMPT_FAILED,
		    rc == PACC_ENOMEM ? "internal-error" : "invalid-document",
		    "the WebFinger answer of %s is not a usable JRD: %s",
		    m->disc->addr.domain, why);
		finish(s);
		return;
	}
	if (n == 0) {
		pacc__webfinger_links_free(links, n);
		pacc__mech_report(m, PACC_ATTEMPT_ABSENT, "no-link",
		    "the WebFinger answer for acct:%s has no usable " WF_REL
		    " link%s%s",
		    m->disc->addr.address, why[0] ? ": " : "", why);
		finish(s);
		return;
	}
	s->jrd = GOOD;
	start_links(s, links, n);
	pacc__webfinger_links_free(links, n);
	decide(s);
}

/* Account "title" (or link number) for details. */
static void
link_name(const struct wf_link *l, size_t i, char *buf, size_t len)
{
	if (l->title)
		snprintf(buf, len, "\"%s\"", l->title);
	else
		snprintf(buf, len, "link %zu", i + 1);
}

/*
 * Conclude once every link has answered (or, at the deadline, with those
 * that have).  Returns false while waiting.
 */
static bool
conclude(struct src_wf *s, bool force)
{
	struct pacc__mech *m = s->m;
	struct pacc__buf failed;
	const struct wf_link *first_bad = NULL, *winner = NULL;
	size_t ngood = 0, npending = 0;
	char name[160];
	int rc = PACC_OK;

	for (size_t i = 0; i < s->nlinks; i++) {
		const struct wf_link *l = &s->links[i];

		if (l->state == BAD && l->bogus) {
			/* an answer we would depend on was tampered with */
			report_bogus(m, l->detail);
			return true;
		}
		if (l->state == PENDING)
			npending++;
	}
	if (npending && !force)
		return false;
	pacc__buf_init(&failed, 2048);
	for (size_t i = 0; i < s->nlinks; i++) {
		struct wf_link *l = &s->links[i];

		link_name(l, i, name, sizeof(name));
		if (l->state == GOOD) {
			if (winner == NULL)
				winner = l;
			ngood++;
			if (rc == PACC_OK)
				rc = pacc__mech_add_config(m, l->cfg);
			l->cfg = NULL; /* moved, even on error */
			continue;
		}
		if (l->state == BAD && first_bad == NULL)
			first_bad = l;
		(void)pacc__buf_appendf(&failed, "%s%s: %s",
		    failed.len ? "; " : "", name,
		    l->state == PENDING ? "no answer before the deadline"
			: l->detail	? l->detail
					: l->code);
	}
	if (rc == PACC_OK && winner) {
		char *host = pacc__url_host(winner->href);
		bool outside = host && outside_domain(m, host);

		m->digest = PACC_DIGEST_NA;
		m->dnssec = PACC_DNSSEC_NA;
		m->source = pacc__strdup(s->url);
		/* the host that spoke for the domain; anything but ENOMEM
		 * (a host the PSL cannot place) leaves the servers' own */
		if (outside && pacc__mech_add_confirm(m, host) == PACC_ENOMEM)
			rc = PACC_ENOMEM;
		pacc__free(host);
		/* a JRD redirected elsewhere spoke for the domain too */
		host = s->hops ? pacc__url_host(s->url) : NULL;
		if (host && outside_domain(m, host) &&
		    pacc__mech_add_confirm(m, host) == PACC_ENOMEM)
			rc = PACC_ENOMEM;
		pacc__free(host);
		link_name(winner, (size_t)(winner - s->links), name,
		    sizeof(name));
		if (rc == PACC_OK)
			pacc__mech_report(m, PACC_ATTEMPT_OK, NULL,
			    "%zu of %zu account(s) usable, the first is %s "
			    "from %s%s%s%.*s%s",
			    ngood, s->ntotal, name, winner->href,
			    outside ? " (outside the address's domain)" : "",
			    failed.len ? "; failed: " : "",
			    (int)(failed.len > 400 ? 400 : failed.len),
			    failed.data ? (const char *)failed.data : "",
			    s->ntotal > s->nlinks ? "; links beyond the limit "
						    "ignored"
						  : "");
	}
	if (rc != PACC_OK) {
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "internal-error",
		    "out of memory");
	} else if (winner == NULL) {
		const char *code = first_bad ? first_bad->code : "timeout";

		pacc__mech_report(m,
		    strcmp(code, "timeout") == 0 ? PACC_ATTEMPT_TIMEOUT
						 : PACC_ATTEMPT_FAILED,
		    code,
		    "no usable configuration behind the %zu " WF_REL
		    " link(s): %.*s",
		    s->nlinks, (int)(failed.len > 600 ? 600 : failed.len),
		    failed.data ? (const char *)failed.data : "");
	}
	pacc__buf_free(&failed);
	return true;
}

static void
decide(struct src_wf *s)
{
	if (s->finished || s->jrd != GOOD)
		return;
	if (conclude(s, false))
		finish(s);
}

static int
wf_start(struct pacc__mech *m)
{
	struct src_wf *s = pacc__calloc(1, sizeof(*s));
	struct pacc__buf u;
	int rc = PACC_ENOMEM;

	if (s == NULL)
		return PACC_ENOMEM;
	s->m = m;
	m->priv = s;
	pacc__buf_init(&u, 2048);
	if (pacc__buf_appendf(&u, "https://%s" WF_PATH "?resource=acct%%3A",
		m->disc->addr.domain) != PACC_OK ||
	    append_pct(&u, m->disc->addr.address) != PACC_OK ||
	    pacc__buf_appendf(&u, "&rel=" WF_REL) != PACC_OK)
		goto out;
	s->url = pacc__buf_steal(&u, NULL);
	if (s->url == NULL)
		goto out;
	rc = jrd_start(s);
out:
	pacc__buf_free(&u);
	return rc; /* wf_stop() releases */
}

static void
wf_stop(struct pacc__mech *m)
{
	if (m->priv == NULL)
		return;
	wf_free(m->priv);
	m->priv = NULL;
}

/* At the deadline the accounts already fetched still count. */
static void
wf_deadline(struct pacc__mech *m)
{
	struct src_wf *s = m->priv;

	if (s && !s->finished && s->jrd == GOOD && conclude(s, true)) {
		s->finished = true;
		return;
	}
	pacc__mech_report(m, PACC_ATTEMPT_TIMEOUT, "timeout",
	    "the WebFinger answer of %s did not arrive before the deadline",
	    m->disc->addr.domain);
}

const struct pacc__mech_ops pacc__src_webfinger_ops = {
	.id = PACC_MECH_WEBFINGER,
	.start = wf_start,
	.stop = wf_stop,
	.deadline = wf_deadline,
};
