/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* numbers_testing.h - for the unit tests and the fuzzers only: a source read with smaller limits than a
 * program's, so that small inputs reach every limit and every cut between two reads. */
#ifndef MT_NUMBERS_TESTING_H
#define MT_NUMBERS_TESTING_H

#include "numbers.h"

typedef struct {
    size_t read_max;   /* the most bytes one read(2) asks for (0: as many as the block holds) */
    uint64_t max_line; /* a smaller line limit (0: MT_NUMBERS_MAX_LINE) */
} mt_read_limits;

/* mt_source_read and mt_numbers_read_all under limits (NULL: a program's). Give one source the same limits at
 * every call. */
mt_status mt_source_read_limited(mt_source *source, const mt_read_limits *limits, int64_t *buffer, size_t max,
                                 size_t *got, mt_error *err);
mt_status mt_numbers_read_all_limited(mt_source *source, const mt_read_limits *limits, mt_numbers *numbers,
                                      mt_error *err);

#endif
