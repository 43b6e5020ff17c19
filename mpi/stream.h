/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* stream.h - cube_mpi's rounds: one run is one round of the whole list, or with --chunk K the list streams through the
 * ranks in rounds of K items per rank, so rank 0 never holds more than a round. The list is read twice: once before any
 * work, to check every item (a bad token late in the list is an input error before any result is printed) and to count
 * them; then round by round, in every run. A stream that cannot be read twice (stdin, a pipe, a FIFO) is kept in a
 * temporary file (disk, not memory) by the first reading, and the rounds read that. */
#ifndef CUBE_MPI_STREAM_H
#define CUBE_MPI_STREAM_H

#include <stdint.h>

#include "cli.h"
#include "numbers.h"
#include "timer.h"

/* Rank 0: open the list the options name, check every item and count them into *n, leaving *source ready to
 * be rewound and read round by round. */
mt_status stream_scan(const mt_options *options, mt_source *source, uint64_t *n, mt_error *err);

/* The ideal time of n items in delays of work (sleep work: the model), on ranks ranks of workers workers in all,
 * streamed in rounds of chunk items per rank (0: one round). A round of r items is split in blocks over the ranks
 * and each rank's block over its threads, so its busiest thread has ceil(ceil(r/P)/T) = ceil(r/W) items (P ranks
 * of T threads, W = P*T); the rounds follow one another, so the whole takes the sum over rounds:
 *     floor(n/(K*P)) * ceil(K*P/W) + ceil((n mod K*P)/W)     (K = chunk; one round of n: ceil(n/W)).
 * With --chunk 1 and T = 2, each rank's second thread has nothing to do: n/P delays, not n/(2P). */
uint64_t stream_ideal_steps(uint64_t n, uint64_t chunk, uint64_t ranks, uint64_t workers);

/* One run (an mt_run_fn over a cube_run): the rounds one after another, each the lesson's steps (cube_run.steps),
 * timed by the harness from outside, after a barrier, with MPI_Wtime; each phase timed around its step. The
 * run's time and each phase's is the slowest rank's; rank 0 keeps every rank's own (cube_run.rank_phases). */
mt_status stream_run_once(void *context, const mt_run_info *info, mt_sample *sample, mt_error *err);

#endif
