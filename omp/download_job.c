/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "download_job.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "download_folder.h"
#include "download_interrupts.h"
#include "download_limits.h"
#include "harness.h"

static const char *const PROGRAM = "download";

mt_status download_job_init(download_job *job, const download_url_list *urls, const download_settings *settings,
                            mt_options *options, mt_error *err)
{
    *job = (download_job){
        .count = urls->count,
        .jobs = settings->jobs,
        .descriptors_before = -1,
        .print_lines = options->format == MT_FORMAT_TEXT && !options->quiet,
        .shared = {.settings = settings, .dir_fd = -1, .pid = (long)getpid(), .verbose = settings->verbose}};
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        omp_init_lock(&job->share_locks[i]);
    pthread_mutex_init(&job->tally.lock, NULL);
    pthread_cond_init(&job->tally.all_finished, NULL);
    snprintf(job->user_agent, sizeof job->user_agent, "multitarefas-download/%s", mt_version);
    job->shared.user_agent = job->user_agent;
    job->shared.output = &job->output;
    download_output_init(&job->output, &options->output,
                         job->print_lines && !settings->dry_run && isatty(STDERR_FILENO));
    job->ready = true;
    job->transfers = calloc(urls->count, sizeof *job->transfers);
    job->shown_urls = calloc(urls->count, sizeof *job->shown_urls);
    if (job->transfers == NULL || job->shown_urls == NULL)
        return mt_fail(err, MT_ERR_RUNTIME, "out of memory for %zu transfers", urls->count);
    for (size_t i = 0; i < urls->count; i++) {
        download_transfer_init(&job->transfers[i], urls->items[i], i, &job->shared);
        if ((job->shown_urls[i] = download_shown_url(urls->items[i])) == NULL)
            return mt_fail(err, MT_ERR_RUNTIME, "out of memory for %zu transfers", urls->count);
        job->transfers[i].shown_url = job->shown_urls[i];
    }
    return MT_OK;
}

void download_job_print_plan(download_job *job, mt_options *options)
{
    /* As every message shows them: the name and the URL escaped, the URL's password masked. */
    char name[4 * DOWNLOAD_NAME_SIZE];
    for (size_t i = 0; i < job->count; i++) {
        mt_escape_text(job->transfers[i].name, true, name, sizeof name);
        size_t name_length = strlen(name), url = strlen(job->shown_urls[i]);
        char *line = malloc(name_length + url + 2);
        if (line == NULL) continue;
        memcpy(line, name, name_length);
        line[name_length] = '\t';
        memcpy(line + name_length + 1, job->shown_urls[i], url);
        line[name_length + 1 + url] = '\n';
        mt_output_write(&options->output, line, name_length + url + 2, false);
        free(line);
    }
}

void download_tally_reset(download_task_tally *tally, size_t count)
{
    atomic_store(&tally->started, 0);
    atomic_store(&tally->finished, 0);
    tally->count = count;
}

void download_tally_started(download_task_tally *tally)
{
    atomic_fetch_add(&tally->started, 1);
}

void download_tally_finished(download_task_tally *tally)
{
    size_t finished = atomic_fetch_add(&tally->finished, 1) + 1;
    if (finished < tally->count && atomic_load(&tally->started) < tally->count) return; /* more to start: go on */
    pthread_mutex_lock(&tally->lock);
    if (finished == tally->count)
        pthread_cond_broadcast(&tally->all_finished);
    else
        while (atomic_load(&tally->finished) < tally->count)
            pthread_cond_wait(&tally->all_finished, &tally->lock);
    pthread_mutex_unlock(&tally->lock);
}

/* The share handle's lock: libcurl asks for the lock of one kind of data at a time. */
static void share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *locks)
{
    (void)handle;
    (void)access;
    omp_set_lock(&((omp_lock_t *)locks)[data]);
}

static void share_unlock(CURL *handle, curl_lock_data data, void *locks)
{
    (void)handle;
    omp_unset_lock(&((omp_lock_t *)locks)[data]);
}

/* A share handle for the tasks: connections, DNS answers and TLS sessions, each guarded by its lock. */
static mt_status share_create(CURLSH **out, omp_lock_t locks[CURL_LOCK_DATA_LAST], mt_error *err)
{
    CURLSH *share = curl_share_init();
    if (share == NULL) return mt_fail(err, MT_ERR_RUNTIME, "curl_share_init failed");
    CURLSHcode code = CURLSHE_OK;
    if (code == CURLSHE_OK) code = curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock);
    if (code == CURLSHE_OK) code = curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    if (code == CURLSHE_OK) code = curl_share_setopt(share, CURLSHOPT_USERDATA, (void *)locks);
    if (code == CURLSHE_OK) code = curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    if (code == CURLSHE_OK) code = curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    if (code == CURLSHE_OK) code = curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (code != CURLSHE_OK) {
        curl_share_cleanup(share);
        return mt_fail(err, MT_ERR_RUNTIME, "curl_share_setopt: %s", curl_share_strerror(code));
    }
    *out = share;
    return MT_OK;
}

/* Warn about different URLs that share a file name: the policy (last complete transfer wins) is safe, but the
 * user may not expect it. The same URL repeated (the original's 6 x 5) is not worth a word. */
static int by_name(const void *a, const void *b)
{
    const download_transfer *x = *(const download_transfer *const *)a, *y = *(const download_transfer *const *)b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(x->url, y->url);
}

static void warn_shared_names(const download_job *job)
{
    download_transfer **sorted = malloc(job->count * sizeof *sorted);
    if (sorted == NULL) return;
    for (size_t i = 0; i < job->count; i++)
        sorted[i] = &job->transfers[i];
    qsort(sorted, job->count, sizeof *sorted, by_name);
    for (size_t i = 1; i < job->count; i++) {
        if (strcmp(sorted[i - 1]->name, sorted[i]->name) != 0 || strcmp(sorted[i - 1]->url, sorted[i]->url) == 0)
            continue;
        char name[4 * DOWNLOAD_NAME_SIZE];
        mt_escape_text(sorted[i]->name, true, name, sizeof name);
        mt_print_warning(PROGRAM, "'%s' is the file of different URLs (%.200s and %.200s): the last to finish wins",
                         name, job->shown_urls[sorted[i - 1]->index], job->shown_urls[sorted[i]->index]);
    }
    free(sorted);
}

mt_status download_job_open(download_job *job, mt_options *options, mt_timeline *timeline, mt_error *err)
{
    const download_settings *settings = job->shared.settings;
    bool tasks = settings->mode == DOWNLOAD_MODE_TASKS;
    /* Refused for want of descriptors before anything is made on disk; from here on a signal ends the run
     * cleanly. */
    mt_status status = download_fit_descriptors(&job->jobs, job->count, tasks, err);
    if (status == MT_OK) status = download_interrupts_install(job->transfers, job->count, err);
    if (status == MT_OK)
        status = download_folder_open(settings->output_dir, &job->shared.dir_fd, &job->shared.unnamed_files, err);
    if (status != MT_OK) return status;
    if (mt_harness_wants_timeline(options)) {
        /* Every slot allocated now: recording a transfer writes its own slot, nothing else. */
        status = mt_timeline_init(timeline, job->count, job->jobs, 0, false, &download_events, err);
        if (status != MT_OK) return status;
        job->shared.timeline = timeline;
    }
    if (!options->quiet) warn_shared_names(job);
    if ((status = mt_placement_init(&job->placement, job->jobs, 0, err)) != MT_OK) return status;
    job->shared.placement = &job->placement;
    job->team_size = 1;
    if (tasks) {
        status = share_create(&job->shared.share, job->share_locks, err);
        if (status != MT_OK) return status;
        job->shared.thread_handles = calloc((size_t)job->jobs, sizeof *job->shared.thread_handles);
        if (job->shared.thread_handles == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the team");
#pragma omp parallel num_threads(job->jobs)
        {
#pragma omp single
            job->team_size = omp_get_num_threads();
        }
    }
    job->descriptors_before = download_count_descriptors();
    return MT_OK;
}

mt_status download_job_close(download_job *job, mt_error *err)
{
    mt_status status = MT_OK;
    if (!job->ready) return MT_OK;
    for (int i = 0; job->shared.thread_handles != NULL && i < job->jobs; i++)
        if (job->shared.thread_handles[i] != NULL) curl_easy_cleanup(job->shared.thread_handles[i]);
    free(job->shared.thread_handles); /* before the share: a handle that still uses it keeps it open */
    if (job->shared.share != NULL) {
        CURLSHcode code = curl_share_cleanup(job->shared.share); /* closes the pooled connections */
        if (code != CURLSHE_OK)
            status = mt_fail(err, MT_ERR_RUNTIME, "curl_share_cleanup: %s", curl_share_strerror(code));
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        omp_destroy_lock(&job->share_locks[i]);
    pthread_mutex_destroy(&job->tally.lock);
    pthread_cond_destroy(&job->tally.all_finished);
    if (job->descriptors_before >= 0) {
        int after = download_count_descriptors();
        if (after > job->descriptors_before)
            mt_print_warning(PROGRAM, "descriptors leaked: %d open before the runs, %d after", job->descriptors_before,
                             after);
        else if (job->shared.verbose)
            fprintf(stderr, "download: descriptors: %d open before the runs, %d after\n", job->descriptors_before,
                    after);
    }
    if (job->shared.dir_fd >= 0) close(job->shared.dir_fd);
    download_output_destroy(&job->output);
    mt_placement_free(&job->placement);
    download_interrupts_unwatch();
    free(job->transfers);
    for (size_t i = 0; job->shown_urls != NULL && i < job->count; i++)
        free(job->shown_urls[i]);
    free(job->shown_urls);
    job->transfers = NULL;
    job->shown_urls = NULL;
    return status;
}
