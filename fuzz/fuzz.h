/* SPDX-License-Identifier: MIT */
/*
 * Shared by every harness: the libFuzzer entry point and small checks.
 * CHECK() is not assert(): it must fire in every build (NDEBUG or not),
 * under libFuzzer and under the standalone replayer alike.
 */
#ifndef PACC_FUZZ_H
#define PACC_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",       \
			    __FILE__, __LINE__, #cond);                        \
			abort();                                               \
		}                                                              \
	} while (0)

/* Every pacc_status value the parsers may return (include/pacc/error.h). */
#define CHECK_STATUS(rc) CHECK((rc) >= 0 && (rc) <= 26)

/* A `why` buffer is filled with this before the call... */
#define WHY_FILL 0x5a
/* ...and must come back NUL-terminated within its size. */
#define CHECK_WHY(why) CHECK(memchr((why), '\0', sizeof(why)) != NULL)

/* A NUL-terminated heap copy of the input, for C-string APIs. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	CHECK(s != NULL);
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* memmem(3) without _GNU_SOURCE. */
static inline bool
fuzz_contains(const void *hay, size_t hn, const void *needle, size_t nn)
{
	const unsigned char *h = hay;

	if (nn == 0)
		return true;
	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, needle, nn) == 0)
			return true;
	return false;
}

/*
 * Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) with no C0/DEL/C1 controls; counts code points.
 */
static inline bool
fuzz_utf8_clean(const char *str, size_t *ncp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, k = 0;

	while (i < n) {
		unsigned long c;
		size_t len;

		if (s[i] < 0x80) {
			c = s[i];
			len = 1;
		} else if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			c = s[i] & 0x1f;
			len = 2;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			c = s[i] & 0x0f;
			len = 3;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			c = s[i] & 0x07;
			len = 4;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t j = 1; j < len; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (s[i + j] & 0x3f);
		}
		if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			return false;
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
			return false;
		i += len;
		k++;
	}
	if (ncp != NULL)
		*ncp = k;
	return true;
}

/* No ASCII upper-case letter in s. */
static inline bool
fuzz_lower(const char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			return false;
	return true;
}

#endif
