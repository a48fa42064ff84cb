/* SPDX-License-Identifier: MIT */
/* Shared by `pacc publish` and `pacc convert`. */
#ifndef PACC_PROVIDER_OUT_H
#define PACC_PROVIDER_OUT_H

#include <stdio.h>

#include "pacc/provider.h"

/* The document files these commands read are small; more is bad input. */
#define TOOL_MAX_FILE (4L * 1024 * 1024)

/* Reads FILE ("-": standard input) into *buf (NUL-terminated, free()).
 * 0, or -1 with a message printed. */
int tool_read_file(const char *path, unsigned char **buf, size_t *len);
/* A JSON string literal. */
void tool_json_str(FILE *f, const char *s);
const char *tool_severity_name(pacc_severity s);
/* "pacc: FILE: error code at PATH: message" lines on stderr. */
void tool_print_diags(const char *file, const pacc_diags *d);
/* "[{...},...]" */
void tool_json_diags(FILE *f, const pacc_diags *d, const char *indent);

#endif
