/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* timer.h - the monotonic clock, the one repeat runner and the statistics every program reports.
 *
 * Shaped after EPCC's benchmark driver: a program hands one run of its work to mt_repeat, which owns the
 * priming pass, warm-up, repetitions and the samples; the run measures its own elapsed time, because only
 * it knows where the timed part starts (after a barrier under MPI, after the buffers are touched). */
#ifndef MT_TIMER_H
#define MT_TIMER_H

#include <stdbool.h>

#include "status.h"

/* Seconds on the monotonic clock, from an arbitrary origin. */
double mt_now(void);

/* The clock's tick in seconds (its resolution, as the system reports it). */
double mt_clock_tick(void);

/* CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID); NAN where the system has no such clock. */
double mt_thread_cpu_s(void);

/* What this process has cost so far (getrusage RUSAGE_SELF: every thread, the ended ones too). */
typedef struct {
    double user_s, system_s; /* CPU seconds in user and in system mode */
    double max_rss_mib;      /* the peak resident memory, MiB */
} mt_usage;
mt_usage mt_process_usage(void);

/* Seconds this process's threads have spent ready to run but queued for a CPU (the run queue: each thread's
 * /proc/self/task/TID/schedstat, summed over the threads alive now); NAN where unknown. */
double mt_cpu_queue_s(void);

/* CPU seconds every CPU of this machine has spent busy since boot (/proc/stat: user, nice, system, irq,
 * softirq, steal; not idle nor iowait), counted in clock ticks (1/100 s) per CPU; NAN where unknown. Against
 * the process's own CPU seconds over the same window it shows the machine's other work (machine_busy). */
double mt_machine_busy_s(void);

/* A run shorter than this many ticks is too short to time well (STREAM's rule). */
enum { MT_MIN_TICKS_PER_RUN = 20 };

enum { MT_CI_MIN_RUNS = 5 }; /* runs from which a record gives the median's confidence interval */

typedef struct {
    double median, min, max; /* seconds */
    int count;               /* timed runs behind them */
    /* A distribution-free 95% confidence interval of the median, from MT_CI_MIN_RUNS runs up (NAN below):
     * the order statistics x(k) and x(n+1-k) with the largest k whose binomial coverage is at least 95%
     * (k = 1, min and max, at 5 runs: 93.8%, the most 5 runs can give). */
    double ci_low, ci_high;
    double ci_coverage; /* the interval's exact coverage, 1 - 2 P(Binomial(n, 1/2) < k) */
} mt_stats;

/* Median, min, max and the median's interval of count samples (count >= 1); samples is left unchanged. */
mt_status mt_stats_compute(const double *samples, int count, mt_stats *out, mt_error *err);

enum { MT_PHASES_MAX = 4 };

/* What one run measured: its timed part, and the program's own split of it (cube_mpi: scatter, compute,
 * gather), each in seconds. */
typedef struct {
    double elapsed_s;
    double phases[MT_PHASES_MAX];
} mt_sample;

typedef struct {
    int index;   /* 0-based among the warm-up and timed runs */
    bool prime;  /* the untimed first pass: no per-item work, no printing, no recording; it starts the
                  * OpenMP team (the first parallel region costs milliseconds) and brings code and pages in */
    bool warmup; /* untimed: its sample is dropped */
    int timed;   /* 0-based among the timed runs; -1 for the untimed ones */
    bool last;   /* the last timed run: the one whose results a program prints */
} mt_run_info;

/* One run of the work; it fills *sample and returns MT_OK or a failure. */
typedef mt_status (*mt_run_fn)(void *context, const mt_run_info *run, mt_sample *sample, mt_error *err);

typedef struct {
    bool prime;         /* one priming pass first */
    int warmup;         /* untimed runs, >= 0 */
    int repeat;         /* timed runs, >= 1 */
    mt_sample *samples; /* repeat of them: what the timed runs measured, made and filled by mt_repeat */
    double runs_s;      /* filled by mt_repeat: wall seconds of the warm-up and timed runs, each whole */
    bool owns_samples;  /* mt_repeat made them: mt_repeat_free frees them */
    /* Filled by mt_repeat: what the timed runs cost, each run's call measured whole (fn's own clock starts
     * inside it): CPU seconds of this process (every thread), the wall seconds of the same windows, and the
     * seconds this machine's CPUs were busy in them (mt_machine_busy_s; NAN where unknown). */
    double cpu_user_s, cpu_sys_s;
    double cpu_queue_s; /* seconds the threads were ready to compute but queued for a CPU (mt_cpu_queue_s) */
    double timed_wall_s;
    double machine_busy_s;
} mt_repeat_plan;

/* Run fn as plan says: the priming pass, warmup untimed runs, then repeat timed runs, whose samples go to
 * plan->samples[0..repeat-1] (allocated here unless given). Stops at the first failing run and returns its
 * status. */
mt_status mt_repeat(mt_run_fn fn, void *context, mt_repeat_plan *plan, mt_error *err);
/* Free the samples mt_repeat allocated. */
void mt_repeat_free(mt_repeat_plan *plan);

/* The statistics of one column of count samples: phase -1 is the elapsed time, 0.. a phase. */
mt_status mt_sample_stats(const mt_sample *samples, int count, int phase, mt_stats *out, mt_error *err);

#endif
