/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PACC_ALLOC_IMPL /* no analyzer alias of pacc__calloc (alloc.h) */
#include "alloc.h"

/*
 * Failure injection for the tests (issue 7): when armed, the Nth
 * allocation from now fails.  Not thread-safe on purpose: only tests arm
 * it, and only the loop thread allocates through these functions.
 */
static long inject_at = -1;
static long inject_count;

void
pacc__alloc_inject(long nth)
{
	inject_at = nth;
	inject_count = 0;
}

long
pacc__alloc_count(void)
{
	return inject_count;
}

static int
injected(void)
{
	if (inject_at < 0)
		return 0;
	return ++inject_count == inject_at;
}

void *
pacc__malloc(size_t n)
{
	return injected() ? NULL : malloc(n ? n : 1);
}

void *
pacc__calloc(size_t n, size_t size)
{
	if (injected())
		return NULL;
	if (n == 0 || size == 0)
		n = size = 1;
	return calloc(n, size);
}

void *
pacc__realloc(void *p, size_t n)
{
	return injected() ? NULL : realloc(p, n ? n : 1);
}

void *
pacc__reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	return pacc__realloc(p, n * size);
}

void
pacc__free(void *p)
{
	free(p);
}

char *
pacc__strndup(const char *s, size_t n)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = pacc__malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
pacc__strdup(const char *s)
{
	return s ? pacc__strndup(s, strlen(s)) : NULL;
}
