/* SPDX-License-Identifier: MIT */
/* fmt_caps.c: response framing and capability parsers, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net.h"

#include "alloc_fail.h"

#define L(s) (s), strlen(s)

/* Feed one NUL-terminated line. */
static int
feed(struct pacc__framer *f, const char *line)
{
	const char *why = NULL;
	int r = pacc__frame_line(f, line, strlen(line), &why);

	if (r == PACC__FRAME_ERROR)
		assert_non_null(why);
	else
		assert_null(why);
	return r;
}

static void
init(struct pacc__framer *f, enum pacc__frame fr, const char *tag)
{
	assert_int_equal(pacc__frame_init(f, fr, tag), PACC_OK);
}

static void
test_frame_init(void **state)
{
	struct pacc__framer f;

	(void)state;
	assert_int_equal(
	    pacc__frame_init(&f, PACC__FRAME_IMAP, "0123456789abcdef"),
	    PACC_EINVAL);
	assert_int_equal(pacc__frame_init(&f, PACC__FRAME_IMAP, "a b"),
	    PACC_EINVAL);
	assert_int_equal(pacc__frame_init(&f, PACC__FRAME_IMAP, NULL), PACC_OK);
	assert_string_equal(f.tag, "");
	/* a line with no tag to match cannot end an IMAP response */
	assert_int_equal(feed(&f, "A1 OK done"), PACC__FRAME_ERROR);
	assert_int_equal(pacc__frame_line(&f, NULL, 0, NULL),
	    PACC__FRAME_ERROR);
}

static void
test_frame_smtp(void **state)
{
	struct pacc__framer f;

	(void)state;
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "250-mail.example.com"), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, "250-"), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, "250 8BITMIME"), PACC__FRAME_DONE);
	assert_int_equal(f.code, 250);
	assert_int_equal(f.status, PACC__ST_OK);
	assert_int_equal(f.nlines, 3);

	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "221"), PACC__FRAME_DONE);
	assert_int_equal(f.code, 221);
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "334 VXNlcm5hbWU6"), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_CONT);
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "454 4.7.0 TLS not available"),
	    PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_NO);
	assert_int_equal(f.code, 454);
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "535 5.7.8 no"), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_NO);

	/* hostile or broken */
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "220-a"), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, "250 b"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "25"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, ""), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "250x"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "650 six"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "260 x"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "1xx"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_SMTP, NULL);
	assert_int_equal(feed(&f, "* OK imap"), PACC__FRAME_ERROR);
}

static void
test_frame_pop3(void **state)
{
	struct pacc__framer f;
	static const struct {
		const char *line;
		int r;
		int st;
	} cases[] = {
		{ "+OK", PACC__FRAME_DONE, PACC__ST_OK },
		{ "+OK POP3 ready", PACC__FRAME_DONE, PACC__ST_OK },
		{ "-ERR no", PACC__FRAME_DONE, PACC__ST_NO },
		{ "-ERR", PACC__FRAME_DONE, PACC__ST_NO },
		{ "+ ", PACC__FRAME_DONE, PACC__ST_CONT },
		{ "+", PACC__FRAME_DONE, PACC__ST_CONT },
		{ "+ dGVzdA==", PACC__FRAME_DONE, PACC__ST_CONT },
		{ "+OKAY", PACC__FRAME_ERROR, 0 },
		{ "+ok", PACC__FRAME_ERROR, 0 },
		{ "-ERRx", PACC__FRAME_ERROR, 0 },
		{ "OK", PACC__FRAME_ERROR, 0 },
		{ "", PACC__FRAME_ERROR, 0 },
		{ "* OK", PACC__FRAME_ERROR, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		init(&f, PACC__FRAME_POP3, NULL);
		assert_int_equal(feed(&f, cases[i].line), cases[i].r);
		if (cases[i].r == PACC__FRAME_DONE)
			assert_int_equal(f.status, cases[i].st);
	}
	init(&f, PACC__FRAME_POP3_MULTI, NULL);
	assert_int_equal(feed(&f, "+OK list follows"), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, "USER"), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, ".."), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, ""), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, ". "), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, "."), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_OK);
	init(&f, PACC__FRAME_POP3_MULTI, NULL);
	assert_int_equal(feed(&f, "-ERR no CAPA"), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_NO);
	init(&f, PACC__FRAME_POP3_MULTI, NULL);
	assert_int_equal(feed(&f, "+ challenge"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_POP3_MULTI, NULL);
	assert_int_equal(feed(&f, "USER"), PACC__FRAME_ERROR);
}

static void
test_frame_imap(void **state)
{
	struct pacc__framer f;

	(void)state;
	init(&f, PACC__FRAME_IMAP_GREETING, NULL);
	assert_int_equal(feed(&f, "* OK [CAPABILITY IMAP4rev1] hi"),
	    PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_OK);
	init(&f, PACC__FRAME_IMAP_GREETING, NULL);
	assert_int_equal(feed(&f, "* ok"), PACC__FRAME_DONE);
	init(&f, PACC__FRAME_IMAP_GREETING, NULL);
	assert_int_equal(feed(&f, "* OK[ALERT] x"), PACC__FRAME_DONE);
	init(&f, PACC__FRAME_IMAP_GREETING, NULL);
	assert_int_equal(feed(&f, "* PREAUTH welcome"), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_PREAUTH);
	init(&f, PACC__FRAME_IMAP_GREETING, NULL);
	assert_int_equal(feed(&f, "* BYE busy"), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_BYE);
	init(&f, PACC__FRAME_IMAP_GREETING, NULL);
	assert_int_equal(feed(&f, "* NO x"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_IMAP_GREETING, NULL);
	assert_int_equal(feed(&f, "*OK"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_IMAP_GREETING, NULL);
	assert_int_equal(feed(&f, "* OKAY"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_IMAP_GREETING, NULL);
	assert_int_equal(feed(&f, "220 smtp"), PACC__FRAME_ERROR);

	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, "* CAPABILITY IMAP4rev1"), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, "* 3 EXISTS"), PACC__FRAME_MORE);
	assert_false(f.bye);
	assert_int_equal(feed(&f, "* BYE logging out"), PACC__FRAME_MORE);
	assert_true(f.bye);
	assert_int_equal(feed(&f, "A1 OK done"), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_OK);
	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, "A1 no [AUTHENTICATIONFAILED] x"),
	    PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_NO);
	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, "A1 BAD"), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_BAD);
	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, "+ "), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_CONT);
	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, "+"), PACC__FRAME_DONE);
	/* another command's completion, or a tag prefix, is not ours */
	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, "A2 OK done"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, "A10 OK done"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, "A1"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, "A1 MAYBE"), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, ""), PACC__FRAME_ERROR);
	init(&f, PACC__FRAME_IMAP, "A1");
	assert_int_equal(feed(&f, "+OK pop3"), PACC__FRAME_ERROR);
}

static void
test_frame_sieve(void **state)
{
	struct pacc__framer f;

	(void)state;
	init(&f, PACC__FRAME_SIEVE, NULL);
	assert_int_equal(feed(&f, "\"IMPLEMENTATION\" \"x\""),
	    PACC__FRAME_MORE);
	assert_int_equal(feed(&f, "\"STARTTLS\""), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, ""), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, "OKAY is data"), PACC__FRAME_MORE);
	assert_int_equal(feed(&f, "OK \"ready\""), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_OK);
	init(&f, PACC__FRAME_SIEVE, NULL);
	assert_int_equal(feed(&f, "ok"), PACC__FRAME_DONE);
	init(&f, PACC__FRAME_SIEVE, NULL);
	assert_int_equal(feed(&f, "NO (QUOTA) \"full\""), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_NO);
	init(&f, PACC__FRAME_SIEVE, NULL);
	assert_int_equal(feed(&f, "NO(TRYLATER)"), PACC__FRAME_DONE);
	init(&f, PACC__FRAME_SIEVE, NULL);
	assert_int_equal(feed(&f, "BYE \"timeout\""), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_BYE);
	/* a string is data in a response, a challenge during SASL */
	init(&f, PACC__FRAME_SIEVE, NULL);
	assert_int_equal(feed(&f, "\"abc\""), PACC__FRAME_MORE);
	init(&f, PACC__FRAME_SIEVE_AUTH, NULL);
	assert_int_equal(feed(&f, "\"cj1y\""), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_CONT);
	init(&f, PACC__FRAME_SIEVE_AUTH, NULL);
	assert_int_equal(feed(&f, "{12}"), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_CONT);
	init(&f, PACC__FRAME_SIEVE_AUTH, NULL);
	assert_int_equal(feed(&f, "OK (SASL \"dj1x\")"), PACC__FRAME_DONE);
	assert_int_equal(f.status, PACC__ST_OK);
}

/* ---- capabilities ---- */

static void
test_caps_imap(void **state)
{
	struct pacc__caps c;
	static const char l1[] = "* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN "
				 "auth=xoauth2 LOGINDISABLED ID";

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(pacc__caps_imap(&c, l1, strlen(l1)), PACC_OK);
	assert_int_equal(c.nitems, 6);
	assert_string_equal(c.items[0], "IMAP4rev1");
	assert_string_equal(c.items[3], "auth=xoauth2"); /* as sent */
	assert_int_equal(c.nsasl, 2);
	assert_string_equal(c.sasl[0], "PLAIN");
	assert_string_equal(c.sasl[1], "XOAUTH2"); /* upper case */
	assert_true(c.starttls);
	assert_true(c.login_disabled);
	assert_true(pacc__caps_has(&c, "id"));
	assert_true(pacc__caps_has_sasl(&c, "xoauth2"));
	assert_false(pacc__caps_has_sasl(&c, "LOGIN"));
	pacc__caps_clear(&c);
	assert_int_equal(c.nitems, 0);

	assert_int_equal(
	    pacc__caps_imap(&c, L("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi")),
	    PACC_OK);
	assert_int_equal(c.nitems, 2);
	assert_int_equal(c.nsasl, 1);
	assert_int_equal(pacc__caps_imap(&c,
			     L("A1 OK [CAPABILITY IMAP4rev2 AUTH=PLAIN "
			       "AUTH=SCRAM-SHA-256] done")),
	    PACC_OK);
	assert_int_equal(c.nsasl, 2); /* PLAIN once */
	assert_int_equal(c.nitems, 4);
	assert_string_equal(c.sasl[1], "SCRAM-SHA-256");
	assert_int_equal(
	    pacc__caps_imap(&c, L("* PREAUTH [CAPABILITY X-A] welcome")),
	    PACC_OK);
	assert_true(pacc__caps_has(&c, "X-A"));
	pacc__caps_clear(&c);

	/* lines without a list */
	assert_int_equal(pacc__caps_imap(&c, L("* OK ready")), PACC_ENOTFOUND);
	assert_int_equal(pacc__caps_imap(&c, L("* 1 EXISTS")), PACC_ENOTFOUND);
	assert_int_equal(pacc__caps_imap(&c, L("* CAPABILITYX A")),
	    PACC_ENOTFOUND);
	assert_int_equal(pacc__caps_imap(&c, L("* OK [ALERT] x")),
	    PACC_ENOTFOUND);
	assert_int_equal(pacc__caps_imap(&c, L("A1 NO [CAPABILITY X]")),
	    PACC_ENOTFOUND);
	assert_int_equal(pacc__caps_imap(&c, L("*")), PACC_ENOTFOUND);
	assert_int_equal(pacc__caps_imap(&c, L("")), PACC_ENOTFOUND);
	assert_int_equal(pacc__caps_imap(&c, L(" ")), PACC_ENOTFOUND);
	assert_int_equal(pacc__caps_imap(&c, NULL, 0), PACC_EINVAL);
	assert_int_equal(c.nitems, 0);
	/* a response code that never closes */
	assert_int_equal(pacc__caps_imap(&c, L("* OK [CAPABILITY IMAP4rev1")),
	    PACC_EFORMAT);
	/* "* CAPABILITY" alone: an empty list */
	assert_int_equal(pacc__caps_imap(&c, L("* CAPABILITY")), PACC_OK);
	assert_int_equal(c.nitems, 0);
	pacc__caps_clear(&c);
}

static void
test_caps_imap_hostile(void **state)
{
	struct pacc__caps c;
	static const char l[] =
	    "* CAPABILITY AUTH=PL\x01"
	    "AIN AUTH=ABCDEFGHIJKLMNOPQRSTU "
	    "AUTH=PLA(N \"x\" {5} AUTH=P%N AUTH= AUTH=GOOD_1 "
	    "\xc3\xa9t\xc3\xa9 IMAP4rev1   X";
	char big[8192];
	size_t o;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(pacc__caps_imap(&c, l, sizeof(l) - 1), PACC_OK);
	/* only valid atoms are kept; only valid mechanism names */
	assert_int_equal(c.nsasl, 1);
	assert_string_equal(c.sasl[0], "GOOD_1");
	assert_true(pacc__caps_has(&c, "AUTH=ABCDEFGHIJKLMNOPQRSTU"));
	assert_true(pacc__caps_has(&c, "AUTH="));
	assert_true(pacc__caps_has(&c, "IMAP4rev1"));
	assert_true(pacc__caps_has(&c, "X"));
	assert_false(pacc__caps_has(&c, "{5}"));
	assert_int_equal(c.nitems, 5);
	for (size_t i = 0; i < c.nitems; i++)
		for (const char *p = c.items[i]; *p; p++)
			assert_true(*p > 0x20 && *p < 0x7f);
	pacc__caps_clear(&c);

	/* unique as kept: both become "X-?" */
	assert_int_equal(pacc__caps_smtp(&c,
			     (const struct pacc__line[]){ { "250-h", 5 },
				 { "250-X-\x01", 7 }, { "250 X-\x02", 7 } },
			     3),
	    PACC_OK);
	assert_int_equal(c.nitems, 1);
	assert_string_equal(c.items[0], "X-?");
	pacc__caps_clear(&c);

	/* length-delimited: nothing read past len */
	assert_int_equal(pacc__caps_imap(&c, "* CAPABILITY A B", 14), PACC_OK);
	assert_int_equal(c.nitems, 1);
	pacc__caps_clear(&c);

	/* thousands of items and mechanisms: bounded */
	o = (size_t)snprintf(big, sizeof(big), "* CAPABILITY");
	for (int i = 0; o + 12 < sizeof(big); i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, " AUTH=M%d", i);
	assert_int_equal(pacc__caps_imap(&c, big, o), PACC_OK);
	assert_int_equal(c.nitems, PACC__MAX_CAPS);
	assert_int_equal(c.nsasl, PACC__MAX_SASL);
	assert_true(c.truncated);
	pacc__caps_clear(&c);

	/* one huge token is dropped, not kept */
	memset(big, 'A', sizeof(big));
	memcpy(big, "* CAPABILITY ", 13);
	assert_int_equal(pacc__caps_imap(&c, big, sizeof(big)), PACC_OK);
	assert_int_equal(c.nitems, 0);
	pacc__caps_clear(&c);
}

static struct pacc__line *
mklines(const char *const *v, size_t n)
{
	struct pacc__line *l = calloc(n ? n : 1, sizeof(*l));

	assert_non_null(l);
	for (size_t i = 0; i < n; i++) {
		l[i].p = v[i];
		l[i].len = strlen(v[i]);
	}
	return l;
}

static void
test_caps_smtp(void **state)
{
	static const char *const v[] = {
		"250-mail.example.com Hello [192.0.2.1]",
		"250-PIPELINING",
		"250-SIZE 35882577",
		"250-AUTH PLAIN LOGIN",
		"250-AUTH=PLAIN CRAM-MD5",
		"250-STARTTLS",
		"250-STARTTLSX",
		"250-AUTH",
		"250-AUTH PL\x7f"
		"AIN xoauth2 TOO-LONG-MECHANISM-NAME-X",
		"250 8BITMIME",
	};
	static const char *const bad[] = { "250-ok", "25" };
	static const char *const first[] = { "250 only.example.com" };
	struct pacc__line *l = mklines(v, 10);
	struct pacc__caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(pacc__caps_smtp(&c, l, 10), PACC_OK);
	assert_true(c.starttls);
	assert_int_equal(c.nsasl, 4);
	assert_string_equal(c.sasl[0], "PLAIN");
	assert_string_equal(c.sasl[1], "LOGIN");
	assert_string_equal(c.sasl[2], "CRAM-MD5");
	assert_string_equal(c.sasl[3], "XOAUTH2");
	assert_false(pacc__caps_has(&c, "mail.example.com Hello [192.0.2.1]"));
	assert_true(pacc__caps_has(&c, "SIZE 35882577"));
	assert_true(pacc__caps_has(&c, "STARTTLSX"));
	assert_true(pacc__caps_has(&c,
	    "AUTH PL?AIN xoauth2 "
	    "TOO-LONG-MECHANISM-NAME-X"));
	assert_string_equal(c.items[c.nitems - 1], "8BITMIME");
	pacc__caps_clear(&c);
	free(l);

	l = mklines(bad, 2);
	assert_int_equal(pacc__caps_smtp(&c, l, 2), PACC_EFORMAT);
	assert_int_equal(pacc__caps_smtp(&c, l, 0), PACC_EFORMAT);
	pacc__caps_clear(&c);
	free(l);
	l = mklines(first, 1);
	assert_int_equal(pacc__caps_smtp(&c, l, 1), PACC_OK);
	assert_int_equal(c.nitems, 0);
	assert_false(c.starttls);
	free(l);
}

static void
test_caps_pop3(void **state)
{
	static const char *const v[] = {
		"+OK Capability list follows",
		"USER",
		"SASL PLAIN XOAUTH2 bad/mech",
		"STLS",
		"..dotted",
		"TOP",
		".",
		"SASL AFTER-END",
	};
	static const char *const err[] = { "-ERR no", "." };
	struct pacc__line *l = mklines(v, 8);
	struct pacc__caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(pacc__caps_pop3(&c, l, 8), PACC_OK);
	assert_true(c.starttls);
	assert_int_equal(c.nsasl, 2);
	assert_string_equal(c.sasl[1], "XOAUTH2");
	assert_true(pacc__caps_has(&c, "USER"));
	assert_true(pacc__caps_has(&c, ".dotted")); /* unstuffed */
	assert_true(pacc__caps_has(&c, "TOP"));
	assert_false(pacc__caps_has(&c, "SASL AFTER-END"));
	assert_int_equal(c.nitems, 5);
	pacc__caps_clear(&c);
	free(l);
	l = mklines(err, 2);
	assert_int_equal(pacc__caps_pop3(&c, l, 2), PACC_EFORMAT);
	assert_int_equal(pacc__caps_pop3(&c, NULL, 0), PACC_EFORMAT);
	pacc__caps_clear(&c);
	free(l);
}

static void
test_caps_sieve(void **state)
{
	static const char *const v[] = {
		"\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"",
		"\"SIEVE\" \"fileinto reject envelope\"",
		"\"NOTIFY\" \"mailto\"",
		"\"SASL\" \"PLAIN OAUTHBEARER\"",
		"\"starttls\"",
		"\"VERSION\" \"1.0\"",
		"\"ESC\" \"a \\\"q\\\" \\\\ b\"",
		"\"UNTERMINATED",
		"\"A\" \"b\" extra",
		"\"A\"x",
		"\"BAD\" \"\\n\"",
		"{5}",
		"hello",
		"\"\"",
		"OK \"Dovecot ready.\"",
		"\"AFTER\" \"ok\"",
	};
	static const char *const empty_sasl[] = { "\"SASL\" \"\"",
		"\"STARTTLS\"", "OK" };
	struct pacc__line *l = mklines(v, 16);
	struct pacc__caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(pacc__caps_sieve(&c, l, 16), PACC_OK);
	assert_true(c.starttls);
	assert_int_equal(c.nsasl, 2);
	assert_string_equal(c.sasl[0], "PLAIN");
	assert_string_equal(c.sasl[1], "OAUTHBEARER");
	assert_true(pacc__caps_has(&c, "IMPLEMENTATION Dovecot Pigeonhole"));
	assert_true(pacc__caps_has(&c, "VERSION 1.0"));
	assert_true(pacc__caps_has(&c, "ESC a \"q\" \\ b"));
	assert_false(pacc__caps_has(&c, "AFTER ok"));
	assert_int_equal(c.nitems, 7);
	pacc__caps_clear(&c);
	free(l);
	l = mklines(empty_sasl, 3);
	assert_int_equal(pacc__caps_sieve(&c, l, 3), PACC_OK);
	assert_int_equal(c.nsasl, 0);
	assert_true(c.starttls);
	assert_true(pacc__caps_has(&c, "SASL"));
	pacc__caps_clear(&c);
	free(l);
}

/* Random bytes through every parser: nothing may crash or leak, and only
 * printable items and valid mechanism names may come out. */
static void
test_random_lines(void **state)
{
	static const char alphabet[] = "* +-.\"\\{}[]()=AUTHSLPOKNBYE0123456789"
				       "\r\n\x01\x7f\xff";
	uint32_t seed = 12345;
	char buf[8][96];
	struct pacc__line lines[8];
	struct pacc__framer f;
	struct pacc__caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (int round = 0; round < 20000; round++) {
		for (int i = 0; i < 8; i++) {
			seed = seed * 1103515245u + 12345u;
			size_t n = (seed >> 16) % sizeof(buf[i]);

			for (size_t k = 0; k < n; k++) {
				seed = seed * 1103515245u + 12345u;
				buf[i][k] = alphabet[(seed >> 16) %
				    (sizeof(alphabet) - 1)];
			}
			lines[i].p = buf[i];
			lines[i].len = n;
		}
		pacc__caps_imap(&c, lines[0].p, lines[0].len);
		pacc__caps_smtp(&c, lines, 8);
		pacc__caps_pop3(&c, lines, 8);
		pacc__caps_sieve(&c, lines, 8);
		for (int fr = PACC__FRAME_SMTP; fr <= PACC__FRAME_SIEVE_AUTH;
		     fr++) {
			pacc__frame_init(&f, (enum pacc__frame)fr, "T1");
			for (int i = 0; i < 8; i++)
				if (pacc__frame_line(&f, lines[i].p,
					lines[i].len, NULL) != PACC__FRAME_MORE)
					break;
		}
		if (round % 100 == 0) {
			for (size_t i = 0; i < c.nitems; i++)
				for (const char *p = c.items[i]; *p; p++)
					assert_true(*p >= 0x20 && *p < 0x7f);
			for (size_t i = 0; i < c.nsasl; i++) {
				assert_true(strlen(c.sasl[i]) <= 20);
				assert_int_equal(
				    strspn(c.sasl[i],
					"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789-_"),
				    strlen(c.sasl[i]));
			}
			assert_true(c.nitems <= PACC__MAX_CAPS);
			assert_true(c.nsasl <= PACC__MAX_SASL);
			pacc__caps_clear(&c);
		}
	}
	pacc__caps_clear(&c);
}

/* Each capability parser, on a full list, under an allocation sweep. */
static int
caps_once(void *ud)
{
	static const char *const ehlo[] = { "250-mx.example", "250-STARTTLS",
		"250-AUTH PLAIN LOGIN SCRAM-SHA-256", "250 SIZE 1000" };
	static const char *const capa[] = { "+OK", "TOP", "SASL PLAIN", "STLS",
		"." };
	static const char *const sieve[] = { "\"IMPLEMENTATION\" \"x\"",
		"\"SASL\" \"PLAIN LOGIN\"", "\"STARTTLS\"", "OK" };
	const char *which = ud;
	struct pacc__caps c;
	struct pacc__line *l = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	if (strcmp(which, "imap") == 0) {
		rc = pacc__caps_imap(&c,
		    L("* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN "
		      "AUTH=SCRAM-SHA-256 ID"));
	} else if (strcmp(which, "smtp") == 0) {
		l = mklines(ehlo, 4);
		rc = pacc__caps_smtp(&c, l, 4);
	} else if (strcmp(which, "pop3") == 0) {
		l = mklines(capa, 5);
		rc = pacc__caps_pop3(&c, l, 5);
	} else {
		l = mklines(sieve, 4);
		rc = pacc__caps_sieve(&c, l, 4);
	}
	free(l);
	pacc__caps_clear(&c);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(caps_once, "imap");
	enomem_sweep(caps_once, "smtp");
	enomem_sweep(caps_once, "pop3");
	enomem_sweep(caps_once, "sieve");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_frame_init),
		cmocka_unit_test(test_frame_smtp),
		cmocka_unit_test(test_frame_pop3),
		cmocka_unit_test(test_frame_imap),
		cmocka_unit_test(test_frame_sieve),
		cmocka_unit_test(test_caps_imap),
		cmocka_unit_test(test_caps_imap_hostile),
		cmocka_unit_test(test_caps_smtp),
		cmocka_unit_test(test_caps_pop3),
		cmocka_unit_test(test_caps_sieve),
		cmocka_unit_test(test_random_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
