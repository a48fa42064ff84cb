/* SPDX-License-Identifier: MIT */
/* fmt_srvorder.c: RFC 2782 priority and weighted-random ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"

#include "alloc_fail.h"

/* A scripted rnd(): returns vals[] in turn and records every max. */
struct seq {
	const unsigned *vals;
	size_t nvals, next;
	unsigned maxes[64];
	size_t ncalls;
};

static unsigned
seq_rnd(void *ud, unsigned max)
{
	struct seq *s = ud;

	assert_true(s->ncalls < 64);
	s->maxes[s->ncalls++] = max;
	if (s->next >= s->nvals)
		fail_msg("rnd() called more often than scripted (max %u)", max);
	return s->vals[s->next++];
}

/* A deterministic uniform-enough rnd for the statistics (an LCG). */
static unsigned
lcg_rnd(void *ud, unsigned max)
{
	uint64_t *x = ud;

	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((*x >> 33) % ((uint64_t)max + 1));
}

struct spec {
	unsigned prio, weight;
	const char *name;
};

static struct pacc__srv_rr *
make(const struct spec *sp, size_t n)
{
	struct pacc__srv_rr *rrs = calloc(n ? n : 1, sizeof(*rrs));

	assert_non_null(rrs);
	for (size_t i = 0; i < n; i++) {
		rrs[i].priority = sp[i].prio;
		rrs[i].weight = sp[i].weight;
		rrs[i].port = 1000 + (unsigned)i;
		rrs[i].target = pacc__strdup(sp[i].name);
		assert_non_null(rrs[i].target);
	}
	return rrs;
}

static void
destroy(struct pacc__srv_rr *rrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pacc__srv_rr_clear(&rrs[i]);
	free(rrs);
}

/* Orders with the script and checks the resulting target sequence. */
static void
expect(const struct spec *sp, size_t n, const unsigned *vals, size_t nvals,
    const char *const *want, const unsigned *maxes, size_t ncalls)
{
	struct pacc__srv_rr *rrs = make(sp, n);
	struct seq s = { vals, nvals, 0, { 0 }, 0 };

	pacc__srv_order(rrs, n, seq_rnd, &s);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rrs[i].target, want[i]) != 0)
			fail_msg("position %zu: %s, want %s", i, rrs[i].target,
			    want[i]);
		/* the record moved as a whole */
		for (size_t k = 0; k < n; k++)
			if (strcmp(sp[k].name, want[i]) == 0) {
				assert_int_equal(rrs[i].priority, sp[k].prio);
				assert_int_equal(rrs[i].weight, sp[k].weight);
				assert_int_equal(rrs[i].port, 1000 + k);
			}
	}
	assert_int_equal(s.ncalls, ncalls);
	assert_int_equal(s.next, nvals); /* the whole script was used */
	for (size_t i = 0; i < ncalls; i++)
		assert_int_equal(s.maxes[i], maxes[i]);
	destroy(rrs, n);
}

static void
test_trivial(void **state)
{
	static const struct spec one[] = { { 5, 0, "a.example" } };
	static const char *const w1[] = { "a.example" };
	struct seq s = { NULL, 0, 0, { 0 }, 0 };

	(void)state;
	pacc__srv_order(NULL, 5, seq_rnd, &s);
	pacc__srv_order(NULL, 0, seq_rnd, &s);
	expect(one, 1, NULL, 0, w1, NULL, 0);
	/* n == 0 on a real array */
	{
		struct pacc__srv_rr r = { 1, 1, 1, NULL };

		pacc__srv_order(&r, 0, seq_rnd, &s);
		assert_int_equal(r.priority, 1);
	}
	assert_int_equal(s.ncalls, 0);
}

static void
test_priority_stable(void **state)
{
	/* all weight 0: priority order, input order within, no draw */
	static const struct spec sp[] = {
		{ 10, 0, "p10a" },
		{ 0, 0, "p0a" },
		{ 10, 0, "p10b" },
		{ 0, 0, "p0b" },
		{ 5, 0, "p5" },
		{ 65535, 0, "pmax" },
		{ 0, 0, "p0c" },
	};
	static const char *const want[] = {
		"p0a",
		"p0b",
		"p0c",
		"p5",
		"p10a",
		"p10b",
		"pmax",
	};

	(void)state;
	expect(sp, 7, NULL, 0, want, NULL, 0);
}

static void
test_weighted_draws(void **state)
{
	static const struct spec sp[] = {
		{ 1, 10, "a" },
		{ 1, 20, "b" },
		{ 1, 30, "c" },
	};
	/* running sums a 10, b 30, c 60: the first one >= r is chosen */
	static const struct {
		unsigned r1, r2;
		const char *want[3];
		unsigned max2;
	} cases[] = {
		/* r1 picks, then the rest [..] with its own sum */
		{ 0, 0, { "a", "b", "c" }, 50 },
		{ 10, 20, { "a", "b", "c" }, 50 },
		{ 10, 21, { "a", "c", "b" }, 50 },
		{ 11, 0, { "b", "a", "c" }, 40 },
		{ 30, 10, { "b", "a", "c" }, 40 },
		{ 30, 11, { "b", "c", "a" }, 40 },
		{ 31, 30, { "c", "b", "a" }, 30 },
		{ 60, 10, { "c", "a", "b" }, 30 },
		{ 60, 11, { "c", "b", "a" }, 30 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned vals[2] = { cases[i].r1, cases[i].r2 };
		unsigned maxes[2] = { 60, cases[i].max2 };

		/* the last record needs no draw: two calls for three */
		expect(sp, 3, vals, 2, cases[i].want, maxes, 2);
	}
}

static void
test_weight_zero(void **state)
{
	/* RFC 2782: weight 0 first in the draw, so only r = 0 picks it */
	static const struct spec sp[] = {
		{ 1, 5, "a" },
		{ 1, 0, "z1" },
		{ 1, 5, "b" },
		{ 1, 0, "z2" },
	};
	static const unsigned v1[] = { 0, 0, 0 };
	static const char *const w1[] = { "z1", "z2", "a", "b" };
	static const unsigned m1[] = { 10, 10, 10 };
	static const unsigned v2[] = { 1, 1 };
	static const char *const w2[] = { "a", "b", "z1", "z2" };
	static const unsigned m2[] = { 10, 5 };
	static const unsigned v3[] = { 6, 0, 5 };
	static const char *const w3[] = { "b", "z1", "a", "z2" };
	static const unsigned m3[] = { 10, 5, 5 };

	(void)state;
	/* zeros drawn first, then a (r = 0 again), b alone */
	expect(sp, 4, v1, 3, w1, m1, 3);
	/* a, b drawn; then only zeros remain: input order, no draw */
	expect(sp, 4, v2, 2, w2, m2, 2);
	/* b (r 6 > 5), then z1 (r 0), then a (r 5: z2's running sum 0) */
	expect(sp, 4, v3, 3, w3, m3, 3);
}

static void
test_groups_independent(void **state)
{
	static const struct spec sp[] = {
		{ 20, 1, "late1" },
		{ 10, 0, "mid0" },
		{ 20, 3, "late3" },
		{ 10, 0, "mid1" },
		{ 0, 7, "first" },
		{ 10, 9, "mid9" },
	};
	/*
	 * group 0: one record, no draw.  Group 10: zeros first (mid0,
	 * mid1, mid9), sum 9, r 9 -> mid9 (running 0, 0, 9); then only
	 * zeros: no draw.  Group 20: sum 4, r 2 -> late3 (running 1, 4).
	 */
	static const unsigned vals[] = { 9, 2 };
	static const char *const want[] = {
		"first",
		"mid9",
		"mid0",
		"mid1",
		"late3",
		"late1",
	};
	static const unsigned maxes[] = { 9, 4 };

	(void)state;
	expect(sp, 6, vals, 2, want, maxes, 2);
}

static void
test_broken_rnd(void **state)
{
	static const struct spec sp[] = {
		{ 1, 1, "a" },
		{ 1, 1, "b" },
		{ 1, 1, "c" },
	};
	/* out of range: treated as the maximum (the last record) */
	static const unsigned vals[] = { UINT32_MAX, 1000 };
	static const char *const want[] = { "c", "b", "a" };
	static const unsigned maxes[] = { 3, 2 };
	struct pacc__srv_rr *rrs;

	(void)state;
	expect(sp, 3, vals, 2, want, maxes, 2);
	/* no rnd at all: every draw is 0, zeros first, else input order */
	{
		static const struct spec sp2[] = {
			{ 2, 5, "x" },
			{ 1, 5, "a" },
			{ 1, 0, "z" },
			{ 1, 9, "b" },
		};

		rrs = make(sp2, 4);
		pacc__srv_order(rrs, 4, NULL, NULL);
		assert_string_equal(rrs[0].target, "z");
		assert_string_equal(rrs[1].target, "a");
		assert_string_equal(rrs[2].target, "b");
		assert_string_equal(rrs[3].target, "x");
		destroy(rrs, 4);
	}
}

static void
test_dot_target_kept(void **state)
{
	static const struct spec sp[] = {
		{ 0, 0, "." },
		{ 5, 0, "imap.example.com" },
	};
	static const char *const want[] = { ".", "imap.example.com" };

	(void)state;
	expect(sp, 2, NULL, 0, want, NULL, 0);
}

/* RFC 2782's probabilities: w / (sum + 1), the weight-0 record 1 / 11. */
static void
test_distribution(void **state)
{
	static const struct spec sp[] = {
		{ 1, 7, "w7" },
		{ 1, 0, "w0" },
		{ 1, 2, "w2" },
		{ 1, 1, "w1" },
	};
	static const struct {
		const char *name;
		double p;
	} want[] = {
		{ "w0", 1.0 / 11 },
		{ "w7", 7.0 / 11 },
		{ "w2", 2.0 / 11 },
		{ "w1", 1.0 / 11 },
	};
	enum { trials = 40000 };
	size_t count[4] = { 0 };
	uint64_t x = 42;

	(void)state;
	for (int t = 0; t < trials; t++) {
		struct pacc__srv_rr *rrs = make(sp, 4);

		pacc__srv_order(rrs, 4, lcg_rnd, &x);
		for (size_t k = 0; k < 4; k++)
			if (strcmp(rrs[0].target, want[k].name) == 0)
				count[k]++;
		destroy(rrs, 4);
	}
	for (size_t k = 0; k < 4; k++) {
		double f = (double)count[k] / trials;

		printf("  first %s: %.3f (RFC 2782: %.3f)\n", want[k].name, f,
		    want[k].p);
		assert_true(f > want[k].p - 0.015 && f < want[k].p + 0.015);
	}
	/* the same seed, the same order: deterministic */
	{
		uint64_t x1 = 7, x2 = 7;
		struct pacc__srv_rr *r1 = make(sp, 4), *r2 = make(sp, 4);

		pacc__srv_order(r1, 4, lcg_rnd, &x1);
		pacc__srv_order(r2, 4, lcg_rnd, &x2);
		for (size_t k = 0; k < 4; k++)
			assert_string_equal(r1[k].target, r2[k].target);
		destroy(r1, 4);
		destroy(r2, 4);
	}
}

/* Many records: a permutation, sorted by priority, nothing lost. */
static void
test_many(void **state)
{
	enum { n = 64 };
	struct spec sp[n];
	char names[n][16];
	uint64_t x = 1;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct pacc__srv_rr *rrs;
		bool seen[n] = { false };

		for (size_t i = 0; i < n; i++) {
			snprintf(names[i], sizeof(names[i]), "t%zu", i);
			sp[i].name = names[i];
			sp[i].prio = lcg_rnd(&x, 3);
			sp[i].weight = round % 2 ? lcg_rnd(&x, 65535)
						 : lcg_rnd(&x, 2);
		}
		rrs = make(sp, n);
		pacc__srv_order(rrs, n, lcg_rnd, &x);
		for (size_t i = 0; i < n; i++) {
			unsigned k = (unsigned)atoi(rrs[i].target + 1);

			assert_true(k < n);
			assert_false(seen[k]);
			seen[k] = true;
			assert_int_equal(rrs[i].weight, sp[k].weight);
			if (i > 0)
				assert_true(
				    rrs[i - 1].priority <= rrs[i].priority);
		}
		destroy(rrs, n);
	}
}

static void
test_clear(void **state)
{
	struct pacc__srv_rr rr = { 1, 2, 3, NULL };

	(void)state;
	rr.target = pacc__strdup("a.example");
	pacc__srv_rr_clear(&rr);
	assert_null(rr.target);
	assert_int_equal(rr.priority, 0);
	assert_int_equal(rr.weight, 0);
	assert_int_equal(rr.port, 0);
	pacc__srv_rr_clear(&rr); /* twice */
	pacc__srv_rr_clear(NULL);
}

/* SRV RDATA to a record, ordered, cleared: only the target allocates. */
static int
srv_once(void *ud)
{
	static const unsigned char rdata[] = { 0, 10, 0, 5, 0x03, 0xe1, 4, 'i',
		'm', 'a', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };
	struct pacc__srv_rr rrs[2];
	uint64_t x = 1;
	int rc;

	(void)ud;
	memset(rrs, 0, sizeof(rrs));
	if ((rc = pacc__rr_srv(&rrs[0], rdata, sizeof(rdata))) == PACC_OK &&
	    (rc = pacc__rr_srv(&rrs[1], rdata, sizeof(rdata))) == PACC_OK)
		pacc__srv_order(rrs, 2, lcg_rnd, &x);
	pacc__srv_rr_clear(&rrs[0]);
	pacc__srv_rr_clear(&rrs[1]);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	enomem_sweep(srv_once, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_trivial),
		cmocka_unit_test(test_priority_stable),
		cmocka_unit_test(test_weighted_draws),
		cmocka_unit_test(test_weight_zero),
		cmocka_unit_test(test_groups_independent),
		cmocka_unit_test(test_broken_rnd),
		cmocka_unit_test(test_dot_target_kept),
		cmocka_unit_test(test_distribution),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
