/* SPDX-License-Identifier: MIT */
/*
 * fmt_oauth.c, byte 0 selects the parser (the rest is its input):
 *   0 metadata for issuer https://as.example/i — OK: issuer identical,
 *     authorization and token endpoints https, lists bounded;
 *   1 token response — OK: access token in RFC 6750 b64token syntax,
 *     expires_in -1 or within the bound; failure leaves nothing;
 *   2 registration response — OK: a printable client id without blanks;
 *   3 loopback redirect request for /callback — OK: a code or an error;
 *   4 RFC 7628 error JSON — status and scope always NUL-terminated.
 */
#include "pacc/error.h"

#include "internal.h"

#include "fuzz.h"

#define ISS "https://as.example/i"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[160], st[64], sc[64];
	int rc;

	if (size < 1)
		return 0;
	memset(why, WHY_FILL, sizeof(why));
	switch (data[0] % 5) {
	case 0: {
		struct pacc__oauth_meta m;

		rc = pacc__oauth_meta_parse(&m, data + 1, size - 1, ISS, why,
		    sizeof(why));
		CHECK_WHY(why);
		CHECK_STATUS(rc);
		if (rc != PACC_OK) {
			CHECK(m.issuer == NULL && m.nscopes == 0);
			return 0;
		}
		CHECK(strcmp(m.issuer, ISS) == 0);
		CHECK(pacc__https_url_valid(m.authorization_endpoint));
		CHECK(pacc__https_url_valid(m.token_endpoint));
		CHECK(m.registration_endpoint == NULL ||
		    pacc__https_url_valid(m.registration_endpoint));
		CHECK(m.nscopes <= PACC__OAUTH_MAX_LIST &&
		    m.nresources <= PACC__OAUTH_MAX_LIST);
		pacc__oauth_meta_clear(&m);
		return 0;
	}
	case 1: {
		struct pacc__oauth_tok t;

		rc = pacc__oauth_token_parse(&t, data + 1, size - 1, why,
		    sizeof(why));
		CHECK_WHY(why);
		CHECK(rc == PACC_OK || rc == PACC_EOAUTH_TOKEN ||
		    rc == PACC_ENOMEM);
		if (rc != PACC_OK) {
			CHECK(
			    t.access_token == NULL && t.refresh_token == NULL);
			return 0;
		}
		CHECK(pacc__oauth_token_syntax_ok(t.access_token));
		CHECK(t.expires_in >= -1 &&
		    t.expires_in <= PACC__OAUTH_MAX_LIFETIME);
		pacc__oauth_tok_clear(&t);
		return 0;
	}
	case 2: {
		char *id = NULL;

		rc = pacc__oauth_reg_parse(&id, data + 1, size - 1, why,
		    sizeof(why));
		CHECK_WHY(why);
		CHECK(rc == PACC_OK || rc == PACC_EOAUTH_REGISTRATION ||
		    rc == PACC_ENOMEM);
		if (rc != PACC_OK) {
			CHECK(id == NULL);
			return 0;
		}
		CHECK(*id != '\0' && strlen(id) <= PACC__OAUTH_MAX_ID);
		for (const char *p = id; *p; p++)
			CHECK((unsigned char)*p > 0x20 &&
			    (unsigned char)*p < 0x7f);
		pacc__free(id);
		return 0;
	}
	case 3: {
		struct pacc__oauth_redirect r;

		rc = pacc__oauth_redirect_parse(&r, (const char *)data + 1,
		    size - 1, "/callback", why, sizeof(why));
		CHECK_WHY(why);
		CHECK(rc == PACC_OK || rc == PACC_EFORMAT ||
		    rc == PACC_ENOTFOUND);
		if (rc != PACC_OK) {
			CHECK(r.code == NULL && r.state == NULL);
			return 0;
		}
		CHECK(r.error != NULL || (r.code != NULL && *r.code != '\0'));
		pacc__oauth_redirect_clear(&r);
		return 0;
	}
	default:
		rc = pacc__oauth_sasl_error_parse(data + 1, size - 1, st,
		    sizeof(st), sc, sizeof(sc));
		CHECK(rc == PACC_OK || rc == PACC_EFORMAT);
		CHECK(memchr(st, '\0', sizeof(st)) != NULL);
		CHECK(memchr(sc, '\0', sizeof(sc)) != NULL);
		return 0;
	}
}
