/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download - activity 3 of the original lesson (30 image URLs, a Queue and N threads), done right.
 *
 * PURPOSE  Each URL is one OpenMP task with its own libcurl easy handle, a team of N threads running them (tasks);
 *          or one thread drives a libcurl multi handle with N transfers in flight (multi): the same speed-up without
 *          a second thread, because the work waits on the network. Comparing the two is the lesson on I/O.
 * USAGE    download [-j N] [--mode tasks|multi] [-o DIR] [-i FILE | URL...]  (scripts/image_server.py serves one)
 * NOTES    Timed: the first transfer's start to the last one's end, writing and each file's line included; not the
 *          list, the folder, curl_global_init or the team's start. n counts URLs. Valid: each transfer 2xx, its bytes
 *          written = received = Content-Length when sent; a failure prints no time and exits 1. One transfer's life
 *          is download_transfer.c's, the multi handle's side download_multi.c's, the rest download_job.c's. */
#include <stdio.h>

#include <curl/curl.h>

#include "cli.h"
#include "harness.h"
#include "download_cli.h"
#include "download_interrupts.h"
#include "download_job.h"
#include "download_multi.h"
#include "download_report.h"
#include "download_retry.h"
#include "download_transfer.h"
#include "download_urls.h"
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
static void run_tasks(download_job *job)
{
    download_tally_reset(&job->tally, job->count);
#pragma omp parallel num_threads(job->jobs)
    {
        /* One thread creates the tasks; every thread of the team (the creator too) runs them. */
#pragma omp single
        {
            for (size_t i = 0; i < job->count; i++) {
#pragma omp task firstprivate(i)
                {
                    download_tally_started(&job->tally);
                    fetch_blocking(&job->transfers[i]);
                    download_tally_finished(&job->tally); /* none left to start: sleep until the last one ends */
                }
            }
        } /* the single's implicit barrier waits for every task */
    }
}

/* Multi: one thread, one multi handle, at most N transfers on it at once, another added as each ends (curl's
 * 10-at-a-time.c). Concurrency without parallelism: the thread only waits and copies bytes. */
static mt_status run_multi(download_job *job, mt_error *err)
{
    download_multi multi;
    mt_status status = download_multi_open(&multi, job, err);
    while (status == MT_OK && !download_interrupted() && download_multi_busy(&multi, job)) {
        download_multi_refill(&multi, job); /* up to N: retries whose wait is over first, then the next URLs */
        int running = 0;
        CURLMcode code = curl_multi_perform(multi.handle, &running);
        if (code != CURLM_OK)
            status = mt_fail(err, MT_ERR_RUNTIME, "curl_multi_perform: %s", curl_multi_strerror(code));
        bool ended = false;
        int left = 0;
        CURLMsg *message;
        while (status == MT_OK && (message = curl_multi_info_read(multi.handle, &left)) != NULL) {
            if (message->msg != CURLMSG_DONE) continue;
            status = download_multi_done(&multi, message, err); /* finished, or queued for its retry */
            ended = true;
        }
        /* None ended: sleep until a socket, a timeout, a retry's time or a signal (one ended: refill at once). */
        if (status == MT_OK && !ended) status = download_multi_wait(&multi, err);
    }
    return download_multi_close(&multi, job, status, err); /* what a signal or an error left: failed, removed */
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
    mt_status status = MT_OK;
    if (multi)
        status = run_multi(job, err);
    else
        run_tasks(job);
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

int main(int argc, char **argv)
{
    download_settings settings = download_default_settings();
    mt_options options;
    int exit_code = mt_harness_start(argc, argv, &download_program, &options, &settings);
    if (exit_code >= 0) return exit_code;

    mt_error err = {""};
    /* Once, before any thread exists: libcurl's global state is not thread-safe to set up. */
    CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (global != CURLE_OK)
        return mt_harness_finish(&download_program, &options,
                                 mt_fail(&err, MT_ERR_RUNTIME, "curl_global_init: %s", curl_easy_strerror(global)),
                                 &err);
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
            mt_status reported = download_report(&job, &options, &plan, &report_err);
            if (reported != MT_OK && status == MT_OK) {
                status = reported;
                err = report_err; /* the first failure says why */
            }
        }
    }
    mt_status closed = download_job_close(&job, status == MT_OK ? &err : &(mt_error){""});
    if (status == MT_OK) status = closed;
    mt_timeline_free(&timeline);
    download_urls_free(&urls);
    mt_repeat_free(&plan);
    curl_global_cleanup();
    exit_code = download_exit_code(&job, &options, status, &err);
    if (offline)
        mt_print_warning(download_program.name,
                         "the default list needs the internet; offline, serve it on loopback: "
                         "python3 scripts/image_server.py --list-file urls.txt & then download -i urls.txt");
    return exit_code;
}
