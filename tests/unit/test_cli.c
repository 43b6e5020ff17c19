/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_cli.c - the options every program shares: defaults, every option in both forms, conflicts,
 * bad values (the message names the option), unknown options, features a program does not offer,
 * and parsing twice in one process. */
#include "helpers.h"
#include "cli.h"
#include "harness.h"
#include "defaults.h"

/* argv arrays are compound literals, so getopt may permute them. */
#define ARGV(...) ((char *[]){"prog", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"prog", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(program, options, err, ...)                                                                              \
    (settings = (test_settings){0},                                                                                    \
     mt_cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), program, options, &settings, err))

/* A program's own options, as square_cube and cube_mpi have theirs: parsed by the shared table. */
typedef struct {
    bool ordered, explain;
    uint64_t chunk;
} test_settings;
static test_settings settings;

static const mt_option test_options[] = {
    {"ordered", 0, NULL, "print the results in input order", "Own options:"},
    {"chunk", 0, "K", "stream the list in rounds of K items", NULL},
    {"explain", 0, NULL, "print how the list is split", NULL},
};

static mt_status parse_test_option(void *own, int index, const char *value, mt_error *err)
{
    test_settings *s = own;
    if (index == 0) s->ordered = true;
    if (index == 1) return mt_parse_count(value, "--chunk", 1, UINT64_C(1) << 40, &s->chunk, err);
    if (index == 2) s->explain = true;
    return MT_OK;
}

static const char *const modes[] = {"seq", "sections", "tasks", NULL};
static const mt_program full = {.name = "prog",
                                .summary = "a test program",
                                .numbers = true,
                                .modes = modes,
                                .modes_help = "",
                                .options = test_options,
                                .option_count = 3,
                                .parse_option = parse_test_option,
                                .notes = ""};
static const mt_program plain = {.name = "plain", .summary = "no modes, no own options", .numbers = true, .notes = ""};

/* The arguments are refused, and the one-line message contains every needle. */
#define assert_refused(program, needles, ...)                                                                          \
    do {                                                                                                               \
        mt_options o_;                                                                                                 \
        mt_error err_ = {{0}};                                                                                         \
        if (PARSE(program, &o_, &err_, __VA_ARGS__) != MT_CLI_BAD_USAGE) fail_msg("accepted: %s", #__VA_ARGS__);       \
        for (const char *const *needle_ = (needles); *needle_ != NULL; needle_++)                                      \
            assert_contains(err_.message, *needle_);                                                                   \
        assert_null(strchr(err_.message, '\n'));                                                                       \
    } while (0)
#define NEEDLES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void parse_defaults(void **state)
{
    (void)state;
    mt_options o;
    mt_error err;
    char *argv[] = {"prog", NULL};
    assert_int_equal(mt_cli_parse(1, argv, &full, &o, &settings, &err), MT_CLI_RUN);
    assert_string_equal(o.mode, "seq"); /* the first mode */
    assert_int_equal(o.operand_count, 0);
    assert_null(o.input_path);
    assert_false(o.generate);
    assert_int_equal(o.seed, MT_DEFAULT_SEED);
    assert_int_equal(o.work.kind, MT_WORK_SLEEP);
    assert_true(o.work.delay_s == MT_DEFAULT_DELAY_S);
    assert_int_equal(o.threads, 0);
    assert_int_equal(o.warmup, MT_DEFAULT_WARMUP);
    assert_int_equal(o.repeat, MT_DEFAULT_REPEAT);
    assert_int_equal(o.format, MT_FORMAT_TEXT);
    assert_true(o.header);
    assert_false(o.verbose || o.quiet || settings.ordered || settings.explain);
    assert_int_equal(settings.chunk, 0);
    /* a program without modes has no mode */
    assert_int_equal(mt_cli_parse(1, argv, &plain, &o, &settings, &err), MT_CLI_RUN);
    assert_null(o.mode);
}

static void parse_every_long_option(void **state)
{
    (void)state;
    mt_options o;
    mt_error err = {{0}};
    mt_cli_result result = PARSE(&full, &o, &err, "--mode", "tasks", "--generate", "1000", "--seed", "7", "--work",
                                 "spin", "--delay", "0.25", "--threads", "4", "--repeat", "5", "--warmup", "2", "--csv",
                                 "--no-header", "--verbose", "--quiet", "--ordered", "--chunk", "16", "--explain");
    if (result != MT_CLI_RUN) fail_msg("refused: %s", err.message);
    assert_string_equal(o.mode, "tasks");
    assert_true(o.generate);
    assert_int_equal(o.generate_count, 1000);
    assert_int_equal(o.seed, 7);
    assert_int_equal(o.work.kind, MT_WORK_SPIN);
    assert_true(o.work.delay_s == 0.25);
    assert_int_equal(o.threads, 4);
    assert_int_equal(o.repeat, 5);
    assert_int_equal(o.warmup, 2);
    assert_int_equal(o.format, MT_FORMAT_CSV);
    assert_false(o.header);
    assert_true(o.verbose && o.quiet && settings.ordered && settings.explain);
    assert_int_equal(settings.chunk, 16);
    assert_int_equal(o.operand_count, 0);
}

static void parse_every_short_option(void **state)
{
    (void)state;
    mt_options o;
    mt_error err = {{0}};
    mt_cli_result result = PARSE(&full, &o, &err, "-m", "sections", "-i", "list.txt", "-w", "none", "-d", "2", "-t",
                                 "3", "-r", "9", "-W", "1", "-v", "-q");
    if (result != MT_CLI_RUN) fail_msg("refused: %s", err.message);
    assert_string_equal(o.mode, "sections");
    assert_string_equal(o.input_path, "list.txt");
    assert_int_equal(o.work.kind, MT_WORK_NONE);
    assert_true(o.work.delay_s == 2.0);
    assert_int_equal(o.threads, 3);
    assert_int_equal(o.repeat, 9);
    assert_int_equal(o.warmup, 1);
    assert_true(o.verbose && o.quiet);
    result = PARSE(&full, &o, &err, "-g", "5", "-s", "11", "-t8");
    if (result != MT_CLI_RUN) fail_msg("refused: %s", err.message);
    assert_true(o.generate);
    assert_int_equal(o.generate_count, 5);
    assert_int_equal(o.seed, 11);
    assert_int_equal(o.threads, 8);
}

static void parse_option_equals_value(void **state)
{
    (void)state;
    mt_options o;
    mt_error err = {{0}};
    assert_int_equal(PARSE(&full, &o, &err, "--mode=tasks", "--threads=6", "--delay=0.5", "--json"), MT_CLI_RUN);
    assert_string_equal(o.mode, "tasks");
    assert_int_equal(o.threads, 6);
    assert_true(o.work.delay_s == 0.5);
    assert_int_equal(o.format, MT_FORMAT_JSON);
    assert_true(o.header);
}

static void parse_help_and_version(void **state)
{
    (void)state;
    mt_options o;
    mt_error err;
    assert_int_equal(PARSE(&full, &o, &err, "--help"), MT_CLI_HELP);
    assert_int_equal(PARSE(&full, &o, &err, "-h"), MT_CLI_HELP);
    assert_int_equal(PARSE(&full, &o, &err, "--version"), MT_CLI_VERSION);
    assert_int_equal(PARSE(&full, &o, &err, "-V"), MT_CLI_VERSION);
    assert_int_equal(PARSE(&plain, &o, &err, "-t", "2", "--help"), MT_CLI_HELP);
}

static void help_text_names_the_options_and_negative_numbers(void **state)
{
    (void)state;
    FILE *out = scratch_stream();
    mt_cli_print_help(out, &full);
    char *text = stream_text(out);
    const char *options[] = {"--input",   "--generate", "--seed",    "--work", "--delay",     "--mode",    "--threads",
                             "--repeat",  "--warmup",   "--json",    "--csv",  "--no-header", "--ordered", "--chunk",
                             "--explain", "--quiet",    "--verbose", "--help", "--version",   "-- -3"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        assert_contains(text, options[i]);
    free(text);
}

static void parse_positional_numbers(void **state)
{
    (void)state;
    mt_options o;
    mt_error err;
    assert_int_equal(PARSE(&full, &o, &err, "2", "3", "5", "8"), MT_CLI_RUN);
    assert_int_equal(o.operand_count, 4);
    assert_string_equal(o.operands[0], "2");
    assert_string_equal(o.operands[3], "8");
    /* options may stand among the numbers (GNU order) */
    assert_int_equal(PARSE(&full, &o, &err, "2", "--json", "3", "-t", "4", "5"), MT_CLI_RUN);
    assert_int_equal(o.format, MT_FORMAT_JSON);
    assert_int_equal(o.threads, 4);
    assert_int_equal(o.operand_count, 3);
    assert_string_equal(o.operands[0], "2");
    assert_string_equal(o.operands[1], "3");
    assert_string_equal(o.operands[2], "5");
}

static void parse_negative_numbers_after_double_dash(void **state)
{
    (void)state;
    mt_options o;
    mt_error err = {{0}};
    assert_int_equal(PARSE(&full, &o, &err, "--mode", "tasks", "-t", "2", "--", "-3", "4", "-1000"), MT_CLI_RUN);
    assert_int_equal(o.threads, 2);
    assert_int_equal(o.operand_count, 3);
    assert_string_equal(o.operands[0], "-3");
    assert_string_equal(o.operands[1], "4");
    assert_string_equal(o.operands[2], "-1000");
    /* after --, an option-like word is a number (to be refused later by the number parser) */
    assert_int_equal(PARSE(&full, &o, &err, "--", "--json"), MT_CLI_RUN);
    assert_int_equal(o.format, MT_FORMAT_TEXT);
    assert_int_equal(o.operand_count, 1);
    assert_string_equal(o.operands[0], "--json");
}

static void parse_negative_number_without_double_dash_is_an_option(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("-3"), "2", "-3");
}

static void parse_refuses_json_with_csv(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--json", "--csv"), "--json", "--csv");
    assert_refused(&full, NEEDLES("--json", "--csv"), "--csv", "--json");
}

static void parse_refuses_no_header_without_csv(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--no-header", "--csv"), "--no-header");
    assert_refused(&full, NEEDLES("--no-header", "--csv"), "--json", "--no-header");
}

static void parse_refuses_two_sources_of_numbers(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--input"), "--input", "list.txt", "2", "3");
    assert_refused(&full, NEEDLES("--generate"), "--generate", "10", "2");
    assert_refused(&full, NEEDLES("--input", "--generate"), "--generate", "10", "--input", "-");
}

static void parse_refuses_seed_without_generate(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--seed", "--generate"), "--seed", "5");
    assert_refused(&full, NEEDLES("--seed", "--generate"), "--seed", "5", "2", "3");
}

static void parse_refuses_bad_threads(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--threads", "'0'"), "--threads", "0");
    assert_refused(&full, NEEDLES("--threads", "'4097'"), "--threads", "4097");
    assert_refused(&full, NEEDLES("--threads", "'abc'"), "-t", "abc");
    assert_refused(&full, NEEDLES("--threads", "'-1'"), "-t", "-1");
    assert_refused(&full, NEEDLES("--threads", "'2x'"), "--threads=2x");
    assert_refused(&full, NEEDLES("--threads", "'1.5'"), "--threads", "1.5");
    assert_refused(&full, NEEDLES("--threads", "''"), "--threads", "");
    assert_refused(&full, NEEDLES("--threads", "'99999999999999999999999'"), "--threads", "99999999999999999999999");
    mt_options o;
    mt_error err;
    assert_int_equal(PARSE(&full, &o, &err, "--threads", "4096"), MT_CLI_RUN);
    assert_int_equal(o.threads, 4096);
}

static void parse_refuses_bad_repeat_and_warmup(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--repeat", "'0'"), "--repeat", "0");
    assert_refused(&full, NEEDLES("--repeat", "'x'"), "-r", "x");
    assert_refused(&full, NEEDLES("--repeat", "'1000001'"), "--repeat", "1000001");
    assert_refused(&full, NEEDLES("--warmup", "'-1'"), "--warmup", "-1");
    assert_refused(&full, NEEDLES("--warmup", "'two'"), "-W", "two");
    assert_refused(&full, NEEDLES("--warmup", "'1000001'"), "--warmup", "1000001");
    mt_options o;
    mt_error err;
    assert_int_equal(PARSE(&full, &o, &err, "--warmup", "0", "--repeat", "1000000"), MT_CLI_RUN);
    assert_int_equal(o.warmup, 0);
    assert_int_equal(o.repeat, 1000000);
}

static void parse_refuses_bad_delay(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--delay", "'abc'"), "--delay", "abc");
    assert_refused(&full, NEEDLES("--delay", "'-1'"), "--delay", "-1");
    assert_refused(&full, NEEDLES("--delay", "'3601'"), "-d", "3601");
    assert_refused(&full, NEEDLES("--delay", "'nan'"), "--delay", "nan");
    assert_refused(&full, NEEDLES("--delay", "'inf'"), "--delay", "inf");
    assert_refused(&full, NEEDLES("--delay", "''"), "--delay", "");
    assert_refused(&full, NEEDLES("--delay", "'0.1s'"), "--delay", "0.1s");
    assert_refused(&full, NEEDLES("--delay", "'1e999'"), "--delay", "1e999");
    mt_options o;
    mt_error err;
    assert_int_equal(PARSE(&full, &o, &err, "--delay", "0"), MT_CLI_RUN);
    assert_true(o.work.delay_s == 0.0);
    assert_int_equal(PARSE(&full, &o, &err, "--delay", "3600"), MT_CLI_RUN);
    assert_true(o.work.delay_s == 3600.0);
}

static void parse_refuses_bad_generate_seed_and_chunk(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--generate", "'abc'"), "--generate", "abc");
    assert_refused(&full, NEEDLES("--generate", "'-5'"), "--generate", "-5");
    assert_refused(&full, NEEDLES("--generate", "'1e9'"), "-g", "1e9");
    assert_refused(&full, NEEDLES("--generate", "'18446744073709551616'"), "--generate", "18446744073709551616");
    assert_refused(&full, NEEDLES("--seed", "'x'"), "--generate", "3", "--seed", "x");
    assert_refused(&full, NEEDLES("--seed", "'-1'"), "--generate", "3", "-s", "-1");
    assert_refused(&full, NEEDLES("--chunk", "'0'"), "--chunk", "0");
    assert_refused(&full, NEEDLES("--chunk", "'many'"), "--chunk", "many");
}

static void parse_refuses_unknown_work_and_mode(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--work", "'busy'"), "--work", "busy");
    assert_refused(&full, NEEDLES("--mode", "'quantum'"), "--mode", "quantum");
    assert_refused(&full, NEEDLES("--mode", "'SEQ'"), "-m", "SEQ");
    assert_refused(&plain, NEEDLES("--mode"), "--mode", "seq");
}

static void parse_refuses_unknown_options(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--frobnicate"), "--frobnicate");
    assert_refused(&full, NEEDLES("-x"), "-x");
    assert_refused(&full, NEEDLES("--frob"), "2", "--frob=1");
    assert_refused(&full, NEEDLES("--help"), "--frobnicate"); /* the message points to --help */
}

static void parse_refuses_a_missing_value(void **state)
{
    (void)state;
    assert_refused(&full, NEEDLES("--threads"), "--threads");
    assert_refused(&full, NEEDLES("-t"), "-t");
    assert_refused(&full, NEEDLES("--mode"), "--json", "--mode");
    assert_refused(&full, NEEDLES("--input"), "--input");
    assert_refused(&full, NEEDLES("--delay"), "2", "3", "--delay");
}

static void parse_refuses_features_not_offered(void **state)
{
    (void)state;
    assert_refused(&plain, NEEDLES("--ordered"), "--ordered");
    assert_refused(&plain, NEEDLES("--chunk"), "--chunk", "4");
    assert_refused(&plain, NEEDLES("--explain"), "--explain");
    static const mt_program ordered_only = {.name = "ordered_only",
                                            .numbers = true,
                                            .modes = modes,
                                            .options = test_options,
                                            .option_count = 1,
                                            .parse_option = parse_test_option,
                                            .summary = "",
                                            .notes = ""};
    mt_options o;
    mt_error err;
    assert_int_equal(PARSE(&ordered_only, &o, &err, "--ordered"), MT_CLI_RUN);
    assert_true(settings.ordered);
    assert_refused(&ordered_only, NEEDLES("--chunk"), "--chunk", "4");
    assert_refused(&ordered_only, NEEDLES("--explain"), "--explain");
}

static void parse_twice_starts_afresh(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        mt_options o;
        mt_error err = {{0}};
        assert_int_equal(PARSE(&full, &o, &err, "-t", "2", "--bogus"), MT_CLI_BAD_USAGE);
        assert_int_equal(PARSE(&full, &o, &err, "-q", "7", "9"), MT_CLI_RUN);
        assert_int_equal(o.operand_count, 2);
        assert_string_equal(o.operands[0], "7");
        assert_int_equal(o.threads, 0); /* nothing kept from the parse before */
        assert_int_equal(PARSE(&full, &o, &err, "-vt3", "--", "-5"), MT_CLI_RUN);
        assert_true(o.verbose);
        assert_false(o.quiet);
        assert_int_equal(o.threads, 3);
        assert_int_equal(o.operand_count, 1);
        assert_string_equal(o.operands[0], "-5");
        assert_int_equal(PARSE(&full, &o, &err, "-t"), MT_CLI_BAD_USAGE); /* ends mid-cluster state */
    }
}

static void count_and_seconds_parsers_bound_inclusively(void **state)
{
    (void)state;
    uint64_t count = 0;
    double seconds = -1;
    mt_error err = {{0}};
    assert_int_equal(mt_parse_count("1", "--x", 1, 10, &count, &err), MT_OK);
    assert_int_equal(count, 1);
    assert_int_equal(mt_parse_count("10", "--x", 1, 10, &count, &err), MT_OK);
    assert_int_equal(count, 10);
    assert_int_equal(mt_parse_count("11", "--x", 1, 10, &count, &err), MT_ERR_USAGE);
    assert_contains(err.message, "--x");
    assert_contains(err.message, "'11'");
    assert_int_equal(mt_parse_count("18446744073709551615", "--x", 0, UINT64_MAX, &count, &err), MT_OK);
    assert_true(count == UINT64_MAX);
    assert_int_equal(mt_parse_count("+3", "--x", 0, 10, &count, &err), MT_ERR_USAGE);
    assert_int_equal(mt_parse_seconds("0.5", "--y", 1, &seconds, &err), MT_OK);
    assert_true(seconds == 0.5);
    assert_int_equal(mt_parse_seconds("1", "--y", 1, &seconds, &err), MT_OK);
    assert_int_equal(mt_parse_seconds("1.0001", "--y", 1, &seconds, &err), MT_ERR_USAGE);
    assert_contains(err.message, "--y");
}

static void read_numbers_default_list(void **state)
{
    (void)state;
    mt_options o;
    mt_error err = {{0}};
    char *argv[] = {"prog", NULL};
    assert_int_equal(mt_cli_parse(1, argv, &full, &o, &settings, &err), MT_CLI_RUN);
    mt_numbers numbers;
    assert_int_equal(mt_harness_read_numbers(&o, 24, &numbers, &err), MT_OK);
    const int64_t expected[] = {2, 3, 5, 8};
    assert_int_equal(numbers.count, 4);
    assert_memory_equal(numbers.values, expected, sizeof expected);
    mt_numbers_free(&numbers);
}

static void read_numbers_refuses_cube_overflow_naming_it(void **state)
{
    (void)state;
    mt_options o;
    mt_error err = {{0}};
    assert_int_equal(PARSE(&full, &o, &err, "--", "2", "-2097152", "2097152"), MT_CLI_RUN);
    mt_numbers numbers;
    assert_int_equal(mt_harness_read_numbers(&o, 24, &numbers, &err), MT_ERR_USAGE);
    assert_contains(err.message, "2097152");
    assert_contains(err.message, "item 3");
    assert_null(numbers.values);
}

static void read_numbers_refuses_absurd_generate_up_front(void **state)
{
    (void)state;
    mt_options o;
    mt_error err = {{0}};
    assert_int_equal(PARSE(&full, &o, &err, "--generate", "100000000000"), MT_CLI_RUN);
    mt_numbers numbers;
    assert_int_equal(mt_harness_read_numbers(&o, 24, &numbers, &err), MT_ERR_USAGE);
    assert_contains(err.message, "100000000000");
}

static void read_numbers_names_an_unreadable_input(void **state)
{
    (void)state;
    mt_options o;
    mt_error err = {{0}};
    assert_int_equal(PARSE(&full, &o, &err, "--input", "/nonexistent/list.txt"), MT_CLI_RUN);
    mt_numbers numbers;
    assert_int_equal(mt_harness_read_numbers(&o, 24, &numbers, &err), MT_ERR_USAGE);
    assert_contains(err.message, "/nonexistent/list.txt");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_defaults),
        cmocka_unit_test(parse_every_long_option),
        cmocka_unit_test(parse_every_short_option),
        cmocka_unit_test(parse_option_equals_value),
        cmocka_unit_test(parse_help_and_version),
        cmocka_unit_test(help_text_names_the_options_and_negative_numbers),
        cmocka_unit_test(parse_positional_numbers),
        cmocka_unit_test(parse_negative_numbers_after_double_dash),
        cmocka_unit_test(parse_negative_number_without_double_dash_is_an_option),
        cmocka_unit_test(parse_refuses_json_with_csv),
        cmocka_unit_test(parse_refuses_no_header_without_csv),
        cmocka_unit_test(parse_refuses_two_sources_of_numbers),
        cmocka_unit_test(parse_refuses_seed_without_generate),
        cmocka_unit_test(parse_refuses_bad_threads),
        cmocka_unit_test(parse_refuses_bad_repeat_and_warmup),
        cmocka_unit_test(parse_refuses_bad_delay),
        cmocka_unit_test(parse_refuses_bad_generate_seed_and_chunk),
        cmocka_unit_test(parse_refuses_unknown_work_and_mode),
        cmocka_unit_test(parse_refuses_unknown_options),
        cmocka_unit_test(parse_refuses_a_missing_value),
        cmocka_unit_test(parse_refuses_features_not_offered),
        cmocka_unit_test(parse_twice_starts_afresh),
        cmocka_unit_test(count_and_seconds_parsers_bound_inclusively),
        cmocka_unit_test(read_numbers_default_list),
        cmocka_unit_test(read_numbers_refuses_cube_overflow_naming_it),
        cmocka_unit_test(read_numbers_refuses_absurd_generate_up_front),
        cmocka_unit_test(read_numbers_names_an_unreadable_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
