/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_retry.h - a retry: counted and said (--verbose), and in multi mode queued until its backoff is over. */
#ifndef DOWNLOAD_RETRY_H
#define DOWNLOAD_RETRY_H

#include <stddef.h>

#include "download_transfer.h"
#include "status.h"

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
