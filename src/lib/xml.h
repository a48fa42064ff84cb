/* SPDX-License-Identifier: MIT */
/*
 * A small hardened expat front end for the XML formats (clientConfig,
 * Autodiscover): the whole document becomes a bounded tree of elements,
 * which the fmt_*_xml.c parsers then read like a DOM.  Pure: no I/O.
 */
#ifndef PACC_XML_H
#define PACC_XML_H

#include <stddef.h>

#include "bounds.h"

/* The document: what the fetcher accepts for XML formats. */
#ifdef PACC__MAX_XML_BYTES
#define PACC__XML_MAX_DOC PACC__MAX_XML_BYTES
#else
#define PACC__XML_MAX_DOC PACC__MAX_DOC_BYTES
#endif

/*
 * Limits on top of the document size.  Both formats
 * are shallow (depth 5) and small (the largest ISPDB file has about 80
 * elements); these leave a wide margin and keep the tree's memory a small
 * multiple of the input.
 */
#define PACC__XML_MAX_DEPTH 32
#define PACC__XML_MAX_ELEMENTS 4096
#define PACC__XML_MAX_ATTRS 16	/* per element */
#define PACC__XML_MAX_TEXT 4096 /* bytes of text per element, value */

struct pacc__xml_node {
	char *name;    /* local name: namespace prefixes never matter */
	char *ns;      /* namespace URI, or NULL */
	char **attrs;  /* local name, value, local name, value, ... */
	size_t nattrs; /* pairs */
	char *text;    /* character data directly inside, trimmed; NULL
			  * when there is none */
	size_t textlen;
	unsigned long line;
	struct pacc__xml_node *parent, *child, *last, *next;
};

/*
 * Parse a whole document.  PACC_OK: *root is the document element.
 * PACC_EFORMAT with a sentence in `why`: not well-formed, a DOCTYPE (so
 * no DTD, no entity beyond the five predefined ones and character
 * references, no external anything), an unknown encoding, or a limit
 * above exceeded.  PACC_ENOMEM.
 */
int pacc__xml_parse(struct pacc__xml_node **root, const unsigned char *doc,
    size_t len, char *why, size_t whylen);
void pacc__xml_free(struct pacc__xml_node *root);

/* First child (or next sibling after n) with that local name, or NULL. */
const struct pacc__xml_node *pacc__xml_child(const struct pacc__xml_node *n,
    const char *name);
const struct pacc__xml_node *pacc__xml_next(const struct pacc__xml_node *n,
    const char *name);
/* Text of the first child with that local name, or NULL. */
const char *pacc__xml_child_text(const struct pacc__xml_node *n,
    const char *name);
/* Value of the attribute with that local name, or NULL. */
const char *pacc__xml_attr(const struct pacc__xml_node *n, const char *name);

#endif
