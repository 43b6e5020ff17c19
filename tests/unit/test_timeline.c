/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* test_timeline.c - the timeline on its own: one slot per unit up to the cap, one per worker and kind past it,
 * fields summed or a failure's kept, many threads recording at once, the trace's names and columns from the
 * program's style, strings that are not UTF-8 kept, and a folder refused as FILE. */
#include <math.h>
#include <sys/stat.h>
#include <time.h>

#include <omp.h>

#include "helpers.h"
#include "kernel.h"
#include "timeline.h"
#include "timer.h"

/* A download-like style: one kind, three fields, items named. */
static const mt_event_style fetch_events = {
    .kinds = {{"fetch", "Ff", "\033[35m"}},
    .fields = {"bytes", "status", "retries"},
    .merge = {MT_FIELD_SUM, MT_FIELD_FAILURE_WINS, MT_FIELD_SUM},
    .item_label = "url",
};

/* A timeline made for the test, which fails here if it cannot be made. */
static void make_timeline(mt_timeline *t, uint64_t units, int workers, int rank, bool blocks,
                          const mt_event_style *style)
{
    mt_error err;
    assert_int_equal(mt_timeline_init(t, units, workers, rank, blocks, style, &err), MT_OK);
}

static void per_unit_up_to_the_cap(void **state)
{
    (void)state;
    mt_timeline t;
    make_timeline(&t, MT_TIMELINE_CAP, 4, 0, false, &mt_power_events);
    assert_true(t.per_unit);
    assert_int_equal(t.slot_count, MT_TIMELINE_CAP);
    mt_timeline_start(&t, 10.0);
    mt_timeline_record(&t, 7, 3, 42, MT_OP_CUBE, 2, 10.5, 10.75);
    const mt_event *e = mt_timeline_slot(&t, 7, 2, MT_OP_CUBE);
    assert_ptr_equal(e, &t.slots[7]);
    assert_true(e->start_s == 0.5 && e->end_s == 0.75);
    assert_int_equal(e->item, 3);
    assert_int_equal(e->value, 42);
    assert_int_equal(e->count, 1);
    assert_int_equal(e->thread, 2);
    assert_int_equal(mt_timeline_pack(&t), 1);
    mt_timeline_free(&t);
}

static void past_the_cap_one_event_per_worker_and_kind(void **state)
{
    (void)state;
    mt_timeline t;
    uint64_t units = MT_TIMELINE_CAP + 1;
    make_timeline(&t, units, 2, 1, false, &mt_power_events);
    assert_false(t.per_unit);
    assert_int_equal(t.slot_count, 2 * MT_EVENT_KINDS);
    mt_timeline_start(&t, 0);
    /* thread 0 squares units 0..9 then cubes 10..19; thread 1 cubes 20..29 */
    for (uint64_t u = 0; u < 30; u++) {
        int op = u < 10 ? MT_OP_SQUARE : MT_OP_CUBE, thread = u < 20 ? 0 : 1;
        mt_timeline_record(&t, u, u, (int64_t)u, op, thread, (double)u, (double)u + 0.5);
    }
    assert_int_equal(mt_timeline_pack(&t), 3);
    for (int i = 0; i < 3; i++) {
        const mt_event *e = &t.slots[i];
        assert_int_equal(e->count, 10);
        assert_int_equal(e->rank, 1);
        assert_true(e->end_s - e->start_s == 9.5); /* from the first unit's start to the last one's end */
        assert_int_equal(e->item, e->value);       /* a chunk names its first item */
    }
    mt_timeline_free(&t);
}

static void blocks_keep_one_event_per_block_whatever_the_count(void **state)
{
    (void)state;
    mt_timeline t;
    make_timeline(&t, 8, 2, 0, true, &mt_power_events);
    assert_false(t.per_unit);
    mt_timeline_start(&t, 0);
    mt_timeline_record_units(&t, 0, 0, 5, 4, MT_OP_CUBE, 0, 0.0, 1.0, NULL);
    mt_timeline_record_units(&t, 4, 4, 9, 4, MT_OP_CUBE, 1, 0.0, 1.0, NULL);
    mt_timeline_record_units(&t, 8, 8, 0, 0, MT_OP_CUBE, 1, 0.0, 1.0, NULL); /* an empty block: nothing */
    assert_int_equal(mt_timeline_pack(&t), 2);
    assert_int_equal(t.slots[0].count + t.slots[1].count, 8);
    mt_timeline_free(&t);
}

static void fields_sum_and_a_failure_wins_past_the_cap(void **state)
{
    (void)state;
    mt_timeline t;
    make_timeline(&t, 0, 1, 0, true, &fetch_events);
    mt_timeline_start(&t, 0);
    mt_event_outcome ok = {.fields = {100, 200, 1}}, bad = {.fields = {7, 503, 2}, .failed = true};
    mt_timeline_record_units(&t, 0, 0, 0, 1, 0, 0, 0, 1, &ok);
    mt_timeline_record_units(&t, 1, 1, 1, 1, 0, 0, 1, 2, &bad);
    mt_timeline_record_units(&t, 2, 2, 2, 1, 0, 0, 2, 3, &ok);
    const mt_event *e = mt_timeline_slot(&t, 2, 0, 0);
    assert_int_equal(e->count, 3);
    assert_int_equal(e->fields[0], 207); /* bytes: summed */
    assert_int_equal(e->fields[1], 503); /* status: the failure's, not the last unit's */
    assert_int_equal(e->fields[2], 4);   /* retries: summed */
    assert_true(e->failed);
    mt_timeline_free(&t);
}

/* Many threads at once, past the cap: each thread's own slot, no unit lost (under TSan: no race). */
static void many_threads_record_at_once(void **state)
{
    (void)state;
    enum { THREADS = 8, UNITS = 200000 };
    mt_timeline t;
    make_timeline(&t, UNITS, THREADS, 0, false, &fetch_events);
    mt_timeline_start(&t, mt_now());
#pragma omp parallel for num_threads(THREADS) schedule(dynamic, 97)
    for (int u = 0; u < UNITS; u++) {
        double now = mt_now();
        mt_event_outcome outcome = {.fields = {1, 200, 0}};
        mt_timeline_record_units(&t, (uint64_t)u, (uint64_t)u, u, 1, 0, omp_get_thread_num(), now, now, &outcome);
    }
    uint64_t events = mt_timeline_pack(&t), units = 0;
    int64_t bytes = 0;
    assert_true(events >= 1 && events <= THREADS);
    for (uint64_t i = 0; i < events; i++)
        units += t.slots[i].count, bytes += t.slots[i].fields[0];
    assert_int_equal(units, UNITS);
    assert_int_equal(bytes, UNITS);
    mt_timeline_free(&t);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *text = calloc(1 << 16, 1);
    assert_non_null(text);
    size_t got = fread(text, 1, (1 << 16) - 1, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

static mt_trace one_trace(const mt_event *events, uint64_t count, const char *const *hosts, const char *const *names)
{
    return (mt_trace){.events = events,
                      .count = count,
                      .hosts = hosts,
                      .ranks = 1,
                      .style = &fetch_events,
                      .item_names = names,
                      .program = "prog",
                      .mode = "m",
                      .wall_s = 1,
                      .ideal_s = NAN};
}

/* What mt_trace_write writes for trace to a file called name (its extension chooses CSV or JSON). */
static char *written_trace(const mt_trace *trace, const char *name)
{
    char folder[] = "/tmp/mt_unit_XXXXXX", path[64];
    assert_non_null(mkdtemp(folder));
    snprintf(path, sizeof path, "%s/%s", folder, name);
    mt_error err;
    assert_int_equal(mt_trace_write(trace, path, &err), MT_OK);
    char *text = read_file(path);
    unlink(path);
    rmdir(folder);
    return text;
}

static void csv_columns_come_from_the_style(void **state)
{
    (void)state;
    const mt_event events[] = {{.start_s = 0, .end_s = 1, .item = 0, .count = 1, .fields = {5, 200, 0}}};
    const char *hosts[] = {"h"}, *names[] = {"http://x/a,b"};
    mt_trace trace = one_trace(events, 1, hosts, names);
    char *text = written_trace(&trace, "trace.csv");
    const char *header = "host,rank,thread,cpu,item,value,op,start_s,end_s,count,cpu_s,url,bytes,status,retries\n";
    assert_int_equal(strncmp(text, header, strlen(header)), 0);
    assert_contains(text, ",fetch,");
    assert_contains(text, ",\"http://x/a,b\",5,200,0\n");
    free(text);
    trace.style = &mt_power_events;
    trace.item_names = NULL;
    text = written_trace(&trace, "trace.csv");
    header = "host,rank,thread,cpu,item,value,op,start_s,end_s,count,cpu_s\n";
    assert_int_equal(strncmp(text, header, strlen(header)), 0);
    free(text);
}

/* A unit's CPU time: about its span when it computes, about nothing when it sleeps, unknown when its start was
 * not taken by mt_timeline_item_start. Judged against the unit's own wall time, never an absolute time. */
static void units_carry_their_threads_cpu_time(void **state)
{
    (void)state;
    mt_timeline t;
    mt_error err;
    assert_int_equal(mt_timeline_init(&t, 3, 1, 0, false, &mt_power_events, &err), MT_OK);
    mt_timeline_start(&t, mt_now());
    double start = mt_timeline_item_start(), cpu_start = mt_thread_cpu_s();
    while (mt_thread_cpu_s() - cpu_start < 0.02) {
    }
    mt_timeline_record(&t, 0, 0, 2, MT_OP_SQUARE, 0, start, mt_now());
    start = mt_timeline_item_start();
    nanosleep(&(struct timespec){0, 20000000}, NULL);
    mt_timeline_record(&t, 1, 1, 3, MT_OP_SQUARE, 0, start, mt_now());
    mt_timeline_record(&t, 2, 2, 5, MT_OP_SQUARE, 0, mt_now(), mt_now());
    const mt_event *spin = &t.slots[0], *sleep = &t.slots[1], *unknown = &t.slots[2];
    assert_true(spin->cpu_s >= 0.02 && spin->cpu_s <= (spin->end_s - spin->start_s) * 1.01);
    assert_true(sleep->cpu_s < 0.5 * (sleep->end_s - sleep->start_s));
    assert_true(isnan(unknown->cpu_s));
    mt_timeline_free(&t);
}

static void json_keeps_names_that_are_not_utf8(void **state)
{
    (void)state;
    const mt_event events[] = {{.start_s = 0, .end_s = 1, .item = 0, .count = 1}};
    const char *hosts[] = {"h\xff"}, *names[] = {"http://x/caf\xe9.jpg"};
    mt_trace trace = one_trace(events, 1, hosts, names);
    char *text = written_trace(&trace, "trace.json");
    json_error_t error;
    json_t *document = json_loads(text, 0, &error);
    if (document == NULL) fail_msg("not JSON: %s", error.text);
    assert_contains(text, "caf\\\\xE9.jpg"); /* the byte kept, escaped */
    assert_contains(text, "h\\\\xFF");
    json_decref(document);
    free(text);
}

static void a_folder_is_not_a_trace_file(void **state)
{
    (void)state;
    char folder[] = "/tmp/mt_unit_XXXXXX";
    assert_non_null(mkdtemp(folder));
    char path[64];
    snprintf(path, sizeof path, "%s/t.json", folder);
    assert_int_equal(mkdir(path, 0755), 0);
    mt_error err = {""};
    assert_int_equal(mt_trace_check_path(path, &err), MT_ERR_USAGE);
    assert_contains(err.message, "folder");
    assert_contains(err.message, path);
    rmdir(path);
    assert_int_equal(mt_trace_check_path(path, &err), MT_OK);
    rmdir(folder);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(per_unit_up_to_the_cap),
        cmocka_unit_test(past_the_cap_one_event_per_worker_and_kind),
        cmocka_unit_test(blocks_keep_one_event_per_block_whatever_the_count),
        cmocka_unit_test(fields_sum_and_a_failure_wins_past_the_cap),
        cmocka_unit_test(many_threads_record_at_once),
        cmocka_unit_test(csv_columns_come_from_the_style),
        cmocka_unit_test(units_carry_their_threads_cpu_time),
        cmocka_unit_test(json_keeps_names_that_are_not_utf8),
        cmocka_unit_test(a_folder_is_not_a_trace_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
