/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* harness.h - a number program's whole run, so that its file holds only its lesson. As in EPCC's OpenMP
 * micro-benchmarks, the program hands the harness its functions (each mode's run, holding just the construct,
 * and its ideal-time model) and the harness owns the rest: the options (cli.h), the list, the results' memory
 * touched before any run, the priming pass, the warm-ups and the repeats, each timed from outside (the clock is
 * read around the mode's function, never inside it), the self-check, the result lines, the record, the timeline
 * and the exit code. main is one call: return mt_harness_main(argc, argv, &lesson, &settings).
 *
 * Also here: the start and the end of a run that cube_mpi and download still drive themselves (mt_harness_start,
 * _record, _report, _conclude, _finish). No MPI: cube_mpi brings its barrier and its clock in mt_clock_hooks. */
#ifndef MT_HARNESS_H
#define MT_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "kernel.h"
#include "numbers.h"
#include "probe.h"
#include "report.h"
#include "timeline.h"
#include "timer.h"

/* What a mode's function works on: the list, its results, and how each item is worked and recorded. */
typedef struct {
    const int64_t *values; /* the list, n items */
    uint64_t n;
    int64_t *squares;      /* the squares, n of them (mt_lesson.squares), else NULL */
    int64_t *cubes;        /* the cubes, n of them */
    mt_work work;          /* each item's work: none in the priming pass */
    mt_probe square_probe; /* where a square is recorded: units 0 to n - 1 */
    mt_probe cube_probe;   /* where a cube is recorded: units n to 2n - 1 with squares, else 0 to n - 1 */
    mt_output *print_live; /* each line printed here as its item completes (the last timed run); NULL: not */
} mt_job;

/* One mode: the lesson's function and its model. */
typedef struct {
    const char *name; /* as --mode names it; the record's mode */
    void (*run)(mt_job *job);
    double (*ideal)(uint64_t n, double delay_s, int workers); /* seconds with sleep work, W workers */
    bool serial;                                              /* runs on the calling thread alone */
} mt_mode;

enum { MT_MODES_MAX = 8 };

/* A number program, declared to the harness. */
typedef struct {
    mt_program program;   /* its name, help and own options (cli.h); the harness fills its modes */
    const mt_mode *modes; /* --mode's choices, the default first; with one, the program has no --mode */
    int mode_count;
    bool squares;      /* it computes squares as well as cubes */
    bool block_events; /* with --work none its timeline has one event per thread's block (MT_PROBE_BLOCK) */
    /* Whether its lines are printed live, item by item, from its settings (NULL: after the run, in input
     * order). */
    bool (*prints_live)(const void *settings);
    /* Its own record fields (mt_record.fields), or NULL: none. */
    json_t *(*fields)(const mt_job *job, const void *settings);
} mt_lesson;

/* A program's whole run; returns the exit code. settings are the program's own options' values. */
int mt_harness_main(int argc, char **argv, const mt_lesson *lesson, void *settings);

/* The clock a run is timed by, and what lines every process up before it (NULL members: one process's own). */
typedef struct {
    void *context;
    double (*now)(void);                                /* seconds; NULL: mt_now */
    mt_status (*line_up)(void *context, mt_error *err); /* before the clock starts: a barrier; NULL: none */
} mt_clock_hooks;

/* A function the harness times: the lesson's run. */
typedef mt_status (*mt_timed_fn)(void *context, mt_error *err);

/* Time one call of fn(context) from outside: line up, read the clock (and start timeline's, when not NULL, at
 * the same moment by mt_now), call, read it again; the seconds between go to *seconds. fn's failure, or the
 * lining up's, is returned. */
mt_status mt_harness_time(const mt_clock_hooks *clock, mt_timeline *timeline, mt_timed_fn fn, void *context,
                          double *seconds, mt_error *err);

/* The start of a run's main: parse argv; print help, version or the usage error here; check that a
 * --timeline FILE can be written; open --output FILE (options->lines); apply -t and print the settings for
 * --verbose. Returns -1 when the program should run, otherwise the exit code to return at once. */
int mt_harness_start(int argc, char **argv, const mt_program *program, mt_options *options, void *settings);

/* The end of a run's main: remove --output FILE's temporary if the run failed before it was put in place;
 * check that every write to standard output reached it (a failure there fails a run that had not failed),
 * print err when the run failed, and return the exit code. */
int mt_harness_finish(const mt_program *program, mt_options *options, mt_status status, mt_error *err);

/* Open the number list the options name (the default list when they name none). */
mt_status mt_harness_open_source(const mt_options *options, mt_source *source, mt_error *err);

/* Read the whole list, refusing up front one that cannot fit in memory at bytes_per_item, and check
 * every cube fits in int64; the time it took is the run's read_s. */
mt_status mt_harness_read_numbers(mt_options *options, uint64_t bytes_per_item, mt_numbers *numbers, mt_error *err);

/* The common part of a run's record: program, mode (the options', else mode), work, runs from the options;
 * n, and the threads and ranks that did the work; the time of the timed runs (their samples' median, min and
 * max) and of all the runs, from runs, the plan mt_repeat carried out; and ideal_s, the model's time. Valid
 * until the program's self-check says otherwise. Called as the runs end: what follows, to the record, is the
 * run's output phase. */
mt_status mt_harness_record(const mt_program *program, mt_options *options, const char *mode, uint64_t n, int threads,
                            int ranks, const mt_repeat_plan *runs, double ideal_s, mt_record *record, mt_error *err);

/* The run's closing output as the options ask: the 'Execution Time' line and the summary on stderr
 * (text), the JSON object, or the CSV row; then the too-short warning when it applies. A record that did
 * not validate prints no time: no text at all, and its JSON or CSV with the times empty. --output FILE, if
 * open, is put in place first (every write checked; removed when the record did not validate). The record gets
 * the whole run's phases (read_s, output_s, end_to_end_s), which --verbose prints. */
mt_status mt_harness_report(const mt_program *program, mt_options *options, mt_record *record, mt_error *err);

/* The end of a run of one process: its timeline (when it was recorded: timeline not NULL; shape as for
 * mt_harness_local_timeline) over the last run of runs, then the record (mt_harness_report), whose fields and
 * details are freed after. MT_ERR_RUNTIME when the record did not validate: its results are not to be trusted. */
mt_status mt_harness_conclude(const mt_program *program, mt_options *options, mt_record *record, mt_timeline *timeline,
                              const mt_trace *shape, const mt_repeat_plan *runs, mt_error *err);

/* Whether the program writes its result lines: to --output FILE always (whatever --json, --csv or --quiet
 * say of standard output), to standard output with the text format unless --quiet. */
bool mt_harness_prints_lines(const mt_options *options);

/* Whether to record the timeline: for --timeline, --gantt, and the numbers of --json and --verbose. */
bool mt_harness_wants_timeline(const mt_options *options);

/* After the run: the timeline as the options ask (the file, the chart, the --verbose line); its numbers go
 * into the record's details under "timeline". */
mt_status mt_harness_timeline(const mt_options *options, const mt_trace *trace, mt_record *record, mt_error *err);

/* mt_harness_timeline for a run of one process (this host, rank 0): the recorded events as its trace, named
 * after the record's program and mode, over wall_s seconds. shape (or NULL) says what only the program knows:
 * its items' names (item_names) and whether units overlap on one thread (overlapping). */
mt_status mt_harness_local_timeline(const mt_options *options, mt_timeline *timeline, const mt_trace *shape,
                                    mt_record *record, double wall_s, mt_error *err);

#endif
