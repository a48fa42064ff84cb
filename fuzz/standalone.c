/* SPDX-License-Identifier: MIT */
/*
 * Replays inputs through one harness without libFuzzer, as libgit2's
 * fuzzers/standalone_driver.c and c-ares' test/ares-test-fuzz.c do: every
 * file named on the command line, and every regular file of every named
 * directory (in name order), goes once to LLVMFuzzerTestOneInput, after
 * the empty input.  Linked with each harness by the normal (gcc) build so
 * that every corpus runs in every test run, under ASan+UBSan too.  A broken
 * invariant aborts; an unreadable path is an error (exit 1).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX (16 * 1024 * 1024) /* far above any -max_len we use */

static unsigned long nreplayed;

/* The bytes go in an exact-size buffer, so ASan sees any over-read. */
static int
replay_file(const char *path)
{
	FILE *f;
	struct stat st;
	uint8_t *buf;
	size_t n;

	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0 ||
	    st.st_size > REPLAY_MAX) {
		fprintf(stderr, "%s: cannot size it, or larger than %d bytes\n",
		    path, REPLAY_MAX);
		fclose(f);
		return -1;
	}
	n = (size_t)st.st_size;
	buf = malloc(n ? n : 1);
	if (buf == NULL || fread(buf, 1, n, f) != n) {
		fprintf(stderr, "%s: cannot read it\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	nreplayed++;
	return 0;
}

static int
replay_dir(const char *dir)
{
	struct dirent **ents = NULL;
	int n, rc = 0;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		struct stat st;
		size_t len = strlen(dir) + 1 + strlen(name) + 1;
		char *path = malloc(len);

		if (path == NULL) {
			rc = -1;
		} else if (name[0] != '.') {
			snprintf(path, len, "%s/%s", dir, name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			    replay_file(path) != 0)
				rc = -1;
		}
		free(path);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			rc = 1;
			continue;
		}
		if (S_ISDIR(st.st_mode))
			rc |= replay_dir(argv[i]) != 0;
		else
			rc |= replay_file(argv[i]) != 0;
	}
	printf("%lu inputs replayed through %s\n", nreplayed, argv[0]);
	if (nreplayed == 0) {
		fprintf(stderr, "no input: an empty corpus tests nothing\n");
		rc = 1;
	}
	return rc;
}
