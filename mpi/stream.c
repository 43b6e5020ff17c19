/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mpi.h>

#include "cube_run.h"
#include "harness.h"
#include "kernel.h"
#include "report.h"
#include "world.h"

/* Whether the list must be kept to be read again: a file that is not a regular one (stdin, a pipe, a FIFO, a
 * terminal) cannot be rewound. */
static bool cannot_rewind(const mt_source *source)
{
    struct stat info;
    return source->kind == MT_SOURCE_FILE && (fstat(fileno(source->file), &info) != 0 || !S_ISREG(info.st_mode));
}

mt_status stream_scan(const mt_options *options, mt_source *source, uint64_t *n, mt_error *err)
{
    mt_status status = mt_harness_open_source(options, source, err);
    if (status != MT_OK) return status;
    FILE *spool = NULL;
    if (cannot_rewind(source) && (spool = tmpfile()) == NULL)
        return mt_fail(err, MT_ERR_RUNTIME, "cannot create a temporary file to keep '%s' in", source->name);
    enum { BLOCK = 65536 };
    int64_t *block = malloc(BLOCK * sizeof *block);
    if (block == NULL) status = mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    *n = 0;
    size_t got = 0;
    while (status == MT_OK) {
        status = mt_source_read(source, block, BLOCK, &got, err);
        if (status == MT_OK) status = mt_check_cube_range(block, got, *n + 1, err);
        for (size_t i = 0; status == MT_OK && spool != NULL && i < got; i++)
            fprintf(spool, "%lld\n", (long long)block[i]);
        *n += got;
        if (got < BLOCK) break;
    }
    free(block);
    if (spool != NULL) {
        if (status == MT_OK && (fflush(spool) != 0 || ferror(spool)))
            status = mt_fail(err, MT_ERR_RUNTIME, "cannot write the temporary copy of '%s'", source->name);
        /* The copy's text starts at its byte 0: the source is opened there (it takes the offset it finds). */
        if (status == MT_OK && fseek(spool, 0, SEEK_SET) != 0)
            status = mt_fail(err, MT_ERR_RUNTIME, "cannot read the temporary copy of '%s'", source->name);
        const char *name = source->name;
        mt_source_close(source);
        mt_source_open_stream(source, spool, name, true);
    }
    return status;
}

uint64_t stream_ideal_steps(uint64_t n, uint64_t chunk, uint64_t ranks, uint64_t workers)
{
    if (workers == 0) workers = 1;
    uint64_t per_round = chunk > 0 && chunk <= n / ranks ? chunk * ranks : n;
    if (per_round == 0) return 0;
    /* Every whole round, then the last one's rest. */
    uint64_t rounds = n / per_round, rest = n % per_round;
    return rounds * ((per_round + workers - 1) / workers) + (rest + workers - 1) / workers;
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

/* One round of round_n items, the list's from first_item on: the lesson's three steps, each timed from outside
 * (MPI_Wtime between them); each phase's seconds are added to phases. */
static mt_status one_round(cube_run *run, uint64_t round_n, uint64_t first_item, double *phases, mt_error *err)
{
    double scatter_start = MPI_Wtime();
    mt_status status = run->steps->scatter(run, round_n, first_item, err);
    if (status != MT_OK) return status;
    double compute_start = MPI_Wtime();
    run->steps->cube(run);
    double gather_start = MPI_Wtime();
    status = run->steps->gather(run, err);
    double end = MPI_Wtime();
    phases[PHASE_SCATTER] += compute_start - scatter_start;
    phases[PHASE_COMPUTE] += gather_start - compute_start;
    phases[PHASE_GATHER] += end - gather_start;
    return status;
}

/* What the harness times of a run: every round, one after another. */
typedef struct {
    cube_run *run;
    double phases[PHASE_COUNT];
} rounds;

static mt_status all_rounds(void *context, mt_error *err)
{
    rounds *these = context;
    cube_run *run = these->run;
    bool streaming = run->chunk > 0;
    run->units_done = 0;
    uint64_t per_round = streaming ? run->chunk * (uint64_t)run->world.size : run->n;
    for (uint64_t done = 0; done < run->n || (done == 0 && !streaming);) {
        uint64_t round_n = run->n - done < per_round ? run->n - done : per_round;
        mt_status status = streaming ? read_round(run, round_n, err) : MT_OK;
        if (status == MT_OK) status = one_round(run, round_n, done, these->phases, err);
        /* Each rank writes the round's lines it cubed, after the rounds before (output.c) */
        if (status == MT_OK && run->write_round)
            status = output_write(run->lines_out, &run->world, run->share.in, run->share.out,
                                  (uint64_t)run->share.count, err);
        if (status != MT_OK) return status;
        if (run->world.rank == 0 && streaming) check_round(run, round_n);
        done += round_n;
        if (!streaming) break;
    }
    return MT_OK;
}

mt_status stream_run_once(void *context, const mt_run_info *info, mt_sample *sample, mt_error *err)
{
    cube_run run = *(cube_run *)context;
    if (info->prime) {
        run.work = (mt_work){.kind = MT_WORK_NONE};
        run.timeline = NULL;
        run.placement = NULL;
    }
    if (run.placement != NULL) mt_placement_start(run.placement); /* keeps the last run's */
    bool streaming = run.chunk > 0;
    bool root = run.world.rank == 0;
    run.print_round = streaming && info->last && root && run.print_lines;
    run.write_round = streaming && info->last && run.lines_out != NULL;
    if (streaming) {
        mt_status status = read_round(&run, 0, err); /* every pass reads the list the scan read */
        if (status != MT_OK) return status;
    }
    /* Every rank starts the clock together, after a barrier (world_clock); each rank's timeline starts at its own
     * clock then. */
    rounds these = {.run = &run};
    double elapsed = 0;
    mt_status status = mt_harness_time(&world_clock, run.timeline, all_rounds, &these, &elapsed, err);
    if (status != MT_OK) return status;
    double own_phases[PHASE_COUNT + 1] = {these.phases[0], these.phases[1], these.phases[2], elapsed};
    double slowest[PHASE_COUNT + 1];
    /* The run lasts as long as its slowest rank; so does each phase. */
    MPI_CHECK(MPI_Reduce(own_phases, slowest, PHASE_COUNT + 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD));
    /* Each rank's own phases too, side by side at rank 0: the spread over ranks shows the imbalance. */
    if (!info->warmup) {
        size_t row = (size_t)info->timed * (size_t)run.world.size * (PHASE_COUNT + 1);
        double *into = root ? run.rank_phases + row : NULL;
        MPI_CHECK(
            MPI_Gather(own_phases, PHASE_COUNT + 1, MPI_DOUBLE, into, PHASE_COUNT + 1, MPI_DOUBLE, 0, MPI_COMM_WORLD));
    }
    cube_run *kept = context;
    kept->valid = run.valid;
    kept->share = run.share;
    sample->elapsed_s = slowest[PHASE_COUNT];
    memcpy(sample->phases, slowest, sizeof(double) * PHASE_COUNT);
    return MT_OK;
}
