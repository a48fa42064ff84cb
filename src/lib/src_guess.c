/* SPDX-License-Identifier: MIT */
/*
 * Guessing (DESIGN §1 rank 9, the last resort): the usual host names on
 * implicit-TLS, then STARTTLS ports.  A host counts only after a verified
 * TLS handshake and a protocol greeting (probe.c); plaintext never counts.
 * The engine starts this only when ranks 1-7 found nothing: it opens many
 * connections.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "net.h"

#define MAX_TRIES 24

struct
try {
	struct src_guess *owner;
	struct pacc__probe *p;
	pacc_protocol proto;
	pacc_tls_mode tls;
	unsigned port;
	char host[300];
	bool done, ok;
	bool oauth, password;
	char code[40]; /* the probe's code outlives the probe */
};

struct src_guess {
	struct pacc__mech *m;
	struct try t[MAX_TRIES];
	size_t n, pending;
};

/* Host prefixes per protocol, in order of preference ("" = the domain). */
static const char *const imap_hosts[] = { "imap.", "mail.", "" };
static const char *const pop3_hosts[] = { "pop3.", "pop.", "mail.", "" };
static const char *const smtp_hosts[] = { "smtp.", "mail.", "" };

static void conclude(struct src_guess *g, bool at_deadline);

static void
probed(void *ud, const struct pacc__probe_result *r)
{
	struct try *t = ud;

	t->p = NULL;
	t->done = true;
	t->ok = r->ok;
	snprintf(t->code, sizeof(t->code), "%s", r->code ? r->code : "");
	if (r->ok && r->caps) {
		t->oauth = pacc__caps_has_sasl(r->caps, "OAUTHBEARER") ||
		    pacc__caps_has_sasl(r->caps, "XOAUTH2");
		t->password = r->caps->nsasl == 0 ||
		    pacc__caps_has_sasl(r->caps, "PLAIN") ||
		    pacc__caps_has_sasl(r->caps, "LOGIN") ||
		    pacc__caps_has_sasl(r->caps, "SCRAM-SHA-256") ||
		    pacc__caps_has_sasl(r->caps, "SCRAM-SHA-1");
	} else if (r->ok) {
		t->password = true; /* greeting only: nothing known yet */
	}
	if (--t->owner->pending == 0)
		conclude(t->owner, false);
}

/* What answered so far counts; at the deadline the engine ends us. */
static void
conclude(struct src_guess *g, bool at_deadline)
{
	struct pacc__mech *m = g->m;
	struct pacc__config *cfg = NULL;
	struct pacc_server s;
	char tried[600] = "";
	int rc = PACC_OK;

	if ((rc = pacc__config_new(&cfg)) != PACC_OK)
		goto fail;
	/* tries were queued in preference order; keep that order */
	for (size_t i = 0; i < g->n; i++) {
		struct try *t = &g->t[i];

		if (!t->ok) {
			size_t l = strlen(tried);

			if (t->code[0] && strcmp(t->code, "no-address") != 0 &&
			    l + 1 < sizeof(tried))
				snprintf(tried + l, sizeof(tried) - l,
				    "%s%s:%u %s", l ? ", " : "", t->host,
				    t->port, t->code);
			continue;
		}
		memset(&s, 0, sizeof(s));
		s.proto = t->proto;
		s.host = t->host;
		s.port = t->port;
		s.tls = t->tls;
		s.auth = (t->password ? PACC_AUTH_PASSWORD : 0) |
		    (t->oauth ? PACC_AUTH_OAUTH2 : 0);
		s.verify_basis = "confirmation";
		if ((rc = pacc__config_add_server(cfg, &s)) != PACC_OK)
			goto fail;
	}
	if (cfg->nservers == 0) {
		pacc__config_free(cfg);
		if (at_deadline)
			pacc__mech_report(m, PACC_ATTEMPT_TIMEOUT, "timeout",
			    "the deadline came before any guessed host "
			    "answered with verified TLS%s%s",
			    tried[0] ? ": " : "", tried);
		else
			pacc__mech_report(m, PACC_ATTEMPT_ABSENT, NULL,
			    "no usual host name answered with verified TLS "
			    "and a greeting%s%s",
			    tried[0] ? ": " : "", tried);
		goto done;
	}
	pacc__mech_report(m, PACC_ATTEMPT_OK, NULL,
	    "%zu guessed servers answered with verified TLS and a greeting",
	    cfg->nservers);
	if ((rc = pacc__mech_add_config(m, cfg)) != PACC_OK) {
		cfg = NULL;
		goto fail;
	}
	goto done;
fail:
	pacc__config_free(cfg);
	pacc__mech_report(m, PACC_ATTEMPT_FAILED, "internal-error", "%s",
	    pacc_strerror(rc));
done:
	if (!at_deadline)
		pacc__mech_done(m);
}

static int
queue(struct src_guess *g, pacc_protocol proto, const char *const *pre,
    size_t npre)
{
	static const pacc_tls_mode modes[] = { PACC_TLS_IMPLICIT,
		PACC_TLS_STARTTLS };

	/* implicit TLS first for every host, then STARTTLS (RFC 8314) */
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < npre && g->n < MAX_TRIES; i++) {
			struct try *t = &g->t[g->n++];

			t->owner = g;
			t->proto = proto;
			t->tls = modes[k];
			t->port = pacc__probe_default_port(proto, modes[k]);
			snprintf(t->host, sizeof(t->host), "%s%s", pre[i],
			    g->m->disc->addr.domain);
		}
	}
	return PACC_OK;
}

static int
guess_start(struct pacc__mech *m)
{
	struct src_guess *g = pacc__calloc(1, sizeof(*g));
	int rc;

	if (g == NULL)
		return PACC_ENOMEM;
	g->m = m;
	m->priv = g;
	queue(g, PACC_PROTO_IMAP, imap_hosts, PACC__ARRAY_LEN(imap_hosts));
	queue(g, PACC_PROTO_POP3, pop3_hosts, PACC__ARRAY_LEN(pop3_hosts));
	queue(g, PACC_PROTO_SMTP, smtp_hosts, PACC__ARRAY_LEN(smtp_hosts));
	for (size_t i = 0; i < g->n; i++) {
		struct pacc__probe_opts o;

		memset(&o, 0, sizeof(o));
		o.host = g->t[i].host;
		o.port = g->t[i].port;
		o.proto = g->t[i].proto;
		o.tls = g->t[i].tls;
		o.timeout_ms = pacc__mech_remaining_ms(m);
		o.flags = PACC__PROBE_GREETING_ONLY;
		if ((rc = pacc__probe_start(&g->t[i].p, m->disc->ctx, &o,
			 probed, &g->t[i])) != PACC_OK)
			return rc;
		g->pending++;
	}
	return PACC_OK;
}

static void
guess_stop(struct pacc__mech *m)
{
	struct src_guess *g = m->priv;

	if (g == NULL)
		return;
	for (size_t i = 0; i < g->n; i++)
		pacc__probe_cancel(g->t[i].p);
	pacc__free(g);
	m->priv = NULL;
}

/* The deadline: what answered by then still counts. */
static void
guess_deadline(struct pacc__mech *m)
{
	if (m->priv)
		conclude(m->priv, true);
}

const struct pacc__mech_ops pacc__src_guess_ops = {
	.id = PACC_MECH_GUESS,
	.start = guess_start,
	.stop = guess_stop,
	.deadline = guess_deadline,
};
