/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* output.h - cube_mpi --output FILE: the result lines written by the ranks themselves, with MPI-IO. Each rank
 * formats its own lines and writes them at its offset in FILE (MPI_Exscan of the ranks' byte counts), a bounded
 * block at a time, collectively (MPI_File_write_at_all); nothing passes through rank 0 or the launcher. FILE is
 * written under a temporary name and renamed once every rank's every write has succeeded (return code and
 * written count both checked), so it is whole or absent. A FILE that is not a regular file (a device, a FIFO)
 * cannot be written at offsets: rank 0 writes it in order, after the gather, as it writes standard output.
 * Before the ranks write, rank 0 reserves the space their lines take (posix_fallocate): a full filesystem is
 * found there, on every MPI, since a collective write's aggregator may lose the error of a write it made for
 * another rank (Open MPI 4.1 reports full counts then, and leaves a short file). */
#ifndef CUBE_MPI_OUTPUT_H
#define CUBE_MPI_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <mpi.h>

#include "cli.h"
#include "world.h"

typedef enum {
    OUTPUT_STDOUT,     /* no --output: rank 0 prints the lines */
    OUTPUT_COLLECTIVE, /* every rank writes its own lines with MPI-IO */
    OUTPUT_ONE_RANK,   /* rank 0 writes FILE in order (options->lines), as it prints standard output */
} output_path;

typedef struct {
    output_path path;
    const char *name; /* FILE */
    /* OUTPUT_COLLECTIVE, every rank: */
    char *temporary;  /* FILE's temporary, renamed over FILE at the end */
    MPI_File file;    /* MPI_FILE_NULL once closed */
    MPI_Offset end;   /* the bytes all ranks have written: where the next lines go */
    char *block;      /* this rank's lines, formatted a block at a time */
    int reserve_fd;   /* rank 0: the temporary, to reserve its space (-1: none) */
    mt_error failure; /* this rank's first failed write */
    bool failed;      /* some rank's write failed (agreed) */
} results_output;

/* Every rank learns the worst status; the lowest rank that failed prints its line, so a failure every rank met
 * (a full filesystem) or that the first of several ranks met (the first bad token of a file) is said once.
 * Returns the worst status, err left empty (said already). Collective. */
mt_status output_agree(const world_info *world, mt_status local, const mt_error *local_err, mt_error *err);

/* The MPI_File_open hints of --io-hint KEY=VALUE, count of them, each checked when parsed (MPI_INFO_NULL when
 * none). A failed MPI call leaves *info freed. */
mt_status output_hints(const char *const *hints, int count, MPI_Info *info, mt_error *err);

/* Collective: where the lines go. With --output FILE: check it (a folder, or a file that cannot be made, is a
 * usage error on every rank, before any work), then open it (its temporary) on every rank, or at rank 0 when
 * FILE is not a regular file (options->lines then points to it). --verbose: rank 0 says which path. */
mt_status output_open(results_output *out, const world_info *world, mt_options *options, MPI_Info hints, mt_error *err);

/* Collective (OUTPUT_COLLECTIVE): this rank's count lines "values[i] ^ 3 = cubes[i]" after the lines every
 * lower rank writes in this call, all of them after what earlier calls wrote (a stream's rounds in turn). A
 * failed write (on any rank) is agreed on by every rank: the lowest rank that failed prints one line, and
 * every rank returns MT_ERR_RUNTIME with err empty; later calls then write nothing. */
mt_status output_write(results_output *out, const world_info *world, const int64_t *values, const int64_t *cubes,
                       uint64_t count, mt_error *err);

/* Collective (OUTPUT_COLLECTIVE): close FILE's temporary, then put it in place when keep (the results
 * validated) and every write succeeded, else remove it. A failure is agreed as in output_write. */
mt_status output_close(results_output *out, const world_info *world, bool keep, mt_error *err);

/* What is left after a failure elsewhere: the file closed (collective, only when every rank agreed on the
 * failure and so calls this too), and rank 0 removes the temporary. */
void output_free(results_output *out, const world_info *world, bool agreed);

#endif
