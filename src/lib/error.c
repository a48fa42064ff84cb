/* SPDX-License-Identifier: MIT */
#include "internal.h"

PACC__API const char *
pacc_strerror(int status)
{
	switch (status) {
#define PACC__XX(name, val, id, msg)                                           \
	case val:                                                              \
		return msg;
		PACC_STATUS_MAP(PACC__XX)
#undef PACC__XX
	}
	return "unknown status";
}

PACC__API const char *
pacc_status_name(int status)
{
	switch (status) {
#define PACC__XX(name, val, id, msg)                                           \
	case val:                                                              \
		return id;
		PACC_STATUS_MAP(PACC__XX)
#undef PACC__XX
	}
	return "unknown";
}

PACC__API const char *
pacc_version(void)
{
	return PACC_VERSION_STRING;
}
