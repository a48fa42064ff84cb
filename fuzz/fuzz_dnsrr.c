/* SPDX-License-Identifier: MIT */
/*
 * fmt_dnsrr.c: RDATA in wire format as libunbound hands it over.  The same
 * bytes go to every decoder (TXT, MX, SRV, A, AAAA).  What decodes must
 * say exactly what the wire said: TXT is the character-strings joined, MX
 * and SRV numbers are the big-endian fields and names are lower-case LDH
 * host names (or "." for the root), addresses convert back to the same
 * bytes; and a failure leaves nothing allocated behind.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"

#include "fuzz.h"

/* "." or dot-separated labels of 1..63 [a-z0-9-], no edge hyphen. */
static void
check_name(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (strcmp(s, ".") == 0)
		return;
	CHECK(n >= 1 && n <= 253);
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			CHECK(label >= 1 && label <= 63);
			CHECK(s[i - 1] != '-');
			label = 0;
			continue;
		}
		CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-');
		CHECK(label > 0 || c != '-');
		label++;
	}
}

/* Wire length of the name at the start of p: 1 per label + its bytes. */
static size_t
name_wire_len(const char *s)
{
	return strcmp(s, ".") == 0 ? 1 : strlen(s) + 2;
}

static void
fuzz_txt(const uint8_t *data, size_t size)
{
	char *t = (char *)&t;
	size_t n = 12345, p = 0, o = 0;
	int rc = pacc__rr_txt(&t, &n, data, size);

	CHECK(rc == PACC_OK || rc == PACC_EFORMAT || rc == PACC_ENOMEM);
	if (rc != PACC_OK) {
		CHECK(t == NULL && n == 0);
		return;
	}
	CHECK(t != NULL && size >= 1 && n < size && t[n] == '\0');
	/* the same framing, walked here: every byte of text is accounted */
	while (p < size) {
		size_t l = data[p++];

		CHECK(l <= size - p);
		CHECK(memcmp(t + o, data + p, l) == 0);
		o += l;
		p += l;
	}
	CHECK(o == n);
	pacc__free(t);
}

static void
fuzz_mx(const uint8_t *data, size_t size)
{
	unsigned pref = 70000;
	char *h = (char *)&h;
	int rc = pacc__rr_mx(&pref, &h, data, size);

	CHECK(rc == PACC_OK || rc == PACC_EFORMAT || rc == PACC_ENOMEM);
	if (rc != PACC_OK) {
		CHECK(h == NULL);
		return;
	}
	CHECK(h != NULL);
	CHECK(pref == ((unsigned)data[0] << 8 | data[1]));
	check_name(h);
	CHECK(2 + name_wire_len(h) == size); /* no trailing bytes */
	pacc__free(h);
}

static void
fuzz_srv(const uint8_t *data, size_t size)
{
	struct pacc__srv_rr rr;
	int rc;

	memset(&rr, 0xa5, sizeof(rr));
	rc = pacc__rr_srv(&rr, data, size);
	CHECK(rc == PACC_OK || rc == PACC_EFORMAT || rc == PACC_ENOMEM);
	if (rc != PACC_OK) {
		CHECK(rr.target == NULL);
		return;
	}
	CHECK(rr.target != NULL);
	CHECK(rr.priority == ((unsigned)data[0] << 8 | data[1]));
	CHECK(rr.weight == ((unsigned)data[2] << 8 | data[3]));
	CHECK(rr.port == ((unsigned)data[4] << 8 | data[5]));
	check_name(rr.target);
	CHECK(6 + name_wire_len(rr.target) == size);
	pacc__free(rr.target);
}

static void
fuzz_addr(const uint8_t *data, size_t size, int type, size_t buflen)
{
	char buf[64];
	unsigned char back[16];
	int af = type == 1 ? AF_INET : AF_INET6;
	size_t want = type == 1 ? 4 : 16;
	int rc;

	memset(buf, WHY_FILL, sizeof(buf));
	rc = pacc__rr_addr(buf, buflen, type, data, size);
	if (size != want) {
		CHECK(rc == PACC_EFORMAT);
		CHECK(buflen == 0 || buf[0] == '\0');
		return;
	}
	if (rc != PACC_OK) {
		CHECK(rc == PACC_ETOOBIG);
		CHECK(buflen == 0 || buf[0] == '\0');
		return;
	}
	CHECK(buflen > 0 && memchr(buf, '\0', buflen) != NULL);
	CHECK(inet_pton(af, buf, back) == 1);
	CHECK(memcmp(back, data, want) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[8];
	size_t small;

	fuzz_txt(data, size);
	fuzz_mx(data, size);
	fuzz_srv(data, size);
	/* full-size text buffer, then one sized by the input */
	small = size > 0 ? data[size - 1] % 48 : 0;
	fuzz_addr(data, size, 1, 64);
	fuzz_addr(data, size, 28, 64);
	fuzz_addr(data, size, 1, small);
	fuzz_addr(data, size, 28, small);
	CHECK(pacc__rr_addr(buf, sizeof(buf), 16, data, size) == PACC_EINVAL);
	return 0;
}
