/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

void *
pacc__malloc(size_t n)
{
	return malloc(n ? n : 1);
}

void *
pacc__calloc(size_t n, size_t size)
{
	if (n == 0 || size == 0)
		n = size = 1;
	return calloc(n, size);
}

void *
pacc__realloc(void *p, size_t n)
{
	return realloc(p, n ? n : 1);
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
