/* SPDX-License-Identifier: MIT */
/*
 * fmt_srvorder.c, pacc__srv_order(): RFC 2782 ordering.  Input: up to 64
 * records of 6 bytes (priority, weight, port, big-endian), a 0xff byte
 * ending them early, then the values rnd() returns (4 bytes each, taken
 * as they come, even above `max`: a broken rnd() must be survived).  The
 * result is a permutation of the input, by ascending priority, each group
 * stable when all its weights are 0; rnd() is only asked for a positive
 * max, at most n - 1 times per group of n; and the same draws give the
 * same order.
 */
#include "pacc/error.h"

#include "fmt.h"

#include "fuzz.h"

#define MAXN 64

struct draws {
	const uint8_t *p;
	size_t n, used, calls;
};

static unsigned
rnd(void *ud, unsigned max)
{
	struct draws *d = ud;
	unsigned v = 0;

	CHECK(max > 0); /* sum 0: "rnd() is not called at all" */
	d->calls++;
	for (int k = 0; k < 4; k++)
		v = v << 8 | (d->used < d->n ? d->p[d->used++] : 0);
	return v;
}

static void
order(struct pacc__srv_rr *rrs, size_t n, const uint8_t *p, size_t len,
    size_t *calls)
{
	struct draws d = { p, len, 0, 0 };

	pacc__srv_order(rrs, n, rnd, &d);
	*calls = d.calls;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[MAXN * 4]; /* targets "0".."63", in input order */
	struct pacc__srv_rr in[MAXN], a[MAXN], b[MAXN];
	bool seen[MAXN] = { false };
	size_t n = 0, i = 0, calls, calls2, groups = 0;

	while (n < MAXN && i + 6 <= size && data[i] != 0xff) {
		snprintf(names + 4 * n, 4, "%zu", n);
		in[n].priority = (unsigned)data[i] << 8 | data[i + 1];
		in[n].weight = (unsigned)data[i + 2] << 8 | data[i + 3];
		in[n].port = (unsigned)data[i + 4] << 8 | data[i + 5];
		in[n].target = names + 4 * n;
		n++;
		i += 6;
	}
	if (i < size && data[i] == 0xff)
		i++;
	memcpy(a, in, n * sizeof(*a));
	memcpy(b, in, n * sizeof(*b));
	order(a, n, data + i, size - i, &calls);
	order(b, n, data + i, size - i, &calls2);
	CHECK(calls == calls2);
	for (size_t k = 0; k < n; k++) {
		size_t idx = (size_t)(a[k].target - names) / 4;

		CHECK(idx < n && !seen[idx]); /* a permutation */
		seen[idx] = true;
		CHECK(a[k].priority == in[idx].priority);
		CHECK(a[k].weight == in[idx].weight);
		CHECK(a[k].port == in[idx].port);
		CHECK(a[k].target == b[k].target); /* same draws, same order */
		CHECK(k == 0 || a[k - 1].priority <= a[k].priority);
		if (k == 0 || a[k - 1].priority != a[k].priority)
			groups++;
	}
	CHECK(calls <= n - groups); /* at most n - 1 draws per group */
	/* a group whose weights are all 0 keeps the input order */
	for (size_t k = 0; k + 1 < n; k++) {
		bool zero = true;
		size_t e = k;

		if (k > 0 && a[k - 1].priority == a[k].priority)
			continue;
		for (; e < n && a[e].priority == a[k].priority; e++)
			if (a[e].weight != 0)
				zero = false;
		for (size_t j = k; zero && j + 1 < e; j++)
			CHECK(a[j].target < a[j + 1].target);
	}
	pacc__srv_order(NULL, 5, rnd, NULL); /* no records: nothing happens */
	return 0;
}
