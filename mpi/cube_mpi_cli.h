/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* cube_mpi_cli.h - cube_mpi's own options on the suite's command line (common/cli): the transport, streaming in
 * rounds, --explain and --io-hint; and its help. */
#ifndef CUBE_MPI_CLI_H
#define CUBE_MPI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

enum { CUBE_MPI_MAX_HINTS = 32 };

typedef struct {
    bool shared;    /* --transport shared */
    uint64_t chunk; /* --chunk K: items per rank per round; 0: one round holding the whole list */
    bool explain;   /* --explain */
    bool io_mpi;    /* --io mpi: every rank reads its own byte range of --input FILE */
    const char *io_hints[CUBE_MPI_MAX_HINTS]; /* --io-hint KEY=VALUE, for MPI_File_open */
    int io_hint_count;
} cube_mpi_settings;

extern const mt_program cube_mpi_program;

#endif
