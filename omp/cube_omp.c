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

static const mt_program program = {
    .name = "cube_omp",
    .summary = "The cube of each number, on OpenMP threads (a parallel loop): activity 4 on threads.",
    .features = 0,
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
    mt_timeline *timeline; /* NULL: not recording */
    int team_size;
} cube_job;

/* Thread t of T's contiguous block [*first, *last) of n items: the static schedule, written out. */
static void block_of(int64_t n, int thread, int threads, int64_t *first, int64_t *last)
{
    *first = n * thread / threads;
    *last = n * (thread + 1) / threads;
}

/* The map. With work per item, a parallel loop whose static schedule gives each thread one contiguous
 * block, each item timed on its own when recording. With no work, the same blocks as a plain loop the
 * compiler vectorizes (bound by memory bandwidth); a timeline then holds one event per block, since
 * reading the clock per item would cost more than the item. */
static void cube_map(cube_job *job)
{
    const int64_t *in = job->values;
    int64_t *out = job->cubes;
    const int64_t n = (int64_t)job->n;
    mt_timeline *timeline = job->timeline;
#pragma omp parallel
    {
        int thread = omp_get_thread_num();
#pragma omp single nowait
        job->team_size = omp_get_num_threads();
        if (job->work.kind == MT_WORK_NONE) {
            int64_t first, last;
            block_of(n, thread, omp_get_num_threads(), &first, &last);
            double start = timeline != NULL ? mt_now() : 0;
            for (int64_t i = first; i < last; i++)
                out[i] = mt_cube(in[i]);
            if (timeline != NULL && last > first)
                mt_timeline_record_block(timeline, (uint64_t)first, (uint64_t)first, in[first],
                                         (uint64_t)(last - first), MT_OP_CUBE, thread, start, mt_now());
        } else {
#pragma omp for schedule(static)
            for (int64_t i = 0; i < n; i++) {
                double start = timeline != NULL ? mt_now() : 0;
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
        int64_t first, last;
        block_of((int64_t)job->n, omp_get_thread_num(), omp_get_num_threads(), &first, &last);
        if (last > first) memset(job->cubes + first, 0, (size_t)(last - first) * sizeof *job->cubes);
    }
}

static mt_status run_once(void *context, const mt_run_info *run, double *elapsed_s, mt_error *err)
{
    (void)run;
    (void)err;
    cube_job *job = context;
    double start = mt_now();
    if (job->timeline != NULL) mt_timeline_start(job->timeline, start); /* keeps the last run's */
    cube_map(job);
    *elapsed_s = mt_now() - start;
    return MT_OK;
}

static bool results_valid(const cube_job *job)
{
    for (uint64_t i = 0; i < job->n; i++) {
        int64_t cube;
        if (!mt_cube_checked(job->values[i], &cube) || cube != job->cubes[i]) return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    mt_options options;
    mt_error err;
    int exit_code = mt_cli_start(argc, argv, &program, &options);
    if (exit_code >= 0) return exit_code;

    mt_numbers numbers;
    mt_status status = mt_cli_read_numbers(&options, 2 * sizeof(int64_t), &numbers, &err);
    if (status != MT_OK) return mt_cli_finish(&program, status, &err);

    mt_timeline timeline = {0};
    mt_items_advise(numbers.values, numbers.count);
    cube_job job = {
        .values = numbers.values, .n = numbers.count, .work = options.work, .cubes = mt_items_alloc(numbers.count, 1)};
    double *samples = malloc((size_t)options.repeat * sizeof *samples);
    if (job.cubes == NULL || samples == NULL) {
        status = mt_fail(&err, MT_ERR_USAGE, "the list of %llu items is too large for this machine's memory",
                         (unsigned long long)numbers.count);
        goto done;
    }
    if (mt_cli_wants_timeline(&options)) {
        status = mt_timeline_init(&timeline, numbers.count, omp_get_max_threads(), 0, options.work.kind == MT_WORK_NONE,
                                  &err);
        if (status != MT_OK) goto done;
        job.timeline = &timeline;
    }
    touch_output(&job); /* also starts the OpenMP team, untimed */
    cube_job warm = job;
    warm.work = (mt_work){.kind = MT_WORK_NONE};
    warm.timeline = NULL;
    cube_map(&warm); /* one untimed pass: the code and the caches warm, the team awake */

    status = mt_repeat(run_once, &job, options.warmup, options.repeat, samples, &err);
    if (status != MT_OK) goto done;

    mt_record record = {.program = program.name,
                        .mode = "loop",
                        .threads = job.team_size,
                        .ranks = 1,
                        .n = numbers.count,
                        .work = options.work,
                        .warmup = options.warmup,
                        .repeat = options.repeat,
                        .valid = results_valid(&job)};
    if ((status = mt_stats_compute(samples, options.repeat, &record.time, &err)) != MT_OK) goto done;
    int workers = record.threads;
    if (options.work.kind == MT_WORK_SPIN && workers > omp_get_num_procs()) workers = omp_get_num_procs();
    record.ideal_s =
        options.work.kind == MT_WORK_NONE ? NAN : ceil((double)numbers.count / workers) * options.work.delay_s;
    if (!record.valid) {
        status = mt_fail(&err, MT_ERR_RUNTIME, "results did not validate against the sequential kernel");
        goto done;
    }
    if (options.format == MT_FORMAT_TEXT && !options.quiet)
        for (uint64_t i = 0; i < numbers.count; i++)
            mt_print_power(numbers.values[i], MT_OP_CUBE, job.cubes[i]);
    if (job.timeline != NULL) {
        status = mt_cli_local_timeline(&program, &options, &timeline, "loop", samples[options.repeat - 1],
                                       record.ideal_s, &record.details, &err);
        if (status != MT_OK) goto done;
    }
    status = mt_cli_report(&program, &options, &record, &err);
done:
    free(samples);
    mt_items_free(job.cubes, 1);
    mt_numbers_free(&numbers);
    mt_timeline_free(&timeline);
    return mt_cli_finish(&program, status, &err);
}
