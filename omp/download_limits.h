/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_limits.h - the open-file limit against the transfers in flight, and the count of open descriptors
 * (the leak check around the runs). */
#ifndef DOWNLOAD_LIMITS_H
#define DOWNLOAD_LIMITS_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

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

/* Open file descriptors of this process (-1 when they cannot be counted). */
int download_count_descriptors(void);

#endif
