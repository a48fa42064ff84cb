/* SPDX-License-Identifier: MIT */
/* Building pacc_diags lists (provider.c, convert.c). */
#ifndef PACC_DIAG_H
#define PACC_DIAG_H

#include <stdbool.h>

#include "pacc/provider.h"

struct pacc_diags {
	pacc_diag *v;
	size_t n, cap;
	bool full;   /* PACC_DIAGS_MAX reached: a final note says so */
	bool enomem; /* an entry could not be stored */
};

int pacc__diags_new(pacc_diags **out);
/*
 * Appends one entry; the message is formatted (at most 767 bytes) and
 * sanitized (ill-formed UTF-8 and controls replaced).  Never fails: an
 * allocation failure is remembered in d->enomem (callers return
 * PACC_ENOMEM at the end).
 */
void pacc__diag(pacc_diags *d, pacc_severity sev, const char *code,
    const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* True when an entry of that severity and code exists. */
bool pacc__diags_has(const pacc_diags *d, const char *code);

#endif
