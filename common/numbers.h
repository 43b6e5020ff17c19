/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* numbers.h - the number list: from arguments, a file or stdin, or generated; parsed strictly. The sources and
 * the streaming reader are in numbers.c, the parallel parser of a mapped file in numbers_parallel.c, the scanner
 * they share in numbers_scan.c, and the memory for item arrays in items_memory.c.
 *
 * A list is read through an mt_source, a few items at a time, so a program may hold the whole list
 * (mt_numbers_read_all) or stream it in rounds of bounded size (cube_mpi --chunk).
 *
 * Text format: base-10 int64 tokens separated by whitespace (spaces, tabs, newlines; CRLF is fine).
 * A token that starts with '#' begins a comment that runs to the end of its line. "0x10", "1e3",
 * "12abc", "" and values beyond int64 are errors that name the token and its position.
 *
 * Limits, so that no input makes a reader run or grow without end (--help states them):
 *   a token holds at most MT_NUMBERS_MAX_TOKEN bytes (an int64 needs 20 with its sign; the rest leaves room
 *   for leading zeros), a line at most MT_NUMBERS_MAX_LINE bytes (its '\n' not counted): 8 million numbers on
 *   one line (`seq -s ' ' 8000000`, 63 MB) pass, a gigabyte without a line break is refused after 64 MiB.
 *   A NUL byte anywhere, even in a comment, is an error: a list is text.
 * A stream of valid text that never ends is bounded by the memory its list takes: mt_numbers_read_all refuses a
 * list of more than a quarter of this machine's memory. Blank lines alone keep nothing and are read like any text.
 *
 * Speed: a regular file (from where its text starts: stdin may stand past byte 0) is mapped and parsed by every
 * OpenMP thread at once (one part each, split at whitespace); stdin, pipes and mt_source_read read blocks of
 * MT_SOURCE_BLOCK bytes with read(2). Either way no message is formatted until there is an error: lines are
 * counted as the text passes, the item is the count. */
#ifndef MT_NUMBERS_H
#define MT_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "items_memory.h"
#include "status.h"

#define MT_NUMBERS_MAX_TOKEN 64
#define MT_NUMBERS_MAX_LINE (UINT64_C(64) << 20)
/* The limits as --help states them. */
#define MT_NUMBERS_LIMITS_TEXT "a number at most 64 bytes, a line at most 64 MiB, no NUL byte"

/* Parse one whole token as a base-10 int64 (optional sign, digits only). On failure returns
 * MT_ERR_USAGE with a message that names the token, prefixed by where ("argument 3", "FILE line 2"). */
mt_status mt_parse_int64(const char *token, const char *where, int64_t *out, mt_error *err);

typedef enum { MT_SOURCE_ARGS, MT_SOURCE_FILE, MT_SOURCE_GENERATE } mt_source_kind;

enum { MT_SOURCE_BLOCK = 65536 }; /* bytes a file source asks read(2) for at a time */

/* The fields of a file source start zeroed (but line = 1), so an open FILE may be made a source by an
 * initializer naming kind, file, name, owns_file and line (its text then starts at byte 0 of the file). A file
 * source holds a block of MT_SOURCE_BLOCK bytes on the heap from its first read to mt_source_close: never on
 * the stack, which may be small (ulimit -s 64). */
typedef struct {
    mt_source_kind kind;
    uint64_t items_read; /* items handed out so far */
    /* arguments */
    char *const *args;
    size_t arg_count;
    /* file or stdin: only its descriptor is read */
    FILE *file;
    const char *name; /* as the user gave it; "-" is stdin */
    bool owns_file;
    /* where the text starts in a regular file: its offset when opened (a shell may have read a header off stdin:
     * `{ read -r header; cube_mpi -i -; } < list`), where a rewind returns */
    uint64_t start;
    uint64_t line;        /* the line the reader is in, from 1 */
    uint64_t offset;      /* where block[0] stands in the text */
    uint64_t line_start;  /* where the current line starts in the text */
    size_t position;      /* the next byte of block to look at */
    size_t filled;        /* bytes held in block; block[filled] is 0 */
    bool in_comment;      /* block ended inside a comment */
    bool at_end;          /* read(2) said the text ends after block[filled - 1] */
    unsigned char *block; /* MT_SOURCE_BLOCK + MT_NUMBERS_MAX_TOKEN + 2 bytes, from the first read; NULL before */
    /* generator */
    uint64_t to_generate;
    uint64_t seed, state;
} mt_source;

/* The list given as arguments (strings are borrowed, not copied). */
void mt_source_open_args(mt_source *source, char *const *args, size_t count);
/* The list in a file; path "-" reads stdin. MT_ERR_USAGE naming the file when it cannot be opened. */
mt_status mt_source_open_file(mt_source *source, const char *path, mt_error *err);
/* The list in a stream already open (a pipe, a temporary file), named name in messages; mt_source_close
 * closes it when owns_file. Its text starts where its descriptor stands now (a regular file's offset). */
void mt_source_open_stream(mt_source *source, FILE *file, const char *name, bool owns_file);
/* count pseudo-random values in [MT_CUBE_MIN, MT_CUBE_MAX], the same for the same seed everywhere. */
void mt_source_open_generate(mt_source *source, uint64_t count, uint64_t seed);
/* Items [first, first + count) of the list --generate makes from seed, without making the ones before: what a
 * generating source gives there (cube_mpi --io mpi, where every rank makes its own part). */
void mt_generate_part(uint64_t seed, uint64_t first, uint64_t count, int64_t *values);
/* Start again from the first item: arguments, generator, and regular files (back to the offset the text started
 * at, so every pass reads what the first read). MT_ERR_USAGE for anything else (a pipe, a FIFO, a terminal, a
 * device): such a list is read once, or kept in a regular file to be read again (cube_mpi's spool). */
mt_status mt_source_rewind(mt_source *source, mt_error *err);
/* Read up to max items into buffer; *got < max only at the end of the list. */
mt_status mt_source_read(mt_source *source, int64_t *buffer, size_t max, size_t *got, mt_error *err);
void mt_source_close(mt_source *source);

typedef struct {
    int64_t *values; /* owned (free() releases it); NULL when count is 0 */
    uint64_t count;
} mt_numbers;

/* Read the rest of source into numbers. MT_ERR_USAGE on a bad token or a list too large for memory. */
mt_status mt_numbers_read_all(mt_source *source, mt_numbers *numbers, mt_error *err);
void mt_numbers_free(mt_numbers *numbers);

/* Parse the text data[0, size) as a whole list, named name in messages; data[size] must be readable and 0.
 * The text is split at whitespace into parts parts (at most one per byte) parsed in parallel by OpenMP
 * threads; the numbers and every message are the same for any parts. max_line 0 is MT_NUMBERS_MAX_LINE
 * (tests give smaller ones). mt_numbers_read_all uses it on a mapped regular file (numbers_parallel.c). */
mt_status mt_numbers_parse_text(const char *data, size_t size, const char *name, int parts, uint64_t max_line,
                                mt_numbers *numbers, mt_error *err);

/* One part of a regular file for a process that parses only its own (cube_mpi --io mpi): part k of parts, cut
 * where mt_numbers_parse_text cuts that many parts (the first place at or after k/parts of the text that no
 * token and no comment crosses), so the parts together hold exactly the whole list. The file stays mapped until
 * mt_numbers_part_free (only the pages read come in); a problem (a bad token) is not a message yet, since its
 * line and item depend on the parts before: problem is set, and mt_numbers_part_message names it once the
 * newlines and items of every part before are known (their sums). */
typedef struct {
    uint64_t size;                 /* the file's size as this process saw it: parts cut from other sizes do not fit */
    uint64_t first_byte, end_byte; /* the part's bytes of the text: [first_byte, end_byte) */
    uint64_t newlines, items;      /* newlines passed and items read, to the part's end or its problem */
    bool problem;                  /* the part stopped at a problem (found, token, length say which) */
    int found;
    const unsigned char *token;
    size_t length;
    const unsigned char *map; /* the file's mapping, or NULL */
    size_t mapped;
} mt_numbers_part;

mt_status mt_numbers_read_part(const char *path, int k, int parts, mt_numbers *numbers, mt_numbers_part *part,
                               mt_error *err);
mt_status mt_numbers_part_message(const mt_numbers_part *part, const char *name, uint64_t newlines_before,
                                  uint64_t items_before, mt_error *err);
void mt_numbers_part_free(mt_numbers_part *part);

#endif
