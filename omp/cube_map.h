/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* cube_map.h - activity 4's map on the threads of one process: cube_omp's lesson, and the work of each rank of
 * cube_mpi, so that threads and ranks compare the one same loop. */
#ifndef CUBE_MAP_H
#define CUBE_MAP_H

#include <stdint.h>

#include "kernel.h"
#include "probe.h"

/* out[i] = in[i] cubed for i < count, each item's work first, on the OpenMP team; every item goes through
 * probe (whose values are in). With no work, each thread's block is one plain loop the compiler vectorizes,
 * recorded as one event. in's values lie in [MT_CUBE_MIN, MT_CUBE_MAX]. */
void cube_map(const int64_t *in, int64_t *out, int64_t count, const mt_work *work, const mt_probe *probe);

#endif
