/* SPDX-License-Identifier: MIT */
/*
 * Strict base64 (RFC 4648 §4): the standard alphabet, padding required, no
 * whitespace, no line breaks.  Our own few lines rather than OpenSSL's
 * EVP_Decode*, which skips whitespace and tolerates missing padding: a
 * digest record must have exactly one spelling.
 */
#include <stdint.h>

#include "pacc/error.h"

#include "fmt.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of one alphabet character, or -1 (also for '=' and NUL). */
static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * PACC_OK, PACC_EFORMAT (not canonical base64), PACC_ETOOBIG (outcap too
 * small; nothing useful in out), PACC_EINVAL (NULL arguments).
 */
int
pacc__base64_decode(unsigned char *out, size_t outcap, size_t *outlen,
    const char *in, size_t inlen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t need, o = 0, pad = 0;

	if (outlen == NULL || (in == NULL && inlen > 0) ||
	    (out == NULL && outcap > 0))
		return PACC_EINVAL;
	*outlen = 0;
	if (inlen % 4 != 0)
		return PACC_EFORMAT;
	if (inlen == 0)
		return PACC_OK;
	/* RFC 4648 §3.2: padding only at the very end, at most two. */
	if (p[inlen - 1] == '=')
		pad++;
	if (p[inlen - 2] == '=')
		pad++;
	if (pad == 1 && p[inlen - 2] == '=')
		return PACC_EFORMAT;
	need = inlen / 4 * 3 - pad;
	if (need > outcap)
		return PACC_ETOOBIG;
	for (size_t i = 0; i < inlen; i += 4) {
		int v[4];
		uint32_t w;
		size_t q = (i + 4 == inlen) ? 4 - pad : 4;

		for (size_t k = 0; k < 4; k++) {
			v[k] = k < q ? b64val(p[i + k]) : 0;
			if (v[k] < 0)
				return PACC_EFORMAT;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		/* RFC 4648 §3.5: reject non-zero pad bits (one spelling). */
		if ((q == 2 && (w & 0xffff)) || (q == 3 && (w & 0xff)))
			return PACC_EFORMAT;
		out[o++] = (unsigned char)(w >> 16);
		if (q > 2)
			out[o++] = (unsigned char)(w >> 8);
		if (q > 3)
			out[o++] = (unsigned char)w;
	}
	*outlen = o;
	return PACC_OK;
}

/* NUL-terminated output; PACC_ETOOBIG when outcap cannot hold it. */
int
pacc__base64_encode(char *out, size_t outcap, const unsigned char *in,
    size_t inlen)
{
	size_t need, o = 0;

	if (out == NULL || (in == NULL && inlen > 0))
		return PACC_EINVAL;
	if (inlen > (SIZE_MAX - 1) / 4 * 3 - 2)
		return PACC_ETOOBIG;
	need = (inlen + 2) / 3 * 4 + 1;
	if (need > outcap)
		return PACC_ETOOBIG;
	for (size_t i = 0; i < inlen; i += 3) {
		size_t rem = inlen - i;
		uint32_t w = (uint32_t)in[i] << 16;

		if (rem > 1)
			w |= (uint32_t)in[i + 1] << 8;
		if (rem > 2)
			w |= in[i + 2];
		out[o++] = alphabet[w >> 18 & 63];
		out[o++] = alphabet[w >> 12 & 63];
		out[o++] = rem > 1 ? alphabet[w >> 6 & 63] : '=';
		out[o++] = rem > 2 ? alphabet[w & 63] : '=';
	}
	out[o] = '\0';
	return PACC_OK;
}
