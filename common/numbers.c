/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* numbers.c - the number list's sources (arguments, a file or stdin, the generator) and the streaming reader:
 * blocks read with read(2) and scanned in place. A regular file read whole goes to the parallel parser
 * (numbers_parallel.c) instead. */
#include "numbers.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel.h"
#include "numbers_scan.h"
#include "numbers_testing.h"

enum { BLOCK_BYTES = MT_SOURCE_BLOCK + MT_NUMBERS_MAX_TOKEN + 2 }; /* a block, a token cut by its end, a 0 */

/* --- sources ------------------------------------------------------------------------------------------ */

void mt_source_open_args(mt_source *source, char *const *args, size_t count)
{
    *source = (mt_source){.kind = MT_SOURCE_ARGS, .args = args, .arg_count = count};
}

/* Whether fd is a regular file (the one kind that reads the same text again). */
static bool is_regular(int fd)
{
    struct stat info;
    return fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
}

void mt_source_open_stream(mt_source *source, FILE *file, const char *name, bool owns_file)
{
    *source = (mt_source){.kind = MT_SOURCE_FILE, .file = file, .name = name, .owns_file = owns_file, .line = 1};
    /* A regular file's text starts where its descriptor stands: a shell may have read a header off stdin. */
    off_t at = file != NULL && is_regular(fileno(file)) ? lseek(fileno(file), 0, SEEK_CUR) : 0;
    source->start = at > 0 ? (uint64_t)at : 0;
}

mt_status mt_source_open_file(mt_source *source, const char *path, mt_error *err)
{
    if (strcmp(path, "-") == 0) {
        mt_source_open_stream(source, stdin, "stdin", false);
        return MT_OK;
    }
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        mt_source_open_stream(source, NULL, path, false);
        return mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno));
    }
    mt_source_open_stream(source, file, path, true);
    return MT_OK;
}

void mt_source_open_generate(mt_source *source, uint64_t count, uint64_t seed)
{
    *source = (mt_source){.kind = MT_SOURCE_GENERATE, .to_generate = count, .seed = seed, .state = seed};
}

/* A file source back at the start of its text (the descriptor is placed by the caller). */
static void restart_text(mt_source *source)
{
    source->line = 1;
    source->offset = source->line_start = 0;
    source->position = source->filled = 0;
    source->in_comment = source->at_end = false;
    if (source->block != NULL) source->block[0] = '\0';
}

mt_status mt_source_rewind(mt_source *source, mt_error *err)
{
    source->items_read = 0;
    source->state = source->seed;
    if (source->kind != MT_SOURCE_FILE) return MT_OK;
    if (source->file == NULL) return mt_fail(err, MT_ERR_USAGE, "cannot read '%s'", source->name);
    int fd = fileno(source->file);
    /* A pipe, a FIFO, a terminal or a device gives other bytes (or none) a second time, even where lseek
     * succeeds (/dev/zero, a tape): only a regular file is read again. */
    if (!is_regular(fd))
        return mt_fail(err, MT_ERR_USAGE, "cannot read '%s' twice: it is not a regular file", source->name);
    if (source->start > (uint64_t)INT64_MAX || lseek(fd, (off_t)source->start, SEEK_SET) != (off_t)source->start)
        return mt_fail(err, MT_ERR_USAGE, "cannot read '%s' twice: %s", source->name, strerror(errno));
    restart_text(source);
    return MT_OK;
}

/* splitmix64: small, fast and the same on every platform, so a seed names one list everywhere. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* The next generated number: the top 22 bits, exactly uniform over the 2^22 values whose cube fits. */
static int64_t generated(uint64_t *state)
{
    return MT_CUBE_MIN + (int64_t)(next_random(state) >> 42);
}

void mt_generate_part(uint64_t seed, uint64_t first, uint64_t count, int64_t *values)
{
    /* splitmix64's state after first numbers is seed + first * its increment: no need to make them. */
    uint64_t state = seed + first * UINT64_C(0x9E3779B97F4A7C15);
    for (uint64_t i = 0; i < count; i++)
        values[i] = generated(&state);
}

/* The line limit under limits (NULL: a program's). */
static uint64_t limited_max_line(const mt_read_limits *limits)
{
    return limits != NULL && limits->max_line != 0 ? limits->max_line : MT_NUMBERS_MAX_LINE;
}

/* Keep the token that waits at position (at most MT_NUMBERS_MAX_TOKEN bytes) at the block's start and read more after
 * it. */
static mt_status refill(mt_source *source, size_t read_max, mt_error *err)
{
    size_t kept = source->filled - source->position;
    memmove(source->block, source->block + source->position, kept);
    source->offset += source->position;
    source->position = 0;
    source->filled = kept;
    size_t room = BLOCK_BYTES - 1 - kept;
    if (read_max != 0 && read_max < room) room = read_max;
    ssize_t got;
    do
        got = read(fileno(source->file), source->block + kept, room);
    while (got < 0 && errno == EINTR);
    if (got < 0) return mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", source->name, strerror(errno));
    source->filled += (size_t)got;
    source->block[source->filled] = '\0';
    source->at_end = got == 0;
    return MT_OK;
}

/* The streaming reader: blocks read with read(2), scanned in place; only a token cut by a block's end is moved. */
static mt_status read_text(mt_source *source, const mt_read_limits *limits, int64_t *buffer, size_t max, size_t *got,
                           mt_error *err)
{
    size_t count = 0;
    if (source->file == NULL) return mt_fail(err, MT_ERR_USAGE, "cannot read '%s'", source->name);
    if (source->block == NULL) {
        /* On the heap, not in the source: a source on a small stack (ulimit -s 64) must fit in it. */
        source->block = malloc(BLOCK_BYTES);
        if (source->block == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory to read '%s'", source->name);
        source->block[0] = '\0';
    }
    uint64_t max_line = limited_max_line(limits);
    for (;;) {
        mt_scanner s = {.data = source->block,
                        .position = source->position,
                        .end = source->filled,
                        .limit = source->filled,
                        .final = source->at_end,
                        .base = source->offset,
                        .max_line = max_line,
                        .newlines = source->line > 0 ? source->line - 1 : 0,
                        .line_start = source->line_start,
                        .in_comment = source->in_comment};
        size_t found_items;
        mt_scan_stop stop = mt_scan(&s, buffer + count, max - count, &found_items);
        count += found_items;
        source->items_read += found_items;
        source->position = s.position;
        source->line = s.newlines + 1;
        source->line_start = s.line_start;
        source->in_comment = s.in_comment;
        if (stop == SCAN_PROBLEM) {
            mt_scan_found problem = mt_scan_resolve(s.problem, s.problem_at, s.line_start, max_line);
            return mt_scan_message(problem, source->name, source->line, source->items_read + 1, s.data + s.token,
                                   s.length, max_line, err);
        }
        if (stop == SCAN_FULL || source->at_end) break;
        mt_status status = refill(source, limits != NULL ? limits->read_max : 0, err);
        if (status != MT_OK) return status;
    }
    *got = count;
    return MT_OK;
}

mt_status mt_source_read(mt_source *source, int64_t *buffer, size_t max, size_t *got, mt_error *err)
{
    return mt_source_read_limited(source, NULL, buffer, max, got, err);
}

mt_status mt_source_read_limited(mt_source *source, const mt_read_limits *limits, int64_t *buffer, size_t max,
                                 size_t *got, mt_error *err)
{
    *got = 0;
    if (source->kind == MT_SOURCE_FILE) return read_text(source, limits, buffer, max, got, err);
    size_t count = 0;
    for (; count < max; count++, source->items_read++) {
        if (source->kind == MT_SOURCE_ARGS) {
            if (source->items_read >= source->arg_count) break;
            const char *token = source->args[source->items_read];
            if (mt_scan_token(token, &buffer[count]) != TOKEN_OK) {
                char where[64];
                snprintf(where, sizeof where, "argument %" PRIu64, source->items_read + 1);
                return mt_parse_int64(token, where, &buffer[count], err);
            }
        } else {
            if (source->items_read >= source->to_generate) break;
            buffer[count] = generated(&source->state);
        }
    }
    *got = count;
    return MT_OK;
}

void mt_source_close(mt_source *source)
{
    if (source->owns_file && source->file != NULL) fclose(source->file);
    free(source->block);
    source->block = NULL;
    source->file = NULL;
    source->owns_file = false;
}

mt_status mt_numbers_read_all(mt_source *source, mt_numbers *numbers, mt_error *err)
{
    return mt_numbers_read_all_limited(source, NULL, numbers, err);
}

mt_status mt_numbers_read_all_limited(mt_source *source, const mt_read_limits *limits, mt_numbers *numbers,
                                      mt_error *err)
{
    *numbers = (mt_numbers){0};
    if (source->kind == MT_SOURCE_FILE && source->file != NULL) {
        bool done;
        mt_status status = mt_numbers_read_mapped(source, limited_max_line(limits), numbers, &done, err);
        if (done || status != MT_OK) return status;
    }
    /* Arguments and the generator know their length; a stream grows its array by doubling. */
    uint64_t known = source->kind == MT_SOURCE_ARGS       ? source->arg_count - source->items_read
                     : source->kind == MT_SOURCE_GENERATE ? source->to_generate - source->items_read
                                                          : 0;
    uint64_t capacity = 0, most = mt_numbers_max_items();
    for (;;) {
        if (numbers->count == capacity) {
            uint64_t grown = source->kind != MT_SOURCE_FILE ? (known > 0 ? known : 1)
                             : capacity < 1024              ? 1024
                                                            : capacity * 2;
            if (source->kind == MT_SOURCE_FILE && grown > most) grown = most + 1;
            if (grown <= capacity || grown > SIZE_MAX / sizeof(int64_t)) goto too_large;
            int64_t *values = realloc(numbers->values, (size_t)grown * sizeof(int64_t));
            if (values == NULL) goto too_large;
            /* No huge-page advice here: it would split the mapping, and realloc could no longer move it
             * (mremap) but would copy it, holding the list twice. */
            numbers->values = values;
            capacity = grown;
        }
        size_t got;
        mt_status status = mt_source_read_limited(source, limits, numbers->values + numbers->count,
                                                  (size_t)(capacity - numbers->count), &got, err);
        if (status != MT_OK) {
            mt_numbers_free(numbers);
            return status;
        }
        numbers->count += got;
        if (numbers->count > most) goto too_large;
        if (numbers->count < capacity || source->kind != MT_SOURCE_FILE) break;
    }
    if (numbers->count == 0) {
        free(numbers->values);
        numbers->values = NULL;
    }
    return MT_OK;
too_large : {
    uint64_t read = numbers->count;
    mt_numbers_free(numbers);
    return mt_numbers_too_large(read, err);
}
}

void mt_numbers_free(mt_numbers *numbers)
{
    free(numbers->values);
    *numbers = (mt_numbers){0};
}
