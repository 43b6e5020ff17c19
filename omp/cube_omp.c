/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* cube_omp - activity 4's map (the cube of every number) on OpenMP threads: the shared-memory twin of
 * cube_mpi, and the baseline for threads against ranks.
 *
 * PURPOSE  The original lesson maps calc_cube over a list with multiprocessing.Pool(N).starmap. Here
 *          one parallel loop splits the list over the threads of one process: no copies, no messages.
 *          In C there is no GIL: with --work spin the threads really run at once, up to the cores.
 *
 * USAGE    cube_omp [-t THREADS] [--work sleep|spin|none] [NUMBER...]
 *          cube_omp --work none --generate 33554432 --json -r 5     # memory-bound, 2^25 items
 *
 * NOTES    Timed: the parallel loop alone (work, cube, store), from just before it to just after its
 *          closing barrier. Not timed: reading the list, touching the buffers, starting the team, the
 *          validation and the printing (results print after the run, in input order).
 *          n counts the input items, one cube each. Ideal time with sleep work, d the delay and W
 *          threads: ceil(n/W)d (spin work: W at most the cores). --timeline records each item
 *          (with --work none, each thread's block: the clock costs more than the item). Every result is checked against
 * the sequential, overflow-checked kernel before any time is reported. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "cli.h"
#include "kernel.h"
#include "numbers.h"
#include "report.h"
#include "timeline.h"
#include "timer.h"

static const char *loop_mode(const void *settings)
{
    (void)settings;
    return "loop"; /* the record's mode: one parallel loop */
}

static const mt_program program = {
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
};

typedef struct {
    const int64_t *values;
    int64_t *cubes;
    uint64_t n;
    mt_work work;
    mt_timeline *timeline;   /* NULL: not recording */
    mt_placement *placement; /* where each thread ran; NULL: not noting */
    int team_size;
} cube_job;

/* The map. With work per item, a parallel loop whose static schedule gives each thread one contiguous block,
 * each item timed on its own when recording. With no work, the same blocks as a plain loop the compiler
 * vectorizes (bound by memory bandwidth); a timeline then holds one event per block, since reading the clock
 * per item would cost more than the item. */
static void cube_map(cube_job *job)
{
    const int64_t *in = job->values;
    int64_t *out = job->cubes;
    const int64_t n = (int64_t)job->n;
    mt_timeline *timeline = job->timeline;
#pragma omp parallel
    {
        int thread = omp_get_thread_num(), threads = omp_get_num_threads();
#pragma omp single nowait
        job->team_size = threads;
        if (job->work.kind == MT_WORK_NONE) {
            int64_t first = (int64_t)mt_block_first((uint64_t)n, (uint64_t)threads, (uint64_t)thread);
            int64_t last = (int64_t)mt_block_first((uint64_t)n, (uint64_t)threads, (uint64_t)thread + 1);
            double start = timeline != NULL ? mt_timeline_item_start() : 0;
            mt_placement_note(job->placement, thread);
            for (int64_t i = first; i < last; i++)
                out[i] = mt_cube(in[i]);
            if (timeline != NULL)
                mt_timeline_record_units(timeline, (uint64_t)first, (uint64_t)first, last > first ? in[first] : 0,
                                         (uint64_t)(last - first), MT_OP_CUBE, thread, start, mt_now(), NULL);
        } else {
#pragma omp for schedule(static)
            for (int64_t i = 0; i < n; i++) {
                double start = timeline != NULL ? mt_timeline_item_start() : 0;
                mt_placement_note(job->placement, thread);
                mt_work_do(&job->work);
                out[i] = mt_cube(in[i]);
                if (timeline != NULL)
                    mt_timeline_record(timeline, (uint64_t)i, (uint64_t)i, in[i], MT_OP_CUBE, thread, start, mt_now());
            }
        }
    }
}

/* Touch every output page from the thread that will write it (first touch places the page). */
static void touch_output(cube_job *job)
{
#pragma omp parallel
    {
        uint64_t threads = (uint64_t)omp_get_num_threads(), thread = (uint64_t)omp_get_thread_num();
        uint64_t first = mt_block_first(job->n, threads, thread), count = mt_block_count(job->n, threads, thread);
        memset(job->cubes + first, 0, count * sizeof *job->cubes);
    }
}

static mt_status run_once(void *context, const mt_run_info *run, mt_sample *sample, mt_error *err)
{
    (void)err;
    cube_job job = *(cube_job *)context;
    if (run->prime) job.work = (mt_work){.kind = MT_WORK_NONE}, job.timeline = NULL, job.placement = NULL;
    if (job.placement != NULL) mt_placement_start(job.placement); /* keeps the last run's */
    double start = mt_now();
    if (job.timeline != NULL) mt_timeline_start(job.timeline, start); /* keeps the last run's */
    cube_map(&job);
    sample->elapsed_s = mt_now() - start;
    ((cube_job *)context)->team_size = job.team_size;
    return MT_OK;
}

/* Everything before the runs: the results' memory, touched by the threads that will write it, and the
 * timeline. */
static mt_status prepare(cube_job *job, const mt_numbers *numbers, const mt_options *options, mt_timeline *timeline,
                         mt_placement *placement, mt_error *err)
{
    mt_items_advise(numbers->values, numbers->count);
    *job = (cube_job){.values = numbers->values,
                      .n = numbers->count,
                      .work = options->work,
                      .cubes = mt_items_alloc(numbers->count, 1)};
    if (job->cubes == NULL)
        return mt_fail(err, MT_ERR_USAGE, "the list of %llu items is too large for this machine's memory",
                       (unsigned long long)numbers->count);
    touch_output(job);
    mt_status status = mt_placement_init(placement, omp_get_max_threads(), 0, err);
    job->placement = placement;
    if (status != MT_OK || !mt_cli_wants_timeline(options)) return status;
    job->timeline = timeline;
    return mt_timeline_init(timeline, numbers->count, omp_get_max_threads(), 0, options->work.kind == MT_WORK_NONE,
                            &mt_power_events, err);
}

/* After the runs: the self-check, the lines in input order, the timeline and the record. */
static mt_status report(const cube_job *job, mt_options *options, const mt_repeat_plan *runs, mt_error *err)
{
    int workers = mt_model_workers(&options->work, job->team_size, omp_get_num_procs());
    mt_record record;
    mt_status status = mt_cli_record(&program, options, loop_mode(NULL), job->n, job->team_size, 1, runs,
                                     ceil((double)job->n / workers) * options->work.delay_s, &record, err);
    if (status != MT_OK) return status;
    record.places = job->placement->places, record.place_count = job->team_size;
    record.valid = mt_powers_check(job->values, job->cubes, job->n, MT_OP_CUBE) == job->n;
    if (record.valid && mt_cli_prints_lines(options))
        mt_print_powers(options->lines, job->values, job->cubes, job->n, MT_OP_CUBE);
    return mt_cli_conclude(&program, options, &record, job->timeline, NULL, runs, err);
}

int main(int argc, char **argv)
{
    mt_options options;
    int exit_code = mt_cli_start(argc, argv, &program, &options, NULL);
    if (exit_code >= 0) return exit_code;

    mt_error err = {""};
    mt_numbers numbers = {0};
    mt_timeline timeline = {0};
    cube_job job = {0};
    mt_placement placement = {0};
    mt_status status = mt_cli_read_numbers(&options, 2 * sizeof(int64_t), &numbers, &err);
    if (status == MT_OK) status = prepare(&job, &numbers, &options, &timeline, &placement, &err);
    /* The priming pass maps the list once with no work, untimed: the team awake, the code and caches warm. */
    mt_repeat_plan plan = {.prime = true, .warmup = options.warmup, .repeat = options.repeat};
    if (status == MT_OK) status = mt_repeat(run_once, &job, &plan, &err);
    if (status == MT_OK) status = report(&job, &options, &plan, &err);

    mt_repeat_free(&plan);
    mt_items_free(job.cubes, 1);
    mt_numbers_free(&numbers);
    mt_timeline_free(&timeline);
    mt_placement_free(&placement);
    return mt_cli_finish(&program, &options, status, &err);
}
