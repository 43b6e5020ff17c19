/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#define _GNU_SOURCE /* sched_getcpu, sched_getaffinity, CPU_* */
#include "placement.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void set_add(mt_cpu_set *set, int cpu)
{
    if (cpu >= 0 && cpu < MT_CPUS_MAX) set->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static bool set_has(const mt_cpu_set *set, int cpu)
{
    return cpu >= 0 && cpu < MT_CPUS_MAX && (set->bits[cpu / 64] >> (cpu % 64) & 1) != 0;
}

static void set_union(mt_cpu_set *into, const mt_cpu_set *other)
{
    for (int w = 0; w < MT_CPU_WORDS; w++)
        into->bits[w] |= other->bits[w];
}

int mt_cpu_set_count(const mt_cpu_set *set)
{
    int count = 0;
    for (int w = 0; w < MT_CPU_WORDS; w++)
        count += __builtin_popcountll(set->bits[w]);
    return count;
}

void mt_cpu_set_format(const mt_cpu_set *set, char *text, size_t size)
{
    size_t used = 0;
    text[0] = '\0';
    for (int cpu = 0; cpu < MT_CPUS_MAX && used + 1 < size; cpu++) {
        if (!set_has(set, cpu)) continue;
        int last = cpu;
        while (set_has(set, last + 1))
            last++;
        int n = last > cpu ? snprintf(text + used, size - used, "%s%d-%d", used ? "," : "", cpu, last)
                           : snprintf(text + used, size - used, "%s%d", used ? "," : "", cpu);
        if (n < 0 || (size_t)n >= size - used) break;
        used += (size_t)n;
        cpu = last;
    }
}

int mt_current_cpu(void)
{
    return sched_getcpu();
}

mt_status mt_placement_init(mt_placement *p, int threads, int rank, mt_error *err)
{
    p->count = threads > 0 ? threads : 1;
    p->places = calloc((size_t)p->count, sizeof *p->places);
    if (p->places == NULL) return mt_fail(err, MT_ERR_RUNTIME, "out of memory for the placement");
    char host[MT_HOST_SIZE] = "";
    gethostname(host, sizeof host - 1);
    int32_t host_cpus = (int32_t)sysconf(_SC_NPROCESSORS_ONLN);
    for (int t = 0; t < p->count; t++) {
        p->places[t] = (mt_place){.rank = rank, .thread = t, .cpu = -1, .host_cpus = host_cpus};
        memcpy(p->places[t].host, host, sizeof host);
    }
    return MT_OK;
}

void mt_placement_free(mt_placement *p)
{
    free(p->places);
    p->places = NULL;
    p->count = 0;
}

void mt_placement_start(mt_placement *p)
{
    for (int t = 0; t < p->count; t++) {
        p->places[t].cpu = -1;
        memset(&p->places[t].seen, 0, sizeof p->places[t].seen);
    }
}

void mt_placement_note(mt_placement *p, int thread)
{
    if (p == NULL || thread < 0 || thread >= p->count) return;
    mt_place *place = &p->places[thread];
    int cpu = sched_getcpu();
    if (place->cpu < 0) place->cpu = cpu;
    set_add(&place->seen, cpu);
    if (place->noted) return;
    /* The calling thread's own mask (pid 0): a rank's threads may each have their own. */
    cpu_set_t mask;
    CPU_ZERO(&mask);
    if (sched_getaffinity(0, sizeof mask, &mask) == 0) {
        for (int c = 0; c < CPU_SETSIZE && c < MT_CPUS_MAX; c++)
            if (CPU_ISSET(c, &mask)) set_add(&place->allowed, c);
    }
    place->noted = 1;
}

static bool worked(const mt_place *place)
{
    return place->cpu >= 0;
}

void mt_placement_judge(const mt_place *places, int count, bool mpi, mt_placement_verdict *v)
{
    *v = (mt_placement_verdict){0};
    char text[128];
    /* Only the workers that did work this run (a CPU noted since mt_placement_start): a thread of the team
     * that ran nothing, such as the third of two sections, shares no CPU with anyone. */
    for (int i = 0; i < count; i++) {
        if (!worked(&places[i])) continue;
        /* The first of each host and of each rank: the sums over them. */
        bool first_of_host = true, first_of_rank = true;
        for (int j = 0; j < i; j++) {
            if (!worked(&places[j])) continue;
            first_of_host &= strcmp(places[j].host, places[i].host) != 0;
            first_of_rank &= !(places[j].rank == places[i].rank && strcmp(places[j].host, places[i].host) == 0);
        }
        if (first_of_host) {
            mt_cpu_set allowed = {{0}};
            int workers = 0;
            for (int j = i; j < count; j++)
                if (worked(&places[j]) && strcmp(places[j].host, places[i].host) == 0) {
                    set_union(&allowed, &places[j].allowed);
                    workers++;
                }
            int cpus = mt_cpu_set_count(&allowed);
            v->cpus_allowed_total += cpus;
            if (workers > cpus && cpus > 0 && !v->oversubscribed) {
                v->oversubscribed = true;
                mt_cpu_set_format(&allowed, text, sizeof text);
                snprintf(v->cause, sizeof v->cause,
                         "%d %s on %s share %d CPU%s (%s) and take turns on them; give fewer %s, or more CPUs", workers,
                         mpi ? "workers (ranks x threads)" : "threads", places[i].host, cpus, cpus == 1 ? "" : "s",
                         text, mpi ? "ranks or threads" : "threads (-t)");
            }
        }
        if (first_of_rank) {
            mt_cpu_set allowed = {{0}};
            int threads = 0;
            for (int j = i; j < count; j++)
                if (worked(&places[j]) && places[j].rank == places[i].rank &&
                    strcmp(places[j].host, places[i].host) == 0) {
                    set_union(&allowed, &places[j].allowed);
                    threads++;
                }
            int cpus = mt_cpu_set_count(&allowed);
            /* A rank held to fewer CPUs than its host has: its mask is the cause (a binding, taskset, a job's
             * allocation). A mask of the whole host only says there are more threads than CPUs. */
            if (threads > cpus && cpus > 0 && cpus < places[i].host_cpus) {
                bool earlier = v->oversubscribed;
                v->oversubscribed = true;
                mt_cpu_set_format(&allowed, text, sizeof text);
                /* A rank's own mask is the more telling cause: it replaces the node's. */
                if (!earlier || strstr(v->cause, "take turns") != NULL) {
                    if (mpi)
                        snprintf(v->cause, sizeof v->cause,
                                 "rank %d's %d threads share CPU%s %s: mpirun --bind-to core (Open MPI's default at "
                                 "np <= 2), taskset or a batch job without --cpus-per-task gives this rank %d CPU%s; "
                                 "try --bind-to none or --map-by slot:PE=%d (srun: --cpus-per-task=%d)",
                                 places[i].rank, threads, cpus == 1 ? "" : "s", text, cpus, cpus == 1 ? "" : "s",
                                 threads, threads);
                    else
                        snprintf(v->cause, sizeof v->cause,
                                 "%d threads share CPU%s %s: taskset, a container or a batch job without "
                                 "--cpus-per-task gives this process %d CPU%s; try -t %d, or allow more CPUs "
                                 "(taskset -c, srun --cpus-per-task=%d)",
                                 threads, cpus == 1 ? "" : "s", text, cpus, cpus == 1 ? "" : "s", cpus, threads);
                }
            }
        }
    }
}

static json_t *cpu_list(const mt_cpu_set *set)
{
    json_t *list = json_array();
    for (int cpu = 0; cpu < MT_CPUS_MAX; cpu++)
        if (set_has(set, cpu)) json_array_append_new(list, json_integer(cpu));
    return list;
}

json_t *mt_placement_json(const mt_place *places, int count)
{
    json_t *list = json_array();
    for (int i = 0; i < count; i++) {
        const mt_place *p = &places[i];
        json_t *cpu = mt_cpu_set_count(&p->seen) > 1 ? cpu_list(&p->seen)
                      : p->cpu >= 0                  ? json_integer(p->cpu)
                                                     : json_null();
        char host[4 * MT_HOST_SIZE];
        json_array_append_new(list, json_pack("{s:i, s:i, s:s, s:o, s:o}", "rank", p->rank, "thread", p->thread, "host",
                                              mt_escape_text(p->host, false, host, sizeof host), "cpu", cpu,
                                              "cpus_allowed", cpu_list(&p->allowed)));
    }
    return list;
}

void mt_placement_print(FILE *out, const char *program, const mt_place *places, int count)
{
    for (int i = 0; i < count; i++) {
        const mt_place *p = &places[i];
        char seen[128], allowed[128];
        mt_cpu_set_format(&p->seen, seen, sizeof seen);
        mt_cpu_set_format(&p->allowed, allowed, sizeof allowed);
        fprintf(out, "%s: placement: host %s rank %d thread %d: cpu %s (allowed %s)\n", program, p->host, p->rank,
                p->thread, p->cpu < 0 ? "-" : seen, allowed[0] ? allowed : "?");
    }
}
