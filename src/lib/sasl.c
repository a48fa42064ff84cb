/* SPDX-License-Identifier: MIT */
/*
 * GNU SASL on the client side, for `pacc login`: mechanism choice,
 * channel binding from OpenSSL, base64 framing, and memory hygiene.
 *
 * Choice (over verified TLS only — the caller's step runs after the
 * capabilities were re-read over a verified session): SCRAM-SHA-256-PLUS
 * (RFC 7677 + RFC 5802 §6 channel binding: tls-exporter, RFC 9266, on TLS
 * 1.3; tls-unique, RFC 5929, on TLS 1.2 with the extended master secret),
 * SCRAM-SHA-256, PLAIN (RFC 4616); LOGIN only where the server offers none
 * of these.
 *
 * Hygiene: the password lives in secret memory (mlock'ed where allowed,
 * MADV_DONTDUMP, wiped on release).  GNU SASL keeps copies in its session
 * properties and frees them without wiping, so they are wiped here before
 * gsasl_finish(); raw mechanism output (PLAIN holds the password) is wiped
 * before it is freed, and base64 is done here rather than by
 * gsasl_step64(), which frees the raw output unwiped.  What remains out
 * of reach is GNU SASL's own short-lived internal temporaries (SASLprep of
 * the password in SCRAM).
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gsasl.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "sasl.h"

/* ---- secret memory ---- */

struct secret_hdr {
	size_t maplen;
	size_t pad; /* keeps the data 16-byte aligned */
};

void *
pacc__secret_alloc(size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096, need, maplen;
	struct secret_hdr *h;
	void *m;

	if (n > SIZE_MAX / 2)
		return NULL;
	need = n + sizeof(*h);
	maplen = (need + page - 1) / page * page;
	/* MAP_ANONYMOUS takes fd -1 (Linux, the BSDs) */
	m = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
	    /* cppcheck-suppress invalidFunctionArg */
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	/* best effort: RLIMIT_MEMLOCK may forbid it */
	(void)mlock(m, maplen);
#ifdef MADV_DONTDUMP
	(void)madvise(m, maplen, MADV_DONTDUMP);
#endif
	h = m;
	h->maplen = maplen;
	return h + 1;
}

void
pacc__secret_free(void *p)
{
	struct secret_hdr *h;
	size_t maplen;

	if (p == NULL)
		return;
	h = (struct secret_hdr *)p - 1;
	maplen = h->maplen;
	OPENSSL_cleanse(h, maplen);
	(void)munlock(h, maplen);
	(void)munmap(h, maplen);
}

char *
pacc__secret_strdup(const char *s)
{
	size_t n = strlen(s);
	char *d = pacc__secret_alloc(n + 1);

	if (d != NULL)
		memcpy(d, s, n + 1);
	return d;
}

/* ---- choice ---- */

static const struct {
	const char *name;
	unsigned bit;
} prefs[] = {
	{ "SCRAM-SHA-256-PLUS", PACC__SASL_SCRAM_PLUS },
	{ "SCRAM-SHA-256", PACC__SASL_SCRAM },
	{ "PLAIN", PACC__SASL_PLAIN },
};

const char *
pacc__sasl_choose(const struct pacc__caps *caps, bool cb, unsigned tried,
    unsigned *bit)
{
	bool other = false;

	*bit = 0;
	for (size_t i = 0; i < PACC__ARRAY_LEN(prefs); i++) {
		if (!pacc__caps_has_sasl(caps, prefs[i].name))
			continue;
		if (prefs[i].bit == PACC__SASL_SCRAM_PLUS && !cb)
			continue;
		other = true;
		if (tried & prefs[i].bit)
			continue;
		*bit = prefs[i].bit;
		return prefs[i].name;
	}
	/* LOGIN is a password in two base64 lines with no standard behind
	 * it: only where nothing better exists at all */
	if (!other && !(tried & PACC__SASL_LOGIN) &&
	    pacc__caps_has_sasl(caps, "LOGIN")) {
		*bit = PACC__SASL_LOGIN;
		return "LOGIN";
	}
	return NULL;
}

/* ---- channel binding ---- */

#define EXPORTER_LABEL "EXPORTER-Channel-Binding" /* RFC 9266 §2 */
#define EXPORTER_LEN 32

void
pacc__sasl_channel_binding(struct pacc__conn *c, const char **type,
    unsigned char *buf, size_t cap, size_t *len)
{
	const struct pacc__tls_info *ti;
	SSL *ssl;
	size_t n;

	*type = NULL;
	*len = 0;
	if (c == NULL)
		return;
	ti = pacc__conn_tls(c);
	if (!ti->done || !ti->verified || (ssl = pacc__conn_ssl(c)) == NULL)
		return;
	switch (SSL_version(ssl)) {
	case TLS1_3_VERSION:
		if (cap < EXPORTER_LEN ||
		    SSL_export_keying_material(ssl, buf, EXPORTER_LEN,
			EXPORTER_LABEL, strlen(EXPORTER_LABEL), NULL, 0,
			0) != 1)
			return;
		*type = "tls-exporter";
		*len = EXPORTER_LEN;
		return;
	case TLS1_2_VERSION:
		/* RFC 7627 §1: without the extended master secret the
		 * triple-handshake attack breaks tls-unique */
		if (SSL_get_extms_support(ssl) != 1)
			return;
		/* RFC 5929 §3.1: the first Finished of the handshake — ours
		 * in a full handshake, the server's on resumption */
		n = SSL_session_reused(ssl)
		    ? SSL_get_peer_finished(ssl, buf, cap)
		    : SSL_get_finished(ssl, buf, cap);
		if (n == 0 || n > cap)
			return;
		*type = "tls-unique";
		*len = n;
		return;
	default:
		return;
	}
}

/* ---- one exchange ---- */

struct pacc__sasl {
	Gsasl *gctx;
	Gsasl_session *sess;
	char mech[24];
	const char *cb_type;
	bool complete;
	char *password; /* secret memory */
	char *out;	/* base64 of the last output, secret memory */
	size_t outcap;
	char why[200];
};

/* Wipe what GNU SASL copied: its properties are freed without wiping. */
static void
wipe_props(Gsasl_session *sess)
{
	static const Gsasl_property secret[] = { GSASL_PASSWORD,
		GSASL_SCRAM_SALTED_PASSWORD, GSASL_SCRAM_SERVERKEY,
		GSASL_SCRAM_STOREDKEY, GSASL_CB_TLS_UNIQUE,
		GSASL_CB_TLS_EXPORTER };

	for (size_t i = 0; i < PACC__ARRAY_LEN(secret); i++) {
		/* the pointer is to GNU SASL's own heap copy */
		char *p = (char *)gsasl_property_fast(sess, secret[i]);

		if (p != NULL)
			OPENSSL_cleanse(p, strlen(p));
	}
}

void
pacc__sasl_free(struct pacc__sasl *s)
{
	if (s == NULL)
		return;
	if (s->sess) {
		wipe_props(s->sess);
		gsasl_finish(s->sess);
	}
	if (s->gctx)
		gsasl_done(s->gctx);
	pacc__secret_free(s->password);
	pacc__secret_free(s->out);
	OPENSSL_cleanse(s, sizeof(*s));
	pacc__free(s);
}

/* Base64 of n bytes: a property value (NUL-terminated, in secret
 * memory, freed by the caller). */
static char *
b64_secret(const unsigned char *p, size_t n)
{
	size_t cap = (n + 2) / 3 * 4 + 1;
	char *o = pacc__secret_alloc(cap);

	if (o && pacc__base64_encode(o, cap, p, n) != PACC_OK) {
		pacc__secret_free(o);
		o = NULL;
	}
	return o;
}

int
pacc__sasl_new(struct pacc__sasl **out, const char *mech, const char *user,
    const char *password, struct pacc__conn *conn)
{
	unsigned char cb[64];
	size_t cblen = 0;
	struct pacc__sasl *s;
	char *cb64 = NULL;
	int rc = PACC_ENOMEM;

	*out = NULL;
	if (mech == NULL || user == NULL || password == NULL ||
	    strlen(mech) >= sizeof(s->mech))
		return PACC_EINVAL;
	if ((s = pacc__calloc(1, sizeof(*s))) == NULL)
		return PACC_ENOMEM;
	snprintf(s->mech, sizeof(s->mech), "%s", mech);
	if ((s->password = pacc__secret_strdup(password)) == NULL)
		goto fail;
	rc = PACC_EINTERNAL;
	if (gsasl_init(&s->gctx) != GSASL_OK) {
		s->gctx = NULL;
		goto fail;
	}
	if (!gsasl_client_support_p(s->gctx, mech)) {
		rc = PACC_EUNSUPPORTED;
		goto fail;
	}
	if (gsasl_client_start(s->gctx, mech, &s->sess) != GSASL_OK) {
		s->sess = NULL;
		goto fail;
	}
	gsasl_property_set(s->sess, GSASL_AUTHID, user);
	gsasl_property_set(s->sess, GSASL_PASSWORD, s->password);
	if (strcmp(mech, "SCRAM-SHA-256-PLUS") == 0) {
		/* only for -PLUS: GNU SASL 2.2 fails a plain SCRAM exchange
		 * ("y" flag) when it is given binding data */
		pacc__sasl_channel_binding(conn, &s->cb_type, cb, sizeof(cb),
		    &cblen);
		if (s->cb_type == NULL) {
			rc = PACC_EUNSUPPORTED;
			goto fail;
		}
		if ((cb64 = b64_secret(cb, cblen)) == NULL) {
			rc = PACC_ENOMEM;
			goto fail;
		}
		gsasl_property_set(s->sess,
		    strcmp(s->cb_type, "tls-exporter") == 0
			? GSASL_CB_TLS_EXPORTER
			: GSASL_CB_TLS_UNIQUE,
		    cb64);
	}
	OPENSSL_cleanse(cb, sizeof(cb));
	pacc__secret_free(cb64);
	*out = s;
	return PACC_OK;
fail:
	OPENSSL_cleanse(cb, sizeof(cb));
	pacc__secret_free(cb64);
	pacc__sasl_free(s);
	return rc;
}

bool
pacc__sasl_client_first(const struct pacc__sasl *s)
{
	/* LOGIN waits for the server's "Username:" */
	return strcmp(s->mech, "LOGIN") != 0;
}

const char *
pacc__sasl_mech(const struct pacc__sasl *s)
{
	return s->mech;
}

const char *
pacc__sasl_cb_type(const struct pacc__sasl *s)
{
	return s->cb_type;
}

bool
pacc__sasl_complete(const struct pacc__sasl *s)
{
	return s->complete;
}

bool
pacc__sasl_mutual(const struct pacc__sasl *s)
{
	return strncmp(s->mech, "SCRAM-", 6) == 0;
}

int
pacc__sasl_step(struct pacc__sasl *s, const char *in, size_t inlen,
    const char **out, size_t *outlen, const char **code, const char **why)
{
	unsigned char *dec = NULL;
	char *raw = NULL;
	size_t declen = 0, rawlen = 0, need;
	int grc, rc = PACC__SASL_FAIL;

	*out = "";
	*outlen = 0;
	*code = "sasl-error";
	*why = s->why;
	if (s->out)
		OPENSSL_cleanse(s->out, s->outcap);
	if (s->complete) {
		snprintf(s->why, sizeof(s->why),
		    "the server sent a challenge after %s was complete",
		    s->mech);
		return PACC__SASL_FAIL;
	}
	if (in != NULL && inlen > 0) {
		if ((dec = pacc__malloc(inlen)) == NULL ||
		    pacc__base64_decode(dec, inlen, &declen, in, inlen) !=
			PACC_OK) {
			snprintf(s->why, sizeof(s->why),
			    "the server's %s challenge is not valid base64",
			    s->mech);
			goto out;
		}
	}
	grc = gsasl_step(s->sess, (const char *)dec, declen, &raw, &rawlen);
	if (grc != GSASL_OK && grc != GSASL_NEEDS_MORE) {
		if (grc == GSASL_AUTHENTICATION_ERROR &&
		    strncmp(s->mech, "SCRAM-", 6) == 0 && in != NULL) {
			/* RFC 5802 §3: the server's signature did not verify
			 * (or its nonce is not ours) */
			*code = "scram-server-signature";
			snprintf(s->why, sizeof(s->why),
			    "the server's %s answer does not prove that it "
			    "knows the password (%s)",
			    s->mech, gsasl_strerror(grc));
		} else {
			snprintf(s->why, sizeof(s->why), "%s: %s", s->mech,
			    gsasl_strerror(grc));
		}
		goto out;
	}
	need = (rawlen + 2) / 3 * 4 + 1;
	if (s->out == NULL || need > s->outcap) {
		pacc__secret_free(s->out);
		s->outcap = 0;
		if ((s->out = pacc__secret_alloc(need)) == NULL) {
			snprintf(s->why, sizeof(s->why), "out of memory");
			*code = "internal-error";
			goto out;
		}
		s->outcap = need;
	}
	if (pacc__base64_encode(s->out, s->outcap, (unsigned char *)raw,
		rawlen) != PACC_OK) {
		snprintf(s->why, sizeof(s->why), "out of memory");
		*code = "internal-error";
		goto out;
	}
	*out = s->out;
	*outlen = strlen(s->out);
	if (grc == GSASL_OK) {
		s->complete = true;
		rc = PACC__SASL_DONE;
	} else {
		rc = PACC__SASL_MORE;
	}
	*code = NULL;
out:
	if (raw) {
		OPENSSL_cleanse(raw, rawlen);
		gsasl_free(raw);
	}
	if (dec) {
		OPENSSL_cleanse(dec, inlen);
		pacc__free(dec);
	}
	return rc;
}
