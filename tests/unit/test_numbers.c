/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_numbers.c - strict parsing of the number list from arguments, files, stdin and the
 * generator: every bad-input class is refused with a message naming the token and where it stood;
 * every limit holds (a token, a line, a NUL byte, a stream that never ends), in the streaming reader
 * and in the parallel parse of a mapped file, which agree on every number and every position.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <omp.h>

#include "helpers.h"
#include "kernel.h"
#include "numbers.h"
#include "numbers_testing.h"

static void parse_ok(const char *token, int64_t expected)
{
    int64_t out = 0;
    mt_error err = {{0}};
    if (mt_parse_int64(token, "argument 1", &out, &err) != MT_OK) fail_msg("'%s' refused: %s", token, err.message);
    assert_int64_equal(out, expected);
}

/* The token is refused as a usage error whose message names where and (when shown) the token. */
static void parse_refused(const char *token, const char *shown)
{
    int64_t out = 0;
    mt_error err = {{0}};
    if (mt_parse_int64(token, "argument 3", &out, &err) != MT_ERR_USAGE) fail_msg("'%s' was accepted", token);
    assert_contains(err.message, "argument 3");
    assert_contains(err.message, shown);
    assert_null(strchr(err.message, '\n'));
}

static void parse_accepts_plain_integers(void **state)
{
    (void)state;
    parse_ok("0", 0);
    parse_ok("2", 2);
    parse_ok("-3", -3);
    parse_ok("+5", 5);
    parse_ok("-0", 0);
    parse_ok("007", 7);
    parse_ok("2097151", 2097151);
}

static void parse_accepts_the_exact_int64_limits(void **state)
{
    (void)state;
    parse_ok("9223372036854775807", INT64_MAX);
    parse_ok("-9223372036854775808", INT64_MIN);
}

static void parse_rejects_non_numeric(void **state)
{
    (void)state;
    parse_refused("abc", "'abc'");
    parse_refused("two", "'two'");
    parse_refused("--", "'--'");
}

static void parse_rejects_trailing_junk(void **state)
{
    (void)state;
    parse_refused("12abc", "'12abc'");
    parse_refused("12 ", "'12 '");
    parse_refused(" 12", "' 12'");
    parse_refused("1.5", "'1.5'");
    parse_refused("3,", "'3,'");
}

static void parse_rejects_hex_and_exponent(void **state)
{
    (void)state;
    parse_refused("0x10", "'0x10'");
    parse_refused("1e3", "'1e3'");
    parse_refused("0b101", "'0b101'");
}

static void parse_rejects_empty_and_lone_signs(void **state)
{
    (void)state;
    parse_refused("", "argument 3");
    parse_refused("+", "'+'");
    parse_refused("-", "'-'");
    parse_refused("+-1", "'+-1'");
    parse_refused("--1", "'--1'");
}

static void parse_rejects_beyond_int64(void **state)
{
    (void)state;
    parse_refused("9223372036854775808", "'9223372036854775808'");
    parse_refused("-9223372036854775809", "'-9223372036854775809'");
    parse_refused("100000000000000000000000000000", "'100000000000000000000000000000'");
}

static void parse_leaves_out_untouched_on_error(void **state)
{
    (void)state;
    int64_t out = 42;
    mt_error err;
    assert_int_equal(mt_parse_int64("12abc", "argument 1", &out, &err), MT_ERR_USAGE);
    assert_int64_equal(out, 42);
}

/* --- what a message shows --- */

static void shown_as(const char *bytes, size_t length, const char *expected)
{
    char out[256];
    size_t taken = mt_show_bytes(out, sizeof out, bytes, length);
    assert_int_equal(taken, length);
    assert_string_equal(out, expected);
}

static void show_bytes_escapes_controls_marks_and_invisible_spaces(void **state)
{
    (void)state;
    shown_as("12abc", 5, "12abc");
    shown_as("1\x1b[31m", 6, "1\\x1B[31m");
    shown_as("\t\r\x7f", 3, "\\x09\\x0D\\x7F");
    shown_as("\xef\xbb\xbf"
             "1",
             4, "\\xEF\\xBB\\xBF1"); /* byte-order mark */
    shown_as("1\xc2\xa0"
             "2",
             4, "1\\xC2\\xA02");                                               /* no-break space */
    shown_as("\xe2\x80\x8b\xe2\x80\xae", 6, "\\xE2\\x80\\x8B\\xE2\\x80\\xAE"); /* zero width, right-to-left */
    shown_as("caf\xc3\xa9 \xe4\xb8\x80", 9, "caf\xc3\xa9 \xe4\xb8\x80");       /* printable UTF-8 stays */
    shown_as("\xff\xc3", 2, "\\xFF\\xC3");                                     /* invalid and cut UTF-8 */
    shown_as("\xc0\xb1", 2, "\\xC0\\xB1");                                     /* an overlong '1' */
    shown_as("a\\b", 3, "a\\\\b");
    shown_as("\0x", 2, "\\x00x");
    assert_int_equal(mt_plain_prefix("ab\\c\x01", 5), 4);
    assert_int_equal(mt_plain_prefix("caf\xc3\xa9", 5), 5);
    assert_int_equal(mt_plain_prefix("\xef\xbb\xbfx", 4), 0);
}

static void show_bytes_stops_before_the_end_of_its_buffer(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'X', sizeof out);
    /* "ab" then an escape that does not fit in the 3 bytes left: never half an escape */
    size_t taken = mt_show_bytes(out, 6, "ab\x01\x02", 4);
    assert_int_equal(taken, 2);
    assert_string_equal(out, "ab");
    assert_int_equal(out[6], 'X');
    assert_int_equal(mt_show_bytes(out, 1, "abc", 3), 0);
    assert_string_equal(out, "");
}

static void parse_shows_control_bytes_and_marks_escaped(void **state)
{
    (void)state;
    int64_t out;
    mt_error err = {{0}};
    assert_int_equal(mt_parse_int64("1\x1b[2J", "argument 1", &out, &err), MT_ERR_USAGE);
    assert_contains(err.message, "'1\\x1B[2J'");
    assert_null(strchr(err.message, '\x1b'));
    assert_int_equal(mt_parse_int64("\xef\xbb\xbf"
                                    "12",
                                    "argument 1", &out, &err),
                     MT_ERR_USAGE);
    assert_contains(err.message, "'\\xEF\\xBB\\xBF12'");
    assert_contains(err.message, "byte-order mark");
    assert_null(strstr(err.message, "\xef\xbb\xbf"));
}

/* --- arguments --- */

static void args_error_names_the_argument_position(void **state)
{
    (void)state;
    char *args[] = {"1", "2", "x7", "4"};
    mt_source source;
    mt_source_open_args(&source, args, 4);
    mt_numbers numbers = {0};
    mt_error err = {{0}};
    assert_int_equal(mt_numbers_read_all(&source, &numbers, &err), MT_ERR_USAGE);
    assert_contains(err.message, "argument 3");
    assert_contains(err.message, "'x7'");
    assert_null(numbers.values);
    assert_int_equal(numbers.count, 0);
    mt_source_close(&source);
}

static void args_are_read_in_order(void **state)
{
    (void)state;
    char *args[] = {"2", "3", "5", "8", "-4"};
    mt_source source;
    mt_source_open_args(&source, args, 5);
    mt_numbers numbers;
    mt_error err;
    assert_int_equal(mt_numbers_read_all(&source, &numbers, &err), MT_OK);
    assert_int_equal(numbers.count, 5);
    const int64_t expected[] = {2, 3, 5, 8, -4};
    assert_memory_equal(numbers.values, expected, sizeof expected);
    mt_numbers_free(&numbers);
    assert_null(numbers.values);
    mt_source_close(&source);
}

/* --- files --- */

/* Open path, read it all, close it: the first failing status. */
static mt_status read_path(const char *path, mt_numbers *numbers, mt_error *err)
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
static mt_status read_content(const char *content, size_t length, mt_numbers *numbers, mt_error *err,
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

static void file_reads_whitespace_separated_numbers(void **state)
{
    (void)state;
    assert_file_gives("2 3 5 8\n", 2, 3, 5, 8);
    assert_file_gives("2\n3\n5\n8\n", 2, 3, 5, 8);
    assert_file_gives("  -1   +2\v3\f4 \n", -1, 2, 3, 4);
}

static void file_skips_comment_lines_and_trailing_comments(void **state)
{
    (void)state;
    assert_file_gives("# the list\n1 2 # two numbers\n#3 4\n  # indented comment 5\n6\n", 1, 2, 6);
    assert_file_gives("7 #\n# last line without newline", 7);
    assert_file_gives("1 # 12abc is not read\n2\n", 1, 2);
}

static void file_accepts_crlf_line_ends(void **state)
{
    (void)state;
    assert_file_gives("1\r\n2 3\r\n# comment\r\n4\r\n", 1, 2, 3, 4);
}

static void file_accepts_tabs(void **state)
{
    (void)state;
    assert_file_gives("1\t2\t\t3\n\t4\n", 1, 2, 3, 4);
}

static void file_accepts_blank_lines(void **state)
{
    (void)state;
    assert_file_gives("\n\n1\n\n\n2\n\n", 1, 2);
    assert_file_gives("\n \t \n1\r\n\r\n2", 1, 2);
}

static void file_accepts_no_trailing_newline(void **state)
{
    (void)state;
    assert_file_gives("1 2 3", 1, 2, 3);
    assert_file_gives("-9223372036854775808", INT64_MIN);
}

static void file_empty_gives_zero_items(void **state)
{
    (void)state;
    const char *contents[] = {"", "\n\n", "# only a comment\n", "   \t \r\n"};
    for (int i = 0; i < 4; i++) {
        mt_numbers numbers;
        mt_error err;
        char path[TEST_PATH_SIZE];
        assert_int_equal(read_content(contents[i], strlen(contents[i]), &numbers, &err, path), MT_OK);
        assert_int_equal(numbers.count, 0);
        assert_null(numbers.values);
    }
}

/* A bad token is refused with the file's name, its line and its item number. */
static void file_refuses(const char *content, size_t length, const char *where, const char *shown)
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

static void file_bad_token_names_its_line_and_item(void **state)
{
    (void)state;
    static const char content[] = "1 2\n# comment\n3 4 abc 5\n";
    file_refuses(content, sizeof content - 1, "line 3 (item 5)", "'abc'");
}

static void file_bad_token_classes_are_refused(void **state)
{
    (void)state;
    static const char junk[] = "1\n12abc\n", hex[] = "0x10", exponent[] = "\n\n1e3\n", sign[] = "1 - 2",
                      beyond[] = "9223372036854775808\n", below[] = "1\r\n-9223372036854775809\r\n",
                      glued[] = "5#comment\n";
    file_refuses(junk, sizeof junk - 1, "line 2 (item 2)", "'12abc'");
    file_refuses(hex, sizeof hex - 1, "line 1 (item 1)", "'0x10'");
    file_refuses(exponent, sizeof exponent - 1, "line 3 (item 1)", "'1e3'");
    file_refuses(sign, sizeof sign - 1, "line 1 (item 2)", "'-'");
    file_refuses(beyond, sizeof beyond - 1, "line 1 (item 1)", "'9223372036854775808'");
    file_refuses(below, sizeof below - 1, "line 2 (item 2)", "'-9223372036854775809'");
    file_refuses(glued, sizeof glued - 1, "line 1 (item 1)", "'5#comment'");
}

static void file_too_long_token_is_refused(void **state)
{
    (void)state;
    char content[512];
    size_t length = (size_t)snprintf(content, sizeof content, "1\n2 ");
    memset(content + length, '7', 300);
    length += 300;
    content[length++] = '\n';
    file_refuses(content, length, "line 2 (item 3)", "too long");
}

static void file_nul_byte_is_refused(void **state)
{
    (void)state;
    static const char content[] = "1 2\n3 4\0 5\n";
    file_refuses(content, sizeof content - 1, "line 2 (item 4)", "NUL");
    static const char alone[] = "1\n\0\n";
    file_refuses(alone, sizeof alone - 1, "line 2 (item 2)", "NUL");
}

static void file_missing_is_a_usage_error_naming_it(void **state)
{
    (void)state;
    const char *path = "/nonexistent/mt_numbers_missing.txt";
    mt_numbers numbers;
    mt_error err = {{0}};
    assert_int_equal(read_path(path, &numbers, &err), MT_ERR_USAGE);
    assert_contains(err.message, path);
}

static void file_directory_is_a_usage_error_naming_it(void **state)
{
    (void)state;
    char path[] = "/tmp/mt_unit_dir_XXXXXX";
    assert_non_null(mkdtemp(path));
    mt_numbers numbers;
    mt_error err = {{0}};
    mt_status status = read_path(path, &numbers, &err);
    rmdir(path);
    assert_int_equal(status, MT_ERR_USAGE);
    assert_contains(err.message, path);
    assert_null(numbers.values);
}

static void file_unreadable_is_a_usage_error_naming_it(void **state)
{
    (void)state;
    if (geteuid() == 0) {
        /* root reads a file whatever its mode bits: there, the unreadable path is one that goes
         * through a regular file as if it were a folder (ENOTDIR). */
        char file[TEST_PATH_SIZE];
        write_temp_file("1\n", 2, file);
        char path[TEST_PATH_SIZE + 16];
        snprintf(path, sizeof path, "%s/numbers", file);
        mt_numbers numbers;
        mt_error err = {{0}};
        assert_int_equal(read_path(path, &numbers, &err), MT_ERR_USAGE);
        assert_contains(err.message, path);
        unlink(file);
        return;
    }
    char path[TEST_PATH_SIZE];
    write_temp_file("1 2\n", 4, path);
    assert_int_equal(chmod(path, 0), 0);
    mt_numbers numbers;
    mt_error err = {{0}};
    assert_int_equal(read_path(path, &numbers, &err), MT_ERR_USAGE);
    assert_contains(err.message, path);
    unlink(path);
}

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

static size_t read_in_chunks(mt_source *source, size_t max, int64_t *out, size_t capacity);

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

/* Read source max items at a time into out (capacity items) under limits (NULL: a program's); returns how many. */
static size_t read_in_chunks_limited(mt_source *source, const mt_read_limits *limits, size_t max, int64_t *out,
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
static size_t read_in_chunks(mt_source *source, size_t max, int64_t *out, size_t capacity)
{
    return read_in_chunks_limited(source, NULL, max, out, capacity);
}

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

/* --- the generator --- */

static mt_numbers generate(uint64_t count, uint64_t seed)
{
    mt_source source;
    mt_source_open_generate(&source, count, seed);
    mt_numbers numbers;
    mt_error err;
    assert_int_equal(mt_numbers_read_all(&source, &numbers, &err), MT_OK);
    mt_source_close(&source);
    return numbers;
}

static void generate_gives_exactly_count_items(void **state)
{
    (void)state;
    const uint64_t counts[] = {0, 1, 4, 1000, 100000};
    for (int i = 0; i < 5; i++) {
        mt_numbers numbers = generate(counts[i], 1);
        assert_int_equal(numbers.count, counts[i]);
        mt_numbers_free(&numbers);
    }
}

static void generate_same_seed_same_list(void **state)
{
    (void)state;
    mt_numbers a = generate(10000, 42), b = generate(10000, 42);
    assert_memory_equal(a.values, b.values, 10000 * sizeof(int64_t));
    /* a shorter list is a prefix of a longer one */
    mt_numbers c = generate(100, 42);
    assert_memory_equal(a.values, c.values, 100 * sizeof(int64_t));
    mt_numbers_free(&a);
    mt_numbers_free(&b);
    mt_numbers_free(&c);
}

static void generate_part_is_that_stretch_of_the_whole_list(void **state)
{
    (void)state;
    mt_numbers whole = generate(1000, 42);
    int64_t part[1000];
    const uint64_t firsts[] = {0, 1, 333, 999, 1000};
    for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
        uint64_t first = firsts[i], count = 1000 - first;
        mt_generate_part(42, first, count, part);
        assert_memory_equal(part, whole.values + first, count * sizeof(int64_t));
    }
    mt_numbers_free(&whole);
}

static void generate_different_seed_different_list(void **state)
{
    (void)state;
    mt_numbers a = generate(1000, 1), b = generate(1000, 2);
    size_t same = 0;
    for (size_t i = 0; i < 1000; i++)
        same += a.values[i] == b.values[i];
    /* two independent draws from 2^22 values agree by chance about once in 4000 */
    if (same > 10) fail_msg("%zu of 1000 values are equal for seeds 1 and 2", same);
    mt_numbers_free(&a);
    mt_numbers_free(&b);
}

static void generate_every_value_within_cube_range(void **state)
{
    (void)state;
    mt_numbers numbers = generate(200000, 7);
    int64_t low = INT64_MAX, high = INT64_MIN;
    for (uint64_t i = 0; i < numbers.count; i++) {
        int64_t v = numbers.values[i];
        if (v < MT_CUBE_MIN || v > MT_CUBE_MAX)
            fail_msg("item %llu = %lld is outside the cube range", (unsigned long long)i, (long long)v);
        low = v < low ? v : low;
        high = v > high ? v : high;
    }
    mt_error err;
    assert_int_equal(mt_check_cube_range(numbers.values, numbers.count, 1, &err), MT_OK);
    /* the values spread over the range, negative and positive (not all one value) */
    assert_true(low < -1000000 && high > 1000000);
    mt_numbers_free(&numbers);
}

static void generate_rewind_gives_the_same_list(void **state)
{
    (void)state;
    mt_source source;
    mt_source_open_generate(&source, 50, 9);
    int64_t first[128], second[128];
    assert_int_equal(read_in_chunks(&source, 7, first, 128), 50);
    mt_error err;
    assert_int_equal(mt_source_rewind(&source, &err), MT_OK);
    assert_int_equal(read_in_chunks(&source, 50, second, 128), 50);
    assert_memory_equal(first, second, sizeof(int64_t) * 50);
    mt_numbers whole = generate(50, 9);
    assert_memory_equal(first, whole.values, sizeof(int64_t) * 50);
    mt_numbers_free(&whole);
    mt_source_close(&source);
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
        cmocka_unit_test(parse_accepts_plain_integers),
        cmocka_unit_test(parse_accepts_the_exact_int64_limits),
        cmocka_unit_test(parse_rejects_non_numeric),
        cmocka_unit_test(parse_rejects_trailing_junk),
        cmocka_unit_test(parse_rejects_hex_and_exponent),
        cmocka_unit_test(parse_rejects_empty_and_lone_signs),
        cmocka_unit_test(parse_rejects_beyond_int64),
        cmocka_unit_test(parse_leaves_out_untouched_on_error),
        cmocka_unit_test(show_bytes_escapes_controls_marks_and_invisible_spaces),
        cmocka_unit_test(show_bytes_stops_before_the_end_of_its_buffer),
        cmocka_unit_test(parse_shows_control_bytes_and_marks_escaped),
        cmocka_unit_test(args_error_names_the_argument_position),
        cmocka_unit_test(args_are_read_in_order),
        cmocka_unit_test(file_reads_whitespace_separated_numbers),
        cmocka_unit_test(file_skips_comment_lines_and_trailing_comments),
        cmocka_unit_test(file_accepts_crlf_line_ends),
        cmocka_unit_test(file_accepts_tabs),
        cmocka_unit_test(file_accepts_blank_lines),
        cmocka_unit_test(file_accepts_no_trailing_newline),
        cmocka_unit_test(file_empty_gives_zero_items),
        cmocka_unit_test(file_bad_token_names_its_line_and_item),
        cmocka_unit_test(file_bad_token_classes_are_refused),
        cmocka_unit_test(file_too_long_token_is_refused),
        cmocka_unit_test(file_nul_byte_is_refused),
        cmocka_unit_test(file_missing_is_a_usage_error_naming_it),
        cmocka_unit_test(file_directory_is_a_usage_error_naming_it),
        cmocka_unit_test(file_unreadable_is_a_usage_error_naming_it),
        cmocka_unit_test(stdin_dash_reads_standard_input),
        cmocka_unit_test(stdin_bad_token_names_stdin_line_and_item),
        cmocka_unit_test(stdin_pipe_cannot_rewind),
        cmocka_unit_test(file_read_in_small_chunks_matches_read_all),
        cmocka_unit_test(file_larger_than_one_buffer_is_read_whole),
        cmocka_unit_test(file_rewind_reads_the_same_list_and_lines),
        cmocka_unit_test(args_rewind_and_chunks),
        cmocka_unit_test(help_text_states_the_limits_in_force),
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
        cmocka_unit_test(parallel_parse_gives_the_same_list_for_every_split),
        cmocka_unit_test(parallel_parse_comment_across_a_part_boundary),
        cmocka_unit_test(parallel_parse_names_the_exact_line_and_item_for_every_split),
        cmocka_unit_test(file_large_is_parsed_in_parallel_with_the_same_numbers),
        cmocka_unit_test(file_large_bad_token_position_is_exact),
        cmocka_unit_test(stream_read_a_few_bytes_at_a_time_gives_the_same_list),
        cmocka_unit_test(source_made_by_an_initializer_reads_and_rewinds),
        cmocka_unit_test(mapped_file_read_whole_then_rewound_reads_again),
        cmocka_unit_test(generate_gives_exactly_count_items),
        cmocka_unit_test(generate_same_seed_same_list),
        cmocka_unit_test(generate_part_is_that_stretch_of_the_whole_list),
        cmocka_unit_test(generate_different_seed_different_list),
        cmocka_unit_test(generate_every_value_within_cube_range),
        cmocka_unit_test(generate_rewind_gives_the_same_list),
        cmocka_unit_test(stdin_regular_file_past_its_start_is_read_from_there_every_time),
        cmocka_unit_test(device_cannot_rewind),
        cmocka_unit_test(source_is_small_enough_for_any_stack),
        cmocka_unit_test(fits_in_memory_refuses_absurd_counts),
        cmocka_unit_test(fits_in_memory_accepts_small_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
