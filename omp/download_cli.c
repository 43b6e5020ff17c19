/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "download_cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#define STRINGIFY(x) #x
#define TEXT(x) STRINGIFY(x)

enum {
    OPT_INPUT_FILE,
    OPT_OUTPUT_DIR,
    OPT_DRY_RUN,
    OPT_JOBS,
    OPT_THREADS,
    OPT_CONNECT_TIMEOUT,
    OPT_MAX_TIME,
    OPT_SPEED_LIMIT,
    OPT_SPEED_TIME,
    OPT_RETRY,
    OPT_RETRY_DELAY,
    OPT_MAX_REDIRS,
    OPT_MAX_SIZE,
    OPT_MAX_FILESIZE,
    OPT_CACERT,
    OPT_CAPATH,
    OPTION_COUNT
};

/* Names follow curl's where curl has one. The table is laid out by hand: each help text reads as it prints. */
/* clang-format off */
static const mt_option options[OPTION_COUNT] = {
    [OPT_INPUT_FILE] = {"input-file", 'i', "FILE",
        "one URL a line, blank lines and lines starting with # skipped; - is stdin\n"
        "(a line at most 64 KiB, a URL at most 8192 bytes, no NUL byte)\n"
        "default: the original lesson's 6 image URLs, 5 times each (needs the\n"
        "internet; scripts/image_server.py serves the same list on loopback)",
        "The URLs (http and https only; the whole list is checked before anything is fetched):\n"
        "  URL...                    as arguments"},
    [OPT_OUTPUT_DIR] = {"output-dir", 'o', "DIR",
        "where the files go, created if missing (default '" DOWNLOAD_DEFAULT_OUTPUT_DIR "')", NULL},
    [OPT_DRY_RUN] = {"dry-run", 0, NULL, "check the list and print 'FILE<TAB>URL' for each; fetch nothing", NULL},
    [OPT_JOBS] = {"jobs", 'j', "N",
        "transfers at once, 1 to " TEXT(DOWNLOAD_MAX_JOBS) " (default: OMP_NUM_THREADS, else "
        TEXT(DOWNLOAD_DEFAULT_JOBS) "); fewer, with a\n"
        "warning, when the open-file limit cannot hold them",
        "Transfers (time limits are rounded up to libcurl's milliseconds, never down to 0):"},
    [OPT_THREADS] = {"threads", 't', "N", "the same as --jobs", NULL},
    [OPT_CONNECT_TIMEOUT] = {"connect-timeout", 0, "S",
        "give up connecting after S seconds, 0 to " TEXT(DOWNLOAD_MAX_CONNECT_TIMEOUT_S)
        " (default " TEXT(DOWNLOAD_DEFAULT_CONNECT_TIMEOUT_S) ";\n"
        "0: libcurl's own limit, 300 s)", NULL},
    [OPT_MAX_TIME] = {"max-time", 0, "S",
        "give up an attempt after S seconds in all, 0 to " TEXT(DOWNLOAD_MAX_MAX_TIME_S)
        " (default " TEXT(DOWNLOAD_DEFAULT_MAX_TIME_S) ";\n"
        "0: no limit)", NULL},
    [OPT_SPEED_LIMIT] = {"speed-limit", 0, "B",
        "abort an attempt slower than B bytes/s ..., 0 to " TEXT(DOWNLOAD_MAX_SPEED_LIMIT)
        " (default " TEXT(DOWNLOAD_DEFAULT_SPEED_LIMIT) ";\n"
        "0: no check)", NULL},
    [OPT_SPEED_TIME] = {"speed-time", 0, "S",
        "... for S seconds: a stalled server, 0 to " TEXT(DOWNLOAD_MAX_SPEED_TIME_S)
        " (default " TEXT(DOWNLOAD_DEFAULT_SPEED_TIME_S) ";\n"
        "rounded up to whole seconds; 0: no check)", NULL},
    [OPT_RETRY] = {"retry", 0, "N",
        "retries of a transient failure: 5xx, reset, cut body, timeout, 0 to " TEXT(DOWNLOAD_MAX_RETRY) "\n"
        "(default " TEXT(DOWNLOAD_DEFAULT_RETRY) "; 0: none); never a 4xx, too many redirects, a refused protocol\n"
        "or a body over --max-size", NULL},
    [OPT_RETRY_DELAY] = {"retry-delay", 0, "S",
        "the first retry's wait, doubled at each retry, at most " TEXT(DOWNLOAD_MAX_RETRY_DELAY_S) " s; 0 to "
        TEXT(DOWNLOAD_MAX_RETRY_DELAY_S) "\n"
        "(default " TEXT(DOWNLOAD_DEFAULT_RETRY_DELAY_S) "; 0: retry at once)", NULL},
    [OPT_MAX_REDIRS] = {"max-redirs", 0, "N",
        "redirects followed, http and https only, 0 to " TEXT(DOWNLOAD_MAX_MAX_REDIRS)
        " (default " TEXT(DOWNLOAD_DEFAULT_MAX_REDIRS) ";\n"
        "0: none)", NULL},
    [OPT_MAX_SIZE] = {"max-size", 0, "BYTES",
        "abort a body larger than this, while it streams, 0 to " TEXT(DOWNLOAD_MAX_MAX_SIZE) "\n"
        "(default " TEXT(DOWNLOAD_DEFAULT_MAX_SIZE) ", 1 GiB; 0: no limit); --max-filesize is the same", NULL},
    [OPT_MAX_FILESIZE] = {"max-filesize", 0, "BYTES", NULL, NULL},
    [OPT_CACERT] = {"cacert", 0, "FILE",
        "trust the certificate authorities in FILE (PEM) for https, instead of the\n"
        "system's (default: CURL_CA_BUNDLE, else SSL_CERT_FILE, as curl reads them)",
        "Certificates (https is always verified: there is no option to skip it):"},
    [OPT_CAPATH] = {"capath", 0, "DIR",
        "trust the certificate authorities in DIR (hashed names, c_rehash or\n"
        "openssl rehash; default: SSL_CERT_DIR when CURL_CA_BUNDLE is unset)", NULL},
};
/* clang-format on */

download_settings download_default_settings(void)
{
    return (download_settings){
        .mode = DOWNLOAD_MODE_TASKS,
        .output_dir = DOWNLOAD_DEFAULT_OUTPUT_DIR,
        .jobs = DOWNLOAD_DEFAULT_JOBS,
        .jobs_source = "the default",
        .connect_timeout_s = DOWNLOAD_DEFAULT_CONNECT_TIMEOUT_S,
        .max_time_s = DOWNLOAD_DEFAULT_MAX_TIME_S,
        .speed_limit = DOWNLOAD_DEFAULT_SPEED_LIMIT,
        .speed_time_s = DOWNLOAD_DEFAULT_SPEED_TIME_S,
        .retry = DOWNLOAD_DEFAULT_RETRY,
        .retry_delay_s = DOWNLOAD_DEFAULT_RETRY_DELAY_S,
        .max_redirs = DOWNLOAD_DEFAULT_MAX_REDIRS,
        .max_size = DOWNLOAD_DEFAULT_MAX_SIZE,
    };
}

static mt_status parse_option(void *settings, int index, const char *value, mt_error *err)
{
    download_settings *s = settings;
    uint64_t count = 0;
    mt_status status = MT_OK;
    switch (index) {
    case OPT_INPUT_FILE:
        s->input_path = value;
        break;
    case OPT_OUTPUT_DIR:
        if (value[0] == '\0') return mt_fail(err, MT_ERR_USAGE, "--output-dir: the folder name is empty");
        s->output_dir = value;
        break;
    case OPT_DRY_RUN:
        s->dry_run = true;
        break;
    case OPT_JOBS:
    case OPT_THREADS:
        status = mt_parse_count(value, index == OPT_JOBS ? "--jobs" : "--threads", 1, DOWNLOAD_MAX_JOBS, &count, err);
        s->jobs = (int)count;
        s->jobs_source = "-j";
        s->jobs_given = true;
        break;
    case OPT_CONNECT_TIMEOUT:
        status =
            mt_parse_seconds(value, "--connect-timeout", DOWNLOAD_MAX_CONNECT_TIMEOUT_S, &s->connect_timeout_s, err);
        break;
    case OPT_MAX_TIME:
        status = mt_parse_seconds(value, "--max-time", DOWNLOAD_MAX_MAX_TIME_S, &s->max_time_s, err);
        break;
    case OPT_SPEED_LIMIT:
        status = mt_parse_count(value, "--speed-limit", 0, DOWNLOAD_MAX_SPEED_LIMIT, &s->speed_limit, err);
        break;
    case OPT_SPEED_TIME:
        status = mt_parse_seconds(value, "--speed-time", DOWNLOAD_MAX_SPEED_TIME_S, &s->speed_time_s, err);
        break;
    case OPT_RETRY:
        status = mt_parse_count(value, "--retry", 0, DOWNLOAD_MAX_RETRY, &count, err);
        s->retry = (int)count;
        break;
    case OPT_RETRY_DELAY:
        status = mt_parse_seconds(value, "--retry-delay", DOWNLOAD_MAX_RETRY_DELAY_S, &s->retry_delay_s, err);
        break;
    case OPT_MAX_REDIRS:
        status = mt_parse_count(value, "--max-redirs", 0, DOWNLOAD_MAX_MAX_REDIRS, &count, err);
        s->max_redirs = (int)count;
        break;
    case OPT_MAX_SIZE:
    case OPT_MAX_FILESIZE:
        status = mt_parse_count(value, "--max-size", 0, DOWNLOAD_MAX_MAX_SIZE, &s->max_size, err);
        break;
    case OPT_CACERT:
        s->cacert = value;
        s->cacert_source = "--cacert";
        break;
    case OPT_CAPATH:
        s->capath = value;
        s->capath_source = "--capath";
        break;
    }
    return status;
}

/* OMP_NUM_THREADS's first value (it may be a list, one per nesting level), or 0 when unset or unusable. */
static int jobs_from_environment(void)
{
    const char *text = getenv("OMP_NUM_THREADS");
    if (text == NULL) return 0;
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (end == text || (*end != '\0' && *end != ',') || errno != 0 || value < 1 || value > DOWNLOAD_MAX_JOBS) return 0;
    return (int)value;
}

/* A variable's value, or NULL when it is unset or empty. */
static const char *variable(const char *name)
{
    const char *value = getenv(name);
    return value != NULL && value[0] != '\0' ? value : NULL;
}

/* The certificate authorities: the options; when neither is given, the variables curl's own tool reads
 * (CURL_CA_BUNDLE; else SSL_CERT_FILE and SSL_CERT_DIR), which libcurl itself ignores. Each one proved readable
 * now, before anything is fetched: a wrong path is the user's to fix (exit 2), not a failed transfer. */
static mt_status check_certificates(download_settings *s, mt_error *err)
{
    if (s->cacert == NULL && s->capath == NULL) {
        if ((s->cacert = variable("CURL_CA_BUNDLE")) != NULL) {
            s->cacert_source = "CURL_CA_BUNDLE";
        } else {
            if ((s->cacert = variable("SSL_CERT_FILE")) != NULL) s->cacert_source = "SSL_CERT_FILE";
            if ((s->capath = variable("SSL_CERT_DIR")) != NULL) s->capath_source = "SSL_CERT_DIR";
        }
    }
    struct stat info;
    if (s->cacert != NULL) {
        int fd = open(s->cacert, O_RDONLY | O_CLOEXEC);
        int error = fd < 0 ? errno : fstat(fd, &info) != 0 ? errno : S_ISDIR(info.st_mode) ? EISDIR : 0;
        if (fd >= 0) close(fd);
        if (error != 0)
            return mt_fail(err, MT_ERR_USAGE, "%s: cannot read the certificate file '%s': %s", s->cacert_source,
                           s->cacert, strerror(error));
    }
    if (s->capath != NULL) {
        DIR *dir = opendir(s->capath);
        if (dir == NULL)
            return mt_fail(err, MT_ERR_USAGE, "%s: cannot read the certificate folder '%s': %s", s->capath_source,
                           s->capath, strerror(errno));
        closedir(dir);
    }
    return MT_OK;
}

static mt_status check(void *settings, const mt_options *options, mt_error *err)
{
    download_settings *s = settings;
    if (options->operand_count > 0 && s->input_path != NULL)
        return mt_fail(err, MT_ERR_USAGE, "give the URLs one way: as arguments or with --input-file");
    s->mode = strcmp(options->mode, "multi") == 0 ? DOWNLOAD_MODE_MULTI : DOWNLOAD_MODE_TASKS;
    s->verbose = options->verbose;
    int environment_jobs = jobs_from_environment();
    if (!s->jobs_given && environment_jobs > 0) {
        s->jobs = environment_jobs;
        s->jobs_source = "OMP_NUM_THREADS";
    }
    return check_certificates(s, err);
}

/* --version's library lines, as curl -V names its own: libcurl's version, host and TLS, zlib and nghttp2. */
static void print_libraries(FILE *out)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    fprintf(out, "MPI: none\nlibcurl: %s (%s)", curl->version, curl->host);
    if (curl->ssl_version != NULL) fprintf(out, " %s", curl->ssl_version);
    if (curl->libz_version != NULL) fprintf(out, " zlib/%s", curl->libz_version);
#if LIBCURL_VERSION_NUM >= 0x074200 /* 7.66: CURLVERSION_SIXTH */
    if (curl->age >= CURLVERSION_SIXTH && curl->nghttp2_version != NULL)
        fprintf(out, " nghttp2/%s", curl->nghttp2_version);
#endif
    fputc('\n', out);
}

static void print_settings(FILE *out, const void *settings)
{
    const download_settings *s = settings;
    fprintf(out,
            "download: defaults: jobs %d, output-dir %s, connect-timeout %d s, max-time %d s, speed-limit %d B/s "
            "for %d s, retry %d (delay %g s doubling), max-redirs %d, max-size %d\n",
            DOWNLOAD_DEFAULT_JOBS, DOWNLOAD_DEFAULT_OUTPUT_DIR, DOWNLOAD_DEFAULT_CONNECT_TIMEOUT_S,
            DOWNLOAD_DEFAULT_MAX_TIME_S, DOWNLOAD_DEFAULT_SPEED_LIMIT, DOWNLOAD_DEFAULT_SPEED_TIME_S,
            DOWNLOAD_DEFAULT_RETRY, DOWNLOAD_DEFAULT_RETRY_DELAY_S, DOWNLOAD_DEFAULT_MAX_REDIRS,
            DOWNLOAD_DEFAULT_MAX_SIZE);
    fprintf(out,
            "download: in force: mode %s, jobs %d (from %s), URLs from %s, output-dir %s, connect-timeout %g s, "
            "max-time %g s, speed-limit %" PRIu64 " B/s for %g s, retry %d (delay %g s), max-redirs %d, "
            "max-size %" PRIu64 "\n",
            s->mode == DOWNLOAD_MODE_TASKS ? "tasks" : "multi", s->jobs, s->jobs_source,
            s->input_path != NULL ? "file" : "arguments or the original's list", s->output_dir, s->connect_timeout_s,
            s->max_time_s, s->speed_limit, s->speed_time_s, s->retry, s->retry_delay_s, s->max_redirs, s->max_size);
    if (s->cacert == NULL && s->capath == NULL) fprintf(out, "download: certificate authorities: the system's\n");
    if (s->cacert != NULL) fprintf(out, "download: certificate file %s (from %s)\n", s->cacert, s->cacert_source);
    if (s->capath != NULL) fprintf(out, "download: certificate folder %s (from %s)\n", s->capath, s->capath_source);
}

static const char *const modes[] = {"tasks", "multi", NULL};

const mt_program download_program = {
    .name = "download",
    .summary = "Activity 3: download files at once, as OpenMP tasks on a team of threads (each with its own libcurl\n"
               "easy handle), or from one thread driving a libcurl multi handle (concurrency without parallelism).",
    .operands = "[URL]...",
    .modes = modes,
    .modes_help = "  tasks      one OpenMP task per URL, run by a team of -j threads, each transfer a blocking easy\n"
                  "             handle of its own (the tasks share one pool of open connections, as the multi\n"
                  "             handle has)\n"
                  "  multi      one thread, one libcurl multi handle keeping -j transfers in flight\n",
    .options = options,
    .option_count = OPTION_COUNT,
    .parse_option = parse_option,
    .check = check,
    .print_settings = print_settings,
    .print_libraries = print_libraries,
    .notes = "Files: named after the URL's last path segment (query and fragment dropped, %XX decoded). A name\n"
             "that is empty or only blanks, '.', '..', starts with '-' or '.', holds '/' or '\\', is over 200 bytes,\n"
             "or holds a character that is not seen or moves the text (a C0 or C1 control, DEL, a zero-width or\n"
             "bidirectional mark, U+FEFF: '%E2%80%AEgpj.exe' would show as 'exe.jpg') becomes 'url-HASH' (16 hex\n"
             "digits of the FNV-1a hash of the URL, its password masked), always inside DIR, made 0666 less the\n"
             "umask. Each transfer writes a file of its own in DIR that has no name (O_TMPFILE) until a complete\n"
             "2xx transfer links it into place (or, where DIR's filesystem has no O_TMPFILE or where\n"
             "DOWNLOAD_NAMED_TEMPORARIES=1, a hidden .download-PID-INDEX-ATTEMPT.part renamed into place), so a\n"
             "name fetched by several URLs (the original's 6 x 5) is replaced atomically: the last to finish wins,\n"
             "and no file is ever torn or mixed.\n"
             "An existing file or symlink at the name is replaced, never written through.\n"
             "\n"
             "Interrupted: SIGINT, SIGTERM or SIGHUP during the transfers ends them within about a second; each\n"
             "file not complete is removed (none is left half-written), no record or trace of the run is written\n"
             "(a trace file already there stays as it was), and download exits 128 + the signal (130, 143, 129)\n"
             "with one line: 'interrupted by SIGINT: K of N files complete'. A signal ignored at the start (a\n"
             "background job of a script) stays ignored.\n"
             "Limits: -j is fitted to the open-file limit: the soft limit is raised toward the hard one (ulimit -Hn)\n"
             "as far as the transfers need (about 6 descriptors each in tasks mode, 4 in multi mode); where even\n"
             "the hard limit cannot hold them, fewer run at once, with a warning; where it cannot hold one, download\n"
             "refuses before anything is fetched (exit 1).\n"
             "Shown strings: URLs, file names and messages go to the terminal, the record and the trace as valid\n"
             "UTF-8 with every other byte, and every control character, written \\xHH.\n"
             "Secrets: a URL's password (http://user:PASSWORD@host/) is sent to its server only: every message,\n"
             "--verbose, --dry-run, the record and the trace show it as 'user:***@'.\n"
             "\n"
             "Timed: from the first transfer's start to the last one's end (files written and renamed, lines\n"
             "printed); not reading the list, creating DIR, curl_global_init nor starting the team. n counts URLs.\n"
             "--timeline: a URL is one event, from its first attempt's start to its end, with its bytes, HTTP\n"
             "status and retries (multi mode: transfers overlapping on one thread). A progress bar goes to stderr\n"
             "when it is a terminal. Each failure is listed on stderr at the end.\n"
             "Examples:\n"
             "  download -j 8 -o imgs -i list.txt\n"
             "  download --mode multi -j 8 -o imgs -i list.txt --json\n",
    .exit_status = "\nExit status: 0 every transfer succeeded; 1 one or more failed, or output that could not be\n"
                   "written; 2 a usage or input error (bad option, unreadable or empty list, a URL that is not http\n"
                   "or https, an output folder that cannot be written, a --timeline FILE that cannot be written or\n"
                   "does not end in .json or .csv, a --cacert FILE or --capath DIR, or the variable naming one,\n"
                   "that cannot be read). A certificate that does not verify fails its transfer (exit 1).\n",
};
