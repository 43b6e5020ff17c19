/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* print_lines - how fast the programs print their result lines (mt_print_powers), against two yardsticks:
 * each line formatted with snprintf and written with one fwrite through a 1 MiB stdio buffer (the way one
 * would write them without locking or flushing per line), and the bare copy: the same bytes, formatted
 * beforehand (untimed), written with one fwrite per line through that buffer.
 *
 * USAGE    print_lines [N [RUNS]] > FILE       (default 2^22 lines, 7 runs; FILE: /dev/null, a file on tmpfs...)
 * Prints, on stderr, the median seconds of each way and the ratios (ours / yardstick; below 1 is faster). The
 * ways run interleaved, run after run, so the machine's state is the same for each. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "report.h"
#include "timer.h"

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, compare);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : UINT64_C(1) << 22;
    int runs = argc > 2 ? atoi(argv[2]) : 7;
    if (n == 0 || runs < 1 || runs > 101) {
        fprintf(stderr, "usage: print_lines [N [RUNS]] > FILE (N >= 1, 1 <= RUNS <= 101)\n");
        return 2;
    }
    int64_t *values = malloc(n * sizeof *values), *cubes = malloc(n * sizeof *cubes);
    char *text = malloc(n * 48);
    size_t *ends = malloc(n * sizeof *ends);
    static char buffer[1 << 20];
    if (values == NULL || cubes == NULL || text == NULL || ends == NULL) return 1;
    uint64_t state = 1;
    size_t used = 0;
    for (uint64_t i = 0; i < n; i++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        values[i] = MT_CUBE_MIN + (int64_t)(state >> 42);
        cubes[i] = mt_cube(values[i]);
        used += (size_t)sprintf(text + used, "%" PRId64 " ^ 3 = %" PRId64 "\n", values[i], cubes[i]);
        ends[i] = used;
    }
    setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
    mt_output out;
    mt_output_init(&out, stdout, "standard output");
    double ours[101], yardstick[101], copy[101];
    for (int r = 0; r < runs; r++) {
        double start = mt_now();
        for (uint64_t i = 0; i < n; i++) {
            char line[64];
            int length = snprintf(line, sizeof line, "%" PRId64 " ^ 3 = %" PRId64 "\n", values[i], cubes[i]);
            fwrite(line, 1, (size_t)length, stdout);
        }
        fflush(stdout);
        yardstick[r] = mt_now() - start;
        start = mt_now();
        for (uint64_t i = 0, from = 0; i < n; from = ends[i++])
            fwrite(text + from, 1, ends[i] - from, stdout);
        fflush(stdout);
        copy[r] = mt_now() - start;
        start = mt_now();
        mt_print_powers(&out, values, cubes, n, MT_OP_CUBE);
        fflush(stdout);
        ours[r] = mt_now() - start;
    }
    mt_error err;
    if (mt_output_finish(&out, &err) != MT_OK) {
        fprintf(stderr, "print_lines: %s\n", err.message);
        return 1;
    }
    double a = median(ours, runs), b = median(yardstick, runs), c = median(copy, runs);
    fprintf(stderr,
            "lines %" PRIu64 " (%.1f MB), runs %d, medians: mt_print_powers %.4f s; snprintf + fwrite per line %.4f s "
            "(ratio %.3f); the bare copy, fwrite per line of the bytes made beforehand %.4f s (ratio %.3f)\n",
            n, (double)used / 1e6, runs, a, b, a / b, c, a / c);
    free(values), free(cubes), free(text), free(ends);
    return 0;
}
