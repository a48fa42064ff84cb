/* SPDX-License-Identifier: MIT */
/* OAuth internals shared by oauth.c, oauth_store.c and login.c. */
#ifndef PACC_OAUTH_INT_H
#define PACC_OAUTH_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "pacc/oauth.h"

/* The loopback redirect path (RFC 8252 §7.3: http://127.0.0.1:PORT/...). */
#define PACC__OAUTH_PATH "/callback"

struct pacc_oauth_result {
	int status;
	char *detail;
	char *issuer;
	char *client_id;
	const char *client_source; /* static */
	const char *token_source;  /* static */
	char *auth_host;
	char *access_token; /* secret memory */
	char *scope;
	long long expires_at;
	char **resources; /* protected_resources of the metadata */
	size_t nresources;
};

/* ---- oauth_store.c ---- */

/* The cache directory: `given`, else $XDG_STATE_HOME/pacc, else
 * $HOME/.local/state/pacc; NULL when none can be named. */
char *pacc__oauth_state_dir(const char *given);
/* PACC_OK with the client id and the port of its redirect URI. */
int pacc__oauth_cache_get(const char *dir, const char *issuer, char **client_id,
    unsigned *port);
int pacc__oauth_cache_put(const char *dir, const char *issuer,
    const char *client_id, const char *redirect_uri);

struct pacc__oauth_stored {
	char *issuer;
	char *client_id;
	char *access_token;  /* secret memory */
	char *refresh_token; /* secret memory */
	char *scope;
	long long expires_at; /* epoch seconds, 0 unknown */
};
int pacc__oauth_token_load(struct pacc__oauth_stored *out, const char *path);
int pacc__oauth_token_save(const char *path,
    const struct pacc__oauth_stored *s);
void pacc__oauth_stored_clear(struct pacc__oauth_stored *s);

#endif
