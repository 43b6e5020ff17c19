/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* report.c - the checked output (every write and the flush at the end checked) and the result lines, formatted by
 * hand in blocks. The record is record.c's. */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void mt_output_init(mt_output *out, FILE *file, const char *name)
{
    out->file = file;
    out->name = name;
    atomic_init(&out->error, 0);
}

/* Note a failed write (the caller holds the file's lock). A closed pipe ends the program as SIGPIPE would
 * have, had it not been ignored: quietly. */
static void write_failed(mt_output *out, int error)
{
    if (error == EPIPE) {
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
    }
    int none = 0;
    atomic_compare_exchange_strong(&out->error, &none, error != 0 ? error : EIO);
}

void mt_output_write(mt_output *out, const char *data, size_t length, bool flush)
{
    flockfile(out->file);
    if (atomic_load(&out->error) == 0) {
        errno = 0;
        if (fwrite(data, 1, length, out->file) != length || (flush && fflush(out->file) != 0)) write_failed(out, errno);
    }
    funlockfile(out->file);
}

mt_status mt_output_finish(mt_output *out, mt_error *err)
{
    flockfile(out->file);
    errno = 0;
    if (atomic_load(&out->error) == 0 && (fflush(out->file) != 0 || ferror(out->file))) write_failed(out, errno);
    funlockfile(out->file);
    int error = atomic_load(&out->error);
    if (error != 0) return mt_fail(err, MT_ERR_RUNTIME, "cannot write %s: %s", out->name, strerror(error));
    return MT_OK;
}

/* "BASE ^ OP = VALUE\n" into line (at least LINE_MAX_BYTES); returns its length. By hand, two digits at a
 * time, not printf: the lines printed after a run are as many as the items. */
enum { LINE_MAX_BYTES = 64 };

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

/* Two digits at a time into the bytes before end, lowest first; returns the new end. */
static char *put_pairs(char *end, uint32_t v, int pairs)
{
    for (int i = 0; i < pairs; i++) {
        end -= 2;
        memcpy(end, digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    return end;
}

static char *format_int64(char *end, int64_t x)
{
    uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    /* 64-bit division only for each group of 8 digits; the digits themselves with 32-bit arithmetic */
    while (u >= 100000000) {
        end = put_pairs(end, (uint32_t)(u % 100000000), 4);
        u /= 100000000;
    }
    uint32_t v = (uint32_t)u;
    while (v >= 100) {
        end = put_pairs(end, v % 100, 1);
        v /= 100;
    }
    if (v >= 10)
        end = put_pairs(end, v, 1);
    else
        *--end = (char)('0' + v);
    if (x < 0) *--end = '-';
    return end;
}

static size_t format_power_line(char *line, int64_t base, mt_operation op, int64_t value)
{
    char digits[24], *end = digits + sizeof digits, *start = format_int64(end, base);
    size_t length = (size_t)(end - start);
    memcpy(line, start, length);
    memcpy(line + length, op == MT_OP_SQUARE ? " ^ 2 = " : " ^ 3 = ", 7);
    length += 7;
    start = format_int64(end, value);
    memcpy(line + length, start, (size_t)(end - start));
    length += (size_t)(end - start);
    line[length++] = '\n';
    return length;
}

void mt_print_power(mt_output *out, int64_t base, mt_operation op, int64_t value)
{
    char line[LINE_MAX_BYTES];
    /* One locked write and a flush per line: lines from several threads interleave whole, and appear as the
     * items complete even when stdout is a pipe. */
    mt_output_write(out, line, format_power_line(line, base, op, value), true);
}

/* Lines first to first + count into block; returns the bytes. */
static size_t format_block(char *block, const int64_t *values, const int64_t *results, uint64_t first, uint64_t count,
                           mt_operation op)
{
    size_t used = 0;
    for (uint64_t i = first; i < first + count; i++)
        used += format_power_line(block + used, values[i], op, results[i]);
    return used;
}

_Static_assert((int)MT_POWER_LINE_MAX == (int)LINE_MAX_BYTES, "one limit for a line");

size_t mt_format_powers(char *block, const int64_t *values, const int64_t *results, uint64_t count, mt_operation op)
{
    return format_block(block, values, results, 0, count, op);
}

/* The characters of x in base 10, its sign included: from its highest bit, the digits it may have, less one
 * when it is below that many digits' least value (no division: the lines are as many as the items). */
static unsigned decimal_width(int64_t x)
{
    static const uint64_t powers[20] = {1,
                                        10,
                                        100,
                                        1000,
                                        10000,
                                        100000,
                                        1000000,
                                        10000000,
                                        100000000,
                                        1000000000,
                                        10000000000ULL,
                                        100000000000ULL,
                                        1000000000000ULL,
                                        10000000000000ULL,
                                        100000000000000ULL,
                                        1000000000000000ULL,
                                        10000000000000000ULL,
                                        100000000000000000ULL,
                                        1000000000000000000ULL,
                                        10000000000000000000ULL};
    /* | 1 counts 0 as one digit, and changes no other width: 10^k - 1 is odd */
    uint64_t u = (x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x) | 1;
    unsigned bits = 64 - (unsigned)__builtin_clzll(u); /* 1 to 64 */
    unsigned digits = (bits * 1233) >> 12;             /* floor(bits * log10(2)): 0 to 19 */
    digits += u >= powers[digits];                     /* 1 to 20 */
    return digits + (x < 0);
}

uint64_t mt_powers_bytes(const int64_t *values, const int64_t *results, uint64_t count, mt_operation op)
{
    (void)op; /* " ^ 2 = " and " ^ 3 = ": the same length */
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < count; i++)
        bytes += decimal_width(values[i]) + 7 + decimal_width(results[i]) + 1;
    return bytes;
}

void mt_print_powers(mt_output *out, const int64_t *values, const int64_t *results, uint64_t n, mt_operation op)
{
    /* Lines formatted into a block and written a block at a time. One thread: formatting is cheap next to the
     * write (bench/print_lines: a team formatting blocks ahead of an ordered writer was slower on 2 cores). */
    enum { BLOCK_LINES = 16384 }; /* at most 1 MiB */
    char *block = malloc((size_t)BLOCK_LINES * LINE_MAX_BYTES);
    if (block == NULL) {
        write_failed(out, ENOMEM);
        return;
    }
    for (uint64_t first = 0; first < n && atomic_load(&out->error) == 0; first += BLOCK_LINES) {
        uint64_t count = n - first < BLOCK_LINES ? n - first : BLOCK_LINES;
        mt_output_write(out, block, format_block(block, values, results, first, count, op), false);
    }
    free(block);
}

void mt_print_execution_time(mt_output *out, double seconds)
{
    char line[64];
    int length = snprintf(line, sizeof line, "Execution Time: %.6f\n", seconds);
    mt_output_write(out, line, (size_t)length, true);
}
