/* SPDX-License-Identifier: MIT */
/*
 * fmt_caps.c: capability lists (IMAP CAPABILITY, SMTP EHLO, POP3 CAPA,
 * ManageSieve).  Input: one byte choosing the protocol, then lines, each
 * ended by LF or the end of the input (a CR before the LF dropped) and
 * put in an exact-size NUL-terminated buffer.  Whatever the server sent,
 * the lists stay bounded, unique, printable ASCII (net.h), the SASL names
 * RFC 4422 §3.1 tokens in upper case, every kept item is found again by
 * pacc__caps_has(), and STARTTLS/STLS is only believed when it was
 * announced as an item.
 */
#include <strings.h>

#include "pacc/error.h"

#include "alloc.h"
#include "net.h"

#include "fuzz.h"

#define MAX_LINES 600

static void
check_list(char *const *v, size_t n, size_t max, size_t maxlen)
{
	CHECK(n <= max);
	CHECK(n == 0 || v != NULL);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]);

		CHECK(len >= 1 && len <= maxlen);
		for (size_t k = 0; k < len; k++)
			CHECK(v[i][k] >= 0x20 && v[i][k] <= 0x7e);
		for (size_t j = 0; j < i; j++)
			CHECK(strcasecmp(v[i], v[j]) != 0);
	}
}

static void
check_caps(const struct pacc__caps *c, int proto)
{
	check_list(c->items, c->nitems, PACC__MAX_CAPS, PACC__MAX_CAP_BYTES);
	check_list(c->sasl, c->nsasl, PACC__MAX_SASL, 20);
	for (size_t i = 0; i < c->nitems; i++) {
		CHECK(c->items[i][0] != ' ' && c->items[i][0] != '\t');
		CHECK(pacc__caps_has(c, c->items[i]));
	}
	for (size_t i = 0; i < c->nsasl; i++) {
		for (const char *p = c->sasl[i]; *p; p++)
			CHECK((*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_');
		CHECK(pacc__caps_has_sasl(c, c->sasl[i]));
	}
	if (c->login_disabled)
		CHECK(proto == 0);
	if (c->starttls && !c->truncated && proto != 3)
		CHECK(pacc__caps_has(c, proto == 2 ? "STLS" : "STARTTLS"));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__line *lines;
	struct pacc__caps c;
	size_t n = 0, i = 1;
	int proto, rc = PACC_OK;

	if (size == 0)
		return 0;
	proto = data[0] % 4; /* imap, smtp, pop3, sieve */
	lines = calloc(MAX_LINES, sizeof(*lines));
	CHECK(lines != NULL);
	while (i < size && n < MAX_LINES) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t end = nl ? (size_t)(nl - data) : size, len = end - i;

		if (len > 0 && data[i + len - 1] == '\r')
			len--;
		lines[n].p = fuzz_cstr(data + i, len);
		lines[n].len = len;
		n++;
		if (nl == NULL)
			break;
		i = end + 1;
	}
	memset(&c, 0, sizeof(c));
	switch (proto) {
	case 0:
		for (size_t k = 0; k < n; k++) {
			rc = pacc__caps_imap(&c, lines[k].p, lines[k].len);
			CHECK(rc == PACC_OK || rc == PACC_ENOTFOUND ||
			    rc == PACC_EFORMAT || rc == PACC_ENOMEM);
		}
		break;
	case 1:
		rc = pacc__caps_smtp(&c, lines, n);
		break;
	case 2:
		rc = pacc__caps_pop3(&c, lines, n);
		break;
	default:
		rc = pacc__caps_sieve(&c, lines, n);
		break;
	}
	CHECK(rc == PACC_OK || rc == PACC_ENOTFOUND || rc == PACC_EFORMAT ||
	    rc == PACC_ENOMEM);
	check_caps(&c, proto);
	pacc__caps_clear(&c);
	CHECK(c.nitems == 0 && c.nsasl == 0 && c.items == NULL);
	for (size_t k = 0; k < n; k++)
		free((char *)lines[k].p);
	free(lines);
	return 0;
}
