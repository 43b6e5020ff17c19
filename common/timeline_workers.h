/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* timeline_workers.h - inside the timeline (not for programs): a trace's events by worker, as the trace files,
 * the summary and the chart read them. */
#ifndef MT_TIMELINE_WORKERS_H
#define MT_TIMELINE_WORKERS_H

#include <stddef.h>
#include <stdint.h>

#include "timeline.h"

/* A copy of the events sorted by worker (rank, then thread), then start; free() releases it. NULL: no memory. */
mt_event *mt_trace_sorted_by_worker(const mt_trace *trace);

/* The CPUs the worker of sorted[first] ran its events on (its events follow it in sorted), as "1" or "0-1". */
void mt_trace_worker_cpus(const mt_event *sorted, uint64_t count, uint64_t first, char *text, size_t size);

#endif
