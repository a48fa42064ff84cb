/* SPDX-License-Identifier: MIT */
/*
 * RDATA of the record types we use, in DNS wire format as libunbound hands
 * it over (ub_result->data[i], len[i]; names in RDATA are uncompressed).
 * Every byte is bounds-checked: the data comes from the network.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"

#define RR_A 1
#define RR_AAAA 28

/* RFC 1035 §3.1: 255 octets on the wire = 253 in presentation form. */
#define NAME_MAX_WIRE 255

static int
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/*
 * Reads the uncompressed name at rdata[*pos] into presentation form: lower
 * case, no trailing dot, "." for the root.  MX exchanges and SRV targets
 * must be host names (RFC 5321 §5.1, RFC 2782 "Target"), so a label that is
 * not LDH (RFC 952/1123: letters, digits, inner hyphens) fails with
 * PACC_EFORMAT instead of becoming a string with dots or NULs inside a label.
 * A compression pointer cannot occur here: libunbound decompresses.
 */
static int
read_host(char **out, const unsigned char *rdata, size_t len, size_t *pos)
{
	char name[NAME_MAX_WIRE + 1];
	size_t p = *pos, n = 0, wire = 0;
	char *d;

	*out = NULL;
	for (;;) {
		size_t l;

		if (p >= len)
			return PACC_EFORMAT;
		l = rdata[p++];
		wire += 1 + l;
		if (wire > NAME_MAX_WIRE)
			return PACC_EFORMAT;
		if (l == 0)
			break;
		if (l > 63 || l > len - p) /* 0xC0 pointers land here too */
			return PACC_EFORMAT;
		if (rdata[p] == '-' || rdata[p + l - 1] == '-')
			return PACC_EFORMAT;
		if (n > 0)
			name[n++] = '.';
		for (size_t i = 0; i < l; i++) {
			unsigned char c = rdata[p + i];

			if (!is_ldh(c))
				return PACC_EFORMAT;
			name[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		p += l;
	}
	if (n == 0)
		name[n++] = '.';
	name[n] = '\0';
	d = pacc__strndup(name, n);
	if (d == NULL)
		return PACC_ENOMEM;
	*out = d;
	*pos = p;
	return PACC_OK;
}

/*
 * RFC 1035 §3.3.14: one or more <character-string>s; joined without a
 * separator (RFC 7208 §3.3).  Bytes are passed on as they are (NULs too):
 * *outlen is authoritative, the trailing NUL is a convenience.
 */
int
pacc__rr_txt(char **out, size_t *outlen, const unsigned char *rdata, size_t len)
{
	char *s;
	size_t p = 0, n = 0;

	if (out == NULL || outlen == NULL || (rdata == NULL && len > 0))
		return PACC_EINVAL;
	*out = NULL;
	*outlen = 0;
	if (len == 0)
		return PACC_EFORMAT; /* at least one string, maybe empty */
	/* First pass: validate the framing before allocating. */
	while (p < len) {
		size_t l = rdata[p];

		if (l > len - p - 1)
			return PACC_EFORMAT;
		p += 1 + l;
	}
	s = pacc__malloc(len + 1); /* the text is shorter than the RDATA */
	if (s == NULL)
		return PACC_ENOMEM;
	for (p = 0; p < len;) {
		size_t l = rdata[p++];

		memcpy(s + n, rdata + p, l);
		n += l;
		p += l;
	}
	s[n] = '\0';
	*out = s;
	*outlen = n;
	return PACC_OK;
}

/* RFC 1035 §3.3.9: PREFERENCE (16 bits), EXCHANGE. */
int
pacc__rr_mx(unsigned *pref, char **host, const unsigned char *rdata, size_t len)
{
	size_t p = 2;
	char *h = NULL;
	int rc;

	if (pref == NULL || host == NULL || (rdata == NULL && len > 0))
		return PACC_EINVAL;
	*host = NULL;
	if (len < 3)
		return PACC_EFORMAT;
	rc = read_host(&h, rdata, len, &p);
	if (rc != PACC_OK)
		return rc;
	if (p != len) { /* trailing bytes: not an MX RDATA */
		pacc__free(h);
		return PACC_EFORMAT;
	}
	*pref = (unsigned)rdata[0] << 8 | rdata[1];
	*host = h;
	return PACC_OK;
}

/* RFC 2782: PRIORITY, WEIGHT, PORT (16 bits each), TARGET. */
int
pacc__rr_srv(struct pacc__srv_rr *out, const unsigned char *rdata, size_t len)
{
	size_t p = 6;
	char *t = NULL;
	int rc;

	if (out == NULL || (rdata == NULL && len > 0))
		return PACC_EINVAL;
	memset(out, 0, sizeof(*out));
	if (len < 7)
		return PACC_EFORMAT;
	rc = read_host(&t, rdata, len, &p);
	if (rc != PACC_OK)
		return rc;
	if (p != len) {
		pacc__free(t);
		return PACC_EFORMAT;
	}
	out->priority = (unsigned)rdata[0] << 8 | rdata[1];
	out->weight = (unsigned)rdata[2] << 8 | rdata[3];
	out->port = (unsigned)rdata[4] << 8 | rdata[5];
	out->target = t;
	return PACC_OK;
}

/*
 * PACC_EINVAL for another type, PACC_EFORMAT for a wrong length,
 * PACC_ETOOBIG when buf cannot hold the text.
 */
int
pacc__rr_addr(char *buf, size_t buflen, int type, const unsigned char *rdata,
    size_t len)
{
	int af;

	if (buf == NULL || (rdata == NULL && len > 0))
		return PACC_EINVAL;
	if (buflen > 0)
		buf[0] = '\0';
	if (type == RR_A && len == 4)
		af = AF_INET;
	else if (type == RR_AAAA && len == 16)
		af = AF_INET6;
	else if (type == RR_A || type == RR_AAAA)
		return PACC_EFORMAT;
	else
		return PACC_EINVAL;
	if (buflen > (size_t)INET6_ADDRSTRLEN)
		buflen = INET6_ADDRSTRLEN; /* inet_ntop takes a socklen_t */
	if (inet_ntop(af, rdata, buf, (socklen_t)buflen) == NULL) {
		if (buflen > 0)
			buf[0] = '\0';
		return PACC_ETOOBIG;
	}
	return PACC_OK;
}
