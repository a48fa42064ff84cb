/* SPDX-License-Identifier: MIT */
/*
 * Allocation failure injection shared by the unit tests.  Linked with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
 * every allocation comes through here and fail_at = n makes the nth (from
 * 0) fail.  Without those flags the wrappers are never called and the
 * ENOMEM sweeps are skipped.  Include once, in the test's .c file.
 *
 * A test whose function may also end in another status on a clean run
 * defines ENOMEM_SWEEP_DONE_OK(rc) before including this header.
 */
#ifndef PACC_TEST_ALLOC_FAIL_H
#define PACC_TEST_ALLOC_FAIL_H

#include <stdio.h>

#ifndef ENOMEM_SWEEP_DONE_OK
#define ENOMEM_SWEEP_DONE_OK(rc) ((rc) == PACC_OK)
#endif

void *__real_malloc(size_t n) __attribute__((weak));
void *__real_calloc(size_t n, size_t size) __attribute__((weak));
void *__real_realloc(void *p, size_t n) __attribute__((weak));
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long alloc_count;
static long fail_at = -1;
static int wrapped;

static int
should_fail(void)
{
	wrapped = 1;
	return fail_at >= 0 && alloc_count++ == fail_at;
}

void *
__wrap_malloc(size_t n)
{
	return should_fail() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __real_realloc(p, n);
}

/*
 * Runs fn with the 0th, 1st, ... allocation failing until it succeeds
 * without reaching the injected failure.  Every run must either succeed
 * or report PACC_ENOMEM (never another status, never a leak: LSan checks
 * at exit).
 */
static void
enomem_sweep(int (*fn)(void *), void *ud)
{
	for (long n = 0;; n++) {
		int rc;

		alloc_count = 0;
		fail_at = n;
		rc = fn(ud);
		fail_at = -1;
		if (!wrapped)
			return;
		if (alloc_count <= n) {
			assert_true(ENOMEM_SWEEP_DONE_OK(rc));
			printf("  ENOMEM sweep: %ld allocations failed in "
			       "turn\n",
			    n);
			return;
		}
		assert_int_equal(rc, PACC_ENOMEM);
	}
}

#endif
