/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* download_cli.h - download's own options on the suite's command line (common/cli): the URL list, the output
 * folder, the transfers' limits; their defaults, named once and printed by --help and --verbose. */
#ifndef DOWNLOAD_CLI_H
#define DOWNLOAD_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

#define DOWNLOAD_DEFAULT_JOBS 8         /* transfers at once when neither -j nor OMP_NUM_THREADS says */
#define DOWNLOAD_DEFAULT_OUTPUT_DIR "." /* the original saves in the current folder */
#define DOWNLOAD_DEFAULT_CONNECT_TIMEOUT_S 10
#define DOWNLOAD_DEFAULT_MAX_TIME_S 300    /* per attempt */
#define DOWNLOAD_DEFAULT_SPEED_LIMIT 100   /* bytes/s: slower than this ...                    */
#define DOWNLOAD_DEFAULT_SPEED_TIME_S 30   /* ... for this long aborts the attempt (a stall)   */
#define DOWNLOAD_DEFAULT_RETRY 3           /* retries after the first attempt, transient failures only */
#define DOWNLOAD_DEFAULT_RETRY_DELAY_S 0.5 /* first backoff; doubles each retry, at most 30 s */
#define DOWNLOAD_MAX_RETRY_DELAY_S 30
#define DOWNLOAD_DEFAULT_MAX_REDIRS 10
#define DOWNLOAD_DEFAULT_MAX_SIZE 1073741824 /* bytes, 1 GiB; 0 lifts the limit */
#define DOWNLOAD_MAX_URLS 1000000
#define DOWNLOAD_MAX_URL_LENGTH 8192
/* The ranges the options take: the parser checks them and --help states them, from these names. */
#define DOWNLOAD_MAX_JOBS 4096
#define DOWNLOAD_MAX_CONNECT_TIMEOUT_S 3600
#define DOWNLOAD_MAX_MAX_TIME_S 86400
#define DOWNLOAD_MAX_SPEED_LIMIT 1099511627776 /* bytes/s, 2^40 */
#define DOWNLOAD_MAX_SPEED_TIME_S 86400
#define DOWNLOAD_MAX_RETRY 100
#define DOWNLOAD_MAX_MAX_REDIRS 1000
#define DOWNLOAD_MAX_MAX_SIZE 9223372036854775807 /* bytes, INT64_MAX: libcurl's curl_off_t */

typedef enum { DOWNLOAD_MODE_TASKS, DOWNLOAD_MODE_MULTI } download_mode;

/* download's own settings; the shared ones (mode, repeat, output) are in mt_options. */
typedef struct {
    download_mode mode;
    const char *input_path; /* -i; "-" is stdin */
    const char *output_dir;
    int jobs;
    const char *jobs_source; /* "-j", "OMP_NUM_THREADS" or "the default" */
    bool jobs_given;
    double connect_timeout_s, max_time_s, speed_time_s, retry_delay_s;
    uint64_t speed_limit, max_size;
    int retry, max_redirs;
    bool dry_run, verbose;
    const char *cacert, *capath;               /* --cacert, --capath, or the variables; NULL: the system's */
    const char *cacert_source, *capath_source; /* the option or the variable each came from */
} download_settings;

/* The defaults, before parsing. */
download_settings download_default_settings(void);

/* download's line in the suite's command line: its options, their parser and checks, its help. */
extern const mt_program download_program;

#endif
