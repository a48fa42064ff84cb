/* SPDX-License-Identifier: MIT */
/*
 * Provider tools (`pacc publish`, `pacc convert`): validate a PACC document
 * against the current draft, compute its `_ua-auto-config` digest record,
 * and convert between Mozilla clientConfig XML and PACC JSON.  Pure
 * functions: bytes in, bytes and findings out; no I/O, no context.
 *
 * Ownership as everywhere in libpacc: a pacc_diags list is freed with
 * pacc_diags_free(); the entries returned by pacc_diags_get() borrow from
 * their list; strings returned through `char **out` are freed with free().
 * Enum values are fixed and never renumbered.
 */
#ifndef PACC_PROVIDER_H
#define PACC_PROVIDER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A list of findings (diagnostics) about one document. */
typedef struct pacc_diags pacc_diags;

typedef enum pacc_severity {
	/* The document is invalid (validation), or nothing could be
	 * converted (conversion). */
	PACC_SEVERITY_ERROR = 0,
	/* Valid but questionable (validation); something the target format
	 * cannot express was left out (conversion). */
	PACC_SEVERITY_WARNING = 1,
	/* Information only: nothing is wrong and nothing was lost. */
	PACC_SEVERITY_NOTE = 2
} pacc_severity;

typedef struct pacc_diag {
	pacc_severity severity;
	/* Stable kebab-case identifier ("name-too-long"), listed in pacc(1). */
	const char *code;
	/* Where: a JSON pointer ("/protocols/imap/host") for JSON input, an
	 * element path with its line ("/clientConfig/emailProvider/
	 * incomingServer[2] (line 12)") for XML input, "" for the whole
	 * document. */
	const char *path;
	/* One human sentence (UTF-8, no control characters). */
	const char *message;
} pacc_diag;

/* At most this many entries per list; a final note says when more were
 * left out. */
#define PACC_DIAGS_MAX 256

size_t pacc_diags_count(const pacc_diags *d);
/* Entry i (0-based), borrowed from the list; NULL when i is out of range. */
const pacc_diag *pacc_diags_get(const pacc_diags *d, size_t i);
/* Number of entries of that severity. */
size_t pacc_diags_count_severity(const pacc_diags *d, pacc_severity sev);
void pacc_diags_free(pacc_diags *d);

/*
 * Validate a PACC document (the exact bytes that will be served) against
 * the current draft (draft-ietf-mailmaint-pacc-03/-04 as pacc reads it):
 * JSON syntax, required members and their types, provider name lengths,
 * https URLs, host names (A-labels), the OAuth issuer's form, known
 * protocols; unknown members and the earlier draft's keys are warnings.
 * PACC_OK: *out holds the findings (possibly none); the document is valid
 * when no entry has PACC_SEVERITY_ERROR.  PACC_EINVAL, PACC_ENOMEM.
 */
int pacc_document_validate(pacc_diags **out, const unsigned char *doc,
    size_t len);

/*
 * The value of the `_ua-auto-config` TXT record for exactly these bytes:
 * "v=UAAC1; a=ALG; d=BASE64".  `alg` is "sha256" (also when NULL),
 * "sha512" or "sha3-512".  *out is freed with free().  PACC_EUNSUPPORTED
 * for another algorithm; PACC_EINVAL, PACC_ENOMEM.
 */
int pacc_digest_record(char **out, const unsigned char *doc, size_t len,
    const char *alg);

/*
 * A domain as typed (UTF-8, U-labels allowed, one trailing dot allowed)
 * -> its A-label form in lower case without the trailing dot (UTS #46
 * non-transitional, as discovery does).  *out is freed with free().
 * PACC_EADDRESS when it is not a valid domain of at least two labels;
 * PACC_EINVAL, PACC_ENOMEM.
 */
int pacc_domain_to_ascii(char **out, const char *domain);

/* Options of the converters; always initialise with
 * PACC_CONVERT_OPTS_INIT. */
#define PACC_CONVERT_OPTS_VERSION 1
typedef struct pacc_convert_opts {
	unsigned version;
	/*
	 * XML -> JSON: the domain the document is for (A-label or U-label),
	 * used for %EMAILDOMAIN% in host names; NULL = the first <domain>.
	 * JSON -> XML: the <domain> and emailProvider id; NULL = the
	 * registrable domain of the first server's host.
	 */
	const char *domain;
} pacc_convert_opts;
#define PACC_CONVERT_OPTS_INIT                                                 \
	{                                                                      \
		PACC_CONVERT_OPTS_VERSION, NULL                                \
	}

/*
 * Mozilla clientConfig v1.1 XML -> a PACC document (current draft, UTF-8
 * JSON with a final newline) that pacc_document_validate() accepts.
 * *report (always set on PACC_OK and PACC_EFORMAT, freed with
 * pacc_diags_free()) lists what the JSON cannot express as warnings
 * (STARTTLS or plain servers, non-default ports, alternatives, POP3
 * options, usernames other than the address, ...) and notes.  *out and
 * *outlen: the document, freed with free().  PACC_EFORMAT when nothing
 * can be converted (not XML, not a clientConfig, no server PACC can
 * express): *out is NULL and the report says why in an error entry.
 * PACC_EINVAL, PACC_ENOMEM (then *report is NULL).
 */
int pacc_convert_xml_to_json(char **out, size_t *outlen, pacc_diags **report,
    const unsigned char *xml, size_t len, const pacc_convert_opts *opts);

/*
 * A PACC document -> Mozilla clientConfig v1.1 XML, as above in the other
 * direction.  The document must be valid (else PACC_EFORMAT with the
 * validation errors in *report).  What clientConfig cannot express (JMAP,
 * WebDAV, ManageSieve, oauth-public, logos, contacts) is a warning.
 */
int pacc_convert_json_to_xml(char **out, size_t *outlen, pacc_diags **report,
    const unsigned char *json, size_t len, const pacc_convert_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
