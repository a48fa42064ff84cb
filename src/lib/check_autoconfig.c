/* SPDX-License-Identifier: MIT */
/*
 * pacc check, groups "autoconfig" and "autodiscover".
 *
 * autoconfig: Mozilla clientConfig at the URLs the autoconfig mechanism
 * uses (https://autoconfig.{domain}/mail/config-v1.1.xml, then
 * https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml) and at the
 * plain-http URL old clients still try; the XML read element by element:
 * placeholders, socket types, ports against TLS modes, authentication
 * values (provider-side notes §3 and §10).
 *
 * autodiscover: the POX request POSTed (no credentials) to
 * https://autodiscover.{domain}/ and https://{domain}/, the response read
 * as the autodiscover mechanism reads it, and SRV _autodiscover._tcp.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check_int.h"
#include "xml.h"

#define AC_PATH "/mail/config-v1.1.xml"
#define AC_WELLKNOWN "/.well-known/autoconfig/mail/config-v1.1.xml"
#define AD_PATH "/autodiscover/autodiscover.xml"

struct ck_ac {
	struct ck_fetch *ac[3]; /* https autoconfig., https well-known, http */
	struct ck_fetch *ad[2];
	struct ck_dns *adsrv;
	char *adbody;
};

int
pacc__ck_ac_start(struct pacc_check *c)
{
	struct pacc__fetch_opts fo;
	struct ck_ac *a;
	char url[600];
	size_t len = 0;

	if ((a = c->ac = pacc__calloc(1, sizeof(*a))) == NULL)
		return PACC_ENOMEM;
	memset(&fo, 0, sizeof(fo));
	fo.max_body = PACC__MAX_XML_BYTES;
	fo.accept = "application/xml, text/xml";
	fo.url = url;
	snprintf(url, sizeof(url),
	    "https://autoconfig.%s" AC_PATH "?emailaddress=postmaster%%40%s",
	    c->domain, c->domain);
	a->ac[0] = pacc__ck_fetch(c, &fo);
	snprintf(url, sizeof(url), "https://%s" AC_WELLKNOWN, c->domain);
	a->ac[1] = pacc__ck_fetch(c, &fo);
	snprintf(url, sizeof(url),
	    "http://autoconfig.%s" AC_PATH "?emailaddress=postmaster%%40%s",
	    c->domain, c->domain);
	fo.allow_http = true;
	a->ac[2] = pacc__ck_fetch(c, &fo);
	pacc__ck_discover(c, PACC_MECH_AUTOCONFIG);
	/* the host names' own answers, for the dnssec group (the fetcher
	 * asks them too, through the same resolver and cache) */
	snprintf(url, sizeof(url), "autoconfig.%s", c->domain);
	pacc__ck_dns(c, url, PACC__RR_A);

	if (pacc__autodiscover_request(&a->adbody, &len, c->address) != PACC_OK)
		return PACC_ENOMEM;
	memset(&fo, 0, sizeof(fo));
	fo.url = url;
	fo.max_body = PACC__MAX_AUTODISCOVER_BYTES;
	fo.accept = "text/xml";
	fo.content_type = "text/xml";
	fo.post_body = a->adbody;
	fo.post_len = len;
	snprintf(url, sizeof(url), "https://autodiscover.%s" AD_PATH,
	    c->domain);
	a->ad[0] = pacc__ck_fetch(c, &fo);
	snprintf(url, sizeof(url), "https://%s" AD_PATH, c->domain);
	a->ad[1] = pacc__ck_fetch(c, &fo);
	snprintf(url, sizeof(url), "_autodiscover._tcp.%s", c->domain);
	a->adsrv = pacc__ck_dns(c, url, PACC__RR_SRV);
	snprintf(url, sizeof(url), "autodiscover.%s", c->domain);
	pacc__ck_dns(c, url, PACC__RR_A);
	pacc__ck_discover(c, PACC_MECH_AUTODISCOVER);
	return c->oom ? PACC_ENOMEM : PACC_OK;
}

void
pacc__ck_ac_free(struct pacc_check *c)
{
	if (c->ac == NULL)
		return;
	pacc__free(c->ac->adbody);
	pacc__free(c->ac);
	c->ac = NULL;
}

static bool
ok(const struct ck_fetch *f)
{
	return f && f->status == PACC_OK && f->body;
}

/* A failure that only says "nothing here". */
static bool
nothing_there(const struct ck_fetch *f)
{
	const char *code = f ? f->code : NULL;

	if (code == NULL)
		return true;
	return strcmp(code, "no-address") == 0 ||
	    strcmp(code, "connect-failed") == 0 ||
	    (strcmp(code, "http-status") == 0 &&
		(f->http_code == 404 || f->http_code == 405 ||
		    f->http_code == 410 || f->http_code == 204 ||
		    f->http_code == 501));
}

static void
add_to(char *buf, size_t len, const char *s)
{
	pacc__ck_append(buf, len, "; ", s);
}

static bool
is_xml_type(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return false;
	n = strcspn(ct, "; \t");
	return (n == 15 && strncasecmp(ct, "application/xml", 15) == 0) ||
	    (n == 8 && strncasecmp(ct, "text/xml", 8) == 0);
}

/* ---- the clientConfig, element by element ---- */

struct ac_issues {
	char placeholder[300], servers[300], socket[300], plaintext[300],
	    porttls[300], auth_warn[300], auth_fail[300];
	size_t nin, nout;
	bool oauth_block;
};

static void
scan_placeholders(const char *s, struct ac_issues *is)
{
	static const char *const ok_ph[] = { "%EMAILADDRESS%",
		"%EMAILLOCALPART%", "%EMAILDOMAIN%" };

	for (const char *p = s ? strchr(s, '%') : NULL; p;
	     p = strchr(p + 1, '%')) {
		bool good = false;
		char tok[40];
		size_t n = 1;

		if (!(p[1] >= 'A' && p[1] <= 'Z'))
			continue; /* a literal percent sign */
		for (size_t i = 0; i < PACC__ARRAY_LEN(ok_ph); i++) {
			size_t l = strlen(ok_ph[i]);

			if (strncmp(p, ok_ph[i], l) == 0) {
				good = true;
				p += l - 1; /* the closing '%' is no opener */
				break;
			}
		}
		if (good)
			continue;
		while (n < sizeof(tok) - 1 && p[n] &&
		    ((p[n] >= 'A' && p[n] <= 'Z') || p[n] == '%')) {
			n++;
			if (p[n - 1] == '%')
				break;
		}
		snprintf(tok, sizeof(tok), "%.*s", (int)n, p);
		if (is->placeholder[0] == '\0')
			snprintf(is->placeholder, sizeof(is->placeholder),
			    "unknown or misspelled placeholder \"%s\" in "
			    "\"%s\" "
			    "(clients use it literally)",
			    tok, s);
		p += n - 1;
	}
}

static void
walk_placeholders(const struct pacc__xml_node *n, struct ac_issues *is)
{
	for (; n; n = n->next) {
		scan_placeholders(n->text, is);
		for (size_t i = 0; i < n->nattrs; i++)
			scan_placeholders(n->attrs[2 * i + 1], is);
		walk_placeholders(n->child, is);
	}
}

static bool
one_of(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return true;
	return false;
}

static void
check_server(const struct pacc__xml_node *sv, bool incoming,
    struct ac_issues *is)
{
	static const char *const in_types[] = { "imap", "pop3" };
	static const char *const auths[] = { "password-cleartext",
		"password-encrypted", "NTLM", "GSSAPI", "client-IP-address",
		"TLS-client-cert", "smtp-after-pop", "none", "OAuth2" };
	static const char *const deprecated[] = { "plain", "secure" };
	const char *type = pacc__xml_attr(sv, "type");
	const char *host = pacc__xml_child_text(sv, "hostname");
	const char *port = pacc__xml_child_text(sv, "port");
	const char *sock = pacc__xml_child_text(sv, "socketType");
	char what[200], msg[400];
	bool password = false;
	long p = 0;

	snprintf(what, sizeof(what), "%s %s:%s", type ? type : "?",
	    host ? host : "?", port ? port : "?");
	if (incoming ? !one_of(type, in_types, 2)
		     : (type == NULL || strcmp(type, "smtp") != 0)) {
		snprintf(msg, sizeof(msg), "line %lu: %s server type \"%s\"",
		    sv->line, incoming ? "incoming" : "outgoing",
		    type ? type : "(none)");
		add_to(is->servers, sizeof(is->servers), msg);
		return; /* clients skip it */
	}
	if (host == NULL) {
		snprintf(msg, sizeof(msg), "%s: no <hostname>", what);
		add_to(is->servers, sizeof(is->servers), msg);
	} else {
		/* placeholders stand for a valid domain */
		char h[300];
		const char *ph = strstr(host, "%EMAILDOMAIN%");

		if (ph)
			snprintf(h, sizeof(h), "%.*sexample.com%s",
			    (int)(ph - host), host, ph + 13);
		else
			snprintf(h, sizeof(h), "%s", host);
		if (!pacc__hostname_valid(h)) {
			snprintf(msg, sizeof(msg),
			    "%s: \"%s\" is not a valid host name", what, host);
			add_to(is->servers, sizeof(is->servers), msg);
		}
	}
	if (port) {
		char *end;

		p = strtol(port, &end, 10);
		if (*end != '\0' || p < 1 || p > 65535) {
			snprintf(msg, sizeof(msg), "%s: bad <port>", what);
			add_to(is->servers, sizeof(is->servers), msg);
			p = 0;
		}
	} else {
		snprintf(msg, sizeof(msg), "%s: no <port>", what);
		add_to(is->servers, sizeof(is->servers), msg);
	}
	if (incoming)
		is->nin++;
	else
		is->nout++;
	for (const struct pacc__xml_node *a =
		 pacc__xml_child(sv, "authentication");
	     a; a = pacc__xml_next(a, "authentication")) {
		const char *v = a->text;

		if (one_of(v, deprecated, 2)) {
			snprintf(msg, sizeof(msg),
			    "%s: authentication \"%s\" is deprecated (use "
			    "password-%s)",
			    what, v,
			    strcmp(v, "plain") == 0 ? "cleartext"
						    : "encrypted");
			add_to(is->auth_warn, sizeof(is->auth_warn), msg);
			password = true;
		} else if (!one_of(v, auths, PACC__ARRAY_LEN(auths))) {
			snprintf(msg, sizeof(msg),
			    "%s: unknown authentication \"%s\"", what,
			    v ? v : "");
			add_to(is->auth_fail, sizeof(is->auth_fail), msg);
		} else if (strcmp(v, "OAuth2") == 0 && !is->oauth_block) {
			snprintf(msg, sizeof(msg),
			    "%s: OAuth2 without an <oAuth2> block", what);
			add_to(is->auth_fail, sizeof(is->auth_fail), msg);
		} else if (strncmp(v, "password-", 9) == 0 ||
		    strcmp(v, "NTLM") == 0) {
			password = true;
		}
	}
	if (sock == NULL ||
	    (strcmp(sock, "SSL") != 0 && strcmp(sock, "STARTTLS") != 0 &&
		strcmp(sock, "plain") != 0)) {
		snprintf(msg, sizeof(msg),
		    "%s: socketType \"%s\" (SSL, STARTTLS or plain)", what,
		    sock ? sock : "(none)");
		add_to(is->socket, sizeof(is->socket), msg);
		return;
	}
	if (strcmp(sock, "plain") == 0) {
		snprintf(msg, sizeof(msg), "%s: socketType plain%s", what,
		    password ? " with a password: it crosses the network in "
			       "clear text"
			     : ": no TLS at all");
		add_to(is->plaintext, sizeof(is->plaintext), msg);
		return;
	}
	if ((strcmp(sock, "SSL") == 0 &&
		(p == 143 || p == 110 || p == 587 || p == 25)) ||
	    (strcmp(sock, "STARTTLS") == 0 &&
		(p == 993 || p == 995 || p == 465))) {
		snprintf(msg, sizeof(msg),
		    "%s: socketType %s on port %ld, the other mode's port",
		    what, sock, p);
		add_to(is->porttls, sizeof(is->porttls), msg);
	} else if (!incoming && p == 25) {
		snprintf(msg, sizeof(msg),
		    "%s: port 25 is for relay, not submission (465 or 587)",
		    what);
		add_to(is->porttls, sizeof(is->porttls), msg);
	}
}

static void
report_xml(struct pacc_check *c, const struct ck_fetch *f)
{
	struct pacc__xml_node *root = NULL;
	const struct pacc__xml_node *ep;
	struct ac_issues is;
	char why[200];
	const char *ver;
	bool listed = false;

	memset(&is, 0, sizeof(is));
	if (pacc__xml_parse(&root, f->body, f->len, why, sizeof(why)) !=
	    PACC_OK) {
		pacc__ck_add(c, CK_AC_XML, PACC_CHECK_FAIL,
		    "the document is refused: %s", why);
		goto skip;
	}
	ep = pacc__xml_child(root, "emailProvider");
	ver = pacc__xml_attr(root, "version");
	if (strcmp(root->name, "clientConfig") != 0 || ep == NULL) {
		pacc__ck_add(c, CK_AC_XML, PACC_CHECK_FAIL,
		    "not a clientConfig with an <emailProvider> (root <%s>)",
		    root->name);
		goto skip;
	}
	for (const struct pacc__xml_node *d = pacc__xml_child(ep, "domain"); d;
	     d = pacc__xml_next(d, "domain"))
		if (d->text &&
		    (strcasecmp(d->text, c->domain) == 0 ||
			strcmp(d->text, "%EMAILDOMAIN%") == 0))
			listed = true;
	if (ver == NULL || (strcmp(ver, "1.1") != 0 && strcmp(ver, "1.2") != 0))
		pacc__ck_add(c, CK_AC_XML, PACC_CHECK_WARN,
		    "clientConfig version \"%s\" (1.1 or 1.2 expected)",
		    ver ? ver : "(none)");
	else if (!listed)
		pacc__ck_add(c, CK_AC_XML, PACC_CHECK_WARN,
		    "%s is not among the <domain> elements", c->domain);
	else
		pacc__ck_add(c, CK_AC_XML, PACC_CHECK_PASS,
		    "well-formed clientConfig %s listing %s", ver, c->domain);
	is.oauth_block = pacc__xml_child(root, "oAuth2") != NULL;
	for (const struct pacc__xml_node *s =
		 pacc__xml_child(ep, "incomingServer");
	     s; s = pacc__xml_next(s, "incomingServer"))
		check_server(s, true, &is);
	for (const struct pacc__xml_node *s =
		 pacc__xml_child(ep, "outgoingServer");
	     s; s = pacc__xml_next(s, "outgoingServer"))
		check_server(s, false, &is);
	walk_placeholders(root, &is);
	if (is.nin == 0 || is.nout == 0)
		pacc__ck_add(c, CK_AC_SERVERS, PACC_CHECK_FAIL,
		    "%zu usable incoming and %zu outgoing servers (clients "
		    "need one of each)%s%s",
		    is.nin, is.nout, is.servers[0] ? ": " : "", is.servers);
	else if (is.servers[0])
		pacc__ck_add(c, CK_AC_SERVERS, PACC_CHECK_FAIL, "%s",
		    is.servers);
	else
		pacc__ck_add(c, CK_AC_SERVERS, PACC_CHECK_PASS,
		    "%zu incoming, %zu outgoing server(s)", is.nin, is.nout);
	if (is.placeholder[0])
		pacc__ck_add(c, CK_AC_PLACEHOLDER, PACC_CHECK_FAIL, "%s",
		    is.placeholder);
	else
		pacc__ck_add(c, CK_AC_PLACEHOLDER, PACC_CHECK_PASS,
		    "every placeholder is spelled correctly");
	if (is.socket[0])
		pacc__ck_add(c, CK_AC_SOCKET, PACC_CHECK_FAIL, "%s", is.socket);
	else
		pacc__ck_add(c, CK_AC_SOCKET, PACC_CHECK_PASS,
		    "every socketType is known");
	if (is.plaintext[0])
		pacc__ck_add(c, CK_AC_PLAINTEXT, PACC_CHECK_WARN, "%s",
		    is.plaintext);
	else
		pacc__ck_add(c, CK_AC_PLAINTEXT, PACC_CHECK_PASS,
		    "no server without TLS");
	if (is.porttls[0])
		pacc__ck_add(c, CK_AC_PORT_TLS, PACC_CHECK_WARN, "%s",
		    is.porttls);
	else
		pacc__ck_add(c, CK_AC_PORT_TLS, PACC_CHECK_PASS,
		    "every port fits its socketType");
	if (is.auth_fail[0])
		pacc__ck_add(c, CK_AC_AUTH, PACC_CHECK_FAIL, "%s",
		    is.auth_fail);
	else if (is.auth_warn[0])
		pacc__ck_add(c, CK_AC_AUTH, PACC_CHECK_WARN, "%s",
		    is.auth_warn);
	else
		pacc__ck_add(c, CK_AC_AUTH, PACC_CHECK_PASS,
		    "every authentication value is current");
	pacc__xml_free(root);
	return;
skip:
	pacc__xml_free(root);
	pacc__ck_add(c, CK_AC_SERVERS, PACC_CHECK_SKIP, "no usable document");
}

void
pacc__ck_ac_report(struct pacc_check *c)
{
	struct ck_ac *a = c->ac;
	const struct ck_fetch *use = NULL;
	char tried[600] = "", buf[500];
	bool broken = false;

	for (int i = 0; i < 3; i++) {
		const struct ck_fetch *f = a->ac[i];

		if (ok(f)) {
			if (use == NULL)
				use = f;
			continue;
		}
		if (!nothing_there(f) && i < 2)
			broken = true;
		snprintf(buf, sizeof(buf), "%s: %s", f ? f->url : "?",
		    f && f->code ? f->code : "no answer");
		add_to(tried, sizeof(tried), buf);
	}
	if (use == NULL && !broken) {
		pacc__ck_add(c, CK_AC_FETCH, PACC_CHECK_SKIP,
		    "autoconfig is not published (%s)", tried);
		return;
	}
	if (use == NULL) {
		pacc__ck_add(c, CK_AC_FETCH, PACC_CHECK_FAIL,
		    "no clientConfig can be retrieved: %s", tried);
		return;
	}
	pacc__ck_add(c, CK_AC_FETCH, PACC_CHECK_PASS, "HTTP 200 from %s",
	    use->url);
	if (use == a->ac[2])
		pacc__ck_add(c, CK_AC_HTTPS, PACC_CHECK_FAIL,
		    "served only over plain http (%s): anyone on the path can "
		    "change it, and pacc ignores it without --insecure-http",
		    tried);
	else if (!ok(a->ac[0]) && !nothing_there(a->ac[0]))
		pacc__ck_add(c, CK_AC_HTTPS, PACC_CHECK_WARN,
		    "%s fails (%s), clients fall back to %s", a->ac[0]->url,
		    a->ac[0]->code ? a->ac[0]->code : "?", use->url);
	else
		pacc__ck_add(c, CK_AC_HTTPS, PACC_CHECK_PASS,
		    "served over https with a valid certificate");
	if (is_xml_type(use->ctype))
		pacc__ck_add(c, CK_AC_CTYPE, PACC_CHECK_PASS, "Content-Type %s",
		    use->ctype);
	else
		pacc__ck_add(c, CK_AC_CTYPE, PACC_CHECK_WARN,
		    "Content-Type is %s, not application/xml or text/xml",
		    use->ctype ? use->ctype : "missing");
	report_xml(c, use);
}

/* ---- autodiscover ---- */

void
pacc__ck_ad_report(struct pacc_check *c)
{
	struct ck_ac *a = c->ac;
	const struct ck_fetch *use = NULL;
	struct pacc__autodiscover ad;
	char tried[600] = "", buf[500], why[200];
	struct pacc__srv_rr rr;
	bool broken = false, auth = false, have_srv;

	have_srv = a->adsrv && a->adsrv->n > 0;
	for (int i = 0; i < 2; i++) {
		const struct ck_fetch *f = a->ad[i];

		if (ok(f)) {
			if (use == NULL)
				use = f;
			continue;
		}
		if (f && f->http_code == 401)
			auth = true;
		else if (!nothing_there(f))
			broken = true;
		snprintf(buf, sizeof(buf), "%s: %s", f ? f->url : "?",
		    f && f->code ? f->code : "no answer");
		add_to(tried, sizeof(tried), buf);
	}
	if (use == NULL && !broken && !auth && !have_srv) {
		pacc__ck_add(c, CK_AD_FETCH, PACC_CHECK_SKIP,
		    "Autodiscover is not published (%s)", tried);
		return;
	}
	if (use)
		pacc__ck_add(c, CK_AD_FETCH, PACC_CHECK_PASS,
		    "HTTP 200 from %s", use->url);
	else if (auth)
		pacc__ck_add(c, CK_AD_FETCH, PACC_CHECK_WARN,
		    "Autodiscover asks for credentials (HTTP 401): clients "
		    "that discover without a password cannot use it (%s)",
		    tried);
	else if (broken)
		pacc__ck_add(c, CK_AD_FETCH, PACC_CHECK_FAIL,
		    "no Autodiscover answer: %s", tried);
	else
		pacc__ck_add(c, CK_AD_FETCH, PACC_CHECK_SKIP,
		    "only the SRV record is published (%s)", tried);
	memset(&ad, 0, sizeof(ad));
	if (use == NULL) {
		pacc__ck_add(c, CK_AD_RESPONSE, PACC_CHECK_SKIP,
		    "no response to read");
	} else if (pacc__autodiscover_parse(&ad, use->body, use->len,
		       c->address, why, sizeof(why)) != PACC_OK) {
		pacc__ck_add(c, CK_AD_RESPONSE, PACC_CHECK_FAIL,
		    "the response is not usable Autodiscover XML: %s", why);
	} else if (ad.error) {
		pacc__ck_add(c, CK_AD_RESPONSE, PACC_CHECK_FAIL,
		    "the response is an <Error>: %s", ad.error);
	} else if (ad.redirect_addr) {
		pacc__ck_add(c, CK_AD_RESPONSE, PACC_CHECK_WARN,
		    "redirectAddr to %s: clients repeat the request for that "
		    "address and may have to confirm its domain",
		    ad.redirect_addr);
	} else if (ad.redirect_url) {
		pacc__ck_add(c, CK_AD_RESPONSE, PACC_CHECK_WARN,
		    "redirectUrl to %s: clients POST there again (at most %d "
		    "hops)",
		    ad.redirect_url, PACC__MAX_REDIRECTS);
	} else if (ad.cfg && ad.cfg->nservers > 0) {
		pacc__ck_add(c, CK_AD_RESPONSE, PACC_CHECK_PASS,
		    "settings for %zu server(s)", ad.cfg->nservers);
	} else {
		pacc__ck_add(c, CK_AD_RESPONSE, PACC_CHECK_FAIL,
		    "the response names no IMAP, POP3 or SMTP server");
	}
	pacc__autodiscover_clear(&ad);
	if (!have_srv) {
		pacc__ck_add(c, CK_AD_SRV, PACC_CHECK_SKIP,
		    "no _autodiscover._tcp SRV record");
		return;
	}
	memset(&rr, 0, sizeof(rr));
	if (pacc__rr_srv(&rr, a->adsrv->rr[0], a->adsrv->len[0]) != PACC_OK) {
		pacc__ck_add(c, CK_AD_SRV, PACC_CHECK_FAIL,
		    "the _autodiscover._tcp SRV record is malformed");
	} else if (rr.port != 443 && strcmp(rr.target, ".") != 0) {
		pacc__ck_add(c, CK_AD_SRV, PACC_CHECK_WARN,
		    "_autodiscover._tcp points to %s port %u; Outlook uses "
		    "only port 443",
		    rr.target, rr.port);
	} else {
		pacc__ck_add(c, CK_AD_SRV, PACC_CHECK_PASS,
		    "_autodiscover._tcp points to %s port %u", rr.target,
		    rr.port);
	}
	pacc__srv_rr_clear(&rr);
}
