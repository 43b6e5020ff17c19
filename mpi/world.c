/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "world.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <omp.h>

#include "threads.h"

mt_status world_mpi_failure(int code, const char *call, mt_error *err)
{
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) snprintf(text, sizeof text, "error code %d", code);
    return mt_fail(err, MT_ERR_RUNTIME, "%s failed: %s", call, text);
}

mt_status world_agree(const world_info *world, mt_status local, const mt_error *local_err, mt_error *err)
{
    const char *program = world->program;
    int worst = (int)local;
    int code = MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (local != MT_OK) mt_print_error(program, local_err);
    if (code != MPI_SUCCESS) {
        mt_status status = world_mpi_failure(code, "MPI_Allreduce", err);
        mt_print_error(program, err);
        return status;
    }
    return (mt_status)worst;
}

/* world_agree, but where every rank fails alike (the same environment, the same library), rank 0 alone says why. */
static mt_status agree_rank0_says(const world_info *world, mt_status local, const mt_error *local_err, mt_error *err)
{
    int verdicts[2] = {(int)local, world->rank == 0 ? (int)local : 0}; /* the worst, and rank 0's */
    int code = MPI_Allreduce(MPI_IN_PLACE, verdicts, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (local != MT_OK && (world->rank == 0 || verdicts[1] == MT_OK)) mt_print_error(world->program, local_err);
    if (code != MPI_SUCCESS) {
        mt_status status = world_mpi_failure(code, "MPI_Allreduce", err);
        mt_print_error(world->program, err);
        return status;
    }
    return (mt_status)verdicts[0];
}

/* Threads for this rank: -t, else OMP_NUM_THREADS, else this node's cores shared by its ranks (within
 * OMP_THREAD_LIMIT). */
static int choose_threads(const mt_options *options, int node_size)
{
    if (options->threads > 0) return options->threads;
    int from_environment = mt_threads_from_environment();
    if (from_environment > 0) return from_environment;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long threads = cores / node_size, limit = omp_get_thread_limit();
    if (threads > limit) threads = limit;
    return threads < 1 ? 1 : (int)threads;
}

/* The variables a launcher sets for each process it starts, as this process found them: read before main, because
 * an Open MPI singleton's MPI_Init writes PMIx variables of its own (PMIX_RANK=0) over them. Written once, by
 * note_launcher, before main; only read after. */
static const char *const launcher_names[] = {
    "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMI_SIZE",  "PMI_RANK",
    "MPI_LOCALNRANKS",      "MPI_LOCALRANKID",      "PMIX_RANK", "SLURM_STEP_NUM_TASKS",
    "SLURM_PROCID"};
enum { LAUNCHER_NAMES = sizeof launcher_names / sizeof launcher_names[0] };
static long launcher_at_start[LAUNCHER_NAMES];

__attribute__((constructor)) static void note_launcher(void)
{
    for (int k = 0; k < LAUNCHER_NAMES; k++) {
        const char *text = getenv(launcher_names[k]);
        char *end = NULL;
        long value = text != NULL && *text >= '0' && *text <= '9' ? strtol(text, &end, 10) : -1;
        launcher_at_start[k] = end != NULL && *end != '\0' ? -1 : value;
    }
}

/* A launcher's variable for this very process as it was at the start, as a count (-1 when unset or not one). */
static long launcher_count(const char *name)
{
    for (int k = 0; name != NULL && k < LAUNCHER_NAMES; k++)
        if (strcmp(name, launcher_names[k]) == 0) return launcher_at_start[k];
    return -1;
}

/* A singleton whose launcher started more processes: the launcher speaks another MPI than the build's (Open MPI's
 * mpirun for an MPICH build, MPICH's mpiexec for an Open MPI one, srun without the plugin the build needs), and
 * every process would compute the whole list alone. Only what a launcher sets for each process it starts counts:
 * a batch job's SLURM_NTASKS is the allocation's, and a program run in it without srun is a true singleton.
 * MT_ERR_USAGE naming both MPIs; the process the launcher calls rank 0 (or any, when it names none) says it. */
static mt_status check_launcher(const world_info *world, mt_error *err)
{
    if (world->size != 1) return MT_OK;
    static const struct {
        const char *size, *rank, *launcher;
    } launchers[] = {
        {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "Open MPI's mpirun"},
        {"PMI_SIZE", "PMI_RANK", "a PMI launcher (MPICH's mpiexec, Hydra, or srun --mpi=pmi2)"},
        {"MPI_LOCALNRANKS", "MPI_LOCALRANKID", "MPICH's mpiexec (Hydra)"},
        {NULL, "PMIX_RANK", "a PMIx launcher (prterun, Open MPI 5's mpirun, or srun --mpi=pmix)"},
    };
    const char *launcher = NULL, *name = NULL;
    long count = -1, rank = -1;
    bool any = false;
    for (size_t k = 0; k < sizeof launchers / sizeof launchers[0] && launcher == NULL; k++) {
        long size = launcher_count(launchers[k].size);
        long its_rank = launcher_count(launchers[k].rank);
        any = any || size >= 0 || its_rank >= 0;
        if (size > 1 || its_rank > 0) {
            launcher = launchers[k].launcher;
            name = size > 1 ? launchers[k].size : launchers[k].rank;
            count = size > 1 ? size : its_rank;
            rank = its_rank;
        }
    }
    /* srun's step variables, only where no MPI launcher's are: an mpirun inside a step sets its own. */
    if (!any && launcher_count("SLURM_PROCID") >= 0 && launcher_count("SLURM_STEP_NUM_TASKS") > 1) {
        launcher = "Slurm's srun, without the MPI plugin this build needs (srun --mpi=...)";
        name = "SLURM_STEP_NUM_TASKS";
        count = launcher_count(name);
        rank = launcher_count("SLURM_PROCID");
    }
    if (launcher == NULL) return MT_OK;
    char library[MPI_MAX_LIBRARY_VERSION_STRING];
    world_library_version(library);
    library[strcspn(library, ",")] = '\0';
    char *to = library; /* blanks collapsed: MPICH pads its name with tabs */
    for (const char *from = library; *from != '\0'; from++)
        if (*from != ' ' || (to > library && to[-1] != ' ')) *to++ = *from;
    *to = '\0';
    mt_fail(err, MT_ERR_USAGE,
            "%s=%ld: started by %s with other processes, but this build's MPI (%s) made a singleton of each: "
            "start it with its own MPI's launcher",
            name, count, launcher, library);
    if (rank <= 0) mt_print_error(world->program, err);
    err->message[0] = '\0';
    return MT_ERR_USAGE;
}

mt_status world_describe(const mt_options *options, world_info *world, mt_error *err)
{
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &world->rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &world->size));
    /* The ranks that share this node's memory: they share its cores too. Key 0 keeps the world's order, so
     * world rank 0 is rank 0 (the leader) of its node. */
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &world->node));
    MPI_CHECK(MPI_Comm_size(world->node, &world->node_size));
    MPI_CHECK(MPI_Comm_rank(world->node, &world->node_rank));
    world->threads = choose_threads(options, world->node_size);
    omp_set_num_threads(world->threads);
    int cores = world->node_rank == 0 ? (int)sysconf(_SC_NPROCESSORS_ONLN) : 0;
    MPI_CHECK(MPI_Allreduce(&cores, &world->total_cores, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
    return MT_OK;
}

/* MPICH's collectives between processes hold more than 128 KiB on the stack (measured: a 128 KiB stack
 * overflows in MPI_Allreduce at np 2, 256 KiB runs; a singleton and Open MPI's ranks run in 64 KiB): a smaller
 * stack is refused before the first collective, where it would crash. Every rank has the limit its launcher gave
 * all (ulimit -s before mpiexec): each ends by itself, and rank 0 says why. */
static mt_status check_stack(const world_info *world, mt_error *err)
{
#ifdef MPICH
    enum { MPICH_STACK_KIB = 256 };
    struct rlimit limit;
    if (world->size > 1 && getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
        limit.rlim_cur < (rlim_t)MPICH_STACK_KIB * 1024) {
        mt_fail(err, MT_ERR_USAGE,
                "a stack of %llu KiB (ulimit -s) is below the %d KiB that MPICH's collectives need between ranks: "
                "raise it (ulimit -s %d)",
                (unsigned long long)limit.rlim_cur / 1024, MPICH_STACK_KIB, MPICH_STACK_KIB);
        if (world->rank == 0) mt_print_error(world->program, err);
        err->message[0] = '\0';
        return MT_ERR_USAGE;
    }
#endif
    (void)world;
    (void)err;
    return MT_OK;
}

mt_status world_start(int argc, char **argv, const mt_program *program, mt_options *options, void *settings,
                      world_info *world, bool *run, mt_error *err)
{
    *run = false;
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &world->rank));
    bool root = world->rank == 0;
    mt_error parse_err;
    mt_cli_result parsed = mt_cli_parse(argc, argv, program, options, settings, &parse_err);
    if (parsed == MT_CLI_HELP && root) mt_cli_print_help(stdout, program);
    if (parsed == MT_CLI_VERSION && root) mt_cli_print_version(stdout, program);
    if (parsed == MT_CLI_BAD_USAGE && root) mt_print_error(program->name, &parse_err);
    if (parsed == MT_CLI_HELP || parsed == MT_CLI_VERSION) {
        /* Help that could not be written (a full device) fails as ls does, one line from rank 0; every rank
         * learns it and ends by itself with 1. */
        int failed = root && mt_cli_help_written(program) != 0;
        MPI_CHECK(MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD));
        err->message[0] = '\0';
        return failed ? MT_ERR_RUNTIME : MT_OK;
    }
    if (parsed != MT_CLI_RUN) return parsed == MT_CLI_BAD_USAGE ? MT_ERR_USAGE : MT_OK;
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &world->size));
    mt_status status = check_launcher(world, err);
    if (status == MT_OK) status = check_stack(world, err);
    if (status != MT_OK) return status;
    /* The thread level: a rank's OpenMP threads run beside its main thread, the only one that calls MPI. */
    int provided = MPI_THREAD_SINGLE;
    MPI_CHECK(MPI_Query_thread(&provided));
    mt_error local_err = {""};
    mt_status local = provided >= MPI_THREAD_FUNNELED ? MT_OK
                                                      : mt_fail(&local_err, MT_ERR_RUNTIME,
                                                                "this MPI library gives thread level %d, below "
                                                                "MPI_THREAD_FUNNELED (%d), which a rank's OpenMP "
                                                                "threads beside MPI need",
                                                                provided, MPI_THREAD_FUNNELED);
    /* The runtime's variables are input (threads.h): checked on every rank before any OpenMP call. */
    bool dynamic_off = false;
    if (local == MT_OK) local = mt_threads_check_environment(options->threads, &dynamic_off, &local_err);
    if ((status = agree_rank0_says(world, local, &local_err, err)) != MT_OK) return status;
    if (dynamic_off && root) mt_print_warning(program->name, "%s", MT_DYNAMIC_OFF_TEXT);
    status = world_describe(options, world, err);
    if (status != MT_OK) return status;
    /* Each rank's team starts now: threads the system will not give are one line, not the runtime's end. */
    local = mt_threads_start(world->threads, &local_err);
    if ((status = agree_rank0_says(world, local, &local_err, err)) != MT_OK) return status;
    if (options->verbose && root) mt_cli_print_settings(stderr, program, options, settings);
    /* A trace that cannot be written is a usage error before any work starts. */
    local = root && options->timeline_path ? mt_trace_check_path(options->timeline_path, &local_err) : MT_OK;
    status = world_agree(world, local, &local_err, err);
    *run = status == MT_OK;
    return status;
}

void world_free(world_info *world)
{
    if (world->node != MPI_COMM_NULL) MPI_Comm_free(&world->node);
}

void world_print_libraries(FILE *out)
{
    char library[MPI_MAX_LIBRARY_VERSION_STRING];
    world_library_version(library);
    fprintf(out, "MPI: %s (MPI %d.%d)\nlibcurl: none\n", library, MPI_VERSION, MPI_SUBVERSION);
}

void world_library_version(char buffer[MPI_MAX_LIBRARY_VERSION_STRING])
{
    int length = 0;
    buffer[0] = '\0';
    MPI_Get_library_version(buffer, &length);
    buffer[strcspn(buffer, "\r\n")] = '\0';
    for (char *c = buffer; *c != '\0'; c++)
        if (*c == '\t') *c = ' ';
}

/* Gather each rank's bytes (a different count on each) into one buffer at rank 0: *into (malloc'd) and
 * *total bytes. */
static mt_status gather_bytes(const world_info *w, const void *mine, int bytes, void **into, uint64_t *total,
                              mt_error *err)
{
    bool root = w->rank == 0;
    int *counts = root ? calloc((size_t)w->size, sizeof *counts) : NULL;
    int *displs = root ? calloc((size_t)w->size, sizeof *displs) : NULL;
    /* Every rank takes part in both gathers, whatever happened, so that none waits for another. */
    bool missing = root && (counts == NULL || displs == NULL);
    int code = MPI_Gather(&bytes, 1, MPI_INT, missing ? NULL : counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    *total = 0;
    for (int r = 0; root && !missing && code == MPI_SUCCESS && r < w->size; r++) {
        displs[r] = (int)*total;
        *total += (uint64_t)counts[r];
    }
    *into = root && !missing ? malloc(*total ? *total : 1) : NULL;
    if (code == MPI_SUCCESS)
        code = MPI_Gatherv(mine, bytes, MPI_BYTE, *into, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    free(counts);
    free(displs);
    MPI_CHECK(code);
    if (root && *into == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    return MT_OK;
}

mt_status world_gather(const world_info *w, const mt_placement *placement, mt_timeline *timeline, world_gathered *g,
                       mt_error *err)
{
    bool root = w->rank == 0;
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    g->hosts = root ? calloc((size_t)w->size, sizeof *g->hosts) : NULL;
    g->host_names = root ? calloc((size_t)w->size, sizeof *g->host_names) : NULL;
    bool missing = root && (g->hosts == NULL || g->host_names == NULL);
    MPI_CHECK(
        MPI_Gather(host, sizeof host, MPI_CHAR, missing ? NULL : g->hosts, sizeof host, MPI_CHAR, 0, MPI_COMM_WORLD));
    for (int r = 0; root && !missing && r < w->size; r++)
        g->host_names[r] = g->hosts[r];
    /* Places and events are plain data: they travel as bytes. */
    uint64_t bytes;
    void *places = NULL, *events = NULL;
    mt_status status =
        gather_bytes(w, placement->places, placement->count * (int)sizeof(mt_place), &places, &bytes, err);
    g->places = places;
    g->place_count = (int)(bytes / sizeof(mt_place));
    if (status != MT_OK) return status;
    int mine = timeline != NULL ? (int)(mt_timeline_pack(timeline) * sizeof(mt_event)) : 0;
    status = gather_bytes(w, timeline != NULL ? timeline->slots : NULL, mine, &events, &bytes, err);
    g->events = events;
    g->event_count = bytes / sizeof(mt_event);
    if (status == MT_OK && missing) status = mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    return status;
}

void world_gathered_free(world_gathered *g)
{
    free(g->events);
    free(g->hosts);
    free(g->host_names);
    free(g->places);
    *g = (world_gathered){0};
}

mt_status world_reduce_costs(const world_info *w, const mt_repeat_plan *plan, world_costs *costs, mt_error *err)
{
    bool root = w->rank == 0;
    *costs = (world_costs){0};
    mt_usage usage = mt_process_usage();
    /* Sums: user and system CPU seconds of every rank, and each node's busy CPU seconds once (its first rank's
     * reading; the node's other ranks would count the same CPUs again). */
    double mine[4] = {plan->cpu_user_s, plan->cpu_sys_s, w->node_rank == 0 ? plan->machine_busy_s : 0,
                      plan->cpu_queue_s};
    double sums[4] = {0, 0, 0, 0};
    MPI_CHECK(MPI_Reduce(mine, sums, 4, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD));
    double longest[2] = {plan->timed_wall_s, usage.max_rss_mib}, most[2] = {0, 0};
    MPI_CHECK(MPI_Reduce(longest, most, 2, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD));
    costs->rank_rss_mib = root ? calloc((size_t)w->size, sizeof *costs->rank_rss_mib) : NULL;
    bool missing = root && costs->rank_rss_mib == NULL;
    /* Every rank takes part, whatever happened at rank 0, so that none waits for another. */
    double discard[1];
    MPI_CHECK(MPI_Gather(&usage.max_rss_mib, 1, MPI_DOUBLE, missing ? discard : costs->rank_rss_mib, 1, MPI_DOUBLE, 0,
                         MPI_COMM_WORLD));
    if (missing) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    costs->cpu_user_s = sums[0];
    costs->cpu_sys_s = sums[1];
    costs->wall_s = most[0];
    costs->max_rss_mib = most[1];
    costs->machine_busy = mt_machine_other_cpus(sums[2], sums[0] + sums[1], most[0]);
    costs->cpu_queue_s = sums[3];
    return MT_OK;
}

void world_costs_free(world_costs *costs)
{
    free(costs->rank_rss_mib);
    costs->rank_rss_mib = NULL;
}

world_spread world_spread_of(const double *values, int count)
{
    world_spread spread = {values[0], 0, values[0]};
    for (int i = 0; i < count; i++) {
        spread.min = values[i] < spread.min ? values[i] : spread.min;
        spread.max = values[i] > spread.max ? values[i] : spread.max;
        spread.mean += values[i] / count;
    }
    return spread;
}

static mt_status line_up_ranks(void *context, mt_error *err)
{
    (void)context;
    /* Every rank starts the clock together. */
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    return MT_OK;
}

static double mpi_now(void)
{
    return MPI_Wtime();
}

const mt_clock_hooks world_clock = {.now = mpi_now, .line_up = line_up_ranks};

int world_main(int argc, char **argv, const mt_program *program, world_recipe *recipe)
{
    /* Only the main thread of each rank calls MPI; OpenMP threads only compute. */
    int provided;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "%s: error: MPI_Init_thread failed\n", program->name);
        return MT_ERR_RUNTIME;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    mt_options options;
    mt_error err = {""};
    mt_status status = recipe(argc, argv, &options, &err);
    if (status != MT_OK && err.message[0] != '\0') mt_print_error(program->name, &err); /* none unsaid */
    if (status == MT_ERR_RUNTIME && err.message[0] != '\0') {
        /* An MPI failure may leave other ranks waiting in a collective: end here, and the launcher ends the
         * rest, rather than wait in MPI_Finalize for ranks that will not come. */
        return MT_ERR_RUNTIME;
    }
    MPI_Finalize();
    return (int)status;
}

mt_status world_verdict(mt_status status, int verdict, mt_error *err)
{
    if (status != MT_OK) return status;
    MPI_CHECK(MPI_Bcast(&verdict, 1, MPI_INT, 0, MPI_COMM_WORLD));
    if (verdict != MT_OK) err->message[0] = '\0'; /* rank 0 has said why */
    return (mt_status)verdict;
}
