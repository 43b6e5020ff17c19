/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "cube_run.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "harness.h"
#include "io_read.h"
#include "kernel.h"
#include "stream.h"

/* Rank 0: read and check the list (or, streaming, scan it); every rank: learn n, or agree on the failure. */
mt_status prepare_list(mt_options *options, cube_run *run, mt_error *err)
{
    mt_status status = MT_OK;
    mt_error local_err = {""};
    if (run->io_mpi) {
        /* --io mpi: every rank reads its own byte range of the file, or makes its own block of a generated
         * list (io_read.c); rank 0 reads no more. */
        double start = mt_now();
        if (options->generate) {
            run->n = options->generate_count;
            status =
                io_generate_part(&run->world, run->n, options->seed, run->explain, &run->own, &run->own_first, err);
        } else
            status =
                io_read_part(&run->world, options->input_path, run->explain, &run->own, &run->own_first, &run->n, err);
        options->read_s = mt_now() - start;
        if (status == MT_OK && run->own.count > INT_MAX)
            status = mt_fail(&local_err, MT_ERR_USAGE, "rank %d: over %d items of the list (MPI counts are int)",
                             run->world.rank, INT_MAX);
        return status == MT_OK ? world_agree(&run->world, status, &local_err, err) : status;
    }
    /* Rank 0 holds a round and its results; the node's other ranks their slices, as much again. */
    uint64_t per_rank = options->generate ? options->generate_count : UINT64_MAX;
    if (run->world.rank == 0 && run->chunk > 0) {
        uint64_t round = run->chunk * (uint64_t)run->world.size;
        status =
            mt_check_fits_in_memory(round < per_rank ? round : per_rank, 4 * sizeof(int64_t), "--chunk", &local_err);
        double start = mt_now();
        if (status == MT_OK) status = stream_scan(options, &run->source, &run->n, &local_err);
        options->read_s = mt_now() - start;
        if (status == MT_OK)
            status =
                mt_check_fits_in_memory(round < run->n ? round : run->n, 4 * sizeof(int64_t), "--chunk", &local_err);
    } else if (run->world.rank == 0) {
        mt_numbers numbers;
        status = mt_harness_read_numbers(options, 4 * sizeof(int64_t), &numbers, &local_err);
        if (status == MT_OK) {
            run->values = numbers.values;
            run->n = numbers.count;
            run->owns_values = true;
            if (run->n > INT_MAX)
                status = mt_fail(&local_err, MT_ERR_USAGE, "a list over %d items needs --chunk (MPI counts are int)",
                                 INT_MAX);
        }
    }
    status = world_agree(&run->world, status, &local_err, err);
    if (status != MT_OK) return status;
    MPI_CHECK(MPI_Bcast(&run->n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD));
    return MT_OK;
}

/* The items of the largest round: the whole list, or chunk items for each rank. */
static uint64_t round_capacity(const cube_run *run)
{
    uint64_t round_n = run->chunk > 0 ? run->chunk * (uint64_t)run->world.size : run->n;
    return round_n < run->n ? round_n : run->n;
}

/* Every rank: the buffers of one round, touched now so no first touch is timed. With the scatter transport,
 * rank 0 holds the round and its cubes and every other rank a slice of each; with the shared transport, each
 * node's window holds them. Item arrays come from mt_items_alloc: huge pages asked for, and input and output
 * never a multiple of 4 KiB apart (staggers 0 and 1), which would slow the loop between them. */
mt_status prepare_buffers(cube_run *run, mt_error *err)
{
    const world_info *w = &run->world;
    uint64_t round_n = round_capacity(run), slice_items = round_n / (uint64_t)w->size + 1;
    bool root = w->rank == 0, ok = true;
    run->counts = malloc((size_t)w->size * sizeof(int));
    run->displs = malloc((size_t)w->size * sizeof(int));
    ok = run->counts != NULL && run->displs != NULL;
    if (ok && run->io_mpi) {
        slice_items = run->own.count; /* its own items are read already: their cubes */
        run->slice_out = mt_items_alloc(slice_items, 1);
        ok = run->slice_out != NULL;
        if (ok) memset(run->slice_out, 0, slice_items * sizeof(int64_t));
    } else if (ok && !run->shared && root) {
        if (run->chunk > 0) {
            run->values = mt_items_alloc(round_n, 0);
            run->owns_values = true;
        }
        run->results = mt_items_alloc(round_n, 1);
        ok = run->results != NULL && (run->chunk == 0 || run->values != NULL);
        if (ok && run->chunk > 0) memset(run->values, 0, round_n * sizeof(int64_t));
        if (ok) memset(run->results, 0, round_n * sizeof(int64_t));
    } else if (ok && !run->shared) {
        run->slice_in = mt_items_alloc(slice_items, 0);
        run->slice_out = mt_items_alloc(slice_items, 1);
        ok = run->slice_in != NULL && run->slice_out != NULL;
        if (ok) {
            memset(run->slice_in, 0, slice_items * sizeof(int64_t));
            memset(run->slice_out, 0, slice_items * sizeof(int64_t));
        }
    }
    mt_error local_err = {""};
    mt_status status = ok ? MT_OK
                          : mt_fail(&local_err, MT_ERR_RUNTIME, "rank %d: out of memory for a slice of %llu items",
                                    w->rank, (unsigned long long)slice_items);
    if ((status = world_agree(w, status, &local_err, err)) != MT_OK || !run->shared) return status;
    if ((status = shared_window_open(&run->window, w, round_n, err)) != MT_OK || !root) return status;
    /* Rank 0 moves the list into node 0's window now, untimed, as the scatter transport has it in rank 0's
     * memory; the rounds of a stream are read straight into it. */
    if (run->chunk == 0 && run->n > 0) memcpy(run->window.in, run->values, (size_t)run->n * sizeof(int64_t));
    if (run->owns_values) free(run->values);
    run->values = run->window.in;
    run->results = run->window.out;
    run->owns_values = false;
    return MT_OK;
}

/* Every rank: where its work will run is recorded: its threads' placement, and when asked, the timeline (item
 * by item up to the cap, a rank recording at most n of them; past it, or with no work to time, one event per
 * thread's block). */
mt_status prepare_probes(cube_run *run, const mt_options *options, mt_timeline *timeline, mt_placement *placement,
                         mt_error *err)
{
    mt_error local_err = {""};
    mt_status local = mt_placement_init(placement, run->world.threads, run->world.rank, &local_err);
    run->placement = placement;
    if (local == MT_OK && mt_harness_wants_timeline(options)) {
        bool blocks = options->work.kind == MT_WORK_NONE || run->n > MT_TIMELINE_CAP;
        local = mt_timeline_init(timeline, run->n, run->world.threads, run->world.rank, blocks, &mt_power_events,
                                 &local_err);
        run->timeline = timeline;
    }
    return world_agree(&run->world, local, &local_err, err);
}

/* --explain: what this rank holds in the first round, printed by rank 0 for every rank. */
mt_status prepare_explain(cube_run *run, mt_error *err)
{
    uint64_t round_n = round_capacity(run), size = (uint64_t)run->world.size, rank = (uint64_t)run->world.rank;
    explain_part part = {.first = (long long)mt_block_first(round_n, size, rank),
                         .count = (long long)mt_block_count(round_n, size, rank)};
    if (run->shared) {
        shared_range range;
        shared_window_split(&run->window, &run->world, round_n, &range);
        part = (explain_part){.first = range.first, .count = range.count, .node = run->window.index};
    }
    return explain_split(&run->world, &part, run->n, round_n, run->chunk, run->shared, run->window.count, err);
}

mt_status prepare_rank_phases(cube_run *run, int repeat, mt_error *err)
{
    mt_error local_err = {""};
    size_t cells = (size_t)repeat * (size_t)run->world.size * (PHASE_COUNT + 1);
    if (run->world.rank == 0) run->rank_phases = calloc(cells, sizeof *run->rank_phases);
    mt_status local = run->world.rank == 0 && run->rank_phases == NULL
                          ? mt_fail(&local_err, MT_ERR_RUNTIME, "out of memory for the ranks' phases")
                          : MT_OK;
    return world_agree(&run->world, local, &local_err, err);
}

void cube_run_free(cube_run *run)
{
    if (run->world.rank == 0) mt_source_close(&run->source);
    /* values is the list as read (malloc'd), or with --chunk a round buffer from mt_items_alloc */
    if (run->owns_values && run->chunk > 0) mt_items_free(run->values, 0);
    if (run->owns_values && run->chunk == 0) free(run->values);
    if (!run->shared) mt_items_free(run->results, 1);
    mt_items_free(run->slice_in, 0);
    mt_items_free(run->slice_out, 1);
    free(run->counts);
    free(run->displs);
    free(run->rank_phases);
    if (run->shared) shared_window_close(&run->window);
    mt_numbers_free(&run->own);
}
