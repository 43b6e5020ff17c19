/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "cube_mpi_cli.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "world.h"

enum { OPT_TRANSPORT, OPT_CHUNK, OPT_EXPLAIN, OPT_IO, OPT_IO_HINT, OPTION_COUNT };

static const mt_option own_options[OPTION_COUNT] = {
    [OPT_TRANSPORT] = {"transport", 0, "T",
                       "scatter: MPI_Scatterv/MPI_Gatherv (default); shared: the ranks of a node share\n"
                       "the list in an MPI-3 shared-memory window, no copies",
                       "Ranks:"},
    [OPT_CHUNK] = {"chunk", 0, "K",
                   "stream the list in rounds of K items per rank (bounded memory; K from 1 to\n"
                   "2147483647, the most an MPI count holds)",
                   NULL},
    [OPT_EXPLAIN] = {"explain", 0, NULL, "print how the list is split over ranks and threads (stderr)", NULL},
    [OPT_IO] = {"io", 0, "WHERE",
                "root: rank 0 reads the list and scatters it (default, the lesson); mpi: every\n"
                "rank reads its own byte range of --input FILE (a regular file), or makes its\n"
                "own part of --generate N, and writes its lines with --output FILE: nothing\n"
                "passes through rank 0",
                NULL},
    [OPT_IO_HINT] = {"io-hint", 0, "KEY=VALUE",
                     "an MPI-IO hint for --output FILE (MPI_Info of MPI_File_open), such as\n"
                     "striping_factor=8 or romio_cb_write=enable; repeat it for more (at most 32)",
                     NULL},
};

_Static_assert(INT_MAX == 2147483647, "--help states --chunk's range");

static mt_status parse_option(void *settings, int index, const char *value, mt_error *err)
{
    cube_mpi_settings *s = settings;
    if (index == OPT_EXPLAIN) s->explain = true;
    if (index == OPT_IO) {
        if (strcmp(value, "root") != 0 && strcmp(value, "mpi") != 0)
            return mt_fail(err, MT_ERR_USAGE, "--io: unknown way '%s' (root or mpi)", value);
        s->io_mpi = strcmp(value, "mpi") == 0;
    }
    if (index == OPT_IO_HINT) {
        const char *equals = strchr(value, '=');
        if (equals == NULL || equals == value)
            return mt_fail(err, MT_ERR_USAGE, "--io-hint: '%s' is not KEY=VALUE", value);
        /* MPI_Info's own limits, said as a usage error here rather than as a failed MPI call on every rank */
        if (equals - value > MPI_MAX_INFO_KEY)
            return mt_fail(err, MT_ERR_USAGE, "--io-hint: the key of '%.40s...' is over %d bytes", value,
                           MPI_MAX_INFO_KEY);
        if (strlen(equals + 1) > MPI_MAX_INFO_VAL)
            return mt_fail(err, MT_ERR_USAGE, "--io-hint: the value of '%.40s...' is over %d bytes", value,
                           MPI_MAX_INFO_VAL);
        if (s->io_hint_count == CUBE_MPI_MAX_HINTS)
            return mt_fail(err, MT_ERR_USAGE, "--io-hint: at most %d hints", CUBE_MPI_MAX_HINTS);
        s->io_hints[s->io_hint_count++] = value;
    }
    if (index == OPT_CHUNK) return mt_parse_count(value, "--chunk", 1, INT_MAX, &s->chunk, err);
    if (index == OPT_TRANSPORT) {
        if (strcmp(value, "scatter") != 0 && strcmp(value, "shared") != 0)
            return mt_fail(err, MT_ERR_USAGE, "--transport: unknown transport '%s' (scatter or shared)", value);
        s->shared = strcmp(value, "shared") == 0;
    }
    return MT_OK;
}

/* The record's mode: the transport. */
static const char *transport_mode(const void *settings)
{
    return ((const cube_mpi_settings *)settings)->shared ? "shared" : "scatter";
}

/* The options that go together, once all are known. */
static mt_status check(void *settings, const mt_options *options, mt_error *err)
{
    const cube_mpi_settings *s = settings;
    if (s->io_hint_count > 0 && options->output_path == NULL)
        return mt_fail(err, MT_ERR_USAGE, "--io-hint is for --output FILE's MPI-IO: give --output too");
    if (!s->io_mpi) return MT_OK;
    if (options->input_path == NULL && !options->generate)
        return mt_fail(err, MT_ERR_USAGE,
                       "--io mpi reads byte ranges of a list file, or makes a generated list's parts: give "
                       "--input FILE or --generate N");
    if (options->input_path != NULL && strcmp(options->input_path, "-") == 0)
        return mt_fail(err, MT_ERR_USAGE,
                       "--io mpi reads byte ranges of a regular file, and stdin is a stream: use --io root (the "
                       "default)");
    struct stat info;
    if (options->output_path != NULL && stat(options->output_path, &info) == 0 && !S_ISREG(info.st_mode))
        return mt_fail(err, MT_ERR_USAGE,
                       "--io mpi writes --output FILE in byte ranges, and '%s' is not a regular file (a device or "
                       "a FIFO): give a regular file, or --quiet",
                       options->output_path);
    if (s->chunk > 0) return mt_fail(err, MT_ERR_USAGE, "--io mpi and --chunk cannot be used together");
    if (s->shared) return mt_fail(err, MT_ERR_USAGE, "--io mpi and --transport shared cannot be used together");
    if (mt_harness_prints_lines(options) && options->output_path == NULL)
        return mt_fail(err, MT_ERR_USAGE,
                       "--io mpi writes the lines with --output FILE (or give --quiet, --json or --csv): "
                       "printed, they would pass through rank 0");
    return MT_OK;
}

const mt_program cube_mpi_program = {
    .name = "cube_mpi",
    .record_mode = transport_mode,
    .summary = "The cube of each number on MPI ranks: rank 0 scatters the list (MPI_Scatterv), each rank\n"
               "cubes its slice on OpenMP threads, and MPI_Gatherv brings the results back in order.",
    .numbers = true,
    .operands = "[--] [NUMBER]...",
    .options = own_options,
    .option_count = OPTION_COUNT,
    .parse_option = parse_option,
    .check = check,
    .notes = "Run it with mpirun (mpirun -np 4 cube_mpi) or alone, as one rank; the launcher of another MPI\n"
             "than the build's starts singletons, which refuse (exit 2). Threads a rank: -t, else\n"
             "OMP_NUM_THREADS, else the node's cores divided by the ranks on that node (at least 1).\n"
             "Timed: from a start barrier to the end of the gather, the maximum over ranks; --json and\n"
             "--verbose give the scatter, compute and gather phases apart.\n"
             "--output FILE: every rank writes its own lines at its offset (MPI-IO, collective), not rank 0\n"
             "through the launcher; a FILE that is not a regular one (a device, a FIFO): rank 0, in order.\n"
             "--io mpi: every rank reads its own byte range of the list file (or makes its own block of\n"
             "--generate's list), cubes it and writes its lines;\n"
             "the record's mode is io-mpi, and its phases have no scatter or gather.\n"
             "Ideal time with sleep work, d the delay, P ranks of T threads: ceil(n/(P*T))d. With --chunk K the\n"
             "rounds of K*P items follow one another, each as long as its busiest thread:\n"
             "floor(n/(K*P))*ceil(K/T)d + ceil((n mod K*P)/(P*T))d (--chunk 1 -t 2: n/P delays).\n"
             "Examples:\n"
             "  mpirun -np 4 cube_mpi                                   # about 0.1 s\n"
             "  mpirun -np 3 cube_mpi --explain 1 2 3 4 5 6 7           # an uneven split\n"
             "  mpirun -np 2 cube_mpi --work none --generate 33554432 --json -r 5\n"
             "  mpirun -np 4 cube_mpi --work none --generate 100000000 --chunk 1000000 --quiet\n"
             "  mpirun -np 2 cube_mpi --work none --generate 20000000 --output cubes.txt\n"
             "  mpirun -np 4 cube_mpi --work none --io mpi --input list.txt --output cubes.txt --explain\n",
    .print_libraries = world_print_libraries,
};
