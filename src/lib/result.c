/* SPDX-License-Identifier: MIT */
/* The result object: getters, copies, names and the JSON of DESIGN §3. */
#include <string.h>

#include <jansson.h>

#include "internal.h"

/* ---- stable names ---- */

static const char *const outcome_names[] = {
	[PACC_RESULT_FOUND] = "found",
	[PACC_RESULT_NOT_FOUND] = "not-found",
	[2] = NULL,
	[PACC_RESULT_INTEGRITY_FAILURE] = "integrity-failure",
	[PACC_RESULT_ERROR] = "error",
};
static const char *const mech_names[PACC_MECH__COUNT] = {
	"pacc",
	"pacc-mx",
	"pacc-srv",
	"webfinger",
	"srv",
	"autoconfig",
	"autodiscover",
	"ispdb",
	"guess",
};
static const char *const proto_names[] = {
	"jmap",
	"imap",
	"pop3",
	"smtp",
	"caldav",
	"carddav",
	"webdav",
	"managesieve",
};
static const char *const tls_names[] = { "implicit", "starttls", "none" };
static const char *const dnssec_names[] = { "n/a", "secure", "insecure",
	"bogus" };
static const char *const digest_names[] = { "n/a", "verified", "mismatch",
	"absent" };
static const char *const attempt_names[] = { "ok", "absent", "failed",
	"skipped", "cancelled", "timeout" };

#define NAME_OF(tab, v)                                                        \
	((unsigned)(v) < PACC__ARRAY_LEN(tab) && (tab)[(unsigned)(v)]          \
		? (tab)[(unsigned)(v)]                                         \
		: "unknown")

PACC__API const char *
pacc_outcome_name(pacc_outcome o)
{
	return NAME_OF(outcome_names, o);
}
PACC__API const char *
pacc_mechanism_name(pacc_mechanism m)
{
	return NAME_OF(mech_names, m);
}
PACC__API const char *
pacc_protocol_name(pacc_protocol p)
{
	return NAME_OF(proto_names, p);
}
PACC__API const char *
pacc_tls_mode_name(pacc_tls_mode t)
{
	return NAME_OF(tls_names, t);
}
PACC__API const char *
pacc_dnssec_name(pacc_dnssec d)
{
	return NAME_OF(dnssec_names, d);
}
PACC__API const char *
pacc_digest_state_name(pacc_digest_state d)
{
	return NAME_OF(digest_names, d);
}
PACC__API const char *
pacc_attempt_outcome_name(pacc_attempt_outcome o)
{
	return NAME_OF(attempt_names, o);
}

PACC__API int
pacc_mechanism_from_name(const char *name)
{
	for (int i = 0; name && i < PACC_MECH__COUNT; i++)
		if (strcmp(mech_names[i], name) == 0)
			return i;
	return -1;
}

/* ---- life cycle ---- */

int
pacc__result_new(pacc_result **out)
{
	pacc_result *r = pacc__calloc(1, sizeof(*r));

	*out = NULL;
	if (r == NULL)
		return PACC_ENOMEM;
	r->mechanism = -1;
	if (pacc__config_new(&r->cfg) != PACC_OK) {
		pacc__free(r);
		return PACC_ENOMEM;
	}
	*out = r;
	return PACC_OK;
}

static void
integrity_clear(struct pacc_integrity *in)
{
	pacc__free(in->dnssec_reason);
	pacc__free(in->dnssec_detail);
}

PACC__API void
pacc_result_free(pacc_result *r)
{
	if (r == NULL)
		return;
	pacc__free(r->errmsg);
	pacc__free(r->address);
	pacc__free(r->domain);
	pacc__free(r->domain_unicode);
	pacc__free(r->source);
	integrity_clear(&r->integrity);
	pacc__config_free(r->cfg);
	for (size_t i = 0; i < r->nconfirm; i++)
		pacc__free(r->confirm[i]);
	pacc__free(r->confirm);
	for (size_t i = 0; i < r->nattempts; i++) {
		pacc__free(r->attempts[i].code);
		pacc__free(r->attempts[i].detail);
	}
	pacc__free(r->attempts);
	for (size_t i = 0; i < r->ncandidates; i++) {
		pacc__free(r->candidates[i].source);
		pacc__free(r->candidates[i].title);
		pacc__free(r->candidates[i].code);
		pacc__config_free(r->candidates[i].cfg);
		integrity_clear(&r->candidates[i].integrity);
	}
	pacc__free(r->candidates);
	for (size_t i = 0; i < r->nmx_hosts; i++)
		pacc__free(r->mx_hosts[i]);
	pacc__free(r->mx_hosts);
	pacc__free(r->mx_form);
	pacc__xcheck_free(r->xcheck);
	pacc__free(r);
}

static int
dupstr(char **dst, const char *src)
{
	*dst = NULL;
	if (src && (*dst = pacc__strdup(src)) == NULL)
		return PACC_ENOMEM;
	return PACC_OK;
}

static int
integrity_dup(struct pacc_integrity *d, const struct pacc_integrity *s)
{
	*d = *s;
	d->dnssec_reason = d->dnssec_detail = NULL;
	if (dupstr(&d->dnssec_reason, s->dnssec_reason) ||
	    dupstr(&d->dnssec_detail, s->dnssec_detail))
		return PACC_ENOMEM;
	return PACC_OK;
}

PACC__API int
pacc_result_dup(pacc_result **out, const pacc_result *s)
{
	pacc_result *r;

	if (out == NULL || s == NULL)
		return PACC_EINVAL;
	*out = NULL;
	r = pacc__calloc(1, sizeof(*r));
	if (r == NULL)
		return PACC_ENOMEM;
	r->outcome = s->outcome;
	r->error = s->error;
	r->mechanism = s->mechanism;
	r->confirm_required = s->confirm_required;
	if (dupstr(&r->errmsg, s->errmsg) || dupstr(&r->address, s->address) ||
	    dupstr(&r->domain, s->domain) ||
	    dupstr(&r->domain_unicode, s->domain_unicode) ||
	    dupstr(&r->source, s->source) || dupstr(&r->mx_form, s->mx_form) ||
	    integrity_dup(&r->integrity, &s->integrity) ||
	    pacc__config_dup(&r->cfg, s->cfg) ||
	    pacc__xcheck_dup(&r->xcheck, s->xcheck))
		goto fail;
	if (s->nconfirm) {
		if ((r->confirm = pacc__calloc(s->nconfirm, sizeof(char *))) ==
		    NULL)
			goto fail;
		for (; r->nconfirm < s->nconfirm; r->nconfirm++)
			if (dupstr(&r->confirm[r->nconfirm],
				s->confirm[r->nconfirm]))
				goto fail;
	}
	if (s->nmx_hosts) {
		if ((r->mx_hosts = pacc__calloc(s->nmx_hosts,
			 sizeof(char *))) == NULL)
			goto fail;
		for (; r->nmx_hosts < s->nmx_hosts; r->nmx_hosts++)
			if (dupstr(&r->mx_hosts[r->nmx_hosts],
				s->mx_hosts[r->nmx_hosts]))
				goto fail;
	}
	if (s->nattempts) {
		if ((r->attempts = pacc__calloc(s->nattempts,
			 sizeof(*r->attempts))) == NULL)
			goto fail;
		for (; r->nattempts < s->nattempts; r->nattempts++) {
			struct pacc_attempt *a = &r->attempts[r->nattempts];
			const struct pacc_attempt *b =
			    &s->attempts[r->nattempts];

			*a = *b;
			a->code = a->detail = NULL;
			if (dupstr(&a->code, b->code) ||
			    dupstr(&a->detail, b->detail)) {
				r->nattempts++;
				goto fail;
			}
		}
	}
	if (s->ncandidates) {
		if ((r->candidates = pacc__calloc(s->ncandidates,
			 sizeof(*r->candidates))) == NULL)
			goto fail;
		for (; r->ncandidates < s->ncandidates; r->ncandidates++) {
			struct pacc_candidate *c =
			    &r->candidates[r->ncandidates];
			const struct pacc_candidate *b =
			    &s->candidates[r->ncandidates];

			c->mechanism = b->mechanism;
			c->usable = b->usable;
			if (dupstr(&c->source, b->source) ||
			    dupstr(&c->title, b->title) ||
			    dupstr(&c->code, b->code) ||
			    integrity_dup(&c->integrity, &b->integrity) ||
			    pacc__config_dup(&c->cfg, b->cfg)) {
				r->ncandidates++;
				goto fail;
			}
		}
	}
	*out = r;
	return PACC_OK;
fail:
	pacc_result_free(r);
	return PACC_ENOMEM;
}

/* ---- getters (borrowed) ---- */

PACC__API pacc_outcome
pacc_result_outcome(const pacc_result *r)
{
	return r ? r->outcome : PACC_RESULT_ERROR;
}
PACC__API int
pacc_result_error(const pacc_result *r)
{
	return r ? r->error : PACC_EINVAL;
}
PACC__API const char *
pacc_result_errmsg(const pacc_result *r)
{
	return r && r->errmsg ? r->errmsg : "";
}
PACC__API const char *
pacc_result_address(const pacc_result *r)
{
	return r ? r->address : NULL;
}
PACC__API const char *
pacc_result_domain(const pacc_result *r)
{
	return r ? r->domain : NULL;
}
PACC__API const char *
pacc_result_domain_unicode(const pacc_result *r)
{
	return r ? r->domain_unicode : NULL;
}
PACC__API int
pacc_result_mechanism(const pacc_result *r)
{
	return r ? r->mechanism : -1;
}
PACC__API const char *
pacc_result_source(const pacc_result *r)
{
	return r ? r->source : NULL;
}
PACC__API pacc_digest_state
pacc_result_digest(const pacc_result *r)
{
	return r ? r->integrity.digest : PACC_DIGEST_NA;
}
PACC__API pacc_dnssec
pacc_result_dnssec(const pacc_result *r)
{
	return r ? r->integrity.dnssec : PACC_DNSSEC_NA;
}
PACC__API const char *
pacc_result_dnssec_reason(const pacc_result *r)
{
	return r ? r->integrity.dnssec_reason : NULL;
}
PACC__API const char *
pacc_result_oauth_issuer(const pacc_result *r)
{
	return r ? r->cfg->oauth_issuer : NULL;
}
PACC__API const char *
pacc_result_provider_name(const pacc_result *r)
{
	return r ? r->cfg->provider_name : NULL;
}
PACC__API const char *
pacc_result_provider_short_name(const pacc_result *r)
{
	return r ? r->cfg->provider_short : NULL;
}
PACC__API size_t
pacc_result_server_count(const pacc_result *r)
{
	return r ? r->cfg->nservers : 0;
}
PACC__API const pacc_server *
pacc_result_server(const pacc_result *r, size_t i)
{
	return r && i < r->cfg->nservers ? &r->cfg->servers[i] : NULL;
}
PACC__API pacc_protocol
pacc_server_protocol(const pacc_server *s)
{
	return s->proto;
}
PACC__API const char *
pacc_server_host(const pacc_server *s)
{
	return s->host;
}
PACC__API unsigned
pacc_server_port(const pacc_server *s)
{
	return s->port;
}
PACC__API pacc_tls_mode
pacc_server_tls(const pacc_server *s)
{
	return s->tls;
}
PACC__API const char *
pacc_server_url(const pacc_server *s)
{
	return s->url;
}
PACC__API const char *
pacc_server_username(const pacc_server *s)
{
	return s->username;
}
PACC__API unsigned
pacc_server_auth(const pacc_server *s)
{
	return s->auth;
}
PACC__API size_t
pacc_result_confirm_count(const pacc_result *r)
{
	return r ? r->nconfirm : 0;
}
PACC__API const char *
pacc_result_confirm_domain(const pacc_result *r, size_t i)
{
	return r && i < r->nconfirm ? r->confirm[i] : NULL;
}
PACC__API int
pacc_result_confirm_required(const pacc_result *r)
{
	return r ? r->confirm_required : 1;
}
PACC__API size_t
pacc_result_attempt_count(const pacc_result *r)
{
	return r ? r->nattempts : 0;
}
PACC__API const pacc_attempt *
pacc_result_attempt(const pacc_result *r, size_t i)
{
	return r && i < r->nattempts ? &r->attempts[i] : NULL;
}
PACC__API pacc_mechanism
pacc_attempt_mechanism(const pacc_attempt *a)
{
	return a->mechanism;
}
PACC__API pacc_attempt_outcome
pacc_attempt_outcome_get(const pacc_attempt *a)
{
	return a->outcome;
}
PACC__API const char *
pacc_attempt_code(const pacc_attempt *a)
{
	return a->code;
}
PACC__API const char *
pacc_attempt_detail(const pacc_attempt *a)
{
	return a->detail;
}
PACC__API long
pacc_attempt_elapsed_ms(const pacc_attempt *a)
{
	return a->elapsed_ms;
}
PACC__API size_t
pacc_result_candidate_count(const pacc_result *r)
{
	return r ? r->ncandidates : 0;
}
PACC__API const pacc_candidate *
pacc_result_candidate(const pacc_result *r, size_t i)
{
	return r && i < r->ncandidates ? &r->candidates[i] : NULL;
}
PACC__API pacc_mechanism
pacc_candidate_mechanism(const pacc_candidate *c)
{
	return c->mechanism;
}
PACC__API int
pacc_candidate_usable(const pacc_candidate *c)
{
	return c->usable;
}
PACC__API size_t
pacc_candidate_server_count(const pacc_candidate *c)
{
	return c->cfg ? c->cfg->nservers : 0;
}
PACC__API const pacc_server *
pacc_candidate_server(const pacc_candidate *c, size_t i)
{
	return c->cfg && i < c->cfg->nservers ? &c->cfg->servers[i] : NULL;
}

/* ---- JSON (DESIGN §3) ---- */

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int
set(json_t *o, const char *k, json_t *v)
{
	/* json_object_set_new steals v even on failure */
	return v == NULL || json_object_set_new(o, k, v) != 0 ? -1 : 0;
}

static json_t *
integrity_json(const struct pacc_integrity *in)
{
	json_t *o = json_object();

	if (o == NULL ||
	    set(o, "digest", json_string(pacc_digest_state_name(in->digest))) ||
	    set(o, "dnssec", json_string(pacc_dnssec_name(in->dnssec))) ||
	    set(o, "dnssec_reason", jstr(in->dnssec_reason)) ||
	    set(o, "dnssec_detail", jstr(in->dnssec_detail)) ||
	    set(o, "digest_alg",
		in->alg ? json_string(pacc__digest_alg_name(in->alg))
			: json_null())) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
servers_json(const struct pacc__config *cfg)
{
	json_t *a = json_array(), *s, *auth;

	if (a == NULL)
		return NULL;
	for (size_t i = 0; cfg && i < cfg->nservers; i++) {
		const struct pacc_server *v = &cfg->servers[i];

		s = json_object();
		auth = json_array();
		if (s == NULL || auth == NULL || json_array_append_new(a, s)) {
			json_decref(auth);
			goto fail;
		}
		if (set(s, "protocol",
			json_string(pacc_protocol_name(v->proto))))
			goto fail_auth;
		if (v->url) {
			if (set(s, "url", json_string(v->url)))
				goto fail_auth;
		} else if (set(s, "host", jstr(v->host)) ||
		    set(s, "port", json_integer(v->port)) ||
		    set(s, "tls", json_string(pacc_tls_mode_name(v->tls))) ||
		    set(s, "username", jstr(v->username))) {
			goto fail_auth;
		}
		if (((v->auth & PACC_AUTH_PASSWORD) &&
			json_array_append_new(auth, json_string("password"))) ||
		    ((v->auth & PACC_AUTH_OAUTH2) &&
			json_array_append_new(auth, json_string("oauth2"))))
			goto fail_auth;
		if (set(s, "auth", auth))
			goto fail;
		if (v->verify_basis &&
		    set(s, "verify_name_basis", json_string(v->verify_basis)))
			goto fail;
		continue;
fail_auth:
		json_decref(auth);
		goto fail;
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *
strings_json(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
result_json(const pacc_result *r)
{
	json_t *o = json_object(), *x, *arr;
	const struct pacc__config *cfg = r->cfg;

	if (o == NULL)
		return NULL;
	if (set(o, "address", jstr(r->address)) ||
	    set(o, "domain", jstr(r->domain)) ||
	    set(o, "domain_unicode", jstr(r->domain_unicode)) ||
	    set(o, "status", json_string(pacc_outcome_name(r->outcome))) ||
	    set(o, "mechanism",
		r->mechanism >= 0 ? json_string(pacc_mechanism_name(
					(pacc_mechanism)r->mechanism))
				  : json_null()) ||
	    set(o, "source", jstr(r->source)) ||
	    set(o, "integrity", integrity_json(&r->integrity)) ||
	    set(o, "servers", servers_json(cfg)))
		goto fail;
	if (cfg->insecure && set(o, "insecure", json_true()))
		goto fail;
	if (cfg->oauth_issuer) {
		x = json_object();
		if (set(o, "oauth2", x) ||
		    set(x, "issuer", json_string(cfg->oauth_issuer)))
			goto fail;
	} else if (set(o, "oauth2", json_null())) {
		goto fail;
	}
	if (cfg->provider_name) {
		x = json_object();
		if (set(o, "provider", x) ||
		    set(x, "name", json_string(cfg->provider_name)) ||
		    (cfg->provider_short &&
			set(x, "shortName", json_string(cfg->provider_short))))
			goto fail;
	} else if (set(o, "provider", json_null())) {
		goto fail;
	}
	x = json_object();
	if (set(o, "confirm", x) ||
	    set(x, "domains", strings_json(r->confirm, r->nconfirm)) ||
	    set(x, "required", json_boolean(r->confirm_required)))
		goto fail;
	arr = json_array();
	if (set(o, "candidates", arr))
		goto fail;
	for (size_t i = 0; i < r->ncandidates; i++) {
		const struct pacc_candidate *c = &r->candidates[i];

		x = json_object();
		if (x == NULL || json_array_append_new(arr, x) ||
		    set(x, "mechanism",
			json_string(pacc_mechanism_name(c->mechanism))) ||
		    set(x, "usable", json_boolean(c->usable)) ||
		    set(x, "source", jstr(c->source)) ||
		    (c->title && set(x, "title", json_string(c->title))) ||
		    (c->cfg && c->cfg->insecure &&
			set(x, "insecure", json_true())) ||
		    set(x, "servers", servers_json(c->cfg)) ||
		    set(x, "integrity", integrity_json(&c->integrity)))
			goto fail;
	}
	arr = json_array();
	if (set(o, "attempts", arr))
		goto fail;
	for (size_t i = 0; i < r->nattempts; i++) {
		const struct pacc_attempt *a = &r->attempts[i];

		x = json_object();
		if (x == NULL || json_array_append_new(arr, x) ||
		    set(x, "mechanism",
			json_string(pacc_mechanism_name(a->mechanism))) ||
		    set(x, "outcome",
			json_string(pacc_attempt_outcome_name(a->outcome))) ||
		    set(x, "code", jstr(a->code)) ||
		    set(x, "detail", jstr(a->detail)) ||
		    set(x, "elapsed_ms", json_integer(a->elapsed_ms)))
			goto fail;
	}
	if (r->nmx_hosts) {
		x = json_object();
		if (set(o, "mx", x) ||
		    set(x, "hosts", strings_json(r->mx_hosts, r->nmx_hosts)) ||
		    set(x, "name_form", jstr(r->mx_form)))
			goto fail;
	}
	if (r->outcome == PACC_RESULT_ERROR) {
		x = json_object();
		if (set(o, "error", x) ||
		    set(x, "code", json_string(pacc_status_name(r->error))) ||
		    set(x, "detail", jstr(r->errmsg)))
			goto fail;
	}
	/* --doh: the DNS cross-check (crosscheck.c) */
	if (r->xcheck && set(o, "crosscheck", pacc__xcheck_json(r->xcheck)))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

PACC__API int
pacc_result_to_json(char **out, const pacc_result *r, unsigned flags)
{
	json_t *o;
	int rc;

	if (out == NULL || r == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if ((o = result_json(r)) == NULL)
		return PACC_ENOMEM;
	rc = pacc__json_text(out, o, flags, 0);
	json_decref(o);
	return rc;
}

int
pacc__json_text(char **out, const json_t *o, unsigned flags, size_t extra)
{
	/* jansson allocates with malloc(): the caller's free() matches */
	*out = json_dumps(o,
	    (flags & PACC_JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT) |
		JSON_PRESERVE_ORDER | extra);
	return *out != NULL ? PACC_OK : PACC_ENOMEM;
}
