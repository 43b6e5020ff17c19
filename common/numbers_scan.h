/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* numbers_scan.h - inside the number readers (not for programs): the one scanner that the streaming reader
 * (numbers.c) and the parallel parser (numbers_parallel.c) share, the messages of what it finds, and the
 * limit on a list's length in memory. The scanner formats no message until there is a problem: lines are
 * counted as the text passes, and the item is the count. */
#ifndef MT_NUMBERS_SCAN_H
#define MT_NUMBERS_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "numbers.h"

typedef enum { TOKEN_OK, TOKEN_EMPTY, TOKEN_NOT_INTEGER, TOKEN_BEYOND } mt_token_verdict;

/* The strict rule, without a message: an optional sign, then base-10 digits only, within int64. */
mt_token_verdict mt_scan_token(const char *token, int64_t *out);

/* Whitespace as isspace's in the "C" locale: space, \t, \n, \v, \f, \r. */
static inline bool mt_scan_is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* What stopped a scan short of its end. Where two could be told, the user hears of the first in the text; a
 * line found too long hides what stands past its limit (see mt_scan_resolve). */
typedef enum {
    FOUND_NOTHING,
    FOUND_BAD_TOKEN,
    FOUND_TOO_LONG,
    FOUND_NUL,
    FOUND_NUL_IN_COMMENT,
    FOUND_LONG_LINE
} mt_scan_found;

typedef enum { SCAN_END, SCAN_FULL, SCAN_PROBLEM } mt_scan_stop;

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
    mt_scan_found problem;
    uint64_t problem_at;  /* the bad token's first byte, the NUL, or how far the long line was seen */
    size_t token, length; /* the token's place in data and its length (bad token, too long) */
} mt_scanner;

/* Parse from s->position up to max items into out (*got of them). SCAN_END: end reached (or, when the text
 * may go on, a token or comment waits at s->position for more); SCAN_FULL: max items; SCAN_PROBLEM: see s. */
mt_scan_stop mt_scan(mt_scanner *s, int64_t *out, size_t max, size_t *got);

/* The problem as the user hears of it: one in a line already past its limit is that line's. */
mt_scan_found mt_scan_resolve(mt_scan_found problem, uint64_t at, uint64_t line_start, uint64_t max_line);

/* The message of a problem found at line (1-based) before item (1-based); token points at its bytes. */
mt_status mt_scan_message(mt_scan_found problem, const char *name, uint64_t line, uint64_t item,
                          const unsigned char *token, size_t length, uint64_t max_line, mt_error *err);

/* The most items a list may hold: a quarter of the memory this process may use (the programs keep two to four
 * arrays of them). */
uint64_t mt_numbers_max_items(void);
/* MT_ERR_USAGE: the list is too large for that memory, read items read so far. */
mt_status mt_numbers_too_large(uint64_t read, mt_error *err);

/* The parallel parse of the text of a regular file source not yet read from (numbers_parallel.c): MT_OK with
 * *done set when it was taken that way; *done false when the file must be read as a stream (not regular,
 * already begun, cannot be mapped). max_line: the line limit (MT_NUMBERS_MAX_LINE but in tests). */
mt_status mt_numbers_read_mapped(mt_source *source, uint64_t max_line, mt_numbers *numbers, bool *done, mt_error *err);

#endif
