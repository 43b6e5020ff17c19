/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_kernel.c - the checked square and cube at and beyond the int64 bounds, the cube-range check,
 * and the simulated work per item (sleep, spin, none). Times are bounded from below, but for work that must
 * not wait at all: its calls are bounded far above what they take, by a fraction of the delay they ignore. */
#include <signal.h>
#include <sys/time.h>

#include "helpers.h"
#include "kernel.h"
#include "timer.h"

static const int64_t untouched = INT64_C(0x5EED5EED);

static void cube_exact_at_upper_bound(void **state)
{
    (void)state;
    int64_t out = untouched;
    assert_true(mt_cube_checked(MT_CUBE_MAX, &out));
    assert_int64_equal(out, INT64_C(9223358842721533951));
    assert_int64_equal(MT_CUBE_MAX, 2097151);
}

static void cube_exact_at_lower_bound_is_int64_min(void **state)
{
    (void)state;
    int64_t out = untouched;
    assert_true(mt_cube_checked(MT_CUBE_MIN, &out));
    assert_int64_equal(out, INT64_MIN);
    assert_int64_equal(MT_CUBE_MIN, -2097152);
}

static void cube_exact_for_small_values(void **state)
{
    (void)state;
    const int64_t values[] = {0, 1, -1, 2, -3, 8, 1000, -1000000};
    const int64_t cubes[] = {0, 1, -1, 8, -27, 512, 1000000000, INT64_C(-1000000000000000000)};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        int64_t out = untouched;
        assert_true(mt_cube_checked(values[i], &out));
        assert_int64_equal(out, cubes[i]);
        assert_int64_equal(mt_cube(values[i]), cubes[i]);
        assert_int64_equal(mt_power(values[i], MT_OP_CUBE), cubes[i]);
    }
}

static void cube_rejects_overflow(void **state)
{
    (void)state;
    const int64_t outside[] = {MT_CUBE_MAX + 1,     MT_CUBE_MIN - 1,      INT64_MAX,          INT64_MIN,
                               INT64_C(3037000500), INT64_C(-3037000500), INT64_C(4294967296)};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        int64_t out = untouched;
        if (mt_cube_checked(outside[i], &out))
            fail_msg("the cube of %lld did not report overflow", (long long)outside[i]);
        assert_int64_equal(out, untouched); /* *out is left as it was */
    }
}

static void square_exact_at_its_largest(void **state)
{
    (void)state;
    int64_t out = untouched;
    assert_true(mt_square_checked(INT64_C(3037000499), &out));
    assert_int64_equal(out, INT64_C(9223372030926249001));
    assert_true(mt_square_checked(INT64_C(-3037000499), &out));
    assert_int64_equal(out, INT64_C(9223372030926249001));
    assert_true(mt_square_checked(MT_CUBE_MIN, &out));
    assert_int64_equal(out, INT64_C(4398046511104));
    assert_int64_equal(mt_square(-7), 49);
    assert_int64_equal(mt_power(-7, MT_OP_SQUARE), 49);
}

static void square_rejects_overflow(void **state)
{
    (void)state;
    const int64_t outside[] = {INT64_C(3037000500), INT64_C(-3037000500), INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        int64_t out = untouched;
        if (mt_square_checked(outside[i], &out))
            fail_msg("the square of %lld did not report overflow", (long long)outside[i]);
        assert_int64_equal(out, untouched);
    }
}

static void cube_range_check_accepts_the_bounds(void **state)
{
    (void)state;
    const int64_t values[] = {MT_CUBE_MIN, -1, 0, 1, MT_CUBE_MAX};
    mt_error err = {{0}};
    assert_int_equal(mt_check_cube_range(values, 5, 1, &err), MT_OK);
    assert_int_equal(mt_check_cube_range(NULL, 0, 1, &err), MT_OK);
}

static void cube_range_check_names_value_and_position(void **state)
{
    (void)state;
    const int64_t values[] = {2, 3, 2097152, 5, -2097153};
    mt_error err = {{0}};
    assert_int_equal(mt_check_cube_range(values, 5, 1, &err), MT_ERR_USAGE);
    assert_contains(err.message, "2097152");
    assert_contains(err.message, "item 3");
    /* the first offender, counted from first_position */
    assert_int_equal(mt_check_cube_range(values + 3, 2, 11, &err), MT_ERR_USAGE);
    assert_contains(err.message, "-2097153");
    assert_contains(err.message, "item 12");
}

static void cube_range_check_rejects_int64_extremes(void **state)
{
    (void)state;
    const int64_t values[] = {INT64_MIN, INT64_MAX};
    mt_error err = {{0}};
    assert_int_equal(mt_check_cube_range(values, 1, 1, &err), MT_ERR_USAGE);
    assert_contains(err.message, "-9223372036854775808");
    assert_int_equal(mt_check_cube_range(values + 1, 1, 7, &err), MT_ERR_USAGE);
    assert_contains(err.message, "9223372036854775807");
    assert_contains(err.message, "item 7");
}

static void work_parse_knows_every_kind(void **state)
{
    (void)state;
    const mt_work_kind kinds[] = {MT_WORK_SLEEP, MT_WORK_SPIN, MT_WORK_NONE};
    const char *names[] = {"sleep", "spin", "none"};
    for (int i = 0; i < 3; i++) {
        mt_work_kind parsed = (mt_work_kind)-1;
        assert_true(mt_work_parse(names[i], &parsed));
        assert_int_equal(parsed, kinds[i]);
        assert_string_equal(mt_work_name(kinds[i]), names[i]);
    }
}

static void work_parse_rejects_unknown_names(void **state)
{
    (void)state;
    const char *bad[] = {"", "SLEEP", "sleeps", "sle", "spin ", "busy", "0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mt_work_kind parsed = MT_WORK_SPIN;
        if (mt_work_parse(bad[i], &parsed)) fail_msg("'%s' was accepted as a work kind", bad[i]);
    }
}

static double time_work(mt_work work)
{
    double start = mt_now();
    mt_work_do(&work);
    return mt_now() - start;
}

static void work_sleep_lasts_at_least_the_delay(void **state)
{
    (void)state;
    const double delays[] = {0.001, 0.05, 0.125};
    for (int i = 0; i < 3; i++) {
        double elapsed = time_work((mt_work){.kind = MT_WORK_SLEEP, .delay_s = delays[i]});
        if (!(elapsed >= delays[i])) fail_msg("slept %.9f s, asked %.9f s", elapsed, delays[i]);
    }
}

static volatile sig_atomic_t alarms;
static void count_alarm(int signal)
{
    (void)signal;
    alarms++;
}

static void work_sleep_restarts_after_a_signal(void **state)
{
    (void)state;
    /* No SA_RESTART: the sleep really is interrupted (EINTR) and must carry on to its deadline. */
    struct sigaction action = {.sa_handler = count_alarm}, previous;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    assert_int_equal(sigaction(SIGALRM, &action, &previous), 0);
    alarms = 0;
    struct itimerval every_20ms = {.it_interval = {0, 20000}, .it_value = {0, 20000}}, off = {{0, 0}, {0, 0}};
    assert_int_equal(setitimer(ITIMER_REAL, &every_20ms, NULL), 0);
    double delay = 0.2;
    double elapsed = time_work((mt_work){.kind = MT_WORK_SLEEP, .delay_s = delay});
    assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
    assert_int_equal(sigaction(SIGALRM, &previous, NULL), 0);
    if (alarms < 1) fail_msg("no SIGALRM arrived during the sleep: the restart was not exercised");
    if (!(elapsed >= delay)) fail_msg("slept %.9f s with %d signals, asked %.9f s", elapsed, (int)alarms, delay);
}

static void work_spin_lasts_at_least_the_delay(void **state)
{
    (void)state;
    const double delays[] = {0.001, 0.03};
    for (int i = 0; i < 2; i++) {
        double elapsed = time_work((mt_work){.kind = MT_WORK_SPIN, .delay_s = delays[i]});
        if (!(elapsed >= delays[i])) fail_msg("spun %.9f s, asked %.9f s", elapsed, delays[i]);
    }
}

/* None ignores its delay, and sleep and spin with no delay have nothing to wait for: each returns at once. A
 * thousand calls of each, asked for a second a call, must all return within a quarter of that second on the
 * monotonic clock (a quarter of a millisecond a call): a call that waited for its delay, or any large part of a
 * millisecond, could not. A try stops at that bound, and the best of a few tries counts, so a broken kind fails in
 * seconds and a test preempted on a busy machine does not fail. */
static void work_none_returns_at_once(void **state)
{
    (void)state;
    enum { calls = 1000, tries = 5 };
    const double delay = 1.0, bound = delay / 4;
    const mt_work works[] = {
        {.kind = MT_WORK_NONE, .delay_s = delay},
        {.kind = MT_WORK_SLEEP, .delay_s = 0.0},
        {.kind = MT_WORK_SPIN, .delay_s = 0.0},
    };
    for (size_t w = 0; w < sizeof works / sizeof works[0]; w++) {
        int most_done = 0; /* the most calls one try finished within the bound */
        for (int attempt = 0; attempt < tries && most_done < calls; attempt++) {
            double start = mt_now();
            int done = 0;
            while (done < calls && mt_now() - start < bound) {
                mt_work_do(&works[w]);
                done += mt_now() - start < bound; /* a call that ends past the bound does not count */
            }
            if (done > most_done) most_done = done;
        }
        if (most_done < calls)
            fail_msg("work %s (delay %.1f s): at best %d of %d calls returned within %.2f s",
                     mt_work_name(works[w].kind), works[w].delay_s, most_done, calls, bound);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cube_exact_at_upper_bound),
        cmocka_unit_test(cube_exact_at_lower_bound_is_int64_min),
        cmocka_unit_test(cube_exact_for_small_values),
        cmocka_unit_test(cube_rejects_overflow),
        cmocka_unit_test(square_exact_at_its_largest),
        cmocka_unit_test(square_rejects_overflow),
        cmocka_unit_test(cube_range_check_accepts_the_bounds),
        cmocka_unit_test(cube_range_check_names_value_and_position),
        cmocka_unit_test(cube_range_check_rejects_int64_extremes),
        cmocka_unit_test(work_parse_knows_every_kind),
        cmocka_unit_test(work_parse_rejects_unknown_names),
        cmocka_unit_test(work_sleep_lasts_at_least_the_delay),
        cmocka_unit_test(work_sleep_restarts_after_a_signal),
        cmocka_unit_test(work_spin_lasts_at_least_the_delay),
        cmocka_unit_test(work_none_returns_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
