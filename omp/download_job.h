/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_job.h - everything around the transfers that download.c teaches: the transfers of the list, the
 * output folder, the connection pool the tasks share, the start of the team, the retries waiting in multi
 * mode, and what is reported after (the failures, the transfers in the record, the descriptor check). */
#ifndef DOWNLOAD_JOB_H
#define DOWNLOAD_JOB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>
#include <omp.h>

#include "cli.h"
#include "download_cli.h"
#include "download_output.h"
#include "download_transfer.h"
#include "download_urls.h"

/* The end of a tasks run: the transfers started and finished, and where a thread with nothing left to start
 * sleeps until the last one ends (download_tail_end). */
typedef struct {
    atomic_size_t started, finished;
    size_t count;
    pthread_mutex_t lock;
    pthread_cond_t all_finished;
} download_tail;

typedef struct {
    download_transfer *transfers;
    size_t count;
    char **shown_urls; /* each URL as it is shown (mt_escape_copy): messages, record, trace */
    download_shared shared;
    download_output output;
    int jobs;         /* transfers at once: -j, or fewer when the open-file limit cannot hold them */
    int team_size;    /* threads that ran the tasks (1 in multi mode) */
    size_t failed;    /* transfers that failed in the last run */
    size_t complete;  /* transfers of the last run that saved their file */
    double last_s;    /* the last run's time, kept even when it failed (the timeline's span) */
    bool print_lines; /* text output and not --quiet: a line per file saved */
    int descriptors_before;
    bool ready; /* initialized: the locks and the output exist */
    omp_lock_t share_locks[CURL_LOCK_DATA_LAST];
    download_tail tail;
    mt_placement placement;
    char user_agent[64];
} download_job;

/* The transfers of urls, each with its file name, and what they share. Nothing is created on disk. */
mt_status download_job_init(download_job *job, const download_url_list *urls, const download_settings *settings,
                            mt_options *options, mt_error *err);

/* --dry-run: "FILE<TAB>URL" for each transfer, on standard output. */
void download_job_print_plan(download_job *job, mt_options *options);

/* Before the runs: the output folder (created, and proved writable), the timeline, the descriptors the
 * transfers need (see download_fit_descriptors), the signal handlers (download_interrupts_install), the
 * connection pool and the team of the tasks mode (started now, untimed: the first parallel region costs
 * milliseconds). */
mt_status download_job_open(download_job *job, mt_options *options, mt_timeline *timeline, mt_error *err);

/* Tasks mode, around each transfer: begin counts it started; end counts it finished and, when every transfer
 * has started, sleeps until the last one ends. A thread with no transfer left to run so waits here, in the
 * kernel, and not in the OpenMP runtime's barrier (where libomp's threads spin while tasks are running, whatever
 * the wait policy); nothing is queued then, so no task waits for it. download_tail_reset before each run. */
void download_tail_reset(download_tail *tail, size_t count);
void download_tail_begin(download_tail *tail);
void download_tail_end(download_tail *tail);

/* Descriptors a transfer in flight may hold, measured with libcurl 7.88: its temporary file, its socket (or
 * the socket pair of a name lookup before it), one idle connection in the pool for each transfer at once,
 * and in tasks mode the socket pair of the multi handle that curl_easy_perform keeps inside each easy
 * handle. Reserved: what opens later beside them (the trace, libcurl's CA file, its multi handle's pair). */
enum { DOWNLOAD_FDS_PER_TASK = 6, DOWNLOAD_FDS_PER_MULTI_TRANSFER = 4, DOWNLOAD_FDS_RESERVED = 16 };

/* The open-file limit against jobs transfers at once (each mode's cost above, on top of the descriptors
 * open now): the soft limit is raised toward the hard one as far as needed; where even the hard limit
 * cannot hold them, *jobs is lowered to what it holds, with a warning. MT_ERR_RUNTIME when not even one
 * transfer fits. */
mt_status download_fit_descriptors(int *jobs, size_t transfers, bool tasks, mt_error *err);

/* The end of main: the error (its control bytes escaped) or, when a signal interrupted the runs, the line
 * "download: interrupted by SIGINT: K of N files complete"; returns the exit code (128 + the signal when
 * interrupted, else mt_cli_finish's). */
int download_job_finish(const download_job *job, mt_options *options, mt_status status, mt_error *err);

/* After the runs: each failure listed on stderr, and the transfers in the record's details (JSON). */
void download_job_report(const download_job *job, const mt_options *options, mt_record *record);

/* Close the pool (its connections) and the folder, warn if descriptors leaked, free the transfers. */
mt_status download_job_close(download_job *job, mt_error *err);

/* Multi mode's retries waiting for their time: a transfer that may pass on a new attempt waits there for
 * its backoff, then goes back on the multi handle. */
typedef struct {
    download_transfer **items;
    size_t count;
} download_waiting;

mt_status download_waiting_init(download_waiting *waiting, size_t capacity, mt_error *err);
void download_waiting_free(download_waiting *waiting);
/* Count the retry (a warning with --verbose), and queue t until its backoff is over. */
void download_waiting_add(download_waiting *waiting, download_transfer *t);
/* A transfer whose wait is over, taken off the queue; NULL when none is due. */
download_transfer *download_waiting_due(download_waiting *waiting);
/* Milliseconds until the next retry is due (0: one is due now), at most limit_ms. */
int download_waiting_ms(const download_waiting *waiting, int limit_ms);

/* Count the retry t is about to make and say why with --verbose; returns the seconds to wait before it. */
double download_note_retry(download_transfer *t);

#endif
