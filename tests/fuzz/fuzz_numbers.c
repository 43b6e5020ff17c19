/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* fuzz_numbers.c - the number-list reader against a plain reference and against itself.
 *
 * The same text is read four ways: mt_numbers_parse_text in one part and in 2 to 8 parts (the parallel parse,
 * split at whitespace), and mt_source_read over a stream fed a few bytes per read(2) and asked for a few items
 * at a time (the streaming reader, its block boundaries everywhere). All must give the same numbers, or the
 * same message; and the reference below, one byte at a time and written for clarity, says which numbers, or
 * which problem at which line and item. The first two input bytes choose the line limit, the parts, the read
 * size and the items per call, so that short inputs reach every limit.
 *
 * The rules the reference spells out: whitespace is isspace's in the C locale; '#' at a token's start begins
 * a comment to the end of the line; a token is strict base-10 int64 and at most 64 bytes; a NUL byte is an
 * error where it stands (within the first 65 bytes of a token, or in a comment); a line holds at most max_line
 * bytes, and what stands past a line's limit is that line's error. */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "numbers.h"
#include "numbers_testing.h"

typedef enum { REF_OK, REF_LONG_LINE, REF_NUL, REF_NUL_IN_COMMENT, REF_TOO_LONG, REF_BAD } ref_kind;

typedef struct {
    ref_kind kind;
    uint64_t line, item; /* of the problem */
    int64_t *values;
    size_t count;
} reference;

static bool space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void reference_parse(const unsigned char *text, size_t size, uint64_t max_line, reference *r)
{
    *r = (reference){.kind = REF_OK, .values = malloc((size / 2 + 1) * sizeof(int64_t))};
    if (r->values == NULL) abort();
    uint64_t line = 1;
    size_t line_start = 0, i = 0;
#define PROBLEM(k)                                                                                                     \
    do {                                                                                                               \
        r->kind = (k), r->line = line, r->item = r->count + 1;                                                         \
        return;                                                                                                        \
    } while (0)
    while (i < size) {
        unsigned char c = text[i];
        if (c == '\n') {
            line++, line_start = ++i;
            continue;
        }
        if (i - line_start >= max_line) PROBLEM(REF_LONG_LINE);
        if (space(c)) {
            i++;
            continue;
        }
        if (c == '#') {
            for (; i < size && text[i] != '\n'; i++) {
                if (i - line_start >= max_line) PROBLEM(REF_LONG_LINE);
                if (text[i] == '\0') PROBLEM(REF_NUL_IN_COMMENT);
            }
            continue;
        }
        size_t j = i;
        while (j < size && !space(text[j]))
            j++;
        size_t window = j - i < 65 ? j - i : 65;
        const unsigned char *nul = memchr(text + i, '\0', window);
        if (nul != NULL) {
            if ((size_t)(nul - text) - line_start >= max_line) PROBLEM(REF_LONG_LINE);
            PROBLEM(REF_NUL);
        }
        if (j - i > 64) PROBLEM(REF_TOO_LONG);
        char token[65];
        memcpy(token, text + i, j - i);
        token[j - i] = '\0';
        int64_t value;
        if (mt_parse_int64(token, "reference", &value, NULL) != MT_OK) PROBLEM(REF_BAD);
        r->values[r->count++] = value;
        if (j - 1 - line_start >= max_line) PROBLEM(REF_LONG_LINE); /* a good token that runs past the limit */
        i = j;
    }
#undef PROBLEM
}

typedef struct {
    mt_status status;
    mt_error err;
    int64_t *values;
    size_t count;
} outcome;

static outcome read_parts(const char *text, size_t size, int parts, uint64_t max_line)
{
    outcome o = {0};
    mt_numbers numbers;
    o.status = mt_numbers_parse_text(text, size, "fuzz", parts, max_line, &numbers, &o.err);
    o.values = numbers.values, o.count = (size_t)numbers.count;
    return o;
}

static outcome read_stream(const char *text, size_t size, size_t read_max, size_t per_call, uint64_t max_line)
{
    outcome o = {0};
    int fd = memfd_create("fuzz_numbers", 0);
    if (fd < 0 || write(fd, text, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) abort();
    FILE *file = fdopen(fd, "r");
    if (file == NULL) abort();
    mt_source source;
    mt_source_open_stream(&source, file, "fuzz", true);
    mt_read_limits limits = {.read_max = read_max, .max_line = max_line};
    o.values = malloc((size / 2 + 1 + per_call) * sizeof(int64_t));
    if (o.values == NULL) abort();
    for (;;) {
        size_t got;
        o.status = mt_source_read_limited(&source, &limits, o.values + o.count, per_call, &got, &o.err);
        if (o.status != MT_OK) break;
        o.count += got;
        if (got < per_call) break;
    }
    /* At the end, the stream stays at the end. */
    size_t got = 1;
    if (o.status == MT_OK && (mt_source_read(&source, o.values, 1, &got, &o.err) != MT_OK || got != 0))
        fuzz_fail("a stream read again after its end gave more");
    mt_source_close(&source);
    return o;
}

static void same(const outcome *a, const outcome *b, const char *what)
{
    if (a->status != b->status)
        fuzz_fail("%s: status %d vs %d (%s | %s)", what, a->status, b->status, a->err.message, b->err.message);
    if (a->status != MT_OK) {
        if (strcmp(a->err.message, b->err.message) != 0)
            fuzz_fail("%s: messages differ:\n  %s\n  %s", what, a->err.message, b->err.message);
        return;
    }
    if (a->count != b->count) fuzz_fail("%s: %zu items vs %zu", what, a->count, b->count);
    if (a->count > 0 && memcmp(a->values, b->values, a->count * sizeof(int64_t)) != 0)
        fuzz_fail("%s: the values differ", what);
}

static void agrees_with_reference(const outcome *o, const reference *r)
{
    if (r->kind == REF_OK) {
        if (o->status != MT_OK) fuzz_fail("refused, the reference accepts: %s", o->err.message);
        if (o->count != r->count) fuzz_fail("%zu items, the reference %zu", o->count, r->count);
        if (o->count > 0 && memcmp(o->values, r->values, o->count * sizeof(int64_t)) != 0)
            fuzz_fail("the values differ from the reference's");
        return;
    }
    if (o->status != MT_ERR_USAGE) fuzz_fail("accepted, the reference finds problem %d", r->kind);
    char where[96];
    if (r->kind == REF_LONG_LINE)
        snprintf(where, sizeof where, "fuzz line %llu: longer than", (unsigned long long)r->line);
    else
        snprintf(where, sizeof where, "fuzz line %llu (item %llu): ", (unsigned long long)r->line,
                 (unsigned long long)r->item);
    static const char *const says[] = {[REF_LONG_LINE] = "bytes: put the numbers on more lines",
                                       [REF_NUL] = "a NUL byte is not a base-10 integer",
                                       [REF_NUL_IN_COMMENT] = "a NUL byte in a comment",
                                       [REF_TOO_LONG] = "is too long for an int64",
                                       [REF_BAD] = "'"};
    if (strstr(o->err.message, where) == NULL || strstr(o->err.message, says[r->kind]) == NULL)
        fuzz_fail("message '%s', the reference expects '%s' ... '%s'", o->err.message, where, says[r->kind]);
    fuzz_check_message(o->err.message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    /* knobs: a line limit of 1 to 64 bytes or the real one; 2 to 8 parts; 1 to 16 bytes a read; 1 to 8 items a
     * call */
    uint64_t max_line = data[0] & 0x40 ? MT_NUMBERS_MAX_LINE : (uint64_t)(data[0] & 0x3F) + 1;
    int parts = (data[1] & 7) + 2;
    size_t read_max = (size_t)(data[1] >> 3 & 0x0F) + 1,
           per_call = (size_t)(data[0] >> 7 | (data[1] >> 7) << 1) * 2 + 1;
    data += 2, size -= 2;
    char *text = malloc(size + 1); /* the parse's contract: a 0 after the text */
    if (text == NULL) abort();
    memcpy(text, data, size);
    text[size] = '\0';

    reference r;
    reference_parse((const unsigned char *)text, size, max_line, &r);
    outcome whole = read_parts(text, size, 1, max_line);
    outcome split = read_parts(text, size, parts, max_line);
    outcome streamed = read_stream(text, size, read_max, per_call, max_line);
    agrees_with_reference(&whole, &r);
    same(&whole, &split, "one part against several");
    same(&whole, &streamed, "one part against the stream");

    free(whole.values), free(split.values), free(streamed.values), free(r.values), free(text);
    return 0;
}
