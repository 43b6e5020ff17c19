/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "cube_run.h"

#include <math.h>
#include <stdlib.h>

#include <jansson.h>

#include "harness.h"
#include "report.h"
#include "stream.h"

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
    free(column);
    free(medians);
    return status;
}

/* What the runs cost, over every rank (world_reduce_costs), and where they ran. */
static void take_costs(mt_record *record, const world_costs *costs, const world_gathered *where)
{
    /* What the runs cost, over every rank (world_reduce_costs) */
    record->cpu_user_s = costs->cpu_user_s;
    record->cpu_sys_s = costs->cpu_sys_s;
    record->cpu_wall_s = costs->wall_s;
    record->max_rss_mib = costs->max_rss_mib;
    record->cpu_queue_s = costs->cpu_queue_s;
    record->machine_busy = costs->machine_busy;
    record->rank_hosts = where->host_names;
    record->places = where->places;
    record->place_count = where->place_count;
}

/* Each rank's peak resident memory (MiB), in rank order: the record's max_rss_mib_ranks. */
static json_t *rank_peaks(const world_costs *costs, int ranks)
{
    json_t *peaks = json_array();
    for (int rank = 0; rank < ranks; rank++)
        json_array_append_new(peaks,
                              isfinite(costs->rank_rss_mib[rank]) ? json_real(costs->rank_rss_mib[rank]) : json_null());
    return peaks;
}

/* The timeline of every rank's events, gathered at rank 0 (world_gather), over the last timed run. */
static mt_status every_rank_timeline(const cube_run *run, const mt_options *options, const mt_repeat_plan *runs,
                                     const world_gathered *where, mt_record *record, mt_error *err)
{
    mt_trace trace = {.events = where->events,
                      .count = where->event_count,
                      .hosts = where->host_names,
                      .ranks = run->world.size,
                      .aggregated = !run->timeline->per_unit,
                      .style = &mt_power_events,
                      .program = cube_mpi_program.name,
                      .mode = record->mode,
                      .places = where->places,
                      .place_count = where->place_count,
                      .waits = options->work.kind == MT_WORK_SLEEP,
                      .wall_s = runs->samples[runs->repeat - 1].elapsed_s,
                      .ideal_s = record->ideal_s,
                      .cpus_busy = mt_record_cpus_busy(record),
                      .machine_busy = record->machine_busy};
    return mt_harness_timeline(options, &trace, record, err);
}

/* Rank 0, after the runs: the lines in input order, the timeline and the record. */
mt_status record_report(cube_run *run, mt_options *options, const mt_repeat_plan *runs, const world_gathered *where,
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
    take_costs(&record, costs, where);
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
    if (isfinite(imbalance) && w->size > 1) record.hooks.clause = note;
    /* Each phase's median over the timed runs (each run's phase: the maximum over the ranks). */
    static const char *const names[PHASE_COUNT] = {"scatter_s", "compute_s", "gather_s"};
    mt_stats phases[PHASE_COUNT];
    json_t *medians = json_object();
    for (int p = 0; status == MT_OK && p < PHASE_COUNT; p++) {
        status = mt_sample_stats(runs->samples, runs->repeat, p, &phases[p], err);
        json_object_set_new(medians, names[p], json_real(phases[p].median));
    }
    record.details =
        json_pack("{s:o, s:o, s:o, s:o}", "max_rss_mib_ranks", rank_peaks(costs, w->size), "phases", medians,
                  "phases_ranks", phases_ranks, "ranks_time_s",
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
    if (status == MT_OK && run->timeline != NULL) status = every_rank_timeline(run, options, runs, where, &record, err);
    if (status == MT_OK) status = mt_harness_report(&cube_mpi_program, options, &record, err);
    json_decref(record.fields);
    json_decref(record.details);
    if (status == MT_OK && !record.valid) status = mt_fail(err, MT_ERR_RUNTIME, "the results did not validate");
    return status;
}

/* Every rank, after the runs: rank 0's self-check of the gathered cubes (a stream's were checked round by
 * round), which every rank learns when it writes; then, with --output by MPI-IO, every rank writes its own lines
 * at its offset (a stream's were written round by round), and FILE is put in place only if they validated. */
mt_status record_check_and_write(cube_run *run, mt_error *err)
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
        status =
            output_write(run->lines_out, &run->world, run->share.in, run->share.out, (uint64_t)run->share.count, err);
    if (status != MT_OK && err->message[0] != '\0') return status; /* one rank's MPI failure: no collective now */
    mt_status closed = output_close(run->lines_out, &run->world, valid && status == MT_OK, err);
    return status != MT_OK ? status : closed;
}
