/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "kernel.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <time.h>

bool mt_square_checked(int64_t x, int64_t *out)
{
    int64_t result;
    if (__builtin_mul_overflow(x, x, &result)) return false;
    *out = result;
    return true;
}

bool mt_cube_checked(int64_t x, int64_t *out)
{
    int64_t square, cube;
    if (__builtin_mul_overflow(x, x, &square)) return false;
    if (__builtin_mul_overflow(square, x, &cube)) return false;
    *out = cube;
    return true;
}

mt_status mt_check_cube_range(const int64_t *values, uint64_t count, uint64_t first_position, mt_error *err)
{
    for (uint64_t i = 0; i < count; i++) {
        if (values[i] < MT_CUBE_MIN || values[i] > MT_CUBE_MAX)
            return mt_fail(err, MT_ERR_USAGE,
                           "item %" PRIu64 ": the cube of %" PRId64 " overflows int64 (allowed: %" PRId64 " to %" PRId64
                           ")",
                           first_position + i, values[i], MT_CUBE_MIN, MT_CUBE_MAX);
    }
    return MT_OK;
}

uint64_t mt_powers_check(const int64_t *values, const int64_t *results, uint64_t n, mt_operation op)
{
    for (uint64_t i = 0; i < n; i++) {
        int64_t expected;
        bool fits =
            op == MT_OP_SQUARE ? mt_square_checked(values[i], &expected) : mt_cube_checked(values[i], &expected);
        if (!fits || expected != results[i]) return i;
    }
    return n;
}

int mt_model_workers(const mt_work *work, int workers, int cpus)
{
    if (work->kind == MT_WORK_SPIN && cpus > 0 && workers > cpus) return cpus;
    return workers;
}

/* The time on clock seconds from now. */
static struct timespec deadline_after(clockid_t clock, double seconds)
{
    struct timespec t;
    clock_gettime(clock, &t);
    time_t whole = (time_t)seconds;
    long nanos = (long)ceil((seconds - (double)whole) * 1e9); /* never a nanosecond short */
    t.tv_sec += whole;
    t.tv_nsec += nanos;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec += 1;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

void mt_work_do(const mt_work *work)
{
    if (work->kind == MT_WORK_NONE || work->delay_s <= 0) return;
    if (work->kind == MT_WORK_SLEEP) {
        /* An absolute deadline makes the restart after a signal exact: no time is added or lost. */
        struct timespec deadline = deadline_after(CLOCK_MONOTONIC, work->delay_s);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == EINTR) {
        }
        return;
    }
    /* Spin on the thread's own CPU clock: the item costs delay_s of CPU, a fixed amount of work. When
     * more threads spin than there are cores, each gets a share of a core and its items take longer
     * on the wall clock, which is what CPU-bound work does. */
    struct timespec deadline = deadline_after(CLOCK_THREAD_CPUTIME_ID, work->delay_s), now;
    do {
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    } while (before(&now, &deadline));
}

static const char *const work_names[] = {[MT_WORK_SLEEP] = "sleep", [MT_WORK_SPIN] = "spin", [MT_WORK_NONE] = "none"};

bool mt_work_parse(const char *name, mt_work_kind *out)
{
    for (int kind = MT_WORK_SLEEP; kind <= MT_WORK_NONE; kind++) {
        if (strcmp(name, work_names[kind]) == 0) {
            *out = (mt_work_kind)kind;
            return true;
        }
    }
    return false;
}

const char *mt_work_name(mt_work_kind kind)
{
    return work_names[kind];
}
