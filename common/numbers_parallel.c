/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* numbers_parallel.c - the parallel parser: text in memory (a regular file mapped) cut at whitespace into parts,
 * every part scanned by its own OpenMP thread, the first problem in the text's order named as the streaming
 * reader names it, and the parts joined into one list. Also one part alone, for a process that parses only its
 * own (cube_mpi --io mpi). */
#define _GNU_SOURCE /* memrchr, beside POSIX */
#include "numbers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include "numbers_scan.h"

/* Room for count items, untouched; free() releases it. No huge pages: the parse touches each page once, in
 * order, and on a busy machine the kernel compacts memory to make a huge page, stalling that first touch
 * (measured here: 0.02 to 0.16 s of system time for an 80 MB list with them, a steady 0.07 s without). */
static int64_t *reserve_items(uint64_t count)
{
    if (count > SIZE_MAX / sizeof(int64_t) / 2) return NULL;
    return malloc(count ? (size_t)count * sizeof(int64_t) : 1);
}

/* Where a part starts, at or after nominal: at a place no token and no comment crosses, and where its line
 * starts. Where there is no such place near, the line there is past its limit: *line_start is NO_LINE, and the
 * parts before find that line too long (or a problem before it); the parts from there on need no parse. */
#define NO_LINE SIZE_MAX
static size_t part_start(const unsigned char *text, size_t size, size_t nominal, uint64_t max_line, size_t *line_start)
{
    *line_start = NO_LINE;
    if (nominal == 0 || nominal >= size) return *line_start = nominal < size ? 0 : size;
    /* The start of nominal's line, looked for at most max_line + 1 bytes back. */
    size_t back = (uint64_t)nominal < max_line + 1 ? nominal : (size_t)(max_line + 1);
    const unsigned char *newline = memrchr(text + nominal - back, '\n', back);
    if (newline == NULL && back < nominal) return nominal;
    size_t line = newline != NULL ? (size_t)(newline - text) + 1 : 0;
    /* Inside a comment? One begins at a token that starts with '#'. */
    bool in_token = false;
    for (size_t i = line; i < nominal; i++) {
        if (mt_scan_is_space(text[i])) {
            in_token = false;
        } else if (!in_token && text[i] == '#') {
            /* Then start after its line, unless that line runs past its limit. */
            uint64_t line_end = line + max_line + 1;
            size_t reach = line_end < size ? (size_t)line_end : size;
            const unsigned char *end = memchr(text + nominal, '\n', reach - nominal);
            if (end == NULL && reach < size) return reach;
            *line_start = end != NULL ? (size_t)(end - text) + 1 : size;
            return *line_start;
        } else {
            in_token = true;
        }
    }
    *line_start = line;
    if (!in_token) return nominal;
    /* Inside a token: start at its end, unless it runs past the token limit (the part before refuses it). */
    size_t reach = size - nominal > MT_NUMBERS_MAX_TOKEN + 1 ? nominal + MT_NUMBERS_MAX_TOKEN + 1 : size;
    for (size_t i = nominal; i < reach; i++)
        if (mt_scan_is_space(text[i])) return i;
    return reach;
}

typedef struct {
    mt_scanner scan;
    int64_t *values;
    size_t count, capacity;
    mt_scan_stop stop;
} part;

/* Copy parts 1 on into values after part 0's items, in blocks spread evenly over the threads: the copy
 * touches fresh pages, and a first touch costs more than the copy. */
static void copy_parts(int64_t *values, const part *all, const size_t *offsets, uint64_t items, int threads)
{
    enum { BLOCK = 1 << 16 };
    uint64_t first = all[0].count;
    int64_t blocks = (int64_t)((items - first + BLOCK - 1) / BLOCK);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
    for (int64_t b = 0; b < blocks; b++) {
        uint64_t from = first + (uint64_t)b * BLOCK, to = from + BLOCK < items ? from + BLOCK : items;
        int k = 1;
        while (offsets[k] + all[k].count <= from)
            k++;
        for (; from < to; k++) {
            uint64_t in_part = from - offsets[k], n = all[k].count - in_part;
            if (n > to - from) n = to - from;
            memcpy(values + from, all[k].values + in_part, (size_t)n * sizeof *values);
            from += n;
        }
    }
}

/* Scan a part a window at a time; from a mapped file, the pages behind are let go (they stay in the page
 * cache), so that the memory taken is the list's, not the file's. */
static void scan_part(part *p, bool mapped)
{
    enum { WINDOW = 4 << 20 };
    size_t part_end = p->scan.end, count = 0, page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t kept = (uintptr_t)p->scan.data + p->scan.position;
    for (;;) {
        size_t position = p->scan.position, got;
        p->scan.end = part_end - position > WINDOW ? position + WINDOW : part_end;
        p->stop = mt_scan(&p->scan, p->values + count, p->capacity - count, &got);
        count += got;
        if (p->stop != SCAN_END || p->scan.position >= part_end) break;
        uintptr_t behind = ((uintptr_t)p->scan.data + p->scan.position) & ~(uintptr_t)(page - 1);
        if (mapped && behind > kept) {
            uintptr_t from = (kept + page - 1) & ~(uintptr_t)(page - 1);
            if (behind > from) madvise((void *)from, behind - from, MADV_DONTNEED);
            kept = behind;
        }
    }
    p->scan.end = part_end;
    p->count = count;
}

/* A parse of text in parts: where each part starts and where its line starts, and what each part found. */
typedef struct {
    const unsigned char *text;
    size_t size;
    uint64_t max_line;
    int parts;      /* parts of the text */
    int live;       /* parts to scan: after a line past its limit, the rest of the text is not looked at */
    int threads;    /* threads that scan and copy them */
    size_t *starts; /* parts + 1 of them: part k's tokens start in [starts[k], starts[k + 1]) */
    size_t *lines;  /* where the line of each part's start starts */
    part *all;
} parts_plan;

static void plan_free(parts_plan *plan)
{
    for (int k = 0; plan->all != NULL && k < plan->parts; k++)
        free(plan->all[k].values);
    free(plan->all);
    free(plan->starts);
    free(plan->lines);
}

/* Where every part starts, in order, each a short look back to its line's start; past a line beyond its limit,
 * the parts before say so and the rest of the text is not looked at. Then room for each live part's items. */
static mt_status plan_parts(parts_plan *plan, mt_error *err)
{
    int parts = plan->parts;
    plan->starts = malloc(((size_t)parts + 1) * sizeof *plan->starts);
    plan->lines = malloc((size_t)parts * sizeof *plan->lines);
    plan->all = calloc((size_t)parts, sizeof *plan->all);
    if (plan->starts == NULL || plan->lines == NULL || plan->all == NULL) return mt_numbers_too_large(0, err);
    size_t *starts = plan->starts, *lines = plan->lines;
    starts[0] = 0;
    lines[0] = 0;
    starts[parts] = plan->size;
    plan->live = parts;
    for (int k = 1; k < parts && plan->live == parts; k++) {
        size_t nominal = (size_t)((uint64_t)plan->size * (uint64_t)k / (uint64_t)parts);
        if (nominal < starts[k - 1]) {
            starts[k] = starts[k - 1];
            lines[k] = lines[k - 1];
            continue;
        }
        starts[k] = part_start(plan->text, plan->size, nominal, plan->max_line, &lines[k]);
        if (lines[k] == NO_LINE) plan->live = k;
    }
    /* Part k's tokens start in [starts[k], starts[k + 1]): at most one in two of its bytes, and one. */
    for (int k = 0; k < plan->live; k++) {
        plan->all[k].capacity = (starts[k + 1] - starts[k]) / 2 + 2;
        plan->all[k].values = reserve_items(plan->all[k].capacity);
        if (plan->all[k].values == NULL) return mt_numbers_too_large(0, err);
    }
    return MT_OK;
}

/* Each part on its own, from a place between tokens whose line start is known; lines are counted as they pass,
 * numbered only for a message. */
static void scan_parts(parts_plan *plan, bool mapped)
{
#pragma omp parallel for num_threads(plan->threads) if (plan->threads > 1) schedule(static, 1)
    for (int k = 0; k < plan->live; k++) {
        part *p = &plan->all[k];
        p->scan = (mt_scanner){.data = plan->text,
                               .position = plan->starts[k],
                               .end = plan->starts[k + 1],
                               .limit = plan->size,
                               .final = true,
                               .max_line = plan->max_line,
                               .line_start = plan->lines[k]};
        scan_part(p, mapped);
    }
}

/* In order: the first problem wins, named by the lines and items of the parts before it. *items: the items of
 * every part. */
static mt_status first_problem(const parts_plan *plan, const char *name, uint64_t *items, mt_error *err)
{
    uint64_t newlines = 0;
    *items = 0;
    for (int k = 0; k < plan->live; k++) {
        const part *p = &plan->all[k];
        const mt_scanner *s = &p->scan;
        if (p->stop == SCAN_PROBLEM)
            return mt_scan_message(mt_scan_resolve(s->problem, s->problem_at, s->line_start, plan->max_line), name,
                                   newlines + s->newlines + 1, *items + p->count + 1, plan->text + s->token, s->length,
                                   plan->max_line, err);
        if (p->stop == SCAN_FULL) return mt_numbers_too_large(*items, err); /* cannot be: room for every token */
        newlines += s->newlines;
        *items += p->count;
    }
    return MT_OK;
}

/* Part 0's array becomes the list of items items; the other parts are copied after it, in parallel. */
static mt_status join_parts(parts_plan *plan, uint64_t items, mt_numbers *numbers, mt_error *err)
{
    part *all = plan->all;
    int64_t *values = all[0].values;
    if (items > all[0].capacity) values = realloc(values, (size_t)items * sizeof *values);
    if (values == NULL) return mt_numbers_too_large(items, err);
    all[0].values = values;
    size_t *offsets = plan->starts; /* no longer needed as starts */
    offsets[0] = 0;
    for (int k = 1; k < plan->parts; k++)
        offsets[k] = offsets[k - 1] + all[k - 1].count;
    copy_parts(values, all, offsets, items, plan->threads);
    if (items < all[0].capacity) {
        int64_t *fitted = realloc(values, (size_t)items * sizeof *values);
        if (fitted != NULL) values = fitted;
    }
    all[0].values = NULL;
    *numbers = (mt_numbers){.values = values, .count = items};
    return MT_OK;
}

static mt_status parse_text(const char *data, size_t size, const char *name, int parts, uint64_t max_line, bool mapped,
                            mt_numbers *numbers, mt_error *err)
{
    *numbers = (mt_numbers){0};
    if (parts < 1) parts = 1;
    if ((size_t)parts > size) parts = size > 0 ? (int)size : 1;
    parts_plan plan = {.text = (const unsigned char *)data,
                       .size = size,
                       .max_line = max_line != 0 ? max_line : MT_NUMBERS_MAX_LINE,
                       .parts = parts,
                       .threads = omp_get_max_threads() < parts ? omp_get_max_threads() : parts};
    uint64_t items = 0;
    mt_status status = plan_parts(&plan, err);
    if (status == MT_OK) {
        scan_parts(&plan, mapped);
        status = first_problem(&plan, name, &items, err);
    }
    if (status == MT_OK && plan.live < parts) {
        /* Cannot be: a line past its limit is a problem in the parts before. The plain way is exact. */
        plan_free(&plan);
        return parse_text(data, size, name, 1, plan.max_line, mapped, numbers, err);
    }
    if (status == MT_OK && items > mt_numbers_max_items()) status = mt_numbers_too_large(items, err);
    if (status == MT_OK && items > 0) status = join_parts(&plan, items, numbers, err);
    plan_free(&plan);
    return status;
}

mt_status mt_numbers_parse_text(const char *data, size_t size, const char *name, int parts, uint64_t max_line,
                                mt_numbers *numbers, mt_error *err)
{
    return parse_text(data, size, name, parts, max_line, false, numbers, err);
}

/* A regular file's bytes [start, size), mapped read-only with a zero byte after its end: the scanner's sentinel.
 * The map begins at start's page (a map's offset is whole pages); *area and *mapped are what to unmap. NULL when
 * it cannot be (the caller then reads it as a stream). Pages come in as they are read (no MAP_POPULATE): a file
 * refused early, as one with a line past its limit, is never held whole. */
static const char *map_text(int fd, uint64_t start, uint64_t size, void **area, size_t *mapped)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), from = start / page * page;
    if (size - from > SIZE_MAX - 2 * page) return NULL;
    size_t length = (size_t)(size - from);
    *mapped = (length / page + 1) * page; /* at least one whole page of zeros past the end of the file's pages */
    *area = mmap(NULL, *mapped, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (*area == MAP_FAILED) return NULL;
    /* The file over the start of the area: bytes past its end, to the end of its last page, read as 0. */
    void *file = mmap(*area, length, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, (off_t)from);
    if (file == MAP_FAILED) {
        munmap(*area, *mapped);
        return NULL;
    }
    return (const char *)*area + (start - from);
}

/* From the text's start, which need not be byte 0 of the file. */
mt_status mt_numbers_read_mapped(mt_source *source, uint64_t max_line, mt_numbers *numbers, bool *done, mt_error *err)
{
    *done = false;
    int fd = fileno(source->file);
    struct stat info;
    if (source->items_read != 0 || source->offset != 0 || source->filled != 0 || source->at_end ||
        fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || (uint64_t)info.st_size <= source->start ||
        lseek(fd, 0, SEEK_CUR) != (off_t)source->start)
        return MT_OK;
    uint64_t size = (uint64_t)info.st_size - source->start;
    /* The map and room for one item in two bytes must stay within half the memory the process may use (an
     * address-space limit counts what is reserved, touched or not), else the stream's growing array is kinder. */
    uint64_t memory = mt_usable_memory();
    if (size > SIZE_MAX / 4 || (memory != 0 && size / 2 * sizeof(int64_t) + size > memory / 2)) return MT_OK;
    size_t mapped;
    void *area;
    const char *text = map_text(fd, source->start, (uint64_t)info.st_size, &area, &mapped);
    if (text == NULL) return MT_OK;
    enum { PART_BYTES = 1 << 20 }; /* smaller parts cost more to start than they save */
    uint64_t by_size = size / PART_BYTES > 0 ? size / PART_BYTES : 1;
    int parts = (uint64_t)omp_get_max_threads() < by_size ? omp_get_max_threads() : (int)by_size;
    mt_status status = parse_text(text, (size_t)size, source->name, parts, max_line, true, numbers, err);
    munmap(area, mapped);
    *done = true;
    if (status != MT_OK) return status;
    /* The source is at the end of its text, as if it had been read through. */
    lseek(fd, info.st_size, SEEK_SET);
    source->items_read = numbers->count;
    source->offset = size;
    source->at_end = true;
    return MT_OK;
}

/* path mapped whole from byte 0 into part (its map, mapped and size); *text is NULL for an empty file. */
static mt_status map_whole_file(const char *path, mt_numbers_part *part, const unsigned char **text, mt_error *err)
{
    *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno));
    struct stat info;
    mt_status status = MT_OK;
    if (fstat(fd, &info) != 0)
        status = mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno));
    else if (S_ISDIR(info.st_mode))
        status = mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", path, strerror(EISDIR));
    else if (!S_ISREG(info.st_mode))
        status = mt_fail(err, MT_ERR_USAGE, "'%s' is not a regular file: it cannot be read in ranges", path);
    size_t size = status == MT_OK ? (size_t)info.st_size : 0;
    part->size = size;
    if (status == MT_OK && size > 0) {
        void *area; /* from byte 0, where the text starts: the area is the text, unmapped as part->map */
        *text = (const unsigned char *)map_text(fd, 0, size, &area, &part->mapped);
        if (*text == NULL) status = mt_fail(err, MT_ERR_RUNTIME, "cannot map '%s': %s", path, strerror(errno));
    }
    close(fd);
    part->map = *text;
    return status;
}

/* Part k of parts of text[0, size): its bytes [*start, *end) and where the line of *start starts, found as
 * parse_text finds them (every part's start, in order, up to this part's end). false when the part needs no
 * parse: it stands past a line beyond its limit, which a part before it refuses. */
static bool part_bounds(const unsigned char *text, size_t size, int k, int parts, size_t *start, size_t *end,
                        size_t *line_start)
{
    size_t previous = 0, previous_line = 0;
    bool live = true;
    *start = 0;
    *end = size;
    *line_start = 0;
    for (int j = 1; j <= k + 1 && j < parts; j++) {
        size_t nominal = (size_t)((uint64_t)size * (uint64_t)j / (uint64_t)parts);
        size_t at = previous, at_line = previous_line;
        if (nominal >= previous) at = part_start(text, size, nominal, MT_NUMBERS_MAX_LINE, &at_line);
        if (j == k) {
            *start = at;
            *line_start = at_line;
        }
        if (j == k + 1) *end = at;
        if (at_line == NO_LINE && j <= k) live = false;
        previous = at;
        previous_line = at_line;
    }
    return live;
}

/* One part of a file, as parse_text splits and scans it (mt_numbers_read_part). */
mt_status mt_numbers_read_part(const char *path, int k, int parts, mt_numbers *numbers, mt_numbers_part *out,
                               mt_error *err)
{
    *numbers = (mt_numbers){0};
    *out = (mt_numbers_part){.map = NULL};
    const unsigned char *text;
    mt_status status = map_whole_file(path, out, &text, err);
    if (status != MT_OK || text == NULL) return status;
    size_t start, end, line_start;
    bool live = part_bounds(text, out->size, k, parts, &start, &end, &line_start);
    out->first_byte = start;
    out->end_byte = live ? end : start;
    if (!live || end <= start) return MT_OK;
    part p = {.capacity = (end - start) / 2 + 2};
    p.values = reserve_items(p.capacity);
    if (p.values == NULL) return mt_numbers_too_large(0, err);
    p.scan = (mt_scanner){.data = text,
                          .position = start,
                          .end = end,
                          .limit = out->size,
                          .final = true,
                          .max_line = MT_NUMBERS_MAX_LINE,
                          .line_start = line_start};
    scan_part(&p, true);
    out->newlines = p.scan.newlines;
    out->items = p.count;
    if (p.stop == SCAN_PROBLEM) {
        out->problem = true;
        out->found = (int)mt_scan_resolve(p.scan.problem, p.scan.problem_at, p.scan.line_start, MT_NUMBERS_MAX_LINE);
        out->token = text + p.scan.token;
        out->length = p.scan.length;
    } else if (p.stop == SCAN_FULL) {
        free(p.values);
        return mt_numbers_too_large(p.count, err); /* cannot be: there is room for every token */
    }
    if (p.count > 0 && p.count < p.capacity) {
        int64_t *fitted = realloc(p.values, p.count * sizeof *p.values);
        if (fitted != NULL) p.values = fitted;
    }
    *numbers = (mt_numbers){.values = p.count > 0 ? p.values : NULL, .count = p.count};
    if (p.count == 0) free(p.values);
    return MT_OK;
}

mt_status mt_numbers_part_message(const mt_numbers_part *part, const char *name, uint64_t newlines_before,
                                  uint64_t items_before, mt_error *err)
{
    return mt_scan_message((mt_scan_found)part->found, name, newlines_before + part->newlines + 1,
                           items_before + part->items + 1, part->token, part->length, MT_NUMBERS_MAX_LINE, err);
}

void mt_numbers_part_free(mt_numbers_part *part)
{
    if (part->map != NULL) munmap((void *)part->map, part->mapped);
    part->map = NULL;
}
