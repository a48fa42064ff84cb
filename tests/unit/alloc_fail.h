/* SPDX-License-Identifier: MIT */
/*
 * Allocation failure sweeps shared by the unit tests (issue 7), on the
 * library's own hook: every allocation of libpacc goes through
 * pacc__malloc & co (alloc.c) and pacc__alloc_inject(n) makes the nth of
 * them fail.  The test's own allocations (fixtures, stdio) are plain
 * malloc and never counted.  Include once, in the test's .c file, after
 * <cmocka.h>.
 *
 * A test whose function may also end in another status on a clean run
 * defines ENOMEM_SWEEP_DONE_OK(rc) before including this header; one whose
 * module documents another status for a failed allocation (a parser that
 * skips what it cannot keep) defines ENOMEM_SWEEP_FAIL_OK(rc).
 */
#ifndef PACC_TEST_ALLOC_FAIL_H
#define PACC_TEST_ALLOC_FAIL_H

#include <stdio.h>

#include "pacc/error.h"

#include "alloc.h"

#ifndef ENOMEM_SWEEP_DONE_OK
#define ENOMEM_SWEEP_DONE_OK(rc) ((rc) == PACC_OK)
#endif
#ifndef ENOMEM_SWEEP_FAIL_OK
#define ENOMEM_SWEEP_FAIL_OK(rc) ((rc) == PACC_ENOMEM)
#endif

/*
 * Runs fn with the 1st, 2nd, ... allocation failing until a run succeeds
 * without reaching the injected failure.  Every other run must report
 * PACC_ENOMEM (ENOMEM_SWEEP_FAIL_OK), never crash, never leak (ASan/LSan
 * in build-asan, valgrind in the plain build check at exit).  Returns how
 * many allocations the operation makes.
 */
static long
enomem_sweep(int (*fn)(void *), void *ud)
{
	for (long n = 1;; n++) {
		long used;
		int rc;

		pacc__alloc_inject(n);
		rc = fn(ud);
		used = pacc__alloc_count();
		pacc__alloc_inject(-1);
		if (used < n) {
			if (!ENOMEM_SWEEP_DONE_OK(rc))
				fail_msg("without a failed allocation: status "
					 "%d",
				    rc);
			printf("  ENOMEM sweep: %ld allocation(s) failed in "
			       "turn\n",
			    n - 1);
			return n - 1;
		}
		if (!ENOMEM_SWEEP_FAIL_OK(rc))
			fail_msg("allocation %ld failed: status %d, not "
				 "ENOMEM",
			    n, rc);
	}
}

#endif
