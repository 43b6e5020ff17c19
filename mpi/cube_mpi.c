/* cube_mpi - activity 4 done right: the original's multiprocessing starmap, as MPI ranks.
 *
 * PURPOSE  Rank 0 reads the number list and scatters it over the ranks (MPI_Scatterv: any n, any
 *          number of ranks, uneven splits and empty ranks included); each rank cubes its slice on
 *          OpenMP threads (hybrid MPI + OpenMP); the results come back to rank 0 with MPI_Gatherv,
 *          which prints them in input order. The Python original's Pool(N).starmap(calc_cube, numbers)
 *          raises TypeError on a flat list and its calc_cube returns None: this is the map it meant.
 *
 * USAGE    mpirun -np 4 cube_mpi [--work sleep|spin|none] [--delay S] [NUMBER...]
 *          mpirun -np 2 cube_mpi -t 2 --explain                       # 4 workers, the split shown
 *          cube_mpi                                                   # a singleton, no mpirun
 *
 *          mpirun -np 2 cube_mpi --transport shared --work none --generate 33554432   # no copies
 *
 * TRANSPORTS  scatter (default): MPI_Scatterv out of rank 0 and MPI_Gatherv back; rank 0 keeps its own
 *          share in place (MPI_IN_PLACE). shared: the ranks of a node share one MPI-3 window
 *          (MPI_Win_allocate_shared) holding the node's share of the list and of the cubes; each rank
 *          cubes its range in place, with no copy; across nodes the node leaders move the node shares
 *          with Scatterv/Gatherv. The price: one node's memory, the memory model's synchronization
 *          (sync, barrier, sync), and no protection between ranks that write the same window.
 *
 * NOTES    Timed, as MPI users time: a barrier, then MPI_Wtime on every rank from the barrier to the
 *          end of the gather; the run's time is the maximum over the ranks (and likewise for each
 *          phase: scatter, compute, gather). Not timed: reading the list (rank 0), touching the
 *          buffers, the untimed warm-up pass, validation and printing. With --chunk K the list streams
 *          through the ranks in rounds of K items per rank, and the timed part is the whole stream:
 *          rank 0 reading each round, moving it, and printing its lines (use --quiet to leave printing out).
 *          n counts the input items, one cube each. Ideal time with sleep work, d the delay, P ranks and
 *          T threads a rank: ceil(n/(P*T))d, which the block split reaches exactly.
 *          Errors: bad input found at rank 0 is shared as a status, so every rank ends by itself with
 *          exit 2 (no MPI_Abort); MPI calls return their errors (MPI_ERRORS_RETURN): a message, exit 1. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, beside POSIX */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mpi.h>
#include <omp.h>

#include "cli.h"
#include "kernel.h"
#include "numbers.h"
#include "report.h"
#include "timeline.h"
#include "timer.h"

static const mt_program program = {
    .name = "cube_mpi",
    .summary = "The cube of each number on MPI ranks: rank 0 scatters the list (MPI_Scatterv), each rank\n"
               "cubes its slice on OpenMP threads, and MPI_Gatherv brings the results back in order.",
    .features = MT_FEATURE_CHUNK | MT_FEATURE_EXPLAIN | MT_FEATURE_TRANSPORT,
    .notes = "Run it with mpirun (mpirun -np 4 cube_mpi) or alone, as one rank. Threads a rank: -t, else\n"
             "OMP_NUM_THREADS, else the node's cores divided by the ranks on that node (at least 1).\n"
             "Timed: from a start barrier to the end of the gather, the maximum over ranks; --json and\n"
             "--verbose give the scatter, compute and gather phases apart.\n"
             "Ideal time with sleep work, d the delay, P ranks of T threads: ceil(n/(P*T))d.\n"
             "Examples:\n"
             "  mpirun -np 4 cube_mpi                                   # about 0.1 s\n"
             "  mpirun -np 3 cube_mpi --explain 1 2 3 4 5 6 7           # an uneven split\n"
             "  mpirun -np 2 cube_mpi --work none --generate 33554432 --json -r 5\n"
             "  mpirun -np 4 cube_mpi --work none --generate 100000000 --chunk 1000000 --quiet\n",
};

enum { PHASE_TOTAL, PHASE_SCATTER, PHASE_COMPUTE, PHASE_GATHER, PHASE_COUNT };

typedef struct {
    int rank, size;  /* in MPI_COMM_WORLD */
    MPI_Comm node;   /* the ranks that share this rank's node (and its memory) */
    int node_rank;   /* this rank's place on its node */
    int node_size;   /* ranks on this rank's node */
    int threads;     /* OpenMP threads this rank runs */
    int total_cores; /* cores of all the nodes the job spans */
} world_info;

/* --transport shared: the ranks of a node share one MPI-3 window holding the node's share of the
 * list and of the cubes; node leaders move node shares between nodes. */
typedef struct {
    MPI_Comm leaders; /* the node leaders (node rank 0 of each node); MPI_COMM_NULL on other ranks */
    int index, count; /* this node's place among the nodes (ordered by their leader's world rank), nodes */
    int first_slot;   /* the node's first rank slot: ranks on the nodes before it */
    int *node_sizes;  /* ranks on each node */
    int *node_counts, *node_displs; /* a round's split over the nodes (for the leaders' Scatterv/Gatherv) */
    MPI_Win window;
    bool locked;       /* inside the window's lock_all epoch */
    int64_t *in, *out; /* the node's share of the round, and its cubes: both in the window */
    uint64_t capacity; /* items the window holds in each of in and out */
} shared_node;

typedef struct {
    world_info world;
    mt_work work;
    uint64_t n;           /* items in the whole list */
    uint64_t chunk;       /* items per rank per round; 0: one round holding the whole list */
    int *counts, *displs; /* the split of one round over the ranks */
    /* rank 0 */
    mt_source source; /* the list, re-read each run when streaming */
    int64_t *values;  /* rank 0: the list (or the round's part of it) */
    int64_t *results; /* rank 0: the cubes, in input order */
    bool print_lines; /* rank 0: text output, not --quiet */
    bool print_round; /* streaming: print each round's lines as it arrives */
    bool valid;       /* rank 0: every result checked so far matched */
    /* every rank */
    int64_t *slice_in, *slice_out; /* this rank's items and cubes (rank 0: inside values/results) */
    double phases[PHASE_COUNT];    /* the last run's seconds, max over ranks (at rank 0) */
    bool shared;                   /* --transport shared */
    shared_node node;              /* shared: the node's window and this rank's place in it */
    bool owns_values;              /* rank 0: values was allocated here, not in the window */
    mt_timeline *timeline;         /* NULL: not recording */
    uint64_t units_done;           /* this rank's items so far in this run: its next timeline slot */
    uint64_t round_first;          /* the current round's first item in the whole list */
} cube_run;

static mt_status mpi_failure(int code, const char *call, mt_error *err)
{
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) snprintf(text, sizeof text, "error code %d", code);
    return mt_fail(err, MT_ERR_RUNTIME, "%s failed: %s", call, text);
}

/* Check an MPI call; on failure return MT_ERR_RUNTIME with its message from the enclosing function. */
#define MPI_CHECK(call)                                                                                                \
    do {                                                                                                               \
        int code_ = (call);                                                                                            \
        if (code_ != MPI_SUCCESS) return mpi_failure(code_, #call, err);                                               \
    } while (0)

/* Every rank learns the worst status of all; the rank that found a failure prints it. Input errors
 * are found at rank 0, so rank 0 prints that one line and every rank then ends by itself. */
static mt_status agree(mt_status local, const mt_error *local_err, mt_error *err)
{
    int worst = (int)local;
    int code = MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (local != MT_OK) mt_print_error(program.name, local_err);
    if (code != MPI_SUCCESS) {
        mt_status status = mpi_failure(code, "MPI_Allreduce", err);
        mt_print_error(program.name, err);
        return status;
    }
    return (mt_status)worst;
}

/* The block split of n items over size ranks: the first n % size ranks take one item more. */
static void block_split(uint64_t n, int size, int *counts, int *displs)
{
    uint64_t base = n / (uint64_t)size, extra = n % (uint64_t)size, offset = 0;
    for (int r = 0; r < size; r++) {
        uint64_t count = base + ((uint64_t)r < extra);
        counts[r] = (int)count;
        displs[r] = (int)offset;
        offset += count;
    }
}

/* Threads for this rank: -t, else OMP_NUM_THREADS, else this node's cores shared by its ranks. */
static int choose_threads(const mt_options *options, int node_size)
{
    if (options->threads > 0) return options->threads;
    const char *env = getenv("OMP_NUM_THREADS");
    if (env != NULL && env[0] != '\0') return omp_get_max_threads();
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long threads = cores / node_size;
    return threads < 1 ? 1 : (int)threads;
}

static mt_status describe_world(const mt_options *options, world_info *world, mt_error *err)
{
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &world->rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &world->size));
    /* The ranks that share this node's memory: they share its cores too. Key 0 keeps the world's
     * order, so world rank 0 is rank 0 (the leader) of its node. */
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &world->node));
    MPI_CHECK(MPI_Comm_size(world->node, &world->node_size));
    MPI_CHECK(MPI_Comm_rank(world->node, &world->node_rank));
    world->threads = choose_threads(options, world->node_size);
    omp_set_num_threads(world->threads);
    int cores = world->node_rank == 0 ? (int)sysconf(_SC_NPROCESSORS_ONLN) : 0;
    MPI_CHECK(MPI_Allreduce(&cores, &world->total_cores, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
    return MT_OK;
}

/* This rank's slice: cube every item on the rank's OpenMP threads (the hybrid level). first_item is
 * the slice's first index in the whole list, for the timeline. */
static void cube_slice(cube_run *run, const int64_t *in, int64_t *out, int count, uint64_t first_item)
{
    const mt_work *work = &run->work;
    mt_timeline *timeline = run->timeline;
    uint64_t first_unit = run->units_done;
    if (work->kind == MT_WORK_NONE) {
        /* No per-item work: a plain loop per thread's block, which the compiler vectorizes; a
         * timeline holds one event per block, since the clock costs more than an item. */
#pragma omp parallel
        {
            int thread = omp_get_thread_num(), threads = omp_get_num_threads();
            int first = (int)((int64_t)count * thread / threads), last = (int)((int64_t)count * (thread + 1) / threads);
            double start = timeline != NULL ? mt_now() : 0;
            for (int i = first; i < last; i++)
                out[i] = mt_cube(in[i]);
            if (timeline != NULL && last > first)
                mt_timeline_record_block(timeline, first_unit + (uint64_t)first, first_item + (uint64_t)first,
                                         in[first], (uint64_t)(last - first), MT_OP_CUBE, thread, start, mt_now());
        }
    } else {
#pragma omp parallel for schedule(static)
        for (int i = 0; i < count; i++) {
            double start = timeline != NULL ? mt_now() : 0;
            mt_work_do(work);
            out[i] = mt_cube(in[i]);
            if (timeline != NULL)
                mt_timeline_record(timeline, first_unit + (uint64_t)i, first_item + (uint64_t)i, in[i], MT_OP_CUBE,
                                   omp_get_thread_num(), start, mt_now());
        }
    }
    run->units_done += (uint64_t)count;
}

/* ---- --transport shared: ranks that share a node's memory share the list (MPI-3 windows) ---- */

enum {
    WINDOW_PAD = 72
}; /* items between in and out: two arrays exactly a large power of two apart
    * alias in the cache (4 KiB aliasing) and slowed the loop by up to 25 % */

/* First item of rank slot k when round_n items are block-split over slots slots. */
static uint64_t slot_first(uint64_t k, uint64_t round_n, int slots)
{
    uint64_t base = round_n / (uint64_t)slots, extra = round_n % (uint64_t)slots;
    return k * base + (k < extra ? k : extra);
}

/* A round's split for the shared transport: node i takes the items of its ranks' slots (node shares
 * in proportion to their ranks, contiguous in node order), then the node's share is block-split over
 * its ranks by node rank. Fills node_counts/node_displs; returns this rank's range within its node. */
static void shared_split(cube_run *run, uint64_t round_n, int *first, int *count)
{
    shared_node *node = &run->node;
    int slot = 0;
    for (int i = 0; i < node->count; i++) {
        uint64_t from = slot_first((uint64_t)slot, round_n, run->world.size);
        uint64_t to = slot_first((uint64_t)(slot + node->node_sizes[i]), round_n, run->world.size);
        node->node_displs[i] = (int)from;
        node->node_counts[i] = (int)(to - from);
        slot += node->node_sizes[i];
    }
    int share = node->node_counts[node->index], k = run->world.node_rank, ranks = run->world.node_size;
    *first = (int)slot_first((uint64_t)k, (uint64_t)share, ranks);
    *count = (int)slot_first((uint64_t)k + 1, (uint64_t)share, ranks) - *first;
}

/* Which node this rank is on, among how many, and the leaders' communicator. */
static mt_status shared_map_nodes(cube_run *run, mt_error *err)
{
    world_info *w = &run->world;
    shared_node *node = &run->node;
    /* One leader per node, rank 0 of its node communicator, in a communicator of their own. */
    MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, w->node_rank == 0 ? 0 : MPI_UNDEFINED, w->rank, &node->leaders));
    int leader = w->rank;
    MPI_CHECK(MPI_Bcast(&leader, 1, MPI_INT, 0, w->node));
    int *leader_of = malloc((size_t)w->size * sizeof *leader_of);
    node->node_sizes = calloc((size_t)w->size, sizeof *node->node_sizes);
    node->node_counts = calloc((size_t)w->size, sizeof *node->node_counts);
    node->node_displs = calloc((size_t)w->size, sizeof *node->node_displs);
    if (leader_of == NULL || node->node_sizes == NULL || node->node_counts == NULL || node->node_displs == NULL) {
        free(leader_of);
        return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    }
    MPI_CHECK(MPI_Allgather(&leader, 1, MPI_INT, leader_of, 1, MPI_INT, MPI_COMM_WORLD));
    /* Nodes in the order of their leaders' world ranks: a leader is the lowest world rank of its node,
     * so node i is the i-th world rank r that leads itself (leader_of[r] == r). */
    node->count = 0;
    for (int r = 0; r < w->size; r++) {
        if (leader_of[r] != r) continue;
        if (r == leader) node->index = node->count;
        for (int q = 0; q < w->size; q++)
            node->node_sizes[node->count] += leader_of[q] == r;
        node->count++;
    }
    node->first_slot = 0;
    for (int i = 0; i < node->index; i++)
        node->first_slot += node->node_sizes[i];
    free(leader_of);
    return MT_OK;
}

/* The node's window: node 0's holds a whole round (the list, as rank 0 held it), other nodes' their
 * share of one. The leader allocates it; its ranks map the same memory. */
static mt_status shared_allocate(cube_run *run, uint64_t round_capacity, mt_error *err)
{
    world_info *w = &run->world;
    shared_node *node = &run->node;
    int first, count;
    shared_split(run, round_capacity, &first, &count);
    node->capacity = node->index == 0 ? round_capacity : (uint64_t)node->node_counts[node->index];
    uint64_t items = 2 * node->capacity + WINDOW_PAD;
    /* Every rank agrees that every node can hold its window before any is allocated: a failed
     * MPI_Win_allocate_shared on one rank would leave the others waiting in it. */
    mt_error local_err = {""};
    mt_status local = MT_OK;
    if (w->node_rank == 0)
        local = mt_check_fits_in_memory(items, sizeof(int64_t), "the node's shared window", &local_err);
    mt_status status = agree(local, &local_err, err);
    if (status != MT_OK) return status;

    int64_t *base = NULL;
    MPI_Aint bytes = w->node_rank == 0 ? (MPI_Aint)(items * sizeof(int64_t)) : 0;
    /* The leader maps as much memory first, on its own: if even that fails (an address-space limit,
     * no memory to commit), every rank learns it and ends with exit 1, instead of the others waiting
     * in the collective allocation for a leader that failed in it. */
    if (bytes > 0) {
        void *trial = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (trial == MAP_FAILED)
            local = mt_fail(&local_err, MT_ERR_RUNTIME, "rank %d: cannot map a shared window of %.1f GiB: %s", w->rank,
                            (double)bytes / 1073741824.0, strerror(errno));
        else
            munmap(trial, (size_t)bytes);
    }
    if ((status = agree(local, &local_err, err)) != MT_OK) return status;
    int code = MPI_Win_allocate_shared(bytes, sizeof(int64_t), MPI_INFO_NULL, w->node, &base, &node->window);
    local = code == MPI_SUCCESS ? MT_OK : mpi_failure(code, "MPI_Win_allocate_shared", &local_err);
    status = agree(local, &local_err, err);
    if (status != MT_OK) return status;
    MPI_CHECK(MPI_Win_set_errhandler(node->window, MPI_ERRORS_RETURN));
    /* Every rank of the node maps the leader's memory. */
    MPI_Aint size;
    int unit;
    MPI_CHECK(MPI_Win_shared_query(node->window, 0, &size, &unit, &base));
    node->in = base;
    node->out = base + node->capacity + WINDOW_PAD;
    /* One passive epoch for the whole run; every hand-over inside it is sync, barrier, sync. */
    MPI_CHECK(MPI_Win_lock_all(MPI_MODE_NOCHECK, node->window));
    node->locked = true;
    if (w->node_rank == 0) memset(base, 0, (size_t)items * sizeof(int64_t)); /* touched before timing */
    if (w->rank == 0) {
        /* The list moves into the window now, untimed, as the scatter transport has it in rank 0's
         * memory; the rounds read a stream straight into it. */
        if (run->chunk == 0 && run->n > 0) memcpy(node->in, run->values, (size_t)run->n * sizeof(int64_t));
        if (run->owns_values) free(run->values);
        run->values = node->in;
        run->results = node->out;
        run->owns_values = false;
    }
    MPI_CHECK(MPI_Win_sync(node->window));
    MPI_CHECK(MPI_Barrier(w->node));
    MPI_CHECK(MPI_Win_sync(node->window));
    return MT_OK;
}

/* The MPI-3 memory model's hand-over between the ranks of a node inside a lock_all epoch: the
 * writers' stores reach the window (MPI_Win_sync), the barrier orders them before any reader goes
 * on, and the readers' MPI_Win_sync makes them visible to their loads. */
static mt_status hand_over(cube_run *run, mt_error *err)
{
    MPI_CHECK(MPI_Win_sync(run->node.window));
    MPI_CHECK(MPI_Barrier(run->world.node));
    MPI_CHECK(MPI_Win_sync(run->node.window));
    return MT_OK;
}

/* One round with shared windows: the leaders move node shares (only across nodes), then every rank
 * cubes its range of its node's window in place of a copy, and the leaders bring the cubes back. */
static mt_status shared_compute(cube_run *run, uint64_t round_n, double *phases, mt_error *err)
{
    shared_node *node = &run->node;
    int first, count;
    shared_split(run, round_n, &first, &count);
    bool across_nodes = node->count > 1 && node->leaders != MPI_COMM_NULL;
    bool root = run->world.rank == 0;
    int share = node->node_counts[node->index];

    double t0 = MPI_Wtime();
    if (across_nodes) /* node 0 keeps its own share in place; the others' go to their windows */
        MPI_CHECK(MPI_Scatterv(node->in, node->node_counts, node->node_displs, MPI_INT64_T,
                               root ? MPI_IN_PLACE : node->in, share, MPI_INT64_T, 0, node->leaders));
    mt_status status = hand_over(run, err);
    if (status != MT_OK) return status;
    double t1 = MPI_Wtime();
    cube_slice(run, node->in + first, node->out + first, count,
               run->round_first + (uint64_t)node->node_displs[node->index] + (uint64_t)first);
    double t2 = MPI_Wtime();
    if ((status = hand_over(run, err)) != MT_OK) return status;
    if (across_nodes)
        MPI_CHECK(MPI_Gatherv(root ? MPI_IN_PLACE : node->out, share, MPI_INT64_T, node->out, node->node_counts,
                              node->node_displs, MPI_INT64_T, 0, node->leaders));
    double t3 = MPI_Wtime();
    phases[PHASE_SCATTER] += t1 - t0;
    phases[PHASE_COMPUTE] += t2 - t1;
    phases[PHASE_GATHER] += t3 - t2;
    return MT_OK;
}

static void shared_free(cube_run *run)
{
    shared_node *node = &run->node;
    if (node->locked) MPI_Win_unlock_all(node->window);
    if (node->window != MPI_WIN_NULL) MPI_Win_free(&node->window);
    if (node->leaders != MPI_COMM_NULL) MPI_Comm_free(&node->leaders);
    free(node->node_sizes), free(node->node_counts), free(node->node_displs);
}

/* Rank 0: check a round's cubes against the overflow-checked kernel, and print them if asked. */
static void check_round(cube_run *run, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++) {
        int64_t cube;
        if (!mt_cube_checked(run->values[i], &cube) || cube != run->results[i]) run->valid = false;
    }
    if (run->print_round)
        for (uint64_t i = 0; i < count; i++)
            mt_print_power(run->values[i], MT_OP_CUBE, run->results[i]);
}

/* One round: scatter round_n items from rank 0, cube them everywhere, gather them back in order.
 * Adds each phase's seconds to phases. */
static mt_status scatter_compute_gather(cube_run *run, uint64_t round_n, double *phases, mt_error *err)
{
    const world_info *w = &run->world;
    block_split(round_n, w->size, run->counts, run->displs);
    int mine = run->counts[w->rank];
    bool root = w->rank == 0;
    /* Rank 0 keeps its own share where it is (MPI_IN_PLACE): the first counts[0] items of the list,
     * cubed straight into the first counts[0] places of the results. */
    int64_t *in = root ? run->values : run->slice_in;
    int64_t *out = root ? run->results : run->slice_out;

    double t0 = MPI_Wtime();
    /* Scatterv, not Scatter: the counts may differ by one, and ranks may get none. */
    MPI_CHECK(MPI_Scatterv(run->values, run->counts, run->displs, MPI_INT64_T, root ? MPI_IN_PLACE : in, mine,
                           MPI_INT64_T, 0, MPI_COMM_WORLD));
    double t1 = MPI_Wtime();
    cube_slice(run, in, out, mine, run->round_first + (uint64_t)run->displs[w->rank]);
    double t2 = MPI_Wtime();
    /* Gatherv puts each rank's cubes at its displacement: the results come back in input order. */
    MPI_CHECK(MPI_Gatherv(root ? MPI_IN_PLACE : out, mine, MPI_INT64_T, run->results, run->counts, run->displs,
                          MPI_INT64_T, 0, MPI_COMM_WORLD));
    double t3 = MPI_Wtime();
    phases[PHASE_SCATTER] += t1 - t0;
    phases[PHASE_COMPUTE] += t2 - t1;
    phases[PHASE_GATHER] += t3 - t2;
    return MT_OK;
}

/* One timed run: the whole list in one round, or streamed in rounds of chunk items per rank. */
static mt_status run_once(void *context, const mt_run_info *info, double *elapsed_s, mt_error *err)
{
    cube_run *run = context;
    const world_info *w = &run->world;
    double phases[PHASE_COUNT] = {0};
    bool streaming = run->chunk > 0;
    run->print_round = streaming && info->last && w->rank == 0 && run->print_lines;
    if (streaming && w->rank == 0) {
        mt_status status = mt_source_rewind(&run->source, err);
        if (status != MT_OK) return status;
    }

    /* Every rank starts the clock together. */
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    double start = MPI_Wtime();
    /* Each rank's timeline starts at its own clock's reading after the barrier. */
    if (run->timeline != NULL) mt_timeline_start(run->timeline, mt_now());
    run->units_done = 0;
    run->round_first = 0;
    if (!streaming) {
        mt_status status =
            run->shared ? shared_compute(run, run->n, phases, err) : scatter_compute_gather(run, run->n, phases, err);
        if (status != MT_OK) return status;
    } else {
        uint64_t per_round = run->chunk * (uint64_t)w->size;
        for (uint64_t done = 0; done < run->n;) {
            uint64_t round_n = run->n - done < per_round ? run->n - done : per_round;
            if (w->rank == 0) {
                size_t got;
                mt_status status = mt_source_read(&run->source, run->values, (size_t)round_n, &got, err);
                if (status != MT_OK) return status;
                if (got != round_n) return mt_fail(err, MT_ERR_RUNTIME, "the list changed while it was read");
            }
            mt_status status = run->shared ? shared_compute(run, round_n, phases, err)
                                           : scatter_compute_gather(run, round_n, phases, err);
            if (status != MT_OK) return status;
            if (w->rank == 0) check_round(run, round_n);
            done += round_n;
            run->round_first = done;
        }
    }
    phases[PHASE_TOTAL] = MPI_Wtime() - start;
    /* The run lasts as long as its slowest rank; so does each phase. */
    MPI_CHECK(MPI_Reduce(phases, run->phases, PHASE_COUNT, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD));
    *elapsed_s = run->phases[PHASE_TOTAL];
    return MT_OK;
}

/* Rank 0, --chunk: read the whole list once before any work, so a bad token late in it is an input
 * error before any result is printed. stdin cannot be read twice: its numbers are kept in a
 * temporary file (disk, not memory) that the rounds then read. */
static mt_status scan_stream(const mt_options *options, cube_run *run, mt_error *err)
{
    mt_status status = mt_cli_open_source(options, &run->source, err);
    if (status != MT_OK) return status;
    FILE *spool = NULL;
    if (run->source.kind == MT_SOURCE_FILE && run->source.file == stdin) {
        spool = tmpfile();
        if (spool == NULL) return mt_fail(err, MT_ERR_RUNTIME, "cannot create a temporary file for stdin");
    }
    enum { BLOCK = 65536 };
    int64_t *block = malloc(BLOCK * sizeof *block);
    if (block == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    uint64_t n = 0;
    size_t got;
    do {
        status = mt_source_read(&run->source, block, BLOCK, &got, err);
        if (status == MT_OK) status = mt_check_cube_range(block, got, n + 1, err);
        if (status != MT_OK) break;
        for (size_t i = 0; spool != NULL && i < got; i++)
            fprintf(spool, "%lld\n", (long long)block[i]);
        n += got;
    } while (got == BLOCK);
    free(block);
    if (spool != NULL) {
        if (status == MT_OK && (fflush(spool) != 0 || ferror(spool)))
            status = mt_fail(err, MT_ERR_RUNTIME, "cannot write the temporary copy of stdin");
        mt_source_close(&run->source);
        run->source = (mt_source){.kind = MT_SOURCE_FILE, .file = spool, .name = "stdin", .owns_file = true, .line = 1};
    }
    run->n = n;
    return status;
}

/* Rank 0: read and check the list; everyone: learn n (and agree on failure). */
static mt_status load_list(const mt_options *options, cube_run *run, mt_error *err)
{
    mt_status status = MT_OK;
    mt_error local_err = {""};
    if (run->world.rank == 0) {
        if (options->chunk > 0) {
            /* A round holds chunk items per rank, or the whole list when it is shorter: checked before
             * the scan when the list's length is known (generated), after it otherwise. */
            uint64_t round = options->chunk * (uint64_t)run->world.size;
            if (options->chunk > INT_MAX)
                status = mt_fail(&local_err, MT_ERR_USAGE, "--chunk: at most %d items per rank", INT_MAX);
            if (status == MT_OK && options->generate)
                status = mt_check_fits_in_memory(round < options->generate_count ? round : options->generate_count,
                                                 4 * sizeof(int64_t), "--chunk", &local_err);
            if (status == MT_OK) status = scan_stream(options, run, &local_err);
            if (status == MT_OK)
                status = mt_check_fits_in_memory(round < run->n ? round : run->n, 4 * sizeof(int64_t), "--chunk",
                                                 &local_err);
        } else {
            mt_numbers numbers;
            /* Rank 0 holds the list and the results; the slices of the node's ranks as much again. */
            status = mt_cli_read_numbers(options, 4 * sizeof(int64_t), &numbers, &local_err);
            if (status == MT_OK) {
                run->values = numbers.values;
                run->owns_values = true;
                run->n = numbers.count;
                if (run->n > INT_MAX)
                    status = mt_fail(&local_err, MT_ERR_USAGE,
                                     "a list over %d items needs --chunk (MPI counts are int)", INT_MAX);
            }
        }
    }
    status = agree(status, &local_err, err);
    if (status != MT_OK) return status;
    MPI_CHECK(MPI_Bcast(&run->n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD));
    return MT_OK;
}

/* The items of the largest round: the whole list, or chunk items for each rank. */
static uint64_t round_capacity(const cube_run *run)
{
    uint64_t round_n = run->chunk > 0 ? run->chunk * (uint64_t)run->world.size : run->n;
    return round_n < run->n ? round_n : run->n;
}

/* Every rank: the buffers of one round, touched now so no first touch is timed. With the scatter
 * transport, rank 0 holds the round and its cubes and every other rank a slice of each; with the
 * shared transport, each node's window holds them. */
static mt_status allocate_buffers(cube_run *run, mt_error *err)
{
    const world_info *w = &run->world;
    uint64_t round_n = round_capacity(run);
    uint64_t mine = round_n / (uint64_t)w->size + 1;
    mt_status status = MT_OK;
    mt_error local_err = {""};
    run->counts = malloc((size_t)w->size * sizeof(int));
    run->displs = malloc((size_t)w->size * sizeof(int));
    if (run->counts == NULL || run->displs == NULL) goto out_of_memory;
    if (run->shared) {
        if ((status = agree(MT_OK, &local_err, err)) != MT_OK) return status;
        if ((status = shared_map_nodes(run, err)) != MT_OK) return status;
        return shared_allocate(run, round_n, err);
    }
    /* Item arrays come from mt_items_alloc: huge pages asked for, and input and output never a
     * multiple of 4 KiB apart (staggers 0 and 1), which would slow the loop between them. */
    if (w->rank == 0) {
        if (run->chunk > 0) {
            run->values = mt_items_alloc(round_n, 0);
            run->owns_values = true;
            if (run->values == NULL) goto out_of_memory;
            memset(run->values, 0, round_n * sizeof(int64_t));
        }
        run->results = mt_items_alloc(round_n, 1);
        if (run->results == NULL) goto out_of_memory;
        memset(run->results, 0, round_n * sizeof(int64_t));
    } else {
        run->slice_in = mt_items_alloc(mine, 0);
        run->slice_out = mt_items_alloc(mine, 1);
        if (run->slice_in == NULL || run->slice_out == NULL) goto out_of_memory;
        memset(run->slice_in, 0, mine * sizeof(int64_t));
        memset(run->slice_out, 0, mine * sizeof(int64_t));
    }
    return agree(status, &local_err, err);
out_of_memory:
    status = mt_fail(&local_err, MT_ERR_RUNTIME, "rank %d: out of memory for a slice of %llu items", w->rank,
                     (unsigned long long)mine);
    return agree(status, &local_err, err);
}

/* --explain: rank 0 prints which items go to which rank, on which host and node, with how many
 * threads: each rank says what it holds in the first (largest) round, and rank 0 prints them all. */
static mt_status explain_split(cube_run *run, mt_error *err)
{
    const world_info *w = &run->world;
    typedef struct {
        char host[64];
        int threads, node, node_rank, leader;
        long long first, count;
    } rank_info;
    uint64_t round_n = round_capacity(run);
    rank_info mine = {.threads = w->threads, .node_rank = w->node_rank};
    gethostname(mine.host, sizeof mine.host - 1);
    if (run->shared) {
        int first, count;
        shared_split(run, round_n, &first, &count);
        mine.node = run->node.index;
        mine.first = run->node.node_displs[run->node.index] + first;
        mine.count = count;
    } else {
        block_split(round_n, w->size, run->counts, run->displs);
        mine.first = run->displs[w->rank];
        mine.count = run->counts[w->rank];
    }
    mine.leader = w->rank;
    MPI_CHECK(MPI_Bcast(&mine.leader, 1, MPI_INT, 0, w->node));
    rank_info *all = w->rank == 0 ? calloc((size_t)w->size, sizeof *all) : NULL;
    if (w->rank == 0 && all == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    MPI_CHECK(MPI_Gather(&mine, sizeof mine, MPI_BYTE, all, sizeof mine, MPI_BYTE, 0, MPI_COMM_WORLD));
    if (w->rank != 0) return MT_OK;
    if (run->shared)
        fprintf(stderr,
                "%s: %llu items over %d rank%s on %d node%s, each node's share in one MPI-3 shared window\n"
                "  (node shares in proportion to their ranks, moved by the node leaders with Scatterv/Gatherv;\n"
                "  each rank cubes its range of its node's window in place)\n",
                program.name, (unsigned long long)run->n, w->size, w->size == 1 ? "" : "s", run->node.count,
                run->node.count == 1 ? "" : "s");
    else {
        unsigned long long extra = round_n % (uint64_t)w->size;
        char split[64] = "equal shares";
        if (extra > 0)
            snprintf(split, sizeof split, "the first %llu rank%s one more", extra, extra == 1 ? " takes" : "s take");
        fprintf(stderr, "%s: %llu items over %d rank%s with MPI_Scatterv (block split: %s)\n", program.name,
                (unsigned long long)run->n, w->size, w->size == 1 ? "" : "s", split);
    }
    if (run->chunk > 0)
        fprintf(stderr, "%s: streamed in %llu rounds of up to %llu items per rank; the first round:\n", program.name,
                (unsigned long long)(round_n ? (run->n + round_n - 1) / round_n : 0), (unsigned long long)run->chunk);
    for (int node = 0; node < (run->shared ? run->node.count : 1); node++) {
        if (run->shared) {
            long long first = -1, last = 0;
            int leader = 0;
            for (int r = 0; r < w->size; r++)
                if (all[r].node == node) {
                    if (first < 0 || all[r].first < first) first = all[r].first;
                    if (all[r].first + all[r].count > last) last = all[r].first + all[r].count;
                    leader = all[r].leader;
                }
            fprintf(stderr, "  node %d (leader rank %d on %s): items [%lld, %lld)\n", node, leader, all[leader].host,
                    first, last < first ? first : last);
        }
        for (int r = 0; r < w->size; r++) {
            if (run->shared && all[r].node != node) continue;
            fprintf(stderr, "%s  rank %d on %s", run->shared ? "  " : "", r, all[r].host);
            if (run->shared) fprintf(stderr, " (node rank %d)", all[r].node_rank);
            fprintf(stderr, ": items [%lld, %lld), %lld item%s, %d thread%s\n", all[r].first,
                    all[r].first + all[r].count, all[r].count, all[r].count == 1 ? "" : "s", all[r].threads,
                    all[r].threads == 1 ? "" : "s");
        }
    }
    free(all);
    return MT_OK;
}

static void free_run(cube_run *run)
{
    if (run->world.rank == 0) mt_source_close(&run->source);
    /* values is the list as read (malloc'd), or with --chunk a round buffer from mt_items_alloc */
    if (run->owns_values && run->chunk > 0) mt_items_free(run->values, 0);
    if (run->owns_values && run->chunk == 0) free(run->values);
    if (!run->shared) mt_items_free(run->results, 1);
    mt_items_free(run->slice_in, 0), mt_items_free(run->slice_out, 1);
    free(run->counts), free(run->displs);
    if (run->shared) shared_free(run);
    if (run->world.node != MPI_COMM_NULL) MPI_Comm_free(&run->world.node);
}

/* Every rank's timeline to rank 0, as one list of events, with each rank's host. */
static mt_status gather_timeline(cube_run *run, mt_event **events, uint64_t *event_count, char **hosts, mt_error *err)
{
    const world_info *w = &run->world;
    bool root = w->rank == 0;
    int mine = (int)mt_timeline_pack(run->timeline);
    int *counts = root ? calloc((size_t)w->size, sizeof *counts) : NULL;
    int *displs = root ? calloc((size_t)w->size, sizeof *displs) : NULL;
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    *hosts = root ? calloc((size_t)w->size, sizeof host) : NULL;
    if (root && (counts == NULL || displs == NULL || *hosts == NULL))
        return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    MPI_CHECK(MPI_Gather(host, sizeof host, MPI_CHAR, *hosts, sizeof host, MPI_CHAR, 0, MPI_COMM_WORLD));
    /* Events are plain data: they travel as bytes. */
    int bytes = mine * (int)sizeof(mt_event);
    MPI_CHECK(MPI_Gather(&bytes, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD));
    uint64_t total = 0;
    for (int r = 0; root && r < w->size; r++) {
        displs[r] = (int)total;
        total += (uint64_t)counts[r];
    }
    *events = root ? malloc(total ? total : 1) : NULL;
    if (root && *events == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the timeline");
    MPI_CHECK(MPI_Gatherv(run->timeline->slots, bytes, MPI_BYTE, *events, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD));
    *event_count = total / sizeof(mt_event);
    free(counts);
    free(displs);
    return MT_OK;
}

/* Rank 0: the record, with the MPI library and the phases. */
static mt_status report(const mt_options *options, const cube_run *run, const double *samples,
                        const double (*phase_samples)[PHASE_COUNT], const mt_event *events, uint64_t event_count,
                        char *hosts, mt_error *err)
{
    char library[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(library, &length);
    library[strcspn(library, "\r\n")] = '\0';
    for (char *c = library; *c != '\0'; c++)
        if (*c == '\t') *c = ' ';
    const world_info *w = &run->world;
    mt_record record = {.program = program.name,
                        .mode = options->transport,
                        .transport = options->transport,
                        .threads = w->threads,
                        .ranks = w->size,
                        .n = run->n,
                        .work = options->work,
                        .warmup = options->warmup,
                        .repeat = options->repeat,
                        .valid = run->valid,
                        .mpi_library = library};
    mt_status status = mt_stats_compute(samples, options->repeat, &record.time, err);
    if (status != MT_OK) return status;
    int workers = w->size * w->threads;
    if (options->work.kind == MT_WORK_SPIN && workers > w->total_cores) workers = w->total_cores;
    record.ideal_s = options->work.kind == MT_WORK_NONE ? NAN : ceil((double)run->n / workers) * options->work.delay_s;
    /* Each phase's median over the timed runs. */
    static const char *const names[PHASE_COUNT] = {"total_s", "scatter_s", "compute_s", "gather_s"};
    json_t *phases = json_object();
    double median[PHASE_COUNT];
    for (int p = 1; p < PHASE_COUNT; p++) {
        double *column = malloc((size_t)options->repeat * sizeof *column);
        if (column == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
        for (int r = 0; r < options->repeat; r++)
            column[r] = phase_samples[r][p];
        mt_stats stats;
        status = mt_stats_compute(column, options->repeat, &stats, err);
        free(column);
        if (status != MT_OK) return status;
        median[p] = stats.median;
        json_object_set_new(phases, names[p], json_real(stats.median));
    }
    record.chunk = options->chunk;
    record.details = json_pack("{s:o}", "phases", phases);
    if (!run->valid) {
        json_decref(record.details);
        return mt_fail(err, MT_ERR_RUNTIME, "results did not validate against the sequential kernel");
    }
    if (options->verbose)
        fprintf(stderr, "%s: phases (median of the max over ranks): scatter %.6f s, compute %.6f s, gather %.6f s\n",
                program.name, median[PHASE_SCATTER], median[PHASE_COMPUTE], median[PHASE_GATHER]);
    if (options->format == MT_FORMAT_TEXT && !options->quiet && options->chunk == 0)
        for (uint64_t i = 0; i < run->n; i++)
            mt_print_power(run->values[i], MT_OP_CUBE, run->results[i]);
    if (run->timeline != NULL) {
        const char **host_names = malloc((size_t)w->size * sizeof *host_names);
        if (host_names == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
        for (int r = 0; r < w->size; r++)
            host_names[r] = hosts + 64 * r;
        mt_trace trace = {.events = events,
                          .count = event_count,
                          .hosts = host_names,
                          .ranks = w->size,
                          .aggregated = !run->timeline->per_unit,
                          .program = program.name,
                          .mode = record.mode,
                          .wall_s = samples[options->repeat - 1],
                          .ideal_s = record.ideal_s};
        status = mt_cli_timeline(&program, options, &trace, &record.details, err);
        free(host_names);
        if (status != MT_OK) {
            json_decref(record.details);
            return status;
        }
    }
    return mt_cli_report(&program, options, &record, err);
}

/* Everything between MPI_Init and MPI_Finalize; returns the status every rank agrees on. */
static mt_status cube_mpi(int argc, char **argv, mt_error *err)
{
    int rank;
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    mt_options options;
    mt_error parse_err;
    /* Every rank parses the same argv and reaches the same verdict; rank 0 speaks for them. */
    mt_cli_result parsed = mt_cli_parse(argc, argv, &program, &options, &parse_err);
    if (parsed != MT_CLI_RUN) {
        if (rank == 0 && parsed == MT_CLI_HELP) mt_cli_print_help(stdout, &program);
        if (rank == 0 && parsed == MT_CLI_VERSION) mt_cli_print_version(stdout, &program);
        if (rank == 0 && parsed == MT_CLI_BAD_USAGE) mt_print_error(program.name, &parse_err);
        return parsed == MT_CLI_BAD_USAGE ? MT_ERR_USAGE : MT_OK;
    }
    cube_run run = {.work = options.work,
                    .chunk = options.chunk,
                    .valid = true,
                    .print_lines = options.format == MT_FORMAT_TEXT && !options.quiet,
                    .shared = strcmp(options.transport, "shared") == 0,
                    .node = {.leaders = MPI_COMM_NULL, .window = MPI_WIN_NULL},
                    .world = {.node = MPI_COMM_NULL}};
    mt_status status = describe_world(&options, &run.world, err);
    if (status != MT_OK) return status;
    if (options.verbose && rank == 0) mt_cli_print_settings(stderr, &program, &options);

    if (options.timeline_path != NULL) {
        /* A trace that cannot be written is a usage error before any work starts. */
        mt_error local_err = {""};
        mt_status local = rank == 0 ? mt_trace_check_path(options.timeline_path, &local_err) : MT_OK;
        status = agree(local, &local_err, err);
        if (status != MT_OK) return status;
    }
    status = load_list(&options, &run, err);
    if (status == MT_OK) status = allocate_buffers(&run, err);
    mt_timeline timeline = {0};
    if (status == MT_OK && mt_cli_wants_timeline(&options)) {
        /* Item by item up to the cap (a rank records at most n of them); past it, or with no work to
         * time, one event per thread's block. */
        bool blocks = options.work.kind == MT_WORK_NONE || run.n > MT_TIMELINE_CAP;
        mt_error local_err = {""};
        mt_status local = mt_timeline_init(&timeline, run.n, run.world.threads, rank, blocks, &local_err);
        status = agree(local, &local_err, err);
        if (status == MT_OK) run.timeline = &timeline;
    }
    if (status == MT_OK && options.explain) status = explain_split(&run, err);
    double *samples = calloc((size_t)options.repeat, sizeof *samples);
    double(*phase_samples)[PHASE_COUNT] = calloc((size_t)options.repeat, sizeof *phase_samples);
    if (status == MT_OK && (samples == NULL || phase_samples == NULL))
        status = mt_fail(err, MT_ERR_RUNTIME, "out of memory");

    if (status == MT_OK && run.chunk == 0) {
        /* One untimed pass with no work: the OpenMP teams start, the transport's paths warm up. */
        cube_run warm = run;
        warm.work = (mt_work){.kind = MT_WORK_NONE};
        warm.timeline = NULL;
        double ignored;
        status = run_once(&warm, &(mt_run_info){.warmup = true}, &ignored, err);
    }
    for (int r = 0; status == MT_OK && r < options.warmup + options.repeat; r++) {
        mt_run_info info = {.index = r, .warmup = r < options.warmup, .last = r == options.warmup + options.repeat - 1};
        double elapsed = 0;
        status = run_once(&run, &info, &elapsed, err);
        if (status == MT_OK && !info.warmup) {
            samples[r - options.warmup] = elapsed;
            memcpy(phase_samples[r - options.warmup], run.phases, sizeof run.phases);
        }
    }
    /* A failure that every rank agreed on (bad input, no memory) has been printed already, and err is
     * empty; one that a single rank met (an MPI call) carries its message, and the ranks part here. */
    mt_event *events = NULL;
    uint64_t event_count = 0;
    char *hosts = NULL;
    if (status == MT_OK && run.timeline != NULL) status = gather_timeline(&run, &events, &event_count, &hosts, err);
    int verdict = (int)status;
    if (status == MT_OK && rank == 0) {
        mt_error report_err;
        verdict = (int)report(&options, &run, samples, (const double(*)[PHASE_COUNT])phase_samples, events, event_count,
                              hosts, &report_err);
        if (verdict != MT_OK) mt_print_error(program.name, &report_err);
    }
    free(events);
    free(hosts);
    mt_timeline_free(&timeline);
    free(samples);
    free(phase_samples);
    free_run(&run);
    if (status != MT_OK) return status;
    /* Rank 0's verdict on the results is every rank's exit status. */
    MPI_CHECK(MPI_Bcast(&verdict, 1, MPI_INT, 0, MPI_COMM_WORLD));
    return (mt_status)verdict;
}

int main(int argc, char **argv)
{
    /* Only the main thread of each rank calls MPI; OpenMP threads only compute. */
    int provided;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "%s: error: MPI_Init_thread failed\n", program.name);
        return MT_ERR_RUNTIME;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    mt_error err = {""};
    mt_status status = cube_mpi(argc, argv, &err);
    if (status == MT_ERR_RUNTIME && err.message[0] != '\0') {
        /* An MPI failure may leave other ranks waiting in a collective: end here, and the launcher
         * ends the rest, rather than wait in MPI_Finalize for ranks that will not come. */
        mt_print_error(program.name, &err);
        return MT_ERR_RUNTIME;
    }
    MPI_Finalize();
    return (int)status;
}
