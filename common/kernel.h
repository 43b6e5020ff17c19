/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* kernel.h - the one kernel every program shares: square and cube of an int64, checked, and the
 * simulated work each item costs (the original lesson's time.sleep(0.1)). */
#ifndef MT_KERNEL_H
#define MT_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

/* The cube of x fits in int64 exactly for x in [MT_CUBE_MIN, MT_CUBE_MAX]: (-2^21)^3 = -2^63 is the
 * smallest int64, and 2^21 cubed is one past the largest. The square of such an x always fits. */
#define MT_CUBE_MIN INT64_C(-2097152)
#define MT_CUBE_MAX INT64_C(2097151)

typedef enum { MT_OP_SQUARE = 2, MT_OP_CUBE = 3 } mt_operation; /* the value is the exponent */

/* x*x into *out; false (and *out untouched) when it overflows int64. */
bool mt_square_checked(int64_t x, int64_t *out);
/* x*x*x into *out; false (and *out untouched) when it overflows int64. */
bool mt_cube_checked(int64_t x, int64_t *out);

/* The unchecked forms for hot loops, for values already known to lie in [MT_CUBE_MIN, MT_CUBE_MAX]. */
static inline int64_t mt_square(int64_t x)
{
    return x * x;
}
static inline int64_t mt_cube(int64_t x)
{
    return x * x * x;
}
static inline int64_t mt_power(int64_t x, mt_operation op)
{
    return op == MT_OP_SQUARE ? x * x : x * x * x;
}

/* The self-check every program makes before it reports: results[i] == values[i] to the power op, computed
 * again by the overflow-checked kernel, for every i < n. Returns n when every result matches, else the index
 * of the first that does not. */
uint64_t mt_powers_check(const int64_t *values, const int64_t *results, uint64_t n, mt_operation op);

/* The one split of a list over workers (threads' blocks, ranks' slices, nodes' shares): contiguous blocks,
 * the first n % parts of them one item longer, as OpenMP's static schedule deals a loop. Block k of parts
 * is [mt_block_first(n, parts, k), mt_block_first(n, parts, k + 1)); k may be parts (the end, n). */
static inline uint64_t mt_block_first(uint64_t n, uint64_t parts, uint64_t k)
{
    uint64_t base = n / parts, extra = n % parts;
    return k * base + (k < extra ? k : extra);
}
static inline uint64_t mt_block_count(uint64_t n, uint64_t parts, uint64_t k)
{
    return mt_block_first(n, parts, k + 1) - mt_block_first(n, parts, k);
}

/* MT_OK when every value's cube fits in int64; otherwise MT_ERR_USAGE naming the first value that does
 * not and its 1-based position (first_position is the position of values[0]). */
mt_status mt_check_cube_range(const int64_t *values, uint64_t count, uint64_t first_position, mt_error *err);

/* The work one item costs. */
typedef enum {
    MT_WORK_SLEEP, /* the thread sleeps: I/O-like, concurrency helps even past the cores */
    MT_WORK_SPIN,  /* the thread burns as much CPU time: a fixed amount of work; scales up to the cores */
    MT_WORK_NONE,  /* no extra work: the pure arithmetic map, memory-bound at large n */
} mt_work_kind;

typedef struct {
    mt_work_kind kind;
    double delay_s; /* seconds per item for sleep and spin */
} mt_work;

/* Spend the item's work: sleep until delay_s has passed on the monotonic clock (restarting after a
 * signal), spin until the thread has used delay_s of CPU time, or return at once. */
void mt_work_do(const mt_work *work);

/* The workers an ideal-time model counts: spin work keeps a CPU busy per worker, so at most cpus of them
 * make progress at once; sleep work only waits, so every worker counts. */
int mt_model_workers(const mt_work *work, int workers, int cpus);

/* "sleep", "spin", "none" <-> mt_work_kind. Parsing returns false on an unknown name. */
bool mt_work_parse(const char *name, mt_work_kind *out);
const char *mt_work_name(mt_work_kind kind);

#endif
