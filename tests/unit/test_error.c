/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for mps_strerror (src/error.c). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mpsearch/error.h"

static const int codes[] = {
	MPS_EUSAGE, MPS_EPATTERN, MPS_ECORRUPT, MPS_EWORKER,
	MPS_ETRUNC, MPS_ELOOP,    MPS_EPEER,    MPS_EOUTPUT,
};
#define NCODES (sizeof codes / sizeof codes[0])

static void test_codes_distinct(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCODES; i++) {
		const char *s = mps_strerror(codes[i]);

		assert_non_null(s);
		assert_true(strlen(s) > 0);
		/* Not glibc's fallback for unknown errno values. */
		assert_null(strstr(s, "Unknown error"));
		/* Lowercase words, no final period (house style). */
		assert_true(s[0] >= 'a' && s[0] <= 'z');
		assert_true(s[strlen(s) - 1] != '.');
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(s, mps_strerror(codes[j]));
	}
}

static void test_codes_words(void **state)
{
	(void)state;
	assert_string_equal(mps_strerror(MPS_EUSAGE), "usage error");
	assert_string_equal(mps_strerror(MPS_EPATTERN), "invalid pattern");
	assert_string_equal(mps_strerror(MPS_ECORRUPT), "corrupt message");
	assert_string_equal(mps_strerror(MPS_EWORKER), "worker process died twice on this unit");
	assert_string_equal(mps_strerror(MPS_ETRUNC), "file changed while being searched");
	assert_string_equal(mps_strerror(MPS_ELOOP), "recursive directory loop");
	assert_string_equal(mps_strerror(MPS_EPEER), "another rank failed");
	assert_string_equal(mps_strerror(MPS_EOUTPUT), "write error");
}

static void test_errno(void **state)
{
	(void)state;
	/* The tests run in the C locale (no setlocale call). */
	assert_string_equal(mps_strerror(-ENOENT), "No such file or directory");
	assert_string_equal(mps_strerror(ENOENT), "No such file or directory");
	assert_string_equal(mps_strerror(-EACCES), "Permission denied");
	assert_string_equal(mps_strerror(-ENOMEM), mps_strerror(ENOMEM));
}

static void test_odd_values(void **state)
{
	(void)state;
	assert_non_null(mps_strerror(0));
	assert_non_null(mps_strerror(INT_MIN));
	assert_non_null(mps_strerror(INT_MAX));
	assert_non_null(mps_strerror(MPS_EUSAGE - 1));
	assert_non_null(mps_strerror(MPS_EOUTPUT + 1));
	assert_true(strlen(mps_strerror(INT_MIN)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_distinct),
		cmocka_unit_test(test_codes_words),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_odd_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
