/* SPDX-License-Identifier: MIT */
/*
 * login.c: the response classifier (one row per line of the LOGIN table
 * in pacc(1)), --server URLs, plans, results; sasl.c: mechanism choice
 * and secret memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sasl.h"

#include "alloc_fail.h"

struct row {
	pacc_protocol proto;
	int status;
	int smtp;
	const char *line;
	pacc_login_class cls;
	const char *code;
};

#define I PACC_PROTO_IMAP
#define P PACC_PROTO_POP3
#define S PACC_PROTO_SMTP
#define V PACC_PROTO_MANAGESIEVE
#define OK PACC__ST_OK
#define NO PACC__ST_NO
#define BAD PACC__ST_BAD
#define BYE PACC__ST_BYE
#define C_OK PACC_LOGIN_OK
#define C_WRONG PACC_LOGIN_WRONG_CREDENTIALS
#define C_METHOD PACC_LOGIN_METHOD_NOT_WORKING
#define C_BLOCKED PACC_LOGIN_ACCOUNT_BLOCKED
#define C_SERVER PACC_LOGIN_SERVER_ERROR

static const struct row rows[] = {
	/* IMAP (RFC 9051 §6.2.2, RFC 5530 §3) */
	{ I, OK, 0, "A1 OK [CAPABILITY IMAP4rev2] Logged in", C_OK, NULL },
	{ I, NO, 0, "A1 NO [AUTHENTICATIONFAILED] Authentication failed.",
	    C_WRONG, "imap-authenticationfailed" },
	{ I, NO, 0, "A1 no [authenticationfailed] lower case", C_WRONG,
	    "imap-authenticationfailed" },
	{ I, NO, 0, "A1 NO [AUTHORIZATIONFAILED] not for you", C_BLOCKED,
	    "imap-authorizationfailed" },
	{ I, NO, 0, "A1 NO [EXPIRED] password expired", C_BLOCKED,
	    "imap-expired" },
	{ I, NO, 0, "A1 NO [CONTACTADMIN] call us", C_BLOCKED,
	    "imap-contactadmin" },
	{ I, NO, 0, "A1 NO [PRIVACYREQUIRED] TLS please", C_METHOD,
	    "imap-privacyrequired" },
	{ I, NO, 0, "A1 NO [CANNOT] no", C_METHOD, "imap-cannot" },
	{ I, NO, 0, "A1 NO [UNAVAILABLE] later", C_SERVER, "imap-unavailable" },
	{ I, NO, 0, "A1 NO [SERVERBUG] oops", C_SERVER, "imap-serverbug" },
	{ I, NO, 0, "A1 NO [LIMIT] too many", C_SERVER, "imap-limit" },
	{ I, NO, 0, "A1 NO Login failed", C_WRONG, "imap-no" },
	{ I, NO, 0, "A1 NO [ALERT] Login failed", C_WRONG, "imap-no" },
	{ I, NO, 0, "A1 NO [UNKNOWN-CODE x] what", C_WRONG, "imap-no" },
	{ I, NO, 0, "A1 NO", C_WRONG, "imap-no" },
	{ I, NO, 0, "A1 NO [", C_WRONG, "imap-no" },
	{ I, BAD, 0, "A1 BAD Invalid SASL argument", C_METHOD, "imap-bad" },
	{ I, BYE, 0, "* BYE shutting down", C_SERVER, "imap-bye" },
	/* POP3 (RFC 5034 §4, RFC 3206 §4, RFC 2449 §8.1.1) */
	{ P, OK, 0, "+OK Logged in.", C_OK, NULL },
	{ P, NO, 0, "-ERR [AUTH] Authentication failed.", C_WRONG,
	    "pop3-auth" },
	{ P, NO, 0, "-ERR [SYS/TEMP] later", C_SERVER, "pop3-sys-temp" },
	{ P, NO, 0, "-ERR [SYS/PERM] broken", C_SERVER, "pop3-sys-perm" },
	{ P, NO, 0, "-ERR [IN-USE] locked", C_SERVER, "pop3-in-use" },
	{ P, NO, 0, "-ERR [LOGIN-DELAY] wait", C_BLOCKED, "pop3-login-delay" },
	{ P, NO, 0, "-ERR Authentication failed", C_WRONG, "pop3-err" },
	{ P, NO, 0, "-ERR", C_WRONG, "pop3-err" },
	/* SMTP (RFC 4954 §6, RFC 3463, RFC 5248) */
	{ S, OK, 235, "235 2.7.0 Authentication successful", C_OK, NULL },
	{ S, NO, 535, "535 5.7.8 Authentication credentials invalid", C_WRONG,
	    "smtp-535" },
	{ S, NO, 535, "535 Authentication failed", C_WRONG, "smtp-535" },
	{ S, NO, 454, "454 4.7.0 Temporary authentication failure", C_SERVER,
	    "smtp-454" },
	{ S, NO, 534, "534 5.7.9 Authentication mechanism is too weak",
	    C_METHOD, "smtp-534" },
	{ S, NO, 538, "538 5.7.11 Encryption required", C_METHOD, "smtp-538" },
	{ S, NO, 530, "530 5.7.0 Authentication required", C_METHOD,
	    "smtp-530" },
	{ S, NO, 500, "500 5.5.1 What?", C_METHOD, "smtp-command-rejected" },
	{ S, NO, 501, "501 5.5.2 Cannot decode", C_METHOD,
	    "smtp-command-rejected" },
	{ S, NO, 502, "502 5.5.1 Not implemented", C_METHOD,
	    "smtp-command-rejected" },
	{ S, NO, 503, "503 5.5.1 Bad sequence", C_METHOD,
	    "smtp-command-rejected" },
	{ S, NO, 504, "504 5.5.4 Unrecognized authentication type", C_METHOD,
	    "smtp-command-rejected" },
	{ S, NO, 432, "432 4.7.12 A password transition is needed", C_BLOCKED,
	    "smtp-password-transition" },
	{ S, NO, 535, "535 5.7.13 User account disabled", C_BLOCKED,
	    "smtp-account-disabled" },
	{ S, NO, 554, "554 5.7.13 disabled", C_BLOCKED,
	    "smtp-account-disabled" },
	{ S, NO, 535, "535 5.7.139 not the 5.7.13 code", C_WRONG, "smtp-535" },
	{ S, NO, 421, "421 4.3.0 Shutting down", C_SERVER, "smtp-4xx" },
	{ S, NO, 450, "450 4.2.0 busy", C_SERVER, "smtp-4xx" },
	{ S, NO, 550, "550 5.7.1 Go away", C_SERVER, "smtp-5xx" },
	{ S, NO, 554, "554 no enhanced code", C_SERVER, "smtp-5xx" },
	/* ManageSieve (RFC 5804 §1.3, §2.1) */
	{ V, OK, 0, "OK \"Logged in.\"", C_OK, NULL },
	{ V, NO, 0, "NO \"Authentication failed.\"", C_WRONG, "sieve-no" },
	{ V, NO, 0, "NO (AUTH-TOO-WEAK) \"weak\"", C_METHOD,
	    "sieve-auth-too-weak" },
	{ V, NO, 0, "NO (ENCRYPT-NEEDED) \"TLS\"", C_METHOD,
	    "sieve-encrypt-needed" },
	{ V, NO, 0, "NO (TRANSITION-NEEDED) \"change it\"", C_BLOCKED,
	    "sieve-transition-needed" },
	{ V, NO, 0, "NO (TRYLATER) \"later\"", C_SERVER, "sieve-trylater" },
	{ V, NO, 0, "NO (QUOTA/MAXSIZE) \"odd\"", C_WRONG, "sieve-no" },
	{ V, BYE, 0, "BYE \"going away\"", C_SERVER, "sieve-bye" },
};

static void
test_classify_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		pacc_login_class cls = PACC_LOGIN_NOT_ATTEMPTED;
		const char *code = "unset";

		pacc__login_classify(r->proto, r->status, r->smtp, r->line,
		    strlen(r->line), &cls, &code);
		if (cls != r->cls ||
		    (r->code == NULL
			    ? code != NULL
			    : code == NULL || strcmp(code, r->code) != 0))
			fail_msg("row %zu \"%s\": got %s/%s, want %s/%s", i,
			    r->line, pacc_login_class_name(cls),
			    code ? code : "(null)",
			    pacc_login_class_name(r->cls),
			    r->code ? r->code : "(null)");
	}
}

static void
test_classify_hostile(void **state)
{
	char line[600];
	pacc_login_class cls;
	const char *code;

	(void)state;
	/* NULL and empty lines, endless codes, no crash, no OK */
	pacc__login_classify(I, NO, 0, NULL, 0, &cls, &code);
	assert_int_equal(cls, C_WRONG);
	pacc__login_classify(S, NO, 0, "", 0, &cls, &code);
	assert_int_equal(cls, C_SERVER);
	memset(line, 'A', sizeof(line));
	memcpy(line, "A1 NO [", 7);
	pacc__login_classify(I, NO, 0, line, sizeof(line), &cls, &code);
	assert_string_equal(code, "imap-no");
	memcpy(line, "535 5.7.", 8);
	pacc__login_classify(S, NO, 535, line, sizeof(line), &cls, &code);
	assert_string_equal(code, "smtp-535");
	/* a 2xx line never reads as failure, a 3xx never as success */
	pacc__login_classify(S, OK, 250, "250 ok", 6, &cls, &code);
	assert_int_equal(cls, C_OK);
	pacc__login_classify(S, PACC__ST_CONT, 334, "334 ", 4, &cls, &code);
	assert_int_not_equal(cls, C_OK);
}

static void
test_classify_http(void **state)
{
	static const struct {
		long code;
		bool basic;
		pacc_login_class cls;
		const char *id;
	} h[] = {
		{ 200, true, C_OK, NULL },
		{ 207, false, C_OK, NULL },
		{ 401, true, C_WRONG, "http-401" },
		{ 401, false, C_METHOD, "http-401-no-basic" },
		{ 403, true, C_BLOCKED, "http-403" },
		{ 429, true, C_SERVER, "http-429" },
		{ 500, true, C_SERVER, "http-5xx" },
		{ 503, false, C_SERVER, "http-5xx" },
		{ 404, true, C_METHOD, "http-status" },
		{ 405, true, C_METHOD, "http-status" },
		{ 301, true, C_METHOD, "redirect" },
	};
	pacc_login_class cls;
	const char *code;

	(void)state;
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		pacc__login_classify_http(h[i].code, h[i].basic, &cls, &code);
		assert_int_equal(cls, h[i].cls);
		if (h[i].id)
			assert_string_equal(code, h[i].id);
		else
			assert_null(code);
	}
}

static void
test_classify_conn(void **state)
{
	static const char *const tls[] = { "cert-invalid", "tls-version",
		"tls-error", "starttls-unavailable", "starttls-refused",
		"starttls-injection" };
	static const char *const other[] = { "timeout", "connect-failed",
		"dns-error", "no-address", "dnssec-bogus", "greeting",
		"line-too-long", "too-large", "protocol-error",
		"connection-closed", NULL };
	pacc_login_class cls;

	(void)state;
	for (size_t i = 0; i < sizeof(tls) / sizeof(tls[0]); i++) {
		pacc__login_classify_conn(tls[i], &cls);
		assert_int_equal(cls, PACC_LOGIN_TLS_FAILURE);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		pacc__login_classify_conn(other[i], &cls);
		assert_int_equal(cls, PACC_LOGIN_NOT_ATTEMPTED);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(pacc_login_class_name(PACC_LOGIN_OK), "ok");
	assert_string_equal(pacc_login_class_name(C_WRONG),
	    "wrong-credentials");
	assert_string_equal(pacc_login_class_name(C_METHOD),
	    "method-not-working");
	assert_string_equal(pacc_login_class_name(C_BLOCKED),
	    "account-blocked");
	assert_string_equal(pacc_login_class_name(C_SERVER), "server-error");
	assert_string_equal(pacc_login_class_name(PACC_LOGIN_TLS_FAILURE),
	    "tls-failure");
	assert_string_equal(pacc_login_class_name(PACC_LOGIN_NOT_ATTEMPTED),
	    "not-attempted");
	assert_string_equal(pacc_login_status_name(PACC_LOGIN_STATUS_OK), "ok");
	assert_string_equal(
	    pacc_login_status_name(PACC_LOGIN_STATUS_TLS_FAILURE),
	    "tls-failure");
	assert_string_equal(pacc_login_status_name(PACC_LOGIN_STATUS_DECLINED),
	    "declined");
}

static void
test_urls(void **state)
{
	static const struct {
		const char *url;
		pacc_protocol proto;
		pacc_tls_mode tls;
		unsigned port;
		const char *host, *user, *https;
	} good[] = {
		{ "imaps://imap.example.com", I, PACC_TLS_IMPLICIT, 993,
		    "imap.example.com", NULL, NULL },
		{ "IMAP://Imap.Example.COM/", I, PACC_TLS_STARTTLS, 143,
		    "imap.example.com", NULL, NULL },
		{ "pop3s://pop.example.com:1995", P, PACC_TLS_IMPLICIT, 1995,
		    "pop.example.com", NULL, NULL },
		{ "pop3://pop.example.com", P, PACC_TLS_STARTTLS, 110,
		    "pop.example.com", NULL, NULL },
		{ "submissions://smtp.example.com", S, PACC_TLS_IMPLICIT, 465,
		    "smtp.example.com", NULL, NULL },
		{ "submission://smtp.example.com", S, PACC_TLS_STARTTLS, 587,
		    "smtp.example.com", NULL, NULL },
		{ "sieve://mail.example.com", V, PACC_TLS_STARTTLS, 4190,
		    "mail.example.com", NULL, NULL },
		{ "imaps://carol@imap.example.com", I, PACC_TLS_IMPLICIT, 993,
		    "imap.example.com", "carol", NULL },
		{ "imaps://a%40b@127.0.0.1:9993", I, PACC_TLS_IMPLICIT, 9993,
		    "127.0.0.1", "a@b", NULL },
		{ "imaps://[::1]:9993", I, PACC_TLS_IMPLICIT, 9993, "::1", NULL,
		    NULL },
		{ "jmap+https://jmap.example.com/session", PACC_PROTO_JMAP,
		    PACC_TLS_IMPLICIT, 0, NULL, NULL,
		    "https://jmap.example.com/session" },
		{ "caldav+https://dav.example.com:8443/cal/", PACC_PROTO_CALDAV,
		    PACC_TLS_IMPLICIT, 0, NULL, NULL,
		    "https://dav.example.com:8443/cal/" },
		{ "carddav+https://127.0.0.1:8443/card/", PACC_PROTO_CARDDAV,
		    PACC_TLS_IMPLICIT, 0, NULL, NULL,
		    "https://127.0.0.1:8443/card/" },
	};
	static const char *const bad[] = { "", "imap.example.com",
		"http://x.example", "https://x.example", "imapx://x.example",
		"imaps://", "imaps://user:pw@x.example", "imaps://x.example:0",
		"imaps://x.example:65536", "imaps://x.example:12a",
		"imaps://x.example/INBOX", "imaps://x.example?x",
		"imaps://ex ample.com", "imaps://-x.example", "imaps://[::1",
		"imaps://%zz@x.example", "imaps://%0a@x.example",
		"jmap+https://user@jmap.example.com/", "jmap+https://",
		"caldav+https://dav.example.com:99999/" };
	struct pacc_server s;
	char why[200];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (pacc__login_parse_url(&s, good[i].url, why, sizeof(why)) !=
		    PACC_OK)
			fail_msg("%s: %s", good[i].url, why);
		assert_int_equal(s.proto, good[i].proto);
		assert_int_equal(s.tls, good[i].tls);
		if (good[i].https) {
			assert_null(s.host);
			assert_string_equal(s.url, good[i].https);
		} else {
			assert_int_equal(s.port, good[i].port);
			assert_string_equal(s.host, good[i].host);
		}
		if (good[i].user)
			assert_string_equal(s.username, good[i].user);
		else
			assert_null(s.username);
		pacc__server_clear(&s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (pacc__login_parse_url(&s, bad[i], why, sizeof(why)) ==
		    PACC_OK)
			fail_msg("accepted %s", bad[i]);
		assert_true(why[0] != '\0');
	}
	/* a password in a URL is named as such */
	pacc__login_parse_url(&s, "imaps://u:secret@x.example", why,
	    sizeof(why));
	assert_non_null(strstr(why, "password"));
}

static void
test_plan_and_results(void **state)
{
	const char *urls[] = { "imaps://imap.mail.example.co.uk",
		"submissions://smtp.other.example.org:2465",
		"jmap+https://jmap.mail.example.co.uk/session",
		"imaps://127.0.0.1:993" };
	pacc_login_plan *plan = NULL;
	pacc_login_result *r = NULL, *d = NULL;
	char why[200], *json = NULL;

	(void)state;
	assert_int_equal(pacc_login_plan_from_urls(&plan, "not an address",
			     urls, 1, why, sizeof(why)),
	    PACC_EADDRESS);
	assert_null(plan);
	assert_int_equal(pacc_login_plan_from_urls(&plan, "a@b.example", urls,
			     0, why, sizeof(why)),
	    PACC_EINVAL);
	assert_int_equal(pacc_login_plan_from_urls(&plan, "alice@example.com",
			     urls, 4, why, sizeof(why)),
	    PACC_OK);
	assert_string_equal(pacc_login_plan_address(plan), "alice@example.com");
	assert_int_equal(pacc_login_plan_server_count(plan), 4);
	/* registrable domains in full, each once, and the literal */
	assert_int_equal(pacc_login_plan_confirm_count(plan), 3);
	assert_string_equal(pacc_login_plan_confirm_domain(plan, 0),
	    "example.co.uk");
	assert_string_equal(pacc_login_plan_confirm_domain(plan, 1),
	    "example.org");
	assert_string_equal(pacc_login_plan_confirm_domain(plan, 2),
	    "127.0.0.1");
	assert_null(pacc_login_plan_confirm_domain(plan, 3));
	assert_int_equal(pacc_server_port(pacc_login_plan_server(plan, 1)),
	    2465);
	assert_int_equal(pacc_login_result_declined(&r, plan), PACC_OK);
	assert_int_equal(pacc_login_result_status(r),
	    PACC_LOGIN_STATUS_DECLINED);
	assert_int_equal(pacc_login_result_server_count(r), 4);
	assert_int_equal(
	    pacc_login_result_count_class(r, PACC_LOGIN_NOT_ATTEMPTED), 4);
	assert_string_equal(
	    pacc_login_server_code(pacc_login_result_server(r, 0)), "declined");
	assert_int_equal(pacc_login_result_dup(&d, r), PACC_OK);
	assert_int_equal(pacc_login_result_to_json(&json, d, 0), PACC_OK);
	assert_non_null(strstr(json, "\"status\":\"declined\""));
	assert_non_null(strstr(json, "\"example.co.uk\""));
	assert_null(strstr(json, "secret"));
	free(json);
	pacc_login_result_free(d);
	pacc_login_result_free(r);
	pacc_login_plan_free(plan);
	pacc_login_plan_free(NULL);
	pacc_login_result_free(NULL);
}

static void
caps_with(struct pacc__caps *c, const char *const *mechs)
{
	char line[300];
	size_t o = (size_t)snprintf(line, sizeof(line),
	    "* CAPABILITY IMAP4rev1");

	for (; *mechs && o < sizeof(line); mechs++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " AUTH=%s",
		    *mechs);
	pacc__caps_clear(c);
	assert_int_equal(pacc__caps_imap(c, line, strlen(line)), PACC_OK);
}

static void
test_choose(void **state)
{
	static const char *const all[] = { "LOGIN", "PLAIN", "SCRAM-SHA-1",
		"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "XOAUTH2", NULL };
	static const char *const login_plain[] = { "LOGIN", "PLAIN", NULL };
	static const char *const login_only[] = { "LOGIN", "XOAUTH2", NULL };
	static const char *const oauth[] = { "OAUTHBEARER", "XOAUTH2", NULL };
	static const char *const plus_only[] = { "SCRAM-SHA-256-PLUS", NULL };
	struct pacc__caps c;
	unsigned bit, tried = 0;
	const char *m;

	(void)state;
	memset(&c, 0, sizeof(c));
	caps_with(&c, all);
	m = pacc__sasl_choose(&c, true, tried, &bit);
	assert_string_equal(m, "SCRAM-SHA-256-PLUS");
	tried |= bit;
	m = pacc__sasl_choose(&c, true, tried, &bit);
	assert_string_equal(m, "SCRAM-SHA-256");
	tried |= bit;
	m = pacc__sasl_choose(&c, true, tried, &bit);
	assert_string_equal(m, "PLAIN");
	tried |= bit;
	/* LOGIN is never the fallback of better mechanisms */
	assert_null(pacc__sasl_choose(&c, true, tried, &bit));
	/* without channel binding, -PLUS is not a candidate */
	assert_string_equal(pacc__sasl_choose(&c, false, 0, &bit),
	    "SCRAM-SHA-256");
	caps_with(&c, login_plain);
	assert_string_equal(pacc__sasl_choose(&c, true, 0, &bit), "PLAIN");
	assert_null(pacc__sasl_choose(&c, true, PACC__SASL_PLAIN, &bit));
	caps_with(&c, login_only);
	assert_string_equal(pacc__sasl_choose(&c, true, 0, &bit), "LOGIN");
	assert_int_equal(bit, PACC__SASL_LOGIN);
	assert_null(pacc__sasl_choose(&c, true, PACC__SASL_LOGIN, &bit));
	caps_with(&c, oauth);
	assert_null(pacc__sasl_choose(&c, true, 0, &bit));
	caps_with(&c, plus_only);
	assert_null(pacc__sasl_choose(&c, false, 0, &bit));
	pacc__caps_clear(&c);
}

static void
test_sasl_plain(void **state)
{
	struct pacc__sasl *s = NULL;
	const char *out, *code, *why;
	size_t n;

	(void)state;
	/* PLAIN needs no connection; -PLUS needs a verified one */
	assert_int_equal(
	    pacc__sasl_new(&s, "SCRAM-SHA-256-PLUS", "u", "p", NULL),
	    PACC_EUNSUPPORTED);
	assert_null(s);
	assert_int_equal(
	    pacc__sasl_new(&s, "PLAIN", "alice@example.com", "secret", NULL),
	    PACC_OK);
	assert_true(pacc__sasl_client_first(s));
	assert_false(pacc__sasl_mutual(s));
	assert_int_equal(pacc__sasl_step(s, NULL, 0, &out, &n, &code, &why),
	    PACC__SASL_DONE);
	/* base64("\0alice@example.com\0secret") */
	assert_string_equal(out, "AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==");
	assert_int_equal(n, strlen(out));
	assert_true(pacc__sasl_complete(s));
	/* a challenge after completion is the server's error */
	assert_int_equal(pacc__sasl_step(s, "AA==", 4, &out, &n, &code, &why),
	    PACC__SASL_FAIL);
	assert_string_equal(code, "sasl-error");
	pacc__sasl_free(s);
	assert_int_equal(
	    pacc__sasl_new(&s, "SCRAM-SHA-256", "alice", "pw", NULL), PACC_OK);
	assert_true(pacc__sasl_mutual(s));
	assert_int_equal(pacc__sasl_step(s, NULL, 0, &out, &n, &code, &why),
	    PACC__SASL_MORE);
	/* "n,,n=alice,r=..." */
	assert_true(strncmp(out, "biwsbj1hbGljZSxy", 16) == 0);
	/* a challenge that is not base64 */
	assert_int_equal(pacc__sasl_step(s, "!!", 2, &out, &n, &code, &why),
	    PACC__SASL_FAIL);
	pacc__sasl_free(s);
	pacc__sasl_free(NULL);
}

static void
test_secret(void **state)
{
	char *p;

	(void)state;
	p = pacc__secret_strdup("hunter2");
	assert_non_null(p);
	assert_string_equal(p, "hunter2");
	pacc__secret_free(p);
	p = pacc__secret_alloc(100000);
	assert_non_null(p);
	p[99999] = 'x';
	pacc__secret_free(p);
	pacc__secret_free(NULL);
}

/* A whole login that needs no network: nothing may be sent. */
static void
test_login_nothing_sent(void **state)
{
	struct pacc_server s;
	pacc_result *res = NULL;
	pacc_login_plan *plan = NULL;
	pacc_login_result *lr = NULL;
	pacc_ctx *ctx = NULL;
	const pacc_login_server *ls;
	char *json = NULL;

	(void)state;
	assert_int_equal(pacc__result_new(&res), PACC_OK);
	res->outcome = PACC_RESULT_FOUND;
	res->mechanism = PACC_MECH_PACC;
	res->address = pacc__strdup("alice@example.com");
	memset(&s, 0, sizeof(s));
	s.proto = PACC_PROTO_IMAP;
	s.host = (char *)"imap.example.com";
	s.port = 993;
	s.tls = PACC_TLS_IMPLICIT;
	s.auth = PACC_AUTH_OAUTH2; /* OAuth only: no password here */
	assert_int_equal(pacc__config_add_server(res->cfg, &s), PACC_OK);
	s.proto = PACC_PROTO_SMTP;
	s.host = (char *)"smtp.example.com";
	s.port = 25;
	s.tls = PACC_TLS_NONE; /* never without TLS */
	s.auth = PACC_AUTH_PASSWORD;
	assert_int_equal(pacc__config_add_server(res->cfg, &s), PACC_OK);
	assert_int_equal(pacc_login_plan_from_result(&plan, res), PACC_OK);
	assert_int_equal(pacc_login_plan_confirm_count(plan), 1);
	assert_string_equal(pacc_login_plan_confirm_domain(plan, 0),
	    "example.com");
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	assert_int_equal(pacc_login_sync(&lr, ctx, plan, "pw", NULL), PACC_OK);
	assert_int_equal(pacc_login_result_status(lr),
	    PACC_LOGIN_STATUS_TLS_FAILURE);
	assert_int_equal(pacc_login_result_mechanism(lr), PACC_MECH_PACC);
	ls = pacc_login_result_server(lr, 0);
	assert_int_equal(pacc_login_server_class(ls), PACC_LOGIN_NOT_ATTEMPTED);
	assert_string_equal(pacc_login_server_code(ls), "password-not-offered");
	assert_int_equal(pacc_login_server_attempt_count(ls), 0);
	ls = pacc_login_result_server(lr, 1);
	assert_int_equal(pacc_login_server_class(ls), PACC_LOGIN_TLS_FAILURE);
	assert_string_equal(pacc_login_server_code(ls), "no-tls");
	assert_int_equal(pacc_login_result_to_json(&json, lr, PACC_JSON_PRETTY),
	    PACC_OK);
	assert_non_null(strstr(json, "\"status\": \"tls-failure\""));
	assert_non_null(strstr(json, "\"mechanism\": \"pacc\""));
	free(json);
	/* bad arguments */
	assert_int_equal(
	    pacc_login_start(NULL, ctx, plan, NULL, NULL, NULL, NULL),
	    PACC_EINVAL);
	pacc_login_result_free(lr);
	pacc_login_plan_free(plan);
	pacc_result_free(res);
	pacc_ctx_free(ctx);
}

/* A plan from URLs, its declined result, a copy and its JSON. */
static int
plan_once(void *ud)
{
	const char *urls[] = { "imaps://imap.mail.example.co.uk",
		"submissions://smtp.other.example.org:2465",
		"jmap+https://jmap.mail.example.co.uk/session" };
	pacc_login_plan *plan = NULL;
	pacc_login_result *r = NULL, *d = NULL;
	char why[200], *json = NULL;
	int rc;

	(void)ud;
	if ((rc = pacc_login_plan_from_urls(&plan, "alice@example.com", urls, 3,
		 why, sizeof(why))) == PACC_OK &&
	    (rc = pacc_login_result_declined(&r, plan)) == PACC_OK &&
	    (rc = pacc_login_result_dup(&d, r)) == PACC_OK)
		rc = pacc_login_result_to_json(&json, d, 0);
	free(json);
	pacc_login_result_free(d);
	pacc_login_result_free(r);
	pacc_login_plan_free(plan);
	return rc;
}

/* A PLAIN exchange: the password goes to secret memory. */
static int
sasl_once(void *ud)
{
	struct pacc__sasl *s = NULL;
	const char *out, *code, *why;
	size_t n;
	int rc;

	(void)ud;
	rc = pacc__sasl_new(&s, "PLAIN", "alice@example.com", "secret", NULL);
	if (rc == PACC_OK &&
	    pacc__sasl_step(s, NULL, 0, &out, &n, &code, &why) !=
		PACC__SASL_DONE)
		rc = PACC_ENOMEM;
	pacc__sasl_free(s);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(plan_once, NULL);
	enomem_sweep(sasl_once, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_classify_rows),
		cmocka_unit_test(test_classify_hostile),
		cmocka_unit_test(test_classify_http),
		cmocka_unit_test(test_classify_conn),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_plan_and_results),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_sasl_plain),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_login_nothing_sent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
