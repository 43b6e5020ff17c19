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
        const char *name = source->name;
        mt_source_close(source);
        mt_source_open_stream(source, spool, name, true);
    }
    return status;
}
