/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* fuzz.h - what the fuzz targets share: the libFuzzer entry point, a failure that stops the run with the
 * reason, and the check every error message must pass. Header-only, like tests/unit/helpers.h. */
#ifndef MT_FUZZ_H
#define MT_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input broke a rule: say which, then abort (libFuzzer keeps the input as a crash file). */
static inline __attribute__((noreturn, format(printf, 1, 2))) void fuzz_fail(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("fuzz rule broken: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    abort();
}

/* An error message is one line of printable text: bad bytes in it are shown escaped, never raw. */
static inline void fuzz_check_message(const char *message)
{
    if (message[0] == '\0') fuzz_fail("an error without a message");
    for (const unsigned char *c = (const unsigned char *)message; *c != '\0'; c++)
        if (*c < 0x20 || *c == 0x7F) fuzz_fail("a raw control byte 0x%02X in the message '%s'", *c, message);
    if (strstr(message, "\xEF\xBB\xBF") != NULL) fuzz_fail("a raw byte-order mark in the message '%s'", message);
}

#endif
