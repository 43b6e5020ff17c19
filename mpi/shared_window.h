/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* shared_window.h - cube_mpi's second transport (--transport shared): the ranks of a node share one MPI-3
 * window (MPI_Win_allocate_shared) holding the node's share of a round and its cubes, so each rank cubes its
 * range in place, with no copy; across nodes the node leaders move the node shares with Scatterv/Gatherv.
 * The price: one node's memory, the memory model's synchronization (sync, barrier, sync), and no protection
 * between ranks that write the same window.
 *
 * A round's split: node i takes the items of its ranks' slots (node shares in proportion to their ranks,
 * contiguous in node order), then the node's share is block-split over its ranks by node rank. */
#ifndef CUBE_MPI_SHARED_WINDOW_H
#define CUBE_MPI_SHARED_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include <mpi.h>

#include "world.h"

typedef struct {
    MPI_Comm leaders;               /* the node leaders (node rank 0 of each node); MPI_COMM_NULL elsewhere */
    int index, count;               /* this node's place among the nodes (by their leader's world rank), nodes */
    int *node_sizes;                /* ranks on each node */
    int *node_counts, *node_displs; /* a round's split over the nodes (the leaders' Scatterv/Gatherv) */
    MPI_Win window;
    bool locked;       /* inside the window's lock_all epoch */
    int64_t *in, *out; /* the node's share of the round, and its cubes: both in the window */
    uint64_t capacity; /* items the window holds in each of in and out */
} shared_window;

/* This rank's range of a round, within its node's window. */
typedef struct {
    int64_t *in, *out;
    int node_first; /* the range's first item in the node's share */
    int first;      /* the range's first item in the round */
    int count;
} shared_range;

/* Every rank: map the nodes, and allocate (and touch) the node's window: node 0's holds a whole round of
 * round_capacity items (the list, as rank 0 holds it with the scatter transport), other nodes' their share
 * of one. Every rank agrees before the window is allocated, so a node that cannot hold it fails everyone
 * (exit 1) instead of leaving them waiting. */
mt_status shared_window_open(shared_window *shared, const world_info *world, uint64_t round_capacity, mt_error *err);
/* This rank's range of a round of round_n items (and the nodes' split, for the leaders). */
void shared_window_split(shared_window *shared, const world_info *world, uint64_t round_n, shared_range *mine);
/* The round's items to every node's window (the leaders' Scatterv, only across nodes), handed over to the
 * node's ranks; *mine is this rank's range to cube in place. */
mt_status shared_window_scatter(shared_window *shared, const world_info *world, uint64_t round_n, shared_range *mine,
                                mt_error *err);
/* The cubes handed back from the node's ranks, and brought to node 0 (the leaders' Gatherv). */
mt_status shared_window_gather(shared_window *shared, const world_info *world, mt_error *err);
void shared_window_close(shared_window *shared);

#endif
