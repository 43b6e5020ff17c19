/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_output.h - the one place download prints while transfers run: whole lines on stdout, and a
 * progress bar on stderr (only when stderr is a terminal), never torn by another thread's output. */
#ifndef DOWNLOAD_OUTPUT_H
#define DOWNLOAD_OUTPUT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <omp.h>

#include "report.h"

typedef struct {
    mt_output *lines;     /* where the lines of the files saved go */
    bool bar;             /* draw the bar (stderr is a terminal, not --quiet) */
    uint64_t total_files; /* of this run */
    atomic_uint_fast64_t files_done, bytes;
    double started_at, drawn_at; /* mt_now(); drawn_at is guarded by lock */
    omp_lock_t lock;             /* guards the terminal: the bar and the lines */
} download_output;

void download_output_init(download_output *out, mt_output *lines, bool bar);
void download_output_destroy(download_output *out);
/* A new run of total_files transfers: counters to zero, the clock restarted. */
void download_output_start_run(download_output *out, uint64_t total_files);
/* Count bytes received; redraw the bar if it is due and nobody else is drawing (never waits). */
void download_output_add_bytes(download_output *out, uint64_t bytes);
/* Count one transfer done (success or not) and print line (may be NULL) as a whole line on stdout. */
void download_output_file_done(download_output *out, const char *line);
/* Remove the bar from the terminal (at the end of a run). */
void download_output_clear_bar(download_output *out);

#endif
