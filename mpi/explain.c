/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include "explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
    char host[64];
    int threads, node, node_rank, leader;
    long long first, count;
} rank_info;

static void print_header(const world_info *w, uint64_t n, uint64_t round_n, uint64_t chunk, bool shared, int node_count)
{
    if (shared) {
        fprintf(stderr,
                "%s: %llu items over %d rank%s on %d node%s, each node's share in one MPI-3 shared window\n"
                "  (node shares in proportion to their ranks, moved by the node leaders with Scatterv/Gatherv;\n"
                "  each rank cubes its range of its node's window in place)\n",
                w->program, (unsigned long long)n, w->size, w->size == 1 ? "" : "s", node_count,
                node_count == 1 ? "" : "s");
    } else {
        unsigned long long extra = round_n % (uint64_t)w->size;
        char split[64] = "equal shares";
        if (extra > 0)
            snprintf(split, sizeof split, "the first %llu rank%s one more", extra, extra == 1 ? " takes" : "s take");
        fprintf(stderr, "%s: %llu items over %d rank%s with MPI_Scatterv (block split: %s)\n", w->program,
                (unsigned long long)n, w->size, w->size == 1 ? "" : "s", split);
    }
    if (chunk > 0)
        fprintf(stderr, "%s: streamed in %llu rounds of up to %llu items per rank; the first round:\n", w->program,
                (unsigned long long)(round_n ? (n + round_n - 1) / round_n : 0), (unsigned long long)chunk);
}

/* The line of a node (shared): its leader and its items. */
static void print_node(const rank_info *all, int ranks, int node)
{
    long long first = -1, last = 0;
    int leader = 0;
    for (int r = 0; r < ranks; r++)
        if (all[r].node == node) {
            if (first < 0 || all[r].first < first) first = all[r].first;
            if (all[r].first + all[r].count > last) last = all[r].first + all[r].count;
            leader = all[r].leader;
        }
    fprintf(stderr, "  node %d (leader rank %d on %s): items [%lld, %lld)\n", node, leader, all[leader].host, first,
            last < first ? first : last);
}

mt_status explain_split(const world_info *w, const explain_part *part, uint64_t n, uint64_t round_n, uint64_t chunk,
                        bool shared, int node_count, mt_error *err)
{
    rank_info this_rank = {.threads = w->threads,
                           .node = part->node,
                           .node_rank = w->node_rank,
                           .leader = w->rank,
                           .first = part->first,
                           .count = part->count};
    gethostname(this_rank.host, sizeof this_rank.host - 1);
    MPI_CHECK(MPI_Bcast(&this_rank.leader, 1, MPI_INT, 0, w->node));
    rank_info *all = w->rank == 0 ? calloc((size_t)w->size, sizeof *all) : NULL;
    if (w->rank == 0 && all == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory");
    int code = MPI_Gather(&this_rank, sizeof this_rank, MPI_BYTE, all, sizeof this_rank, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (code != MPI_SUCCESS || w->rank != 0) {
        free(all);
        MPI_CHECK(code);
        return MT_OK;
    }
    print_header(w, n, round_n, chunk, shared, node_count);
    for (int node = 0; node < (shared ? node_count : 1); node++) {
        if (shared) print_node(all, w->size, node);
        for (int r = 0; r < w->size; r++) {
            if (shared && all[r].node != node) continue;
            fprintf(stderr, "%s  rank %d on %s", shared ? "  " : "", r, all[r].host);
            if (shared) fprintf(stderr, " (node rank %d)", all[r].node_rank);
            fprintf(stderr, ": items [%lld, %lld), %lld item%s, %d thread%s\n", all[r].first,
                    all[r].first + all[r].count, all[r].count, all[r].count == 1 ? "" : "s", all[r].threads,
                    all[r].threads == 1 ? "" : "s");
        }
    }
    free(all);
    return MT_OK;
}
