/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_report.c - the one record every program reports: JSON keys = CSV columns, in order; RFC 4180
 * quoting; no times for a run that did not validate; the ratio; and the original's human lines. */
#include <math.h>

#include "helpers.h"
#include "report.h"

static mt_record sample_record(void)
{
    return (mt_record){.program = "square_cube",
                       .mode = "tasks",
                       .threads = 8,
                       .ranks = 1,
                       .n = 4,
                       .work = {.kind = MT_WORK_SLEEP, .delay_s = 0.1},
                       .warmup = 1,
                       .repeat = 3,
                       .time = {.median = 0.5, .min = 0.25, .max = 1.0, .count = 3},
                       .ideal_s = 0.25,
                       .valid = true};
}

static int column_count(void)
{
    int count = 0;
    while (mt_record_columns[count] != NULL)
        count++;
    return count;
}

/* The JSON object's scalar keys: the CSV columns. */
static int scalar_count(json_t *o)
{
    int count = 0;
    const char *key;
    json_t *value;
    json_object_foreach(o, key, value) count += !json_is_object(value) && !json_is_array(value);
    return count;
}

/* How many keys a record's JSON object has, checking that it starts with the common columns, in order. */
static int checked_key_count(json_t *o)
{
    int i = 0;
    const char *key;
    json_t *value;
    json_object_foreach(o, key, value)
    {
        (void)value;
        if (i < column_count()) assert_string_equal(key, mt_record_columns[i]);
        i++;
    }
    return i;
}

static void json_has_every_column_in_order(void **state)
{
    (void)state;
    mt_record record = sample_record();
    json_t *o = mt_record_to_json(&record);
    assert_non_null(o);
    int i = checked_key_count(o);
    /* then the lists of hosts, of the workers' placement, of the timed runs and the command line, JSON only */
    assert_int_equal(i, column_count() + 4);
    assert_true(json_is_array(json_object_get(o, "hosts")));
    assert_true(json_is_array(json_object_get(o, "placement")));
    assert_true(json_is_array(json_object_get(o, "times_s")));
    assert_true(json_is_array(json_object_get(o, "command")));
    json_decref(o);
}

static void program_fields_follow_the_common_columns(void **state)
{
    (void)state;
    mt_record record = sample_record();
    record.fields = json_pack("{s:s, s:i}", "transport", "shared", "chunk", 4);
    json_t *o = mt_record_to_json(&record);
    int i = 0;
    const char *key;
    json_t *value;
    const char *expected[] = {"transport", "chunk", "hosts", "placement", "times_s", "command"};
    json_object_foreach(o, key, value)
    {
        (void)value;
        if (i >= column_count()) assert_string_equal(key, expected[i - column_count()]);
        i++;
    }
    assert_int_equal(i, column_count() + 6);
    assert_int_equal(scalar_count(o), column_count() + 2);
    json_decref(o);
    json_decref(record.fields);
}

static void phases_give_the_setup_and_the_serial_fraction(void **state)
{
    (void)state;
    mt_record record = sample_record(); /* median 0.5 */
    record.read_s = 0.25, record.output_s = 0.125, record.runs_s = 1.5, record.end_to_end_s = 2.0;
    assert_true(mt_record_setup_s(&record) == 0.125); /* 2 - 0.25 - 1.5 - 0.125 */
    assert_true(mt_record_serial_fraction(&record) == 0.5 / (0.5 + 0.5));
    json_t *o = mt_record_to_json(&record);
    assert_true(json_real_value(json_object_get(o, "read_s")) == 0.25);
    assert_true(json_real_value(json_object_get(o, "setup_s")) == 0.125);
    assert_true(json_real_value(json_object_get(o, "output_s")) == 0.125);
    assert_true(json_real_value(json_object_get(o, "end_to_end_s")) == 2.0);
    assert_true(json_real_value(json_object_get(o, "serial_fraction")) == 0.5);
    json_decref(o);
    record.valid = false; /* no time, no fraction */
    o = mt_record_to_json(&record);
    assert_true(json_is_null(json_object_get(o, "serial_fraction")));
    json_decref(o);
}

static void nodes_count_the_distinct_hosts_in_rank_order(void **state)
{
    (void)state;
    mt_record record = sample_record();
    const char *hosts[] = {"b", "a", "b", "c", "a"};
    record.ranks = 5;
    record.rank_hosts = hosts;
    json_t *o = mt_record_to_json(&record);
    assert_int_equal(json_integer_value(json_object_get(o, "nodes")), 3);
    json_t *list = json_object_get(o, "hosts");
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(json_string_value(json_array_get(list, 0)), "b");
    assert_string_equal(json_string_value(json_array_get(list, 1)), "a");
    assert_string_equal(json_string_value(json_array_get(list, 2)), "c");
    assert_string_equal(json_string_value(json_object_get(o, "host")), "b"); /* rank 0's */
    json_decref(o);
}

static void columns_hold_the_design_schema(void **state)
{
    (void)state;
    const char *required[] = {"program", "mode",   "threads",    "ranks",      "n",           "work",  "delay_s",
                              "repeat",  "time_s", "time_min_s", "time_max_s", "ideal_s",     "ratio", "items_per_s",
                              "valid",   "host",   "compiler",   "openmp",     "mpi_library", "nodes"};
    for (size_t r = 0; r < sizeof required / sizeof required[0]; r++) {
        bool found = false;
        for (int i = 0; mt_record_columns[i] != NULL; i++)
            found = found || strcmp(mt_record_columns[i], required[r]) == 0;
        if (!found) fail_msg("column '%s' is missing", required[r]);
    }
    /* no column twice */
    for (int i = 0; mt_record_columns[i] != NULL; i++)
        for (int j = i + 1; mt_record_columns[j] != NULL; j++)
            assert_string_not_equal(mt_record_columns[i], mt_record_columns[j]);
}

static void json_values_of_a_valid_run(void **state)
{
    (void)state;
    mt_record record = sample_record();
    record.ranks = 2;
    json_t *o = mt_record_to_json(&record);
    assert_string_equal(json_string_value(json_object_get(o, "program")), "square_cube");
    assert_string_equal(json_string_value(json_object_get(o, "mode")), "tasks");
    assert_null(json_object_get(o, "transport")); /* a program's own field, not common */
    assert_int_equal(json_integer_value(json_object_get(o, "nodes")), 1);
    assert_int_equal(json_array_size(json_object_get(o, "hosts")), 1);
    assert_int_equal(json_integer_value(json_object_get(o, "threads")), 8);
    assert_int_equal(json_integer_value(json_object_get(o, "ranks")), 2);
    assert_int_equal(json_integer_value(json_object_get(o, "workers")), 16);
    assert_int_equal(json_integer_value(json_object_get(o, "n")), 4);
    assert_string_equal(json_string_value(json_object_get(o, "work")), "sleep");
    assert_true(json_real_value(json_object_get(o, "delay_s")) == 0.1);
    assert_int_equal(json_integer_value(json_object_get(o, "warmup")), 1);
    assert_int_equal(json_integer_value(json_object_get(o, "repeat")), 3);
    assert_true(json_real_value(json_object_get(o, "time_s")) == 0.5);
    assert_true(json_real_value(json_object_get(o, "time_min_s")) == 0.25);
    assert_true(json_real_value(json_object_get(o, "time_max_s")) == 1.0);
    assert_true(json_real_value(json_object_get(o, "ideal_s")) == 0.25);
    assert_true(json_is_true(json_object_get(o, "valid")));
    assert_true(json_real_value(json_object_get(o, "items_per_s")) == 8.0); /* n / median */
    json_decref(o);
}

static void ratio_is_time_over_ideal(void **state)
{
    (void)state;
    mt_record record = sample_record();
    record.time.median = 0.3;
    record.ideal_s = 0.1;
    json_t *o = mt_record_to_json(&record);
    assert_float_equal(json_real_value(json_object_get(o, "ratio")), 0.3 / 0.1, 1e-12);
    json_decref(o);
}

static void ideal_nan_gives_null_ideal_and_ratio(void **state)
{
    (void)state;
    mt_record record = sample_record();
    record.work = (mt_work){.kind = MT_WORK_NONE, .delay_s = 0.1};
    record.ideal_s = NAN;
    json_t *o = mt_record_to_json(&record);
    assert_true(json_is_null(json_object_get(o, "ideal_s")));
    assert_true(json_is_null(json_object_get(o, "ratio")));
    assert_true(json_real_value(json_object_get(o, "time_s")) == 0.5);  /* the time is still reported */
    assert_true(json_real_value(json_object_get(o, "delay_s")) == 0.0); /* none has no delay */
    assert_string_equal(json_string_value(json_object_get(o, "work")), "none");
    json_decref(o);
}

static void times_are_null_when_not_valid(void **state)
{
    (void)state;
    mt_record record = sample_record();
    record.valid = false;
    json_t *o = mt_record_to_json(&record);
    const char *timed[] = {"time_s", "time_min_s", "time_max_s", "ratio", "items_per_s"};
    for (int i = 0; i < 5; i++)
        if (!json_is_null(json_object_get(o, timed[i]))) fail_msg("'%s' is not null for an invalid run", timed[i]);
    assert_true(json_is_false(json_object_get(o, "valid")));
    json_decref(o);
}

static void details_keys_are_merged_after_the_columns(void **state)
{
    (void)state;
    mt_record record = sample_record();
    record.details = json_pack("{s:i, s:{s:s}}", "extra", 7, "nested", "a", "b");
    assert_non_null(record.details);
    json_t *o = mt_record_to_json(&record);
    assert_int_equal(json_integer_value(json_object_get(o, "extra")), 7);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "nested"), "a")), "b");
    /* + extra, nested, hosts, placement, times_s, command */
    assert_int_equal(checked_key_count(o), column_count() + 6);
    json_decref(o);
    json_decref(record.details);
}

static char *csv_of(const mt_record *record, bool header)
{
    FILE *file = scratch_stream();
    mt_output out;
    mt_output_init(&out, file, "the test's file");
    mt_error err;
    assert_int_equal(mt_record_print_csv(&out, record, header, &err), MT_OK);
    assert_int_equal(mt_output_finish(&out, &err), MT_OK);
    return stream_text(file);
}

static void csv_header_is_the_columns_joined_with_commas(void **state)
{
    (void)state;
    char expected[2048] = "";
    for (int i = 0; mt_record_columns[i] != NULL; i++) {
        if (i) strcat(expected, ",");
        strcat(expected, mt_record_columns[i]);
    }
    strcat(expected, "\n");
    mt_record record = sample_record();
    char *text = csv_of(&record, true);
    assert_int_equal(strncmp(text, expected, strlen(expected)), 0);
    /* a header and one row: two lines (no field here holds a line break) */
    int lines = 0;
    for (const char *c = text; *c != '\0'; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 2);
    free(text);
}

static void csv_without_header_is_one_row(void **state)
{
    (void)state;
    mt_record record = sample_record();
    char *text = csv_of(&record, false);
    assert_int_equal(strncmp(text, "square_cube,tasks,", 18), 0);
    assert_non_null(strchr(text, '\n'));
    assert_string_equal(strchr(text, '\n'), "\n");
    free(text);
}

enum { MAX_FIELDS = 64, MAX_FIELD = 512 };

/* Parse one RFC 4180 record from text into fields; returns the number of fields and sets *rest
 * after its line break. Fails the test on malformed quoting. */
static int parse_csv_record(const char *text, char fields[MAX_FIELDS][MAX_FIELD], const char **rest)
{
    int count = 0;
    const char *c = text;
    for (;;) {
        assert_true(count < MAX_FIELDS);
        size_t length = 0;
        char *field = fields[count++];
        if (*c == '"') {
            c++;
            for (;;) {
                if (*c == '\0') fail_msg("unterminated quoted field in: %s", text);
                if (*c == '"' && c[1] == '"') {
                    field[length++] = '"';
                    c += 2;
                } else if (*c == '"') {
                    c++;
                    break;
                } else {
                    field[length++] = *c++;
                }
                assert_true(length < MAX_FIELD);
            }
            if (*c != ',' && *c != '\n') fail_msg("text after a closing quote in: %s", text);
        } else {
            while (*c != ',' && *c != '\n' && *c != '\0') {
                if (*c == '"') fail_msg("a bare quote in an unquoted field in: %s", text);
                field[length++] = *c++;
                assert_true(length < MAX_FIELD);
            }
        }
        field[length] = '\0';
        if (*c == ',') {
            c++;
            continue;
        }
        if (*c == '\n') c++;
        *rest = c;
        return count;
    }
}

/* Every CSV field equals the JSON value of its column (null: empty). */
static void assert_csv_row_matches_json(const char *row, const mt_record *record)
{
    static char fields[MAX_FIELDS][MAX_FIELD];
    const char *rest;
    int count = parse_csv_record(row, fields, &rest);
    assert_string_equal(rest, "");
    mt_record copy = *record;
    json_t *o = mt_record_to_json(&copy);
    assert_int_equal(count, scalar_count(o));
    const char *columns[MAX_FIELDS];
    int i = 0;
    const char *key;
    json_t *scalar;
    json_object_foreach(o, key, scalar) if (!json_is_object(scalar) && !json_is_array(scalar)) columns[i++] = key;
    for (i = 0; i < count; i++) {
        json_t *value = json_object_get(o, columns[i]);
        char expected[MAX_FIELD] = "";
        switch (json_typeof(value)) {
        case JSON_STRING:
            snprintf(expected, sizeof expected, "%s", json_string_value(value));
            break;
        case JSON_INTEGER:
            snprintf(expected, sizeof expected, "%lld", (long long)json_integer_value(value));
            break;
        case JSON_REAL:
            assert_float_equal(strtod(fields[i], NULL), json_real_value(value), 1e-8 * fabs(json_real_value(value)));
            continue;
        case JSON_TRUE:
            strcpy(expected, "true");
            break;
        case JSON_FALSE:
            strcpy(expected, "false");
            break;
        default:
            break;
        }
        if (strcmp(fields[i], expected) != 0 && strcmp(columns[i], "date") != 0)
            fail_msg("column %s: CSV '%s', JSON '%s'", columns[i], fields[i], expected);
    }
    json_decref(o);
}

static void csv_quotes_commas_quotes_and_line_breaks(void **state)
{
    (void)state;
    mt_record record = sample_record();
    record.program = "say \"hi\"";
    record.mode = "a,b";
    record.fields = json_pack("{s:s, s:s}", "transport", "two\nlines", "libcurl", "plain");
    record.mpi_library = "Open MPI v4.1.4, package: Debian";
    char *text = csv_of(&record, false);
    const char *quoted = "\"say \"\"hi\"\"\",\"a,b\",";
    assert_int_equal(strncmp(text, quoted, strlen(quoted)), 0);
    assert_contains(text, "\"Open MPI v4.1.4, package: Debian\"");
    assert_contains(text, ",\"two\nlines\",plain\n");
    assert_csv_row_matches_json(text, &record);
    json_decref(record.fields);
    free(text);
}

static void csv_quotes_an_environment_value_with_a_comma(void **state)
{
    (void)state;
    assert_int_equal(setenv("OMP_MT_UNIT_TEST", "x,\"y\"", 1), 0);
    mt_record record = sample_record();
    char *text = csv_of(&record, false);
    assert_contains(text, "OMP_MT_UNIT_TEST=x,\"\"y\"\"");
    assert_csv_row_matches_json(text, &record);
    static char fields[MAX_FIELDS][MAX_FIELD];
    const char *rest;
    parse_csv_record(text, fields, &rest);
    int omp_env = 0;
    while (strcmp(mt_record_columns[omp_env], "omp_env") != 0)
        omp_env++;
    assert_contains(fields[omp_env], "OMP_MT_UNIT_TEST=x,\"y\"");
    unsetenv("OMP_MT_UNIT_TEST");
    free(text);
}

static void csv_row_of_an_invalid_run_has_empty_times(void **state)
{
    (void)state;
    mt_record record = sample_record();
    record.valid = false;
    char *text = csv_of(&record, false);
    static char fields[MAX_FIELDS][MAX_FIELD];
    const char *rest;
    assert_int_equal(parse_csv_record(text, fields, &rest), column_count());
    for (int i = 0; mt_record_columns[i] != NULL; i++) {
        const char *column = mt_record_columns[i];
        if (strcmp(column, "time_s") == 0 || strcmp(column, "time_min_s") == 0 || strcmp(column, "time_max_s") == 0 ||
            strcmp(column, "ratio") == 0 || strcmp(column, "items_per_s") == 0)
            assert_string_equal(fields[i], "");
        if (strcmp(column, "valid") == 0) assert_string_equal(fields[i], "false");
    }
    assert_csv_row_matches_json(text, &record);
    free(text);
}

static void json_print_is_one_line_that_parses(void **state)
{
    (void)state;
    mt_record record = sample_record();
    FILE *file = scratch_stream();
    mt_output out;
    mt_output_init(&out, file, "the test's file");
    mt_error err;
    assert_int_equal(mt_record_print_json(&out, &record, &err), MT_OK);
    assert_int_equal(mt_output_finish(&out, &err), MT_OK);
    char *text = stream_text(file);
    size_t length = strlen(text);
    assert_true(length > 2 && text[length - 1] == '\n');
    assert_ptr_equal(strchr(text, '\n'), text + length - 1);
    json_error_t error;
    json_t *o = json_loads(text, 0, &error);
    if (o == NULL) fail_msg("not JSON (%s): %s", error.text, text);
    /* + hosts, placement, times_s, command */
    assert_int_equal(json_object_size(o), (size_t)column_count() + 4);
    assert_true(json_real_value(json_object_get(o, "ratio")) == 2.0);
    json_decref(o);
    free(text);
}

typedef struct {
    int64_t base;
    mt_operation op;
    int64_t value;
} power_line;

static void print_one_power(void *arg)
{
    const power_line *line = arg;
    mt_output out;
    mt_output_init(&out, stdout, "standard output");
    mt_print_power(&out, line->base, line->op, line->value);
}

static void print_power_formats_the_original_line(void **state)
{
    (void)state;
    const power_line lines[] = {
        {2, MT_OP_CUBE, 8}, {2, MT_OP_SQUARE, 4}, {-3, MT_OP_CUBE, -27}, {MT_CUBE_MIN, MT_OP_CUBE, INT64_MIN}};
    const char *expected[] = {"2 ^ 3 = 8\n", "2 ^ 2 = 4\n", "-3 ^ 3 = -27\n", "-2097152 ^ 3 = -9223372036854775808\n"};
    for (int i = 0; i < 4; i++) {
        char *text = capture_stdout(print_one_power, (void *)&lines[i]);
        assert_string_equal(text, expected[i]);
        free(text);
    }
}

static void print_many_powers(void *arg)
{
    (void)arg;
    mt_output out;
    mt_output_init(&out, stdout, "standard output");
#pragma omp parallel for num_threads(8) schedule(dynamic)
    for (int i = 0; i < 2000; i++)
        mt_print_power(&out, i, MT_OP_SQUARE, (int64_t)i * i);
}

static void print_power_lines_from_threads_stay_whole(void **state)
{
    (void)state;
    char *text = capture_stdout(print_many_powers, NULL);
    static bool seen[2000];
    int lines = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        long long base, square;
        int exponent, used = 0;
        if (sscanf(line, "%lld ^ %d = %lld%n", &base, &exponent, &square, &used) != 3 || line[used] != '\0')
            fail_msg("torn line: '%s'", line);
        assert_true(base >= 0 && base < 2000 && exponent == 2 && square == base * base);
        assert_false(seen[base]);
        seen[base] = true;
        lines++;
    }
    assert_int_equal(lines, 2000);
    free(text);
}

/* The lines printed after a run: formatted by hand, in blocks, by several threads, written in input order. */
static void print_powers_matches_printf_in_order_across_blocks(void **state)
{
    (void)state;
    enum { N = 50021 }; /* several blocks of lines, the last one short */
    static int64_t values[N], results[N];
    static const int64_t edges[] = {0,          -1,          1,           9,    10,       99,
                                    100,        101,         464,         465,  99999999, 100000000,
                                    -100000000, MT_CUBE_MIN, MT_CUBE_MAX, 2154, 215443,   21544};
    uint64_t state_ = 7;
    for (int i = 0; i < N; i++) {
        state_ = state_ * 6364136223846793005u + 1442695040888963407u;
        values[i] = i < (int)(sizeof edges / sizeof edges[0]) ? edges[i] : MT_CUBE_MIN + (int64_t)(state_ >> 42);
        bool cubable = values[i] >= MT_CUBE_MIN && values[i] <= MT_CUBE_MAX;
        results[i] = i % 2 && cubable ? mt_cube(values[i]) : (int64_t)(state_ >> 1) * (i % 4 ? -1 : 1);
    }
    FILE *file = scratch_stream();
    mt_output out;
    mt_output_init(&out, file, "the test's file");
    mt_print_powers(&out, values, results, N, MT_OP_CUBE);
    mt_error err;
    assert_int_equal(mt_output_finish(&out, &err), MT_OK);
    rewind(file);
    char line[128], expected[128];
    for (int i = 0; i < N; i++) {
        assert_non_null(fgets(line, sizeof line, file));
        snprintf(expected, sizeof expected, "%lld ^ 3 = %lld\n", (long long)values[i], (long long)results[i]);
        if (strcmp(line, expected) != 0) fail_msg("line %d: '%s', not '%s'", i, line, expected);
    }
    assert_null(fgets(line, sizeof line, file));
    fclose(file);
}

/* The block formatter and the byte count other writers place their lines by (cube_mpi's offsets) agree with
 * printf at every width, INT64_MIN and INT64_MAX included. */
static void format_powers_and_their_bytes_match_printf(void **state)
{
    (void)state;
    enum { N = 4 * 20 + 4 };
    int64_t values[N], results[N];
    int n = 0;
    for (int k = 0; k < 19; k++) {
        int64_t power = 1; /* 10^k, up to 10^18 */
        for (int j = 0; j < k; j++)
            power *= 10;
        int64_t around[4] = {power - 1, power, -power, -(power - 1)};
        for (int j = 0; j < 4; j++)
            values[n] = around[j], results[n] = around[(j + 1) % 4], n++;
    }
    int64_t extremes[] = {INT64_MIN, INT64_MAX, 0, -1, 1000000000000000000LL, -999999999999999999LL};
    for (size_t j = 0; j < sizeof extremes / sizeof extremes[0] && n < N; j++)
        values[n] = extremes[j], results[n] = extremes[(j + 1) % 6], n++;
    char block[N * MT_POWER_LINE_MAX + 1], expected[N * MT_POWER_LINE_MAX + 1];
    size_t length = mt_format_powers(block, values, results, (uint64_t)n, MT_OP_CUBE), used = 0;
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(expected + used, sizeof expected - used, "%lld ^ 3 = %lld\n", (long long)values[i],
                                 (long long)results[i]);
    assert_int_equal(length, used);
    assert_memory_equal(block, expected, used);
    assert_int_equal(mt_powers_bytes(values, results, (uint64_t)n, MT_OP_CUBE), used);
    for (int i = 0; i < n; i++) {
        char line[MT_POWER_LINE_MAX];
        assert_int_equal(mt_powers_bytes(values + i, results + i, 1, MT_OP_SQUARE),
                         mt_format_powers(line, values + i, results + i, 1, MT_OP_SQUARE));
    }
}

static void print_the_time(void *arg)
{
    mt_output out;
    mt_output_init(&out, stdout, "standard output");
    mt_print_execution_time(&out, *(const double *)arg);
}

static void execution_time_line_is_a_float(void **state)
{
    (void)state;
    double seconds = 0.8125;
    char *text = capture_stdout(print_the_time, &seconds);
    double parsed = -1;
    int used = 0;
    assert_int_equal(sscanf(text, "Execution Time: %lf\n%n", &parsed, &used), 1);
    assert_int_equal(strncmp(text, "Execution Time: ", 16), 0);
    assert_true(parsed == 0.8125);
    assert_string_equal(text + strlen(text) - 1, "\n");
    assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
    free(text);
}

static void summary_states_ideal_and_ratio_or_no_model(void **state)
{
    (void)state;
    mt_record record = sample_record();
    FILE *out = scratch_stream();
    mt_print_summary(out, &record);
    char *text = stream_text(out);
    assert_contains(text, "square_cube");
    assert_contains(text, "tasks");
    assert_contains(text, "8 threads");
    assert_contains(text, "ideal 0.2500 s, ratio 2.000");
    free(text);
    record.ideal_s = NAN;
    out = scratch_stream();
    mt_print_summary(out, &record);
    text = stream_text(out);
    assert_contains(text, "no ideal-time model");
    free(text);
}

static void cpu_time_gives_cpus_busy_and_words(void **state)
{
    (void)state;
    mt_record record = sample_record();
    record.cpu_user_s = 1.5, record.cpu_sys_s = 0.5, record.cpu_wall_s = 1.0, record.max_rss_mib = 3.0;
    record.machine_busy = 0.0;
    json_t *o = mt_record_to_json(&record);
    assert_true(json_real_value(json_object_get(o, "cpu_s")) == 2.0);
    assert_true(json_real_value(json_object_get(o, "cpus_busy")) == 2.0);
    assert_true(json_real_value(json_object_get(o, "max_rss_mib")) == 3.0);
    assert_true(json_is_null(json_object_get(o, "cpu_queue_s")) || json_is_real(json_object_get(o, "cpu_queue_s")));
    assert_int_equal(json_integer_value(json_object_get(o, "schema_version")), MT_RECORD_SCHEMA_VERSION);
    assert_true(json_is_string(json_object_get(o, "suite_version")) && json_is_string(json_object_get(o, "commit")));
    json_decref(o);
    char words[128];
    mt_cpu_words(0.02, NAN, 8, words, sizeof words);
    assert_string_equal(words, "waiting (concurrency)");
    mt_cpu_words(1.9, 0.0, 2, words, sizeof words);
    assert_string_equal(words, "computing (parallelism)");
    mt_cpu_words(1.0, NAN, 2, words, sizeof words);
    assert_non_null(strstr(words, "no parallelism"));
    /* a spinning thread that other work kept off the CPU two thirds of the time still reads as computing */
    mt_cpu_words(0.3, 0.6, 1, words, sizeof words);
    assert_string_equal(words, "computing on one CPU, held back: 0.60 more CPUs wanted");
    /* eight sleeping tasks that woke behind other work: queued a moment each, computing nothing: still waiting */
    mt_cpu_words(0.01, 3.57, 8, words, sizeof words);
    assert_string_equal(words, "waiting (concurrency)");
    /* four spinning threads on two CPUs: two busy, two more wanted */
    mt_cpu_words(1.95, 1.9, 4, words, sizeof words);
    assert_string_equal(words, "computing (parallelism), held back: 1.90 more CPUs wanted");
    record.cpu_wall_s = 0; /* no window: unknown, never a division by zero */
    o = mt_record_to_json(&record);
    assert_true(json_is_null(json_object_get(o, "cpus_busy")));
    json_decref(o);
}

static void machine_busy_is_the_others_cpus_never_negative(void **state)
{
    (void)state;
    assert_true(mt_machine_other_cpus(3.0, 1.0, 2.0) == 1.0);
    assert_true(mt_machine_other_cpus(0.9, 1.0, 2.0) == 0.0); /* the clock ticks undercount: 0, not -0.05 */
    assert_true(isnan(mt_machine_other_cpus(NAN, 1.0, 2.0)));
    assert_true(isnan(mt_machine_other_cpus(1.0, 1.0, 0.0)));
}

static void command_masks_url_passwords(void **state)
{
    (void)state;
    /* what a command line holds: an option's value, two URLs in one word, a path with '@', no password */
    const char *words[][2] = {{"https://ana:secret@host/a.jpg", "https://ana:***@host/a.jpg"},
                              {"http://host/a@b:c", "http://host/a@b:c"},
                              {"--url=ftp://u:p@h", "--url=ftp://u:***@h"},
                              {"x http://a:b@c y http://d:e@f", "x http://a:***@c y http://d:***@f"},
                              {"https://token@host/", "https://token@host/"},
                              {"-t", "-t"}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char *masked = mt_mask_passwords(words[i][0]);
        assert_non_null(masked);
        assert_string_equal(masked, words[i][1]);
        free(masked);
    }
    char *argv[] = {"download", "https://u:pw@127.0.0.1:8000/a.jpg", NULL};
    mt_record record = sample_record();
    record.argc = 2, record.argv = argv;
    json_t *o = mt_record_to_json(&record);
    json_t *command = json_object_get(o, "command");
    assert_int_equal(json_array_size(command), 2);
    assert_string_equal(json_string_value(json_array_get(command, 1)), "https://u:***@127.0.0.1:8000/a.jpg");
    json_decref(o);
}

static void times_lists_every_timed_run_in_order(void **state)
{
    (void)state;
    mt_sample samples[3] = {{.elapsed_s = 1.0}, {.elapsed_s = 0.25}, {.elapsed_s = 0.5}};
    mt_record record = sample_record();
    record.samples = samples;
    json_t *o = mt_record_to_json(&record);
    json_t *times = json_object_get(o, "times_s");
    assert_int_equal(json_array_size(times), 3);
    for (int i = 0; i < 3; i++)
        assert_true(json_real_value(json_array_get(times, (size_t)i)) == samples[i].elapsed_s);
    json_decref(o);
    record.valid = false;
    o = mt_record_to_json(&record);
    assert_int_equal(json_array_size(json_object_get(o, "times_s")), 0); /* no times of a run that failed */
    json_decref(o);
}

static void summary_lines_fit_80_columns(void **state)
{
    (void)state;
    mt_record record = sample_record();
    record.time.count = 5, record.time.ci_low = 0.123456, record.time.ci_high = 0.654321;
    record.cpu_user_s = 0.01, record.cpu_sys_s = 0.0, record.cpu_wall_s = 0.5, record.max_rss_mib = 2.5;
    record.machine_busy = 1.25, record.cpu_queue_s = 0.95, record.threads = 4, record.cpu_user_s = 0.9;
    record.hooks.clause = "ranks' compute 0.1000 to 0.2000 s (mean 0.1500): imbalance 1.33";
    FILE *out = scratch_stream();
    mt_print_summary(out, &record);
    char *text = stream_text(out);
    assert_contains(text, "computing (parallelism)");
    assert_contains(text, "held back: 1.90 more CPUs wanted");
    assert_contains(text, "machine busy: other work used 1.2 CPUs");
    assert_contains(text, "imbalance 1.33");
    assert_contains(text, "ideal 0.2500 s, ratio 2.000");
    int lines = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"), lines++)
        if (strlen(line) > 80) fail_msg("a summary line of %zu columns: '%s'", strlen(line), line);
    assert_true(lines >= 2);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_has_every_column_in_order),
        cmocka_unit_test(program_fields_follow_the_common_columns),
        cmocka_unit_test(nodes_count_the_distinct_hosts_in_rank_order),
        cmocka_unit_test(phases_give_the_setup_and_the_serial_fraction),
        cmocka_unit_test(columns_hold_the_design_schema),
        cmocka_unit_test(json_values_of_a_valid_run),
        cmocka_unit_test(ratio_is_time_over_ideal),
        cmocka_unit_test(ideal_nan_gives_null_ideal_and_ratio),
        cmocka_unit_test(times_are_null_when_not_valid),
        cmocka_unit_test(details_keys_are_merged_after_the_columns),
        cmocka_unit_test(csv_header_is_the_columns_joined_with_commas),
        cmocka_unit_test(csv_without_header_is_one_row),
        cmocka_unit_test(csv_quotes_commas_quotes_and_line_breaks),
        cmocka_unit_test(csv_quotes_an_environment_value_with_a_comma),
        cmocka_unit_test(csv_row_of_an_invalid_run_has_empty_times),
        cmocka_unit_test(json_print_is_one_line_that_parses),
        cmocka_unit_test(print_power_formats_the_original_line),
        cmocka_unit_test(print_power_lines_from_threads_stay_whole),
        cmocka_unit_test(print_powers_matches_printf_in_order_across_blocks),
        cmocka_unit_test(format_powers_and_their_bytes_match_printf),
        cmocka_unit_test(execution_time_line_is_a_float),
        cmocka_unit_test(summary_states_ideal_and_ratio_or_no_model),
        cmocka_unit_test(cpu_time_gives_cpus_busy_and_words),
        cmocka_unit_test(machine_busy_is_the_others_cpus_never_negative),
        cmocka_unit_test(command_masks_url_passwords),
        cmocka_unit_test(times_lists_every_timed_run_in_order),
        cmocka_unit_test(summary_lines_fit_80_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
