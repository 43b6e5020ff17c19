/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* omp_overhead - what an OpenMP parallel region and an OpenMP task cost here, EPCC-style.
 *
 * PURPOSE  The modes of square_cube pay for their constructs: a parallel region to start a team, a
 *          task per item. Each test below holds just the construct it measures around a small delay,
 *          and its reference runs the same delays without the construct: overhead = test - reference.
 *
 * USAGE    OMP_NUM_THREADS=2 omp_overhead [OUTER_REPEATS]      (default 21)
 *          Prints one JSON line: threads, and per construct the median overhead in microseconds.
 *
 * NOTES    parallel: INNER regions one after another, each running one delay on every thread;
 *          reference: INNER delays on one thread. Overhead per region = (test - reference) / INNER.
 *          task: INNER tasks of one delay each, created by one thread and run by the team;
 *          reference: INNER delays shared by the team's threads (INNER / threads each).
 *          Overhead per task = (test - reference) / INNER * threads: the extra time each task costs
 *          the thread that runs it. Medians over the outer repeats; the first outer repeat is dropped. */
#include <stdio.h>
#include <stdlib.h>

#include <omp.h>

#include "cli.h"
#include "timer.h"

enum { INNER = 2000, DELAY_LENGTH = 200 };

/* A small fixed amount of work the compiler cannot remove. */
static void delay(void)
{
    volatile double sink = 0;
    for (int i = 0; i < DELAY_LENGTH; i++)
        sink = sink + i;
}

static double time_reference(int per_thread)
{
    double start = mt_now();
    for (int j = 0; j < per_thread; j++)
        delay();
    return mt_now() - start;
}

static double time_parallel(void)
{
    double start = mt_now();
    for (int j = 0; j < INNER; j++) {
#pragma omp parallel
        delay();
    }
    return mt_now() - start;
}

static double time_tasks(void)
{
    double start = mt_now();
#pragma omp parallel
#pragma omp single
    for (int j = 0; j < INNER; j++) {
#pragma omp task
        delay();
    }
    return mt_now() - start;
}

static double median_of(double *samples, int count)
{
    mt_stats stats;
    mt_error err;
    mt_stats_compute(samples, count, &stats, &err);
    return stats.median;
}

int main(int argc, char **argv)
{
    uint64_t outer = 21;
    mt_error err;
    if (argc > 1 && mt_parse_count(argv[1], "OUTER_REPEATS", 2, 10000, &outer, &err) != MT_OK) {
        mt_print_error("omp_overhead", &err);
        return MT_ERR_USAGE;
    }
    int threads = omp_get_max_threads();
    double *parallel = malloc(outer * sizeof *parallel), *task = malloc(outer * sizeof *task);
    if (parallel == NULL || task == NULL) return MT_ERR_RUNTIME;
    for (uint64_t r = 0; r < outer; r++) {
        double reference = time_reference(INNER);
        parallel[r] = (time_parallel() - reference) / INNER;
        double shared_reference = time_reference(INNER / threads);
        task[r] = (time_tasks() - shared_reference) / INNER * threads;
    }
    printf("{\"threads\":%d,\"parallel_region_us\":%.3f,\"task_us\":%.3f,\"delay_us\":%.3f}\n", threads,
           median_of(parallel + 1, (int)outer - 1) * 1e6, median_of(task + 1, (int)outer - 1) * 1e6,
           time_reference(INNER) / INNER * 1e6);
    free(parallel), free(task);
    return 0;
}
