/* SPDX-License-Identifier: MIT */
/*
 * RFC 2782 "Usage rules": the order in which SRV targets are tried.
 *
 *   - ascending PRIORITY;
 *   - within one priority, repeatedly: put the records of weight 0 first,
 *     sum the weights of the records not yet ordered, draw r uniformly in
 *     [0, sum], and take the first record whose running sum is >= r.
 *
 * "Any order" in the RFC is, here, the order of the input with the weight
 * 0 records moved to the front: that makes the result a pure function of
 * the input and of the values rnd() returns, so tests (and fuzzers) can
 * replay it.  Consequences worth knowing:
 *   - a weight-0 record is chosen only when r = 0, i.e. with probability
 *     1 / (sum + 1): "a very small chance" as the RFC asks;
 *   - a group of weight-0 records only keeps the input order: with sum 0
 *     every draw is 0, so rnd() is not called at all;
 *   - rnd() is not called for the last record of a group either (one
 *     choice), so a group of n records with some weight costs at most
 *     n - 1 calls.
 * No allocation: a stable insertion sort, O(n^2) for n <= PACC__MAX_RRS.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "fmt.h"

/* Moves rrs[from] to rrs[to] (to <= from), shifting the rest up by one. */
static void
rotate(struct pacc__srv_rr *rrs, size_t to, size_t from)
{
	struct pacc__srv_rr t = rrs[from];

	memmove(&rrs[to + 1], &rrs[to], (from - to) * sizeof(*rrs));
	rrs[to] = t;
}

/* Stable: equal priorities keep their input order. */
static void
sort_priority(struct pacc__srv_rr *rrs, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		size_t j = i;

		while (j > 0 && rrs[j - 1].priority > rrs[i].priority)
			j--;
		if (j < i)
			rotate(rrs, j, i);
	}
}

/* Weighted draw over rrs[a..b), weight-0 records already in front. */
static void
order_group(struct pacc__srv_rr *rrs, size_t a, size_t b,
    unsigned (*rnd)(void *ud, unsigned max), void *ud)
{
	for (size_t k = a; k + 1 < b; k++) {
		uint64_t sum = 0, run = 0, r;
		size_t m;

		for (size_t i = k; i < b; i++)
			sum += rrs[i].weight;
		if (sum == 0)
			return; /* every draw would be 0: input order stands */
		/* 65535 * PACC__MAX_RRS is far below UINT_MAX; clamp anyway */
		if (sum > UINT_MAX)
			sum = UINT_MAX;
		r = rnd != NULL ? rnd(ud, (unsigned)sum) : 0;
		if (r > sum) /* a broken rnd() must not index past b */
			r = sum;
		for (m = k; m + 1 < b; m++) {
			run += rrs[m].weight;
			if (run >= r)
				break;
		}
		if (m > k)
			rotate(rrs, k, m);
	}
}

void
pacc__srv_order(struct pacc__srv_rr *rrs, size_t n,
    unsigned (*rnd)(void *ud, unsigned max), void *ud)
{
	size_t a, b;

	if (rrs == NULL || n < 2)
		return;
	sort_priority(rrs, n);
	for (a = 0; a < n; a = b) {
		size_t z = a;

		for (b = a; b < n && rrs[b].priority == rrs[a].priority; b++)
			;
		/* RFC 2782: "all those with weight 0 are placed at the
		 * beginning of the list" (stably, see above) */
		for (size_t i = a; i < b; i++)
			if (rrs[i].weight == 0) {
				if (i > z)
					rotate(rrs, z, i);
				z++;
			}
		order_group(rrs, a, b, rnd, ud);
	}
}

void
pacc__srv_rr_clear(struct pacc__srv_rr *rr)
{
	if (rr == NULL)
		return;
	pacc__free(rr->target);
	memset(rr, 0, sizeof(*rr));
}
