/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pacc/error.h"

#include "alloc.h"
#include "buf.h"

#define QUOTE_MAX 40 /* bytes of untrusted text quoted */

void
pacc__buf_init(struct pacc__buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

int
pacc__buf_append(struct pacc__buf *b, const void *p, size_t n)
{
	size_t need, ncap;
	unsigned char *nd;

	if (n > b->max || b->len > b->max - n)
		return PACC_ETOOBIG;
	need = b->len + n + 1;
	if (need > b->cap) {
		ncap = b->cap ? b->cap : 64;
		while (ncap < need)
			ncap = ncap > b->max / 2 + 1 ? b->max + 1 : ncap * 2;
		nd = pacc__realloc(b->data, ncap);
		if (nd == NULL)
			return PACC_ENOMEM;
		b->data = nd;
		b->cap = ncap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return PACC_OK;
}

int
pacc__buf_appendf(struct pacc__buf *b, const char *fmt, ...)
{
	char small[256];
	char *big = NULL;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return PACC_EINVAL;
	if ((size_t)n < sizeof(small))
		return pacc__buf_append(b, small, (size_t)n);
	big = pacc__malloc((size_t)n + 1);
	if (big == NULL)
		return PACC_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = pacc__buf_append(b, big, (size_t)n);
	pacc__free(big);
	return rc;
}

void
pacc__buf_reset(struct pacc__buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
pacc__buf_free(struct pacc__buf *b)
{
	pacc__free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
pacc__buf_steal(struct pacc__buf *b, size_t *len)
{
	char *p = (char *)b->data;

	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

char *
pacc__strfmt(const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pacc__strdup(buf);
}

/*
 * Untrusted text quoted in a message: printable ASCII only, at most 40
 * bytes, so that a hostile value cannot forge or flood a log line.
 */
const char *
pacc__quote(char *buf, size_t size, const char *s)
{
	size_t n = strnlen(s, QUOTE_MAX + 1), o = 0;

	for (size_t i = 0; i < n && i < QUOTE_MAX && o + 4 < size; i++) {
		char c = s[i];

		if (c < 0x20 || c == 0x7f) /* non-ASCII bytes are < 0 */
			c = '?';
		buf[o++] = c;
	}
	if (o < n && o + 4 <= size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

int
pacc__hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

unsigned
pacc__port_parse(const char *s)
{
	unsigned long v = 0;
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 5)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? (unsigned)v : 0;
}

char *
pacc__pct_decode(const char *s, size_t n, bool plus_is_space)
{
	char *d = pacc__malloc(n + 1);
	size_t o = 0;

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '%') {
			int h = i + 2 < n ? pacc__hexval(s[i + 1]) : -1;
			int l = h >= 0 ? pacc__hexval(s[i + 2]) : -1;

			if (l < 0)
				goto bad;
			c = h * 16 + l;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			goto bad;
		d[o++] = (char)c;
	}
	d[o] = '\0';
	return d;
bad:
	pacc__free(d);
	return NULL;
}

void
pacc__setwhy(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}
