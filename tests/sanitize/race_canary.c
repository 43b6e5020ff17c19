/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* race_canary - a deliberate data race, so the ThreadSanitizer stage is known to be live.
 *
 * Two OpenMP threads increment one shared counter with no atomic, no critical and no reduction. A
 * TSan build must report "ThreadSanitizer: data race" here; ctest's sanitize_tsan_canary passes
 * only when it does. If it ever passes silently, the race checks of the real programs prove
 * nothing. */
#include <stdio.h>

#include <omp.h>

int main(void)
{
    long counter = 0;
#pragma omp parallel num_threads(2) shared(counter)
    {
        for (int i = 0; i < 100000; i++)
            counter++; /* the race: an unsynchronized read-modify-write from both threads */
    }
    printf("counter %ld (200000 without the race)\n", counter);
    return 0;
}
