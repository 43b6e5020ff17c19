/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* cli.h - the command line of every program, parsed in one place, as OSU's benchmarks parse theirs: one
 * getopt_long table holds the options every program shares and the ones a program adds of its own (its
 * mt_program says which, with their help, and parses their values). Parsing returns a status and never
 * prints or exits; each main decides what to print and how to end.
 * What runs a program after parsing (input, repeats, record, exit code) is the harness (harness.h). */
#ifndef MT_CLI_H
#define MT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel.h"
#include "numbers.h"
#include "output_file.h"
#include "report.h"
#include "status.h"
#include "timeline.h"

/* The suite's version, the same in every program (--version, download's User-Agent). */
extern const char mt_version[];

/* One option of a program's own (cube_mpi's --chunk, download's --jobs), or of the shared table. A
 * program's option with the name or the letter of a shared one takes its place. */
typedef struct {
    const char *name;    /* --NAME */
    char letter;         /* -L, or 0 */
    const char *value;   /* the value's name in --help ("K"); NULL: a flag */
    const char *help;    /* its --help text; each '\n' starts a line under the one before */
    const char *section; /* starts a section of --help with this heading; NULL: in the section before */
} mt_option;

/* A program's own options: it parses their values into its own settings. index is the option's place in
 * mt_program.options; value is NULL for a flag. MT_ERR_USAGE with a message naming the option and the value. */
typedef mt_status (*mt_option_parser)(void *settings, int index, const char *value, mt_error *err);

typedef struct mt_options mt_options;

typedef struct {
    const char *name;         /* "square_cube" */
    const char *summary;      /* what it teaches, a line or two */
    bool numbers;             /* takes a number list (NUMBER..., --input, --generate, --work, --delay) */
    const char *operands;     /* --help's words for the arguments: "[--] [NUMBER]..." */
    const char *const *modes; /* NULL-terminated names for --mode, the default first; NULL: no --mode */
    const char *modes_help;   /* lines describing the modes */
    const mt_option *options; /* the program's own options; NULL: none */
    int option_count;
    mt_option_parser parse_option;
    /* After parsing: a check of the program's options against the rest (NULL: none). */
    mt_status (*check)(void *settings, const mt_options *options, mt_error *err);
    /* --verbose: the program's own settings in force (NULL: none). */
    void (*print_settings)(FILE *out, const void *settings);
    /* The mode the record names when the program has no --mode (cube_omp's "loop", cube_mpi's transport), for
     * --verbose; NULL: none. */
    const char *(*record_mode)(const void *settings);
    const char *notes;       /* what is timed, what n counts, examples */
    const char *exit_status; /* the exit codes in the program's words; NULL: the number programs' */
    /* --version: the lines "MPI: ..." and "libcurl: ..." of the libraries the program uses (NULL: none). */
    void (*print_libraries)(FILE *out);
} mt_program;

typedef enum { MT_FORMAT_TEXT, MT_FORMAT_JSON, MT_FORMAT_CSV } mt_format;

struct mt_options {
    const char *mode;
    /* what follows the options: numbers, or a program's own operands (URLs) */
    char **operands;
    int operand_count;
    /* the number list (programs with numbers): the operands, --input, --generate, or the default */
    const char *input_path;
    bool generate;
    uint64_t generate_count;
    uint64_t seed;
    mt_work work;
    int threads; /* -t; 0 leaves OMP_NUM_THREADS (or the runtime's default) in charge */
    int warmup, repeat;
    mt_format format;
    bool header; /* CSV header line; --no-header clears it */
    bool verbose, quiet;
    const char *timeline_path; /* --timeline FILE (.json or .csv); NULL: none */
    bool gantt;                /* --gantt: the chart on stderr after the run */
    mt_output output;          /* standard output, where the results and the record go, checked */
    const char *output_path;   /* --output FILE: the result lines go there; NULL: to standard output */
    mt_output_file results;    /* FILE, once opened (mt_harness_start; cube_mpi: rank 0, when it is not regular) */
    mt_output *lines;          /* where the result lines go: &output, or &results.output */
    /* the whole run's clock, for the record's phases (mt_now() values and seconds) */
    double started_at; /* the command line parsed */
    double read_s;     /* reading and checking the list */
    double runs_end;   /* the runs over (mt_harness_record) */
    /* the command line as given, for the record's command */
    int argc;
    char **argv;
};

typedef enum { MT_CLI_RUN, MT_CLI_HELP, MT_CLI_VERSION, MT_CLI_BAD_USAGE } mt_cli_result;

/* Parse argv into options and the program's settings. MT_CLI_BAD_USAGE fills err with one line naming what
 * was wrong and pointing to --help. */
mt_cli_result mt_cli_parse(int argc, char **argv, const mt_program *program, mt_options *options, void *settings,
                           mt_error *err);

void mt_cli_print_help(FILE *out, const mt_program *program);
/* After --help or --version on standard output: 0 when it was written whole, else (a full disk, /dev/full) the
 * error printed as one line, as ls does, and 1. */
int mt_cli_help_written(const mt_program *program);
void mt_cli_print_version(FILE *out, const mt_program *program);
/* The defaults and the options in force, for --verbose. */
void mt_cli_print_settings(FILE *out, const mt_program *program, const mt_options *options, const void *settings);

/* Strict option-value parsers: the message names the option and the value. */
mt_status mt_parse_count(const char *text, const char *option, uint64_t min, uint64_t max, uint64_t *out,
                         mt_error *err);
mt_status mt_parse_seconds(const char *text, const char *option, double max, double *out, mt_error *err);

#endif
