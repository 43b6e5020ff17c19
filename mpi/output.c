/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output_file.h"
#include "report.h"

/* Lines per block: a rank holds at most this many lines formatted at once (8 MiB at the longest line). */
enum { BLOCK_LINES = 1 << 17 };

mt_status output_agree(const world_info *world, mt_status local, const mt_error *local_err, mt_error *err)
{
    /* MAX over both: the worst status, and -rank of the lowest rank that failed */
    int pair[2] = {(int)local, local != MT_OK ? -world->rank : -world->size};
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, pair, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
    if (local != MT_OK && -pair[1] == world->rank) mt_print_error(world->program, local_err);
    err->message[0] = '\0';
    return (mt_status)pair[0];
}

/* MT_ERR_RUNTIME naming FILE and what MPI said of code. */
static mt_status io_failure(const char *name, int code, mt_error *err)
{
    int class = 0, length = 0;
    MPI_Error_class(code, &class);
    if (class == MPI_ERR_NO_SPACE) return mt_fail(err, MT_ERR_RUNTIME, "cannot write %s: %s", name, strerror(ENOSPC));
    if (class == MPI_ERR_QUOTA) return mt_fail(err, MT_ERR_RUNTIME, "cannot write %s: %s", name, strerror(EDQUOT));
    char text[MPI_MAX_ERROR_STRING] = "";
    MPI_Error_string(code, text, &length);
    /* MPICH reports a full filesystem as "Other I/O error" with its error stack after it, on several lines */
    if (strstr(text, strerror(ENOSPC)) != NULL)
        return mt_fail(err, MT_ERR_RUNTIME, "cannot write %s: %s", name, strerror(ENOSPC));
    for (char *c = text; *c != '\0'; c++)
        if (*c == '\n') *c = ' ';
    return mt_fail(err, MT_ERR_RUNTIME, "cannot write %s: %s", name, text);
}

mt_status output_hints(const char *const *hints, int count, MPI_Info *info, mt_error *err)
{
    *info = MPI_INFO_NULL;
    if (count == 0) return MT_OK;
    MPI_CHECK(MPI_Info_create(info));
    for (int i = 0; i < count; i++) {
        /* KEY=VALUE within MPI_Info's limits: cube_mpi_cli.c checked each when it parsed it */
        const char *equals = strchr(hints[i], '=');
        size_t key_length = (size_t)(equals - hints[i]);
        char key[MPI_MAX_INFO_KEY + 1];
        memcpy(key, hints[i], key_length);
        key[key_length] = '\0';
        int code = MPI_Info_set(*info, key, equals + 1);
        if (code != MPI_SUCCESS) {
            MPI_Info_free(info);
            return world_mpi_failure(code, "MPI_Info_set", err);
        }
    }
    return MT_OK;
}

/* Rank 0: check FILE and say which path it takes; make its temporary when it is a regular file. */
static mt_status choose_path(results_output *out, mt_options *options, mt_error *err)
{
    bool regular = false;
    mt_status status = mt_output_file_check(out->name, &regular, err);
    if (status != MT_OK) return status;
    if (!regular) {
        out->path = OUTPUT_ONE_RANK;
        return mt_output_file_open(&options->results, out->name, err);
    }
    out->path = OUTPUT_COLLECTIVE;
    status = mt_output_file_make_temporary(out->name, &out->temporary, err);
    if (status == MT_OK && (out->reserve_fd = open(out->temporary, O_WRONLY | O_CLOEXEC)) < 0)
        status = mt_fail(err, MT_ERR_USAGE, "--output: cannot write '%s': %s", out->name, strerror(errno));
    return status;
}

mt_status output_open(results_output *out, const world_info *world, mt_options *options, MPI_Info hints, mt_error *err)
{
    *out =
        (results_output){.path = OUTPUT_STDOUT, .name = options->output_path, .file = MPI_FILE_NULL, .reserve_fd = -1};
    bool root = world->rank == 0;
    if (out->name == NULL) {
        if (options->verbose && root)
            fprintf(stderr, "%s: output: the result lines to standard output, by rank 0 in order\n", world->program);
        return MT_OK;
    }
    mt_error local_err = {""};
    mt_status local = root ? choose_path(out, options, &local_err) : MT_OK;
    mt_status status = output_agree(world, local, &local_err, err);
    if (status != MT_OK) return status;
    /* Every rank learns the path and the temporary's name. */
    int shared[2] = {(int)out->path, out->temporary != NULL ? (int)strlen(out->temporary) + 1 : 0};
    MPI_CHECK(MPI_Bcast(shared, 2, MPI_INT, 0, MPI_COMM_WORLD));
    out->path = (output_path)shared[0];
    if (out->path == OUTPUT_ONE_RANK) {
        if (root) options->lines = &options->results.output;
        if (options->verbose && root)
            fprintf(stderr, "%s: output: the result lines to %s by rank 0 in order (not a regular file)\n",
                    world->program, out->name);
        return MT_OK;
    }
    if (!root) out->temporary = malloc((size_t)shared[1]);
    out->block = malloc((size_t)BLOCK_LINES * MT_POWER_LINE_MAX);
    local = out->temporary != NULL && out->block != NULL
                ? MT_OK
                : mt_fail(&local_err, MT_ERR_RUNTIME, "rank %d: out of memory for the output's block", world->rank);
    if ((status = output_agree(world, local, &local_err, err)) != MT_OK) return status;
    MPI_CHECK(MPI_Bcast(out->temporary, shared[1], MPI_CHAR, 0, MPI_COMM_WORLD));
    /* Every rank opens the temporary rank 0 made (on a cluster, in a folder every node sees). */
    int code = MPI_File_open(MPI_COMM_WORLD, out->temporary, MPI_MODE_WRONLY, hints, &out->file);
    local = code == MPI_SUCCESS ? MT_OK : io_failure(out->name, code, &local_err);
    if (code != MPI_SUCCESS) out->file = MPI_FILE_NULL;
    if ((status = output_agree(world, local, &local_err, err)) != MT_OK) return status;
    if (options->verbose && root)
        fprintf(stderr,
                "%s: output: the result lines to %s by every rank at its offset, MPI-IO collective "
                "(MPI_File_write_at_all), under a temporary name renamed at the end\n",
                world->program, out->name);
    return MT_OK;
}

/* One block of this rank's lines at offset: written whole, or this rank's failure noted. */
static void write_block(results_output *out, MPI_Offset offset, int bytes)
{
    MPI_Status status;
    int code = MPI_File_write_at_all(out->file, offset, out->block, bytes, MPI_BYTE, &status);
    int written = 0;
    if (code == MPI_SUCCESS) code = MPI_Get_count(&status, MPI_BYTE, &written);
    if (code != MPI_SUCCESS)
        io_failure(out->name, code, &out->failure);
    else if (written != bytes)
        /* Some MPI-IO layers report a full filesystem only as a short count, with MPI_SUCCESS. */
        mt_fail(&out->failure, MT_ERR_RUNTIME, "cannot write %s: %d of %d bytes written, no error reported (%s?)",
                out->name, written, bytes, strerror(ENOSPC));
}

mt_status output_write(results_output *out, const world_info *world, const int64_t *values, const int64_t *cubes,
                       uint64_t count, mt_error *err)
{
    if (out->failed) return MT_ERR_RUNTIME;
    /* Where this rank's lines start: after the lines of every lower rank (the sum of their bytes). */
    uint64_t mine = mt_powers_bytes(values, cubes, count, MT_OP_CUBE), before = 0, total = 0;
    MPI_CHECK(MPI_Exscan(&mine, &before, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD));
    if (world->rank == 0) before = 0; /* Exscan leaves rank 0's undefined */
    /* The collective writes: as many calls on every rank, as many as the largest part's blocks. */
    uint64_t sizes[2] = {mine, (count + BLOCK_LINES - 1) / BLOCK_LINES};
    MPI_CHECK(MPI_Allreduce(&sizes[0], &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &sizes[1], 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD));
    /* Rank 0 reserves the space of every rank's lines first: a full filesystem fails here, not half-way. */
    mt_error local_err = {""};
    int reserved = world->rank == 0 && total > 0 ? posix_fallocate(out->reserve_fd, out->end, (off_t)total) : 0;
    if (reserved != 0) mt_fail(&local_err, MT_ERR_RUNTIME, "cannot write %s: %s", out->name, strerror(reserved));
    mt_status status = output_agree(world, reserved != 0 ? MT_ERR_RUNTIME : MT_OK, &local_err, err);
    if (status != MT_OK) {
        out->failed = true;
        return status;
    }
    MPI_Offset offset = out->end + (MPI_Offset)before;
    for (uint64_t round = 0, first = 0; round < sizes[1]; round++) {
        uint64_t lines = count - first < BLOCK_LINES ? count - first : BLOCK_LINES;
        int bytes = out->failure.message[0] == '\0'
                        ? (int)mt_format_powers(out->block, values + first, cubes + first, lines, MT_OP_CUBE)
                        : 0;
        write_block(out, offset, bytes);
        offset += bytes;
        first += lines;
        /* Stop every rank at the first failure anywhere: nothing more is worth writing. */
        int failed = out->failure.message[0] != '\0';
        MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
        if (failed) break;
    }
    out->end += (MPI_Offset)total;
    bool failed = out->failure.message[0] != '\0';
    status = output_agree(world, failed ? MT_ERR_RUNTIME : MT_OK, &out->failure, err);
    out->failed = status != MT_OK;
    return status;
}

/* Rank 0: the temporary FILE goes, and the exit path no longer needs to remove it. */
static void discard_temporary(const results_output *out)
{
    unlink(out->temporary);
    mt_output_file_forget();
}

mt_status output_close(results_output *out, const world_info *world, bool keep, mt_error *err)
{
    if (out->path != OUTPUT_COLLECTIVE) return MT_OK;
    mt_error local_err = {""};
    mt_status local = MT_OK;
    int code = MPI_File_close(&out->file);
    out->file = MPI_FILE_NULL;
    if (out->reserve_fd >= 0 && close(out->reserve_fd) != 0 && code == MPI_SUCCESS)
        local = mt_fail(&local_err, MT_ERR_RUNTIME, "cannot write %s: %s", out->name, strerror(errno));
    out->reserve_fd = -1;
    if (code != MPI_SUCCESS) local = io_failure(out->name, code, &local_err);
    mt_status status = output_agree(world, local, &local_err, err);
    keep = keep && status == MT_OK && !out->failed;
    local = MT_OK;
    if (world->rank == 0) {
        if (keep)
            local = mt_output_file_rename(out->temporary, out->name, &local_err);
        else
            discard_temporary(out);
    }
    mt_status renamed = output_agree(world, local, &local_err, err);
    free(out->temporary);
    free(out->block);
    out->temporary = out->block = NULL;
    out->path = OUTPUT_STDOUT;
    return status != MT_OK ? status : renamed;
}

void output_free(results_output *out, const world_info *world, bool agreed)
{
    if (out->file != MPI_FILE_NULL && agreed) MPI_File_close(&out->file);
    if (out->reserve_fd >= 0) close(out->reserve_fd);
    out->reserve_fd = -1;
    if (out->temporary != NULL && world->rank == 0) discard_temporary(out);
    free(out->temporary);
    free(out->block);
    out->temporary = out->block = NULL;
}
