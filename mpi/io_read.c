/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "io_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel.h"
#include "output.h"

/* --explain: each rank's byte range and items, printed by rank 0. */
static mt_status explain_ranges(const world_info *w, const char *path, const mt_numbers_part *part, uint64_t first,
                                uint64_t count, mt_error *err)
{
    unsigned long long range[4] = {part->first_byte, part->end_byte, first, count};
    unsigned long long *all = w->rank == 0 ? malloc((size_t)w->size * sizeof range) : NULL;
    /* Agreed before the gather: a rank 0 without the memory must not leave the others waiting in it. */
    mt_error local_err = {""};
    mt_status local = w->rank == 0 && all == NULL ? mt_fail(&local_err, MT_ERR_RUNTIME, "out of memory") : MT_OK;
    mt_status status = output_agree(w, local, &local_err, err);
    if (status != MT_OK) return status;
    MPI_CHECK(MPI_Gather(range, 4, MPI_UNSIGNED_LONG_LONG, all, 4, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD));
    if (w->rank == 0) {
        fprintf(stderr,
                "%s: %s read by every rank in its own byte range (--io mpi), cut where no number and no comment\n"
                "  is crossed; nothing passes through rank 0\n",
                w->program, path);
        for (int r = 0; r < w->size; r++) {
            unsigned long long *a = all + 4 * r;
            fprintf(stderr, "  rank %d: bytes [%llu, %llu), items [%llu, %llu), %llu item%s\n", r, a[0],
                    a[1] > a[0] ? a[1] : a[0], a[2], a[2] + a[3], a[3], a[3] == 1 ? "" : "s");
        }
    }
    free(all);
    return MT_OK;
}

mt_status io_generate_part(const world_info *world, uint64_t count, uint64_t seed, bool explain, mt_numbers *items,
                           uint64_t *first, mt_error *err)
{
    uint64_t ranks = (uint64_t)world->size, rank = (uint64_t)world->rank;
    *first = mt_block_first(count, ranks, rank);
    *items = (mt_numbers){.count = mt_block_count(count, ranks, rank)};
    char what[64];
    snprintf(what, sizeof what, "rank %d's part of --generate %llu", world->rank, (unsigned long long)count);
    mt_error local_err = {""};
    mt_status local = mt_check_fits_in_memory(items->count, 2 * sizeof(int64_t), what, &local_err);
    if (local == MT_OK && items->count > 0 && (items->values = malloc(items->count * sizeof(int64_t))) == NULL)
        local = mt_fail(&local_err, MT_ERR_RUNTIME, "%s: out of memory", what);
    mt_status status = output_agree(world, local, &local_err, err);
    if (status != MT_OK) {
        mt_numbers_free(items);
        return status;
    }
    mt_generate_part(seed, *first, items->count, items->values);
    if (!explain) return MT_OK;
    unsigned long long range[2] = {*first, items->count};
    unsigned long long *all = world->rank == 0 ? malloc(ranks * sizeof range) : NULL;
    local = world->rank == 0 && all == NULL ? mt_fail(&local_err, MT_ERR_RUNTIME, "out of memory") : MT_OK;
    if ((status = output_agree(world, local, &local_err, err)) == MT_OK)
        MPI_CHECK(MPI_Gather(range, 2, MPI_UNSIGNED_LONG_LONG, all, 2, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD));
    if (status == MT_OK && world->rank == 0) {
        fprintf(stderr,
                "%s: --generate %llu made by every rank in its own range of items (--io mpi); nothing\n"
                "  passes through rank 0\n",
                world->program, (unsigned long long)count);
        for (int r = 0; r < world->size; r++)
            fprintf(stderr, "  rank %d: items [%llu, %llu), %llu item%s\n", r, all[2 * r], all[2 * r] + all[2 * r + 1],
                    all[2 * r + 1], all[2 * r + 1] == 1 ? "" : "s");
    }
    free(all);
    if (status != MT_OK) mt_numbers_free(items);
    return status;
}

mt_status io_read_part(const world_info *world, const char *path, bool explain, mt_numbers *items, uint64_t *first,
                       uint64_t *n, mt_error *err)
{
    mt_numbers_part part = {.map = NULL};
    mt_error local_err = {""};
    struct stat info;
    mt_status local = MT_OK;
    *items = (mt_numbers){0};
    if (stat(path, &info) == 0 && !S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode))
        local = mt_fail(&local_err, MT_ERR_USAGE,
                        "--io mpi: '%s' is not a regular file (a pipe, a FIFO or a device) and cannot be read in "
                        "byte ranges: use --io root",
                        path);
    else
        local = mt_numbers_read_part(path, world->rank, world->size, items, &part, &local_err);
    mt_status status = output_agree(world, local, &local_err, err);
    /* Every rank cut its range from the size it saw: they fit together only if all saw one size (a file still
     * growing, or a network file system's cached size on another node, would drop or repeat items). */
    if (status == MT_OK) {
        unsigned long long seen[2] = {part.size, ~(unsigned long long)part.size}; /* the largest, the smallest */
        MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, seen, 2, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD));
        if (seen[0] != ~seen[1])
            local = mt_fail(&local_err, MT_ERR_RUNTIME,
                            "--io mpi: '%s' changed size while the ranks read it (%llu "
                            "to %llu bytes): the ranges do not fit together",
                            path, ~seen[1], seen[0]);
        status = output_agree(world, local, &local_err, err);
    }
    /* The newlines and items of the ranges before this one: where this range's lines and items start. */
    unsigned long long counts[2] = {part.newlines, items->count}, before[2] = {0, 0};
    if (status == MT_OK) MPI_CHECK(MPI_Exscan(counts, before, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD));
    if (world->rank == 0) before[0] = before[1] = 0; /* Exscan leaves rank 0's undefined */
    /* The first bad token in the file is the one the whole reader names: the lowest rank's that has one. */
    if (status == MT_OK) {
        local = part.problem ? mt_numbers_part_message(&part, path, before[0], before[1], &local_err) : MT_OK;
        status = output_agree(world, local, &local_err, err);
    }
    /* Then, as the whole reader checks after parsing, the first cube that overflows. */
    if (status == MT_OK) {
        local = mt_check_cube_range(items->values, items->count, before[1] + 1, &local_err);
        status = output_agree(world, local, &local_err, err);
    }
    *first = before[1];
    unsigned long long total = items->count;
    if (status == MT_OK)
        MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD));
    *n = total;
    if (status == MT_OK && explain) status = explain_ranges(world, path, &part, *first, items->count, err);
    mt_numbers_part_free(&part);
    if (status != MT_OK) mt_numbers_free(items);
    return status;
}
