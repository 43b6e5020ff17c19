/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* defaults.h - every default of the suite, named once; `--verbose` prints them. */
#ifndef MT_DEFAULTS_H
#define MT_DEFAULTS_H

#define MT_DEFAULT_NUMBERS "2 3 5 8" /* the original lesson's list */
#define MT_DEFAULT_WORK "sleep"      /* the original's time.sleep per item */
#define MT_DEFAULT_DELAY_S 0.1       /* seconds of work per item, as the original */
#define MT_DEFAULT_REPEAT 1          /* timed runs; the original times one */
#define MT_DEFAULT_WARMUP 0          /* untimed runs first; the OpenMP team is always started before timing */
#define MT_DEFAULT_SEED 1            /* --generate's seed */
#define MT_MAX_DELAY_S 3600          /* seconds: an hour per item is surely a typo */
#define MT_MAX_THREADS 4096
#define MT_MAX_REPEAT 1000000

#endif
