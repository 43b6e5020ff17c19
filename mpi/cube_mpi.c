/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* cube_mpi - activity 4 done right: the original's Pool(N).starmap(calc_cube, numbers) (which raises TypeError
 * on a flat list, and whose calc_cube returns None) as MPI ranks. Rank 0 scatters the list (MPI_Scatterv: any n,
 * any ranks, uneven and empty shares), each rank cubes its share with cube_omp's own map on its threads, and
 * MPI_Gatherv brings the cubes back to rank 0 in input order, which checks and prints them.
 *
 * USAGE  mpirun -np 4 cube_mpi [--work sleep|spin|none] [--transport scatter|shared] [--chunk K] [NUMBER...]
 * NOTES  Timed: from a barrier to the end of the gather, MPI_Wtime on every rank, the slowest rank's (stream.c,
 *        which also times each step, and streams --chunk's rounds). n counts the input items, one cube each.
 *        Ideal with sleep work: ceil(n/(P*T))d, P ranks of T threads. Errors end every rank by itself (no
 *        MPI_Abort). Before and after the runs: prepare.c, record.c; the window transport: shared_window.c. */
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "cube_map.h"
#include "cube_mpi_cli.h"
#include "cube_run.h"
#include "harness.h"
#include "output.h"
#include "stream.h"
#include "world.h"

/* Step 1: rank 0 deals the round over the ranks, a contiguous block each (the split threads get, one level up). */
static mt_status scatter(cube_run *run, uint64_t round_n, uint64_t round_first, mt_error *err)
{
    const world_info *w = &run->world;
    bool root = w->rank == 0;
    for (int r = 0; r < w->size; r++) {
        run->displs[r] = (int)mt_block_first(round_n, (uint64_t)w->size, (uint64_t)r);
        run->counts[r] = (int)mt_block_count(round_n, (uint64_t)w->size, (uint64_t)r);
    }
    /* Rank 0 keeps its own share where it is (MPI_IN_PLACE): the first counts[0] items of the list, cubed
     * straight into the first counts[0] places of the results. */
    int64_t *in = root ? run->values : run->slice_in;
    int64_t *out = root ? run->results : run->slice_out;
    int count = run->counts[w->rank];
    /* Scatterv, not Scatter: the counts may differ by one, and ranks may get none. */
    MPI_CHECK(MPI_Scatterv(run->values, run->counts, run->displs, MPI_INT64_T, root ? MPI_IN_PLACE : in, count,
                           MPI_INT64_T, 0, MPI_COMM_WORLD));
    run->share = (cube_part){in, out, count, round_first + (uint64_t)run->displs[w->rank]};
    return MT_OK;
}

/* Step 2, the hybrid level: this rank's share cubed on its OpenMP threads by cube_omp's own map (cube_map.c). */
static void cube_share(cube_run *run)
{
    const cube_part *share = &run->share;
    mt_probe probe = {run->timeline, run->placement, share->in, run->units_done, share->first, MT_OP_CUBE};
    cube_map(share->in, share->out, share->count, &run->work, &probe);
    run->units_done += (uint64_t)share->count;
}

/* Step 3: Gatherv puts each rank's cubes at its displacement: the results come back in input order. */
static mt_status gather(cube_run *run, mt_error *err)
{
    bool root = run->world.rank == 0;
    MPI_CHECK(MPI_Gatherv(root ? MPI_IN_PLACE : run->share.out, run->share.count, MPI_INT64_T, run->results,
                          run->counts, run->displs, MPI_INT64_T, 0, MPI_COMM_WORLD));
    return MT_OK;
}

static const cube_steps scatter_steps = {scatter, cube_share, gather};

/* --transport shared: the same three steps with the node's window in place of the copies (shared_window.c). */
static mt_status scatter_shared(cube_run *run, uint64_t round_n, uint64_t round_first, mt_error *err)
{
    shared_range range;
    mt_status status = shared_window_scatter(&run->window, &run->world, round_n, &range, err);
    run->share = (cube_part){range.in, range.out, range.count, round_first + (uint64_t)range.first};
    return status;
}

static mt_status gather_shared(cube_run *run, mt_error *err)
{
    return shared_window_gather(&run->window, &run->world, err);
}

static const cube_steps shared_steps = {scatter_shared, cube_share, gather_shared};

/* --io mpi: no scatter and no gather; each rank cubes the items it read itself (io_read.c). */
static mt_status own_items(cube_run *run, uint64_t round_n, uint64_t round_first, mt_error *err)
{
    (void)round_n;
    (void)err;
    run->share = (cube_part){run->own.values, run->slice_out, (int)run->own.count, round_first + run->own_first};
    return MT_OK;
}

static mt_status nothing_to_gather(cube_run *run, mt_error *err)
{
    (void)run;
    (void)err;
    return MT_OK;
}

static const cube_steps own_items_steps = {own_items, cube_share, nothing_to_gather};

/* The recipe every rank follows between MPI_Init and MPI_Finalize (world_main): prepare, run, gather where the
 * work ran, check, report; the status every rank agrees on, as world_recipe says. */
static mt_status cube_mpi(int argc, char **argv, mt_options *options, mt_error *err)
{
    cube_mpi_settings settings = {0};
    cube_run run = {.valid = true,
                    .window = {.leaders = MPI_COMM_NULL, .window = MPI_WIN_NULL},
                    .world = {.program = cube_mpi_program.name, .node = MPI_COMM_NULL}};
    bool go;
    mt_status status = world_start(argc, argv, &cube_mpi_program, options, &settings, &run.world, &go, err);
    if (!go) return status;
    bool root = run.world.rank == 0;
    run.work = options->work;
    run.chunk = settings.chunk;
    run.shared = settings.shared;
    run.explain = settings.explain;
    run.io_mpi = settings.io_mpi;
    run.steps = run.io_mpi ? &own_items_steps : run.shared ? &shared_steps : &scatter_steps;
    /* Where the lines go: standard output or a device by rank 0, or FILE by every rank (output.c). */
    results_output lines_out = {.file = MPI_FILE_NULL};
    MPI_Info hints = MPI_INFO_NULL;
    if (status == MT_OK) status = output_hints(settings.io_hints, settings.io_hint_count, &hints, err);
    if (status == MT_OK) status = output_open(&lines_out, &run.world, options, hints, err);
    run.output = options->lines;
    run.print_lines = mt_harness_prints_lines(options) && lines_out.path != OUTPUT_COLLECTIVE;
    run.lines_out = lines_out.path == OUTPUT_COLLECTIVE ? &lines_out : NULL;

    /* Rank 0 reads the list; every rank learns n, holds its buffers, and records where its work runs. */
    if (status == MT_OK) status = prepare_list(options, &run, err);
    if (status == MT_OK) status = prepare_buffers(&run, err);
    mt_timeline timeline = {0};
    mt_placement placement = {0};
    if (status == MT_OK) status = prepare_probes(&run, options, &timeline, &placement, err);
    if (status == MT_OK && settings.explain && !run.io_mpi) status = prepare_explain(&run, err); /* io: io_read.c's */
    /* Rank 0 keeps every rank's phases of every timed run, for their spread over the ranks. */
    if (status == MT_OK) status = prepare_rank_phases(&run, options->repeat, err);

    /* The priming pass (the whole list once, no work, untimed) starts the OpenMP teams and warms the
     * transport's paths; a stream is not read an extra time for it. */
    mt_repeat_plan plan = {.prime = run.chunk == 0, .warmup = options->warmup, .repeat = options->repeat};
    run.list = &run.source;
    if (status == MT_OK) status = mt_repeat(stream_run_once, &run, &plan, err);
    if (root) options->runs_end = mt_now(); /* the output phase starts here: the record's output_s */
    world_gathered where = {0};
    if (status == MT_OK) status = world_gather(&run.world, &placement, run.timeline, &where, err);
    if (status == MT_OK) status = record_check_and_write(&run, err);
    world_costs costs = {0};
    if (status == MT_OK) status = world_reduce_costs(&run.world, &plan, &costs, err);
    int verdict = (int)status;
    if (status == MT_OK && root) {
        mt_error report_err = {""};
        verdict = (int)record_report(&run, options, &plan, &where, &costs, &report_err);
        /* Standard output is rank 0's: whether it was written whole is part of the verdict. */
        if (verdict == MT_OK) verdict = (int)mt_output_finish(&options->output, &report_err);
        if (verdict != MT_OK) mt_print_error(cube_mpi_program.name, &report_err);
    }
    if (root) mt_output_file_discard(&options->results); /* a FILE not put in place: the run failed */
    output_free(&lines_out, &run.world, status == MT_OK || err->message[0] == '\0');
    if (hints != MPI_INFO_NULL) MPI_Info_free(&hints);
    world_gathered_free(&where);
    world_costs_free(&costs);
    mt_timeline_free(&timeline);
    mt_placement_free(&placement);
    mt_repeat_free(&plan);
    cube_run_free(&run);
    world_free(&run.world);
    /* Rank 0's verdict on the results is every rank's exit status. */
    return world_verdict(status, verdict, err);
}

int main(int argc, char **argv)
{
    return world_main(argc, argv, &cube_mpi_program, cube_mpi);
}
