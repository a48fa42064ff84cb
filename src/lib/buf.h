/* SPDX-License-Identifier: MIT */
/* Bounded growing buffer: every buffer fed by the network has a hard cap. */
#ifndef PACC_BUF_H
#define PACC_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct pacc__buf {
	unsigned char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max; /* appending beyond this fails with PACC_ETOOBIG */
};

void pacc__buf_init(struct pacc__buf *b, size_t max);
int pacc__buf_append(struct pacc__buf *b, const void *p, size_t n);
int pacc__buf_appendf(struct pacc__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pacc__buf_reset(struct pacc__buf *b);
void pacc__buf_free(struct pacc__buf *b);
/* Hands the bytes over to the caller (NULL when empty) and resets b. */
char *pacc__buf_steal(struct pacc__buf *b, size_t *len);

/* A sentence formatted into a new string (at most 767 bytes), or NULL. */
char *pacc__strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Untrusted text for a message: printable ASCII, at most 40 bytes. */
const char *pacc__quote(char *buf, size_t size, const char *s);
/* Format a reason into why[whylen] (nothing when why is NULL or whylen 0). */
void pacc__setwhy(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The value of one hexadecimal digit, or -1. */
int pacc__hexval(char c);
/* s[0..n) percent-decoded (RFC 3986 §2.1; with plus_is_space, '+' is a
 * blank as in application/x-www-form-urlencoded) into a new string; NULL
 * when a %XX is malformed, the result would hold a control character, or
 * memory runs out. */
char *pacc__pct_decode(const char *s, size_t n, bool plus_is_space);
/* A port number, RFC 6335 §5.1 range 1-65535, decimal digits only (no
 * sign, no blanks); 0 when s is NULL or not one. */
unsigned pacc__port_parse(const char *s);

#endif
