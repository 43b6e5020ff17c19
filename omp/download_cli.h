/* download_cli.h - download's options (its own getopt_long table: the number options of common/cli do not
 * apply), its defaults, named once and printed by --help and --verbose, and its URL list. */
#ifndef DOWNLOAD_CLI_H
#define DOWNLOAD_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "status.h"

#define DOWNLOAD_DEFAULT_JOBS 8         /* transfers at once when neither -j nor OMP_NUM_THREADS says */
#define DOWNLOAD_DEFAULT_OUTPUT_DIR "." /* the original saves in the current folder */
#define DOWNLOAD_DEFAULT_CONNECT_TIMEOUT_S 10.0
#define DOWNLOAD_DEFAULT_MAX_TIME_S 300.0  /* per attempt */
#define DOWNLOAD_DEFAULT_SPEED_LIMIT 100   /* bytes/s: slower than this ...                    */
#define DOWNLOAD_DEFAULT_SPEED_TIME_S 30.0 /* ... for this long aborts the attempt (a stall)   */
#define DOWNLOAD_DEFAULT_RETRY 3           /* retries after the first attempt, transient failures only */
#define DOWNLOAD_DEFAULT_RETRY_DELAY_S 0.5 /* first backoff; doubles each retry, at most 30 s */
#define DOWNLOAD_MAX_RETRY_DELAY_S 30.0
#define DOWNLOAD_DEFAULT_MAX_REDIRS 10
#define DOWNLOAD_DEFAULT_MAX_SIZE (UINT64_C(1) << 30) /* 1 GiB; 0 lifts the limit */
#define DOWNLOAD_MAX_JOBS 4096
#define DOWNLOAD_MAX_URLS 1000000
#define DOWNLOAD_MAX_URL_LENGTH 8192

/* The original lesson's six images; with no URL given they are fetched five times each (30 transfers). */
extern const char *const download_original_urls[6];
enum { DOWNLOAD_ORIGINAL_TIMES = 5 };

typedef enum { DOWNLOAD_MODE_TASKS, DOWNLOAD_MODE_MULTI } download_mode;

typedef struct {
    download_mode mode;
    char **urls; /* positional URLs (argv), or NULL */
    int urls_count;
    const char *input_path; /* -i; "-" is stdin */
    const char *output_dir;
    int jobs;
    const char *jobs_source; /* "-j", "OMP_NUM_THREADS" or "the default" */
    double connect_timeout_s, max_time_s, speed_time_s, retry_delay_s;
    uint64_t speed_limit, max_size;
    int retry, max_redirs;
    int warmup, repeat;
    mt_format format;
    bool header, verbose, quiet, dry_run;
    const char *timeline_path; /* --timeline FILE (.json or .csv); NULL: none */
    bool gantt;                /* --gantt: the chart on stderr after the run */
} download_options;

/* Parse argv (never prints, never exits). MT_CLI_BAD_USAGE fills err with one line naming the problem. */
mt_cli_result download_cli_parse(int argc, char **argv, download_options *options, mt_error *err);

void download_cli_print_help(FILE *out);
void download_cli_print_settings(FILE *out, const download_options *options);

typedef struct {
    char **items; /* owned strings */
    size_t count;
} download_url_list;

/* The URLs the options name: the positional ones, the file's (one a line, blank lines and # comments
 * skipped; "-" is stdin), or the original's list. MT_ERR_USAGE when the file is unreadable or empty. */
mt_status download_urls_read(const download_options *options, download_url_list *list, mt_error *err);
void download_urls_free(download_url_list *list);

#endif
