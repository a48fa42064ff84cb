/* SPDX-License-Identifier: MIT */
/*
 * OAuth 2.0 wire formats for `pacc login --oauth` (oauth.c), pure: bytes
 * in, structs out.  Every input comes from the network (authorization
 * server answers) or from a browser (the loopback redirect) and is
 * treated as hostile: bounded, duplicate JSON members rejected, strings
 * checked before they are used in URLs, headers or SASL messages.
 *
 *  - RFC 8414 metadata (and OpenID Connect Discovery 1.0 §3, same
 *    members): `issuer` must equal the configured issuer exactly (RFC
 *    8414 §3.3); authorization and token endpoints are https URLs; PKCE
 *    S256 must be listed in code_challenge_methods_supported (the profile
 *    requires PKCE; a server that does not list it is refused).
 *  - RFC 7591 §3.2.1 registration response: a client_id.
 *  - RFC 6749 §5.1 token response: token_type Bearer (case-insensitive,
 *    RFC 6749 §7.1; DPoP and others are refused: bearer tokens only),
 *    access_token in RFC 6750 §2.1 b64token syntax, expires_in, optional
 *    refresh_token and scope.  §5.2 error responses give their code.
 *  - The loopback redirect request (RFC 8252 §7.3): request line, path,
 *    query parameters code/state/iss/error (RFC 6749 §4.1.2, RFC 9207).
 *  - The RFC 7628 §3.2.2 OAUTHBEARER error challenge (status, scope,
 *    openid-configuration).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <openssl/crypto.h>

#include "internal.h"

#define JFLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

/* Secrets (tokens, codes) are plain heap strings here, wiped before they
 * are released; oauth.c keeps what it keeps in secret memory.  (This file
 * stays free of sasl.c, for the fuzzers.) */
static char *
secret_dup(const char *s) /* a name that says what the copy holds */
{
	return pacc__strdup(s);
}

static void
secret_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		pacc__free(s);
	}
}

static void
say(char *why, size_t whylen, const char *fmt, const char *arg)
{
	char q[64];

	if (why == NULL || whylen == 0)
		return;
	if (arg == NULL)
		snprintf(why, whylen, "%s", fmt);
	else
		snprintf(why, whylen, fmt, pacc__quote(q, sizeof(q), arg));
}

static json_t *
load(const unsigned char *body, size_t len, size_t max, char *why,
    size_t whylen)
{
	json_error_t err;
	json_t *root;

	if (len > max) {
		say(why, whylen, "the answer is too large", NULL);
		return NULL;
	}
	root = json_loadb((const char *)body, len, JFLAGS, &err);
	if (root == NULL) {
		say(why, whylen, "the answer is not valid JSON", NULL);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		say(why, whylen, "the answer is not a JSON object", NULL);
		return NULL;
	}
	return root;
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A string array member: true when every element of it is a string. */
static bool
has_string(json_t *o, const char *key, const char *want, bool ci)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (!json_is_array(a))
		return false;
	json_array_foreach (a, i, v) {
		const char *s = json_string_value(v);

		if (s && (ci ? strcasecmp(s, want) : strcmp(s, want)) == 0)
			return true;
	}
	return false;
}

bool
pacc__oauth_issuer_valid(const char *s)
{
	return s != NULL && strlen(s) <= PACC__OAUTH_MAX_URL &&
	    pacc__https_url_valid(s) && strchr(s, '?') == NULL &&
	    strchr(s, '#') == NULL;
}

/* An endpoint URL we will contact or send a browser to: https, no
 * fragment (RFC 6749 §3.1), bounded. */
static bool
endpoint_ok(const char *s)
{
	return s != NULL && strlen(s) <= PACC__OAUTH_MAX_URL &&
	    pacc__https_url_valid(s) && strchr(s, '#') == NULL;
}

int
pacc__oauth_meta_urls(const char *issuer, char **rfc8414, char **oidc)
{
	const char *a, *path;
	size_t hl, il;

	*rfc8414 = NULL;
	*oidc = NULL;
	if (!pacc__oauth_issuer_valid(issuer))
		return PACC_EINVAL;
	a = issuer + 8;
	path = a + strcspn(a, "/");
	hl = (size_t)(path - issuer);
	il = strlen(issuer);
	/* RFC 8414 §3.1: the well-known segment before the path; a
	 * terminating "/" of the issuer is dropped first */
	if (*path == '/' && path[1] == '\0')
		path++;
	*rfc8414 = pacc__malloc(hl + strlen(path) + 48);
	*oidc = pacc__malloc(il + 48);
	if (*rfc8414 && *oidc) {
		snprintf(*rfc8414, hl + strlen(path) + 48,
		    "%.*s/.well-known/oauth-authorization-server%s", (int)hl,
		    issuer, path);
		/* OpenID Connect Discovery §4.1: appended to the issuer */
		snprintf(*oidc, il + 48,
		    "%.*s/.well-known/openid-configuration",
		    (int)(il > 0 && issuer[il - 1] == '/' ? il - 1 : il),
		    issuer);
	}
	if (*rfc8414 == NULL || *oidc == NULL) {
		pacc__free(*rfc8414);
		pacc__free(*oidc);
		*rfc8414 = *oidc = NULL;
		return PACC_ENOMEM;
	}
	return PACC_OK;
}

void
pacc__oauth_meta_clear(struct pacc__oauth_meta *m)
{
	pacc__free(m->issuer);
	pacc__free(m->authorization_endpoint);
	pacc__free(m->token_endpoint);
	pacc__free(m->registration_endpoint);
	for (size_t i = 0; i < m->nscopes; i++)
		pacc__free(m->scopes[i]);
	pacc__free(m->scopes);
	for (size_t i = 0; i < m->nresources; i++)
		pacc__free(m->resources[i]);
	pacc__free(m->resources);
	memset(m, 0, sizeof(*m));
}

/* Copy the printable-token strings of an array member (bounded). */
static int
take_list(json_t *o, const char *key, size_t max, bool url, char ***out,
    size_t *n)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return PACC_OK;
	json_array_foreach (a, i, v) {
		const char *s = json_string_value(v);
		char **nv, *d;
		bool ok = s != NULL && *s != '\0' && strlen(s) <= 512;

		if (*n >= max)
			break;
		for (const char *p = s; ok && *p; p++)
			if ((unsigned char)*p <= 0x20 ||
			    (unsigned char)*p >= 0x7f || *p == '"' ||
			    *p == '\\')
				ok = false;
		if (!ok || (url && !pacc__https_url_valid(s)))
			continue;
		if ((d = pacc__strdup(s)) == NULL)
			return PACC_ENOMEM;
		nv = pacc__reallocarray(*out, *n + 1, sizeof(*nv));
		if (nv == NULL) {
			pacc__free(d);
			return PACC_ENOMEM;
		}
		nv[(*n)++] = d;
		*out = nv;
	}
	return PACC_OK;
}

int
pacc__oauth_meta_parse(struct pacc__oauth_meta *out, const unsigned char *body,
    size_t len, const char *issuer, char *why, size_t whylen)
{
	const char *iss, *az, *tok, *reg;
	json_t *root;
	int rc = PACC_ENOMEM;

	memset(out, 0, sizeof(*out));
	if (why && whylen)
		why[0] = '\0';
	if ((root = load(body, len, PACC__OAUTH_MAX_META, why, whylen)) == NULL)
		return PACC_EOAUTH_METADATA;
	iss = jstr(root, "issuer");
	if (iss == NULL) {
		say(why, whylen, "the metadata names no issuer", NULL);
		rc = PACC_EOAUTH_METADATA;
		goto fail;
	}
	/* RFC 8414 §3.3: identical, character for character */
	if (issuer == NULL || strcmp(iss, issuer) != 0) {
		say(why, whylen, "the metadata names the issuer %s", iss);
		rc = PACC_EOAUTH_ISSUER;
		goto fail;
	}
	az = jstr(root, "authorization_endpoint");
	tok = jstr(root, "token_endpoint");
	reg = jstr(root, "registration_endpoint");
	if (!endpoint_ok(az) || !endpoint_ok(tok)) {
		say(why, whylen,
		    "the metadata lacks an https authorization or token "
		    "endpoint",
		    NULL);
		rc = PACC_EOAUTH_METADATA;
		goto fail;
	}
	if (!has_string(root, "code_challenge_methods_supported", "S256",
		false)) {
		say(why, whylen,
		    "the metadata does not list S256 in "
		    "code_challenge_methods_supported",
		    NULL);
		rc = PACC_EOAUTH_NO_S256;
		goto fail;
	}
	if ((out->issuer = pacc__strdup(iss)) == NULL ||
	    (out->authorization_endpoint = pacc__strdup(az)) == NULL ||
	    (out->token_endpoint = pacc__strdup(tok)) == NULL)
		goto fail;
	/* a registration endpoint that is not https is as good as none */
	if (endpoint_ok(reg) &&
	    (out->registration_endpoint = pacc__strdup(reg)) == NULL)
		goto fail;
	out->iss_param = json_is_true(json_object_get(root,
	    "authorization_response_iss_parameter_supported"));
	out->scopes_listed = json_is_array(
	    json_object_get(root, "scopes_supported"));
	if (take_list(root, "scopes_supported", PACC__OAUTH_MAX_LIST, false,
		&out->scopes, &out->nscopes) != PACC_OK)
		goto fail;
	if (take_list(root, "protected_resources", PACC__OAUTH_MAX_LIST, false,
		&out->resources, &out->nresources) != PACC_OK)
		goto fail;
	json_decref(root);
	return PACC_OK;
fail:
	json_decref(root);
	pacc__oauth_meta_clear(out);
	if (rc == PACC_ENOMEM)
		say(why, whylen, "out of memory", NULL);
	return rc;
}

/* RFC 7591 §2 client_id: printable ASCII without blanks, bounded. */
static bool
client_id_ok(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > PACC__OAUTH_MAX_ID)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int
pacc__oauth_reg_parse(char **client_id, const unsigned char *body, size_t len,
    char *why, size_t whylen)
{
	json_t *root;
	const char *id, *err;

	*client_id = NULL;
	if (why && whylen)
		why[0] = '\0';
	if ((root = load(body, len, PACC__OAUTH_MAX_META, why, whylen)) == NULL)
		return PACC_EOAUTH_REGISTRATION;
	id = jstr(root, "client_id");
	err = jstr(root, "error");
	if (err != NULL || !client_id_ok(id)) {
		say(why, whylen,
		    err ? "the server refused the registration: %s"
			: "the registration answer has no usable client_id%s",
		    err);
		json_decref(root);
		return PACC_EOAUTH_REGISTRATION;
	}
	*client_id = pacc__strdup(id);
	json_decref(root);
	return *client_id ? PACC_OK : PACC_ENOMEM;
}

bool
pacc__oauth_token_syntax_ok(const char *s)
{
	size_t n, i = 0;

	/* RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" /
	 * "~" / "+" / "/" ) *"=" */
	if (s == NULL || (n = strlen(s)) == 0 || n > PACC__OAUTH_MAX_TOKEN)
		return false;
	for (; i < n && s[i] != '='; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '.' ||
			c == '_' || c == '~' || c == '+' || c == '/'))
			return false;
	}
	if (i == 0)
		return false;
	for (; i < n; i++)
		if (s[i] != '=')
			return false;
	return true;
}

/* Printable ASCII without blanks (a refresh token is opaque). */
static bool
opaque_ok(const char *s)
{
	return client_id_ok(s) && strlen(s) <= PACC__OAUTH_MAX_TOKEN;
}

void
pacc__oauth_tok_clear(struct pacc__oauth_tok *t)
{
	secret_free(t->access_token);
	secret_free(t->refresh_token);
	pacc__free(t->scope);
	memset(t, 0, sizeof(*t));
}

int
pacc__oauth_token_parse(struct pacc__oauth_tok *out, const unsigned char *body,
    size_t len, char *why, size_t whylen)
{
	const char *type, *at, *rt, *scope, *err;
	json_t *root, *ei;
	int rc = PACC_EOAUTH_TOKEN;

	memset(out, 0, sizeof(*out));
	if (why && whylen)
		why[0] = '\0';
	if ((root = load(body, len, PACC__OAUTH_MAX_META, why, whylen)) == NULL)
		return PACC_EOAUTH_TOKEN;
	if ((err = jstr(root, "error")) != NULL) {
		say(why, whylen, "the token endpoint answered error %s", err);
		goto fail;
	}
	type = jstr(root, "token_type");
	at = jstr(root, "access_token");
	rt = jstr(root, "refresh_token");
	scope = jstr(root, "scope");
	ei = json_object_get(root, "expires_in");
	if (type == NULL || strcasecmp(type, "Bearer") != 0) {
		say(why, whylen,
		    "the token is not a bearer token (token_type %s)",
		    type ? type : "missing");
		goto fail;
	}
	if (!pacc__oauth_token_syntax_ok(at)) {
		say(why, whylen, "the access token is missing or malformed",
		    NULL);
		goto fail;
	}
	if (rt != NULL && !opaque_ok(rt)) {
		say(why, whylen, "the refresh token is malformed", NULL);
		goto fail;
	}
	if (ei != NULL) {
		/* RFC 6749 §5.1: seconds; some servers send a string */
		json_int_t v = -1;

		if (json_is_integer(ei))
			v = json_integer_value(ei);
		else if (json_is_string(ei)) {
			const char *s = json_string_value(ei);

			v = 0;
			for (size_t i = 0; s[i] && v >= 0; i++)
				v = s[i] >= '0' && s[i] <= '9' && i < 10
				    ? v * 10 + (s[i] - '0')
				    : -1;
			if (s[0] == '\0')
				v = -1;
		}
		if (v < 0 || v > PACC__OAUTH_MAX_LIFETIME) {
			say(why, whylen, "expires_in is not a lifetime", NULL);
			goto fail;
		}
		out->expires_in = (long long)v;
	} else {
		out->expires_in = -1; /* unknown */
	}
	rc = PACC_ENOMEM;
	if ((out->access_token = secret_dup(at)) == NULL)
		goto fail;
	if (rt && (out->refresh_token = secret_dup(rt)) == NULL)
		goto fail;
	if (scope && strlen(scope) <= 2048 &&
	    (out->scope = pacc__utf8_sanitize(scope)) == NULL)
		goto fail;
	json_decref(root);
	return PACC_OK;
fail:
	json_decref(root);
	pacc__oauth_tok_clear(out);
	return rc;
}

/* ---- the loopback redirect ---- */

void
pacc__oauth_redirect_clear(struct pacc__oauth_redirect *r)
{
	secret_free(r->code);
	pacc__free(r->state);
	pacc__free(r->iss);
	pacc__free(r->error);
	pacc__free(r->error_description);
	memset(r, 0, sizeof(*r));
}

int
pacc__oauth_redirect_parse(struct pacc__oauth_redirect *out, const char *req,
    size_t len, const char *path, char *why, size_t whylen)
{
	const char *eol, *target, *sp, *q, *end;
	size_t pl = strlen(path);

	memset(out, 0, sizeof(*out));
	if (why && whylen)
		why[0] = '\0';
	eol = memchr(req, '\n', len);
	if (eol == NULL || (size_t)(eol - req) > PACC__OAUTH_MAX_REQUEST) {
		say(why, whylen, "no request line", NULL);
		return PACC_EFORMAT;
	}
	if (eol > req && eol[-1] == '\r')
		eol--;
	if ((size_t)(eol - req) < 5 || memcmp(req, "GET ", 4) != 0) {
		say(why, whylen, "not a GET request", NULL);
		return PACC_EFORMAT;
	}
	target = req + 4;
	sp = memchr(target, ' ', (size_t)(eol - target));
	if (sp == NULL || (size_t)(eol - sp) < 9 ||
	    memcmp(sp + 1, "HTTP/1.", 7) != 0) {
		say(why, whylen, "not an HTTP/1.x request line", NULL);
		return PACC_EFORMAT;
	}
	q = memchr(target, '?', (size_t)(sp - target));
	end = q ? q : sp;
	if ((size_t)(end - target) != pl || memcmp(target, path, pl) != 0)
		return PACC_ENOTFOUND; /* another path (a favicon): ignored */
	if (q == NULL) {
		say(why, whylen, "the redirect carries no parameters", NULL);
		return PACC_EFORMAT;
	}
	for (const char *p = q + 1; p < sp;) {
		const char *amp = memchr(p, '&', (size_t)(sp - p)), *eq;
		const char *pe = amp ? amp : sp;
		char **slot = NULL;
		size_t kl;

		eq = memchr(p, '=', (size_t)(pe - p));
		kl = (size_t)((eq ? eq : pe) - p);
#define KEY(k) (kl == sizeof(k) - 1 && memcmp(p, k, kl) == 0)
		if (KEY("code"))
			slot = &out->code;
		else if (KEY("state"))
			slot = &out->state;
		else if (KEY("iss"))
			slot = &out->iss;
		else if (KEY("error"))
			slot = &out->error;
		else if (KEY("error_description"))
			slot = &out->error_description;
#undef KEY
		if (slot != NULL) {
			char *v;

			/* RFC 6749 §3.1: parameters MUST NOT repeat */
			if (*slot != NULL) {
				say(why, whylen, "a parameter repeats", NULL);
				goto bad;
			}
			v = eq ? pacc__pct_decode(eq + 1, (size_t)(pe - eq - 1),
				     true)
			       : pacc__strdup("");
			if (v == NULL) {
				say(why, whylen, "a malformed parameter", NULL);
				goto bad;
			}
			*slot = v; /* the code is wiped on clear */
		}
		p = amp ? amp + 1 : sp;
	}
	if (out->error == NULL &&
	    (out->code == NULL || out->code[0] == '\0' ||
		strlen(out->code) > PACC__OAUTH_MAX_TOKEN)) {
		say(why, whylen, "the redirect carries no code", NULL);
		goto bad;
	}
	return PACC_OK;
bad:
	pacc__oauth_redirect_clear(out);
	return PACC_EFORMAT;
}

/* ---- RFC 7628 §3.2.2 error challenge ---- */

int
pacc__oauth_sasl_error_parse(const unsigned char *json, size_t len,
    char *status, size_t slen, char *scope, size_t sclen)
{
	json_t *root = load(json, len, 4096, NULL, 0);
	const char *s, *sc;
	char q[64];

	if (slen)
		status[0] = '\0';
	if (sclen)
		scope[0] = '\0';
	if (root == NULL)
		return PACC_EFORMAT;
	s = jstr(root, "status");
	sc = jstr(root, "scope");
	if (s && slen)
		snprintf(status, slen, "%s", pacc__quote(q, sizeof(q), s));
	if (sc && sclen)
		snprintf(scope, sclen, "%s", pacc__quote(q, sizeof(q), sc));
	json_decref(root);
	return s ? PACC_OK : PACC_EFORMAT;
}
