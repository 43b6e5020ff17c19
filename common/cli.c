/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "defaults.h"
#include "timer.h"

#ifndef MT_VERSION
#define MT_VERSION "unknown"
#endif

const char mt_version[] = MT_VERSION;

#define STRINGIFY(x) #x
#define TEXT(x) STRINGIFY(x)

/* The options every program shares, in --help's order. Those of the number list come first, and only for
 * the programs that take one. */
enum {
    OPT_INPUT,
    OPT_GENERATE,
    OPT_SEED,
    OPT_WORK,
    OPT_DELAY,
    NUMBER_OPTIONS, /* the ones above are the number list's */
    OPT_MODE = NUMBER_OPTIONS,
    OPT_THREADS,
    OPT_REPEAT,
    OPT_WARMUP,
    OPT_TIMELINE,
    OPT_GANTT,
    OPT_OUTPUT,
    OPT_JSON,
    OPT_CSV,
    OPT_NO_HEADER,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_VERSION,
    SHARED_OPTIONS
};

static const mt_option shared_options[SHARED_OPTIONS] = {
    [OPT_INPUT] = {"input", 'i', "FILE",
                   "read them from FILE (- is stdin): whitespace separated, # comments;\n" MT_NUMBERS_LIMITS_TEXT,
                   "The numbers (default: " MT_DEFAULT_NUMBERS ", the original lesson's list):\n"
                   "  NUMBER...                 base-10 integers; put negative ones after --: -- -3 4"},
    [OPT_GENERATE] = {"generate", 'g', "N", "N pseudo-random numbers whose cube fits in int64", NULL},
    [OPT_SEED] = {"seed", 's', "S", "the seed for --generate (default " TEXT(MT_DEFAULT_SEED) ")", NULL},
    [OPT_WORK] = {"work", 'w', "KIND",
                  "sleep (the original's time.sleep), spin (burn CPU as long) or none (default " MT_DEFAULT_WORK ")",
                  "The work per item:"},
    [OPT_DELAY] = {"delay", 'd', "SECONDS",
                   "work per item, 0 to " TEXT(MT_MAX_DELAY_S) " seconds (default " TEXT(MT_DEFAULT_DELAY_S) ")", NULL},
    [OPT_MODE] = {"mode", 'm', "MODE", NULL, NULL}, /* its help is the program's list of modes */
    [OPT_THREADS] = {"threads", 't', "N",
                     "OpenMP threads, 1 to " TEXT(
                         MT_MAX_THREADS) " (overrides OMP_NUM_THREADS); OMP_NUM_THREADS\n"
                                         "(each count of a list) and OMP_THREAD_LIMIT are held to the same range,\n"
                                         "refused beyond it; OMP_DYNAMIC=true is turned off, with a warning",
                     "Workers and timing:"},
    [OPT_REPEAT] = {"repeat", 'r', "R",
                    "timed runs, reported as median, min and max, 1 to " TEXT(MT_MAX_REPEAT) " (default " TEXT(
                        MT_DEFAULT_REPEAT) ")",
                    NULL},
    [OPT_WARMUP] = {"warmup", 'W', "W",
                    "untimed runs before them, 0 to " TEXT(MT_MAX_REPEAT) " (default " TEXT(MT_DEFAULT_WARMUP) ")",
                    NULL},
    [OPT_TIMELINE] = {"timeline", 0, "FILE",
                      "record when each item ran on which thread (and rank): FILE.json is a\n"
                      "trace for Perfetto or chrome://tracing, FILE.csv the same as a table",
                      "Output (default: the original's lines, then 'Execution Time: SECONDS'):"},
    [OPT_GANTT] = {"gantt", 0, NULL, "draw that timeline on stderr after the run", NULL},
    [OPT_OUTPUT] = {"output", 'o', "FILE",
                    "the result lines into FILE, written by the program, whole or not at all\n"
                    "(even with --json, --csv or -q); the rest stays on standard output",
                    NULL},
    [OPT_JSON] = {"json", 0, NULL, "one JSON object: the run's record", NULL},
    [OPT_CSV] = {"csv", 0, NULL, "the record as a CSV header and row (--no-header: the row only)", NULL},
    [OPT_NO_HEADER] = {"no-header", 0, NULL, NULL, NULL}, /* told with --csv */
    [OPT_QUIET] = {"quiet", 'q', NULL, "only the 'Execution Time' line (or the record)", NULL},
    [OPT_VERBOSE] = {"verbose", 'v', NULL, "settings, defaults and provenance on stderr", NULL},
    [OPT_HELP] = {"help", 'h', NULL, "this help;  -V, --version  the version", NULL},
    [OPT_VERSION] = {"version", 'V', NULL, NULL, NULL},
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

/* The options a program has: the shared ones it takes (not those its own options replace), then its own.
 * getopt_long hands back val: the option's letter, or 256 + its place in this table. */
typedef struct {
    const mt_option *option;
    int shared; /* the shared option's id, or -1 */
    int own;    /* the program's option's index, or -1 */
} table_entry;

enum { TABLE_MAX = SHARED_OPTIONS + 64, LONG_ONLY = 256 };

typedef struct {
    table_entry entries[TABLE_MAX];
    int count;
    struct option long_options[TABLE_MAX + 1];
    char short_options[2 * TABLE_MAX + 2];
} option_table;

static bool replaced(const mt_program *program, const mt_option *shared)
{
    for (int i = 0; i < program->option_count; i++) {
        const mt_option *own = &program->options[i];
        if (strcmp(own->name, shared->name) == 0 || (own->letter != 0 && own->letter == shared->letter)) return true;
    }
    return false;
}

static void add_entry(option_table *table, const mt_option *option, int shared, int own)
{
    int i = table->count++;
    table->entries[i] = (table_entry){option, shared, own};
    int val = option->letter != 0 ? option->letter : LONG_ONLY + i;
    table->long_options[i] =
        (struct option){option->name, option->value != NULL ? required_argument : no_argument, NULL, val};
    if (option->letter != 0) {
        size_t length = strlen(table->short_options);
        table->short_options[length++] = option->letter;
        if (option->value != NULL) table->short_options[length++] = ':';
        table->short_options[length] = '\0';
    }
}

static void build_table(const mt_program *program, option_table *table)
{
    memset(table, 0, sizeof *table);
    table->short_options[0] = ':'; /* a missing value is ':', not '?' */
    for (int id = 0; id < SHARED_OPTIONS; id++) {
        if (id < NUMBER_OPTIONS && !program->numbers) continue;
        if (id == OPT_MODE && program->modes == NULL) continue;
        if (id == OPT_OUTPUT && !program->numbers) continue; /* the result lines are the number programs' */
        if (!replaced(program, &shared_options[id])) add_entry(table, &shared_options[id], id, -1);
    }
    for (int i = 0; i < program->option_count && table->count < TABLE_MAX; i++)
        add_entry(table, &program->options[i], -1, i);
}

static const table_entry *find_entry(const option_table *table, int val)
{
    if (val >= LONG_ONLY && val - LONG_ONLY < table->count) return &table->entries[val - LONG_ONLY];
    for (int i = 0; i < table->count; i++)
        if (table->entries[i].option->letter == val) return &table->entries[i];
    return NULL;
}

static mt_cli_result bad_usage(mt_error *err, const mt_program *program, const char *format, const char *what)
{
    char message[MT_ERROR_MESSAGE_SIZE - 64];
    snprintf(message, sizeof message, format, what);
    mt_fail(err, MT_ERR_USAGE, "%s (see '%s --help')", message, program->name);
    return MT_CLI_BAD_USAGE;
}

/* err holds a value's message: the same, pointing to --help. */
static mt_cli_result bad_value(mt_error *err, const mt_program *program)
{
    char message[MT_ERROR_MESSAGE_SIZE - 64];
    snprintf(message, sizeof message, "%.*s", (int)sizeof message - 1, err->message);
    return bad_usage(err, program, "%s", message);
}

/* --mode MODE: one of the program's modes, or a usage error naming them all. */
static mt_cli_result apply_mode(const char *value, const mt_program *program, mt_options *o, mt_error *err)
{
    for (const char *const *mode = program->modes; *mode != NULL; mode++)
        if (strcmp(value, *mode) == 0) {
            o->mode = *mode;
            return MT_CLI_RUN;
        }
    char modes[256] = "", unknown[96];
    for (const char *const *mode = program->modes; *mode != NULL; mode++)
        snprintf(modes + strlen(modes), sizeof modes - strlen(modes), "%s%s",
                 modes[0] == '\0'  ? ""
                 : mode[1] == NULL ? " or "
                                   : ", ",
                 *mode);
    snprintf(unknown, sizeof unknown, "%.60s", value);
    char message[MT_ERROR_MESSAGE_SIZE - 64];
    snprintf(message, sizeof message, "--mode: unknown mode '%s' (%s)", unknown, modes);
    return bad_usage(err, program, "%s", message);
}

/* One shared option's value into o. */
static mt_cli_result apply_shared(int id, const char *value, const mt_program *program, mt_options *o, bool *seed_given,
                                  bool *no_header, mt_error *err)
{
    uint64_t count;
    switch (id) {
    case OPT_HELP:
        return MT_CLI_HELP;
    case OPT_VERSION:
        return MT_CLI_VERSION;
    case OPT_MODE:
        return apply_mode(value, program, o, err);
    case OPT_INPUT:
        o->input_path = value;
        break;
    case OPT_GENERATE:
        if (mt_parse_count(value, "--generate", 0, UINT64_MAX, &o->generate_count, err)) return bad_value(err, program);
        o->generate = true;
        break;
    case OPT_SEED:
        if (mt_parse_count(value, "--seed", 0, UINT64_MAX, &o->seed, err)) return bad_value(err, program);
        *seed_given = true;
        break;
    case OPT_WORK:
        if (!mt_work_parse(value, &o->work.kind))
            return bad_usage(err, program, "--work: unknown work '%s' (sleep, spin or none)", value);
        break;
    case OPT_DELAY:
        if (mt_parse_seconds(value, "--delay", MT_MAX_DELAY_S, &o->work.delay_s, err)) return bad_value(err, program);
        break;
    case OPT_THREADS:
        if (mt_parse_count(value, "--threads", 1, MT_MAX_THREADS, &count, err)) return bad_value(err, program);
        o->threads = (int)count;
        break;
    case OPT_REPEAT:
        if (mt_parse_count(value, "--repeat", 1, MT_MAX_REPEAT, &count, err)) return bad_value(err, program);
        o->repeat = (int)count;
        break;
    case OPT_WARMUP:
        if (mt_parse_count(value, "--warmup", 0, MT_MAX_REPEAT, &count, err)) return bad_value(err, program);
        o->warmup = (int)count;
        break;
    case OPT_JSON:
    case OPT_CSV: {
        mt_format format = id == OPT_JSON ? MT_FORMAT_JSON : MT_FORMAT_CSV;
        if (o->format != MT_FORMAT_TEXT && o->format != format)
            return bad_usage(err, program, "%s", "--json and --csv cannot be used together");
        o->format = format;
        break;
    }
    case OPT_NO_HEADER:
        *no_header = true;
        break;
    case OPT_VERBOSE:
        o->verbose = true;
        break;
    case OPT_QUIET:
        o->quiet = true;
        break;
    case OPT_TIMELINE:
        o->timeline_path = value;
        break;
    case OPT_GANTT:
        o->gantt = true;
        break;
    case OPT_OUTPUT:
        o->output_path = value;
        break;
    }
    return MT_CLI_RUN;
}

mt_cli_result mt_cli_parse(int argc, char **argv, const mt_program *program, mt_options *o, void *settings,
                           mt_error *err)
{
    *o = (mt_options){
        .started_at = mt_now(),
        .mode = program->modes != NULL ? program->modes[0] : NULL,
        .seed = MT_DEFAULT_SEED,
        .work = {.kind = MT_WORK_SLEEP, .delay_s = MT_DEFAULT_DELAY_S},
        .warmup = MT_DEFAULT_WARMUP,
        .repeat = MT_DEFAULT_REPEAT,
        .header = true,
        .argc = argc,
        .argv = argv,
    };
    mt_output_init(&o->output, stdout, "standard output");
    o->lines = &o->output;
    option_table table;
    build_table(program, &table);
    bool seed_given = false, no_header = false;
#ifdef __GLIBC__
    optind = 0; /* glibc's way to restart getopt from scratch */
#else
    optind = 1;
#endif
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, table.short_options, table.long_options, NULL)) != -1) {
        if (c == ':') return bad_usage(err, program, "option '%s' needs a value", argv[optind - 1]);
        const table_entry *entry = c == '?' ? NULL : find_entry(&table, c);
        if (entry == NULL) {
            char shown[64];
            if (optopt != 0 && optopt < LONG_ONLY)
                snprintf(shown, sizeof shown, "-%c", optopt);
            else
                snprintf(shown, sizeof shown, "%.60s", argv[optind - 1]);
            /* "-3": a negative number read as an option, which getopt takes for the letter 3 */
            bool negative = optopt >= '0' && optopt <= '9';
            return bad_usage(err, program,
                             negative && program->numbers
                                 ? "unknown option '%s': put negative numbers after --, as in -- -3 4"
                                 : "unknown option '%s'",
                             shown);
        }
        if (entry->own >= 0) {
            if (program->parse_option(settings, entry->own, optarg, err) != MT_OK) return bad_value(err, program);
            continue;
        }
        mt_cli_result result = apply_shared(entry->shared, optarg, program, o, &seed_given, &no_header, err);
        if (result != MT_CLI_RUN) return result;
    }
    o->operands = argv + optind;
    o->operand_count = argc - optind;
    if (program->numbers) {
        int sources = (o->operand_count > 0) + (o->input_path != NULL) + o->generate;
        if (sources > 1)
            return bad_usage(err, program, "%s",
                             "give the numbers one way: as arguments, with --input or with --generate");
        if (seed_given && !o->generate) return bad_usage(err, program, "%s", "--seed needs --generate");
    }
    if (no_header && o->format != MT_FORMAT_CSV) return bad_usage(err, program, "%s", "--no-header needs --csv");
    o->header = !no_header;
    if (program->check != NULL && program->check(settings, o, err) != MT_OK) return bad_value(err, program);
    return MT_CLI_RUN;
}

/* One option's lines: "  -L, --NAME VALUE" then its help at column 28, continuation lines under it. */
static void print_option(FILE *out, const mt_option *option)
{
    char left[64];
    snprintf(left, sizeof left, "%s--%s%s%s", option->letter ? (char[]){'-', option->letter, ',', ' ', '\0'} : "    ",
             option->name, option->value ? " " : "", option->value ? option->value : "");
    const char *help = option->help != NULL ? option->help : "";
    int width = (int)strlen(left) > 24 ? 0 : 24 - (int)strlen(left);
    fprintf(out, "  %s%*s  ", left, width, "");
    for (const char *c = help; *c != '\0'; c++) {
        fputc(*c, out);
        if (*c == '\n') fprintf(out, "%28s", "");
    }
    fputc('\n', out);
}

static void print_section(FILE *out, const mt_option *option, bool *open_section)
{
    if (option->section != NULL) {
        fprintf(out, "%s%s\n", *open_section ? "\n" : "", option->section);
        *open_section = true;
    }
}

void mt_cli_print_help(FILE *out, const mt_program *p)
{
    fprintf(out, "Usage: %s [OPTION]... %s\n%s\n\n", p->name, p->operands ? p->operands : "", p->summary);
    option_table table;
    build_table(p, &table);
    bool open_section = false;
    /* The number list and the work, the modes, the program's own options, then the shared ones. */
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1 && p->modes != NULL) {
            fprintf(out, "%sModes (-m, --mode MODE; default %s):\n%s", open_section ? "\n" : "", p->modes[0],
                    p->modes_help);
            open_section = true;
        }
        for (int i = 0; i < table.count; i++) {
            const table_entry *e = &table.entries[i];
            bool numbers = e->shared >= 0 && e->shared < NUMBER_OPTIONS;
            if ((pass == 0) != numbers || (pass == 1) != (e->own >= 0) || e->option->help == NULL) continue;
            print_section(out, e->option, &open_section);
            print_option(out, e->option);
        }
    }
    fprintf(out, "\n%s", p->notes);
    fputs(p->exit_status != NULL ? p->exit_status
                                 : "\nExit status: 0 success; 1 a runtime failure (results did not validate, an MPI "
                                   "error, output that\ncould not be written); 2 a usage or input error (bad option, "
                                   "bad number, a cube that overflows\nint64, unreadable file).\n",
          out);
}

/* --version, as curl -V: the suite, the commit, the compiler and the libraries the program was built with. */
void mt_cli_print_version(FILE *out, const mt_program *p)
{
#if defined(__clang__)
    const char *compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    const char *compiler = "gcc " __VERSION__;
#else
    const char *compiler = "unknown";
#endif
    fprintf(out, "%s (multitarefas) %s\ncommit: %s\ncompiler: %s\nOpenMP: %d\n", p->name, mt_version, mt_commit,
            compiler, _OPENMP);
    if (p->print_libraries != NULL)
        p->print_libraries(out);
    else
        fputs("MPI: none\nlibcurl: none\n", out);
}

void mt_cli_print_settings(FILE *out, const mt_program *p, const mt_options *o, const void *settings)
{
    if (p->numbers) {
        fprintf(out, "%s: defaults: numbers %s, work %s, delay %g s, repeat %d, warmup %d, seed %d\n", p->name,
                MT_DEFAULT_NUMBERS, MT_DEFAULT_WORK, MT_DEFAULT_DELAY_S, MT_DEFAULT_REPEAT, MT_DEFAULT_WARMUP,
                MT_DEFAULT_SEED);
        const char *source = o->input_path != NULL ? "file"
                             : o->generate         ? "generated"
                             : o->operand_count    ? "arguments"
                                                   : "default";
        const char *mode = o->mode != NULL ? o->mode : p->record_mode != NULL ? p->record_mode(settings) : "-";
        fprintf(out, "%s: in force: mode %s, numbers from %s, work %s, delay %g s, repeat %d, warmup %d, threads %s\n",
                p->name, mode, source, mt_work_name(o->work.kind), o->work.delay_s, o->repeat, o->warmup,
                o->threads ? "from -t" : "from OMP_NUM_THREADS or the runtime");
    }
    if (p->print_settings != NULL) p->print_settings(out, settings);
}

int mt_cli_help_written(const mt_program *program)
{
    mt_output out;
    mt_output_init(&out, stdout, "standard output");
    mt_error err;
    if (mt_output_finish(&out, &err) == MT_OK) return 0;
    mt_print_error(program->name, &err);
    return MT_ERR_RUNTIME;
}
