/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* explain.h - cube_mpi --explain: which items go to which rank, on which host and node, with how many
 * threads, printed by rank 0 (stderr) from what every rank says it holds in the first (largest) round. */
#ifndef CUBE_MPI_EXPLAIN_H
#define CUBE_MPI_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "world.h"

/* One rank's part of the first round. */
typedef struct {
    long long first, count; /* its items, in the round */
    int node;               /* its node's index (the shared transport), else 0 */
} explain_part;

/* The split of the list: n items in rounds of round_n (chunk items per rank; 0: one round), over the ranks
 * (shared: over node_count nodes, each node's share in one window). Collective: every rank calls it. */
mt_status explain_split(const world_info *world, const explain_part *mine, uint64_t n, uint64_t round_n, uint64_t chunk,
                        bool shared, int node_count, mt_error *err);

#endif
