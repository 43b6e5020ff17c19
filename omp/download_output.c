/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "download_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timer.h"

enum { BAR_WIDTH = 24 };
static const double BAR_INTERVAL_S = 0.1; /* at most ten redraws a second */

void download_output_init(download_output *out, mt_output *lines, bool bar)
{
    out->lines = lines;
    out->bar = bar;
    out->total_files = 0;
    atomic_init(&out->files_done, 0);
    atomic_init(&out->bytes, 0);
    out->started_at = out->drawn_at = 0;
    omp_init_lock(&out->lock);
}

void download_output_destroy(download_output *out)
{
    omp_destroy_lock(&out->lock);
}

void download_output_start_run(download_output *out, uint64_t total_files)
{
    out->total_files = total_files;
    atomic_store(&out->files_done, 0);
    atomic_store(&out->bytes, 0);
    out->started_at = mt_now();
    out->drawn_at = 0;
}

/* Called with the lock held. */
static void draw_bar(download_output *out, double now)
{
    uint64_t done = atomic_load(&out->files_done), bytes = atomic_load(&out->bytes);
    double elapsed = now - out->started_at;
    double rate = elapsed > 0 ? (double)bytes / elapsed : 0;
    int filled = out->total_files ? (int)(BAR_WIDTH * done / out->total_files) : BAR_WIDTH;
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r[%s] %llu/%llu files  %.1f MB  %.2f MB/s\033[K", bar, (unsigned long long)done,
            (unsigned long long)out->total_files, (double)bytes / 1e6, rate / 1e6);
    fflush(stderr);
    out->drawn_at = now;
}

void download_output_add_bytes(download_output *out, uint64_t bytes)
{
    atomic_fetch_add(&out->bytes, bytes);
    if (!out->bar) return;
    if (!omp_test_lock(&out->lock)) return; /* someone is drawing: skip, never wait inside a transfer */
    double now = mt_now();
    if (now - out->drawn_at >= BAR_INTERVAL_S) draw_bar(out, now);
    omp_unset_lock(&out->lock);
}

void download_output_file_done(download_output *out, const char *line)
{
    atomic_fetch_add(&out->files_done, 1);
    if (line == NULL && !out->bar) return; /* nothing to print: no lock to wait for */
    omp_set_lock(&out->lock);
    if (out->bar) fputs("\r\033[K", stderr); /* the line takes the bar's place, the bar is redrawn below */
    if (line != NULL) mt_output_write(out->lines, line, strlen(line), true);
    if (out->bar) draw_bar(out, mt_now());
    omp_unset_lock(&out->lock);
}

void download_output_clear_bar(download_output *out)
{
    if (!out->bar) return;
    omp_set_lock(&out->lock);
    fputs("\r\033[K", stderr);
    fflush(stderr);
    omp_unset_lock(&out->lock);
}
