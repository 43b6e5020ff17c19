/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, beside POSIX */
#include "shared_window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel.h"
#include "numbers.h"

/* Items between in and out: two arrays exactly a large power of two apart alias in the cache (4 KiB aliasing)
 * and slowed the loop by up to 25 %. */
enum { WINDOW_PAD = 72 };

void shared_window_split(shared_window *shared, const world_info *world, uint64_t round_n, shared_range *mine)
{
    uint64_t slot = 0, slots = (uint64_t)world->size;
    for (int i = 0; i < shared->count; i++) {
        uint64_t from = mt_block_first(round_n, slots, slot);
        slot += (uint64_t)shared->node_sizes[i];
        shared->node_displs[i] = (int)from;
        shared->node_counts[i] = (int)(mt_block_first(round_n, slots, slot) - from);
    }
    uint64_t share = (uint64_t)shared->node_counts[shared->index], ranks = (uint64_t)world->node_size;
    mine->node_first = (int)mt_block_first(share, ranks, (uint64_t)world->node_rank);
    mine->count = (int)mt_block_count(share, ranks, (uint64_t)world->node_rank);
    mine->first = shared->node_displs[shared->index] + mine->node_first;
    mine->in = shared->in != NULL ? shared->in + mine->node_first : NULL;
    mine->out = shared->out != NULL ? shared->out + mine->node_first : NULL;
}

/* Which node this rank is on, among how many, and the leaders' communicator. */
static mt_status map_nodes(shared_window *shared, const world_info *w, mt_error *err)
{
    /* One leader per node, rank 0 of its node communicator, in a communicator of their own. */
    MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, w->node_rank == 0 ? 0 : MPI_UNDEFINED, w->rank, &shared->leaders));
    int leader = w->rank;
    MPI_CHECK(MPI_Bcast(&leader, 1, MPI_INT, 0, w->node));
    int *leader_of = malloc((size_t)w->size * sizeof *leader_of);
    shared->node_sizes = calloc((size_t)w->size, sizeof *shared->node_sizes);
    shared->node_counts = calloc((size_t)w->size, sizeof *shared->node_counts);
    shared->node_displs = calloc((size_t)w->size, sizeof *shared->node_displs);
    if (leader_of == NULL || shared->node_sizes == NULL || shared->node_counts == NULL || shared->node_displs == NULL) {
        free(leader_of);
        return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    }
    int code = MPI_Allgather(&leader, 1, MPI_INT, leader_of, 1, MPI_INT, MPI_COMM_WORLD);
    /* Nodes in the order of their leaders' world ranks: a leader is the lowest world rank of its node, so
     * node i is the i-th world rank r that leads itself (leader_of[r] == r). */
    shared->count = 0;
    for (int r = 0; code == MPI_SUCCESS && r < w->size; r++) {
        if (leader_of[r] != r) continue;
        if (r == leader) shared->index = shared->count;
        for (int q = 0; q < w->size; q++)
            shared->node_sizes[shared->count] += leader_of[q] == r;
        shared->count++;
    }
    free(leader_of);
    MPI_CHECK(code);
    return MT_OK;
}

/* The MPI-3 memory model's hand-over between the ranks of a node inside a lock_all epoch: the writers' stores
 * reach the window (MPI_Win_sync), the barrier orders them before any reader goes on, and the readers'
 * MPI_Win_sync makes them visible to their loads. */
static mt_status hand_over(shared_window *shared, const world_info *world, mt_error *err)
{
    MPI_CHECK(MPI_Win_sync(shared->window));
    MPI_CHECK(MPI_Barrier(world->node));
    MPI_CHECK(MPI_Win_sync(shared->window));
    return MT_OK;
}

mt_status shared_window_open(shared_window *shared, const world_info *w, uint64_t round_capacity, mt_error *err)
{
    mt_status status = map_nodes(shared, w, err);
    if (status != MT_OK) return status;
    shared_range mine;
    shared_window_split(shared, w, round_capacity, &mine);
    shared->capacity = shared->index == 0 ? round_capacity : (uint64_t)shared->node_counts[shared->index];
    uint64_t items = 2 * shared->capacity + WINDOW_PAD;
    /* Every rank agrees that every node can hold its window before any is allocated: a failed
     * MPI_Win_allocate_shared on one rank would leave the others waiting in it. */
    mt_error local_err = {""};
    mt_status local = MT_OK;
    if (w->node_rank == 0)
        local = mt_check_fits_in_memory(items, sizeof(int64_t), "the node's shared window", &local_err);
    if ((status = world_agree(w, local, &local_err, err)) != MT_OK) return status;

    int64_t *base = NULL;
    MPI_Aint bytes = w->node_rank == 0 ? (MPI_Aint)(items * sizeof(int64_t)) : 0;
    /* The leader maps as much memory first, on its own: if even that fails (an address-space limit, no
     * memory to commit), every rank learns it and ends with exit 1, instead of the others waiting in the
     * collective allocation for a leader that failed in it. */
    if (bytes > 0) {
        void *trial = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (trial == MAP_FAILED)
            local = mt_fail(&local_err, MT_ERR_RUNTIME, "rank %d: cannot map a shared window of %.1f GiB: %s", w->rank,
                            (double)bytes / 1073741824.0, strerror(errno));
        else
            munmap(trial, (size_t)bytes);
    }
    if ((status = world_agree(w, local, &local_err, err)) != MT_OK) return status;
    int code = MPI_Win_allocate_shared(bytes, sizeof(int64_t), MPI_INFO_NULL, w->node, &base, &shared->window);
    local = code == MPI_SUCCESS ? MT_OK : world_mpi_failure(code, "MPI_Win_allocate_shared", &local_err);
    if ((status = world_agree(w, local, &local_err, err)) != MT_OK) return status;
    MPI_CHECK(MPI_Win_set_errhandler(shared->window, MPI_ERRORS_RETURN));
    /* Every rank of the node maps the leader's memory. */
    MPI_Aint size;
    int unit;
    MPI_CHECK(MPI_Win_shared_query(shared->window, 0, &size, &unit, &base));
    shared->in = base;
    shared->out = base + shared->capacity + WINDOW_PAD;
    /* One passive epoch for the whole run; every hand-over inside it is sync, barrier, sync. */
    MPI_CHECK(MPI_Win_lock_all(MPI_MODE_NOCHECK, shared->window));
    shared->locked = true;
    if (w->node_rank == 0) memset(base, 0, (size_t)items * sizeof(int64_t)); /* touched before timing */
    return hand_over(shared, w, err);
}

mt_status shared_window_scatter(shared_window *shared, const world_info *world, uint64_t round_n, shared_range *mine,
                                mt_error *err)
{
    shared_window_split(shared, world, round_n, mine);
    if (shared->count > 1 && shared->leaders != MPI_COMM_NULL) {
        /* Node 0 keeps its own share in place; the others' go to their windows. */
        bool root = world->rank == 0;
        MPI_CHECK(MPI_Scatterv(shared->in, shared->node_counts, shared->node_displs, MPI_INT64_T,
                               root ? MPI_IN_PLACE : shared->in, shared->node_counts[shared->index], MPI_INT64_T, 0,
                               shared->leaders));
    }
    return hand_over(shared, world, err);
}

mt_status shared_window_gather(shared_window *shared, const world_info *world, mt_error *err)
{
    mt_status status = hand_over(shared, world, err);
    if (status != MT_OK) return status;
    if (shared->count > 1 && shared->leaders != MPI_COMM_NULL) {
        bool root = world->rank == 0;
        MPI_CHECK(MPI_Gatherv(root ? MPI_IN_PLACE : shared->out, shared->node_counts[shared->index], MPI_INT64_T,
                              shared->out, shared->node_counts, shared->node_displs, MPI_INT64_T, 0, shared->leaders));
    }
    return MT_OK;
}

void shared_window_close(shared_window *shared)
{
    if (shared->locked) MPI_Win_unlock_all(shared->window);
    if (shared->window != MPI_WIN_NULL) MPI_Win_free(&shared->window);
    if (shared->leaders != MPI_COMM_NULL) MPI_Comm_free(&shared->leaders);
    free(shared->node_sizes);
    free(shared->node_counts);
    free(shared->node_displs);
}
