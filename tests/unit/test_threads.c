/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_threads.c - the OpenMP runtime's variables read as input: every form the runtime takes passes, every
 * count beyond 1 to MT_MAX_THREADS and every malformed value is refused with a message naming the variable and
 * the value; threads asked beyond OMP_THREAD_LIMIT are refused; a team starts with the threads asked.
 * The variables are set and unset around each case (the runtime read them already: only our reading is tested). */
#include <omp.h>

#include "defaults.h"
#include "helpers.h"
#include "threads.h"

static void unset_all(void)
{
    unsetenv("OMP_NUM_THREADS");
    unsetenv("OMP_THREAD_LIMIT");
    unsetenv("OMP_DYNAMIC");
}

/* The status of the check with variable = value (and -t asked), the message in err. */
static mt_status checked(const char *variable, const char *value, int asked, bool *dynamic_off, mt_error *err)
{
    unset_all();
    setenv(variable, value, 1);
    mt_status status = mt_threads_check_environment(asked, dynamic_off, err);
    unset_all();
    return status;
}

static void every_form_the_runtime_takes_passes(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        int first;
    } forms[] = {{"4", 4}, {" 4 ", 4}, {"4,2", 4}, {"4, 2", 4}, {" 3 , 2 ,1 ", 3}, {"4096", 4096}, {"1,4096", 1}};
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        bool dynamic_off;
        mt_error err = {""};
        if (checked("OMP_NUM_THREADS", forms[k].value, 0, &dynamic_off, &err) != MT_OK)
            fail_msg("'%s' refused: %s", forms[k].value, err.message);
        setenv("OMP_NUM_THREADS", forms[k].value, 1);
        assert_int_equal(mt_threads_from_environment(), forms[k].first);
        unset_all();
    }
}

static void counts_beyond_the_range_and_malformed_values_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *variable, *value;
    } bad[] = {
        {"OMP_NUM_THREADS", "65536"}, {"OMP_NUM_THREADS", "4097"}, {"OMP_NUM_THREADS", "4,65536"},
        {"OMP_NUM_THREADS", "0"},     {"OMP_NUM_THREADS", "-4"},   {"OMP_NUM_THREADS", ""},
        {"OMP_NUM_THREADS", "4,"},    {"OMP_NUM_THREADS", "4x"},   {"OMP_NUM_THREADS", "0x10"},
        {"OMP_NUM_THREADS", "4;2"},   {"OMP_NUM_THREADS", "+4"},   {"OMP_NUM_THREADS", "99999999999999999999999"},
        {"OMP_THREAD_LIMIT", "5000"}, {"OMP_THREAD_LIMIT", "0"},   {"OMP_THREAD_LIMIT", "4,2"},
        {"OMP_THREAD_LIMIT", "many"}, {"OMP_DYNAMIC", "maybe"},    {"OMP_DYNAMIC", ""}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        bool dynamic_off;
        mt_error err = {""};
        if (checked(bad[k].variable, bad[k].value, 0, &dynamic_off, &err) != MT_ERR_USAGE)
            fail_msg("%s='%s' passed", bad[k].variable, bad[k].value);
        assert_contains(err.message, bad[k].variable);
        char quoted[64];
        snprintf(quoted, sizeof quoted, "'%s'", bad[k].value);
        assert_contains(err.message, quoted);
    }
}

static void threads_asked_beyond_the_limit_are_refused(void **state)
{
    (void)state;
    bool dynamic_off;
    mt_error err = {""};
    assert_int_equal(checked("OMP_THREAD_LIMIT", "2", 3, &dynamic_off, &err), MT_ERR_USAGE);
    assert_contains(err.message, "OMP_THREAD_LIMIT is 2");
    assert_contains(err.message, "-t");
    assert_int_equal(checked("OMP_THREAD_LIMIT", "2", 2, &dynamic_off, &err), MT_OK);
    setenv("OMP_NUM_THREADS", "3", 1);
    setenv("OMP_THREAD_LIMIT", "2", 1);
    assert_int_equal(mt_threads_check_environment(0, &dynamic_off, &err), MT_ERR_USAGE);
    assert_contains(err.message, "OMP_NUM_THREADS");
    unset_all();
}

static void dynamic_true_asks_for_it_to_be_turned_off(void **state)
{
    (void)state;
    static const char *const on[] = {"true", "TRUE", " True ", "1", "yes", "on"};
    static const char *const off[] = {"false", "FALSE", "0", "no", "off"};
    bool dynamic_off;
    mt_error err = {""};
    for (size_t k = 0; k < sizeof on / sizeof on[0]; k++) {
        assert_int_equal(checked("OMP_DYNAMIC", on[k], 0, &dynamic_off, &err), MT_OK);
        assert_true(dynamic_off);
    }
    for (size_t k = 0; k < sizeof off / sizeof off[0]; k++) {
        assert_int_equal(checked("OMP_DYNAMIC", off[k], 0, &dynamic_off, &err), MT_OK);
        assert_false(dynamic_off);
    }
}

static void a_team_starts_with_the_threads_asked(void **state)
{
    (void)state;
    mt_error err = {""};
    if (mt_threads_start(3, &err) != MT_OK) fail_msg("refused: %s", err.message);
    int team = 0;
#pragma omp parallel num_threads(3)
    {
#pragma omp single
        team = omp_get_num_threads();
    }
    assert_int_equal(team, 3);
    assert_false(omp_get_dynamic());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_form_the_runtime_takes_passes),
        cmocka_unit_test(counts_beyond_the_range_and_malformed_values_are_refused),
        cmocka_unit_test(threads_asked_beyond_the_limit_are_refused),
        cmocka_unit_test(dynamic_true_asks_for_it_to_be_turned_off),
        cmocka_unit_test(a_team_starts_with_the_threads_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
