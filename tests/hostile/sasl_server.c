/* SPDX-License-Identifier: MIT */
/*
 * A small IMAP server on GNU SASL's server side, for testing SCRAM with
 * channel binding (Dovecot 2.3 has none): implicit TLS (OpenSSL), one
 * connection at a time, CAPABILITY / AUTHENTICATE (SASL-IR) / LOGOUT.
 *
 * usage: sasl_server --cert FILE --key FILE --user NAME --password PW
 *                    [--addr 127.0.0.1] [--port 0] [--tls12]
 *                    [--mechs "SCRAM-SHA-256-PLUS SCRAM-SHA-256 PLAIN"]
 *                    [--wrong-cb] [--bad-final] [--skip-final]
 *                    [--record FILE]
 *
 * Prints the port it listens on, then "READY", and serves until killed.
 * --tls12 caps TLS at 1.2 (then tls-unique is the binding); --wrong-cb
 * uses channel binding data that differs from the session's (a
 * man-in-the-middle's view: -PLUS must then fail); --bad-final sends a
 * SCRAM server-final message with a signature that proves nothing (the
 * client must abort); --skip-final accepts without sending it (RFC 5802
 * §3: the client learns nothing about the server).  --record appends one
 * line per event: "tls TLSv1.3", "authenticate MECH", "cb tls-exporter"
 * (the binding type the client asked for), "auth-ok USER", "auth-fail
 * MECH: reason", and every other received command line but AUTHENTICATE
 * continuation data.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gsasl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define LINE_MAX_BYTES 16384

static const char *opt_user, *opt_password, *opt_record;
static int opt_wrong_cb, opt_bad_final, opt_skip_final;

struct conn {
	SSL *ssl;
	char buf[LINE_MAX_BYTES];
	size_t len;
	const char *cb_asked;
};

static void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
record(const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	if (opt_record == NULL || (f = fopen(opt_record, "a")) == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static int
send_str(struct conn *c, const char *s)
{
	size_t n = strlen(s);

	return SSL_write(c->ssl, s, (int)n) == (int)n ? 0 : -1;
}

/* One line without CR LF into out (NUL-terminated); -1 on EOF/error. */
static int
read_line(struct conn *c, char *out, size_t cap)
{
	char *lf;
	int r;

	for (;;) {
		lf = memchr(c->buf, '\n', c->len);
		if (lf != NULL) {
			size_t n = (size_t)(lf - c->buf), take = n;

			if (take > 0 && c->buf[take - 1] == '\r')
				take--;
			if (take >= cap)
				return -1;
			memcpy(out, c->buf, take);
			out[take] = '\0';
			memmove(c->buf, lf + 1, c->len - n - 1);
			c->len -= n + 1;
			return 0;
		}
		if (c->len == sizeof(c->buf))
			return -1;
		r = SSL_read(c->ssl, c->buf + c->len,
		    (int)(sizeof(c->buf) - c->len));
		if (r <= 0)
			return -1;
		c->len += (size_t)r;
	}
}

/* Base64 channel binding data of this (server) end of the session. */
static char *
binding(struct conn *c, Gsasl_property prop)
{
	unsigned char b[64];
	size_t n = 0;
	char *out = NULL;

	if (prop == GSASL_CB_TLS_EXPORTER) {
		/* RFC 9266 §2 */
		if (SSL_export_keying_material(c->ssl, b, 32,
			"EXPORTER-Channel-Binding", 24, NULL, 0, 0) != 1)
			return NULL;
		n = 32;
	} else {
		/* RFC 5929 §3.1: the first Finished = the client's */
		n = SSL_session_reused(c->ssl)
		    ? SSL_get_finished(c->ssl, b, sizeof(b))
		    : SSL_get_peer_finished(c->ssl, b, sizeof(b));
		if (n == 0 || n > sizeof(b))
			return NULL;
	}
	if (opt_wrong_cb)
		b[0] ^= 0x5a;
	if (gsasl_base64_to((char *)b, n, &out, NULL) != GSASL_OK)
		return NULL;
	return out;
}

static int
callback(Gsasl *ctx, Gsasl_session *s, Gsasl_property prop)
{
	struct conn *c = gsasl_session_hook_get(s);
	const char *authid = gsasl_property_fast(s, GSASL_AUTHID);
	const char *pw;
	char *cb;

	(void)ctx;
	switch (prop) {
	case GSASL_PASSWORD:
		if (authid && strcmp(authid, opt_user) == 0) {
			gsasl_property_set(s, GSASL_PASSWORD, opt_password);
			return GSASL_OK;
		}
		return GSASL_NO_CALLBACK;
	case GSASL_VALIDATE_SIMPLE:
		pw = gsasl_property_fast(s, GSASL_PASSWORD);
		return authid && pw && strcmp(authid, opt_user) == 0 &&
			strcmp(pw, opt_password) == 0
		    ? GSASL_OK
		    : GSASL_AUTHENTICATION_ERROR;
	case GSASL_CB_TLS_EXPORTER:
	case GSASL_CB_TLS_UNIQUE:
		c->cb_asked = prop == GSASL_CB_TLS_EXPORTER ? "tls-exporter"
							    : "tls-unique";
		record("cb %s", c->cb_asked);
		if ((cb = binding(c, prop)) == NULL)
			return GSASL_NO_CALLBACK;
		gsasl_property_set(s, prop, cb);
		gsasl_free(cb);
		return GSASL_OK;
	default:
		return GSASL_NO_CALLBACK;
	}
}

static void
caps(char *out, size_t cap, const char *mechs)
{
	char m[512];
	size_t o = 0;
	const char *p = mechs;

	m[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, " ");

		if (n > 0 && o + n + 7 < sizeof(m))
			o += (size_t)snprintf(m + o, sizeof(m) - o,
			    " AUTH=%.*s", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
	snprintf(out, cap, "IMAP4rev1 SASL-IR%s", m);
}

static void
authenticate(struct conn *c, Gsasl *g, const char *tag, char *args,
    const char *mechs)
{
	char line[LINE_MAX_BYTES], reply[LINE_MAX_BYTES + 64];
	char *mech = args, *ir = strchr(args, ' '), *out = NULL;
	const char *in;
	Gsasl_session *s = NULL;
	int rc;

	if (ir)
		*ir++ = '\0';
	record("authenticate %s", mech);
	if (strstr(mechs, mech) == NULL ||
	    gsasl_server_start(g, mech, &s) != GSASL_OK) {
		snprintf(reply, sizeof(reply),
		    "%s NO [CANNOT] unsupported mechanism\r\n", tag);
		send_str(c, reply);
		return;
	}
	gsasl_session_hook_set(s, c);
	c->cb_asked = NULL;
	if (ir != NULL) {
		in = strcmp(ir, "=") == 0 ? "" : ir;
	} else {
		if (send_str(c, "+ \r\n") != 0 ||
		    read_line(c, line, sizeof(line)) != 0)
			goto out;
		in = line;
	}
	for (;;) {
		if (strcmp(in, "*") == 0) {
			snprintf(reply, sizeof(reply), "%s BAD cancelled\r\n",
			    tag);
			record("auth-fail %s: cancelled by the client", mech);
			send_str(c, reply);
			goto out;
		}
		rc = gsasl_step64(s, in, &out);
		if (rc == GSASL_NEEDS_MORE) {
			snprintf(reply, sizeof(reply), "+ %s\r\n", out);
			gsasl_free(out);
			out = NULL;
			if (send_str(c, reply) != 0 ||
			    read_line(c, line, sizeof(line)) != 0)
				goto out;
			in = line;
			continue;
		}
		if (rc != GSASL_OK) {
			record("auth-fail %s: %s", mech, gsasl_strerror(rc));
			snprintf(reply, sizeof(reply),
			    "%s NO [AUTHENTICATIONFAILED] Authentication "
			    "failed\r\n",
			    tag);
			send_str(c, reply);
			goto out;
		}
		/* success; SCRAM's server-final goes in a continuation */
		if (out && *out && opt_bad_final) {
			/* a server-final whose signature proves nothing */
			static const char v[] =
			    "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

			gsasl_free(out);
			out = NULL;
			if (gsasl_base64_to(v, sizeof(v) - 1, &out, NULL) !=
			    GSASL_OK)
				goto out;
			record("final tampered");
		}
		if (out && *out && opt_skip_final)
			record("final skipped");
		else if (out && *out) {
			snprintf(reply, sizeof(reply), "+ %s\r\n", out);
			if (send_str(c, reply) != 0 ||
			    read_line(c, line, sizeof(line)) != 0)
				goto out;
			if (line[0] != '\0') {
				snprintf(reply, sizeof(reply),
				    "%s BAD expected an empty response\r\n",
				    tag);
				send_str(c, reply);
				goto out;
			}
		}
		record("auth-ok %s %s cb=%s",
		    gsasl_property_fast(s, GSASL_AUTHID), mech,
		    c->cb_asked ? c->cb_asked : "none");
		snprintf(reply, sizeof(reply),
		    "%s OK [CAPABILITY IMAP4rev1] Logged in with %s%s%s\r\n",
		    tag, mech, c->cb_asked ? " bound to " : "",
		    c->cb_asked ? c->cb_asked : "");
		send_str(c, reply);
		goto out;
	}
out:
	gsasl_free(out);
	gsasl_finish(s);
}

static void
serve(SSL_CTX *sctx, int fd, Gsasl *g, const char *mechs)
{
	char line[LINE_MAX_BYTES], reply[LINE_MAX_BYTES + 700], cap[600];
	struct conn c;
	struct timeval tv = { 10, 0 };

	memset(&c, 0, sizeof(c));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((c.ssl = SSL_new(sctx)) == NULL)
		return;
	SSL_set_fd(c.ssl, fd);
	if (SSL_accept(c.ssl) != 1) {
		record("tls-failed");
		goto out;
	}
	record("tls %s", SSL_get_version(c.ssl));
	caps(cap, sizeof(cap), mechs);
	snprintf(reply, sizeof(reply), "* OK [CAPABILITY %s] sasl_server\r\n",
	    cap);
	if (send_str(&c, reply) != 0)
		goto out;
	while (read_line(&c, line, sizeof(line)) == 0) {
		char *sp = strchr(line, ' '), *cmd, *args;

		if (sp == NULL)
			break;
		*sp = '\0';
		cmd = sp + 1;
		args = strchr(cmd, ' ');
		if (args)
			*args++ = '\0';
		if (strcasecmp(cmd, "AUTHENTICATE") == 0 && args) {
			authenticate(&c, g, line, args, mechs);
			continue;
		}
		record("%s %s", cmd, args ? args : "");
		if (strcasecmp(cmd, "CAPABILITY") == 0) {
			snprintf(reply, sizeof(reply),
			    "* CAPABILITY %s\r\n%s OK done\r\n", cap, line);
		} else if (strcasecmp(cmd, "LOGOUT") == 0) {
			snprintf(reply, sizeof(reply),
			    "* BYE bye\r\n%s OK done\r\n", line);
			send_str(&c, reply);
			break;
		} else {
			snprintf(reply, sizeof(reply),
			    "%s BAD unknown command\r\n", line);
		}
		if (send_str(&c, reply) != 0)
			break;
	}
	SSL_shutdown(c.ssl);
out:
	SSL_free(c.ssl);
}

int
main(int argc, char **argv)
{
	const char *cert = NULL, *key = NULL, *addr = "127.0.0.1";
	const char *mechs = "SCRAM-SHA-256-PLUS SCRAM-SHA-256";
	int port = 0, tls12 = 0, ls, one = 1;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	SSL_CTX *sctx;
	Gsasl *g;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--tls12") == 0) {
			tls12 = 1;
			continue;
		}
		if (strcmp(a, "--wrong-cb") == 0) {
			opt_wrong_cb = 1;
			continue;
		}
		if (strcmp(a, "--bad-final") == 0) {
			opt_bad_final = 1;
			continue;
		}
		if (strcmp(a, "--skip-final") == 0) {
			opt_skip_final = 1;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "sasl_server: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (strcmp(a, "--cert") == 0)
			cert = v;
		else if (strcmp(a, "--key") == 0)
			key = v;
		else if (strcmp(a, "--user") == 0)
			opt_user = v;
		else if (strcmp(a, "--password") == 0)
			opt_password = v;
		else if (strcmp(a, "--addr") == 0)
			addr = v;
		else if (strcmp(a, "--port") == 0)
			port = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "--mechs") == 0)
			mechs = v;
		else if (strcmp(a, "--record") == 0)
			opt_record = v;
		else {
			fprintf(stderr, "sasl_server: unknown option %s\n", a);
			return 2;
		}
	}
	if (!cert || !key || !opt_user || !opt_password) {
		fprintf(stderr,
		    "usage: sasl_server --cert F --key F --user U "
		    "--password P [--addr A] [--port N] [--tls12] "
		    "[--mechs LIST] [--wrong-cb] [--bad-final] "
		    "[--skip-final] [--record F]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (gsasl_init(&g) != GSASL_OK)
		return 1;
	gsasl_callback_set(g, callback);
	sctx = SSL_CTX_new(TLS_server_method());
	if (sctx == NULL ||
	    !SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION) ||
	    (tls12 && !SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION)) ||
	    SSL_CTX_use_certificate_chain_file(sctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	ls = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (ls < 0 || inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(ls, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(ls, 16) != 0 ||
	    getsockname(ls, (struct sockaddr *)&sin, &sl) != 0) {
		perror("sasl_server");
		return 1;
	}
	printf("%u\nREADY\n", (unsigned)ntohs(sin.sin_port));
	fflush(stdout);
	for (;;) {
		int fd = accept(ls, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("sasl_server: accept");
			return 1;
		}
		serve(sctx, fd, g, mechs);
		close(fd);
	}
}
