/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* timeline.c - the events of a run: recorded in preallocated slots, then written as a trace (Trace Event JSON or
 * CSV) and summed up in numbers. The terminal chart is timeline_chart.c's. */
#include "timeline.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "placement.h"
#include "report.h"
#include "timeline_workers.h"
#include "timer.h"

const mt_event_style mt_power_events = {
    .kinds = {[MT_OP_SQUARE] = {"square", "Ss", "\033[34m"}, [MT_OP_CUBE] = {"cube", "Cc", "\033[32m"}},
};

mt_status mt_timeline_init(mt_timeline *t, uint64_t units, int workers, int rank, bool blocks,
                           const mt_event_style *style, mt_error *err)
{
    *t = (mt_timeline){
        .per_unit = !blocks && units <= MT_TIMELINE_CAP, .workers = workers, .rank = rank, .style = style};
    t->slot_count = t->per_unit ? units : (uint64_t)workers * MT_EVENT_KINDS;
    t->slots = calloc(t->slot_count ? t->slot_count : 1, sizeof *t->slots);
    if (t->slots == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the timeline");
    return MT_OK;
}

void mt_timeline_free(mt_timeline *t)
{
    free(t->slots);
    t->slots = NULL;
}

void mt_timeline_start(mt_timeline *t, double origin)
{
    memset(t->slots, 0, (t->slot_count ? t->slot_count : 1) * sizeof *t->slots);
    t->origin = origin;
}

/* The CPU clock at the starts taken on this thread, newest last: units overlap on one thread up to this many
 * (past it, the oldest start's CPU is forgotten and its unit's cpu_s is unknown). */
enum { CPU_MARKS = 256 };
typedef struct {
    double wall, cpu;
} cpu_mark;
static _Thread_local cpu_mark cpu_marks[CPU_MARKS];
static _Thread_local unsigned cpu_mark_next;

double mt_timeline_item_start(void)
{
    cpu_mark *mark = &cpu_marks[cpu_mark_next++ % CPU_MARKS];
    mark->cpu = mt_thread_cpu_s();
    mark->wall = mt_now();
    return mark->wall;
}

/* The CPU seconds this thread used since the start it took at wall time start; NAN when it took none. */
static double cpu_since(double start)
{
    for (unsigned i = 1; i <= CPU_MARKS; i++) {
        cpu_mark *mark = &cpu_marks[(cpu_mark_next - i) % CPU_MARKS];
        if (mark->wall == start && start != 0) {
            mark->wall = 0; /* used: a later unit with the same start cannot take it again */
            double used = mt_thread_cpu_s() - mark->cpu;
            return used > 0 ? used : 0;
        }
    }
    return NAN;
}

void mt_timeline_record_units(mt_timeline *t, uint64_t first_unit, uint64_t first_item, int64_t first_value,
                              uint64_t count, int kind, int thread, double start, double end,
                              const mt_event_outcome *outcome)
{
    if (count == 0) return;
    double cpu = cpu_since(start);
    mt_event *e = mt_timeline_slot(t, first_unit, thread, kind);
    bool first = e->count == 0;
    if (first) {
        *e = (mt_event){.start_s = start - t->origin,
                        .item = first_item,
                        .value = first_value,
                        .kind = kind,
                        .thread = thread,
                        .rank = t->rank,
                        .cpu = mt_current_cpu(),
                        .cpu_s = cpu};
    } else {
        e->cpu_s += cpu; /* a chunk: its units' sum (unknown when one of them is) */
    }
    e->end_s = end - t->origin;
    e->count += count;
    if (outcome == NULL) return;
    for (int f = 0; f < MT_EVENT_FIELDS; f++) {
        if (first)
            e->fields[f] = outcome->fields[f];
        else if (t->style->merge[f] == MT_FIELD_SUM)
            e->fields[f] += outcome->fields[f];
        else if (outcome->failed || !e->failed)
            e->fields[f] = outcome->fields[f]; /* a failure's value wins */
    }
    e->failed |= outcome->failed;
}

uint64_t mt_timeline_pack(mt_timeline *t)
{
    uint64_t filled = 0;
    for (uint64_t i = 0; i < t->slot_count; i++)
        if (t->slots[i].count > 0) t->slots[filled++] = t->slots[i];
    return filled;
}

static const char *kind_name(const mt_trace *trace, const mt_event *e)
{
    const char *name = e->kind >= 0 && e->kind < MT_EVENT_KINDS ? trace->style->kinds[e->kind].name : NULL;
    return name != NULL ? name : "work";
}

/* The name of an event in the trace and the chart: "square 2", "cube 8", its item's name, or a chunk. */
static void event_name(const mt_trace *trace, const mt_event *e, char *name, size_t size)
{
    if (trace->item_names != NULL && e->count == 1)
        snprintf(name, size, "%s", trace->item_names[e->item]);
    else if (e->count > 1)
        snprintf(name, size, "%s x %" PRIu64 " items from %" PRIu64, kind_name(trace, e), e->count, e->item);
    else
        snprintf(name, size, "%s %" PRId64, kind_name(trace, e), e->value);
}

void mt_trace_worker_cpus(const mt_event *sorted, uint64_t count, uint64_t first, char *text, size_t size)
{
    mt_cpu_set cpus = {{0}};
    for (uint64_t i = first;
         i < count && sorted[i].rank == sorted[first].rank && sorted[i].thread == sorted[first].thread; i++)
        if (sorted[i].cpu >= 0 && sorted[i].cpu < MT_CPUS_MAX)
            cpus.bits[sorted[i].cpu / 64] |= UINT64_C(1) << (sorted[i].cpu % 64);
    mt_cpu_set_format(&cpus, text, size);
}

static void worker_name(const mt_event *e, char *name, size_t size)
{
    snprintf(name, size, "rank %d thread %d", (int)e->rank, (int)e->thread);
}

mt_status mt_trace_check_path(const char *path, mt_error *err)
{
    const char *dot = strrchr(path, '.');
    if (dot == NULL || (strcmp(dot, ".json") != 0 && strcmp(dot, ".csv") != 0))
        return mt_fail(err, MT_ERR_USAGE, "--timeline: '%s' must end in .json or .csv", path);
    struct stat info;
    if (stat(path, &info) == 0 && S_ISDIR(info.st_mode))
        return mt_fail(err, MT_ERR_USAGE, "--timeline: '%s' is a folder, not a file", path);
    /* Can a file be made beside it (the trace is written to one, then renamed into place)? */
    size_t length = strlen(path);
    char *probe = malloc(length + 16);
    if (probe == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    snprintf(probe, length + 16, "%s.XXXXXX", path);
    int fd = mkstemp(probe);
    if (fd < 0) {
        mt_status status = mt_fail(err, MT_ERR_USAGE, "--timeline: cannot write '%s': %s", path, strerror(errno));
        free(probe);
        return status;
    }
    close(fd);
    unlink(probe);
    free(probe);
    if (access(path, F_OK) == 0 && access(path, W_OK) != 0)
        return mt_fail(err, MT_ERR_USAGE, "--timeline: cannot write '%s': %s", path, strerror(errno));
    return MT_OK;
}

static int compare_by_worker_then_start(const void *a, const void *b)
{
    const mt_event *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if (x->thread != y->thread) return x->thread < y->thread ? -1 : 1;
    return (x->start_s > y->start_s) - (x->start_s < y->start_s);
}

mt_event *mt_trace_sorted_by_worker(const mt_trace *trace)
{
    mt_event *sorted = malloc((trace->count ? trace->count : 1) * sizeof *sorted);
    if (sorted == NULL) return NULL;
    memcpy(sorted, trace->events, trace->count * sizeof *sorted);
    qsort(sorted, trace->count, sizeof *sorted, compare_by_worker_then_start);
    return sorted;
}

static json_t *trace_event_json(const mt_trace *trace)
{
    json_t *events = json_array();
    for (int r = 0; r < trace->ranks; r++) {
        char name[160];
        snprintf(name, sizeof name, "rank %d on %s", r, trace->hosts[r]);
        json_array_append_new(events, json_pack("{s:s, s:s, s:i, s:i, s:{s:o}}", "name", "process_name", "ph", "M",
                                                "pid", r, "tid", 0, "args", "name", mt_json_text(name)));
    }
    mt_event *sorted = mt_trace_sorted_by_worker(trace);
    if (sorted == NULL) {
        json_decref(events);
        return NULL;
    }
    for (uint64_t i = 0; i < trace->count; i++) {
        const mt_event *e = &sorted[i];
        if (i == 0 || e->rank != sorted[i - 1].rank || e->thread != sorted[i - 1].thread) {
            char name[160], cpus[128];
            mt_trace_worker_cpus(sorted, trace->count, i, cpus, sizeof cpus);
            snprintf(name, sizeof name, "thread %d (cpu%s %s)", (int)e->thread, strpbrk(cpus, ",-") ? "s" : "",
                     cpus[0] ? cpus : "?");
            json_array_append_new(events, json_pack("{s:s, s:s, s:i, s:i, s:{s:s}}", "name", "thread_name", "ph", "M",
                                                    "pid", (int)e->rank, "tid", (int)e->thread, "args", "name", name));
        }
        char name[512], worker[64];
        event_name(trace, e, name, sizeof name);
        worker_name(e, worker, sizeof worker);
        json_t *args =
            json_pack("{s:I, s:I, s:s}", "index", (json_int_t)e->item, "value", (json_int_t)e->value, "worker", worker);
        if (e->count > 1) json_object_set_new(args, "items", json_integer((json_int_t)e->count));
        for (int f = 0; f < MT_EVENT_FIELDS; f++)
            if (trace->style->fields[f] != NULL)
                json_object_set_new(args, trace->style->fields[f], json_integer(e->fields[f]));
        if (e->failed) json_object_set_new(args, "failed", json_true());
        json_object_set_new(args, "cpu_s", isfinite(e->cpu_s) ? json_real(e->cpu_s) : json_null());
        double ts = e->start_s * 1e6, dur = (e->end_s - e->start_s) * 1e6;
        if (trace->overlapping) {
            /* Transfers overlap on one thread, which complete events may not: async begin/end pairs. */
            json_array_append_new(events,
                                  json_pack("{s:o, s:s, s:s, s:I, s:f, s:i, s:i, s:o}", "name", mt_json_text(name),
                                            "cat", kind_name(trace, e), "ph", "b", "id", (json_int_t)e->item, "ts", ts,
                                            "pid", (int)e->rank, "tid", (int)e->thread, "args", args));
            json_array_append_new(events, json_pack("{s:o, s:s, s:s, s:I, s:f, s:i, s:i}", "name", mt_json_text(name),
                                                    "cat", kind_name(trace, e), "ph", "e", "id", (json_int_t)e->item,
                                                    "ts", ts + dur, "pid", (int)e->rank, "tid", (int)e->thread));
        } else {
            json_array_append_new(events,
                                  json_pack("{s:o, s:s, s:s, s:f, s:f, s:i, s:i, s:o}", "name", mt_json_text(name),
                                            "cat", kind_name(trace, e), "ph", "X", "ts", ts, "dur", dur, "pid",
                                            (int)e->rank, "tid", (int)e->thread, "args", args));
        }
    }
    free(sorted);
    json_t *other = json_pack("{s:o, s:o, s:f, s:b}", "program", mt_json_text(trace->program), "mode",
                              mt_json_text(trace->mode), "wall_s", trace->wall_s, "aggregated", trace->aggregated);
    json_object_set_new(other, "ideal_s", isfinite(trace->ideal_s) ? json_real(trace->ideal_s) : json_null());
    json_object_set_new(other, "cpus_busy", isfinite(trace->cpus_busy) ? json_real(trace->cpus_busy) : json_null());
    json_object_set_new(other, "machine_busy",
                        isfinite(trace->machine_busy) ? json_real(trace->machine_busy) : json_null());
    return json_pack("{s:o, s:s, s:o}", "traceEvents", events, "displayTimeUnit", "ms", "otherData", other);
}

/* The columns every trace has, then the item names' column and the fields of the program's style. */
static int write_csv(const mt_trace *trace, FILE *out)
{
    const mt_event_style *style = trace->style;
    fputs("host,rank,thread,cpu,item,value,op,start_s,end_s,count,cpu_s", out);
    if (style->item_label != NULL) fprintf(out, ",%s", style->item_label);
    for (int f = 0; f < MT_EVENT_FIELDS; f++)
        if (style->fields[f] != NULL) fprintf(out, ",%s", style->fields[f]);
    fputc('\n', out);
    for (uint64_t i = 0; i < trace->count; i++) {
        const mt_event *e = &trace->events[i];
        mt_csv_print_string(out, trace->hosts[e->rank]);
        fprintf(out, ",%d,%d,%d,%" PRIu64 ",%" PRId64 ",%s,%.9f,%.9f,%" PRIu64, (int)e->rank, (int)e->thread,
                (int)e->cpu, e->item, e->value, kind_name(trace, e), e->start_s, e->end_s, e->count);
        if (isfinite(e->cpu_s))
            fprintf(out, ",%.9f", e->cpu_s);
        else
            fputc(',', out);
        if (style->item_label != NULL) {
            fputc(',', out);
            if (trace->item_names != NULL && e->count == 1) mt_csv_print_string(out, trace->item_names[e->item]);
        }
        for (int f = 0; f < MT_EVENT_FIELDS; f++)
            if (style->fields[f] != NULL) fprintf(out, ",%" PRId64, e->fields[f]);
        fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}

/* A new file beside path, named PATH.XXXXXX, for the trace to be written to, then renamed over path. Not mkstemp:
 * its file is 0600 whatever the umask. This one is made 0666 less the umask (the kernel applies it), as a shell's
 * '>' makes a file; where path is a file already, its own permissions are kept, as '>' keeps them. The name in
 * temporary (size bytes); the descriptor, or -1 with errno set. */
static int create_beside(const char *path, char *temporary, size_t size)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct stat existing;
    bool replacing = stat(path, &existing) == 0 && S_ISREG(existing.st_mode);
    uint64_t seed = (uint64_t)getpid() * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)(uintptr_t)temporary;
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) == 0) seed ^= (uint64_t)now.tv_nsec << 20 ^ (uint64_t)now.tv_sec;
    for (int attempt = 0; attempt < 100; attempt++) {
        char suffix[7];
        for (int i = 0; i < 6; i++) {
            seed = seed * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
            suffix[i] = letters[(seed >> 33) % (sizeof letters - 1)];
        }
        suffix[6] = '\0';
        snprintf(temporary, size, "%s.%s", path, suffix);
        int fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST) continue;
        if (fd >= 0 && replacing && fchmod(fd, existing.st_mode & 0777) != 0) {
            int error = errno;
            close(fd);
            unlink(temporary);
            errno = error;
            return -1;
        }
        return fd;
    }
    errno = EEXIST;
    return -1;
}

mt_status mt_trace_write(const mt_trace *trace, const char *path, mt_error *err)
{
    bool json = strcmp(strrchr(path, '.'), ".json") == 0;
    size_t length = strlen(path);
    char *temporary = malloc(length + 16);
    if (temporary == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    int fd = create_beside(path, temporary, length + 16);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (out == NULL) {
        mt_status status = mt_fail(err, MT_ERR_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(temporary);
        }
        free(temporary);
        return status;
    }
    int failed;
    if (json) {
        json_t *document = trace_event_json(trace);
        failed = document == NULL || json_dumpf(document, out, JSON_COMPACT | JSON_REAL_PRECISION(12)) != 0;
        json_decref(document);
    } else {
        failed = write_csv(trace, out) != 0;
    }
    /* The trace replaces path whole, or path stays as it was. */
    failed |= fclose(out) != 0;
    if (!failed) failed = rename(temporary, path) != 0;
    mt_status status = MT_OK;
    if (failed) {
        status = mt_fail(err, MT_ERR_RUNTIME, "cannot write '%s': %s", path, strerror(errno));
        unlink(temporary);
    }
    free(temporary);
    return status;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The most events in flight at one moment: a sweep over the starts and ends. An end and a start at
 * the same instant do not overlap. */
static uint64_t max_in_flight(const mt_trace *trace)
{
    uint64_t n = trace->count;
    double *starts = malloc((n ? n : 1) * sizeof *starts), *ends = malloc((n ? n : 1) * sizeof *ends);
    if (starts == NULL || ends == NULL) {
        free(starts);
        free(ends);
        return 0;
    }
    for (uint64_t i = 0; i < n; i++) {
        starts[i] = trace->events[i].start_s;
        ends[i] = trace->events[i].end_s;
    }
    qsort(starts, n, sizeof *starts, compare_doubles);
    qsort(ends, n, sizeof *ends, compare_doubles);
    uint64_t in_flight = 0, most = 0, j = 0;
    for (uint64_t i = 0; i < n; i++) {
        while (j < n && ends[j] <= starts[i]) {
            j++;
            in_flight--;
        }
        in_flight++;
        if (in_flight > most) most = in_flight;
    }
    free(starts);
    free(ends);
    return most;
}

json_t *mt_trace_summary(const mt_trace *trace)
{
    double busy_sum = 0;
    for (uint64_t i = 0; i < trace->count; i++)
        busy_sum += trace->events[i].end_s - trace->events[i].start_s;
    json_t *busy = json_object();
    mt_event *sorted = mt_trace_sorted_by_worker(trace);
    double union_busy = 0, covered_to = 0;
    for (uint64_t i = 0; sorted != NULL && i < trace->count; i++) {
        const mt_event *e = &sorted[i];
        bool first_of_worker = i == 0 || e->rank != sorted[i - 1].rank || e->thread != sorted[i - 1].thread;
        if (first_of_worker) {
            union_busy = 0;
            covered_to = 0;
        }
        double from = e->start_s > covered_to ? e->start_s : covered_to;
        if (e->end_s > from) union_busy += e->end_s - from;
        if (e->end_s > covered_to) covered_to = e->end_s;
        bool last_of_worker =
            i + 1 == trace->count || e->rank != sorted[i + 1].rank || e->thread != sorted[i + 1].thread;
        if (last_of_worker) {
            char name[64];
            worker_name(e, name, sizeof name);
            json_object_set_new(busy, name, json_real(trace->wall_s > 0 ? union_busy / trace->wall_s : 0));
        }
    }
    free(sorted);
    return json_pack("{s:I, s:b, s:f, s:I, s:o}", "events", (json_int_t)trace->count, "aggregated", trace->aggregated,
                     "mean_concurrency", trace->wall_s > 0 ? busy_sum / trace->wall_s : 0.0, "max_in_flight",
                     (json_int_t)max_in_flight(trace), "busy_fraction", busy);
}

void mt_trace_print_summary(FILE *out, const mt_trace *trace)
{
    json_t *summary = mt_trace_summary(trace);
    if (summary == NULL) return;
    fprintf(out,
            "%s: timeline: %" JSON_INTEGER_FORMAT " events%s, mean concurrency %.2f, at most %" JSON_INTEGER_FORMAT
            " in flight; busy:",
            trace->program, json_integer_value(json_object_get(summary, "events")),
            trace->aggregated ? " (one per worker's chunk)" : "",
            json_real_value(json_object_get(summary, "mean_concurrency")),
            json_integer_value(json_object_get(summary, "max_in_flight")));
    const char *worker;
    json_t *fraction;
    json_object_foreach(json_object_get(summary, "busy_fraction"), worker, fraction)
        fprintf(out, " %s %.0f%%", worker, 100 * json_real_value(fraction));
    fputc('\n', out);
    json_decref(summary);
}
