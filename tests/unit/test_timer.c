/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_timer.c - the statistics every program reports, and the warm-up/repeat runner's contract. */
#include <math.h>

#include "helpers.h"
#include "timer.h"

static void stats_median_of_odd_count_is_the_middle(void **state)
{
    (void)state;
    const double samples[] = {3.0, 1.0, 2.0, 9.0, 0.5};
    mt_stats stats;
    mt_error err;
    assert_int_equal(mt_stats_compute(samples, 5, &stats, &err), MT_OK);
    assert_true(stats.median == 2.0);
    assert_true(stats.min == 0.5);
    assert_true(stats.max == 9.0);
    assert_int_equal(stats.count, 5);
}

static void stats_median_of_even_count_is_the_mean_of_the_middle_two(void **state)
{
    (void)state;
    const double samples[] = {4.0, 1.0, 3.0, 2.0};
    mt_stats stats;
    mt_error err;
    assert_int_equal(mt_stats_compute(samples, 4, &stats, &err), MT_OK);
    assert_true(stats.median == 2.5);
    assert_true(stats.min == 1.0);
    assert_true(stats.max == 4.0);
    assert_int_equal(stats.count, 4);
}

static void stats_of_one_sample(void **state)
{
    (void)state;
    const double samples[] = {0.25};
    mt_stats stats;
    mt_error err;
    assert_int_equal(mt_stats_compute(samples, 1, &stats, &err), MT_OK);
    assert_true(stats.median == 0.25 && stats.min == 0.25 && stats.max == 0.25);
    assert_int_equal(stats.count, 1);
}

static void stats_with_equal_samples_and_outliers(void **state)
{
    (void)state;
    const double samples[] = {1.0, 1.0, 1.0, 100.0, 1.0, 1.0};
    mt_stats stats;
    mt_error err;
    assert_int_equal(mt_stats_compute(samples, 6, &stats, &err), MT_OK);
    assert_true(stats.median == 1.0); /* the outlier moves max, not the median */
    assert_true(stats.max == 100.0);
    assert_true(stats.min == 1.0);
}

static void stats_do_not_modify_the_samples(void **state)
{
    (void)state;
    double samples[] = {5.0, 3.0, 4.0, 1.0, 2.0};
    const double copy[] = {5.0, 3.0, 4.0, 1.0, 2.0};
    mt_stats stats;
    mt_error err;
    assert_int_equal(mt_stats_compute(samples, 5, &stats, &err), MT_OK);
    assert_memory_equal(samples, copy, sizeof copy);
}

static void stats_of_no_samples_is_an_error(void **state)
{
    (void)state;
    const double samples[] = {1.0};
    mt_stats stats = {0};
    mt_error err = {{0}};
    assert_int_not_equal(mt_stats_compute(samples, 0, &stats, &err), MT_OK);
    assert_true(err.message[0] != '\0');
    err.message[0] = '\0';
    assert_int_not_equal(mt_stats_compute(samples, -1, &stats, &err), MT_OK);
    assert_true(err.message[0] != '\0');
}

static void interval_of_the_median_from_five_runs_up(void **state)
{
    (void)state;
    mt_stats stats;
    mt_error err;
    double four[] = {4, 1, 3, 2};
    assert_int_equal(mt_stats_compute(four, 4, &stats, &err), MT_OK);
    assert_true(isnan(stats.ci_low) && isnan(stats.ci_high)); /* too few runs to say */
    double five[] = {5, 1, 4, 2, 3};
    assert_int_equal(mt_stats_compute(five, 5, &stats, &err), MT_OK);
    assert_true(stats.ci_low == 1 && stats.ci_high == 5); /* x(1) and x(5): all five runs can give */
    assert_float_equal(stats.ci_coverage, 1 - 2.0 / 32, 1e-12);
    /* from nine runs the interval leaves the extremes: x(2) and x(8), 96.1% */
    double nine[] = {9, 1, 8, 2, 7, 3, 6, 4, 5};
    assert_int_equal(mt_stats_compute(nine, 9, &stats, &err), MT_OK);
    assert_true(stats.ci_low == 2 && stats.ci_high == 8);
    assert_float_equal(stats.ci_coverage, 1 - 2 * 10.0 / 512, 1e-12);
}

static void interval_holds_the_median_and_narrows_with_more_runs(void **state)
{
    (void)state;
    mt_error err;
    double previous = INFINITY;
    int sizes[] = {5, 11, 41, 161, 641, 2561}; /* the last through the normal approximation */
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        double *samples = malloc((size_t)n * sizeof *samples);
        for (int i = 0; i < n; i++) /* the same spread, 1 to 2 s, more finely sampled */
            samples[i] = 1.0 + (double)((i * 7919) % n) / (n - 1);
        mt_stats stats;
        assert_int_equal(mt_stats_compute(samples, n, &stats, &err), MT_OK);
        assert_true(stats.ci_low <= stats.median && stats.median <= stats.ci_high);
        assert_true(stats.ci_coverage >= (n == 5 ? 0.93 : 0.95));
        double width = stats.ci_high - stats.ci_low;
        if (width >= previous) fail_msg("%d runs: width %g, not below %g", n, width, previous);
        previous = width;
        free(samples);
    }
}

/* A fake run that records what the runner told it, reports index + 1 seconds, and fails on request.
 */
typedef struct {
    int calls;
    mt_run_info seen[16];
    int fail_at; /* index of the run that fails; -1: none */
} recorder;

static mt_status record_run(void *context, const mt_run_info *run, mt_sample *sample, mt_error *err)
{
    recorder *r = context;
    assert_true(r->calls < 16);
    r->seen[r->calls++] = *run;
    sample->elapsed_s = run->index + 1.0;
    sample->phases[1] = 10.0 * (run->index + 1);
    if (run->index == r->fail_at) return mt_fail(err, MT_ERR_RUNTIME, "run %d failed", run->index);
    return MT_OK;
}

static void repeat_runs_warmup_then_timed_runs(void **state)
{
    (void)state;
    recorder r = {.fail_at = -1};
    mt_sample samples[3] = {{.elapsed_s = -1}, {.elapsed_s = -1}, {.elapsed_s = -1}};
    mt_error err;
    assert_int_equal(mt_repeat(record_run, &r, &(mt_repeat_plan){.warmup = 2, .repeat = 3, .samples = samples}, &err),
                     MT_OK);
    assert_int_equal(r.calls, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(r.seen[i].index, i);
        assert_int_equal(r.seen[i].warmup, i < 2);
        assert_int_equal(r.seen[i].last, i == 4);
        assert_false(r.seen[i].prime);
    }
    /* only the timed runs are sampled, in order, with their phases */
    assert_true(samples[0].elapsed_s == 3.0 && samples[1].elapsed_s == 4.0 && samples[2].elapsed_s == 5.0);
    assert_true(samples[0].phases[1] == 30.0 && samples[2].phases[1] == 50.0);
    mt_stats stats;
    assert_int_equal(mt_sample_stats(samples, 3, 1, &stats, &err), MT_OK);
    assert_true(stats.median == 40.0 && stats.min == 30.0 && stats.max == 50.0);
    assert_int_equal(mt_sample_stats(samples, 3, -1, &stats, &err), MT_OK);
    assert_true(stats.median == 4.0);
}

static void repeat_once_without_warmup_is_the_last_run(void **state)
{
    (void)state;
    recorder r = {.fail_at = -1};
    mt_sample samples[2] = {{.elapsed_s = -1}, {.elapsed_s = -7}};
    mt_error err;
    assert_int_equal(mt_repeat(record_run, &r, &(mt_repeat_plan){.repeat = 1, .samples = samples}, &err), MT_OK);
    assert_int_equal(r.calls, 1);
    assert_false(r.seen[0].warmup);
    assert_true(r.seen[0].last);
    assert_true(samples[0].elapsed_s == 1.0);
    assert_true(samples[1].elapsed_s == -7); /* nothing written past repeat samples */
}

static void repeat_makes_its_samples_and_times_the_runs_whole(void **state)
{
    (void)state;
    recorder r = {.fail_at = -1};
    mt_error err;
    mt_repeat_plan plan = {.warmup = 1, .repeat = 3};
    double before = mt_now();
    assert_int_equal(mt_repeat(record_run, &r, &plan, &err), MT_OK);
    double after = mt_now();
    assert_non_null(plan.samples);
    assert_true(plan.samples[0].elapsed_s == 2.0 && plan.samples[2].elapsed_s == 4.0);
    /* the wall time the runs took, not the sum of what they report (9 s of a fake clock) */
    assert_true(plan.runs_s >= 0 && plan.runs_s <= after - before);
    mt_repeat_free(&plan);
    assert_null(plan.samples);
}

static void repeat_primes_first_untimed(void **state)
{
    (void)state;
    recorder r = {.fail_at = -1};
    mt_sample samples[2];
    mt_error err;
    assert_int_equal(
        mt_repeat(record_run, &r, &(mt_repeat_plan){.prime = true, .warmup = 1, .repeat = 2, .samples = samples}, &err),
        MT_OK);
    assert_int_equal(r.calls, 4);
    assert_true(r.seen[0].prime && r.seen[0].warmup && !r.seen[0].last);
    for (int i = 1; i < 4; i++) {
        assert_false(r.seen[i].prime);
        assert_int_equal(r.seen[i].index, i - 1);
    }
    assert_true(samples[0].elapsed_s == 2.0 && samples[1].elapsed_s == 3.0); /* the priming pass is never sampled */
}

static void repeat_stops_at_the_first_failing_run(void **state)
{
    (void)state;
    recorder r = {.fail_at = 3};
    mt_sample samples[4] = {{0}};
    mt_error err = {{0}};
    assert_int_equal(mt_repeat(record_run, &r, &(mt_repeat_plan){.warmup = 1, .repeat = 4, .samples = samples}, &err),
                     MT_ERR_RUNTIME);
    assert_int_equal(r.calls, 4);
    assert_string_equal(err.message, "run 3 failed");
}

static void repeat_failing_warmup_stops_before_timed_runs(void **state)
{
    (void)state;
    recorder r = {.fail_at = 0};
    mt_sample samples[2] = {{0}};
    mt_error err = {{0}};
    assert_int_equal(mt_repeat(record_run, &r, &(mt_repeat_plan){.warmup = 2, .repeat = 2, .samples = samples}, &err),
                     MT_ERR_RUNTIME);
    assert_int_equal(r.calls, 1);
    assert_true(r.seen[0].warmup);
}

static void repeat_refuses_zero_repeats(void **state)
{
    (void)state;
    recorder r = {.fail_at = -1};
    mt_sample samples[1];
    mt_error err = {{0}};
    assert_int_not_equal(mt_repeat(record_run, &r, &(mt_repeat_plan){.repeat = 0, .samples = samples}, &err), MT_OK);
    assert_int_not_equal(
        mt_repeat(record_run, &r, &(mt_repeat_plan){.warmup = -1, .repeat = 1, .samples = samples}, &err), MT_OK);
    assert_int_equal(r.calls, 0);
}

/* A run that spins its thread for 20 ms of CPU during warm-ups and timed runs alike. */
static mt_status spin_run(void *context, const mt_run_info *run, mt_sample *sample, mt_error *err)
{
    (void)err;
    int *timed = context;
    if (run->timed >= 0) (*timed)++;
    double start = mt_thread_cpu_s();
    while (mt_thread_cpu_s() - start < 0.02) {
    }
    sample->elapsed_s = 0.02;
    return MT_OK;
}

/* The CPU time of the timed runs only (the warm-up's left out), judged against the CPU they burned and the wall
 * time of the same windows, never an absolute time. */
static void repeat_counts_the_cpu_time_of_the_timed_runs(void **state)
{
    (void)state;
    int timed = 0;
    mt_repeat_plan plan = {.warmup = 2, .repeat = 3};
    mt_error err;
    assert_int_equal(mt_repeat(spin_run, &timed, &plan, &err), MT_OK);
    assert_int_equal(timed, 3);
    double cpu = plan.cpu_user_s + plan.cpu_sys_s;
    assert_true(cpu >= 0.95 * 3 * 0.02 && cpu < 4 * 0.02); /* three runs of 20 ms, not five */
    assert_true(plan.timed_wall_s >= 0.95 * cpu && plan.timed_wall_s <= plan.runs_s);
    mt_usage usage = mt_process_usage();
    assert_true(usage.max_rss_mib > 0);
    mt_repeat_free(&plan);
}

static void clock_is_monotonic_with_a_positive_tick(void **state)
{
    (void)state;
    double previous = mt_now();
    for (int i = 0; i < 100000; i++) {
        double now = mt_now();
        assert_true(now >= previous);
        previous = now;
    }
    double tick = mt_clock_tick();
    assert_true(tick > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stats_median_of_odd_count_is_the_middle),
        cmocka_unit_test(stats_median_of_even_count_is_the_mean_of_the_middle_two),
        cmocka_unit_test(stats_of_one_sample),
        cmocka_unit_test(stats_with_equal_samples_and_outliers),
        cmocka_unit_test(stats_do_not_modify_the_samples),
        cmocka_unit_test(stats_of_no_samples_is_an_error),
        cmocka_unit_test(interval_of_the_median_from_five_runs_up),
        cmocka_unit_test(interval_holds_the_median_and_narrows_with_more_runs),
        cmocka_unit_test(repeat_runs_warmup_then_timed_runs),
        cmocka_unit_test(repeat_once_without_warmup_is_the_last_run),
        cmocka_unit_test(repeat_primes_first_untimed),
        cmocka_unit_test(repeat_makes_its_samples_and_times_the_runs_whole),
        cmocka_unit_test(repeat_stops_at_the_first_failing_run),
        cmocka_unit_test(repeat_failing_warmup_stops_before_timed_runs),
        cmocka_unit_test(repeat_refuses_zero_repeats),
        cmocka_unit_test(repeat_counts_the_cpu_time_of_the_timed_runs),
        cmocka_unit_test(clock_is_monotonic_with_a_positive_tick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
