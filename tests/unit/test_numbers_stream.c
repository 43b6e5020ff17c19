/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_numbers_stream.c - the number list from stdin and streams: read in chunks, rewound where the source is a
 * regular file (and refused where it is not), the help stating the limits. */
#include <fcntl.h>
#include <sys/stat.h>

#include "numbers_helpers.h"

/* --- stdin --- */

/* Make stdin read content through a pipe; returns the saved descriptor for restore_stdin. */
static int stdin_from_pipe(const char *content)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    size_t length = strlen(content);
    assert_true(length < 4096); /* fits the pipe's buffer: no writer thread needed */
    assert_int_equal(write(fds[1], content, length), (ssize_t)length);
    close(fds[1]);
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fds[0], STDIN_FILENO) >= 0);
    close(fds[0]);
    clearerr(stdin);
    return saved;
}

static void restore_stdin(int saved)
{
    assert_true(dup2(saved, STDIN_FILENO) >= 0);
    close(saved);
    clearerr(stdin);
}

static void stdin_dash_reads_standard_input(void **state)
{
    (void)state;
    int saved = stdin_from_pipe("# piped\n2 3\r\n5\t8");
    mt_numbers numbers;
    mt_error err = {{0}};
    mt_status status = read_path("-", &numbers, &err);
    restore_stdin(saved);
    if (status != MT_OK) fail_msg("refused: %s", err.message);
    const int64_t expected[] = {2, 3, 5, 8};
    assert_int_equal(numbers.count, 4);
    assert_memory_equal(numbers.values, expected, sizeof expected);
    mt_numbers_free(&numbers);
}

static void stdin_bad_token_names_stdin_line_and_item(void **state)
{
    (void)state;
    int saved = stdin_from_pipe("1\n2 oops\n");
    mt_numbers numbers;
    mt_error err = {{0}};
    mt_status status = read_path("-", &numbers, &err);
    restore_stdin(saved);
    assert_int_equal(status, MT_ERR_USAGE);
    assert_contains(err.message, "stdin line 2 (item 3)");
    assert_contains(err.message, "'oops'");
}

static void stdin_pipe_cannot_rewind(void **state)
{
    (void)state;
    int saved = stdin_from_pipe("1 2 3\n");
    mt_source source;
    mt_error err = {{0}};
    assert_int_equal(mt_source_open_file(&source, "-", &err), MT_OK);
    int64_t buffer[4];
    size_t got = 0;
    assert_int_equal(mt_source_read(&source, buffer, 4, &got, &err), MT_OK);
    assert_int_equal(got, 3);
    mt_status status = mt_source_rewind(&source, &err);
    mt_source_close(&source);
    restore_stdin(saved);
    assert_int_equal(status, MT_ERR_USAGE);
    assert_contains(err.message, "stdin");
}

/* Make stdin the regular file at path, standing at offset; returns the saved descriptor for restore_stdin. */
static int stdin_from_file_at(const char *path, off_t offset)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(lseek(fd, offset, SEEK_SET), offset);
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDIN_FILENO) >= 0);
    close(fd);
    clearerr(stdin);
    return saved;
}

/* `{ read -r header; cube_mpi --chunk 2 -i -; } < list`: stdin is a regular file past its first line. Every way
 * of reading it (the mapped parallel parse, the stream, a rewind after either) reads the list from there; none
 * goes back to byte 0, where the header is not a number. The header spans pages, so the map starts mid-page. */
static void stdin_regular_file_past_its_start_is_read_from_there_every_time(void **state)
{
    (void)state;
    enum { HEADER = 5000, COUNT = 3000 };
    char *content = malloc(HEADER + COUNT * 8);
    assert_non_null(content);
    memset(content, 'h', HEADER - 1);
    content[HEADER - 1] = '\n';
    size_t length = HEADER;
    for (int i = 0; i < COUNT; i++)
        length += (size_t)sprintf(content + length, "%d%s", i + 1, i % 10 == 9 ? "\n" : " ");
    char path[TEST_PATH_SIZE];
    write_temp_file(content, length, path);
    free(content);
    for (int way = 0; way < 2; way++) {
        int saved = stdin_from_file_at(path, HEADER);
        mt_source source;
        mt_error err = {{0}};
        assert_int_equal(mt_source_open_file(&source, "-", &err), MT_OK);
        int64_t *values = malloc((COUNT + 8) * sizeof *values);
        assert_non_null(values);
        for (int pass = 0; pass < 3; pass++) {
            if (way == 0 && pass == 0) { /* the mapped parse first, then the stream after a rewind */
                mt_numbers numbers;
                if (mt_numbers_read_all(&source, &numbers, &err) != MT_OK) fail_msg("refused: %s", err.message);
                assert_int_equal(numbers.count, COUNT);
                memcpy(values, numbers.values, COUNT * sizeof *values);
                mt_numbers_free(&numbers);
            } else {
                assert_int_equal(read_in_chunks(&source, 7, values, COUNT + 7), COUNT);
            }
            for (int i = 0; i < COUNT; i++)
                if (values[i] != i + 1) fail_msg("way %d pass %d: item %d is %lld", way, pass, i, (long long)values[i]);
            if (mt_source_rewind(&source, &err) != MT_OK) fail_msg("rewind: %s", err.message);
        }
        free(values);
        mt_source_close(&source);
        restore_stdin(saved);
    }
    unlink(path);
}

/* A device reads no list twice, though lseek succeeds on it: it is refused, with a message naming it. */
static void device_cannot_rewind(void **state)
{
    (void)state;
    mt_source source;
    mt_error err = {{0}};
    assert_int_equal(mt_source_open_file(&source, "/dev/null", &err), MT_OK);
    int64_t buffer[1];
    size_t got = 1;
    assert_int_equal(mt_source_read(&source, buffer, 1, &got, &err), MT_OK);
    assert_int_equal(got, 0);
    assert_int_equal(mt_source_rewind(&source, &err), MT_ERR_USAGE);
    assert_contains(err.message, "/dev/null");
    assert_contains(err.message, "not a regular file");
    mt_source_close(&source);
}

/* A source lives on the stack of whoever reads (cube_mpi copies its run, source included, every pass): its read
 * block is on the heap, so a program runs in a small stack (ulimit -s 64). */
static void source_is_small_enough_for_any_stack(void **state)
{
    (void)state;
    assert_true(sizeof(mt_source) < 1024);
}

/* --- reading in chunks, rewinding --- */

static void file_read_in_small_chunks_matches_read_all(void **state)
{
    (void)state;
    static const char content[] = "# header\n10 -20 30\r\n40\t50\n\n60 # six\n70 80 90 100 110";
    char path[TEST_PATH_SIZE];
    write_temp_file(content, sizeof content - 1, path);
    mt_numbers all;
    mt_error err;
    assert_int_equal(read_path(path, &all, &err), MT_OK);
    assert_int_equal(all.count, 11);
    for (size_t max = 1; max <= 12; max++) {
        mt_source source;
        assert_int_equal(mt_source_open_file(&source, path, &err), MT_OK);
        int64_t chunked[32];
        size_t count = read_in_chunks(&source, max, chunked, 32);
        mt_source_close(&source);
        assert_int_equal(count, all.count);
        assert_memory_equal(chunked, all.values, count * sizeof(int64_t));
    }
    mt_numbers_free(&all);
    unlink(path);
}

static void file_larger_than_one_buffer_is_read_whole(void **state)
{
    (void)state;
    enum { COUNT = 5000 }; /* past read_all's first buffer, so it must grow */
    char *content = malloc(COUNT * 12);
    assert_non_null(content);
    size_t length = 0;
    for (int i = 0; i < COUNT; i++)
        length += (size_t)sprintf(content + length, "%d%s", i - 2500, i % 7 == 6 ? "\n" : " ");
    char path[TEST_PATH_SIZE];
    mt_numbers numbers;
    mt_error err = {{0}};
    mt_status status = read_content(content, length, &numbers, &err, path);
    free(content);
    if (status != MT_OK) fail_msg("refused: %s", err.message);
    assert_int_equal(numbers.count, COUNT);
    for (int i = 0; i < COUNT; i++)
        assert_int64_equal(numbers.values[i], i - 2500);
    mt_numbers_free(&numbers);
}

static void file_rewind_reads_the_same_list_and_lines(void **state)
{
    (void)state;
    static const char content[] = "1 2\n3\nbad\n";
    char path[TEST_PATH_SIZE];
    write_temp_file(content, sizeof content - 1, path);
    mt_source source;
    mt_error err = {{0}};
    assert_int_equal(mt_source_open_file(&source, path, &err), MT_OK);
    for (int pass = 0; pass < 2; pass++) {
        int64_t buffer[8];
        size_t got = 0;
        assert_int_equal(mt_source_read(&source, buffer, 3, &got, &err), MT_OK);
        assert_int_equal(got, 3);
        assert_int64_equal(buffer[0], 1);
        assert_int64_equal(buffer[2], 3);
        assert_int_equal(mt_source_read(&source, buffer, 3, &got, &err), MT_ERR_USAGE);
        assert_contains(err.message, "line 3 (item 4)"); /* lines and items restart with the rewind */
        assert_int_equal(mt_source_rewind(&source, &err), MT_OK);
    }
    mt_source_close(&source);
    unlink(path);
}

static void args_rewind_and_chunks(void **state)
{
    (void)state;
    char *args[] = {"1", "2", "3", "4", "5"};
    mt_source source;
    mt_source_open_args(&source, args, 5);
    int64_t first[8], second[8];
    assert_int_equal(read_in_chunks(&source, 2, first, 8), 5);
    mt_error err;
    assert_int_equal(mt_source_rewind(&source, &err), MT_OK);
    assert_int_equal(read_in_chunks(&source, 3, second, 8), 5);
    assert_memory_equal(first, second, 5 * sizeof(int64_t));
    assert_int64_equal(first[4], 5);
    mt_source_close(&source);
}

static void help_text_states_the_limits_in_force(void **state)
{
    (void)state;
    char expected[128];
    snprintf(expected, sizeof expected, "a number at most %d bytes, a line at most %llu MiB, no NUL byte",
             MT_NUMBERS_MAX_TOKEN, (unsigned long long)(MT_NUMBERS_MAX_LINE >> 20));
    assert_string_equal(MT_NUMBERS_LIMITS_TEXT, expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stdin_dash_reads_standard_input),
        cmocka_unit_test(stdin_bad_token_names_stdin_line_and_item),
        cmocka_unit_test(stdin_pipe_cannot_rewind),
        cmocka_unit_test(file_read_in_small_chunks_matches_read_all),
        cmocka_unit_test(file_larger_than_one_buffer_is_read_whole),
        cmocka_unit_test(file_rewind_reads_the_same_list_and_lines),
        cmocka_unit_test(args_rewind_and_chunks),
        cmocka_unit_test(help_text_states_the_limits_in_force),
        cmocka_unit_test(stdin_regular_file_past_its_start_is_read_from_there_every_time),
        cmocka_unit_test(device_cannot_rewind),
        cmocka_unit_test(source_is_small_enough_for_any_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
