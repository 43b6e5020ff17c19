/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* placement.h - where each worker really ran: the CPU it started its work on (and every CPU it was seen on,
 * if it moved), the CPUs its affinity mask allows, and whether workers had to share CPUs. Threads against
 * ranks is only a fair comparison when each worker has a CPU of its own: mpirun binding a rank to one core,
 * taskset, a container or a batch job without --cpus-per-task can quietly take that away.
 *
 * Recording: mt_placement_init makes one entry per thread of this rank before the run; each thread notes itself
 * at the start of its work (mt_placement_note), writing only its own entry: no lock. Entries are plain data,
 * so cube_mpi gathers every rank's at rank 0 as bytes. */
#ifndef MT_PLACEMENT_H
#define MT_PLACEMENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "kernel.h"
#include "status.h"

enum { MT_CPU_WORDS = 16, MT_CPUS_MAX = 64 * MT_CPU_WORDS, MT_HOST_SIZE = 64 };

typedef struct {
    uint64_t bits[MT_CPU_WORDS];
} mt_cpu_set;

/* One worker: a thread of a rank. */
typedef struct {
    int32_t rank, thread;
    int32_t cpu;        /* the CPU it started its work on; -1: it did no work */
    int32_t noted;      /* it noted itself (its allowed CPUs are known) */
    mt_cpu_set seen;    /* every CPU it was seen on at the start of a unit of work */
    mt_cpu_set allowed; /* its affinity mask */
    int32_t host_cpus;  /* the CPUs its host has online */
    char host[MT_HOST_SIZE];
} mt_place;

typedef struct {
    mt_place *places; /* one per worker, in rank-then-thread order */
    int count;
} mt_placement;

/* The CPU the calling thread runs on now (-1 when the system cannot say). */
int mt_current_cpu(void);

/* Entries for threads threads of rank rank on this host. */
mt_status mt_placement_init(mt_placement *placement, int threads, int rank, mt_error *err);
void mt_placement_free(mt_placement *placement);
/* Forget what the last run noted (its CPUs), before a new run. */
void mt_placement_start(mt_placement *placement);

/* Called by thread (< the threads given to init) as it starts a unit of work: the CPU it is on now, and, the
 * first time, its affinity mask. Writes only that thread's entry. */
void mt_placement_note(mt_placement *placement, int thread);

/* What the workers' placement says, as a whole run's (every rank's entries, in rank-then-thread order). */
typedef struct {
    bool oversubscribed;    /* some node's workers outnumber the CPUs their masks allow together, or some
                             * rank's threads outnumber its own mask's CPUs */
    int cpus_allowed_total; /* the CPUs the workers' masks allow, each host's counted once */
    char cause[640];        /* when oversubscribed: the words for it, with what to try instead */
} mt_placement_verdict;

/* mpi: the workers are MPI ranks' threads (the advice names the launcher's options). */
void mt_placement_judge(const mt_place *places, int count, bool mpi, mt_placement_verdict *verdict);

/* The JSON list of the workers: rank, thread, host, cpu (a number, or the list of CPUs when it moved),
 * cpus_allowed (a list). */
json_t *mt_placement_json(const mt_place *places, int count);

/* The map for --verbose and --explain: a line per worker (host, rank, thread, CPU, allowed CPUs). */
void mt_placement_print(FILE *out, const char *program, const mt_place *places, int count);

/* "0-3,6" for a set of CPUs, into text (size bytes). */
void mt_cpu_set_format(const mt_cpu_set *set, char *text, size_t size);
int mt_cpu_set_count(const mt_cpu_set *set);

#endif
