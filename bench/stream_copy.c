/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* stream_copy - the machine's copy bandwidth, the yardstick of the memory-bound runs.
 *
 * PURPOSE  STREAM's Copy kernel (b[i] = a[i]) on int64 arrays, on OpenMP threads, counted as STREAM
 *          counts it: 16 bytes moved per element (one read, one write). Also memcpy on one thread.
 *          bench/run.sh compares cube_omp and cube_mpi --work none with these numbers, in one run.
 *
 * USAGE    stream_copy [ELEMENTS] [REPEAT]     (default 2^25 elements, 11 repeats; OMP_NUM_THREADS)
 *          Prints one JSON line: elements, threads, copy and memcpy bandwidth (median, GB/s = 1e9 B/s)
 *          and the median seconds of each.
 *
 * NOTES    Timed: each copy alone, after every page of both arrays was touched (in parallel, by the
 *          thread that copies it). The result is checked. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "cli.h"
#include "numbers.h"
#include "timer.h"

int main(int argc, char **argv)
{
    uint64_t n = UINT64_C(1) << 25, repeat = 11;
    mt_error err;
    if ((argc > 1 && mt_parse_count(argv[1], "ELEMENTS", 1, UINT64_C(1) << 32, &n, &err) != MT_OK) ||
        (argc > 2 && mt_parse_count(argv[2], "REPEAT", 1, 1000, &repeat, &err) != MT_OK)) {
        mt_print_error("stream_copy", &err);
        return MT_ERR_USAGE;
    }
    /* The same placement as the programs' arrays: huge pages, and no 4 KiB aliasing between a and b. */
    int64_t *a = mt_items_alloc(n, 0), *b = mt_items_alloc(n, 1);
    double *copy = malloc(repeat * sizeof *copy), *memcpy_s = malloc(repeat * sizeof *memcpy_s);
    if (a == NULL || b == NULL || copy == NULL || memcpy_s == NULL) {
        fprintf(stderr, "stream_copy: error: out of memory for %llu elements\n", (unsigned long long)n);
        return MT_ERR_RUNTIME;
    }
    const int64_t count = (int64_t)n;
    int threads = 1;
#pragma omp parallel
    {
#pragma omp single
        threads = omp_get_num_threads();
#pragma omp for schedule(static)
        for (int64_t i = 0; i < count; i++) {
            a[i] = i;
            b[i] = 0;
        }
    }
    for (uint64_t r = 0; r <= repeat; r++) { /* r = 0 is an untimed warm-up */
        double start = mt_now();
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < count; i++)
            b[i] = a[i];
        if (r > 0) copy[r - 1] = mt_now() - start;
    }
    for (uint64_t r = 0; r <= repeat; r++) {
        double start = mt_now();
        memcpy(b, a, n * sizeof *a);
        if (r > 0) memcpy_s[r - 1] = mt_now() - start;
    }
    for (int64_t i = 0; i < count; i++)
        if (b[i] != i) {
            fprintf(stderr, "stream_copy: error: the copy is wrong at %lld\n", (long long)i);
            return MT_ERR_RUNTIME;
        }
    mt_stats copy_stats, memcpy_stats;
    mt_stats_compute(copy, (int)repeat, &copy_stats, &err);
    mt_stats_compute(memcpy_s, (int)repeat, &memcpy_stats, &err);
    double bytes = 16.0 * (double)n;
    printf("{\"elements\":%llu,\"threads\":%d,\"copy_s\":%.9f,\"copy_gb_s\":%.3f,\"memcpy_s\":%.9f,"
           "\"memcpy_gb_s\":%.3f}\n",
           (unsigned long long)n, threads, copy_stats.median, bytes / copy_stats.median / 1e9, memcpy_stats.median,
           bytes / memcpy_stats.median / 1e9);
    mt_items_free(a, 0), mt_items_free(b, 1), free(copy), free(memcpy_s);
    return 0;
}
