/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "threads.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <omp.h>

#include "defaults.h"
#include "numbers.h"

/* libomp's own: the stack size of its threads (libgomp has no such call; there it is NULL). */
extern size_t kmp_get_stacksize_s(void) __attribute__((weak));

/* The value as a message shows it: escaped, cut at 64 bytes. */
static const char *shown(const char *value, char buffer[4 * 64 + 4])
{
    size_t length = strlen(value);
    size_t taken = mt_show_bytes(buffer, 4 * 64 + 1, value, length < 64 ? length : 64);
    if (taken < length) strcat(buffer, "...");
    return buffer;
}

/* One count of a list at *text, as both runtimes read it: blanks, base-10 digits, blanks (libgomp takes a '+'
 * too, but libomp calls it invalid and then fails to start: it is refused). 0: not a count; -1: a count out of
 * range; else the count, with *text past it. */
static long take_count(const char **text)
{
    const char *c = *text;
    while (isspace((unsigned char)*c))
        c++;
    if (*c < '0' || *c > '9') return 0;
    long value = 0;
    bool beyond = false;
    for (; *c >= '0' && *c <= '9'; c++) {
        value = value * 10 + (*c - '0');
        if (value > MT_MAX_THREADS) {
            beyond = true;
            value = MT_MAX_THREADS + 1;
        }
    }
    while (isspace((unsigned char)*c))
        c++;
    *text = c;
    return beyond || value < 1 ? -1 : value;
}

/* A list of counts (list true) or one count: its first count, 0 when malformed, -1 when a count is out of range. */
static long parse_counts(const char *text, bool list)
{
    long first = 0, worst = 0;
    for (;;) {
        long count = take_count(&text);
        if (count == 0) return 0;
        if (count < 0) worst = -1;
        if (first == 0) first = count;
        if (*text == '\0') break;
        if (!list || *text != ',') return 0;
        text++;
    }
    return worst < 0 ? -1 : first;
}

/* OMP_DYNAMIC's value: 1 true, 0 false, -1 neither. */
static int parse_switch(const char *text)
{
    static const char *const words[][2] = {{"true", "false"}, {"1", "0"}, {"yes", "no"}, {"on", "off"}};
    while (isspace((unsigned char)*text))
        text++;
    size_t length = strlen(text);
    while (length > 0 && isspace((unsigned char)text[length - 1]))
        length--;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        for (int truth = 0; truth < 2; truth++)
            if (strlen(words[w][truth]) == length && strncasecmp(text, words[w][truth], length) == 0) return !truth;
    return -1;
}

mt_status mt_threads_check_environment(int asked, bool *dynamic_off, mt_error *err)
{
    char buffer[4 * 64 + 4];
    *dynamic_off = false;
    const char *text = getenv("OMP_NUM_THREADS");
    long wanted = 0;
    if (text != NULL) {
        wanted = parse_counts(text, true);
        if (wanted == 0)
            return mt_fail(err, MT_ERR_USAGE,
                           "OMP_NUM_THREADS: '%s' is not a thread count (1 to %d, or a comma-separated list of them)",
                           shown(text, buffer), MT_MAX_THREADS);
        if (wanted < 0)
            return mt_fail(err, MT_ERR_USAGE, "OMP_NUM_THREADS: '%s' is out of range (1 to %d threads)",
                           shown(text, buffer), MT_MAX_THREADS);
    }
    if (asked == 0) asked = (int)wanted;
    if ((text = getenv("OMP_THREAD_LIMIT")) != NULL) {
        long limit = parse_counts(text, false);
        if (limit == 0)
            return mt_fail(err, MT_ERR_USAGE, "OMP_THREAD_LIMIT: '%s' is not a thread count (1 to %d)",
                           shown(text, buffer), MT_MAX_THREADS);
        if (limit < 0)
            return mt_fail(err, MT_ERR_USAGE, "OMP_THREAD_LIMIT: '%s' is out of range (1 to %d threads)",
                           shown(text, buffer), MT_MAX_THREADS);
        if (asked > limit)
            return mt_fail(err, MT_ERR_USAGE,
                           "%d threads asked (%s) but OMP_THREAD_LIMIT is %ld: ask for fewer or raise it", asked,
                           asked == (int)wanted && wanted > 0 ? "OMP_NUM_THREADS" : "-t", limit);
    }
    if ((text = getenv("OMP_DYNAMIC")) != NULL) {
        int on = parse_switch(text);
        if (on < 0) return mt_fail(err, MT_ERR_USAGE, "OMP_DYNAMIC: '%s' is not true or false", shown(text, buffer));
        *dynamic_off = on == 1;
    }
    return MT_OK;
}

int mt_threads_from_environment(void)
{
    const char *text = getenv("OMP_NUM_THREADS");
    long first = text != NULL ? parse_counts(text, true) : 0;
    return first > 0 ? (int)first : 0;
}

/* --- the team ------------------------------------------------------------------------------------------- */

/* The probe's threads wait here until every one has been created (so that they are alive at once, as the
 * team's will be), then end. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t released;
    bool go;
} gate;

static void *wait_at_gate(void *argument)
{
    gate *g = argument;
    pthread_mutex_lock(&g->lock);
    while (!g->go)
        pthread_cond_wait(&g->released, &g->lock);
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* The stack of the runtime's threads: libomp says it; libgomp takes OMP_STACKSIZE (or GOMP_STACKSIZE), a size
 * in KiB unless a B, K, M or G follows, else the threads' default; 0 for the default. */
static size_t runtime_stack_size(void)
{
    if (kmp_get_stacksize_s != NULL) return kmp_get_stacksize_s();
    const char *text = getenv("OMP_STACKSIZE");
    if (text == NULL) text = getenv("GOMP_STACKSIZE");
    if (text == NULL) return 0;
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (end == text || errno != 0) return 0;
    while (isspace((unsigned char)*end))
        end++;
    int shift = 10;
    switch (toupper((unsigned char)*end)) {
    case 'B':
        shift = 0;
        break;
    case 'M':
        shift = 20;
        break;
    case 'G':
        shift = 30;
        break;
    default:
        break;
    }
    if (value > (SIZE_MAX >> shift)) return SIZE_MAX;
    return (size_t)value << shift;
}

/* Create count threads that live at once, then let them end: 0, or the error of the first that could not be
 * created (*made of them were). */
static int probe(int count, int *made)
{
    pthread_attr_t attributes;
    if (pthread_attr_init(&attributes) != 0) return ENOMEM;
    size_t stack = runtime_stack_size();
    int error = stack != 0 ? pthread_attr_setstacksize(&attributes, stack) : 0;
    pthread_t *threads = calloc(count > 0 ? (size_t)count : 1, sizeof *threads);
    if (threads == NULL) error = ENOMEM;
    gate g = {.lock = PTHREAD_MUTEX_INITIALIZER, .released = PTHREAD_COND_INITIALIZER};
    *made = 0;
    for (; error == 0 && *made < count; (*made)++)
        if ((error = pthread_create(&threads[*made], &attributes, wait_at_gate, &g)) != 0) break;
    pthread_mutex_lock(&g.lock);
    g.go = true;
    pthread_cond_broadcast(&g.released);
    pthread_mutex_unlock(&g.lock);
    for (int t = 0; t < *made; t++)
        pthread_join(threads[t], NULL);
    free(threads);
    pthread_attr_destroy(&attributes);
    return error;
}

mt_status mt_threads_start(int threads, mt_error *err)
{
    int limit = omp_get_thread_limit(); /* threads asked beyond it were refused: this bounds the default */
    if (threads > limit) threads = limit;
    if (threads < 1) threads = 1;
    int made = 0, error = probe(threads - 1, &made);
    if (error != 0)
        return mt_fail(err, MT_ERR_RUNTIME,
                       "cannot start %d threads: the system refused thread %d (%s): ask for fewer (-t), or raise the "
                       "limits (ulimit -u, ulimit -v, OMP_STACKSIZE)",
                       threads, made + 2, strerror(error));
    omp_set_dynamic(0);
    int team = 0;
#pragma omp parallel num_threads(threads)
    {
#pragma omp single
        team = omp_get_num_threads();
    }
    if (team < threads)
        return mt_fail(err, MT_ERR_RUNTIME, "the OpenMP runtime started %d of the %d threads asked", team, threads);
    return MT_OK;
}
