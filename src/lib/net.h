/* SPDX-License-Identifier: MIT */
/*
 * The mail connection engine, in three layers plus its parsers:
 *
 *   probe.c      one server: greeting, capabilities, STARTTLS, logout
 *     |            (or a caller's step on the live connection: SASL later)
 *   lineproto.c  one shared line engine for IMAP, POP3, SMTP, ManageSieve:
 *     |            bounded lines and responses, CRLF framing, STARTTLS
 *   tls.c        one non-blocking TCP connection (our resolver, each
 *                  address in turn) with an OpenSSL client on top
 *   fmt_caps.c   pure parsers: response framing and capability lists
 *
 * Everything runs on the context's loop surface (pacc__watch_set and
 * pacc__timer_*): no call here blocks and no callback is ever made from
 * the call that started the work; callbacks come from the loop only.
 *
 * Findings (no STARTTLS, bad certificate, injected bytes) are stable
 * kebab-case codes with a sentence, never pacc_status values:
 *
 *   dns-error  no-address  dnssec-bogus      the host name did not resolve
 *   connect-failed                           no address accepted TCP
 *   timeout                                  the deadline passed
 *   tls-version                              no common TLS version >= 1.2
 *   cert-invalid                             certificate not valid for
 *                                              the name (RFC 9525)
 *   tls-error                                any other handshake failure,
 *                                              plaintext on a TLS port
 *   connection-closed  io-error              the peer went away
 *   line-too-long  too-large                 bounded lines / responses
 *   protocol-error                           a response we cannot frame
 *   greeting                                 refused or malformed greeting
 *   starttls-unavailable                     STARTTLS/STLS not offered
 *   starttls-refused                         offered, then refused
 *   starttls-injection                       bytes before the handshake
 *   internal-error                           out of memory and the like
 */
#ifndef PACC_NET_H
#define PACC_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

/*
 * Limits (DESIGN §2 "bounded everything").  A line is capped well above
 * RFC 5321 §4.5.3.1.5 (512 octets) and RFC 7162 §4 (8192 for commands).
 */
#define PACC__MAX_LINE_BYTES 8192	     /* one response line, w/o CRLF */
#define PACC__MAX_RESPONSE_BYTES (64 * 1024) /* one whole response */
#define PACC__MAX_RESPONSE_LINES 512	     /* lines of one response */
#define PACC__MAX_CAPS 128		     /* capabilities kept */
#define PACC__MAX_CAP_BYTES 512		     /* one capability item */
#define PACC__MAX_SASL 32		     /* SASL mechanisms kept */
#define PACC__MAX_OUT_BYTES (16 * 1024)	     /* queued output */
#define PACC__LOGOUT_TIMEOUT_MS 2000L	     /* polite goodbye, at most */
#define PACC__MAX_DRAIN_BYTES (64 * 1024)    /* pre-TLS bytes inspected */

/* ================= fmt_caps.c: pure, bytes in, struct out ============== */

/* One line of a response, CR LF removed; p is NUL-terminated. */
struct pacc__line {
	const char *p;
	size_t len;
};

/*
 * The next line of a byte stream from a server (lineproto.c):
 * PACC__LINE_OK: *len bytes of line (CR LF or LF removed), *used bytes
 * to consume with its LF; PACC__LINE_MORE: no LF yet; PACC__LINE_TOO_LONG:
 * a line beyond PACC__MAX_LINE_BYTES; PACC__LINE_NUL: the line holds a NUL.
 */
#define PACC__LINE_OK 0
#define PACC__LINE_MORE 1
#define PACC__LINE_TOO_LONG 2
#define PACC__LINE_NUL 3
int pacc__line_split(const unsigned char *in, size_t n, size_t *len,
    size_t *used);

/* How a response ends. */
enum pacc__frame {
	PACC__FRAME_SMTP = 1,	       /* "ddd-" continues, "ddd " ends */
	PACC__FRAME_POP3 = 2,	       /* one line: +OK, -ERR, "+ " (SASL) */
	PACC__FRAME_POP3_MULTI = 3,    /* +OK, lines, "." (RFC 1939 §3) */
	PACC__FRAME_IMAP = 4,	       /* "* ..." lines, then "<tag> ..." or
					 "+ ..." (continuation) */
	PACC__FRAME_IMAP_GREETING = 5, /* one "* OK|PREAUTH|BYE" line */
	PACC__FRAME_SIEVE = 6,	       /* data lines, then OK|NO|BYE */
	PACC__FRAME_SIEVE_AUTH = 7     /* as SIEVE, but a string line is a
					 SASL challenge (RFC 5804 §2.1) */
};

/* What the final line of a response says. */
enum pacc__resp_status {
	PACC__ST_NONE = 0,
	PACC__ST_OK = 1,      /* IMAP/Sieve OK, POP3 +OK, SMTP 2xx */
	PACC__ST_NO = 2,      /* IMAP/Sieve NO, POP3 -ERR, SMTP 4xx/5xx */
	PACC__ST_BAD = 3,     /* IMAP BAD */
	PACC__ST_BYE = 4,     /* IMAP/Sieve BYE */
	PACC__ST_PREAUTH = 5, /* IMAP PREAUTH greeting */
	PACC__ST_CONT = 6     /* continuation: IMAP/POP3 "+", SMTP 3xx,
				 Sieve string (SIEVE_AUTH) */
};

#define PACC__FRAME_MORE 0
#define PACC__FRAME_DONE 1
#define PACC__FRAME_ERROR (-1)

/* Response framing state, fed one line at a time. */
struct pacc__framer {
	enum pacc__frame frame;
	char tag[16];  /* IMAP tag of the command, "" when none */
	size_t nlines; /* lines seen so far */
	bool in_body;  /* POP3 multi-line: after +OK */
	bool bye;      /* IMAP: an untagged BYE was seen */
	int code;      /* SMTP reply code (first line), else 0 */
	enum pacc__resp_status status; /* when done */
};

/* tag may be NULL; longer than 15 bytes is PACC_EINVAL. */
int pacc__frame_init(struct pacc__framer *f, enum pacc__frame frame,
    const char *tag);
/*
 * Feed the next line (no CR LF).  PACC__FRAME_MORE: the response goes on;
 * PACC__FRAME_DONE: that line ended it (f->status, f->code);
 * PACC__FRAME_ERROR: not a valid line here (*why: static sentence).
 */
int pacc__frame_line(struct pacc__framer *f, const char *line, size_t len,
    const char **why);

/* Capabilities as a server announced them. */
struct pacc__caps {
	char **items; /* as sent (printable ASCII), in order, unique */
	size_t nitems;
	char **sasl; /* SASL mechanism names (RFC 4422 §3.1), upper
			   case, in order, unique */
	size_t nsasl;
	bool starttls;	     /* STARTTLS (IMAP/SMTP/Sieve), STLS (POP3) */
	bool login_disabled; /* IMAP LOGINDISABLED (RFC 9051 §6.2.3) */
	bool truncated;	     /* items or mechanisms beyond the caps */
};

void pacc__caps_clear(struct pacc__caps *c);
bool pacc__caps_has(const struct pacc__caps *c, const char *item);
bool pacc__caps_has_sasl(const struct pacc__caps *c, const char *mech);

/*
 * Each parser adds to *c.  PACC_OK, PACC_ENOTFOUND (IMAP: this line holds
 * no capability list), PACC_EFORMAT (malformed), PACC_ENOMEM.  Hostile
 * input is skipped item by item: an invalid token is ignored, never kept.
 */
/* IMAP: "* CAPABILITY ..." or a "[CAPABILITY ...]" response code after
 * "* OK", "* PREAUTH" or "<tag> OK" (RFC 9051 §7.1, §7.2.2). */
int pacc__caps_imap(struct pacc__caps *c, const char *line, size_t len);
/* SMTP: the lines of a 250 EHLO reply, the first (domain) included
 * (RFC 5321 §4.1.1.1; AUTH per RFC 4954 §3, also the old "AUTH="). */
int pacc__caps_smtp(struct pacc__caps *c, const struct pacc__line *lines,
    size_t n);
/* POP3: the lines of a CAPA reply, "+OK" and "." included (RFC 2449 §5,
 * SASL per RFC 5034 §3, STLS per RFC 2595 §4). */
int pacc__caps_pop3(struct pacc__caps *c, const struct pacc__line *lines,
    size_t n);
/* ManageSieve: capability lines ("NAME" ["value"]) up to the OK line
 * (RFC 5804 §1.7). */
int pacc__caps_sieve(struct pacc__caps *c, const struct pacc__line *lines,
    size_t n);

/* ================= tls.c: one connection =============================== */

struct pacc__conn;

/* What the TLS layer learnt; strings are "" until known. */
struct pacc__tls_info {
	bool done;	     /* a handshake completed (and verified) */
	bool cert_seen;	     /* subject/issuer/not_after are filled */
	const char *version; /* "TLSv1.3" (OpenSSL's static), or NULL */
	const char *cipher;  /* OpenSSL's static name, or NULL */
	char subject[256];   /* leaf certificate, RFC 2253 */
	char issuer[256];
	char not_after[32];	  /* "2027-01-31T12:00:00Z" */
	bool verified;		  /* chain and name verified */
	long verify_code;	  /* X509_V_OK (0) or X509_V_ERR_* */
	const char *verify_error; /* X509_verify_cert_error_string() */
	char verify_name[256];	  /* the name the certificate must match */
};

struct pacc__conn_opts {
	const char *host; /* host name (A-label) or address literal */
	unsigned port;
	/* The name the certificate must carry (RFC 9525 DNS-ID, or IP-ID
	 * for an address literal); NULL = host.  A caller that got the
	 * address elsewhere passes it as host and the name here. */
	const char *verify_name;
	bool implicit_tls; /* handshake as soon as TCP is up */
	bool tls13;	   /* TLS 1.3 minimum (default: 1.2) */
	long timeout_ms;   /* deadline for everything, from now */
};

enum pacc__conn_event {
	PACC__CONN_UP = 1,     /* connected (TLS verified when implicit) */
	PACC__CONN_TLS_UP = 2, /* STARTTLS handshake done and verified */
	PACC__CONN_DATA = 3,   /* new bytes in pacc__conn_input() */
	PACC__CONN_FAIL = 4    /* pacc__conn_error() says why; dead */
};

typedef void (
    *pacc__conn_fn)(void *ud, struct pacc__conn *c, enum pacc__conn_event ev);

/* PACC_EINVAL for a bad host, name or port. */
int pacc__conn_start(struct pacc__conn **out, pacc_ctx *ctx,
    const struct pacc__conn_opts *o, pacc__conn_fn fn, void *ud);
/* Queue bytes for sending; they are wiped from memory once written. */
int pacc__conn_write(struct pacc__conn *c, const void *p, size_t n);
/* Unread input (borrowed until the next call into the connection). */
const unsigned char *pacc__conn_input(const struct pacc__conn *c, size_t *len);
void pacc__conn_consume(struct pacc__conn *c, size_t n);
/*
 * Start TLS on an open plaintext connection.  Every byte received before
 * the handshake (buffered, or already waiting in the socket) is wiped and
 * counted in *discarded (RFC 3207 §4.2, RFC 2595 §3.1: such bytes must
 * not be read as protected).  When some were, the handshake is not
 * started and PACC_EFORMAT is returned: close the connection.
 */
int pacc__conn_starttls(struct pacc__conn *c, size_t *discarded);
/* Re-arm the deadline: ms from now. */
void pacc__conn_set_timeout(struct pacc__conn *c, long ms);
long long pacc__conn_deadline(const struct pacc__conn *c);
const struct pacc__tls_info *pacc__conn_tls(const struct pacc__conn *c);
/* The verified session's OpenSSL object (channel binding: RFC 9266
 * tls-exporter, RFC 5929 tls-unique), borrowed; NULL before a verified
 * handshake. */
struct ssl_st;
struct ssl_st *pacc__conn_ssl(const struct pacc__conn *c);
bool pacc__conn_is_tls(const struct pacc__conn *c);
/* Failure code and sentence, or NULL while none. */
const char *pacc__conn_error(const struct pacc__conn *c, const char **detail);
/* Address connected to ("192.0.2.1"), "" before. */
const char *pacc__conn_peer(const struct pacc__conn *c);
/* Worst DNSSEC state of the address lookups (NA for a literal). */
pacc_dnssec pacc__conn_addr_sec(const struct pacc__conn *c);
/* SMTP EHLO argument for our end: "[192.0.2.1]" or "[IPv6:...]"
 * (RFC 5321 §4.1.3). */
int pacc__conn_local_literal(const struct pacc__conn *c, char *buf, size_t len);
/* Close (TLS close_notify best effort) and free; safe from callbacks. */
void pacc__conn_close(struct pacc__conn *c);

/* ================= lineproto.c: the shared line engine ================= */

struct pacc__lp;

/* A complete response, borrowed for the duration of the callback. */
struct pacc__resp {
	enum pacc__resp_status status;
	int code;			/* SMTP reply code, else 0 */
	const struct pacc__line *lines; /* every line, last = status */
	size_t nlines;
};

enum pacc__lp_event {
	PACC__LP_UP = 1,     /* connected (and TLS verified if implicit) */
	PACC__LP_TLS_UP = 2, /* STARTTLS done: capabilities must be re-read */
	PACC__LP_FAIL = 3    /* pacc__lp_error() says why; the engine is
				dead, only pacc__lp_free() remains */
};

typedef void (
    *pacc__lp_event_fn)(void *ud, struct pacc__lp *lp, enum pacc__lp_event ev);
typedef void (*pacc__lp_resp_fn)(void *ud, struct pacc__lp *lp,
    const struct pacc__resp *r);

int pacc__lp_start(struct pacc__lp **out, pacc_ctx *ctx,
    const struct pacc__conn_opts *o, pacc__lp_event_fn fn, void *ud);
/*
 * Read the next response with this framing; fn gets it from the loop
 * (never from this call).  One expectation at a time: PACC_EINVAL while
 * one is pending.
 */
int pacc__lp_expect(struct pacc__lp *lp, enum pacc__frame frame,
    const char *tag, pacc__lp_resp_fn fn, void *ud);
/* Send one command line (CR LF appended; PACC_EINVAL when the text holds
 * CR, LF or NUL), then expect its response. */
int pacc__lp_command(struct pacc__lp *lp, enum pacc__frame frame,
    const char *tag, pacc__lp_resp_fn fn, void *ud, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Send raw bytes (a SASL response line: wiped once written). */
int pacc__lp_send(struct pacc__lp *lp, const void *p, size_t n);
/*
 * Call from the callback of the server's "go ahead" (IMAP OK, SMTP 220,
 * POP3 +OK, Sieve OK): every byte after that response is discarded; when
 * there were any, the engine fails with starttls-injection; else the
 * handshake runs and PACC__LP_TLS_UP follows.
 */
int pacc__lp_starttls(struct pacc__lp *lp);
void pacc__lp_set_timeout(struct pacc__lp *lp, long ms);
struct pacc__conn *pacc__lp_conn(struct pacc__lp *lp);
const char *pacc__lp_error(const struct pacc__lp *lp, const char **detail);
/* Closes the connection; safe from any callback of this engine. */
void pacc__lp_free(struct pacc__lp *lp);

/* ================= probe.c: one server ================================ */

struct pacc__probe;

struct pacc__probe_result {
	bool ok;	    /* verified TLS, greeting, capabilities (and the
			       step, when there was one, succeeded) */
	const char *code;   /* NULL when ok, else a code listed above or the
			       step's own */
	const char *detail; /* a sentence; never NULL */
	pacc_protocol proto;
	pacc_tls_mode tls;
	const char *host;
	unsigned port;
	const char *verify_name;
	const char *peer;     /* address connected to, "" when none */
	pacc_dnssec addr_sec; /* of the address lookups */
	const struct pacc__tls_info *tls_info; /* tls_info->done: TLS up */
	const char *greeting; /* first greeting line, printable, or NULL */
	const struct pacc__caps *caps;
	bool caps_over_tls; /* caps came over verified TLS (else they are
			       the plaintext ones, for diagnostics only) */
	bool starttls_offered;
	long elapsed_ms;
};

/* Done: r is borrowed; the probe is released when this returns. */
typedef void (*pacc__probe_cb)(void *ud, const struct pacc__probe_result *r);
/*
 * The caller's step on the live, verified connection (a later `pacc login`
 * authenticates here): called once the capabilities are read over TLS,
 * with the partial result.  The step drives lp (pacc__lp_command ...) and
 * ends with pacc__probe_resume(); if the connection fails meanwhile, the
 * probe's callback reports it and the step's pending response never comes.
 */
typedef void (*pacc__probe_step_fn)(void *ud, struct pacc__probe *p,
    struct pacc__lp *lp, const struct pacc__probe_result *r);

#define PACC__PROBE_GREETING_ONLY                                              \
	0x1u /* guess: stop after verified TLS
					  and the greeting (STARTTLS mode
					  still reads capabilities once) */

struct pacc__probe_opts {
	const char *host;	 /* name or address literal */
	unsigned port;		 /* 0: the protocol's port for the mode */
	pacc_protocol proto;	 /* IMAP, POP3, SMTP, MANAGESIEVE */
	pacc_tls_mode tls;	 /* IMPLICIT or STARTTLS (NONE: EINVAL) */
	const char *verify_name; /* see pacc__conn_opts */
	bool tls13;
	long timeout_ms;	  /* whole probe; 0 = the context's default */
	const char *ehlo_name;	  /* SMTP; NULL = our address literal */
	unsigned flags;		  /* PACC__PROBE_* */
	pacc__probe_step_fn step; /* NULL: log out after capabilities */
	void *step_ud;
};

int pacc__probe_start(struct pacc__probe **out, pacc_ctx *ctx,
    const struct pacc__probe_opts *o, pacc__probe_cb cb, void *ud);
/* End of the step: code NULL = success, else a stable code and sentence.
 * The probe logs out politely, then reports. */
void pacc__probe_resume(struct pacc__probe *p, const char *code,
    const char *detail);
/* Next IMAP tag of this connection ("P4"), for the step's commands. */
const char *pacc__probe_next_tag(struct pacc__probe *p);
/* Stop before the callback; the callback is not called.  Not from inside
 * the probe's own callback (the probe is released after it anyway). */
void pacc__probe_cancel(struct pacc__probe *p);

/* Default port of a mail protocol in a TLS mode (RFC 8314 §7, RFC 6409,
 * RFC 5804): 993/143, 995/110, 465/587, 4190/4190; 0 when none. */
unsigned pacc__probe_default_port(pacc_protocol proto, pacc_tls_mode tls);

#endif
