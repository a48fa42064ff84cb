/* SPDX-License-Identifier: MIT */
/*
 * OAuth state on disk (oauth.c): the client-id cache and the token file.
 *
 * Both are small JSON files written atomically: a new file created 0600
 * with O_EXCL next to the target, written, fsync'ed, renamed over it.  The
 * cache directory is created 0700.  Reading is bounded, refuses anything
 * but a regular file (O_NOFOLLOW) and treats a bad file as absent: the
 * cache is only a cache, and a bad token file only costs an authorization.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "internal.h"
#include "oauth_int.h"
#include "sasl.h"

#define STORE_MAX (256 * 1024)
#define CACHE_FILE "oauth-clients.json"
#define CACHE_MAX_ENTRIES 64

/* The whole file in secret memory (it may hold tokens), or NULL. */
static char *
read_small(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > STORE_MAX) {
		close(fd);
		return NULL;
	}
	buf = pacc__secret_alloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* Atomic replace: dir/.name.XXXXXX (0600), write, fsync, rename. */
static int
write_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = pacc__strfmt("%s.tmp%ld", path, (long)getpid());
	size_t off = 0;
	int fd, rc = PACC_EIO;

	if (tmp == NULL)
		return PACC_ENOMEM;
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		goto out;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off == len && fchmod(fd, 0600) == 0 && fsync(fd) == 0 &&
	    close(fd) == 0) {
		fd = -1;
		if (rename(tmp, path) == 0)
			rc = PACC_OK;
	}
	if (fd >= 0)
		close(fd);
	if (rc != PACC_OK)
		(void)unlink(tmp);
out:
	pacc__free(tmp);
	return rc;
}

/* mkdir -p with 0700 for what is created. */
static int
mkdirs(const char *dir)
{
	char *d = pacc__strdup(dir);
	int rc = PACC_OK;

	if (d == NULL)
		return PACC_ENOMEM;
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0700) != 0 && errno != EEXIST)
			rc = PACC_EIO;
		*p = '/';
	}
	if (mkdir(d, 0700) != 0 && errno != EEXIST)
		rc = PACC_EIO;
	pacc__free(d);
	return rc;
}

char *
pacc__oauth_state_dir(const char *given)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (given != NULL)
		return pacc__strdup(given);
	/* XDG Base Directory: a relative value is invalid and ignored */
	if (x != NULL && x[0] == '/')
		return pacc__strfmt("%s/pacc", x);
	if (home != NULL && home[0] == '/')
		return pacc__strfmt("%s/.local/state/pacc", home);
	return NULL;
}

static json_t *
load_json(const char *path)
{
	size_t len = 0;
	char *s = read_small(path, &len);
	json_t *root;

	if (s == NULL)
		return NULL;
	root = json_loadb(s, len, JSON_REJECT_DUPLICATES, NULL);
	pacc__secret_free(s);
	if (root != NULL && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static int
save_json(const char *path, json_t *root)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int rc;

	if (s == NULL)
		return PACC_ENOMEM;
	rc = write_atomic(path, s, strlen(s));
	OPENSSL_cleanse(s, strlen(s));
	free(s);
	return rc;
}

int
pacc__oauth_cache_get(const char *dir, const char *issuer, char **client_id,
    unsigned *port)
{
	char *path = pacc__strfmt("%s/" CACHE_FILE, dir);
	json_t *root, *e;
	const char *id, *uri;
	unsigned long p;
	char *end;

	*client_id = NULL;
	*port = 0;
	if (path == NULL)
		return PACC_ENOMEM;
	root = load_json(path);
	pacc__free(path);
	if (root == NULL)
		return PACC_ENOTFOUND;
	e = json_object_get(json_object_get(root, "clients"), issuer);
	id = json_string_value(json_object_get(e, "client_id"));
	uri = json_string_value(json_object_get(e, "redirect_uri"));
	if (id == NULL || uri == NULL ||
	    strncmp(uri, "http://127.0.0.1:", 17) != 0) {
		json_decref(root);
		return PACC_ENOTFOUND;
	}
	p = strtoul(uri + 17, &end, 10);
	if (p == 0 || p > 65535 || strcmp(end, PACC__OAUTH_PATH) != 0 ||
	    strlen(id) > PACC__OAUTH_MAX_ID) {
		json_decref(root);
		return PACC_ENOTFOUND;
	}
	*client_id = pacc__strdup(id);
	*port = (unsigned)p;
	json_decref(root);
	return *client_id ? PACC_OK : PACC_ENOMEM;
}

int
pacc__oauth_cache_put(const char *dir, const char *issuer,
    const char *client_id, const char *redirect_uri)
{
	char *path;
	json_t *root, *clients, *e;
	int rc;

	if ((rc = mkdirs(dir)) != PACC_OK)
		return rc;
	if ((path = pacc__strfmt("%s/" CACHE_FILE, dir)) == NULL)
		return PACC_ENOMEM;
	root = load_json(path);
	if (root == NULL)
		root = json_object();
	clients = json_object_get(root, "clients");
	if (!json_is_object(clients)) {
		clients = json_object();
		json_object_set_new(root, "clients", clients);
	}
	json_object_set_new(root, "version", json_integer(1));
	if (json_object_size(clients) >= CACHE_MAX_ENTRIES &&
	    json_object_get(clients, issuer) == NULL)
		json_object_clear(clients);
	e = json_pack("{s:s, s:s, s:I}", "client_id", client_id, "redirect_uri",
	    redirect_uri, "registered_at", (json_int_t)time(NULL));
	if (root == NULL || clients == NULL || e == NULL ||
	    json_object_set_new(clients, issuer, e) != 0) {
		json_decref(root);
		pacc__free(path);
		return PACC_ENOMEM;
	}
	rc = save_json(path, root);
	json_decref(root);
	pacc__free(path);
	return rc;
}

void
pacc__oauth_stored_clear(struct pacc__oauth_stored *s)
{
	pacc__free(s->issuer);
	pacc__free(s->client_id);
	pacc__secret_free(s->access_token);
	pacc__secret_free(s->refresh_token);
	pacc__free(s->scope);
	memset(s, 0, sizeof(*s));
}

int
pacc__oauth_token_load(struct pacc__oauth_stored *out, const char *path)
{
	json_t *root = load_json(path), *v;
	const char *iss, *cid, *at, *rt, *sc;

	memset(out, 0, sizeof(*out));
	if (root == NULL)
		return PACC_ENOTFOUND;
	iss = json_string_value(json_object_get(root, "issuer"));
	cid = json_string_value(json_object_get(root, "client_id"));
	at = json_string_value(json_object_get(root, "access_token"));
	rt = json_string_value(json_object_get(root, "refresh_token"));
	sc = json_string_value(json_object_get(root, "scope"));
	v = json_object_get(root, "expires_at");
	if (iss == NULL || cid == NULL || strlen(cid) > PACC__OAUTH_MAX_ID) {
		json_decref(root);
		return PACC_ENOTFOUND;
	}
	out->issuer = pacc__strdup(iss);
	out->client_id = pacc__strdup(cid);
	if (at && pacc__oauth_token_syntax_ok(at))
		out->access_token = pacc__secret_strdup(at);
	if (rt && strlen(rt) <= PACC__OAUTH_MAX_TOKEN)
		out->refresh_token = pacc__secret_strdup(rt);
	if (sc)
		out->scope = pacc__utf8_sanitize(sc);
	out->expires_at = json_is_integer(v) ? (long long)json_integer_value(v)
					     : 0;
	json_decref(root);
	if (out->issuer == NULL || out->client_id == NULL) {
		pacc__oauth_stored_clear(out);
		return PACC_ENOMEM;
	}
	return PACC_OK;
}

int
pacc__oauth_token_save(const char *path, const struct pacc__oauth_stored *s)
{
	json_t *root = json_object();
	int rc;

	if (root == NULL)
		return PACC_ENOMEM;
	json_object_set_new(root, "issuer", json_string(s->issuer));
	json_object_set_new(root, "client_id", json_string(s->client_id));
	json_object_set_new(root, "access_token", json_string(s->access_token));
	json_object_set_new(root, "refresh_token",
	    s->refresh_token ? json_string(s->refresh_token) : json_null());
	json_object_set_new(root, "expires_at",
	    json_integer((json_int_t)s->expires_at));
	json_object_set_new(root, "scope",
	    s->scope ? json_string(s->scope) : json_null());
	rc = save_json(path, root);
	/* jansson keeps its own copies of the strings: gone with root */
	json_decref(root);
	return rc;
}
