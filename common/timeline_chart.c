/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* timeline_chart.c - the terminal chart of a trace (--gantt): a row per worker, or per transfer slot where units
 * overlap on one thread, time across, within 80 columns, then the scale and a legend. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"
#include "timeline.h"
#include "timeline_workers.h"

enum { GANTT_WIDTH = 80, GANTT_LABEL = 12, GANTT_BAR = GANTT_WIDTH - GANTT_LABEL - 2, GANTT_MAX_ROWS = 48 };

/* The chart as it is drawn: rows of letters, each cell's kind, each row's label. */
typedef struct {
    char (*rows)[GANTT_BAR + 1];
    int (*kinds)[GANTT_BAR]; /* a cell's kind; -1: failed */
    char (*labels)[GANTT_LABEL + 1];
    double lane_end[GANTT_MAX_ROWS];
    int lane_items[GANTT_MAX_ROWS];
    int row_count, worker_first_row, hidden;
    bool seen[MT_EVENT_KINDS], seen_failed;
} gantt_chart;

/* A row's label: its worker, with the CPUs it ran on when they fit (a chart row per slot when transfers overlap on
 * one thread). */
static void row_label(const mt_trace *trace, const mt_event *e, int lane, const char *cpus, char *label, size_t size)
{
    if (trace->ranks > 1 && lane > 0)
        snprintf(label, size, "r%d t%d s%d", (int)e->rank, (int)e->thread, lane);
    else if (trace->ranks > 1)
        snprintf(label, size, "r%d t%d c%s", (int)e->rank, (int)e->thread, cpus[0] ? cpus : "?");
    else if (lane > 0 || trace->overlapping)
        snprintf(label, size, "t%d slot %d", (int)e->thread, lane);
    else
        snprintf(label, size, "t%d cpu %s", (int)e->thread, cpus[0] ? cpus : "?");
}

/* The row for e: the first lane of its worker free at its start, or a new one; -1 when every row is taken. */
static int row_for(gantt_chart *chart, const mt_trace *trace, const mt_event *e, const char *cpus)
{
    for (int r = chart->worker_first_row; r < chart->row_count; r++)
        if (chart->lane_end[r] <= e->start_s + 1e-9) return r;
    if (chart->row_count == GANTT_MAX_ROWS) return -1;
    int row = chart->row_count++;
    memset(chart->rows[row], ' ', GANTT_BAR);
    char label[160];
    row_label(trace, e, row - chart->worker_first_row, cpus, label, sizeof label);
    snprintf(chart->labels[row], sizeof chart->labels[row], "%.*s", GANTT_LABEL, label);
    chart->lane_items[row] = 0;
    return row;
}

/* Event i of sorted drawn on its row, from its start's column to its end's. */
static void draw_event(gantt_chart *chart, const mt_trace *trace, const mt_event *sorted, uint64_t i, double span)
{
    const mt_event *e = &sorted[i];
    char cpus[128] = "";
    if (i == 0 || e->rank != sorted[i - 1].rank || e->thread != sorted[i - 1].thread) {
        chart->worker_first_row = chart->row_count;
        mt_trace_worker_cpus(sorted, trace->count, i, cpus, sizeof cpus);
    }
    int row = row_for(chart, trace, e, cpus);
    if (row < 0) {
        chart->hidden++;
        return;
    }
    chart->lane_end[row] = e->end_s;
    int from = (int)(e->start_s / span * GANTT_BAR);
    int to = (int)ceil(e->end_s / span * GANTT_BAR);
    if (from >= GANTT_BAR) from = GANTT_BAR - 1;
    if (to > GANTT_BAR) to = GANTT_BAR;
    if (to <= from) to = from + 1;
    int kind = e->kind >= 0 && e->kind < MT_EVENT_KINDS ? e->kind : 0;
    const char *letters = trace->style->kinds[kind].letters != NULL ? trace->style->kinds[kind].letters : "Ww";
    if (e->failed) letters = "Xx";
    chart->seen[kind] |= !e->failed;
    chart->seen_failed |= e->failed != 0;
    char letter = letters[chart->lane_items[row]++ % 2];
    for (int c = from; c < to; c++) {
        chart->rows[row][c] = letter;
        chart->kinds[row][c] = e->failed ? -1 : kind;
    }
}

static void print_rows(FILE *out, const gantt_chart *chart, const mt_trace *trace, bool color)
{
    for (int r = 0; r < chart->row_count; r++) {
        fprintf(out, "%-*s|", GANTT_LABEL, chart->labels[r]);
        for (int c = 0; c < GANTT_BAR; c++) {
            const char *paint = !color || chart->rows[r][c] == ' ' ? NULL
                                : chart->kinds[r][c] < 0           ? "\033[31m"
                                                                   : trace->style->kinds[chart->kinds[r][c]].color;
            if (paint != NULL) fputs(paint, out);
            fputc(chart->rows[r][c], out);
            if (paint != NULL) fputs("\033[0m", out);
        }
        fputs("|\n", out);
    }
}

/* Under the rows: what was left out, the scale, the legend, and a note when the lanes shared CPUs. */
static void print_key(FILE *out, const gantt_chart *chart, const mt_trace *trace, double span)
{
    if (chart->hidden > 0) fprintf(out, "(%d more events on rows not shown)\n", chart->hidden);
    char right[32];
    snprintf(right, sizeof right, "%.3f s", span);
    fprintf(out, "%-*s0%*s\n", GANTT_LABEL + 1, "", GANTT_BAR - 1, right);
    fputs("legend:", out);
    for (int k = 0; k < MT_EVENT_KINDS; k++) {
        const mt_event_kind *kind = &trace->style->kinds[k];
        if (chart->seen[k] && kind->name != NULL && kind->letters != NULL)
            fprintf(out, " %c %c %s", kind->letters[0], kind->letters[1], kind->name);
    }
    fprintf(out, "%s (the letter's case alternates item by item)\n", chart->seen_failed ? " X x failed" : "");
    /* Lanes that had to share CPUs took turns on them: the chart's bars are longer for it. */
    mt_placement_verdict placement;
    mt_placement_judge(trace->places, trace->place_count, trace->ranks > 1, &placement);
    if (placement.oversubscribed && !trace->waits) fprintf(out, "note: the lanes shared CPUs: %s\n", placement.cause);
}

void mt_trace_print_gantt(FILE *out, const mt_trace *trace, bool color)
{
    mt_event *sorted = mt_trace_sorted_by_worker(trace);
    if (sorted == NULL) return;
    double span = trace->wall_s;
    for (uint64_t i = 0; i < trace->count; i++)
        if (sorted[i].end_s > span) span = sorted[i].end_s;
    if (span <= 0) span = 1e-9;
    fprintf(out, "%s %s: %.3f s across %d columns, one column = %.3g ms%s\n", trace->program, trace->mode, span,
            GANTT_BAR, span / GANTT_BAR * 1e3, trace->aggregated ? "; one bar per worker's chunk" : "");
    /* Rows: a worker's events, split into lanes where they overlap (transfers on one thread). */
    gantt_chart chart = {.rows = calloc(GANTT_MAX_ROWS, sizeof *chart.rows),
                         .kinds = calloc(GANTT_MAX_ROWS, sizeof *chart.kinds),
                         .labels = calloc(GANTT_MAX_ROWS, sizeof *chart.labels)};
    if (chart.rows != NULL && chart.kinds != NULL && chart.labels != NULL) {
        for (uint64_t i = 0; i < trace->count; i++)
            draw_event(&chart, trace, sorted, i, span);
        print_rows(out, &chart, trace, color);
        print_key(out, &chart, trace, span);
    }
    free(chart.rows);
    free(chart.kinds);
    free(chart.labels);
    free(sorted);
}
