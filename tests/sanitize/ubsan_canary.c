/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* ubsan_canary - a deliberate signed overflow, so the UndefinedBehaviorSanitizer stage is known to
 * be live. A UBSan build must report "runtime error: signed integer overflow" here; ctest's
 * sanitize_ubsan_canary passes only when it does. The value comes from argc so no compiler folds
 * it. */
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argv;
    int64_t x = INT64_MAX - 1 + argc; /* INT64_MAX when argc is 1 */
    int64_t y = x + argc;             /* overflows */
    printf("%lld\n", (long long)y);
    return 0;
}
