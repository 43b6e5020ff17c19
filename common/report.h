/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* report.h - what a run prints: the original lesson's human lines, and the one record every program
 * reports (JSON keys = CSV columns), with the provenance that makes a number reproducible. */
#ifndef MT_REPORT_H
#define MT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>

#include <jansson.h>

#include "kernel.h"
#include "placement.h"
#include "status.h"
#include "timer.h"

/* Where the results go (standard output), and the first error a write to it met. Every write is checked and
 * every program ends with mt_output_finish, so no output is ever lost silently: a full disk or /dev/full is
 * an error naming the output, and a closed pipe ends the program quietly, as SIGPIPE ends Unix tools. */
/* The commit the programs were built from (git, at build time; defined in the build's generated commit.c),
 * or "unknown": --version and the record's provenance. */
extern const char mt_commit[];

typedef struct {
    FILE *file;
    const char *name; /* "standard output" */
    atomic_int error; /* errno of the first write that failed; 0 while every write has succeeded */
} mt_output;

void mt_output_init(mt_output *out, FILE *file, const char *name);
/* Write length bytes as one piece, never torn by another thread's; flush them at once when flush. Nothing is
 * written once a write has failed. */
void mt_output_write(mt_output *out, const char *data, size_t length, bool flush);
/* Flush, and say whether every write reached the file: MT_ERR_RUNTIME naming it and why when one did not. */
mt_status mt_output_finish(mt_output *out, mt_error *err);

/* "2 ^ 3 = 8": one whole line, flushed at once, never torn by another thread's line (the live lines). */
void mt_print_power(mt_output *out, int64_t base, mt_operation op, int64_t value);
/* n lines "values[i] ^ op = results[i]" in order, written in large blocks (the lines printed after a run). */
void mt_print_powers(mt_output *out, const int64_t *values, const int64_t *results, uint64_t n, mt_operation op);
/* The longest line "BASE ^ OP = VALUE\n" takes, in bytes. */
enum { MT_POWER_LINE_MAX = 64 };
/* count lines "values[i] ^ op = results[i]" into block (room for count * MT_POWER_LINE_MAX bytes), as
 * mt_print_powers writes them; returns their bytes. For writers of their own (cube_mpi's MPI-IO). */
size_t mt_format_powers(char *block, const int64_t *values, const int64_t *results, uint64_t count, mt_operation op);
/* The bytes mt_format_powers would take for those lines, counted without formatting them. */
uint64_t mt_powers_bytes(const int64_t *values, const int64_t *results, uint64_t count, mt_operation op);
/* The last human line of every program and mode: "Execution Time: SECONDS". */
void mt_print_execution_time(mt_output *out, double seconds);

/* What a program says of its own run where the common judgement would mislead: none of it is a key of the record
 * (a program's keys go through mt_record.fields and .details). Zero members keep the common judgement. */
typedef struct {
    const char *workers; /* the summary's words for the workers, in place of "N threads" */
    const char *clause;  /* one clause of the program's own in the summary, after the CPU's */
    bool waits;          /* its work waits, as sleep does: more workers than CPUs is the point, not a problem */
} mt_record_hooks;

typedef struct {
    const char *program;
    const char *mode; /* seq, sections, tasks, loop, scatter, ... */
    int threads;      /* OpenMP threads per rank that did the work */
    int ranks;        /* MPI ranks (1 without MPI) */
    uint64_t n;       /* input items, whatever the operations per item */
    mt_work work;
    int warmup, repeat;
    mt_stats time;
    double ideal_s; /* the model's time; NAN where there is no model (work none) */
    /* the whole run's serial phases around the timed part, in seconds: reading and checking the list; from the
     * end of the runs to the record (self-check, result lines, trace); from the start to the record */
    double read_s, output_s, end_to_end_s;
    double runs_s;           /* of end_to_end_s, the time in the runs themselves: the timed ones and the warm-ups */
    bool valid;              /* the self-check passed */
    const char *mpi_library; /* MPI_Get_library_version's first line, or NULL: not an MPI run */
    const char *const *rank_hosts; /* the host each of the ranks ran on, in rank order; NULL: this host */
    const mt_place *places;        /* where each worker ran (rank-then-thread order), place_count of them */
    int place_count;
    json_t *fields;  /* optional: the program's own scalar fields: JSON keys and CSV columns after the common ones,
                      * in their order (a field named as a common column, "work", takes its value in its place);
                      * the record's owner frees it */
    json_t *details; /* optional: more keys for the JSON object only (nested data); the owner frees it */
    /* What the timed runs cost: CPU seconds of every thread (under MPI, summed over the ranks), user and system
     * apart, over cpu_wall_s wall seconds of the same windows (cpus_busy = their quotient); NAN: unknown. */
    double cpu_user_s, cpu_sys_s, cpu_wall_s;
    double cpu_queue_s;       /* seconds the threads were ready to compute but queued for a CPU (summed over ranks) */
    double max_rss_mib;       /* peak resident memory, MiB (under MPI the largest rank's) */
    double machine_busy;      /* CPUs other work kept busy, on average, during the timed runs; NAN: unknown */
    const mt_sample *samples; /* the timed runs in order, time.count of them: times_s */
    int argc;                 /* the command line, argc words of argv (command, passwords masked) */
    char *const *argv;
    mt_record_hooks hooks; /* what the program says of its own run (zero: the common words) */
} mt_record;

/* The summary's thresholds, in CPUs busy on average over the timed runs (cpus_busy): below the first the run
 * mostly waited, from the second on it computed on several CPUs at once; a machine whose other work kept at
 * least MT_MACHINE_BUSY_CPUS busy is called busy. The summary wraps at MT_SUMMARY_COLUMNS. */
#define MT_WAITING_BELOW_CPUS 0.5
#define MT_PARALLEL_FROM_CPUS 1.5
#define MT_MACHINE_BUSY_CPUS 0.5
#define MT_QUEUED_CPUS 0.25    /* from this many CPUs wanted but not had, the summary says so */
#define MT_QUEUED_PER_BUSY 9.0 /* queued time credited as wanted CPUs: at most 9 times the CPUs the run got */
enum { MT_SUMMARY_COLUMNS = 80 };

/* The version of the record's layout (schema_version): raised when a key changes meaning or goes away. */
enum { MT_RECORD_SCHEMA_VERSION = 1 };

/* The average number of CPUs other work kept busy in a window of wall_s seconds in which the machine's CPUs
 * were busy machine_busy_s seconds (mt_machine_busy_s) and this run's own processes own_cpu_s: never below 0;
 * NAN when unknown. */
double mt_machine_other_cpus(double machine_busy_s, double own_cpu_s, double wall_s);

/* cpus_busy: the record's CPU seconds over the wall time of the same windows; NAN when unknown. */
double mt_record_cpus_busy(const mt_record *record);

/* What the summary says of cpus_busy, in a student's words: "waiting (concurrency)" and the like, judged by the
CPUs the run wanted: those it kept busy and those its threads queued for (queued_cpus, NAN: unknown), so that a
run held back by other work reads as computing, with how many more CPUs it wanted. Writes at most size bytes. */
void mt_cpu_words(double cpus_busy, double queued_cpus, int workers, char *out, size_t size);

/* The rest of end_to_end_s: setting the run up (memory touched, the team started, the priming pass). */
double mt_record_setup_s(const mt_record *record);

/* Amdahl's serial fraction of one run, as the record's phases imply it: what the whole run spent outside its
 * runs (reading, setting up, the priming pass, checking, printing: end_to_end_s - runs_s), over that and one
 * run's median. */
double mt_record_serial_fraction(const mt_record *record);

/* A JSON string of text, whatever its bytes: jansson refuses invalid UTF-8, so a byte that is not part of
 * valid UTF-8 becomes "\xHH" (kept, never dropped). NULL text gives JSON null. */
json_t *mt_json_text(const char *text);

/* The record as a JSON object: the common columns and the program's fields in order (the CSV columns), then
 * details' keys. NULL when out of memory. */
json_t *mt_record_to_json(const mt_record *record);
/* One JSON object on one line of out. */
mt_status mt_record_print_json(mt_output *out, const mt_record *record, mt_error *err);
/* The header line (unless header is false) and one row: every scalar key of the JSON object, in order. */
mt_status mt_record_print_csv(mt_output *out, const mt_record *record, bool header, mt_error *err);

/* A CSV field, quoted as RFC 4180 asks when it holds a comma, a quote or a line break. */
void mt_csv_print_string(FILE *out, const char *s);

/* The common CSV columns, in order, NULL-terminated; a program's own fields follow them. */
extern const char *const mt_record_columns[];

/* Whether to colour what goes to the file descriptor fd: only a terminal, never under NO_COLOR (set and not
 * empty, as no-color.org asks) or TERM=dumb. */
bool mt_color_wanted(int fd);

/* The short human summary on stderr after a run: mode, workers, median/min/max, ideal and ratio. */
void mt_print_summary(FILE *out, const mt_record *record);

#endif
