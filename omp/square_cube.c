/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* square_cube - activities 1 and 2 of the original lesson: the square and the cube of a number list.
 *
 * PURPOSE  Show the same work done one item after another (seq), as two concurrent streams
 *          (sections: one thread squares while another cubes, the lesson's two threading.Threads),
 *          and as many small independent tasks (tasks: one OpenMP task per item and operation).
 *          With --work sleep (the default, the original's time.sleep(0.1)) the modes differ only by
 *          how many items wait at once; with --work spin the threads must also share the cores.
 *
 * USAGE    square_cube [--mode seq|sections|tasks] [-t THREADS] [--ordered] [NUMBER...]
 *          OMP_NUM_THREADS=8 square_cube --mode tasks        # the default list in one delay
 *
 * NOTES    Timed: from just before the first item starts to just after the last one ends, including
 *          the printing of each line as it completes (as the original does), excluding reading the
 *          list, starting the OpenMP team (done once, before any run) and validation.
 *          n counts the input items; each item costs two operations (its square and its cube).
 *          Ideal time with sleep work (d = delay, W = threads): seq 2nd, sections nd (2nd on one
 *          thread), tasks ceil(2n/W)d. Spin work counts at most one worker per core.
 *          Every result is checked against the sequential kernel before any time is reported. */
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

typedef struct {
    const int64_t *values;
    uint64_t n;
    int64_t *squares, *cubes;
    mt_work work;
    mt_output *output;       /* where the lines go */
    bool print_live;         /* print each line as its item completes */
    mt_timeline *timeline;   /* NULL: not recording */
    mt_placement *placement; /* where each thread ran; NULL: not noting */
    int team_size;           /* threads the mode ran on, filled by the mode */
} square_cube_job;

/* One unit of work: spend the item's delay, compute, store, record when it ran, and (if asked) print its line
 * at once. Units are numbered squares first: unit i squares item i, unit n + i cubes it. */
static void do_item(square_cube_job *job, uint64_t i, mt_operation op)
{
    double start = job->timeline != NULL ? mt_timeline_item_start() : 0;
    mt_placement_note(job->placement, omp_get_thread_num());
    mt_work_do(&job->work);
    int64_t value = mt_power(job->values[i], op);
    (op == MT_OP_SQUARE ? job->squares : job->cubes)[i] = value;
    if (job->timeline != NULL)
        mt_timeline_record(job->timeline, op == MT_OP_SQUARE ? i : job->n + i, i, job->values[i], op,
                           omp_get_thread_num(), start, mt_now());
    if (job->print_live) mt_print_power(job->output, job->values[i], op, value);
}

/* Activity 1: all the squares, then all the cubes, on the calling thread. */
static void run_seq(square_cube_job *job)
{
    job->team_size = 1;
    for (uint64_t i = 0; i < job->n; i++)
        do_item(job, i, MT_OP_SQUARE);
    for (uint64_t i = 0; i < job->n; i++)
        do_item(job, i, MT_OP_CUBE);
}

/* Activity 2: the two loops of activity 1 as two sections, run at the same time by two threads. */
static void run_sections(square_cube_job *job)
{
#pragma omp parallel
    {
#pragma omp single nowait
        job->team_size = omp_get_num_threads();
        /* Each section is one block of work given to one thread; the team's other threads idle. */
#pragma omp sections
        {
#pragma omp section
            for (uint64_t i = 0; i < job->n; i++)
                do_item(job, i, MT_OP_SQUARE);
#pragma omp section
            for (uint64_t i = 0; i < job->n; i++)
                do_item(job, i, MT_OP_CUBE);
        }
    }
}

/* One task per item and operation: W threads keep W items in flight, whatever the list's length. */
static void run_tasks(square_cube_job *job)
{
#pragma omp parallel
    {
        /* One thread creates the tasks; every thread of the team (the creator too) runs them. */
#pragma omp single
        {
            job->team_size = omp_get_num_threads();
            for (uint64_t i = 0; i < job->n; i++) {
#pragma omp task firstprivate(i)
                do_item(job, i, MT_OP_SQUARE);
            }
            for (uint64_t i = 0; i < job->n; i++) {
#pragma omp task firstprivate(i)
                do_item(job, i, MT_OP_CUBE);
            }
        } /* the single's implicit barrier waits for every task */
    }
}

/* Ideal seconds for sleep work, W workers. */
static double ideal_seq(uint64_t n, double delay, int workers)
{
    (void)workers;
    return 2.0 * (double)n * delay;
}
static double ideal_sections(uint64_t n, double delay, int workers)
{
    return (workers >= 2 ? 1.0 : 2.0) * (double)n * delay;
}
static double ideal_tasks(uint64_t n, double delay, int workers)
{
    return ceil(2.0 * (double)n / workers) * delay;
}

typedef struct {
    const char *name;
    void (*run)(square_cube_job *job);
    double (*ideal)(uint64_t n, double delay, int workers);
} square_cube_mode;

static const square_cube_mode modes[] = {
    {"seq", run_seq, ideal_seq},
    {"sections", run_sections, ideal_sections},
    {"tasks", run_tasks, ideal_tasks},
};

static const char *const mode_names[] = {"seq", "sections", "tasks", NULL};

/* square_cube's own option: --ordered. */
static const mt_option own_options[] = {
    {"ordered", 0, NULL, "print the results in input order after the run, not live as they complete", "Printing:"},
};

static mt_status parse_ordered(void *settings, int index, const char *value, mt_error *err)
{
    (void)index, (void)value, (void)err;
    *(bool *)settings = true;
    return MT_OK;
}

static const mt_program program = {
    .name = "square_cube",
    .summary = "The square and the cube of each number: in sequence, as two OpenMP sections, or as tasks.",
    .numbers = true,
    .operands = "[--] [NUMBER]...",
    .modes = mode_names,
    .modes_help = "  seq        activity 1: all squares, then all cubes, on one thread\n"
                  "  sections   activity 2: one OpenMP section squares while another cubes\n"
                  "  tasks      one OpenMP task per item and operation (8 threads: the default list in one delay)\n",
    .options = own_options,
    .option_count = 1,
    .parse_option = parse_ordered,
    .notes = "Timed: the items' work, computation and printing; not reading the list nor validating.\n"
             "Ideal time with sleep work, d the delay, W threads: seq 2nd, sections nd, tasks ceil(2n/W)d.\n"
             "Examples:\n"
             "  square_cube                                  # activity 1, about 0.8 s\n"
             "  square_cube --mode sections                  # activity 2, about 0.4 s\n"
             "  OMP_NUM_THREADS=8 square_cube --mode tasks   # about 0.1 s\n"
             "  square_cube --mode tasks -t 4 -- -3 4 1000   # negative numbers after --\n",
};

typedef struct {
    const square_cube_mode *mode;
    square_cube_job job;
    bool print_lines; /* the lines printed live (not --ordered; mt_cli_prints_lines) */
} run_context;

static mt_status run_once(void *context, const mt_run_info *run, mt_sample *sample, mt_error *err)
{
    (void)err;
    run_context *c = context;
    square_cube_job job = c->job;
    if (run->prime) job.work = (mt_work){.kind = MT_WORK_NONE}, job.timeline = NULL, job.placement = NULL;
    job.print_live = c->print_lines && run->last;
    if (job.placement != NULL) mt_placement_start(job.placement); /* keeps the last run's */
    double start = mt_now();
    if (job.timeline != NULL) mt_timeline_start(job.timeline, start); /* keeps the last run's */
    c->mode->run(&job);
    sample->elapsed_s = mt_now() - start;
    c->job.team_size = job.team_size;
    return MT_OK;
}

/* Everything before the runs: the results' memory, touched now (a first touch costs more than the work it
 * would be timed with), and the timeline. */
static mt_status prepare(run_context *c, const mt_numbers *numbers, mt_options *options, mt_timeline *timeline,
                         mt_placement *placement, mt_error *err)
{
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
        if (strcmp(modes[m].name, options->mode) == 0) c->mode = &modes[m];
    size_t bytes = (size_t)numbers->count * sizeof(int64_t);
    c->job = (square_cube_job){.values = numbers->values,
                               .n = numbers->count,
                               .work = options->work,
                               .output = options->lines,
                               .squares = malloc(bytes ? bytes : 1),
                               .cubes = malloc(bytes ? bytes : 1)};
    if (c->job.squares == NULL || c->job.cubes == NULL)
        return mt_fail(err, MT_ERR_USAGE, "the list of %llu items is too large for this machine's memory",
                       (unsigned long long)numbers->count);
    memset(c->job.squares, 0, bytes);
    memset(c->job.cubes, 0, bytes);
    mt_status status = mt_placement_init(placement, omp_get_max_threads(), 0, err);
    c->job.placement = placement;
    if (status != MT_OK || !mt_cli_wants_timeline(options)) return status;
    int workers = strcmp(options->mode, "seq") == 0 ? 1 : omp_get_max_threads();
    c->job.timeline = timeline;
    return mt_timeline_init(timeline, 2 * numbers->count, workers, 0, false, &mt_power_events, err);
}

/* After the runs: the self-check, the lines in input order (--ordered), the timeline and the record. */
static mt_status report(run_context *c, mt_options *options, const mt_repeat_plan *runs, mt_error *err)
{
    const square_cube_job *job = &c->job;
    int workers = mt_model_workers(&options->work, job->team_size, omp_get_num_procs());
    mt_record record;
    mt_status status = mt_cli_record(&program, options, NULL, job->n, job->team_size, 1, runs,
                                     c->mode->ideal(job->n, options->work.delay_s, workers), &record, err);
    if (status != MT_OK) return status;
    record.places = job->placement->places, record.place_count = job->team_size;
    record.valid = mt_powers_check(job->values, job->squares, job->n, MT_OP_SQUARE) == job->n &&
                   mt_powers_check(job->values, job->cubes, job->n, MT_OP_CUBE) == job->n;
    if (record.valid && mt_cli_prints_lines(options) && !c->print_lines) {
        mt_print_powers(options->lines, job->values, job->squares, job->n, MT_OP_SQUARE);
        mt_print_powers(options->lines, job->values, job->cubes, job->n, MT_OP_CUBE);
    }
    return mt_cli_conclude(&program, options, &record, job->timeline, NULL, runs, err);
}

int main(int argc, char **argv)
{
    bool ordered = false;
    mt_options options;
    int exit_code = mt_cli_start(argc, argv, &program, &options, &ordered);
    if (exit_code >= 0) return exit_code;

    mt_error err = {""};
    mt_numbers numbers = {0};
    mt_timeline timeline = {0};
    mt_placement placement = {0};
    run_context context = {.print_lines = mt_cli_prints_lines(&options) && !ordered};
    mt_status status = mt_cli_read_numbers(&options, 3 * sizeof(int64_t), &numbers, &err);
    if (status == MT_OK) status = prepare(&context, &numbers, &options, &timeline, &placement, &err);
    /* The priming pass runs the mode once with no work and no printing: it starts the OpenMP team (the first
     * parallel region costs milliseconds) and brings the code and the task pool into memory, untimed. */
    mt_repeat_plan plan = {.prime = true, .warmup = options.warmup, .repeat = options.repeat};
    if (status == MT_OK) status = mt_repeat(run_once, &context, &plan, &err);
    if (status == MT_OK) status = report(&context, &options, &plan, &err);

    mt_repeat_free(&plan);
    free(context.job.squares);
    free(context.job.cubes);
    mt_numbers_free(&numbers);
    mt_timeline_free(&timeline);
    mt_placement_free(&placement);
    return mt_cli_finish(&program, &options, status, &err);
}
