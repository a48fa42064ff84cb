/* SPDX-License-Identifier: MIT */
/*
 * One non-blocking connection: the host is resolved by our own resolver
 * (dns.c, A + AAAA, DNSSEC state kept), each address is tried in turn with
 * its own connect deadline, then an OpenSSL client runs on top, re-armed
 * on want-read / want-write.  Policy, not options: certificates always
 * verified against the configured name (RFC 9525: DNS-ID only, no CN
 * fallback, a wildcard only as the whole leftmost label), SNI, TLS 1.2 or
 * newer, no renegotiation, no compression, no session reuse.
 *
 * OpenSSL reads and writes through a small BIO of ours: send() with
 * MSG_NOSIGNAL (a library must not raise SIGPIPE in its host) and a look
 * at the first byte the server sends, so that plaintext where a handshake
 * should be is named for what it is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "net.h"

/* Input window: larger than a line, so the line engine always sees a line
 * that is too long before reading has to pause. */
#define IN_CAP (2 * PACC__MAX_LINE_BYTES)

enum conn_state {
	CS_RESOLVING,	/* waiting for A/AAAA answers */
	CS_READY,	/* addresses known, first connect on the next turn */
	CS_CONNECTING,	/* non-blocking connect() in progress */
	CS_TLS_PENDING, /* STARTTLS accepted, handshake on the next turn */
	CS_HANDSHAKE,
	CS_OPEN,
	CS_HALTED, /* pre-TLS bytes seen: nothing more will happen */
	CS_FAILED
};

struct pacc__conn {
	pacc_ctx *ctx;
	enum conn_state state;
	char host[256];
	unsigned port;
	bool implicit_tls, tls13, upgrading, name_is_ip;
	pacc__conn_fn fn;
	void *ud;

	/* resolution */
	struct pacc__dns_q *q4, *q6;
	int dns_pending;
	int dns_status;
	bool dns_nx;
	pacc_dnssec addr_sec;
	char bogus_why[160];
	struct sockaddr_storage a4[PACC__MAX_ADDRS], a6[PACC__MAX_ADDRS];
	size_t n4, n6;
	struct sockaddr_storage addrs[PACC__MAX_ADDRS];
	size_t naddrs, next;
	char last_err[160];

	/* socket and TLS */
	int fd;
	int events;  /* what the loop watches now */
	int hs_want; /* handshake: PACC_POLL_IN or PACC_POLL_OUT */
	bool read_wants_write, paused;
	int wretry; /* SSL_write to repeat with this length */
	SSL_CTX *sctx;
	SSL *ssl;
	BIO_METHOD *bmeth;
	bool first_rx_seen, plaintext_in_tls;
	char sample[40];
	struct pacc__tls_info tls;
	char peer[INET6_ADDRSTRLEN];

	/* fixed buffers: no realloc leaves copies of what was sent */
	unsigned char in[IN_CAP];
	size_t inlen;
	unsigned char out[PACC__MAX_OUT_BYTES];
	size_t outlen;

	struct pacc__timer deadline, attempt, kick;
	const char *code;
	char detail[512];
	int busy;
	bool dead;
};

static void on_io(void *ud, int fd, int revents);
static void try_next(struct pacc__conn *c);
static void handshake(struct pacc__conn *c);
static void pump(struct pacc__conn *c);

/* ---- lifetime: callbacks may close the connection under our feet ---- */

static void
enter(struct pacc__conn *c)
{
	c->busy++;
}

static void
release_io(struct pacc__conn *c)
{
	if (c->fd >= 0) {
		pacc__watch_set(c->ctx, c->fd, 0, NULL, NULL);
		c->events = 0;
	}
	if (c->ssl) {
		SSL_free(c->ssl); /* frees our BIO too */
		c->ssl = NULL;
	}
	if (c->bmeth) {
		BIO_meth_free(c->bmeth);
		c->bmeth = NULL;
	}
	if (c->sctx) {
		SSL_CTX_free(c->sctx);
		c->sctx = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

static void
teardown(struct pacc__conn *c)
{
	pacc__dns_cancel(c->q4);
	pacc__dns_cancel(c->q6);
	c->q4 = c->q6 = NULL;
	pacc__timer_disarm(c->ctx, &c->deadline);
	pacc__timer_disarm(c->ctx, &c->attempt);
	pacc__timer_disarm(c->ctx, &c->kick);
	release_io(c);
}

static void
conn_free(struct pacc__conn *c)
{
	teardown(c);
	OPENSSL_cleanse(c->out, sizeof(c->out));
	OPENSSL_cleanse(c->in, sizeof(c->in));
	pacc__free(c);
}

/* Returns true when the connection is gone (do not touch it). */
static bool
leave(struct pacc__conn *c)
{
	if (--c->busy == 0 && c->dead) {
		conn_free(c);
		return true;
	}
	return c->dead;
}

static bool
emit(struct pacc__conn *c, enum pacc__conn_event ev)
{
	c->fn(c->ud, c, ev);
	return !c->dead;
}

static void conn_fail(struct pacc__conn *c, const char *code, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
conn_fail(struct pacc__conn *c, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (c->dead || c->state == CS_FAILED)
		return;
	c->state = CS_FAILED;
	c->code = code;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	pacc__log(c->ctx, PACC_LOG_DEBUG, "%s", c->detail);
	teardown(c);
	emit(c, PACC__CONN_FAIL);
}

static void
update_watch(struct pacc__conn *c)
{
	int ev = 0;

	if (c->dead || c->fd < 0)
		return;
	switch (c->state) {
	case CS_CONNECTING:
		ev = PACC_POLL_OUT;
		break;
	case CS_HANDSHAKE:
		ev = c->hs_want;
		break;
	case CS_OPEN:
		c->paused = c->inlen >= IN_CAP;
		if (!c->paused)
			ev |= PACC_POLL_IN;
		if (c->outlen > 0 || c->read_wants_write)
			ev |= PACC_POLL_OUT;
		if (c->wretry)
			ev |= PACC_POLL_IN; /* a write may wait for a read */
		break;
	default:
		break;
	}
	if (ev == c->events)
		return;
	if (pacc__watch_set(c->ctx, c->fd, ev, on_io, c) != PACC_OK) {
		conn_fail(c, "internal-error", "out of memory");
		return;
	}
	c->events = ev;
}

static const char *
doing(const struct pacc__conn *c)
{
	switch (c->state) {
	case CS_RESOLVING:
		return "resolving";
	case CS_READY:
	case CS_CONNECTING:
		return "connecting to";
	case CS_TLS_PENDING:
	case CS_HANDSHAKE:
		return "in the TLS handshake with";
	default:
		return "waiting for";
	}
}

static void
on_deadline(void *ud)
{
	struct pacc__conn *c = ud;

	enter(c);
	conn_fail(c, "timeout", "deadline exceeded %s %s port %u", doing(c),
	    c->host, c->port);
	leave(c);
}

/* ---- the BIO OpenSSL talks through ---- */

static int
bio_write(BIO *b, const char *p, int n)
{
	struct pacc__conn *c = BIO_get_data(b);
	ssize_t r;

	BIO_clear_retry_flags(b);
	r = send(c->fd, p, (size_t)n, MSG_NOSIGNAL);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_write(b);
		else
			snprintf(c->last_err, sizeof(c->last_err), "%s",
			    strerror(errno));
		return -1;
	}
	return (int)r;
}

static void
keep_sample(struct pacc__conn *c, const char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < sizeof(c->sample); i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\r' || ch == '\n')
			break;
		c->sample[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	c->sample[o] = '\0';
}

static int
bio_read(BIO *b, char *p, int n)
{
	struct pacc__conn *c = BIO_get_data(b);
	ssize_t r;

	BIO_clear_retry_flags(b);
	r = recv(c->fd, p, (size_t)n, 0);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_read(b);
		else
			snprintf(c->last_err, sizeof(c->last_err), "%s",
			    strerror(errno));
		return -1;
	}
	if (r > 0 && !c->first_rx_seen && c->state == CS_HANDSHAKE) {
		/* RFC 8446 §5.1: the server's first record is a handshake
		 * (22) or an alert (21); anything else is not TLS */
		c->first_rx_seen = true;
		if (p[0] != 22 && p[0] != 21) {
			c->plaintext_in_tls = true;
			keep_sample(c, p, (size_t)r);
		}
	}
	return (int)r;
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

/* ---- TLS ---- */

static void
copy_clean(char *dst, size_t cap, const char *src, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[o] = '\0';
}

static void
name_string(char *dst, size_t cap, const X509_NAME *name)
{
	BIO *m = BIO_new(BIO_s_mem());
	char *p;
	long n;

	dst[0] = '\0';
	if (m == NULL)
		return;
	if (X509_NAME_print_ex(m, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(m, &p)) > 0)
		copy_clean(dst, cap, p, (size_t)n);
	BIO_free(m);
}

static void
record_cert(struct pacc__conn *c, X509 *leaf)
{
	struct tm tm;

	name_string(c->tls.subject, sizeof(c->tls.subject),
	    X509_get_subject_name(leaf));
	name_string(c->tls.issuer, sizeof(c->tls.issuer),
	    X509_get_issuer_name(leaf));
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) == 1)
		strftime(c->tls.not_after, sizeof(c->tls.not_after),
		    "%Y-%m-%dT%H:%M:%SZ", &tm);
	c->tls.cert_seen = true;
}

/* Never changes OpenSSL's verdict: only notes what it saw, so that a
 * rejected certificate can still be described. */
static int
verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct pacc__conn *c = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *leaf;
	int err;

	if (c == NULL)
		return ok;
	if (!c->tls.cert_seen && (leaf = X509_STORE_CTX_get0_cert(x)) != NULL)
		record_cert(c, leaf);
	if (!ok && c->tls.verify_code == X509_V_OK) {
		err = X509_STORE_CTX_get_error(x);
		c->tls.verify_code = err;
		c->tls.verify_error = X509_verify_cert_error_string(err);
	}
	return ok;
}

/*
 * The system's trust anchors.  The hashed directory (Debian's
 * /etc/ssl/certs, or $SSL_CERT_DIR) is searched lazily, by issuer, at
 * verification time; parsing the whole bundle instead costs ~20 ms of CPU
 * per connection, on the loop.  The bundle file is read only when the user
 * names one ($SSL_CERT_FILE) or when there is no directory.
 */
static int
load_system_trust(SSL_CTX *sctx)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());
	int ok = 1;

	if (dir == NULL)
		dir = X509_get_default_cert_dir();
	if (SSL_CTX_set_default_verify_dir(sctx) != 1)
		ok = 0;
	if (getenv(X509_get_default_cert_file_env()) != NULL ||
	    access(dir, R_OK | X_OK) != 0)
		ok = SSL_CTX_set_default_verify_file(sctx);
	return ok == 1 ? PACC_OK : PACC_EIO;
}

static int
tls_setup(struct pacc__conn *c)
{
	STACK_OF(X509) *extra = c->ctx->ca_certs;
	X509_VERIFY_PARAM *param;
	X509_STORE *store;
	BIO *bio;

	ERR_clear_error();
	if ((c->sctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return PACC_ENOMEM;
	/* DESIGN §2: TLS 1.2 or newer; 1.3 where asked */
	if (SSL_CTX_set_min_proto_version(c->sctx,
		c->tls13 ? TLS1_3_VERSION : TLS1_2_VERSION) != 1)
		return PACC_EINTERNAL;
	SSL_CTX_set_options(c->sctx,
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(c->sctx, SSL_SESS_CACHE_OFF);
	if (load_system_trust(c->sctx) != PACC_OK)
		pacc__log(c->ctx, PACC_LOG_WARN,
		    "cannot load the system's trusted certificates");
	store = SSL_CTX_get_cert_store(c->sctx);
	for (int i = 0; extra && i < sk_X509_num(extra); i++)
		X509_STORE_add_cert(store, sk_X509_value(extra, i));
	SSL_CTX_set_verify(c->sctx, SSL_VERIFY_PEER, verify_cb);
	ERR_clear_error(); /* a duplicate CA is not an error */

	if ((c->ssl = SSL_new(c->sctx)) == NULL)
		return PACC_ENOMEM;
	SSL_set_app_data(c->ssl, c);
	SSL_set_mode(c->ssl,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
		SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	param = SSL_get0_param(c->ssl);
	/* RFC 9525 §6.3: wildcard only as the complete leftmost label;
	 * §6.4.4 (and §2): never the subject's CN */
	X509_VERIFY_PARAM_set_hostflags(param,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
		X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
	if (c->name_is_ip) {
		/* RFC 9525 §6.2: IP-ID; RFC 6066 §3: no SNI for literals */
		if (X509_VERIFY_PARAM_set1_ip_asc(param, c->tls.verify_name) !=
		    1)
			return PACC_EINVAL;
	} else {
		if (X509_VERIFY_PARAM_set1_host(param, c->tls.verify_name, 0) !=
			1 ||
		    SSL_set_tlsext_host_name(c->ssl, c->tls.verify_name) != 1)
			return PACC_EINVAL;
	}
	c->bmeth = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "pacc-socket");
	if (c->bmeth == NULL || BIO_meth_set_write(c->bmeth, bio_write) != 1 ||
	    BIO_meth_set_read(c->bmeth, bio_read) != 1 ||
	    BIO_meth_set_ctrl(c->bmeth, bio_ctrl) != 1)
		return PACC_ENOMEM;
	if ((bio = BIO_new(c->bmeth)) == NULL)
		return PACC_ENOMEM;
	BIO_set_data(bio, c);
	BIO_set_init(bio, 1);
	SSL_set_bio(c->ssl, bio, bio);
	SSL_set_connect_state(c->ssl);
	return PACC_OK;
}

static void
tls_begin(struct pacc__conn *c)
{
	int rc = tls_setup(c);

	if (rc != PACC_OK) {
		ERR_clear_error();
		conn_fail(c, "internal-error", "cannot set up TLS for %s: %s",
		    c->host, pacc_strerror(rc));
		return;
	}
	c->state = CS_HANDSHAKE;
	c->first_rx_seen = false;
	handshake(c);
}

static bool
version_reason(int reason)
{
	switch (reason) {
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
	case SSL_R_NO_PROTOCOLS_AVAILABLE:
	case SSL_R_VERSION_TOO_LOW:
	case SSL_R_WRONG_SSL_VERSION:
	case SSL_R_UNSUPPORTED_SSL_VERSION:
		return true;
	default:
		return false;
	}
}

static void
tls_fail(struct pacc__conn *c, int sslerr)
{
	unsigned long e = ERR_peek_error();
	int reason = e ? ERR_GET_REASON(e) : 0;
	const char *what = e ? ERR_reason_error_string(e) : NULL;
	char why[160];

	if (what == NULL)
		what = c->last_err[0] ? c->last_err : "connection closed";
	snprintf(why, sizeof(why), "%s", what);
	ERR_clear_error();
	if (c->plaintext_in_tls && c->upgrading) {
		/* the NO STARTTLS class: data where the handshake belongs */
		conn_fail(c, "starttls-injection",
		    "%s sent plaintext (\"%s\") after accepting STARTTLS, "
		    "where the TLS handshake should begin",
		    c->host, c->sample);
	} else if (c->plaintext_in_tls) {
		conn_fail(c, "tls-error",
		    "%s port %u answered in plaintext (\"%s\"), not TLS",
		    c->host, c->port, c->sample);
	} else if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED ||
	    c->tls.verify_code != X509_V_OK) {
		conn_fail(c, "cert-invalid",
		    "the certificate of %s is not valid for %s: %s", c->host,
		    c->tls.verify_name,
		    c->tls.verify_error ? c->tls.verify_error : why);
	} else if (version_reason(reason)) {
		conn_fail(c, "tls-version",
		    "%s port %u offers no TLS version this client accepts "
		    "(%s or newer): %s",
		    c->host, c->port, c->tls13 ? "TLS 1.3" : "TLS 1.2", why);
	} else if (sslerr == SSL_ERROR_SYSCALL ||
	    sslerr == SSL_ERROR_ZERO_RETURN ||
	    reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		conn_fail(c, "tls-error",
		    "%s closed the connection during the TLS handshake (%s)",
		    c->host, why);
	} else {
		conn_fail(c, "tls-error", "TLS handshake with %s failed: %s",
		    c->host, why);
	}
}

static void
handshake(struct pacc__conn *c)
{
	X509 *peer;
	int r, e;

	ERR_clear_error();
	r = SSL_connect(c->ssl);
	if (r != 1) {
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			c->hs_want = e == SSL_ERROR_WANT_READ ? PACC_POLL_IN
							      : PACC_POLL_OUT;
			update_watch(c);
			return;
		}
		tls_fail(c, e);
		return;
	}
	/* belt and braces: SSL_VERIFY_PEER already refused anything else */
	peer = SSL_get0_peer_certificate(c->ssl);
	if (peer == NULL || SSL_get_verify_result(c->ssl) != X509_V_OK) {
		conn_fail(c, "cert-invalid",
		    "%s presented no verifiable certificate", c->host);
		return;
	}
	if (!c->tls.cert_seen)
		record_cert(c, peer);
	c->tls.done = true;
	c->tls.verified = true;
	c->tls.verify_code = X509_V_OK;
	c->tls.verify_error = X509_verify_cert_error_string(X509_V_OK);
	c->tls.version = SSL_get_version(c->ssl);
	c->tls.cipher = SSL_get_cipher_name(c->ssl);
	pacc__log(c->ctx, PACC_LOG_DEBUG, "%s port %u: %s, %s, verified for %s",
	    c->host, c->port, c->tls.version, c->tls.cipher,
	    c->tls.verify_name);
	c->state = CS_OPEN;
	update_watch(c);
	if (!emit(c, c->upgrading ? PACC__CONN_TLS_UP : PACC__CONN_UP))
		return;
	pump(c);
}

/* ---- reading and writing ---- */

static void
out_consumed(struct pacc__conn *c, size_t n)
{
	size_t rest = c->outlen - n;

	memmove(c->out, c->out + n, rest);
	OPENSSL_cleanse(c->out + rest, n);
	c->outlen = rest;
}

static void
flush(struct pacc__conn *c)
{
	int n, r, e;
	ssize_t s;

	while (c->outlen > 0 && c->state == CS_OPEN) {
		if (c->ssl) {
			n = c->wretry
			    ? c->wretry
			    : (c->outlen > INT_MAX ? INT_MAX : (int)c->outlen);
			ERR_clear_error();
			r = SSL_write(c->ssl, c->out, n);
			if (r > 0) {
				c->wretry = 0;
				out_consumed(c, (size_t)r);
				continue;
			}
			e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_WRITE ||
			    e == SSL_ERROR_WANT_READ) {
				c->wretry = n;
				return;
			}
			ERR_clear_error();
			conn_fail(c, "io-error", "cannot send to %s: %s",
			    c->host,
			    c->last_err[0] ? c->last_err : "TLS error");
			return;
		}
		s = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
		if (s < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			conn_fail(c, "io-error", "cannot send to %s: %s",
			    c->host, strerror(errno));
			return;
		}
		out_consumed(c, (size_t)s);
	}
}

static void
closed(struct pacc__conn *c)
{
	conn_fail(c, "connection-closed", "%s closed the connection", c->host);
}

/* close_notify, or EOF without it: the peer went away.  Anything else
 * (a bad record MAC, an alert) is a TLS failure, not a goodbye. */
static void
read_error(struct pacc__conn *c, int sslerr)
{
	unsigned long e = ERR_peek_error();
	int reason = e ? ERR_GET_REASON(e) : 0;
	const char *what = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	if (what == NULL)
		what = c->last_err[0] ? c->last_err : "unknown";
	if (sslerr == SSL_ERROR_ZERO_RETURN ||
	    (sslerr == SSL_ERROR_SYSCALL && e == 0) ||
	    reason == SSL_R_UNEXPECTED_EOF_WHILE_READING)
		closed(c);
	else
		conn_fail(c, "tls-error", "TLS error reading from %s: %s",
		    c->host, what);
}

static void
read_some(struct pacc__conn *c)
{
	size_t room;
	ssize_t s;
	int r, e;

	c->read_wants_write = false;
	while (!c->dead && c->state == CS_OPEN && c->inlen < IN_CAP) {
		room = IN_CAP - c->inlen;
		if (c->ssl) {
			ERR_clear_error();
			r = SSL_read(c->ssl, c->in + c->inlen, (int)room);
			if (r <= 0) {
				e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ)
					return;
				if (e == SSL_ERROR_WANT_WRITE) {
					c->read_wants_write = true;
					return;
				}
				read_error(c, e);
				return;
			}
			s = r;
		} else {
			s = recv(c->fd, c->in + c->inlen, room, 0);
			if (s < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return;
				conn_fail(c, "io-error",
				    "cannot read from %s: %s", c->host,
				    strerror(errno));
				return;
			}
			if (s == 0) {
				closed(c);
				return;
			}
		}
		c->inlen += (size_t)s;
		if (!emit(c, PACC__CONN_DATA))
			return;
	}
}

static void
pump(struct pacc__conn *c)
{
	if (c->state != CS_OPEN)
		return;
	flush(c);
	if (c->dead || c->state != CS_OPEN)
		return;
	read_some(c);
	if (c->dead || c->state != CS_OPEN)
		return;
	update_watch(c);
}

/* ---- connecting ---- */

static void
addr_string(const struct sockaddr_storage *sa, char *buf, size_t len)
{
	const void *a = sa->ss_family == AF_INET6
	    ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
	    : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (inet_ntop(sa->ss_family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

static void
connected(struct pacc__conn *c)
{
	int one = 1;

	pacc__timer_disarm(c->ctx, &c->attempt);
	/* line protocols: small writes must leave at once */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	pacc__log(c->ctx, PACC_LOG_DEBUG, "connected to %s (%s) port %u",
	    c->host, c->peer, c->port);
	if (c->implicit_tls) {
		tls_begin(c);
		return;
	}
	c->state = CS_OPEN;
	update_watch(c);
	if (!emit(c, PACC__CONN_UP))
		return;
	pump(c);
}

static void
drop_socket(struct pacc__conn *c)
{
	if (c->fd < 0)
		return;
	pacc__watch_set(c->ctx, c->fd, 0, NULL, NULL);
	c->events = 0;
	close(c->fd);
	c->fd = -1;
}

static void
on_attempt_timeout(void *ud)
{
	struct pacc__conn *c = ud;

	enter(c);
	snprintf(c->last_err, sizeof(c->last_err),
	    "%s did not answer within %ld ms", c->peer,
	    (long)PACC__CONNECT_TIMEOUT_MS);
	drop_socket(c);
	try_next(c);
	leave(c);
}

static void
try_next(struct pacc__conn *c)
{
	long long left;
	socklen_t len;
	int fd;

	while (c->next < c->naddrs) {
		const struct sockaddr_storage *sa = &c->addrs[c->next++];

		addr_string(sa, c->peer, sizeof(c->peer));
		len = sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						: sizeof(struct sockaddr_in);
		fd = socket(sa->ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
		if (fd < 0) {
			snprintf(c->last_err, sizeof(c->last_err), "%s: %s",
			    c->peer, strerror(errno));
			continue;
		}
		if (connect(fd, (const struct sockaddr *)sa, len) == 0 ||
		    errno == EINPROGRESS) {
			c->fd = fd;
			c->state = CS_CONNECTING;
			left = c->deadline.deadline - pacc__now_ms();
			pacc__timer_arm(c->ctx, &c->attempt,
			    left < PACC__CONNECT_TIMEOUT_MS
				? (long)(left > 0 ? left : 0)
				: PACC__CONNECT_TIMEOUT_MS);
			update_watch(c);
			return;
		}
		snprintf(c->last_err, sizeof(c->last_err), "%s: %s", c->peer,
		    strerror(errno));
		pacc__log(c->ctx, PACC_LOG_DEBUG, "%s port %u: %s", c->host,
		    c->port, c->last_err);
		close(fd);
	}
	c->peer[0] = '\0';
	conn_fail(c, "connect-failed", "cannot connect to %s port %u (%s)",
	    c->host, c->port, c->last_err[0] ? c->last_err : "no address");
}

static void
connect_done(struct pacc__conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == EINPROGRESS)
		return;
	if (err != 0) {
		snprintf(c->last_err, sizeof(c->last_err), "%s: %s", c->peer,
		    strerror(err));
		pacc__log(c->ctx, PACC_LOG_DEBUG, "%s port %u: %s", c->host,
		    c->port, c->last_err);
		pacc__timer_disarm(c->ctx, &c->attempt);
		drop_socket(c);
		try_next(c);
		return;
	}
	connected(c);
}

static void
on_io(void *ud, int fd, int revents)
{
	struct pacc__conn *c = ud;

	(void)fd;
	enter(c);
	switch (c->state) {
	case CS_CONNECTING:
		if (revents)
			connect_done(c);
		break;
	case CS_HANDSHAKE:
		handshake(c);
		break;
	case CS_OPEN:
		pump(c);
		break;
	default:
		break;
	}
	leave(c);
}

static void
on_kick(void *ud)
{
	struct pacc__conn *c = ud;

	enter(c);
	switch (c->state) {
	case CS_READY:
		try_next(c);
		break;
	case CS_TLS_PENDING:
		tls_begin(c);
		break;
	case CS_OPEN:
		pump(c);
		break;
	default:
		break;
	}
	leave(c);
}

/* ---- resolving ---- */

static pacc_dnssec
worse(pacc_dnssec a, pacc_dnssec b)
{
	/* n/a < secure < insecure < bogus: enum order */
	return b > a ? b : a;
}

static void
addresses_known(struct pacc__conn *c)
{
	size_t i4 = 0, i6 = 0;

	if (c->addr_sec == PACC_DNSSEC_BOGUS) {
		conn_fail(c, "dnssec-bogus",
		    "the address of %s is DNSSEC-bogus: %s", c->host,
		    c->bogus_why[0] ? c->bogus_why : "validation failed");
		return;
	}
	/* alternate families, IPv6 first (RFC 8305 §4), one at a time */
	while ((i4 < c->n4 || i6 < c->n6) && c->naddrs < PACC__MAX_ADDRS) {
		if (i6 < c->n6)
			c->addrs[c->naddrs++] = c->a6[i6++];
		if (i4 < c->n4 && c->naddrs < PACC__MAX_ADDRS)
			c->addrs[c->naddrs++] = c->a4[i4++];
	}
	if (c->naddrs == 0) {
		if (c->dns_status != PACC_OK)
			conn_fail(c, "dns-error", "cannot resolve %s: %s",
			    c->host, pacc_strerror(c->dns_status));
		else
			conn_fail(c, "no-address", "%s has no address (%s)",
			    c->host,
			    c->dns_nx ? "NXDOMAIN" : "no A/AAAA records");
		return;
	}
	try_next(c);
}

static void
addr_answer(struct pacc__conn *c, int status, const struct pacc__dns_answer *a,
    int type)
{
	char tmp[INET6_ADDRSTRLEN];

	if (status != PACC_OK) {
		c->dns_status = status;
	} else {
		c->addr_sec = worse(c->addr_sec, a->sec);
		if (a->nxdomain)
			c->dns_nx = true;
		if (a->sec == PACC_DNSSEC_BOGUS && a->why)
			snprintf(c->bogus_why, sizeof(c->bogus_why), "%s",
			    a->why);
		for (size_t i = 0; i < a->n; i++) {
			struct sockaddr_storage ss;

			if (pacc__rr_addr(tmp, sizeof(tmp), type, a->data[i],
				(size_t)a->len[i]) != PACC_OK)
				continue;
			memset(&ss, 0, sizeof(ss));
			if (type == PACC__RR_AAAA && c->n6 < PACC__MAX_ADDRS) {
				struct sockaddr_in6 *s6 = (void *)&ss;

				s6->sin6_family = AF_INET6;
				s6->sin6_port = htons((unsigned short)c->port);
				if (inet_pton(AF_INET6, tmp, &s6->sin6_addr) ==
				    1)
					c->a6[c->n6++] = ss;
			} else if (type == PACC__RR_A &&
			    c->n4 < PACC__MAX_ADDRS) {
				struct sockaddr_in *s4 = (void *)&ss;

				s4->sin_family = AF_INET;
				s4->sin_port = htons((unsigned short)c->port);
				if (inet_pton(AF_INET, tmp, &s4->sin_addr) == 1)
					c->a4[c->n4++] = ss;
			}
		}
	}
	if (--c->dns_pending > 0)
		return;
	addresses_known(c);
}

static void
a_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct pacc__conn *c = ud;

	c->q4 = NULL;
	enter(c);
	addr_answer(c, status, a, PACC__RR_A);
	leave(c);
}

static void
aaaa_answer(void *ud, int status, const struct pacc__dns_answer *a)
{
	struct pacc__conn *c = ud;

	c->q6 = NULL;
	enter(c);
	addr_answer(c, status, a, PACC__RR_AAAA);
	leave(c);
}

/* ---- the interface ---- */

static bool
literal(const char *s, struct sockaddr_storage *ss, unsigned port)
{
	struct sockaddr_in *s4 = (void *)ss;
	struct sockaddr_in6 *s6 = (void *)ss;
	unsigned char bin[16];

	if (ss == NULL)
		return inet_pton(AF_INET, s, bin) == 1 ||
		    inet_pton(AF_INET6, s, bin) == 1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		return true;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		return true;
	}
	return false;
}

int
pacc__conn_start(struct pacc__conn **out, pacc_ctx *ctx,
    const struct pacc__conn_opts *o, pacc__conn_fn fn, void *ud)
{
	struct pacc__conn *c;
	const char *vn;
	bool lit;
	int rc;

	*out = NULL;
	if (o == NULL || o->host == NULL || fn == NULL || o->port == 0 ||
	    o->port > 65535 || strlen(o->host) >= sizeof(c->host))
		return PACC_EINVAL;
	lit = literal(o->host, NULL, 0);
	if (!lit && !pacc__hostname_valid(o->host))
		return PACC_EINVAL;
	vn = o->verify_name ? o->verify_name : o->host;
	if (strlen(vn) >= sizeof(c->tls.verify_name) ||
	    (!literal(vn, NULL, 0) && !pacc__hostname_valid(vn)))
		return PACC_EINVAL;
	c = pacc__calloc(1, sizeof(*c));
	if (c == NULL)
		return PACC_ENOMEM;
	c->ctx = ctx;
	c->fn = fn;
	c->ud = ud;
	c->fd = -1;
	c->port = o->port;
	c->implicit_tls = o->implicit_tls;
	c->tls13 = o->tls13;
	c->addr_sec = PACC_DNSSEC_NA;
	snprintf(c->host, sizeof(c->host), "%s", o->host);
	snprintf(c->tls.verify_name, sizeof(c->tls.verify_name), "%s", vn);
	c->name_is_ip = literal(vn, NULL, 0);
	pacc__timer_init(&c->deadline, on_deadline, c);
	pacc__timer_init(&c->attempt, on_attempt_timeout, c);
	pacc__timer_init(&c->kick, on_kick, c);
	pacc__timer_arm(ctx, &c->deadline,
	    o->timeout_ms > 0 ? o->timeout_ms : ctx->timeout_ms);
	if (lit) {
		/* an address literal needs no lookup */
		literal(o->host, &c->addrs[0], c->port);
		c->naddrs = 1;
		c->state = CS_READY;
		pacc__timer_arm(ctx, &c->kick, 0);
		*out = c;
		return PACC_OK;
	}
	c->state = CS_RESOLVING;
	c->dns_pending = 2;
	if ((rc = pacc__dns_query(&c->q4, ctx, c->host, PACC__RR_A, a_answer,
		 c)) != PACC_OK ||
	    (rc = pacc__dns_query(&c->q6, ctx, c->host, PACC__RR_AAAA,
		 aaaa_answer, c)) != PACC_OK) {
		conn_free(c);
		return rc;
	}
	*out = c;
	return PACC_OK;
}

int
pacc__conn_write(struct pacc__conn *c, const void *p, size_t n)
{
	if (c == NULL || c->dead ||
	    (c->state != CS_OPEN && c->state != CS_HANDSHAKE))
		return PACC_EINVAL;
	if (n > sizeof(c->out) - c->outlen)
		return PACC_ETOOBIG;
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	/* sent from the loop: never a callback from inside this call */
	if (c->state == CS_OPEN)
		update_watch(c);
	return PACC_OK;
}

const unsigned char *
pacc__conn_input(const struct pacc__conn *c, size_t *len)
{
	*len = c->inlen;
	return c->in;
}

void
pacc__conn_consume(struct pacc__conn *c, size_t n)
{
	if (n > c->inlen)
		n = c->inlen;
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
	if (c->paused && c->state == CS_OPEN)
		pacc__timer_arm(c->ctx, &c->kick, 0); /* resume reading */
}

int
pacc__conn_starttls(struct pacc__conn *c, size_t *discarded)
{
	unsigned char junk[4096];
	size_t n;
	ssize_t r;

	*discarded = 0;
	if (c == NULL || c->dead || c->state != CS_OPEN || c->ssl)
		return PACC_EINVAL;
	n = c->inlen;
	OPENSSL_cleanse(c->in, c->inlen);
	c->inlen = 0;
	/* The server may not speak before our ClientHello (RFC 8446 §4.1):
	 * whatever already waits in the socket was sent before TLS. */
	while (n < PACC__MAX_DRAIN_BYTES) {
		r = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	OPENSSL_cleanse(junk, sizeof(junk));
	*discarded = n;
	if (n > 0) {
		c->state = CS_HALTED;
		drop_socket(c);
		return PACC_EFORMAT;
	}
	c->upgrading = true;
	c->state = CS_TLS_PENDING;
	if (c->events) {
		pacc__watch_set(c->ctx, c->fd, 0, NULL, NULL);
		c->events = 0;
	}
	pacc__timer_arm(c->ctx, &c->kick, 0);
	return PACC_OK;
}

void
pacc__conn_set_timeout(struct pacc__conn *c, long ms)
{
	if (c == NULL || c->dead || c->state == CS_FAILED)
		return;
	pacc__timer_arm(c->ctx, &c->deadline, ms > 0 ? ms : 0);
}

long long
pacc__conn_deadline(const struct pacc__conn *c)
{
	return c->deadline.deadline;
}

const struct pacc__tls_info *
pacc__conn_tls(const struct pacc__conn *c)
{
	return &c->tls;
}

bool
pacc__conn_is_tls(const struct pacc__conn *c)
{
	return c->tls.done;
}

const char *
pacc__conn_error(const struct pacc__conn *c, const char **detail)
{
	if (detail)
		*detail = c->code ? c->detail : NULL;
	return c->code;
}

const char *
pacc__conn_peer(const struct pacc__conn *c)
{
	return c->peer;
}

pacc_dnssec
pacc__conn_addr_sec(const struct pacc__conn *c)
{
	return c->addr_sec;
}

int
pacc__conn_local_literal(const struct pacc__conn *c, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN];

	if (c->fd < 0 || getsockname(c->fd, (struct sockaddr *)&ss, &sl) != 0)
		return PACC_EIO;
	addr_string(&ss, a, sizeof(a));
	/* RFC 5321 §4.1.3: address-literal */
	if ((size_t)snprintf(buf, len,
		ss.ss_family == AF_INET6 ? "[IPv6:%s]" : "[%s]", a) >= len)
		return PACC_ETOOBIG;
	return PACC_OK;
}

void
pacc__conn_close(struct pacc__conn *c)
{
	if (c == NULL || c->dead)
		return;
	if (c->ssl && c->state == CS_OPEN) {
		/* close_notify, best effort: never waits */
		ERR_clear_error();
		SSL_shutdown(c->ssl);
		ERR_clear_error();
	}
	teardown(c);
	c->dead = true;
	if (c->busy == 0)
		conn_free(c);
}

/* The verified session's OpenSSL object, for channel binding (RFC 9266
 * tls-exporter, RFC 5929 tls-unique); NULL before a verified handshake. */
struct ssl_st *
pacc__conn_ssl(const struct pacc__conn *c)
{
	if (c == NULL || c->dead || c->state != CS_OPEN || !c->tls.done)
		return NULL;
	return c->ssl;
}
