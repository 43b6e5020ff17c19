/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* probe.h - the one line a kernel loop spends on being watched. MT_PROBE(&probe, i) before an item's statement
 * notes, on the thread that runs it, the clock and the thread's CPU clock as it starts, the CPU it runs on
 * (placement.h), and as it ends its event in the timeline's slot (timeline.h). MT_PROBE_BLOCK does the same for a
 * thread's whole block of items at once, where reading the clock per item would cost more than the item.
 *
 *     #pragma omp parallel for schedule(static)
 *     for (int64_t i = 0; i < n; i++)
 *         MT_PROBE (&probe, i) out[i] = mt_cube(in[i]);
 *
 * A probe with neither a timeline nor a placement (the priming pass) costs one test per item and records
 * nothing. Each thread writes only its own slots: no lock. Leaving the statement by break or goto skips the
 * record. */
#ifndef MT_PROBE_H
#define MT_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include <omp.h>

#include "placement.h"
#include "timeline.h"
#include "timer.h"

typedef struct {
    mt_timeline *timeline;   /* NULL: no events */
    mt_placement *placement; /* NULL: no CPUs noted */
    const int64_t *values;   /* item i's value, for its event */
    uint64_t first_unit;     /* item i is the timeline's unit first_unit + i */
    uint64_t first_item;     /* ... and the list's item first_item + i */
    int kind;                /* what work it is: MT_OP_SQUARE, MT_OP_CUBE */
} mt_probe;

/* What the probe noted as the statement started. */
typedef struct {
    double start; /* mt_now() with a timeline, else 0 */
    bool open;    /* the statement has not run yet */
} mt_probe_mark;

/* Whether the probe records anything at all. */
static inline bool mt_probe_on(const mt_probe *probe)
{
    return probe->timeline != NULL || probe->placement != NULL;
}

static inline mt_probe_mark mt_probe_start(const mt_probe *probe)
{
    mt_probe_mark mark = {0, true};
    if (!mt_probe_on(probe)) return mark;
    if (probe->timeline != NULL) mark.start = mt_timeline_item_start();
    mt_placement_note(probe->placement, omp_get_thread_num());
    return mark;
}

/* The end of items [first, first + count) of the probe's list, run by the calling thread. */
static inline void mt_probe_end(const mt_probe *probe, mt_probe_mark *mark, uint64_t first, uint64_t count)
{
    mark->open = false;
    if (probe->timeline == NULL || count == 0) return;
    mt_timeline_record_units(probe->timeline, probe->first_unit + first, probe->first_item + first,
                             probe->values[first], count, probe->kind, omp_get_thread_num(), mark->start, mt_now(),
                             NULL);
}

/* The statement after it is item i, run once and recorded. */
#define MT_PROBE(probe, i)                                                                                             \
    for (mt_probe_mark probe_mark_ = mt_probe_start(probe); probe_mark_.open;                                          \
         mt_probe_end(probe, &probe_mark_, (uint64_t)(i), 1))

/* The statement after it is items [first, last), run once and recorded as one event. */
#define MT_PROBE_BLOCK(probe, first, last)                                                                             \
    for (mt_probe_mark probe_mark_ = mt_probe_start(probe); probe_mark_.open;                                          \
         mt_probe_end(probe, &probe_mark_, (uint64_t)(first), (uint64_t)(last) - (uint64_t)(first)))

#endif
