#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "defaults.h"
#include "timer.h"

#ifndef MT_VERSION
#define MT_VERSION "unknown"
#endif

enum {
    OPT_JSON = 256,
    OPT_CSV,
    OPT_NO_HEADER,
    OPT_ORDERED,
    OPT_CHUNK,
    OPT_EXPLAIN,
    OPT_TIMELINE,
    OPT_GANTT,
    OPT_TRANSPORT,
};

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"mode", required_argument, NULL, 'm'},
    {"input", required_argument, NULL, 'i'},
    {"generate", required_argument, NULL, 'g'},
    {"seed", required_argument, NULL, 's'},
    {"work", required_argument, NULL, 'w'},
    {"delay", required_argument, NULL, 'd'},
    {"threads", required_argument, NULL, 't'},
    {"repeat", required_argument, NULL, 'r'},
    {"warmup", required_argument, NULL, 'W'},
    {"json", no_argument, NULL, OPT_JSON},
    {"csv", no_argument, NULL, OPT_CSV},
    {"no-header", no_argument, NULL, OPT_NO_HEADER},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"ordered", no_argument, NULL, OPT_ORDERED},
    {"chunk", required_argument, NULL, OPT_CHUNK},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"timeline", required_argument, NULL, OPT_TIMELINE},
    {"gantt", no_argument, NULL, OPT_GANTT},
    {"transport", required_argument, NULL, OPT_TRANSPORT},
    {NULL, 0, NULL, 0},
};

mt_status mt_parse_count(const char *text, const char *option, uint64_t min, uint64_t max, uint64_t *out, mt_error *err)
{
    const char *c = text;
    bool digits = *c != '\0';
    for (; *c != '\0'; c++)
        if (*c < '0' || *c > '9') digits = false;
    if (!digits) return mt_fail(err, MT_ERR_USAGE, "%s: '%s' is not a whole number", option, text);
    errno = 0;
    unsigned long long value = strtoull(text, NULL, 10);
    if (errno == ERANGE || value < min || value > max)
        return mt_fail(err, MT_ERR_USAGE, "%s: '%s' is out of range (%" PRIu64 " to %" PRIu64 ")", option, text, min,
                       max);
    *out = value;
    return MT_OK;
}

mt_status mt_parse_seconds(const char *text, const char *option, double max, double *out, mt_error *err)
{
    /* Plain decimal only: strtod alone would take leading spaces, hex floats, "inf" and "nan". */
    bool plain = (text[0] >= '0' && text[0] <= '9') || text[0] == '.';
    for (const char *c = text; *c != '\0'; c++)
        if (strchr("0123456789.eE+-", *c) == NULL) plain = false;
    if (!plain) return mt_fail(err, MT_ERR_USAGE, "%s: '%s' is not a number of seconds", option, text);
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(value))
        return mt_fail(err, MT_ERR_USAGE, "%s: '%s' is not a number of seconds", option, text);
    if (value < 0 || value > max)
        return mt_fail(err, MT_ERR_USAGE, "%s: '%s' is out of range (0 to %g seconds)", option, text, max);
    *out = value;
    return MT_OK;
}

static bool has_feature(const mt_program *program, unsigned feature)
{
    return (program->features & feature) != 0;
}

static mt_cli_result bad_usage(mt_error *err, const mt_program *program, const char *format, const char *what)
{
    char message[MT_ERROR_MESSAGE_SIZE - 64];
    snprintf(message, sizeof message, format, what);
    mt_fail(err, MT_ERR_USAGE, "%s (see '%s --help')", message, program->name);
    return MT_CLI_BAD_USAGE;
}

static mt_cli_result bad_value(mt_error *err, const mt_program *program)
{
    char message[MT_ERROR_MESSAGE_SIZE - 64];
    snprintf(message, sizeof message, "%.*s", (int)sizeof message - 1, err->message);
    return bad_usage(err, program, "%s", message);
}

mt_cli_result mt_cli_parse(int argc, char **argv, const mt_program *program, mt_options *o, mt_error *err)
{
    *o = (mt_options){
        .mode = program->modes != NULL ? program->modes[0] : NULL,
        .seed = MT_DEFAULT_SEED,
        .work = {.kind = MT_WORK_SLEEP, .delay_s = MT_DEFAULT_DELAY_S},
        .warmup = MT_DEFAULT_WARMUP,
        .repeat = MT_DEFAULT_REPEAT,
        .header = true,
        .transport = "scatter",
    };
    bool seed_given = false, no_header = false;
#ifdef __GLIBC__
    optind = 0; /* glibc's way to restart getopt from scratch */
#else
    optind = 1;
#endif
    opterr = 0;
    int c;
    uint64_t value;
    while ((c = getopt_long(argc, argv, ":hVm:i:g:s:w:d:t:r:W:vq", long_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            return MT_CLI_HELP;
        case 'V':
            return MT_CLI_VERSION;
        case 'm': {
            if (program->modes == NULL) return bad_usage(err, program, "%s takes no --mode", program->name);
            bool known = false;
            for (const char *const *mode = program->modes; *mode != NULL; mode++)
                if (strcmp(optarg, *mode) == 0) {
                    o->mode = *mode;
                    known = true;
                }
            if (!known) return bad_usage(err, program, "--mode: unknown mode '%s'", optarg);
            break;
        }
        case 'i':
            o->input_path = optarg;
            break;
        case 'g':
            if (mt_parse_count(optarg, "--generate", 0, UINT64_MAX, &o->generate_count, err))
                return bad_value(err, program);
            o->generate = true;
            break;
        case 's':
            if (mt_parse_count(optarg, "--seed", 0, UINT64_MAX, &o->seed, err)) return bad_value(err, program);
            seed_given = true;
            break;
        case 'w':
            if (!mt_work_parse(optarg, &o->work.kind))
                return bad_usage(err, program, "--work: unknown work '%s' (sleep, spin or none)", optarg);
            break;
        case 'd':
            if (mt_parse_seconds(optarg, "--delay", MT_MAX_DELAY_S, &o->work.delay_s, err))
                return bad_value(err, program);
            break;
        case 't':
            if (mt_parse_count(optarg, "--threads", 1, MT_MAX_THREADS, &value, err)) return bad_value(err, program);
            o->threads = (int)value;
            break;
        case 'r':
            if (mt_parse_count(optarg, "--repeat", 1, MT_MAX_REPEAT, &value, err)) return bad_value(err, program);
            o->repeat = (int)value;
            break;
        case 'W':
            if (mt_parse_count(optarg, "--warmup", 0, MT_MAX_REPEAT, &value, err)) return bad_value(err, program);
            o->warmup = (int)value;
            break;
        case OPT_JSON:
        case OPT_CSV: {
            mt_format format = c == OPT_JSON ? MT_FORMAT_JSON : MT_FORMAT_CSV;
            if (o->format != MT_FORMAT_TEXT && o->format != format)
                return bad_usage(err, program, "%s", "--json and --csv cannot be used together");
            o->format = format;
            break;
        }
        case OPT_NO_HEADER:
            no_header = true;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case OPT_ORDERED:
            if (!has_feature(program, MT_FEATURE_ORDERED))
                return bad_usage(err, program, "%s takes no --ordered", program->name);
            o->ordered = true;
            break;
        case OPT_CHUNK:
            if (!has_feature(program, MT_FEATURE_CHUNK))
                return bad_usage(err, program, "%s takes no --chunk", program->name);
            if (mt_parse_count(optarg, "--chunk", 1, UINT64_C(1) << 40, &o->chunk, err)) return bad_value(err, program);
            break;
        case OPT_EXPLAIN:
            if (!has_feature(program, MT_FEATURE_EXPLAIN))
                return bad_usage(err, program, "%s takes no --explain", program->name);
            o->explain = true;
            break;
        case OPT_TIMELINE:
            o->timeline_path = optarg;
            break;
        case OPT_TRANSPORT:
            if (!has_feature(program, MT_FEATURE_TRANSPORT))
                return bad_usage(err, program, "%s takes no --transport", program->name);
            if (strcmp(optarg, "scatter") != 0 && strcmp(optarg, "shared") != 0)
                return bad_usage(err, program, "--transport: unknown transport '%s' (scatter or shared)", optarg);
            o->transport = strcmp(optarg, "shared") == 0 ? "shared" : "scatter";
            break;
        case OPT_GANTT:
            o->gantt = true;
            break;
        case ':':
            return bad_usage(err, program, "option '%s' needs a value", argv[optind - 1]);
        default: {
            char shown[64];
            if (optopt != 0 && optopt < 256)
                snprintf(shown, sizeof shown, "-%c", optopt);
            else
                snprintf(shown, sizeof shown, "%s", argv[optind - 1]);
            return bad_usage(err, program, "unknown option '%s'", shown);
        }
        }
    }
    o->numbers = argv + optind;
    o->numbers_count = argc - optind;
    int sources = (o->numbers_count > 0) + (o->input_path != NULL) + o->generate;
    if (sources > 1)
        return bad_usage(err, program, "%s", "give the numbers one way: as arguments, with --input or with --generate");
    if (seed_given && !o->generate) return bad_usage(err, program, "%s", "--seed needs --generate");
    if (no_header && o->format != MT_FORMAT_CSV) return bad_usage(err, program, "%s", "--no-header needs --csv");
    o->header = !no_header;
    return MT_CLI_RUN;
}

void mt_cli_print_help(FILE *out, const mt_program *p)
{
    fprintf(out, "Usage: %s [OPTION]... [--] [NUMBER]...\n%s\n\n", p->name, p->summary);
    fputs("The numbers (default: " MT_DEFAULT_NUMBERS ", the original lesson's list):\n"
          "  NUMBER...             base-10 integers; put negative ones after --: -- -3 4\n"
          "  -i, --input FILE      read them from FILE (- is stdin): whitespace separated, # comments\n"
          "  -g, --generate N      N pseudo-random numbers whose cube fits in int64\n"
          "  -s, --seed S          the seed for --generate (default 1)\n\n"
          "The work per item:\n"
          "  -w, --work KIND       sleep (the original's time.sleep), spin (burn CPU as long) or none\n"
          "  -d, --delay SECONDS   work per item (default 0.1)\n\n",
          out);
    if (p->modes != NULL) fprintf(out, "Modes (-m, --mode MODE; default %s):\n%s\n", p->modes[0], p->modes_help);
    fputs("Workers and timing:\n"
          "  -t, --threads N       OpenMP threads (overrides OMP_NUM_THREADS)\n"
          "  -r, --repeat R        timed runs, reported as median, min and max (default 1)\n"
          "  -W, --warmup W        untimed runs before them (default 0)\n\n"
          "Output (default: the original's lines, then 'Execution Time: SECONDS'):\n",
          out);
    if (p->features & MT_FEATURE_ORDERED)
        fputs("      --ordered         print results in input order, not as they complete\n", out);
    if (p->features & MT_FEATURE_EXPLAIN)
        fputs("      --explain         print how the list is split over ranks and threads (stderr)\n", out);
    if (p->features & MT_FEATURE_TRANSPORT)
        fputs("      --transport T     scatter: MPI_Scatterv/MPI_Gatherv (default); shared: the ranks of a node\n"
              "                        share the list in an MPI-3 shared-memory window, no copies\n",
              out);
    if (p->features & MT_FEATURE_CHUNK)
        fputs("      --chunk K         stream the list in rounds of K items per rank (bounded memory)\n", out);
    fputs("      --timeline FILE   record when each item ran on which thread (and rank): FILE.json is a\n"
          "                        trace for Perfetto or chrome://tracing, FILE.csv the same as a table\n"
          "      --gantt           draw that timeline on stderr after the run\n"
          "      --json            one JSON object: the run's record\n"
          "      --csv             the record as a CSV header and row (--no-header: the row only)\n"
          "  -q, --quiet           only the 'Execution Time' line (or the record)\n"
          "  -v, --verbose         settings, defaults and provenance on stderr\n"
          "  -h, --help            this help;  -V, --version  the version\n\n",
          out);
    fputs(p->notes, out);
    fputs("\nExit status: 0 success; 1 a runtime failure (results did not validate, an MPI error);\n"
          "2 a usage or input error (bad option, bad number, a cube that overflows int64, unreadable file).\n",
          out);
}

void mt_cli_print_version(FILE *out, const mt_program *p)
{
    fprintf(out, "%s (multitarefas) %s\n", p->name, MT_VERSION);
}

void mt_cli_print_settings(FILE *out, const mt_program *p, const mt_options *o)
{
    fprintf(out, "%s: defaults: numbers %s, work %s, delay %g s, repeat %d, warmup %d, seed %d\n", p->name,
            MT_DEFAULT_NUMBERS, MT_DEFAULT_WORK, MT_DEFAULT_DELAY_S, MT_DEFAULT_REPEAT, MT_DEFAULT_WARMUP,
            MT_DEFAULT_SEED);
    const char *source = o->input_path != NULL ? "file"
                         : o->generate         ? "generated"
                         : o->numbers_count    ? "arguments"
                                               : "default";
    fprintf(out, "%s: in force: mode %s, numbers from %s, work %s, delay %g s, repeat %d, warmup %d, threads %s\n",
            p->name, o->mode != NULL ? o->mode : "-", source, mt_work_name(o->work.kind), o->work.delay_s, o->repeat,
            o->warmup, o->threads ? "from -t" : "from OMP_NUM_THREADS or the runtime");
}

mt_status mt_cli_open_source(const mt_options *o, mt_source *source, mt_error *err)
{
    static char *const default_numbers[] = {"2", "3", "5", "8"};
    if (o->input_path != NULL) return mt_source_open_file(source, o->input_path, err);
    if (o->generate) {
        mt_source_open_generate(source, o->generate_count, o->seed);
        return MT_OK;
    }
    if (o->numbers_count > 0)
        mt_source_open_args(source, o->numbers, (size_t)o->numbers_count);
    else
        mt_source_open_args(source, default_numbers, 4);
    return MT_OK;
}

mt_status mt_cli_read_numbers(const mt_options *o, uint64_t bytes_per_item, mt_numbers *numbers, mt_error *err)
{
    if (o->generate) {
        char what[64];
        snprintf(what, sizeof what, "--generate %" PRIu64, o->generate_count);
        mt_status status = mt_check_fits_in_memory(o->generate_count, bytes_per_item, what, err);
        if (status != MT_OK) return status;
    }
    mt_source source;
    mt_status status = mt_cli_open_source(o, &source, err);
    if (status != MT_OK) return status;
    status = mt_numbers_read_all(&source, numbers, err);
    mt_source_close(&source);
    if (status != MT_OK) return status;
    status = mt_check_cube_range(numbers->values, numbers->count, 1, err);
    if (status != MT_OK) mt_numbers_free(numbers);
    return status;
}

void mt_warn_if_too_short(const char *program, double median_s)
{
    double tick = mt_clock_tick();
    if (median_s < MT_MIN_TICKS_PER_RUN * tick)
        mt_print_warning(program,
                         "the run took %.3g s, under %d clock ticks of %.3g s: too short to time well; "
                         "give more items or a longer delay",
                         median_s, MT_MIN_TICKS_PER_RUN, tick);
}

int mt_cli_start(int argc, char **argv, const mt_program *program, mt_options *options)
{
    mt_error err;
    switch (mt_cli_parse(argc, argv, program, options, &err)) {
    case MT_CLI_HELP:
        mt_cli_print_help(stdout, program);
        return 0;
    case MT_CLI_VERSION:
        mt_cli_print_version(stdout, program);
        return 0;
    case MT_CLI_BAD_USAGE:
        mt_print_error(program->name, &err);
        return MT_ERR_USAGE;
    case MT_CLI_RUN:
        break;
    }
    /* A trace that cannot be written is a usage error before any work starts. */
    if (options->timeline_path != NULL && mt_trace_check_path(options->timeline_path, &err) != MT_OK) {
        mt_print_error(program->name, &err);
        return MT_ERR_USAGE;
    }
    if (options->threads > 0) omp_set_num_threads(options->threads); /* -t overrides OMP_NUM_THREADS */
    if (options->verbose) mt_cli_print_settings(stderr, program, options);
    return -1;
}

int mt_cli_finish(const mt_program *program, mt_status status, const mt_error *err)
{
    if (status != MT_OK) mt_print_error(program->name, err);
    return (int)status;
}

mt_status mt_cli_report(const mt_program *program, const mt_options *options, const mt_record *record, mt_error *err)
{
    mt_status status = MT_OK;
    if (options->format == MT_FORMAT_TEXT) {
        mt_print_execution_time(record->time.median);
        if (!options->quiet) mt_print_summary(stderr, record);
        json_decref(record->details); /* the JSON and CSV writers take it; text output drops it here */
    } else if (options->format == MT_FORMAT_JSON) {
        status = mt_record_print_json(stdout, record, err);
    } else {
        status = mt_record_print_csv(stdout, record, options->header, err);
    }
    mt_warn_if_too_short(program->name, record->time.median);
    return status;
}

bool mt_cli_wants_timeline(const mt_options *options)
{
    return options->timeline_path != NULL || options->gantt || options->verbose || options->format == MT_FORMAT_JSON;
}

mt_status mt_cli_timeline(const mt_program *program, const mt_options *options, const mt_trace *trace, json_t **details,
                          mt_error *err)
{
    if (options->timeline_path != NULL) {
        mt_status status = mt_trace_write(trace, options->timeline_path, err);
        if (status != MT_OK) return status;
    }
    if (options->gantt) mt_trace_print_gantt(stderr, trace, isatty(fileno(stderr)));
    if (options->verbose) mt_trace_print_summary(stderr, trace);
    if (*details == NULL) *details = json_object();
    json_object_set_new(*details, "timeline", mt_trace_summary(trace));
    (void)program;
    return MT_OK;
}

mt_status mt_cli_local_timeline(const mt_program *program, const mt_options *options, mt_timeline *timeline,
                                const char *mode, double wall_s, double ideal_s, json_t **details, mt_error *err)
{
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    const char *hosts[] = {host};
    mt_trace trace = {.events = timeline->slots,
                      .count = mt_timeline_pack(timeline),
                      .hosts = hosts,
                      .ranks = 1,
                      .aggregated = !timeline->per_unit,
                      .program = program->name,
                      .mode = mode,
                      .wall_s = wall_s,
                      .ideal_s = ideal_s};
    return mt_cli_timeline(program, options, &trace, details, err);
}
