/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* numbers_helpers.h - what the tests of the number readers share: a list read from a path or from content in a
 * temporary file, a refusal checked, a source read a few items at a time. Header-only (static inline). */
#ifndef MT_NUMBERS_HELPERS_H
#define MT_NUMBERS_HELPERS_H

#include "helpers.h"
#include "numbers.h"
#include "numbers_testing.h"

/* Open path, read it all, close it: the first failing status. */
static inline mt_status read_path(const char *path, mt_numbers *numbers, mt_error *err)
{
    mt_source source;
    *numbers = (mt_numbers){0};
    mt_status status = mt_source_open_file(&source, path, err);
    if (status != MT_OK) return status;
    status = mt_numbers_read_all(&source, numbers, err);
    mt_source_close(&source);
    return status;
}

/* The list in a temporary file holding length bytes of content. */
static inline mt_status read_content(const char *content, size_t length, mt_numbers *numbers, mt_error *err,
                                     char path[TEST_PATH_SIZE])
{
    write_temp_file(content, length, path);
    mt_status status = read_path(path, numbers, err);
    unlink(path);
    return status;
}

#define assert_file_gives(content, ...)                                                                                \
    do {                                                                                                               \
        const int64_t expected_[] = {__VA_ARGS__};                                                                     \
        mt_numbers numbers_;                                                                                           \
        mt_error err_ = {{0}};                                                                                         \
        char path_[TEST_PATH_SIZE];                                                                                    \
        if (read_content(content, sizeof(content) - 1, &numbers_, &err_, path_) != MT_OK)                              \
            fail_msg("refused: %s", err_.message);                                                                     \
        assert_int_equal(numbers_.count, sizeof expected_ / sizeof expected_[0]);                                      \
        assert_memory_equal(numbers_.values, expected_, sizeof expected_);                                             \
        mt_numbers_free(&numbers_);                                                                                    \
    } while (0)

/* A bad token is refused with the file's name, its line and its item number. */
static inline void file_refuses(const char *content, size_t length, const char *where, const char *shown)
{
    mt_numbers numbers;
    mt_error err = {{0}};
    char path[TEST_PATH_SIZE];
    if (read_content(content, length, &numbers, &err, path) != MT_ERR_USAGE)
        fail_msg("accepted: %.*s", (int)length, content);
    assert_contains(err.message, path);
    assert_contains(err.message, where);
    assert_contains(err.message, shown);
    assert_null(strchr(err.message, '\n'));
    assert_null(numbers.values);
}

/* Read source max items at a time into out (capacity items) under limits (NULL: a program's); returns how many. */
static inline size_t read_in_chunks_limited(mt_source *source, const mt_read_limits *limits, size_t max, int64_t *out,
                                            size_t capacity)
{
    size_t total = 0, got;
    mt_error err = {{0}};
    do {
        assert_true(total + max <= capacity);
        if (mt_source_read_limited(source, limits, out + total, max, &got, &err) != MT_OK)
            fail_msg("read failed: %s", err.message);
        assert_true(got <= max);
        total += got;
    } while (got == max);
    /* at the end, reading again gives nothing */
    assert_int_equal(mt_source_read_limited(source, limits, out + total, 1, &got, &err), MT_OK);
    assert_int_equal(got, 0);
    return total;
}

/* Read source max items at a time into out (capacity items); returns how many. */
static inline size_t read_in_chunks(mt_source *source, size_t max, int64_t *out, size_t capacity)
{
    return read_in_chunks_limited(source, NULL, max, out, capacity);
}

#endif
