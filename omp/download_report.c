/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_report.c - what download says after its runs: each failure, the record with its transfers, and the
 * end of the program (the error, or the signal that interrupted it, and the exit code). */
#include "download_report.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "download_interrupts.h"
#include "harness.h"
#include "report.h"

static const char *const PROGRAM = "download";

void download_shown_error(const download_transfer *t, char *out, size_t size)
{
    char *masked = mt_mask_passwords(t->error);
    mt_escape_text(masked != NULL ? masked : "(out of memory)", true, out, size);
    free(masked);
}

/* Each failure on stderr, its URL and its error shown escaped. */
static void list_failures(const download_job *job)
{
    char error[4 * sizeof job->transfers[0].error];
    for (size_t i = 0; i < job->count; i++) {
        const download_transfer *t = &job->transfers[i];
        if (job->failed == 0 || t->ok) continue;
        mt_error failure;
        download_shown_error(t, error, sizeof error);
        mt_fail(&failure, MT_ERR_RUNTIME, "%.300s: %s", job->shown_urls[i], error);
        mt_print_error(PROGRAM, &failure);
    }
}

/* The transfers in the record's details (JSON). */
static void add_transfers(const download_job *job, mt_record *record)
{
    char error[4 * sizeof job->transfers[0].error];
    /* Every transfer, in the list's order: the strings shown (valid UTF-8, which jansson insists on), so that
     * none is dropped and the list always has n entries. */
    json_t *list = json_array();
    char name[4 * DOWNLOAD_NAME_SIZE];
    for (size_t i = 0; list != NULL && i < job->count; i++) {
        const download_transfer *t = &job->transfers[i];
        mt_escape_text(t->name, true, name, sizeof name);
        download_shown_error(t, error, sizeof error);
        json_t *item = json_pack("{s:s, s:s, s:I, s:I, s:f, s:i, s:b, s:s?}", "url", job->shown_urls[i], "file", name,
                                 "http_status", (json_int_t)t->http_status, "bytes", (json_int_t)t->bytes, "seconds",
                                 t->seconds, "retries", t->retries, "ok", t->ok, "error", t->ok ? NULL : error);
        if (item == NULL || json_array_append_new(list, item) != 0) {
            json_decref(list); /* out of memory: no list rather than a short one */
            list = NULL;
        }
    }
    if (record->details == NULL) record->details = json_object();
    json_object_set_new(record->details, "transfers", list != NULL ? list : json_array());
    json_object_set_new(record->details, "team_threads", json_integer(job->team_size));
}

mt_status download_report(download_job *job, mt_options *options, const mt_repeat_plan *runs, mt_error *err)
{
    mt_record record;
    mt_error unused;
    mt_harness_record(&download_program, options, NULL, job->count, job->jobs, 1, runs, NAN, &record, &unused);
    record.work = (mt_work){.kind = MT_WORK_NONE}; /* the work is the transfer itself */
    record.valid = job->failed == 0;
    if (!record.valid) record.time = (mt_stats){0};
    record.places = job->placement.places;
    record.place_count = job->team_size;
    record.hooks.waits = true; /* waiting on the network: more transfers than CPUs is the lesson */
    bool multi = job->shared.settings->mode == DOWNLOAD_MODE_MULTI;
    char workers[64];
    snprintf(workers, sizeof workers, "1 thread, %d transfers at once", job->jobs);
    if (multi) record.hooks.workers = workers;
    /* curl_version() initialises OpenLDAP and SASL (~10 ms): only for the record */
    record.fields = json_pack("{s:s}", "work", "download"); /* the work is the transfer itself */
    if (options->format != MT_FORMAT_TEXT) json_object_set_new(record.fields, "libcurl", json_string(curl_version()));
    list_failures(job);
    if (options->format == MT_FORMAT_JSON) add_transfers(job, &record);
    mt_trace shape = {.item_names = (const char *const *)job->shown_urls, .overlapping = multi, .wall_s = job->last_s};
    return mt_harness_conclude(&download_program, options, &record, job->shared.timeline, &shape, runs, err);
}

int download_exit_code(const download_job *job, mt_options *options, mt_status status, mt_error *err)
{
    int code = mt_harness_finish(&download_program, options, status, err); /* which shows the message escaped */
    int signal_number = download_interrupted();
    if (signal_number == 0) return code;
    fprintf(stderr, "%s: interrupted by %s: %zu of %zu files complete\n", PROGRAM,
            signal_number == SIGINT    ? "SIGINT"
            : signal_number == SIGTERM ? "SIGTERM"
                                       : "SIGHUP",
            job->complete, job->count);
    return 128 + signal_number;
}
