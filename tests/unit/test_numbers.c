/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_numbers.c - strict parsing of the number list from arguments and files: every bad-input class is refused
 * with a message naming the token and where it stood. The streaming reader, the limits, the parallel parse and
 * the generator have test files of their own (test_numbers_*.c). */
#include <fcntl.h>
#include <sys/stat.h>

#include "kernel.h"
#include "numbers_helpers.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
