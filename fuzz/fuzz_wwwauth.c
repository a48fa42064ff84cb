/* SPDX-License-Identifier: MIT */
/*
 * fmt_wwwauth.c: WWW-Authenticate field values (RFC 9110 §11.6.1, §11.2).
 * Input: header lines separated by LF, each parsed into one list (as
 * http.c does for repeated fields).  Whatever the server sent: at most
 * PACC__MAX_CHALLENGES challenges of at most PACC__MAX_CHALLENGE_PARAMS
 * parameters; schemes are tokens; parameter names are lower-case tokens,
 * unique within their challenge and found again by
 * pacc__challenge_param(); values and token68s without controls and
 * within PACC__MAX_CHALLENGE_VALUE input bytes (x3 once ill-formed
 * bytes became U+FFFD); a challenge has a token68 or
 * parameters, never both; on EFORMAT `why` says something; a copy is
 * equal; clear empties.
 */
#include <string.h>

#include "pacc/error.h"

#include "fmt.h"

#include "fuzz.h"

static bool
tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') ||
	    (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static void
check_token(const char *s, bool lower)
{
	CHECK(s != NULL && s[0] != '\0');
	for (const char *p = s; *p; p++) {
		CHECK(tchar((unsigned char)*p));
		if (lower)
			CHECK(!(*p >= 'A' && *p <= 'Z'));
	}
}

static void
check_value(const char *s)
{
	CHECK(s != NULL);
	CHECK(strlen(s) <= 3 * PACC__MAX_CHALLENGE_VALUE);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		CHECK(*p >= 0x20 && *p != 0x7f);
}

static void
check_list(const struct pacc__challenges *l)
{
	CHECK(l->n <= PACC__MAX_CHALLENGES);
	CHECK(l->n == 0 || l->v != NULL);
	for (size_t i = 0; i < l->n; i++) {
		const struct pacc_challenge *ch = &l->v[i];

		check_token(ch->scheme, false);
		CHECK(ch->nparams <= PACC__MAX_CHALLENGE_PARAMS);
		if (ch->token68 != NULL) {
			CHECK(ch->nparams == 0);
			check_value(ch->token68);
		}
		for (size_t k = 0; k < ch->nparams; k++) {
			const struct pacc__auth_param *a = &ch->params[k];

			check_token(a->name, true);
			check_value(a->value);
			for (size_t j = 0; j < k; j++)
				CHECK(strcmp(a->name, ch->params[j].name) != 0);
			CHECK(pacc__challenge_param(ch, a->name) == a->value);
		}
	}
}

static bool
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
check_copy(const struct pacc__challenges *a, const struct pacc__challenges *b)
{
	CHECK(a->n == b->n && a->truncated == b->truncated);
	for (size_t i = 0; i < a->n; i++) {
		CHECK(same_str(a->v[i].scheme, b->v[i].scheme));
		CHECK(a->v[i].scheme != b->v[i].scheme);
		CHECK(same_str(a->v[i].token68, b->v[i].token68));
		CHECK(a->v[i].nparams == b->v[i].nparams);
		for (size_t k = 0; k < a->v[i].nparams; k++) {
			CHECK(same_str(a->v[i].params[k].name,
			    b->v[i].params[k].name));
			CHECK(same_str(a->v[i].params[k].value,
			    b->v[i].params[k].value));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pacc__challenges list, copy;
	size_t i = 0;
	char why[128];
	int rc;

	memset(&list, 0, sizeof(list));
	memset(&copy, 0, sizeof(copy));
	while (i <= size) {
		const uint8_t *nl = i < size ? memchr(data + i, '\n', size - i)
					     : NULL;
		size_t end = nl ? (size_t)(nl - data) : size;
		char *line = fuzz_cstr(data + i, end - i);
		size_t before = list.n;

		memset(why, WHY_FILL, sizeof(why));
		rc = pacc__wwwauth_parse(&list, line, end - i, why,
		    sizeof(why));
		CHECK(rc == PACC_OK || rc == PACC_EFORMAT || rc == PACC_ENOMEM);
		CHECK_WHY(why);
		if (rc == PACC_EFORMAT)
			CHECK(why[0] != '\0');
		CHECK(list.n >= before);
		check_list(&list);
		free(line);
		if (nl == NULL)
			break;
		i = end + 1;
	}
	rc = pacc__challenges_copy(&copy, &list);
	CHECK(rc == PACC_OK || rc == PACC_ENOMEM);
	if (rc == PACC_OK)
		check_copy(&list, &copy);
	pacc__challenges_clear(&copy);
	pacc__challenges_clear(&list);
	CHECK(list.n == 0 && list.v == NULL && !list.truncated);
	return 0;
}
