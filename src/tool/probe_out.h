/* SPDX-License-Identifier: MIT */
/* Output of `pacc probe` (out_probe.c). */
#ifndef PACC_PROBE_OUT_H
#define PACC_PROBE_OUT_H

#include "pacc/pacc.h"

/* One block per server, then a summary line (standard output). */
void out_probe_text(const pacc_probe_result *res);
/* The one JSON object of doc/probe.schema.json; -1 when it cannot be
 * written. */
int out_probe_json(const pacc_probe_result *res);
/* DESIGN §4 exit status of a probe run (discovery already found). */
int probe_exit_status(const pacc_probe_result *res);

#endif
