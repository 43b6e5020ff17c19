/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_job.h - everything around the transfers that download.c teaches: the transfers of the list, what they
 * share (the folder, download_folder.h; the connection pool of the tasks), the start of the team, the tally of a
 * tasks run, and the descriptor check around the runs (download_limits.h). What is reported after the runs is
 * download_report.h's; the retries, download_retry.h's. */
#ifndef DOWNLOAD_JOB_H
#define DOWNLOAD_JOB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <omp.h>

#include "cli.h"
#include "download_cli.h"
#include "download_output.h"
#include "download_transfer.h"
#include "download_urls.h"

/* A tasks run's tally: the transfers started and finished, and where a thread with nothing left to start
 * sleeps until the last one ends (download_tally_finished). */
typedef struct {
    atomic_size_t started, finished;
    size_t count;
    pthread_mutex_t lock;
    pthread_cond_t all_finished;
} download_task_tally;

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
    download_task_tally tally;
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

/* Tasks mode, around each transfer: started counts it started; finished counts it finished and, when every
 * transfer has started, sleeps until the last one ends. A thread with no transfer left to run so waits here, in the
 * kernel, and not in the OpenMP runtime's barrier (where libomp's threads spin while tasks are running, whatever
 * the wait policy); nothing is queued then, so no task waits for it. download_tally_reset before each run. */
void download_tally_reset(download_task_tally *tally, size_t count);
void download_tally_started(download_task_tally *tally);
void download_tally_finished(download_task_tally *tally);

/* Close the pool (its connections) and the folder, warn if descriptors leaked, free the transfers. */
mt_status download_job_close(download_job *job, mt_error *err);

#endif
