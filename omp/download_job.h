/* download_job.h - everything around the transfers that download.c teaches: the transfers of the list, the
 * output folder, the connection pool the tasks share, the start of the team, the retries waiting in multi
 * mode, and what is reported after (the failures, the transfers in the record, the descriptor check). */
#ifndef DOWNLOAD_JOB_H
#define DOWNLOAD_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>
#include <omp.h>

#include "cli.h"
#include "download_cli.h"
#include "download_output.h"
#include "download_transfer.h"
#include "download_urls.h"

typedef struct {
    download_transfer *transfers;
    size_t count;
    download_shared shared;
    download_output output;
    int team_size;    /* threads that ran the tasks (1 in multi mode) */
    size_t failed;    /* transfers that failed in the last run */
    double last_s;    /* the last run's time, kept even when it failed (the timeline's span) */
    bool print_lines; /* text output and not --quiet: a line per file saved */
    int descriptors_before;
    bool ready; /* initialized: the locks and the output exist */
    omp_lock_t share_locks[CURL_LOCK_DATA_LAST];
    char user_agent[64];
} download_job;

/* The transfers of urls, each with its file name, and what they share. Nothing is created on disk. */
mt_status download_job_init(download_job *job, const download_url_list *urls, const download_settings *settings,
                            mt_options *options, mt_error *err);

/* --dry-run: "FILE<TAB>URL" for each transfer, on standard output. */
void download_job_print_plan(download_job *job, mt_options *options);

/* Before the runs: the output folder (created, and proved writable), the timeline, the connection pool and
 * the team of the tasks mode (started now, untimed: the first parallel region costs milliseconds). */
mt_status download_job_open(download_job *job, mt_options *options, mt_timeline *timeline, mt_error *err);

/* After the runs: each failure listed on stderr, and the transfers in the record's details (JSON). */
void download_job_report(const download_job *job, const mt_options *options, mt_record *record);

/* Close the pool (its connections) and the folder, warn if descriptors leaked, free the transfers. */
mt_status download_job_close(download_job *job, mt_error *err);

/* Multi mode's retries waiting for their time: a transfer that may pass on a new attempt waits there for
 * its backoff, then goes back on the multi handle. */
typedef struct {
    download_transfer **items;
    size_t count;
} download_waiting;

mt_status download_waiting_init(download_waiting *waiting, size_t capacity, mt_error *err);
void download_waiting_free(download_waiting *waiting);
/* Count the retry (a warning with --verbose), and queue t until its backoff is over. */
void download_waiting_add(download_waiting *waiting, download_transfer *t);
/* A transfer whose wait is over, taken off the queue; NULL when none is due. */
download_transfer *download_waiting_due(download_waiting *waiting);
/* Milliseconds until the next retry is due (0: one is due now), at most limit_ms. */
int download_waiting_ms(const download_waiting *waiting, int limit_ms);

/* Count the retry t is about to make and say why with --verbose; returns the seconds to wait before it. */
double download_note_retry(download_transfer *t);

#endif
