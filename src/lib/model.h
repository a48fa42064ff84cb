/* SPDX-License-Identifier: MIT */
/*
 * The configuration model every mechanism and parser produces.  Pure data:
 * no I/O.  Strings are owned by the struct that holds them.
 */
#ifndef PACC_MODEL_H
#define PACC_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "pacc/result.h"

struct pacc_server {
	pacc_protocol proto;
	char *host; /* A-label, lower case, no trailing dot; NULL for URLs */
	unsigned port;
	pacc_tls_mode tls;
	char *url;	/* https URL for HTTP protocols, else NULL */
	char *username; /* NULL: the full address */
	unsigned auth;	/* PACC_AUTH_* bits the configuration promises */
	/*
	 * Why the host name may be used to verify the certificate when it
	 * came from another domain's records (RFC 6186 §6, RFC 7817): static
	 * "dnssec" or "confirmation"; NULL when it came from the source
	 * document itself.
	 */
	const char *verify_basis;
};

/* Document formats fmt_pacc_json.c understands. */
enum pacc__doc_format {
	PACC__FMT_CURRENT = 1, /* draft-ietf-mailmaint-pacc-01+: "protocols" */
	PACC__FMT_EARLIER = 2  /* draft-bucksch-mailmaint-pacc-00: "servers" */
};

/* What one source says: servers in preference order plus provider data. */
struct pacc__config {
	struct pacc_server *servers;
	size_t nservers;
	size_t cap;
	enum pacc__doc_format format;
	char *oauth_issuer; /* NULL when none */
	char *provider_name;
	char *provider_short;
	char *help_url;
	char *title;   /* account title (WebFinger links), or NULL */
	bool insecure; /* fetched over plain http (--insecure-http) */
};

int pacc__config_new(struct pacc__config **out);
void pacc__config_free(struct pacc__config *c);
/* Deep-copies *s into the list. */
int pacc__config_add_server(struct pacc__config *c,
    const struct pacc_server *s);
int pacc__config_dup(struct pacc__config **out, const struct pacc__config *c);
void pacc__server_clear(struct pacc_server *s);
int pacc__server_copy(struct pacc_server *dst, const struct pacc_server *src);

/* Default port of a protocol when a document gives only a host (DESIGN §1). */
unsigned pacc__proto_default_port(pacc_protocol p);
/* 1 for JMAP/CalDAV/CardDAV/WebDAV (URL-based), else 0. */
int pacc__proto_is_http(pacc_protocol p);
/* Protocol from its JSON name; -1 when unknown. */
int pacc__proto_from_name(const char *name);

#endif
