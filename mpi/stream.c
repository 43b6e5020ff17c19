/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "kernel.h"

/* Whether the list must be kept to be read again: a file that is not a regular one (stdin, a pipe, a FIFO, a
 * terminal) cannot be rewound. */
static bool cannot_rewind(const mt_source *source)
{
    struct stat info;
    return source->kind == MT_SOURCE_FILE && (fstat(fileno(source->file), &info) != 0 || !S_ISREG(info.st_mode));
}

mt_status stream_scan(const mt_options *options, mt_source *source, uint64_t *n, mt_error *err)
{
    mt_status status = mt_cli_open_source(options, source, err);
    if (status != MT_OK) return status;
    FILE *spool = NULL;
    if (cannot_rewind(source) && (spool = tmpfile()) == NULL)
        return mt_fail(err, MT_ERR_RUNTIME, "cannot create a temporary file to keep '%s' in", source->name);
    enum { BLOCK = 65536 };
    int64_t *block = malloc(BLOCK * sizeof *block);
    if (block == NULL) status = mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    *n = 0;
    size_t got = 0;
    while (status == MT_OK) {
        status = mt_source_read(source, block, BLOCK, &got, err);
        if (status == MT_OK) status = mt_check_cube_range(block, got, *n + 1, err);
        for (size_t i = 0; status == MT_OK && spool != NULL && i < got; i++)
            fprintf(spool, "%lld\n", (long long)block[i]);
        *n += got;
        if (got < BLOCK) break;
    }
    free(block);
    if (spool != NULL) {
        if (status == MT_OK && (fflush(spool) != 0 || ferror(spool)))
            status = mt_fail(err, MT_ERR_RUNTIME, "cannot write the temporary copy of '%s'", source->name);
        /* The copy's text starts at its byte 0: the source is opened there (it takes the offset it finds). */
        if (status == MT_OK && fseek(spool, 0, SEEK_SET) != 0)
            status = mt_fail(err, MT_ERR_RUNTIME, "cannot read the temporary copy of '%s'", source->name);
        const char *name = source->name;
        mt_source_close(source);
        mt_source_open_stream(source, spool, name, true);
    }
    return status;
}

uint64_t stream_ideal_steps(uint64_t n, uint64_t chunk, uint64_t ranks, uint64_t workers)
{
    if (workers == 0) workers = 1;
    uint64_t per_round = chunk > 0 && chunk <= n / ranks ? chunk * ranks : n;
    if (per_round == 0) return 0;
    /* Every whole round, then the last one's rest. */
    uint64_t rounds = n / per_round, rest = n % per_round;
    return rounds * ((per_round + workers - 1) / workers) + (rest + workers - 1) / workers;
}
