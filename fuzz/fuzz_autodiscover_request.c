/* SPDX-License-Identifier: MIT */
/*
 * fmt_autodiscover_xml.c, pacc__autodiscover_request(): the request body
 * made from an address.  Whatever address is accepted, the body is
 * well-formed XML (our own hardened parser reads it back) whose
 * Request/EMailAddress holds exactly that address, and *len is its length.
 */
#include "pacc/error.h"

#include "alloc.h"
#include "fmt.h"
#include "xml.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *addr = fuzz_cstr(data, size);
	char *body = (char *)&body, why[160];
	size_t len = 12345, an = strlen(addr);
	struct pacc__xml_node *root = NULL;
	const char *got;
	int rc;

	rc = pacc__autodiscover_request(&body, &len, addr);
	CHECK(rc == PACC_OK || rc == PACC_EINVAL || rc == PACC_ENOMEM);
	if (rc != PACC_OK) {
		CHECK(body == NULL && len == 0);
		free(addr);
		return 0;
	}
	CHECK(body != NULL && strlen(body) == len);
	rc = pacc__xml_parse(&root, (const unsigned char *)body, len, why,
	    sizeof(why));
	if (rc != PACC_ENOMEM) {
		if (rc != PACC_OK)
			fprintf(stderr, "request body rejected: %s\n", why);
		CHECK(rc == PACC_OK);
		CHECK(strcmp(root->name, "Autodiscover") == 0);
		got = pacc__xml_child_text(pacc__xml_child(root, "Request"),
		    "EMailAddress");
		CHECK(got != NULL);
		/* the tree trims white space at both ends */
		if (an > 0 && addr[0] != ' ' && addr[an - 1] != ' ')
			CHECK(strcmp(got, addr) == 0);
		pacc__xml_free(root);
	}
	pacc__free(body);
	free(addr);
	return 0;
}
