/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_transfer.h - one URL's transfer, the same in both modes: its easy handle and options, its
 * temporary file, the verdict on each attempt (done, retry, failed) and the rename into place.
 *
 * A transfer is used by one thread at a time (one OpenMP task, or the multi loop's thread); only its
 * download_output is shared. */
#ifndef DOWNLOAD_TRANSFER_H
#define DOWNLOAD_TRANSFER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "download_cli.h"
#include "download_name.h"
#include "download_output.h"
#include "placement.h"
#include "timeline.h"

/* How a transfer reads on the timeline: one kind, download, with its bytes, HTTP status and retries. */
extern const mt_event_style download_events;

/* What every transfer shares, read-only during a run (but the output's counters). */
typedef struct {
    const download_settings *settings;
    int dir_fd;             /* the output folder, opened once */
    bool unnamed_files;     /* the folder takes unnamed files (download_unnamed_files_work) */
    long pid;               /* this process, in the names of named temporary files */
    CURLSH *share;          /* tasks mode: the connection, DNS and TLS-session caches the tasks share; or NULL */
    CURL **thread_handles;  /* tasks mode: each team thread's easy handle, by omp_get_thread_num (NULL: not made
                             * yet), reused for the transfers it runs one after another; NULL in multi mode */
    const char *user_agent; /* "multitarefas-download/VERSION" */
    download_output *output;
    bool print_lines;        /* a line on stdout for each file saved (this run) */
    bool verbose;            /* retries on stderr */
    mt_timeline *timeline;   /* NULL: not recording; else one slot per transfer, written by its own thread */
    mt_placement *placement; /* where each thread ran its transfers; each thread writes its own entry */
} download_shared;

typedef enum { DOWNLOAD_DONE, DOWNLOAD_RETRY, DOWNLOAD_FAILED } download_verdict;

typedef struct {
    /* set once, before the first run */
    const char *url;       /* for the transfer only: messages show shown_url */
    const char *shown_url; /* download_shown_url's: its password masked, escaped (the job's) */
    char name[DOWNLOAD_NAME_SIZE];
    size_t index;
    const download_shared *shared;
    /* the outcome, reset at each run */
    bool ok;
    long http_status;                  /* the last response's status, 0 when none */
    uint64_t bytes;                    /* body bytes received and written by the last attempt */
    int retries;                       /* attempts after the first */
    double seconds;                    /* from the first attempt's start to the end */
    char error[CURL_ERROR_SIZE + 128]; /* empty when ok */
    /* while it runs */
    atomic_bool running; /* from download_transfer_begin to its finish: thread may be woken by a signal */
    pthread_t thread;    /* the thread that runs it (set before running) */
    CURL *easy;
    bool thread_handle; /* easy is its thread's (kept after the transfer), not its own */
    int fd;             /* the temporary file, -1 when none */
    char temp_name[96];
    uint64_t written;
    bool too_large, http_error, write_failed;
    int write_errno, socket_errno; /* socket_errno: why the last socket could not be opened (EMFILE ...) */
    double started_at, retry_at;
    char curl_error[CURL_ERROR_SIZE];
} download_transfer;

/* Fill the fixed part: url (borrowed), its file name, its index. */
void download_transfer_init(download_transfer *t, const char *url, size_t index, const download_shared *shared);

/* Start: clear the outcome, create the temporary file (an unnamed one where the folder takes them, so that
 * nothing is left to remove whatever ends the process) and the easy handle with every option set.
 * false when that fails (the transfer is then finished, failed), or when the run is interrupted (then it
 * never starts: nothing is created, and it counts as failed). */
bool download_transfer_begin(download_transfer *t);

/* Before each attempt: an empty temporary file and zeroed counters. false (and finished) on failure, or
 * when the run is interrupted. */
bool download_transfer_prepare_attempt(download_transfer *t);

/* The verdict on the attempt that ended with result. DOWNLOAD_RETRY: call download_transfer_retry_delay,
 * wait, prepare and try again. Otherwise call download_transfer_finish. */
download_verdict download_transfer_judge(download_transfer *t, CURLcode result);

/* Seconds to wait before the next retry: --retry-delay doubled per retry already made, capped. */
double download_transfer_retry_delay(const download_transfer *t);

/* End a transfer the run gives up on (interrupted): its temporary file removed, failed. */
void download_transfer_cancel(download_transfer *t);

/* End: on success link or rename the temporary file into place (or fail), else remove it; free the handle; record
 * the transfer on the timeline (from download_transfer_begin to now, on the calling thread); print the line
 * and count the file done. The caller must have removed the handle from any multi handle. */
void download_transfer_finish(download_transfer *t, bool success);

#endif
