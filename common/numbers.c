/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#define _GNU_SOURCE /* memrchr, MADV_HUGEPAGE, MAP_POPULATE, beside POSIX */
#include "numbers.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include "kernel.h"

enum { MAX_TOKEN = MT_NUMBERS_MAX_TOKEN, BLOCK_BYTES = MT_SOURCE_BLOCK + MAX_TOKEN + 2 };

/* --- one token ---------------------------------------------------------------------------------------- */

typedef enum { TOKEN_OK, TOKEN_EMPTY, TOKEN_NOT_INTEGER, TOKEN_BEYOND } token_verdict;

/* The strict rule, without a message: an optional sign, then base-10 digits only, within int64. */
static token_verdict parse_token(const char *token, int64_t *out)
{
    if (*token == '\0') return TOKEN_EMPTY;
    const char *digits = token + (*token == '+' || *token == '-');
    bool only_digits = *digits != '\0';
    for (const char *c = digits; *c != '\0'; c++)
        if (*c < '0' || *c > '9') only_digits = false;
    if (!only_digits) return TOKEN_NOT_INTEGER;
    errno = 0;
    long long value = strtoll(token, NULL, 10);
    if (errno == ERANGE) return TOKEN_BEYOND;
    *out = (int64_t)value;
    return TOKEN_OK;
}

mt_status mt_parse_int64(const char *token, const char *where, int64_t *out, mt_error *err)
{
    token_verdict verdict = parse_token(token, out);
    if (verdict == TOKEN_OK) return MT_OK;
    if (verdict == TOKEN_EMPTY) return mt_fail(err, MT_ERR_USAGE, "%s: empty token, expected a base-10 integer", where);
    char shown[4 * MAX_TOKEN + 1];
    size_t length = strlen(token);
    size_t taken = mt_show_bytes(shown, sizeof shown, token, length < MAX_TOKEN ? length : MAX_TOKEN);
    const char *cut = taken < length ? "..." : "";
    if (verdict == TOKEN_BEYOND)
        return mt_fail(err, MT_ERR_USAGE, "%s: '%s%s' is beyond the int64 range", where, shown, cut);
    return mt_fail(
        err, MT_ERR_USAGE, "%s: '%s%s' is not a base-10 integer%s", where, shown, cut,
        strncmp(token, "\xEF\xBB\xBF", 3) == 0 ? " (it starts with a byte-order mark: save the list without one)" : "");
}

/* --- the scanner: one pass over text in memory, shared by the parallel parts and the streaming reader --- */

/* Byte classes. Whitespace is isspace's in the "C" locale. */
enum { OTHER, BLANK, NEWLINE, DIGIT, SIGN, HASH };
static const unsigned char byte_class[256] = {
    ['\t'] = BLANK, ['\v'] = BLANK, ['\f'] = BLANK, ['\r'] = BLANK, [' '] = BLANK, ['\n'] = NEWLINE, ['0'] = DIGIT,
    ['1'] = DIGIT,  ['2'] = DIGIT,  ['3'] = DIGIT,  ['4'] = DIGIT,  ['5'] = DIGIT, ['6'] = DIGIT,    ['7'] = DIGIT,
    ['8'] = DIGIT,  ['9'] = DIGIT,  ['+'] = SIGN,   ['-'] = SIGN,   ['#'] = HASH,
};

static bool is_space(unsigned char c)
{
    return byte_class[c] == BLANK || byte_class[c] == NEWLINE;
}

/* What stopped a scan short of its end. Where two could be told, the user hears of the first in the text; a
 * line found too long hides what stands past its limit (see resolve). */
typedef enum { FOUND_NOTHING, FOUND_BAD_TOKEN, FOUND_TOO_LONG, FOUND_NUL, FOUND_NUL_IN_COMMENT, FOUND_LONG_LINE } found;

typedef enum { SCAN_END, SCAN_FULL, SCAN_PROBLEM } scan_stop;

typedef struct {
    /* the text: data[limit] is readable and 0; tokens start before end (end <= limit) */
    const unsigned char *data;
    size_t position, end, limit;
    bool final;        /* the text ends at limit (else more may follow: a token reaching limit waits for it) */
    uint64_t base;     /* where data[0] stands in the whole text */
    uint64_t max_line; /* bytes a line may hold */
    /* progress */
    uint64_t newlines;   /* newlines passed */
    uint64_t line_start; /* where the current line starts */
    bool in_comment;
    /* the problem, when a scan stops at one */
    found problem;
    uint64_t problem_at;  /* the bad token's first byte, the NUL, or how far the long line was seen */
    size_t token, length; /* the token's place in data and its length (bad token, too long) */
} scanner;

/* The first byte of data past the current line's limit (or end, if that comes first). */
static const unsigned char *line_bound(const scanner *s, const unsigned char *end)
{
    uint64_t at = s->line_start + s->max_line + 1;
    if (at <= s->base) return s->data;
    return at - s->base < (uint64_t)(end - s->data) ? s->data + (at - s->base) : end;
}

static scan_stop stop_at(scanner *s, found problem, const unsigned char *at, const unsigned char *token, size_t length)
{
    s->problem = problem;
    s->problem_at = s->base + (uint64_t)(at - s->data);
    s->token = (size_t)(token - s->data);
    s->length = length;
    return SCAN_PROBLEM;
}

typedef enum { SLOW_VALUE, SLOW_MORE, SLOW_PROBLEM } slow_result;

/* A token the fast path did not take: its bytes to the first whitespace, at most MAX_TOKEN + 1 of them looked
 * at. A NUL or too many bytes are problems at once; a token reaching limit waits for more text unless the
 * text ends there; the rest is parsed by the strict rule. */
static slow_result slow_token(scanner *s, const unsigned char *t, const unsigned char **next, int64_t *value)
{
    const unsigned char *limit = s->data + s->limit;
    const unsigned char *look = (size_t)(limit - t) > MAX_TOKEN + 1 ? t + MAX_TOKEN + 1 : limit, *q = t;
    while (q < look && !is_space(*q))
        q++;
    size_t length = (size_t)(q - t);
    const unsigned char *nul = memchr(t, '\0', length);
    found problem = FOUND_NOTHING;
    const unsigned char *at = t;
    if (nul != NULL) {
        problem = FOUND_NUL, at = nul;
    } else if (length > MAX_TOKEN) {
        problem = FOUND_TOO_LONG;
    } else if (q == limit && !s->final) {
        return SLOW_MORE;
    } else {
        char text[MAX_TOKEN + 1];
        memcpy(text, t, length);
        text[length] = '\0';
        if (parse_token(text, value) != TOKEN_OK) problem = FOUND_BAD_TOKEN;
    }
    if (problem != FOUND_NOTHING) {
        stop_at(s, problem, at, t, length);
        return SLOW_PROBLEM;
    }
    *next = q;
    return SLOW_VALUE;
}

/* The value of the digits at p, up to 19 of them (more would not fit a uint64), one byte at a time: how many
 * there were. */
static size_t leading_digits_bytewise(const unsigned char *p, uint64_t *value)
{
    uint64_t v = 0;
    size_t n = 0;
    for (unsigned d; n < 19 && (d = (unsigned)p[n] - '0') < 10; n++)
        v = v * 10 + d;
    *value = v;
    return n;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Eight bytes at a time (SWAR): which of them are digits, and the value of the leading ones. */
static unsigned digit_run(const unsigned char *p, uint64_t *value)
{
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t t = x - UINT64_C(0x3030303030303030);
    /* A byte below '0' borrows only from the bytes after it, which are dropped: past the first non-digit. */
    uint64_t non_digit = (t | (t + UINT64_C(0x7676767676767676))) & UINT64_C(0x8080808080808080);
    unsigned n = non_digit != 0 ? (unsigned)__builtin_ctzll(non_digit) / 8 : 8;
    if (n == 0) {
        *value = 0;
        return 0;
    }
    t <<= 64 - 8 * n; /* the n digits at the top, zeros (leading zeros) below them */
    t = t * 10 + (t >> 8);
    t = (((t & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
         (((t >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >>
        32;
    *value = t;
    return n;
}

/* leading_digits_bytewise's answer, eight digits at a time; p[0, 24) must be readable. */
static size_t leading_digits(const unsigned char *p, uint64_t *value)
{
    static const uint64_t power[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    uint64_t v, more;
    unsigned n = digit_run(p, &v);
    if (n < 8) {
        *value = v;
        return n;
    }
    unsigned m = digit_run(p + 8, &more);
    v = v * power[m] + more;
    if (m < 8) {
        *value = v;
        return 8 + m;
    }
    m = digit_run(p + 16, &more);
    if (m > 3) { /* more than 19: the caller sees a digit after the 19th and takes the slow path */
        *value = 0;
        return 19;
    }
    *value = v * power[m] + more;
    return 16 + m;
}
#else
#define leading_digits leading_digits_bytewise
#endif

/* Past a comment from p: to its line's end, or to bound (then in_comment says it goes on). False at a NUL. */
static bool skip_comment(scanner *s, const unsigned char **p, const unsigned char *bound)
{
    const unsigned char *newline = memchr(*p, '\n', (size_t)(bound - *p));
    const unsigned char *stretch_end = newline != NULL ? newline : bound;
    const unsigned char *nul = memchr(*p, '\0', (size_t)(stretch_end - *p));
    if (nul != NULL) {
        stop_at(s, FOUND_NUL_IN_COMMENT, nul, nul, 0);
        return false;
    }
    s->in_comment = newline == NULL;
    *p = stretch_end;
    return true;
}

/* Parse from s->position up to max items into out (*got of them). SCAN_END: end reached (or, when the text
 * may go on, a token or comment waits at s->position for more); SCAN_FULL: max items; SCAN_PROBLEM: see s. */
static scan_stop scan(scanner *s, int64_t *out, size_t max, size_t *got)
{
    const unsigned char *const data = s->data, *const end = data + s->end, *const limit = data + s->limit;
    const unsigned char *p = data + s->position, *bound = line_bound(s, end);
    size_t count = 0;
    scan_stop stop = SCAN_PROBLEM;
    /* A comment a block ended in goes on; a comment reaches its newline before the loop sees it. */
    if (!s->in_comment || skip_comment(s, &p, bound)) {
        for (;;) {
            if (p >= bound) {
                /* Only whole bytes of a line were passed: past its limit, or at the end of what is held. */
                if (s->base + (uint64_t)(p - data) - s->line_start > s->max_line)
                    stop = stop_at(s, FOUND_LONG_LINE, p, p, 0);
                else
                    stop = SCAN_END;
                break;
            }
            unsigned c = *p;
            if (c == ' ') {
                p++;
                continue;
            }
            unsigned kind = byte_class[c];
            if (kind == BLANK) {
                p++;
                continue;
            }
            if (kind == DIGIT || kind == SIGN) {
                if (count == max) {
                    stop = SCAN_FULL;
                    break;
                }
                /* The fast path: up to 19 digits cannot overflow a uint64; whitespace must follow. */
                const unsigned char *t = p, *digits = p + (kind == SIGN);
                uint64_t v;
                p = digits +
                    (limit - digits >= 3 * 8 ? leading_digits(digits, &v) : leading_digits_bytewise(digits, &v));
                if (p != digits && (byte_class[*p] == BLANK || byte_class[*p] == NEWLINE)) {
                    if (c != '-' && v <= (uint64_t)INT64_MAX) {
                        out[count++] = (int64_t)v;
                        continue;
                    }
                    if (c == '-' && v <= (uint64_t)INT64_MAX + 1) {
                        out[count++] = v == 0 ? 0 : -(int64_t)(v - 1) - 1;
                        continue;
                    }
                }
                p = t; /* the slow path below says what it is */
            } else if (kind == NEWLINE) {
                s->newlines++;
                p++;
                s->line_start = s->base + (uint64_t)(p - data);
                bound = line_bound(s, end);
                continue;
            } else if (kind == HASH) {
                if (!skip_comment(s, &p, bound)) break;
                continue;
            }
            /* Anything else starts a token the fast path cannot take. */
            if (count == max) {
                stop = SCAN_FULL;
                break;
            }
            int64_t value;
            slow_result result = slow_token(s, p, &p, &value);
            if (result == SLOW_VALUE) {
                out[count++] = value;
                continue;
            }
            stop = result == SLOW_PROBLEM ? SCAN_PROBLEM : SCAN_END; /* SLOW_MORE: the token waits at p */
            break;
        }
    }
    s->position = (size_t)(p - data);
    *got = count;
    return stop;
}

/* The problem as the user hears of it: one in a line already past its limit is that line's. */
static found resolve(found problem, uint64_t at, uint64_t line_start, uint64_t max_line)
{
    return problem != FOUND_NOTHING && at - line_start >= max_line ? FOUND_LONG_LINE : problem;
}

/* The message of a problem found at line (1-based) before item (1-based); token points at its bytes. */
static mt_status problem_message(found problem, const char *name, uint64_t line, uint64_t item,
                                 const unsigned char *token, size_t length, uint64_t max_line, mt_error *err)
{
    char where[512];
    snprintf(where, sizeof where, "%s line %" PRIu64 " (item %" PRIu64 ")", name, line, item);
    switch (problem) {
    case FOUND_BAD_TOKEN: {
        char text[MAX_TOKEN + 1];
        memcpy(text, token, length);
        text[length] = '\0';
        int64_t unused;
        return mt_parse_int64(text, where, &unused, err);
    }
    case FOUND_TOO_LONG: {
        char shown[4 * MAX_TOKEN + 1];
        mt_show_bytes(shown, sizeof shown, (const char *)token, MAX_TOKEN);
        return mt_fail(err, MT_ERR_USAGE, "%s: token '%s...' is too long for an int64 (more than %d bytes)", where,
                       shown, MAX_TOKEN);
    }
    case FOUND_NUL:
        return mt_fail(err, MT_ERR_USAGE, "%s: a NUL byte is not a base-10 integer", where);
    case FOUND_NUL_IN_COMMENT:
        return mt_fail(err, MT_ERR_USAGE, "%s: a NUL byte in a comment: a list is text", where);
    case FOUND_LONG_LINE:
        return mt_fail(err, MT_ERR_USAGE,
                       "%s line %" PRIu64 ": longer than %" PRIu64 " bytes: put the numbers on more lines", name, line,
                       max_line);
    case FOUND_NOTHING:
        break;
    }
    return MT_OK;
}

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

static uint64_t source_max_line(const mt_source *source)
{
    return source->max_line != 0 ? source->max_line : MT_NUMBERS_MAX_LINE;
}

/* Keep the token that waits at position (at most MAX_TOKEN bytes) at the block's start and read more after it. */
static mt_status refill(mt_source *source, mt_error *err)
{
    size_t kept = source->filled - source->position;
    memmove(source->block, source->block + source->position, kept);
    source->offset += source->position;
    source->position = 0;
    source->filled = kept;
    size_t room = BLOCK_BYTES - 1 - kept;
    if (source->read_max != 0 && source->read_max < room) room = source->read_max;
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
static mt_status read_text(mt_source *source, int64_t *buffer, size_t max, size_t *got, mt_error *err)
{
    size_t count = 0;
    if (source->file == NULL) return mt_fail(err, MT_ERR_USAGE, "cannot read '%s'", source->name);
    if (source->block == NULL) {
        /* On the heap, not in the source: a source on a small stack (ulimit -s 64) must fit in it. */
        source->block = malloc(BLOCK_BYTES);
        if (source->block == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory to read '%s'", source->name);
        source->block[0] = '\0';
    }
    uint64_t max_line = source_max_line(source);
    for (;;) {
        scanner s = {.data = source->block,
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
        scan_stop stop = scan(&s, buffer + count, max - count, &found_items);
        count += found_items;
        source->items_read += found_items;
        source->position = s.position;
        source->line = s.newlines + 1;
        source->line_start = s.line_start;
        source->in_comment = s.in_comment;
        if (stop == SCAN_PROBLEM) {
            found problem = resolve(s.problem, s.problem_at, s.line_start, max_line);
            return problem_message(problem, source->name, source->line, source->items_read + 1, s.data + s.token,
                                   s.length, max_line, err);
        }
        if (stop == SCAN_FULL || source->at_end) break;
        mt_status status = refill(source, err);
        if (status != MT_OK) return status;
    }
    *got = count;
    return MT_OK;
}

mt_status mt_source_read(mt_source *source, int64_t *buffer, size_t max, size_t *got, mt_error *err)
{
    *got = 0;
    if (source->kind == MT_SOURCE_FILE) return read_text(source, buffer, max, got, err);
    size_t count = 0;
    for (; count < max; count++, source->items_read++) {
        if (source->kind == MT_SOURCE_ARGS) {
            if (source->items_read >= source->arg_count) break;
            const char *token = source->args[source->items_read];
            if (parse_token(token, &buffer[count]) != TOKEN_OK) {
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

/* --- the parallel parse of text in memory ------------------------------------------------------------- */

/* The memory a list may come from: the machine's, or less where an address-space limit (ulimit -v, a batch
 * system's memory limit) allows less; 0 when neither is known. */
static uint64_t usable_memory(void)
{
    uint64_t memory = mt_physical_memory();
    struct rlimit limit;
    if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
        (memory == 0 || (uint64_t)limit.rlim_cur < memory))
        memory = (uint64_t)limit.rlim_cur;
    return memory;
}

/* The most items a list may hold: a quarter of that memory (the programs keep two to four arrays of them). */
static uint64_t max_items(void)
{
    uint64_t memory = usable_memory();
    return memory == 0 ? UINT64_MAX / sizeof(int64_t) : memory / 4 / sizeof(int64_t);
}

static mt_status too_large(uint64_t read, mt_error *err)
{
    return mt_fail(err, MT_ERR_USAGE,
                   "the list is too large for the memory this process may use (%" PRIu64 " items read; at most %" PRIu64
                   ", a quarter of %.1f GiB)",
                   read, max_items(), (double)usable_memory() / 1073741824.0);
}

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
        if (is_space(text[i])) {
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
    size_t reach = size - nominal > MAX_TOKEN + 1 ? nominal + MAX_TOKEN + 1 : size;
    for (size_t i = nominal; i < reach; i++)
        if (is_space(text[i])) return i;
    return reach;
}

typedef struct {
    scanner scan;
    int64_t *values;
    size_t count, capacity;
    scan_stop stop;
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
        p->stop = scan(&p->scan, p->values + count, p->capacity - count, &got);
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

static mt_status parse_text(const char *data, size_t size, const char *name, int parts, uint64_t max_line, bool mapped,
                            mt_numbers *numbers, mt_error *err)
{
    *numbers = (mt_numbers){0};
    const unsigned char *text = (const unsigned char *)data;
    if (max_line == 0) max_line = MT_NUMBERS_MAX_LINE;
    if (parts < 1) parts = 1;
    if ((size_t)parts > size) parts = size > 0 ? (int)size : 1;
    size_t *starts = malloc(((size_t)parts + 1) * sizeof *starts), *lines = malloc((size_t)parts * sizeof *lines);
    part *all = calloc((size_t)parts, sizeof *all);
    mt_status status = starts != NULL && lines != NULL && all != NULL ? MT_OK : too_large(0, err);
    int threads = omp_get_max_threads() < parts ? omp_get_max_threads() : parts, live = parts;

    if (status == MT_OK) {
        starts[0] = 0, lines[0] = 0, starts[parts] = size;
        /* In order, each a short look back to its line's start; past a line beyond its limit, the parts
         * before say so and the rest of the text is not looked at. */
        for (int k = 1; k < parts && live == parts; k++) {
            size_t nominal = (size_t)((uint64_t)size * (uint64_t)k / (uint64_t)parts);
            if (nominal < starts[k - 1]) {
                starts[k] = starts[k - 1], lines[k] = lines[k - 1];
                continue;
            }
            starts[k] = part_start(text, size, nominal, max_line, &lines[k]);
            if (lines[k] == NO_LINE) live = k;
        }
        /* Part k's tokens start in [starts[k], starts[k + 1]): at most one in two of its bytes, and one. */
        for (int k = 0; k < live && status == MT_OK; k++) {
            all[k].capacity = (starts[k + 1] - starts[k]) / 2 + 2;
            all[k].values = reserve_items(all[k].capacity);
            if (all[k].values == NULL) status = too_large(0, err);
        }
    }
    if (status == MT_OK) {
        /* Each part on its own, from a place between tokens whose line start is known; lines are counted as
         * they pass, numbered only for a message. */
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static, 1)
        for (int k = 0; k < live; k++) {
            part *p = &all[k];
            p->scan = (scanner){.data = text,
                                .position = starts[k],
                                .end = starts[k + 1],
                                .limit = size,
                                .final = true,
                                .max_line = max_line,
                                .line_start = lines[k]};
            scan_part(p, mapped);
        }
        /* Then in order: the first problem wins, named by the lines and items of the parts before it. */
        uint64_t newlines = 0, items = 0;
        for (int k = 0; k < live && status == MT_OK; k++) {
            const scanner *s = &all[k].scan;
            if (all[k].stop == SCAN_PROBLEM)
                status = problem_message(resolve(s->problem, s->problem_at, s->line_start, max_line), name,
                                         newlines + s->newlines + 1, items + all[k].count + 1, text + s->token,
                                         s->length, max_line, err);
            else if (all[k].stop == SCAN_FULL)
                status = too_large(items, err); /* cannot be: there is room for every token */
            newlines += s->newlines, items += all[k].count;
        }
        if (status == MT_OK && live < parts) {
            /* Cannot be: a line past its limit is a problem in the parts before. The plain way is exact. */
            for (int k = 0; k < live; k++)
                free(all[k].values);
            free(all), free(starts), free(lines);
            return parse_text(data, size, name, 1, max_line, mapped, numbers, err);
        }
        if (status == MT_OK && items > max_items()) status = too_large(items, err);
        if (status == MT_OK && items > 0) {
            /* Part 0's array becomes the list; the others are copied after it, in parallel. */
            int64_t *values = all[0].values;
            if (items > all[0].capacity) values = realloc(values, (size_t)items * sizeof *values);
            if (values == NULL) {
                status = too_large(items, err);
            } else {
                all[0].values = values;
                size_t *offsets = starts; /* no longer needed as starts */
                offsets[0] = 0;
                for (int k = 1; k < parts; k++)
                    offsets[k] = offsets[k - 1] + all[k - 1].count;
                copy_parts(values, all, offsets, items, threads);
                if (items < all[0].capacity) {
                    int64_t *fitted = realloc(values, (size_t)items * sizeof *values);
                    if (fitted != NULL) values = fitted;
                }
                all[0].values = NULL;
                *numbers = (mt_numbers){.values = values, .count = items};
            }
        }
    }
    for (int k = 0; all != NULL && k < parts; k++)
        free(all[k].values);
    free(all), free(starts), free(lines);
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

/* The parallel parse of the text of a regular file not yet read from (from its start, which need not be byte 0):
 * MT_OK with *done set when it was taken that way; *done false when the file must be read as a stream (not
 * regular, already begun, cannot be mapped). */
static mt_status read_mapped(mt_source *source, mt_numbers *numbers, bool *done, mt_error *err)
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
    uint64_t memory = usable_memory();
    if (size > SIZE_MAX / 4 || (memory != 0 && size / 2 * sizeof(int64_t) + size > memory / 2)) return MT_OK;
    size_t mapped;
    void *area;
    const char *text = map_text(fd, source->start, (uint64_t)info.st_size, &area, &mapped);
    if (text == NULL) return MT_OK;
    enum { PART_BYTES = 1 << 20 }; /* smaller parts cost more to start than they save */
    uint64_t by_size = size / PART_BYTES > 0 ? size / PART_BYTES : 1;
    int parts = (uint64_t)omp_get_max_threads() < by_size ? omp_get_max_threads() : (int)by_size;
    mt_status status = parse_text(text, (size_t)size, source->name, parts, source->max_line, true, numbers, err);
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

mt_status mt_numbers_read_all(mt_source *source, mt_numbers *numbers, mt_error *err)
{
    *numbers = (mt_numbers){0};
    if (source->kind == MT_SOURCE_FILE && source->file != NULL) {
        bool done;
        mt_status status = read_mapped(source, numbers, &done, err);
        if (done || status != MT_OK) return status;
    }
    /* Arguments and the generator know their length; a stream grows its array by doubling. */
    uint64_t known = source->kind == MT_SOURCE_ARGS       ? source->arg_count - source->items_read
                     : source->kind == MT_SOURCE_GENERATE ? source->to_generate - source->items_read
                                                          : 0;
    uint64_t capacity = 0, most = max_items();
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
        mt_status status =
            mt_source_read(source, numbers->values + numbers->count, (size_t)(capacity - numbers->count), &got, err);
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
    return too_large(read, err);
}
}

void mt_numbers_free(mt_numbers *numbers)
{
    free(numbers->values);
    *numbers = (mt_numbers){0};
}

/* --- memory ------------------------------------------------------------------------------------------- */

enum { HUGE_PAGE = 2 << 20, STAGGER_BYTES = 576 };

void mt_items_advise(int64_t *items, uint64_t count)
{
#ifdef MADV_HUGEPAGE
    uintptr_t from = ((uintptr_t)items + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t to = ((uintptr_t)(items + count)) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (to > from) madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)items, (void)count;
#endif
}

int64_t *mt_items_alloc(uint64_t count, int stagger)
{
    size_t offset = (size_t)stagger * STAGGER_BYTES;
    if (count > (SIZE_MAX - offset - HUGE_PAGE) / sizeof(int64_t)) return NULL;
    size_t bytes = offset + (size_t)count * sizeof(int64_t);
    void *base = NULL;
    if (posix_memalign(&base, HUGE_PAGE, bytes ? bytes : 1) != 0) return NULL;
    int64_t *items = (int64_t *)((char *)base + offset);
    mt_items_advise(base, bytes / sizeof(int64_t));
    return items;
}

void mt_items_free(int64_t *items, int stagger)
{
    if (items != NULL) free((char *)items - (size_t)stagger * STAGGER_BYTES);
}

uint64_t mt_physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0) return 0;
    return (uint64_t)pages * (uint64_t)page_size;
}

mt_status mt_check_fits_in_memory(uint64_t count, uint64_t bytes_per_item, const char *what, mt_error *err)
{
    uint64_t memory = mt_physical_memory();
    if (memory == 0) return MT_OK;
    if (bytes_per_item != 0 && count > memory / bytes_per_item)
        return mt_fail(err, MT_ERR_USAGE,
                       "%s: %" PRIu64 " items need %.1f GiB at %" PRIu64
                       " bytes each, more than this machine's %.1f GiB",
                       what, count, (double)count * (double)bytes_per_item / 1073741824.0, bytes_per_item,
                       (double)memory / 1073741824.0);
    return MT_OK;
}

/* One part of a file, as parse_text splits and scans it (mt_numbers_read_part). */
mt_status mt_numbers_read_part(const char *path, int k, int parts, mt_numbers *numbers, mt_numbers_part *out,
                               mt_error *err)
{
    *numbers = (mt_numbers){0};
    *out = (mt_numbers_part){.map = NULL};
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
    out->size = size;
    const unsigned char *text = NULL;
    if (status == MT_OK && size > 0) {
        void *area; /* from byte 0, where the text starts: the area is the text, unmapped as out->map */
        text = (const unsigned char *)map_text(fd, 0, size, &area, &out->mapped);
        if (text == NULL) status = mt_fail(err, MT_ERR_RUNTIME, "cannot map '%s': %s", path, strerror(errno));
    }
    close(fd);
    if (status != MT_OK || size == 0) return status;
    out->map = text;
    uint64_t max_line = MT_NUMBERS_MAX_LINE;
    /* The places every part starts, as parse_text finds them, to this part's end. */
    size_t start = 0, end = size, line_start = 0, previous = 0, previous_line = 0;
    bool live = true;
    for (int j = 1; j <= k + 1 && j < parts; j++) {
        size_t nominal = (size_t)((uint64_t)size * (uint64_t)j / (uint64_t)parts), at = previous,
               at_line = previous_line;
        if (nominal >= previous) at = part_start(text, size, nominal, max_line, &at_line);
        if (j == k) start = at, line_start = at_line, live = live && at_line != NO_LINE;
        if (j == k + 1) end = at;
        if (at_line == NO_LINE && j <= k) live = false;
        previous = at, previous_line = at_line;
    }
    out->first_byte = start, out->end_byte = live ? end : start;
    if (!live || end <= start) return MT_OK;
    part p = {.capacity = (end - start) / 2 + 2};
    p.values = reserve_items(p.capacity);
    if (p.values == NULL) return too_large(0, err);
    p.scan = (scanner){.data = text,
                       .position = start,
                       .end = end,
                       .limit = size,
                       .final = true,
                       .max_line = max_line,
                       .line_start = line_start};
    scan_part(&p, true);
    out->newlines = p.scan.newlines, out->items = p.count;
    if (p.stop == SCAN_PROBLEM) {
        out->problem = true;
        out->found = (int)resolve(p.scan.problem, p.scan.problem_at, p.scan.line_start, max_line);
        out->token = text + p.scan.token, out->length = p.scan.length;
    } else if (p.stop == SCAN_FULL) {
        free(p.values);
        return too_large(p.count, err); /* cannot be: there is room for every token */
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
    return problem_message((found)part->found, name, newlines_before + part->newlines + 1,
                           items_before + part->items + 1, part->token, part->length, MT_NUMBERS_MAX_LINE, err);
}

void mt_numbers_part_free(mt_numbers_part *part)
{
    if (part->map != NULL) munmap((void *)part->map, part->mapped);
    part->map = NULL;
}
