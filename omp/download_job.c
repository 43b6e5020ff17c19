/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "download_job.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timer.h"

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
    pthread_mutex_init(&job->tail.lock, NULL);
    pthread_cond_init(&job->tail.all_finished, NULL);
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

/* mkdir -p: create each missing folder of path. */
static mt_status make_folder(const char *path, mt_error *err)
{
    size_t length = strlen(path);
    char *copy = malloc(length + 1);
    if (copy == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    memcpy(copy, path, length + 1);
    mt_status status = MT_OK;
    for (size_t i = 1; i <= length && status == MT_OK; i++) {
        if (copy[i] != '/' && copy[i] != '\0') continue;
        char kept = copy[i];
        copy[i] = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            status = mt_fail(err, MT_ERR_USAGE, "cannot create the output folder '%s': %s", copy, strerror(errno));
        copy[i] = kept;
    }
    free(copy);
    return status;
}

/* Open the output folder (created if missing) and prove a file can be created in it, before any transfer: an
 * unwritable folder is the user's to fix, and nothing should be fetched for nothing. */
static mt_status open_output_folder(const char *path, int *dir_fd, bool *unnamed_files, mt_error *err)
{
    mt_status status = make_folder(path, err);
    if (status != MT_OK) return status;
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return mt_fail(err, MT_ERR_USAGE, "cannot open the output folder '%s': %s", path, strerror(errno));
    char probe[64];
    snprintf(probe, sizeof probe, ".download-%ld-probe", (long)getpid());
    int fd = openat(dir, probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
        int error = errno;
        close(dir);
        return mt_fail(err, MT_ERR_USAGE, "cannot write in the output folder '%s': %s", path, strerror(error));
    }
    close(fd);
    unlinkat(dir, probe, 0);
    *dir_fd = dir;
    /* DOWNLOAD_NAMED_TEMPORARIES=1: the named files even where unnamed ones work (a filesystem whose O_TMPFILE
     * misbehaves; the tests of that path). */
    const char *named = getenv("DOWNLOAD_NAMED_TEMPORARIES");
    *unnamed_files = !(named != NULL && strcmp(named, "1") == 0) && download_unnamed_files_work(dir);
    return MT_OK;
}

void download_tail_reset(download_tail *tail, size_t count)
{
    atomic_store(&tail->started, 0);
    atomic_store(&tail->finished, 0);
    tail->count = count;
}

void download_tail_begin(download_tail *tail)
{
    atomic_fetch_add(&tail->started, 1);
}

void download_tail_end(download_tail *tail)
{
    size_t finished = atomic_fetch_add(&tail->finished, 1) + 1;
    if (finished < tail->count && atomic_load(&tail->started) < tail->count) return; /* more to start: go on */
    pthread_mutex_lock(&tail->lock);
    if (finished == tail->count)
        pthread_cond_broadcast(&tail->all_finished);
    else
        while (atomic_load(&tail->finished) < tail->count)
            pthread_cond_wait(&tail->all_finished, &tail->lock);
    pthread_mutex_unlock(&tail->lock);
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

/* Open file descriptors of this process, for the leak check (-1 when they cannot be counted). */
static int count_descriptors(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.') count++;
    closedir(dir);
    return count - 1; /* not the one opendir holds */
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

mt_status download_fit_descriptors(int *jobs, size_t transfers, bool tasks, mt_error *err)
{
    struct rlimit limit;
    int open_now = count_descriptors();
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || open_now < 0) return MT_OK; /* cannot tell: libcurl will say */
    rlim_t per_transfer = tasks ? DOWNLOAD_FDS_PER_TASK : DOWNLOAD_FDS_PER_MULTI_TRANSFER;
    rlim_t in_flight = transfers < (size_t)*jobs ? (rlim_t)transfers : (rlim_t)*jobs;
    rlim_t fixed = (rlim_t)open_now + DOWNLOAD_FDS_RESERVED, need = fixed + per_transfer * in_flight;
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= need) return MT_OK;
    /* Raise the soft limit as far as needed: up to the hard limit, which only the administrator can raise. */
    rlim_t raised = limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= need ? need : limit.rlim_max;
    if (raised > limit.rlim_cur && setrlimit(RLIMIT_NOFILE, &(struct rlimit){raised, limit.rlim_max}) == 0)
        limit.rlim_cur = raised;
    if (limit.rlim_cur >= need) return MT_OK;
    rlim_t fit = limit.rlim_cur > fixed ? (limit.rlim_cur - fixed) / per_transfer : 0;
    if (fit < 1)
        return mt_fail(err, MT_ERR_RUNTIME,
                       "the open-file limit is %llu descriptors (ulimit -n; %d open already): too few for even one "
                       "transfer, which needs about %llu; raise it",
                       (unsigned long long)limit.rlim_cur, open_now, (unsigned long long)(fixed + per_transfer));
    mt_print_warning(PROGRAM,
                     "%llu transfers at once need about %llu open files, and the open-file limit is %llu (hard limit, "
                     "ulimit -Hn): %llu transfers at once instead",
                     (unsigned long long)in_flight, (unsigned long long)need, (unsigned long long)limit.rlim_cur,
                     (unsigned long long)fit);
    *jobs = (int)fit;
    return MT_OK;
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
        status = open_output_folder(settings->output_dir, &job->shared.dir_fd, &job->shared.unnamed_files, err);
    if (status != MT_OK) return status;
    if (mt_cli_wants_timeline(options)) {
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
    job->descriptors_before = count_descriptors();
    return MT_OK;
}

/* t's error as shown: a URL in it (a redirect's, libcurl's message) with its password masked, then escaped. */
static void shown_error(const download_transfer *t, char *out, size_t size)
{
    char *masked = mt_mask_passwords(t->error);
    mt_escape_text(masked != NULL ? masked : "(out of memory)", true, out, size);
    free(masked);
}

void download_job_report(const download_job *job, const mt_options *options, mt_record *record)
{
    char error[4 * sizeof job->transfers[0].error];
    for (size_t i = 0; i < job->count; i++) {
        const download_transfer *t = &job->transfers[i];
        if (job->failed == 0 || t->ok) continue;
        mt_error failure;
        shown_error(t, error, sizeof error);
        mt_fail(&failure, MT_ERR_RUNTIME, "%.300s: %s", job->shown_urls[i], error);
        mt_print_error(PROGRAM, &failure);
    }
    if (options->format != MT_FORMAT_JSON) return;
    /* Every transfer, in the list's order: the strings shown (valid UTF-8, which jansson insists on), so that
     * none is dropped and the list always has n entries. */
    json_t *list = json_array();
    char name[4 * DOWNLOAD_NAME_SIZE];
    for (size_t i = 0; list != NULL && i < job->count; i++) {
        const download_transfer *t = &job->transfers[i];
        mt_escape_text(t->name, true, name, sizeof name);
        shown_error(t, error, sizeof error);
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
    pthread_mutex_destroy(&job->tail.lock);
    pthread_cond_destroy(&job->tail.all_finished);
    if (job->descriptors_before >= 0) {
        int after = count_descriptors();
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

int download_job_finish(const download_job *job, mt_options *options, mt_status status, mt_error *err)
{
    int code = mt_cli_finish(&download_program, options, status, err); /* which shows the message escaped */
    int signal_number = download_interrupted();
    if (signal_number == 0) return code;
    fprintf(stderr, "%s: interrupted by %s: %zu of %zu files complete\n", PROGRAM,
            signal_number == SIGINT    ? "SIGINT"
            : signal_number == SIGTERM ? "SIGTERM"
                                       : "SIGHUP",
            job->complete, job->count);
    return 128 + signal_number;
}

double download_note_retry(download_transfer *t)
{
    double delay = download_transfer_retry_delay(t);
    if (t->shared->verbose) {
        char error[4 * sizeof t->error];
        shown_error(t, error, sizeof error);
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
