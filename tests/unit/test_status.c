/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_status.c - the one way errors are said: one line, its control bytes, byte-order marks and invalid
 * UTF-8 shown escaped, never sent raw to the terminal; and text kept whole in JSON whatever its bytes. */
#include "helpers.h"
#include "report.h"
#include "status.h"

static void escape_keeps_plain_and_utf8_text(void **state)
{
    (void)state;
    char out[64];
    assert_string_equal(mt_escape_text("plain 12abc", true, out, sizeof out), "plain 12abc");
    assert_string_equal(mt_escape_text("caf\xc3\xa9 \xe2\x82\xac", true, out, sizeof out), "caf\xc3\xa9 \xe2\x82\xac");
}

static void escape_shows_controls_bom_and_bad_bytes(void **state)
{
    (void)state;
    char out[128];
    assert_string_equal(mt_escape_text("a\x1b[31mb\n", true, out, sizeof out), "a\\x1B[31mb\\x0A");
    assert_string_equal(mt_escape_text("\xef\xbb\xbf"
                                       "1",
                                       true, out, sizeof out),
                        "\\xEF\\xBB\\xBF1");
    assert_string_equal(mt_escape_text("x\xff\xc3", true, out, sizeof out), "x\\xFF\\xC3");
    assert_string_equal(mt_escape_text("\xc2\x85", true, out, sizeof out), "\\xC2\\x85");          /* C1: NEL */
    assert_string_equal(mt_escape_text("\xed\xa0\x80", true, out, sizeof out), "\\xED\\xA0\\x80"); /* a surrogate */
    assert_string_equal(mt_escape_text("\xc0\xaf", true, out, sizeof out), "\\xC0\\xAF");          /* overlong '/' */
    /* controls kept (JSON escapes them itself), bad bytes still escaped */
    assert_string_equal(mt_escape_text("a\tb\xfe", false, out, sizeof out), "a\tb\\xFE");
}

static void escape_cuts_to_fit_and_stays_terminated(void **state)
{
    (void)state;
    char out[6];
    assert_string_equal(mt_escape_text("abcdefgh", true, out, sizeof out), "abcde");
    assert_string_equal(mt_escape_text("ab\x01", true, out, sizeof out), "ab"); /* no half escape */
}

static void error_line_is_escaped_and_whole(void **state)
{
    (void)state;
    char path[TEST_PATH_SIZE];
    write_temp_file("", 0, path);
    FILE *saved = stderr;
    stderr = fopen(path, "w");
    assert_non_null(stderr);
    mt_error err;
    mt_fail(&err, MT_ERR_USAGE, "token '%s' is bad", "\xef\xbb\xbf\x1b]0;x\x07");
    mt_print_error("prog", &err);
    mt_print_warning("prog", "warned \x1b%s", "[2J");
    fclose(stderr);
    stderr = saved;
    FILE *in = fopen(path, "r");
    char text[256] = "";
    size_t got = fread(text, 1, sizeof text - 1, in);
    text[got] = '\0';
    fclose(in);
    unlink(path);
    assert_string_equal(text, "prog: error: token '\\xEF\\xBB\\xBF\\x1B]0;x\\x07' is bad\n"
                              "prog: warning: warned \\x1B[2J\n");
}

static void json_text_keeps_every_string(void **state)
{
    (void)state;
    json_t *good = mt_json_text("caf\xc3\xa9"), *bad = mt_json_text("caf\xe9"), *none = mt_json_text(NULL);
    assert_string_equal(json_string_value(good), "caf\xc3\xa9");
    assert_string_equal(json_string_value(bad), "caf\\xE9");
    assert_true(json_is_null(none));
    json_decref(good), json_decref(bad), json_decref(none);
}

static void assert_masked(const char *text, const char *expected)
{
    char *masked = mt_mask_passwords(text);
    assert_non_null(masked);
    assert_string_equal(masked, expected);
    assert_int_equal(mt_has_password(text), strcmp(text, expected) != 0);
    free(masked);
}

static void url_passwords_are_masked(void **state)
{
    (void)state;
    assert_masked("http://user:secret@host/a.jpg", "http://user:***@host/a.jpg");
    assert_masked("https://:secret@host:8443/", "https://:***@host:8443/");
    assert_masked("http://u:p@ss@host/x?y#z", "http://u:***@host/x?y#z"); /* a raw '@' in it: masked whole */
    assert_masked("http:/u:secret@host/x", "http:/u:***@host/x");         /* one slash, as libcurl takes */
    assert_masked("--url=HTTP://u:pw@h", "--url=HTTP://u:***@h");         /* an option's value */
    assert_masked("http://a:1@h/?next=http://b:2@g/", "http://a:***@h/?next=http://b:***@g/");
    assert_masked("http://user@host/a:b@c", "http://user@host/a:b@c"); /* no password; '@' past the host */
    assert_masked("http://user:@host/", "http://user:@host/");         /* an empty one */
    assert_masked("http://host:8080/p", "http://host:8080/p");
    assert_masked("plain text: no URL", "plain text: no URL");
    assert_masked("1://a:b@c", "1://a:b@c"); /* not a scheme */
    assert_masked("", "");
}

static void unseen_characters_are_found(void **state)
{
    (void)state;
    assert_false(mt_text_has_unseen("caf\xc3\xa9 au lait.jpg", 17));
    assert_false(mt_text_has_unseen("\xe9t\xe9", 3)); /* Latin-1: not UTF-8, but seen */
    assert_true(mt_text_has_unseen("a\x01", 2));
    assert_true(mt_text_has_unseen("a\x7f", 2));
    assert_true(mt_text_has_unseen("\xc2\x85", 2));     /* C1 as UTF-8 */
    assert_true(mt_text_has_unseen("\x9b", 1));         /* C1 as a Latin-1 byte */
    assert_true(mt_text_has_unseen("\xe2\x80\x8b", 3)); /* zero-width space */
    assert_true(mt_text_has_unseen("\xe2\x80\xae", 3)); /* right-to-left override */
    assert_true(mt_text_has_unseen("\xe2\x81\xa6", 3)); /* left-to-right isolate */
    assert_true(mt_text_has_unseen("\xef\xbb\xbf", 3)); /* byte-order mark */
    assert_true(mt_text_has_unseen("a\0b", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape_keeps_plain_and_utf8_text),
        cmocka_unit_test(escape_shows_controls_bom_and_bad_bytes),
        cmocka_unit_test(escape_cuts_to_fit_and_stays_terminated),
        cmocka_unit_test(error_line_is_escaped_and_whole),
        cmocka_unit_test(json_text_keeps_every_string),
        cmocka_unit_test(url_passwords_are_masked),
        cmocka_unit_test(unseen_characters_are_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
