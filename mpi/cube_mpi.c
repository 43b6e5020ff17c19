/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* cube_mpi - activity 4 done right: the original's multiprocessing starmap, as MPI ranks.
 *
 * PURPOSE  Rank 0 reads the number list and scatters it over the ranks (MPI_Scatterv: any n, any number of
 *          ranks, uneven splits and empty ranks included); each rank cubes its slice on OpenMP threads
 *          (hybrid MPI + OpenMP); the results come back to rank 0 with MPI_Gatherv, which checks them and
 *          prints them in input order. The Python original's Pool(N).starmap(calc_cube, numbers) raises
 *          TypeError on a flat list and its calc_cube returns None: this is the map it meant.
 *
 * USAGE    mpirun -np 4 cube_mpi [--work sleep|spin|none] [--delay S] [NUMBER...]
 *          mpirun -np 2 cube_mpi -t 2 --explain                       # 4 workers, the split shown
 *          cube_mpi                                                   # a singleton, no mpirun
 *          mpirun -np 2 cube_mpi --transport shared --work none --generate 33554432   # no copies
 *
 * NOTES    Timed, as MPI users time: a barrier, then MPI_Wtime on every rank from the barrier to the end of
 *          the gather; the run's time is the maximum over the ranks (and likewise for each phase: scatter,
 *          compute, gather). Not timed: reading the list (rank 0), touching the buffers, the untimed priming
 *          pass, validation and printing. With --chunk K the list streams through the ranks in rounds of K
 *          items per rank (stream.c), and the timed part is the whole stream: rank 0 reading each round,
 *          moving it, and printing its lines (use --quiet to leave printing out).
 *          n counts the input items, one cube each. Ideal time with sleep work, d the delay, P ranks and T
 *          threads a rank: ceil(n/(P*T))d, which the block split reaches exactly; with --chunk K, rounds of K*P
 *          items one after another, each ceil(K/T) delays and the last ceil((n mod K*P)/(P*T)) (stream.h).
 *          Errors: bad input found at rank 0 is shared as a status, so every rank ends by itself with exit 2
 *          (no MPI_Abort); MPI calls return their errors (MPI_ERRORS_RETURN): a message, exit 1.
 *          The other transport, --transport shared (MPI-3 shared-memory windows), is in shared_window.c;
 *          --explain's printing in explain.c; what every part needs of MPI in world.c. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>
#include <omp.h>

#include "cli.h"
#include "cube_map.h"
#include "cube_mpi_cli.h"
#include "explain.h"
#include "io_read.h"
#include "kernel.h"
#include "numbers.h"
#include "output.h"
#include "report.h"
#include "shared_window.h"
#include "stream.h"
#include "timeline.h"
#include "timer.h"
#include "world.h"

enum { PHASE_SCATTER, PHASE_COMPUTE, PHASE_GATHER, PHASE_COUNT };

typedef struct {
    world_info world;
    mt_work work;
    uint64_t n;           /* items in the whole list */
    uint64_t chunk;       /* items per rank per round; 0: one round holding the whole list */
    int *counts, *displs; /* the split of one round over the ranks */
    /* rank 0 */
    mt_source source;  /* the list, read again each run when streaming */
    mt_source *list;   /* &source of the run that owns it: a run's copy reads through it, so the reader's block
                        * is allocated once and freed by mt_source_close */
    int64_t *values;   /* the list (or the round's part of it) */
    int64_t *results;  /* the cubes, in input order */
    bool owns_values;  /* values is ours to free (not in the shared window) */
    mt_output *output; /* where the lines go */
    bool print_lines;  /* rank 0 prints the lines (mt_harness_prints_lines, not written by every rank) */
    bool print_round;  /* streaming: print each round's lines as it arrives */
    bool valid;        /* every result checked so far matched */
    /* every rank */
    int64_t *slice_in, *slice_out;     /* this rank's items and cubes (rank 0: inside values and results) */
    bool shared;                       /* --transport shared */
    bool explain;                      /* --explain: the split, and where each worker ran */
    shared_window window;              /* shared: the node's window and this rank's place in it */
    mt_timeline *timeline;             /* NULL: not recording */
    mt_placement *placement;           /* where this rank's threads ran; NULL: not noting (the priming pass) */
    uint64_t units_done;               /* this rank's items so far in this run: its next timeline slot */
    results_output *lines_out;         /* --output FILE by MPI-IO: every rank writes its own lines; NULL: not */
    bool write_round;                  /* streaming: every rank writes its lines of each round as it is cubed */
    const int64_t *mine_in, *mine_out; /* this rank's part of the last round: its items and cubes */
    int mine_count;
    bool io_mpi;         /* --io mpi: every rank read its own items (own), none is scattered or gathered */
    mt_numbers own;      /* --io mpi: this rank's items, read by itself */
    uint64_t own_first;  /* --io mpi: the index of its first item in the list */
    double *rank_phases; /* rank 0: each timed run's phases and total on each rank, [run][rank][PHASE_COUNT + 1] */
} cube_run;

/* The hybrid level: this rank's slice cubed on the rank's OpenMP threads by cube_omp's own map (cube_map.c).
 * first_item is the slice's first index in the whole list, for the timeline. */
static void cube_slice(cube_run *run, const int64_t *in, int64_t *out, int count, uint64_t first_item)
{
    mt_probe probe = {run->timeline, run->placement, in, run->units_done, first_item, MT_OP_CUBE};
    cube_map(in, out, count, &run->work, &probe);
    run->units_done += (uint64_t)count;
}

/* One round, the lesson: scatter round_n items from rank 0, cube them on every rank, gather them back in
 * order. first_item is the round's first item in the whole list. Adds each phase's seconds to phases. */
static mt_status scatter_cube_gather(cube_run *run, uint64_t round_n, uint64_t first_item, double *phases,
                                     mt_error *err)
{
    const world_info *w = &run->world;
    bool root = w->rank == 0;
    double t0 = MPI_Wtime(), t1, t2;
    if (run->io_mpi) {
        /* --io mpi: no scatter and no gather; each rank cubes the items it read itself (io_read.c). */
        t1 = MPI_Wtime();
        cube_slice(run, run->own.values, run->slice_out, (int)run->own.count, first_item + run->own_first);
        t2 = MPI_Wtime();
        run->mine_in = run->own.values, run->mine_out = run->slice_out, run->mine_count = (int)run->own.count;
    } else if (run->shared) {
        /* The same three steps with the node's window in place of the copies (shared_window.c). */
        shared_range mine;
        mt_status status = shared_window_scatter(&run->window, w, round_n, &mine, err);
        if (status != MT_OK) return status;
        t1 = MPI_Wtime();
        cube_slice(run, mine.in, mine.out, mine.count, first_item + (uint64_t)mine.first);
        t2 = MPI_Wtime();
        run->mine_in = mine.in, run->mine_out = mine.out, run->mine_count = mine.count;
        if ((status = shared_window_gather(&run->window, w, err)) != MT_OK) return status;
    } else {
        for (int r = 0; r < w->size; r++) {
            run->displs[r] = (int)mt_block_first(round_n, (uint64_t)w->size, (uint64_t)r);
            run->counts[r] = (int)mt_block_count(round_n, (uint64_t)w->size, (uint64_t)r);
        }
        int mine = run->counts[w->rank];
        /* Rank 0 keeps its own share where it is (MPI_IN_PLACE): the first counts[0] items of the list,
         * cubed straight into the first counts[0] places of the results. */
        int64_t *in = root ? run->values : run->slice_in;
        int64_t *out = root ? run->results : run->slice_out;
        /* Scatterv, not Scatter: the counts may differ by one, and ranks may get none. */
        MPI_CHECK(MPI_Scatterv(run->values, run->counts, run->displs, MPI_INT64_T, root ? MPI_IN_PLACE : in, mine,
                               MPI_INT64_T, 0, MPI_COMM_WORLD));
        t1 = MPI_Wtime();
        cube_slice(run, in, out, mine, first_item + (uint64_t)run->displs[w->rank]);
        t2 = MPI_Wtime();
        run->mine_in = in, run->mine_out = out, run->mine_count = mine;
        /* Gatherv puts each rank's cubes at its displacement: the results come back in input order. */
        MPI_CHECK(MPI_Gatherv(root ? MPI_IN_PLACE : out, mine, MPI_INT64_T, run->results, run->counts, run->displs,
                              MPI_INT64_T, 0, MPI_COMM_WORLD));
    }
    double t3 = MPI_Wtime();
    phases[PHASE_SCATTER] += t1 - t0;
    phases[PHASE_COMPUTE] += t2 - t1;
    phases[PHASE_GATHER] += t3 - t2;
    return MT_OK;
}

/* Rank 0, streaming: read the next round into values (round_n 0: go back to the start of the list first).
 * Every rank learns whether that worked (only rank 0 can fail here), so that none waits in a scatter that will
 * not come; rank 0 prints why, and every rank ends by itself. */
static mt_status read_round(cube_run *run, uint64_t round_n, mt_error *err)
{
    mt_status status = MT_OK;
    if (run->world.rank == 0) {
        size_t got = 0;
        status = round_n == 0 ? mt_source_rewind(run->list, err)
                              : mt_source_read(run->list, run->values, (size_t)round_n, &got, err);
        if (status == MT_OK && got != round_n)
            status = mt_fail(err, MT_ERR_RUNTIME, "the list changed while it was read");
        if (status != MT_OK) mt_print_error(run->world.program, err);
    }
    int verdict = (int)status;
    MPI_CHECK(MPI_Bcast(&verdict, 1, MPI_INT, 0, MPI_COMM_WORLD));
    if (verdict != MT_OK) err->message[0] = '\0'; /* rank 0 has said why */
    return (mt_status)verdict;
}

/* Rank 0: the self-check of a round's cubes, and their lines when streaming. */
static void check_round(cube_run *run, uint64_t count)
{
    if (mt_powers_check(run->values, run->results, count, MT_OP_CUBE) != count) run->valid = false;
    if (run->print_round) mt_print_powers(run->output, run->values, run->results, count, MT_OP_CUBE);
}

/* One run: the whole list in one round, or streamed in rounds of chunk items per rank. */
static mt_status run_once(void *context, const mt_run_info *info, mt_sample *sample, mt_error *err)
{
    cube_run run = *(cube_run *)context;
    if (info->prime) run.work = (mt_work){.kind = MT_WORK_NONE}, run.timeline = NULL, run.placement = NULL;
    if (run.placement != NULL) mt_placement_start(run.placement); /* keeps the last run's */
    bool streaming = run.chunk > 0, root = run.world.rank == 0;
    run.print_round = streaming && info->last && root && run.print_lines;
    run.write_round = streaming && info->last && run.lines_out != NULL;
    if (streaming) {
        mt_status status = read_round(&run, 0, err); /* every pass reads the list the scan read */
        if (status != MT_OK) return status;
    }
    double phases[PHASE_COUNT] = {0}, slowest[PHASE_COUNT + 1];
    /* Every rank starts the clock together; each rank's timeline starts at its own clock after the barrier. */
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    double start = MPI_Wtime();
    if (run.timeline != NULL) mt_timeline_start(run.timeline, mt_now());
    run.units_done = 0;
    uint64_t per_round = streaming ? run.chunk * (uint64_t)run.world.size : run.n;
    for (uint64_t done = 0; done < run.n || (done == 0 && !streaming);) {
        uint64_t round_n = run.n - done < per_round ? run.n - done : per_round;
        mt_status status = streaming ? read_round(&run, round_n, err) : MT_OK;
        if (status == MT_OK) status = scatter_cube_gather(&run, round_n, done, phases, err);
        /* Each rank writes the round's lines it cubed, after the rounds before (output.c) */
        if (status == MT_OK && run.write_round)
            status = output_write(run.lines_out, &run.world, run.mine_in, run.mine_out, (uint64_t)run.mine_count, err);
        if (status != MT_OK) return status;
        if (root && streaming) check_round(&run, round_n);
        done += round_n;
        if (!streaming) break;
    }
    double mine[PHASE_COUNT + 1] = {phases[0], phases[1], phases[2], MPI_Wtime() - start};
    /* The run lasts as long as its slowest rank; so does each phase. */
    MPI_CHECK(MPI_Reduce(mine, slowest, PHASE_COUNT + 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD));
    /* Each rank's own phases too, side by side at rank 0: the spread over ranks shows the imbalance. */
    if (!info->warmup) {
        size_t row = (size_t)info->timed * (size_t)run.world.size * (PHASE_COUNT + 1);
        double *into = root ? run.rank_phases + row : NULL;
        MPI_CHECK(MPI_Gather(mine, PHASE_COUNT + 1, MPI_DOUBLE, into, PHASE_COUNT + 1, MPI_DOUBLE, 0, MPI_COMM_WORLD));
    }
    cube_run *kept = context;
    kept->valid = run.valid;
    kept->mine_in = run.mine_in, kept->mine_out = run.mine_out, kept->mine_count = run.mine_count;
    sample->elapsed_s = slowest[PHASE_COUNT];
    memcpy(sample->phases, slowest, sizeof(double) * PHASE_COUNT);
    return MT_OK;
}

/* Rank 0: read and check the list (or, streaming, scan it); every rank: learn n, or agree on the failure. */
static mt_status load_list(mt_options *options, cube_run *run, mt_error *err)
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
        status = mt_cli_read_numbers(options, 4 * sizeof(int64_t), &numbers, &local_err);
        if (status == MT_OK) {
            run->values = numbers.values, run->n = numbers.count, run->owns_values = true;
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
static mt_status allocate_buffers(cube_run *run, mt_error *err)
{
    const world_info *w = &run->world;
    uint64_t round_n = round_capacity(run), mine = round_n / (uint64_t)w->size + 1;
    bool root = w->rank == 0, ok = true;
    run->counts = malloc((size_t)w->size * sizeof(int));
    run->displs = malloc((size_t)w->size * sizeof(int));
    ok = run->counts != NULL && run->displs != NULL;
    if (ok && run->io_mpi) {
        mine = run->own.count; /* its own items are read already: their cubes */
        run->slice_out = mt_items_alloc(mine, 1);
        ok = run->slice_out != NULL;
        if (ok) memset(run->slice_out, 0, mine * sizeof(int64_t));
    } else if (ok && !run->shared && root) {
        if (run->chunk > 0) run->values = mt_items_alloc(round_n, 0), run->owns_values = true;
        run->results = mt_items_alloc(round_n, 1);
        ok = run->results != NULL && (run->chunk == 0 || run->values != NULL);
        if (ok && run->chunk > 0) memset(run->values, 0, round_n * sizeof(int64_t));
        if (ok) memset(run->results, 0, round_n * sizeof(int64_t));
    } else if (ok && !run->shared) {
        run->slice_in = mt_items_alloc(mine, 0), run->slice_out = mt_items_alloc(mine, 1);
        ok = run->slice_in != NULL && run->slice_out != NULL;
        if (ok) memset(run->slice_in, 0, mine * sizeof(int64_t)), memset(run->slice_out, 0, mine * sizeof(int64_t));
    }
    mt_error local_err = {""};
    mt_status status = ok ? MT_OK
                          : mt_fail(&local_err, MT_ERR_RUNTIME, "rank %d: out of memory for a slice of %llu items",
                                    w->rank, (unsigned long long)mine);
    if ((status = world_agree(w, status, &local_err, err)) != MT_OK || !run->shared) return status;
    if ((status = shared_window_open(&run->window, w, round_n, err)) != MT_OK || !root) return status;
    /* Rank 0 moves the list into node 0's window now, untimed, as the scatter transport has it in rank 0's
     * memory; the rounds of a stream are read straight into it. */
    if (run->chunk == 0 && run->n > 0) memcpy(run->window.in, run->values, (size_t)run->n * sizeof(int64_t));
    if (run->owns_values) free(run->values);
    run->values = run->window.in, run->results = run->window.out, run->owns_values = false;
    return MT_OK;
}

/* Every rank: where its work will run is recorded: its threads' placement, and when asked, the timeline (item
 * by item up to the cap, a rank recording at most n of them; past it, or with no work to time, one event per
 * thread's block). */
static mt_status record_where(cube_run *run, const mt_options *options, mt_timeline *timeline, mt_placement *placement,
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
static mt_status explain(cube_run *run, mt_error *err)
{
    uint64_t round_n = round_capacity(run), size = (uint64_t)run->world.size, rank = (uint64_t)run->world.rank;
    explain_part part = {.first = (long long)mt_block_first(round_n, size, rank),
                         .count = (long long)mt_block_count(round_n, size, rank)};
    if (run->shared) {
        shared_range mine;
        shared_window_split(&run->window, &run->world, round_n, &mine);
        part = (explain_part){.first = mine.first, .count = mine.count, .node = run->window.index};
    }
    return explain_split(&run->world, &part, run->n, round_n, run->chunk, run->shared, run->window.count, err);
}

/* Rank 0: each phase's spread over the ranks (the last: the whole run), from each rank's median over the
 * timed runs; and their JSON, {"scatter_s": {"min", "mean", "max"}, ...}. */
static mt_status rank_spreads(const cube_run *run, int repeat, world_spread spreads[PHASE_COUNT + 1], json_t *json,
                              mt_error *err)
{
    static const char *const names[PHASE_COUNT + 1] = {"scatter_s", "compute_s", "gather_s", "total_s"};
    int size = run->world.size;
    double *column = malloc((size_t)repeat * sizeof *column), *medians = malloc((size_t)size * sizeof *medians);
    mt_status status = column != NULL && medians != NULL ? MT_OK : mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    for (int p = 0; status == MT_OK && p < PHASE_COUNT + 1; p++) {
        for (int r = 0; status == MT_OK && r < size; r++) {
            for (int i = 0; i < repeat; i++)
                column[i] = run->rank_phases[((size_t)i * (size_t)size + (size_t)r) * (PHASE_COUNT + 1) + (size_t)p];
            mt_stats stats;
            status = mt_stats_compute(column, repeat, &stats, err);
            medians[r] = stats.median;
        }
        if (status != MT_OK) break;
        spreads[p] = world_spread_of(medians, size);
        json_object_set_new(
            json, names[p],
            json_pack("{s:f, s:f, s:f}", "min", spreads[p].min, "mean", spreads[p].mean, "max", spreads[p].max));
    }
    free(column), free(medians);
    return status;
}

/* Rank 0, after the runs: the self-check, the lines in input order, the timeline and the record. */
static mt_status report(cube_run *run, mt_options *options, const mt_repeat_plan *runs, const world_gathered *where,
                        const world_costs *costs, mt_error *err)
{
    const world_info *w = &run->world;
    char library[MPI_MAX_LIBRARY_VERSION_STRING];
    world_library_version(library);
    int workers = mt_model_workers(&options->work, w->size * w->threads, w->total_cores);
    const char *transport = run->shared ? "shared" : "scatter";
    mt_record record;
    /* Rounds follow one another: the model sums what each round keeps busy (stream.h). */
    uint64_t steps = stream_ideal_steps(run->n, run->chunk, (uint64_t)w->size, (uint64_t)workers);
    mt_status status =
        mt_harness_record(&cube_mpi_program, options, run->io_mpi ? "io-mpi" : transport, run->n, w->threads, w->size,
                          runs, (double)steps * options->work.delay_s, &record, err);
    if (status != MT_OK) return status;
    record.mpi_library = library;
    /* What the runs cost, over every rank (world_reduce_costs) */
    record.cpu_user_s = costs->cpu_user_s, record.cpu_sys_s = costs->cpu_sys_s, record.cpu_wall_s = costs->wall_s;
    record.max_rss_mib = costs->max_rss_mib, record.rank_rss_mib = costs->rank_rss_mib;
    record.cpu_queue_s = costs->cpu_queue_s;
    record.machine_busy = costs->machine_busy;
    record.rank_hosts = where->host_names;
    record.places = where->places, record.place_count = where->place_count;
    record.valid = run->valid;
    /* Each rank's own phases side by side: the compute phase's spread is the load imbalance (max / mean). */
    world_spread spreads[PHASE_COUNT + 1];
    json_t *phases_ranks = json_object();
    status = rank_spreads(run, runs->repeat, spreads, phases_ranks, err);
    if (status != MT_OK) {
        json_decref(phases_ranks);
        return status;
    }
    world_spread compute = spreads[PHASE_COMPUTE];
    double imbalance = compute.mean > 0 ? compute.max / compute.mean : NAN;
    record.fields = json_pack("{s:s, s:o, s:o}", "transport", run->io_mpi ? "io-mpi" : transport, "chunk",
                              run->chunk > 0 ? json_integer((json_int_t)run->chunk) : json_null(), "imbalance",
                              isfinite(imbalance) && record.valid ? json_real(imbalance) : json_null());
    char note[128];
    snprintf(note, sizeof note, "ranks' compute %.4f to %.4f s (mean %.4f): imbalance %.2f", compute.min, compute.max,
             compute.mean, imbalance);
    if (isfinite(imbalance) && w->size > 1) record.summary_note = note;
    /* Each phase's median over the timed runs (each run's phase: the maximum over the ranks). */
    static const char *const names[PHASE_COUNT] = {"scatter_s", "compute_s", "gather_s"};
    mt_stats phases[PHASE_COUNT];
    json_t *medians = json_object();
    for (int p = 0; status == MT_OK && p < PHASE_COUNT; p++) {
        status = mt_sample_stats(runs->samples, runs->repeat, p, &phases[p], err);
        json_object_set_new(medians, names[p], json_real(phases[p].median));
    }
    record.details =
        json_pack("{s:o, s:o, s:o}", "phases", medians, "phases_ranks", phases_ranks, "ranks_time_s",
                  json_pack("{s:f, s:f, s:f}", "min", compute.min, "mean", compute.mean, "max", compute.max));
    if (status == MT_OK && options->verbose && record.valid)
        fprintf(stderr, "%s: phases (median of the max over ranks): scatter %.6f s, compute %.6f s, gather %.6f s\n",
                cube_mpi_program.name, phases[PHASE_SCATTER].median, phases[PHASE_COMPUTE].median,
                phases[PHASE_GATHER].median);
    if (run->explain && !options->verbose) /* --verbose prints it with the record */
        mt_placement_print(stderr, cube_mpi_program.name, where->places, where->place_count);
    if (status == MT_OK && record.valid && run->print_lines && run->chunk == 0 &&
        !run->io_mpi) /* io: no list at rank 0 */
        mt_print_powers(run->output, run->values, run->results, run->n, MT_OP_CUBE);
    if (status == MT_OK && run->timeline != NULL) {
        mt_trace trace = {.events = where->events,
                          .count = where->event_count,
                          .hosts = where->host_names,
                          .ranks = w->size,
                          .aggregated = !run->timeline->per_unit,
                          .style = &mt_power_events,
                          .program = cube_mpi_program.name,
                          .mode = record.mode,
                          .places = where->places,
                          .place_count = where->place_count,
                          .waits = options->work.kind == MT_WORK_SLEEP,
                          .wall_s = runs->samples[runs->repeat - 1].elapsed_s,
                          .ideal_s = record.ideal_s,
                          .cpus_busy = mt_record_cpus_busy(&record),
                          .machine_busy = record.machine_busy};
        status = mt_harness_timeline(options, &trace, &record, err);
    }
    if (status == MT_OK) status = mt_harness_report(&cube_mpi_program, options, &record, err);
    json_decref(record.fields), json_decref(record.details);
    if (status == MT_OK && !record.valid) status = mt_fail(err, MT_ERR_RUNTIME, "the results did not validate");
    return status;
}

/* Every rank, after the runs: rank 0's self-check of the gathered cubes (a stream's were checked round by
 * round), which every rank learns when it writes; then, with --output by MPI-IO, every rank writes its own lines
 * at its offset (a stream's were written round by round), and FILE is put in place only if they validated. */
static mt_status check_and_write(cube_run *run, mt_error *err)
{
    if (run->io_mpi) {
        /* No rank holds the list: each checks its own cubes, and all learn whether every one did. */
        int valid = mt_powers_check(run->own.values, run->slice_out, run->own.count, MT_OP_CUBE) == run->own.count;
        MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &valid, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
        run->valid = valid;
    } else if (run->world.rank == 0 && run->chunk == 0)
        run->valid = mt_powers_check(run->values, run->results, run->n, MT_OP_CUBE) == run->n;
    if (run->lines_out == NULL) return MT_OK;
    int valid = run->valid;
    MPI_CHECK(MPI_Bcast(&valid, 1, MPI_INT, 0, MPI_COMM_WORLD));
    mt_status status = MT_OK;
    if (valid && run->chunk == 0)
        status = output_write(run->lines_out, &run->world, run->mine_in, run->mine_out, (uint64_t)run->mine_count, err);
    if (status != MT_OK && err->message[0] != '\0') return status; /* one rank's MPI failure: no collective now */
    mt_status closed = output_close(run->lines_out, &run->world, valid && status == MT_OK, err);
    return status != MT_OK ? status : closed;
}

static void free_run(cube_run *run)
{
    if (run->world.rank == 0) mt_source_close(&run->source);
    /* values is the list as read (malloc'd), or with --chunk a round buffer from mt_items_alloc */
    if (run->owns_values && run->chunk > 0) mt_items_free(run->values, 0);
    if (run->owns_values && run->chunk == 0) free(run->values);
    if (!run->shared) mt_items_free(run->results, 1);
    mt_items_free(run->slice_in, 0), mt_items_free(run->slice_out, 1);
    free(run->counts), free(run->displs), free(run->rank_phases);
    if (run->shared) shared_window_close(&run->window);
    mt_numbers_free(&run->own);
}

/* Everything between MPI_Init and MPI_Finalize, the recipe every rank follows; returns the status every rank
 * agrees on. A failure every rank agreed on (bad input, no memory) has been printed already and err is empty;
 * one that a single rank met (an MPI call) carries its message. */
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
    run.work = options->work, run.chunk = settings.chunk, run.shared = settings.shared, run.explain = settings.explain;
    run.io_mpi = settings.io_mpi;
    /* Where the lines go: standard output or a device by rank 0, or FILE by every rank (output.c). */
    results_output lines_out = {.file = MPI_FILE_NULL};
    MPI_Info hints = MPI_INFO_NULL;
    if (status == MT_OK) status = output_hints(settings.io_hints, settings.io_hint_count, &hints, err);
    if (status == MT_OK) status = output_open(&lines_out, &run.world, options, hints, err);
    run.output = options->lines;
    run.print_lines = mt_harness_prints_lines(options) && lines_out.path != OUTPUT_COLLECTIVE;
    run.lines_out = lines_out.path == OUTPUT_COLLECTIVE ? &lines_out : NULL;

    /* Rank 0 reads the list; every rank learns n, holds its buffers, and records where its work runs. */
    if (status == MT_OK) status = load_list(options, &run, err);
    if (status == MT_OK) status = allocate_buffers(&run, err);
    mt_timeline timeline = {0};
    mt_placement placement = {0};
    if (status == MT_OK) status = record_where(&run, options, &timeline, &placement, err);
    if (status == MT_OK && settings.explain && !run.io_mpi) status = explain(&run, err); /* io_read.c's, else */
    /* Rank 0 keeps every rank's phases of every timed run, for their spread over the ranks. */
    if (status == MT_OK) {
        mt_error local_err = {""};
        size_t cells = (size_t)options->repeat * (size_t)run.world.size * (PHASE_COUNT + 1);
        if (root) run.rank_phases = calloc(cells, sizeof *run.rank_phases);
        mt_status local = root && run.rank_phases == NULL
                              ? mt_fail(&local_err, MT_ERR_RUNTIME, "out of memory for the ranks' phases")
                              : MT_OK;
        status = world_agree(&run.world, local, &local_err, err);
    }

    /* The priming pass (the whole list once, no work, untimed) starts the OpenMP teams and warms the
     * transport's paths; a stream is not read an extra time for it. */
    mt_repeat_plan plan = {.prime = run.chunk == 0, .warmup = options->warmup, .repeat = options->repeat};
    run.list = &run.source;
    if (status == MT_OK) status = mt_repeat(run_once, &run, &plan, err);
    if (root) options->runs_end = mt_now(); /* the output phase starts here: the record's output_s */
    world_gathered where = {0};
    if (status == MT_OK) status = world_gather(&run.world, &placement, run.timeline, &where, err);
    if (status == MT_OK) status = check_and_write(&run, err);
    world_costs costs = {0};
    if (status == MT_OK) status = world_reduce_costs(&run.world, &plan, &costs, err);
    int verdict = (int)status;
    if (status == MT_OK && root) {
        mt_error report_err = {""};
        verdict = (int)report(&run, options, &plan, &where, &costs, &report_err);
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
    free_run(&run);
    world_free(&run.world);
    if (status != MT_OK) return status;
    /* Rank 0's verdict on the results is every rank's exit status. */
    MPI_CHECK(MPI_Bcast(&verdict, 1, MPI_INT, 0, MPI_COMM_WORLD));
    if (verdict != MT_OK) err->message[0] = '\0'; /* rank 0 has said why */
    return (mt_status)verdict;
}

int main(int argc, char **argv)
{
    /* Only the main thread of each rank calls MPI; OpenMP threads only compute. */
    int provided;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "%s: error: MPI_Init_thread failed\n", cube_mpi_program.name);
        return MT_ERR_RUNTIME;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    mt_options options;
    mt_error err = {""};
    mt_status status = cube_mpi(argc, argv, &options, &err);
    if (status != MT_OK && err.message[0] != '\0') mt_print_error(cube_mpi_program.name, &err); /* none unsaid */
    if (status == MT_ERR_RUNTIME && err.message[0] != '\0') {
        /* An MPI failure may leave other ranks waiting in a collective: end here, and the launcher ends the
         * rest, rather than wait in MPI_Finalize for ranks that will not come. */
        return MT_ERR_RUNTIME;
    }
    MPI_Finalize();
    return (int)status;
}
