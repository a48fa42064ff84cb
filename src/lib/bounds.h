/* SPDX-License-Identifier: MIT */
/*
 * Every limit in one place (DESIGN §2 "bounded everything"): `discover` and
 * `check` share these constants.
 */
#ifndef PACC_BOUNDS_H
#define PACC_BOUNDS_H

#define PACC__MAX_DOC_BYTES (64 * 1024)	   /* PACC document */
#define PACC__MAX_POLICY_BYTES (64 * 1024) /* MTA-STS policy (RFC 8461) */
#define PACC__MAX_MX_HOSTS 10		   /* best-preference MX hosts used */
#define PACC__MAX_RRS 64		   /* RRs considered per answer */
#define PACC__MAX_ADDRS 16		   /* addresses pinned per host */
#define PACC__DEFAULT_TIMEOUT_MS 10000L
#define PACC__MAX_TIMEOUT_MS (3600L * 1000L)
#define PACC__MAX_INPUT_BYTES 1024 /* an address as typed */
#define PACC__CONNECT_TIMEOUT_MS 5000L
#define PACC__MAX_XML_BYTES (256 * 1024) /* clientConfig, Autodiscover */
#define PACC__PREFETCH_QUERIES 8	 /* DS/DNSKEY asked up front */
#define PACC__MAX_REDIRECTS 10		 /* Autodiscover */
#define PACC__MAX_WF_LINKS 8		 /* WebFinger accounts followed */
#define PACC__MAX_XCHECK_QUESTIONS 32	 /* DNS cross-check over DoH */
#define PACC__XCHECK_MIN_MS 1000L	 /* its budget: the time left, */
#define PACC__XCHECK_MAX_MS 5000L	 /* clamped to [1 s, 5 s] */
#define PACC__MAX_DNS_MESSAGE 65535	 /* a DoH answer (RFC 8484 §6) */
#define PACC__DNS_MAX_INFLIGHT 256	 /* questions in libunbound at once */
/* OAuth (fmt_oauth.c, oauth.c) */
#define PACC__OAUTH_MAX_META (64 * 1024) /* metadata, token, registration */
#define PACC__OAUTH_MAX_URL 2048	 /* an endpoint or issuer URL */
#define PACC__OAUTH_MAX_ID 255		 /* a client_id */
#define PACC__OAUTH_MAX_TOKEN 16384	 /* an access or refresh token */
#define PACC__OAUTH_MAX_LIST 64		 /* scopes, protected resources */
#define PACC__OAUTH_MAX_LIFETIME (400LL * 86400) /* expires_in */
#define PACC__OAUTH_MAX_REQUEST 8192 /* the loopback redirect request */
#define PACC__OAUTH_DEFAULT_WAIT_MS (300L * 1000L) /* for the browser */
#define PACC__DEFAULT_ISPDB_URL "https://autoconfig.thunderbird.net/v1.1/"
/* info.provider.name / shortName (earlier draft: MUST / SHOULD limits) */
#define PACC__MAX_NAME_CP 60
#define PACC__SHOULD_NAME_CP 30
#define PACC__MAX_SHORT_NAME_CP 20
#define PACC__SHOULD_SHORT_NAME_CP 12

/* Autodiscover: one response (discover and check) */
#define PACC__MAX_AUTODISCOVER_BYTES (64 * 1024)

#endif
