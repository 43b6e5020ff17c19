#include "download_cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "defaults.h"

const char *const download_original_urls[6] = {
    "https://images.unsplash.com/photo-1509718443690-d8e2fb3474b7",
    "https://images.unsplash.com/photo-1587620962725-abab7fe55159",
    "https://images.unsplash.com/photo-1493119508027-2b584f234d6c",
    "https://images.unsplash.com/photo-1482062364825-616fd23b8fc1",
    "https://images.unsplash.com/photo-1521185496955-15097b20c5fe",
    "https://images.unsplash.com/photo-1510915228340-29c85a43dcfe",
};

enum {
    OPT_JSON = 256,
    OPT_CSV,
    OPT_NO_HEADER,
    OPT_CONNECT_TIMEOUT,
    OPT_MAX_TIME,
    OPT_SPEED_LIMIT,
    OPT_SPEED_TIME,
    OPT_RETRY,
    OPT_RETRY_DELAY,
    OPT_MAX_REDIRS,
    OPT_MAX_SIZE,
    OPT_DRY_RUN,
    OPT_TIMELINE,
    OPT_GANTT,
};

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"mode", required_argument, NULL, 'm'},
    {"input-file", required_argument, NULL, 'i'},
    {"output-dir", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},
    {"threads", required_argument, NULL, 't'},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"max-time", required_argument, NULL, OPT_MAX_TIME},
    {"speed-limit", required_argument, NULL, OPT_SPEED_LIMIT},
    {"speed-time", required_argument, NULL, OPT_SPEED_TIME},
    {"retry", required_argument, NULL, OPT_RETRY},
    {"retry-delay", required_argument, NULL, OPT_RETRY_DELAY},
    {"max-redirs", required_argument, NULL, OPT_MAX_REDIRS},
    {"max-size", required_argument, NULL, OPT_MAX_SIZE},
    {"max-filesize", required_argument, NULL, OPT_MAX_SIZE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"repeat", required_argument, NULL, 'r'},
    {"warmup", required_argument, NULL, 'W'},
    {"json", no_argument, NULL, OPT_JSON},
    {"csv", no_argument, NULL, OPT_CSV},
    {"no-header", no_argument, NULL, OPT_NO_HEADER},
    {"timeline", required_argument, NULL, OPT_TIMELINE},
    {"gantt", no_argument, NULL, OPT_GANTT},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {NULL, 0, NULL, 0},
};

/* One line: the message, then where to look. */
static mt_cli_result bad_usage(mt_error *err, const char *message)
{
    char copy[MT_ERROR_MESSAGE_SIZE - 32];
    snprintf(copy, sizeof copy, "%.*s", (int)sizeof copy - 1, message);
    mt_fail(err, MT_ERR_USAGE, "%s (see 'download --help')", copy);
    return MT_CLI_BAD_USAGE;
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

mt_cli_result download_cli_parse(int argc, char **argv, download_options *o, mt_error *err)
{
    *o = (download_options){
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
        .warmup = MT_DEFAULT_WARMUP,
        .repeat = MT_DEFAULT_REPEAT,
        .header = true,
    };
    int environment_jobs = jobs_from_environment();
    if (environment_jobs > 0) {
        o->jobs = environment_jobs;
        o->jobs_source = "OMP_NUM_THREADS";
    }
    bool no_header = false;
#ifdef __GLIBC__
    optind = 0; /* glibc's way to restart getopt from scratch */
#else
    optind = 1;
#endif
    opterr = 0;
    int c;
    uint64_t value = 0;
    char message[MT_ERROR_MESSAGE_SIZE];
    while ((c = getopt_long(argc, argv, ":hVm:i:o:j:t:r:W:vq", long_options, NULL)) != -1) {
        mt_status parsed = MT_OK;
        switch (c) {
        case 'h':
            return MT_CLI_HELP;
        case 'V':
            return MT_CLI_VERSION;
        case 'm':
            if (strcmp(optarg, "tasks") == 0)
                o->mode = DOWNLOAD_MODE_TASKS;
            else if (strcmp(optarg, "multi") == 0)
                o->mode = DOWNLOAD_MODE_MULTI;
            else {
                snprintf(message, sizeof message, "--mode: unknown mode '%.200s' (tasks or multi)", optarg);
                return bad_usage(err, message);
            }
            break;
        case 'i':
            o->input_path = optarg;
            break;
        case 'o':
            if (optarg[0] == '\0') return bad_usage(err, "--output-dir: the folder name is empty");
            o->output_dir = optarg;
            break;
        case 'j':
        case 't':
            parsed = mt_parse_count(optarg, c == 'j' ? "--jobs" : "--threads", 1, DOWNLOAD_MAX_JOBS, &value, err);
            o->jobs = (int)value;
            o->jobs_source = "-j";
            break;
        case OPT_CONNECT_TIMEOUT:
            parsed = mt_parse_seconds(optarg, "--connect-timeout", 3600, &o->connect_timeout_s, err);
            break;
        case OPT_MAX_TIME:
            parsed = mt_parse_seconds(optarg, "--max-time", 86400, &o->max_time_s, err);
            break;
        case OPT_SPEED_LIMIT:
            parsed = mt_parse_count(optarg, "--speed-limit", 0, UINT64_C(1) << 40, &o->speed_limit, err);
            break;
        case OPT_SPEED_TIME:
            parsed = mt_parse_seconds(optarg, "--speed-time", 86400, &o->speed_time_s, err);
            break;
        case OPT_RETRY:
            parsed = mt_parse_count(optarg, "--retry", 0, 100, &value, err);
            o->retry = (int)value;
            break;
        case OPT_RETRY_DELAY:
            parsed = mt_parse_seconds(optarg, "--retry-delay", DOWNLOAD_MAX_RETRY_DELAY_S, &o->retry_delay_s, err);
            break;
        case OPT_MAX_REDIRS:
            parsed = mt_parse_count(optarg, "--max-redirs", 0, 1000, &value, err);
            o->max_redirs = (int)value;
            break;
        case OPT_MAX_SIZE:
            parsed = mt_parse_count(optarg, "--max-size", 0, INT64_MAX, &o->max_size, err);
            break;
        case OPT_DRY_RUN:
            o->dry_run = true;
            break;
        case 'r':
            parsed = mt_parse_count(optarg, "--repeat", 1, MT_MAX_REPEAT, &value, err);
            o->repeat = (int)value;
            break;
        case 'W':
            parsed = mt_parse_count(optarg, "--warmup", 0, MT_MAX_REPEAT, &value, err);
            o->warmup = (int)value;
            break;
        case OPT_JSON:
        case OPT_CSV: {
            mt_format format = c == OPT_JSON ? MT_FORMAT_JSON : MT_FORMAT_CSV;
            if (o->format != MT_FORMAT_TEXT && o->format != format)
                return bad_usage(err, "--json and --csv cannot be used together");
            o->format = format;
            break;
        }
        case OPT_NO_HEADER:
            no_header = true;
            break;
        case OPT_TIMELINE:
            o->timeline_path = optarg;
            break;
        case OPT_GANTT:
            o->gantt = true;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case ':':
            snprintf(message, sizeof message, "option '%.200s' needs a value", argv[optind - 1]);
            return bad_usage(err, message);
        default:
            if (optopt != 0 && optopt < 256)
                snprintf(message, sizeof message, "unknown option '-%c'", optopt);
            else
                snprintf(message, sizeof message, "unknown option '%.200s'", argv[optind - 1]);
            return bad_usage(err, message);
        }
        if (parsed != MT_OK) {
            snprintf(message, sizeof message, "%s", err->message);
            return bad_usage(err, message);
        }
    }
    o->urls = argv + optind;
    o->urls_count = argc - optind;
    if (o->urls_count > 0 && o->input_path != NULL)
        return bad_usage(err, "give the URLs one way: as arguments or with --input-file");
    if (no_header && o->format != MT_FORMAT_CSV) return bad_usage(err, "--no-header needs --csv");
    o->header = !no_header;
    return MT_CLI_RUN;
}

void download_cli_print_help(FILE *out)
{
    fprintf(
        out,
        "Usage: download [OPTION]... [URL]...\n"
        "Activity 3: download files at once, as OpenMP tasks on a team of threads (each with its own libcurl\n"
        "easy handle), or from one thread driving a libcurl multi handle (concurrency without parallelism).\n"
        "\n"
        "The URLs (http and https only; the whole list is checked before anything is fetched):\n"
        "  URL...                    as arguments\n"
        "  -i, --input-file FILE     one URL a line, blank lines and lines starting with # skipped; - is stdin\n"
        "                            default: the original lesson's 6 image URLs, 5 times each (needs the\n"
        "                            internet; scripts/image_server.py serves the same list on loopback)\n"
        "  -o, --output-dir DIR      where the files go, created if missing (default '%s')\n"
        "      --dry-run             check the list and print 'FILE<TAB>URL' for each; fetch nothing\n"
        "\n"
        "Modes (-m, --mode MODE; default tasks):\n"
        "  tasks   one OpenMP task per URL, run by a team of -j threads, each transfer a blocking easy handle\n"
        "          of its own (the tasks share one pool of open connections, as the multi handle has)\n"
        "  multi   one thread, one libcurl multi handle keeping -j transfers in flight\n"
        "\n"
        "Transfers:\n"
        "  -j, --jobs N              transfers at once (default: OMP_NUM_THREADS, else %d); -t, --threads N too\n"
        "      --connect-timeout S   give up connecting after S seconds (default %g)\n"
        "      --max-time S          give up an attempt after S seconds in all (default %g)\n"
        "      --speed-limit B       abort an attempt slower than B bytes/s ...  (default %d)\n"
        "      --speed-time S        ... for S seconds: a stalled server (default %g)\n"
        "      --retry N             retries of a transient failure: 5xx, reset, cut body, timeout (default %d);\n"
        "                            never a 4xx, too many redirects, a refused protocol or a body over --max-size\n"
        "      --retry-delay S       the first retry's wait, doubled at each retry, at most %g s (default %g)\n"
        "      --max-redirs N        redirects followed, http and https only (default %d)\n"
        "      --max-size BYTES      abort a body larger than this, while it streams (default %" PRIu64 ", 1 GiB;\n"
        "                            0: no limit); --max-filesize is the same\n"
        "\n"
        "Files: named after the URL's last path segment (query and fragment dropped, %%XX decoded). A name\n"
        "that is empty, '.', '..', starts with '-' or '.', holds '/', '\\' or a control character, or is over\n"
        "200 bytes becomes 'url-HASH' (16 hex digits of the URL's FNV-1a hash), always inside DIR. Each\n"
        "transfer writes its own hidden temporary file in DIR and renames it into place only after a complete\n"
        "2xx transfer, so a name fetched by several URLs (the original's 6 x 5) is replaced atomically: the\n"
        "last to finish wins, and no file is ever torn or mixed. An existing file or symlink at the name is\n"
        "replaced, never written through.\n"
        "\n",
        DOWNLOAD_DEFAULT_OUTPUT_DIR, DOWNLOAD_DEFAULT_JOBS, DOWNLOAD_DEFAULT_CONNECT_TIMEOUT_S,
        DOWNLOAD_DEFAULT_MAX_TIME_S, DOWNLOAD_DEFAULT_SPEED_LIMIT, DOWNLOAD_DEFAULT_SPEED_TIME_S,
        DOWNLOAD_DEFAULT_RETRY, DOWNLOAD_MAX_RETRY_DELAY_S, DOWNLOAD_DEFAULT_RETRY_DELAY_S, DOWNLOAD_DEFAULT_MAX_REDIRS,
        DOWNLOAD_DEFAULT_MAX_SIZE);
    fputs("Timing and output:\n"
          "  -r, --repeat R            timed runs, reported as median, min and max (default 1)\n"
          "  -W, --warmup W            untimed runs before them (default 0)\n"
          "      --json                one JSON object: the run's record and every transfer\n"
          "      --csv                 the record as a CSV header and row (--no-header: the row only)\n"
          "      --timeline FILE       record when each item ran on which thread (and rank): FILE.json is a\n"
          "                            trace for Perfetto or chrome://tracing, FILE.csv the same as a table\n"
          "                            (a URL: from its first attempt's start to its end, with its bytes, HTTP\n"
          "                            status and retries; multi mode: transfers overlapping on one thread)\n"
          "      --gantt               draw that timeline on stderr after the run\n"
          "  -q, --quiet               only the 'Execution Time' line (or the record)\n"
          "  -v, --verbose             settings, retries, descriptor counts and timeline numbers on stderr\n"
          "  -h, --help                this help;  -V, --version  the version\n"
          "\n"
          "Timed: from the first transfer's start to the last one's end (files written and renamed, lines\n"
          "printed); not reading the list, creating DIR, curl_global_init nor starting the team. n counts URLs.\n"
          "A progress bar goes to stderr when it is a terminal. Each failure is listed on stderr at the end.\n"
          "Examples:\n"
          "  download -j 8 -o imgs -i list.txt\n"
          "  download --mode multi -j 8 -o imgs -i list.txt --json\n"
          "\n"
          "Exit status: 0 every transfer succeeded; 1 one or more failed; 2 a usage or input error (bad option,\n"
          "unreadable or empty list, a URL that is not http or https, an output folder that cannot be written,\n"
          "a --timeline FILE that cannot be written or does not end in .json or .csv).\n",
          out);
}

void download_cli_print_settings(FILE *out, const download_options *o)
{
    fprintf(out,
            "download: defaults: jobs %d, output-dir %s, connect-timeout %g s, max-time %g s, speed-limit %d B/s "
            "for %g s, retry %d (delay %g s doubling), max-redirs %d, max-size %" PRIu64 "\n",
            DOWNLOAD_DEFAULT_JOBS, DOWNLOAD_DEFAULT_OUTPUT_DIR, DOWNLOAD_DEFAULT_CONNECT_TIMEOUT_S,
            DOWNLOAD_DEFAULT_MAX_TIME_S, DOWNLOAD_DEFAULT_SPEED_LIMIT, DOWNLOAD_DEFAULT_SPEED_TIME_S,
            DOWNLOAD_DEFAULT_RETRY, DOWNLOAD_DEFAULT_RETRY_DELAY_S, DOWNLOAD_DEFAULT_MAX_REDIRS,
            DOWNLOAD_DEFAULT_MAX_SIZE);
    const char *source = o->input_path != NULL ? "file" : o->urls_count > 0 ? "arguments" : "the original's list";
    fprintf(out,
            "download: in force: mode %s, jobs %d (from %s), URLs from %s, output-dir %s, connect-timeout %g s, "
            "max-time %g s, speed-limit %" PRIu64 " B/s for %g s, retry %d (delay %g s), max-redirs %d, "
            "max-size %" PRIu64 ", repeat %d, warmup %d\n",
            o->mode == DOWNLOAD_MODE_TASKS ? "tasks" : "multi", o->jobs, o->jobs_source, source, o->output_dir,
            o->connect_timeout_s, o->max_time_s, o->speed_limit, o->speed_time_s, o->retry, o->retry_delay_s,
            o->max_redirs, o->max_size, o->repeat, o->warmup);
}

static mt_status list_add(download_url_list *list, size_t *capacity, const char *url, size_t length, mt_error *err)
{
    if (list->count >= DOWNLOAD_MAX_URLS)
        return mt_fail(err, MT_ERR_USAGE, "more than %d URLs: split the list", DOWNLOAD_MAX_URLS);
    if (list->count == *capacity) {
        size_t grown = *capacity ? 2 * *capacity : 64;
        char **items = realloc(list->items, grown * sizeof *items);
        if (items == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the URL list");
        list->items = items;
        *capacity = grown;
    }
    char *copy = malloc(length + 1);
    if (copy == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the URL list");
    memcpy(copy, url, length);
    copy[length] = '\0';
    list->items[list->count++] = copy;
    return MT_OK;
}

static mt_status read_file(const char *path, download_url_list *list, size_t *capacity, mt_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "standard input" : path;
    FILE *in = is_stdin ? stdin : fopen(path, "r");
    if (in == NULL) return mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno));
    char *line = NULL;
    size_t size = 0;
    ssize_t length;
    unsigned long number = 0;
    mt_status status = MT_OK;
    errno = 0;
    while (status == MT_OK && (length = getline(&line, &size, in)) != -1) {
        number++;
        char *start = line, *end = line + length;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (start == end || *start == '#') continue;
        if ((size_t)(end - start) > DOWNLOAD_MAX_URL_LENGTH)
            status = mt_fail(err, MT_ERR_USAGE, "%s, line %lu: a URL longer than %d characters", shown, number,
                             DOWNLOAD_MAX_URL_LENGTH);
        else if (memchr(start, '\0', (size_t)(end - start)) != NULL)
            status = mt_fail(err, MT_ERR_USAGE, "%s, line %lu: a NUL byte in the URL", shown, number);
        else
            status = list_add(list, capacity, start, (size_t)(end - start), err);
    }
    if (status == MT_OK && ferror(in))
        status = mt_fail(err, MT_ERR_USAGE, "cannot read '%s': %s", path, strerror(errno ? errno : EIO));
    free(line);
    if (!is_stdin) fclose(in);
    if (status == MT_OK && list->count == 0)
        status = mt_fail(err, MT_ERR_USAGE, "%s holds no URL", is_stdin ? "standard input" : path);
    return status;
}

mt_status download_urls_read(const download_options *o, download_url_list *list, mt_error *err)
{
    *list = (download_url_list){0};
    size_t capacity = 0;
    mt_status status = MT_OK;
    if (o->input_path != NULL) {
        status = read_file(o->input_path, list, &capacity, err);
    } else if (o->urls_count > 0) {
        for (int i = 0; status == MT_OK && i < o->urls_count; i++)
            status = list_add(list, &capacity, o->urls[i], strlen(o->urls[i]), err);
    } else {
        for (int time = 0; time < DOWNLOAD_ORIGINAL_TIMES; time++)
            for (size_t i = 0; status == MT_OK && i < 6; i++)
                status = list_add(list, &capacity, download_original_urls[i], strlen(download_original_urls[i]), err);
    }
    if (status != MT_OK) download_urls_free(list);
    return status;
}

void download_urls_free(download_url_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    *list = (download_url_list){0};
}
