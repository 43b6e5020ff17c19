/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* helpers.h - what several unit tests share: substring assertions, temporary files, and reading back
 * what a function writes to a stream or to stdout. Header-only (static functions), so each test stays one file. */
#ifndef MT_TEST_HELPERS_H
#define MT_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Fail, showing both strings, unless haystack contains needle. */
#define assert_contains(haystack, needle)                                                                              \
    do {                                                                                                               \
        const char *haystack_ = (haystack), *needle_text_ = (needle);                                                  \
        if (haystack_ == NULL || strstr(haystack_, needle_text_) == NULL)                                              \
            fail_msg("'%s' does not contain '%s'", haystack_ != NULL ? haystack_ : "(null)", needle_text_);            \
    } while (0)

/* Signed 64-bit equality that prints the values as signed when it fails. */
#define assert_int64_equal(a, b)                                                                                       \
    do {                                                                                                               \
        long long a_ = (long long)(a), b_ = (long long)(b);                                                            \
        if (a_ != b_) fail_msg("%lld != %lld (%s == %s)", a_, b_, #a, #b);                                             \
    } while (0)

/* A temporary file holding length bytes of content; its path goes to path (PATH_SIZE bytes). The
 * caller unlinks it. */
enum { TEST_PATH_SIZE = 64 };
static inline void write_temp_file(const void *content, size_t length, char path[TEST_PATH_SIZE])
{
    snprintf(path, TEST_PATH_SIZE, "/tmp/mt_unit_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, length), (ssize_t)length);
    assert_int_equal(close(fd), 0);
}

/* A temporary stream, open for writing and reading, gone when closed (the test fails if none can be made). */
static inline FILE *scratch_stream(void)
{
    FILE *file = tmpfile();
    assert_non_null(file);
    return file;
}

/* Everything written to file (a stream open for reading too, such as tmpfile's), as a malloc'd string (the
 * caller frees it); file is closed. */
static inline char *stream_text(FILE *file)
{
    assert_int_equal(fflush(file), 0);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    long size = ftell(file);
    assert_true(size >= 0);
    rewind(file);
    char *text = calloc((size_t)size + 1, 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    return text;
}

/* Everything fn(arg) writes to stdout, as a malloc'd string (the caller frees it). */
static inline char *capture_stdout(void (*fn)(void *), void *arg)
{
    char path[TEST_PATH_SIZE];
    write_temp_file("", 0, path);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    FILE *file = fopen(path, "w+");
    assert_non_null(file);
    assert_true(dup2(fileno(file), STDOUT_FILENO) >= 0);
    fn(arg);
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    char *text = stream_text(file);
    unlink(path);
    return text;
}

#endif
