/* cli.h - the options every program shares, parsed in one place (getopt_long), as OSU's benchmarks do:
 * parsing returns a status and never prints or exits; each main decides what to print and how to end. */
#ifndef MT_CLI_H
#define MT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel.h"
#include "numbers.h"
#include "report.h"
#include "status.h"
#include "timeline.h"

/* Options only some programs take. */
enum {
    MT_FEATURE_ORDERED = 1 << 0,   /* --ordered: print results in input order */
    MT_FEATURE_CHUNK = 1 << 1,     /* --chunk K: stream the list in rounds */
    MT_FEATURE_EXPLAIN = 1 << 2,   /* --explain: print how the list is split */
    MT_FEATURE_TRANSPORT = 1 << 3, /* --transport scatter|shared: how ranks get their items */
};

typedef struct {
    const char *name;         /* "square_cube" */
    const char *summary;      /* one line: what it teaches */
    const char *const *modes; /* NULL-terminated names for --mode, the default first; NULL: no --mode */
    const char *modes_help;   /* lines describing the modes */
    unsigned features;        /* MT_FEATURE_* */
    const char *notes;        /* what is timed, what n counts, examples */
} mt_program;

typedef enum { MT_FORMAT_TEXT, MT_FORMAT_JSON, MT_FORMAT_CSV } mt_format;

typedef struct {
    const char *mode;
    /* the number list: one of positional numbers, --input, --generate, or the default */
    char **numbers;
    int numbers_count;
    const char *input_path;
    bool generate;
    uint64_t generate_count;
    uint64_t seed;
    mt_work work;
    int threads; /* -t; 0 leaves OMP_NUM_THREADS (or the runtime's default) in charge */
    int warmup, repeat;
    mt_format format;
    bool header; /* CSV header line; --no-header clears it */
    bool verbose, quiet, ordered, explain;
    uint64_t chunk;            /* 0: no chunking */
    const char *transport;     /* --transport: "scatter" (the default) or "shared" */
    const char *timeline_path; /* --timeline FILE (.json or .csv); NULL: none */
    bool gantt;                /* --gantt: the chart on stderr after the run */
} mt_options;

typedef enum { MT_CLI_RUN, MT_CLI_HELP, MT_CLI_VERSION, MT_CLI_BAD_USAGE } mt_cli_result;

/* Parse argv into options. MT_CLI_BAD_USAGE fills err with one line naming what was wrong. */
mt_cli_result mt_cli_parse(int argc, char **argv, const mt_program *program, mt_options *options, mt_error *err);

void mt_cli_print_help(FILE *out, const mt_program *program);
void mt_cli_print_version(FILE *out, const mt_program *program);
/* The defaults and the options in force, for --verbose. */
void mt_cli_print_settings(FILE *out, const mt_program *program, const mt_options *options);

/* Open the number list the options name (the default list when they name none). */
mt_status mt_cli_open_source(const mt_options *options, mt_source *source, mt_error *err);

/* Read the whole list, refusing up front one that cannot fit in memory at bytes_per_item, and check
 * every cube fits in int64. */
mt_status mt_cli_read_numbers(const mt_options *options, uint64_t bytes_per_item, mt_numbers *numbers, mt_error *err);

/* Strict option-value parsers: the message names the option and the value. */
mt_status mt_parse_count(const char *text, const char *option, uint64_t min, uint64_t max, uint64_t *out,
                         mt_error *err);
mt_status mt_parse_seconds(const char *text, const char *option, double max, double *out, mt_error *err);

/* Warn on stderr when the median run is shorter than MT_MIN_TICKS_PER_RUN clock ticks. */
void mt_warn_if_too_short(const char *program, double median_s);

/* The start of every main: parse argv; print help, version or the usage error here; apply -t and print
 * the settings for --verbose. Returns -1 when the program should run, otherwise the exit code to
 * return at once. */
int mt_cli_start(int argc, char **argv, const mt_program *program, mt_options *options);

/* The end of every main: print err when status is a failure; returns the exit code. */
int mt_cli_finish(const mt_program *program, mt_status status, const mt_error *err);

/* The run's closing output as the options ask: the 'Execution Time' line and the summary on stderr
 * (text), the JSON object, or the CSV row; then the too-short warning when it applies. */
mt_status mt_cli_report(const mt_program *program, const mt_options *options, const mt_record *record, mt_error *err);

/* Whether to record the timeline: for --timeline, --gantt, and the numbers of --json and --verbose. */
bool mt_cli_wants_timeline(const mt_options *options);

/* After the run: the timeline as the options ask (the file, the chart, the --verbose line); its numbers
 * go into *details under "timeline" (a new object when *details is NULL). */
mt_status mt_cli_timeline(const mt_program *program, const mt_options *options, const mt_trace *trace, json_t **details,
                          mt_error *err);

/* mt_cli_timeline for a run of one process (this host, rank 0): the recorded events as its trace. */
mt_status mt_cli_local_timeline(const mt_program *program, const mt_options *options, mt_timeline *timeline,
                                const char *mode, double wall_s, double ideal_s, json_t **details, mt_error *err);

#endif
