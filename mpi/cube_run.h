/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* cube_run.h - what a run of cube_mpi holds on each rank, and the steps around the lesson (cube_mpi.c): before
 * the runs (prepare.c: the list, the buffers, the probes, --explain), the rounds (stream.c), and after them
 * (record.c: the self-check, --output's lines by MPI-IO, the record at rank 0). */
#ifndef CUBE_MPI_CUBE_RUN_H
#define CUBE_MPI_CUBE_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "cube_mpi_cli.h"
#include "numbers.h"
#include "output.h"
#include "placement.h"
#include "shared_window.h"
#include "timeline.h"
#include "timer.h"
#include "world.h"

enum { PHASE_SCATTER, PHASE_COMPUTE, PHASE_GATHER, PHASE_COUNT };

/* This rank's part of a round: its items, its cubes, and where they start in the round. */
typedef struct {
    const int64_t *in;
    int64_t *out;
    int count;
    uint64_t first; /* its first item's index in the whole list */
} cube_part;

typedef struct cube_steps cube_steps;

typedef struct {
    const cube_steps *steps; /* the lesson's (cube_mpi.c) */
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
    int64_t *slice_in, *slice_out; /* this rank's items and cubes (rank 0: inside values and results) */
    bool shared;                   /* --transport shared */
    bool explain;                  /* --explain: the split, and where each worker ran */
    shared_window window;          /* shared: the node's window and this rank's place in it */
    mt_timeline *timeline;         /* NULL: not recording */
    mt_placement *placement;       /* where this rank's threads ran; NULL: not noting (the priming pass) */
    uint64_t units_done;           /* this rank's items so far in this run: its next timeline slot */
    results_output *lines_out;     /* --output FILE by MPI-IO: every rank writes its own lines; NULL: not */
    bool write_round;              /* streaming: every rank writes its lines of each round as it is cubed */
    cube_part share;               /* this rank's part of the round under way (after a run: the last round's) */
    bool io_mpi;                   /* --io mpi: every rank read its own items (own), none is scattered or gathered */
    mt_numbers own;                /* --io mpi: this rank's items, read by itself */
    uint64_t own_first;            /* --io mpi: the index of its first item in the list */
    double *rank_phases; /* rank 0: each timed run's phases and total on each rank, [run][rank][PHASE_COUNT + 1] */
} cube_run;

/* The lesson's three steps of a round of round_n items, the list's from round_first on: scatter it from rank 0
 * (run->share: this rank's part, its first the list's index), cube this rank's part on its threads, gather the
 * cubes back to rank 0 in input order. */
struct cube_steps {
    mt_status (*scatter)(cube_run *run, uint64_t round_n, uint64_t round_first, mt_error *err);
    void (*cube)(cube_run *run);
    mt_status (*gather)(cube_run *run, mt_error *err);
};

/* prepare.c, every rank (collective; a failure is agreed by every rank, and said once):
 * the list: rank 0 reads and checks it (or, streaming, scans it; --io mpi: every rank reads its part), and every
 * rank learns n; */
mt_status prepare_list(mt_options *options, cube_run *run, mt_error *err);
/* the buffers of one round, touched now so that no first touch is timed; */
mt_status prepare_buffers(cube_run *run, mt_error *err);
/* what the probes record into: this rank's placement, and the timeline when the options want one; */
mt_status prepare_probes(cube_run *run, const mt_options *options, mt_timeline *timeline, mt_placement *placement,
                         mt_error *err);
/* --explain: what each rank holds in the first round, printed by rank 0; */
mt_status prepare_explain(cube_run *run, mt_error *err);
/* rank 0's table of every rank's phases in every timed run. */
mt_status prepare_rank_phases(cube_run *run, int repeat, mt_error *err);
void cube_run_free(cube_run *run);

/* record.c: every rank, after the runs: rank 0's self-check of the gathered cubes, which every rank learns, then
 * --output's lines by MPI-IO, FILE put in place only when they validated. */
mt_status record_check_and_write(cube_run *run, mt_error *err);
/* Rank 0, after the runs: the lines in input order, the timeline and the record. */
mt_status record_report(cube_run *run, mt_options *options, const mt_repeat_plan *runs, const world_gathered *where,
                        const world_costs *costs, mt_error *err);

#endif
