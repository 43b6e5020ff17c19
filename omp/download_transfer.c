/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#define _GNU_SOURCE /* O_TMPFILE, beside POSIX */
#include "download_transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include "download_folder.h"
#include "download_interrupts.h"
#include "timer.h"

const mt_event_style download_events = {
    .kinds = {{"download", "Dd", "\033[35m"}},
    .fields = {"bytes", "http_status", "retries"},
    .merge = {MT_FIELD_SUM, MT_FIELD_FAILURE_WINS, MT_FIELD_SUM},
    .item_label = "url",
};

static void set_error(download_transfer *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void set_error(download_transfer *t, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(t->error, sizeof t->error, format, args);
    va_end(args);
}

void download_transfer_init(download_transfer *t, const char *url, size_t index, const download_shared *shared)
{
    memset(t, 0, sizeof *t);
    atomic_init(&t->running, false);
    t->url = url;
    t->index = index;
    t->shared = shared;
    t->fd = -1;
    download_file_name(url, t->name);
}

/* libcurl hands each piece of the body here: count it, enforce --max-size while it streams (libcurl 7.88
 * checks only Content-Length), and write it whole to the temporary file. Returning less than given aborts. */
static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    download_transfer *t = user;
    size_t length = size * count;
    long status = 0;
    if (curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status < 200 || status > 299) {
        t->http_error = true; /* not a body we keep: stop reading it */
        return 0;
    }
    uint64_t limit = t->shared->settings->max_size;
    if (limit != 0 && t->written + length > limit) {
        t->too_large = true;
        return 0;
    }
    for (size_t done = 0; done < length;) {
        ssize_t n = write(t->fd, data + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            t->write_failed = true;
            t->write_errno = n < 0 ? errno : EIO;
            return 0;
        }
        done += (size_t)n;
    }
    t->written += length;
    download_output_add_bytes(t->shared->output, length);
    return length;
}

/* libcurl calls this often while a transfer runs, and at least once a second when it stalls: a non-zero
 * return aborts the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int on_progress(void *user, curl_off_t download_total, curl_off_t download_now, curl_off_t upload_total,
                       curl_off_t upload_now)
{
    (void)user;
    (void)download_total;
    (void)download_now;
    (void)upload_total;
    (void)upload_now;
    return download_interrupted() != 0;
}

/* libcurl's socket, opened here to learn why it could not be (a full descriptor table is not a refusal). */
static curl_socket_t open_socket(void *user, curlsocktype purpose, struct curl_sockaddr *address)
{
    (void)purpose;
    download_transfer *t = user;
    curl_socket_t fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd == CURL_SOCKET_BAD) t->socket_errno = errno;
    return fd;
}

/* A time option in libcurl's milliseconds: rounded up, so that a positive limit never becomes 0 (which
 * libcurl reads as none, or its default). */
static long milliseconds(double seconds)
{
    if (seconds <= 0) return 0;
    double ms = ceil(seconds * 1000 - 1e-6); /* 0.29 s is 290 ms, not 291 */
    return ms < 1 ? 1 : (long)ms;
}

/* Every option, every return value checked: a refused option is a failed transfer, not a silent default. */
static CURLcode set_options(download_transfer *t)
{
    const download_settings *settings = t->shared->settings;
    CURL *easy = t->easy;
    CURLcode code;
#define SET(option, value)                                                                                             \
    do {                                                                                                               \
        if ((code = curl_easy_setopt(easy, option, value)) != CURLE_OK) return code;                                   \
    } while (0)
    SET(CURLOPT_URL, t->url);
    SET(CURLOPT_PRIVATE, (void *)t); /* the multi loop finds the transfer back from the handle */
    SET(CURLOPT_ERRORBUFFER, t->curl_error);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)t);
    SET(CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress); /* ends the transfer when the run is interrupted */
    SET(CURLOPT_OPENSOCKETFUNCTION, open_socket);
    SET(CURLOPT_OPENSOCKETDATA, (void *)t);
#if LIBCURL_VERSION_NUM >= 0x075700
    SET(CURLOPT_QUICK_EXIT, 1L); /* an interrupted run does not wait for a name lookup to end */
#endif
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 1L);
    SET(CURLOPT_MAXREDIRS, (long)settings->max_redirs);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (settings->cacert != NULL) SET(CURLOPT_CAINFO, settings->cacert); /* checked readable by download_cli */
    if (settings->capath != NULL) SET(CURLOPT_CAPATH, settings->capath);
    SET(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(settings->connect_timeout_s));
    SET(CURLOPT_TIMEOUT_MS, milliseconds(settings->max_time_s));
    if (settings->speed_limit > 0 && settings->speed_time_s > 0) {
        SET(CURLOPT_LOW_SPEED_LIMIT, (long)settings->speed_limit);
        SET(CURLOPT_LOW_SPEED_TIME, (long)ceil(settings->speed_time_s));
    }
    if (settings->max_size > 0) SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)settings->max_size);
    SET(CURLOPT_USERAGENT, t->shared->user_agent);
    if (t->shared->share != NULL) {
        /* Each task its own handle, one pool of open connections for all: a later task reuses a connection
         * an earlier one left, as the multi handle does, instead of a new TCP (and TLS) handshake each time. */
        SET(CURLOPT_SHARE, t->shared->share);
        SET(CURLOPT_MAXCONNECTS, (long)(settings->jobs > 5 ? settings->jobs : 5)); /* the pool keeps one per job */
    }
#undef SET
    return CURLE_OK;
}

/* A hidden name of the folder for t's file, new: O_EXCL, never one already there. */
static bool create_named(download_transfer *t, int dir, int *fd)
{
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        snprintf(t->temp_name, sizeof t->temp_name, ".download-%ld-%zu-%u.part", t->shared->pid, t->index, attempt);
        /* O_NOFOLLOW: never through a symlink. */
        *fd = openat(dir, t->temp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (*fd >= 0) return true;
        if (errno != EEXIST) break;
    }
    t->temp_name[0] = '\0';
    return false;
}

static bool create_temporary(download_transfer *t)
{
    int dir = t->shared->dir_fd;
    bool created;
#ifdef O_TMPFILE
    if (t->shared->unnamed_files) {
        /* An inode of the folder with no name: it gets one only when complete, and vanishes with its descriptor
         * otherwise. One change to the folder per file (the link), as a plain create: fewer for threads to
         * wait on than a create and a rename. */
        t->fd = openat(dir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
        created = t->fd >= 0;
    } else
#endif
        created = create_named(t, dir, &t->fd);
    if (!created) set_error(t, "cannot create a temporary file in the output folder: %s", strerror(errno));
    return created;
}

/* Link the unnamed file (at path) to a hidden name of its own: 0, or the errno. */
static int link_hidden(download_transfer *t, const char *path)
{
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        snprintf(t->temp_name, sizeof t->temp_name, ".download-%ld-%zu-%u.part", t->shared->pid, t->index, attempt);
        if (linkat(AT_FDCWD, path, t->shared->dir_fd, t->temp_name, AT_SYMLINK_FOLLOW) == 0) return 0;
        int error = errno;
        t->temp_name[0] = '\0';
        if (error != EEXIST) return error;
    }
    return EEXIST;
}

/* The complete file under its name, and closed: the unnamed file linked; or, when the name is taken, linked
 * to a hidden name of its own and renamed over it (rename replaces a file or a symlink atomically, and never
 * writes through it), as the named one is. 0, or the errno of what failed. */
static int put_in_place(download_transfer *t)
{
    int dir = t->shared->dir_fd, error = 0;
    bool linked = false;
    if (t->temp_name[0] == '\0') {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", t->fd);
        if (linkat(AT_FDCWD, path, dir, t->name, AT_SYMLINK_FOLLOW) == 0)
            linked = true;
        else
            error = errno == EEXIST ? link_hidden(t, path) : errno;
    }
    if (close(t->fd) != 0 && error == 0) error = errno;
    t->fd = -1;
    if (error != 0 && linked) unlinkat(dir, t->name, 0); /* ours, just linked, and not a file to keep */
    if (error != 0 || linked) return error;
    return renameat(dir, t->temp_name, dir, t->name) == 0 ? 0 : errno;
}

bool download_transfer_begin(download_transfer *t)
{
    t->ok = false;
    t->http_status = 0;
    t->bytes = 0;
    t->retries = 0;
    t->seconds = 0;
    t->error[0] = '\0';
    t->easy = NULL;
    t->fd = -1;
    t->temp_name[0] = '\0';
    t->started_at = mt_timeline_item_start(); /* its event on the timeline carries its CPU time */
    mt_placement_note(t->shared->placement, omp_get_thread_num());
    if (download_interrupted() != 0) {
        set_error(t, "%s", "not started: the run was interrupted");
        return false;
    }
    t->thread = pthread_self();
    atomic_store(&t->running, true); /* after thread: the handler reads them in that order */
    if (!create_temporary(t)) {
        download_transfer_finish(t, false);
        return false;
    }
    /* An easy handle of its own while it runs, never shared. In tasks mode it is its thread's, reset: a new
     * handle per transfer costs curl_easy_perform a new multi handle each time (a socket pair, its cache). */
    CURL **kept = t->shared->thread_handles != NULL ? &t->shared->thread_handles[omp_get_thread_num()] : NULL;
    if (kept != NULL && *kept != NULL)
        curl_easy_reset(*kept);
    else if (kept != NULL)
        *kept = curl_easy_init();
    t->easy = kept != NULL ? *kept : curl_easy_init();
    t->thread_handle = kept != NULL;
    CURLcode c = t->easy == NULL ? CURLE_OUT_OF_MEMORY : set_options(t);
    if (c != CURLE_OK) {
        set_error(t, "cannot set up the transfer: %s", curl_easy_strerror(c));
        download_transfer_finish(t, false);
        return false;
    }
    return true;
}

bool download_transfer_prepare_attempt(download_transfer *t)
{
    t->written = 0;
    t->too_large = t->http_error = t->write_failed = false;
    t->write_errno = t->socket_errno = 0;
    t->curl_error[0] = '\0';
    if (download_interrupted() != 0) {
        download_transfer_cancel(t);
        return false;
    }
    bool fresh = t->retries == 0; /* the file was just created empty: nothing to undo */
    if (!fresh && (ftruncate(t->fd, 0) != 0 || lseek(t->fd, 0, SEEK_SET) != 0)) {
        set_error(t, "cannot empty the temporary file: %s", strerror(errno));
        download_transfer_finish(t, false);
        return false;
    }
    return true;
}

/* Failures that may pass on a new attempt: timeouts, resets, cut bodies, empty replies. */
static bool transient(CURLcode c)
{
    switch (c) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static download_verdict retry_or_fail(download_transfer *t, bool may_pass)
{
    /* An interrupted run retries nothing. */
    return may_pass && download_interrupted() == 0 && t->retries < t->shared->settings->retry ? DOWNLOAD_RETRY
                                                                                              : DOWNLOAD_FAILED;
}

download_verdict download_transfer_judge(download_transfer *t, CURLcode result)
{
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status); /* stays 0 when it fails: no response */
    t->http_status = status;
    t->bytes = t->written;
    char detail[CURL_ERROR_SIZE + 64];
    if (t->too_large || result == CURLE_FILESIZE_EXCEEDED) {
        snprintf(detail, sizeof detail, "%" PRIu64, t->shared->settings->max_size);
        set_error(t, "body larger than --max-size %s bytes", detail);
        return DOWNLOAD_FAILED;
    }
    if (t->write_failed) {
        set_error(t, "cannot write the file: %s", strerror(t->write_errno));
        return DOWNLOAD_FAILED;
    }
    if (t->http_error || (result == CURLE_OK && (status < 200 || status > 299))) {
        snprintf(detail, sizeof detail, "%ld", status);
        set_error(t, "HTTP status %s", detail);
        return retry_or_fail(t, status >= 500 && status <= 599); /* a 4xx will not pass: no retry */
    }
    if (result == CURLE_ABORTED_BY_CALLBACK && download_interrupted() != 0) {
        set_error(t, "%s", "interrupted");
        return DOWNLOAD_FAILED;
    }
    if (result == CURLE_COULDNT_CONNECT && (t->socket_errno == EMFILE || t->socket_errno == ENFILE)) {
        /* Not the server's refusal: this process (or the system) has no descriptor left for a socket. */
        struct rlimit limit = {0};
        getrlimit(RLIMIT_NOFILE, &limit);
        set_error(t, "no file descriptor left for a socket (%s; open-file limit %llu)", strerror(t->socket_errno),
                  (unsigned long long)limit.rlim_cur);
        return retry_or_fail(t, true);
    }
    if (result != CURLE_OK) {
        snprintf(detail, sizeof detail, "%s%s%s", curl_easy_strerror(result), t->curl_error[0] ? ": " : "",
                 t->curl_error);
        set_error(t, "%s", detail);
        return retry_or_fail(t, transient(result));
    }
    /* The self-check: every byte received is in the file, and as many as the server announced. */
    curl_off_t announced = -1, received = -1;
    struct stat file;
    if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced) != CURLE_OK ||
        curl_easy_getinfo(t->easy, CURLINFO_SIZE_DOWNLOAD_T, &received) != CURLE_OK) {
        set_error(t, "%s", "libcurl cannot tell the transfer's size");
        return DOWNLOAD_FAILED;
    }
    if ((uint64_t)received != t->written || (announced >= 0 && (uint64_t)announced != t->written)) {
        snprintf(detail, sizeof detail, "received %" PRId64 " bytes, wrote %" PRIu64 ", announced %" PRId64,
                 (int64_t)received, t->written, (int64_t)announced);
        set_error(t, "size mismatch: %s", detail);
        return retry_or_fail(t, true);
    }
    if (fstat(t->fd, &file) != 0 || (uint64_t)file.st_size != t->written) {
        set_error(t, "%s", "the temporary file does not hold every byte received");
        return DOWNLOAD_FAILED;
    }
    return DOWNLOAD_DONE;
}

double download_transfer_retry_delay(const download_transfer *t)
{
    double delay = t->shared->settings->retry_delay_s * pow(2.0, t->retries);
    return delay < DOWNLOAD_MAX_RETRY_DELAY_S ? delay : DOWNLOAD_MAX_RETRY_DELAY_S;
}

void download_transfer_cancel(download_transfer *t)
{
    if (t->error[0] == '\0') set_error(t, "%s", "interrupted");
    download_transfer_finish(t, false);
}

/* The transfer's event on the timeline, from its first attempt's start to its end, on the thread that ran it
 * (0 outside a parallel region: the multi loop's thread). */
static void record_on_timeline(const download_transfer *t, double end)
{
    if (t->shared->timeline == NULL) return;
    mt_event_outcome outcome = {.fields = {(int64_t)t->bytes, t->http_status, t->retries}, .failed = !t->ok};
    mt_timeline_record_units(t->shared->timeline, t->index, t->index, (int64_t)t->index, 1, 0, omp_get_thread_num(),
                             t->started_at, end, &outcome);
}

void download_transfer_finish(download_transfer *t, bool success)
{
    int dir = t->shared->dir_fd;
    if (success && t->fd >= 0) {
        int error = put_in_place(t);
        if (error != 0) set_error(t, "cannot rename the file into place: %s", strerror(error));
        success = error == 0;
    }
    if (t->fd >= 0) close(t->fd); /* a failure: an unnamed file vanishes with it */
    t->fd = -1;
    if (!success && t->temp_name[0] != '\0') unlinkat(dir, t->temp_name, 0);
    t->temp_name[0] = '\0';
    if (t->easy != NULL && !t->thread_handle) curl_easy_cleanup(t->easy);
    t->easy = NULL;
    t->ok = success;
    if (success) t->error[0] = '\0';
    double end = mt_now();
    t->seconds = end - t->started_at;
    record_on_timeline(t, end);

    char line[4 * DOWNLOAD_NAME_SIZE + 128], shown[4 * DOWNLOAD_NAME_SIZE];
    bool print = success && t->shared->print_lines;
    if (print) {
        mt_escape_text(t->name, true, shown, sizeof shown);
        int n = snprintf(line, sizeof line, "saved %s (%" PRIu64 " bytes, %.3f s", shown, t->bytes, t->seconds);
        if (t->retries > 0 && n > 0 && (size_t)n < sizeof line)
            n += snprintf(line + n, sizeof line - (size_t)n, ", %d retr%s", t->retries, t->retries == 1 ? "y" : "ies");
        if (n > 0 && (size_t)n < sizeof line) snprintf(line + n, sizeof line - (size_t)n, ")\n");
    }
    download_output_file_done(t->shared->output, print ? line : NULL);
    atomic_store(&t->running, false);
}
