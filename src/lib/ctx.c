/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"

PACC__API int
pacc_ctx_new(pacc_ctx **out)
{
	pacc_ctx *ctx;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	ctx = pacc__calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return PACC_ENOMEM;
	ctx->timeout_ms = PACC__DEFAULT_TIMEOUT_MS;
	ctx->mechanisms = PACC_MECH_ALL;
	ctx->reported_deadline = -2;
	*out = ctx;
	return PACC_OK;
}

PACC__API void
pacc_ctx_free(pacc_ctx *ctx)
{
	if (ctx == NULL)
		return;
	while (ctx->discoveries)
		pacc_discover_cancel(ctx->discoveries);
	pacc__http_free(ctx);
	pacc__dns_free(ctx);
	pacc__loop_free(ctx);
	if (ctx->ca_certs)
		sk_X509_pop_free(ctx->ca_certs, X509_free);
	pacc__free(ctx->resolver);
	pacc__free(ctx->trust_anchor);
	pacc__free(ctx->ca_file);
	pacc__free(ctx);
}

/* Settings that shape the resolver can change only before it exists. */
static int
set_string(pacc_ctx *ctx, char **field, const char *v)
{
	char *d = NULL;

	if (ctx == NULL)
		return PACC_EINVAL;
	if (ctx->dns != NULL)
		return PACC_EINVAL;
	if (v != NULL && (d = pacc__strdup(v)) == NULL)
		return PACC_ENOMEM;
	pacc__free(*field);
	*field = d;
	return PACC_OK;
}

/* "192.0.2.1", "2001:db8::1", either with "@PORT" (Unbound's syntax). */
static bool
resolver_valid(const char *addr)
{
	char host[64];
	unsigned char bin[16];
	const char *at = strchr(addr, '@');
	size_t n = at ? (size_t)(at - addr) : strlen(addr);
	char *end;
	long port;

	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, addr, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, bin) != 1 &&
	    inet_pton(AF_INET6, host, bin) != 1)
		return false;
	if (at == NULL)
		return true;
	port = strtol(at + 1, &end, 10);
	return at[1] >= '0' && at[1] <= '9' && *end == '\0' && port > 0 &&
	    port < 65536;
}

PACC__API int
pacc_ctx_set_resolver(pacc_ctx *ctx, const char *addr)
{
	if (addr != NULL && !resolver_valid(addr))
		return PACC_EINVAL;
	return set_string(ctx, &ctx->resolver, addr);
}

PACC__API int
pacc_ctx_set_trust_anchor_file(pacc_ctx *ctx, const char *path)
{
	int rc = set_string(ctx, &ctx->trust_anchor, path);

	if (rc == PACC_OK)
		ctx->trust_anchor_set = path != NULL;
	return rc;
}

PACC__API int
pacc_ctx_set_ca_file(pacc_ctx *ctx, const char *path)
{
	STACK_OF(X509) *sk = NULL;
	X509 *x;
	BIO *bio = NULL;
	int rc;

	if (ctx == NULL)
		return PACC_EINVAL;
	if (path != NULL) {
		/* load now, so a bad file is reported where it was given */
		bio = BIO_new_file(path, "r");
		if (bio == NULL)
			return PACC_ECAFILE;
		sk = sk_X509_new_null();
		if (sk == NULL) {
			BIO_free(bio);
			return PACC_ENOMEM;
		}
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			if (!sk_X509_push(sk, x)) {
				X509_free(x);
				rc = PACC_ENOMEM;
				goto fail;
			}
		}
		BIO_free(bio);
		bio = NULL;
		if (sk_X509_num(sk) == 0) {
			rc = PACC_ECAFILE;
			goto fail;
		}
	}
	rc = set_string(ctx, &ctx->ca_file, path);
	if (rc != PACC_OK)
		goto fail;
	if (ctx->ca_certs)
		sk_X509_pop_free(ctx->ca_certs, X509_free);
	ctx->ca_certs = sk;
	return PACC_OK;
fail:
	BIO_free(bio);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

PACC__API int
pacc_ctx_set_timeout_ms(pacc_ctx *ctx, long ms)
{
	if (ctx == NULL || ms <= 0 || ms > PACC__MAX_TIMEOUT_MS)
		return PACC_EINVAL;
	ctx->timeout_ms = ms;
	return PACC_OK;
}

PACC__API int
pacc_ctx_set_mechanisms(pacc_ctx *ctx, unsigned mask)
{
	if (ctx == NULL || mask == 0 || (mask & ~PACC_MECH_ALL) != 0)
		return PACC_EINVAL;
	ctx->mechanisms = mask;
	return PACC_OK;
}

PACC__API int
pacc_mechanisms_parse(unsigned *mask, const char *list)
{
	const char *p = list, *e;
	char name[32];
	int m;

	if (mask == NULL || list == NULL)
		return PACC_EINVAL;
	*mask = 0;
	while (*p) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) >= sizeof(name) || e == p)
			return PACC_EINVAL;
		memcpy(name, p, (size_t)(e - p));
		name[e - p] = '\0';
		if ((m = pacc_mechanism_from_name(name)) < 0)
			return PACC_EINVAL;
		*mask |= PACC_MECH_BIT(m);
		p = *e ? e + 1 : e;
	}
	return *mask ? PACC_OK : PACC_EINVAL;
}

PACC__API int
pacc_ctx_set_log_cb(pacc_ctx *ctx, pacc_log_cb cb, void *ud)
{
	if (ctx == NULL)
		return PACC_EINVAL;
	ctx->log_cb = cb;
	ctx->log_ud = ud;
	return PACC_OK;
}

PACC__API int
pacc_ctx_set_socket_cb(pacc_ctx *ctx, pacc_socket_cb cb, void *ud)
{
	if (ctx == NULL)
		return PACC_EINVAL;
	ctx->socket_cb = cb;
	ctx->socket_ud = ud;
	/* tell the new callback about what is already watched */
	for (size_t i = 0; cb && i < ctx->nwatches; i++)
		cb(ctx, ctx->watches[i].fd, ctx->watches[i].events, ud);
	return PACC_OK;
}

PACC__API int
pacc_ctx_set_timer_cb(pacc_ctx *ctx, pacc_timer_cb cb, void *ud)
{
	if (ctx == NULL)
		return PACC_EINVAL;
	ctx->timer_cb = cb;
	ctx->timer_ud = ud;
	ctx->reported_deadline = -2;
	pacc__loop_sync(ctx);
	return PACC_OK;
}

PACC__API size_t
pacc_ctx_pending(const pacc_ctx *ctx)
{
	return ctx ? ctx->pending : 0;
}

void
pacc__log(pacc_ctx *ctx, pacc_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ctx == NULL || ctx->log_cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log_cb(level, msg, ctx->log_ud);
}
