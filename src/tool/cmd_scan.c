/* SPDX-License-Identifier: MIT */
/*
 * pacc scan FILE: many discoveries on one context and one poll(2) loop, at
 * most -j at a time.  The input is read a line at a time and each result is
 * written (one JSON line) and freed as soon as it is delivered, so memory
 * does not grow with the length of the list.  With -o, the inputs already
 * in the output file are skipped (a set of 64-bit hashes of their "input"
 * values) and a torn last line is cut off before appending.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

#define SCAN_MAX_LINE 1024 /* bytes of one input line */
#define SCAN_MAX_JOBS 4096
#define SCAN_DEFAULT_JOBS 16

/* ---- a set of 64-bit hashes (open addressing; 0 marks a free slot) ---- */

struct hset {
	uint64_t *v;
	size_t cap, n;
};

static uint64_t
hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 29; /* spread the low bits used for the index */
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h ? h : 1;
}

static bool
hset_has(const struct hset *s, uint64_t h)
{
	if (s->cap == 0)
		return false;
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->v[i] == h)
			return true;
		if (s->v[i] == 0)
			return false;
	}
}

static int
hset_add(struct hset *s, uint64_t h)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 1024;
		uint64_t *nv = calloc(ncap, sizeof(*nv));

		if (nv == NULL)
			return -1;
		for (size_t i = 0; i < s->cap; i++) {
			size_t j;

			if (s->v[i] == 0)
				continue;
			for (j = s->v[i] & (ncap - 1); nv[j];
			     j = (j + 1) & (ncap - 1))
				;
			nv[j] = s->v[i];
		}
		free(s->v);
		s->v = nv;
		s->cap = ncap;
	}
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->v[i] == h)
			return 0;
		if (s->v[i] == 0) {
			s->v[i] = h;
			s->n++;
			return 0;
		}
	}
}

/* ---- JSON string escaping (the "input" key, byte for byte) ---- */

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * Escape s[0..len) into out (cap >= 6 * len + 1): quotes, backslashes and
 * control characters escaped, invalid UTF-8 bytes replaced by U+FFFD.
 * Returns the length; *clean says whether nothing had to be replaced.
 */
static size_t
json_escape(char *out, const char *s, size_t len, bool *clean)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0, l;

	*clean = true;
	while (i < len) {
		if (p[i] == '"' || p[i] == '\\') {
			out[o++] = '\\';
			out[o++] = (char)p[i++];
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			o += (size_t)snprintf(out + o, 7, "\\u%04x", p[i++]);
			*clean = false;
		} else if ((l = utf8_len(p + i, len - i)) == 0) {
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			i++;
			*clean = false;
		} else {
			memcpy(out + o, p + i, l);
			o += l;
			i += l;
		}
	}
	out[o] = '\0';
	return o;
}

/* ---- state ---- */

struct scan;

struct job {
	struct scan *sc;
	struct job *next, *prev; /* running */
	long long t0;
	char *input; /* escaped, as written after "input": */
};

struct mech_count {
	unsigned long answered, published;
};

struct scan {
	struct tool_opts *o;
	pacc_ctx *ctx;
	pacc_discover_opts dopts;
	FILE *in, *out;
	struct hset done;
	struct job *running;
	size_t inflight, jobs;
	/* adaptive concurrency (adapt()): at most `limit` <= jobs run */
	size_t limit;
	double lat_ms; /* moving average of a discovery's duration */
	long timeout_ms;
	unsigned long since_adapt;
	bool eof, write_failed, progress;
	unsigned long lineno, read, skipped, results;
	unsigned long st_found, st_notfound, st_integrity, st_error, st_env;
	unsigned long digest_verified, dnssec_secure, bad_input;
	struct mech_count mech[PACC_MECH__COUNT];
	long long t0, last_progress;
	char line[SCAN_MAX_LINE + 2];
	char esc[6 * SCAN_MAX_LINE + 1];
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
write_line(struct scan *sc, const char *input, const char *obj)
{
	/* obj is "{...}": the input goes in as the first key */
	if (fprintf(sc->out, "{\"input\":\"%s\",%s\n", input, obj + 1) < 0 ||
	    fflush(sc->out) != 0)
		sc->write_failed = true;
	sc->results++;
}

/* A line that is not even handed to the library: same keys as a
 * discovery that stopped on a bad address. */
static void
write_bad_line(struct scan *sc, const char *input, const char *code,
    const char *detail)
{
	char obj[1024];

	snprintf(obj, sizeof(obj),
	    "{\"address\":\"%s\",\"domain\":null,\"domain_unicode\":null,"
	    "\"status\":\"error\",\"mechanism\":null,\"source\":null,"
	    "\"integrity\":{\"digest\":\"n/a\",\"dnssec\":\"n/a\","
	    "\"dnssec_reason\":null},\"servers\":[],"
	    "\"confirm\":{\"domains\":[],\"required\":true},"
	    "\"candidates\":[],\"attempts\":[],"
	    "\"error\":{\"code\":\"%s\",\"detail\":\"%s\"}}",
	    strlen(input) < 400 ? input : "", code, detail);
	write_line(sc, input, obj);
	sc->st_error++;
	sc->bad_input++;
}

static void
count(struct scan *sc, const pacc_result *res)
{
	int m;

	switch (pacc_result_outcome(res)) {
	case PACC_RESULT_FOUND:
		sc->st_found++;
		break;
	case PACC_RESULT_NOT_FOUND:
		sc->st_notfound++;
		break;
	case PACC_RESULT_INTEGRITY_FAILURE:
		sc->st_integrity++;
		break;
	case PACC_RESULT_ERROR:
		sc->st_error++;
		if (pacc_result_error(res) == PACC_EADDRESS)
			sc->bad_input++;
		else
			sc->st_env++;
		break;
	}
	m = pacc_result_mechanism(res);
	if (m >= 0 && m < PACC_MECH__COUNT)
		sc->mech[m].answered++;
	for (size_t i = 0; i < pacc_result_attempt_count(res); i++) {
		const pacc_attempt *a = pacc_result_attempt(res, i);

		if (pacc_attempt_outcome_get(a) == PACC_ATTEMPT_OK &&
		    (unsigned)pacc_attempt_mechanism(a) < PACC_MECH__COUNT)
			sc->mech[pacc_attempt_mechanism(a)].published++;
	}
	if (pacc_result_outcome(res) == PACC_RESULT_FOUND) {
		if (pacc_result_digest(res) == PACC_DIGEST_VERIFIED)
			sc->digest_verified++;
		if (pacc_result_dnssec(res) == PACC_DNSSEC_SECURE)
			sc->dnssec_secure++;
	}
}

static void
job_free(struct job *j)
{
	struct scan *sc = j->sc;

	if (j->prev)
		j->prev->next = j->next;
	else
		sc->running = j->next;
	if (j->next)
		j->next->prev = j->prev;
	free(j->input);
	free(j);
	sc->inflight--;
}

/*
 * Discoveries that wait for each other (the resolver, the CPU) only get
 * slower, not faster, once the machine is saturated: with too many running,
 * each one spends its deadline in queues and ends as a timeout instead of a
 * result.  Keep the running ones' average duration between 15 % and 30 % of
 * the deadline: fewer when slower, more (up to -j) when there is room.
 */
static void
adapt(struct scan *sc, long long elapsed)
{
	sc->lat_ms = sc->lat_ms <= 0 ? (double)elapsed
				     : 0.9 * sc->lat_ms + 0.1 * elapsed;
	if (++sc->since_adapt < sc->limit / 4 + 4)
		return;
	sc->since_adapt = 0;
	if (sc->lat_ms > 0.30 * sc->timeout_ms && sc->limit > 8)
		sc->limit = sc->limit * 3 / 4 < 8 ? 8 : sc->limit * 3 / 4;
	else if (sc->lat_ms < 0.15 * sc->timeout_ms && sc->limit < sc->jobs)
		sc->limit = sc->limit + sc->limit / 8 + 1 > sc->jobs
		    ? sc->jobs
		    : sc->limit + sc->limit / 8 + 1;
}

static void
on_result(pacc_discovery *d, const pacc_result *res, void *ud)
{
	struct job *j = ud;
	struct scan *sc = j->sc;
	char *s = NULL;

	(void)d;
	adapt(sc, now_ms() - j->t0);
	if (pacc_result_to_json(&s, res, 0) != PACC_OK || s == NULL ||
	    s[0] != '{') {
		write_bad_line(sc, j->input, "out-of-memory",
		    "the result could not be serialised");
		sc->bad_input--;
		sc->st_env++;
	} else {
		write_line(sc, j->input, s);
		count(sc, res);
	}
	free(s);
	job_free(j);
}

/* One input line (trimmed) -> skipped, an error line, or a discovery. */
static int
take_line(struct scan *sc, char *line, size_t len, bool too_long)
{
	pacc_discovery *d;
	struct job *j;
	char *addr;
	size_t elen;
	bool clean;

	elen = json_escape(sc->esc, line, len, &clean);
	if (sc->done.cap && hset_has(&sc->done, hash_str(sc->esc, elen))) {
		sc->skipped++;
		return 0;
	}
	if (too_long) {
		write_bad_line(sc, sc->esc, "line-too-long",
		    "the input line is longer than 1024 bytes");
		return 0;
	}
	if (!clean || memchr(line, '\0', len) != NULL) {
		write_bad_line(sc, sc->esc, "bad-encoding",
		    "the input line is not UTF-8 text without control "
		    "characters");
		return 0;
	}
	j = calloc(1, sizeof(*j));
	addr = malloc(len + sizeof("postmaster@"));
	if (j == NULL || addr == NULL ||
	    (j->input = malloc(elen + 1)) == NULL) {
		free(j);
		free(addr);
		return -1;
	}
	memcpy(j->input, sc->esc, elen + 1);
	j->sc = sc;
	/* a bare domain is scanned as its postmaster (RFC 5321 4.5.1) */
	if (memchr(line, '@', len) == NULL)
		snprintf(addr, len + sizeof("postmaster@"), "postmaster@%s",
		    line);
	else
		memcpy(addr, line, len + 1);
	if (pacc_discover_start(&d, sc->ctx, addr, &sc->dopts, on_result, j) !=
	    PACC_OK) {
		free(addr);
		free(j->input);
		free(j);
		return -1;
	}
	free(addr);
	j->t0 = now_ms();
	j->next = sc->running;
	if (j->next)
		j->next->prev = j;
	sc->running = j;
	sc->inflight++;
	return 0;
}

/*
 * Read one line into sc->line (at most SCAN_MAX_LINE bytes kept, the rest
 * discarded).  Returns 0 at end of input, else 1 with *len and *too_long.
 */
static int
read_line(struct scan *sc, size_t *len, bool *too_long)
{
	int c;
	size_t n = 0;

	*too_long = false;
	while ((c = getc(sc->in)) != EOF && c != '\n') {
		if (n < SCAN_MAX_LINE)
			sc->line[n++] = (char)c;
		else
			*too_long = true;
	}
	if (c == EOF && n == 0 && !*too_long)
		return 0;
	sc->line[n] = '\0';
	*len = n;
	return 1;
}

/* Next input that needs work: blank lines and # comments are skipped. */
static int
feed(struct scan *sc)
{
	size_t len, b;
	bool too_long;
	char *p;

	while (!sc->eof && sc->inflight < sc->limit) {
		if (!read_line(sc, &len, &too_long)) {
			sc->eof = true;
			break;
		}
		sc->lineno++;
		p = sc->line;
		b = 0;
		while (b < len && (p[b] == ' ' || p[b] == '\t'))
			b++;
		p += b;
		len -= b;
		while (len > 0 &&
		    (p[len - 1] == ' ' || p[len - 1] == '\t' ||
			p[len - 1] == '\r'))
			p[--len] = '\0';
		if ((len == 0 && !too_long) || p[0] == '#')
			continue;
		sc->read++;
		if (take_line(sc, p, len, too_long) != 0)
			return -1;
	}
	return 0;
}

/*
 * The inputs an earlier run already wrote to `path`; a last line without
 * its newline (the run was killed while writing) is cut off.
 */
static int
load_done(struct scan *sc, const char *path)
{
	static const char key[] = "{\"input\":\"";
	FILE *f = fopen(path, "r+");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	off_t good = 0, seen = 0;
	int rc = 0;

	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((n = getline(&line, &cap, f)) > 0) {
		char *s, *e;

		seen += n;
		if (line[n - 1] != '\n')
			break;
		good += n;
		if (strncmp(line, key, sizeof(key) - 1) != 0)
			continue;
		s = line + sizeof(key) - 1;
		for (e = s; *e && *e != '"'; e++)
			if (*e == '\\' && e[1])
				e++;
		if (*e == '"' && hset_add(&sc->done, hash_str(s, e - s)) != 0)
			rc = -1;
	}
	/* a torn last line: cut it off */
	if (ferror(f) || (seen > good && ftruncate(fileno(f), good) != 0))
		rc = -1;
	free(line);
	fclose(f);
	return rc;
}

static void
progress(struct scan *sc, bool last)
{
	long long t = now_ms();
	double secs;

	if (!sc->progress || (!last && t - sc->last_progress < 250))
		return;
	sc->last_progress = t;
	if (last) {
		fputs("\r\033[K", stderr);
		return;
	}
	secs = (t - sc->t0) / 1000.0;
	fprintf(stderr,
	    "\r\033[Kpacc: scan: %lu done, %zu running (limit %zu), "
	    "%lu skipped, %.0f/s",
	    sc->results, sc->inflight, sc->limit, sc->skipped,
	    secs > 0 ? sc->results / secs : 0.0);
}

static void
summary(struct scan *sc, FILE *f)
{
	double secs = (now_ms() - sc->t0) / 1000.0;

	if (sc->o->json) {
		fprintf(f,
		    "{\"inputs\":%lu,\"skipped\":%lu,\"scanned\":%lu,"
		    "\"found\":%lu,\"not_found\":%lu,"
		    "\"integrity_failure\":%lu,\"error\":%lu,"
		    "\"bad_input\":%lu,\"digest_verified\":%lu,"
		    "\"dnssec_secure\":%lu,\"seconds\":%.3f,\"mechanisms\":{",
		    sc->read, sc->skipped, sc->results, sc->st_found,
		    sc->st_notfound, sc->st_integrity, sc->st_error,
		    sc->bad_input, sc->digest_verified, sc->dnssec_secure,
		    secs);
		for (int m = 0; m < PACC_MECH__COUNT; m++)
			fprintf(f,
			    "%s\"%s\":{\"answered\":%lu,\"published\":%lu}",
			    m ? "," : "", pacc_mechanism_name(m),
			    sc->mech[m].answered, sc->mech[m].published);
		fputs("}}\n", f);
	} else {
		fprintf(f,
		    "scan: %lu inputs, %lu skipped (already in the "
		    "output), %lu scanned in %.1f s\n",
		    sc->read, sc->skipped, sc->results, secs);
		fprintf(f, "  %-16s %9s %9s\n", "mechanism", "answered",
		    "published");
		for (int m = 0; m < PACC_MECH__COUNT; m++)
			fprintf(f, "  %-16s %9lu %9lu\n",
			    pacc_mechanism_name(m), sc->mech[m].answered,
			    sc->mech[m].published);
		fprintf(f,
		    "  %-16s %9lu\n  %-16s %9lu\n  %-16s %9lu\n"
		    "  %-16s %9lu\n  %-16s %9lu (bad input %lu)\n"
		    "  %-16s %9lu\n",
		    "found", sc->st_found, "digest-verified",
		    sc->digest_verified, "dnssec-secure", sc->dnssec_secure,
		    "not-found", sc->st_notfound, "error", sc->st_error,
		    sc->bad_input, "integrity-fail", sc->st_integrity);
	}
	fflush(f);
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
run(struct scan *sc)
{
	struct pollfd *fds = NULL, *nf;
	size_t cap = 0, n;
	int timeout, rc = 0;

	for (;;) {
		if (feed(sc) != 0) {
			rc = -1;
			break;
		}
		if (sc->inflight == 0 && sc->eof)
			break;
		if (sc->write_failed)
			break;
		if (sc->inflight == 0)
			continue;
		while (pacc_ctx_pollfds(sc->ctx, fds, cap, &n, &timeout) ==
		    PACC_ETOOBIG) {
			nf = realloc(fds, (n + 64) * sizeof(*fds));
			if (nf == NULL) {
				free(fds);
				return -1;
			}
			fds = nf;
			cap = n + 64;
		}
		if (sc->progress && (timeout < 0 || timeout > 250))
			timeout = 250;
		if (poll(fds, n, timeout) < 0 && errno != EINTR) {
			rc = -1;
			break;
		}
		pacc_ctx_process(sc->ctx, fds, n);
		progress(sc, false);
	}
	free(fds);
	return rc;
}

int
cmd_scan(struct tool_opts *o)
{
	struct scan *sc;
	int status;

	if (o->nargs != 1) {
		fprintf(stderr,
		    "pacc: scan takes exactly one FILE (- for standard "
		    "input)\nTry 'pacc --help'.\n");
		return EXIT_USAGE;
	}
	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		fprintf(stderr, "pacc: out of memory\n");
		return EXIT_ENVIRONMENT;
	}
	sc->o = o;
	sc->jobs = o->jobs > 0 ? (size_t)o->jobs : SCAN_DEFAULT_JOBS;
	sc->limit = sc->jobs < 64 ? sc->jobs : 64;
	sc->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	sc->dopts = (pacc_discover_opts)PACC_DISCOVER_OPTS_INIT;
	if (o->insecure_http)
		sc->dopts.flags |= PACC_DISCOVER_INSECURE_HTTP;
	sc->dopts.ispdb_dir = o->ispdb_dir;
	sc->dopts.ispdb_url = o->ispdb_url;
	sc->dopts.doh_url = o->doh;
	status = EXIT_USAGE;
	if (strcmp(o->args[0], "-") == 0) {
		sc->in = stdin;
	} else if ((sc->in = fopen(o->args[0], "r")) == NULL) {
		fprintf(stderr, "pacc: scan: cannot read '%s': %s\n",
		    o->args[0], strerror(errno));
		goto out;
	}
	status = EXIT_ENVIRONMENT;
	if (o->output) {
		if (load_done(sc, o->output) != 0) {
			fprintf(stderr,
			    "pacc: scan: cannot read and repair '%s': %s\n",
			    o->output, strerror(errno));
			goto out;
		}
		if ((sc->out = fopen(o->output, "a")) == NULL) {
			fprintf(stderr, "pacc: scan: cannot write '%s': %s\n",
			    o->output, strerror(errno));
			goto out;
		}
	} else {
		sc->out = stdout;
	}
	raise_nofile();
	if (pacc_ctx_new(&sc->ctx) != PACC_OK) {
		fprintf(stderr, "pacc: out of memory\n");
		goto out;
	}
	if ((status = tool_setup_ctx(sc->ctx, o)) != EXIT_FOUND)
		goto out;
	sc->progress = isatty(STDERR_FILENO);
	sc->t0 = now_ms();
	if (run(sc) != 0) {
		progress(sc, true);
		fprintf(stderr,
		    "pacc: scan: out of memory or poll(2) failed "
		    "(%s)\n",
		    strerror(errno));
		status = EXIT_ENVIRONMENT;
		goto out;
	}
	progress(sc, true);
	if (sc->write_failed || ferror(sc->in)) {
		fprintf(stderr, "pacc: scan: cannot %s\n",
		    sc->write_failed ? "write the output" : "read the input");
		status = EXIT_ENVIRONMENT;
		goto out;
	}
	summary(sc, o->output ? stdout : stderr);
	/* every discovery failed on the environment: say so */
	status = sc->results > 0 && sc->st_env == sc->results ? EXIT_ENVIRONMENT
							      : EXIT_FOUND;
	if (status != EXIT_FOUND)
		fprintf(stderr,
		    "pacc: scan: every discovery failed (resolver "
		    "unreachable?)\n");
out:
	pacc_ctx_free(sc->ctx); /* cancels what still runs, no callbacks */
	for (struct job *j = sc->running, *next; j != NULL; j = next) {
		next = j->next;
		free(j->input);
		free(j);
	}
	sc->running = NULL;
	if (sc->in && sc->in != stdin)
		fclose(sc->in);
	if (sc->out && sc->out != stdout && fclose(sc->out) != 0 &&
	    status == EXIT_FOUND)
		status = EXIT_ENVIRONMENT;
	free(sc->done.v);
	free(sc);
	return status;
}
