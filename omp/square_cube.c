/*
 * SPDX-FileCopyrightText: 2026 the multitarefas contributors
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

/* square_cube - activities 1 and 2 of the original lesson: the square and the cube of a number list, one item
 * after another (seq), as two concurrent streams (sections: one thread squares while another cubes, the lesson's
 * two threading.Threads), and as one OpenMP task per item and operation (tasks).
 *
 * USAGE  square_cube [--mode seq|sections|tasks] [-t THREADS] [--ordered] [NUMBER...]
 * NOTES  Timed (by the harness, around each mode's function): the items' work, computation and live printing;
 *        not reading the list, starting the team or validating. n counts the input items, two operations each.
 *        Ideal time with sleep work (d the delay, W threads): seq 2nd, sections nd, tasks ceil(2n/W)d. */
#include <math.h>

#include <omp.h>

#include "harness.h"

/* One unit of work: the item's delay, its square or cube, and (the last run, unless --ordered) its line at once.
 * The probe notes when and where it ran: squares are units 0 to n - 1, cubes n to 2n - 1. */
static void do_item(mt_job *job, uint64_t i, mt_operation op)
{
    int64_t *results = op == MT_OP_SQUARE ? job->squares : job->cubes;
    MT_PROBE (op == MT_OP_SQUARE ? &job->square_probe : &job->cube_probe, i) {
        mt_work_do(&job->work);
        results[i] = mt_power(job->values[i], op);
    }
    if (job->print_live != NULL) mt_print_power(job->print_live, job->values[i], op, results[i]);
}

/* Activity 1: all the squares, then all the cubes, on the calling thread. */
static void run_seq(mt_job *job)
{
    for (uint64_t i = 0; i < job->n; i++)
        do_item(job, i, MT_OP_SQUARE);
    for (uint64_t i = 0; i < job->n; i++)
        do_item(job, i, MT_OP_CUBE);
}

/* Activity 2: the two loops of activity 1 as two sections, run at the same time by two threads. */
static void run_sections(mt_job *job)
{
#pragma omp parallel
    {
        /* Each section is one block of work given to one thread; the team's other threads idle. */
#pragma omp sections
        {
#pragma omp section
            for (uint64_t i = 0; i < job->n; i++)
                do_item(job, i, MT_OP_SQUARE);
#pragma omp section
            for (uint64_t i = 0; i < job->n; i++)
                do_item(job, i, MT_OP_CUBE);
        }
    }
}

/* One task per item and operation: W threads keep W items in flight, whatever the list's length. */
static void run_tasks(mt_job *job)
{
#pragma omp parallel
    {
        /* One thread creates the tasks; every thread of the team (the creator too) runs them. */
#pragma omp single
        {
            for (uint64_t i = 0; i < job->n; i++) {
#pragma omp task firstprivate(i)
                do_item(job, i, MT_OP_SQUARE);
            }
            for (uint64_t i = 0; i < job->n; i++) {
#pragma omp task firstprivate(i)
                do_item(job, i, MT_OP_CUBE);
            }
        } /* the single's implicit barrier waits for every task */
    }
}

/* Ideal seconds with sleep work: n items, delay d, W workers. */
static double ideal_seq(uint64_t n, double delay, int workers)
{
    (void)workers;
    return 2.0 * (double)n * delay;
}

static double ideal_sections(uint64_t n, double delay, int workers)
{
    return (workers >= 2 ? 1.0 : 2.0) * (double)n * delay;
}

static double ideal_tasks(uint64_t n, double delay, int workers)
{
    return ceil(2.0 * (double)n / workers) * delay;
}

/* The program, declared to the harness: its modes, its own option (--ordered) and its help. */
static const mt_mode modes[] = {
    {"seq", run_seq, ideal_seq, true},
    {"sections", run_sections, ideal_sections, false},
    {"tasks", run_tasks, ideal_tasks, false},
};

static const mt_option own_options[] = {
    {"ordered", 0, NULL, "print the results in input order after the run, not live as they complete", "Printing:"},
};

static mt_status parse_ordered(void *settings, int index, const char *value, mt_error *err)
{
    (void)index;
    (void)value;
    (void)err;
    *(bool *)settings = true;
    return MT_OK;
}

static bool prints_live(const void *settings)
{
    return !*(const bool *)settings; /* not --ordered */
}

static const mt_lesson square_cube = {
    .program =
        {
            .name = "square_cube",
            .summary = "The square and the cube of each number: in sequence, as two OpenMP sections, or as tasks.",
            .numbers = true,
            .operands = "[--] [NUMBER]...",
            .modes_help =
                "  seq        activity 1: all squares, then all cubes, on one thread\n"
                "  sections   activity 2: one OpenMP section squares while another cubes\n"
                "  tasks      one OpenMP task per item and operation (8 threads: the default list in one delay)\n",
            .options = own_options,
            .option_count = 1,
            .parse_option = parse_ordered,
            .notes = "Timed: the items' work, computation and printing; not reading the list nor validating.\n"
                     "Ideal time with sleep work, d the delay, W threads: seq 2nd, sections nd, tasks ceil(2n/W)d.\n"
                     "Examples:\n"
                     "  square_cube                                  # activity 1, about 0.8 s\n"
                     "  square_cube --mode sections                  # activity 2, about 0.4 s\n"
                     "  OMP_NUM_THREADS=8 square_cube --mode tasks   # about 0.1 s\n"
                     "  square_cube --mode tasks -t 4 -- -3 4 1000   # negative numbers after --\n",
        },
    .modes = modes,
    .mode_count = 3,
    .squares = true,
    .prints_live = prints_live,
};

int main(int argc, char **argv)
{
    bool ordered = false;
    return mt_harness_main(argc, argv, &square_cube, &ordered);
}
