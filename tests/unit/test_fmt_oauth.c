/* SPDX-License-Identifier: MIT */
/* fmt_oauth.c: metadata, registration, token, loopback redirect, RFC 7628
 * error JSON; and the token destination rule of oauth.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pacc/error.h"
#include "pacc/oauth.h"

#include "internal.h"
#include "oauth_int.h"

static char why[200];

#define ISS "https://auth.example.com/api/oidc"
#define META(extra)                                                            \
	"{\"issuer\":\"" ISS "\","                                             \
	"\"authorization_endpoint\":\"https://auth.example.com/a\","           \
	"\"token_endpoint\":\"https://auth.example.com/t\","                   \
	"\"registration_endpoint\":\"https://auth.example.com/r\","            \
	"\"code_challenge_methods_supported\":[\"plain\",\"S256\"]" extra "}"

static int
meta(struct pacc__oauth_meta *m, const char *doc, const char *iss)
{
	return pacc__oauth_meta_parse(m, (const unsigned char *)doc,
	    strlen(doc), iss, why, sizeof(why));
}

static void
test_meta_urls(void **state)
{
	char *a, *b;

	(void)state;
	assert_int_equal(pacc__oauth_meta_urls(ISS, &a, &b), PACC_OK);
	assert_string_equal(a,
	    "https://auth.example.com/.well-known/oauth-authorization-server"
	    "/api/oidc");
	assert_string_equal(b,
	    "https://auth.example.com/api/oidc/.well-known/"
	    "openid-configuration");
	pacc__free(a);
	pacc__free(b);
	assert_int_equal(pacc__oauth_meta_urls("https://a.example/", &a, &b),
	    PACC_OK);
	assert_string_equal(a,
	    "https://a.example/.well-known/oauth-authorization-server");
	assert_string_equal(b,
	    "https://a.example/.well-known/openid-configuration");
	pacc__free(a);
	pacc__free(b);
	assert_int_equal(
	    pacc__oauth_meta_urls("https://a.example:8443", &a, &b), PACC_OK);
	assert_string_equal(a,
	    "https://a.example:8443/.well-known/oauth-authorization-server");
	pacc__free(a);
	pacc__free(b);
	assert_int_equal(pacc__oauth_meta_urls("http://a.example/", &a, &b),
	    PACC_EINVAL);
	assert_int_equal(pacc__oauth_meta_urls("https://a.example/?x", &a, &b),
	    PACC_EINVAL);
	assert_int_equal(pacc__oauth_meta_urls("https://u@a.example/", &a, &b),
	    PACC_EINVAL);
	assert_null(a);
}

static void
test_meta_good(void **state)
{
	struct pacc__oauth_meta m;

	(void)state;
	assert_int_equal(meta(&m,
			     META(",\"scopes_supported\":[\"openid\","
				  "\"offline_access\",7],"
				  "\"authorization_response_iss_parameter_"
				  "supported\":true,"
				  "\"protected_resources\":[\"https://"
				  "jmap.example.com/\",\"imap.example.com\"]"),
			     ISS),
	    PACC_OK);
	assert_string_equal(m.issuer, ISS);
	assert_string_equal(m.token_endpoint, "https://auth.example.com/t");
	assert_string_equal(m.registration_endpoint,
	    "https://auth.example.com/r");
	assert_true(m.iss_param);
	assert_true(m.scopes_listed);
	assert_int_equal(m.nscopes, 2);
	assert_string_equal(m.scopes[1], "offline_access");
	assert_int_equal(m.nresources, 2);
	pacc__oauth_meta_clear(&m);
	/* a plain-http registration endpoint counts as none */
	assert_int_equal(meta(&m,
			     "{\"issuer\":\"" ISS "\","
			     "\"authorization_endpoint\":\"https://a.example/"
			     "a\",\"token_endpoint\":\"https://a.example/t\","
			     "\"registration_endpoint\":\"http://a.example/"
			     "r\",\"code_challenge_methods_supported\":["
			     "\"S256\"]}",
			     ISS),
	    PACC_OK);
	assert_null(m.registration_endpoint);
	assert_false(m.iss_param);
	pacc__oauth_meta_clear(&m);
}

static void
test_meta_bad(void **state)
{
	struct pacc__oauth_meta m;

	(void)state;
	/* RFC 8414 §3.3: exact; a trailing slash is another issuer */
	assert_int_equal(meta(&m, META(""), ISS "/"), PACC_EOAUTH_ISSUER);
	assert_non_null(strstr(why, "issuer"));
	assert_int_equal(
	    meta(&m, META(""), "https://AUTH.example.com/api/oidc"),
	    PACC_EOAUTH_ISSUER);
	assert_null(m.issuer);
	assert_int_equal(meta(&m,
			     "{\"issuer\":\"" ISS "\","
			     "\"authorization_endpoint\":\"https://a.example/"
			     "a\",\"token_endpoint\":\"https://a.example/t\","
			     "\"code_challenge_methods_supported\":["
			     "\"plain\"]}",
			     ISS),
	    PACC_EOAUTH_NO_S256);
	assert_int_equal(meta(&m,
			     "{\"issuer\":\"" ISS "\","
			     "\"authorization_endpoint\":\"https://a.example/"
			     "a\",\"token_endpoint\":\"https://a.example/t\"}",
			     ISS),
	    PACC_EOAUTH_NO_S256);
	assert_int_equal(meta(&m,
			     "{\"issuer\":\"" ISS "\","
			     "\"authorization_endpoint\":\"http://a.example/"
			     "a\",\"token_endpoint\":\"https://a.example/t\","
			     "\"code_challenge_methods_supported\":["
			     "\"S256\"]}",
			     ISS),
	    PACC_EOAUTH_METADATA);
	assert_int_equal(meta(&m, "not json", ISS), PACC_EOAUTH_METADATA);
	assert_int_equal(meta(&m, "[1]", ISS), PACC_EOAUTH_METADATA);
	assert_int_equal(
	    meta(&m, "{\"issuer\":\"" ISS "\",\"issuer\":\"x\"}", ISS),
	    PACC_EOAUTH_METADATA);
	assert_int_equal(meta(&m, "{}", ISS), PACC_EOAUTH_METADATA);
}

static void
test_registration(void **state)
{
	static const char good[] = "{\"client_id\":\"6og1p2yc84ceyixh\","
				   "\"client_id_issued_at\":1}";
	static const char err[] = "{\"error\":\"invalid_client_metadata\"}";
	static const char blank[] = "{\"client_id\":\"a b\"}";
	char *id;

	(void)state;
	assert_int_equal(pacc__oauth_reg_parse(&id, (const unsigned char *)good,
			     strlen(good), why, sizeof(why)),
	    PACC_OK);
	assert_string_equal(id, "6og1p2yc84ceyixh");
	pacc__free(id);
	assert_int_equal(pacc__oauth_reg_parse(&id, (const unsigned char *)err,
			     strlen(err), why, sizeof(why)),
	    PACC_EOAUTH_REGISTRATION);
	assert_non_null(strstr(why, "invalid_client_metadata"));
	assert_null(id);
	assert_int_equal(pacc__oauth_reg_parse(&id,
			     (const unsigned char *)blank, strlen(blank), why,
			     sizeof(why)),
	    PACC_EOAUTH_REGISTRATION);
	assert_int_equal(pacc__oauth_reg_parse(&id, (const unsigned char *)"",
			     0, why, sizeof(why)),
	    PACC_EOAUTH_REGISTRATION);
}

static int
tok(struct pacc__oauth_tok *t, const char *s)
{
	return pacc__oauth_token_parse(t, (const unsigned char *)s, strlen(s),
	    why, sizeof(why));
}

static void
test_token(void **state)
{
	struct pacc__oauth_tok t;

	(void)state;
	assert_int_equal(tok(&t,
			     "{\"access_token\":\"eyJ0.eyJ-_~+/x==\","
			     "\"token_type\":\"bearer\",\"expires_in\":3600,"
			     "\"refresh_token\":\"pjkizeSEO22b\","
			     "\"scope\":\"a b\"}"),
	    PACC_OK);
	assert_string_equal(t.access_token, "eyJ0.eyJ-_~+/x==");
	assert_string_equal(t.refresh_token, "pjkizeSEO22b");
	assert_int_equal(t.expires_in, 3600);
	assert_string_equal(t.scope, "a b");
	pacc__oauth_tok_clear(&t);
	assert_int_equal(tok(&t,
			     "{\"access_token\":\"x\",\"token_type\":\"Bearer"
			     "\",\"expires_in\":\"60\"}"),
	    PACC_OK);
	assert_int_equal(t.expires_in, 60);
	assert_null(t.refresh_token);
	pacc__oauth_tok_clear(&t);
	assert_int_equal(tok(&t,
			     "{\"access_token\":\"x\",\"token_type\":\"Bearer"
			     "\"}"),
	    PACC_OK);
	assert_int_equal(t.expires_in, -1);
	pacc__oauth_tok_clear(&t);
	/* bearer tokens only (profile §3.8) */
	assert_int_equal(
	    tok(&t, "{\"access_token\":\"x\",\"token_type\":\"DPoP\"}"),
	    PACC_EOAUTH_TOKEN);
	assert_non_null(strstr(why, "DPoP"));
	assert_int_equal(tok(&t, "{\"access_token\":\"x\"}"),
	    PACC_EOAUTH_TOKEN);
	/* a token that would break a header or a SASL message */
	assert_int_equal(tok(&t,
			     "{\"access_token\":\"a\\r\\nX: y\",\"token_type\":"
			     "\"Bearer\"}"),
	    PACC_EOAUTH_TOKEN);
	assert_int_equal(tok(&t,
			     "{\"access_token\":\"a=b\",\"token_type\":"
			     "\"Bearer\"}"),
	    PACC_EOAUTH_TOKEN);
	assert_int_equal(tok(&t,
			     "{\"access_token\":\"ab\",\"token_type\":"
			     "\"Bearer\",\"expires_in\":-5}"),
	    PACC_EOAUTH_TOKEN);
	assert_int_equal(tok(&t,
			     "{\"access_token\":\"ab\",\"token_type\":"
			     "\"Bearer\",\"refresh_token\":\"a b\"}"),
	    PACC_EOAUTH_TOKEN);
	assert_int_equal(tok(&t, "{\"error\":\"invalid_grant\"}"),
	    PACC_EOAUTH_TOKEN);
	assert_non_null(strstr(why, "invalid_grant"));
	assert_int_equal(tok(&t, ""), PACC_EOAUTH_TOKEN);
	assert_null(t.access_token);
}

static int
redir(struct pacc__oauth_redirect *r, const char *req)
{
	return pacc__oauth_redirect_parse(r, req, strlen(req), "/callback", why,
	    sizeof(why));
}

static void
test_redirect(void **state)
{
	struct pacc__oauth_redirect r;

	(void)state;
	assert_int_equal(redir(&r,
			     "GET /callback?state=s1&code=c%2B1+2&iss=https%3A"
			     "%2F%2Fa.example%2F&x=y HTTP/1.1\r\nHost: "
			     "127.0.0.1\r\n\r\n"),
	    PACC_OK);
	assert_string_equal(r.state, "s1");
	assert_string_equal(r.code, "c+1 2");
	assert_string_equal(r.iss, "https://a.example/");
	assert_null(r.error);
	pacc__oauth_redirect_clear(&r);
	assert_int_equal(redir(&r,
			     "GET /callback?error=access_denied&state=s "
			     "HTTP/1.0\n\n"),
	    PACC_OK);
	assert_string_equal(r.error, "access_denied");
	assert_null(r.code);
	pacc__oauth_redirect_clear(&r);
	/* another path: not ours, keep listening */
	assert_int_equal(redir(&r, "GET /favicon.ico HTTP/1.1\r\n\r\n"),
	    PACC_ENOTFOUND);
	assert_int_equal(redir(&r, "GET /callbackx?code=1 HTTP/1.1\r\n\r\n"),
	    PACC_ENOTFOUND);
	assert_int_equal(redir(&r,
			     "GET /callback?code=1&code=2&state=s "
			     "HTTP/1.1\r\n\r\n"),
	    PACC_EFORMAT);
	assert_int_equal(redir(&r, "GET /callback?state=s HTTP/1.1\r\n\r\n"),
	    PACC_EFORMAT);
	assert_int_equal(redir(&r, "GET /callback HTTP/1.1\r\n\r\n"),
	    PACC_EFORMAT);
	assert_int_equal(redir(&r, "POST /callback?code=1 HTTP/1.1\r\n\r\n"),
	    PACC_EFORMAT);
	assert_int_equal(redir(&r, "GET /callback?code=%0a HTTP/1.1\r\n\r\n"),
	    PACC_EFORMAT);
	assert_int_equal(redir(&r, "GET /callback?code=%g1 HTTP/1.1\r\n\r\n"),
	    PACC_EFORMAT);
	assert_int_equal(redir(&r, "GET /callback?code=1"), PACC_EFORMAT);
	assert_int_equal(redir(&r, "GET /callback?code=1 SPDY/3\r\n"),
	    PACC_EFORMAT);
	assert_null(r.code);
}

static void
test_sasl_error(void **state)
{
	static const char j[] = "{\"status\":\"invalid_token\",\"scope\":"
				"\"mail\",\"openid-configuration\":\"https:"
				"//a.example/.well-known/openid-"
				"configuration\"}";
	char st[64], sc[64];

	(void)state;
	assert_int_equal(pacc__oauth_sasl_error_parse((const unsigned char *)j,
			     strlen(j), st, sizeof(st), sc, sizeof(sc)),
	    PACC_OK);
	assert_string_equal(st, "invalid_token");
	assert_string_equal(sc, "mail");
	assert_int_equal(
	    pacc__oauth_sasl_error_parse((const unsigned char *)"{}", 2, st,
		sizeof(st), sc, sizeof(sc)),
	    PACC_EFORMAT);
	assert_string_equal(st, "");
}

static void
test_allows_host(void **state)
{
	struct pacc_oauth_result r;
	char *res[2] = { "https://jmap.example.com/session",
		"imap.example.com" };

	(void)state;
	memset(&r, 0, sizeof(r));
	r.issuer = "https://auth.example.com/";
	/* no protected_resources: the issuer's registrable domain */
	assert_int_equal(pacc_oauth_result_allows_host(&r, "imap.example.com"),
	    1);
	assert_int_equal(pacc_oauth_result_allows_host(&r, "example.com"), 1);
	assert_int_equal(pacc_oauth_result_allows_host(&r, "imap.example.net"),
	    0);
	assert_int_equal(pacc_oauth_result_allows_host(&r, "127.0.0.1"), 0);
	/* the server's own list */
	r.resources = res;
	r.nresources = 2;
	assert_int_equal(pacc_oauth_result_allows_host(&r, "jmap.example.com"),
	    1);
	assert_int_equal(pacc_oauth_result_allows_host(&r, "IMAP.example.com"),
	    1);
	assert_int_equal(pacc_oauth_result_allows_host(&r, "smtp.example.com"),
	    0);
	assert_int_equal(pacc_oauth_result_allows_host(NULL, "x.example"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_urls),
		cmocka_unit_test(test_meta_good),
		cmocka_unit_test(test_meta_bad),
		cmocka_unit_test(test_registration),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_sasl_error),
		cmocka_unit_test(test_allows_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
