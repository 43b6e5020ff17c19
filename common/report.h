/* report.h - what a run prints: the original lesson's human lines, and the one record every program
 * reports (JSON keys = CSV columns), with the provenance that makes a number reproducible. */
#ifndef MT_REPORT_H
#define MT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "kernel.h"
#include "status.h"
#include "timer.h"

/* "2 ^ 3 = 8": one whole line on stdout, flushed at once, never torn by another thread's line. */
void mt_print_power(int64_t base, mt_operation op, int64_t value);
/* The last human line of every program and mode: "Execution Time: SECONDS". */
void mt_print_execution_time(double seconds);

typedef struct {
    const char *program;
    const char *mode;         /* seq, sections, tasks, loop, scatter, ... */
    const char *transport;    /* cube_mpi only; NULL elsewhere */
    uint64_t chunk;           /* cube_mpi --chunk K: items per rank per round; 0: none */
    int threads;              /* OpenMP threads per rank that did the work */
    const char *workers_note; /* the summary's words for the workers where "N threads" would mislead */
    int ranks;                /* MPI ranks (1 without MPI) */
    uint64_t n;               /* input items, whatever the operations per item */
    mt_work work;
    const char *work_label; /* overrides the work's name in the record ("download"); NULL: the work's */
    int warmup, repeat;
    mt_stats time;
    double ideal_s;          /* the model's time; NAN where there is no model (work none) */
    bool valid;              /* the self-check passed */
    const char *mpi_library; /* MPI_Get_library_version's first line, or NULL */
    const char *libcurl;     /* curl_version(), or NULL */
    json_t *details;         /* optional: more keys for the JSON object only (nested data); stolen */
} mt_record;

/* The record as a JSON object: the CSV columns in order, then details' keys. NULL when out of memory. */
json_t *mt_record_to_json(const mt_record *record);
/* One JSON object on one line of out. */
mt_status mt_record_print_json(FILE *out, const mt_record *record, mt_error *err);
/* The header line (unless header is false) and one row. */
mt_status mt_record_print_csv(FILE *out, const mt_record *record, bool header, mt_error *err);

/* A CSV field, quoted as RFC 4180 asks when it holds a comma, a quote or a line break. */
void mt_csv_print_string(FILE *out, const char *s);

/* The CSV columns, in order, NULL-terminated. */
extern const char *const mt_record_columns[];

/* The short human summary on stderr after a run: mode, workers, median/min/max, ideal and ratio. */
void mt_print_summary(FILE *out, const mt_record *record);

#endif
