/* SPDX-License-Identifier: MIT */
/*
 * The configuration model: servers in preference order plus provider data.
 * Pure data handling; every string is owned by the struct that holds it.
 */
#include <stdint.h>
#include <string.h>

#include "pacc/error.h"

#include "alloc.h"
#include "model.h"

/* JSON names, indexed by pacc_protocol (DESIGN §3). */
static const char *const proto_names[] = {
	[PACC_PROTO_JMAP] = "jmap",
	[PACC_PROTO_IMAP] = "imap",
	[PACC_PROTO_POP3] = "pop3",
	[PACC_PROTO_SMTP] = "smtp",
	[PACC_PROTO_CALDAV] = "caldav",
	[PACC_PROTO_CARDDAV] = "carddav",
	[PACC_PROTO_WEBDAV] = "webdav",
	[PACC_PROTO_MANAGESIEVE] = "managesieve",
};
#define NPROTO (sizeof(proto_names) / sizeof(proto_names[0]))

int
pacc__config_new(struct pacc__config **out)
{
	struct pacc__config *c;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	c = pacc__calloc(1, sizeof(*c));
	if (c == NULL)
		return PACC_ENOMEM;
	*out = c;
	return PACC_OK;
}

void
pacc__server_clear(struct pacc_server *s)
{
	if (s == NULL)
		return;
	pacc__free(s->host);
	pacc__free(s->url);
	pacc__free(s->username);
	memset(s, 0, sizeof(*s));
}

void
pacc__config_free(struct pacc__config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nservers; i++)
		pacc__server_clear(&c->servers[i]);
	pacc__free(c->servers);
	pacc__free(c->oauth_issuer);
	pacc__free(c->provider_name);
	pacc__free(c->provider_short);
	pacc__free(c->help_url);
	pacc__free(c->title);
	pacc__free(c);
}

/* Copies a possibly NULL string; *ok turns false on allocation failure. */
static char *
dup_opt(const char *s, int *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = pacc__strdup(s);
	if (d == NULL)
		*ok = 0;
	return d;
}

/*
 * dst may hold garbage on entry (it is overwritten, never freed); on failure
 * it is left cleared, so the caller never has to free a half copy.
 */
int
pacc__server_copy(struct pacc_server *dst, const struct pacc_server *src)
{
	struct pacc_server tmp;
	int ok = 1;

	if (dst == NULL || src == NULL)
		return PACC_EINVAL;
	tmp = *src;
	tmp.host = dup_opt(src->host, &ok);
	tmp.url = dup_opt(src->url, &ok);
	tmp.username = dup_opt(src->username, &ok);
	if (!ok) {
		pacc__server_clear(&tmp);
		memset(dst, 0, sizeof(*dst));
		return PACC_ENOMEM;
	}
	*dst = tmp;
	return PACC_OK;
}

int
pacc__config_add_server(struct pacc__config *c, const struct pacc_server *s)
{
	struct pacc_server *ns;
	size_t ncap;
	int rc;

	if (c == NULL || s == NULL)
		return PACC_EINVAL;
	if (c->nservers == c->cap) {
		if (c->cap > SIZE_MAX / 2 / sizeof(*ns))
			return PACC_ENOMEM;
		ncap = c->cap ? c->cap * 2 : 8;
		ns = pacc__reallocarray(c->servers, ncap, sizeof(*ns));
		if (ns == NULL)
			return PACC_ENOMEM;
		c->servers = ns;
		c->cap = ncap;
	}
	rc = pacc__server_copy(&c->servers[c->nservers], s);
	if (rc != PACC_OK)
		return rc;
	c->nservers++;
	return PACC_OK;
}

int
pacc__config_dup(struct pacc__config **out, const struct pacc__config *c)
{
	struct pacc__config *d = NULL;
	int rc, ok = 1;

	if (out == NULL)
		return PACC_EINVAL;
	*out = NULL;
	if (c == NULL)
		return PACC_EINVAL;
	rc = pacc__config_new(&d);
	if (rc != PACC_OK)
		goto out;
	d->format = c->format;
	d->oauth_issuer = dup_opt(c->oauth_issuer, &ok);
	d->provider_name = dup_opt(c->provider_name, &ok);
	d->provider_short = dup_opt(c->provider_short, &ok);
	d->help_url = dup_opt(c->help_url, &ok);
	d->title = dup_opt(c->title, &ok);
	d->insecure = c->insecure;
	if (!ok) {
		rc = PACC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c->nservers; i++) {
		rc = pacc__config_add_server(d, &c->servers[i]);
		if (rc != PACC_OK)
			goto out;
	}
	*out = d;
	d = NULL;
out:
	pacc__config_free(d);
	return rc;
}

/* DESIGN §1: implicit TLS ports; RFC 5804 has STARTTLS on 4190 only. */
unsigned
pacc__proto_default_port(pacc_protocol p)
{
	switch (p) {
	case PACC_PROTO_IMAP:
		return 993;
	case PACC_PROTO_POP3:
		return 995;
	case PACC_PROTO_SMTP:
		return 465;
	case PACC_PROTO_MANAGESIEVE:
		return 4190;
	default:
		return 0; /* HTTP protocols: the port is in the URL */
	}
}

int
pacc__proto_is_http(pacc_protocol p)
{
	return p == PACC_PROTO_JMAP || p == PACC_PROTO_CALDAV ||
	    p == PACC_PROTO_CARDDAV || p == PACC_PROTO_WEBDAV;
}

/* Exact (case-sensitive) match: JSON keys are case-sensitive. */
int
pacc__proto_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < NPROTO; i++)
		if (strcmp(name, proto_names[i]) == 0)
			return (int)i;
	return -1;
}
