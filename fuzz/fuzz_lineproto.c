/* SPDX-License-Identifier: MIT */
/*
 * lineproto.c, fmt_caps.c, login.c: a mail server's byte stream from the
 * first byte to the classified answer, as pacc probe and pacc login read
 * it.  Input: one byte choosing the protocol (IMAP, POP3, SMTP,
 * ManageSieve) and whether the response is a capability list, then the raw
 * stream.  pacc__line_split() cuts it into lines (never longer than
 * PACC__MAX_LINE_BYTES, never holding a NUL, consuming exactly through
 * the LF), the framer collects responses within the response bounds as
 * lineproto.c does, and each complete response goes to the capability
 * parser of its protocol and to pacc__login_classify(), which must give
 * a known class and, unless OK, a code.
 */
#include <strings.h>

#include "pacc/error.h"
#include "pacc/login.h"

#include "alloc.h"
#include "net.h"
#include "sasl.h"

#include "fuzz.h"

static const struct {
	pacc_protocol proto;
	enum pacc__frame frame, caps_frame;
	const char *tag;
} protos[] = {
	{ PACC_PROTO_IMAP, PACC__FRAME_IMAP, PACC__FRAME_IMAP, "A1" },
	{ PACC_PROTO_POP3, PACC__FRAME_POP3, PACC__FRAME_POP3_MULTI, NULL },
	{ PACC_PROTO_SMTP, PACC__FRAME_SMTP, PACC__FRAME_SMTP, NULL },
	{ PACC_PROTO_MANAGESIEVE, PACC__FRAME_SIEVE_AUTH, PACC__FRAME_SIEVE,
	    NULL },
};

static void
response(int which, bool caps, const struct pacc__framer *f,
    const struct pacc__line *lines, size_t n)
{
	pacc_protocol proto = protos[which].proto;
	pacc_login_class cls = (pacc_login_class)-1;
	const char *code = "unset";
	struct pacc__caps c;
	int rc = PACC_OK;

	CHECK(n >= 1);
	pacc__login_classify(proto, (int)f->status, f->code, lines[n - 1].p,
	    lines[n - 1].len, &cls, &code);
	CHECK(cls >= PACC_LOGIN_OK && cls <= PACC_LOGIN_NOT_ATTEMPTED);
	CHECK(pacc_login_class_name(cls) != NULL);
	if (cls == PACC_LOGIN_OK)
		CHECK(code == NULL);
	else
		CHECK(code != NULL && code[0] != '\0' &&
		    strcmp(code, "unset") != 0);
	if (!caps)
		return;
	memset(&c, 0, sizeof(c));
	switch (proto) {
	case PACC_PROTO_IMAP:
		for (size_t i = 0; i < n && rc != PACC_ENOMEM; i++)
			rc = pacc__caps_imap(&c, lines[i].p, lines[i].len);
		break;
	case PACC_PROTO_POP3:
		rc = pacc__caps_pop3(&c, lines, n);
		break;
	case PACC_PROTO_SMTP:
		rc = pacc__caps_smtp(&c, lines, n);
		break;
	default:
		rc = pacc__caps_sieve(&c, lines, n);
		break;
	}
	CHECK(rc == PACC_OK || rc == PACC_ENOTFOUND || rc == PACC_EFORMAT ||
	    rc == PACC_ENOMEM);
	CHECK(c.nitems <= PACC__MAX_CAPS && c.nsasl <= PACC__MAX_SASL);
	for (size_t i = 0; i < c.nitems; i++)
		CHECK(pacc__caps_has(&c, c.items[i]));
	pacc__caps_clear(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__line *lines;
	struct pacc__framer f;
	char *buf;
	size_t pos = 1, n = 0, bytes = 0;
	int which;
	bool caps;

	if (size == 0)
		return 0;
	which = data[0] % 4;
	caps = (data[0] & 4) != 0;
	lines = calloc(PACC__MAX_RESPONSE_LINES, sizeof(*lines));
	buf = malloc(PACC__MAX_RESPONSE_BYTES + PACC__MAX_RESPONSE_LINES);
	CHECK(lines != NULL && buf != NULL);
	CHECK(pacc__frame_init(&f,
		  caps ? protos[which].caps_frame : protos[which].frame,
		  protos[which].tag) == PACC_OK);
	for (;;) {
		size_t len = 7, used = 7;
		const char *why = NULL;
		int st = pacc__line_split(data + pos, size - pos, &len, &used);
		int fr;

		CHECK(st == PACC__LINE_OK || st == PACC__LINE_MORE ||
		    st == PACC__LINE_TOO_LONG || st == PACC__LINE_NUL);
		if (st != PACC__LINE_OK) {
			CHECK(len == 0 && used == 0);
			if (st == PACC__LINE_MORE)
				CHECK(memchr(data + pos, '\n', size - pos) ==
				    NULL);
			break;
		}
		CHECK(len <= PACC__MAX_LINE_BYTES);
		CHECK(used == len + 1 || used == len + 2);
		CHECK(pos + used <= size && data[pos + used - 1] == '\n');
		CHECK(used == len + 1 || data[pos + len] == '\r');
		CHECK(memchr(data + pos, '\0', len) == NULL);
		CHECK(memchr(data + pos, '\n', len) == NULL);
		/* the bounds of lineproto.c */
		if (n >= PACC__MAX_RESPONSE_LINES ||
		    bytes + len + 1 > PACC__MAX_RESPONSE_BYTES)
			break;
		memcpy(buf + bytes, data + pos, len);
		buf[bytes + len] = '\0';
		lines[n].p = buf + bytes;
		lines[n].len = len;
		bytes += len + 1;
		n++;
		pos += used;
		fr = pacc__frame_line(&f, lines[n - 1].p, len, &why);
		if (fr == PACC__FRAME_ERROR) {
			CHECK(why != NULL && why[0] != '\0');
			break;
		}
		if (fr == PACC__FRAME_DONE) {
			response(which, caps, &f, lines, n);
			n = bytes = 0;
			/* the next response, as after the next command */
			CHECK(pacc__frame_init(&f, protos[which].frame,
				  protos[which].tag) == PACC_OK);
			caps = false;
		}
	}
	free(buf);
	free(lines);
	return 0;
}
