#!/usr/bin/env python3

# SPDX-FileCopyrightText: 2026 the multitarefas contributors
#
# SPDX-License-Identifier: BSD-3-Clause

"""peers_activities.py - the Python original's activities, as the peers of our programs in bench/peers.sh.

Faithful to the original lesson: calc_square / calc_cube print 'n ^ k = v' and sleep per item,
atividade1 runs them one after the other, atividade2 on two threading.Thread, and atividade4 maps
calc_cube with multiprocessing.Pool(N).starmap, corrected: the original gives starmap a flat list
of ints (TypeError: each item must be an argument tuple) and calc_cube returns None; here starmap
gets one-argument tuples ([n],) and calc_cube returns its cubes.

Usage: peers_activities.py ACTIVITY [--work sleep|spin|none] [--delay S] [--repeat R] [--processes N]
                                    [--generate N] [--record FILE] [NUMBER...]
ACTIVITY: activity1 | activity2 | starmap | starmap-original | loop | mpi4py-starmap
  mpi4py-starmap runs under mpiexec -n N+1 python3 -m mpi4py.futures (N workers, one manager).
--work spin burns the item's delay of this thread's CPU time (time.thread_time), so two threads
that hold the GIL in turn take twice as long; sleep is the original's time.sleep.
Its record is one JSON object (on stdout, or in --record FILE): activity, n, workers, median seconds
of R timed runs after one warm-up (each timed as the original times it, pool start included), min,
max and whether the results are right. Under mpi4py the workers' own lines go to stdout as well:
--record keeps the record apart from them.
"""
import argparse
import contextlib
import io
import json
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time

WORK = {"kind": "sleep", "delay": 0.1}


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (NAME: error: ...) and exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def work():
    if WORK["kind"] == "sleep":
        time.sleep(WORK["delay"])
    elif WORK["kind"] == "spin":
        deadline = time.thread_time() + WORK["delay"]
        while time.thread_time() < deadline:
            pass


def calc_square(numeros):
    for n in numeros:
        print(f'{n} ^ 2 = {n*n}')
        work()


def calc_cube(numeros):
    cubes = []
    for n in numeros:
        print(f'{n} ^ 3 = {n*n*n}')
        work()
        cubes.append(n * n * n)
    return cubes  # the original returns None


def cube(n):
    return n * n * n


def atividade1(numeros, _workers):
    calc_square(numeros)
    calc_cube(numeros)
    return True


def atividade2(numeros, _workers):
    square_thread = threading.Thread(target=calc_square, args=(numeros,))
    cube_thread = threading.Thread(target=calc_cube, args=(numeros,))
    square_thread.start()
    cube_thread.start()
    square_thread.join()
    cube_thread.join()
    return True


def starmap(numeros, processos):
    if WORK["kind"] == "none":  # the bare map: one cube per item, no print
        with multiprocessing.Pool(processes=processos) as pool:
            resp = pool.starmap(cube, [(n,) for n in numeros])
        return resp == [n ** 3 for n in numeros]
    with multiprocessing.Pool(processes=processos) as pool:
        resp = pool.starmap(calc_cube, [([n],) for n in numeros])  # corrected: argument tuples
    return [c for cubes in resp for c in cubes] == [n ** 3 for n in numeros]


def starmap_original(numeros, processos):
    """The original call, to show what it does: starmap unpacks each int, and raises TypeError."""
    try:
        with multiprocessing.Pool(processes=processos) as pool:
            pool.starmap(calc_cube, numeros)
    except TypeError as error:
        print(f"TypeError: {error}", file=sys.stderr)
        return False
    return True


def loop(numeros, _workers):
    return [cube(n) for n in numeros] == [n ** 3 for n in numeros]


def mpi4py_starmap(numeros, workers):
    from mpi4py.futures import MPIPoolExecutor
    chunk = max(1, len(numeros) // (8 * workers))
    with MPIPoolExecutor(max_workers=workers) as executor:
        if WORK["kind"] == "none":
            resp = list(executor.starmap(cube, [(n,) for n in numeros], chunksize=chunk))
            return resp == [n ** 3 for n in numeros]
        resp = list(executor.starmap(calc_cube, [([n],) for n in numeros]))
    return [c for cubes in resp for c in cubes] == [n ** 3 for n in numeros]


ACTIVITIES = {"activity1": atividade1, "activity2": atividade2, "starmap": starmap,
              "starmap-original": starmap_original, "loop": loop, "mpi4py-starmap": mpi4py_starmap}


def main():
    parser = OneLineParser(prog="peers_activities.py", description=__doc__.splitlines()[0].split(" - ", 1)[1])
    parser.add_argument("activity", choices=sorted(ACTIVITIES))
    parser.add_argument("numbers", nargs="*", type=int)
    parser.add_argument("--work", choices=["sleep", "spin", "none"], default="sleep")
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (at least 1)")
    parser.add_argument("--processes", type=int, default=2, help="workers: processes of the pool")
    parser.add_argument("--generate", type=int, help="N pseudo-random numbers in place of the list")
    parser.add_argument("--record", metavar="FILE", help="write the record here (default: stdout)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    if args.delay < 0:
        parser.error("--delay must not be negative")
    if args.generate is not None and args.generate < 1:
        parser.error("--generate must be at least 1")
    WORK.update(kind=args.work, delay=args.delay)
    numeros = args.numbers or [2, 3, 5, 8]
    if args.generate:
        rng = random.Random(1)
        numeros = [rng.randint(-2097152, 2097151) for _ in range(args.generate)]
    activity = ACTIVITIES[args.activity]
    if args.activity == "starmap-original":
        error = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(error):
            ok = activity(numeros, args.processes)
        report(args.record, {"activity": args.activity, "n": len(numeros), "workers": args.processes,
                             "work": args.work, "time_s": None, "valid": ok, "error": error.getvalue().strip()})
        return
    times, valid = [], True
    for run in range(args.repeat + 1):
        sink = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(sink):  # the lines are printed, as the original prints them
            ok = activity(numeros, args.processes)
        elapsed = time.perf_counter() - start
        valid = valid and ok
        if run > 0:
            times.append(elapsed)
    workers = {"activity1": 1, "loop": 1, "activity2": 2}.get(args.activity, args.processes)
    report(args.record, {"activity": args.activity, "n": len(numeros), "workers": workers, "work": args.work,
                         "time_s": statistics.median(times), "time_min_s": min(times), "time_max_s": max(times),
                         "valid": valid})


def report(path, record):
    """The record: one JSON object on stdout, or in the file PATH (written whole, then moved in place)."""
    if path is None:
        print(json.dumps(record), flush=True)
        return
    with open(path + ".tmp", "w") as f:
        f.write(json.dumps(record) + "\n")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
