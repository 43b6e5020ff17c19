/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_numbers_parallel.c - the parallel parse of a mapped file and the streaming reader agree on every number
 * and every position, whatever the split and the size of the reads. */
#include <omp.h>

#include "numbers_helpers.h"

/* --- the parallel parse --- */

/* A list with comments (holding digits and junk), CRLF, tabs, blank lines and signs, and its numbers. */
static const char tricky[] = "# 1 2 3 header, 12abc\r\n10 -20 30 # 40 50 0x10\r\n\t60\t# x\n\n  # 70\n"
                             "+80 -0 #90\n9223372036854775807 -9223372036854775808 # end\n100";
static const int64_t tricky_values[] = {10, -20, 30, 60, 80, 0, INT64_MAX, INT64_MIN, 100};

static void parallel_parse_gives_the_same_list_for_every_split(void **state)
{
    (void)state;
    size_t length = sizeof tricky - 1;
    /* From one part to one per byte: part boundaries fall on every kind of place, comments included. */
    for (int parts = 1; parts <= (int)length; parts++) {
        mt_numbers numbers;
        mt_error err = {{0}};
        if (mt_numbers_parse_text(tricky, length, "tricky", parts, 0, &numbers, &err) != MT_OK)
            fail_msg("%d parts: %s", parts, err.message);
        assert_int_equal(numbers.count, sizeof tricky_values / sizeof tricky_values[0]);
        assert_memory_equal(numbers.values, tricky_values, sizeof tricky_values);
        mt_numbers_free(&numbers);
    }
}

static void parallel_parse_comment_across_a_part_boundary(void **state)
{
    (void)state;
    /* A comment of digits from byte 4 to 43: with 2 to 8 parts, the middle boundaries fall inside it. */
    static const char text[] = "1 2 # 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n18\n";
    for (int parts = 2; parts <= 8; parts++) {
        mt_numbers numbers;
        mt_error err = {{0}};
        assert_int_equal(mt_numbers_parse_text(text, sizeof text - 1, "t", parts, 0, &numbers, &err), MT_OK);
        const int64_t expected[] = {1, 2, 18};
        assert_int_equal(numbers.count, 3);
        assert_memory_equal(numbers.values, expected, sizeof expected);
        mt_numbers_free(&numbers);
    }
}

static void parallel_parse_names_the_exact_line_and_item_for_every_split(void **state)
{
    (void)state;
    static const char text[] = "1 2 3\n# 4 5\n6 7\r\n\n8 9 10 11\n12 13 x14 15\n16\n";
    for (int parts = 1; parts <= (int)sizeof text - 1; parts++) {
        mt_numbers numbers;
        mt_error err = {{0}};
        assert_int_equal(mt_numbers_parse_text(text, sizeof text - 1, "t", parts, 0, &numbers, &err), MT_ERR_USAGE);
        assert_contains(err.message, "t line 6 (item 12): 'x14'");
        assert_null(numbers.values);
    }
}

/* A file of count numbers, seven a line with a comment every 1000 lines, its bad token (if bad) at item bad. */
static void write_numbers_file(uint64_t count, uint64_t bad, char path[TEST_PATH_SIZE], uint64_t *bad_line)
{
    size_t capacity = (size_t)count * 12 + 4096, length = 0;
    char *content = malloc(capacity);
    assert_non_null(content);
    uint64_t line = 1;
    for (uint64_t i = 0; i < count; i++) {
        if (i + 1 == bad) {
            length += (size_t)sprintf(content + length, "oops ");
            *bad_line = line;
        } else {
            length += (size_t)sprintf(content + length, "%lld ", (long long)(i % 2000003) - 1000001);
        }
        if (i % 7 == 6) {
            content[length - 1] = '\n', line++;
            if (i % 7000 == 6) length += (size_t)sprintf(content + length, "# 1 2 3 a comment\n"), line++;
        }
    }
    write_temp_file(content, length, path);
    free(content);
}

/* Thread counts for the large files: one part (scanned in windows of 4 MiB), two, and four parts of 2 MiB. */
static const int large_threads[] = {1, 2, 4};
enum { LARGE_COUNT = 1100000 }; /* about 9 MB */

static void file_large_is_parsed_in_parallel_with_the_same_numbers(void **state)
{
    (void)state;
    char path[TEST_PATH_SIZE];
    uint64_t unused;
    write_numbers_file(LARGE_COUNT, 0, path, &unused);
    int threads = omp_get_max_threads();
    for (int t = 0; t < 3; t++) {
        omp_set_num_threads(large_threads[t]);
        mt_numbers numbers;
        mt_error err = {{0}};
        mt_status status = read_path(path, &numbers, &err);
        if (status != MT_OK) fail_msg("refused: %s", err.message);
        assert_int_equal(numbers.count, LARGE_COUNT);
        for (uint64_t i = 0; i < LARGE_COUNT; i++)
            if (numbers.values[i] != (int64_t)(i % 2000003) - 1000001)
                fail_msg("%d threads: item %llu", large_threads[t], (unsigned long long)i);
        mt_numbers_free(&numbers);
    }
    omp_set_num_threads(threads);
    unlink(path);
}

static void file_large_bad_token_position_is_exact(void **state)
{
    (void)state;
    int threads = omp_get_max_threads();
    const uint64_t bad_items[] = {1, 549999, 912345, LARGE_COUNT};
    for (int b = 0; b < 4; b++) {
        char path[TEST_PATH_SIZE];
        uint64_t bad_line = 0;
        write_numbers_file(LARGE_COUNT, bad_items[b], path, &bad_line);
        char where[64];
        snprintf(where, sizeof where, "line %llu (item %llu): 'oops'", (unsigned long long)bad_line,
                 (unsigned long long)bad_items[b]);
        for (int t = 0; t < 3; t++) {
            omp_set_num_threads(large_threads[t]);
            mt_numbers numbers;
            mt_error err = {{0}};
            assert_int_equal(read_path(path, &numbers, &err), MT_ERR_USAGE);
            assert_contains(err.message, where);
        }
        unlink(path);
    }
    omp_set_num_threads(threads);
}

/* --- the streaming reader --- */

static void stream_read_a_few_bytes_at_a_time_gives_the_same_list(void **state)
{
    (void)state;
    char path[TEST_PATH_SIZE];
    write_temp_file(tricky, sizeof tricky - 1, path);
    for (size_t read_max = 1; read_max <= 9; read_max++) {
        FILE *file = fopen(path, "r");
        assert_non_null(file);
        mt_source source;
        mt_source_open_stream(&source, file, "tricky", true);
        mt_read_limits limits = {.read_max = read_max};
        int64_t values[16];
        size_t count = read_in_chunks_limited(&source, &limits, 2, values, 16);
        mt_source_close(&source);
        assert_int_equal(count, sizeof tricky_values / sizeof tricky_values[0]);
        assert_memory_equal(values, tricky_values, sizeof tricky_values);
    }
    unlink(path);
}

static void source_made_by_an_initializer_reads_and_rewinds(void **state)
{
    (void)state;
    /* As cube_mpi keeps a stdin list: a temporary file written with stdio, handed over as a source. */
    FILE *spool = scratch_stream();
    fprintf(spool, "5\n-6\n7\n");
    assert_int_equal(fflush(spool), 0);
    mt_source source = {.kind = MT_SOURCE_FILE, .file = spool, .name = "spool", .owns_file = true, .line = 1};
    mt_error err = {{0}};
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(mt_source_rewind(&source, &err), MT_OK);
        int64_t values[4];
        size_t got = 0;
        assert_int_equal(mt_source_read(&source, values, 4, &got, &err), MT_OK);
        assert_int_equal(got, 3);
        assert_int64_equal(values[1], -6);
    }
    mt_source_close(&source);
}

static void mapped_file_read_whole_then_rewound_reads_again(void **state)
{
    (void)state;
    char path[TEST_PATH_SIZE];
    write_temp_file(tricky, sizeof tricky - 1, path);
    mt_source source;
    mt_error err = {{0}};
    assert_int_equal(mt_source_open_file(&source, path, &err), MT_OK);
    mt_numbers numbers;
    assert_int_equal(mt_numbers_read_all(&source, &numbers, &err), MT_OK);
    assert_int_equal(numbers.count, sizeof tricky_values / sizeof tricky_values[0]);
    int64_t values[16];
    size_t got = 1;
    assert_int_equal(mt_source_read(&source, values, 16, &got, &err), MT_OK);
    assert_int_equal(got, 0); /* at the end */
    assert_int_equal(mt_source_rewind(&source, &err), MT_OK);
    assert_int_equal(read_in_chunks(&source, 4, values, 16), numbers.count);
    assert_memory_equal(values, numbers.values, sizeof tricky_values);
    mt_numbers_free(&numbers);
    mt_source_close(&source);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parallel_parse_gives_the_same_list_for_every_split),
        cmocka_unit_test(parallel_parse_comment_across_a_part_boundary),
        cmocka_unit_test(parallel_parse_names_the_exact_line_and_item_for_every_split),
        cmocka_unit_test(file_large_is_parsed_in_parallel_with_the_same_numbers),
        cmocka_unit_test(file_large_bad_token_position_is_exact),
        cmocka_unit_test(stream_read_a_few_bytes_at_a_time_gives_the_same_list),
        cmocka_unit_test(source_made_by_an_initializer_reads_and_rewinds),
        cmocka_unit_test(mapped_file_read_whole_then_rewound_reads_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
