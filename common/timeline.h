/* timeline.h - when each unit of work ran, on which worker: recorded during a run, then written as a
 * trace (Trace Event Format JSON for Perfetto or chrome://tracing, or CSV), summed up in numbers
 * (mean concurrency, most units in flight, each worker's busy fraction), or drawn on the terminal.
 *
 * Recording: mt_timeline_init preallocates everything before the run. Up to MT_TIMELINE_CAP units a
 * run, every unit has its own slot, written only by the thread that runs it: no lock, no allocation
 * on the hot path. Past the cap, each worker keeps one event for its whole share (its chunk), so
 * memory stays bounded whatever n is (one event per worker and operation); the output says so. Times are seconds on the
 * monotonic clock since the run's start (mt_timeline_start; under MPI each rank's clock starts after the barrier). */
#ifndef MT_TIMELINE_H
#define MT_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "status.h"

enum { MT_TIMELINE_CAP = 100000 }; /* units recorded one by one; past it, one event per worker */

#define MT_EVENT_DOWNLOAD 0 /* op of a download; squares and cubes use mt_operation (2, 3) */

/* One unit of work, or one worker's chunk of them (count > 1). Plain data: MPI moves it as bytes. */
typedef struct {
    double start_s, end_s;
    uint64_t item;       /* the item's index in the list (a chunk: its first item) */
    uint64_t count;      /* units it covers; 0 marks an empty slot */
    int64_t value;       /* the item's value (a chunk: its first item's) */
    int64_t bytes;       /* downloads: bytes received */
    int32_t op;          /* mt_operation, or MT_EVENT_DOWNLOAD */
    int32_t thread;      /* OpenMP thread number */
    int32_t rank;        /* MPI rank; 0 without MPI */
    int16_t http_status; /* downloads */
    int16_t retries;     /* downloads */
} mt_event;

typedef struct {
    mt_event *slots;
    uint64_t slot_count;
    bool per_unit; /* one slot per unit; false: one per worker (the cap was passed) */
    int workers;
    int rank;
    double origin; /* mt_now() at the run's start */
} mt_timeline;

/* Preallocate for units units of work on at most workers threads, as rank rank. blocks: record one
 * event per worker's block whatever units is (for work too short to time item by item). */
mt_status mt_timeline_init(mt_timeline *timeline, uint64_t units, int workers, int rank, bool blocks, mt_error *err);
void mt_timeline_free(mt_timeline *timeline);
/* Empty the slots and start the run's clock at origin (an mt_now() value). */
void mt_timeline_start(mt_timeline *timeline, double origin);

/* Past the cap, a worker's chunk of each kind of work: one slot per thread and operation. */
static inline uint64_t mt_timeline_chunk_slot(int thread, int op)
{
    return (uint64_t)thread * 4 + (uint64_t)(op & 3);
}

/* Record unit (0-based, < units) of item index item, run by thread from start to end (mt_now() values).
 * Safe to call from many threads at once for different units. */
static inline void mt_timeline_record(mt_timeline *t, uint64_t unit, uint64_t item, int64_t value, int op, int thread,
                                      double start, double end)
{
    mt_event *e = &t->slots[t->per_unit ? unit : mt_timeline_chunk_slot(thread, op)];
    if (e->count == 0) {
        e->start_s = start - t->origin;
        e->item = item;
        e->value = value;
        e->op = op;
        e->thread = thread;
        e->rank = t->rank;
    }
    e->end_s = end - t->origin;
    e->count++;
}

/* Record a worker's whole block of count units at once (first item first_item). */
void mt_timeline_record_block(mt_timeline *timeline, uint64_t first_unit, uint64_t first_item, int64_t first_value,
                              uint64_t count, int op, int thread, double start, double end);

/* The filled slots, packed to the front; returns how many. */
uint64_t mt_timeline_pack(mt_timeline *timeline);

/* A whole run's events (every rank's, under MPI) and what describes them. */
typedef struct {
    const mt_event *events;
    uint64_t count;
    const char *const *hosts; /* per rank */
    int ranks;
    bool aggregated;         /* events are workers' chunks */
    bool overlapping;        /* units overlap on one thread (download --mode multi): async events */
    const char *const *urls; /* downloads: per item; NULL otherwise */
    const char *program, *mode;
    double wall_s;  /* the run's time */
    double ideal_s; /* NAN when there is no model */
} mt_trace;

/* Check up front that path can be written as a trace (.json or .csv): MT_ERR_USAGE naming it if not. */
mt_status mt_trace_check_path(const char *path, mt_error *err);
/* Write the trace to path (format from its extension), whole or not at all (a temporary file renamed). */
mt_status mt_trace_write(const mt_trace *trace, const char *path, mt_error *err);
/* The numbers: events, aggregated, mean_concurrency, max_in_flight, busy_fraction per worker. */
json_t *mt_trace_summary(const mt_trace *trace);
/* One line for --verbose. */
void mt_trace_print_summary(FILE *out, const mt_trace *trace);
/* The terminal chart: a row per worker (or per transfer slot when units overlap on one thread), time
 * across, within 80 columns, the scale and a legend; colour when color is true. */
void mt_trace_print_gantt(FILE *out, const mt_trace *trace, bool color);

#endif
