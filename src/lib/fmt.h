/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers (fmt_*.c): bytes in, model out.  No I/O, no clock, no global
 * state, so each is unit-tested from fixtures and fuzzed alone.  Every one
 * treats its input as hostile: bounded, length-delimited (no reliance on NUL
 * termination), and fails with a specific status and a sentence in `why`.
 */
#ifndef PACC_FMT_H
#define PACC_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* ---- fmt_pacc_json.c: PACC documents, current and earlier draft ---- */

/*
 * Parse a PACC document (already digest-verified: the exact bytes served).
 * Detects the format: "protocols" (current draft) or "servers" (earlier
 * draft).  `address` is the user's address (A-label domain), used as the
 * username.  Returns PACC_OK, PACC_EFORMAT (not valid JSON, or JSON that is
 * not a PACC document), PACC_ENOMEM.  Unknown members and protocols are
 * ignored, as the drafts require.
 */
int pacc__pacc_json_parse(struct pacc__config **out, const unsigned char *body,
    size_t len, const char *address, char *why, size_t whylen);

/* ---- fmt_uaac.c: the _ua-auto-config TXT record (v=UAAC1) ---- */

enum pacc__digest_alg {
	PACC__ALG_SHA256 = 1,
	PACC__ALG_SHA512 = 2,
	PACC__ALG_SHA3_512 = 3
};
#define PACC__DIGEST_MAX 64

struct pacc__uaac {
	enum pacc__digest_alg alg;
	unsigned char digest[PACC__DIGEST_MAX];
	size_t digest_len;
};

/*
 * Parse one TXT record's text (character-strings already concatenated).
 * PACC_OK: a v=UAAC1 record with a supported algorithm and a digest of the
 * right length.  PACC_ENOTFOUND: not a UAAC1 record (ignore it).
 * PACC_EUNSUPPORTED: UAAC1 with an unknown a= algorithm.  PACC_EFORMAT:
 * UAAC1 but malformed (duplicate tag, bad base64, wrong length, no d=).
 */
int pacc__uaac_parse(struct pacc__uaac *out, const char *txt, size_t len,
    char *why, size_t whylen);
const char *pacc__digest_alg_name(enum pacc__digest_alg alg);

/* ---- fmt_mtasts.c: RFC 8461 MTA-STS ---- */

enum pacc__mtasts_mode {
	PACC__MTASTS_NONE = 0,
	PACC__MTASTS_TESTING = 1,
	PACC__MTASTS_ENFORCE = 2
};

struct pacc__mtasts_policy {
	enum pacc__mtasts_mode mode;
	char **mx; /* patterns, lower case */
	size_t nmx;
	long max_age;
};

/* TXT _mta-sts: PACC_OK when "v=STSv1" with an id; PACC_ENOTFOUND else. */
int pacc__mtasts_txt_parse(const char *txt, size_t len, char *id, size_t idlen);
int pacc__mtasts_policy_parse(struct pacc__mtasts_policy **out,
    const char *body, size_t len, char *why, size_t whylen);
void pacc__mtasts_policy_free(struct pacc__mtasts_policy *p);
/* RFC 8461 §4.1: exact match, or "*.x" matching exactly one left label. */
bool pacc__mtasts_mx_match(const char *pattern, const char *host);
bool pacc__mtasts_policy_allows(const struct pacc__mtasts_policy *p,
    const char *host);

/* ---- fmt_dnsrr.c: RDATA as libunbound hands it (wire format) ---- */

/* TXT: concatenate the character-strings of one RR (RFC 7208 §3.3 style). */
int pacc__rr_txt(char **out, size_t *outlen, const unsigned char *rdata,
    size_t len);
/* MX: preference and exchange (lower case, no trailing dot, "." for root). */
int pacc__rr_mx(unsigned *pref, char **host, const unsigned char *rdata,
    size_t len);
struct pacc__srv_rr {
	unsigned priority, weight, port;
	char *target; /* "." when the service is explicitly not offered */
};
int pacc__rr_srv(struct pacc__srv_rr *out, const unsigned char *rdata,
    size_t len);
/* A (type 1) or AAAA (type 28) to presentation form. */
int pacc__rr_addr(char *buf, size_t buflen, int type,
    const unsigned char *rdata, size_t len);

/* ---- fmt_dnsrr.c: RFC 2782 ordering ---- */

/*
 * Order SRV records for use (RFC 2782 "Usage rules"): by priority ascending;
 * within one priority, records of weight 0 first in the draw, then a
 * weighted random selection.  `rnd(ud, max)` returns a uniform integer in
 * [0, max]; tests pass a deterministic one.  Records whose target is "."
 * are kept (the caller decides what "not offered" means).
 */
void pacc__srv_order(struct pacc__srv_rr *rrs, size_t n,
    unsigned (*rnd)(void *ud, unsigned max), void *ud);
void pacc__srv_rr_clear(struct pacc__srv_rr *rr);

/* ---- fmt_autoconfig_xml.c: Mozilla clientConfig v1.1/v1.2 (ISPDB) ---- */

/*
 * Parse a clientConfig document with expat (no DTD, no external entities,
 * no network).  Every placeholder (%EMAILADDRESS%, %EMAILLOCALPART%,
 * %EMAILDOMAIN%) is replaced from `address`.  All alternatives are kept, in
 * document order (incoming servers first, IMAP before POP3 unless the
 * document orders them otherwise; then outgoing; then CalDAV/CardDAV).
 * Servers with socketType "plain" are kept only with `allow_plain`
 * (tls = PACC_TLS_NONE), else skipped and counted in *nplain.
 * Authentication: password-cleartext/password-encrypted -> PASSWORD,
 * OAuth2 -> OAUTH2; a server with no usable method is skipped.
 * PACC_EFORMAT for not well-formed XML or no <emailProvider>; PACC_ENOMEM.
 */
int pacc__autoconfig_parse(struct pacc__config **out, const unsigned char *xml,
    size_t len, const char *address, bool allow_plain, size_t *nplain,
    char *why, size_t whylen);

/* ---- fmt_autodiscover_xml.c: Microsoft Autodiscover v1 (POX) ---- */

struct pacc__autodiscover {
	struct pacc__config *cfg; /* IMAP/POP3/SMTP found, or NULL */
	char *redirect_addr;	  /* <Action>redirectAddr</Action> */
	char *redirect_url;	  /* <Action>redirectUrl</Action> */
	char *error;		  /* <Error> message, if any */
};

/* The request body: Request/EMailAddress + AcceptableResponseSchema. */
int pacc__autodiscover_request(char **out, size_t *len, const char *address);
/*
 * Parse a response (expat, no DTD/entities).  Protocol entries of Type
 * IMAP, POP3, SMTP: Server, Port, SSL/Encryption (SSL|TLS -> implicit or
 * starttls by port convention as documented in the code), LoginName (else
 * the address).  Other types (EXCH, EXPR, WEB) are ignored.
 */
int pacc__autodiscover_parse(struct pacc__autodiscover *out,
    const unsigned char *xml, size_t len, const char *address, char *why,
    size_t whylen);
void pacc__autodiscover_clear(struct pacc__autodiscover *a);

/* ---- fmt_webfinger.c: RFC 7033 JRD, draft-jones email-autoconfig ---- */

struct pacc__wf_link {
	char *href;  /* https URL of a configuration */
	char *title; /* account title, or NULL */
};

/* Links with rel "email-autoconfig" (https hrefs only), in order. */
int pacc__webfinger_parse(struct pacc__wf_link **links, size_t *nlinks,
    const unsigned char *jrd, size_t len, const char *subject, char *why,
    size_t whylen);
void pacc__webfinger_links_free(struct pacc__wf_link *links, size_t n);
/* A linked configuration: the draft's own JSON format, or a PACC document
 * (detected by its members). */
int pacc__webfinger_config_parse(struct pacc__config **out,
    const unsigned char *json, size_t len, const char *address, char *why,
    size_t whylen);

/* ---- addr.c: email addresses, IDN, registrable domains ---- */

struct pacc__addr {
	char *local;	      /* as typed (UTF-8) */
	char *domain;	      /* A-label form, lower case, no trailing dot */
	char *domain_unicode; /* U-label form */
	char *address;	      /* local@domain (A-label domain) */
};

/*
 * Parse an RFC 5322 addr-spec (RFC 6532 UTF-8 allowed) whatever the locale;
 * IDN domains are converted with libidn2 (UTS #46 non-transitional).
 * PACC_EADDRESS with a specific sentence in `why` for malformed input.
 */
int pacc__addr_parse(struct pacc__addr *out, const char *input, char *why,
    size_t whylen);
void pacc__addr_clear(struct pacc__addr *a);
/* Registrable domain (Public Suffix List, eTLD+1) of an A-label host. */
int pacc__registrable_domain(char **out, const char *host);
/* LDH host name check (A-labels), at most 253 octets, labels 1..63. */
bool pacc__hostname_valid(const char *host);
/* https URL syntax check: scheme https, a valid host, no userinfo. */
bool pacc__https_url_valid(const char *url);
/* Lower-cased host of an https URL, or NULL (caller frees). */
char *pacc__url_host(const char *url);

/* A copy of s in which every ill-formed UTF-8 sequence and control
 * character is replaced by U+FFFD: safe to print and to put in JSON. */
char *pacc__utf8_sanitize(const char *s);

/* ---- base64 (RFC 4648 §4, strict: padding required, no whitespace) ---- */
int pacc__base64_decode(unsigned char *out, size_t outcap, size_t *outlen,
    const char *in, size_t inlen);
int pacc__base64_encode(char *out, size_t outcap, const unsigned char *in,
    size_t inlen);

/* ==== fmt_wwwauth.c: WWW-Authenticate challenges (pacc probe) ==== */

/* Bounds: a hostile header costs at most this much (DESIGN §2). */
#define PACC__MAX_CHALLENGES 16	       /* kept per response */
#define PACC__MAX_CHALLENGE_PARAMS 16  /* kept per challenge */
#define PACC__MAX_CHALLENGE_VALUE 1024 /* bytes of one token or value */

struct pacc__auth_param {
	char *name;  /* lower case (RFC 9110 §11.2: case-insensitive) */
	char *value; /* unescaped; ill-formed UTF-8 and controls replaced */
};

/* The public pacc_challenge (pacc/probe.h) is this struct. */
struct pacc_challenge {
	char *scheme;  /* auth-scheme as sent (compare case-insensitively) */
	char *token68; /* NULL unless the challenge carries a token68 */
	struct pacc__auth_param params[PACC__MAX_CHALLENGE_PARAMS];
	size_t nparams;
};

struct pacc__challenges {
	struct pacc_challenge *v; /* in the order received */
	size_t n;
	bool truncated; /* something was left out to stay within the bounds */
};

/*
 * Parse one WWW-Authenticate (or Proxy-Authenticate) field value, RFC 9110
 * §11.6.1 / §11.2: a comma-separated list of challenges, each an
 * auth-scheme optionally followed by a token68 or by comma-separated
 * auth-params (token or quoted-string values, backslash escapes).  The
 * challenges are appended to *list (call once per header line).  Unknown
 * schemes are kept.  Beyond the bounds, challenges and parameters are left
 * out and list->truncated is set; a parameter value or token68 longer than
 * PACC__MAX_CHALLENGE_VALUE is left out the same way.
 * PACC_OK; PACC_EFORMAT at the first syntax error (or a parameter named
 * twice in one challenge): the challenges completed before it are kept,
 * the broken one is not, and `why` says where; PACC_ENOMEM.
 */
int pacc__wwwauth_parse(struct pacc__challenges *list, const char *value,
    size_t len, char *why, size_t whylen);
void pacc__challenges_clear(struct pacc__challenges *c);
int pacc__challenges_copy(struct pacc__challenges *dst,
    const struct pacc__challenges *src);
/* Value of a parameter (name compared case-insensitively), or NULL. */
const char *pacc__challenge_param(const struct pacc_challenge *ch,
    const char *name);
/* ==== end of fmt_wwwauth.c ==== */

/* ==== fmt_oauth.c: OAuth 2.0 wire formats (pacc login --oauth) ==== */

/* RFC 8414 §2: https, no query, no fragment, bounded. */
bool pacc__oauth_issuer_valid(const char *s);
/* RFC 8414 §3.1 path-inserted metadata URL and the OpenID Connect
 * Discovery URL of an issuer (both new strings). */
int pacc__oauth_meta_urls(const char *issuer, char **rfc8414, char **oidc);

struct pacc__oauth_meta {
	char *issuer;
	char *authorization_endpoint;
	char *token_endpoint;
	char *registration_endpoint; /* NULL when none (or not https) */
	bool iss_param;		     /* RFC 9207 iss in responses */
	bool scopes_listed;	     /* scopes_supported present */
	char **scopes;
	size_t nscopes;
	char **resources; /* protected_resources (profile §3.2) */
	size_t nresources;
};

/*
 * Metadata for `issuer`: PACC_EOAUTH_ISSUER (another issuer),
 * PACC_EOAUTH_NO_S256, PACC_EOAUTH_METADATA (not JSON, no https
 * endpoints), PACC_ENOMEM; a sentence in why.
 */
int pacc__oauth_meta_parse(struct pacc__oauth_meta *out,
    const unsigned char *body, size_t len, const char *issuer, char *why,
    size_t whylen);
void pacc__oauth_meta_clear(struct pacc__oauth_meta *m);

/* RFC 7591 registration answer: PACC_EOAUTH_REGISTRATION or a client_id. */
int pacc__oauth_reg_parse(char **client_id, const unsigned char *body,
    size_t len, char *why, size_t whylen);

struct pacc__oauth_tok {
	char *access_token;   /* secret memory */
	char *refresh_token;  /* secret memory, NULL when none */
	char *scope;	      /* NULL when not given */
	long long expires_in; /* seconds, -1 when not given */
};

/* RFC 6750 §2.1 b64token, bounded. */
bool pacc__oauth_token_syntax_ok(const char *s);
/* RFC 6749 §5.1 bearer token response; PACC_EOAUTH_TOKEN otherwise. */
int pacc__oauth_token_parse(struct pacc__oauth_tok *out,
    const unsigned char *body, size_t len, char *why, size_t whylen);
void pacc__oauth_tok_clear(struct pacc__oauth_tok *t);

struct pacc__oauth_redirect {
	char *code; /* wiped by pacc__oauth_redirect_clear() */
	char *state;
	char *iss;
	char *error;
	char *error_description;
};

/*
 * The browser's request to the loopback redirect URI (the request head,
 * `len` bytes).  PACC_ENOTFOUND: another path than `path`; PACC_EFORMAT:
 * malformed, a repeated parameter, no code and no error.
 */
int pacc__oauth_redirect_parse(struct pacc__oauth_redirect *out,
    const char *req, size_t len, const char *path, char *why, size_t whylen);
void pacc__oauth_redirect_clear(struct pacc__oauth_redirect *r);

/* RFC 7628 §3.2.2 error JSON: status and scope, quoted for messages. */
int pacc__oauth_sasl_error_parse(const unsigned char *json, size_t len,
    char *status, size_t slen, char *scope, size_t sclen);

#endif
