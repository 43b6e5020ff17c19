/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download - activity 3 of the original lesson: many downloads at once, done right.
 *
 * PURPOSE  The original puts 30 image URLs (6 images x 5) in a Queue and lets N threads fetch them with
 *          requests. Here each URL is one OpenMP task run by a team of N threads (tasks), each transfer on
 *          its own libcurl easy handle; or one thread drives a libcurl multi handle with N transfers in
 *          flight (multi): the same speed-up without a second thread, because the work is waiting on the
 *          network, not computing. Comparing the two is the lesson about I/O-bound work.
 *
 * USAGE    download [-j N] [--mode tasks|multi] [-o DIR] [-i FILE | URL...]
 *          python3 scripts/image_server.py --latency 0.1 &   # prints PORT N; the demo does this for you
 *          curl -s http://127.0.0.1:N/lists/original.txt | download -j 8 -o imgs -i -
 *
 * NOTES    Timed: from the first transfer's start to the last one's end, including writing, renaming and
 *          the line printed for each file; excluding reading and checking the list, creating the folder,
 *          curl_global_init and starting the OpenMP team (done once, before any run). n counts URLs.
 *          Self-check: a transfer is valid when its status is 2xx and the bytes written equal the bytes
 *          received and the Content-Length when one was sent; a run with any failure prints no time and
 *          exits 1. Files: see --help (temporary file + atomic rename; unsafe names become url-HASH).
 *          One transfer's life (its easy handle, file, verdict and retries) is in download_transfer.c;
 *          the folder, the connection pool and the report around the runs in download_job.c. */
#include <math.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <omp.h>

#include "cli.h"
#include "download_cli.h"
#include "download_job.h"
#include "download_transfer.h"
#include "download_urls.h"
#include "report.h"
#include "timeline.h"
#include "timer.h"

/* One transfer from start to end on the calling thread: the body of one task. */
static void fetch_blocking(download_transfer *t)
{
    if (!download_transfer_begin(t)) return;
    for (;;) {
        if (!download_transfer_prepare_attempt(t)) return;
        CURLcode result = curl_easy_perform(t->easy); /* blocks this thread only; the others keep going */
        download_verdict verdict = download_transfer_judge(t, result);
        if (verdict != DOWNLOAD_RETRY) {
            download_transfer_finish(t, verdict == DOWNLOAD_DONE);
            return;
        }
        download_pause(download_note_retry(t)); /* the backoff; a signal cuts it short */
    }
}

/* Tasks: one OpenMP task per URL; the team's N threads keep N transfers in flight. */
static mt_status run_tasks(download_job *job, mt_error *err)
{
    (void)err;
    download_tail_reset(&job->tail, job->count);
#pragma omp parallel num_threads(job->jobs)
    {
        /* One thread creates the tasks; every thread of the team (the creator too) runs them. */
#pragma omp single
        {
            for (size_t i = 0; i < job->count; i++) {
#pragma omp task firstprivate(i)
                {
                    download_tail_begin(&job->tail);
                    fetch_blocking(&job->transfers[i]);
                    download_tail_end(&job->tail); /* none left to start: sleep until the last one ends */
                }
            }
        } /* the single's implicit barrier waits for every task */
    }
    return MT_OK;
}

/* Put t on the multi handle (a first attempt, or a retry). false when t is finished (failed) instead. */
static bool multi_add(CURLM *multi, download_transfer *t, bool first)
{
    if (first && !download_transfer_begin(t)) return false;
    if (!download_transfer_prepare_attempt(t)) return false;
    CURLMcode code = curl_multi_add_handle(multi, t->easy);
    if (code == CURLM_OK) return true;
    snprintf(t->error, sizeof t->error, "cannot add the transfer to the multi handle: %s", curl_multi_strerror(code));
    download_transfer_finish(t, false);
    return false;
}

/* A transfer the multi handle says is done: off the handle, then finished, or queued for a retry. */
static mt_status multi_done(CURLM *multi, CURLMsg *message, download_waiting *waiting, mt_error *err)
{
    download_transfer *t = NULL;
    CURLcode result = message->data.result; /* read before the handle is removed */
    if (curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&t) != CURLE_OK || t == NULL)
        return mt_fail(err, MT_ERR_RUNTIME, "a finished transfer lost its item (CURLINFO_PRIVATE)");
    CURLMcode code = curl_multi_remove_handle(multi, t->easy);
    if (code != CURLM_OK)
        return mt_fail(err, MT_ERR_RUNTIME, "curl_multi_remove_handle: %s", curl_multi_strerror(code));
    download_verdict verdict = download_transfer_judge(t, result);
    if (verdict == DOWNLOAD_RETRY)
        download_waiting_add(waiting, t);
    else
        download_transfer_finish(t, verdict == DOWNLOAD_DONE);
    return MT_OK;
}

/* Multi: one thread, one multi handle, at most N transfers on it at once, another added as each ends
 * (curl's 10-at-a-time.c). Concurrency without parallelism: the thread only waits and copies bytes. */
static mt_status run_multi(download_job *job, mt_error *err)
{
    size_t jobs = (size_t)job->jobs, next = 0, in_flight = 0;
    download_waiting waiting = {0};
    CURLM *multi = curl_multi_init();
    mt_status status = multi != NULL ? download_waiting_init(&waiting, job->count, err)
                                     : mt_fail(err, MT_ERR_RUNTIME, "out of memory for the multi handle");
    /* The connection cache: one idle connection kept per transfer slot, each one a descriptor. */
    if (status == MT_OK && curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)jobs) != CURLM_OK)
        status = mt_fail(err, MT_ERR_RUNTIME, "cannot size the connection cache");
    if (status != MT_OK) return download_waiting_free(&waiting), curl_multi_cleanup(multi), status;
    while (status == MT_OK && !download_interrupted() && (next < job->count || in_flight > 0 || waiting.count > 0)) {
        /* Refill up to N: retries whose wait is over first, then the next URLs. */
        download_transfer *t;
        while (in_flight < jobs && (t = download_waiting_due(&waiting)) != NULL)
            in_flight += multi_add(multi, t, false);
        while (in_flight < jobs && next < job->count)
            in_flight += multi_add(multi, &job->transfers[next++], true);

        int running = 0, left = 0;
        CURLMcode code = curl_multi_perform(multi, &running);
        if (code != CURLM_OK)
            status = mt_fail(err, MT_ERR_RUNTIME, "curl_multi_perform: %s", curl_multi_strerror(code));
        bool ended = false;
        CURLMsg *message;
        while (status == MT_OK && (message = curl_multi_info_read(multi, &left)) != NULL) {
            if (message->msg != CURLMSG_DONE) continue;
            status = multi_done(multi, message, &waiting, err);
            in_flight--, ended = true;
        }
        if (status != MT_OK || ended) continue; /* refill at once */
        /* Sleep until a socket is ready, a timeout of libcurl's is due, the next retry's time comes, or a
         * signal interrupts the run (its descriptor becomes readable). */
        struct curl_waitfd interrupt = {.fd = download_interrupt_fd(), .events = CURL_WAIT_POLLIN};
        code = curl_multi_poll(multi, &interrupt, 1, download_waiting_ms(&waiting, 1000), NULL);
        if (code != CURLM_OK) status = mt_fail(err, MT_ERR_RUNTIME, "curl_multi_poll: %s", curl_multi_strerror(code));
    }
    /* After a signal or an internal error, end what is in flight or waiting: failed, temporary files removed. */
    for (size_t i = 0; i < next; i++) {
        download_transfer *t = &job->transfers[i];
        if (t->easy == NULL) continue;
        curl_multi_remove_handle(multi, t->easy); /* harmless when it was not added */
        download_transfer_cancel(t);
    }
    download_waiting_free(&waiting);
    CURLMcode code = curl_multi_cleanup(multi);
    if (status == MT_OK && code != CURLM_OK)
        status = mt_fail(err, MT_ERR_RUNTIME, "curl_multi_cleanup: %s", curl_multi_strerror(code));
    return status;
}

static mt_status run_once(void *context, const mt_run_info *run, mt_sample *sample, mt_error *err)
{
    download_job *job = context;
    job->shared.print_lines = job->print_lines && run->last;
    download_output_start_run(&job->output, job->count);
    double start = mt_now();
    if (job->shared.timeline != NULL) mt_timeline_start(job->shared.timeline, start); /* keeps the last run's */
    mt_placement_start(&job->placement);                                              /* likewise */
    bool multi = job->shared.settings->mode == DOWNLOAD_MODE_MULTI;
    mt_status status = multi ? run_multi(job, err) : run_tasks(job, err);
    sample->elapsed_s = job->last_s = mt_now() - start;
    download_output_clear_bar(&job->output);
    job->failed = 0;
    for (size_t i = 0; i < job->count; i++)
        job->failed += !job->transfers[i].ok;
    job->complete = job->count - job->failed;
    if (download_interrupted()) return MT_ERR_RUNTIME; /* main says so, and reports nothing of this run */
    if (status == MT_OK && job->failed > 0)
        status = mt_fail(err, MT_ERR_RUNTIME, "%zu of %zu transfers failed", job->failed, job->count);
    return status;
}

/* After the runs (all of them, or the one that failed): the record, valid only when every transfer was. */
static mt_status report(download_job *job, mt_options *options, const mt_repeat_plan *runs, mt_error *err)
{
    mt_record record;
    mt_error unused;
    mt_cli_record(&download_program, options, NULL, job->count, job->jobs, 1, runs, NAN, &record, &unused);
    record.work = (mt_work){.kind = MT_WORK_NONE}; /* the work is the transfer itself */
    record.work_label = "download";
    record.valid = job->failed == 0;
    if (!record.valid) record.time = (mt_stats){0};
    record.places = job->placement.places, record.place_count = job->team_size;
    record.io_bound = true; /* waiting on the network: more transfers than CPUs is the lesson */
    bool multi = job->shared.settings->mode == DOWNLOAD_MODE_MULTI;
    char workers[64];
    snprintf(workers, sizeof workers, "1 thread, %d transfers at once", job->jobs);
    if (multi) record.workers_note = workers;
    /* curl_version() initialises OpenLDAP and SASL (~10 ms): only for the record */
    if (options->format != MT_FORMAT_TEXT) record.fields = json_pack("{s:s}", "libcurl", curl_version());
    download_job_report(job, options, &record);
    mt_trace shape = {.item_names = (const char *const *)job->shown_urls, .overlapping = multi, .wall_s = job->last_s};
    return mt_cli_conclude(&download_program, options, &record, job->shared.timeline, &shape, runs, err);
}

int main(int argc, char **argv)
{
    download_settings settings = download_default_settings();
    mt_options options;
    int exit_code = mt_cli_start(argc, argv, &download_program, &options, &settings);
    if (exit_code >= 0) return exit_code;

    mt_error err = {""};
    /* Once, before any thread exists: libcurl's global state is not thread-safe to set up. */
    CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (global != CURLE_OK)
        return mt_cli_finish(&download_program, &options,
                             mt_fail(&err, MT_ERR_RUNTIME, "curl_global_init: %s", curl_easy_strerror(global)), &err);
    if (options.verbose) fprintf(stderr, "download: libcurl %s\n", curl_version());

    download_url_list urls = {0};
    download_job job = {0};
    mt_timeline timeline = {0};
    mt_repeat_plan plan = {.warmup = options.warmup, .repeat = options.repeat};
    bool offline = false;
    /* The whole list is read and checked before anything is fetched. */
    double reading = mt_now();
    mt_status status = download_urls_read(&settings, &options, &urls, &err);
    options.read_s = mt_now() - reading;
    if (status == MT_OK) status = download_job_init(&job, &urls, &settings, &options, &err);
    if (status == MT_OK && settings.dry_run) {
        download_job_print_plan(&job, &options);
    } else if (status == MT_OK && (status = download_job_open(&job, &options, &timeline, &err)) == MT_OK) {
        status = mt_repeat(run_once, &job, &plan, &err);
        /* The default list is on the internet: offline, every transfer fails (said after the failures). */
        offline = job.failed > 0 && job.complete == 0 && settings.input_path == NULL && options.operand_count == 0;
        /* A run whose transfers failed is reported too (its record says so), and fails the program; an
         * interrupted one is not reported at all. */
        if ((status == MT_OK || job.failed > 0) && !download_interrupted()) {
            mt_error report_err = {""};
            mt_status reported = report(&job, &options, &plan, &report_err);
            if (reported != MT_OK && status == MT_OK)
                status = reported, err = report_err; /* the first failure says why */
        }
    }
    mt_status closed = download_job_close(&job, status == MT_OK ? &err : &(mt_error){""});
    if (status == MT_OK) status = closed;
    mt_timeline_free(&timeline);
    download_urls_free(&urls);
    mt_repeat_free(&plan);
    curl_global_cleanup();
    exit_code = download_job_finish(&job, &options, status, &err);
    if (offline)
        mt_print_warning(download_program.name,
                         "the default list needs the internet; offline, serve it on loopback: "
                         "python3 scripts/image_server.py --list-file urls.txt & then download -i urls.txt");
    return exit_code;
}
