/* test_timer.c - the statistics every program reports, and the warm-up/repeat runner's contract. */
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

/* A fake run that records what the runner told it, reports index + 1 seconds, and fails on request.
 */
typedef struct {
    int calls;
    mt_run_info seen[16];
    int fail_at; /* index of the run that fails; -1: none */
} recorder;

static mt_status record_run(void *context, const mt_run_info *run, double *elapsed_s, mt_error *err)
{
    recorder *r = context;
    assert_true(r->calls < 16);
    r->seen[r->calls++] = *run;
    *elapsed_s = run->index + 1.0;
    if (run->index == r->fail_at) return mt_fail(err, MT_ERR_RUNTIME, "run %d failed", run->index);
    return MT_OK;
}

static void repeat_runs_warmup_then_timed_runs(void **state)
{
    (void)state;
    recorder r = {.fail_at = -1};
    double samples[3] = {-1, -1, -1};
    mt_error err;
    assert_int_equal(mt_repeat(record_run, &r, 2, 3, samples, &err), MT_OK);
    assert_int_equal(r.calls, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(r.seen[i].index, i);
        assert_int_equal(r.seen[i].warmup, i < 2);
        assert_int_equal(r.seen[i].last, i == 4);
    }
    /* only the timed runs are sampled, in order */
    assert_true(samples[0] == 3.0 && samples[1] == 4.0 && samples[2] == 5.0);
}

static void repeat_once_without_warmup_is_the_last_run(void **state)
{
    (void)state;
    recorder r = {.fail_at = -1};
    double samples[2] = {-1, -7};
    mt_error err;
    assert_int_equal(mt_repeat(record_run, &r, 0, 1, samples, &err), MT_OK);
    assert_int_equal(r.calls, 1);
    assert_false(r.seen[0].warmup);
    assert_true(r.seen[0].last);
    assert_true(samples[0] == 1.0);
    assert_true(samples[1] == -7); /* nothing written past repeat samples */
}

static void repeat_stops_at_the_first_failing_run(void **state)
{
    (void)state;
    recorder r = {.fail_at = 3};
    double samples[4] = {0};
    mt_error err = {{0}};
    assert_int_equal(mt_repeat(record_run, &r, 1, 4, samples, &err), MT_ERR_RUNTIME);
    assert_int_equal(r.calls, 4);
    assert_string_equal(err.message, "run 3 failed");
}

static void repeat_failing_warmup_stops_before_timed_runs(void **state)
{
    (void)state;
    recorder r = {.fail_at = 0};
    double samples[2] = {0};
    mt_error err = {{0}};
    assert_int_equal(mt_repeat(record_run, &r, 2, 2, samples, &err), MT_ERR_RUNTIME);
    assert_int_equal(r.calls, 1);
    assert_true(r.seen[0].warmup);
}

static void repeat_refuses_zero_repeats(void **state)
{
    (void)state;
    recorder r = {.fail_at = -1};
    double samples[1];
    mt_error err = {{0}};
    assert_int_not_equal(mt_repeat(record_run, &r, 0, 0, samples, &err), MT_OK);
    assert_int_not_equal(mt_repeat(record_run, &r, -1, 1, samples, &err), MT_OK);
    assert_int_equal(r.calls, 0);
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
        cmocka_unit_test(repeat_runs_warmup_then_timed_runs),
        cmocka_unit_test(repeat_once_without_warmup_is_the_last_run),
        cmocka_unit_test(repeat_stops_at_the_first_failing_run),
        cmocka_unit_test(repeat_failing_warmup_stops_before_timed_runs),
        cmocka_unit_test(repeat_refuses_zero_repeats),
        cmocka_unit_test(clock_is_monotonic_with_a_positive_tick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
