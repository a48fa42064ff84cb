/* SPDX-License-Identifier: MIT */
/*
 * pacc__probe_start on a real pacc_ctx against tests/hostile/fake_mail.py
 * (well-behaved and hostile fake servers on 127.0.0.1, certificates made
 * at test time).  The probe connects to the address literal and verifies
 * the certificate against verify_name, as callers that resolved the name
 * elsewhere do.  Skipped when /usr/bin/python3 or openssl is missing.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/x509_vfy.h>

#include "net.h"

#include "alloc_fail.h"

#define PYTHON "/usr/bin/python3"
#define NAME "mail.fake.example"
#define MAX_SCEN 32

static struct {
	char dir[64];
	pid_t pid;
	bool ready;
	size_t n;
	char name[MAX_SCEN][64];
	unsigned port[MAX_SCEN];
} fx;

struct outcome {
	bool done;
	bool ok;
	char code[64];
	char detail[1024];
	char greeting[600];
	char caps[4096]; /* items, one per line */
	char sasl[512];	 /* mechanisms, space-separated */
	bool starttls_offered, caps_over_tls, login_disabled;
	struct pacc__tls_info tls;
	char peer[64];
	pacc_dnssec addr_sec;
	long elapsed_ms;
	int step_calls;
	const char *step_code; /* what the step resumes with */
	int noop_status;
};

static unsigned
port_of(const char *name)
{
	for (size_t i = 0; i < fx.n; i++)
		if (strcmp(fx.name[i], name) == 0)
			return fx.port[i];
	fail_msg("no scenario %s", name);
	return 0;
}

static void
fake_path(char *buf, size_t len)
{
	const char *data = getenv("PACC_TEST_DATA");

	if (data)
		snprintf(buf, len, "%s/../hostile/fake_mail.py", data);
	else
		snprintf(buf, len, "tests/hostile/fake_mail.py");
}

static int
setup(void **state)
{
	char path[512], line[128], name[64];
	int pfd[2];
	unsigned port;
	FILE *f;

	(void)state;
	signal(SIGPIPE, SIG_IGN); /* the test's own writes, not the lib's */
	fake_path(path, sizeof(path));
	if (access(PYTHON, X_OK) != 0 || access(path, R_OK) != 0 ||
	    system("openssl version >/dev/null 2>&1") != 0)
		return 0;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/pacc-probe-XXXXXX");
	if (mkdtemp(fx.dir) == NULL || pipe(pfd) != 0)
		return -1;
	fx.pid = fork();
	if (fx.pid < 0)
		return -1;
	if (fx.pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl(PYTHON, PYTHON, path, "--certdir", fx.dir, "--make-certs",
		    (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "READY", 5) == 0) {
			fx.ready = true;
			break;
		}
		if (sscanf(line, "%63s %u", name, &port) == 2 &&
		    fx.n < MAX_SCEN) {
			snprintf(fx.name[fx.n], sizeof(fx.name[0]), "%s", name);
			fx.port[fx.n++] = port;
		}
	}
	fclose(f);
	return 0;
}

static int
teardown(void **state)
{
	DIR *d;
	struct dirent *e;
	char p[512];

	(void)state;
	if (fx.pid > 0) {
		kill(fx.pid, SIGTERM);
		waitpid(fx.pid, NULL, 0);
	}
	if (fx.dir[0] && (d = opendir(fx.dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", fx.dir, e->d_name);
			unlink(p);
		}
		closedir(d);
		rmdir(fx.dir);
	}
	return 0;
}

static void
need_fakes(void)
{
	if (!fx.ready)
		skip();
}

static void
join(char *dst, size_t cap, char *const *v, size_t n, const char *sep)
{
	size_t o = 0;

	dst[0] = '\0';
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(dst + o, o < cap ? cap - o : 0, "%s%s",
		    i ? sep : "", v[i]);
}

static void
keep(struct outcome *o, const struct pacc__probe_result *r)
{
	o->ok = r->ok;
	snprintf(o->code, sizeof(o->code), "%s", r->code ? r->code : "");
	snprintf(o->detail, sizeof(o->detail), "%s", r->detail);
	snprintf(o->greeting, sizeof(o->greeting), "%s",
	    r->greeting ? r->greeting : "");
	join(o->caps, sizeof(o->caps), r->caps->items, r->caps->nitems, "\n");
	join(o->sasl, sizeof(o->sasl), r->caps->sasl, r->caps->nsasl, " ");
	o->starttls_offered = r->starttls_offered;
	o->caps_over_tls = r->caps_over_tls;
	o->login_disabled = r->caps->login_disabled;
	o->tls = *r->tls_info;
	snprintf(o->peer, sizeof(o->peer), "%s", r->peer);
	o->addr_sec = r->addr_sec;
	o->elapsed_ms = r->elapsed_ms;
}

static void
on_result(void *ud, const struct pacc__probe_result *r)
{
	struct outcome *o = ud;

	assert_false(o->done); /* exactly once */
	keep(o, r);
	if (getenv("PACC_TEST_VERBOSE"))
		fprintf(stderr, "  -> %s %s [%s] %s, %ld ms\n",
		    r->ok ? "ok" : "FAIL", r->code ? r->code : "-",
		    r->tls_info->version ? r->tls_info->version : "no TLS",
		    r->detail, r->elapsed_ms);
	o->done = true;
}

static void
run(pacc_ctx *ctx, struct outcome *o, long max_ms)
{
	struct pollfd fds[16];
	long long end = pacc__now_ms() + max_ms;
	size_t n;
	int t;

	while (!o->done) {
		assert_true(pacc__now_ms() < end);
		assert_int_equal(pacc_ctx_pollfds(ctx, fds, 16, &n, &t),
		    PACC_OK);
		if (t < 0 || t > 100)
			t = 100;
		poll(fds, n, t);
		pacc_ctx_process(ctx, fds, n);
	}
}

static char logbuf[8192];

static void
on_log(pacc_log_level level, const char *msg, void *ud)
{
	size_t o = strlen(logbuf);

	(void)level;
	(void)ud;
	snprintf(logbuf + o, sizeof(logbuf) - o, "%s\n", msg);
}

static pacc_ctx *
new_ctx(bool trust)
{
	pacc_ctx *ctx;
	char ca[128];

	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	logbuf[0] = '\0';
	assert_int_equal(pacc_ctx_set_log_cb(ctx, on_log, NULL), PACC_OK);
	if (trust) {
		snprintf(ca, sizeof(ca), "%s/ca.pem", fx.dir);
		assert_int_equal(pacc_ctx_set_ca_file(ctx, ca), PACC_OK);
	}
	return ctx;
}

static void
probe_opts(struct outcome *o, const char *scen, pacc_protocol proto,
    pacc_tls_mode tls, struct pacc__probe_opts *po, bool trust)
{
	struct pacc__probe *p = NULL;
	pacc_ctx *ctx;
	char res[64];

	need_fakes();
	memset(o, 0, sizeof(*o));
	ctx = new_ctx(trust);
	if (po->host == NULL) {
		po->host = "127.0.0.1";
		if (po->verify_name == NULL)
			po->verify_name = NAME;
	} else {
		/* a name: resolved by pacc__dns_query at the fake DNS */
		snprintf(res, sizeof(res), "127.0.0.1@%u", port_of("dns"));
		assert_int_equal(pacc_ctx_set_resolver(ctx, res), PACC_OK);
	}
	po->port = port_of(scen);
	po->proto = proto;
	po->tls = tls;
	if (po->timeout_ms == 0)
		po->timeout_ms = 5000;
	assert_int_equal(pacc__probe_start(&p, ctx, po, on_result, o), PACC_OK);
	assert_non_null(p);
	assert_false(o->done); /* never called back from the start */
	run(ctx, o, po->timeout_ms + 3000);
	pacc_ctx_free(ctx);
}

static void
probe(struct outcome *o, const char *scen, pacc_protocol proto,
    pacc_tls_mode tls)
{
	struct pacc__probe_opts po;

	memset(&po, 0, sizeof(po));
	probe_opts(o, scen, proto, tls, &po, true);
}

/* Lines of DIR/scen.log (commands the fake server received). */
static void
server_log(const char *scen, char *buf, size_t cap)
{
	char p[256];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s.log", fx.dir, scen);
	buf[0] = '\0';
	if ((f = fopen(p, "r")) == NULL)
		return;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static bool
has_line(const char *lines, const char *want)
{
	size_t wl = strlen(want);

	for (const char *p = lines; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == wl && memcmp(p, want, wl) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* ---- the cases ---- */

static void
test_imaps_ok(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "imaps_ok", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT);
	assert_true(o.ok);
	assert_string_equal(o.code, "");
	assert_true(o.tls.done);
	assert_true(o.tls.verified);
	assert_string_equal(o.tls.version, "TLSv1.3");
	assert_non_null(o.tls.cipher);
	assert_string_equal(o.tls.verify_name, NAME);
	assert_non_null(strstr(o.tls.subject, "CN=mail.fake.example"));
	assert_non_null(strstr(o.tls.issuer, "CN=pacc test CA"));
	assert_int_equal(strlen(o.tls.not_after), 20);
	assert_string_equal(o.peer, "127.0.0.1");
	assert_true(o.caps_over_tls);
	assert_string_equal(o.sasl, "PLAIN XOAUTH2");
	assert_true(has_line(o.caps, "SASL-IR"));
	assert_true(has_line(o.caps, "IMAP4rev1"));
	assert_non_null(strstr(o.greeting, "* OK [CAPABILITY"));
}

static void
test_imap_starttls_ok(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "imap_starttls", PACC_PROTO_IMAP, PACC_TLS_STARTTLS);
	assert_true(o.ok);
	assert_true(o.starttls_offered);
	assert_true(o.caps_over_tls);
	assert_true(o.tls.done);
	/* pre-TLS capabilities are forgotten (RFC 9051 §6.2.1) */
	assert_false(o.login_disabled);
	assert_false(has_line(o.caps, "LOGINDISABLED"));
	assert_false(has_line(o.caps, "STARTTLS"));
	assert_string_equal(o.sasl, "PLAIN SCRAM-SHA-256");
}

static void
never_step(void *ud, struct pacc__probe *p, struct pacc__lp *lp,
    const struct pacc__probe_result *r)
{
	(void)ud;
	(void)p;
	(void)lp;
	(void)r;
	fail_msg("the step ran on a connection without TLS");
}

static void
test_starttls_unavailable(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;
	char log[4096];

	(void)state;
	memset(&po, 0, sizeof(po));
	po.step = never_step;
	probe_opts(&o, "imap_nostarttls", PACC_PROTO_IMAP, PACC_TLS_STARTTLS,
	    &po, true);
	assert_false(o.ok);
	assert_string_equal(o.code, "starttls-unavailable");
	assert_false(o.starttls_offered);
	assert_false(o.caps_over_tls);
	assert_false(o.tls.done);
	/* the plaintext capabilities are reported for diagnosis only */
	assert_string_equal(o.sasl, "PLAIN");
	/* nothing but CAPABILITY and a polite LOGOUT went out */
	server_log("imap_nostarttls", log, sizeof(log));
	assert_true(has_line(log, "P1 CAPABILITY"));
	assert_true(has_line(log, "P2 LOGOUT"));
	assert_int_equal(strlen(log), strlen("P1 CAPABILITY\nP2 LOGOUT\n"));
}

static void
test_starttls_injection(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	memset(&po, 0, sizeof(po));
	po.step = never_step;
	probe_opts(&o, "imap_inject", PACC_PROTO_IMAP, PACC_TLS_STARTTLS, &po,
	    true);
	assert_false(o.ok);
	assert_string_equal(o.code, "starttls-injection");
	assert_false(o.caps_over_tls);
	assert_false(o.tls.done);
	/* the injected "* CAPABILITY ... AUTH=PLAIN" was never parsed */
	assert_string_equal(o.sasl, "");
	assert_string_equal(o.caps, "");
}

static void
test_starttls_injection_late(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	memset(&po, 0, sizeof(po));
	po.step = never_step;
	probe_opts(&o, "imap_inject_late", PACC_PROTO_IMAP, PACC_TLS_STARTTLS,
	    &po, true);
	assert_false(o.ok);
	assert_string_equal(o.code, "starttls-injection");
	assert_string_equal(o.sasl, "");
	assert_false(o.tls.done);
}

static void
test_line_too_long(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "imap_endless", PACC_PROTO_IMAP, PACC_TLS_STARTTLS);
	assert_false(o.ok);
	assert_string_equal(o.code, "line-too-long");
	assert_true(o.elapsed_ms < 3000);
}

static void
test_response_too_large(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "imap_flood", PACC_PROTO_IMAP, PACC_TLS_STARTTLS);
	assert_string_equal(o.code, "too-large");
	assert_true(o.elapsed_ms < 3000);
}

static void
test_nul_byte(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "imap_nul", PACC_PROTO_IMAP, PACC_TLS_STARTTLS);
	assert_string_equal(o.code, "greeting");
	assert_non_null(strstr(o.detail, "NUL"));
}

static void
test_drip_timeout(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	/* a byte now and then costs one deadline, nothing more */
	memset(&po, 0, sizeof(po));
	po.timeout_ms = 500;
	probe_opts(&o, "imap_drip", PACC_PROTO_IMAP, PACC_TLS_STARTTLS, &po,
	    true);
	assert_string_equal(o.code, "timeout");
	assert_true(o.elapsed_ms >= 450 && o.elapsed_ms < 1500);
}

static void
test_stall_timeout(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	memset(&po, 0, sizeof(po));
	po.timeout_ms = 600;
	probe_opts(&o, "stall", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, &po, true);
	assert_false(o.ok);
	assert_string_equal(o.code, "timeout");
	assert_true(o.elapsed_ms >= 550);
	assert_true(o.elapsed_ms < 600 + 1000);
	assert_non_null(strstr(o.detail, "TLS handshake"));
}

static void
test_stall_greeting_timeout(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	memset(&po, 0, sizeof(po));
	po.timeout_ms = 400;
	probe_opts(&o, "stall", PACC_PROTO_SMTP, PACC_TLS_STARTTLS, &po, true);
	assert_string_equal(o.code, "timeout");
	assert_true(o.elapsed_ms < 400 + 1000);
}

static void
test_wrong_name(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "wrongname", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT);
	assert_false(o.ok);
	assert_string_equal(o.code, "cert-invalid");
	assert_false(o.tls.done);
	assert_false(o.tls.verified);
	assert_true(o.tls.cert_seen);
	assert_non_null(strstr(o.tls.subject, "other.fake.example"));
	assert_int_equal(o.tls.verify_code, X509_V_ERR_HOSTNAME_MISMATCH);
	assert_non_null(strstr(o.detail, "hostname mismatch"));
	assert_string_equal(o.greeting, ""); /* nothing read past TLS */
}

static void
test_cn_only(void **state)
{
	struct outcome o;

	(void)state;
	/* RFC 9525 §6.3: the subject CN is never a reference identity */
	probe(&o, "cnonly", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT);
	assert_string_equal(o.code, "cert-invalid");
	assert_int_equal(o.tls.verify_code, X509_V_ERR_HOSTNAME_MISMATCH);
}

static void
test_untrusted_ca(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	memset(&po, 0, sizeof(po));
	probe_opts(&o, "imaps_ok", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, &po,
	    false);
	assert_string_equal(o.code, "cert-invalid");
	assert_true(o.tls.cert_seen);
	assert_int_not_equal(o.tls.verify_code, X509_V_OK);
}

static void
test_ip_identity(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	/* no verify_name: the literal is checked as an IP-ID (SAN IP) */
	memset(&po, 0, sizeof(po));
	po.verify_name = "127.0.0.1";
	probe_opts(&o, "imaps_ok", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, &po,
	    true);
	assert_true(o.ok);
	assert_string_equal(o.tls.verify_name, "127.0.0.1");
}

static void
test_tls10(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "tls10", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT);
	assert_false(o.ok);
	assert_string_equal(o.code, "tls-version");
}

static void
test_tls13_required(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	memset(&po, 0, sizeof(po));
	po.tls13 = true;
	probe_opts(&o, "imaps_ok", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, &po,
	    true);
	assert_true(o.ok);
	assert_string_equal(o.tls.version, "TLSv1.3");
}

static void
test_plaintext_on_tls_port(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "imap_nostarttls", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT);
	assert_string_equal(o.code, "tls-error");
	assert_non_null(strstr(o.detail, "plaintext"));
}

static void
test_greeting_bye(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "imap_bye", PACC_PROTO_IMAP, PACC_TLS_STARTTLS);
	assert_string_equal(o.code, "greeting");
	assert_non_null(strstr(o.greeting, "BYE"));
}

static void
test_wrong_protocol(void **state)
{
	struct outcome o;

	(void)state;
	/* what guess meets: another protocol on the port */
	probe(&o, "imap_nostarttls", PACC_PROTO_SMTP, PACC_TLS_STARTTLS);
	assert_string_equal(o.code, "greeting");
	assert_non_null(strstr(o.detail, "no smtp greeting"));
	probe(&o, "smtp_starttls", PACC_PROTO_IMAP, PACC_TLS_STARTTLS);
	assert_string_equal(o.code, "greeting");
	probe(&o, "smtp_starttls", PACC_PROTO_POP3, PACC_TLS_STARTTLS);
	assert_string_equal(o.code, "greeting");
}

static void
test_smtp_ehlo(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "smtps_ok", PACC_PROTO_SMTP, PACC_TLS_IMPLICIT);
	assert_true(o.ok);
	assert_string_equal(o.greeting, "220-mail.fake.example ESMTP fake");
	assert_string_equal(o.sasl, "PLAIN LOGIN XOAUTH2");
	assert_true(has_line(o.caps, "PIPELINING"));
	assert_true(has_line(o.caps, "SIZE 10240000"));
	assert_true(has_line(o.caps, "AUTH PLAIN LOGIN XOAUTH2"));
	assert_false(has_line(o.caps, "mail.fake.example hello"));
}

static void
test_smtp_starttls(void **state)
{
	struct outcome o;
	char log[4096];

	(void)state;
	probe(&o, "smtp_starttls", PACC_PROTO_SMTP, PACC_TLS_STARTTLS);
	assert_true(o.ok);
	assert_true(o.starttls_offered);
	assert_string_equal(o.sasl, "PLAIN");
	assert_false(has_line(o.caps, "STARTTLS"));
	server_log("smtp_starttls", log, sizeof(log));
	/* EHLO with our address literal, twice (before and after TLS) */
	assert_true(has_line(log, "EHLO [127.0.0.1]"));
	assert_true(has_line(log, "STARTTLS"));
	assert_true(has_line(log, "QUIT"));
}

static void
test_pop3_capa(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "pop3s_ok", PACC_PROTO_POP3, PACC_TLS_IMPLICIT);
	assert_true(o.ok);
	assert_string_equal(o.sasl, "PLAIN XOAUTH2");
	assert_true(has_line(o.caps, "USER"));
	assert_true(has_line(o.caps, "UIDL"));
	assert_string_equal(o.greeting, "+OK fake POP3 ready");
}

static void
test_pop3_stls(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "pop3_stls", PACC_PROTO_POP3, PACC_TLS_STARTTLS);
	assert_true(o.ok);
	assert_true(o.starttls_offered);
	assert_string_equal(o.sasl, "PLAIN");
	assert_false(has_line(o.caps, "STLS"));
}

static void
test_sieve(void **state)
{
	struct outcome o;

	(void)state;
	probe(&o, "sieve_starttls", PACC_PROTO_MANAGESIEVE, PACC_TLS_STARTTLS);
	assert_true(o.ok);
	assert_true(o.starttls_offered);
	assert_true(o.caps_over_tls);
	assert_string_equal(o.sasl, "PLAIN OAUTHBEARER");
	assert_true(has_line(o.caps, "IMPLEMENTATION Fake Sieve"));
	assert_true(has_line(o.caps, "VERSION 1.0"));
	assert_false(has_line(o.caps, "STARTTLS"));
	assert_string_equal(o.greeting, "OK \"fake sieve ready\"");
}

/* ---- the step: a later login runs here ---- */

struct step_ctx {
	struct outcome *o;
	struct pacc__probe *p;
};

static void
on_step_noop(void *ud, struct pacc__lp *lp, const struct pacc__resp *r)
{
	struct step_ctx *sc = ud;

	(void)lp;
	sc->o->noop_status = r->status;
	pacc__probe_resume(sc->p, sc->o->step_code,
	    sc->o->step_code ? "the step said no" : NULL);
}

static void
step(void *ud, struct pacc__probe *p, struct pacc__lp *lp,
    const struct pacc__probe_result *r)
{
	struct step_ctx *sc = ud;
	const char *tag;

	sc->o->step_calls++;
	sc->p = p;
	assert_true(r->ok);
	assert_true(r->caps_over_tls);
	assert_true(r->tls_info->verified);
	assert_true(pacc__caps_has_sasl(r->caps, "PLAIN"));
	tag = pacc__probe_next_tag(p);
	assert_int_equal(pacc__lp_command(lp, PACC__FRAME_IMAP, tag,
			     on_step_noop, sc, "%s NOOP", tag),
	    PACC_OK);
	/* one command at a time */
	assert_int_equal(pacc__lp_command(lp, PACC__FRAME_IMAP, "X",
			     on_step_noop, sc, "X NOOP"),
	    PACC_EINVAL);
}

static void
test_step_hook(void **state)
{
	struct pacc__probe_opts po;
	struct step_ctx sc;
	struct outcome o;
	char log[4096];

	(void)state;
	memset(&po, 0, sizeof(po));
	memset(&sc, 0, sizeof(sc));
	sc.o = &o;
	po.step = step;
	po.step_ud = &sc;
	probe_opts(&o, "imaps_ok", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, &po,
	    true);
	assert_true(o.ok);
	assert_int_equal(o.step_calls, 1);
	assert_int_equal(o.noop_status, PACC__ST_OK);
	server_log("imaps_ok", log, sizeof(log));
	assert_true(has_line(log, "P1 NOOP"));
	assert_true(has_line(log, "P2 LOGOUT"));
}

static const char *next_step_code;

static void
step_fails(void *ud, struct pacc__probe *p, struct pacc__lp *lp,
    const struct pacc__probe_result *r)
{
	struct step_ctx *sc = ud;

	(void)lp;
	(void)r;
	sc->o->step_calls++;
	pacc__probe_resume(p, next_step_code, "the server refused it");
}

static void
test_step_failure(void **state)
{
	struct pacc__probe_opts po;
	struct step_ctx sc;
	struct outcome o;

	(void)state;
	memset(&po, 0, sizeof(po));
	memset(&sc, 0, sizeof(sc));
	sc.o = &o;
	po.step = step_fails;
	po.step_ud = &sc;
	next_step_code = "auth-failed";
	probe_opts(&o, "smtps_ok", PACC_PROTO_SMTP, PACC_TLS_IMPLICIT, &po,
	    true);
	assert_false(o.ok);
	assert_int_equal(o.step_calls, 1);
	assert_string_equal(o.code, "auth-failed");
	assert_string_equal(o.detail, "the server refused it");
}

static void
test_greeting_only(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	memset(&po, 0, sizeof(po));
	po.flags = PACC__PROBE_GREETING_ONLY;
	probe_opts(&o, "pop3s_ok", PACC_PROTO_POP3, PACC_TLS_IMPLICIT, &po,
	    true);
	assert_true(o.ok);
	assert_true(o.tls.verified);
	assert_string_equal(o.greeting, "+OK fake POP3 ready");
}

static void
test_dns_name(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	/* AAAA ::1 first (nobody listens there), then A 127.0.0.1 */
	memset(&po, 0, sizeof(po));
	po.host = NAME;
	probe_opts(&o, "imaps_ok", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, &po,
	    true);
	assert_true(o.ok);
	assert_string_equal(o.peer, "127.0.0.1");
	assert_non_null(strstr(logbuf, "::1: Connection refused"));
	assert_string_equal(o.tls.verify_name, NAME);
	/* the fake DNS carries no DNSSEC: never a false "secure" */
	assert_int_equal(o.addr_sec, PACC_DNSSEC_INSECURE);
}

static void
test_dns_nxdomain(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	memset(&po, 0, sizeof(po));
	po.host = "nx.fake.example";
	probe_opts(&o, "imaps_ok", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, &po,
	    true);
	assert_false(o.ok);
	assert_string_equal(o.code, "no-address");
	assert_non_null(strstr(o.detail, "NXDOMAIN"));
}

static void
test_dns_name_wrong_cert(void **state)
{
	struct pacc__probe_opts po;
	struct outcome o;

	(void)state;
	/* the name resolved is the name verified */
	memset(&po, 0, sizeof(po));
	po.host = "v4.fake.example";
	probe_opts(&o, "imaps_ok", PACC_PROTO_IMAP, PACC_TLS_IMPLICIT, &po,
	    true);
	assert_string_equal(o.code, "cert-invalid");
	assert_string_equal(o.tls.verify_name, "v4.fake.example");
}

static void
test_connect_refused(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct pacc__probe_opts po;
	struct pacc__probe *p;
	struct outcome o;
	pacc_ctx *ctx;
	int s;

	(void)state;
	/* a port nobody listens on: bind, learn it, close */
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	close(s);
	memset(&o, 0, sizeof(o));
	memset(&po, 0, sizeof(po));
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	po.host = "127.0.0.1";
	po.port = ntohs(sa.sin_port);
	po.proto = PACC_PROTO_IMAP;
	po.tls = PACC_TLS_IMPLICIT;
	po.verify_name = NAME;
	po.timeout_ms = 3000;
	assert_int_equal(pacc__probe_start(&p, ctx, &po, on_result, &o),
	    PACC_OK);
	run(ctx, &o, 5000);
	assert_string_equal(o.code, "connect-failed");
	assert_non_null(strstr(o.detail, "refused"));
	pacc_ctx_free(ctx);
}

static void
test_cancel(void **state)
{
	struct pacc__probe_opts po;
	struct pacc__probe *p;
	struct outcome o;
	struct pollfd fds[16];
	pacc_ctx *ctx;
	size_t n;
	int t;

	(void)state;
	need_fakes();
	memset(&o, 0, sizeof(o));
	memset(&po, 0, sizeof(po));
	ctx = new_ctx(true);
	po.host = "127.0.0.1";
	po.port = port_of("stall");
	po.proto = PACC_PROTO_IMAP;
	po.tls = PACC_TLS_IMPLICIT;
	po.verify_name = NAME;
	po.timeout_ms = 5000;
	assert_int_equal(pacc__probe_start(&p, ctx, &po, on_result, &o),
	    PACC_OK);
	for (int i = 0; i < 5; i++) {
		pacc_ctx_pollfds(ctx, fds, 16, &n, &t);
		poll(fds, n, 20);
		pacc_ctx_process(ctx, fds, n);
	}
	pacc__probe_cancel(p);
	assert_false(o.done);
	/* nothing left on the loop */
	assert_int_equal(pacc_ctx_pollfds(ctx, fds, 16, &n, &t), PACC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(t, -1);
	pacc_ctx_free(ctx);
}

static void
test_invalid_opts(void **state)
{
	struct pacc__probe_opts po;
	struct pacc__probe *p;
	struct outcome o;
	pacc_ctx *ctx;

	(void)state;
	assert_int_equal(pacc_ctx_new(&ctx), PACC_OK);
	memset(&po, 0, sizeof(po));
	po.host = "imap.example.com";
	po.proto = PACC_PROTO_IMAP;
	po.tls = PACC_TLS_NONE; /* never plaintext */
	assert_int_equal(pacc__probe_start(&p, ctx, &po, on_result, &o),
	    PACC_EINVAL);
	assert_null(p);
	po.tls = PACC_TLS_IMPLICIT;
	po.proto = PACC_PROTO_JMAP;
	assert_int_equal(pacc__probe_start(&p, ctx, &po, on_result, &o),
	    PACC_EINVAL);
	po.proto = PACC_PROTO_MANAGESIEVE; /* no implicit-TLS port */
	assert_int_equal(pacc__probe_start(&p, ctx, &po, on_result, &o),
	    PACC_EINVAL);
	po.proto = PACC_PROTO_IMAP;
	po.host = "bad host";
	assert_int_equal(pacc__probe_start(&p, ctx, &po, on_result, &o),
	    PACC_EINVAL);
	po.host = "127.0.0.1";
	po.verify_name = "not a name";
	assert_int_equal(pacc__probe_start(&p, ctx, &po, on_result, &o),
	    PACC_EINVAL);
	po.verify_name = NULL;
	po.proto = PACC_PROTO_SMTP;
	po.ehlo_name = "x\r\nRCPT TO:<a@b>";
	assert_int_equal(pacc__probe_start(&p, ctx, &po, on_result, &o),
	    PACC_EINVAL);
	assert_int_equal(
	    pacc__probe_default_port(PACC_PROTO_IMAP, PACC_TLS_IMPLICIT), 993);
	assert_int_equal(
	    pacc__probe_default_port(PACC_PROTO_SMTP, PACC_TLS_STARTTLS), 587);
	assert_int_equal(
	    pacc__probe_default_port(PACC_PROTO_MANAGESIEVE, PACC_TLS_STARTTLS),
	    4190);
	pacc_ctx_free(ctx);
}

/*
 * A whole probe (IMAPS, STARTTLS) against the fake server with the nth
 * allocation failing: pacc__probe_start says PACC_ENOMEM, or the result
 * arrives once, not ok, with the documented code internal-error.
 */
static int
probe_once(void *ud)
{
	struct pacc__probe_opts po;
	struct pacc__probe *p = NULL;
	struct outcome o;
	pacc_ctx *ctx = NULL;
	char ca[128];
	int rc;

	memset(&po, 0, sizeof(po));
	memset(&o, 0, sizeof(o));
	snprintf(ca, sizeof(ca), "%s/ca.pem", fx.dir);
	if ((rc = pacc_ctx_new(&ctx)) != PACC_OK)
		return rc;
	if ((rc = pacc_ctx_set_ca_file(ctx, ca)) != PACC_OK) {
		pacc_ctx_free(ctx);
		return rc;
	}
	po.host = "127.0.0.1";
	po.verify_name = NAME;
	po.port = port_of(ud);
	po.proto = PACC_PROTO_IMAP;
	po.tls = strcmp(ud, "imaps_ok") == 0 ? PACC_TLS_IMPLICIT
					     : PACC_TLS_STARTTLS;
	po.timeout_ms = 5000;
	rc = pacc__probe_start(&p, ctx, &po, on_result, &o);
	if (rc == PACC_OK) {
		run(ctx, &o, po.timeout_ms + 3000);
		if (!o.ok && strcmp(o.code, "internal-error") == 0)
			rc = PACC_ENOMEM;
		else if (!o.ok)
			fail_msg("probe failed with %s: %s", o.code, o.detail);
	}
	pacc_ctx_free(ctx);
	return rc;
}

static void
test_enomem(void **state)
{
	(void)state;
	need_fakes();
	enomem_sweep(probe_once, "imaps_ok");
	enomem_sweep(probe_once, "imap_starttls");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_invalid_opts),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_dns_name),
		cmocka_unit_test(test_dns_nxdomain),
		cmocka_unit_test(test_dns_name_wrong_cert),
		cmocka_unit_test(test_imaps_ok),
		cmocka_unit_test(test_imap_starttls_ok),
		cmocka_unit_test(test_starttls_unavailable),
		cmocka_unit_test(test_starttls_injection),
		cmocka_unit_test(test_starttls_injection_late),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_response_too_large),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_drip_timeout),
		cmocka_unit_test(test_stall_timeout),
		cmocka_unit_test(test_stall_greeting_timeout),
		cmocka_unit_test(test_wrong_name),
		cmocka_unit_test(test_cn_only),
		cmocka_unit_test(test_untrusted_ca),
		cmocka_unit_test(test_ip_identity),
		cmocka_unit_test(test_tls10),
		cmocka_unit_test(test_tls13_required),
		cmocka_unit_test(test_plaintext_on_tls_port),
		cmocka_unit_test(test_greeting_bye),
		cmocka_unit_test(test_wrong_protocol),
		cmocka_unit_test(test_smtp_ehlo),
		cmocka_unit_test(test_smtp_starttls),
		cmocka_unit_test(test_pop3_capa),
		cmocka_unit_test(test_pop3_stls),
		cmocka_unit_test(test_sieve),
		cmocka_unit_test(test_step_hook),
		cmocka_unit_test(test_step_failure),
		cmocka_unit_test(test_greeting_only),
		cmocka_unit_test(test_cancel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
