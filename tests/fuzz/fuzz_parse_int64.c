/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* fuzz_parse_int64.c - mt_parse_int64 against the rule written out (an optional sign, then base-10 digits,
 * within int64), and the escaping of what a message shows (mt_show_bytes, mt_plain_prefix).
 *
 * The input is the token (to its first NUL). Accepted: the value must be the rule's. Refused: one line naming
 * where, with no raw control byte. mt_show_bytes must stop within its buffer, give only printable text, and
 * give back the plain prefix as it is. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "numbers.h"

__extension__ typedef unsigned __int128 wide; /* room for any int64 magnitude and one more digit */

/* The rule, by hand: false when the token is not one; *beyond when its digits overflow int64. */
static bool rule(const char *token, int64_t *value, bool *beyond)
{
    const char *c = token;
    bool negative = *c == '-';
    if (*c == '-' || *c == '+') c++;
    if (*c == '\0') return false;
    wide magnitude = 0, most = negative ? (wide)INT64_MAX + 1 : INT64_MAX;
    *beyond = false;
    for (; *c != '\0'; c++) {
        if (*c < '0' || *c > '9') return *beyond = false, false;
        magnitude = magnitude * 10 + (unsigned)(*c - '0');
        if (magnitude > most) *beyond = true, magnitude = most + 1; /* stays beyond, never wraps */
    }
    if (*beyond) return true;
    *value = negative ? (magnitude == 0 ? 0 : -(int64_t)(magnitude - 1) - 1) : (int64_t)magnitude;
    return true;
}

static void check_show(const char *bytes, size_t length, size_t size)
{
    char out[512];
    if (size > sizeof out) size = sizeof out;
    memset(out, 'X', sizeof out);
    size_t taken = mt_show_bytes(out, size, bytes, length);
    size_t written = strlen(out);
    if (written >= size || taken > length) fuzz_fail("mt_show_bytes went past its buffer");
    for (size_t i = size; i < sizeof out; i++)
        if (out[i] != 'X') fuzz_fail("mt_show_bytes wrote past size %zu", size);
    if (written > 0) fuzz_check_message(out);
    /* Escapes come whole: each backslash starts \\ or \xHH. */
    for (size_t i = 0; i < written; i++) {
        if (out[i] != '\\') continue;
        if (out[i + 1] == '\\')
            i++;
        else if (out[i + 1] == 'x' && i + 3 < written && isxdigit((unsigned char)out[i + 2]) &&
                 isxdigit((unsigned char)out[i + 3]))
            i += 3;
        else
            fuzz_fail("a cut escape in '%s'", out);
    }
    /* The plain prefix comes out as it is (a backslash doubled) when there is room for it. */
    size_t plain = mt_plain_prefix(bytes, length), o = 0;
    if (plain > length) fuzz_fail("mt_plain_prefix beyond the bytes");
    if (size >= 2 * plain + 1) {
        for (size_t i = 0; i < plain; i++) {
            if (out[o] != bytes[i]) fuzz_fail("byte %zu of the plain prefix was changed", i);
            o += bytes[i] == '\\' ? 2 : 1;
        }
        /* a character is escaped whole, its (up to 4) bytes \xHH each: with room for that, it must be shown */
        if (plain < length && taken == plain && o + 16 < size) fuzz_fail("stopped at a plain prefix with room left");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *token = malloc(size + 1);
    if (token == NULL) abort();
    memcpy(token, data, size);
    token[size] = '\0';

    int64_t value = 0, expected = 0;
    bool beyond = false, is_integer = rule(token, &expected, &beyond);
    mt_error err = {{0}};
    mt_status status = mt_parse_int64(token, "argument 7", &value, &err);
    if (is_integer && !beyond) {
        if (status != MT_OK) fuzz_fail("'%s' refused: %s", token, err.message);
        if (value != expected) fuzz_fail("'%s' gave %lld, not %lld", token, (long long)value, (long long)expected);
    } else {
        if (status != MT_ERR_USAGE) fuzz_fail("'%s' accepted", token);
        if (strncmp(err.message, "argument 7: ", 12) != 0) fuzz_fail("the message does not say where: %s", err.message);
        if (strstr(err.message, beyond     ? "beyond the int64 range"
                                : token[0] ? "not a base-10 integer"
                                           : "empty token") == NULL)
            fuzz_fail("the message does not say why: %s", err.message);
        fuzz_check_message(err.message);
    }
    check_show((const char *)data, size, size > 0 ? (size_t)data[0] % 300 + 1 : 1);
    check_show((const char *)data, size, 512);
    free(token);
    return 0;
}
