/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_report.h - what download says after its runs: each failure listed, the record (valid only when every
 * transfer was) with the transfers in its details, and the end of main. */
#ifndef DOWNLOAD_REPORT_H
#define DOWNLOAD_REPORT_H

#include <stddef.h>

#include "cli.h"
#include "download_job.h"
#include "download_transfer.h"
#include "timer.h"

/* t's error as shown: a URL in it (a redirect's, libcurl's message) with its password masked, then escaped. */
void download_shown_error(const download_transfer *t, char *out, size_t size);

/* After the runs (all of them, or the one that failed): each failure on stderr, then the record (the transfers
 * in its details with --json), the trace and the summary, as mt_harness_conclude writes them. */
mt_status download_report(download_job *job, mt_options *options, const mt_repeat_plan *runs, mt_error *err);

/* The end of main: the error (its control bytes escaped) or, when a signal interrupted the runs, the line
 * "download: interrupted by SIGINT: K of N files complete"; returns the exit code (128 + the signal when
 * interrupted, else mt_harness_finish's). */
int download_exit_code(const download_job *job, mt_options *options, mt_status status, mt_error *err);

#endif
