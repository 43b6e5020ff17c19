/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* io_read.h - cube_mpi --io mpi: no funnel through rank 0. A generated list is made by every rank in its own
 * block of items. Otherwise every rank maps the list file and parses its own byte
 * range of it (common/numbers.c's mt_numbers_read_part: the ranges cut where no number and no comment is
 * crossed, as the parallel reader cuts its parts), so no rank reads or holds the whole list. The ranks' counts
 * are agreed with MPI_Exscan (each rank's first item) and MPI_Allreduce (n); a bad token is named once, by the
 * rank whose range holds the first one, with the line and item the whole file's reader gives it (the newlines
 * and items of the ranges before, summed by MPI_Exscan), and every rank ends with exit 2. */
#ifndef CUBE_MPI_IO_READ_H
#define CUBE_MPI_IO_READ_H

#include <stdbool.h>
#include <stdint.h>

#include "numbers.h"
#include "world.h"

/* Collective: this rank's items of FILE into items, its first item's index in the list into *first, the list's
 * items into *n. A failure (FILE unreadable or not a regular file, a bad token, a cube that overflows) is said
 * once, and every rank returns its status with err empty. explain: rank 0 prints every rank's byte range. */
mt_status io_read_part(const world_info *world, const char *path, bool explain, mt_numbers *items, uint64_t *first,
                       uint64_t *n, mt_error *err);

/* Collective: this rank's block of the list --generate count makes from seed (mt_block_first's split, the
 * scatter's), made by the rank itself; its first item's index into *first. explain: rank 0 prints every rank's
 * items. A rank without the memory for its part is said once, and every rank returns the status. */
mt_status io_generate_part(const world_info *world, uint64_t count, uint64_t seed, bool explain, mt_numbers *items,
                           uint64_t *first, mt_error *err);

#endif
