/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_multi.h - the transfers' side of download's multi loop: a multi handle holding at most jobs transfers,
 * each put on it (a first attempt or a retry), taken off when it is done (finished, or queued for its retry), the
 * wait for the next event, and the clean-up of whatever a signal or an error left on it. */
#ifndef DOWNLOAD_MULTI_H
#define DOWNLOAD_MULTI_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "download_job.h"
#include "download_retry.h"
#include "status.h"

typedef struct {
    CURLM *handle;
    size_t jobs;      /* transfers on it at once, at most */
    size_t in_flight; /* transfers on it now */
    size_t started;   /* the job's transfers begun so far, in the list's order */
    download_waiting waiting;
} download_multi;

/* A multi handle for job's transfers, jobs of them at once, and its retry queue. */
mt_status download_multi_open(download_multi *multi, const download_job *job, mt_error *err);

/* Whether transfers remain: not yet started, on the handle, or waiting for a retry. */
bool download_multi_busy(const download_multi *multi, const download_job *job);

/* Refill up to jobs: retries whose wait is over first, then the next transfers of the list. */
void download_multi_refill(download_multi *multi, download_job *job);

/* A transfer the handle says is done (CURLMSG_DONE): off the handle, then finished, or queued for a retry. */
mt_status download_multi_done(download_multi *multi, CURLMsg *message, mt_error *err);

/* Sleep until a socket is ready, a timeout of libcurl's is due, the next retry's time comes, or a signal
 * interrupts the run. */
mt_status download_multi_wait(download_multi *multi, mt_error *err);

/* End what is still in flight or waiting (after a signal or an error: failed, temporary files removed), free the
 * queue and the handle; returns status, or the clean-up's failure when status was MT_OK. */
mt_status download_multi_close(download_multi *multi, download_job *job, mt_status status, mt_error *err);

#endif
