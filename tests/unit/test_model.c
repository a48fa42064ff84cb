/* SPDX-License-Identifier: MIT */
/* model.c: configurations, servers, protocol tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pacc/error.h"

#include "model.h"

#include "alloc_fail.h"

static void
fill(struct pacc_server *s, pacc_protocol p, const char *host, const char *url)
{
	memset(s, 0, sizeof(*s));
	s->proto = p;
	s->host = (char *)host;
	s->url = (char *)url;
	s->port = pacc__proto_default_port(p);
	s->tls = p == PACC_PROTO_MANAGESIEVE ? PACC_TLS_STARTTLS
					     : PACC_TLS_IMPLICIT;
	s->auth = PACC_AUTH_PASSWORD;
}

static void
test_proto_tables(void **state)
{
	static const char *const names[] = { "jmap", "imap", "pop3", "smtp",
		"caldav", "carddav", "webdav", "managesieve" };

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(pacc__proto_from_name(names[i]), i);
	assert_int_equal(pacc__proto_from_name("IMAP"), -1);
	assert_int_equal(pacc__proto_from_name("submit"), -1);
	assert_int_equal(pacc__proto_from_name("ews"), -1);
	assert_int_equal(pacc__proto_from_name(""), -1);
	assert_int_equal(pacc__proto_from_name(NULL), -1);

	assert_int_equal(pacc__proto_default_port(PACC_PROTO_IMAP), 993);
	assert_int_equal(pacc__proto_default_port(PACC_PROTO_POP3), 995);
	assert_int_equal(pacc__proto_default_port(PACC_PROTO_SMTP), 465);
	assert_int_equal(pacc__proto_default_port(PACC_PROTO_MANAGESIEVE),
	    4190);
	assert_int_equal(pacc__proto_default_port(PACC_PROTO_JMAP), 0);
	assert_int_equal(pacc__proto_default_port(PACC_PROTO_CALDAV), 0);
	assert_int_equal(pacc__proto_default_port(PACC_PROTO_CARDDAV), 0);
	assert_int_equal(pacc__proto_default_port(PACC_PROTO_WEBDAV), 0);

	assert_true(pacc__proto_is_http(PACC_PROTO_JMAP));
	assert_true(pacc__proto_is_http(PACC_PROTO_CALDAV));
	assert_true(pacc__proto_is_http(PACC_PROTO_CARDDAV));
	assert_true(pacc__proto_is_http(PACC_PROTO_WEBDAV));
	assert_false(pacc__proto_is_http(PACC_PROTO_IMAP));
	assert_false(pacc__proto_is_http(PACC_PROTO_POP3));
	assert_false(pacc__proto_is_http(PACC_PROTO_SMTP));
	assert_false(pacc__proto_is_http(PACC_PROTO_MANAGESIEVE));
}

static void
test_new_free(void **state)
{
	struct pacc__config *c = NULL;

	(void)state;
	assert_int_equal(pacc__config_new(NULL), PACC_EINVAL);
	assert_int_equal(pacc__config_new(&c), PACC_OK);
	assert_non_null(c);
	assert_int_equal(c->nservers, 0);
	assert_null(c->servers);
	assert_null(c->oauth_issuer);
	pacc__config_free(c);
	pacc__config_free(NULL);
	pacc__server_clear(NULL);
}

static void
test_add_and_grow(void **state)
{
	struct pacc__config *c = NULL;
	struct pacc_server s;
	char host[32];

	(void)state;
	assert_int_equal(pacc__config_new(&c), PACC_OK);
	/* more than the first capacity, to exercise growth */
	for (int i = 0; i < 40; i++) {
		snprintf(host, sizeof(host), "h%d.example.com", i);
		fill(&s, PACC_PROTO_IMAP, host, NULL);
		assert_int_equal(pacc__config_add_server(c, &s), PACC_OK);
	}
	assert_int_equal(c->nservers, 40);
	assert_true(c->cap >= 40);
	for (int i = 0; i < 40; i++) {
		snprintf(host, sizeof(host), "h%d.example.com", i);
		assert_string_equal(c->servers[i].host, host);
		assert_ptr_not_equal(c->servers[i].host, host);
		assert_int_equal(c->servers[i].port, 993);
	}
	assert_int_equal(pacc__config_add_server(NULL, &s), PACC_EINVAL);
	assert_int_equal(pacc__config_add_server(c, NULL), PACC_EINVAL);
	pacc__config_free(c);
}

static void
test_server_copy(void **state)
{
	struct pacc_server a, b;

	(void)state;
	fill(&a, PACC_PROTO_JMAP, NULL, "https://jmap.example.com/session");
	a.username = (char *)"alice";
	a.auth = PACC_AUTH_PASSWORD | PACC_AUTH_OAUTH2;
	memset(&b, 0xa5, sizeof(b)); /* garbage: copy must not free it */
	assert_int_equal(pacc__server_copy(&b, &a), PACC_OK);
	assert_null(b.host);
	assert_string_equal(b.url, a.url);
	assert_ptr_not_equal(b.url, a.url);
	assert_string_equal(b.username, "alice");
	assert_int_equal(b.auth, a.auth);
	assert_int_equal(b.proto, PACC_PROTO_JMAP);
	pacc__server_clear(&b);
	assert_null(b.url);
	assert_null(b.username);
	assert_int_equal(pacc__server_copy(NULL, &a), PACC_EINVAL);
	assert_int_equal(pacc__server_copy(&b, NULL), PACC_EINVAL);
}

static struct pacc__config *
sample(void)
{
	struct pacc__config *c = NULL;
	struct pacc_server s;

	assert_int_equal(pacc__config_new(&c), PACC_OK);
	c->format = PACC__FMT_CURRENT;
	c->oauth_issuer = strdup("https://auth.example.com/");
	c->provider_name = strdup("Example Provider");
	c->provider_short = strdup("Example");
	c->help_url = strdup("https://help.example.com/");
	fill(&s, PACC_PROTO_JMAP, NULL, "https://jmap.example.com/s");
	assert_int_equal(pacc__config_add_server(c, &s), PACC_OK);
	fill(&s, PACC_PROTO_IMAP, "imap.example.com", NULL);
	assert_int_equal(pacc__config_add_server(c, &s), PACC_OK);
	fill(&s, PACC_PROTO_MANAGESIEVE, "sieve.example.com", NULL);
	s.username = (char *)"bob";
	assert_int_equal(pacc__config_add_server(c, &s), PACC_OK);
	return c;
}

static void
check_same(const struct pacc__config *a, const struct pacc__config *b)
{
	assert_int_equal(a->format, b->format);
	assert_string_equal(a->oauth_issuer, b->oauth_issuer);
	assert_string_equal(a->provider_name, b->provider_name);
	assert_string_equal(a->provider_short, b->provider_short);
	assert_string_equal(a->help_url, b->help_url);
	assert_int_equal(a->nservers, b->nservers);
	for (size_t i = 0; i < a->nservers; i++) {
		const struct pacc_server *x = &a->servers[i];
		const struct pacc_server *y = &b->servers[i];

		assert_int_equal(x->proto, y->proto);
		assert_int_equal(x->port, y->port);
		assert_int_equal(x->tls, y->tls);
		assert_int_equal(x->auth, y->auth);
		if (x->host)
			assert_string_equal(x->host, y->host);
		else
			assert_null(y->host);
		if (x->url)
			assert_string_equal(x->url, y->url);
		else
			assert_null(y->url);
		if (x->username)
			assert_string_equal(x->username, y->username);
		else
			assert_null(y->username);
	}
}

static void
test_dup(void **state)
{
	struct pacc__config *c = sample(), *d = NULL, *e = NULL;

	(void)state;
	assert_int_equal(pacc__config_dup(&d, c), PACC_OK);
	check_same(c, d);
	pacc__config_free(c);
	/* d owns its strings: still readable after c is gone */
	assert_int_equal(pacc__config_dup(&e, d), PACC_OK);
	check_same(d, e);
	pacc__config_free(d);
	pacc__config_free(e);
	assert_int_equal(pacc__config_dup(NULL, e), PACC_EINVAL);
	e = (struct pacc__config *)1;
	assert_int_equal(pacc__config_dup(&e, NULL), PACC_EINVAL);
	assert_null(e);
}

static void
test_dup_empty(void **state)
{
	struct pacc__config *c = NULL, *d = NULL;

	(void)state;
	assert_int_equal(pacc__config_new(&c), PACC_OK);
	assert_int_equal(pacc__config_dup(&d, c), PACC_OK);
	assert_int_equal(d->nservers, 0);
	assert_null(d->provider_name);
	pacc__config_free(c);
	pacc__config_free(d);
}

static int
dup_once(void *ud)
{
	struct pacc__config *d = NULL;
	int rc = pacc__config_dup(&d, ud);

	if (rc != PACC_OK)
		assert_null(d);
	else
		check_same(ud, d);
	pacc__config_free(d);
	return rc;
}

static int
copy_once(void *ud)
{
	struct pacc_server b;
	int rc = pacc__server_copy(&b, ud);

	if (rc != PACC_OK) {
		assert_null(b.host);
		assert_null(b.url);
		assert_null(b.username);
	}
	pacc__server_clear(&b);
	return rc;
}

static void
test_enomem(void **state)
{
	struct pacc__config *c = sample();
	struct pacc_server s;

	(void)state;
	enomem_sweep(dup_once, c);
	fill(&s, PACC_PROTO_IMAP, "imap.example.com", "https://x.example/");
	s.username = (char *)"carol";
	enomem_sweep(copy_once, &s);
	pacc__config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_tables),
		cmocka_unit_test(test_new_free),
		cmocka_unit_test(test_add_and_grow),
		cmocka_unit_test(test_server_copy),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_dup_empty),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
