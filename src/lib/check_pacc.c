/* SPDX-License-Identifier: MIT */
/*
 * pacc check, groups "pacc" and "pacc-mx": the ua-auto-config document and
 * its _ua-auto-config digest record (draft-ietf-mailmaint-pacc), fetched
 * with exactly discover's policy (TLS 1.3, no redirects, the same size
 * cap), judged piece by piece; a live probe of every server it lists; and
 * the MX fallback as discover runs it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "check_int.h"

#define PACC_PATH "/.well-known/user-agent-configuration.json"

struct ck_pacc {
	struct ck_dns *txt, *a, *aaaa;
	struct ck_fetch *doc;
	char url[400];
	struct pacc__config *cfg; /* parsed document, for the probes */
};

int
pacc__ck_pacc_start(struct pacc_check *c)
{
	struct pacc__fetch_opts fo;
	struct ck_pacc *p;
	char name[300];

	if ((p = c->pacc = pacc__calloc(1, sizeof(*p))) == NULL)
		return PACC_ENOMEM;
	snprintf(name, sizeof(name), "_ua-auto-config.%s", c->domain);
	p->txt = pacc__ck_dns(c, name, PACC__RR_TXT);
	snprintf(name, sizeof(name), "ua-auto-config.%s", c->domain);
	p->a = pacc__ck_dns(c, name, PACC__RR_A);
	p->aaaa = pacc__ck_dns(c, name, PACC__RR_AAAA);
	snprintf(p->url, sizeof(p->url), "https://%s" PACC_PATH, name);
	memset(&fo, 0, sizeof(fo));
	fo.url = p->url;
	fo.tls13 = true; /* as discover: TLS 1.3 for the document */
	fo.max_body = PACC__MAX_DOC_BYTES;
	fo.accept = "application/json";
	p->doc = pacc__ck_fetch(c, &fo);
	pacc__ck_discover(c, PACC_MECH_PACC);
	pacc__ck_discover(c, PACC_MECH_PACC_MX);
	return c->oom ? PACC_ENOMEM : PACC_OK;
}

void
pacc__ck_pacc_free(struct pacc_check *c)
{
	if (c->pacc == NULL)
		return;
	pacc__config_free(c->pacc->cfg);
	pacc__free(c->pacc);
	c->pacc = NULL;
}

/* The probe URL of a configured server (pacc_probe_opts.urls form). */
static void
probe_server(struct pacc_check *c, enum ck_id id, const struct pacc_server *s)
{
	static const struct {
		pacc_protocol p;
		const char *scheme;
	} http[] = {
		{ PACC_PROTO_JMAP, "jmap+https://" },
		{ PACC_PROTO_CALDAV, "caldav+https://" },
		{ PACC_PROTO_CARDDAV, "carddav+https://" },
	};
	char url[600];

	if (pacc__proto_is_http(s->proto)) {
		for (size_t i = 0; i < PACC__ARRAY_LEN(http); i++) {
			if (http[i].p != s->proto || s->url == NULL ||
			    strncasecmp(s->url, "https://", 8) != 0)
				continue;
			snprintf(url, sizeof(url), "%s%s", http[i].scheme,
			    s->url + 8);
			pacc__ck_probe(c, id, url);
		}
		return;
	}
	if (s->host == NULL || s->tls == PACC_TLS_NONE)
		return;
	switch (s->proto) {
	case PACC_PROTO_IMAP:
		snprintf(url, sizeof(url), "%s://%s:%u",
		    s->tls == PACC_TLS_IMPLICIT ? "imaps" : "imap", s->host,
		    s->port);
		break;
	case PACC_PROTO_POP3:
		snprintf(url, sizeof(url), "%s://%s:%u",
		    s->tls == PACC_TLS_IMPLICIT ? "pop3s" : "pop3", s->host,
		    s->port);
		break;
	case PACC_PROTO_SMTP:
		snprintf(url, sizeof(url), "%s://%s:%u",
		    s->tls == PACC_TLS_IMPLICIT ? "submissions" : "submission",
		    s->host, s->port);
		break;
	case PACC_PROTO_MANAGESIEVE:
		snprintf(url, sizeof(url), "sieve://%s:%u", s->host, s->port);
		break;
	default:
		return;
	}
	pacc__ck_probe(c, id, url);
}

void
pacc__ck_probe_config(struct pacc_check *c, enum ck_id id,
    const struct pacc__config *cfg)
{
	for (size_t i = 0; cfg && i < cfg->nservers; i++)
		probe_server(c, id, &cfg->servers[i]);
}

void
pacc__ck_pacc_more(struct pacc_check *c)
{
	struct ck_pacc *p = c->pacc;
	char why[256];

	if (p->doc == NULL || p->doc->status != PACC_OK || p->doc->body == NULL)
		return;
	if (pacc__pacc_json_parse(&p->cfg, p->doc->body, p->doc->len,
		c->address, why, sizeof(why)) != PACC_OK)
		return;
	pacc__ck_probe_config(c, CK_PACC_PROBE, p->cfg);
}

/* ---------------------------------------------------------- reports */

struct txt_facts {
	struct pacc__uaac recs[PACC__MAX_RRS];
	size_t nrecs, nuaac, nunsupported, nmalformed;
	char malformed_why[300];
	char unsupported_txt[200];
};

static void
read_txt(const struct ck_dns *q, struct txt_facts *t)
{
	char **v;
	size_t n;

	memset(t, 0, sizeof(*t));
	v = pacc__ck_txts(q, &n);
	for (size_t i = 0; i < n; i++) {
		char why[160];
		int rc = pacc__uaac_parse(&t->recs[t->nrecs], v[i],
		    strlen(v[i]), why, sizeof(why));

		if (rc == PACC_ENOTFOUND)
			continue;
		t->nuaac++;
		if (rc == PACC_OK) {
			t->nrecs++;
		} else if (rc == PACC_EUNSUPPORTED) {
			t->nunsupported++;
			snprintf(t->unsupported_txt, sizeof(t->unsupported_txt),
			    "%s", v[i]);
		} else {
			t->nmalformed++;
			snprintf(t->malformed_why, sizeof(t->malformed_why),
			    "\"%.80s\": %s", v[i], why);
		}
	}
	pacc__ck_strv_free(v, n);
}

static bool
digest_of(const unsigned char *body, size_t len, enum pacc__digest_alg alg,
    unsigned char *md, unsigned *mdlen)
{
	const EVP_MD *m = pacc__digest_md(alg);

	return m &&
	    EVP_Digest(body ? body : (const unsigned char *)"", len, md, mdlen,
		m, NULL);
}

/* The record a provider must publish for exactly these bytes. */
static void
expected_record(char *buf, size_t len, const unsigned char *body, size_t blen,
    enum pacc__digest_alg alg)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char b64[128];
	unsigned mdlen = 0;

	buf[0] = '\0';
	if (!digest_of(body, blen, alg, md, &mdlen) ||
	    pacc__base64_encode(b64, sizeof(b64), md, mdlen) != PACC_OK)
		return;
	snprintf(buf, len, "\"v=UAAC1; a=%s; d=%s\"",
	    pacc__digest_alg_name(alg), b64);
}

static bool
is_json_type(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return false;
	n = strcspn(ct, "; \t");
	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

/* Walk the document as the current draft describes it; count problems. */
struct doc_issues {
	size_t nfail, nwarn;
	char fail[300], warn[300];
	char protos[200];
};

static void issue(struct doc_issues *d, bool fail, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
issue(struct doc_issues *d, bool fail, const char *fmt, ...)
{
	va_list ap;
	char *dst = fail ? d->fail : d->warn;
	size_t *n = fail ? &d->nfail : &d->nwarn;

	if ((*n)++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(dst, sizeof(d->fail), fmt, ap);
	va_end(ap);
}

static void
check_url(struct doc_issues *d, const char *key, json_t *u, bool dav)
{
	const char *s = json_string_value(u);
	const char *rest, *slash, *colon;

	if (s == NULL || !pacc__https_url_valid(s)) {
		issue(d, true, "protocols.%s.url must be an https URL", key);
		return;
	}
	rest = s + 8;
	slash = strchr(rest, '/');
	colon = strchr(rest, ':');
	if (colon && (slash == NULL || colon < slash))
		issue(d, false,
		    "protocols.%s.url names a port (the draft wants the "
		    "default 443)",
		    key);
	if (dav && (slash == NULL || slash[1] == '\0'))
		issue(d, false, "protocols.%s.url has no path", key);
}

static void
check_document(json_t *j, struct doc_issues *d)
{
	static const char *const host_keys[] = { "imap", "pop3", "submit",
		"smtp", "managesieve" };
	static const char *const url_keys[] = { "jmap", "caldav", "carddav",
		"webdav" };
	json_t *pr, *info, *prov, *auth, *v;
	const char *key;
	size_t known = 0;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(j)) {
		issue(d, true, "the document is not a JSON object");
		return;
	}
	if (json_object_get(j, "servers") && !json_object_get(j, "protocols"))
		issue(d, true,
		    "the document uses the earlier draft's format "
		    "(\"servers\"); "
		    "the current draft wants \"protocols\"");
	pr = json_object_get(j, "protocols");
	if (!json_is_object(pr)) {
		issue(d, true, "\"protocols\" is missing or not an object");
	} else {
		json_object_foreach (pr, key, v) {
			bool is_host = false, is_url = false;

			for (size_t i = 0; i < PACC__ARRAY_LEN(host_keys); i++)
				is_host |= strcmp(key, host_keys[i]) == 0;
			for (size_t i = 0; i < PACC__ARRAY_LEN(url_keys); i++)
				is_url |= strcmp(key, url_keys[i]) == 0;
			if (!is_host && !is_url)
				continue; /* unknown protocols are ignored */
			known++;
			{
				size_t l = strlen(d->protos);

				snprintf(d->protos + l, sizeof(d->protos) - l,
				    "%s%s", l ? ", " : "", key);
			}
			if (!json_is_object(v)) {
				issue(d, true, "protocols.%s is not an object",
				    key);
			} else if (is_host) {
				const char *h = json_string_value(
				    json_object_get(v, "host"));

				if (h == NULL || !pacc__hostname_valid(h))
					issue(d, true,
					    "protocols.%s.host is not a valid "
					    "host name",
					    key);
			} else {
				check_url(d, key, json_object_get(v, "url"),
				    strcmp(key, "jmap") != 0);
			}
		}
		if (known == 0)
			issue(d, true, "\"protocols\" names no known protocol");
		if (json_object_get(pr, "smtp") &&
		    !json_object_get(pr, "submit"))
			issue(d, false,
			    "protocols.smtp is the PACC-02 key; PACC-03 "
			    "calls it \"submit\" (clients accept both)");
	}
	info = json_object_get(j, "info");
	prov = json_object_get(info, "provider");
	v = json_object_get(prov, "name");
	if (!json_is_string(v)) {
		issue(d, true, "info.provider.name is missing");
	} else if (json_string_length(v) > 60) {
		issue(d, true,
		    "info.provider.name has %zu bytes (at most 60 allowed)",
		    json_string_length(v));
	} else if (json_string_length(v) > 30) {
		issue(d, false,
		    "info.provider.name has %zu bytes (should be at most 30)",
		    json_string_length(v));
	}
	v = json_object_get(prov, "shortName");
	if (v && !json_is_string(v)) {
		issue(d, true, "info.provider.shortName is not a string");
	} else if (v && json_string_length(v) > 20) {
		issue(d, true,
		    "info.provider.shortName has %zu bytes (at most 20 "
		    "allowed)",
		    json_string_length(v));
	} else if (v && json_string_length(v) > 12) {
		issue(d, false,
		    "info.provider.shortName has %zu bytes (should be at most "
		    "12)",
		    json_string_length(v));
	}
	auth = json_object_get(j, "authentication");
	if (auth && !json_is_object(auth)) {
		issue(d, true, "\"authentication\" is not an object");
	} else if (auth) {
		const char *iss = json_string_value(json_object_get(
		    json_object_get(auth, "oauth-public"), "issuer"));

		if (json_object_get(auth, "oauth-public") &&
		    (iss == NULL || !pacc__https_url_valid(iss) ||
			strpbrk(iss, "?#") != NULL))
			issue(d, true,
			    "authentication.oauth-public.issuer must be an "
			    "https URL without query or fragment");
		v = json_object_get(auth, "password");
		if (v && !json_is_boolean(v))
			issue(d, true,
			    "authentication.password is not a boolean");
	}
}

static void
report_doc(struct pacc_check *c, const struct ck_pacc *p)
{
	const struct ck_fetch *f = p->doc;
	struct pacc__config *cfg = NULL;
	struct doc_issues d;
	json_error_t jerr;
	char why[256];
	json_t *j;

	if (f == NULL || f->status != PACC_OK || f->body == NULL) {
		pacc__ck_add(c, CK_PACC_JSON, PACC_CHECK_SKIP,
		    "no document was retrieved");
		pacc__ck_add(c, CK_PACC_DOCUMENT, PACC_CHECK_SKIP,
		    "no document was retrieved");
		return;
	}
	j = json_loadb((const char *)f->body, f->len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (j == NULL) {
		pacc__ck_add(c, CK_PACC_JSON, PACC_CHECK_FAIL,
		    "the document is not valid JSON (line %d, column %d: %s); "
		    "clients ignore it",
		    jerr.line, jerr.column, jerr.text);
		pacc__ck_add(c, CK_PACC_DOCUMENT, PACC_CHECK_SKIP,
		    "the document is not JSON");
		return;
	}
	pacc__ck_add(c, CK_PACC_JSON, PACC_CHECK_PASS,
	    "the document is valid JSON (%zu bytes)", f->len);
	check_document(j, &d);
	json_decref(j);
	if (d.nfail == 0 &&
	    pacc__pacc_json_parse(&cfg, f->body, f->len, c->address, why,
		sizeof(why)) != PACC_OK)
		issue(&d, true, "pacc cannot use it: %s", why);
	pacc__config_free(cfg);
	if (d.nfail)
		pacc__ck_add(c, CK_PACC_DOCUMENT, PACC_CHECK_FAIL, "%s%s",
		    d.fail, d.nfail > 1 ? " (and more)" : "");
	else if (d.nwarn)
		pacc__ck_add(c, CK_PACC_DOCUMENT, PACC_CHECK_WARN, "%s%s",
		    d.warn, d.nwarn > 1 ? " (and more)" : "");
	else
		pacc__ck_add(c, CK_PACC_DOCUMENT, PACC_CHECK_PASS,
		    "a current-draft document; protocols: %s", d.protos);
}

static void
report_digest(struct pacc_check *c, const struct ck_pacc *p,
    const struct txt_facts *t)
{
	const struct ck_fetch *f = p->doc;
	char rec[200];

	if (f == NULL || f->status != PACC_OK || f->body == NULL) {
		pacc__ck_add(c, CK_PACC_DIGEST, PACC_CHECK_SKIP,
		    "no document was retrieved");
		return;
	}
	expected_record(rec, sizeof(rec), f->body, f->len, PACC__ALG_SHA256);
	if (t->nrecs == 0) {
		pacc__ck_add(c, CK_PACC_DIGEST, PACC_CHECK_SKIP,
		    "no usable v=UAAC1 record to compare with; for the %zu "
		    "bytes served publish _ua-auto-config.%s. IN TXT %s",
		    f->len, c->domain, rec);
		return;
	}
	for (size_t i = 0; i < t->nrecs; i++) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;

		if (digest_of(f->body, f->len, t->recs[i].alg, md, &mdlen) &&
		    mdlen == t->recs[i].digest_len &&
		    CRYPTO_memcmp(md, t->recs[i].digest, mdlen) == 0) {
			pacc__ck_add(c, CK_PACC_DIGEST, PACC_CHECK_PASS,
			    "the %s digest of the %zu bytes served matches "
			    "%s",
			    pacc__digest_alg_name(t->recs[i].alg), f->len,
			    t->nrecs > 1 ? "one of the records" : "the record");
			return;
		}
	}
	pacc__ck_add(c, CK_PACC_DIGEST, PACC_CHECK_FAIL,
	    "the digest of the %zu bytes served matches none of the %zu "
	    "v=UAAC1 records (stale record or changed document); clients "
	    "refuse the document. Expected: _ua-auto-config.%s. IN TXT %s",
	    f->len, t->nrecs, c->domain, rec);
}

static void
report_fetch(struct pacc_check *c, const struct ck_pacc *p, bool resolves)
{
	const struct ck_fetch *f = p->doc;
	const char *code = f ? f->code : "internal-error";
	const char *detail = f && f->detail ? f->detail : "no detail";
	bool ok = f && f->status == PACC_OK;
	bool tls_ok = ok, cert_ok = ok, http_ok = ok;

	if (!ok && code == NULL)
		code = "transfer-failed";
	if (!ok) {
		/* which steps did the transfer get past? */
		tls_ok = strcmp(code, "cert-invalid") == 0 ||
		    strcmp(code, "redirect") == 0 ||
		    strcmp(code, "too-large") == 0 ||
		    strcmp(code, "http-status") == 0;
		cert_ok = tls_ok && strcmp(code, "cert-invalid") != 0;
		http_ok = cert_ok;
	}
	if (!ok && !tls_ok && !resolves) {
		const char *r = "ua-auto-config host does not resolve";

		pacc__ck_add(c, CK_PACC_TLS, PACC_CHECK_SKIP, "%s", r);
		pacc__ck_add(c, CK_PACC_CERT, PACC_CHECK_SKIP, "%s", r);
		pacc__ck_add(c, CK_PACC_REDIRECT, PACC_CHECK_SKIP, "%s", r);
		pacc__ck_add(c, CK_PACC_FETCH, PACC_CHECK_SKIP, "%s", r);
		pacc__ck_add(c, CK_PACC_SIZE, PACC_CHECK_SKIP, "%s", r);
		pacc__ck_add(c, CK_PACC_CTYPE, PACC_CHECK_SKIP, "%s", r);
		return;
	}
	if (tls_ok)
		pacc__ck_add(c, CK_PACC_TLS, PACC_CHECK_PASS,
		    "%s negotiates TLS 1.3 (discover requires it)", p->url);
	else if (strcmp(code, "tls-version") == 0 ||
	    strcmp(code, "tls-error") == 0)
		pacc__ck_add(c, CK_PACC_TLS, PACC_CHECK_FAIL,
		    "no TLS 1.3 session (discover requires TLS 1.3 for the "
		    "document): %s",
		    detail);
	else
		pacc__ck_add(c, CK_PACC_TLS, PACC_CHECK_SKIP,
		    "no TLS handshake happened (%s)", code);
	if (cert_ok)
		pacc__ck_add(c, CK_PACC_CERT, PACC_CHECK_PASS,
		    "the certificate is valid for ua-auto-config.%s",
		    c->domain);
	else if (strcmp(code, "cert-invalid") == 0)
		pacc__ck_add(c, CK_PACC_CERT, PACC_CHECK_FAIL,
		    "the certificate is not valid for ua-auto-config.%s: %s",
		    c->domain, detail);
	else
		pacc__ck_add(c, CK_PACC_CERT, PACC_CHECK_SKIP,
		    "no certificate was verified (%s)", code);
	if (!http_ok) {
		pacc__ck_add(c, CK_PACC_REDIRECT, PACC_CHECK_SKIP,
		    "no HTTP response (%s)", code);
	} else if (!ok && strcmp(code, "redirect") == 0) {
		pacc__ck_add(c, CK_PACC_REDIRECT, PACC_CHECK_FAIL,
		    "%s answers HTTP %ld with a redirect to %s; clients never "
		    "follow it: serve the document itself",
		    p->url, f->http_code, f->location ? f->location : "?");
	} else {
		pacc__ck_add(c, CK_PACC_REDIRECT, PACC_CHECK_PASS,
		    "no redirect");
	}
	if (ok)
		pacc__ck_add(c, CK_PACC_FETCH, PACC_CHECK_PASS,
		    "HTTP 200 from %s", p->url);
	else if (!tls_ok && strcmp(code, "tls-version") != 0 &&
	    strcmp(code, "tls-error") != 0)
		pacc__ck_add(c, CK_PACC_FETCH, PACC_CHECK_FAIL,
		    "the document cannot be retrieved (%s): %s", code, detail);
	else if (http_ok && strcmp(code, "http-status") == 0)
		pacc__ck_add(c, CK_PACC_FETCH, PACC_CHECK_FAIL,
		    "%s answers HTTP %ld, not 200", p->url, f->http_code);
	else
		pacc__ck_add(c, CK_PACC_FETCH, PACC_CHECK_SKIP,
		    "reported above (%s)", code);
	if (ok)
		pacc__ck_add(c, CK_PACC_SIZE, PACC_CHECK_PASS,
		    "%zu bytes (the limit is %d)", f->len, PACC__MAX_DOC_BYTES);
	else if (strcmp(code, "too-large") == 0)
		pacc__ck_add(c, CK_PACC_SIZE, PACC_CHECK_FAIL,
		    "the document is larger than %d bytes, the limit every "
		    "pacc client applies",
		    PACC__MAX_DOC_BYTES);
	else
		pacc__ck_add(c, CK_PACC_SIZE, PACC_CHECK_SKIP,
		    "no document (%s)", code);
	if (ok && is_json_type(f->ctype))
		pacc__ck_add(c, CK_PACC_CTYPE, PACC_CHECK_PASS,
		    "Content-Type %s", f->ctype);
	else if (ok)
		pacc__ck_add(c, CK_PACC_CTYPE, PACC_CHECK_WARN,
		    "Content-Type is %s, not application/json",
		    f->ctype ? f->ctype : "missing");
	else
		pacc__ck_add(c, CK_PACC_CTYPE, PACC_CHECK_SKIP,
		    "no document (%s)", code);
}

static void
report_probes(struct pacc_check *c, enum ck_id which, const char *none)
{
	size_t n = 0;

	for (size_t i = 0; i < pacc__ck_probe_count(c); i++) {
		const pacc_probe_server *s;
		bool asked;
		char what[400];

		s = pacc__ck_probe_server(c, i, which, &asked);
		if (!asked)
			continue;
		n++;
		if (s == NULL) {
			pacc__ck_add(c, which, PACC_CHECK_FAIL,
			    "%s: no verdict before the deadline",
			    c->reqs[i].url);
			continue;
		}
		snprintf(what, sizeof(what), "%s %s:%u",
		    pacc_protocol_name(pacc_probe_server_protocol(s)),
		    pacc_probe_server_host(s), pacc_probe_server_port(s));
		if (pacc_probe_server_status(s) == PACC_PROBE_OK)
			pacc__ck_add(c, which, PACC_CHECK_PASS,
			    "%s (%s): %s, certificate valid%s", what,
			    pacc_tls_mode_name(pacc_probe_server_tls(s)),
			    pacc_probe_server_tls_version(s)
				? pacc_probe_server_tls_version(s)
				: "TLS",
			    pacc_probe_server_greeting(s) ? ", greeting read"
							  : "");
		else
			pacc__ck_add(c, which, PACC_CHECK_FAIL,
			    "%s (%s): %s: %s", what,
			    pacc_tls_mode_name(pacc_probe_server_tls(s)),
			    pacc_probe_server_code(s),
			    pacc_probe_server_detail(s));
	}
	if (n == 0)
		pacc__ck_add(c, which, PACC_CHECK_SKIP, "%s",
		    (c->flags & PACC_CHECK_NO_PROBE) ? "probes are disabled"
						     : none);
}

void
pacc__ck_report_probes(struct pacc_check *c, enum ck_id which, const char *none)
{
	report_probes(c, which, none);
}

/* True when the domain publishes PACC itself (a record or a document). */
static bool
publishes(const struct ck_pacc *p, const struct txt_facts *t)
{
	return t->nuaac > 0 || (p->doc && p->doc->status == PACC_OK);
}

void
pacc__ck_pacc_report(struct pacc_check *c)
{
	struct ck_pacc *p = c->pacc;
	struct txt_facts t;
	bool resolves;

	read_txt(p->txt, &t);
	resolves = (p->a && p->a->havedata) || (p->aaaa && p->aaaa->havedata);
	if (!publishes(p, &t) && !resolves && p->txt && p->txt->done &&
	    p->txt->status == PACC_OK && p->txt->sec != PACC_DNSSEC_BOGUS) {
		pacc__ck_add(c, CK_PACC_TXT, PACC_CHECK_SKIP,
		    "PACC is not published: no v=UAAC1 record at "
		    "_ua-auto-config.%s and no host ua-auto-config.%s",
		    c->domain, c->domain);
		return;
	}
	/* pacc.txt */
	if (p->txt == NULL || !p->txt->done || p->txt->status != PACC_OK)
		pacc__ck_add(c, CK_PACC_TXT, PACC_CHECK_FAIL,
		    "the _ua-auto-config.%s TXT lookup failed: %s", c->domain,
		    pacc__ck_dns_failure(p->txt));
	else if (p->txt->sec == PACC_DNSSEC_BOGUS)
		pacc__ck_add(c, CK_PACC_TXT, PACC_CHECK_FAIL,
		    "the _ua-auto-config.%s TXT answer is DNSSEC-bogus (%s); "
		    "clients report an integrity failure",
		    c->domain, p->txt->why ? p->txt->why : "validation failed");
	else if (t.nuaac == 0)
		pacc__ck_add(c, CK_PACC_TXT, PACC_CHECK_FAIL,
		    "%s serves a document but there is no v=UAAC1 TXT record "
		    "at _ua-auto-config.%s: clients cannot verify it",
		    p->url, c->domain);
	else if (t.nrecs == 0 && t.nmalformed)
		pacc__ck_add(c, CK_PACC_TXT, PACC_CHECK_FAIL,
		    "no usable v=UAAC1 record: %s", t.malformed_why);
	else if (t.nrecs == 0)
		pacc__ck_add(c, CK_PACC_TXT, PACC_CHECK_FAIL,
		    "only unsupported digest algorithms: \"%s\" (use "
		    "a=sha256)",
		    t.unsupported_txt);
	else if (t.nmalformed)
		pacc__ck_add(c, CK_PACC_TXT, PACC_CHECK_WARN,
		    "%zu usable v=UAAC1 record(s), but also a malformed one: "
		    "%s",
		    t.nrecs, t.malformed_why);
	else if (t.nunsupported)
		pacc__ck_add(c, CK_PACC_TXT, PACC_CHECK_WARN,
		    "%zu usable v=UAAC1 record(s), and one with an unknown "
		    "algorithm: \"%s\"",
		    t.nrecs, t.unsupported_txt);
	else if (t.nrecs > 1)
		pacc__ck_add(c, CK_PACC_TXT, PACC_CHECK_PASS,
		    "%zu v=UAAC1 records (a rollover: any of them may match)",
		    t.nrecs);
	else
		pacc__ck_add(c, CK_PACC_TXT, PACC_CHECK_PASS,
		    "one v=UAAC1 record (%s)",
		    pacc__digest_alg_name(t.recs[0].alg));
	/* pacc.resolve */
	if (resolves)
		pacc__ck_add(c, CK_PACC_RESOLVE, PACC_CHECK_PASS,
		    "ua-auto-config.%s has %zu address(es)", c->domain,
		    (p->a ? p->a->n : 0) + (p->aaaa ? p->aaaa->n : 0));
	else
		pacc__ck_add(c, CK_PACC_RESOLVE, PACC_CHECK_FAIL,
		    "ua-auto-config.%s has no address (%s)", c->domain,
		    p->a && p->a->nxdomain ? "NXDOMAIN"
			: p->a && p->a->done && p->a->status == PACC_OK &&
			    p->a->sec != PACC_DNSSEC_BOGUS
			? "no A/AAAA records"
			: pacc__ck_dns_failure(p->a));
	report_fetch(c, p, resolves);
	report_digest(c, p, &t);
	report_doc(c, p);
	report_probes(c, CK_PACC_PROBE,
	    p->cfg ? "the document lists no server to probe"
		   : "no usable document: nothing to probe");
}

void
pacc__ck_paccmx_report(struct pacc_check *c)
{
	const pacc_result *r = pacc__ck_disc_result(c, PACC_MECH_PACC_MX);
	const pacc_attempt *a = NULL;
	struct txt_facts t;
	const char *code;

	read_txt(c->pacc->txt, &t);
	if (publishes(c->pacc, &t)) {
		pacc__ck_add(c, CK_PACCMX_FALLBACK, PACC_CHECK_SKIP,
		    "%s publishes PACC itself: clients do not use the MX "
		    "fallback",
		    c->domain);
		return;
	}
	for (size_t i = 0; r && i < pacc_result_attempt_count(r); i++) {
		const pacc_attempt *x = pacc_result_attempt(r, i);

		if (pacc_attempt_mechanism(x) == PACC_MECH_PACC_MX)
			a = x;
	}
	if (a == NULL) {
		pacc__ck_add(c, CK_PACCMX_FALLBACK, PACC_CHECK_SKIP,
		    "no verdict before the deadline");
		return;
	}
	code = pacc_attempt_code(a);
	switch (pacc_attempt_outcome_get(a)) {
	case PACC_ATTEMPT_OK:
		pacc__ck_add(c, CK_PACCMX_FALLBACK, PACC_CHECK_PASS,
		    "clients find \"%s\" through the MX hosts: %s",
		    pacc_result_provider_name(r) ? pacc_result_provider_name(r)
						 : "a configuration",
		    pacc_attempt_detail(a));
		return;
	case PACC_ATTEMPT_ABSENT:
		pacc__ck_add(c, CK_PACCMX_FALLBACK, PACC_CHECK_SKIP,
		    "not used: %s", pacc_attempt_detail(a));
		return;
	default:
		break;
	}
	if (code && strcmp(code, "dnssec-bogus") != 0 &&
	    !pacc__ck_sts_mx_publish_pacc(c)) {
		pacc__ck_add(c, CK_PACCMX_FALLBACK, PACC_CHECK_SKIP,
		    "the MX hosts publish no PACC record: not used (%s)", code);
		return;
	}
	pacc__ck_add(c, CK_PACCMX_FALLBACK, PACC_CHECK_FAIL,
	    "the MX hosts publish PACC but clients cannot use it: %s: %s",
	    code ? code
		 : pacc_attempt_outcome_name(pacc_attempt_outcome_get(a)),
	    pacc_attempt_detail(a));
}
