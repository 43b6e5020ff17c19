/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "download_retry.h"

#include <math.h>
#include <stdlib.h>

#include "cli.h"
#include "download_report.h"
#include "timer.h"

static const char *const PROGRAM = "download";

double download_note_retry(download_transfer *t)
{
    double delay = download_transfer_retry_delay(t);
    if (t->shared->verbose) {
        char error[4 * sizeof t->error];
        download_shown_error(t, error, sizeof error);
        mt_print_warning(PROGRAM, "retry %d of %d in %.2f s for %s: %s", t->retries + 1, t->shared->settings->retry,
                         delay, t->shown_url, error);
    }
    t->retries++;
    return delay;
}

mt_status download_waiting_init(download_waiting *waiting, size_t capacity, mt_error *err)
{
    waiting->count = 0;
    waiting->items = malloc((capacity ? capacity : 1) * sizeof *waiting->items);
    if (waiting->items == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the retries");
    return MT_OK;
}

void download_waiting_free(download_waiting *waiting)
{
    free(waiting->items);
    waiting->items = NULL;
}

void download_waiting_add(download_waiting *waiting, download_transfer *t)
{
    t->retry_at = mt_now() + download_note_retry(t);
    waiting->items[waiting->count++] = t;
}

download_transfer *download_waiting_due(download_waiting *waiting)
{
    double now = mt_now();
    for (size_t w = 0; w < waiting->count; w++) {
        if (waiting->items[w]->retry_at > now) continue;
        download_transfer *t = waiting->items[w];
        waiting->items[w] = waiting->items[--waiting->count];
        return t;
    }
    return NULL;
}

int download_waiting_ms(const download_waiting *waiting, int limit_ms)
{
    int ms = limit_ms;
    double now = mt_now();
    for (size_t w = 0; w < waiting->count; w++) {
        double until = (waiting->items[w]->retry_at - now) * 1000;
        int due = until <= 0 ? 0 : (int)ceil(until);
        if (due < ms) ms = due;
    }
    return ms;
}
