/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* cube_omp - activity 4's map (the cube of every number) on OpenMP threads: the shared-memory twin of cube_mpi,
 * and the baseline for threads against ranks. The original maps calc_cube with multiprocessing.Pool(N).starmap;
 * here one parallel loop (cube_map.c, the very loop each rank of cube_mpi runs) splits the list over the threads
 * of one process: no copies, no messages. In C there is no GIL: with --work spin the threads really run at once.
 *
 * USAGE  cube_omp [-t THREADS] [--work sleep|spin|none] [NUMBER...]
 * NOTES  Timed (by the harness, around the map): the parallel loop alone, to its closing barrier; not reading,
 *        touching, validating or printing (results print after the run, in input order). n counts the input
 *        items, one cube each. Ideal time with sleep work, d the delay and W threads: ceil(n/W)d. */
#include <math.h>

#include "cube_map.h"
#include "harness.h"

/* The lesson: the whole list cubed by one parallel loop over this process's threads (cube_map.c). */
static void run_loop(mt_job *job)
{
    cube_map(job->values, job->cubes, (int64_t)job->n, &job->work, &job->cube_probe);
}

/* Ideal seconds with sleep work: n items, delay d, W threads, each a block of ceil(n/W) items at most. */
static double ideal_loop(uint64_t n, double delay, int workers)
{
    return ceil((double)n / workers) * delay;
}

/* The program, declared to the harness: one mode, its help. */
static const mt_mode modes[] = {{"loop", run_loop, ideal_loop, false}};

static const char *loop_mode(const void *settings)
{
    (void)settings;
    return modes[0].name; /* the record's mode, for --verbose */
}

static const mt_lesson cube_omp = {
    .program =
        {
            .name = "cube_omp",
            .record_mode = loop_mode,
            .summary = "The cube of each number, on OpenMP threads (a parallel loop): activity 4 on threads.",
            .numbers = true,
            .operands = "[--] [NUMBER]...",
            .notes = "Timed: the parallel loop (work, cube, store); not reading, touching, validating or printing.\n"
                     "Ideal time with sleep work, d the delay, W threads: ceil(n/W)d.\n"
                     "Examples:\n"
                     "  cube_omp                                        # the default list, 2 threads: about 0.2 s\n"
                     "  cube_omp -t 4 --work spin                       # CPU-bound: no faster past the cores\n"
                     "  cube_omp --work none --generate 33554432 -r 5   # memory-bound, 2^25 items\n",
        },
    .modes = modes,
    .mode_count = 1,
    .block_events = true,
};

int main(int argc, char **argv)
{
    return mt_harness_main(argc, argv, &cube_omp, NULL);
}
