/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_numbers_limits.c - every limit of the readers holds (a NUL byte, a token, a line, a stream that never
 * ends), in the streaming reader and in the parallel parse alike; a list larger than memory is refused up front. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "numbers_helpers.h"

/* --- limits: a NUL byte, a token, a line, a stream that never ends --- */

static void file_nul_byte_in_a_comment_is_refused(void **state)
{
    (void)state;
    static const char content[] = "1 # a note\0 more\n2\n";
    file_refuses(content, sizeof content - 1, "line 1 (item 2)", "NUL byte in a comment");
}

static void file_control_bytes_and_mark_in_a_token_are_shown_escaped(void **state)
{
    (void)state;
    static const char control[] = "1 2\n3\x1b[31m\n", mark[] = "\xef\xbb\xbf"
                                                               "1 2\n";
    file_refuses(control, sizeof control - 1, "line 2 (item 3)", "'3\\x1B[31m'");
    file_refuses(mark, sizeof mark - 1, "line 1 (item 1)", "'\\xEF\\xBB\\xBF1'");
}

static void file_dev_zero_is_refused_at_its_first_byte(void **state)
{
    (void)state;
    mt_numbers numbers;
    mt_error err = {{0}};
    assert_int_equal(read_path("/dev/zero", &numbers, &err), MT_ERR_USAGE);
    assert_contains(err.message, "/dev/zero line 1 (item 1)");
    assert_contains(err.message, "NUL");
}

static void file_token_of_64_bytes_passes_65_are_too_long(void **state)
{
    (void)state;
    char content[80];
    memset(content, '0', 62);
    memcpy(content + 62, "42\n", 3); /* 64 bytes: leading zeros are still a base-10 integer */
    mt_numbers numbers;
    mt_error err = {{0}};
    char path[TEST_PATH_SIZE];
    if (read_content(content, 65, &numbers, &err, path) != MT_OK) fail_msg("refused: %s", err.message);
    assert_int_equal(numbers.count, 1);
    assert_int64_equal(numbers.values[0], 42);
    mt_numbers_free(&numbers);
    memset(content, '0', 63);
    memcpy(content + 63, "42\n", 3); /* 65 bytes */
    file_refuses(content, 66, "line 1 (item 1)", "too long");
}

/* A list of the stream that file gives, opened as a source with the test limits; its status. */
static mt_status read_stream(FILE *file, const char *name, size_t read_max, uint64_t max_line, mt_numbers *numbers,
                             mt_error *err)
{
    mt_source source;
    mt_source_open_stream(&source, file, name, false);
    mt_read_limits limits = {.read_max = read_max, .max_line = max_line};
    mt_status status = mt_numbers_read_all_limited(&source, &limits, numbers, err);
    mt_source_close(&source);
    return status;
}

/* A pipe whose writer, a child process, writes the length bytes of pattern again and again until the reader
 * closes it. */
static FILE *endless_stream(const char *pattern, size_t length, pid_t *child)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        signal(SIGPIPE, SIG_DFL);
        static char block[65536];
        for (size_t i = 0; i < sizeof block; i++)
            block[i] = pattern[i % length];
        for (;;)
            if (write(fds[1], block, sizeof block - sizeof block % length) < 0) _exit(0);
    }
    close(fds[1]);
    *child = pid;
    FILE *file = fdopen(fds[0], "r");
    assert_non_null(file);
    return file;
}

static void finish_endless(FILE *file, pid_t child)
{
    fclose(file);
    assert_int_equal(waitpid(child, NULL, 0), child);
}

static void stream_of_endless_zeros_is_refused_at_once(void **state)
{
    (void)state;
    pid_t child;
    FILE *file = endless_stream("\0", 1, &child);
    mt_numbers numbers;
    mt_error err = {{0}};
    mt_status status = read_stream(file, "stream", 0, 0, &numbers, &err);
    finish_endless(file, child);
    assert_int_equal(status, MT_ERR_USAGE);
    assert_contains(err.message, "stream line 1 (item 1): a NUL byte");
}

static void stream_endless_line_of_spaces_is_refused_at_the_real_limit(void **state)
{
    (void)state;
    pid_t child;
    FILE *file = endless_stream(" ", 1, &child);
    mt_numbers numbers;
    mt_error err = {{0}};
    mt_status status = read_stream(file, "stream", 0, 0, &numbers, &err);
    finish_endless(file, child);
    assert_int_equal(status, MT_ERR_USAGE);
    char expected[96];
    snprintf(expected, sizeof expected, "stream line 1: longer than %llu bytes",
             (unsigned long long)MT_NUMBERS_MAX_LINE);
    assert_contains(err.message, expected);
}

static void stream_endless_numbers_without_a_newline_stop_at_the_line_limit(void **state)
{
    (void)state;
    pid_t child;
    FILE *file = endless_stream("1 22 333 ", 9, &child);
    mt_numbers numbers;
    mt_error err = {{0}};
    mt_status status = read_stream(file, "stream", 7, 1000, &numbers, &err);
    finish_endless(file, child);
    assert_int_equal(status, MT_ERR_USAGE);
    assert_contains(err.message, "stream line 1: longer than 1000 bytes");
    assert_null(numbers.values); /* what was read before is not kept */
}

static void stream_endless_comment_is_refused_at_the_line_limit(void **state)
{
    (void)state;
    pid_t child;
    FILE *file = endless_stream("# never ends ", 13, &child);
    mt_numbers numbers;
    mt_error err = {{0}};
    mt_status status = read_stream(file, "stream", 0, 4096, &numbers, &err);
    finish_endless(file, child);
    assert_int_equal(status, MT_ERR_USAGE);
    assert_contains(err.message, "stream line 1: longer than 4096 bytes");
}

/* content with the line limit max_line: parsed whole, in 2..9 parts, and as a stream read 1..5 bytes at a time;
 * all refuse it with where in the message, or (where NULL) all give the same count items. */
static void every_reader(const char *content, size_t length, uint64_t max_line, const char *where, uint64_t count)
{
    char *text = malloc(length + 1);
    assert_non_null(text);
    memcpy(text, content, length);
    text[length] = '\0';
    for (int way = 0; way < 14; way++) {
        mt_numbers numbers = {0};
        mt_error err = {{0}};
        mt_status status;
        if (way < 9) {
            status = mt_numbers_parse_text(text, length, "text", way + 1, max_line, &numbers, &err);
        } else {
            char path[TEST_PATH_SIZE];
            write_temp_file(content, length, path);
            FILE *file = fopen(path, "r");
            assert_non_null(file);
            status = read_stream(file, "text", (size_t)way - 8, max_line, &numbers, &err);
            fclose(file);
            unlink(path);
        }
        if (where == NULL) {
            if (status != MT_OK) fail_msg("way %d refused: %s", way, err.message);
            assert_int_equal(numbers.count, count);
        } else {
            if (status != MT_ERR_USAGE) fail_msg("way %d accepted", way);
            if (strstr(err.message, where) == NULL) fail_msg("way %d: '%s' does not say '%s'", way, err.message, where);
        }
        mt_numbers_free(&numbers);
    }
    free(text);
}

static void line_at_the_limit_passes_and_one_byte_more_is_refused(void **state)
{
    (void)state;
    static const char at[] = "1 2 3\n4567 8\n90\n", over[] = "1 2 3\n4567 89\n0\n";
    every_reader(at, sizeof at - 1, 6, NULL, 6); /* "4567 8" is 6 bytes */
    every_reader(over, sizeof over - 1, 6, "text line 2: longer than 6 bytes", 0);
    static const char crlf[] = "1 2\r\n34 5\r\n"; /* the CR counts, the LF does not */
    every_reader(crlf, sizeof crlf - 1, 5, NULL, 4);
    every_reader(crlf, sizeof crlf - 1, 4, "text line 2: longer than 4 bytes", 0);
    static const char last[] = "1\n22 33 444"; /* a last line without its newline counts too */
    every_reader(last, sizeof last - 1, 8, "text line 2: longer than 8 bytes", 0);
    static const char comment[] = "1\n# a long comment\n2\n";
    every_reader(comment, sizeof comment - 1, 15, "text line 2: longer than 15 bytes", 0);
    every_reader(comment, sizeof comment - 1, 16, NULL, 2);
}

static void problem_past_the_line_limit_is_the_lines(void **state)
{
    (void)state;
    /* the bad token starts before the limit: it is the problem; after it, the line is */
    static const char before[] = "1\n2 x 4 5 6 7\n", after[] = "1\n2 3 4 5 6 x\n";
    every_reader(before, sizeof before - 1, 8, "text line 2 (item 3): 'x'", 0);
    every_reader(after, sizeof after - 1, 8, "text line 2: longer than 8 bytes", 0);
    static const char nul_after[] = "1 2 3 4 5\0\n"; /* the NUL stands past a limit of 9 */
    every_reader(nul_after, sizeof nul_after - 1, 9, "text line 1: longer than 9 bytes", 0);
    every_reader(nul_after, sizeof nul_after - 1, 10, "text line 1 (item 5): a NUL byte", 0);
}

/* A file of size bytes on one line: spaces, then "7". */
static void one_long_line(size_t size, char path[TEST_PATH_SIZE])
{
    char *content = malloc(size);
    assert_non_null(content);
    memset(content, ' ', size - 1);
    content[size - 1] = '7';
    write_temp_file(content, size, path);
    free(content);
}

static void file_line_of_64_mib_passes_one_byte_more_is_refused(void **state)
{
    (void)state;
    char path[TEST_PATH_SIZE];
    mt_numbers numbers;
    mt_error err = {{0}};
    one_long_line((size_t)MT_NUMBERS_MAX_LINE, path);
    mt_status status = read_path(path, &numbers, &err);
    unlink(path);
    if (status != MT_OK) fail_msg("refused: %s", err.message);
    assert_int_equal(numbers.count, 1);
    assert_int64_equal(numbers.values[0], 7);
    mt_numbers_free(&numbers);
    one_long_line((size_t)MT_NUMBERS_MAX_LINE + 1, path);
    status = read_path(path, &numbers, &err);
    unlink(path);
    assert_int_equal(status, MT_ERR_USAGE);
    assert_contains(err.message, "line 1: longer than 67108864 bytes");
}

/* --- memory --- */

static void fits_in_memory_refuses_absurd_counts(void **state)
{
    (void)state;
    assert_true(mt_physical_memory() > 0); /* Linux knows its memory: the check is live */
    mt_error err = {{0}};
    assert_int_equal(mt_check_fits_in_memory(UINT64_C(100000000000), 24, "--generate 100000000000", &err),
                     MT_ERR_USAGE);
    assert_contains(err.message, "--generate 100000000000");
    assert_int_equal(mt_check_fits_in_memory(UINT64_MAX, 8, "--generate 18446744073709551615", &err), MT_ERR_USAGE);
    assert_contains(err.message, "--generate 18446744073709551615");
    uint64_t memory = mt_physical_memory();
    assert_int_equal(mt_check_fits_in_memory(memory / 8 + 1, 8, "just over", &err), MT_ERR_USAGE);
}

static void fits_in_memory_accepts_small_lists(void **state)
{
    (void)state;
    mt_error err;
    assert_int_equal(mt_check_fits_in_memory(0, 24, "--generate 0", &err), MT_OK);
    assert_int_equal(mt_check_fits_in_memory(1000000, 24, "--generate 1000000", &err), MT_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_nul_byte_in_a_comment_is_refused),
        cmocka_unit_test(file_control_bytes_and_mark_in_a_token_are_shown_escaped),
        cmocka_unit_test(file_dev_zero_is_refused_at_its_first_byte),
        cmocka_unit_test(file_token_of_64_bytes_passes_65_are_too_long),
        cmocka_unit_test(stream_of_endless_zeros_is_refused_at_once),
        cmocka_unit_test(stream_endless_line_of_spaces_is_refused_at_the_real_limit),
        cmocka_unit_test(stream_endless_numbers_without_a_newline_stop_at_the_line_limit),
        cmocka_unit_test(stream_endless_comment_is_refused_at_the_line_limit),
        cmocka_unit_test(line_at_the_limit_passes_and_one_byte_more_is_refused),
        cmocka_unit_test(problem_past_the_line_limit_is_the_lines),
        cmocka_unit_test(file_line_of_64_mib_passes_one_byte_more_is_refused),
        cmocka_unit_test(fits_in_memory_refuses_absurd_counts),
        cmocka_unit_test(fits_in_memory_accepts_small_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
