/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* asan_canary - a deliberate heap-buffer overflow, so the AddressSanitizer stage is known to be
 * live. An ASan build must report "AddressSanitizer: heap-buffer-overflow" here; ctest's
 * sanitize_asan_canary passes only when it does. The pointer goes through a volatile so that
 * UBSan's object-size check (built alongside) cannot see the allocation and report it first. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    (void)argv;
    int *volatile values = malloc(4 * sizeof(int));
    if (values == NULL) return 1;
    for (int i = 0; i < 4; i++)
        values[i] = i;
    int past_the_end = values[3 + argc]; /* argc is 1: reads values[4], one past the end */
    printf("%d\n", past_the_end);
    free(values);
    return 0;
}
