/* SPDX-License-Identifier: MIT */
/*
 * provider.c: pacc_document_validate() and pacc_digest_record().  Every
 * finding has a known severity, a kebab-case code, a JSON-pointer path
 * ("" or starting with '/') and a clean UTF-8 sentence; the list stays
 * within PACC_DIAGS_MAX; a document called valid is one `pacc discover`
 * accepts (fmt_pacc_json.c); the digest record parses back (fmt_uaac.c).
 */
#include "pacc/error.h"
#include "pacc/provider.h"

#include "fmt.h"

#include "fuzz.h"

static void
check_diags(const pacc_diags *d)
{
	size_t n = pacc_diags_count(d), k = 0;

	CHECK(n <= PACC_DIAGS_MAX);
	for (size_t i = 0; i < n; i++) {
		const pacc_diag *e = pacc_diags_get(d, i);
		size_t ncp;

		CHECK(e != NULL);
		CHECK(e->severity == PACC_SEVERITY_ERROR ||
		    e->severity == PACC_SEVERITY_WARNING ||
		    e->severity == PACC_SEVERITY_NOTE);
		CHECK(e->code[0] >= 'a' && e->code[0] <= 'z');
		CHECK(
		    strspn(e->code, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
		    strlen(e->code));
		CHECK(e->path[0] == '\0' || e->path[0] == '/');
		CHECK(fuzz_utf8_clean(e->path, &ncp));
		CHECK(e->message[0] != '\0');
		CHECK(fuzz_utf8_clean(e->message, &ncp));
		if (e->severity == PACC_SEVERITY_ERROR)
			k++;
	}
	CHECK(pacc_diags_get(d, n) == NULL);
	CHECK(pacc_diags_count_severity(d, PACC_SEVERITY_ERROR) == k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pacc_diags *d = NULL;
	struct pacc__config *c = NULL;
	struct pacc__uaac u;
	char *rec = NULL, why[200];
	int rc;

	rc = pacc_document_validate(&d, data, size);
	CHECK(rc == PACC_OK);
	check_diags(d);
	if (pacc_diags_count_severity(d, PACC_SEVERITY_ERROR) == 0) {
		rc = pacc__pacc_json_parse(&c, data, size, "a@example.com", why,
		    sizeof(why));
		CHECK(rc == PACC_OK);
		pacc__config_free(c);
	}
	pacc_diags_free(d);
	CHECK(pacc_digest_record(&rec, data, size,
		  size > 0 && data[0] & 1 ? "sha512" : NULL) == PACC_OK);
	CHECK(pacc__uaac_parse(&u, rec, strlen(rec), NULL, 0) == PACC_OK);
	free(rec);
	return 0;
}
