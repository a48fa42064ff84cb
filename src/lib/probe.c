/* SPDX-License-Identifier: MIT */
/*
 * Probe one mail server without credentials: connect (implicit TLS, or
 * plaintext then STARTTLS), read the greeting, read the capabilities,
 * upgrade when the mode says so, read them again over TLS, log out
 * politely — or hand the verified connection to the caller's step (SASL
 * for `pacc login`) before logging out.
 *
 * Never plaintext past the capabilities: when STARTTLS is not offered, is
 * refused, or the upgrade is tampered with, the probe ends there with a
 * specific code, and the step (credentials) is never reached.  Findings
 * are codes in the result (see net.h), not errors.
 *
 * Per protocol (greeting / capabilities / upgrade / goodbye):
 *   IMAP  RFC 9051  "* OK" [CAPABILITY]  CAPABILITY   STARTTLS  LOGOUT
 *   POP3  RFC 1939  "+OK"                CAPA (2449)  STLS      QUIT
 *   SMTP  RFC 5321  220                  EHLO         STARTTLS  QUIT
 *   Sieve RFC 5804  capabilities + OK    (re-sent)    STARTTLS  LOGOUT
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "net.h"

enum phase { PH_GREETING, PH_CAPS, PH_STARTTLS, PH_TLS, PH_STEP, PH_LOGOUT };

struct pacc__probe {
	pacc_ctx *ctx;
	struct pacc__lp *lp;
	enum phase phase;
	char host[256];
	char verify_name[256];
	char ehlo[300];
	pacc_protocol proto;
	pacc_tls_mode tls;
	unsigned port;
	unsigned flags;
	pacc__probe_step_fn step;
	void *step_ud;
	pacc__probe_cb cb;
	void *ud;
	unsigned tagn;
	char tag[16];
	bool in_tls;
	bool caps_over_tls, starttls_offered;
	char *greeting;
	struct pacc__caps caps;
	const char *code;
	char codebuf[48];
	char detail[1024];
	struct pacc__tls_info tls_info;
	char peer[64];
	pacc_dnssec addr_sec;
	long long t0;
};

static void on_caps(void *ud, struct pacc__lp *lp, const struct pacc__resp *r);
static void logout(struct pacc__probe *p);

unsigned
pacc__probe_default_port(pacc_protocol proto, pacc_tls_mode tls)
{
	bool imp = tls == PACC_TLS_IMPLICIT;

	switch (proto) {
	case PACC_PROTO_IMAP:
		return imp ? 993 : 143; /* RFC 8314 §7 */
	case PACC_PROTO_POP3:
		return imp ? 995 : 110;
	case PACC_PROTO_SMTP:
		return imp ? 465 : 587; /* RFC 8314 §7.3, RFC 6409 */
	case PACC_PROTO_MANAGESIEVE:
		return imp ? 0 : 4190; /* RFC 5804 §1.8: no TLS port */
	default:
		return 0;
	}
}

const char *
pacc__probe_next_tag(struct pacc__probe *p)
{
	snprintf(p->tag, sizeof(p->tag), "P%u", ++p->tagn);
	return p->tag;
}

/* Printable excerpt of a response line, for sentences. */
static void
excerpt(char *dst, size_t cap, const struct pacc__resp *r)
{
	const struct pacc__line *l = r->nlines ? &r->lines[r->nlines - 1]
					       : NULL;
	size_t o = 0;

	if (l != NULL)
		for (size_t i = 0; i < l->len && o + 1 < cap; i++) {
			unsigned char ch = (unsigned char)l->p[i];

			dst[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
	dst[o] = '\0';
}

static void set_code(struct pacc__probe *p, const char *code, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
set_code(struct pacc__probe *p, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (p->code != NULL)
		return; /* the first finding stands */
	snprintf(p->codebuf, sizeof(p->codebuf), "%s", code);
	p->code = p->codebuf;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
}

static void
snapshot_conn(struct pacc__probe *p)
{
	struct pacc__conn *c = pacc__lp_conn(p->lp);

	if (c == NULL)
		return;
	p->tls_info = *pacc__conn_tls(c);
	snprintf(p->peer, sizeof(p->peer), "%s", pacc__conn_peer(c));
	p->addr_sec = pacc__conn_addr_sec(c);
}

static void
fill_result(struct pacc__probe *p, struct pacc__probe_result *r)
{
	memset(r, 0, sizeof(*r));
	r->ok = p->code == NULL;
	r->code = p->code;
	r->detail = p->detail;
	r->proto = p->proto;
	r->tls = p->tls;
	r->host = p->host;
	r->port = p->port;
	r->verify_name = p->verify_name;
	r->peer = p->peer;
	r->addr_sec = p->addr_sec;
	r->tls_info = &p->tls_info;
	r->greeting = p->greeting;
	r->caps = &p->caps;
	r->caps_over_tls = p->caps_over_tls;
	r->starttls_offered = p->starttls_offered;
	r->elapsed_ms = (long)(pacc__now_ms() - p->t0);
}

static void
probe_free(struct pacc__probe *p)
{
	pacc__lp_free(p->lp);
	pacc__caps_clear(&p->caps);
	pacc__free(p->greeting);
	pacc__free(p);
}

/* The end: report and release.  Nothing may touch p afterwards. */
static void
finish(struct pacc__probe *p)
{
	struct pacc__probe_result r;

	snapshot_conn(p);
	if (p->code == NULL)
		snprintf(p->detail, sizeof(p->detail),
		    "%s port %u: greeting and %d capabilit%s over %s "
		    "(certificate verified for %s)",
		    p->host, p->port, (int)p->caps.nitems,
		    p->caps.nitems == 1 ? "y" : "ies",
		    p->tls_info.version ? p->tls_info.version : "TLS",
		    p->verify_name);
	fill_result(p, &r);
	p->cb(p->ud, &r);
	probe_free(p);
}

static void fail_now(struct pacc__probe *p, const char *code, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* A finding that leaves the session unusable: no goodbye. */
static void
fail_now(struct pacc__probe *p, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (p->code == NULL) {
		snprintf(p->codebuf, sizeof(p->codebuf), "%s", code);
		p->code = p->codebuf;
		va_start(ap, fmt);
		vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
		va_end(ap);
	}
	finish(p);
}

static int
keep_greeting(struct pacc__probe *p, const struct pacc__line *l)
{
	char tmp[513];
	size_t n = l->len < sizeof(tmp) - 1 ? l->len : sizeof(tmp) - 1;

	pacc__free(p->greeting);
	memcpy(tmp, l->p, n);
	tmp[n] = '\0';
	p->greeting = pacc__utf8_sanitize(tmp);
	return p->greeting ? PACC_OK : PACC_ENOMEM;
}

/* Queue a command, or end the probe when that is impossible. */
static bool
command(struct pacc__probe *p, enum pacc__frame frame, const char *tag,
    pacc__lp_resp_fn fn, const char *line)
{
	if (pacc__lp_command(p->lp, frame, tag, fn, p, "%s", line) == PACC_OK)
		return true;
	fail_now(p, "internal-error", "cannot send a command to %s", p->host);
	return false;
}

static void
request_caps(struct pacc__probe *p)
{
	char line[400];
	const char *tag;

	p->phase = PH_CAPS;
	switch (p->proto) {
	case PACC_PROTO_IMAP:
		tag = pacc__probe_next_tag(p);
		snprintf(line, sizeof(line), "%s CAPABILITY", tag);
		command(p, PACC__FRAME_IMAP, tag, on_caps, line);
		break;
	case PACC_PROTO_POP3:
		command(p, PACC__FRAME_POP3_MULTI, NULL, on_caps, "CAPA");
		break;
	case PACC_PROTO_SMTP:
		if (p->ehlo[0] == '\0' &&
		    pacc__conn_local_literal(pacc__lp_conn(p->lp), p->ehlo,
			sizeof(p->ehlo)) != PACC_OK)
			snprintf(p->ehlo, sizeof(p->ehlo), "[127.0.0.1]");
		snprintf(line, sizeof(line), "EHLO %s", p->ehlo);
		command(p, PACC__FRAME_SMTP, NULL, on_caps, line);
		break;
	default:
		/* RFC 5804 §2.2: after TLS the server re-sends them */
		if (pacc__lp_expect(p->lp, PACC__FRAME_SIEVE, NULL, on_caps,
			p) != PACC_OK)
			fail_now(p, "internal-error", "cannot read from %s",
			    p->host);
		break;
	}
}

static void
on_starttls(void *ud, struct pacc__lp *lp, const struct pacc__resp *r)
{
	struct pacc__probe *p = ud;
	char ex[160];
	bool go = r->status == PACC__ST_OK &&
	    (p->proto != PACC_PROTO_SMTP || r->code == 220);

	(void)lp;
	if (!go) {
		excerpt(ex, sizeof(ex), r);
		set_code(p, "starttls-refused",
		    "%s port %u offers STARTTLS but refused it (\"%s\"): "
		    "not continuing without TLS",
		    p->host, p->port, ex);
		logout(p);
		return;
	}
	/* RFC 3207 §4.2, RFC 9051 §6.2.1: forget what was learnt before */
	pacc__caps_clear(&p->caps);
	p->phase = PH_TLS;
	if (pacc__lp_starttls(p->lp) != PACC_OK)
		fail_now(p, "internal-error", "cannot start TLS with %s",
		    p->host);
}

static void
send_starttls(struct pacc__probe *p)
{
	char line[32];
	const char *tag;

	p->phase = PH_STARTTLS;
	switch (p->proto) {
	case PACC_PROTO_IMAP:
		tag = pacc__probe_next_tag(p);
		snprintf(line, sizeof(line), "%s STARTTLS", tag);
		command(p, PACC__FRAME_IMAP, tag, on_starttls, line);
		break;
	case PACC_PROTO_POP3:
		command(p, PACC__FRAME_POP3, NULL, on_starttls, "STLS");
		break;
	case PACC_PROTO_SMTP:
		command(p, PACC__FRAME_SMTP, NULL, on_starttls, "STARTTLS");
		break;
	default:
		command(p, PACC__FRAME_SIEVE, NULL, on_starttls, "STARTTLS");
		break;
	}
}

/* The capabilities are in: upgrade, hand over, or say goodbye. */
static void
caps_ready(struct pacc__probe *p)
{
	struct pacc__probe_result r;

	if (!p->in_tls) {
		p->starttls_offered = p->caps.starttls;
		if (!p->caps.starttls) {
			/* DESIGN §2: no STARTTLS stripping, never plaintext */
			set_code(p, "starttls-unavailable",
			    "%s port %u does not offer STARTTLS: not "
			    "continuing without TLS",
			    p->host, p->port);
			logout(p);
			return;
		}
		send_starttls(p);
		return;
	}
	p->caps_over_tls = true;
	if (p->step == NULL) {
		logout(p);
		return;
	}
	p->phase = PH_STEP;
	snapshot_conn(p);
	snprintf(p->detail, sizeof(p->detail), "%s port %u: ready", p->host,
	    p->port);
	fill_result(p, &r);
	p->step(p->step_ud, p, p->lp, &r);
}

static void
on_caps(void *ud, struct pacc__lp *lp, const struct pacc__resp *r)
{
	struct pacc__probe *p = ud;
	char ex[160];
	int rc = PACC_OK;

	(void)lp;
	excerpt(ex, sizeof(ex), r);
	switch (p->proto) {
	case PACC_PROTO_IMAP:
		if (r->status != PACC__ST_OK) {
			fail_now(p, "protocol-error",
			    "%s refused CAPABILITY (\"%s\")", p->host, ex);
			return;
		}
		for (size_t i = 0; i < r->nlines && rc != PACC_ENOMEM; i++) {
			rc = pacc__caps_imap(&p->caps, r->lines[i].p,
			    r->lines[i].len);
		}
		break;
	case PACC_PROTO_POP3:
		/* RFC 2449 is optional: -ERR means no list, not failure */
		if (r->status == PACC__ST_OK)
			rc = pacc__caps_pop3(&p->caps, r->lines, r->nlines);
		break;
	case PACC_PROTO_SMTP:
		if (r->code != 250) {
			fail_now(p, "protocol-error",
			    "%s refused EHLO (\"%s\")", p->host, ex);
			return;
		}
		rc = pacc__caps_smtp(&p->caps, r->lines, r->nlines);
		break;
	default:
		if (r->status != PACC__ST_OK) {
			fail_now(p, "protocol-error",
			    "%s did not send its capabilities (\"%s\")",
			    p->host, ex);
			return;
		}
		rc = pacc__caps_sieve(&p->caps, r->lines, r->nlines);
		break;
	}
	if (rc == PACC_ENOMEM) {
		fail_now(p, "internal-error", "out of memory");
		return;
	}
	caps_ready(p);
}

static void
on_greeting(void *ud, struct pacc__lp *lp, const struct pacc__resp *r)
{
	struct pacc__probe *p = ud;
	char ex[160];
	bool have_caps = false;
	int rc;

	(void)lp;
	excerpt(ex, sizeof(ex), r);
	if (r->nlines > 0 &&
	    keep_greeting(p,
		p->proto == PACC_PROTO_MANAGESIEVE ? &r->lines[r->nlines - 1]
						   : &r->lines[0]) != PACC_OK) {
		fail_now(p, "internal-error", "out of memory");
		return;
	}
	switch (p->proto) {
	case PACC_PROTO_IMAP:
		if (r->status == PACC__ST_BYE ||
		    (r->status != PACC__ST_OK &&
			r->status != PACC__ST_PREAUTH)) {
			fail_now(p, "greeting",
			    "%s port %u refused the session (\"%s\")", p->host,
			    p->port, ex);
			return;
		}
		if (r->status == PACC__ST_PREAUTH && !p->in_tls) {
			/* RFC 9051 §6.2.1: STARTTLS only before
			 * authentication; a PREAUTH greeting leaves none */
			set_code(p, "starttls-unavailable",
			    "%s port %u greets with PREAUTH, so STARTTLS is "
			    "impossible: not continuing without TLS",
			    p->host, p->port);
			logout(p);
			return;
		}
		/* RFC 9051 §7.1: capabilities may come with the greeting */
		rc = pacc__caps_imap(&p->caps, r->lines[0].p, r->lines[0].len);
		if (rc == PACC_ENOMEM) {
			fail_now(p, "internal-error", "out of memory");
			return;
		}
		if (rc == PACC_OK && p->caps.nitems > 0)
			have_caps = true;
		break;
	case PACC_PROTO_POP3:
		if (r->status != PACC__ST_OK) {
			fail_now(p, "greeting",
			    "%s port %u refused the session (\"%s\")", p->host,
			    p->port, ex);
			return;
		}
		break;
	case PACC_PROTO_SMTP:
		if (r->code != 220) {
			fail_now(p, "greeting",
			    "%s port %u refused the session (\"%s\")", p->host,
			    p->port, ex);
			return;
		}
		break;
	default:
		if (r->status != PACC__ST_OK) {
			fail_now(p, "greeting",
			    "%s port %u refused the session (\"%s\")", p->host,
			    p->port, ex);
			return;
		}
		/* RFC 5804 §1.7: the greeting is the capability list */
		if (pacc__caps_sieve(&p->caps, r->lines, r->nlines) ==
		    PACC_ENOMEM) {
			fail_now(p, "internal-error", "out of memory");
			return;
		}
		have_caps = true;
		break;
	}
	if (p->in_tls && (p->flags & PACC__PROBE_GREETING_ONLY)) {
		logout(p);
		return;
	}
	if (have_caps)
		caps_ready(p);
	else
		request_caps(p);
}

static void
on_bye(void *ud, struct pacc__lp *lp, const struct pacc__resp *r)
{
	(void)lp;
	(void)r;
	finish(ud);
}

/* RFC 9051 §6.1.3, RFC 1939 §6, RFC 5321 §4.1.1.10, RFC 5804 §2.3. */
static void
logout(struct pacc__probe *p)
{
	struct pacc__conn *c = pacc__lp_conn(p->lp);
	long long left;
	char line[32];
	const char *tag;
	int rc;

	p->phase = PH_LOGOUT;
	if (c == NULL) {
		finish(p);
		return;
	}
	left = pacc__conn_deadline(c) - pacc__now_ms();
	pacc__lp_set_timeout(p->lp,
	    left < PACC__LOGOUT_TIMEOUT_MS ? (long)(left > 0 ? left : 0)
					   : PACC__LOGOUT_TIMEOUT_MS);
	switch (p->proto) {
	case PACC_PROTO_IMAP:
		tag = pacc__probe_next_tag(p);
		snprintf(line, sizeof(line), "%s LOGOUT", tag);
		rc = pacc__lp_command(p->lp, PACC__FRAME_IMAP, tag, on_bye, p,
		    "%s", line);
		break;
	case PACC_PROTO_POP3:
		rc = pacc__lp_command(p->lp, PACC__FRAME_POP3, NULL, on_bye, p,
		    "QUIT");
		break;
	case PACC_PROTO_SMTP:
		rc = pacc__lp_command(p->lp, PACC__FRAME_SMTP, NULL, on_bye, p,
		    "QUIT");
		break;
	default:
		rc = pacc__lp_command(p->lp, PACC__FRAME_SIEVE, NULL, on_bye, p,
		    "LOGOUT");
		break;
	}
	if (rc != PACC_OK)
		finish(p);
}

static void
on_event(void *ud, struct pacc__lp *lp, enum pacc__lp_event ev)
{
	struct pacc__probe *p = ud;
	const char *code, *detail;

	switch (ev) {
	case PACC__LP_UP:
		p->in_tls = p->tls == PACC_TLS_IMPLICIT;
		snapshot_conn(p);
		break;
	case PACC__LP_TLS_UP:
		p->in_tls = true;
		snapshot_conn(p);
		if ((p->flags & PACC__PROBE_GREETING_ONLY) &&
		    p->proto != PACC_PROTO_MANAGESIEVE)
			logout(p);
		else
			request_caps(p);
		break;
	case PACC__LP_FAIL:
		snapshot_conn(p);
		if (p->phase == PH_LOGOUT) {
			/* the goodbye is a courtesy: its failure is not ours */
			finish(p);
			return;
		}
		code = pacc__lp_error(lp, &detail);
		if (p->phase == PH_GREETING && code &&
		    strcmp(code, "connection-closed") == 0)
			fail_now(p, "greeting",
			    "%s port %u closed the connection before its "
			    "greeting",
			    p->host, p->port);
		else if (p->phase == PH_GREETING && code &&
		    strcmp(code, "protocol-error") == 0)
			/* e.g. another protocol on this port (guess) */
			fail_now(p, "greeting", "no %s greeting: %s",
			    pacc_protocol_name(p->proto),
			    detail ? detail : "malformed");
		else
			fail_now(p, code ? code : "internal-error", "%s",
			    detail ? detail : "connection failed");
		break;
	}
}

static enum pacc__frame
greeting_frame(pacc_protocol proto)
{
	switch (proto) {
	case PACC_PROTO_IMAP:
		return PACC__FRAME_IMAP_GREETING;
	case PACC_PROTO_POP3:
		return PACC__FRAME_POP3;
	case PACC_PROTO_SMTP:
		return PACC__FRAME_SMTP;
	default:
		return PACC__FRAME_SIEVE;
	}
}

static bool
ehlo_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 256)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

int
pacc__probe_start(struct pacc__probe **out, pacc_ctx *ctx,
    const struct pacc__probe_opts *o, pacc__probe_cb cb, void *ud)
{
	struct pacc__conn_opts co;
	struct pacc__probe *p;
	unsigned port;
	int rc;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if (ctx == NULL || o == NULL || cb == NULL || o->host == NULL ||
	    (o->tls != PACC_TLS_IMPLICIT && o->tls != PACC_TLS_STARTTLS) ||
	    (o->ehlo_name && !ehlo_valid(o->ehlo_name)))
		return PACC_EINVAL;
	if (o->proto != PACC_PROTO_IMAP && o->proto != PACC_PROTO_POP3 &&
	    o->proto != PACC_PROTO_SMTP && o->proto != PACC_PROTO_MANAGESIEVE)
		return PACC_EINVAL;
	port = o->port ? o->port : pacc__probe_default_port(o->proto, o->tls);
	if (port == 0 || port > 65535 || strlen(o->host) >= 256 ||
	    (o->verify_name && strlen(o->verify_name) >= 256))
		return PACC_EINVAL;
	p = pacc__calloc(1, sizeof(*p));
	if (p == NULL)
		return PACC_ENOMEM;
	p->ctx = ctx;
	p->proto = o->proto;
	p->tls = o->tls;
	p->port = port;
	p->flags = o->flags;
	p->step = o->step;
	p->step_ud = o->step_ud;
	p->cb = cb;
	p->ud = ud;
	p->t0 = pacc__now_ms();
	p->addr_sec = PACC_DNSSEC_NA;
	snprintf(p->host, sizeof(p->host), "%s", o->host);
	snprintf(p->verify_name, sizeof(p->verify_name), "%s",
	    o->verify_name ? o->verify_name : o->host);
	if (o->ehlo_name)
		snprintf(p->ehlo, sizeof(p->ehlo), "%s", o->ehlo_name);
	memset(&co, 0, sizeof(co));
	co.host = o->host;
	co.port = port;
	co.verify_name = o->verify_name;
	co.implicit_tls = o->tls == PACC_TLS_IMPLICIT;
	co.tls13 = o->tls13;
	co.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : ctx->timeout_ms;
	if ((rc = pacc__lp_start(&p->lp, ctx, &co, on_event, p)) != PACC_OK ||
	    (rc = pacc__lp_expect(p->lp, greeting_frame(p->proto), NULL,
		 on_greeting, p)) != PACC_OK) {
		probe_free(p);
		return rc;
	}
	*out = p;
	pacc__loop_sync(ctx);
	return PACC_OK;
}

void
pacc__probe_resume(struct pacc__probe *p, const char *code, const char *detail)
{
	if (p == NULL || p->phase != PH_STEP)
		return;
	if (code != NULL)
		set_code(p, code, "%s", detail ? detail : code);
	logout(p);
}

void
pacc__probe_cancel(struct pacc__probe *p)
{
	if (p == NULL)
		return;
	probe_free(p);
}
