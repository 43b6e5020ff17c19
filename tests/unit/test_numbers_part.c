/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_numbers_part.c - mt_numbers_read_part, the reader of one part of a file (cube_mpi --io mpi): for any
 * number of parts, the parts hold exactly the whole list in order, ranges never split a number or a comment,
 * and a bad token is named with the line and item the whole file's reader gives it. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "helpers.h"
#include "numbers.h"

/* Read every part of parts and check their concatenation against the whole file's parse; returns the message
 * of the first part with a problem (empty when none), named as the whole reader names it. */
static void read_in_parts(const char *path, int parts, const mt_numbers *whole, char message[MT_ERROR_MESSAGE_SIZE])
{
    uint64_t newlines = 0, items = 0, next_byte = 0;
    message[0] = '\0';
    bool stopped = false;
    for (int k = 0; k < parts; k++) {
        mt_numbers part_numbers;
        mt_numbers_part part;
        mt_error err = {""};
        assert_int_equal(mt_numbers_read_part(path, k, parts, &part_numbers, &part, &err), MT_OK);
        if (!stopped) {
            /* the parts follow one another with no gap and no overlap */
            if (part.end_byte > part.first_byte) assert_int_equal(part.first_byte, next_byte);
            if (part.end_byte > part.first_byte) next_byte = part.end_byte;
            for (uint64_t i = 0; i < part_numbers.count && whole != NULL; i++)
                assert_int64_equal(part_numbers.values[i], whole->values[items + i]);
            if (part.problem) {
                assert_int_equal(mt_numbers_part_message(&part, path, newlines, items, &err), MT_ERR_USAGE);
                snprintf(message, MT_ERROR_MESSAGE_SIZE, "%s", err.message);
                stopped = true;
            }
            newlines += part.newlines, items += part_numbers.count;
        }
        mt_numbers_part_free(&part);
        mt_numbers_free(&part_numbers);
    }
    if (!stopped && whole != NULL) assert_int_equal(items, whole->count);
}

static void parts_hold_the_whole_list_with_comments_and_long_tokens(void **state)
{
    (void)state;
    static const char good[] =
        "# a list\n1 2 3   -4 # three more: 5 6 7\n  1000000 2097151\n"
        "-2097152 #2097152 is not read\n# 8 9\n\n   42\r\n0000000000000000000000000000017 -0 # end";
    char path[TEST_PATH_SIZE];
    write_temp_file(good, strlen(good), path);
    mt_source source;
    mt_error err;
    mt_numbers whole;
    assert_int_equal(mt_source_open_file(&source, path, &err), MT_OK);
    assert_int_equal(mt_numbers_read_all(&source, &whole, &err), MT_OK);
    mt_source_close(&source);
    assert_int_equal(whole.count, 10);
    char message[MT_ERROR_MESSAGE_SIZE];
    for (int parts = 1; parts <= (int)strlen(good) + 3; parts++) {
        read_in_parts(path, parts, &whole, message);
        assert_string_equal(message, "");
    }
    mt_numbers_free(&whole);
    unlink(path);
}

static void a_bad_token_is_named_with_its_true_line_and_item_whatever_the_parts(void **state)
{
    (void)state;
    static const char text[] = "1 2 3\n# comment 12abc\n4 5\n6 7 12abc 8\n9\n";
    char path[TEST_PATH_SIZE];
    write_temp_file(text, strlen(text), path);
    mt_source source;
    mt_error expected;
    mt_numbers whole;
    assert_int_equal(mt_source_open_file(&source, path, &expected), MT_OK);
    assert_int_equal(mt_numbers_read_all(&source, &whole, &expected), MT_ERR_USAGE);
    mt_source_close(&source);
    assert_contains(expected.message, "line 4 (item 8)");
    char message[MT_ERROR_MESSAGE_SIZE];
    for (int parts = 1; parts <= (int)strlen(text) + 2; parts++) {
        read_in_parts(path, parts, NULL, message);
        assert_string_equal(message, expected.message);
    }
    unlink(path);
}

static void an_empty_file_and_a_folder(void **state)
{
    (void)state;
    char path[TEST_PATH_SIZE];
    write_temp_file("", 0, path);
    mt_numbers part_numbers;
    mt_numbers_part part;
    mt_error err;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(mt_numbers_read_part(path, k, 3, &part_numbers, &part, &err), MT_OK);
        assert_int_equal(part_numbers.count, 0);
        mt_numbers_part_free(&part);
    }
    unlink(path);
    assert_int_equal(mt_numbers_read_part("/tmp", 0, 2, &part_numbers, &part, &err), MT_ERR_USAGE);
    assert_contains(err.message, "/tmp");
    assert_int_equal(mt_numbers_read_part("/dev/null", 0, 2, &part_numbers, &part, &err), MT_ERR_USAGE);
    assert_contains(err.message, "not a regular file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parts_hold_the_whole_list_with_comments_and_long_tokens),
        cmocka_unit_test(a_bad_token_is_named_with_its_true_line_and_item_whatever_the_parts),
        cmocka_unit_test(an_empty_file_and_a_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
