/* SPDX-License-Identifier: MIT */
/* pacc_diags: findings about one document (pacc/provider.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacc/error.h"

#include "alloc.h"
#include "diag.h"
#include "internal.h"
#include "fmt.h"

#define MSG_MAX 768

int
pacc__diags_new(pacc_diags **out)
{
	if (out == NULL)
		return PACC_EINVAL;
	*out = pacc__calloc(1, sizeof(**out));
	return *out ? PACC_OK : PACC_ENOMEM;
}

static void
put(pacc_diags *d, pacc_severity sev, const char *code, const char *path,
    const char *msg)
{
	pacc_diag *e;
	char *p = NULL, *m = NULL;

	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 8;
		pacc_diag *nv = pacc__reallocarray(d->v, ncap, sizeof(*nv));

		if (nv == NULL) {
			d->enomem = true;
			return;
		}
		d->v = nv;
		d->cap = ncap;
	}
	p = pacc__utf8_sanitize(path ? path : "");
	m = pacc__utf8_sanitize(msg);
	if (p == NULL || m == NULL) {
		pacc__free(p);
		pacc__free(m);
		d->enomem = true;
		return;
	}
	e = &d->v[d->n++];
	e->severity = sev;
	e->code = code; /* always a string literal */
	e->path = p;
	e->message = m;
}

void
pacc__diag(pacc_diags *d, pacc_severity sev, const char *code, const char *path,
    const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	if (d == NULL || d->full)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->n + 1 >= PACC_DIAGS_MAX) {
		d->full = true;
		put(d, PACC_SEVERITY_NOTE, "too-many-diagnostics", "",
		    "more findings were left out");
		return;
	}
	put(d, sev, code, path, msg);
}

bool
pacc__diags_has(const pacc_diags *d, const char *code)
{
	for (size_t i = 0; d != NULL && i < d->n; i++)
		if (strcmp(d->v[i].code, code) == 0)
			return true;
	return false;
}

PACC__API size_t
pacc_diags_count(const pacc_diags *d)
{
	return d ? d->n : 0;
}

PACC__API const pacc_diag *
pacc_diags_get(const pacc_diags *d, size_t i)
{
	return d != NULL && i < d->n ? &d->v[i] : NULL;
}

PACC__API size_t
pacc_diags_count_severity(const pacc_diags *d, pacc_severity sev)
{
	size_t k = 0;

	for (size_t i = 0; d != NULL && i < d->n; i++)
		if (d->v[i].severity == sev)
			k++;
	return k;
}

PACC__API void
pacc_diags_free(pacc_diags *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++) {
		pacc__free((void *)d->v[i].path);
		pacc__free((void *)d->v[i].message);
	}
	pacc__free(d->v);
	pacc__free(d);
}
