/* SPDX-License-Identifier: MIT */
/*
 * convert.c: clientConfig XML <-> PACC JSON (byte 0 picks the direction,
 * bit 1 a --domain).  PACC_OK: a document of the right length, and what
 * XML -> JSON writes passes pacc_document_validate() without an error;
 * what JSON -> XML writes is XML pacc reads back (fmt_autoconfig_xml.c).
 * PACC_EFORMAT: no document and an error entry saying why.  Nothing
 * else but PACC_OK and PACC_EFORMAT.
 */
#include "pacc/error.h"
#include "pacc/provider.h"

#include "fmt.h"
#include "xml.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pacc_convert_opts o = PACC_CONVERT_OPTS_INIT;
	pacc_diags *r = NULL, *v = NULL;
	char *out = NULL, why[200];
	size_t len = 0;
	bool to_json;
	int rc;

	if (size == 0)
		return 0;
	to_json = (data[0] & 1) == 0;
	if (data[0] & 2)
		o.domain = "example.org";
	data++;
	size--;
	rc = to_json ? pacc_convert_xml_to_json(&out, &len, &r, data, size, &o)
		     : pacc_convert_json_to_xml(&out, &len, &r, data, size, &o);
	CHECK(rc == PACC_OK || rc == PACC_EFORMAT);
	CHECK(r != NULL);
	if (rc == PACC_EFORMAT) {
		CHECK(out == NULL && len == 0);
		CHECK(pacc_diags_count_severity(r, PACC_SEVERITY_ERROR) > 0);
		pacc_diags_free(r);
		return 0;
	}
	CHECK(out != NULL && len == strlen(out) && len > 0);
	CHECK(pacc_diags_count_severity(r, PACC_SEVERITY_ERROR) == 0);
	if (to_json) {
		CHECK(pacc_document_validate(&v, (const unsigned char *)out,
			  len) == PACC_OK);
		CHECK(pacc_diags_count_severity(v, PACC_SEVERITY_ERROR) == 0);
		pacc_diags_free(v);
	} else {
		struct pacc__xml_node *root = NULL;

		CHECK(pacc__xml_parse(&root, (const unsigned char *)out, len,
			  why, sizeof(why)) == PACC_OK);
		pacc__xml_free(root);
	}
	free(out);
	pacc_diags_free(r);
	return 0;
}
