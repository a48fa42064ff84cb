/* SPDX-License-Identifier: MIT */
/*
 * xml.c: the hardened expat front end under every XML format.  A document
 * that parses is one tree within the limits of xml.h, with consistent
 * links (parent, child, last, next), local names only, NUL-free text
 * trimmed of white space whose length is textlen, and lookups that find
 * what the tree holds.  A document that does not parse leaves no tree.
 */
#include "pacc/error.h"

#include "xml.h"

#include "fuzz.h"

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
check_node(const struct pacc__xml_node *n, unsigned depth, size_t *count)
{
	const struct pacc__xml_node *c, *prev = NULL;

	CHECK(depth <= PACC__XML_MAX_DEPTH);
	CHECK(++*count <= PACC__XML_MAX_ELEMENTS);
	CHECK(n->name != NULL && n->name[0] != '\0');
	CHECK(strchr(n->name, '|') == NULL);
	CHECK(n->nattrs <= PACC__XML_MAX_ATTRS);
	CHECK(n->nattrs == 0 || n->attrs != NULL);
	for (size_t i = 0; i < n->nattrs; i++) {
		const char *k = n->attrs[2 * i], *v = n->attrs[2 * i + 1];

		CHECK(k != NULL && v != NULL && k[0] != '\0');
		CHECK(strlen(v) <= PACC__XML_MAX_TEXT);
		CHECK(pacc__xml_attr(n, k) != NULL);
	}
	if (n->text != NULL) {
		CHECK(n->textlen >= 1 && n->textlen <= PACC__XML_MAX_TEXT);
		CHECK(strlen(n->text) == n->textlen);
		CHECK(!is_ws(n->text[0]) && !is_ws(n->text[n->textlen - 1]));
	} else {
		CHECK(n->textlen == 0);
	}
	CHECK((n->child == NULL) == (n->last == NULL));
	CHECK(pacc__xml_child(n, NULL) == n->child);
	for (c = n->child; c != NULL; c = c->next) {
		const char *t = pacc__xml_child_text(n, c->name);

		CHECK(c->parent == n);
		CHECK(t != NULL);
		/* the first child of that name is found, and it is no later */
		CHECK(pacc__xml_child(n, c->name) != NULL);
		check_node(c, depth + 1, count);
		prev = c;
	}
	CHECK(prev == n->last);
	CHECK(pacc__xml_child_text(n, "") == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__xml_node *root = (struct pacc__xml_node *)&root;
	char why[160];
	size_t count = 0;
	int rc;

	memset(why, WHY_FILL, sizeof(why));
	rc = pacc__xml_parse(&root, data, size, why, sizeof(why));
	CHECK_WHY(why);
	CHECK(rc == PACC_OK || rc == PACC_EFORMAT || rc == PACC_ENOMEM);
	if (rc != PACC_OK) {
		CHECK(root == NULL);
		return 0;
	}
	CHECK(root != NULL && root->parent == NULL && root->next == NULL);
	check_node(root, 1, &count);
	pacc__xml_free(root);
	return 0;
}
