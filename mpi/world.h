/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* world.h - what every part of cube_mpi needs of MPI: where this rank stands (its node, its threads), a
 * checked MPI call, and the agreement on a status that lets every rank end by itself, without MPI_Abort
 * (the Parallel Research Kernels' way: the flag reduced with MAX over all ranks). */
#ifndef CUBE_MPI_WORLD_H
#define CUBE_MPI_WORLD_H

#include <mpi.h>

#include "cli.h"
#include "harness.h"
#include "status.h"
#include "placement.h"
#include "timeline.h"

typedef struct {
    const char *program; /* the name errors are printed under */
    int rank, size;      /* in MPI_COMM_WORLD */
    MPI_Comm node;       /* the ranks that share this rank's node (and its memory) */
    int node_rank;       /* this rank's place on its node */
    int node_size;       /* ranks on this rank's node */
    int threads;         /* OpenMP threads this rank runs */
    int total_cores;     /* cores of all the nodes the job spans */
} world_info;

/* MT_ERR_RUNTIME naming the MPI call that returned code, with MPI's words for it. */
mt_status world_mpi_failure(int code, const char *call, mt_error *err);

/* Check an MPI call; on failure return MT_ERR_RUNTIME with its message from the enclosing function, which has
 * an mt_error *err. */
#define MPI_CHECK(call)                                                                                                \
    do {                                                                                                               \
        int code_ = (call);                                                                                            \
        if (code_ != MPI_SUCCESS) return world_mpi_failure(code_, #call, err);                                         \
    } while (0)

/* Every rank learns the worst status of all; the rank that found a failure prints it. Input errors are found
 * at rank 0, so rank 0 prints that one line and every rank then ends by itself. */
mt_status world_agree(const world_info *world, mt_status local, const mt_error *local_err, mt_error *err);

/* What a program does between MPI_Init_thread and MPI_Finalize on every rank: the status every rank agrees on.
 * A failure every rank agreed on has been printed already and err is empty; one that a single rank met (an MPI
 * call) carries its message. */
typedef mt_status world_recipe(int argc, char **argv, mt_options *options, mt_error *err);

/* A whole MPI program, main's one call: MPI_Init_thread (MPI_THREAD_FUNNELED: only each rank's main thread calls
 * MPI), errors returned rather than fatal, the recipe, its one error line, MPI_Finalize, and the exit status
 * (0 ok, 1 runtime failure, 2 usage or input error). */
int world_main(int argc, char **argv, const mt_program *program, world_recipe *recipe);

/* The exit status every rank takes after a run they all agreed on (status): rank 0's verdict on the results
 * (verdict, which rank 0 has already explained: err is left empty); status itself when it is a failure. */
mt_status world_verdict(mt_status status, int verdict, mt_error *err);

/* The start on every rank: parse argv (every rank parses the same and reaches the same verdict; rank 0 prints
 * the help, the version or the usage error), learn this rank's place (world_describe), print the settings
 * (--verbose, rank 0), and agree that a --timeline FILE can be written, before any work. *run is false when
 * the program is to end at once with the status returned. */
mt_status world_start(int argc, char **argv, const mt_program *program, mt_options *options, void *settings,
                      world_info *world, bool *run, mt_error *err);

/* This rank's place: rank, node, and its threads (-t, else OMP_NUM_THREADS, else its node's cores shared by
 * the node's ranks), which it sets for OpenMP. */
mt_status world_describe(const mt_options *options, world_info *world, mt_error *err);
void world_free(world_info *world);

/* The MPI library's own name for itself (MPI_Get_library_version's first line, tabs as spaces). */
void world_library_version(char buffer[MPI_MAX_LIBRARY_VERSION_STRING]);

/* --version's library lines (mt_program.print_libraries): the MPI library and the standard it implements. */
void world_print_libraries(FILE *out);

/* Where the work ran, at rank 0: every rank's host (in rank order), every worker's placement (rank-then-thread
 * order) and, when recording, every rank's events. */
typedef struct {
    char (*hosts)[64];
    const char **host_names; /* into hosts, for the record and the trace */
    mt_place *places;
    int place_count;
    mt_event *events;
    uint64_t event_count;
} world_gathered;

/* Collective: every rank sends its host, its threads' placement and its timeline's events (timeline may be
 * NULL) to rank 0. */
mt_status world_gather(const world_info *world, const mt_placement *placement, mt_timeline *timeline,
                       world_gathered *where, mt_error *err);
void world_gathered_free(world_gathered *where);

/* What the timed runs cost, over every rank, at rank 0: CPU seconds summed over the ranks, the longest rank's
 * window (wall seconds), the largest peak memory and each rank's (rank_rss_mib, malloc'd, ranks of them), and
 * the CPUs the machines' other work kept busy: each node's busy CPU seconds (read by its first rank) less every
 * rank's own, over the window. */
typedef struct {
    double cpu_user_s, cpu_sys_s, wall_s;
    double cpu_queue_s; /* seconds every rank's threads were ready to compute but queued for a CPU, summed */
    double max_rss_mib;
    double *rank_rss_mib;
    double machine_busy;
} world_costs;

/* Collective: every rank's costs from plan (filled by mt_repeat) and its peak memory reduced to rank 0. */
mt_status world_reduce_costs(const world_info *world, const mt_repeat_plan *plan, world_costs *costs, mt_error *err);
void world_costs_free(world_costs *costs);

/* The harness's clock for a run of every rank (mt_harness_time): a barrier lines the ranks up, MPI_Wtime reads. */
extern const mt_clock_hooks world_clock;

/* The smallest, mean and largest of count values (count >= 1). */
typedef struct {
    double min, mean, max;
} world_spread;
world_spread world_spread_of(const double *values, int count);

#endif
