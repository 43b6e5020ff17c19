/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* threads.h - the OpenMP runtime's variables read as input, and a team that really starts.
 *
 * The runtime reads OMP_NUM_THREADS, OMP_THREAD_LIMIT and OMP_DYNAMIC itself, and trusts them: 65536 threads
 * crash it, a thread it cannot create ends the process with its own message. The number programs check the
 * variables first, as they check -t, and start their team before any work, so a bad value is one line and
 * exit 2, and threads that cannot be had are one line and exit 1.
 *
 * The rules (--help and docs/programs.md state them):
 * - OMP_NUM_THREADS: a thread count or a comma-separated list of them (one per nesting level), blanks around
 *   each allowed, as both runtimes read it (not libgomp's '+': libomp fails on it); every count within 1 to
 *   MT_MAX_THREADS. Checked even when -t overrides its first count.
 * - OMP_THREAD_LIMIT: one count within 1 to MT_MAX_THREADS; threads asked beyond it (-t, OMP_NUM_THREADS) are
 *   refused, not silently cut.
 * - OMP_DYNAMIC: true or false (any case; 1, 0, yes, no, on, off too); with true the runtime may give a team
 *   fewer threads than asked, which a measurement cannot have: adjustment is turned off, with a warning.
 * A value that breaks a rule is a usage error naming the variable and the value. */
#ifndef MT_THREADS_H
#define MT_THREADS_H

#include "status.h"

/* Check the variables above; asked is -t (0: not given). Call before any OpenMP call: libomp reads the
 * variables at its first one. MT_ERR_USAGE naming the variable and its value; *dynamic_off is set when
 * OMP_DYNAMIC asked for adjustment (the caller warns; mt_threads_start turns it off). */
mt_status mt_threads_check_environment(int asked, bool *dynamic_off, mt_error *err);

/* The warning when OMP_DYNAMIC asked for adjustment. */
#define MT_DYNAMIC_OFF_TEXT "OMP_DYNAMIC is true, but a measured team must have the threads asked: adjustment is off"

/* OMP_NUM_THREADS's first count, or 0 when unset (call after mt_threads_check_environment). */
int mt_threads_from_environment(void);

/* Start the team of threads threads (the count the next parallel region will ask for) before any work: first
 * the same number of plain threads, with the runtime's stack size, are started and joined (the runtime ends the
 * process when it cannot create one: this says so first), then the team, whose size is checked. MT_ERR_RUNTIME
 * with one line when the threads cannot be had (ulimit -u, ulimit -v, a large OMP_STACKSIZE). */
mt_status mt_threads_start(int threads, mt_error *err);

#endif
