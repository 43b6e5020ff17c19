/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* numbers_scan.c - one token by the strict rule, and the scanner that reads a list's text in memory: a fast path
 * for plain digits (eight at a time), a slow path that says what is wrong with anything else. */
#include "numbers_scan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "items_memory.h"

/* --- one token ---------------------------------------------------------------------------------------- */

mt_token_verdict mt_scan_token(const char *token, int64_t *out)
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
    mt_token_verdict verdict = mt_scan_token(token, out);
    if (verdict == TOKEN_OK) return MT_OK;
    if (verdict == TOKEN_EMPTY) return mt_fail(err, MT_ERR_USAGE, "%s: empty token, expected a base-10 integer", where);
    char shown[4 * MT_NUMBERS_MAX_TOKEN + 1];
    size_t length = strlen(token);
    size_t taken =
        mt_show_bytes(shown, sizeof shown, token, length < MT_NUMBERS_MAX_TOKEN ? length : MT_NUMBERS_MAX_TOKEN);
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

/* The first byte of data past the current line's limit (or end, if that comes first). */
static const unsigned char *line_bound(const mt_scanner *s, const unsigned char *end)
{
    uint64_t at = s->line_start + s->max_line + 1;
    if (at <= s->base) return s->data;
    return at - s->base < (uint64_t)(end - s->data) ? s->data + (at - s->base) : end;
}

static mt_scan_stop stop_at(mt_scanner *s, mt_scan_found problem, const unsigned char *at, const unsigned char *token,
                            size_t length)
{
    s->problem = problem;
    s->problem_at = s->base + (uint64_t)(at - s->data);
    s->token = (size_t)(token - s->data);
    s->length = length;
    return SCAN_PROBLEM;
}

typedef enum { SLOW_VALUE, SLOW_MORE, SLOW_PROBLEM } slow_result;

/* A token the fast path did not take: its bytes to the first whitespace, at most MT_NUMBERS_MAX_TOKEN + 1 of them
 * looked at. A NUL or too many bytes are problems at once; a token reaching limit waits for more text unless the text
 * ends there; the rest is parsed by the strict rule. */
static slow_result slow_token(mt_scanner *s, const unsigned char *t, const unsigned char **next, int64_t *value)
{
    const unsigned char *limit = s->data + s->limit;
    const unsigned char *look = (size_t)(limit - t) > MT_NUMBERS_MAX_TOKEN + 1 ? t + MT_NUMBERS_MAX_TOKEN + 1 : limit,
                        *q = t;
    while (q < look && !mt_scan_is_space(*q))
        q++;
    size_t length = (size_t)(q - t);
    const unsigned char *nul = memchr(t, '\0', length);
    mt_scan_found problem = FOUND_NOTHING;
    const unsigned char *at = t;
    if (nul != NULL) {
        problem = FOUND_NUL;
        at = nul;
    } else if (length > MT_NUMBERS_MAX_TOKEN) {
        problem = FOUND_TOO_LONG;
    } else if (q == limit && !s->final) {
        return SLOW_MORE;
    } else {
        char text[MT_NUMBERS_MAX_TOKEN + 1];
        memcpy(text, t, length);
        text[length] = '\0';
        if (mt_scan_token(text, value) != TOKEN_OK) problem = FOUND_BAD_TOKEN;
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
static bool skip_comment(mt_scanner *s, const unsigned char **p, const unsigned char *bound)
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

mt_scan_stop mt_scan(mt_scanner *s, int64_t *out, size_t max, size_t *got)
{
    const unsigned char *const data = s->data, *const end = data + s->end, *const limit = data + s->limit;
    const unsigned char *p = data + s->position, *bound = line_bound(s, end);
    size_t count = 0;
    mt_scan_stop stop = SCAN_PROBLEM;
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

mt_scan_found mt_scan_resolve(mt_scan_found problem, uint64_t at, uint64_t line_start, uint64_t max_line)
{
    return problem != FOUND_NOTHING && at - line_start >= max_line ? FOUND_LONG_LINE : problem;
}

mt_status mt_scan_message(mt_scan_found problem, const char *name, uint64_t line, uint64_t item,
                          const unsigned char *token, size_t length, uint64_t max_line, mt_error *err)
{
    char where[512];
    snprintf(where, sizeof where, "%s line %" PRIu64 " (item %" PRIu64 ")", name, line, item);
    switch (problem) {
    case FOUND_BAD_TOKEN: {
        char text[MT_NUMBERS_MAX_TOKEN + 1];
        memcpy(text, token, length);
        text[length] = '\0';
        int64_t unused;
        return mt_parse_int64(text, where, &unused, err);
    }
    case FOUND_TOO_LONG: {
        char shown[4 * MT_NUMBERS_MAX_TOKEN + 1];
        mt_show_bytes(shown, sizeof shown, (const char *)token, MT_NUMBERS_MAX_TOKEN);
        return mt_fail(err, MT_ERR_USAGE, "%s: token '%s...' is too long for an int64 (more than %d bytes)", where,
                       shown, MT_NUMBERS_MAX_TOKEN);
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

/* --- the limit on a list's length ---------------------------------------------------------------------- */

uint64_t mt_numbers_max_items(void)
{
    uint64_t memory = mt_usable_memory();
    return memory == 0 ? UINT64_MAX / sizeof(int64_t) : memory / 4 / sizeof(int64_t);
}

mt_status mt_numbers_too_large(uint64_t read, mt_error *err)
{
    return mt_fail(err, MT_ERR_USAGE,
                   "the list is too large for the memory this process may use (%" PRIu64 " items read; at most %" PRIu64
                   ", a quarter of %.1f GiB)",
                   read, mt_numbers_max_items(), (double)mt_usable_memory() / 1073741824.0);
}
