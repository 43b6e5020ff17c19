/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "timer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

double mt_thread_cpu_s(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0) return NAN;
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

mt_usage mt_process_usage(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return (mt_usage){NAN, NAN, NAN};
    return (mt_usage){
        .user_s = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec * 1e-6,
        .system_s = (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec * 1e-6,
        .max_rss_mib = (double)usage.ru_maxrss / 1024.0, /* Linux counts it in KiB */
    };
}

double mt_machine_busy_s(void)
{
    FILE *stat = fopen("/proc/stat", "r");
    if (stat == NULL) return NAN;
    /* The first line sums every CPU: "cpu user nice system idle iowait irq softirq steal ..." in clock ticks. */
    unsigned long long user, nice, system, idle, iowait, irq, softirq, steal = 0;
    int fields = fscanf(stat, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle, &iowait,
                        &irq, &softirq, &steal);
    fclose(stat);
    if (fields < 7) return NAN;
    long ticks = sysconf(_SC_CLK_TCK);
    (void)idle, (void)iowait;
    return (double)(user + nice + system + irq + softirq + steal) / (double)(ticks > 0 ? ticks : 100);
}

double mt_cpu_queue_s(void)
{
    DIR *tasks = opendir("/proc/self/task");
    if (tasks == NULL) return NAN;
    double total = 0;
    bool read_any = false;
    for (struct dirent *entry = readdir(tasks); entry != NULL; entry = readdir(tasks)) {
        if (entry->d_name[0] == '.') continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/self/task/%.20s/schedstat", entry->d_name);
        FILE *stat = fopen(path, "r");
        if (stat == NULL) continue; /* the thread ended meanwhile */
        unsigned long long on_cpu, queued;
        if (fscanf(stat, "%llu %llu", &on_cpu, &queued) == 2) {
            total += (double)queued * 1e-9;
            read_any = true;
        }
        fclose(stat);
    }
    closedir(tasks);
    return read_any ? total : NAN;
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
    out->ci_low = out->ci_high = out->ci_coverage = NAN;
    if (count > 1000) {
        /* many runs: the normal approximation of the same binomial */
        int k = (int)floor((count - 1.959964 * sqrt((double)count)) / 2);
        k = k < 1 ? 1 : k;
        out->ci_low = sorted[k - 1];
        out->ci_high = sorted[count - k];
        out->ci_coverage = 0.95;
    } else if (count >= MT_CI_MIN_RUNS) {
        /* [x(k), x(n+1-k)] covers the median with probability 1 - 2 P(B <= k-1), B ~ Binomial(n, 1/2): the
         * largest k that keeps that at 95% or more (k = 1 when none does). */
        double term = pow(0.5, count), below = term; /* P(B = k-1) and P(B <= k-1), at k = 1 */
        int k = 1;
        while (k + 1 <= count / 2) {
            double next = term * (double)(count - k + 1) / k; /* P(B = k) */
            if (1 - 2 * (below + next) < 0.95) break;
            term = next;
            below += next;
            k++;
        }
        out->ci_low = sorted[k - 1];
        out->ci_high = sorted[count - k];
        out->ci_coverage = 1 - 2 * below;
    }
    free(sorted);
    return MT_OK;
}

mt_status mt_repeat(mt_run_fn fn, void *context, mt_repeat_plan *plan, mt_error *err)
{
    if (plan->repeat < 1 || plan->warmup < 0) return mt_fail(err, MT_ERR_USAGE, "repeat must be >= 1 and warmup >= 0");
    if (plan->samples == NULL) {
        plan->samples = calloc((size_t)plan->repeat, sizeof *plan->samples);
        plan->owns_samples = true;
        if (plan->samples == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for %d samples", plan->repeat);
    }
    if (plan->prime) {
        mt_sample ignored = {0};
        mt_status status = fn(context, &(mt_run_info){.prime = true, .warmup = true, .timed = -1}, &ignored, err);
        if (status != MT_OK) return status;
    }
    int runs = plan->warmup + plan->repeat;
    plan->runs_s = plan->cpu_user_s = plan->cpu_sys_s = plan->cpu_queue_s = plan->timed_wall_s = 0;
    plan->machine_busy_s = 0;
    for (int index = 0; index < runs; index++) {
        mt_run_info run = {.index = index,
                           .warmup = index < plan->warmup,
                           .timed = index < plan->warmup ? -1 : index - plan->warmup,
                           .last = index == runs - 1};
        mt_sample sample = {0};
        /* The costs are read around the whole call, outside fn's own clock: reading them is not timed. */
        double busy_before = run.warmup ? 0 : mt_machine_busy_s();
        double queue_before = run.warmup ? 0 : mt_cpu_queue_s();
        mt_usage before = run.warmup ? (mt_usage){0} : mt_process_usage();
        double start = mt_now();
        mt_status status = fn(context, &run, &sample, err);
        double wall = mt_now() - start;
        plan->runs_s += wall;
        if (!run.warmup) {
            /* a timed run that failed (a download's) cost what it cost too */
            mt_usage after = mt_process_usage();
            plan->cpu_user_s += after.user_s - before.user_s;
            plan->cpu_sys_s += after.system_s - before.system_s;
            plan->timed_wall_s += wall;
            plan->machine_busy_s += mt_machine_busy_s() - busy_before;
            double queued = mt_cpu_queue_s() - queue_before; /* a thread that ended took its share along */
            plan->cpu_queue_s += queued > 0 || isnan(queued) ? queued : 0;
        }
        if (status != MT_OK) return status;
        if (!run.warmup) plan->samples[index - plan->warmup] = sample;
    }
    return MT_OK;
}

void mt_repeat_free(mt_repeat_plan *plan)
{
    if (plan->owns_samples) free(plan->samples);
    plan->samples = NULL;
    plan->owns_samples = false;
}

mt_status mt_sample_stats(const mt_sample *samples, int count, int phase, mt_stats *out, mt_error *err)
{
    if (count < 1) return mt_fail(err, MT_ERR_USAGE, "no samples to summarize");
    double *column = malloc((size_t)count * sizeof *column);
    if (column == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for %d samples", count);
    for (int i = 0; i < count; i++)
        column[i] = phase < 0 ? samples[i].elapsed_s : samples[i].phases[phase];
    mt_status status = mt_stats_compute(column, count, out, err);
    free(column);
    return status;
}
