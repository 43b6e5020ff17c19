/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* cube_map.c - the map of activity 4 (the original's Pool(N).starmap(calc_cube, numbers)) as one parallel loop:
 * cube_omp runs it over the whole list, each rank of cube_mpi over its slice. */
#include "cube_map.h"

#include <omp.h>

static void cube_map_blocks(const int64_t *in, int64_t *out, int64_t count, const mt_probe *probe);

void cube_map(const int64_t *in, int64_t *out, int64_t count, const mt_work *work, const mt_probe *probe)
{
    if (work->kind == MT_WORK_NONE) {
        cube_map_blocks(in, out, count, probe);
        return;
    }
    /* The lesson: the loop's iterations shared over the team. A static schedule gives each thread one
     * contiguous block, as the ranks of cube_mpi each get one slice. */
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; i++)
        MT_PROBE (probe, i) {
            mt_work_do(work);
            out[i] = mt_cube(in[i]);
        }
}

/* --work none: the same blocks, each one plain loop the compiler vectorizes (bound by memory bandwidth). The
 * probe takes each block as one event, since reading the clock per item would cost more than the item. */
static void cube_map_blocks(const int64_t *in, int64_t *out, int64_t count, const mt_probe *probe)
{
#pragma omp parallel
    {
        uint64_t threads = (uint64_t)omp_get_num_threads();
        uint64_t thread = (uint64_t)omp_get_thread_num();
        int64_t first = (int64_t)mt_block_first((uint64_t)count, threads, thread);
        int64_t last = (int64_t)mt_block_first((uint64_t)count, threads, thread + 1);
        MT_PROBE_BLOCK (probe, first, last)
            for (int64_t i = first; i < last; i++)
                out[i] = mt_cube(in[i]);
    }
}
