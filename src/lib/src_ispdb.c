/* SPDX-License-Identifier: MIT */
/*
 * Thunderbird's ISPDB (DESIGN §1 rank 8): curated clientConfig files named
 * after the domain.  The engine starts this mechanism only when ranks 1-7
 * found nothing, because the online lookup tells a third party the domain.
 * Sources, the first hit wins:
 *   1. {ispdb_dir}/{domain}.xml            (nothing leaves the machine)
 *   2. {ispdb_dir}/{mxdomain}.xml          (the best MX host's registrable
 *                                           domain: hosted at a provider)
 *   3. {ispdb_url}{domain}                 (online; "" = never)
 *   4. {ispdb_url}{mxdomain}
 * The online lookup waits for the MX answer when a local directory is set,
 * so that a local hit never leaks the domain.
 *
 * Trust: "curated, may be stale": no digest, no DNSSEC except the MX
 * answer's state when the MX led to the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The largest clientConfig file read, local or online. */
enum { MAX_ISPDB_BYTES = 64 * 1024 };

enum fact { PENDING = 0, GOOD, NONE, BAD };

/* One source: not tried, a hit, a miss, or a failure. */
enum src_state { S_IDLE = 0, S_RUNNING, S_HIT, S_MISS, S_FAILED };

enum { SRC_LOCAL_DOMAIN, SRC_LOCAL_MX, SRC_ONLINE_DOMAIN, SRC_ONLINE_MX, NSRC };

struct ispdb_src {
	struct src_ispdb *owner;
	enum src_state state;
	char *where; /* path or URL */
	struct pacc__fetch *f;
	struct pacc__config *cfg;
	const char *code; /* when FAILED */
	char *detail;
	bool bogus;
};

struct src_ispdb {
	struct pacc__mech *m;
	struct pacc__timer later; /* a verdict reached inside start() */
	bool have_dir, have_url;
	struct pacc__dns_q *mx_q;
	enum fact mx;
	bool mx_bogus;
	char *mx_why;
	char *mx_detail;
	char *mx_domain; /* registrable domain of the best MX host */
	pacc_dnssec mx_sec;
	const char *mx_reason;
	struct ispdb_src src[NSRC];
	bool finished;
};

static void decide(struct src_ispdb *s);

static void
release(struct src_ispdb *s)
{
	pacc__timer_disarm(s->m->disc->ctx, &s->later);
	pacc__dns_cancel(s->mx_q);
	s->mx_q = NULL;
	for (int i = 0; i < NSRC; i++) {
		pacc__fetch_cancel(s->src[i].f);
		s->src[i].f = NULL;
	}
}

static void
ispdb_free(struct src_ispdb *s)
{
	release(s);
	for (int i = 0; i < NSRC; i++) {
		pacc__free(s->src[i].where);
		pacc__free(s->src[i].detail);
		pacc__config_free(s->src[i].cfg);
	}
	pacc__free(s->mx_why);
	pacc__free(s->mx_detail);
	pacc__free(s->mx_domain);
	pacc__free(s);
}

static void
finish(struct src_ispdb *s)
{
	s->finished = true;
	release(s);
	pacc__mech_done(s->m);
}

/* ISPDB files are named after a domain: never a path of its own. */
static bool
safe_name(const char *name)
{
	return name && name[0] != '\0' && name[0] != '.' &&
	    strchr(name, '/') == NULL && pacc__hostname_valid(name);
}

static void
src_fail(struct ispdb_src *src, const char *code, char *detail)
{
	src->state = S_FAILED;
	src->code = code;
	pacc__free(src->detail);
	src->detail = detail;
}

/* Parse a clientConfig body: a hit, or a failure with a reason. */
static void
take_body(struct ispdb_src *src, const unsigned char *body, size_t len)
{
	struct pacc__mech *m = src->owner->m;
	bool allow_plain = (m->disc->flags & PACC_DISCOVER_INSECURE_HTTP) != 0;
	size_t nplain = 0;
	char why[256] = "";
	int rc;

	rc = pacc__autoconfig_parse(&src->cfg, body, len, m->disc->addr.address,
	    allow_plain, &nplain, why, sizeof(why));
	if (rc != PACC_OK) {
		src->cfg = NULL;
		src_fail(src,
		    rc == PACC_ENOMEM ? "internal-error" : "invalid-document",
		    pacc__strfmt("%s is not a usable clientConfig file: %s",
			src->where, why));
		return;
	}
	if (src->cfg->nservers == 0) {
		pacc__config_free(src->cfg);
		src->cfg = NULL;
		src_fail(src, "no-servers",
		    pacc__strfmt("%s has no usable server%s", src->where,
			nplain ? " (only plain-text ones: --insecure-http "
				 "would allow them)"
			       : ""));
		return;
	}
	src->state = S_HIT;
}

/*
 * A local file: a plain read (no network), bounded, a regular file only.
 * A missing file is a miss; anything else unreadable is a failure.
 */
static void
read_local(struct ispdb_src *src, const char *dir, const char *name)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd = -1;

	if (!safe_name(name)) {
		src->state = S_MISS;
		return;
	}
	src->where = pacc__strfmt("%s%s%s.xml", dir,
	    dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	if (src->where == NULL) {
		src_fail(src, "internal-error", pacc__strfmt("out of memory"));
		return;
	}
	fd = open(src->where, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			src->state = S_MISS;
		else
			src_fail(src, "ispdb-unreadable",
			    pacc__strfmt("cannot open %s: %s", src->where,
				strerror(errno)));
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		src_fail(src, "ispdb-unreadable",
		    pacc__strfmt("%s is not a regular file", src->where));
		goto out;
	}
	if ((buf = pacc__malloc(MAX_ISPDB_BYTES + 1)) == NULL) {
		src_fail(src, "internal-error", pacc__strfmt("out of memory"));
		goto out;
	}
	/* one byte more than the cap tells "too large" from "exactly" */
	while (len <= MAX_ISPDB_BYTES) {
		ssize_t r = read(fd, buf + len, MAX_ISPDB_BYTES + 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			src_fail(src, "ispdb-unreadable",
			    pacc__strfmt("cannot read %s: %s", src->where,
				strerror(errno)));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > MAX_ISPDB_BYTES) {
		src_fail(src, "too-large",
		    pacc__strfmt("%s is larger than %d bytes", src->where,
			MAX_ISPDB_BYTES));
		goto out;
	}
	take_body(src, buf, len);
out:
	pacc__free(buf);
	if (fd >= 0)
		close(fd);
}

static void
online_fetched(void *ud, const struct pacc__fetch_result *r)
{
	struct ispdb_src *src = ud;

	src->f = NULL;
	if (r->status == PACC_OK) {
		take_body(src, r->body, r->len);
	} else if (r->http_code == 404 || r->http_code == 410) {
		src->state = S_MISS; /* the ISPDB has no file for it */
	} else {
		src->bogus = r->code && strcmp(r->code, "dnssec-bogus") == 0;
		src_fail(src, r->code ? r->code : "transfer-failed",
		    pacc__strdup(r->detail));
	}
	decide(src->owner);
}

static void
start_online(struct ispdb_src *src, const char *name)
{
	struct src_ispdb *s = src->owner;
	struct pacc__fetch_opts fo;
	int rc;

	if (!safe_name(name)) {
		src->state = S_MISS;
		return;
	}
	src->where = pacc__strfmt("%s%s", s->m->disc->ispdb_url, name);
	if (src->where == NULL) {
		src_fail(src, "internal-error", pacc__strfmt("out of memory"));
		return;
	}
	memset(&fo, 0, sizeof(fo));
	fo.url = src->where;
	fo.max_body = MAX_ISPDB_BYTES;
	fo.timeout_ms = pacc__mech_remaining_ms(s->m);
	fo.accept = "application/xml, text/xml";
	fo.allow_http = (s->m->disc->flags & PACC_DISCOVER_INSECURE_HTTP) != 0;
	src->state = S_RUNNING;
	rc = pacc__fetch_start(&src->f, s->m->disc->ctx, &fo, online_fetched,
	    src);
	if (rc != PACC_OK)
		src_fail(src,
		    rc == PACC_ENOMEM ? "internal-error" : "invalid-url",
		    pacc__strfmt("cannot fetch %s: %s", src->where,
			rc == PACC_EINVAL ? "not an https URL"
					  : pacc_strerror(rc)));
}

static void
mx_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct src_ispdb *s = ud;
	unsigned best = 65536, pref;
	char *host, *best_host = NULL;

	s->mx_q = NULL;
	s->mx = BAD;
	if (status != PACC_OK) {
		s->mx_detail = pacc__strfmt("the MX lookup of %s failed: %s",
		    s->m->disc->addr.domain, pacc_strerror(status));
		goto out;
	}
	s->mx_sec = a->sec;
	s->mx_reason = a->reason;
	if (a->sec == PACC_DNSSEC_BOGUS) {
		s->mx_bogus = true;
		s->mx_why = pacc__strdup(a->why);
		s->mx_detail = pacc__strfmt(
		    "the MX answer for %s is DNSSEC-bogus: %s",
		    s->m->disc->addr.domain,
		    a->why ? a->why : "validation failed");
		goto out;
	}
	/* the best preference; the first such record in answer order */
	for (size_t i = 0; i < a->n; i++) {
		if (pacc__rr_mx(&pref, &host, a->data[i], (size_t)a->len[i]) !=
		    PACC_OK)
			continue;
		if (pref < best && strcmp(host, ".") != 0 &&
		    pacc__hostname_valid(host)) {
			best = pref;
			pacc__free(best_host);
			best_host = host;
		} else {
			pacc__free(host);
		}
	}
	s->mx = NONE;
	if (best_host &&
	    pacc__registrable_domain(&s->mx_domain, best_host) == PACC_OK &&
	    strcmp(s->mx_domain, s->m->disc->addr.domain) != 0)
		s->mx = GOOD;
	pacc__free(best_host);
out:
	decide(s);
}

static void
succeed(struct src_ispdb *s, int i)
{
	struct pacc__mech *m = s->m;
	struct ispdb_src *src = &s->src[i];
	bool via_mx = i == SRC_LOCAL_MX || i == SRC_ONLINE_MX;

	m->digest = PACC_DIGEST_NA;
	m->dnssec = via_mx ? s->mx_sec : PACC_DNSSEC_NA;
	m->dnssec_reason = via_mx ? s->mx_reason : NULL;
	m->source = pacc__strdup(src->where);
	if (src->cfg && strncmp(src->where, "http:", 5) == 0)
		src->cfg->insecure = true;
	if (pacc__mech_add_config(m, src->cfg) != PACC_OK) {
		src->cfg = NULL;
		pacc__mech_report(m, PACC_ATTEMPT_FAILED, "internal-error",
		    "out of memory");
		return;
	}
	src->cfg = NULL; /* moved */
	pacc__mech_report(m, PACC_ATTEMPT_OK, NULL,
	    "%s ISPDB file %s%s%s (curated, may be stale)",
	    i <= SRC_LOCAL_MX ? "local" : "online", src->where,
	    via_mx ? ", for the MX host's domain " : "",
	    via_mx ? s->mx_domain : "");
}

static void
report_bogus(struct src_ispdb *s, const char *why, const char *detail)
{
	struct pacc__mech *m = s->m;

	m->decisive = true;
	m->dnssec = PACC_DNSSEC_BOGUS;
	m->dnssec_reason = "validation-failed";
	if (why)
		m->dnssec_detail = pacc__strdup(why);
	pacc__mech_report(m, PACC_ATTEMPT_FAILED, "dnssec-bogus", "%s",
	    detail ? detail : "an answer needed is DNSSEC-bogus");
}

/* The MX is needed from here on: false while waiting, true if decided. */
static bool
need_mx(struct src_ispdb *s, bool *decided)
{
	*decided = false;
	if (s->mx == PENDING)
		return false;
	if (s->mx == BAD && s->mx_bogus) {
		report_bogus(s, s->mx_why, s->mx_detail);
		*decided = true;
		return false;
	}
	return true;
}

/*
 * Walk the sources in preference order; start what is needed next.
 * Returns true when the mechanism has an outcome.
 */
static bool
conclude(struct src_ispdb *s, bool force)
{
	struct pacc__mech *m = s->m;
	struct ispdb_src *failed = NULL;
	struct pacc__buf b;
	bool decided;

	if (!s->have_dir && !s->have_url)
		return true; /* reported by start() */
	for (int i = 0; i < NSRC; i++) {
		struct ispdb_src *src = &s->src[i];
		bool local = i == SRC_LOCAL_DOMAIN || i == SRC_LOCAL_MX;
		bool via_mx = i == SRC_LOCAL_MX || i == SRC_ONLINE_MX;

		if ((local && !s->have_dir) || (!local && !s->have_url))
			continue;
		if (via_mx && src->state == S_IDLE) {
			if (!need_mx(s, &decided)) {
				if (decided)
					return true;
				if (!force)
					return false;
				continue;
			}
			if (s->mx != GOOD)
				src->state = S_MISS;
			else if (force)
				continue; /* nothing new at the deadline */
			else if (local)
				read_local(src, m->disc->ispdb_dir,
				    s->mx_domain);
			else
				start_online(src, s->mx_domain);
		}
		if (i == SRC_ONLINE_DOMAIN && !force) {
			if (src->state == S_IDLE)
				start_online(src, m->disc->addr.domain);
			/* the MX host's domain at once with the domain's:
			 * the same third party, one round trip less */
			if (s->mx == GOOD &&
			    s->src[SRC_ONLINE_MX].state == S_IDLE)
				start_online(&s->src[SRC_ONLINE_MX],
				    s->mx_domain);
		}
		if (src->state == S_RUNNING && !force)
			return false;
		if (src->state == S_HIT) {
			succeed(s, i);
			return true;
		}
		if (src->state == S_FAILED) {
			if (src->bogus) {
				report_bogus(s, NULL, src->detail);
				return true;
			}
			if (failed == NULL)
				failed = src;
		}
	}
	if (failed) {
		pacc__mech_report(m,
		    strcmp(failed->code, "timeout") == 0 ? PACC_ATTEMPT_TIMEOUT
							 : PACC_ATTEMPT_FAILED,
		    failed->code, "%s", failed->detail);
		return true;
	}
	pacc__buf_init(&b, 2048);
	for (int i = 0; i < NSRC; i++)
		if (s->src[i].where)
			(void)pacc__buf_appendf(&b, "%s%s", b.len ? ", " : "",
			    s->src[i].where);
	if (force &&
	    (s->mx == PENDING || b.len == 0 ||
		s->src[SRC_ONLINE_DOMAIN].state == S_RUNNING ||
		s->src[SRC_ONLINE_MX].state == S_RUNNING))
		pacc__mech_report(m, PACC_ATTEMPT_TIMEOUT, "timeout",
		    "the ISPDB lookup did not finish before the deadline "
		    "(%.500s)",
		    b.len ? (const char *)b.data : "nothing tried");
	else
		pacc__mech_report(m, PACC_ATTEMPT_ABSENT, "ispdb-miss",
		    "no ISPDB file for %s%s%s (%.500s)", m->disc->addr.domain,
		    s->mx == GOOD ? " nor " : "",
		    s->mx == GOOD ? s->mx_domain : "",
		    b.len ? (const char *)b.data : "nothing tried");
	pacc__buf_free(&b);
	return true;
}

static void
decide(struct src_ispdb *s)
{
	if (s->finished)
		return;
	if (conclude(s, false))
		finish(s);
}

/* A verdict reached inside start() is delivered from the loop. */
static void
later_fired(void *ud)
{
	decide(ud);
}

static int
ispdb_start(struct pacc__mech *m)
{
	struct src_ispdb *s = pacc__calloc(1, sizeof(*s));
	const char *dir = m->disc->ispdb_dir;

	if (s == NULL)
		return PACC_ENOMEM;
	s->m = m;
	m->priv = s;
	pacc__timer_init(&s->later, later_fired, s);
	for (int i = 0; i < NSRC; i++)
		s->src[i].owner = s;
	s->have_dir = dir && dir[0];
	s->have_url = m->disc->ispdb_url && m->disc->ispdb_url[0];
	if (!s->have_dir && !s->have_url) {
		s->mx = NONE;
		pacc__mech_report(m, PACC_ATTEMPT_SKIPPED, "no-ispdb",
		    "no local ISPDB directory and no online ISPDB URL");
		pacc__timer_arm(m->disc->ctx, &s->later, 0);
		return PACC_OK;
	}
	if (s->have_dir) {
		read_local(&s->src[SRC_LOCAL_DOMAIN], dir,
		    m->disc->addr.domain);
		if (s->src[SRC_LOCAL_DOMAIN].state == S_HIT) {
			/* nothing else needed: not even the MX */
			s->mx = NONE;
			pacc__timer_arm(m->disc->ctx, &s->later, 0);
			return PACC_OK;
		}
	}
	/* without a local directory nothing is gained by waiting for the
	 * MX: the domain's online lookup starts at once */
	if (!s->have_dir && s->have_url)
		start_online(&s->src[SRC_ONLINE_DOMAIN], m->disc->addr.domain);
	pacc__timer_arm(m->disc->ctx, &s->later, 0);
	return pacc__dns_query(&s->mx_q, m->disc->ctx, m->disc->addr.domain,
	    PACC__RR_MX, mx_answer, s);
}

static void
ispdb_stop(struct pacc__mech *m)
{
	if (m->priv == NULL)
		return;
	ispdb_free(m->priv);
	m->priv = NULL;
}

static void
ispdb_deadline(struct pacc__mech *m)
{
	struct src_ispdb *s = m->priv;

	if (s && !s->finished) {
		(void)conclude(s, true);
		s->finished = true;
		return;
	}
	pacc__mech_report(m, PACC_ATTEMPT_TIMEOUT, "timeout",
	    "the ISPDB lookup did not finish before the deadline");
}

const struct pacc__mech_ops pacc__src_ispdb_ops = {
	.id = PACC_MECH_ISPDB,
	.start = ispdb_start,
	.stop = ispdb_stop,
	.deadline = ispdb_deadline,
};
