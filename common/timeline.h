/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* timeline.h - when each unit of work ran, on which worker: recorded during a run, then written as a
 * trace (Trace Event Format JSON for Perfetto or chrome://tracing, or CSV), summed up in numbers
 * (mean concurrency, most units in flight, each worker's busy fraction), or drawn on the terminal.
 *
 * Recording: mt_timeline_init preallocates everything before the run. Up to MT_TIMELINE_CAP units a run,
 * every unit has its own slot, written only by the thread that runs it: no lock, no allocation on the hot
 * path. Past the cap, each worker keeps one event per kind of work for its whole share (its chunk), so
 * memory stays bounded whatever n is; the output says so. Times are seconds on the monotonic clock since
 * the run's start (mt_timeline_start; under MPI each rank's clock starts after the barrier).
 *
 * What the events are is the program's to say (mt_event_style): the names of its kinds of work, the
 * numbers it attaches to each event, and the names of its items. */
#ifndef MT_TIMELINE_H
#define MT_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "placement.h"
#include "status.h"

enum {
    MT_TIMELINE_CAP = 100000, /* units recorded one by one; past it, one event per worker and kind */
    MT_EVENT_KINDS = 4,       /* an event's kind is below this */
    MT_EVENT_FIELDS = 3,      /* numbers a program may attach to an event (download: bytes, status, retries) */
};

/* One unit of work, or one worker's chunk of them (count > 1). Plain data: MPI moves it as bytes. */
typedef struct {
    double start_s, end_s;
    uint64_t item;                   /* the item's index in the list (a chunk: its first item) */
    uint64_t count;                  /* units it covers; 0 marks an empty slot */
    int64_t value;                   /* the item's value (a chunk: its first item's) */
    int64_t fields[MT_EVENT_FIELDS]; /* the program's numbers, named by its mt_event_style */
    int32_t kind;                    /* what work it was: an index into the style's kinds */
    int32_t thread;                  /* OpenMP thread number */
    int32_t rank;                    /* MPI rank; 0 without MPI */
    int32_t failed;                  /* the unit failed (a chunk: one of its units did) */
    int32_t cpu;                     /* the CPU it ended on (a chunk: its first unit's); -1: unknown */
    double cpu_s; /* CPU seconds its thread used over it (a chunk: summed over its units); NAN: not measured */
} mt_event;

/* How a chunk past the cap sums up its units' field. */
typedef enum {
    MT_FIELD_SUM,          /* the sum of its units' values (bytes, retries) */
    MT_FIELD_FAILURE_WINS, /* a failed unit's value if one failed, else the last unit's (a status) */
} mt_field_merge;

typedef struct {
    const char *name;    /* its category in the trace and the chart's legend: "square"; NULL: unused */
    const char *letters; /* two letters, alternating item by item in the chart: "Ss" */
    const char *color;   /* the ANSI colour of its bars */
} mt_event_kind;

/* What a program's events are: the names of their kinds and fields, and how a chunk merges its fields. */
typedef struct {
    mt_event_kind kinds[MT_EVENT_KINDS]; /* indexed by mt_event.kind */
    const char *fields[MT_EVENT_FIELDS]; /* the names of the fields in use (trace args, CSV columns); NULL: unused */
    mt_field_merge merge[MT_EVENT_FIELDS];
    const char *item_label; /* with per-item names (mt_trace.item_names): their column's name ("url") */
} mt_event_style;

/* Squares and cubes (kinds MT_OP_SQUARE and MT_OP_CUBE), no fields: the number programs' events. */
extern const mt_event_style mt_power_events;

typedef struct {
    mt_event *slots;
    uint64_t slot_count;
    bool per_unit; /* one slot per unit; false: one per worker and kind (the cap was passed) */
    int workers;
    int rank;
    const mt_event_style *style;
    double origin; /* mt_now() at the run's start */
} mt_timeline;

/* Preallocate for units units of work on at most workers threads (numbered 0 to workers - 1), as rank rank,
 * events of style. blocks: one event per worker's block whatever units is (work too short to time item by
 * item). */
mt_status mt_timeline_init(mt_timeline *timeline, uint64_t units, int workers, int rank, bool blocks,
                           const mt_event_style *style, mt_error *err);
void mt_timeline_free(mt_timeline *timeline);
/* Empty the slots and start the run's clock at origin (an mt_now() value). */
void mt_timeline_start(mt_timeline *timeline, double origin);

/* The one place a unit's event lives: its own slot up to the cap, its worker's slot for its kind past it.
 * Either way only the thread that runs the unit writes there: no lock. */
static inline mt_event *mt_timeline_slot(const mt_timeline *t, uint64_t unit, int thread, int kind)
{
    return &t->slots[t->per_unit ? unit : (uint64_t)thread * MT_EVENT_KINDS + (uint64_t)kind];
}

/* The start of a unit of work on the calling thread: returns mt_now(), to be handed to mt_timeline_record_units
 * as the unit's start, and notes the thread's CPU clock beside it, so that the unit's event carries the CPU
 * seconds its thread used over it (cpu_s). Units that overlap on one thread (a multi handle's transfers) each
 * get their thread's CPU over their own span, shared with the others in flight. A start not taken here records
 * cpu_s as unknown. */
double mt_timeline_item_start(void);

/* What a unit adds to its event: its fields, in the style's order, and whether it failed. */
typedef struct {
    int64_t fields[MT_EVENT_FIELDS];
    bool failed;
} mt_event_outcome;

/* Record count units (the first is unit first_unit, of item first_item and value first_value), of kind
 * kind, run by thread from start to end (mt_now() values); outcome may be NULL. Safe from many threads at
 * once for different units. */
void mt_timeline_record_units(mt_timeline *timeline, uint64_t first_unit, uint64_t first_item, int64_t first_value,
                              uint64_t count, int kind, int thread, double start, double end,
                              const mt_event_outcome *outcome);

/* One unit (0-based, < units) of item item: the common case. */
static inline void mt_timeline_record(mt_timeline *t, uint64_t unit, uint64_t item, int64_t value, int kind, int thread,
                                      double start, double end)
{
    mt_timeline_record_units(t, unit, item, value, 1, kind, thread, start, end, NULL);
}

/* The filled slots, packed to the front; returns how many. */
uint64_t mt_timeline_pack(mt_timeline *timeline);

/* A whole run's events (every rank's, under MPI) and what describes them. */
typedef struct {
    const mt_event *events;
    uint64_t count;
    const char *const *hosts; /* per rank */
    int ranks;
    bool aggregated;               /* events are workers' chunks */
    bool overlapping;              /* units overlap on one thread (download --mode multi): async events */
    const mt_event_style *style;   /* the names of the kinds and fields */
    const char *const *item_names; /* per item (download: its URL), or NULL: the kind and the value name it */
    const char *program, *mode;
    const mt_place *places; /* where the workers ran, place_count of them; or NULL */
    int place_count;
    bool waits;     /* the work waits (sleep, transfers): workers sharing CPUs is no news */
    double wall_s;  /* the run's time */
    double ideal_s; /* NAN when there is no model */
    /* the record's cpus_busy and machine_busy (NAN: unknown), for a picture's title: how many CPUs the run kept
     * busy, and how many other work did */
    double cpus_busy, machine_busy;
} mt_trace;

/* Check up front that path can be written as a trace (.json or .csv): MT_ERR_USAGE naming it if not. */
mt_status mt_trace_check_path(const char *path, mt_error *err);
/* Write the trace to path (format from its extension), whole or not at all (a temporary file renamed). A new
 * file is made 0666 less the umask; a file replaced keeps its permissions. */
mt_status mt_trace_write(const mt_trace *trace, const char *path, mt_error *err);
/* The numbers: events, aggregated, mean_concurrency, max_in_flight, busy_fraction per worker. */
json_t *mt_trace_summary(const mt_trace *trace);
/* One line for --verbose. */
void mt_trace_print_summary(FILE *out, const mt_trace *trace);
/* The terminal chart: a row per worker (or per transfer slot when units overlap on one thread), time
 * across, within 80 columns, the scale and a legend; colour when color is true. */
void mt_trace_print_gantt(FILE *out, const mt_trace *trace, bool color);

#endif
