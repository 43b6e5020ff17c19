#include "timer.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

double mt_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double mt_clock_tick(void)
{
    struct timespec t;
    if (clock_getres(CLOCK_MONOTONIC, &t) != 0) return 1e-6;
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

mt_status mt_stats_compute(const double *samples, int count, mt_stats *out, mt_error *err)
{
    if (count < 1) return mt_fail(err, MT_ERR_USAGE, "no samples to summarize");
    double *sorted = malloc((size_t)count * sizeof *sorted);
    if (sorted == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for %d samples", count);
    memcpy(sorted, samples, (size_t)count * sizeof *sorted);
    qsort(sorted, (size_t)count, sizeof *sorted, compare_doubles);
    int middle = count / 2;
    out->median = count % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    out->min = sorted[0];
    out->max = sorted[count - 1];
    out->count = count;
    free(sorted);
    return MT_OK;
}

mt_status mt_repeat(mt_run_fn fn, void *context, int warmup, int repeat, double *samples, mt_error *err)
{
    if (repeat < 1 || warmup < 0) return mt_fail(err, MT_ERR_USAGE, "repeat must be >= 1 and warmup >= 0");
    for (int index = 0; index < warmup + repeat; index++) {
        mt_run_info run = {.index = index, .warmup = index < warmup, .last = index == warmup + repeat - 1};
        double elapsed = 0;
        mt_status status = fn(context, &run, &elapsed, err);
        if (status != MT_OK) return status;
        if (!run.warmup) samples[index - warmup] = elapsed;
    }
    return MT_OK;
}
