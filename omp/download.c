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
 *          --timeline/--gantt: each URL is one event, from its first attempt's start to its end after any
 *          retries, on the thread that ran it (multi: from its handle's adding to its end, all on one
 *          thread, overlapping: async events in the trace, one chart row per transfer slot). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <omp.h>

#include "download_cli.h"
#include "download_name.h"
#include "download_output.h"
#include "download_transfer.h"
#include "kernel.h"
#include "report.h"
#include "timeline.h"
#include "timer.h"

static const char *const PROGRAM = "download";

typedef struct {
    download_transfer *transfers;
    size_t count;
    download_shared shared;
    int team_size; /* threads that ran the tasks (1 in multi mode) */
} download_job;

/* Wait before a retry, counting it; the verbose line says why. */
static void note_retry(download_transfer *t, double delay)
{
    if (t->shared->verbose)
        mt_print_warning(PROGRAM, "retry %d of %d in %.2f s for %s: %s", t->retries + 1, t->shared->options->retry,
                         delay, t->url, t->error);
    t->retries++;
}

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
        double delay = download_transfer_retry_delay(t);
        note_retry(t, delay);
        mt_work_do(&(mt_work){.kind = MT_WORK_SLEEP, .delay_s = delay});
    }
}

/* Tasks: one OpenMP task per URL; the team's N threads keep N transfers in flight. */
static mt_status run_tasks(download_job *job, mt_error *err)
{
    (void)err;
    int jobs = job->shared.options->jobs;
#pragma omp parallel num_threads(jobs)
    {
        /* One thread creates the tasks; every thread of the team (the creator too) runs them. */
#pragma omp single
        {
            job->team_size = omp_get_num_threads();
            for (size_t i = 0; i < job->count; i++) {
#pragma omp task firstprivate(i)
                fetch_blocking(&job->transfers[i]);
            }
        } /* the single's implicit barrier waits for every task */
    }
    return MT_OK;
}

/* Start (or restart, for a retry) t on the multi handle. false when t is finished (failed) instead. */
static bool multi_start(CURLM *multi, download_transfer *t, bool first)
{
    if (first && !download_transfer_begin(t)) return false;
    if (!download_transfer_prepare_attempt(t)) return false;
    CURLMcode code = curl_multi_add_handle(multi, t->easy);
    if (code != CURLM_OK) {
        snprintf(t->error, sizeof t->error, "cannot add the transfer to the multi handle: %s",
                 curl_multi_strerror(code));
        download_transfer_finish(t, false);
        return false;
    }
    return true;
}

/* Multi: one thread, one multi handle, at most N transfers added at once; one is added as each ends
 * (curl's 10-at-a-time.c). Concurrency without parallelism: the thread only waits and copies bytes. */
static mt_status run_multi(download_job *job, mt_error *err)
{
    job->team_size = 1;
    size_t jobs = (size_t)job->shared.options->jobs;
    CURLM *multi = curl_multi_init();
    download_transfer **waiting = malloc(job->count * sizeof *waiting); /* retries waiting for their time */
    if (multi == NULL || waiting == NULL) {
        curl_multi_cleanup(multi);
        free(waiting);
        return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the multi handle");
    }
    size_t next = 0, in_flight = 0, waiting_count = 0;
    mt_status status = MT_OK;
    while (status == MT_OK && (next < job->count || in_flight > 0 || waiting_count > 0)) {
        /* Refill: retries whose wait is over first, then new URLs, up to N handles added. */
        double now = mt_now();
        for (size_t w = 0; w < waiting_count && in_flight < jobs;) {
            if (waiting[w]->retry_at > now) {
                w++;
                continue;
            }
            download_transfer *t = waiting[w];
            waiting[w] = waiting[--waiting_count];
            if (multi_start(multi, t, false)) in_flight++;
        }
        while (in_flight < jobs && next < job->count)
            if (multi_start(multi, &job->transfers[next++], true)) in_flight++;

        int running = 0;
        CURLMcode code = curl_multi_perform(multi, &running);
        if (code != CURLM_OK) {
            status = mt_fail(err, MT_ERR_RUNTIME, "curl_multi_perform: %s", curl_multi_strerror(code));
            break;
        }
        CURLMsg *message;
        int left;
        bool ended = false;
        while ((message = curl_multi_info_read(multi, &left)) != NULL) {
            if (message->msg != CURLMSG_DONE) continue;
            download_transfer *t = NULL;
            CURL *easy = message->easy_handle;
            CURLcode result = message->data.result; /* read before the handle is removed */
            if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t) != CURLE_OK || t == NULL) {
                status = mt_fail(err, MT_ERR_RUNTIME, "a finished transfer lost its item (CURLINFO_PRIVATE)");
                break;
            }
            code = curl_multi_remove_handle(multi, easy);
            if (code != CURLM_OK) {
                status = mt_fail(err, MT_ERR_RUNTIME, "curl_multi_remove_handle: %s", curl_multi_strerror(code));
                break;
            }
            in_flight--;
            ended = true;
            download_verdict verdict = download_transfer_judge(t, result);
            if (verdict == DOWNLOAD_RETRY) {
                double delay = download_transfer_retry_delay(t);
                note_retry(t, delay);
                t->retry_at = mt_now() + delay;
                waiting[waiting_count++] = t;
            } else {
                download_transfer_finish(t, verdict == DOWNLOAD_DONE);
            }
        }
        if (status != MT_OK || ended) continue; /* refill at once */
        /* Sleep until a socket is ready, a timeout of libcurl's is due, or the next retry's time comes. */
        int timeout_ms = 1000;
        for (size_t w = 0; w < waiting_count; w++) {
            double until = (waiting[w]->retry_at - mt_now()) * 1000;
            int ms = until <= 0 ? 0 : (int)ceil(until);
            if (ms < timeout_ms) timeout_ms = ms;
        }
        if (in_flight == 0 && waiting_count > 0) {
            mt_work_do(&(mt_work){.kind = MT_WORK_SLEEP, .delay_s = timeout_ms / 1000.0});
            continue;
        }
        code = curl_multi_poll(multi, NULL, 0, timeout_ms, NULL);
        if (code != CURLM_OK) status = mt_fail(err, MT_ERR_RUNTIME, "curl_multi_poll: %s", curl_multi_strerror(code));
    }
    /* After an internal error, end what is still in flight or waiting: failed, temporary files removed. */
    for (size_t i = 0; i < next; i++) {
        download_transfer *t = &job->transfers[i];
        if (t->easy == NULL) continue;
        curl_multi_remove_handle(multi, t->easy); /* harmless when it was not added */
        if (t->error[0] == '\0') snprintf(t->error, sizeof t->error, "%s", "stopped by an internal error");
        download_transfer_finish(t, false);
    }
    for (size_t i = next; i < job->count; i++)
        snprintf(job->transfers[i].error, sizeof job->transfers[i].error, "%s", "not started: internal error");
    CURLMcode code = curl_multi_cleanup(multi);
    free(waiting);
    if (status == MT_OK && code != CURLM_OK)
        status = mt_fail(err, MT_ERR_RUNTIME, "curl_multi_cleanup: %s", curl_multi_strerror(code));
    return status;
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

typedef struct {
    download_job job;
    mt_status (*mode)(download_job *job, mt_error *err);
    bool text_lines; /* text output and not --quiet */
    size_t failed;   /* in the last run */
    double last_s;   /* the last run's time, kept even when it failed (the timeline's span) */
} run_context;

static mt_status run_once(void *context, const mt_run_info *run, double *elapsed_s, mt_error *err)
{
    run_context *c = context;
    c->job.shared.print_lines = c->text_lines && run->last;
    for (size_t i = 0; i < c->job.count; i++)
        c->job.transfers[i].ok = false;
    download_output_start_run(c->job.shared.output, c->job.count);
    double start = mt_now();
    if (c->job.shared.timeline != NULL) mt_timeline_start(c->job.shared.timeline, start); /* keeps the last run's */
    mt_status status = c->mode(&c->job, err);
    *elapsed_s = c->last_s = mt_now() - start;
    download_output_clear_bar(c->job.shared.output);
    if (status != MT_OK) return status;
    c->failed = 0;
    for (size_t i = 0; i < c->job.count; i++)
        c->failed += !c->job.transfers[i].ok;
    if (c->failed > 0) return mt_fail(err, MT_ERR_RUNTIME, "%zu of %zu transfers failed", c->failed, c->job.count);
    return MT_OK;
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

/* Open the output folder (created if missing) and prove a file can be created in it, before any
 * transfer: an unwritable folder is the user's to fix, and nothing should be fetched for nothing. */
static mt_status open_output_folder(const char *path, int *dir_fd, mt_error *err)
{
    mt_status status = make_folder(path, err);
    if (status != MT_OK) return status;
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return mt_fail(err, MT_ERR_USAGE, "cannot open the output folder '%s': %s", path, strerror(errno));
    char probe[64];
    snprintf(probe, sizeof probe, ".download-%ld-probe", (long)getpid());
    int fd = openat(dir, probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        int error = errno;
        close(dir);
        return mt_fail(err, MT_ERR_USAGE, "cannot write in the output folder '%s': %s", path, strerror(error));
    }
    close(fd);
    unlinkat(dir, probe, 0);
    *dir_fd = dir;
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

/* Warn about different URLs that share a file name: the policy (last complete transfer wins) is safe,
 * but the user may not expect it. The same URL repeated (the original's 6 x 5) is not worth a word. */
static int by_name(const void *a, const void *b)
{
    const download_transfer *x = *(const download_transfer *const *)a, *y = *(const download_transfer *const *)b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(x->url, y->url);
}

static void warn_shared_names(download_transfer *transfers, size_t count)
{
    download_transfer **sorted = malloc(count * sizeof *sorted);
    if (sorted == NULL) return;
    for (size_t i = 0; i < count; i++)
        sorted[i] = &transfers[i];
    qsort(sorted, count, sizeof *sorted, by_name);
    for (size_t i = 1; i < count; i++)
        if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0 && strcmp(sorted[i - 1]->url, sorted[i]->url) != 0)
            mt_print_warning(PROGRAM, "'%s' is the file of different URLs (%.200s and %.200s): the last to finish wins",
                             sorted[i]->name, sorted[i - 1]->url, sorted[i]->url);
    free(sorted);
}

static json_t *transfers_json(const download_job *job)
{
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < job->count; i++) {
        const download_transfer *t = &job->transfers[i];
        json_t *item = json_pack("{s:s, s:s, s:I, s:I, s:f, s:i, s:b}", "url", t->url, "file", t->name, "http_status",
                                 (json_int_t)t->http_status, "bytes", (json_int_t)t->bytes, "seconds", t->seconds,
                                 "retries", t->retries, "ok", t->ok);
        if (item == NULL) continue;
        json_object_set_new(item, "error", t->ok ? json_null() : json_string(t->error));
        json_array_append_new(list, item);
    }
    json_t *details = json_pack("{s:o, s:i}", "transfers", list ? list : json_array(), "team_threads", job->team_size);
    return details;
}

static int finish(mt_status status, const mt_error *err)
{
    if (status != MT_OK) mt_print_error(PROGRAM, err);
    return (int)status;
}

/* The last run's timeline as the options ask (the file, the chart, the --verbose line); its numbers go
 * into *details under "timeline" beside the transfers. */
static mt_status emit_timeline(const download_options *options, const run_context *context, mt_timeline *timeline,
                               const download_url_list *urls, json_t **details, mt_error *err)
{
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    const char *hosts[] = {host};
    bool multi = options->mode == DOWNLOAD_MODE_MULTI;
    mt_trace trace = {.events = timeline->slots,
                      .count = mt_timeline_pack(timeline),
                      .hosts = hosts,
                      .ranks = 1,
                      .aggregated = !timeline->per_unit,
                      /* multi: the transfers overlap on one thread, so the trace holds async events */
                      .overlapping = multi,
                      .urls = timeline->per_unit ? (const char *const *)urls->items : NULL,
                      .program = PROGRAM,
                      .mode = multi ? "multi" : "tasks",
                      .wall_s = context->last_s,
                      .ideal_s = NAN};
    mt_options shared_options = {.timeline_path = options->timeline_path,
                                 .gantt = options->gantt,
                                 .verbose = options->verbose,
                                 .format = options->format};
    return mt_cli_timeline(&(mt_program){.name = PROGRAM}, &shared_options, &trace, details, err);
}

int main(int argc, char **argv)
{
    download_options options;
    mt_error err;
    switch (download_cli_parse(argc, argv, &options, &err)) {
    case MT_CLI_HELP:
        download_cli_print_help(stdout);
        return 0;
    case MT_CLI_VERSION:
        mt_cli_print_version(stdout, &(mt_program){.name = PROGRAM});
        return 0;
    case MT_CLI_BAD_USAGE:
        return finish(MT_ERR_USAGE, &err);
    case MT_CLI_RUN:
        break;
    }
    /* A trace that cannot be written is a usage error before any transfer starts. */
    if (options.timeline_path != NULL && mt_trace_check_path(options.timeline_path, &err) != MT_OK)
        return finish(MT_ERR_USAGE, &err);
    /* Once, before any thread exists: libcurl's global state is not thread-safe to set up. */
    CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (global != CURLE_OK)
        return finish(mt_fail(&err, MT_ERR_RUNTIME, "curl_global_init: %s", curl_easy_strerror(global)), &err);
    if (options.verbose) {
        download_cli_print_settings(stderr, &options);
        fprintf(stderr, "download: libcurl %s\n", curl_version());
    }

    /* The whole list is read and checked before anything is fetched. */
    download_url_list urls;
    mt_status status = download_urls_read(&options, &urls, &err);
    for (size_t i = 0; status == MT_OK && i < urls.count; i++)
        status = download_url_check(urls.items[i], i + 1, &err);
    if (status != MT_OK) {
        download_urls_free(&urls);
        curl_global_cleanup();
        return finish(status, &err);
    }

    download_output output;
    download_output_init(&output, options.format == MT_FORMAT_TEXT && !options.quiet && !options.dry_run &&
                                      isatty(STDERR_FILENO));
    run_context context = {
        .mode = options.mode == DOWNLOAD_MODE_TASKS ? run_tasks : run_multi,
        .text_lines = options.format == MT_FORMAT_TEXT && !options.quiet,
        .job = {.count = urls.count,
                .shared = {.options = &options, .dir_fd = -1, .output = &output, .verbose = options.verbose}},
    };
    double *samples = malloc((size_t)options.repeat * sizeof *samples);
    context.job.transfers = calloc(urls.count, sizeof *context.job.transfers);
    int descriptors_before = -1;
    mt_timeline timeline = {0};
    json_t *details = NULL; /* the JSON record's nested keys: transfers, timeline */
    omp_lock_t share_locks[CURL_LOCK_DATA_LAST];
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        omp_init_lock(&share_locks[i]);
    if (samples == NULL || context.job.transfers == NULL) {
        status = mt_fail(&err, MT_ERR_RUNTIME, "out of memory for %zu transfers", urls.count);
        goto done;
    }
    for (size_t i = 0; i < urls.count; i++)
        download_transfer_init(&context.job.transfers[i], urls.items[i], i, &context.job.shared);

    if (options.dry_run) {
        for (size_t i = 0; i < urls.count; i++)
            printf("%s\t%s\n", context.job.transfers[i].name, urls.items[i]);
        goto done;
    }
    status = open_output_folder(options.output_dir, &context.job.shared.dir_fd, &err);
    if (status != MT_OK) goto done;
    bool wants_timeline =
        options.timeline_path != NULL || options.gantt || options.verbose || options.format == MT_FORMAT_JSON;
    if (wants_timeline) {
        /* Every slot allocated now: recording a transfer writes its own slot, nothing else. */
        status = mt_timeline_init(&timeline, urls.count, options.jobs, 0, false, &err);
        if (status != MT_OK) goto done;
        context.job.shared.timeline = &timeline;
    }
    if (!options.quiet) warn_shared_names(context.job.transfers, urls.count);

    /* Start the team untimed: the first parallel region costs milliseconds. */
    if (options.mode == DOWNLOAD_MODE_TASKS) {
        status = share_create(&context.job.shared.share, share_locks, &err);
        if (status != MT_OK) goto done;
#pragma omp parallel num_threads(options.jobs)
        {
#pragma omp single
            context.job.team_size = omp_get_num_threads();
        }
    }
    descriptors_before = count_descriptors();

    mt_status run_status = mt_repeat(run_once, &context, options.warmup, options.repeat, samples, &err);
    bool transfers_failed = run_status == MT_ERR_RUNTIME && context.failed > 0;
    if (run_status != MT_OK && !transfers_failed) {
        status = run_status;
        goto done;
    }
    mt_record record = {.program = PROGRAM,
                        .mode = options.mode == DOWNLOAD_MODE_TASKS ? "tasks" : "multi",
                        .threads = options.jobs,
                        .ranks = 1,
                        .n = urls.count,
                        .work = {.kind = MT_WORK_NONE},
                        .work_label = "download",
                        .warmup = options.warmup,
                        .repeat = options.repeat,
                        .ideal_s = NAN,
                        .valid = !transfers_failed,
                        /* curl_version() initialises OpenLDAP and SASL (~10 ms): only for the record */
                        .libcurl = options.format != MT_FORMAT_TEXT ? curl_version() : NULL};
    if (record.valid && mt_stats_compute(samples, options.repeat, &record.time, &err) != MT_OK) goto done;
    char multi_workers[64];
    snprintf(multi_workers, sizeof multi_workers, "1 thread, %d transfers at once", options.jobs);
    if (options.mode == DOWNLOAD_MODE_MULTI) record.workers_note = multi_workers;

    if (transfers_failed) {
        for (size_t i = 0; i < urls.count; i++) {
            const download_transfer *t = &context.job.transfers[i];
            if (!t->ok) {
                mt_error failure;
                mt_fail(&failure, MT_ERR_RUNTIME, "%.300s: %s", t->url, t->error);
                mt_print_error(PROGRAM, &failure);
            }
        }
    }
    if (options.format == MT_FORMAT_JSON) details = transfers_json(&context.job);
    if (context.job.shared.timeline != NULL) {
        status = emit_timeline(&options, &context, &timeline, &urls, &details, &err);
        if (status != MT_OK) goto done;
    }
    if (options.format == MT_FORMAT_TEXT) {
        if (record.valid) {
            mt_print_execution_time(record.time.median);
            if (!options.quiet) mt_print_summary(stderr, &record);
        }
    } else if (options.format == MT_FORMAT_JSON) {
        record.details = details; /* stolen by the printer */
        details = NULL;
        status = mt_record_print_json(stdout, &record, &err);
    } else {
        status = mt_record_print_csv(stdout, &record, options.header, &err);
    }
    if (status == MT_OK && transfers_failed) status = run_status; /* err holds "K of N transfers failed" */
    if (record.valid) mt_warn_if_too_short(PROGRAM, record.time.median);

done:
    if (context.job.shared.share != NULL) {
        CURLSHcode code = curl_share_cleanup(context.job.shared.share); /* closes the pooled connections */
        if (code != CURLSHE_OK && status == MT_OK)
            status = mt_fail(&err, MT_ERR_RUNTIME, "curl_share_cleanup: %s", curl_share_strerror(code));
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        omp_destroy_lock(&share_locks[i]);
    if (descriptors_before >= 0) {
        int descriptors_after = count_descriptors();
        if (descriptors_after > descriptors_before)
            mt_print_warning(PROGRAM, "descriptors leaked: %d open before the runs, %d after", descriptors_before,
                             descriptors_after);
        else if (options.verbose)
            fprintf(stderr, "download: descriptors: %d open before the runs, %d after\n", descriptors_before,
                    descriptors_after);
    }
    if (context.job.shared.dir_fd >= 0) close(context.job.shared.dir_fd);
    json_decref(details);
    mt_timeline_free(&timeline);
    free(samples);
    free(context.job.transfers);
    download_output_destroy(&output);
    download_urls_free(&urls);
    curl_global_cleanup();
    return finish(status, &err);
}
