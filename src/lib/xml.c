/* SPDX-License-Identifier: MIT */
/*
 * Hardened expat front end.  XML documents reach us from anyone who can
 * answer an HTTP request for a domain, so:
 *  - a DOCTYPE stops the parse.  Neither clientConfig nor Autodiscover has
 *    a DTD, and without one there is no entity declaration, hence no
 *    entity expansion ("billion laughs"), no external entity and no
 *    external subset: only the five predefined entities and character
 *    references remain (XML 1.0 §4.1 WFC "Entity Declared" makes any
 *    other reference an error);
 *  - parameter entity parsing is NEVER and external entity references
 *    fail, in case a future expat reached them another way;
 *  - every allocation goes through pacc__malloc & co. (failure injection);
 *  - depth, element count, attributes per element and text per element
 *    are capped, and so is the document (xml.h);
 *  - the document is fed in one final XML_Parse() call, so expat's reparse
 *    deferral (2.6.0, CVE-2023-52425) has nothing to defer; it is left at
 *    its default where the library has it.
 * Namespaces are processed (an unbound prefix is an error), and names are
 * kept as local names: Autodiscover servers vary their prefixes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <expat.h>

#include "pacc/error.h"

#include "alloc.h"
#include "xml.h"
#include "buf.h"

#ifdef XML_UNICODE
#error "pacc needs expat built with UTF-8 XML_Char"
#endif

/* Namespace URI and local name are joined by this; no XML Name holds it. */
#define NS_SEP '|'

struct xstate {
	XML_Parser p;
	struct pacc__xml_node *root, *cur;
	unsigned depth;
	size_t nelems;
	size_t textcap; /* capacity of cur->text */
	int rc;		/* our own failure, PACC_OK while none */
	char *why;
	size_t whylen;
};

static void fail(struct xstate *st, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first failure and stops expat (no resume). */
static void
fail(struct xstate *st, int rc, const char *fmt, ...)
{
	va_list ap;

	if (st->rc != PACC_OK)
		return;
	st->rc = rc;
	va_start(ap, fmt);
	if (st->why != NULL && st->whylen > 0)
		vsnprintf(st->why, st->whylen, fmt, ap);
	va_end(ap);
	XML_StopParser(st->p, XML_FALSE);
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *
local_part(const char *name)
{
	const char *s = strrchr(name, NS_SEP);

	return s ? s + 1 : name;
}

static void
node_free(struct pacc__xml_node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < 2 * n->nattrs; i++)
		pacc__free(n->attrs[i]);
	pacc__free(n->attrs);
	pacc__free(n->name);
	pacc__free(n->ns);
	pacc__free(n->text);
	pacc__free(n);
}

/* Iterative over siblings, recursive over depth (<= PACC__XML_MAX_DEPTH). */
void
pacc__xml_free(struct pacc__xml_node *root)
{
	while (root != NULL) {
		struct pacc__xml_node *next = root->next;

		pacc__xml_free(root->child);
		node_free(root);
		root = next;
	}
}

/* "uri|local" or "local" -> n->ns, n->name. */
static int
set_name(struct pacc__xml_node *n, const char *name)
{
	const char *sep = strrchr(name, NS_SEP);

	if (sep == NULL) {
		n->name = pacc__strdup(name);
		return n->name ? PACC_OK : PACC_ENOMEM;
	}
	n->ns = pacc__strndup(name, (size_t)(sep - name));
	n->name = pacc__strdup(sep + 1);
	return n->ns && n->name ? PACC_OK : PACC_ENOMEM;
}

static int
set_attrs(struct xstate *st, struct pacc__xml_node *n, const char **atts)
{
	size_t k = 0;

	while (atts[2 * k] != NULL)
		k++;
	if (k > PACC__XML_MAX_ATTRS) {
		fail(st, PACC_EFORMAT,
		    "element <%.64s> (line %lu) has more "
		    "than %d attributes",
		    n->name, n->line, PACC__XML_MAX_ATTRS);
		return PACC_EFORMAT;
	}
	if (k == 0)
		return PACC_OK;
	n->attrs = pacc__calloc(2 * k, sizeof(*n->attrs));
	if (n->attrs == NULL)
		return PACC_ENOMEM;
	for (size_t i = 0; i < k; i++) {
		const char *v = atts[2 * i + 1];

		if (strlen(v) > PACC__XML_MAX_TEXT) {
			fail(st, PACC_EFORMAT,
			    "attribute %.64s of <%.64s> "
			    "(line %lu) is longer than %d bytes",
			    local_part(atts[2 * i]), n->name, n->line,
			    PACC__XML_MAX_TEXT);
			return PACC_EFORMAT;
		}
		n->attrs[2 * i] = pacc__strdup(local_part(atts[2 * i]));
		n->attrs[2 * i + 1] = pacc__strdup(v);
		n->nattrs = i + 1; /* node_free frees what is there */
		if (n->attrs[2 * i] == NULL || n->attrs[2 * i + 1] == NULL)
			return PACC_ENOMEM;
	}
	return PACC_OK;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xstate *st = ud;
	struct pacc__xml_node *n;
	int rc;

	if (st->rc != PACC_OK)
		return;
	if (st->depth >= PACC__XML_MAX_DEPTH) {
		fail(st, PACC_EFORMAT,
		    "elements nest deeper than %d levels "
		    "(line %lu)",
		    PACC__XML_MAX_DEPTH,
		    (unsigned long)XML_GetCurrentLineNumber(st->p));
		return;
	}
	if (st->nelems >= PACC__XML_MAX_ELEMENTS) {
		fail(st, PACC_EFORMAT,
		    "the document has more than %d "
		    "elements",
		    PACC__XML_MAX_ELEMENTS);
		return;
	}
	n = pacc__calloc(1, sizeof(*n));
	if (n == NULL) {
		fail(st, PACC_ENOMEM, "out of memory");
		return;
	}
	n->line = (unsigned long)XML_GetCurrentLineNumber(st->p);
	rc = set_name(n, name);
	if (rc == PACC_OK)
		rc = set_attrs(st, n, atts);
	if (rc != PACC_OK) {
		node_free(n);
		fail(st, rc, "out of memory"); /* no-op after set_attrs' */
		return;
	}
	n->parent = st->cur;
	if (st->cur == NULL)
		st->root = n;
	else if (st->cur->last == NULL)
		st->cur->child = st->cur->last = n;
	else
		st->cur->last = st->cur->last->next = n;
	st->cur = n;
	st->textcap = 0;
	st->depth++;
	st->nelems++;
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct xstate *st = ud;
	struct pacc__xml_node *n = st->cur;

	(void)name;
	if (st->rc != PACC_OK || n == NULL)
		return;
	while (n->textlen > 0 && is_ws(n->text[n->textlen - 1]))
		n->textlen--;
	if (n->text != NULL)
		n->text[n->textlen] = '\0';
	st->cur = n->parent;
	/* Text after a child goes to the parent: the capacity is unknown,
	 * so the next append reallocates (mixed content is rare here). */
	st->textcap = st->cur ? st->cur->textlen + (st->cur->text != NULL) : 0;
	st->depth--;
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct xstate *st = ud;
	struct pacc__xml_node *n = st->cur;
	size_t l = len > 0 ? (size_t)len : 0, need;

	if (st->rc != PACC_OK || n == NULL)
		return;
	if (n->textlen == 0) /* leading white space is never kept */
		while (l > 0 && is_ws(*s)) {
			s++;
			l--;
		}
	if (l == 0)
		return;
	if (l > PACC__XML_MAX_TEXT - n->textlen) {
		fail(st, PACC_EFORMAT,
		    "element <%.64s> (line %lu) holds more "
		    "than %d bytes of text",
		    n->name, n->line, PACC__XML_MAX_TEXT);
		return;
	}
	need = n->textlen + l + 1;
	if (need > st->textcap) {
		size_t cap = st->textcap < 64 ? 64 : st->textcap * 2;
		char *t;

		if (cap < need)
			cap = need;
		if (cap > PACC__XML_MAX_TEXT + 1)
			cap = PACC__XML_MAX_TEXT + 1;
		t = pacc__realloc(n->text, cap);
		if (t == NULL) {
			fail(st, PACC_ENOMEM, "out of memory");
			return;
		}
		n->text = t;
		st->textcap = cap;
	}
	memcpy(n->text + n->textlen, s, l);
	n->textlen += l;
	n->text[n->textlen] = '\0';
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	struct xstate *st = ud;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	fail(st, PACC_EFORMAT,
	    "the document has a DOCTYPE declaration "
	    "(line %lu): DTDs and entity declarations are refused",
	    (unsigned long)XML_GetCurrentLineNumber(st->p));
}

/* Unreachable without a DOCTYPE; kept so that no future path expands. */
static void XMLCALL
on_entity_decl(void *ud, const XML_Char *name, int is_param,
    const XML_Char *value, int value_len, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	struct xstate *st = ud;

	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	fail(st, PACC_EFORMAT, "entity declaration \"%.64s\" refused", name);
}

static void XMLCALL
on_skipped_entity(void *ud, const XML_Char *name, int is_param)
{
	struct xstate *st = ud;

	(void)is_param;
	fail(st, PACC_EFORMAT, "entity reference &%.64s; refused", name);
}

static int XMLCALL
on_external_entity(XML_Parser p, const XML_Char *context, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid)
{
	(void)p;
	(void)context;
	(void)base;
	(void)sysid;
	(void)pubid;
	return XML_STATUS_ERROR;
}

int
pacc__xml_parse(struct pacc__xml_node **root, const unsigned char *doc,
    size_t len, char *why, size_t whylen)
{
	static const XML_Memory_Handling_Suite mm = { pacc__malloc,
		pacc__realloc, pacc__free };
	static const XML_Char sep[] = { NS_SEP, '\0' };
	struct xstate st;
	int rc;

	if (root == NULL || (doc == NULL && len > 0))
		return PACC_EINVAL;
	*root = NULL;
	pacc__setwhy(why, whylen, "ok");
	if (len > (size_t)PACC__XML_MAX_DOC) {
		pacc__setwhy(why, whylen,
		    "the document is larger than %d bytes", PACC__XML_MAX_DOC);
		return PACC_EFORMAT;
	}
	memset(&st, 0, sizeof(st));
	st.rc = PACC_OK;
	st.why = why;
	st.whylen = whylen;
	st.p = XML_ParserCreate_MM(NULL, &mm, sep);
	if (st.p == NULL)
		return PACC_ENOMEM;
	XML_SetUserData(st.p, &st);
	XML_SetElementHandler(st.p, on_start, on_end);
	XML_SetCharacterDataHandler(st.p, on_text);
	XML_SetStartDoctypeDeclHandler(st.p, on_doctype);
	XML_SetEntityDeclHandler(st.p, on_entity_decl);
	XML_SetSkippedEntityHandler(st.p, on_skipped_entity);
	XML_SetExternalEntityRefHandler(st.p, on_external_entity);
	XML_SetParamEntityParsing(st.p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(st.p, (const char *)doc, (int)len, XML_TRUE) ==
	    XML_STATUS_OK) {
		rc = PACC_OK;
	} else if (st.rc != PACC_OK) {
		rc = st.rc; /* ours; the sentence is set */
	} else if (XML_GetErrorCode(st.p) == XML_ERROR_NO_MEMORY) {
		rc = PACC_ENOMEM;
		pacc__setwhy(why, whylen, "out of memory");
	} else {
		rc = PACC_EFORMAT;
		pacc__setwhy(why, whylen,
		    "not well-formed XML (line %lu, column "
		    "%lu): %s",
		    (unsigned long)XML_GetCurrentLineNumber(st.p),
		    (unsigned long)XML_GetCurrentColumnNumber(st.p) + 1,
		    XML_ErrorString(XML_GetErrorCode(st.p)));
	}
	XML_ParserFree(st.p);
	if (rc == PACC_OK && st.root == NULL) { /* expat says "no element" */
		rc = PACC_EFORMAT;
		pacc__setwhy(why, whylen, "the document has no element");
	}
	if (rc != PACC_OK) {
		pacc__xml_free(st.root);
		return rc;
	}
	*root = st.root;
	return PACC_OK;
}

const struct pacc__xml_node *
pacc__xml_next(const struct pacc__xml_node *n, const char *name)
{
	for (n = n ? n->next : NULL; n != NULL; n = n->next)
		if (name == NULL || strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

const struct pacc__xml_node *
pacc__xml_child(const struct pacc__xml_node *n, const char *name)
{
	if (n == NULL || n->child == NULL)
		return NULL;
	if (name == NULL || strcmp(n->child->name, name) == 0)
		return n->child;
	return pacc__xml_next(n->child, name);
}

const char *
pacc__xml_child_text(const struct pacc__xml_node *n, const char *name)
{
	const struct pacc__xml_node *c = pacc__xml_child(n, name);

	if (c == NULL)
		return NULL;
	return c->text ? c->text : "";
}

const char *
pacc__xml_attr(const struct pacc__xml_node *n, const char *name)
{
	if (n == NULL)
		return NULL;
	for (size_t i = 0; i < n->nattrs; i++)
		if (strcmp(n->attrs[2 * i], name) == 0)
			return n->attrs[2 * i + 1];
	return NULL;
}
