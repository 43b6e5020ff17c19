/* timer.h - the monotonic clock, the warm-up/repeat runner and the statistics every program reports.
 *
 * Shaped after EPCC's benchmark driver: a program hands one run of its work to mt_repeat, which owns
 * warm-up, repetitions and the samples; the run measures its own elapsed time, because only it knows
 * where the timed part starts (after a barrier under MPI, after the buffers are touched). */
#ifndef MT_TIMER_H
#define MT_TIMER_H

#include <stdbool.h>

#include "status.h"

/* Seconds on the monotonic clock, from an arbitrary origin. */
double mt_now(void);

/* The clock's tick in seconds (its resolution, as the system reports it). */
double mt_clock_tick(void);

/* A run shorter than this many ticks is too short to time well (STREAM's rule). */
enum { MT_MIN_TICKS_PER_RUN = 20 };

typedef struct {
    double median, min, max; /* seconds */
    int count;               /* timed runs behind them */
} mt_stats;

/* Median, min and max of count samples (count >= 1); samples is left unchanged. */
mt_status mt_stats_compute(const double *samples, int count, mt_stats *out, mt_error *err);

typedef struct {
    int index;   /* 0-based among all runs, warm-ups first */
    bool warmup; /* untimed: its elapsed time is dropped */
    bool last;   /* the last timed run: the one whose results a program prints */
} mt_run_info;

/* One run of the work; it stores its elapsed seconds in *elapsed_s and returns MT_OK or a failure. */
typedef mt_status (*mt_run_fn)(void *context, const mt_run_info *run, double *elapsed_s, mt_error *err);

/* Run fn warmup times untimed, then repeat times timed (repeat >= 1); the timed elapsed seconds go to
 * samples[0..repeat-1]. Stops at the first failing run and returns its status. */
mt_status mt_repeat(mt_run_fn fn, void *context, int warmup, int repeat, double *samples, mt_error *err);

#endif
