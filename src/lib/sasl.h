/* SPDX-License-Identifier: MIT */
/*
 * GNU SASL client glue for `pacc login` (sasl.c), secret memory, and the
 * login response classifier (login.c) — internal, never installed.
 */
#ifndef PACC_SASL_H
#define PACC_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "net.h"

/* pacc__conn_ssl() (net.h) gives the verified session for channel
 * binding. */

/* ---- secret memory: locked where allowed, not dumped, wiped ---- */

/* n bytes, zeroed; NULL when out of memory.  mlock(2) and
 * MADV_DONTDUMP are best effort. */
void *pacc__secret_alloc(size_t n);
/* Wipe and release; NULL is a no-op. */
void pacc__secret_free(void *p);
/* A copy of s in secret memory (NULL when out of memory). */
char *pacc__secret_strdup(const char *s);

/* ---- SASL client ---- */

/* Mechanisms we may use, as bits for "already tried" sets. */
#define PACC__SASL_SCRAM_PLUS 0x1u /* SCRAM-SHA-256-PLUS (RFC 7677, 5802) */
#define PACC__SASL_SCRAM 0x2u	   /* SCRAM-SHA-256 */
#define PACC__SASL_PLAIN 0x4u	   /* PLAIN (RFC 4616) */
#define PACC__SASL_LOGIN 0x8u	   /* LOGIN: only where nothing else is */

/*
 * Our choice among the mechanisms a server offers (over verified TLS),
 * skipping the `tried` bits: SCRAM-SHA-256-PLUS (when `cb` says channel
 * binding is available), SCRAM-SHA-256, PLAIN; LOGIN only when the server
 * offers none of the others.  NULL when nothing fits; *bit gets the bit.
 */
const char *pacc__sasl_choose(const struct pacc__caps *caps, bool cb,
    unsigned tried, unsigned *bit);

/*
 * Channel binding data of a verified TLS session: "tls-exporter" (RFC
 * 9266) on TLS 1.3, "tls-unique" (RFC 5929) on TLS 1.2 with the extended
 * master secret (RFC 7627); *type NULL when none is safe or possible.
 */
void pacc__sasl_channel_binding(struct pacc__conn *c, const char **type,
    unsigned char *buf, size_t cap, size_t *len);

struct pacc__sasl;

/* Start a client exchange; `password` is copied into secret memory. */
int pacc__sasl_new(struct pacc__sasl **out, const char *mech, const char *user,
    const char *password, struct pacc__conn *conn);
/* True when the mechanism speaks first (an initial response exists). */
bool pacc__sasl_client_first(const struct pacc__sasl *s);

#define PACC__SASL_MORE 1 /* send *out, expect a challenge or the result */
#define PACC__SASL_DONE 0 /* our side is complete (send *out if any) */
#define PACC__SASL_FAIL (-1)

/*
 * One step: `in` is the server's base64 challenge (NULL for the initial
 * response).  *out is base64 (possibly empty), NUL-terminated, borrowed
 * until the next call, and wiped then.  On PACC__SASL_FAIL, *code is a
 * stable code ("sasl-error", "scram-server-signature") and *why a
 * sentence.
 */
int pacc__sasl_step(struct pacc__sasl *s, const char *in, size_t inlen,
    const char **out, size_t *outlen, const char **code, const char **why);
/* The mechanism's name, as sent. */
const char *pacc__sasl_mech(const struct pacc__sasl *s);
/* Channel binding type in use, or NULL. */
const char *pacc__sasl_cb_type(const struct pacc__sasl *s);
/* True once the exchange completed on our side (SCRAM: the server
 * proved it knows the password). */
bool pacc__sasl_complete(const struct pacc__sasl *s);
/* True for SCRAM (a server that skips its final message proved
 * nothing). */
bool pacc__sasl_mutual(const struct pacc__sasl *s);
void pacc__sasl_free(struct pacc__sasl *s);

/* ---- login.c: the response classifier (pure; unit-tested) ---- */

/*
 * Class and code of the final response to an authentication exchange.
 * proto: PACC_PROTO_IMAP/POP3/SMTP/MANAGESIEVE; status and smtp_code as
 * the framer set them; line: the final line (CR LF removed).
 */
void pacc__login_classify(pacc_protocol proto, int status, int smtp_code,
    const char *line, size_t len, pacc_login_class *cls, const char **code);
/* HTTP: status code and whether a 401 offered Basic. */
void pacc__login_classify_http(long http_code, bool basic_offered,
    pacc_login_class *cls, const char **code);
/* A connection finding (net.h codes) before any credential was sent. */
void pacc__login_classify_conn(const char *conn_code, pacc_login_class *cls);

/* Parse one --server URL (DESIGN §4).  PACC_EINVAL with a sentence. */
int pacc__login_parse_url(struct pacc_server *out, const char *url, char *why,
    size_t whylen);

#endif
