/* SPDX-License-Identifier: MIT */
/*
 * fmt_caps.c, pacc__frame_line(): where a mail protocol response ends and
 * what it says.  Input: one byte choosing the framing (and an IMAP tag),
 * then lines, each ended by LF or the end of the input (a CR before the
 * LF is dropped, as lineproto.c does).  Each line, in an exact-size
 * NUL-terminated buffer, goes in until the framer says done or error:
 * done carries a status (SMTP: the reply code of that line), error a
 * sentence, more neither.
 */
#include "pacc/error.h"

#include "net.h"

#include "fuzz.h"

static const char *const tags[] = { NULL, "", "A1", "a001", "*", "+",
	"0123456789abcde" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__framer f;
	enum pacc__frame frame;
	const char *tag;
	size_t i = 1;
	int rc = PACC__FRAME_MORE;

	if (size == 0)
		return 0;
	frame = (enum pacc__frame)(data[0] % 7 + 1);
	tag = tags[(data[0] >> 3) % (sizeof(tags) / sizeof(tags[0]))];
	CHECK(pacc__frame_init(&f, frame, tag) == PACC_OK);
	CHECK(f.frame == frame && f.nlines == 0);
	while (i < size && rc == PACC__FRAME_MORE) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t end = nl ? (size_t)(nl - data) : size, n = end - i;
		const char *why = "unset";
		char *line;

		if (n > 0 && data[i + n - 1] == '\r')
			n--;
		line = fuzz_cstr(data + i, n);
		rc = pacc__frame_line(&f, line, n, &why);
		CHECK(rc == PACC__FRAME_MORE || rc == PACC__FRAME_DONE ||
		    rc == PACC__FRAME_ERROR);
		if (rc == PACC__FRAME_ERROR) {
			CHECK(why != NULL && why[0] != '\0');
		} else {
			CHECK(why == NULL);
		}
		if (rc == PACC__FRAME_DONE) {
			CHECK(f.status >= PACC__ST_OK &&
			    f.status <= PACC__ST_CONT);
		}
		if (rc == PACC__FRAME_DONE && frame == PACC__FRAME_SMTP) {
			int code = (line[0] - '0') * 100 +
			    (line[1] - '0') * 10 + (line[2] - '0');

			CHECK(n >= 3 && f.code == code);
			CHECK(f.code >= 200 && f.code <= 559);
			CHECK((f.status == PACC__ST_OK) == (code / 100 == 2));
			CHECK((f.status == PACC__ST_CONT) == (code / 100 == 3));
		}
		if (rc == PACC__FRAME_DONE && frame == PACC__FRAME_POP3)
			CHECK(f.nlines == 1);
		free(line);
		if (nl == NULL)
			break;
		i = end + 1;
	}
	CHECK(pacc__frame_line(&f, NULL, 0, NULL) == PACC__FRAME_ERROR);
	return 0;
}
