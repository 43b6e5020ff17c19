/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* record.c - the record of a run (report.h): its JSON object and CSV row, their columns and provenance, and the
 * summary a person reads. The checked output and the result lines are report.c's. */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *const mt_record_columns[] = {
    "program",
    "mode",
    "threads",
    "ranks",
    "workers",
    "nodes",
    "cpus_allowed_total",
    "oversubscribed",
    "n",
    "work",
    "delay_s",
    "warmup",
    "repeat",
    "time_s",
    "time_min_s",
    "time_max_s",
    "time_ci95_lo_s",
    "time_ci95_hi_s",
    "ideal_s",
    "ratio",
    "items_per_s",
    "read_s",
    "setup_s",
    "output_s",
    "end_to_end_s",
    "serial_fraction",
    "valid",
    "host",
    "compiler",
    "openmp",
    "mpi_library",
    "omp_env",
    "job_env",
    "date",
    "cpu_s",
    "cpu_user_s",
    "cpu_sys_s",
    "cpus_busy",
    "cpu_queue_s",
    "max_rss_mib",
    "machine_busy",
    "schema_version",
    "suite_version",
    "commit",
    NULL,
};

#ifndef MT_VERSION
#define MT_VERSION "unknown"
#endif

static const char *compiler_name(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#else
    return "unknown";
#endif
}

/* "NAME=VALUE NAME=VALUE" for the environment variables whose name starts with one of prefixes. */
static char *environment_with_prefixes(const char *const *prefixes)
{
    size_t size = 1;
    for (char **entry = environ; *entry != NULL; entry++)
        size += strlen(*entry) + 1;
    char *joined = calloc(size, 1);
    if (joined == NULL) return NULL;
    for (char **entry = environ; *entry != NULL; entry++) {
        for (const char *const *prefix = prefixes; *prefix != NULL; prefix++) {
            if (strncmp(*entry, *prefix, strlen(*prefix)) != 0) continue;
            if (joined[0] != '\0') strcat(joined, " ");
            strcat(joined, *entry);
            break;
        }
    }
    return joined;
}

double mt_record_setup_s(const mt_record *r)
{
    double setup = r->end_to_end_s - r->read_s - r->runs_s - r->output_s;
    return setup > 0 ? setup : 0;
}

double mt_record_serial_fraction(const mt_record *r)
{
    double serial = r->end_to_end_s - r->runs_s, whole = serial + r->time.median;
    return serial >= 0 && whole > 0 ? serial / whole : NAN;
}

json_t *mt_json_text(const char *text)
{
    if (text == NULL) return json_null();
    json_t *string = json_string(text);
    if (string != NULL) return string;
    size_t size = 4 * strlen(text) + 1;
    char *escaped = malloc(size);
    if (escaped == NULL) return json_string("");
    string = json_string(mt_escape_text(text, false, escaped, size));
    free(escaped);
    return string;
}

static json_t *real_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

double mt_machine_other_cpus(double machine_busy_s, double own_cpu_s, double wall_s)
{
    if (!isfinite(machine_busy_s) || !isfinite(own_cpu_s) || !(wall_s > 0)) return NAN;
    double other = (machine_busy_s - own_cpu_s) / wall_s;
    return other > 0 ? other : 0;
}

void mt_cpu_words(double cpus_busy, double queued_cpus, int workers, char *out, size_t size)
{
    if (!isfinite(cpus_busy)) {
        snprintf(out, size, "CPU time unknown");
        return;
    }
    /* Time queued counts as CPUs wanted up to MT_QUEUED_PER_BUSY times the CPU the run got: a computing thread
     * kept off the CPU by other work still gets some of it, while sleeping tasks that wake behind other work
     * queue for a moment each and use almost none (they were waiting, not held back from computing). */
    double queued = isfinite(queued_cpus) && queued_cpus > 0 ? fmin(queued_cpus, MT_QUEUED_PER_BUSY * cpus_busy) : 0;
    double wanted = cpus_busy + queued;
    const char *words = wanted < MT_WAITING_BELOW_CPUS ? (workers > 1 ? "waiting (concurrency)" : "waiting")
                        : wanted < MT_PARALLEL_FROM_CPUS
                            ? (workers > 1 ? "computing on one CPU at a time (no parallelism)" : "computing on one CPU")
                            : "computing (parallelism)";
    if (queued >= MT_QUEUED_CPUS && wanted >= MT_WAITING_BELOW_CPUS)
        snprintf(out, size, "%s, held back: %.2f more CPUs wanted", words, queued);
    else
        snprintf(out, size, "%s", words);
}

double mt_record_cpus_busy(const mt_record *r)
{
    double cpu = r->cpu_user_s + r->cpu_sys_s;
    return isfinite(cpu) && r->cpu_wall_s > 0 ? cpu / r->cpu_wall_s : NAN;
}

/* The command line as an array of words, URL passwords masked. */
static json_t *command_json(const mt_record *r)
{
    json_t *command = json_array();
    for (int i = 0; r->argv != NULL && i < r->argc && r->argv[i] != NULL; i++) {
        char *masked = mt_mask_passwords(r->argv[i]);
        if (masked == NULL) break;
        json_array_append_new(command, mt_json_text(masked));
        free(masked);
    }
    return command;
}

/* The hosts the ranks ran on, each once, in rank order of first appearance. */
static json_t *distinct_hosts(const mt_record *r, const char *this_host)
{
    json_t *hosts = json_array();
    int ranks = r->rank_hosts != NULL ? r->ranks : 1;
    for (int rank = 0; rank < ranks; rank++) {
        const char *host = r->rank_hosts != NULL ? r->rank_hosts[rank] : this_host;
        bool seen = false;
        for (int before = 0; before < rank && !seen; before++)
            seen = strcmp(r->rank_hosts[before], host) == 0;
        if (!seen) json_array_append_new(hosts, mt_json_text(host));
    }
    return hosts;
}

/* The provenance columns, from host to date: where, built by what, under which environment, and when. */
static void add_provenance(json_t *o, const mt_record *r, const char *host)
{
    char date[32];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    char *omp_env = environment_with_prefixes((const char *const[]){"OMP_", "KMP_", "GOMP_", NULL});
    char *job_env = environment_with_prefixes((const char *const[]){
        "SLURM_JOB_ID=", "SLURM_NTASKS=", "SLURM_CPUS_PER_TASK=", "SLURM_JOB_NUM_NODES=", "SLURM_JOB_NODELIST=",
        "SLURM_ARRAY_TASK_ID=", "PBS_JOBID=", "PBS_NUM_NODES=", "PBS_NP=", NULL});
    json_object_set_new(o, "host", mt_json_text(r->rank_hosts != NULL ? r->rank_hosts[0] : host));
    json_object_set_new(o, "compiler", json_string(compiler_name()));
#ifdef _OPENMP
    json_object_set_new(o, "openmp", json_integer(_OPENMP));
#else
    json_object_set_new(o, "openmp", json_null());
#endif
    json_object_set_new(o, "mpi_library", mt_json_text(r->mpi_library));
    json_object_set_new(o, "omp_env", mt_json_text(omp_env));
    json_object_set_new(o, "job_env", mt_json_text(job_env));
    json_object_set_new(o, "date", json_string(date));
    free(omp_env);
    free(job_env);
}

json_t *mt_record_to_json(const mt_record *r)
{
    json_t *o = json_object();
    if (o == NULL) return NULL;
    bool timed = r->valid && r->time.count > 0;
    double ratio = timed && isfinite(r->ideal_s) && r->ideal_s > 0 ? r->time.median / r->ideal_s : NAN;
    double rate = timed && r->time.median > 0 ? (double)r->n / r->time.median : NAN;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    json_t *hosts = distinct_hosts(r, host);

    json_object_set_new(o, "program", mt_json_text(r->program));
    json_object_set_new(o, "mode", mt_json_text(r->mode));
    json_object_set_new(o, "threads", json_integer(r->threads));
    json_object_set_new(o, "ranks", json_integer(r->ranks));
    json_object_set_new(o, "workers", json_integer((json_int_t)r->threads * r->ranks));
    json_object_set_new(o, "nodes", json_integer((json_int_t)json_array_size(hosts)));
    mt_placement_verdict placement;
    mt_placement_judge(r->places, r->place_count, r->mpi_library != NULL, &placement);
    json_object_set_new(o, "cpus_allowed_total",
                        r->place_count > 0 ? json_integer(placement.cpus_allowed_total) : json_null());
    json_object_set_new(o, "oversubscribed", r->place_count > 0 ? json_boolean(placement.oversubscribed) : json_null());
    json_object_set_new(o, "n", json_integer((json_int_t)r->n));
    json_object_set_new(o, "work", json_string(mt_work_name(r->work.kind)));
    json_object_set_new(o, "delay_s", json_real(r->work.kind == MT_WORK_NONE ? 0.0 : r->work.delay_s));
    json_object_set_new(o, "warmup", json_integer(r->warmup));
    json_object_set_new(o, "repeat", json_integer(r->repeat));
    json_object_set_new(o, "time_s", timed ? json_real(r->time.median) : json_null());
    json_object_set_new(o, "time_min_s", timed ? json_real(r->time.min) : json_null());
    json_object_set_new(o, "time_max_s", timed ? json_real(r->time.max) : json_null());
    bool interval = timed && r->time.count >= MT_CI_MIN_RUNS && isfinite(r->time.ci_low);
    json_object_set_new(o, "time_ci95_lo_s", interval ? json_real(r->time.ci_low) : json_null());
    json_object_set_new(o, "time_ci95_hi_s", interval ? json_real(r->time.ci_high) : json_null());
    json_object_set_new(o, "ideal_s", real_or_null(r->ideal_s));
    json_object_set_new(o, "ratio", real_or_null(ratio));
    json_object_set_new(o, "items_per_s", real_or_null(rate));
    json_object_set_new(o, "read_s", real_or_null(r->read_s));
    json_object_set_new(o, "setup_s", real_or_null(mt_record_setup_s(r)));
    json_object_set_new(o, "output_s", real_or_null(r->output_s));
    json_object_set_new(o, "end_to_end_s", real_or_null(r->end_to_end_s));
    json_object_set_new(o, "serial_fraction", timed ? real_or_null(mt_record_serial_fraction(r)) : json_null());
    json_object_set_new(o, "valid", json_boolean(r->valid));
    add_provenance(o, r, host);
    json_object_set_new(o, "cpu_s", real_or_null(r->cpu_user_s + r->cpu_sys_s));
    json_object_set_new(o, "cpu_user_s", real_or_null(r->cpu_user_s));
    json_object_set_new(o, "cpu_sys_s", real_or_null(r->cpu_sys_s));
    json_object_set_new(o, "cpus_busy", real_or_null(mt_record_cpus_busy(r)));
    json_object_set_new(o, "cpu_queue_s", real_or_null(r->cpu_queue_s));
    json_object_set_new(o, "max_rss_mib", real_or_null(r->max_rss_mib));
    json_object_set_new(o, "machine_busy", real_or_null(r->machine_busy));
    json_object_set_new(o, "schema_version", json_integer(MT_RECORD_SCHEMA_VERSION));
    json_object_set_new(o, "suite_version", json_string(MT_VERSION));
    json_object_set_new(o, "commit", mt_json_text(mt_commit));
    if (r->fields != NULL) json_object_update(o, r->fields);
    json_object_set_new(o, "hosts", hosts);
    if (interval) json_object_set_new(o, "time_ci95_s", json_pack("[f, f]", r->time.ci_low, r->time.ci_high));
    json_object_set_new(o, "placement", mt_placement_json(r->places, r->place_count));
    json_t *times = json_array();
    for (int i = 0; timed && r->samples != NULL && i < r->time.count; i++)
        json_array_append_new(times, json_real(r->samples[i].elapsed_s));
    json_object_set_new(o, "times_s", times);
    json_object_set_new(o, "command", command_json(r));
    if (r->details != NULL) json_object_update(o, r->details);
    return o;
}

mt_status mt_record_print_json(mt_output *out, const mt_record *record, mt_error *err)
{
    json_t *o = mt_record_to_json(record);
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
    json_decref(o);
    if (text == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory while writing the JSON record");
    size_t length = strlen(text);
    text[length] = '\n'; /* json_dumps's terminating NUL becomes the line's end */
    mt_output_write(out, text, length + 1, true);
    free(text);
    return MT_OK;
}

void mt_csv_print_string(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s != '\0'; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* One CSV field from a JSON scalar; null is an empty field. */
static void print_csv_field(FILE *out, json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_STRING:
        mt_csv_print_string(out, json_string_value(value));
        break;
    case JSON_INTEGER:
        fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        break;
    case JSON_REAL:
        fprintf(out, "%.9g", json_real_value(value));
        break;
    case JSON_TRUE:
        fputs("true", out);
        break;
    case JSON_FALSE:
        fputs("false", out);
        break;
    default:
        break;
    }
}

mt_status mt_record_print_csv(mt_output *out, const mt_record *record, bool header, mt_error *err)
{
    json_t *o = mt_record_to_json(record);
    char *text = NULL;
    size_t length = 0;
    FILE *csv = o != NULL ? open_memstream(&text, &length) : NULL;
    if (csv == NULL) {
        json_decref(o);
        return mt_fail(err, MT_ERR_RUNTIME, "out of memory while writing the CSV record");
    }
    /* The columns are the object's scalar keys, in order: the common ones, then the program's fields. */
    const char *key;
    json_t *value;
    for (int line = header ? 0 : 1; line < 2; line++) {
        bool first = true;
        json_object_foreach(o, key, value)
        {
            if (json_is_object(value) || json_is_array(value)) continue;
            if (!first) fputc(',', csv);
            if (line == 0)
                fputs(key, csv);
            else
                print_csv_field(csv, value);
            first = false;
        }
        fputc('\n', csv);
    }
    json_decref(o);
    bool failed = fclose(csv) != 0;
    if (!failed) mt_output_write(out, text, length, true);
    free(text);
    if (failed) return mt_fail(err, MT_ERR_RUNTIME, "out of memory while writing the CSV record");
    return MT_OK;
}

bool mt_color_wanted(int fd)
{
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    if (no_color != NULL && no_color[0] != '\0') return false;
    if (term != NULL && strcmp(term, "dumb") == 0) return false;
    return isatty(fd) == 1;
}

/* Clauses joined by "; " (by " " after one that ends with a colon) into lines of at most MT_SUMMARY_COLUMNS,
 * a line broken only between clauses, the lines after the first indented by two spaces. */
static void print_wrapped(FILE *out, const char *const *clauses, int count)
{
    int column = 0;
    bool after_colon = false;
    for (int i = 0; i < count; i++) {
        int length = (int)strlen(clauses[i]);
        if (length == 0) continue;
        const char *separator = after_colon ? " " : "; ";
        if (column == 0) {
            fputs(clauses[i], out);
            column = length;
        } else if (column + (int)strlen(separator) + length <= MT_SUMMARY_COLUMNS) {
            fprintf(out, "%s%s", separator, clauses[i]);
            column += (int)strlen(separator) + length;
        } else {
            fprintf(out, "%s\n  %s", after_colon ? "" : ";", clauses[i]);
            column = 2 + length;
        }
        after_colon = clauses[i][length - 1] == ':';
    }
    fputc('\n', out);
}
void mt_print_summary(FILE *out, const mt_record *r)
{
    char workers[64];
    if (r->ranks > 1 || r->mpi_library != NULL)
        snprintf(workers, sizeof workers, "%d rank%s x %d thread%s", r->ranks, r->ranks == 1 ? "" : "s", r->threads,
                 r->threads == 1 ? "" : "s");
    else
        snprintf(workers, sizeof workers, "%d thread%s", r->threads, r->threads == 1 ? "" : "s");
    if (r->hooks.workers != NULL) snprintf(workers, sizeof workers, "%s", r->hooks.workers);
    char work[48];
    if (r->work.kind == MT_WORK_NONE)
        snprintf(work, sizeof work, "work none");
    else
        snprintf(work, sizeof work, "work %s %g s", mt_work_name(r->work.kind), r->work.delay_s);
    /* a program whose work is its own names it in its fields ("work"), as the record does */
    const char *own_work = json_string_value(json_object_get(r->fields, "work"));
    if (own_work != NULL) snprintf(work, sizeof work, "work %s", own_work);
    char what[256], times[160], spread[96] = "", model[96] = "no ideal-time model for this work";
    snprintf(what, sizeof what, "%s: %s, %s, n %" PRIu64 ", %s:", r->program, r->mode, workers, r->n, work);
    if (r->time.count >= MT_CI_MIN_RUNS && isfinite(r->time.ci_low))
        snprintf(spread, sizeof spread, "95%% interval %.6f to %.6f", r->time.ci_low, r->time.ci_high);
    snprintf(times, sizeof times, "median %.6f s of %d run%s (min %.6f, max %.6f)", r->time.median, r->time.count,
             r->time.count == 1 ? "" : "s", r->time.min, r->time.max);
    if (isfinite(r->ideal_s) && r->ideal_s > 0)
        snprintf(model, sizeof model, "ideal %.4f s, ratio %.3f", r->ideal_s, r->time.median / r->ideal_s);
    mt_placement_verdict placement;
    mt_placement_judge(r->places, r->place_count, r->mpi_library != NULL, &placement);
    bool waits = r->hooks.waits || r->work.kind == MT_WORK_SLEEP;
    const char *shared = placement.oversubscribed && waits ? "more workers than CPUs, as waiting work may have" : "";
    char cpu[160] = "", words[96], memory[48] = "", busy[96] = "";
    double busy_cpus = mt_record_cpus_busy(r);
    mt_cpu_words(busy_cpus, r->cpu_wall_s > 0 ? r->cpu_queue_s / r->cpu_wall_s : NAN, r->threads * r->ranks, words,
                 sizeof words);
    /* "held back: ..." a clause of its own, so that each clause fits a line */
    char held[64] = "", *held_at = strstr(words, ", held back");
    if (held_at != NULL) {
        snprintf(held, sizeof held, "%s", held_at + 2);
        *held_at = '\0';
    }
    if (isfinite(busy_cpus))
        snprintf(cpu, sizeof cpu, "CPU %.3f s, %.2f CPUs busy: %s", r->cpu_user_s + r->cpu_sys_s, busy_cpus, words);
    if (isfinite(r->max_rss_mib)) snprintf(memory, sizeof memory, "peak memory %.1f MiB", r->max_rss_mib);
    if (isfinite(r->machine_busy) && r->machine_busy >= MT_MACHINE_BUSY_CPUS)
        snprintf(busy, sizeof busy, "machine busy: other work used %.1f CPUs, times may suffer", r->machine_busy);
    const char *clauses[] = {what,   times, spread, model, cpu, held, r->hooks.clause != NULL ? r->hooks.clause : "",
                             memory, busy,  shared};
    print_wrapped(out, clauses, (int)(sizeof clauses / sizeof clauses[0]));
}
