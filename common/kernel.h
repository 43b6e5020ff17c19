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

/* "sleep", "spin", "none" <-> mt_work_kind. Parsing returns false on an unknown name. */
bool mt_work_parse(const char *name, mt_work_kind *out);
const char *mt_work_name(mt_work_kind kind);

#endif
