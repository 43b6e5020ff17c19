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
 *          threads: ceil(n/W)d (spin work: W at most the cores). Every result is checked against the
 *          sequential, overflow-checked kernel before any time is reported. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "cli.h"
#include "kernel.h"
#include "numbers.h"
#include "report.h"
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
    int team_size;
} cube_job;

/* The map: a static schedule gives each thread one contiguous block, the same block every run. */
static void cube_map(cube_job *job)
{
    const int64_t *in = job->values;
    int64_t *out = job->cubes;
    const int64_t n = (int64_t)job->n;
#pragma omp parallel
    {
#pragma omp single nowait
        job->team_size = omp_get_num_threads();
        if (job->work.kind == MT_WORK_NONE) {
            /* No per-item work: a plain loop the compiler vectorizes, bound by memory bandwidth. */
#pragma omp for schedule(static)
            for (int64_t i = 0; i < n; i++)
                out[i] = mt_cube(in[i]);
        } else {
#pragma omp for schedule(static)
            for (int64_t i = 0; i < n; i++) {
                mt_work_do(&job->work);
                out[i] = mt_cube(in[i]);
            }
        }
    }
}

/* Touch every output page from the thread that will write it (first touch places the page). */
static void touch_output(cube_job *job)
{
    const int64_t n = (int64_t)job->n;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++)
        job->cubes[i] = 0;
}

static mt_status run_once(void *context, const mt_run_info *run, double *elapsed_s, mt_error *err)
{
    (void)run;
    (void)err;
    double start = omp_get_wtime();
    cube_map(context);
    *elapsed_s = omp_get_wtime() - start;
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
    if (options.threads > 0) omp_set_num_threads(options.threads); /* -t overrides OMP_NUM_THREADS */
    if (options.verbose) mt_cli_print_settings(stderr, &program, &options);

    mt_numbers numbers;
    mt_status status = mt_cli_read_numbers(&options, 2 * sizeof(int64_t), &numbers, &err);
    if (status != MT_OK) return mt_cli_finish(&program, status, &err);

    size_t bytes = (size_t)numbers.count * sizeof(int64_t);
    cube_job job = {.values = numbers.values, .n = numbers.count, .work = options.work,
                    .cubes = malloc(bytes ? bytes : 1)};
    double *samples = malloc((size_t)options.repeat * sizeof *samples);
    if (job.cubes == NULL || samples == NULL) {
        status = mt_fail(&err, MT_ERR_USAGE, "the list of %llu items is too large for this machine's memory",
                         (unsigned long long)numbers.count);
        goto done;
    }
    touch_output(&job); /* also starts the OpenMP team, untimed */
    cube_job warm = job;
    warm.work = (mt_work){.kind = MT_WORK_NONE};
    cube_map(&warm); /* one untimed pass: the code and the caches warm, the team awake */

    status = mt_repeat(run_once, &job, options.warmup, options.repeat, samples, &err);
    if (status != MT_OK) goto done;

    mt_record record = {.program = program.name, .mode = "loop", .threads = job.team_size, .ranks = 1,
                        .n = numbers.count, .work = options.work, .warmup = options.warmup,
                        .repeat = options.repeat, .valid = results_valid(&job)};
    if ((status = mt_stats_compute(samples, options.repeat, &record.time, &err)) != MT_OK) goto done;
    int workers = record.threads;
    if (options.work.kind == MT_WORK_SPIN && workers > omp_get_num_procs()) workers = omp_get_num_procs();
    record.ideal_s = options.work.kind == MT_WORK_NONE
                         ? NAN
                         : ceil((double)numbers.count / workers) * options.work.delay_s;
    if (!record.valid) {
        status = mt_fail(&err, MT_ERR_RUNTIME, "results did not validate against the sequential kernel");
        goto done;
    }
    if (options.format == MT_FORMAT_TEXT && !options.quiet)
        for (uint64_t i = 0; i < numbers.count; i++)
            mt_print_power(numbers.values[i], MT_OP_CUBE, job.cubes[i]);
    status = mt_cli_report(&program, &options, &record, &err);
done:
    free(samples);
    free(job.cubes);
    mt_numbers_free(&numbers);
    return mt_cli_finish(&program, status, &err);
}
