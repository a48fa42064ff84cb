/* SPDX-License-Identifier: MIT */
/*
 * The password for `pacc login` (DESIGN §4): from --password-fd, from
 * --password-env, from the first line of standard input when it is not a
 * terminal, or from the terminal without echo — never from argv.
 *
 * It lives in one mmap'ed page: mlock'ed where RLIMIT_MEMLOCK allows,
 * MADV_DONTDUMP (no copy in a core dump of ours), wiped with
 * explicit_bzero() before it is unmapped.  Bytes are read one at a time so
 * that nothing past the first line is taken from a shared descriptor, and
 * no stdio buffer ever holds them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include "password.h"

/* One page (or more) for the password and its NUL. */
static size_t
secret_size(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096;

	return (PASSWORD_MAX + 2 + page - 1) / page * page;
}

static char *
secret_new(void)
{
	size_t n = secret_size();
	void *m;

	/* MAP_ANONYMOUS takes fd -1 (Linux, the BSDs) */
	m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    /* cppcheck-suppress invalidFunctionArg */
	    -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	(void)mlock(m, n); /* best effort */
#ifdef MADV_DONTDUMP
	(void)madvise(m, n, MADV_DONTDUMP);
#endif
	return m;
}

void
password_free(char *p)
{
	size_t n = secret_size();

	if (p == NULL)
		return;
	explicit_bzero(p, n);
	(void)munlock(p, n);
	(void)munmap(p, n);
}

bool
terminal_available(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int
password_check(const struct tool_opts *o)
{
	if (o->password_fd >= 0 && o->password_env) {
		fprintf(stderr,
		    "pacc: --password-fd and --password-env "
		    "exclude each other\n");
		return EXIT_USAGE;
	}
	if (o->password_fd >= 0 && fcntl(o->password_fd, F_GETFD) < 0) {
		fprintf(stderr,
		    "pacc: --password-fd %d: not an open "
		    "descriptor\n",
		    o->password_fd);
		return EXIT_USAGE;
	}
	if (o->password_env && getenv(o->password_env) == NULL) {
		fprintf(stderr,
		    "pacc: --password-env %s: the variable is not "
		    "set\n",
		    o->password_env);
		return EXIT_USAGE;
	}
	return EXIT_FOUND;
}

/*
 * The first line of fd into buf (cap bytes incl. NUL), CR LF or LF
 * removed.  0 ok, -1 read error, -2 too long, -3 NUL byte.
 */
static int
read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	char c;
	ssize_t r;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (c == '\0')
			return -3;
		if (n + 1 >= cap)
			return -2;
		buf[n++] = c;
	}
	c = 0;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

/* The terminal, restored on the way out, also by a signal. */
static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved;

static void
tty_restore_signal(int sig)
{
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
read_tty(char *buf, size_t cap, const char *address)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
	struct sigaction sa, old[5];
	struct termios t;
	char prompt[400];
	int fd, rc;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -4;
	if (tcgetattr(fd, &tty_saved) != 0) {
		close(fd);
		return -4;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_restore_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 5; i++)
		sigaction(sigs[i], &sa, &old[i]);
	tty_fd = fd;
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	t.c_lflag |= ICANON;
	snprintf(prompt, sizeof(prompt), "Password for %s: ", address);
	/* echo off before the prompt: what is typed after it is never
	 * shown, and never flushed away by TCSAFLUSH */
	if (tcsetattr(fd, TCSAFLUSH, &t) != 0 ||
	    write(fd, prompt, strlen(prompt)) < 0) {
		tcsetattr(fd, TCSAFLUSH, &tty_saved);
		rc = -4;
	} else {
		ssize_t w;

		rc = read_line(fd, buf, cap);
		tcsetattr(fd, TCSAFLUSH, &tty_saved);
		w = write(fd, "\n", 1); /* the Enter that was not echoed */
		(void)w;
	}
	tty_fd = -1;
	for (size_t i = 0; i < 5; i++)
		sigaction(sigs[i], &old[i], NULL);
	close(fd);
	return rc;
}

int
password_read(char **out, const struct tool_opts *o, const char *address)
{
	const char *from;
	char *buf;
	int rc;

	*out = NULL;
	if (password_check(o) != EXIT_FOUND)
		return EXIT_USAGE;
	if ((buf = secret_new()) == NULL) {
		fprintf(stderr, "pacc: out of memory\n");
		return EXIT_ENVIRONMENT;
	}
	if (o->password_fd >= 0) {
		from = "--password-fd";
		rc = read_line(o->password_fd, buf, PASSWORD_MAX + 1);
	} else if (o->password_env) {
		char *v = getenv(o->password_env);
		size_t n = v ? strlen(v) : 0;

		from = "--password-env";
		rc = v == NULL ? -1 : n > PASSWORD_MAX ? -2 : 0;
		if (rc == 0)
			memcpy(buf, v, n + 1);
		/* leave no copy in the environment (nor in /proc/PID/environ,
		 * for the variables the process started with) */
		if (v != NULL)
			explicit_bzero(v, n);
		unsetenv(o->password_env);
	} else if (!isatty(STDIN_FILENO)) {
		from = "standard input";
		rc = read_line(STDIN_FILENO, buf, PASSWORD_MAX + 1);
	} else {
		from = "the terminal";
		rc = read_tty(buf, PASSWORD_MAX + 1, address);
	}
	if (rc == 0 && buf[0] == '\0')
		rc = -5;
	if (rc != 0) {
		fprintf(stderr, "pacc: cannot read the password from %s: %s\n",
		    from,
		    rc == -2	   ? "longer than 4096 bytes"
			: rc == -3 ? "it holds a NUL byte"
			: rc == -4 ? "no terminal"
			: rc == -5 ? "it is empty"
				   : "read error");
		password_free(buf);
		return rc == -1 || rc == -4 ? EXIT_ENVIRONMENT : EXIT_USAGE;
	}
	*out = buf;
	return EXIT_FOUND;
}
