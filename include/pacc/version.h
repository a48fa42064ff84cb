/* SPDX-License-Identifier: MIT */
#ifndef PACC_VERSION_H
#define PACC_VERSION_H

#define PACC_VERSION_MAJOR 0
#define PACC_VERSION_MINOR 1
#define PACC_VERSION_PATCH 0
#define PACC_VERSION_STRING "0.1.0"
/* One number that grows with every release: 0xMMmmpp. */
#define PACC_VERSION_NUM                                                       \
	((PACC_VERSION_MAJOR << 16) | (PACC_VERSION_MINOR << 8) |              \
	    PACC_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the library actually loaded, e.g. "0.1.0". */
const char *pacc_version(void);

#ifdef __cplusplus
}
#endif
#endif
