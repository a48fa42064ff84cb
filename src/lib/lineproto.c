/* SPDX-License-Identifier: MIT */
/*
 * The one line engine for IMAP, POP3, SMTP submission and ManageSieve (curl
 * pingpong style): send a command, read its response line by line until
 * the protocol's framing (fmt_caps.c) says it is complete, hand over the
 * whole response.  Every line is capped (PACC__MAX_LINE_BYTES), every
 * response too (bytes and lines); a server that streams an endless line
 * costs one bounded buffer and ends with line-too-long.
 *
 * STARTTLS: the response that accepts the upgrade must be the last thing
 * read in plaintext.  Any byte after it — buffered, or already in the
 * socket — is discarded and the engine fails with starttls-injection (RFC
 * 3207 §4.2, RFC 2595 §3.1, CVE-2011-0411 and the "NO STARTTLS" class);
 * callers must also forget what they learnt before TLS (capabilities).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "net.h"

struct pacc__lp {
	pacc_ctx *ctx;
	struct pacc__conn *conn;
	char host[256];
	pacc__lp_event_fn fn;
	void *ud;

	/* the response being read */
	bool expecting;
	struct pacc__framer fr;
	pacc__lp_resp_fn rfn;
	void *rud;
	struct pacc__buf rbuf; /* lines, each NUL-terminated */
	size_t off[PACC__MAX_RESPONSE_LINES];
	size_t len[PACC__MAX_RESPONSE_LINES];
	size_t nlines;
	struct pacc__line lines[PACC__MAX_RESPONSE_LINES];

	struct pacc__timer kick;
	bool failed, fail_pending;
	const char *code;
	char detail[512];
	int busy;
	bool dead;
};

static void
lp_destroy(struct pacc__lp *lp)
{
	pacc__timer_disarm(lp->ctx, &lp->kick);
	pacc__conn_close(lp->conn);
	lp->conn = NULL;
	if (lp->rbuf.data)
		OPENSSL_cleanse(lp->rbuf.data, lp->rbuf.cap);
	pacc__buf_free(&lp->rbuf);
	pacc__free(lp);
}

static void
enter(struct pacc__lp *lp)
{
	lp->busy++;
}

static void
leave(struct pacc__lp *lp)
{
	if (--lp->busy == 0 && lp->dead)
		lp_destroy(lp);
}

static void
emit(struct pacc__lp *lp, enum pacc__lp_event ev)
{
	lp->fn(lp->ud, lp, ev);
}

static void
set_failure(struct pacc__lp *lp, const char *code, const char *fmt, va_list ap)
{
	lp->code = code;
	vsnprintf(lp->detail, sizeof(lp->detail), fmt, ap);
}

static void lp_fail(struct pacc__lp *lp, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void lp_fail_later(struct pacc__lp *lp, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Fail now (we are inside a loop callback). */
static void
lp_fail(struct pacc__lp *lp, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (lp->failed || lp->dead)
		return;
	lp->failed = true;
	lp->expecting = false;
	va_start(ap, fmt);
	set_failure(lp, code, fmt, ap);
	va_end(ap);
	emit(lp, PACC__LP_FAIL);
	if (!lp->dead) {
		/* stop all I/O; the owner has had its look at the conn */
		pacc__conn_close(lp->conn);
		lp->conn = NULL;
	}
}

/* Fail from the loop: the caller is in the middle of its own code. */
static void
lp_fail_later(struct pacc__lp *lp, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (lp->failed || lp->fail_pending)
		return;
	lp->fail_pending = true;
	lp->expecting = false;
	va_start(ap, fmt);
	set_failure(lp, code, fmt, ap);
	va_end(ap);
	pacc__timer_arm(lp->ctx, &lp->kick, 0);
}

/* A short printable excerpt of a line, for sentences. */
static void
excerpt(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 4 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];

		dst[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (n > 0 && o + 4 >= cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

static void
deliver(struct pacc__lp *lp)
{
	struct pacc__resp r;
	pacc__lp_resp_fn fn = lp->rfn;
	void *ud = lp->rud;

	for (size_t i = 0; i < lp->nlines; i++) {
		lp->lines[i].p = (const char *)lp->rbuf.data + lp->off[i];
		lp->lines[i].len = lp->len[i];
	}
	r.status = lp->fr.status;
	r.code = lp->fr.code;
	r.lines = lp->lines;
	r.nlines = lp->nlines;
	lp->expecting = false;
	lp->rfn = NULL;
	lp->rud = NULL;
	fn(ud, lp, &r);
}

/*
 * Where the next line of a server's byte stream ends (net.h).  Pure: the
 * fuzz harness fuzz_lineproto.c feeds it raw bytes.
 */
int
pacc__line_split(const unsigned char *in, size_t n, size_t *len, size_t *used)
{
	const unsigned char *lf;
	size_t scan, ll;

	*len = *used = 0;
	scan = n < PACC__MAX_LINE_BYTES + 2 ? n : PACC__MAX_LINE_BYTES + 2;
	lf = n > 0 ? memchr(in, '\n', scan) : NULL;
	if (lf == NULL)
		return n >= PACC__MAX_LINE_BYTES + 2 ? PACC__LINE_TOO_LONG
						     : PACC__LINE_MORE;
	ll = (size_t)(lf - in);
	if (ll > 0 && in[ll - 1] == '\r')
		ll--;
	if (ll > PACC__MAX_LINE_BYTES)
		return PACC__LINE_TOO_LONG;
	if (memchr(in, '\0', ll) != NULL)
		return PACC__LINE_NUL;
	*len = ll;
	*used = (size_t)(lf - in) + 1;
	return PACC__LINE_OK;
}

/* Take complete lines from the connection while a response is expected. */
static void
process(struct pacc__lp *lp)
{
	const unsigned char *in;
	size_t n, ll, used, at;
	const char *why, *line;
	char ex[80];
	int fr, rc, split;

	while (lp->expecting && !lp->dead && !lp->failed && lp->conn) {
		in = pacc__conn_input(lp->conn, &n);
		split = pacc__line_split(in, n, &ll, &used);
		if (split == PACC__LINE_MORE)
			return;
		if (split == PACC__LINE_TOO_LONG) {
			lp_fail(lp, "line-too-long",
			    "%s sent a line longer than %d bytes", lp->host,
			    PACC__MAX_LINE_BYTES);
			return;
		}
		if (split == PACC__LINE_NUL) {
			lp_fail(lp, "protocol-error",
			    "%s sent a line holding a NUL byte", lp->host);
			return;
		}
		if (lp->fr.nlines == 0) {
			pacc__buf_reset(&lp->rbuf);
			lp->nlines = 0;
		}
		if (lp->nlines >= PACC__MAX_RESPONSE_LINES) {
			lp_fail(lp, "too-large",
			    "a response from %s has more than %d lines",
			    lp->host, PACC__MAX_RESPONSE_LINES);
			return;
		}
		at = lp->rbuf.len;
		if ((rc = pacc__buf_append(&lp->rbuf, in, ll)) != PACC_OK ||
		    (rc = pacc__buf_append(&lp->rbuf, "", 1)) != PACC_OK) {
			if (rc == PACC_ETOOBIG)
				lp_fail(lp, "too-large",
				    "a response from %s is larger than %d "
				    "bytes",
				    lp->host, PACC__MAX_RESPONSE_BYTES);
			else
				lp_fail(lp, "internal-error",
				    "out of memory reading from %s", lp->host);
			return;
		}
		lp->off[lp->nlines] = at;
		lp->len[lp->nlines++] = ll;
		pacc__conn_consume(lp->conn, used);
		line = (const char *)lp->rbuf.data + at;
		fr = pacc__frame_line(&lp->fr, line, ll, &why);
		if (fr == PACC__FRAME_ERROR) {
			excerpt(ex, sizeof(ex), line, ll);
			lp_fail(lp, "protocol-error", "%s: %s (\"%s\")",
			    lp->host, why, ex);
			return;
		}
		if (fr == PACC__FRAME_DONE)
			deliver(lp);
	}
}

static void
on_conn(void *ud, struct pacc__conn *c, enum pacc__conn_event ev)
{
	struct pacc__lp *lp = ud;
	const char *code, *detail;

	enter(lp);
	switch (ev) {
	case PACC__CONN_UP:
		emit(lp, PACC__LP_UP);
		if (!lp->dead)
			process(lp);
		break;
	case PACC__CONN_TLS_UP:
		emit(lp, PACC__LP_TLS_UP);
		if (!lp->dead)
			process(lp);
		break;
	case PACC__CONN_DATA:
		process(lp);
		break;
	case PACC__CONN_FAIL:
		code = pacc__conn_error(c, &detail);
		lp_fail(lp, code ? code : "internal-error", "%s",
		    detail ? detail : "connection failed");
		break;
	}
	leave(lp);
}

static void
on_kick(void *ud)
{
	struct pacc__lp *lp = ud;

	enter(lp);
	if (lp->fail_pending && !lp->failed) {
		lp->fail_pending = false;
		lp->failed = true;
		emit(lp, PACC__LP_FAIL);
		if (!lp->dead) {
			pacc__conn_close(lp->conn);
			lp->conn = NULL;
		}
	} else if (lp->expecting) {
		process(lp);
	}
	leave(lp);
}

int
pacc__lp_start(struct pacc__lp **out, pacc_ctx *ctx,
    const struct pacc__conn_opts *o, pacc__lp_event_fn fn, void *ud)
{
	struct pacc__lp *lp;
	int rc;

	*out = NULL;
	if (o == NULL || o->host == NULL || fn == NULL)
		return PACC_EINVAL;
	lp = pacc__calloc(1, sizeof(*lp));
	if (lp == NULL)
		return PACC_ENOMEM;
	lp->ctx = ctx;
	lp->fn = fn;
	lp->ud = ud;
	snprintf(lp->host, sizeof(lp->host), "%s", o->host);
	pacc__buf_init(&lp->rbuf,
	    PACC__MAX_RESPONSE_BYTES + PACC__MAX_RESPONSE_LINES);
	pacc__timer_init(&lp->kick, on_kick, lp);
	if ((rc = pacc__conn_start(&lp->conn, ctx, o, on_conn, lp)) !=
	    PACC_OK) {
		lp_destroy(lp);
		return rc;
	}
	*out = lp;
	return PACC_OK;
}

int
pacc__lp_expect(struct pacc__lp *lp, enum pacc__frame frame, const char *tag,
    pacc__lp_resp_fn fn, void *ud)
{
	int rc;

	if (lp == NULL || fn == NULL || lp->dead || lp->failed ||
	    lp->fail_pending || lp->expecting)
		return PACC_EINVAL;
	if ((rc = pacc__frame_init(&lp->fr, frame, tag)) != PACC_OK)
		return rc;
	lp->expecting = true;
	lp->rfn = fn;
	lp->rud = ud;
	/* lines already buffered are read from the loop, not from here */
	pacc__timer_arm(lp->ctx, &lp->kick, 0);
	return PACC_OK;
}

int
pacc__lp_send(struct pacc__lp *lp, const void *p, size_t n)
{
	if (lp == NULL || lp->dead || lp->failed || lp->conn == NULL)
		return PACC_EINVAL;
	return pacc__conn_write(lp->conn, p, n);
}

int
pacc__lp_command(struct pacc__lp *lp, enum pacc__frame frame, const char *tag,
    pacc__lp_resp_fn fn, void *ud, const char *fmt, ...)
{
	char line[PACC__MAX_LINE_BYTES + 3];
	va_list ap;
	int n, rc;

	if (lp == NULL || lp->dead || lp->failed || lp->expecting)
		return PACC_EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	rc = PACC_EINVAL;
	/* one line, exactly: a CR or LF inside would be a second command */
	if (n < 0 || (size_t)n >= sizeof(line) - 2 ||
	    strlen(line) != (size_t)n || strpbrk(line, "\r\n") != NULL)
		goto out;
	line[n] = '\r';
	line[n + 1] = '\n';
	if ((rc = pacc__lp_send(lp, line, (size_t)n + 2)) != PACC_OK)
		goto out;
	rc = pacc__lp_expect(lp, frame, tag, fn, ud);
out:
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}

int
pacc__lp_starttls(struct pacc__lp *lp)
{
	size_t n = 0;
	int rc;

	if (lp == NULL || lp->dead || lp->failed || lp->conn == NULL ||
	    lp->expecting)
		return PACC_EINVAL;
	rc = pacc__conn_starttls(lp->conn, &n);
	if (rc == PACC_EFORMAT) {
		lp_fail_later(lp, "starttls-injection",
		    "%s sent %zu byte%s after accepting STARTTLS and before "
		    "the TLS handshake; they were discarded and the "
		    "connection abandoned",
		    lp->host, n, n == 1 ? "" : "s");
		return PACC_OK;
	}
	return rc;
}

void
pacc__lp_set_timeout(struct pacc__lp *lp, long ms)
{
	if (lp && lp->conn)
		pacc__conn_set_timeout(lp->conn, ms);
}

struct pacc__conn *
pacc__lp_conn(struct pacc__lp *lp)
{
	return lp ? lp->conn : NULL;
}

const char *
pacc__lp_error(const struct pacc__lp *lp, const char **detail)
{
	if (detail)
		*detail = lp->code ? lp->detail : NULL;
	return lp->code;
}

void
pacc__lp_free(struct pacc__lp *lp)
{
	if (lp == NULL || lp->dead)
		return;
	lp->dead = true;
	lp->expecting = false;
	pacc__timer_disarm(lp->ctx, &lp->kick);
	pacc__conn_close(lp->conn);
	lp->conn = NULL;
	if (lp->busy == 0)
		lp_destroy(lp);
}
