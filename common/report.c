#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

void mt_print_power(int64_t base, mt_operation op, int64_t value)
{
    char line[96];
    int length = snprintf(line, sizeof line, "%" PRId64 " ^ %d = %" PRId64 "\n", base, (int)op, value);
    /* One locked write and a flush per line: lines from several threads interleave whole, and appear as
     * the items complete even when stdout is a pipe. */
    flockfile(stdout);
    fwrite(line, 1, (size_t)length, stdout);
    fflush(stdout);
    funlockfile(stdout);
}

void mt_print_execution_time(double seconds)
{
    printf("Execution Time: %.6f\n", seconds);
    fflush(stdout);
}

const char *const mt_record_columns[] = {
    "program",    "mode",        "transport", "chunk",       "threads", "ranks",  "workers",
    "n",          "work",        "delay_s",   "warmup",      "repeat",  "time_s", "time_min_s",
    "time_max_s", "ideal_s",     "ratio",     "items_per_s", "valid",   "host",   "compiler",
    "openmp",     "mpi_library", "libcurl",   "omp_env",     "job_env", "date",   NULL,
};

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

static json_t *string_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}
static json_t *real_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
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
    char date[32];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    char *omp_env = environment_with_prefixes((const char *const[]){"OMP_", "KMP_", "GOMP_", NULL});
    char *job_env = environment_with_prefixes((const char *const[]){
        "SLURM_JOB_ID=", "SLURM_NTASKS=", "SLURM_CPUS_PER_TASK=", "SLURM_JOB_NUM_NODES=", "SLURM_JOB_NODELIST=",
        "SLURM_ARRAY_TASK_ID=", "PBS_JOBID=", "PBS_NUM_NODES=", "PBS_NP=", NULL});

    json_object_set_new(o, "program", json_string(r->program));
    json_object_set_new(o, "mode", string_or_null(r->mode));
    json_object_set_new(o, "transport", string_or_null(r->transport));
    json_object_set_new(o, "chunk", r->chunk > 0 ? json_integer((json_int_t)r->chunk) : json_null());
    json_object_set_new(o, "threads", json_integer(r->threads));
    json_object_set_new(o, "ranks", json_integer(r->ranks));
    json_object_set_new(o, "workers", json_integer((json_int_t)r->threads * r->ranks));
    json_object_set_new(o, "n", json_integer((json_int_t)r->n));
    json_object_set_new(o, "work", json_string(r->work_label ? r->work_label : mt_work_name(r->work.kind)));
    json_object_set_new(o, "delay_s", json_real(r->work.kind == MT_WORK_NONE ? 0.0 : r->work.delay_s));
    json_object_set_new(o, "warmup", json_integer(r->warmup));
    json_object_set_new(o, "repeat", json_integer(r->repeat));
    json_object_set_new(o, "time_s", timed ? json_real(r->time.median) : json_null());
    json_object_set_new(o, "time_min_s", timed ? json_real(r->time.min) : json_null());
    json_object_set_new(o, "time_max_s", timed ? json_real(r->time.max) : json_null());
    json_object_set_new(o, "ideal_s", real_or_null(r->ideal_s));
    json_object_set_new(o, "ratio", real_or_null(ratio));
    json_object_set_new(o, "items_per_s", real_or_null(rate));
    json_object_set_new(o, "valid", json_boolean(r->valid));
    json_object_set_new(o, "host", json_string(host));
    json_object_set_new(o, "compiler", json_string(compiler_name()));
#ifdef _OPENMP
    json_object_set_new(o, "openmp", json_integer(_OPENMP));
#else
    json_object_set_new(o, "openmp", json_null());
#endif
    json_object_set_new(o, "mpi_library", string_or_null(r->mpi_library));
    json_object_set_new(o, "libcurl", string_or_null(r->libcurl));
    json_object_set_new(o, "omp_env", string_or_null(omp_env));
    json_object_set_new(o, "job_env", string_or_null(job_env));
    json_object_set_new(o, "date", json_string(date));
    free(omp_env);
    free(job_env);
    if (r->details != NULL) {
        json_object_update(o, r->details);
        json_decref(r->details);
    }
    return o;
}

mt_status mt_record_print_json(FILE *out, const mt_record *record, mt_error *err)
{
    json_t *o = mt_record_to_json(record);
    if (o == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory while writing the JSON record");
    int failed = json_dumpf(o, out, JSON_COMPACT | JSON_REAL_PRECISION(9));
    json_decref(o);
    if (failed != 0 || fputc('\n', out) == EOF || fflush(out) != 0)
        return mt_fail(err, MT_ERR_RUNTIME, "cannot write the JSON record");
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

mt_status mt_record_print_csv(FILE *out, const mt_record *record, bool header, mt_error *err)
{
    json_t *o = mt_record_to_json(record);
    if (o == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory while writing the CSV record");
    if (header) {
        for (int i = 0; mt_record_columns[i] != NULL; i++)
            fprintf(out, "%s%s", i ? "," : "", mt_record_columns[i]);
        fputc('\n', out);
    }
    for (int i = 0; mt_record_columns[i] != NULL; i++) {
        if (i) fputc(',', out);
        print_csv_field(out, json_object_get(o, mt_record_columns[i]));
    }
    fputc('\n', out);
    json_decref(o);
    if (fflush(out) != 0) return mt_fail(err, MT_ERR_RUNTIME, "cannot write the CSV record");
    return MT_OK;
}

void mt_print_summary(FILE *out, const mt_record *r)
{
    char workers[64];
    if (r->ranks > 1 || r->transport != NULL)
        snprintf(workers, sizeof workers, "%d rank%s x %d thread%s", r->ranks, r->ranks == 1 ? "" : "s", r->threads,
                 r->threads == 1 ? "" : "s");
    else
        snprintf(workers, sizeof workers, "%d thread%s", r->threads, r->threads == 1 ? "" : "s");
    if (r->workers_note != NULL) snprintf(workers, sizeof workers, "%s", r->workers_note);
    char work[48];
    if (r->work.kind == MT_WORK_NONE)
        snprintf(work, sizeof work, "work none");
    else
        snprintf(work, sizeof work, "work %s %g s", mt_work_name(r->work.kind), r->work.delay_s);
    if (r->work_label != NULL) snprintf(work, sizeof work, "work %s", r->work_label);
    char model[96] = "no ideal-time model for this work";
    if (isfinite(r->ideal_s) && r->ideal_s > 0)
        snprintf(model, sizeof model, "ideal %.4f s, ratio %.3f", r->ideal_s, r->time.median / r->ideal_s);
    fprintf(out, "%s: %s, %s, n %" PRIu64 ", %s: median %.6f s of %d run%s (min %.6f, max %.6f); %s\n", r->program,
            r->mode, workers, r->n, work, r->time.median, r->time.count, r->time.count == 1 ? "" : "s", r->time.min,
            r->time.max, model);
}
