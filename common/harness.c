/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "harness.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "placement.h"
#include "threads.h"

/* A number program's run, as the harness holds it. */
typedef struct {
    const mt_lesson *lesson;
    const mt_program *program; /* the lesson's, its --mode taking the modes' names */
    const mt_mode *mode;
    mt_options *options;
    mt_job job;            /* as prepared: the probes record into the timeline and the placement */
    mt_job current;        /* the run under way: the prepared job, or the priming pass's (no work, no probes) */
    bool print_live;       /* the last run prints its lines as they complete */
    int team_size;         /* the threads the mode runs on */
    mt_timeline *timeline; /* NULL: not recording */
    mt_placement *placement;
} harness_run;

static const mt_mode *chosen_mode(const mt_lesson *lesson, const mt_options *options)
{
    for (int m = 0; options->mode != NULL && m < lesson->mode_count; m++)
        if (strcmp(lesson->modes[m].name, options->mode) == 0) return &lesson->modes[m];
    return &lesson->modes[0];
}

/* The threads a parallel region gets (OMP_DYNAMIC is off: the same in every run). */
static int team_size(const mt_mode *mode)
{
    int team = 1;
    if (mode->serial) return team;
#pragma omp parallel
    {
#pragma omp single
        team = omp_get_num_threads();
    }
    return team;
}

/* Touch every result page from the thread that will write it (a first touch places the page, and costs more than
 * the work it would be timed with). */
static void touch_results(mt_job *job)
{
#pragma omp parallel
    {
        uint64_t threads = (uint64_t)omp_get_num_threads();
        uint64_t thread = (uint64_t)omp_get_thread_num();
        uint64_t first = mt_block_first(job->n, threads, thread);
        uint64_t count = mt_block_count(job->n, threads, thread);
        memset(job->cubes + first, 0, count * sizeof *job->cubes);
        if (job->squares != NULL) memset(job->squares + first, 0, count * sizeof *job->squares);
    }
}

/* Everything before the runs: the results' memory, touched now; where each thread runs, and the timeline. */
static mt_status prepare(harness_run *run, const mt_numbers *numbers, mt_timeline *timeline, mt_placement *placement,
                         mt_error *err)
{
    const mt_lesson *lesson = run->lesson;
    uint64_t n = numbers->count;
    mt_items_advise(numbers->values, n);
    mt_job *job = &run->job;
    *job = (mt_job){.values = numbers->values,
                    .n = n,
                    .work = run->options->work,
                    .cubes = mt_items_alloc(n, 1),
                    .squares = lesson->squares ? mt_items_alloc(n, 2) : NULL};
    if (job->cubes == NULL || (lesson->squares && job->squares == NULL))
        return mt_fail(err, MT_ERR_USAGE, "the list of %llu items is too large for this machine's memory",
                       (unsigned long long)n);
    touch_results(job);
    run->team_size = team_size(run->mode);
    mt_status status = mt_placement_init(placement, omp_get_max_threads(), 0, err);
    run->placement = placement;
    if (status == MT_OK && mt_harness_wants_timeline(run->options)) {
        bool blocks = lesson->block_events && job->work.kind == MT_WORK_NONE;
        uint64_t units = lesson->squares ? 2 * n : n;
        int workers = run->mode->serial ? 1 : omp_get_max_threads();
        status = mt_timeline_init(timeline, units, workers, 0, blocks, &mt_power_events, err);
        run->timeline = timeline;
    }
    job->square_probe = (mt_probe){run->timeline, placement, job->values, 0, 0, MT_OP_SQUARE};
    job->cube_probe = (mt_probe){run->timeline, placement, job->values, lesson->squares ? n : 0, 0, MT_OP_CUBE};
    return status;
}

static mt_status run_mode(void *context, mt_error *err)
{
    (void)err;
    harness_run *run = context;
    run->mode->run(&run->current);
    return MT_OK;
}

/* One run: the priming pass does the mode with no work, no printing and no probes: it starts the OpenMP team
 * (the first parallel region costs milliseconds) and brings the code and the task pool into memory, untimed. */
static mt_status run_once(void *context, const mt_run_info *info, mt_sample *sample, mt_error *err)
{
    harness_run *run = context;
    run->current = run->job;
    mt_timeline *timeline = run->timeline;
    if (info->prime) {
        run->current.work = (mt_work){.kind = MT_WORK_NONE};
        run->current.square_probe = (mt_probe){0};
        run->current.cube_probe = (mt_probe){0};
        timeline = NULL;
    } else {
        mt_placement_start(run->placement); /* keeps the last run's */
    }
    run->current.print_live = run->print_live && info->last ? run->options->lines : NULL;
    return mt_harness_time(NULL, timeline, run_mode, run, &sample->elapsed_s, err);
}

/* After the runs: the self-check, the lines in input order (unless printed live), the timeline and the record. */
static mt_status report(harness_run *run, const mt_repeat_plan *runs, const void *settings, mt_error *err)
{
    const mt_job *job = &run->job;
    const mt_program *program = run->program;
    mt_options *options = run->options;
    int workers = mt_model_workers(&options->work, run->team_size, omp_get_num_procs());
    double ideal_s = run->mode->ideal(job->n, options->work.delay_s, workers);
    mt_record record;
    mt_status status =
        mt_harness_record(program, options, run->mode->name, job->n, run->team_size, 1, runs, ideal_s, &record, err);
    if (status != MT_OK) return status;
    record.places = run->placement->places;
    record.place_count = run->team_size;
    record.valid = mt_powers_check(job->values, job->cubes, job->n, MT_OP_CUBE) == job->n;
    if (job->squares != NULL)
        record.valid = record.valid && mt_powers_check(job->values, job->squares, job->n, MT_OP_SQUARE) == job->n;
    if (record.valid && mt_harness_prints_lines(options) && !run->print_live) {
        if (job->squares != NULL) mt_print_powers(options->lines, job->values, job->squares, job->n, MT_OP_SQUARE);
        mt_print_powers(options->lines, job->values, job->cubes, job->n, MT_OP_CUBE);
    }
    if (run->lesson->fields != NULL) record.fields = run->lesson->fields(job, settings);
    return mt_harness_conclude(program, options, &record, run->timeline, NULL, runs, err);
}

int mt_harness_main(int argc, char **argv, const mt_lesson *lesson, void *settings)
{
    /* --mode takes the modes' names, the first the default; a program of one mode has no --mode. */
    mt_program program = lesson->program;
    const char *mode_names[MT_MODES_MAX + 1] = {NULL};
    for (int m = 0; m < lesson->mode_count && m < MT_MODES_MAX; m++)
        mode_names[m] = lesson->modes[m].name;
    if (lesson->mode_count > 1) program.modes = mode_names;
    mt_options options;
    int exit_code = mt_harness_start(argc, argv, &program, &options, settings);
    if (exit_code >= 0) return exit_code;

    mt_error err = {""};
    mt_numbers numbers = {0};
    mt_timeline timeline = {0};
    mt_placement placement = {0};
    harness_run run = {
        .lesson = lesson, .program = &program, .options = &options, .mode = chosen_mode(lesson, &options)};
    run.print_live = lesson->prints_live != NULL && lesson->prints_live(settings) && mt_harness_prints_lines(&options);
    uint64_t bytes_per_item = (lesson->squares ? 3 : 2) * sizeof(int64_t); /* the list and its results */
    mt_status status = mt_harness_read_numbers(&options, bytes_per_item, &numbers, &err);
    if (status == MT_OK) status = prepare(&run, &numbers, &timeline, &placement, &err);
    mt_repeat_plan plan = {.prime = true, .warmup = options.warmup, .repeat = options.repeat};
    if (status == MT_OK) status = mt_repeat(run_once, &run, &plan, &err);
    if (status == MT_OK) status = report(&run, &plan, settings, &err);

    mt_repeat_free(&plan);
    mt_items_free(run.job.squares, 2);
    mt_items_free(run.job.cubes, 1);
    mt_numbers_free(&numbers);
    mt_timeline_free(&timeline);
    mt_placement_free(&placement);
    return mt_harness_finish(&program, &options, status, &err);
}

mt_status mt_harness_time(const mt_clock_hooks *clock, mt_timeline *timeline, mt_timed_fn fn, void *context,
                          double *seconds, mt_error *err)
{
    double (*now)(void) = clock != NULL && clock->now != NULL ? clock->now : mt_now;
    if (clock != NULL && clock->line_up != NULL) {
        mt_status lined_up = clock->line_up(clock->context, err);
        if (lined_up != MT_OK) return lined_up;
    }
    double start = now();
    if (timeline != NULL) mt_timeline_start(timeline, now == mt_now ? start : mt_now()); /* keeps the last run's */
    mt_status status = fn(context, err);
    *seconds = now() - start;
    return status;
}

mt_status mt_harness_open_source(const mt_options *o, mt_source *source, mt_error *err)
{
    static char *const default_numbers[] = {"2", "3", "5", "8"};
    if (o->input_path != NULL) return mt_source_open_file(source, o->input_path, err);
    if (o->generate) {
        mt_source_open_generate(source, o->generate_count, o->seed);
        return MT_OK;
    }
    if (o->operand_count > 0)
        mt_source_open_args(source, o->operands, (size_t)o->operand_count);
    else
        mt_source_open_args(source, default_numbers, 4);
    return MT_OK;
}

mt_status mt_harness_read_numbers(mt_options *o, uint64_t bytes_per_item, mt_numbers *numbers, mt_error *err)
{
    double start = mt_now();
    if (o->generate) {
        char what[64];
        snprintf(what, sizeof what, "--generate %" PRIu64, o->generate_count);
        mt_status status = mt_check_fits_in_memory(o->generate_count, bytes_per_item, what, err);
        if (status != MT_OK) return status;
    }
    mt_source source;
    mt_status status = mt_harness_open_source(o, &source, err);
    if (status != MT_OK) return status;
    status = mt_numbers_read_all(&source, numbers, err);
    mt_source_close(&source);
    if (status != MT_OK) return status;
    status = mt_check_cube_range(numbers->values, numbers->count, 1, err);
    if (status != MT_OK) mt_numbers_free(numbers);
    o->read_s = mt_now() - start;
    return status;
}

static void warn_if_too_short(const char *program, double median_s)
{
    double tick = mt_clock_tick();
    if (median_s < MT_MIN_TICKS_PER_RUN * tick)
        mt_print_warning(program,
                         "the run took %.3g s, under %d clock ticks of %.3g s: too short to time well; "
                         "give more items or a longer delay",
                         median_s, MT_MIN_TICKS_PER_RUN, tick);
}

int mt_harness_start(int argc, char **argv, const mt_program *program, mt_options *options, void *settings)
{
    mt_error err;
    switch (mt_cli_parse(argc, argv, program, options, settings, &err)) {
    case MT_CLI_HELP:
        mt_cli_print_help(stdout, program);
        return mt_cli_help_written(program);
    case MT_CLI_VERSION:
        mt_cli_print_version(stdout, program);
        return mt_cli_help_written(program);
    case MT_CLI_BAD_USAGE:
        mt_print_error(program->name, &err);
        return MT_ERR_USAGE;
    case MT_CLI_RUN:
        break;
    }
    /* A trace that cannot be written is a usage error before any work starts. */
    if (options->timeline_path != NULL && mt_trace_check_path(options->timeline_path, &err) != MT_OK) {
        mt_print_error(program->name, &err);
        return MT_ERR_USAGE;
    }
    /* The runtime's variables are input too, checked before any OpenMP call (threads.h). */
    bool dynamic_off = false;
    if (program->numbers && mt_threads_check_environment(options->threads, &dynamic_off, &err) != MT_OK) {
        mt_print_error(program->name, &err);
        return MT_ERR_USAGE;
    }
    if (dynamic_off) mt_print_warning(program->name, "%s", MT_DYNAMIC_OFF_TEXT);
    if (options->threads > 0) omp_set_num_threads(options->threads); /* -t overrides OMP_NUM_THREADS */
    /* The team starts now, so that threads the system will not give are this program's one line, not the
     * runtime's end of the process. */
    if (program->numbers && mt_threads_start(omp_get_max_threads(), &err) != MT_OK) {
        mt_print_error(program->name, &err);
        return MT_ERR_RUNTIME;
    }
    if (options->output_path != NULL) {
        /* A results file that cannot be written is one too; it is opened now, as its lines may come live. */
        if (mt_output_file_open(&options->results, options->output_path, &err) != MT_OK) {
            mt_print_error(program->name, &err);
            return MT_ERR_USAGE;
        }
        options->lines = &options->results.output;
    }
    if (options->verbose) {
        mt_cli_print_settings(stderr, program, options, settings);
        if (options->output_path != NULL)
            fprintf(stderr, "%s: output: the result lines to %s, %s\n", program->name, options->output_path,
                    options->results.temporary != NULL ? "written under a temporary name and renamed at the end"
                                                       : "written in place (not a regular file)");
        else
            fprintf(stderr, "%s: output: the result lines to standard output\n", program->name);
    }
    return -1;
}

int mt_harness_finish(const mt_program *program, mt_options *options, mt_status status, mt_error *err)
{
    mt_output_file_discard(&options->results); /* a run that failed before its results were put in place */
    mt_status written = mt_output_finish(&options->output, status == MT_OK ? err : &(mt_error){""});
    if (status == MT_OK) status = written;
    if (status != MT_OK && err->message[0] != '\0') mt_print_error(program->name, err);
    return (int)status;
}

mt_status mt_harness_record(const mt_program *program, mt_options *options, const char *mode, uint64_t n, int threads,
                            int ranks, const mt_repeat_plan *runs, double ideal_s, mt_record *record, mt_error *err)
{
    *record = (mt_record){.program = program->name,
                          .mode = options->mode != NULL ? options->mode : mode,
                          .threads = threads,
                          .ranks = ranks,
                          .n = n,
                          .work = options->work,
                          .warmup = options->warmup,
                          .repeat = options->repeat,
                          .ideal_s = options->work.kind == MT_WORK_NONE ? NAN : ideal_s,
                          .read_s = options->read_s,
                          .valid = true};
    if (options->runs_end == 0) options->runs_end = mt_now(); /* a program may have ended its runs earlier */
    record->runs_s = runs->runs_s;
    mt_usage usage = mt_process_usage();
    record->cpu_user_s = runs->cpu_user_s;
    record->cpu_sys_s = runs->cpu_sys_s;
    record->cpu_wall_s = runs->timed_wall_s;
    record->cpu_queue_s = runs->cpu_queue_s;
    record->max_rss_mib = usage.max_rss_mib;
    record->machine_busy =
        mt_machine_other_cpus(runs->machine_busy_s, runs->cpu_user_s + runs->cpu_sys_s, runs->timed_wall_s);
    record->samples = runs->samples;
    record->argc = options->argc;
    record->argv = options->argv;
    return mt_sample_stats(runs->samples, runs->repeat, -1, &record->time, err);
}

mt_status mt_harness_report(const mt_program *program, mt_options *options, mt_record *record, mt_error *err)
{
    mt_status status = MT_OK;
    /* The results file is part of the output phase: whole, and in place, before any time is reported. */
    if (options->results.path != NULL && record->valid)
        status = mt_output_file_commit(&options->results, err);
    else
        mt_output_file_discard(&options->results);
    if (status != MT_OK) return status;
    bool timed = record->valid && record->time.count > 0;
    double now = mt_now();
    record->read_s = options->read_s;
    record->output_s = options->runs_end > 0 ? now - options->runs_end : 0;
    record->end_to_end_s = now - options->started_at;
    /* Threads against ranks is fair only when each CPU-bound worker has a CPU of its own: say when not. */
    mt_placement_verdict placement;
    mt_placement_judge(record->places, record->place_count, record->mpi_library != NULL, &placement);
    if (options->verbose) mt_placement_print(stderr, program->name, record->places, record->place_count);
    if (placement.oversubscribed && !record->hooks.waits && record->work.kind != MT_WORK_SLEEP)
        mt_print_warning(program->name, "%s", placement.cause);
    if (options->verbose && timed)
        fprintf(stderr,
                "%s: the whole run: read %.6f s, set-up %.6f s, runs %.6f s (median %.6f of %d), output %.6f s, "
                "end to end %.6f s; serial fraction %.3f\n",
                program->name, record->read_s, mt_record_setup_s(record), record->runs_s, record->time.median,
                record->time.count, record->output_s, record->end_to_end_s, mt_record_serial_fraction(record));
    if (options->format == MT_FORMAT_TEXT) {
        if (timed) {
            mt_print_execution_time(&options->output, record->time.median);
            if (!options->quiet) mt_print_summary(stderr, record);
        }
    } else if (options->format == MT_FORMAT_JSON) {
        status = mt_record_print_json(&options->output, record, err);
    } else {
        status = mt_record_print_csv(&options->output, record, options->header, err);
    }
    if (timed) warn_if_too_short(program->name, record->time.median);
    return status;
}

mt_status mt_harness_conclude(const mt_program *program, mt_options *options, mt_record *record, mt_timeline *timeline,
                              const mt_trace *shape, const mt_repeat_plan *runs, mt_error *err)
{
    /* The last run's span; a run that failed (a download's) counts up to its failure. */
    double wall_s = shape != NULL && shape->wall_s > 0 ? shape->wall_s : runs->samples[runs->repeat - 1].elapsed_s;
    mt_status status =
        timeline != NULL ? mt_harness_local_timeline(options, timeline, shape, record, wall_s, err) : MT_OK;
    if (status == MT_OK) status = mt_harness_report(program, options, record, err);
    json_decref(record->fields);
    json_decref(record->details);
    record->fields = record->details = NULL;
    if (status == MT_OK && !record->valid) status = mt_fail(err, MT_ERR_RUNTIME, "the results did not validate");
    return status;
}

bool mt_harness_prints_lines(const mt_options *options)
{
    return options->output_path != NULL || (options->format == MT_FORMAT_TEXT && !options->quiet);
}

bool mt_harness_wants_timeline(const mt_options *options)
{
    return options->timeline_path != NULL || options->gantt || options->verbose || options->format == MT_FORMAT_JSON;
}

mt_status mt_harness_timeline(const mt_options *options, const mt_trace *trace, mt_record *record, mt_error *err)
{
    if (options->timeline_path != NULL) {
        mt_status status = mt_trace_write(trace, options->timeline_path, err);
        if (status != MT_OK) return status;
    }
    if (options->gantt) mt_trace_print_gantt(stderr, trace, mt_color_wanted(fileno(stderr)));
    if (options->verbose) mt_trace_print_summary(stderr, trace);
    if (record->details == NULL) record->details = json_object();
    json_object_set_new(record->details, "timeline", mt_trace_summary(trace));
    return MT_OK;
}

mt_status mt_harness_local_timeline(const mt_options *options, mt_timeline *timeline, const mt_trace *shape,
                                    mt_record *record, double wall_s, mt_error *err)
{
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    const char *hosts[] = {host};
    mt_trace trace = {.events = timeline->slots,
                      .count = mt_timeline_pack(timeline),
                      .hosts = hosts,
                      .ranks = 1,
                      .aggregated = !timeline->per_unit,
                      .overlapping = shape != NULL && shape->overlapping,
                      .style = timeline->style,
                      .item_names = shape != NULL && timeline->per_unit ? shape->item_names : NULL,
                      .program = record->program,
                      .mode = record->mode,
                      .places = record->places,
                      .place_count = record->place_count,
                      .waits = record->hooks.waits || record->work.kind == MT_WORK_SLEEP,
                      .wall_s = wall_s,
                      .ideal_s = record->ideal_s,
                      .cpus_busy = mt_record_cpus_busy(record),
                      .machine_busy = record->machine_busy};
    return mt_harness_timeline(options, &trace, record, err);
}
