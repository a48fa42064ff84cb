/* SPDX-License-Identifier: MIT */
/*
 * Configuration updates: what changed since a saved result, and whether the
 * change may be applied silently.  The earlier PACC draft: a client that
 * updates its configuration "MUST use only mechanisms that are secure and
 * cannot be tampered with by an active attacker" and the user should still
 * approve -- so only an authenticated answer is "accept".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

#define MAX_CHANGES 256

struct change {
	const char *kind; /* static */
	char *what;
};

struct pacc_changes {
	pacc_change_decision decision;
	bool authenticated;
	struct change *v;
	size_t n;
};

static int add(struct pacc_changes *c, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int
add(struct pacc_changes *c, const char *kind, const char *fmt, ...)
{
	char buf[600];
	struct change *nv;
	va_list ap;

	if (c->n >= MAX_CHANGES)
		return PACC_OK; /* enough to decide; the rest is noise */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	nv = pacc__reallocarray(c->v, c->n + 1, sizeof(*nv));
	if (nv == NULL)
		return PACC_ENOMEM;
	c->v = nv;
	if ((c->v[c->n].what = pacc__strdup(buf)) == NULL)
		return PACC_ENOMEM;
	c->v[c->n++].kind = kind;
	return PACC_OK;
}

/* One line per server: what a client would store. */
static void
server_key(char *out, size_t cap, const char *proto, const char *host,
    long port, const char *tls, const char *url, const char *user)
{
	if (url)
		snprintf(out, cap, "%s %s", proto, url);
	else
		snprintf(out, cap, "%s %s:%ld %s user %s", proto,
		    host ? host : "?", port, tls ? tls : "?",
		    user ? user : "-");
}

static const char *
jget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool
in_list(char (*keys)[400], size_t n, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], k) == 0)
			return true;
	return false;
}

PACC__API int
pacc_result_compare(pacc_changes **out, const pacc_result *now,
    const char *previous, size_t len)
{
	char(*oldk)[400] = NULL, (*newk)[400] = NULL;
	struct pacc_changes *c = NULL;
	json_t *prev = NULL, *arr, *v;
	size_t nold = 0, nnew = 0, i;
	const char *s;
	int rc = PACC_ENOMEM;

	if (out == NULL || now == NULL || previous == NULL)
		return PACC_EINVAL;
	*out = NULL;
	prev = json_loadb(previous, len, JSON_REJECT_DUPLICATES, NULL);
	if (prev == NULL || !json_is_object(prev) ||
	    !json_is_array(json_object_get(prev, "servers"))) {
		json_decref(prev);
		return PACC_EFORMAT;
	}
	oldk = pacc__calloc(64, sizeof(*oldk));
	newk = pacc__calloc(64, sizeof(*newk));
	if (oldk == NULL || newk == NULL ||
	    (c = pacc__calloc(1, sizeof(*c))) == NULL)
		goto out;
	c->authenticated = now->outcome == PACC_RESULT_FOUND &&
	    (now->mechanism == PACC_MECH_PACC ||
		now->mechanism == PACC_MECH_PACC_MX) &&
	    now->integrity.digest == PACC_DIGEST_VERIFIED &&
	    now->integrity.dnssec == PACC_DNSSEC_SECURE;
	s = jget(prev, "status");
	if (s && strcmp(s, pacc_outcome_name(now->outcome)) != 0 &&
	    (rc = add(c, "status", "%s -> %s", s,
		 pacc_outcome_name(now->outcome))) != PACC_OK)
		goto out;
	s = jget(prev, "mechanism");
	if (now->mechanism >= 0 &&
	    (s == NULL ||
		strcmp(s,
		    pacc_mechanism_name((pacc_mechanism)now->mechanism)) !=
		    0) &&
	    (rc = add(c, "mechanism", "%s -> %s", s ? s : "none",
		 pacc_mechanism_name((pacc_mechanism)now->mechanism))) !=
		PACC_OK)
		goto out;
	arr = json_object_get(prev, "servers");
	json_array_foreach (arr, i, v) {
		json_t *port = json_object_get(v, "port");

		if (nold == 64)
			break;
		server_key(oldk[nold++], sizeof(oldk[0]), jget(v, "protocol"),
		    jget(v, "host"),
		    json_is_integer(port) ? (long)json_integer_value(port) : 0,
		    jget(v, "tls"), jget(v, "url"), jget(v, "username"));
	}
	for (i = 0; i < now->cfg->nservers && nnew < 64; i++) {
		const struct pacc_server *sv = &now->cfg->servers[i];

		server_key(newk[nnew++], sizeof(newk[0]),
		    pacc_protocol_name(sv->proto), sv->host, (long)sv->port,
		    pacc_tls_mode_name(sv->tls), sv->url, sv->username);
	}
	for (i = 0; i < nnew; i++)
		if (!in_list(oldk, nold, newk[i]) &&
		    (rc = add(c, "added", "%s", newk[i])) != PACC_OK)
			goto out;
	for (i = 0; i < nold; i++)
		if (!in_list(newk, nnew, oldk[i]) &&
		    (rc = add(c, "removed", "%s", oldk[i])) != PACC_OK)
			goto out;
	if (c->n == 0 && nold == nnew) {
		for (i = 0; i < nnew; i++)
			if (strcmp(oldk[i], newk[i]) != 0) {
				if ((rc = add(c, "order", "%s now at %zu",
					 newk[i], i + 1)) != PACC_OK)
					goto out;
				break;
			}
	}
	v = json_object_get(prev, "oauth2");
	s = json_is_object(v) ? jget(v, "issuer") : NULL;
	if ((s == NULL) != (now->cfg->oauth_issuer == NULL) ||
	    (s && strcmp(s, now->cfg->oauth_issuer) != 0))
		if ((rc = add(c, "oauth2", "issuer %s -> %s", s ? s : "none",
			 now->cfg->oauth_issuer ? now->cfg->oauth_issuer
						: "none")) != PACC_OK)
			goto out;
	v = json_object_get(prev, "provider");
	s = json_is_object(v) ? jget(v, "name") : NULL;
	if ((s == NULL) != (now->cfg->provider_name == NULL) ||
	    (s && strcmp(s, now->cfg->provider_name) != 0))
		if ((rc = add(c, "provider", "name %s -> %s", s ? s : "none",
			 now->cfg->provider_name ? now->cfg->provider_name
						 : "none")) != PACC_OK)
			goto out;
	c->decision = c->n == 0 ? PACC_CHANGES_UNCHANGED
	    : c->authenticated	? PACC_CHANGES_ACCEPT
				: PACC_CHANGES_NEEDS_APPROVAL;
	*out = c;
	c = NULL;
	rc = PACC_OK;
out:
	json_decref(prev);
	pacc_changes_free(c);
	pacc__free(oldk);
	pacc__free(newk);
	return rc;
}

PACC__API void
pacc_changes_free(pacc_changes *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		pacc__free(c->v[i].what);
	pacc__free(c->v);
	pacc__free(c);
}

PACC__API pacc_change_decision
pacc_changes_decision(const pacc_changes *c)
{
	return c ? c->decision : PACC_CHANGES_NEEDS_APPROVAL;
}

PACC__API const char *
pacc_change_decision_name(pacc_change_decision d)
{
	switch (d) {
	case PACC_CHANGES_UNCHANGED:
		return "unchanged";
	case PACC_CHANGES_ACCEPT:
		return "accept";
	case PACC_CHANGES_NEEDS_APPROVAL:
		return "needs-approval";
	}
	return "unknown";
}

PACC__API size_t
pacc_changes_count(const pacc_changes *c)
{
	return c ? c->n : 0;
}

PACC__API const char *
pacc_changes_kind(const pacc_changes *c, size_t i)
{
	return c && i < c->n ? c->v[i].kind : NULL;
}

PACC__API const char *
pacc_changes_what(const pacc_changes *c, size_t i)
{
	return c && i < c->n ? c->v[i].what : NULL;
}

PACC__API int
pacc_changes_to_json(char **out, const pacc_changes *c)
{
	json_t *o, *a, *x;
	char *s;

	if (out == NULL || c == NULL)
		return PACC_EINVAL;
	*out = NULL;
	o = json_object();
	a = json_array();
	if (o == NULL || a == NULL ||
	    json_object_set_new(o, "decision",
		json_string(pacc_change_decision_name(c->decision))) ||
	    json_object_set_new(o, "authenticated",
		json_boolean(c->authenticated)) ||
	    json_object_set(o, "changes", a))
		goto fail;
	for (size_t i = 0; i < c->n; i++) {
		x = json_pack("{s:s,s:s}", "kind", c->v[i].kind, "what",
		    c->v[i].what);
		if (x == NULL || json_array_append_new(a, x))
			goto fail;
	}
	json_decref(a);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return PACC_ENOMEM;
	*out = strdup(s);
	free(s);
	return *out ? PACC_OK : PACC_ENOMEM;
fail:
	json_decref(a);
	json_decref(o);
	return PACC_ENOMEM;
}
