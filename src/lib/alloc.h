/* SPDX-License-Identifier: MIT */
/*
 * Every allocation of the library goes through these, so that tests can fail
 * the Nth one (failure injection) and embedders may plug their allocator.
 */
#ifndef PACC_ALLOC_H
#define PACC_ALLOC_H

#include <stddef.h>

void *pacc__malloc(size_t n);
void *pacc__calloc(size_t n, size_t size);
void *pacc__realloc(void *p, size_t n);
void pacc__free(void *p);
char *pacc__strdup(const char *s);
char *pacc__strndup(const char *s, size_t n);
/* realloc of n * size with overflow check. */
void *pacc__reallocarray(void *p, size_t n, size_t size);

/*
 * For clang's static analyzer only (tools/check-static): pacc__calloc
 * zeroes like calloc (and takes 0 as 1), which the analyzer cannot see
 * across files; without this it takes every count in a calloc'ed struct
 * for garbage and reports NULL dereferences in the loops that free them.
 */
#if defined(__clang_analyzer__) && !defined(PACC_ALLOC_IMPL)
#include <stdlib.h>
#define pacc__calloc(n, size) calloc((n) ? (n) : 1, (size) ? (size) : 1)
#endif

/* Tests: make the nth allocation from now fail (-1: never); count them. */
void pacc__alloc_inject(long nth);
long pacc__alloc_count(void);

#endif
